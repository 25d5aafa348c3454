#include "csv/csv_timestamp.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

// The fast path must be invisible: same value, or same error message, as ParseTimestamp.
void ExpectSameAsParseTimestamp(CsvTimestampParser* parser, const std::string& text) {
  Result<int64_t> want = ParseTimestamp(text);
  Result<int64_t> got = parser->Parse(text);
  ASSERT_EQ(got.ok(), want.ok()) << text << ": " << want.status().ToString() << " vs " << got.status().ToString();
  if (want.ok()) {
    ASSERT_EQ(*got, *want) << text;
  } else {
    ASSERT_EQ(got.status(), want.status()) << text;
  }
  int64_t fast = 0;
  if (parser->TryFast(text, &fast)) {
    ASSERT_TRUE(want.ok()) << text << " was accepted by the fast path only";
    ASSERT_EQ(fast, *want) << text;
  }
}

std::string TwoDigits(int v) { return std::string{static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)}; }

TEST(CsvTimestamp, FormattedTimestampsOverTheWholeRange) {
  std::mt19937_64 rng(11);
  CsvTimestampParser parser;
  for (int i = 0; i < 200000; ++i) {
    const int64_t t = std::uniform_int_distribution<int64_t>(kMinTimestampNs, kMaxTimestampNs)(rng);
    const std::string s = FormatTimestamp(t);
    ASSERT_EQ(*ParseCsvTimestamp(s), t) << s;
    ASSERT_EQ(*parser.Parse(s), t) << s;
  }
}

TEST(CsvTimestamp, RandomFieldsMatchTheFullParser) {
  // Fields drawn a little beyond their valid ranges, every fraction length, both parsers on the
  // same text; the reused parser also exercises its date cache across neighbouring dates.
  std::mt19937_64 rng(12);
  CsvTimestampParser reused;
  const int years[] = {0, 1600, 1677, 1678, 1969, 1970, 2000, 2024, 2026, 2100, 2261, 2262, 2263, 9999};
  int fast = 0;
  for (int i = 0; i < 100000; ++i) {
    const int year = rng() % 4 == 0 ? years[rng() % std::size(years)] : 1900 + static_cast<int>(rng() % 200);
    std::string s = std::to_string(year);
    s.insert(0, 4 - std::min<size_t>(4, s.size()), '0');
    s += "-" + TwoDigits(static_cast<int>(rng() % 14)) + "-" + TwoDigits(static_cast<int>(rng() % 33));
    s += "T" + TwoDigits(static_cast<int>(rng() % 26)) + ":" + TwoDigits(static_cast<int>(rng() % 62)) + ":" +
         TwoDigits(static_cast<int>(rng() % 62));
    const int digits = static_cast<int>(rng() % 11);  // 10 = one too many
    if (digits > 0) {
      s += ".";
      for (int d = 0; d < digits; ++d) s += static_cast<char>('0' + rng() % 10);
    }
    s += "Z";
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsParseTimestamp(&reused, s));
    CsvTimestampParser fresh;
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsParseTimestamp(&fresh, s));
    int64_t ignored;
    fast += fresh.TryFast(s, &ignored) ? 1 : 0;
  }
  EXPECT_GT(fast, 40000) << "the fast path should take most valid texts";
}

TEST(CsvTimestamp, MutatedTextsMatchTheFullParser) {
  // One to three characters replaced, inserted or removed: shapes near the fast path's.
  std::mt19937_64 rng(13);
  const std::string alphabet = "0123456789-:.TtZz +,x";
  CsvTimestampParser parser;
  const std::string seeds[] = {"2026-03-02T14:30:00.123456789Z", "2026-03-02T14:30:00Z", "2024-02-29T23:59:59.5Z",
                               "2262-04-11T23:47:16.854775807Z", "1677-09-21T00:12:43.145224192Z"};
  for (int i = 0; i < 100000; ++i) {
    std::string s = seeds[rng() % std::size(seeds)];
    for (int m = 1 + static_cast<int>(rng() % 3); m > 0; --m) {
      const size_t at = rng() % (s.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          if (at < s.size()) s[at] = c;
          break;
        case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default:
          if (at < s.size()) s.erase(at, 1);
          break;
      }
    }
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsParseTimestamp(&parser, s));
  }
}

TEST(CsvTimestamp, EdgesOfTheSupportedRange) {
  CsvTimestampParser parser;
  EXPECT_EQ(*parser.Parse("2261-12-31T23:59:59.999999999Z"), kMaxTimestampNs);
  EXPECT_EQ(*parser.Parse("1678-01-01T00:00:00Z"), kMinTimestampNs);
  EXPECT_FALSE(parser.Parse("2262-01-01T00:00:00Z").ok());
  EXPECT_FALSE(parser.Parse("1677-12-31T23:59:59.999999999Z").ok());
  // The int64 edges are outside the supported range.
  EXPECT_FALSE(parser.Parse("2262-04-11T23:47:16.854775807Z").ok());
  EXPECT_FALSE(parser.Parse("1677-09-21T00:12:44Z").ok());
  EXPECT_FALSE(parser.Parse("2262-04-11T23:47:16.854775808Z").ok());
  EXPECT_FALSE(parser.Parse("1677-09-21T00:12:43.145224191Z").ok());
  EXPECT_FALSE(parser.Parse("9999-12-31T23:59:59Z").ok());
  EXPECT_FALSE(parser.Parse("0000-01-01T00:00:00Z").ok());
  for (const char* s : {"2262-04-11T23:47:16.854775807Z", "1677-09-21T00:12:43.145224192Z", "9999-12-31T23:59:59Z",
                        "2262-04-12T00:00:00Z", "1677-09-20T00:00:00Z"}) {
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsParseTimestamp(&parser, s));
  }
}

TEST(CsvTimestamp, FastPathTakesTheCommonShapeOnly) {
  CsvTimestampParser parser;
  int64_t ns = 0;
  EXPECT_TRUE(parser.TryFast("2026-03-02T14:30:00.123456789Z", &ns));
  EXPECT_EQ(ns, *ParseTimestamp("2026-03-02T14:30:00.123456789Z"));
  EXPECT_TRUE(parser.TryFast("2026-03-02T14:30:00Z", &ns));
  EXPECT_TRUE(parser.TryFast("2024-02-29T14:30:00.1Z", &ns));
  EXPECT_EQ(ns, *ParseTimestamp("2024-02-29T14:30:00.1Z"));
  // Valid, but other shapes: the fallback's job.
  for (const char* s :
       {"2026-03-02 14:30:00Z", "2026-03-02T14:30:00z", "2026-03-02t14:30:00Z", "2026-03-02T14:30:00+01:00",
        "2026-03-02T14:30:00", "2026-03-02T14:30:00,5Z", "2026-03-02", "1772460000000000000"}) {
    ns = 42;
    EXPECT_FALSE(parser.TryFast(s, &ns)) << s;
    EXPECT_EQ(ns, 42) << s;
    EXPECT_EQ(*parser.Parse(s), *ParseTimestamp(s)) << s;
  }
  // Invalid: refused by both.
  for (const char* s : {"2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-03-02T24:00:00Z", "2026-03-02T14:60:00Z",
                        "2026-03-02T14:30:60Z", "2026-03-02T14:30:00.Z", "2026-03-02T14:30:00.1234567890Z",
                        "2026-00-02T14:30:00Z", "2026-03-00T14:30:00Z", "2026-03-0xT14:30:00Z", ""}) {
    EXPECT_FALSE(parser.TryFast(s, &ns)) << s;
    EXPECT_FALSE(ParseCsvTimestamp(s).ok()) << s;
  }
}

TEST(CsvTimestamp, TheDateCacheFollowsTheText) {
  CsvTimestampParser parser;
  const char* texts[] = {"2026-03-02T14:30:00Z", "2026-03-03T14:30:00Z", "2026-03-02T14:30:01Z",
                         "2026-02-31T00:00:00Z", "2026-03-02T14:30:02Z", "1999-12-31T23:59:59.999Z"};
  for (int round = 0; round < 3; ++round) {
    for (const char* s : texts) ASSERT_NO_FATAL_FAILURE(ExpectSameAsParseTimestamp(&parser, s));
  }
}

}  // namespace
}  // namespace strata
