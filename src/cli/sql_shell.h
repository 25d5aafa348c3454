// `strata sql`: running statements and printing their results (cmd_sql.cc), and the interactive
// shell over it (sql_shell.cc).
#pragma once

#include <memory>
#include <string>

#include "cli/cli.h"
#include "cli/output.h"
#include "sql/ast.h"

namespace strata::cli {

// One `strata sql` invocation: the database, opened read-only at the first statement and again
// for writing at the first INSERT, and how results are printed.
class SqlSession {
 public:
  SqlSession(Context* ctx, OutputFormat format) : ctx_(ctx), format_(format) {}
  // Runs one statement and prints its result (INSERT: "INSERT 0 n"); with `out_path`, writes the
  // result to that Parquet file instead.
  Status Run(const sql::Statement& statement, const std::string& out_path = "");
  // Parses `text` as statements separated by ';' and runs each, stopping at the first error.
  // Every statement is parsed before the first one runs.
  Status RunScript(std::string_view text);
  OutputFormat format() const { return format_; }
  int results_printed() const { return results_; }

 private:
  Result<Database*> Db(bool writable);
  Context* ctx_;
  OutputFormat format_;
  std::unique_ptr<Database> db_;
  bool writable_ = false;
  int results_ = 0;
};

// Reads statements line by line from stdin until end of input or \q: with line editing and
// history (~/.strata_sql_history) when stdin is a terminal (errors are printed and the shell goes
// on), plain lines otherwise (the first error stops it and is returned).
Status RunSqlShell(SqlSession* session);

}  // namespace strata::cli
