#include "catalog/statement.h"

#include <sqlite3.h>

namespace strata::sqlite {

StatusCode CodeForSqlite(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return StatusCode::kAlreadyExists;
    default: break;
  }
  switch (rc & 0xff) {
    case SQLITE_OK: return StatusCode::kOk;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return StatusCode::kBusy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return StatusCode::kCorruption;
    case SQLITE_FULL: return StatusCode::kNoSpace;
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH: return StatusCode::kInvalidArgument;
    case SQLITE_INTERRUPT:
    case SQLITE_ABORT: return StatusCode::kAborted;
    case SQLITE_ERROR:  // SQL text the database rejects: our bug, not the user's
    case SQLITE_MISUSE:
    case SQLITE_SCHEMA: return StatusCode::kInternal;
    default:  // IOERR, CANTOPEN, PERM, READONLY, NOMEM, NOLFS, PROTOCOL, ...
      return StatusCode::kIOError;
  }
}

Status SqliteError(int rc, std::string_view message, std::string_view where, std::string_view op) {
  StatusCode code = CodeForSqlite(rc);
  if (code == StatusCode::kOk) code = StatusCode::kInternal;  // an error was expected; do not lose it
  std::string msg = "catalog " + std::string(where) + ": " + std::string(op) + ": " + std::string(message);
  return Status(code, std::move(msg));
}

Status LastError(sqlite3* db, std::string_view where, std::string_view op) {
  return SqliteError(sqlite3_extended_errcode(db), sqlite3_errmsg(db), where, op);
}

Status Exec(sqlite3* db, std::string_view sql, std::string_view where) {
  std::string text(sql);  // sqlite3_exec needs a terminated string
  char* err = nullptr;
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::OK();
  std::string message = err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  // Name the statement by its first line so "BEGIN IMMEDIATE" and a 40-line migration both read well.
  size_t start = text.find_first_not_of(" \n\t");
  if (start == std::string::npos) start = 0;
  std::string head = text.substr(start, std::min<size_t>(text.find('\n', start) - start, 60));
  return SqliteError(sqlite3_extended_errcode(db), message, where, head);
}

Statement::Statement(sqlite3* db, std::string_view sql, std::string_view where, std::string op)
    : db_(db), where_(where), op_(std::move(op)) {
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    prepare_error_ = LastError(db, where_, op_);
  } else if (stmt_ == nullptr) {  // only whitespace or comments
    prepare_error_ = SqliteError(SQLITE_MISUSE, "empty SQL statement", where_, op_);
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::NoteBind(int rc, int index) {
  if (rc != SQLITE_OK && bind_error_.ok() && prepare_error_.ok()) {
    bind_error_ = SqliteError(rc, "bind parameter " + std::to_string(index) + ": " + sqlite3_errstr(rc), where_, op_);
  }
}

void Statement::Bind(int index, int64_t value) {
  if (stmt_ == nullptr) return;
  NoteBind(sqlite3_bind_int64(stmt_, index, value), index);
}

void Statement::Bind(int index, std::string_view value) {
  if (stmt_ == nullptr) return;
  // A default-constructed string_view has data() == nullptr, which SQLite would bind as NULL.
  const char* data = value.data() != nullptr ? value.data() : "";
  NoteBind(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
}

void Statement::BindNoCopy(int index, std::string_view value) {
  if (stmt_ == nullptr) return;
  const char* data = value.data() != nullptr ? value.data() : "";
  NoteBind(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8), index);
}

void Statement::BindBlobNoCopy(int index, const void* data, size_t size) {
  if (stmt_ == nullptr) return;
  // A null pointer would bind NULL; an empty blob is X''.
  NoteBind(sqlite3_bind_blob64(stmt_, index, data != nullptr ? data : "", size, SQLITE_STATIC), index);
}

void Statement::Bind(int index, const std::optional<int64_t>& value) {
  if (value) {
    Bind(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::BindNull(int index) {
  if (stmt_ == nullptr) return;
  NoteBind(sqlite3_bind_null(stmt_, index), index);
}

Result<bool> Statement::Step() {
  if (!prepare_error_.ok()) return prepare_error_;
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // With sqlite3_prepare_v2 the step's return code is already the specific error.
  Status st = SqliteError(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_), where_, op_);
  sqlite3_reset(stmt_);  // release the statement's locks now, not when it is finalized
  return st;
}

Status Statement::Run() {
  ASSIGN_OR_RETURN(bool row, Step());
  if (row) {
    sqlite3_reset(stmt_);
    return Status::Internal("catalog " + std::string(where_) + ": " + op_ + ": statement returned rows");
  }
  return Status::OK();
}

void Statement::Reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = Status::OK();
}

int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<int64_t> Statement::OptionalInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

std::string_view Statement::View(int col, bool* is_blob) const {
  const bool blob = sqlite3_column_type(stmt_, col) == SQLITE_BLOB;
  if (is_blob != nullptr) *is_blob = blob;
  const void* p = blob ? sqlite3_column_blob(stmt_, col) : static_cast<const void*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string_view(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Statement::changes() const { return sqlite3_changes64(db_); }

int64_t Statement::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

}  // namespace strata::sqlite
