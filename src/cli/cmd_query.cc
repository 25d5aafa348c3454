// strata query, strata latest
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/query_derived_bars.h"
#include "query/asof.h"
#include "query/bars.h"
#include "query/batch_stream.h"
#include "query/cursor_stream.h"
#include "query/filter.h"
#include "query/plan.h"
#include "query/sink.h"
#include "strata/timestamp.h"

namespace strata::cli {
namespace {

using query::BatchStream;

struct QueryArgs {
  std::string table;
  std::vector<std::string> symbols;
  std::string from;
  std::string to;
  std::string columns;
  std::string format;
  std::optional<int64_t> limit;
  std::string bars;
  std::string where;
  std::string asof;
  std::string tolerance;
  std::string direction = "prev";
  std::string tiers;
  int repeat = 1;
  int threads = 0;
  std::string out;
  bool explain = false;
  bool merge = false;
};

// Everything parsed and validated before the database is opened.
struct QuerySpec {
  ScanRequest left;
  std::optional<ScanRequest> right;  // --asof
  std::vector<std::string> tiers;    // hot, warm, cold (all when not given)
  std::vector<std::string> output_columns;
  std::optional<query::FilterExpr> where;
  int64_t bar_interval = 0;
  std::string bar_text;
  query::AsofOptions asof;
  uint64_t limit = UINT64_MAX;
  bool merge = false;
};

Result<OutputFormat> ChooseFormat(const std::string& format) {
  if (format.empty()) return StdoutIsTerminal() ? OutputFormat::kTable : OutputFormat::kCsv;
  return ParseOutputFormat(format);
}

Result<std::vector<std::string>> ParseTiers(const std::string& text) {
  const std::vector<std::string> all = {"hot", "warm", "cold"};
  if (text.empty()) return all;
  std::vector<std::string> tiers;
  for (const std::string& t : SplitCommaList(text)) {
    if (std::find(all.begin(), all.end(), t) == all.end()) {
      return Status::InvalidArgument("--tiers: unknown tier '" + t + "' (hot, warm, cold)");
    }
    if (std::find(tiers.begin(), tiers.end(), t) == tiers.end()) tiers.push_back(t);
  }
  if (tiers.empty()) return Status::InvalidArgument("--tiers: no tier given (hot, warm, cold)");
  return tiers;
}

void AddUnique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

Result<QuerySpec> MakeSpec(const QueryArgs& a) {
  QuerySpec s;
  s.left.table = a.table;
  s.left.symbols = a.symbols;
  // ParseTimestamp accepts only the range strata stores (1678-01-01 to 2261-12-31).
  if (!a.from.empty()) {
    auto from = ParseTimestamp(a.from);
    if (!from.ok()) return Status::InvalidArgument("--from: " + from.status().message());
    s.left.from_ts = *from;
  }
  if (!a.to.empty()) {
    auto to = ParseTimestamp(a.to);
    if (!to.ok()) return Status::InvalidArgument("--to: " + to.status().message());
    s.left.to_ts = *to;
  }
  if (s.left.from_ts > s.left.to_ts) {
    return Status::InvalidArgument("time range is backwards: --from " + FormatTimestamp(s.left.from_ts) +
                                   " is after --to " + FormatTimestamp(s.left.to_ts) + " (the range is [from, to))");
  }
  ASSIGN_OR_RETURN(s.tiers, ParseTiers(a.tiers));
  s.output_columns = SplitCommaList(a.columns);
  if (!a.where.empty()) {
    ASSIGN_OR_RETURN(query::FilterExpr e, query::FilterExpr::Parse(a.where));
    s.where.emplace(std::move(e));
  }
  if (!a.bars.empty()) {
    ASSIGN_OR_RETURN(s.bar_interval, query::ParseBarInterval(a.bars));
    s.bar_text = a.bars;
  }
  if (a.asof.empty()) {
    if (!a.tolerance.empty()) return Status::InvalidArgument("--tolerance needs --asof");
    if (a.direction != "prev") return Status::InvalidArgument("--direction needs --asof");
  } else {
    if (!s.bar_text.empty()) return Status::InvalidArgument("--bars and --asof cannot be combined in one query");
    ASSIGN_OR_RETURN(s.asof.direction, query::ParseAsofDirection(a.direction));
    if (!a.tolerance.empty()) {
      auto tol = ParseDuration(a.tolerance);
      if (!tol.ok()) return Status::InvalidArgument("--tolerance: " + tol.status().message());
      if (*tol < 0) return Status::InvalidArgument("--tolerance must not be negative");
      s.asof.tolerance_ns = *tol;
    }
    // The right rows that can match a left row in [from, to). Without a tolerance a "prev" match
    // may lie anywhere before `from`: the right scan starts at each symbol's last row before it.
    ScanRequest r;
    r.table = a.asof;
    r.symbols = a.symbols;
    const int64_t tol = s.asof.tolerance_ns.value_or(-1);
    if (s.asof.direction == query::AsofDirection::kPrev) {
      r.from_ts = tol < 0 ? s.left.from_ts : (s.left.from_ts < INT64_MIN + tol ? INT64_MIN : s.left.from_ts - tol);
      r.from_last_before = tol < 0;
      r.to_ts = s.left.to_ts;
    } else {
      r.from_ts = s.left.from_ts;
      r.to_ts = tol < 0 ? INT64_MAX : (s.left.to_ts > INT64_MAX - tol ? INT64_MAX : s.left.to_ts + tol);
    }
    s.right = r;
  }
  if (a.repeat < 1) return Status::InvalidArgument("--repeat must be at least 1");
  if (a.threads < 0) return Status::InvalidArgument("--threads must be 0 (one per core) or more");
  s.left.decode_threads = a.threads;
  if (s.right) s.right->decode_threads = a.threads;
  if (a.limit) {
    if (*a.limit < 0) return Status::InvalidArgument("--limit must be 0 or more (leave it out for every row)");
    s.limit = static_cast<uint64_t>(*a.limit);
  }
  s.merge = a.merge;
  return s;
}

// Chooses the columns the left scan reads: what the operators and the output need, always with
// ts and symbol (the operators key on them; a final projection drops what was not asked for).
Status ResolveColumns(const TableDef& def, QuerySpec* s) {
  const Schema& schema = def.schema;
  auto need = [&](const std::string& c) -> Status {
    if (schema.FieldIndex(c) < 0) {
      return Status::InvalidArgument("table " + def.name + " has no column '" + c + "' (columns: " + schema.ToString() +
                                     ")");
    }
    AddUnique(&s->left.columns, c);
    return Status::OK();
  };
  std::vector<std::string> where_cols = s->where ? s->where->Columns() : std::vector<std::string>{};
  if (!s->bar_text.empty()) {
    s->left.columns.clear();
    RETURN_IF_ERROR(need(schema.field(schema.ts_index()).name));
    RETURN_IF_ERROR(need(schema.field(schema.symbol_index()).name));
    if (schema.FieldIndex("price") >= 0 && schema.FieldIndex("size") >= 0) {
      RETURN_IF_ERROR(need("price"));
      RETURN_IF_ERROR(need("size"));
    } else {
      for (const char* c : {"open", "high", "low", "close", "volume"}) RETURN_IF_ERROR(need(c));
      for (const char* c : {"vwap", "count"}) {
        if (schema.FieldIndex(c) >= 0) RETURN_IF_ERROR(need(c));
      }
    }
    for (const std::string& c : where_cols) RETURN_IF_ERROR(need(c));
  } else if (!s->right && !s->output_columns.empty()) {
    RETURN_IF_ERROR(need(schema.field(schema.ts_index()).name));
    RETURN_IF_ERROR(need(schema.field(schema.symbol_index()).name));
    for (const std::string& c : s->output_columns) RETURN_IF_ERROR(need(c));
    for (const std::string& c : where_cols) RETURN_IF_ERROR(need(c));
  }
  return Status::OK();
}

std::vector<Field> ScanFields(const TableDef& def, const ScanRequest& request) {
  if (request.columns.empty()) return def.schema.fields();
  std::vector<Field> out;
  for (const std::string& c : request.columns) out.push_back(def.schema.field(def.schema.FieldIndex(c)));
  return out;
}

std::string AsofDetail(const QuerySpec& s) {
  std::string d = s.right->table + " (" + (s.asof.direction == query::AsofDirection::kPrev ? "prev" : "next");
  if (s.asof.tolerance_ns) d += ", tolerance " + std::to_string(*s.asof.tolerance_ns) + " ns";
  return d + ")";
}

// THE read path of `strata query`: a streaming cross-tier scan (Database::NewScan) as a grouped
// stream — symbols ascending, ts order within a symbol, batches of at most a row group or so —
// adding what it read to `counters`.
Result<std::unique_ptr<BatchStream>> OpenScan(Database* db, const ScanRequest& request,
                                              const std::vector<std::string>& tiers, query::ScanCounters* counters) {
  counters->tiers = tiers;
  ScanRequest with_tiers = request;
  with_tiers.tiers = tiers;
  ASSIGN_OR_RETURN(std::unique_ptr<ScanCursor> cursor, db->NewScan(with_tiers));
  return query::MakeCursorStream(std::move(cursor), counters);
}

// The symbols a --merge query reads: the requested ones, or every symbol of the table.
Result<std::vector<std::string>> MergeSymbols(Database* db, const QuerySpec& s) {
  if (!s.left.symbols.empty()) {
    std::vector<std::string> v = s.left.symbols;
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }
  return db->Symbols(s.left.table);
}

Result<std::unique_ptr<BatchStream>> BuildPipeline(Database* db, const QuerySpec& s, const TableDef& left_def,
                                                   query::QueryPlan* plan) {
  if (s.bar_interval && !s.where && !s.right) {  // a derived bar table may answer (query_derived_bars.h)
    ASSIGN_OR_RETURN(
        std::unique_ptr<BatchStream> derived,
        DerivedBarsPipeline(db, left_def, {s.left, s.tiers, s.bar_interval, s.merge, s.output_columns, s.limit}, plan));
    if (derived) return derived;
  }
  std::shared_ptr<const query::Filter> filter;
  if (s.where) {
    ASSIGN_OR_RETURN(filter, query::Filter::Bind(*s.where, ScanFields(left_def, s.left)));
  }
  query::StageStats* scan_stage = plan->AddStage("scan " + s.left.table);
  query::StageStats* filter_stage = filter ? plan->AddStage("filter", filter->ToString()) : nullptr;
  query::StageStats* bars_stage = s.bar_interval ? plan->AddStage("bars " + s.bar_text) : nullptr;
  query::StageStats* rscan_stage = s.right ? plan->AddStage("scan " + s.right->table) : nullptr;
  query::StageStats* asof_stage = s.right ? plan->AddStage("asof", AsofDetail(s)) : nullptr;
  query::ScanCounters* left_counters = plan->AddScan(s.left.table);
  query::ScanCounters* right_counters = s.right ? plan->AddScan(s.right->table) : nullptr;

  // One pipeline over the given symbols (all the query's when `symbols` is empty).
  auto pipeline = [&](const std::vector<std::string>* symbols) -> Result<std::unique_ptr<BatchStream>> {
    ScanRequest left = s.left;
    if (symbols) left.symbols = *symbols;
    ASSIGN_OR_RETURN(std::unique_ptr<BatchStream> st, OpenScan(db, left, s.tiers, left_counters));
    st = query::MakeTimedStream(std::move(st), scan_stage);
    if (filter) st = query::MakeTimedStream(query::MakeFilterStream(std::move(st), filter), filter_stage);
    if (bars_stage) {
      ASSIGN_OR_RETURN(auto bars, query::MakeBarsStream(std::move(st), s.bar_interval));
      st = query::MakeTimedStream(std::move(bars), bars_stage);
    }
    if (s.right) {
      ScanRequest right = *s.right;
      if (symbols) right.symbols = *symbols;
      ASSIGN_OR_RETURN(std::unique_ptr<BatchStream> rs, OpenScan(db, right, s.tiers, right_counters));
      rs = query::MakeTimedStream(std::move(rs), rscan_stage);
      ASSIGN_OR_RETURN(auto join, query::MakeAsofJoinStream(std::move(st), std::move(rs), s.asof));
      st = query::MakeTimedStream(std::move(join), asof_stage);
    }
    return st;
  };

  std::unique_ptr<BatchStream> out;
  if (s.merge) {
    // One cursor per symbol, interleaved by ts.
    ASSIGN_OR_RETURN(std::vector<std::string> symbols, MergeSymbols(db, s));
    std::vector<std::unique_ptr<BatchStream>> per_symbol;
    for (const std::string& sym : symbols) {
      std::vector<std::string> one = {sym};
      ASSIGN_OR_RETURN(auto st, pipeline(&one));
      per_symbol.push_back(std::move(st));
    }
    if (per_symbol.empty()) {
      std::vector<std::string> none = {""};
      ASSIGN_OR_RETURN(auto st, pipeline(&none));  // no rows, but the pipeline's fields
      per_symbol.push_back(std::move(st));
    }
    out = query::MakeMergeByTsStream(std::move(per_symbol));
  } else {
    ASSIGN_OR_RETURN(out, pipeline(nullptr));
  }
  if (!s.output_columns.empty()) {
    std::vector<std::string> names;
    for (const Field& f : out->fields()) names.push_back(f.name);
    if (names != s.output_columns) {
      ASSIGN_OR_RETURN(out, query::MakeProjectStream(std::move(out), s.output_columns));
    }
  }
  if (s.limit != UINT64_MAX) out = query::MakeLimitStream(std::move(out), s.limit);
  return out;
}

double Median(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? static_cast<double>(v[n / 2])
               : (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2;
}

Status Query(Context* ctx, const QueryArgs& args) {
  ASSIGN_OR_RETURN(QuerySpec spec, MakeSpec(args));
  OutputFormat format = OutputFormat::kCsv;
  if (args.out.empty()) {
    ASSIGN_OR_RETURN(format, ChooseFormat(args.format));
  } else if (!args.format.empty()) {
    return Status::InvalidArgument("--format and --out cannot be combined (--out writes Parquet)");
  }
  ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
  ASSIGN_OR_RETURN(TableDef left_def, db->GetTable(spec.left.table));
  std::optional<TableDef> right_def;
  if (spec.right) {
    ASSIGN_OR_RETURN(right_def, db->GetTable(spec.right->table));
  }
  RETURN_IF_ERROR(ResolveColumns(left_def, &spec));

  std::vector<int64_t> times;
  query::QueryPlan plan;
  uint64_t rows = 0;
  for (int run = 0; run < args.repeat; ++run) {
    plan = query::QueryPlan();
    const bool last = run == args.repeat - 1;
    auto start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(std::unique_ptr<BatchStream> stream, BuildPipeline(db.get(), spec, left_def, &plan));
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
