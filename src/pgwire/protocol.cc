#include "pgwire/protocol.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "strata/timestamp.h"

namespace strata::pgwire {
namespace {

void PutBe32(std::string* out, uint32_t v) {
  const uint32_t be = htonl(v);
  out->append(reinterpret_cast<const char*>(&be), 4);
}
void PutBe64(std::string* out, uint64_t v) {
  PutBe32(out, static_cast<uint32_t>(v >> 32));
  PutBe32(out, static_cast<uint32_t>(v));
}
uint32_t GetBe32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}
uint64_t GetBe64(const char* p) { return (static_cast<uint64_t>(GetBe32(p)) << 32) | GetBe32(p + 4); }

// Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
constexpr int64_t kPgEpochMicros = 946684800LL * 1000000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

Status Bad(const char* sqlstate, const std::string& msg) {
  return Status::InvalidArgument(std::string(sqlstate) + ": " + msg);
}

}  // namespace

uint32_t TypeOid(ColumnType type) {
  switch (type) {
    case ColumnType::kTimestamp: return kTimestampOid;
    case ColumnType::kSymbol: return kVarcharOid;
    case ColumnType::kInt32: return kInt4Oid;
    case ColumnType::kInt64: return kInt8Oid;
    case ColumnType::kFloat64: return kFloat8Oid;
    case ColumnType::kFloat32: return kFloat4Oid;
    case ColumnType::kString: return kTextOid;
    case ColumnType::kBool: return kBoolOid;
  }
  return kTextOid;
}

int16_t TypeLen(uint32_t oid) {
  switch (oid) {
    case kBoolOid: return 1;
    case kInt2Oid: return 2;
    case kInt4Oid:
    case kOidOid:
    case kFloat4Oid:
    case kDateOid: return 4;
    case kInt8Oid:
    case kFloat8Oid:
    case kTimestampOid:
    case kTimestamptzOid: return 8;
    case kNameOid: return 64;
    default: return -1;
  }
}

std::string_view FormatTypeName(uint32_t oid) {
  switch (oid) {
    case kBoolOid: return "boolean";
    case kNameOid: return "name";
    case kInt8Oid: return "bigint";
    case kInt2Oid: return "smallint";
    case kInt4Oid: return "integer";
    case kTextOid: return "text";
    case kOidOid: return "oid";
    case kFloat4Oid: return "real";
    case kFloat8Oid: return "double precision";
    case kVarcharOid: return "character varying";
    case kDateOid: return "date";
    case kTimestampOid: return "timestamp without time zone";
    case kTimestamptzOid: return "timestamp with time zone";
    case kNumericOid: return "numeric";
    default: return "unknown";
  }
}

std::optional<query::ExprType> OidExprType(uint32_t oid) {
  using T = query::ExprType;
  switch (oid) {
    case kBoolOid: return T::kBool;
    case kInt2Oid:
    case kInt4Oid: return T::kInt32;
    case kInt8Oid:
    case kOidOid: return T::kInt64;
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: return T::kFloat64;
    case kTextOid:
    case kVarcharOid:
    case kNameOid: return T::kString;
    case kTimestampOid:
    case kTimestamptzOid:
    case kDateOid: return T::kTimestamp;
    default: return std::nullopt;
  }
}

uint32_t ExprTypeOid(query::ExprType type) {
  using T = query::ExprType;
  switch (type) {
    case T::kBool: return kBoolOid;
    case T::kInt32: return kInt4Oid;
    case T::kInt64: return kInt8Oid;
    case T::kFloat64: return kFloat8Oid;
    case T::kTimestamp: return kTimestampOid;
    case T::kSymbol: return kVarcharOid;
    default: return kTextOid;
  }
}

void MessageWriter::Begin(char type) {
  start_ = buf_.size();
  buf_.push_back(type);
  buf_.append(4, '\0');
}
void MessageWriter::End() {
  const uint32_t len = htonl(static_cast<uint32_t>(buf_.size() - start_ - 1));
  std::memcpy(buf_.data() + start_ + 1, &len, 4);
}
void MessageWriter::Int16(int16_t v) {
  const uint16_t be = htons(static_cast<uint16_t>(v));
  buf_.append(reinterpret_cast<const char*>(&be), 2);
}
void MessageWriter::Int32(int32_t v) { PutBe32(&buf_, static_cast<uint32_t>(v)); }

Result<int16_t> MessageReader::Int16(const char* what) {
  if (remaining() < 2) return Bad("08P01", std::string("message too short for ") + what);
  uint16_t v;
  std::memcpy(&v, body_.data() + pos_, 2);
  pos_ += 2;
  return static_cast<int16_t>(ntohs(v));
}
Result<int32_t> MessageReader::Int32(const char* what) {
  if (remaining() < 4) return Bad("08P01", std::string("message too short for ") + what);
  const uint32_t v = GetBe32(body_.data() + pos_);
  pos_ += 4;
  return static_cast<int32_t>(v);
}
Result<std::string_view> MessageReader::CString(const char* what) {
  const size_t end = body_.find('\0', pos_);
  if (end == std::string_view::npos) return Bad("08P01", std::string("unterminated string for ") + what);
  std::string_view s = body_.substr(pos_, end - pos_);
  pos_ = end + 1;
  return s;
}
Result<std::string_view> MessageReader::Bytes(size_t n, const char* what) {
  if (remaining() < n) return Bad("08P01", std::string("message too short for ") + what);
  std::string_view s = body_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::string StartupPacket::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return "";
}

Result<StartupPacket> ParseStartup(std::string_view body) {
  MessageReader r(body);
  ASSIGN_OR_RETURN(int32_t code, r.Int32("the protocol version"));
  StartupPacket p;
  if (code == kSslRequestCode || code == kGssEncRequestCode) {
    if (!r.AtEnd()) return Bad("08P01", "SSLRequest/GSSENCRequest with trailing bytes");
    p.kind = code == kSslRequestCode ? StartupPacket::Kind::kSslRequest : StartupPacket::Kind::kGssEncRequest;
    return p;
  }
  if (code == kCancelRequestCode) {
    p.kind = StartupPacket::Kind::kCancel;
    ASSIGN_OR_RETURN(p.pid, r.Int32("the process id"));
    ASSIGN_OR_RETURN(p.secret, r.Int32("the secret key"));
    if (!r.AtEnd()) return Bad("08P01", "CancelRequest with trailing bytes");
    return p;
  }
  if ((code >> 16) != 3) {
    return Bad("0A000", "unsupported frontend protocol " + std::to_string(code >> 16) + "." +
                            std::to_string(code & 0xffff) + ": strata speaks 3.0");
  }
  p.protocol = code;
  while (true) {
    ASSIGN_OR_RETURN(std::string_view key, r.CString("a startup parameter name"));
    if (key.empty()) break;
    ASSIGN_OR_RETURN(std::string_view value, r.CString("a startup parameter value"));
    p.params.emplace_back(std::string(key), std::string(value));
  }
  if (!r.AtEnd()) return Bad("08P01", "startup packet has bytes after its terminator");
  if (p.Param("user").empty()) return Bad("28000", "no PostgreSQL user name specified in startup packet");
  return p;
}

namespace {

// Two decimal digits of v (0..99) at p.
inline void Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

// A result column of timestamps is text-formatted row by row (psycopg2 and pandas read text), and
// snprintf was half of the server's CPU sending 1 M rows: digits by hand, and the date of the
// previous call's day kept per thread (rows of a series come in ts order, so a day repeats).
void AppendPgTimestamp(int64_t ns, std::string* out) {
  const int64_t us = FloorDiv(ns, 1000);
  const int64_t day = FloorDiv(us, 86400LL * 1000000);
  const int64_t in_day = us - day * 86400LL * 1000000;
  thread_local int64_t cached_day = std::numeric_limits<int64_t>::min();
  thread_local char date[16];
  thread_local size_t date_len = 0;
  if (day != cached_day) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(day, &y, &m, &d);
    // int64 ns spans the years 1677..2262: always four digits (the general form kept anyway).
    const int n = std::snprintf(date, sizeof date, "%04lld-%02u-%02u ", static_cast<long long>(y), m, d);
    date_len = n > 0 ? std::min(static_cast<size_t>(n), sizeof date - 1) : 0;
    cached_day = day;
  }
  char buf[16];
  const unsigned secs = static_cast<unsigned>(in_day / 1000000);
  unsigned frac = static_cast<unsigned>(in_day % 1000000);
  Put2(buf, secs / 3600);
  buf[2] = ':';
  Put2(buf + 3, (secs / 60) % 60);
  buf[5] = ':';
  Put2(buf + 6, secs % 60);
  size_t n = 8;
  if (frac != 0) {
    buf[n++] = '.';
    for (int i = 5; i >= 0; --i) {  // six digits, then the trailing zeros dropped
      buf[n + i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    n += 6;
    while (buf[n - 1] == '0') --n;
  }
  out->append(date, date_len);
  out->append(buf, n);
}

void AppendText(const Column& c, size_t row, std::string* out) {
  char buf[32];
  switch (c.type()) {
    case ColumnType::kBool: out->push_back(c.bools()[row] ? 't' : 'f'); return;
    case ColumnType::kInt32: {
      auto r = std::to_chars(buf, buf + sizeof buf, c.int32s()[row]);
      out->append(buf, r.ptr);
      return;
    }
    case ColumnType::kInt64: {
      auto r = std::to_chars(buf, buf + sizeof buf, c.int64s()[row]);
      out->append(buf, r.ptr);
      return;
    }
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: {
      const double v = c.doubles()[row];
      if (std::isnan(v)) {
        out->append("NaN");
      } else if (std::isinf(v)) {
        out->append(v > 0 ? "Infinity" : "-Infinity");
      } else {
        // Shortest exact, as PostgreSQL 12+ (a float4 as a float).
        auto r = c.type() == ColumnType::kFloat32 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v))
                                                  : std::to_chars(buf, buf + sizeof buf, v);
        out->append(buf, r.ptr);
      }
      return;
    }
    case ColumnType::kTimestamp: AppendPgTimestamp(c.int64s()[row], out); return;
    case ColumnType::kSymbol:
    case ColumnType::kString: out->append(c.GetString(row)); return;
  }
}

void AppendBinary(const Column& c, size_t row, std::string* out) {
  switch (c.type()) {
    case ColumnType::kBool: out->push_back(c.bools()[row] ? 1 : 0); return;
    case ColumnType::kInt32: PutBe32(out, static_cast<uint32_t>(c.int32s()[row])); return;
    case ColumnType::kInt64: PutBe64(out, static_cast<uint64_t>(c.int64s()[row])); return;
    case ColumnType::kFloat64: {
      uint64_t bits;
      const double v = c.doubles()[row];
      std::memcpy(&bits, &v, 8);
      PutBe64(out, bits);
      return;
    }
    case ColumnType::kFloat32: {
      uint32_t bits;
      const float v = static_cast<float>(c.doubles()[row]);
      std::memcpy(&bits, &v, 4);
      PutBe32(out, bits);
      return;
    }
    case ColumnType::kTimestamp:
      PutBe64(out, static_cast<uint64_t>(FloorDiv(c.int64s()[row], 1000) - kPgEpochMicros));
      return;
    case ColumnType::kSymbol:
    case ColumnType::kString: out->append(c.GetString(row)); return;
  }
}

Result<sql::Literal> DecodeParameter(const std::optional<std::string_view>& value, bool binary, uint32_t oid,
                                     query::ExprType inferred) {
  using T = query::ExprType;
  sql::Literal lit;
  if (!value) return lit;  // NULL
  const std::string_view v = *value;
  const std::optional<T> declared = OidExprType(oid);
  const T type = declared.value_or(inferred);
  const std::string tname(FormatTypeName(oid != 0 ? oid : ExprTypeOid(type)));
  if (binary) {
    const uint32_t wire = oid != 0 ? oid : ExprTypeOid(type);
    auto need = [&](size_t n) -> Status {
      if (v.size() != n) {
        return Bad("22P03", "binary parameter of type " + tname + " has " + std::to_string(v.size()) +
                                " bytes, expected " + std::to_string(n));
      }
      return Status::OK();
    };
    switch (wire) {
      case kBoolOid:
        RETURN_IF_ERROR(need(1));
        lit.kind = sql::LiteralKind::kBool;
        lit.bool_value = v[0] != 0;
        return lit;
      case kInt2Oid: {
        RETURN_IF_ERROR(need(2));
        lit.kind = sql::LiteralKind::kInteger;
        lit.int_value = static_cast<int16_t>((static_cast<uint8_t>(v[0]) << 8) | static_cast<uint8_t>(v[1]));
        return lit;
      }
      case kInt4Oid:
        RETURN_IF_ERROR(need(4));
        lit.kind = sql::LiteralKind::kInteger;
        lit.int_value = static_cast<int32_t>(GetBe32(v.data()));
        return lit;
      case kInt8Oid:
      case kOidOid:
        if (wire == kOidOid) {
          RETURN_IF_ERROR(need(4));
          lit.kind = sql::LiteralKind::kInteger;
          lit.int_value = GetBe32(v.data());
          return lit;
        }
        RETURN_IF_ERROR(need(8));
        lit.kind = sql::LiteralKind::kInteger;
        lit.int_value = static_cast<int64_t>(GetBe64(v.data()));
        return lit;
      case kFloat4Oid: {
        RETURN_IF_ERROR(need(4));
        const uint32_t bits = GetBe32(v.data());
        float f;
        std::memcpy(&f, &bits, 4);
        lit.kind = sql::LiteralKind::kFloat;
        lit.float_value = f;
        lit.text = std::to_string(f);
        return lit;
      }
      case kFloat8Oid: {
        RETURN_IF_ERROR(need(8));
        const uint64_t bits = GetBe64(v.data());
        double d;
        std::memcpy(&d, &bits, 8);
        lit.kind = sql::LiteralKind::kFloat;
        lit.float_value = d;
        lit.text = std::to_string(d);
        return lit;
      }
      case kTimestampOid:
      case kTimestamptzOid: {
        RETURN_IF_ERROR(need(8));
        const int64_t us = static_cast<int64_t>(GetBe64(v.data()));
        if (us > INT64_MAX / 1000 - kPgEpochMicros || us < INT64_MIN / 1000 + kPgEpochMicros) {
          return Bad("22008", "timestamp parameter out of range");
        }
        const int64_t ns = (us + kPgEpochMicros) * 1000;
        if (!InTimestampRange(ns)) return Bad("22008", "timestamp parameter out of strata's range (1678..2261)");
        lit.kind = sql::LiteralKind::kTimestamp;
        lit.int_value = ns;
        lit.text = FormatTimestamp(ns);
        return lit;
      }
      case kTextOid:
      case kVarcharOid:
      case kNameOid:
        lit.kind = sql::LiteralKind::kString;
        lit.text = std::string(v);
        if (!IsValidUtf8(lit.text)) return Bad("22021", "parameter is not valid UTF-8");
        return lit;
      default:
        return Bad("0A000", "binary parameters of type oid " + std::to_string(oid) + " are not supported; send text");
    }
  }
  const std::string text(v);
  auto invalid = [&]() {
    return Bad("22P02", "invalid input syntax for type " + tname + ": \"" + text.substr(0, 100) + "\"");
  };
  switch (type) {
    case T::kBool: {
      std::string l;
      for (char c : text) {
        if (c != ' ') l.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      }
      lit.kind = sql::LiteralKind::kBool;
      if (l == "t" || l == "true" || l == "1" || l == "y" || l == "yes" || l == "on") {
        lit.bool_value = true;
      } else if (l == "f" || l == "false" || l == "0" || l == "n" || l == "no" || l == "off") {
        lit.bool_value = false;
      } else {
        return invalid();
      }
      return lit;
    }
    case T::kInt32:
    case T::kInt64: {
      std::string_view t = text;
      while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
      while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
      if (!t.empty() && t.front() == '+') t.remove_prefix(1);
      int64_t n = 0;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (ec != std::errc() || p != t.data() + t.size() || t.empty()) return invalid();
      lit.kind = sql::LiteralKind::kInteger;
      lit.int_value = n;
      lit.text = std::string(t);
      return lit;
    }
    case T::kFloat64: {
      char* end = nullptr;
      const double d = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) return invalid();
      lit.kind = sql::LiteralKind::kFloat;
      lit.float_value = d;
      lit.text = text;
      return lit;
    }
    case T::kTimestamp: {
      Result<int64_t> ns = ParseTimestamp(text);
      if (!ns.ok()) return Bad("22007", "invalid input syntax for type timestamp: \"" + text.substr(0, 100) + "\"");
      lit.kind = sql::LiteralKind::kTimestamp;
      lit.int_value = *ns;
      lit.text = text;
      return lit;
    }
    default:
      lit.kind = sql::LiteralKind::kString;
      lit.text = text;
      if (!IsValidUtf8(text)) return Bad("22021", "parameter is not valid UTF-8");
      return lit;
  }
}

void WriteError(MessageWriter* w, const ErrorFields& e, char type) {
  w->Begin(type);
  w->Int8('S');
  w->CString(e.severity);
  w->Int8('V');
  w->CString(e.severity);
  w->Int8('C');
  w->CString(e.code);
  w->Int8('M');
  w->CString(e.message);
  if (!e.detail.empty()) {
    w->Int8('D');
    w->CString(e.detail);
  }
  if (!e.hint.empty()) {
    w->Int8('H');
    w->CString(e.hint);
  }
  if (e.position > 0) {
    w->Int8('P');
    w->CString(std::to_string(e.position));
  }
  w->Int8(0);
  w->End();
}

namespace {

size_t CountChars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// "line L, column C: ..." -> (L, C) and the length of that prefix.
bool ParsePosition(std::string_view msg, uint32_t* line, uint32_t* col, size_t* prefix) {
  unsigned l = 0, c = 0;
  int consumed = 0;
  const std::string m(msg.substr(0, 64));
  if (std::sscanf(m.c_str(), "line %u, column %u: %n", &l, &c, &consumed) != 2 || consumed == 0) return false;
  *line = l;
  *col = c;
  *prefix = static_cast<size_t>(consumed);
  return true;
}

}  // namespace

ErrorFields ErrorFromStatus(const Status& st, std::string_view query, size_t offset, bool parse_error) {
  ErrorFields e;
  std::string msg = st.message();
  // Codes we put into messages ourselves ("22P02: ...").
  if (msg.size() > 7 && msg[5] == ':' && msg[6] == ' ' && std::isalnum(static_cast<unsigned char>(msg[0]))) {
    bool code = true;
    for (int i = 0; i < 5; ++i)
      code = code && std::isalnum(static_cast<unsigned char>(msg[i])) && !std::islower(msg[i]);
    if (code) {
      e.code = msg.substr(0, 5);
      e.message = msg.substr(7);
      return e;
    }
  }
  e.message = msg;
  switch (st.code()) {
    case StatusCode::kUnsupported: e.code = "0A000"; break;
    case StatusCode::kAborted: e.code = "57014"; break;
    case StatusCode::kNotFound: e.code = "42P01"; break;
    case StatusCode::kInvalidArgument:
      if (parse_error) {
        e.code = "42601";
      } else if (msg.find("no table '") != std::string::npos) {
        e.code = "42P01";
      } else if (msg.find("no column '") != std::string::npos) {
        e.code = "42703";
      } else if (msg.find("GROUP BY") != std::string::npos || msg.find("aggregate") != std::string::npos) {
        e.code = "42803";
      } else if (msg.find("out of range") != std::string::npos || msg.find("overflow") != std::string::npos) {
        e.code = "22003";
      } else {
        e.code = "42804";
      }
      break;
    case StatusCode::kNoSpace: e.code = "53100"; break;
    case StatusCode::kIOError:
    case StatusCode::kCorruption: e.code = "58030"; break;
    default: e.code = "XX000"; break;
  }
  uint32_t line = 0, col = 0;
  size_t prefix = 0;
  if (ParsePosition(msg, &line, &col, &prefix) && line > 0 && col > 0 && offset <= query.size()) {
    // Walk to line `line`, column `col` of the statement that starts at `offset`.
    size_t i = offset;
    for (uint32_t l = 1; l < line && i < query.size(); ++l) {
      const size_t nl = query.find('\n', i);
      if (nl == std::string_view::npos) {
        i = query.size();
        break;
      }
      i = nl + 1;
    }
    size_t chars = CountChars(query.substr(0, i)) + col;
    e.position = static_cast<int>(std::min<size_t>(chars, CountChars(query) + 1));
  }
  return e;
}

}  // namespace strata::pgwire
