#include "query/text_format.h"

#include <gtest/gtest.h>

#include <random>

#include "strata/timestamp.h"

namespace strata::query {
namespace {

TEST(TextFormatTest, TimestampFormatterWritesWhatAppendTimestampWrites) {
  std::mt19937_64 rng(7);
  TimestampFormatter f;
  std::vector<int64_t> values = {0,
                                 1,
                                 -1,
                                 999,
                                 1'000'000,
                                 59'999'999'999,
                                 60'000'000'000,
                                 -60'000'000'000,
                                 -59'999'999'999,
                                 kMinTimestampNs,
                                 kMaxTimestampNs};
  int64_t t = 1'772'461'800'000'000'000;  // 2026-03-02T14:30Z
  for (int i = 0; i < 20000; ++i) {
    // Runs of ticks in one minute, jumps, millisecond/microsecond-round values, negatives.
    t += static_cast<int64_t>(rng() % 5'000'000'000);
    values.push_back(t);
    values.push_back(t / 1'000'000 * 1'000'000);
    values.push_back(t / 1'000 * 1'000);
    values.push_back(-t);
    values.push_back(static_cast<int64_t>(rng() % 2'000'000'000'000'000'000) - 1'000'000'000'000'000'000);
  }
  for (int64_t v : values) {
    if (!InTimestampRange(v)) continue;
    std::string fast;
    f.Append(v, &fast);
    ASSERT_EQ(fast, FormatTimestamp(v)) << v;
  }
}

TEST(TextFormatTest, CsvAndJsonLines) {
  Schema schema = Schema::Template("trades").value();
  RecordBatch b(schema);
  b.column(0).AppendInt64(ParseTimestamp("2026-03-02T14:30:00.5Z").value());
  b.column(1).AppendString("A,B");
  b.column(2).AppendDouble(1.5);
  b.column(3).AppendInt64(10);
  b.column(4).AppendInt64(7);
  b.column(5).AppendString("say \"hi\"");
  TextEncoder csv(TextFormat::kCsv, schema.fields());
  std::string out;
  csv.Append(b, &out);
  EXPECT_EQ(out,
            "ts,symbol,price,size,trade_id,exchange\n2026-03-02T14:30:00.500Z,\"A,B\",1.5,10,7,\"say \"\"hi\"\"\"\n");
  TextEncoder json(TextFormat::kJson, schema.fields());
  out.clear();
  json.Append(b, &out);
  EXPECT_EQ(out,
            "{\"ts\":\"2026-03-02T14:30:00.500Z\",\"symbol\":\"A,B\",\"price\":1.5,\"size\":10,\"trade_id\":7,"
            "\"exchange\":\"say \\\"hi\\\"\"}\n");
  TextEncoder empty(TextFormat::kCsv, schema.fields());
  out.clear();
  empty.Finish(&out);
  EXPECT_EQ(out, "ts,symbol,price,size,trade_id,exchange\n");
}

}  // namespace
}  // namespace strata::query
