// The `strata` command line. Each cmd_*.cc adds one group of subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/database.h"
#include "strata/status.h"

namespace strata::cli {

// State shared by all subcommands of one invocation.
struct Context {
  std::string root = "./strata-data";
  bool accept_wal_loss = false;       // --accept-wal-loss (Options::accept_wal_loss)
  bool skip_bad_wal_records = false;  // --skip-bad-wal-records (Options::skip_bad_wal_records)
  Status status;                      // the first failure; main prints it and exits non-zero

  // Opens the database at `root` for writing or reading.
  Result<std::unique_ptr<Database>> OpenDatabase(bool read_only, const std::string& note) const;
};

// Runs `fn` and records its failure in ctx.status.
template <typename Fn>
void Run(Context* ctx, Fn&& fn) {
  Status st = fn();
  if (!st.ok() && ctx->status.ok()) ctx->status = st;
}

void AddInitAndTableCommands(CLI::App& app, Context* ctx);
void AddSchemaCommands(CLI::App& app, Context* ctx);  // `table add-column` (cmd_schema.cc)
void AddIngestCommand(CLI::App& app, Context* ctx);
void AddExportCommand(CLI::App& app, Context* ctx);
void AddQueryCommands(CLI::App& app, Context* ctx);
void AddStatsCommand(CLI::App& app, Context* ctx);
void AddGenCommand(CLI::App& app, Context* ctx);
void AddParquetCommands(CLI::App& app, Context* ctx);
void AddModelCommands(CLI::App& app, Context* ctx);
void AddTensorCommands(CLI::App& app, Context* ctx);
void AddFlushCommand(CLI::App& app, Context* ctx);
void AddMigrateCommands(CLI::App& app, Context* ctx);
void AddVerifyCommand(CLI::App& app, Context* ctx);
void AddRecoverCommand(CLI::App& app, Context* ctx);
void AddBackupCommands(CLI::App& app, Context* ctx);
void AddArchiveCommands(CLI::App& app, Context* ctx);
void AddReplicaCommand(CLI::App& app, Context* ctx);
void AddTrialsCommands(CLI::App& app, Context* ctx);
void AddSqlCommand(CLI::App& app, Context* ctx);
void AddQuarantineCommands(CLI::App& app, Context* ctx);
void AddBookCommand(CLI::App& app, Context* ctx);
void AddTailCommand(CLI::App& app, Context* ctx);
void AddPositionsCommand(CLI::App& app, Context* ctx);
void AddFeaturesCommands(CLI::App& app, Context* ctx);
void AddServeCommands(CLI::App& app, Context* ctx);
void AddIcebergCommands(CLI::App& app, Context* ctx);

// The top-level commands in the groups that register them together (`commands` as the user types
// them, aliases included). RunCli registers only the group of the command given.
struct CommandGroup {
  std::vector<std::string> commands;
  std::function<void(CLI::App&, Context*)> add;
};
const std::vector<CommandGroup>& CommandGroups();

// The command word of argv: the first word that is neither a global option nor --root's value;
// "" when there is none (`strata --help`).
std::string CommandWord(int argc, char** argv);

// Parses argv, runs the subcommand, prints errors as one line; returns the exit code.
int RunCli(int argc, char** argv);

// Helpers for commands.
bool StdoutIsTerminal();
bool StderrIsTerminal();
// "a,b,,c" -> {"a", "b", "c"} (empty items dropped).
std::vector<std::string> SplitCommaList(const std::string& text);
// "1,234,567"
std::string WithThousands(uint64_t n);
// "12.3 MB"
std::string HumanBytes(uint64_t bytes);
// Seconds since `start` (steady clock), for "took 1.23 s".
double SecondsSince(std::chrono::steady_clock::time_point start);

}  // namespace strata::cli
