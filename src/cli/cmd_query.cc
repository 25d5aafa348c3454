// strata query, strata latest
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/cli.h"
#include "cli/output.h"
#include "query/asof.h"
#include "query/bars.h"
#include "query/plan.h"
#include "query/query_options.h"
#include "query/sink.h"
#include "strata/query.h"
#include "strata/timestamp.h"

namespace strata::cli {
namespace {

using query::BatchStream;

// The query options (shared with the HTTP server's /v1/query) and what only the CLI has.
struct QueryArgs : query::QueryOptions {
  std::string format;
  int repeat = 1;
  std::string out;
  bool explain = false;
};

Result<OutputFormat> ChooseFormat(const std::string& format) {
  if (format.empty()) return StdoutIsTerminal() ? OutputFormat::kTable : OutputFormat::kCsv;
  return ParseOutputFormat(format);
}

// The plan of the flags, checked before the database is opened. Errors name the flag.
Result<query::LogicalPlan> MakePlan(const QueryArgs& a) {
  if (a.repeat < 1) return Status::InvalidArgument("--repeat must be at least 1");
  return query::PlanFromOptions(a, "--");
}

double Median(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? static_cast<double>(v[n / 2])
               : (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2;
}

Status Query(Context* ctx, const QueryArgs& args) {
  ASSIGN_OR_RETURN(query::LogicalPlan logical, MakePlan(args));
  OutputFormat format = OutputFormat::kCsv;
  if (args.out.empty()) {
    ASSIGN_OR_RETURN(format, ChooseFormat(args.format));
  } else if (!args.format.empty()) {
    return Status::InvalidArgument("--format and --out cannot be combined (--out writes Parquet)");
  }
  ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));

  std::vector<int64_t> times;
  query::QueryPlan plan;
  uint64_t rows = 0;
  for (int run = 0; run < args.repeat; ++run) {
    plan = query::QueryPlan();
    const bool last = run == args.repeat - 1;
    auto start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(std::unique_ptr<BatchStream> stream, query::Execute(db.get(), logical, &plan));
    if (!last) {
      ASSIGN_OR_RETURN(rows, query::Drain(stream.get()));
    } else if (!args.out.empty()) {
      ASSIGN_OR_RETURN(rows, query::WriteStreamToParquet(DefaultFileSystem(), args.out, stream.get()));
    } else {
      BatchPrinter printer(stdout, format, stream->fields());
      ASSIGN_OR_RETURN(rows, query::Drain(stream.get(), [&](const RecordBatch& b) { printer.Print(b); }));
      printer.Finish();
    }
    stream.reset();  // the cursors release their files
    plan.total_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    times.push_back(plan.total_ns);
    // The time not spent inside the operators is the output's (and the drain loop's).
    query::StageStats* out_stage =
        plan.AddStage(args.out.empty() ? (last ? "output (print)" : "output (discard)") : "output (parquet)");
    out_stage->rows_out = rows;
    int64_t inside = 0;
    for (const auto& st : plan.stages()) inside += st->self_ns;
    out_stage->self_ns = out_stage->inclusive_ns = std::max<int64_t>(0, plan.total_ns - inside);
  }
  if (!args.out.empty()) {
    std::fprintf(stderr, "wrote %s rows to %s\n", WithThousands(rows).c_str(), args.out.c_str());
  }
  if (args.repeat > 1) {
    std::fprintf(stderr, "query: median %.3f ms over %d runs (min %.3f ms, max %.3f ms), %s rows\n",
                 Median(times) / 1e6, args.repeat,
                 static_cast<double>(*std::min_element(times.begin(), times.end())) / 1e6,
                 static_cast<double>(*std::max_element(times.begin(), times.end())) / 1e6, WithThousands(rows).c_str());
  }
  if (args.explain) std::fputs(plan.ToString().c_str(), stderr);
  return Status::OK();
}

Status Latest(Context* ctx, const std::string& table, const std::string& symbol, const std::string& format_name) {
  ASSIGN_OR_RETURN(OutputFormat format, ChooseFormat(format_name));
  ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(table));
  std::vector<std::string> symbols;
  if (symbol.empty()) {
    ASSIGN_OR_RETURN(symbols, db->Symbols(table));
  } else {
    symbols.push_back(symbol);
  }
  BatchPrinter printer(stdout, format, def.schema.fields());
  RecordBatch row(def.schema);
  for (const std::string& s : symbols) {
    Status st = db->Latest(table, s, &row);
    if (st.IsNotFound() && !symbol.empty()) {
      return Status::NotFound("no rows for symbol " + s + " in table " + table);
    }
    RETURN_IF_ERROR(st);
    printer.Print(row);
  }
  printer.Finish();
  return Status::OK();
}

}  // namespace

void AddQueryCommands(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<QueryArgs>();
  CLI::App* q = app.add_subcommand("query", "read rows of a table by symbol and time range");
  q->add_option("table", args->table, "table name")->required();
  q->add_option("-s,--symbol", args->symbols, "symbol (repeat for several; default all)");
  q->add_option("--from", args->from, "start time, inclusive (ISO-8601 or ns since epoch; 1678-01-01 to 2261-12-31)");
  q->add_option("--to", args->to, "end time, exclusive");
  q->add_option("--columns", args->columns, "comma-separated columns to print (default all)");
  q->add_option("--format", args->format, "table, csv or json (default: table on a terminal, else csv)");
  q->add_option("--limit", args->limit, "print at most this many rows");
  q->add_option("--where", args->where,
                "keep rows of the table where EXPR holds: comparisons (= != < <= > >=) and in (...), "
                "with and/or/not and parentheses; strings in quotes");
  q->add_option("--bars", args->bars, "resample trades (or bars) to OHLCV bars of this interval, 1s..1d (1m, 5m, 1h)");
  q->add_option("--asof", args->asof,
                "as-of join each row with the last row of this table (same symbol) at or before its ts");
  q->add_option("--tolerance", args->tolerance,
                "with --asof: no match older (or, with next, newer) than this (500ms, 1s)");
  q->add_option("--direction", args->direction, "with --asof: prev (at or before, default) or next (at or after)");
  q->add_option("--tiers", args->tiers, "read only these tiers: comma-separated hot,warm,cold (default all)");
  q->add_flag("--merge", args->merge, "interleave the symbols in one ts order (default: symbol by symbol)");
  q->add_option("--repeat", args->repeat, "run the query N times in this process; print the median time to stderr");
  q->add_option("--threads", args->threads,
                "decode the columns of a row group on up to N threads (default 0: one per core, at most 4)");
  q->add_option("--out", args->out, "write the result to this Parquet file instead of printing it");
  q->add_flag("--explain", args->explain, "print the stages, rows, time per stage and what the scan read to stderr");
  q->footer(
      "Rows come sorted by time within each symbol, symbols in alphabetical order (--merge: one time order).\n"
      "--where filters the rows of TABLE before --bars or --asof; --columns picks the output columns.\n"
      "Examples:\n"
      "  strata query trades --symbol AAPL --from 2026-03-02T14:00 --to 2026-03-02T15:00\n"
      "  strata query quotes -s AAPL -s MSFT --from 2026-03-02 --to 2026-03-03 --columns ts,bid,ask --format csv\n"
      "  strata query trades -s AAPL --from 2026-03-02 --to 2026-03-03 --bars 1m\n"
      "  strata query trades -s AAPL --where \"size >= 1000 and exchange in ('XNAS', 'ARCX')\"\n"
      "  strata query trades -s AAPL --from 2026-03-02 --to 2026-03-03 --asof quotes --tolerance 1s --out aj.parquet\n"
      "  strata query trades -s AAPL --bars 5m --repeat 10 --explain > /dev/null");
  q->callback([ctx, args] { Run(ctx, [&] { return Query(ctx, *args); }); });

  auto table = std::make_shared<std::string>();
  auto symbol = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>();
  CLI::App* l = app.add_subcommand("latest", "the latest row of each symbol (or one symbol)");
  l->add_option("table", *table, "table name")->required();
  l->add_option("symbol", *symbol, "one symbol (default: every symbol)");
  l->add_option("--format", *format, "table, csv or json (default: table on a terminal, else csv)");
  l->footer(
      "Examples:\n"
      "  strata latest quotes            # last quote of every symbol\n"
      "  strata latest trades AAPL");
  l->callback([ctx, table, symbol, format] { Run(ctx, [&] { return Latest(ctx, *table, *symbol, *format); }); });
}

}  // namespace strata::cli
