// Scalar functions and interval / timestamp arithmetic.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "query/expr_internal.h"
#include "strata/timestamp.h"

namespace strata::query {

Result<Interval> ParseInterval(std::string_view text) {
  Interval iv;
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("interval '" + std::string(text) + "': " + why +
                                   " (expected e.g. '5 minutes', '1 hour 30 minutes', '1 day', '1 month', '01:30:00')");
  };
  std::string_view s = text;
  bool any = false;
  while (true) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    if (s.empty()) break;
    bool neg = false;
    if (s.front() == '-' || s.front() == '+') {
      neg = s.front() == '-';
      s.remove_prefix(1);
    }
    // HH:MM[:SS[.fff]]
    const size_t colon = s.find(':');
    size_t tok_end = 0;
    while (tok_end < s.size() && !std::isspace(static_cast<unsigned char>(s[tok_end]))) ++tok_end;
    if (colon != std::string_view::npos && colon < tok_end) {
      std::string_view tok = s.substr(0, tok_end);
      int64_t h = 0, m = 0;
      double sec = 0;
      int parts[2] = {0, 0};
      size_t pos = 0;
      for (int k = 0; k < 2; ++k) {
        size_t e = tok.find(':', pos);
        std::string_view f = tok.substr(pos, e == std::string_view::npos ? std::string_view::npos : e - pos);
        auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), parts[k]);
        if (ec != std::errc() || p != f.data() + f.size()) return bad("bad time '" + std::string(tok) + "'");
        if (e == std::string_view::npos) {
          pos = tok.size();
          break;
        }
        pos = e + 1;
      }
      h = parts[0];
      m = parts[1];
      if (pos < tok.size()) {
        std::string_view f = tok.substr(pos);
        auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), sec);
        if (ec != std::errc() || p != f.data() + f.size()) return bad("bad seconds '" + std::string(f) + "'");
      }
      int64_t ns = h * kNanosPerHour + m * kNanosPerMinute + static_cast<int64_t>(std::llround(sec * 1e9));
      iv.nanos += neg ? -ns : ns;
      s.remove_prefix(tok_end);
      any = true;
      continue;
    }
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return bad("expected a number at '" + std::string(s) + "'");
    double num = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + i, num);
    if (ec != std::errc() || p != s.data() + i) return bad("bad number '" + std::string(s.substr(0, i)) + "'");
    if (neg) num = -num;
    s.remove_prefix(i);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    size_t j = 0;
    while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
    std::string unit(s.substr(0, j));
    for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    s.remove_prefix(j);
    if (unit.size() > 1 && unit.back() == 's' && unit != "ns" && unit != "us" && unit != "ms") unit.pop_back();
    auto whole = [&](int64_t* out, int64_t mult) -> bool {
      if (num != std::floor(num)) return false;
      *out += static_cast<int64_t>(num) * mult;
      return true;
    };
    int64_t months = 0, days = 0;
    if (unit == "ns" || unit == "nanosecond") {
      iv.nanos += static_cast<int64_t>(std::llround(num));
    } else if (unit == "us" || unit == "microsecond") {
      iv.nanos += static_cast<int64_t>(std::llround(num * kNanosPerMicro));
    } else if (unit == "ms" || unit == "millisecond") {
      iv.nanos += static_cast<int64_t>(std::llround(num * kNanosPerMilli));
    } else if (unit == "s" || unit == "sec" || unit == "second") {
      iv.nanos += static_cast<int64_t>(std::llround(num * kNanosPerSecond));
    } else if (unit == "m" || unit == "min" || unit == "minute") {
      iv.nanos += static_cast<int64_t>(std::llround(num * kNanosPerMinute));
    } else if (unit == "h" || unit == "hour") {
      iv.nanos += static_cast<int64_t>(std::llround(num * kNanosPerHour));
    } else if (unit == "d" || unit == "day") {
      if (!whole(&days, 1)) return bad("fractional days");
    } else if (unit == "w" || unit == "week") {
      if (!whole(&days, 7)) return bad("fractional weeks");
    } else if (unit == "mon" || unit == "month") {
      if (!whole(&months, 1)) return bad("fractional months");
    } else if (unit == "y" || unit == "year") {
      if (!whole(&months, 12)) return bad("fractional years");
    } else {
      return bad(unit.empty() ? "missing unit" : "unknown unit '" + unit + "'");
    }
    iv.months += static_cast<int32_t>(months);
    iv.days += static_cast<int32_t>(days);
    any = true;
  }
  if (!any) return bad("empty");
  return iv;
}

std::string IntervalToString(const Interval& iv) {
  std::string out;
  auto part = [&](int64_t v, const char* unit) {
    if (!v) return;
    if (!out.empty()) out += " ";
    out += std::to_string(v) + " " + unit + (v == 1 || v == -1 ? "" : "s");
  };
  part(iv.months / 12, "year");
  part(iv.months % 12, "month");
  part(iv.days, "day");
  if (iv.nanos || out.empty()) {
    int64_t ns = iv.nanos;
    if (!out.empty()) out += " ";
    if (ns < 0) {
      out += "-";
      ns = -ns;
    }
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", static_cast<long long>(ns / kNanosPerHour),
                  static_cast<long long>(ns / kNanosPerMinute % 60), static_cast<long long>(ns / kNanosPerSecond % 60));
    out += buf;
    if (ns % kNanosPerSecond) {
      std::snprintf(buf, sizeof(buf), ".%09lld", static_cast<long long>(ns % kNanosPerSecond));
      std::string f = buf;
      while (f.back() == '0') f.pop_back();
      out += f;
    }
  }
  return out;
}

namespace expr_internal {

namespace {
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }
unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}
// The first ns of month index `mi` (months since year 0).
int64_t MonthStart(int64_t mi) {
  return DaysFromCivil(FloorDiv(mi, 12), static_cast<unsigned>(mi - FloorDiv(mi, 12) * 12 + 1), 1) * kNanosPerDay;
}
int64_t MonthIndex(int64_t ts) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(DayOf(ts), &y, &m, &d);
  return y * 12 + (m - 1);
}
// Timestamps are at most ~584 years apart from each other, so the month and day arithmetic below
// stays far inside int64 for any interval whose result is checked against the range.
constexpr int64_t kMaxIntervalDays = 1'000'000;
}  // namespace

bool AddInterval(int64_t ts, const Interval& iv, int64_t* out) {
  int64_t t = ts;
  if (iv.months) {
    const int64_t day = DayOf(t);
    const int64_t tod = t - day * kNanosPerDay;
    int64_t y;
    unsigned m, d;
    CivilFromDays(day, &y, &m, &d);
    const int64_t mi = y * 12 + (m - 1) + iv.months;
    const int64_t ny = FloorDiv(mi, 12);
    const unsigned nm = static_cast<unsigned>(mi - ny * 12 + 1);
    if (ny < 1600 || ny > 2300) return false;
    const unsigned nd = std::min(d, DaysInMonth(ny, nm));
    t = DaysFromCivil(ny, nm, nd) * kNanosPerDay + tod;
  }
  if (iv.days) {
    if (iv.days > kMaxIntervalDays || iv.days < -kMaxIntervalDays) return false;
    if (__builtin_add_overflow(t, static_cast<int64_t>(iv.days) * kNanosPerDay, &t)) return false;
  }
  if (__builtin_add_overflow(t, iv.nanos, &t)) return false;
  *out = t;
  return InTimestampRange(t);
}

namespace {

using Fn1 = std::function<Status(const Node& self, const Vec& in, size_t n, Column* out)>;

NodePtr Unary(NodePtr arg, ExprType type, Fn1 fn) {
  const bool c = arg->constant;
  std::vector<NodePtr> kids;
  kids.push_back(std::move(arg));
  auto node = std::make_unique<KernelNode>(
      std::move(kids), [fn = std::move(fn)](const Node& self, const std::vector<Vec>& in, size_t n, Column* out) {
        return fn(self, in[0], n, out);
      });
  node->type = type;
  node->constant = c;
  return node;
}

// f64 -> f64 with a per-value domain check returning an error text (empty when fine).
NodePtr MathFn(NodePtr arg, double (*f)(double), const char* (*check)(double)) {
  return Unary(std::move(arg), ExprType::kFloat64, [f, check](const Node& self, const Vec& v, size_t n, Column* out) {
    out->doubles().resize(n);
    for (size_t i = 0; i < n; ++i) {
      const double x = v.f64(i);
      if (check && !v.null(i)) {
        if (const char* why = check(x)) return self.Error(std::string("Out of range: ") + why);
      }
      out->doubles()[i] = v.null(i) ? 0 : f(x);
    }
    Seal(out, AndValidity({&v}, n));
    return Status::OK();
  });
}

// ts -> i64 (or f64) computed per value.
NodePtr TsFn(NodePtr arg, ExprType type, std::function<double(int64_t)> f) {
  return Unary(std::move(arg), type, [f = std::move(f), type](const Node&, const Vec& v, size_t n, Column* out) {
    for (size_t i = 0; i < n; ++i) {
      const double r = v.null(i) ? 0 : f(v.i64(i));
      if (type == ExprType::kFloat64) {
        out->doubles().push_back(r);
      } else {
        out->int64s().push_back(static_cast<int64_t>(r));
      }
    }
    Seal(out, AndValidity({&v}, n));
    return Status::OK();
  });
}

// ts -> ts. A template so that a lambda (time_bucket's) is inlined into the loop over a column.
template <typename F>
NodePtr TsToTs(NodePtr arg, F f) {
  return Unary(std::move(arg), ExprType::kTimestamp,
               [f = std::move(f)](const Node&, const Vec& v, size_t n, Column* out) {
                 out->int64s().resize(n);
                 int64_t* o = out->int64s().data();
                 const Column& c = v.c();
                 if (!v.constant && c.validity().empty() &&
                     (c.type() == ColumnType::kTimestamp || c.type() == ColumnType::kInt64)) {
                   const int64_t* in = c.int64s().data();  // the common case: a plain timestamp column
                   for (size_t i = 0; i < n; ++i) o[i] = f(in[i]);
                 } else {
                   for (size_t i = 0; i < n; ++i) o[i] = v.null(i) ? 0 : f(v.i64(i));
                 }
                 Seal(out, AndValidity({&v}, n));
                 return Status::OK();
               });
}

bool IsNum(ExprType t) { return t == ExprType::kInt32 || t == ExprType::kInt64 || t == ExprType::kFloat64; }

// Extracts `part` of a timestamp; false for an unknown part.
bool DatePart(const std::string& part, std::function<double(int64_t)>* f, ExprType* type) {
  *type = ExprType::kInt64;
  auto civil = [](int64_t ts, int idx) -> double {
    int64_t y;
    unsigned m, d;
    CivilFromDays(DayOf(ts), &y, &m, &d);
    return idx == 0 ? static_cast<double>(y) : idx == 1 ? m : idx == 2 ? d : (m - 1) / 3 + 1;
  };
  auto tod = [](int64_t ts) { return ts - DayOf(ts) * kNanosPerDay; };
  if (part == "year") {
    *f = [civil](int64_t t) { return civil(t, 0); };
  } else if (part == "month") {
    *f = [civil](int64_t t) { return civil(t, 1); };
  } else if (part == "day") {
    *f = [civil](int64_t t) { return civil(t, 2); };
  } else if (part == "quarter") {
    *f = [civil](int64_t t) { return civil(t, 3); };
  } else if (part == "dow") {
    *f = [](int64_t t) { return static_cast<double>(((DayOf(t) + 4) % 7 + 7) % 7); };  // 1970-01-01 was a Thursday
  } else if (part == "doy") {
    *f = [](int64_t t) {
      int64_t y;
      unsigned m, d;
      CivilFromDays(DayOf(t), &y, &m, &d);
      return static_cast<double>(DayOf(t) - DaysFromCivil(y, 1, 1) + 1);
    };
  } else if (part == "hour") {
    *f = [tod](int64_t t) { return static_cast<double>(tod(t) / kNanosPerHour); };
  } else if (part == "minute") {
    *f = [tod](int64_t t) { return static_cast<double>(tod(t) / kNanosPerMinute % 60); };
  } else if (part == "second") {
    *f = [tod](int64_t t) { return static_cast<double>(tod(t) / kNanosPerSecond % 60); };
  } else if (part == "millisecond") {
    *f = [tod](int64_t t) { return static_cast<double>(tod(t) % kNanosPerMinute / kNanosPerMilli); };
  } else if (part == "microsecond") {
    *f = [tod](int64_t t) { return static_cast<double>(tod(t) % kNanosPerMinute / kNanosPerMicro); };
  } else if (part == "epoch") {
    *type = ExprType::kFloat64;
    *f = [](int64_t t) { return static_cast<double>(t) / 1e9; };
  } else {
    return false;
  }
  return true;
}

// Truncation of a timestamp to `part`; false for an unknown part.
bool TruncFn(const std::string& part, std::function<int64_t(int64_t)>* f) {
  int64_t step = 0;
  if (part == "microsecond") step = kNanosPerMicro;
  if (part == "millisecond") step = kNanosPerMilli;
  if (part == "second") step = kNanosPerSecond;
  if (part == "minute") step = kNanosPerMinute;
  if (part == "hour") step = kNanosPerHour;
  if (part == "day") step = kNanosPerDay;
  if (step) {
    *f = [step](int64_t t) { return FloorToMultiple(t, step); };
  } else if (part == "week") {  // Monday (1970-01-05 was one)
    *f = [](int64_t t) { return (DayOf(t) - (((DayOf(t) - 4) % 7 + 7) % 7)) * kNanosPerDay; };
  } else if (part == "month") {
    *f = [](int64_t t) { return MonthStart(MonthIndex(t)); };
  } else if (part == "quarter") {
    *f = [](int64_t t) { return MonthStart(FloorDiv(MonthIndex(t), 3) * 3); };
  } else if (part == "year") {
    *f = [](int64_t t) { return MonthStart(FloorDiv(MonthIndex(t), 12) * 12); };
  } else {
    return false;
  }
  return true;
}

}  // namespace

NodePtr MakeTimestampPlusInterval(NodePtr ts, Interval iv, bool subtract) {
  if (subtract) iv = {-iv.months, -iv.days, -iv.nanos};
  return Unary(std::move(ts), ExprType::kTimestamp, [iv](const Node& self, const Vec& v, size_t n, Column* out) {
    out->int64s().resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (v.null(i)) continue;
      if (!AddInterval(v.i64(i), iv, &out->int64s()[i])) {
        return self.Error("Out of range: " + FormatTimestampSql(v.i64(i)) + " + interval '" + IntervalToString(iv) +
                          "' is outside " + kTimestampRangeText);
      }
    }
    Seal(out, AndValidity({&v}, n));
    return Status::OK();
  });
}

Result<NodePtr> MakeFunction(const std::string& name, std::vector<NodePtr> args, const std::string& text,
                             const std::string& where) {
  auto error = [&](const std::string& what) {
    return Status::InvalidArgument((where.empty() ? "" : where + ": ") + what + " in '" + text + "'");
  };
  auto arity = [&](size_t lo, size_t hi) -> Status {
    if (args.size() < lo || args.size() > hi) {
      return error(name + " takes " +
                   (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) + " argument" +
                   (hi == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
    }
    return Status::OK();
  };
  auto want = [&](size_t i, bool ok, const char* what) -> Status {
    if (!ok)
      return error(name + " takes " + what + " as argument " + std::to_string(i + 1) + ", not " +
                   std::string(ExprTypeName(args[i]->type)));
    return Status::OK();
  };
  auto null_arg = [&]() {
    for (const auto& a : args) {
      if (a->type == ExprType::kNull) return true;
    }
    return false;
  };
  // A constant string argument (date_trunc's part).
  auto const_string = [&](size_t i, std::string* out) -> Status {
    if (!args[i]->is_literal || !(args[i]->type == ExprType::kString) || args[i]->literal.is_null) {
      return error(name + " takes a constant string as argument " + std::to_string(i + 1));
    }
    *out = args[i]->literal.s;
    for (char& c : *out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return Status::OK();
  };

  if (name == "abs" || name == "sign") {
    RETURN_IF_ERROR(arity(1, 1));
    if (null_arg()) return MakeConstNode(Value::Null());
    RETURN_IF_ERROR(want(0, IsNum(args[0]->type), "a number"));
    const ExprType t = args[0]->type;
    const bool sign = name == "sign";
    return Unary(std::move(args[0]), sign && t != ExprType::kFloat64 ? ExprType::kInt32 : t,
                 [sign, t](const Node& self, const Vec& v, size_t n, Column* out) -> Status {
                   for (size_t i = 0; i < n; ++i) {
                     if (t == ExprType::kFloat64) {
                       const double x = v.f64(i);
                       out->AppendDouble(sign ? (x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0) : std::fabs(x));
                       continue;
                     }
                     const int64_t x = v.i64(i);
                     if (sign) {
                       out->AppendInt32(x > 0 ? 1 : x < 0 ? -1 : 0);
                       continue;
                     }
                     const int64_t lo = t == ExprType::kInt32 ? INT32_MIN : INT64_MIN;
                     if (x == lo && !v.null(i))
                       return self.Error("Out of range: overflow of abs(" + std::to_string(x) + ")");
                     const int64_t r = x < 0 && x != lo ? -x : x;
                     if (t == ExprType::kInt32) {
                       out->AppendInt32(static_cast<int32_t>(r));
                     } else {
                       out->AppendInt64(r);
                     }
                   }
                   Seal(out, AndValidity({&v}, n));
                   return Status::OK();
                 });
  }
  if (name == "round") {
    RETURN_IF_ERROR(arity(1, 2));
    if (null_arg()) return MakeConstNode(Value::Null());
    RETURN_IF_ERROR(want(0, IsNum(args[0]->type), "a number"));
    int64_t digits = 0;
    if (args.size() == 2) {
      if (!args[1]->is_literal || (args[1]->type != ExprType::kInt32 && args[1]->type != ExprType::kInt64)) {
        return error("round takes a constant integer number of digits");
      }
      digits = std::clamp<int64_t>(args[1]->literal.i, -18, 18);
    }
    const ExprType t = args[0]->type;
    return Unary(std::move(args[0]), t, [t, digits](const Node&, const Vec& v, size_t n, Column* out) -> Status {
      for (size_t i = 0; i < n; ++i) {
        if (t == ExprType::kFloat64) {
          const double x = v.f64(i);
          if (digits == 0) {
            out->AppendDouble(std::round(x));
          } else {
            const double mod = std::pow(10.0, static_cast<double>(digits));
            const double r = std::round(x * mod) / mod;
            out->AppendDouble(std::isfinite(r) ? r : x);
          }
          continue;
        }
        int64_t x = v.i64(i);
        if (digits < 0) {
          int64_t p = 1;
          for (int64_t k = 0; k < -digits; ++k) p *= 10;
          const int64_t q = x / p, r = x % p;
          x = q * p + (2 * (r < 0 ? -r : r) >= p ? (x < 0 ? -p : p) : 0);
        }
        if (t == ExprType::kInt32) {
          out->AppendInt32(static_cast<int32_t>(x));
        } else {
          out->AppendInt64(x);
        }
      }
      Seal(out, AndValidity({&v}, n));
      return Status::OK();
    });
  }
  using MathPtr = double (*)(double);
  using CheckPtr = const char* (*)(double);
  struct MathDef {
    const char* name;
    MathPtr f;
    CheckPtr check;
  };
  static const MathDef kMath[] = {
      {"floor", [](double x) { return std::floor(x); }, nullptr},
      {"ceil", [](double x) { return std::ceil(x); }, nullptr},
      {"ceiling", [](double x) { return std::ceil(x); }, nullptr},
      {"exp", [](double x) { return std::exp(x); }, nullptr},
      {"ln", [](double x) { return std::log(x); },
       [](double x) -> const char* {
         return x == 0  ? "cannot take logarithm of zero"
                : x < 0 ? "cannot take logarithm of a negative number"
                        : nullptr;
       }},
      {"log10", [](double x) { return std::log10(x); },
       [](double x) -> const char* {
         return x == 0  ? "cannot take logarithm of zero"
                : x < 0 ? "cannot take logarithm of a negative number"
                        : nullptr;
       }},
      {"sqrt", [](double x) { return std::sqrt(x); },
       [](double x) -> const char* { return x < 0 ? "cannot take square root of a negative number" : nullptr; }},
  };
  for (const MathDef& m : kMath) {
    if (name != m.name) continue;
    RETURN_IF_ERROR(arity(1, 1));
    if (null_arg()) return MakeConstNode(Value::NullOf(ExprType::kFloat64));
    RETURN_IF_ERROR(want(0, IsNum(args[0]->type), "a number"));
    return MathFn(MakeCast(std::move(args[0]), ExprType::kFloat64), m.f, m.check);
  }
  if (name == "power" || name == "pow") {
    RETURN_IF_ERROR(arity(2, 2));
    if (null_arg()) return MakeConstNode(Value::NullOf(ExprType::kFloat64));
    RETURN_IF_ERROR(want(0, IsNum(args[0]->type), "a number"));
    RETURN_IF_ERROR(want(1, IsNum(args[1]->type), "a number"));
    const bool c = args[0]->constant && args[1]->constant;
    std::vector<NodePtr> kids;
    kids.push_back(MakeCast(std::move(args[0]), ExprType::kFloat64));
    kids.push_back(MakeCast(std::move(args[1]), ExprType::kFloat64));
    auto node = std::make_unique<KernelNode>(std::move(kids),
                                             [](const Node&, const std::vector<Vec>& in, size_t n, Column* out) {
                                               out->doubles().resize(n);
                                               for (size_t i = 0; i < n; ++i)
                                                 out->doubles()[i] = std::pow(in[0].f64(i), in[1].f64(i));
                                               Seal(out, AndValidity({&in[0], &in[1]}, n));
                                               return Status::OK();
                                             });
    node->type = ExprType::kFloat64;
    node->constant = c;
    return NodePtr(std::move(node));
  }
  if (name == "lower" || name == "upper" || name == "length") {
    RETURN_IF_ERROR(arity(1, 1));
    if (null_arg()) return MakeConstNode(Value::Null());
    const ExprType t = args[0]->type;
    RETURN_IF_ERROR(want(0, t == ExprType::kString || t == ExprType::kSymbol, "a string"));
    const int which = name == "lower" ? 0 : name == "upper" ? 1 : 2;
    return Unary(std::move(args[0]), which == 2 ? ExprType::kInt64 : ExprType::kString,
                 [which](const Node&, const Vec& v, size_t n, Column* out) -> Status {
                   for (size_t i = 0; i < n; ++i) {
                     std::string_view s = v.str(i);
                     if (which == 2) {
                       int64_t len = 0;
                       for (unsigned char c : s) len += (c & 0xC0) != 0x80;
                       out->AppendInt64(len);
                     } else {
                       std::string r(s);
                       for (char& c : r) {
                         c = static_cast<char>(which == 0 ? std::tolower(static_cast<unsigned char>(c))
                                                          : std::toupper(static_cast<unsigned char>(c)));
                       }
                       out->AppendString(r);
                     }
                   }
                   std::vector<uint8_t> valid = AndValidity({&v}, n);
                   if (!valid.empty()) out->validity() = std::move(valid);
                   return Status::OK();
                 });
  }
  if (name == "concat") {
    if (args.empty()) return error("concat takes at least 1 argument");
    std::vector<NodePtr> kids;
    bool c = true;
    for (auto& a : args) {
      c &= a->constant;
      if (a->type == ExprType::kInterval) return error("concat takes no intervals");
      kids.push_back(a->type == ExprType::kString || a->type == ExprType::kSymbol
                         ? std::move(a)
                         : MakeCast(std::move(a), ExprType::kString));
    }
    auto node = std::make_unique<KernelNode>(std::move(kids),
                                             [](const Node&, const std::vector<Vec>& in, size_t n, Column* out) {
                                               for (size_t i = 0; i < n; ++i) {
                                                 std::string s;
                                                 for (const Vec& v : in) {
                                                   if (!v.null(i)) s += v.str(i);  // concat() skips nulls (DuckDB)
                                                 }
                                                 out->AppendString(s);
                                               }
                                               return Status::OK();
                                             });
    node->type = ExprType::kString;
    node->constant = c;
    return NodePtr(std::move(node));
  }
  if (name == "time_bucket") {
    RETURN_IF_ERROR(arity(2, 2));
    if (args[0]->type != ExprType::kInterval || !args[0]->is_literal) {
      return error("time_bucket takes an interval constant as argument 1 (e.g. INTERVAL '5 minutes')");
    }
    if (args[1]->type == ExprType::kNull || args[0]->literal.is_null)
      return MakeConstNode(Value::NullOf(ExprType::kTimestamp));
    RETURN_IF_ERROR(want(1, args[1]->type == ExprType::kTimestamp, "a timestamp"));
    const Interval iv = args[0]->literal.iv;
    if (iv.months != 0 && (iv.days != 0 || iv.nanos != 0)) {
      return error("time_bucket: a bucket width cannot mix months with days or time (as DuckDB)");
    }
    if (iv.months < 0 || iv.days < 0 || iv.nanos < 0 || (iv.months == 0 && iv.days == 0 && iv.nanos == 0)) {
      return error("time_bucket: the bucket width must be positive");
    }
    if (iv.months) {
      // Months since 2000-01 (DuckDB's origin for month widths).
      const int64_t width = iv.months;
      constexpr int64_t origin = 2000 * 12;
      return TsToTs(std::move(args[1]), [width](int64_t t) {
        return MonthStart(origin + FloorDiv(MonthIndex(t) - origin, width) * width);
      });
    }
    if (iv.days > 1'000'000) return error("time_bucket: the bucket width is too large");
    const int64_t width = iv.days * kNanosPerDay + iv.nanos;
    const int64_t origin = DaysFromCivil(2000, 1, 3) * kNanosPerDay;  // DuckDB's default origin (a Monday)
    return TsToTs(std::move(args[1]),
                  [width, origin](int64_t t) { return origin + FloorToMultiple(t - origin, width); });
  }
  if (name == "date_trunc" || name == "datetrunc") {
    RETURN_IF_ERROR(arity(2, 2));
    std::string part;
    RETURN_IF_ERROR(const_string(0, &part));
    if (args[1]->type == ExprType::kNull) return MakeConstNode(Value::NullOf(ExprType::kTimestamp));
    RETURN_IF_ERROR(want(1, args[1]->type == ExprType::kTimestamp, "a timestamp"));
    std::function<int64_t(int64_t)> f;
    if (!TruncFn(part, &f)) {
      return error("date_trunc: unknown part '" + part +
                   "' (use microsecond, millisecond, second, minute, hour, day, "
                   "week, month, quarter or year)");
    }
    return TsToTs(std::move(args[1]), std::move(f));
  }
  std::string part;
  size_t ts_arg = 0;
  if (name == "date_part" || name == "datepart" || name == "extract") {
    RETURN_IF_ERROR(arity(2, 2));
    RETURN_IF_ERROR(const_string(0, &part));
    ts_arg = 1;
  } else if (name == "year" || name == "month" || name == "day" || name == "hour" || name == "minute" ||
             name == "second" || name == "quarter" || name == "dayofweek" || name == "dayofyear" ||
             name == "millisecond" || name == "microsecond") {
    RETURN_IF_ERROR(arity(1, 1));
    part = name == "dayofweek" ? "dow" : name == "dayofyear" ? "doy" : name;
  }
  if (!part.empty()) {
    std::function<double(int64_t)> f;
    ExprType type;
    if (!DatePart(part, &f, &type)) {
      return error("unknown date part '" + part +
                   "' (use year, quarter, month, day, dow, doy, hour, minute, second, "
                   "millisecond, microsecond or epoch)");
    }
    if (args[ts_arg]->type == ExprType::kNull) return MakeConstNode(Value::NullOf(type));
    RETURN_IF_ERROR(want(ts_arg, args[ts_arg]->type == ExprType::kTimestamp, "a timestamp"));
    return TsFn(std::move(args[ts_arg]), type, std::move(f));
  }
  if (name == "epoch_ns" || name == "epoch_us" || name == "epoch_ms" || name == "epoch") {
    RETURN_IF_ERROR(arity(1, 1));
    if (null_arg()) return MakeConstNode(Value::NullOf(name == "epoch" ? ExprType::kFloat64 : ExprType::kInt64));
    RETURN_IF_ERROR(want(0, args[0]->type == ExprType::kTimestamp, "a timestamp"));
    if (name == "epoch")
      return TsFn(std::move(args[0]), ExprType::kFloat64, [](int64_t t) { return static_cast<double>(t) / 1e9; });
    const int64_t div = name == "epoch_ns" ? 1 : name == "epoch_us" ? kNanosPerMicro : kNanosPerMilli;
    return Unary(std::move(args[0]), ExprType::kInt64, [div](const Node&, const Vec& v, size_t n, Column* out) {
      out->int64s().resize(n);
      for (size_t i = 0; i < n; ++i) out->int64s()[i] = FloorDiv(v.i64(i), div);
      Seal(out, AndValidity({&v}, n));
      return Status::OK();
    });
  }
  static const char* kAggregates[] = {"count",   "sum",     "avg",         "min",      "max",    "first",   "last",
                                      "arg_min", "arg_max", "stddev_samp", "var_samp", "stddev", "variance"};
  for (const char* a : kAggregates) {
    if (name == a) return error("aggregate function " + name + "() is not allowed here");
  }
  return error("unknown function '" + name + "'");
}

}  // namespace expr_internal
}  // namespace strata::query
