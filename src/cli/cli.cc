#include "cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string_view>

#include "backup/replica.h"
#include "query/query_options.h"
#include "strata/timestamp.h"

namespace strata::cli {

Result<std::unique_ptr<Database>> Context::OpenDatabase(bool read_only, const std::string& note) const {
  Options options;
  options.read_only = read_only;
  options.process_note = note;
  options.accept_wal_loss = accept_wal_loss;
  options.skip_bad_wal_records = skip_bad_wal_records;
  auto db = Database::Open(root, options);
  if (db.ok() && read_only) {
    // A replica says how far behind its source it was at its last pass (strata replica status).
    auto replica = backup::GetReplicaInfo(root);
    if (replica.ok() && *replica) {
      const backup::ReplicaInfo& r = **replica;
      std::fprintf(stderr,
                   "note: %s is a read-only replica of %s at LSN %llu; the archive's newest was LSN %llu at %s "
                   "(strata replica status)\n",
                   root.c_str(), r.source.c_str(), static_cast<unsigned long long>(r.applied_lsn),
                   static_cast<unsigned long long>(r.source_lsn),
                   r.polled_at_ns > 0 ? FormatTimestamp(r.polled_at_ns).c_str() : "no pass yet");
    }
  }
  return db;
}

bool StdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

std::vector<std::string> SplitCommaList(const std::string& text) { return query::SplitList(text); }

std::string WithThousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string HumanBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, kUnits[u]);
  return buf;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const std::vector<CommandGroup>& CommandGroups() {
  static const std::vector<CommandGroup> groups = {
      {{"init", "table"},
       [](CLI::App& app, Context* ctx) {
         AddInitAndTableCommands(app, ctx);
         AddSchemaCommands(app, ctx);  // after the `table` command it extends
       }},
      {{"ingest"}, AddIngestCommand},
      {{"export"}, AddExportCommand},
      {{"query", "latest"}, AddQueryCommands},
      {{"stats"}, AddStatsCommand},
      {{"gen"}, AddGenCommand},
      {{"parquet"}, AddParquetCommands},
      {{"model"}, AddModelCommands},
      {{"tensor"}, AddTensorCommands},
      {{"flush"}, AddFlushCommand},
      {{"migrate", "retention"}, AddMigrateCommands},
      {{"verify"}, AddVerifyCommand},
      {{"recover-catalog"}, AddRecoverCommand},
      {{"backup", "restore"}, AddBackupCommands},
      {{"archive"}, AddArchiveCommands},
      {{"replica"}, AddReplicaCommand},
      {{"run", "lineage", "study", "trials", "trial"}, AddTrialsCommands},
      {{"quarantine"}, AddQuarantineCommands},
      {{"book"}, AddBookCommand},
      {{"tail"}, AddTailCommand},
      {{"orders", "positions"}, AddPositionsCommand},
      {{"features", "windows"}, AddFeaturesCommands},
      {{"sql"}, AddSqlCommand},
      {{"serve", "doctor", "maintain"}, AddServeCommands},
      {{"iceberg"}, AddIcebergCommands},
  };
  return groups;
}

std::string CommandWord(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--root") {
      ++i;  // its value
    } else if (!arg.starts_with("-")) {
      return std::string(arg);
    }
  }
  return "";
}

int RunCli(int argc, char** argv) {
  CLI::App app{
      "strata: a tiered storage engine for trading and machine-learning data.\n"
      "Appends go through a write-ahead log into a hot in-memory tier; every acknowledged row\n"
      "survives kill -9."};
  app.name("strata");
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", "strata 0.1.0");
  Context ctx;
  if (const char* env = std::getenv("STRATA_ROOT"); env != nullptr && *env != '\0') ctx.root = env;
  app.add_option("--root", ctx.root, "database directory (env STRATA_ROOT, default ./strata-data)");
  app.add_flag("--accept-wal-loss", ctx.accept_wal_loss,
               "open even though the write-ahead log is missing or ends before the LSN the last clean close "
               "made durable (those rows are lost; see doc/durability.md)");
  app.add_flag("--skip-bad-wal-records", ctx.skip_bad_wal_records,
               "open even though a write-ahead log record cannot be replayed: skip it with a warning (its rows "
               "are lost; flush afterwards so that later opens need no flag)");
  app.footer(
      "Start here:\n"
      "  strata init                                   # create ./strata-data\n"
      "  strata table create trades --template trades\n"
      "  strata gen trades --symbols 8 --rows 1000000 --date 2026-03-02 --out trades.csv\n"
      "  strata ingest trades trades.csv\n"
      "  strata query trades --symbol AAPL --from 2026-03-02T14:30 --to 2026-03-02T15:30\n"
      "  strata latest trades\n"
      "  strata stats\n"
      "  strata parquet inspect FILE.parquet              # any Parquet file, any writer\n"
      "Run `strata COMMAND --help` for each command's options and examples.");

  // Only the group of the command given: CLI11's whole tree (every command, option and help text,
  // about 9,000 allocations) was most of a short command's start under the sanitizers, where the
  // tests start the binary ~1,500 times. No command word (`strata --help`), or one no group has (a
  // typo, answered with the list of commands): every group.
  const std::string word = CommandWord(argc, argv);
  bool known = false;
  for (const CommandGroup& group : CommandGroups()) {
    if (std::find(group.commands.begin(), group.commands.end(), word) != group.commands.end()) {
      group.add(app, &ctx);
      known = true;
    }
  }
  if (!known) {
    for (const CommandGroup& group : CommandGroups()) group.add(app, &ctx);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // "A subcommand is required" when the word given is not a command: say which word.
    CLI::App* at = &app;
    std::string path = "strata";
    while (!at->get_subcommands().empty()) {
      at = at->get_subcommands().front();
      path += " " + at->get_name();
    }
    // With fallthrough an unknown word may land in any parent: look in all of them.
    const std::vector<std::string> extra = app.remaining(/*recurse=*/true);
    if (at->get_require_subcommand_min() > 0 && !extra.empty() && !extra.front().starts_with("-")) {
      std::string names;
      for (const CLI::App* sub : at->get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
      std::fprintf(stderr, "strata: error: %s is not a command of `%s` (commands: %s)\n",
                   QuoteForMessage(extra.front(), 60).c_str(), path.c_str(), names.c_str());
      std::fprintf(stderr, "Run `%s --help` for usage.\n", path.c_str());
      return 2;
    }
    std::fprintf(stderr, "strata: error: %s\n", e.what());
    std::fprintf(stderr, "Run `strata --help` or `strata COMMAND --help` for usage.\n");
    return 2;
  }
  if (!ctx.status.ok()) {
    std::fprintf(stderr, "strata: error: %s\n", ctx.status.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace strata::cli
