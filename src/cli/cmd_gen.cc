// strata gen trades|quotes
#include <chrono>
#include <cstdio>

#include "cli/cli.h"
#include "gen/market_gen.h"
#include "strata/timestamp.h"

namespace strata::cli {
namespace {

struct GenArgs {
  std::string kind;
  int symbols = 8;
  int64_t rows = 1'000'000;
  std::string date = "2026-03-02";
  uint64_t seed = 42;
  std::string out;
};

Status Gen(const GenArgs& args) {
  auto start = std::chrono::steady_clock::now();
  GenOptions options;
  if (args.kind == "trades") {
    options.kind = GenKind::kTrades;
  } else if (args.kind == "quotes") {
    options.kind = GenKind::kQuotes;
  } else {
    return Status::InvalidArgument("gen makes 'trades' or 'quotes', not '" + args.kind + "'");
  }
  if (args.symbols < 1) return Status::InvalidArgument("--symbols must be at least 1");
  if (args.rows < 0) return Status::InvalidArgument("--rows must not be negative");
  if (args.date.size() != 10) return Status::InvalidArgument("--date wants YYYY-MM-DD, got '" + args.date + "'");
  auto day = ParseTimestamp(args.date);
  if (!day.ok()) return Status::InvalidArgument("--date: " + day.status().message());
  options.day_start_ns = *day;
  options.symbols = args.symbols;
  options.rows = args.rows;
  options.seed = args.seed;
  MarketGenerator gen(options);
  ASSIGN_OR_RETURN(auto file, DefaultFileSystem()->NewWritableFile(args.out, OpenMode::kTruncate));
  RETURN_IF_ERROR(WriteCsv(&gen, file.get()));
  RETURN_IF_ERROR(file->Close());
  std::printf("wrote %s %s rows for %d symbols on %s to %s (%s) in %.2f s\n", WithThousands(args.rows).c_str(),
              args.kind.c_str(), args.symbols, args.date.c_str(), args.out.c_str(), HumanBytes(file->Size()).c_str(),
              SecondsSince(start));
  return Status::OK();
}

}  // namespace

void AddGenCommand(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<GenArgs>();
  CLI::App* cmd = app.add_subcommand("gen", "generate a realistic synthetic day of trades or quotes as CSV");
  cmd->add_option("kind", args->kind, "trades or quotes")->required();
  cmd->add_option("--symbols", args->symbols, "number of symbols (AAPL, MSFT, ... then S0040, ...)")
      ->capture_default_str();
  cmd->add_option("--rows", args->rows, "total rows across all symbols")->capture_default_str();
  cmd->add_option("--date", args->date, "trading day, YYYY-MM-DD (session 14:30-21:00 UTC)")->capture_default_str();
  cmd->add_option("--seed", args->seed, "random seed; the same seed gives the same file")->capture_default_str();
  cmd->add_option("--out", args->out, "output CSV file")->required();
  cmd->footer(
      "Prices walk on a 0.01 tick grid; arrivals follow a U-shaped intraday intensity; sizes are mostly\n"
      "round lots with a heavy tail. Trades and quotes with the same seed and symbols fit together.\n"
      "Examples:\n"
      "  strata gen trades --symbols 8 --rows 2000000 --date 2026-03-02 --seed 1 --out trades.csv\n"
      "  strata gen quotes --symbols 8 --rows 3000000 --date 2026-03-02 --seed 1 --out quotes.csv");
  cmd->callback([ctx, args] { Run(ctx, [&] { return Gen(*args); }); });
}

}  // namespace strata::cli
