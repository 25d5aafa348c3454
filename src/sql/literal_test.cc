#include "sql/literal.h"

#include <gtest/gtest.h>

#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace {

TEST(LiteralTest, Intervals) {
  EXPECT_EQ(*ParseIntervalText("5 minutes"), 5 * kNanosPerMinute);
  EXPECT_EQ(*ParseIntervalText("1m"), kNanosPerMinute);
  EXPECT_EQ(*ParseIntervalText("1 MINUTE"), kNanosPerMinute);
  EXPECT_EQ(*ParseIntervalText(" 1 hour 30 mins "), 90 * kNanosPerMinute);
  EXPECT_EQ(*ParseIntervalText("-2 days"), -2 * kNanosPerDay);
  EXPECT_EQ(*ParseIntervalText("250ms"), 250 * kNanosPerMilli);
  EXPECT_EQ(*ParseIntervalText("1 week"), 7 * kNanosPerDay);
  EXPECT_EQ(*ParseIntervalText("3us 4ns"), 3004);
  EXPECT_EQ(*ParseIntervalText("5", kNanosPerSecond), 5 * kNanosPerSecond);
  EXPECT_EQ(IntervalUnitNs("Hours"), kNanosPerHour);
  EXPECT_EQ(IntervalUnitNs("fortnight"), 0);
}

TEST(LiteralTest, IntervalErrors) {
  EXPECT_EQ(ParseIntervalText("").status().message(), "bad INTERVAL '': empty; expected e.g. '5 minutes' or '1m'");
  EXPECT_EQ(ParseIntervalText("5").status().message(),
            "bad INTERVAL '5': expected a unit after the number (ns, us, ms, s, m, h, d, w or their words)");
  EXPECT_EQ(ParseIntervalText("five minutes").status().message(),
            "bad INTERVAL 'five minutes': expected a whole number such as '5 minutes' or '1m'");
  EXPECT_EQ(ParseIntervalText("1.5 hours").status().message(),
            "bad INTERVAL '1.5 hours': fractions are not supported; use a smaller unit");
  EXPECT_EQ(ParseIntervalText("3 fortnights").status().message(),
            "bad INTERVAL '3 fortnights': unknown unit 'fortnights' (ns, us, ms, s, m, h, d, w or their words)");
  EXPECT_EQ(ParseIntervalText("99999999999 days").status().message(),
            "bad INTERVAL '99999999999 days': too large for 64-bit nanoseconds");
  EXPECT_EQ(ParseIntervalText("-9223372036854775807 ns -1 ns").status().message(),
            "bad INTERVAL '-9223372036854775807 ns -1 ns': too large for 64-bit nanoseconds");
  EXPECT_EQ(ParseIntervalText("99999999999999999999 ns").status().message(),
            "bad INTERVAL '99999999999999999999 ns': number too large");
  const auto month = ParseIntervalText("1 month");
  EXPECT_EQ(month.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(month.status().message(),
            "INTERVAL '1 month': months and years are not supported (their length varies); use days");
}

TEST(LiteralTest, FormatIntervalRoundTrips) {
  for (int64_t ns : {int64_t{0}, int64_t{1}, int64_t{-1}, kNanosPerMinute, 90 * kNanosPerSecond, -kNanosPerDay,
                     14 * kNanosPerDay, 1500 * kNanosPerMicro, int64_t{1234567}, INT64_MAX, INT64_MIN + 1}) {
    ASSERT_OK_AND_ASSIGN(int64_t back, ParseIntervalText(FormatInterval(ns)));
    EXPECT_EQ(back, ns) << FormatInterval(ns);
  }
  EXPECT_EQ(FormatInterval(5 * kNanosPerMinute), "5 minutes");
  EXPECT_EQ(FormatInterval(kNanosPerDay), "1 day");
  EXPECT_EQ(FormatInterval(-90 * kNanosPerSecond), "-90 seconds");
}

TEST(LiteralTest, SampleSteps) {
  EXPECT_EQ(*ParseSampleStep(1, "m"), kNanosPerMinute);
  EXPECT_EQ(*ParseSampleStep(15, "s"), 15 * kNanosPerSecond);
  EXPECT_EQ(*ParseSampleStep(2, "T"), 2 * kNanosPerMilli);
  EXPECT_EQ(*ParseSampleStep(2, "U"), 2 * kNanosPerMicro);
  EXPECT_EQ(*ParseSampleStep(1, "w"), 7 * kNanosPerDay);
  EXPECT_EQ(ParseSampleStep(1, "M").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(ParseSampleStep(1, "y").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(ParseSampleStep(0, "m").status().message(), "SAMPLE BY step must be positive");
  EXPECT_EQ(ParseSampleStep(INT64_MAX, "d").status().message(), "SAMPLE BY step too large");
  EXPECT_FALSE(ParseSampleStep(1, "x").ok());
  for (int64_t ns : {int64_t{1}, kNanosPerMinute, 90 * kNanosPerSecond, 7 * kNanosPerDay, 1500 * kNanosPerMicro}) {
    const std::string text = FormatSampleStep(ns);
    const size_t digits = text.find_first_not_of("0123456789");
    ASSERT_OK_AND_ASSIGN(int64_t back, ParseSampleStep(std::stoll(text.substr(0, digits)), text.substr(digits)));
    EXPECT_EQ(back, ns) << text;
  }
  EXPECT_EQ(FormatSampleStep(kNanosPerHour), "1h");
}

}  // namespace
}  // namespace strata::sql
