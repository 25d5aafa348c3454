#include "sql/literal.h"

#include <cctype>
#include <charconv>

#include "strata/timestamp.h"

namespace strata::sql {
namespace {

struct Unit {
  std::string_view word;
  int64_t ns;
};
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"nanosecond", 1},
    {"nanoseconds", 1},
    {"us", kNanosPerMicro},
    {"microsecond", kNanosPerMicro},
    {"microseconds", kNanosPerMicro},
    {"ms", kNanosPerMilli},
    {"millisecond", kNanosPerMilli},
    {"milliseconds", kNanosPerMilli},
    {"s", kNanosPerSecond},
    {"sec", kNanosPerSecond},
    {"secs", kNanosPerSecond},
    {"second", kNanosPerSecond},
    {"seconds", kNanosPerSecond},
    {"m", kNanosPerMinute},
    {"min", kNanosPerMinute},
    {"mins", kNanosPerMinute},
    {"minute", kNanosPerMinute},
    {"minutes", kNanosPerMinute},
    {"h", kNanosPerHour},
    {"hour", kNanosPerHour},
    {"hours", kNanosPerHour},
    {"d", kNanosPerDay},
    {"day", kNanosPerDay},
    {"days", kNanosPerDay},
    {"w", 7 * kNanosPerDay},
    {"week", 7 * kNanosPerDay},
    {"weeks", 7 * kNanosPerDay},
};

constexpr Unit kPrintUnits[] = {{"week", 7 * kNanosPerDay},     {"day", kNanosPerDay},
                                {"hour", kNanosPerHour},        {"minute", kNanosPerMinute},
                                {"second", kNanosPerSecond},    {"millisecond", kNanosPerMilli},
                                {"microsecond", kNanosPerMicro}};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status BadInterval(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("bad INTERVAL " + QuoteForMessage(text, 60) + ": " + std::string(why));
}

}  // namespace

int64_t IntervalUnitNs(std::string_view word) {
  const std::string w = Lower(word);
  for (const Unit& u : kUnits) {
    if (u.word == w) return u.ns;
  }
  return 0;
}

Result<int64_t> ParseIntervalText(std::string_view text, int64_t default_unit_ns) {
  size_t i = 0;
  const auto skip_space = [&] {
    while (i < text.size() && text[i] == ' ') ++i;
  };
  int64_t total = 0;
  int parts = 0;
  skip_space();
  while (i < text.size()) {
    bool negative = false;
    if (text[i] == '-' || text[i] == '+') negative = text[i++] == '-';
    const size_t digits = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == digits) return BadInterval(text, "expected a whole number such as '5 minutes' or '1m'");
    int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data() + digits, text.data() + i, n);
    if (ec != std::errc()) return BadInterval(text, "number too large");
    if (i < text.size() && text[i] == '.') return BadInterval(text, "fractions are not supported; use a smaller unit");
    skip_space();
    const size_t unit_begin = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view unit = text.substr(unit_begin, i - unit_begin);
    int64_t mult;
    if (unit.empty()) {
      if (default_unit_ns == 0 || parts > 0 || i < text.size()) {
        return BadInterval(text, "expected a unit after the number (ns, us, ms, s, m, h, d, w or their words)");
      }
      mult = default_unit_ns;
    } else {
      mult = IntervalUnitNs(unit);
      if (mult == 0) {
        const std::string u = Lower(unit);
        if (u == "mon" || u == "mons" || u == "month" || u == "months" || u == "y" || u == "year" || u == "years") {
          return Status::Unsupported("INTERVAL " + QuoteForMessage(text, 60) +
                                     ": months and years are not supported (their length varies); use days");
        }
        return BadInterval(text,
                           "unknown unit " + QuoteForMessage(unit, 30) + " (ns, us, ms, s, m, h, d, w or their words)");
      }
    }
    int64_t part;
    if (__builtin_mul_overflow(n, mult, &part) || __builtin_add_overflow(total, negative ? -part : part, &total)) {
      return BadInterval(text, "too large for 64-bit nanoseconds");
    }
    ++parts;
    skip_space();
  }
  if (parts == 0) return BadInterval(text, "empty; expected e.g. '5 minutes' or '1m'");
  // INT64_MIN has no positive counterpart to print it with.
  if (total == INT64_MIN) return BadInterval(text, "too large for 64-bit nanoseconds");
  return total;
}

std::string FormatInterval(int64_t ns) {
  if (ns == 0) return "0 seconds";
  for (const Unit& u : kPrintUnits) {
    if (ns % u.ns == 0) {
      const int64_t n = ns / u.ns;
      return std::to_string(n) + " " + std::string(u.word) + (n == 1 || n == -1 ? "" : "s");
    }
  }
  return std::to_string(ns) + (ns == 1 || ns == -1 ? " nanosecond" : " nanoseconds");
}

Result<int64_t> ParseSampleStep(int64_t count, std::string_view unit) {
  static constexpr Unit kSteps[] = {
      {"ns", 1},
      {"us", kNanosPerMicro},
      {"U", kNanosPerMicro},
      {"ms", kNanosPerMilli},
      {"T", kNanosPerMilli},
      {"s", kNanosPerSecond},
      {"m", kNanosPerMinute},
      {"h", kNanosPerHour},
      {"d", kNanosPerDay},
      {"w", 7 * kNanosPerDay},
  };
  if (unit == "M" || unit == "y") {
    return Status::Unsupported("SAMPLE BY in months or years is not supported yet; use days (d) or weeks (w)");
  }
  for (const Unit& u : kSteps) {
    if (u.word == unit) {
      int64_t ns;
      if (count <= 0) return Status::InvalidArgument("SAMPLE BY step must be positive");
      if (__builtin_mul_overflow(count, u.ns, &ns)) return Status::InvalidArgument("SAMPLE BY step too large");
      return ns;
    }
  }
  return Status::InvalidArgument(
      "expected a SAMPLE BY step such as 1m, 15s, 1h or 1d (units ns, us, ms, s, m, h, d, w)");
}

std::string FormatSampleStep(int64_t ns) {
  static constexpr Unit kOut[] = {
      {"w", 7 * kNanosPerDay}, {"d", kNanosPerDay},    {"h", kNanosPerHour},   {"m", kNanosPerMinute},
      {"s", kNanosPerSecond},  {"ms", kNanosPerMilli}, {"us", kNanosPerMicro}, {"ns", 1}};
  for (const Unit& u : kOut) {
    if (ns % u.ns == 0) return std::to_string(ns / u.ns) + std::string(u.word);
  }
  return std::to_string(ns) + "ns";
}

}  // namespace strata::sql
