// WriteCsv (declared in market_gen.h): the generator's rows as CSV text, fast.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "gen/market_gen.h"
#include "strata/timestamp.h"

namespace strata {
namespace {

// Prices are non-negative multiples of 0.01 here; round to cents to undo the binary fraction.
void AppendCents(double v, std::string* out) {
  const int64_t cents = std::llround(v * 100);
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, cents / 100);
  out->append(buf, res.ptr);
  const int64_t c = cents % 100;
  out->push_back('.');
  out->push_back(static_cast<char>('0' + c / 10));
  out->push_back(static_cast<char>('0' + c % 10));
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, res.ptr);
}

// "2026-03-02T14:30:00.123456789Z": always 9 digits; the date text is cached per day.
class TsFormatter {
 public:
  void Append(int64_t ns, std::string* out) {
    const int64_t day = DayOf(ns);
    if (day != day_) {
      day_ = day;
      date_ = FormatDate(ns);
    }
    const int64_t in_day = ns - day * kNanosPerDay;
    int64_t secs = in_day / kNanosPerSecond, frac = in_day % kNanosPerSecond;
    char buf[21] = "T00:00:00.000000000Z";
    auto two = [&](int at, int64_t v) {
      buf[at] = static_cast<char>('0' + v / 10);
      buf[at + 1] = static_cast<char>('0' + v % 10);
    };
    two(1, secs / 3600);
    two(4, secs / 60 % 60);
    two(7, secs % 60);
    for (int i = 18; i >= 10; --i, frac /= 10) buf[i] = static_cast<char>('0' + frac % 10);
    out->append(date_);
    out->append(buf, 20);
  }

 private:
  int64_t day_ = INT64_MIN;
  std::string date_;
};

constexpr size_t kFlushBytes = size_t{1} << 20;

}  // namespace

Status WriteCsv(MarketGenerator* gen, WritableFile* out) {
  const Schema& schema = gen->schema();
  std::string buf;
  buf.reserve(kFlushBytes + 4096);
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    if (c) buf.push_back(',');
    buf += schema.field(c).name;
  }
  buf.push_back('\n');
  uint64_t written = 0;       // bytes appended to `out` so far
  int64_t lines_written = 0;  // lines (header included) appended so far
  int64_t lines_in_buf = 1;
  auto flush = [&]() -> Status {
    Status st = out->Append(buf);
    if (!st.ok()) {
      return st.WithContext("gen: writing CSV to " + out->path() + " at byte " + std::to_string(written) + " (line " +
                            std::to_string(lines_written + 1) + ")");
    }
    written += buf.size();
    lines_written += lines_in_buf;
    lines_in_buf = 0;
    buf.clear();
    return Status::OK();
  };
  TsFormatter ts;
  RecordBatch batch;
  while (gen->Next(&batch)) {
    const size_t num_columns = batch.num_columns();
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      for (size_t c = 0; c < num_columns; ++c) {
        if (c) buf.push_back(',');
        const Column& col = batch.column(c);
        switch (col.type()) {
          case ColumnType::kTimestamp: ts.Append(col.int64s()[r], &buf); break;
          case ColumnType::kFloat64: AppendCents(col.doubles()[r], &buf); break;
          case ColumnType::kInt64: AppendInt(col.int64s()[r], &buf); break;
          default: buf.append(col.GetString(r));  // symbol, string: no commas or quotes here
        }
      }
      buf.push_back('\n');
      ++lines_in_buf;
      if (buf.size() >= kFlushBytes) RETURN_IF_ERROR(flush());
    }
  }
  if (!buf.empty()) RETURN_IF_ERROR(flush());
  return Status::OK();
}

}  // namespace strata
