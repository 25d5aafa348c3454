// strata sql
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/sql_shell.h"
#include "query/sink.h"
#include "sql/binder.h"
#include "sql/parser.h"

namespace strata::cli {
namespace {

struct SqlArgs {
  std::string text;
  std::string file;
  std::string format;
  std::string out;
};

Status Sql(Context* ctx, const SqlArgs& args) {
  OutputFormat format = StdoutIsTerminal() ? OutputFormat::kTable : OutputFormat::kCsv;
  if (!args.format.empty()) {
    ASSIGN_OR_RETURN(format, ParseOutputFormat(args.format));
  }
  if (!args.text.empty() && !args.file.empty()) {
    return Status::InvalidArgument("give the SQL either as an argument or with -f FILE, not both");
  }
  if (!args.out.empty() && !args.format.empty()) {
    return Status::InvalidArgument("--format and --out cannot be combined (--out writes Parquet)");
  }
  SqlSession session(ctx, format);
  std::string text = args.text;
  if (!args.file.empty()) {
    if (args.file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::ifstream in(args.file, std::ios::binary);
      if (!in) return Status::NotFound("cannot read SQL file " + args.file);
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  } else if (args.text.empty()) {
    if (!args.out.empty()) return Status::InvalidArgument("--out needs the statement as an argument or with -f");
    return RunSqlShell(&session);  // interactive on a terminal, else plain lines from stdin
  }
  if (args.out.empty()) return session.RunScript(text);
  // Syntax errors come before the database is opened.
  ASSIGN_OR_RETURN(std::vector<sql::Statement> statements, sql::ParseScript(text));
  if (statements.size() != 1 || statements[0].kind == sql::StatementKind::kInsert ||
      statements[0].kind == sql::StatementKind::kAlterAddColumn) {
    return Status::InvalidArgument("--out writes the result of exactly one query; got " +
                                   std::to_string(statements.size()) + " statement(s)" +
                                   (statements.size() == 1 ? " (an INSERT)" : ""));
  }
  return session.Run(statements[0], args.out);
}

}  // namespace

Result<Database*> SqlSession::Db(bool writable) {
  if (db_ != nullptr && (writable_ || !writable)) return db_.get();
  if (db_ != nullptr) {
    RETURN_IF_ERROR(db_->Close());
    db_.reset();
  }
  ASSIGN_OR_RETURN(db_, ctx_->OpenDatabase(!writable, "strata sql"));
  writable_ = writable;
  return db_.get();
}

Status SqlSession::Run(const sql::Statement& statement, const std::string& out_path) {
  const bool insert = statement.kind == sql::StatementKind::kInsert;
  const bool alter = statement.kind == sql::StatementKind::kAlterAddColumn;
  ASSIGN_OR_RETURN(Database * db, Db(insert || alter));
  ASSIGN_OR_RETURN(std::unique_ptr<query::BatchStream> stream, sql::RunStatement(db, statement));
  if (alter) {
    std::printf("ALTER TABLE\n");  // PostgreSQL's command tag
    std::fflush(stdout);
    return Status::OK();
  }
  if (!out_path.empty()) {
    ASSIGN_OR_RETURN(uint64_t rows, query::WriteStreamToParquet(DefaultFileSystem(), out_path, stream.get()));
    std::fprintf(stderr, "wrote %s rows to %s\n", WithThousands(rows).c_str(), out_path.c_str());
    return Status::OK();
  }
  if (insert) {
    // PostgreSQL's command tag; rows that every read drops as duplicates (the table's dedup rule)
    // are counted in n and mentioned on stderr.
    RecordBatch b;
    ASSIGN_OR_RETURN(bool any, stream->Next(&b));
    const int64_t n = any ? b.column(0).int64s()[0] : 0;
    const int64_t dups = any ? b.column(1).int64s()[0] : 0;
    std::printf("INSERT 0 %lld\n", static_cast<long long>(n));
    if (dups > 0) {
      std::fprintf(stderr,
                   "%lld of them duplicate rows already stored (same symbol, ts and key); reads keep the first\n",
                   static_cast<long long>(dups));
    }
    std::fflush(stdout);
    return Status::OK();
  }
  if (results_ > 0 && format_ == OutputFormat::kTable) std::printf("\n");
  ++results_;
  BatchPrinter printer(stdout, format_, stream->fields());
  RETURN_IF_ERROR(query::Drain(stream.get(), [&](const RecordBatch& b) { printer.Print(b); }).status());
  printer.Finish();
  std::fflush(stdout);
  return Status::OK();
}

Status SqlSession::RunScript(std::string_view text) {
  // Syntax errors of every statement come before the first one runs (and before the database opens).
  ASSIGN_OR_RETURN(std::vector<sql::Statement> statements, sql::ParseScript(text));
  for (const sql::Statement& st : statements) RETURN_IF_ERROR(Run(st));
  return Status::OK();
}

void AddSqlCommand(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<SqlArgs>();
  CLI::App* c = app.add_subcommand(
      "sql", "run SQL: SELECT, INSERT, EXPLAIN [ANALYZE], SHOW TABLES, DESCRIBE t; interactive without arguments");
  c->add_option("statement", args->text, "the SQL text, statements separated by ';' (quote it for the shell)");
  c->add_option("-f,--file", args->file, "read the SQL from FILE ('-' for stdin)");
  c->add_option("--format", args->format, "table, csv or json (default: table on a terminal, else csv)");
  c->add_option("--out", args->out, "write the result of the one query to this Parquet file");
  c->footer(
      "The dialect is DuckDB's (src/sql/README.md). WHERE conditions on ts (comparisons, BETWEEN, with\n"
      "TIMESTAMP '...' or ISO strings) and on symbol (=, IN) narrow the scan to those files and row groups.\n"
      "System tables: strata_tables, strata_files, strata_runs, strata_models.\n"
      "Without a statement or -f: an interactive shell on a terminal (line editing, history in\n"
      "~/.strata_sql_history, statements end with ';', \\q quits, \\dt lists tables, \\d t describes t);\n"
      "otherwise the statements are read from stdin.\n"
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
      "  strata sql \"EXPLAIN ANALYZE SELECT count(*) FROM trades WHERE symbol = 'AAPL'\"\n"
      "  strata sql \"SELECT tier, count(*), sum(rows) FROM strata_files GROUP BY tier\"\n"
      "  strata sql \"INSERT INTO trades VALUES (TIMESTAMP '2026-03-02 14:30:00', 'AAPL', 187.5, 100, 'X', 0)\"\n"
      "  strata sql \"SELECT * FROM trades WHERE symbol = 'AAPL'\" --out aapl.parquet\n"
      "  strata sql -f report.sql --format csv");
  c->callback([ctx, args] { Run(ctx, [&] { return Sql(ctx, *args); }); });
}

}  // namespace strata::cli
