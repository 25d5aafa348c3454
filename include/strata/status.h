// Status and Result<T>: errors are values in strata.
//
// Every fallible call returns a Status or a Result<T>. Both are [[nodiscard]]. A message names
// what failed and where (path, offset, line, column) so a user can act on it without a debugger.
#pragma once

#include <cassert>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace strata {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,  // the caller asked for something malformed
  kNotFound,         // a named thing (table, file, symbol, model) does not exist
  kAlreadyExists,    // creating something that is already there
  kCorruption,       // stored bytes are not what we wrote (bad CRC, bad magic, bad record)
  kIOError,          // the operating system refused (open, write, fsync, rename, ...)
  kNoSpace,          // the disk is full (ENOSPC); retryable once space is freed
  kUnsupported,      // valid but not implemented (e.g. nested Parquet columns)
  kBusy,             // held by someone else (the database write lock)
  kAborted,          // stopped on purpose (crash injection, cancellation)
  kInternal,         // a bug in strata
};

std::string_view StatusCodeName(StatusCode code);

// `text` for a message: at most `max_bytes` of it between single quotes, with bytes outside
// printable ASCII as \xHH (so a NUL or a control character cannot cut or garble the line), and
// "... (N bytes)" when it was cut.
std::string QuoteForMessage(std::string_view text, size_t max_bytes = 200);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status NoSpace(std::string msg) { return {StatusCode::kNoSpace, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status Busy(std::string msg) { return {StatusCode::kBusy, std::move(msg)}; }
  static Status Aborted(std::string msg) { return {StatusCode::kAborted, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsCorruption() const { return code_ == StatusCode::kCorruption; }

  // "Corruption: wal/0000000003.log offset 4096: bad CRC"
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context + ": "`; OK stays OK.
  Status WithContext(std::string_view context) const;

  // Explicitly discards a status where ignoring it is correct (best-effort cleanup).
  void IgnoreError() const {}

  bool operator==(const Status& other) const = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T ValueOr(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace strata

#define STRATA_CONCAT_INNER(a, b) a##b
#define STRATA_CONCAT(a, b) STRATA_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                \
  do {                                       \
    ::strata::Status _strata_st = (expr);    \
    if (!_strata_st.ok()) return _strata_st; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, Foo());` declares x from Foo()'s value or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(STRATA_CONCAT(_strata_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(res, lhs, expr) \
  auto res = (expr);                          \
  if (!res.ok()) return res.status();         \
  lhs = std::move(res).value()
