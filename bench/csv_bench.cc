// CSV ingest throughput: ~100 MB of trades CSV (ISO-8601 ns timestamps) parsed from memory into
// RecordBatches of the trades schema. Reports bytes/s; the target is >= 200 MB/s on one core.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "csv/csv_reader.h"
#include "strata/timestamp.h"

namespace strata {
namespace {

// Serves a string owned elsewhere, so no iteration pays for copying 100 MB.
class ViewSource final : public ByteSource {
 public:
  explicit ViewSource(std::string_view data) : data_(data) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  std::optional<uint64_t> TotalSize() const override { return data_.size(); }
  const std::string& name() const override { return name_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string name_ = "<bench>";
};

// ~100 MB of trades over one session: timestamps rise by up to 20 us with all nine fractional
// digits, prices on a cent grid, round-lot sizes. Lines look like
// 2026-03-02T14:30:00.123456789Z,AAPL,187.53,100,1234567,XNAS
const std::string& TradesCsv(bool crlf) {
  static std::string cache[2];
  std::string& text = cache[crlf ? 1 : 0];
  if (!text.empty()) return text;
  static const char* kSymbols[] = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM", "V", "SPY"};
  static const char* kVenues[] = {"XNAS", "XNYS", "ARCX", "BATS", "IEXG"};
  std::mt19937_64 rng(42);
  text.reserve(105 << 20);
  text += crlf ? "ts,symbol,price,size,trade_id,exchange\r\n" : "ts,symbol,price,size,trade_id,exchange\n";
  int64_t ts = *ParseTimestamp("2026-03-02T14:30:00Z");
  int64_t trade_id = 1000000;
  char line[128];
  while (text.size() < (100u << 20)) {
    ts += 1 + static_cast<int64_t>(rng() % 20000);
    if (ts % 1000 == 0) ++ts;  // keep all nine digits, as feeds print them
    const uint64_t r = rng();
    const int cents = 5000 + static_cast<int>(r % 50000);
    const int size = 100 * (1 + static_cast<int>((r >> 20) % 20));
    text += FormatTimestamp(ts);
    const int n =
        std::snprintf(line, sizeof line, ",%s,%d.%02d,%d,%lld,%s%s", kSymbols[(r >> 32) % 10], cents / 100, cents % 100,
                      size, static_cast<long long>(++trade_id), kVenues[(r >> 40) % 5], crlf ? "\r\n" : "\n");
    text.append(line, static_cast<size_t>(n));
  }
  return text;
}

void ParseTrades(benchmark::State& state, bool crlf) {
  const std::string& text = TradesCsv(crlf);
  const Schema schema = *Schema::Template("trades");
  uint64_t rows = 0;
  for (auto _ : state) {
    auto reader = CsvReader::Open(std::make_unique<ViewSource>(text), schema, CsvOptions{});
    if (!reader.ok()) {
      state.SkipWithError(reader.status().ToString().c_str());
      return;
    }
    RecordBatch batch(schema);
    while (true) {
      auto more = (*reader)->Next(&batch);
      if (!more.ok()) {
        state.SkipWithError(more.status().ToString().c_str());
        return;
      }
      if (!*more) break;
      benchmark::DoNotOptimize(batch.column(0).int64s().data());
    }
    rows = (*reader)->rows_read();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows) * static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

void BM_CsvTrades(benchmark::State& state) { ParseTrades(state, false); }
void BM_CsvTradesCrlf(benchmark::State& state) { ParseTrades(state, true); }

// The timestamp fast path alone, on the same shape of text.
void BM_CsvTimestampFastPath(benchmark::State& state) {
  std::vector<std::string> texts;
  int64_t ts = *ParseTimestamp("2026-03-02T14:30:00.000000001Z");
  for (int i = 0; i < 4096; ++i) texts.push_back(FormatTimestamp(ts += 123456789));
  CsvTimestampParser parser;
  size_t i = 0;
  for (auto _ : state) {
    int64_t ns;
    benchmark::DoNotOptimize(parser.TryFast(texts[i++ & 4095], &ns));
    benchmark::DoNotOptimize(ns);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// The general parser on the same texts, for comparison.
void BM_ParseTimestamp(benchmark::State& state) {
  std::vector<std::string> texts;
  int64_t ts = *ParseTimestamp("2026-03-02T14:30:00.000000001Z");
  for (int i = 0; i < 4096; ++i) texts.push_back(FormatTimestamp(ts += 123456789));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ParseTimestamp(texts[i++ & 4095]));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

BENCHMARK(BM_CsvTrades)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_CsvTradesCrlf)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_CsvTimestampFastPath);
BENCHMARK(BM_ParseTimestamp);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
