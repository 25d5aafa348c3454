// strata query, strata latest
#include <cstdio>

#include "cli/cli.h"
#include "cli/output.h"
#include "strata/timestamp.h"

namespace strata::cli {
namespace {

struct QueryArgs {
  std::string table;
  std::vector<std::string> symbols;
  std::string from;
  std::string to;
  std::string columns;
  std::string format;
  int64_t limit = -1;
};

std::vector<std::string> SplitColumns(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<OutputFormat> ChooseFormat(const std::string& format) {
  if (format.empty()) return StdoutIsTerminal() ? OutputFormat::kTable : OutputFormat::kCsv;
  return ParseOutputFormat(format);
}

Status Query(Context* ctx, const QueryArgs& args) {
  ScanRequest request;
  request.table = args.table;
  request.symbols = args.symbols;
  request.columns = SplitColumns(args.columns);
  if (!args.from.empty()) {
    ASSIGN_OR_RETURN(request.from_ts, ParseTimestamp(args.from));
  }
  if (!args.to.empty()) {
    ASSIGN_OR_RETURN(request.to_ts, ParseTimestamp(args.to));
  }
  ASSIGN_OR_RETURN(OutputFormat format, ChooseFormat(args.format));
  ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
  ASSIGN_OR_RETURN(auto batches, db->Scan(request));
  std::vector<Field> fields;
  if (!batches.empty()) {
    fields = batches.front().fields();
  } else {
    ASSIGN_OR_RETURN(TableDef def, db->GetTable(args.table));
    fields = def.schema.fields();
    if (!request.columns.empty()) {
      std::vector<Field> projected;
      for (const std::string& c : request.columns) projected.push_back(fields[def.schema.FieldIndex(c)]);
      fields = std::move(projected);
    }
  }
  BatchPrinter printer(stdout, format, fields);
  uint64_t left = args.limit < 0 ? UINT64_MAX : static_cast<uint64_t>(args.limit);
  for (const RecordBatch& b : batches) {
    if (left == 0) break;
    if (b.num_rows() <= left) {
      printer.Print(b);
      left -= b.num_rows();
    } else {
      printer.Print(b.Slice(0, left));
      left = 0;
    }
  }
  printer.Finish();
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
  q->add_option("--from", args->from, "start time, inclusive (ISO-8601 or ns since epoch)");
  q->add_option("--to", args->to, "end time, exclusive");
  q->add_option("--columns", args->columns, "comma-separated columns to print (default all)");
  q->add_option("--format", args->format, "table, csv or json (default: table on a terminal, else csv)");
  q->add_option("--limit", args->limit, "print at most this many rows");
  q->footer(
      "Rows come sorted by time within each symbol, symbols in alphabetical order.\n"
      "Examples:\n"
      "  strata query trades --symbol AAPL --from 2026-03-02T14:00 --to 2026-03-02T15:00\n"
      "  strata query quotes -s AAPL -s MSFT --from 2026-03-02 --to 2026-03-03 --columns ts,bid,ask --format csv");
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
