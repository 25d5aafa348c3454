#include "strata/schema.h"

#include <cmath>
#include <cstring>
#include <unordered_set>

#include "core/schema_text.h"

namespace strata {
namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kTimestamp: return "timestamp";
    case ColumnType::kSymbol: return "symbol";
    case ColumnType::kInt32: return "i32";
    case ColumnType::kInt64: return "i64";
    case ColumnType::kFloat64: return "f64";
    case ColumnType::kString: return "string";
    case ColumnType::kBool: return "bool";
    case ColumnType::kFloat32: return "f32";
  }
  return "unknown";
}

bool IsExactFloat(double v) { return std::isnan(v) || static_cast<double>(static_cast<float>(v)) == v; }

std::string_view TimeUnitName(TimeUnit u) {
  switch (u) {
    case TimeUnit::kNanos: return "ns";
    case TimeUnit::kMicros: return "us";
    case TimeUnit::kMillis: return "ms";
  }
  return "ns";
}

std::string FieldTypeName(const Field& f) {
  std::string out(ColumnTypeName(f.type));
  if (f.type == ColumnType::kTimestamp && f.unit != TimeUnit::kNanos) {
    out += '[';
    out += TimeUnitName(f.unit);
    out += ']';
  }
  return out;
}

Status ParseFieldType(std::string_view name, Field* f) {
  f->unit = TimeUnit::kNanos;
  if (name.starts_with("timestamp[") && name.ends_with("]")) {
    std::string_view u = name.substr(10, name.size() - 11);
    if (u == "us") {
      f->unit = TimeUnit::kMicros;
    } else if (u == "ms") {
      f->unit = TimeUnit::kMillis;
    } else if (u != "ns") {
      return Status::InvalidArgument("unknown timestamp precision '" + std::string(name) +
                                     "' (expected timestamp, timestamp[us] or timestamp[ms])");
    }
    f->type = ColumnType::kTimestamp;
    return Status::OK();
  }
  ASSIGN_OR_RETURN(f->type, ParseColumnType(name));
  return Status::OK();
}

Result<ColumnType> ParseColumnType(std::string_view name) {
  static constexpr ColumnType kAll[] = {ColumnType::kTimestamp, ColumnType::kSymbol,  ColumnType::kInt32,
                                        ColumnType::kInt64,     ColumnType::kFloat64, ColumnType::kString,
                                        ColumnType::kBool,      ColumnType::kFloat32};
  for (ColumnType t : kAll) {
    if (ColumnTypeName(t) == name) return t;
  }
  return Status::InvalidArgument(
      "unknown column type '" + std::string(name) +
      "' (expected timestamp, timestamp[us], timestamp[ms], symbol, i32, i64, f32, f64, string or bool)");
}

int FixedWidth(ColumnType type) {
  switch (type) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64:
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: return 8;
    case ColumnType::kInt32: return 4;
    case ColumnType::kBool: return 1;
    case ColumnType::kSymbol:
    case ColumnType::kString: return 0;
  }
  return 0;
}

Result<Schema> Schema::Make(std::vector<Field> fields) {
  Schema s;
  std::unordered_set<std::string_view> names;
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    if (!IsIdentifier(f.name)) {
      return Status::InvalidArgument("bad column name '" + f.name +
                                     "': use letters, digits and '_', starting with a letter or '_'");
    }
    if (!names.insert(f.name).second) return Status::InvalidArgument("duplicate column name '" + f.name + "'");
    if (f.type != ColumnType::kTimestamp && f.unit != TimeUnit::kNanos) {
      return Status::InvalidArgument("column '" + f.name + "': only a timestamp column has a precision");
    }
    if (f.type == ColumnType::kTimestamp || f.type == ColumnType::kSymbol) {
      int& slot = f.type == ColumnType::kTimestamp ? s.ts_index_ : s.symbol_index_;
      if (slot != -1) {
        return Status::InvalidArgument("a table has exactly one " + std::string(ColumnTypeName(f.type)) +
                                       " column; found '" + fields[slot].name + "' and '" + f.name + "'");
      }
      if (f.nullable) return Status::InvalidArgument("column '" + f.name + "' cannot be nullable");
      slot = static_cast<int>(i);
    }
  }
  if (s.ts_index_ == -1) return Status::InvalidArgument("schema has no timestamp column");
  if (s.symbol_index_ == -1) return Status::InvalidArgument("schema has no symbol column");
  s.fields_ = std::move(fields);
  return s;
}

Result<Schema> Schema::Parse(std::string_view spec) {
  std::vector<Field> fields;
  while (true) {
    size_t comma = spec.find(',');
    std::string_view item = Trim(spec.substr(0, comma));
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("bad schema item '" + std::string(item) + "': expected name:type");
    }
    Field f;
    f.name = std::string(Trim(item.substr(0, colon)));
    std::string_view type = Trim(item.substr(colon + 1));
    if (!type.empty() && type.back() == '?') {
      f.nullable = true;
      type.remove_suffix(1);
    }
    RETURN_IF_ERROR(ParseFieldType(type, &f));
    fields.push_back(std::move(f));
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  return Make(std::move(fields));
}

std::vector<std::string> Schema::TemplateNames() {
  return {"trades", "quotes", "bars", "book", "fills", "orders", "cash"};
}

Result<Schema> Schema::Template(std::string_view name) {
  if (name == "trades") {
    return Parse("ts:timestamp,symbol:symbol,price:f64,size:i64,trade_id:i64,exchange:string");
  }
  if (name == "quotes") {
    return Parse("ts:timestamp,symbol:symbol,bid:f64,ask:f64,bid_size:i64,ask_size:i64");
  }
  if (name == "bars") {
    return Parse("ts:timestamp,symbol:symbol,open:f64,high:f64,low:f64,close:f64,volume:i64");
  }
  if (name == "book") {  // L2 price-level updates (src/state): side bid|ask, action add|update|delete|clear
    return Parse("ts:timestamp,symbol:symbol,side:string,price:f64,size:f64,action:string");
  }
  if (name == "fills") {  // executions (src/state positions); dedup key fill_id
    return Parse(
        "ts:timestamp,symbol:symbol,account:string,side:string,qty:f64,price:f64,fee:f64,order_id:string,"
        "fill_id:string");
  }
  if (name == "orders") {  // order events (src/state): status new|partially_filled|filled|cancelled|rejected
    return Parse(
        "ts:timestamp,symbol:symbol,account:string,order_id:string,side:string,qty:f64,limit_price:f64?,"
        "status:string");
  }
  if (name == "cash") {  // deposits and withdrawals (src/state); symbol = the currency
    return Parse("ts:timestamp,symbol:symbol,account:string,kind:string,amount:f64");
  }
  return Status::NotFound("no table template '" + std::string(name) +
                          "' (templates: trades, quotes, bars, book, fills, orders, cash)");
}

int Schema::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string FieldsToString(const std::vector<Field>& fields) {
  std::string out;
  for (const Field& f : fields) {
    if (!out.empty()) out += ',';
    out += f.name;
    out += ':';
    out += FieldTypeName(f);
    if (f.nullable) out += '?';
  }
  return out;
}

std::string Schema::ToString() const { return FieldsToString(fields_); }

Status TableDef::ValidateName(std::string_view name) {
  if (name.size() > kMaxTableNameBytes) {
    return Status::InvalidArgument("table name " + QuoteForMessage(name, 40) +
                                   " is too long: " + std::to_string(name.size()) + " bytes, at most " +
                                   std::to_string(kMaxTableNameBytes));
  }
  if (!IsIdentifier(name)) {
    return Status::InvalidArgument("bad table name " + QuoteForMessage(name) +
                                   ": use letters, digits and '_', starting with a letter or '_'");
  }
  return Status::OK();
}

bool IsValidUtf8NonAscii(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p < end) {
    // ASCII runs, 8 bytes at a time.
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == end) break;
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;  // a continuation byte, an overlong lead (C0, C1) or past U+10FFFF (F5..FF)
    }
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

Status ValidateSymbolSlow(std::string_view symbol) {
  if (symbol.empty()) return Status::InvalidArgument("a symbol cannot be empty");
  if (symbol.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("symbol " + QuoteForMessage(symbol, 60) + " holds a NUL byte");
  }
  if (!IsValidUtf8(symbol))
    return Status::InvalidArgument("symbol " + QuoteForMessage(symbol, 60) + " is not valid UTF-8");
  size_t escaped = 0;
  for (unsigned char c : symbol) escaped += IsPlainPartitionByte(c) ? 1 : 3;
  if (escaped > kMaxEscapedSymbolBytes) {
    return Status::InvalidArgument(
        "symbol " + QuoteForMessage(symbol, 60) + " is too long: " + std::to_string(symbol.size()) + " bytes, " +
        std::to_string(escaped) + " as a directory name, at most " + std::to_string(kMaxEscapedSymbolBytes) +
        " (bytes other than A-Z a-z 0-9 . _ - count 3)");
  }
  return Status::OK();
}

Status TableDef::Validate() const {
  RETURN_IF_ERROR(ValidateName(name));
  if (dedup_key) {
    int i = schema.FieldIndex(*dedup_key);
    if (i < 0) return Status::InvalidArgument("dedup key '" + *dedup_key + "' is not a column of " + name);
    if (i == schema.ts_index() || i == schema.symbol_index()) {
      return Status::InvalidArgument("dedup key '" + *dedup_key + "' must not be the timestamp or symbol column");
    }
  }
  return Status::OK();
}

}  // namespace strata
