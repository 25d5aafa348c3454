#include "strata/timestamp.h"

#include <gtest/gtest.h>

#include <random>

#include "testutil/testutil.h"

namespace strata {
namespace {

TEST(Timestamp, ParsesIsoForms) {
  const int64_t day = DaysFromCivil(2026, 3, 2) * kNanosPerDay;
  EXPECT_EQ(*ParseTimestamp("2026-03-02"), day);
  EXPECT_EQ(*ParseTimestamp("2026-03-02T14:00"), day + 14 * kNanosPerHour);
  EXPECT_EQ(*ParseTimestamp("2026-03-02T14:00:05Z"), day + 14 * kNanosPerHour + 5 * kNanosPerSecond);
  EXPECT_EQ(*ParseTimestamp("2026-03-02 14:00:05.5"), day + 14 * kNanosPerHour + 5 * kNanosPerSecond + 500'000'000);
  EXPECT_EQ(*ParseTimestamp("2026-03-02T14:00:05.123456789Z"),
            day + 14 * kNanosPerHour + 5 * kNanosPerSecond + 123'456'789);
  EXPECT_EQ(*ParseTimestamp("2026-03-02T14:00:00+02:00"), day + 12 * kNanosPerHour);
  EXPECT_EQ(*ParseTimestamp("2026-03-02T14:00:00-0430"), day + 18 * kNanosPerHour + 30 * kNanosPerMinute);
  EXPECT_EQ(*ParseTimestamp("2026-03-02T14:00:00+05"), day + 9 * kNanosPerHour);
}

TEST(Timestamp, ParsesIntegerNanos) {
  EXPECT_EQ(*ParseTimestamp("1772460000000000000"), 1772460000000000000);
  EXPECT_EQ(*ParseTimestamp("0"), 0);
  EXPECT_EQ(*ParseTimestamp("-5"), -5);
}

TEST(Timestamp, RejectsGarbageWithReason) {
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-03-02T25:00", "2026-03-02T14:00:00.",
                          "2026-03-02T14:00:00.1234567890", "2026-03-02X", "2026-3-2", "99999999999999999999",
                          "2263-01-01", "2026-03-02T14:00:00+25:00"}) {
    auto r = ParseTimestamp(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("bad timestamp"), std::string::npos) << r.status().ToString();
    }
  }
}

TEST(Timestamp, FormatsFewestExactDigits) {
  const int64_t t = *ParseTimestamp("2026-03-02T14:00:05Z");
  EXPECT_EQ(FormatTimestamp(t), "2026-03-02T14:00:05Z");
  EXPECT_EQ(FormatTimestamp(t + 120'000'000), "2026-03-02T14:00:05.120Z");
  EXPECT_EQ(FormatTimestamp(t + 120'001'000), "2026-03-02T14:00:05.120001Z");
  EXPECT_EQ(FormatTimestamp(t + 1), "2026-03-02T14:00:05.000000001Z");
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatDate(t), "2026-03-02");
}

TEST(Timestamp, RoundTripsRandomValues) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> in_range(kMinTimestampNs, kMaxTimestampNs);
  for (int i = 0; i < 100000; ++i) {
    int64_t t = in_range(rng);
    auto back = ParseTimestamp(FormatTimestamp(t));
    ASSERT_TRUE(back.ok()) << FormatTimestamp(t) << " " << back.status().ToString();
    ASSERT_EQ(*back, t) << FormatTimestamp(t);
  }
}

TEST(Timestamp, TheSupportedRangeIsWholeYears1678To2261) {
  EXPECT_EQ(kMinTimestampNs, DaysFromCivil(1678, 1, 1) * kNanosPerDay);
  EXPECT_EQ(kMaxTimestampNs, DaysFromCivil(2262, 1, 1) * kNanosPerDay - 1);
  EXPECT_EQ(FormatTimestamp(kMinTimestampNs), "1678-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(kMaxTimestampNs), "2261-12-31T23:59:59.999999999Z");
  for (int64_t t : {kMinTimestampNs, kMinTimestampNs + 1, kMaxTimestampNs, kMaxTimestampNs - 1, int64_t{-1}}) {
    auto back = ParseTimestamp(FormatTimestamp(t));
    ASSERT_TRUE(back.ok()) << FormatTimestamp(t) << " " << back.status().ToString();
    EXPECT_EQ(*back, t) << FormatTimestamp(t);
    EXPECT_EQ(*ParseTimestamp(std::to_string(t)), t);
    EXPECT_TRUE(CheckTimestampRange(t).ok());
  }
  // Just outside, as text and as integers, and the int64 extremes: refused, saying the range.
  for (int64_t t : {kMinTimestampNs - 1, kMaxTimestampNs + 1, INT64_MIN, INT64_MAX}) {
    for (const std::string& text : {FormatTimestamp(t), std::to_string(t)}) {
      auto r = ParseTimestamp(text);
      ASSERT_FALSE(r.ok()) << text;
      EXPECT_NE(r.status().message().find("1678-01-01T00:00:00Z to 2261-12-31T23:59:59.999999999Z"), std::string::npos)
          << r.status().message();
    }
    Status st = CheckTimestampRange(t);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find(std::to_string(t)), std::string::npos) << st.message();
  }
  // The edge days of int64 that an earlier version accepted.
  EXPECT_FALSE(ParseTimestamp("2262-04-11").ok());
  EXPECT_FALSE(ParseTimestamp("1677-09-22").ok());
}

TEST(Timestamp, AnyInt64StillFormats) {
  EXPECT_EQ(FormatTimestamp(INT64_MAX), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(FormatTimestamp(INT64_MIN), "1677-09-21T00:12:43.145224192Z");
}

TEST(Timestamp, DayArithmeticIsDefinedForEveryInt64) {
  EXPECT_EQ(DayOf(0), 0);
  EXPECT_EQ(DayOf(-1), -1);
  EXPECT_EQ(DayOf(kNanosPerDay - 1), 0);
  EXPECT_EQ(DayOf(-kNanosPerDay), -1);
  EXPECT_EQ(DayOf(-kNanosPerDay - 1), -2);
  EXPECT_EQ(DayOf(INT64_MAX), 106751);
  EXPECT_EQ(DayOf(INT64_MIN), -106752);  // -(-INT64_MIN) overflowed here once
  EXPECT_EQ(FloorToMultiple(-1, 10), -10);
  EXPECT_EQ(FloorToMultiple(25, 10), 20);
  EXPECT_EQ(FloorToMultiple(INT64_MAX, kNanosPerDay), 106751 * kNanosPerDay);
  EXPECT_EQ(FloorToMultiple(INT64_MIN, kNanosPerDay), INT64_MIN);  // saturated, not wrapped
  EXPECT_EQ(FloorToMultiple(kMinTimestampNs, kNanosPerDay), kMinTimestampNs);
}

TEST(Timestamp, ErrorsQuoteAtMostAShortEscapedPrefix) {
  std::string huge(10 << 20, '7');
  huge[3] = '\0';
  huge += "x";
  auto r = ParseTimestamp(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 300u) << r.status().message().substr(0, 400);
  EXPECT_NE(r.status().message().find("777\\x00777"), std::string::npos) << r.status().message();
}

TEST(Timestamp, Durations) {
  EXPECT_EQ(*ParseDuration("1s"), kNanosPerSecond);
  EXPECT_EQ(*ParseDuration("15m"), 15 * kNanosPerMinute);
  EXPECT_EQ(*ParseDuration("250us"), 250 * kNanosPerMicro);
  EXPECT_EQ(*ParseDuration("1d"), kNanosPerDay);
  EXPECT_EQ(*ParseDuration("42"), 42);
  EXPECT_FALSE(ParseDuration("1 fortnight").ok());
  EXPECT_FALSE(ParseDuration("-1s").ok());
}

}  // namespace
}  // namespace strata
