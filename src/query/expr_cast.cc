// CAST between bool, i32, i64, f64, string/symbol and timestamp, with DuckDB's rounding and text
// formats.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "query/expr_internal.h"
#include "strata/timestamp.h"

namespace strata::query::expr_internal {

std::string FormatDoubleSql(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  (void)ec;
  std::string sci(buf, end);  // "-1.2345e+02"
  const size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  const int exp = std::stoi(sci.substr(e + 1));
  const bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out + eb;
  }
  if (exp < 0) {
    return out + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  }
  const size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits) {
    return out + digits + std::string(int_digits - digits.size(), '0') + ".0";
  }
  return out + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

std::string FormatTimestampSql(int64_t ns) {
  const int64_t day = DayOf(ns);
  int64_t y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  int64_t rem = ns - day * kNanosPerDay;
  const int64_t frac = rem % kNanosPerSecond;
  rem /= kNanosPerSecond;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u %02lld:%02lld:%02lld", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60));
  std::string out = buf;
  if (frac) {
    char fb[16];
    std::snprintf(fb, sizeof(fb), ".%09lld", static_cast<long long>(frac));
    std::string f = fb;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ParseDouble(std::string_view s, double* out) {
  s = Trim(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

Status ConvError(const Node& self, const std::string& value, ExprType to) {
  return self.Error("Conversion error: could not convert " + value + " to " + std::string(ExprTypeName(to)));
}

// Integer in [lo, hi] from a double rounded with `half_even` (DuckDB: f64 casts) or half away from
// zero (DuckDB: string casts).
bool DoubleToInt(double d, bool half_even, int64_t lo, int64_t hi, int64_t* out) {
  if (!std::isfinite(d)) return false;
  const double r = half_even ? std::nearbyint(d) : std::round(d);
  if (r < static_cast<double>(lo) || r >= -static_cast<double>(lo) || r > static_cast<double>(hi) + 0.5) return false;
  *out = static_cast<int64_t>(r);
  return *out >= lo && *out <= hi;
}

Status CastKernel(const Node& self, ExprType from, const Vec& v, size_t n, Column* out) {
  const ExprType to = self.type;
  const int64_t lo = to == ExprType::kInt32 ? INT32_MIN : INT64_MIN;
  const int64_t hi = to == ExprType::kInt32 ? INT32_MAX : INT64_MAX;
  // Fast paths: numbers to f64 and i32 to i64 (vwap's price * size, mixed-width arithmetic).
  if ((to == ExprType::kFloat64 && (from == ExprType::kInt32 || from == ExprType::kInt64)) ||
      (to == ExprType::kInt64 && from == ExprType::kInt32)) {
    const Column& c = v.c();
    if (to == ExprType::kFloat64) {
      std::vector<double>& o = out->doubles();
      o.resize(n);
      if (from == ExprType::kInt64) {
        for (size_t i = 0; i < n; ++i) o[i] = static_cast<double>(c.int64s()[v.ix(i)]);
      } else {
        for (size_t i = 0; i < n; ++i) o[i] = c.int32s()[v.ix(i)];
      }
    } else {
      std::vector<int64_t>& o = out->int64s();
      o.resize(n);
      for (size_t i = 0; i < n; ++i) o[i] = c.int32s()[v.ix(i)];
    }
    Seal(out, AndValidity({&v}, n));
    return Status::OK();
  }
  out->Reserve(n);
  auto put_int = [&](int64_t x) {
    if (to == ExprType::kInt32) {
      out->AppendInt32(static_cast<int32_t>(x));
    } else {
      out->AppendInt64(x);
    }
  };
  for (size_t i = 0; i < n; ++i) {
    if (v.null(i)) {
      out->AppendNull();
      continue;
    }
    switch (to) {
      case ExprType::kBool:
        if (from == ExprType::kFloat64) {
          out->AppendBool(v.f64(i) != 0);
        } else if (from == ExprType::kString || from == ExprType::kSymbol) {
          std::string s(Trim(v.str(i)));
          for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1") {
            out->AppendBool(true);
          } else if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0") {
            out->AppendBool(false);
          } else {
            return ConvError(self, "'" + std::string(v.str(i)) + "'", to);
          }
        } else {
          out->AppendBool(v.i64(i) != 0);
        }
        break;
      case ExprType::kInt32:
      case ExprType::kInt64: {
        int64_t x = 0;
        if (from == ExprType::kFloat64) {
          if (!DoubleToInt(v.f64(i), true, lo, hi, &x)) return ConvError(self, FormatDoubleSql(v.f64(i)), to);
        } else if (from == ExprType::kString || from == ExprType::kSymbol) {
          std::string_view s = Trim(v.str(i));
          std::string_view digits = !s.empty() && s[0] == '+' ? s.substr(1) : s;
          auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), x);
          if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || x < lo || x > hi) {
            double d;
            if (!ParseDouble(s, &d) || !DoubleToInt(d, false, lo, hi, &x)) {
              return ConvError(self, "'" + std::string(v.str(i)) + "'", to);
            }
          }
        } else {
          x = v.i64(i);
          if (x < lo || x > hi) return ConvError(self, std::to_string(x), to);
        }
        put_int(x);
        break;
      }
      case ExprType::kFloat64:
        if (from == ExprType::kString || from == ExprType::kSymbol) {
          double d;
          if (!ParseDouble(v.str(i), &d)) return ConvError(self, "'" + std::string(v.str(i)) + "'", to);
          out->AppendDouble(d);
        } else {
          out->AppendDouble(v.f64(i));
        }
        break;
      case ExprType::kTimestamp: {
        auto ts = ParseTimestamp(Trim(v.str(i)));
        if (!ts.ok()) return self.Error("Conversion error: " + ts.status().message());
        out->AppendInt64(*ts);
        break;
      }
      case ExprType::kString:
      case ExprType::kSymbol:
        switch (from) {
          case ExprType::kBool: out->AppendString(v.i64(i) ? "true" : "false"); break;
          case ExprType::kInt32:
          case ExprType::kInt64: out->AppendString(std::to_string(v.i64(i))); break;
          case ExprType::kFloat64: out->AppendString(FormatDoubleSql(v.f64(i))); break;
          case ExprType::kTimestamp: out->AppendString(FormatTimestampSql(v.i64(i))); break;
          default: out->AppendString(v.str(i)); break;
        }
        break;
      default: return self.Error("cannot cast to " + std::string(ExprTypeName(to)));
    }
  }
  return Status::OK();
}

}  // namespace

NodePtr MakeCast(NodePtr child, ExprType to) {
  if (child->type == ExprType::kNull) {
    NodePtr c = MakeConstNode(Value::NullOf(to));
    c->text = child->text;
    return c;
  }
  const ExprType from = child->type;
  const bool constant = child->constant;
  std::vector<NodePtr> kids;
  kids.push_back(std::move(child));
  auto node = std::make_unique<KernelNode>(std::move(kids),
                                           [from](const Node& self, const std::vector<Vec>& in, size_t n, Column* out) {
                                             return CastKernel(self, from, in[0], n, out);
                                           });
  node->type = to;
  node->constant = constant;
  return node;
}

}  // namespace strata::query::expr_internal
