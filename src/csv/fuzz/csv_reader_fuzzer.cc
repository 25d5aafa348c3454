// libFuzzer target for the CSV parser (CsvReader: header mapping, quoting, line ends, over-long
// lines, every value parser including timestamps). Built and run by tools/fuzz.sh (clang,
// -fsanitize=fuzzer,address,undefined); not part of the CMake build.
//
// The first two input bytes choose the schema (trades, quotes, bars, or one nullable column of
// every type), the delimiter, strict or skip-bad-lines mode, the batch size and a small line
// cap; the rest is the CSV text. Oracle beyond the sanitizers: the same text read again with one
// large batch from a source that hands over everything at once gives the same rows, the same
// rejected lines and the same final error as the first read, done in small batches from a source
// that returns a few bytes per read (buffer and batch boundaries must not change the result).
//
// Seeds: STRATA_FUZZ_WRITE_SEEDS=DIR ./csv_reader_fuzzer writes CSV texts taken from the tests
// to DIR and exits; tools/fuzz.sh does this before each run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "csv/csv_reader.h"
#include "io/byte_source.h"
#include "strata/file_system.h"

namespace {

using namespace strata;

const std::vector<Schema>& Schemas() {
  static const auto* s = new std::vector<Schema>{
      Schema::Template("trades").value(), Schema::Template("quotes").value(), Schema::Template("bars").value(),
      Schema::Parse("ts:timestamp,symbol:symbol,a:i32?,b:i64?,c:f64?,d:string?,e:bool?,f:string").value()};
  return *s;
}

// Hands out at most `chunk` bytes per Read.
class ChunkedSource final : public ByteSource {
 public:
  ChunkedSource(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, chunk_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  std::optional<uint64_t> TotalSize() const override { return std::nullopt; }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
  std::string name_ = "fuzz.csv";
};

struct Outcome {
  RecordBatch rows;
  std::vector<std::string> rejects;
  Status final_status;
  uint64_t rows_read = 0, rows_rejected = 0;
};

Outcome ReadAll(std::unique_ptr<ByteSource> source, const Schema& schema, CsvOptions options) {
  Outcome out;
  out.rows = RecordBatch(schema);
  options.on_reject = [&out](uint64_t line_no, std::string_view line, const Status& why) {
    out.rejects.push_back(std::to_string(line_no) + ":" + std::string(line) + ":" + why.ToString());
  };
  auto reader = CsvReader::Open(std::move(source), schema, options);
  if (!reader.ok()) {
    out.final_status = reader.status();
    return out;
  }
  RecordBatch batch;
  for (;;) {
    auto more = (*reader)->Next(&batch);
    if (!more.ok()) {
      out.final_status = more.status();
      break;
    }
    if (!*more) break;
    if (batch.num_rows() == 0 || batch.num_rows() > options.batch_rows || !batch.ValidateAgainst(schema).ok()) {
      std::fprintf(stderr, "csv_reader_fuzzer: Next returned a bad batch (%zu rows)\n", batch.num_rows());
      std::abort();
    }
    if (!out.rows.Append(batch).ok()) std::abort();
  }
  out.rows_read = (*reader)->rows_read();
  out.rows_rejected = (*reader)->rows_rejected();
  return out;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "csv_reader_fuzzer: invariant broken: %s\n", what);
    std::abort();
  }
}

void WriteSeeds(const std::string& dir) {
  // Texts from csv_reader_test.cc and csv_reader_errors_test.cc; the first two bytes are the
  // configuration (see LLVMFuzzerTestOneInput).
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"trades", std::string("\0\0", 2) + "ts,symbol,price,size,trade_id,exchange\n"
                                          "2026-03-02T14:30:00.123456789Z,AAPL,187.53,100,1,XNAS\n"
                                          "2026-03-02 14:30:01+02:00,MSFT,411.2,5,2,\n"
                                          "1772460000000000000,\"BRK.B\",1e3,-7,3,\"X, \"\"Y\"\"\"\r\n"},
      {"all_types", std::string("\3\0", 2) +
                        "\xEF\xBB\xBF"
                        "f,e,d,c,b,a,symbol,ts\r\n"
                        "x,true,\"x, \"\"y\"\"\",1.5,-9223372036854775808,-7,AAPL,2026-03-02T14:30:00.123456789Z\r\n"
                        "\r\n"
                        ",0,,nan,42,2147483647,MSFT,1772460000000000000\r\n"
                        "\"\",t,\"\",-inf,+0,-0,S,2026-03-02\n"
                        "y,F,caf\xC3\xA9\tand a tab,4.9e-324,007,-010,S,2026-03-02T14:30\n"},
      {"errors", std::string("\x11\x05", 2) + "ts,symbol,bid,ask,bid_size,ask_size\n"
                                              "2026-03-02T14:30:00Z,A,1.5,abc,1,2\n"
                                              "2026-03-02T14:30:00Z,A,1.5,1.6,1\n"
                                              "2026-03-02T14:30:00Z,,1.5,1.6,1,2\n"
                                              "2026-02-30T14:30:00Z,A,1.5,1.6,1,2\n"
                                              "\"unterminated,A,1,2,3,4\n"
                                              "2026-03-02T14:30:00Z,A,1.5,1.6,99999999999999999999,2\n"},
      {"bars_semicolon", std::string("\x06\x01", 2) + "ts;symbol;open;high;low;close;volume\n"
                                                      "2026-03-02T14:30:00Z;A;1;2;0.5;1.5;100\n"
                                                      "2026-03-02T14:31:00.5Z;A;1;2;0.5;1.5;100"},
  };
  FileSystem* fs = DefaultFileSystem();
  if (!fs->CreateDirs(dir).ok()) std::abort();
  for (const auto& [name, text] : seeds) {
    auto f = fs->NewWritableFile(dir + "/" + name, OpenMode::kTruncate);
    if (!f.ok() || !(*f)->Append(text).ok() || !(*f)->Close().ok()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* out = std::getenv("STRATA_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(out);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint8_t a = data[0], b = data[1];
  const Schema& schema = Schemas()[a & 3];
  CsvOptions small;
  small.delimiter = ",;\t|"[(a >> 2) & 3];
  small.skip_bad_lines = (a >> 4) & 1;
  small.batch_rows = 1 + (b & 7);
  if ((a >> 5) & 1) small.max_line_bytes = 16 + (b >> 3) * 4;
  size_t chunk = 1 + (a >> 6) * 5;
  std::string text(reinterpret_cast<const char*>(data) + 2, size - 2);

  Outcome first = ReadAll(std::make_unique<ChunkedSource>(text, chunk), schema, small);
  CsvOptions large = small;
  large.batch_rows = 65536;
  Outcome second = ReadAll(StringSource(text, "fuzz.csv"), schema, large);

  Check(first.rows.Equals(second.rows), "the same rows whatever the batch size and read size");
  Check(first.rejects == second.rejects, "the same rejected lines whatever the batch size and read size");
  Check(first.final_status.code() == second.final_status.code() &&
            first.final_status.message() == second.final_status.message(),
        "the same final error whatever the batch size and read size");
  Check(first.rows_read == first.rows.num_rows(), "rows_read() counts the rows returned");
  Check(first.rows_rejected == first.rejects.size(), "rows_rejected() counts the rejected lines");
  Check(small.skip_bad_lines || first.rejects.empty(), "strict mode rejects no line");
  return 0;
}
