// The interactive `strata sql`: lines from a terminal with editline (line editing, history), or
// plain lines from a pipe, collected into statements (sql/statement_buffer.h) and run one by one.
#include "cli/sql_shell.h"

#include <editline/readline.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "sql/parser.h"
#include "sql/statement_buffer.h"
#include "strata/file_system.h"

namespace strata::cli {
namespace {

constexpr char kHelp[] =
    "Statements end with ';' and may span lines. Commands:\n"
    "  \\dt       list the tables (SHOW TABLES)\n"
    "  \\d        list the tables; \\d NAME describes table NAME\n"
    "  \\q        quit (so does end of input, Ctrl-D)\n"
    "  \\?        this help\n"
    "System tables: strata_tables, strata_files, strata_runs, strata_models.\n";

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  return (home != nullptr && *home != '\0') ? JoinPath(home, ".strata_sql_history") : "";
}

// One line of input, or false at the end.
class LineReader {
 public:
  explicit LineReader(bool terminal) : terminal_(terminal) {
    if (!terminal_) return;
    history_ = HistoryPath();
    using_history();
    stifle_history(2000);
    if (!history_.empty()) read_history(history_.c_str());
  }
  ~LineReader() {
    if (terminal_ && !history_.empty()) write_history(history_.c_str());
  }
  bool Read(const char* prompt, std::string* line) {
    if (!terminal_) return static_cast<bool>(std::getline(std::cin, *line));
    char* l = readline(prompt);
    if (l == nullptr) return false;
    *line = l;
    std::free(l);
    return true;
  }
  // A complete statement (or command) goes into the history as one entry.
  void Remember(const std::string& entry) {
    if (terminal_ && !entry.empty()) add_history(entry.c_str());
  }

 private:
  bool terminal_;
  std::string history_;
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
  return s.substr(b);
}

// A backslash command as SQL ("" for \q, which the caller handles; an error for unknown ones).
Result<std::string> MetaCommand(const std::string& line) {
  std::string cmd = line, arg;
  if (size_t sp = line.find_first_of(" \t"); sp != std::string::npos) {
    cmd = line.substr(0, sp);
    arg = Trim(line.substr(sp + 1));
  }
  if (cmd == "\\dt" && arg.empty()) return std::string("SHOW TABLES");
  if (cmd == "\\d") return arg.empty() ? std::string("SHOW TABLES") : "DESCRIBE " + arg;
  return Status::InvalidArgument("unknown command " + cmd + " (\\? lists the commands)");
}

}  // namespace

Status RunSqlShell(SqlSession* session) {
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  LineReader reader(terminal);
  sql::StatementBuffer buffer;
  if (terminal) std::printf("strata sql: statements end with ';', \\? for help, \\q to quit\n");
  // On a terminal an error is printed and the shell goes on; from a pipe the first one stops it.
  auto run = [&](const std::string& text) -> Status {
    Status st = [&]() -> Status {
      ASSIGN_OR_RETURN(sql::Statement statement, sql::ParseStatement(text));
      return session->Run(statement);
    }();
    if (st.ok() || !terminal) return st;
    std::fprintf(stderr, "error: %s\n", st.message().c_str());
    return Status::OK();
  };
  std::string line;
  while (reader.Read(buffer.empty() ? "strata> " : "   ...> ", &line)) {
    const std::string trimmed = Trim(line);
    if (buffer.empty() && !trimmed.empty() && trimmed[0] == '\\') {
      reader.Remember(trimmed);
      if (trimmed == "\\q") break;
      if (trimmed == "\\?" || trimmed == "\\h") {
        std::fputs(kHelp, stdout);
        continue;
      }
      Result<std::string> sql = MetaCommand(trimmed);
      Status st = sql.ok() ? run(*sql) : sql.status();
      if (!st.ok() && !terminal) return st;
      if (!sql.ok()) std::fprintf(stderr, "error: %s\n", sql.status().message().c_str());
      continue;
    }
    const std::string before = buffer.pending();
    std::vector<std::string> statements = buffer.AddLine(line);
    if (!statements.empty()) reader.Remember(Trim(before.empty() ? line : before + "\n" + line));
    for (const std::string& s : statements) RETURN_IF_ERROR(run(s));
  }
  if (!buffer.empty()) {
    // Input ended inside a statement: run what was typed, as psql does with a file.
    const std::string rest = buffer.pending();
    buffer.Clear();
    RETURN_IF_ERROR(run(rest));
  }
  if (terminal) std::printf("\n");
  return Status::OK();
}

}  // namespace strata::cli
