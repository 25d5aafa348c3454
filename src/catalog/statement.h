// SQLite plumbing for the catalog: a prepared-statement RAII wrapper and the mapping from
// SQLite result codes to Status. Not part of the public API; modules that own catalog tables
// (through Catalog::InTransaction + Catalog::db()) may use it to get the same error messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "strata/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace strata::sqlite {

// The Status code for an SQLite (extended) result code: BUSY/LOCKED -> kBusy, CORRUPT/NOTADB
// -> kCorruption, FULL -> kNoSpace, UNIQUE/PRIMARY KEY -> kAlreadyExists, other constraints
// -> kInvalidArgument, SQL errors and misuse -> kInternal (a bug in strata), the rest -> kIOError.
StatusCode CodeForSqlite(int rc);

// "catalog <where>: <op>: <sqlite message>" with the code from CodeForSqlite(rc).
Status SqliteError(int rc, std::string_view message, std::string_view where, std::string_view op);

// The last error on `db` (sqlite3_extended_errcode + sqlite3_errmsg), as above.
// REQUIRES: the caller serializes use of `db` so the error is still the one it caused.
Status LastError(sqlite3* db, std::string_view where, std::string_view op);

// Runs one or more SQL statements that return no rows we need (DDL, PRAGMA, BEGIN/COMMIT).
Status Exec(sqlite3* db, std::string_view sql, std::string_view where);

// A prepared statement, finalized on destruction.
//
// Errors are deferred: a failed prepare or bind is remembered and returned by the next Step()
// or Run(), so call sites read as "prepare, bind, run" without a check after every line. Every
// error names `where` (the catalog path) and `op` (what the statement was for).
// Not thread-safe; use it under the lock that serializes the connection.
class Statement {
 public:
  // `where` must outlive the statement (it is the catalog's path).
  Statement(sqlite3* db, std::string_view sql, std::string_view where, std::string op);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  void Bind(int index, int64_t value);
  void Bind(int index, std::string_view value);  // an empty view binds '' (never NULL)
  void Bind(int index, const char* value) { Bind(index, std::string_view(value)); }
  void Bind(int index, const std::optional<int64_t>& value);  // nullopt binds NULL
  void BindNull(int index);
  // Without a copy: `value` must stay valid and unchanged until the statement is stepped to its
  // end, reset or destroyed (a hot insert loop binding the caller's strings).
  void BindNoCopy(int index, std::string_view value);
  void BindBlobNoCopy(int index, const void* data, size_t size);

  // Advances: true when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Steps a statement that returns no rows (INSERT/UPDATE/DELETE) to completion.
  Status Run();
  // Makes the statement reusable with new bindings (clears the old ones and any deferred error
  // from binding; a prepare error stays).
  void Reset();

  // Column accessors for the current row. REQUIRES: the last Step() returned true.
  int64_t Int(int col) const;
  std::string Text(int col) const;
  std::optional<int64_t> OptionalInt(int col) const;
  // The column's bytes without a copy, valid until the next Step/Reset; `is_blob` (if given)
  // says whether SQLite holds the value as a BLOB rather than TEXT.
  std::string_view View(int col, bool* is_blob = nullptr) const;
  bool IsNull(int col) const;

  // Rows changed by the last Run() (sqlite3_changes of the connection).
  int64_t changes() const;
  // Rowid of the last INSERT on the connection.
  int64_t last_insert_rowid() const;

 private:
  void NoteBind(int rc, int index);

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string_view where_;
  std::string op_;
  Status prepare_error_;
  Status bind_error_;
};

}  // namespace strata::sqlite
