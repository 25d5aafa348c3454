// PostgreSQL frontend/backend protocol 3.0: message framing, startup packets, type OIDs, value
// encoding (text and binary) and ErrorResponse fields. No I/O: the session (session.h) moves the
// bytes; everything here works on buffers, so it is unit-tested and fuzzed directly.
//
// Types: strata's column types map to PostgreSQL's as
//   bool -> bool (16), i32 -> int4 (23), i64 -> int8 (20), f64 -> float8 (701),
//   string -> text (25), symbol -> varchar (1043), timestamp -> timestamp (1114, UTC by convention,
//   as QuestDB serves it). PostgreSQL's timestamps have microseconds: nanoseconds are truncated
//   (toward negative infinity) on the way out.
// Parameters arrive as text or binary of bool, int2/int4/int8, float4/float8, text/varchar/name,
// timestamp/timestamptz (or "unspecified", oid 0, which takes the type inferred from the SQL).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query/expr.h"
#include "sql/ast.h"
#include "strata/batch.h"
#include "strata/status.h"

namespace strata::pgwire {

inline constexpr uint32_t kBoolOid = 16;
inline constexpr uint32_t kNameOid = 19;
inline constexpr uint32_t kInt8Oid = 20;
inline constexpr uint32_t kInt2Oid = 21;
inline constexpr uint32_t kInt4Oid = 23;
inline constexpr uint32_t kTextOid = 25;
inline constexpr uint32_t kOidOid = 26;
inline constexpr uint32_t kFloat4Oid = 700;
inline constexpr uint32_t kFloat8Oid = 701;
inline constexpr uint32_t kVarcharOid = 1043;
inline constexpr uint32_t kDateOid = 1082;
inline constexpr uint32_t kTimestampOid = 1114;
inline constexpr uint32_t kTimestamptzOid = 1184;
inline constexpr uint32_t kNumericOid = 1700;

// Protocol codes of the startup packet.
inline constexpr int32_t kProtocol30 = 196608;        // 3.0
inline constexpr int32_t kSslRequestCode = 80877103;  // 1234.5679
inline constexpr int32_t kGssEncRequestCode = 80877104;
inline constexpr int32_t kCancelRequestCode = 80877102;

uint32_t TypeOid(ColumnType type);
// typlen for RowDescription: 1, 2, 4, 8 or -1 (variable).
int16_t TypeLen(uint32_t oid);
// "int8", "text", ... as format_type prints them ("bigint", "text", "timestamp without time zone").
std::string_view FormatTypeName(uint32_t oid);
// The ExprType a parameter of this OID binds as; nullopt for 0 (unspecified) or an unknown OID.
std::optional<query::ExprType> OidExprType(uint32_t oid);
uint32_t ExprTypeOid(query::ExprType type);

// Builds backend messages into one buffer: Begin(type), the fields, End() (fills the length).
class MessageWriter {
 public:
  void Begin(char type);
  void End();
  void Int8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void Int16(int16_t v);
  void Int32(int32_t v);
  void Bytes(std::string_view v) { buf_.append(v); }
  void CString(std::string_view v) {  // NUL bytes inside would end the string early: dropped
    for (char c : v) {
      if (c != '\0') buf_.push_back(c);
    }
    buf_.push_back('\0');
  }
  std::string& buffer() { return buf_; }
  size_t size() const { return buf_.size(); }
  void Clear() { buf_.clear(); }

 private:
  std::string buf_;
  size_t start_ = 0;
};

// Reads the fields of a frontend message body. Every read checks the bounds; a short or
// malformed message is an InvalidArgument naming the field.
class MessageReader {
 public:
  explicit MessageReader(std::string_view body) : body_(body) {}
  Result<int16_t> Int16(const char* what);
  Result<int32_t> Int32(const char* what);
  Result<std::string_view> CString(const char* what);
  Result<std::string_view> Bytes(size_t n, const char* what);
  bool AtEnd() const { return pos_ == body_.size(); }
  size_t remaining() const { return body_.size() - pos_; }

 private:
  std::string_view body_;
  size_t pos_ = 0;
};

struct StartupPacket {
  enum class Kind { kStartup, kSslRequest, kGssEncRequest, kCancel };
  Kind kind = Kind::kStartup;
  int32_t protocol = 0;                                     // kStartup: 3.x
  std::vector<std::pair<std::string, std::string>> params;  // kStartup: user, database, ...
  int32_t pid = 0, secret = 0;                              // kCancel
  std::string Param(std::string_view name) const;
};
// The body of a startup-phase packet (after its 4-byte length). InvalidArgument for anything
// that is not one of the four kinds (with protocol major 3) or is malformed.
Result<StartupPacket> ParseStartup(std::string_view body);

// Appends the text form of row `row` of `c` (not NULL) to `out`.
void AppendText(const Column& c, size_t row, std::string* out);
// Appends the binary form of row `row` of `c` (not NULL) to `out`.
void AppendBinary(const Column& c, size_t row, std::string* out);
// PostgreSQL's text for a timestamp in ns (microseconds, trailing zeros dropped):
// "2026-03-02 14:30:00.5".
void AppendPgTimestamp(int64_t ns, std::string* out);

// A parameter value as a SQL literal of its type: `oid` the type the client declared (0 for
// none), `inferred` the type the SQL gives it. nullopt value: NULL. Errors carry the SQLSTATE
// 22P02 (text) / 22P03 (binary) in their message prefix "22P02: ".
Result<sql::Literal> DecodeParameter(const std::optional<std::string_view>& value, bool binary, uint32_t oid,
                                     query::ExprType inferred);

// An ErrorResponse (or NoticeResponse).
struct ErrorFields {
  std::string severity = "ERROR";  // ERROR, FATAL
  std::string code = "XX000";      // SQLSTATE
  std::string message;
  int position = 0;  // 1-based character index into the query string; 0: none
  std::string detail, hint;
};
void WriteError(MessageWriter* w, const ErrorFields& e, char type = 'E');

// The SQLSTATE and message for a strata error from running `statement`, which starts at byte
// `offset` of `query` (the whole query string): the "line L, column C" of the message becomes
// the position field. `parse_error`: the error came from the parser (syntax, 42601).
ErrorFields ErrorFromStatus(const Status& st, std::string_view query, size_t offset, bool parse_error);

}  // namespace strata::pgwire
