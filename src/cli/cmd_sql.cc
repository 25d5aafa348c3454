// strata sql
#include <cstdio>
#include <memory>

#include "cli/cli.h"
#include "cli/output.h"
#include "query/sink.h"
#include "sql/binder.h"
#include "sql/parser.h"

namespace strata::cli {
namespace {

struct SqlArgs {
  std::string text;
  std::string format;
};

Status Sql(Context* ctx, const SqlArgs& args) {
  OutputFormat format = StdoutIsTerminal() ? OutputFormat::kTable : OutputFormat::kCsv;
  if (!args.format.empty()) {
    ASSIGN_OR_RETURN(format, ParseOutputFormat(args.format));
  }
  // Syntax errors come before the database is opened.
  ASSIGN_OR_RETURN(sql::Statement statement, sql::ParseStatement(args.text));
  ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
  ASSIGN_OR_RETURN(std::unique_ptr<query::BatchStream> stream, sql::RunStatement(db.get(), statement));
  BatchPrinter printer(stdout, format, stream->fields());
  RETURN_IF_ERROR(query::Drain(stream.get(), [&](const RecordBatch& b) { printer.Print(b); }).status());
  printer.Finish();
  return Status::OK();
}

}  // namespace

void AddSqlCommand(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<SqlArgs>();
  CLI::App* c = app.add_subcommand("sql", "run one SQL statement (SELECT, SHOW TABLES, DESCRIBE t)");
  c->add_option("statement", args->text, "the SQL text (quote it for the shell)")->required();
  c->add_option("--format", args->format, "table, csv or json (default: table on a terminal, else csv)");
  c->footer(
      "The dialect is DuckDB's (src/sql/README.md). WHERE conditions on ts (comparisons, BETWEEN, with\n"
      "TIMESTAMP '...' or ISO strings) and on symbol (=, IN) narrow the scan to those files and row groups.\n"
      "Examples:\n"
      "  strata sql \"SHOW TABLES\"\n"
      "  strata sql \"DESCRIBE trades\"\n"
      "  strata sql \"SELECT ts, price, size FROM trades WHERE symbol = 'AAPL' AND ts >= '2026-03-02 14:30' LIMIT "
      "10\"\n"
      "  strata sql \"SELECT symbol, count(*) AS n, avg(price), max(size) FROM trades\n"
      "              WHERE ts BETWEEN '2026-03-02' AND '2026-03-02 23:59:59' GROUP BY symbol ORDER BY n DESC\"\n"
      "  strata sql \"SELECT time_bucket(INTERVAL '5 minutes', ts) AS t, first(price) AS open, max(price) AS high,\n"
      "              min(price) AS low, last(price) AS close, sum(price * size) / sum(size) AS vwap\n"
      "              FROM trades WHERE symbol = 'AAPL' GROUP BY t ORDER BY t\" --format csv\n"
      "  strata sql \"WITH big AS (SELECT * FROM trades WHERE size >= 1000)\n"
      "              SELECT symbol, count(*) FROM big GROUP BY 1 HAVING count(*) > 10\" --format json\n"
      "Not supported yet: joins, ASOF JOIN, SAMPLE BY, LATEST ON, INSERT, EXPLAIN.");
  c->callback([ctx, args] { Run(ctx, [&] { return Sql(ctx, *args); }); });
}

}  // namespace strata::cli
