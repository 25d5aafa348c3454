// strata migrate, strata retention
#include <cstdio>

#include "cli/cli.h"
#include "strata/timestamp.h"

namespace strata::cli {

void PrintRunResult(const char* what, const TierRunResult& r);

namespace {

struct MigrateArgs {
  std::string table;
  std::string before;
  bool all = false;
  bool no_policy = false;
  bool quiet = false;
};

}  // namespace

void AddMigrateCommands(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<MigrateArgs>();
  CLI::App* cmd = app.add_subcommand("migrate", "move warm files to the cold tier (merge, sort, dedup, zstd)");
  cmd->add_option("--table", args->table, "only this table (default: every table)");
  cmd->add_option("--before", args->before, "migrate warm files whose rows are all before this date/time");
  cmd->add_flag("--all", args->all, "migrate every warm file");
  cmd->add_flag("--no-policy", args->no_policy, "ignore the tables' warm_days / warm_max_bytes policies");
  cmd->add_flag("-q,--quiet", args->quiet, "no progress lines");
  cmd->footer(
      "Without --before or --all, migrates what the tables' policies select (warm_days, warm_max_bytes).\n"
      "Each series-month becomes one cold/<table>/year=YYYY/month=MM/symbol=<SYM>/part-<seq>.parquet\n"
      "(merged with the month's existing cold part when late data arrived), deduplicated by the table's\n"
      "dedup key, written, read back and checked, committed, and only then are the warm files deleted.\n"
      "Examples:\n"
      "  strata migrate --table trades --before 2026-03-01\n"
      "  strata migrate --all\n"
      "  strata migrate                      # what the policies say");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      MigrateOptions options;
      options.table = args->table;
      options.all = args->all;
      options.apply_policy = !args->no_policy;
      if (!args->before.empty()) {
        auto ts = ParseTimestamp(args->before);
        if (!ts.ok()) return Status::InvalidArgument("--before: " + ts.status().message());
        options.before_ts = *ts;
      }
      if (!args->quiet) {
        options.on_progress = [](std::string_view line) {
          std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
        };
      }
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata migrate"));
      ASSIGN_OR_RETURN(TierRunResult r, db->Migrate(options));
      if (r.files_in == 0) {
        std::printf("nothing to migrate\n");
      } else {
        PrintRunResult("migrated", r);
      }
      return db->Close();
    });
  });

  CLI::App* ret = app.add_subcommand("retention", "delete cold files older than the tables' cold_days");
  ret->footer(
      "Only tables with a cold_days policy lose data; the catalog forgets a file first, then it is deleted.\n"
      "A cold file locked by a cold_lock_days policy is kept until its lock ends (a warning names it).\n"
      "Examples:\n"
      "  strata table set-policy trades --cold-days 3650\n"
      "  strata retention");
  ret->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata retention"));
      ASSIGN_OR_RETURN(TierRunResult r, db->ApplyRetention());
      std::printf("retention: deleted %s cold files (%s rows, %s)", WithThousands(r.files_in).c_str(),
                  WithThousands(r.rows_in).c_str(), HumanBytes(r.bytes_in).c_str());
      if (r.files_locked > 0) {
        std::printf("; kept %s expired cold files that are locked (policy cold_lock_days)",
                    WithThousands(r.files_locked).c_str());
      }
      std::printf("\n");
      return db->Close();
    });
  });
}

}  // namespace strata::cli
