// strata features (feature windows) and strata windows (walk-forward folds): src/state, features.cc.
#include <charconv>
#include <cstdio>

#include "cli/cli.h"
#include "cli/output.h"
#include "strata/state.h"
#include "strata/timestamp.h"

namespace strata::cli {

namespace {

Result<int64_t> FeatureDuration(const std::string& flag, const std::string& text) {
  auto d = ParseDuration(text);
  if (!d.ok()) return Status::InvalidArgument(flag + ": " + d.status().message());
  if (*d <= 0) return Status::InvalidArgument(flag + " must be > 0, not " + text);
  return *d;
}

Result<int64_t> FeatureTime(const std::string& flag, const std::string& text) {
  auto t = ParseTimestamp(text);
  if (!t.ok()) return Status::InvalidArgument(flag + ": " + t.status().message());
  return *t;
}

void AddFeaturesCommand(CLI::App& app, Context* ctx) {
  struct Args {
    std::string table, symbol, window, format = "table";
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("features", "a symbol's latest feature vector, or a window of the latest ones");
  cmd->add_option("table", args->table, "a table of feature vectors (ts, symbol, any f64 columns)")->required();
  cmd->add_option("symbol", args->symbol, "the symbol")->required();
  cmd->add_option("--window", args->window,
                  "N: the last N vectors; a duration (60s, 5m, 1h): the vectors of the last D before the latest "
                  "(ts in (latest - D, latest]). Default: the latest vector");
  cmd->add_option("--format", args->format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->footer(
      "A feature table is any table with ts, symbol and value columns, one row per symbol and time,\n"
      "e.g. 100 f64 features per row:\n"
      "  strata table create feats --schema ts:timestamp,symbol:symbol,f0:f64,f1:f64,f2:f64\n"
      "Without --window: the symbol's latest row (Database::Latest: no scan of the day).\n"
      "--window N: its last N rows; --window 60s: its rows with ts in (latest - 60s, latest].\n"
      "A window reads only its own rows, from whichever tiers hold them, oldest first: the rows\n"
      "`strata query` of the symbol ends with. In C++, LatestFeatures and FeatureWindow\n"
      "(strata/state.h) return the window as one RecordBatch, each column one contiguous vector\n"
      "(a [rows x features] block, column-major).\n"
      "Examples:\n"
      "  strata features feats AAPL\n"
      "  strata features feats AAPL --window 60\n"
      "  strata features feats AAPL --window 5m --format csv");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(args->format));
      size_t n = 0;
      int64_t duration = 0;
      if (!args->window.empty()) {
        if (args->window.find_first_not_of("0123456789") == std::string::npos) {
          const char* end = args->window.data() + args->window.size();
          if (std::from_chars(args->window.data(), end, n).ptr != end || n == 0) {
            return Status::InvalidArgument("--window must be a row count > 0 or a duration, not " + args->window);
          }
        } else {
          ASSIGN_OR_RETURN(duration, FeatureDuration("--window", args->window));
        }
      }
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      ASSIGN_OR_RETURN(TableDef def, db->GetTable(args->table));
      Result<RecordBatch> rows = args->window.empty() ? LatestFeatures(db.get(), args->table, args->symbol)
                                                      : FeatureWindow(db.get(), args->table, args->symbol, n, duration);
      if (!rows.ok()) return rows.status().WithContext("features of " + args->table + " " + args->symbol);
      BatchPrinter printer(stdout, format, def.schema.fields());
      printer.Print(*rows);
      printer.Finish();
      return Status::OK();
    });
  });
}

void AddWindowsCommand(CLI::App& app, Context* ctx) {
  struct Args {
    std::string table, from, to, train, test, step, format = "table";
    bool count = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("windows", "walk-forward folds (train range, test range) over a time range");
  cmd->add_option("table", args->table, "the table the folds read")->required();
  cmd->add_option("--from", args->from, "start of the range, inclusive")->required();
  cmd->add_option("--to", args->to, "end of the range, exclusive")->required();
  cmd->add_option("--train", args->train, "train length (e.g. 20d)")->required();
  cmd->add_option("--test", args->test, "test (validation) length after each train range (e.g. 5d)")->required();
  cmd->add_option("--step", args->step, "how far each fold moves (e.g. 5d)")->required();
  cmd->add_flag("--count", args->count, "also count the rows of each range (one scan per range)");
  cmd->add_option("--format", args->format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->footer(
      "Walk-forward validation: train on a window of the past, test on the window right after it,\n"
      "then move both forward by --step and repeat. Fold k (from 0):\n"
      "  train [from + k*step, from + k*step + train)   test [train end, train end + test)\n"
      "Folds whose test range would end after --to are not made; none fits when --train plus --test\n"
      "is longer than the range. Ranges include their start and exclude their end, so fold k's test\n"
      "range is the scan `strata query TABLE --from TEST_FROM --to TEST_TO` (every symbol); with\n"
      "--count each range is scanned once and its rows counted. Times are UTC (2026-01-01 or\n"
      "2026-01-01T09:30:00); lengths are durations (20d, 6h, 90m, 30s). At most 1,000,000 folds.\n"
      "In C++: WalkForwardFolds and FoldScan (strata/state.h).\n"
      "Examples:\n"
      "  strata windows feats --from 2026-01-01 --to 2026-04-01 --train 20d --test 5d --step 5d\n"
      "  strata windows feats --from 2026-01-01 --to 2026-04-01 --train 20d --test 5d --step 5d --count \\\n"
      "      --format csv");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(args->format));
      ASSIGN_OR_RETURN(int64_t from, FeatureTime("--from", args->from));
      ASSIGN_OR_RETURN(int64_t to, FeatureTime("--to", args->to));
      ASSIGN_OR_RETURN(int64_t train, FeatureDuration("--train", args->train));
      ASSIGN_OR_RETURN(int64_t test, FeatureDuration("--test", args->test));
      ASSIGN_OR_RETURN(int64_t step, FeatureDuration("--step", args->step));
      ASSIGN_OR_RETURN(std::vector<Fold> folds, WalkForwardFolds(from, to, train, test, step));
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      RETURN_IF_ERROR(db->GetTable(args->table).status());
      std::vector<Field> fields = {{"fold", ColumnType::kInt64},
                                   {"train_from", ColumnType::kTimestamp},
                                   {"train_to", ColumnType::kTimestamp},
                                   {"test_from", ColumnType::kTimestamp},
                                   {"test_to", ColumnType::kTimestamp}};
      if (args->count) {
        fields.push_back({"train_rows", ColumnType::kInt64});
        fields.push_back({"test_rows", ColumnType::kInt64});
      }
      RecordBatch out(fields);
      for (const Fold& f : folds) {
        out.column(0).AppendInt64(f.index);
        out.column(1).AppendInt64(f.train_from);
        out.column(2).AppendInt64(f.train_to);
        out.column(3).AppendInt64(f.test_from);
        out.column(4).AppendInt64(f.test_to);
        if (args->count) {
          for (bool train : {true, false}) {
            ASSIGN_OR_RETURN(auto cursor, db->NewScan(FoldScan(args->table, f, train)));
            int64_t rows = 0;
            RecordBatch b;
            for (;;) {
              ASSIGN_OR_RETURN(bool more, cursor->Next(&b));
              if (!more) break;
              rows += static_cast<int64_t>(b.num_rows());
            }
            out.column(train ? 5 : 6).AppendInt64(rows);
          }
        }
      }
      BatchPrinter printer(stdout, format, fields);
      printer.Print(out);
      printer.Finish();
      if (folds.empty()) {
        std::fprintf(stderr, "strata: no fold fits: --train plus --test is longer than --from..--to\n");
      }
      return Status::OK();
    });
  });
}

}  // namespace

void AddFeaturesCommands(CLI::App& app, Context* ctx) {
  AddFeaturesCommand(app, ctx);
  AddWindowsCommand(app, ctx);
}

}  // namespace strata::cli
