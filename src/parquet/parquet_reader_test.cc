#include "parquet/parquet_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "parquet/parquet_test_util.h"
#include "parquet/parquet_writer.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

using ::strata::testing::TempDir;
using testing::FirstDifference;

// 20000 trades over 5 symbols, 1 ms apart: 5 row groups of 4000 rows, pages of 500.
class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    batch_ = ::strata::testing::MakeTrades(20000, 5, kStart, 11);
    WriterOptions o;
    o.row_group_rows = 4000;
    o.page_rows = 500;
    path_ = dir_.Join("trades.parquet");
    ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path_, batch_, o));
  }
  std::unique_ptr<ParquetReader> Open() { return ParquetReader::Open(DefaultFileSystem(), path_).value(); }

  static constexpr int64_t kStart = 1772460000000000000LL;
  static constexpr int64_t kMs = 1000000;
  TempDir dir_;
  std::string path_;
  RecordBatch batch_;
};

TEST_F(ReaderTest, ProjectionReadsOnlyItsColumns) {
  auto all = Open();
  uint64_t footer = all->bytes_read();
  ASSERT_OK_AND_ASSIGN(RecordBatch everything, all->Read());
  EXPECT_EQ(FirstDifference(everything, batch_), "");
  uint64_t all_bytes = all->bytes_read() - footer;

  auto one = Open();
  ReadOptions o;
  o.columns = {"trade_id", "ts"};
  ASSERT_OK_AND_ASSIGN(RecordBatch two, one->Read(o));
  ASSERT_EQ(two.num_columns(), 2u);
  EXPECT_EQ(two.fields()[0].name, "trade_id");
  EXPECT_TRUE(two.column(0).Equals(batch_.column(4)));
  EXPECT_TRUE(two.column(1).Equals(batch_.column(0)));
  uint64_t expected = 0;
  for (const RowGroup& g : one->metadata().row_groups) {
    expected += g.columns[0].meta_data->total_compressed_size + g.columns[4].meta_data->total_compressed_size;
  }
  EXPECT_EQ(one->bytes_read() - footer, expected);
  EXPECT_LT(expected, all_bytes);
  auto small = Open();
  o.columns = {"exchange"};
  ASSERT_OK_AND_ASSIGN(RecordBatch ex, small->Read(o));
  EXPECT_TRUE(ex.column(0).Equals(batch_.column(5)));
  EXPECT_LT((small->bytes_read() - footer) * 10, all_bytes);

  o.columns = {"nope"};
  EXPECT_TRUE(one->Read(o).status().IsNotFound());
  EXPECT_NE(one->Read(o).status().message().find("no column named 'nope'"), std::string::npos);
}

TEST_F(ReaderTest, TimeRangePrunesRowGroupsAndPagesAndFiltersExactly) {
  // Rows 6123 .. 6876 (ts = start + row ms), inside row group 1, spanning pages 4 .. 5 of it.
  TimeRange tr{"", kStart + 6123 * kMs, kStart + 6877 * kMs};
  ReadOptions o;
  o.time_range = tr;
  auto reader = Open();
  uint64_t footer = reader->bytes_read();
  ASSERT_OK_AND_ASSIGN(std::vector<int> groups, reader->SelectRowGroups(o));
  EXPECT_EQ(groups, std::vector<int>{1});
  ASSERT_OK_AND_ASSIGN(RecordBatch got, reader->Read(o));
  EXPECT_EQ(FirstDifference(got, batch_.Slice(6123, 754)), "");
  uint64_t pruned = reader->bytes_read() - footer;

  o.use_page_index = false;
  auto reader2 = Open();
  ASSERT_OK_AND_ASSIGN(RecordBatch got2, reader2->Read(o));
  EXPECT_EQ(FirstDifference(got2, got), "");
  EXPECT_LT(pruned * 2, reader2->bytes_read() - footer);  // pages, not whole chunks

  // Projection without the timestamp still filters by it.
  o.columns = {"price"};
  ASSERT_OK_AND_ASSIGN(RecordBatch prices, reader->Read(o));
  EXPECT_TRUE(prices.column(0).Equals(batch_.column(2).Slice(6123, 754)));

  // Empty and out-of-file ranges.
  o.time_range = TimeRange{"ts", kStart - 10 * kMs, kStart};
  ASSERT_OK_AND_ASSIGN(RecordBatch none, reader->Read(o));
  EXPECT_EQ(none.num_rows(), 0u);
  EXPECT_EQ(none.num_columns(), 1u);
  EXPECT_TRUE(reader->SelectRowGroups(o)->empty());
  o.time_range = TimeRange{"price", 0, 1};
  EXPECT_EQ(reader->Read(o).status().code(), StatusCode::kInvalidArgument);
}

// Rows 1 ms apart, row groups of 4000, pages of 500: the statistics place the last row before a
// time exactly when it starts a page or ends a row group, and within a page otherwise.
TEST_F(ReaderTest, LastTimestampBeforeFromStatistics) {
  auto reader = Open();
  const int ts = reader->FindColumn("ts");
  ASSERT_GE(ts, 0);
  EXPECT_EQ(reader->LastTimestampBefore(ts, kStart), std::nullopt) << "no row before the first";
  EXPECT_EQ(reader->LastTimestampBefore(ts, kStart + 1), kStart);
  EXPECT_EQ(reader->LastTimestampBefore(ts, kStart + 4000 * kMs), kStart + 3999 * kMs);      // row group end
  EXPECT_EQ(reader->LastTimestampBefore(ts, kStart + 5000 * kMs + 1), kStart + 5000 * kMs);  // page start
  // Inside a page: at or before the last row before, and no earlier than the page's first row.
  auto mid = reader->LastTimestampBefore(ts, kStart + 5250 * kMs + 1);
  ASSERT_TRUE(mid.has_value());
  EXPECT_LE(*mid, kStart + 5250 * kMs);
  EXPECT_GE(*mid, kStart + 5000 * kMs);
  EXPECT_EQ(reader->LastTimestampBefore(ts, INT64_MAX), kStart + 19999 * kMs);
  EXPECT_EQ(reader->LastTimestampBefore(reader->FindColumn("price"), INT64_MAX), std::nullopt) << "not a timestamp";
}

TEST_F(ReaderTest, RowRangesAcrossRowGroups) {
  auto reader = Open();
  for (auto [offset, limit] :
       {std::pair<int64_t, int64_t>{0, 1}, {3990, 20}, {7999, 8003}, {19999, 10}, {20000, 5}, {12345, 0}, {100, -1}}) {
    ReadOptions o;
    o.row_offset = offset;
    o.row_limit = limit;
    ASSERT_OK_AND_ASSIGN(RecordBatch got, reader->Read(o));
    size_t begin = std::min<size_t>(offset, 20000);
    size_t n = limit < 0 ? 20000 - begin : std::min<size_t>(limit, 20000 - begin);
    EXPECT_EQ(FirstDifference(got, batch_.Slice(begin, n)), "") << offset << "+" << limit;
  }
  // Row range and time range together: rows 5000..5999 of the file, then ts filter.
  ReadOptions o;
  o.row_offset = 5000;
  o.row_limit = 1000;
  o.time_range = TimeRange{"", kStart + 5500 * kMs, kStart + 9000 * kMs};
  ASSERT_OK_AND_ASSIGN(RecordBatch got, reader->Read(o));
  EXPECT_EQ(FirstDifference(got, batch_.Slice(5500, 500)), "");
}

TEST_F(ReaderTest, ReadsFromAnyRangeSource) {
  ASSERT_OK_AND_ASSIGN(std::string bytes, DefaultFileSystem()->ReadFile(path_));
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(MakeStringRangeSource(bytes, "mem://trades")));
  EXPECT_EQ(reader->name(), "mem://trades");
  EXPECT_EQ(reader->file_size(), bytes.size());
  EXPECT_EQ(reader->num_rows(), 20000);
  EXPECT_EQ(reader->num_row_groups(), 5);
  EXPECT_EQ(reader->row_group_num_rows(4), 4000);
  int64_t mn, mx;
  ASSERT_TRUE(reader->TimestampBounds(2, 0, &mn, &mx));
  EXPECT_EQ(mn, kStart + 8000 * kMs);
  EXPECT_EQ(mx, kStart + 11999 * kMs);
  EXPECT_FALSE(reader->TimestampBounds(2, 2, &mn, &mx));  // price is no timestamp
  ASSERT_OK_AND_ASSIGN(RecordBatch rg, reader->ReadRowGroup(3, {}));
  EXPECT_EQ(FirstDifference(rg, batch_.Slice(12000, 4000)), "");
  EXPECT_EQ(reader->ReadRowGroup(5, {}).status().code(), StatusCode::kInvalidArgument);
  auto src = MakeStringRangeSource("abc", "mem://x");
  EXPECT_TRUE(src->ReadRange(2, 2).status().IsCorruption());
}

// Row groups large enough (>= 32k rows) that a reader with decode_threads > 1 decodes their
// columns on several threads: every kind of read answers exactly as one thread does, reads the
// same bytes and pages, and a damaged column is named the same way.
TEST(Reader, ParallelColumnDecodingMatchesOneThread) {
  constexpr int64_t kStart = 1772460000000000000LL, kMs = 1000000;
  RecordBatch batch = ::strata::testing::MakeTrades(120000, 3, kStart, 5);
  WriterOptions wo;
  wo.row_group_rows = 60000;
  wo.page_rows = 5000;
  TempDir dir;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("t.parquet"), batch, wo));
  ASSERT_OK_AND_ASSIGN(std::string bytes, DefaultFileSystem()->ReadFile(dir.Join("t.parquet")));

  std::vector<ReadOptions> reads(5);
  reads[1].columns = {"price", "ts", "symbol"};
  reads[2].time_range = TimeRange{"", kStart + 70000 * kMs, kStart + 110000 * kMs};  // page index + filter
  reads[3].time_range = TimeRange{"", kStart, kStart + 200000 * kMs};                // whole groups inside
  reads[4].row_offset = 20000;
  reads[4].row_limit = 80000;
  for (size_t i = 0; i < reads.size(); ++i) {
    auto one = ParquetReader::Open(MakeStringRangeSource(bytes, "mem://one")).value();
    auto many = ParquetReader::Open(MakeStringRangeSource(bytes, "mem://many")).value();
    ReadOptions serial = reads[i], parallel = reads[i];
    serial.decode_threads = 1;
    parallel.decode_threads = 3;
    ASSERT_OK_AND_ASSIGN(RecordBatch a, one->Read(serial));
    ASSERT_OK_AND_ASSIGN(RecordBatch b, many->Read(parallel));
    EXPECT_GT(a.num_rows(), 30000u) << i;
    EXPECT_EQ(FirstDifference(a, b), "") << i;
    EXPECT_EQ(one->parallel_reads(), 0u) << i;
    EXPECT_GT(many->parallel_reads(), 0u) << i;
    EXPECT_EQ(one->bytes_read(), many->bytes_read()) << i;
    EXPECT_EQ(one->pages_total(), many->pages_total()) << i;
    EXPECT_EQ(one->pages_read(), many->pages_read()) << i;
    RecordBatch g;
    ASSERT_OK(many->ReadRowGroupInto(1, parallel, &g));
    ASSERT_OK_AND_ASSIGN(RecordBatch h, one->ReadRowGroup(1, serial));
    EXPECT_EQ(FirstDifference(g, h), "") << i;
    many->ReleaseBuffers();  // reads after the scratch is freed give the same rows
    ASSERT_OK_AND_ASSIGN(RecordBatch again, many->Read(parallel));
    EXPECT_EQ(FirstDifference(a, again), "") << i;
  }
  // One byte of the price chunk of row group 1 flipped: both name the column and row group.
  auto probe = ParquetReader::Open(MakeStringRangeSource(bytes, "mem://probe")).value();
  const int price = probe->FindColumn("price");
  ASSERT_GE(price, 0);
  const ColumnMetaData& m = *probe->metadata().row_groups[1].columns[price].meta_data;
  std::string bad = bytes;
  bad[static_cast<size_t>(m.data_page_offset + m.total_compressed_size / 2)] ^= 0x5a;
  for (int threads : {1, 3}) {
    auto reader = ParquetReader::Open(MakeStringRangeSource(bad, "mem://bad")).value();
    ReadOptions o;
    o.decode_threads = threads;
    Status st = reader->Read(o).status();
    EXPECT_TRUE(st.IsCorruption()) << threads << ": " << st.ToString();
    EXPECT_NE(st.message().find("column price row group 1"), std::string::npos) << threads << ": " << st.ToString();
  }
}

TEST(Reader, NullTimestampsNeverMatchATimeRange) {
  TempDir dir;
  RecordBatch b({Field{"t", ColumnType::kTimestamp, true}, Field{"v", ColumnType::kInt32, false}});
  for (int i = 0; i < 100; ++i) {
    if (i % 3 == 0) {
      b.column(0).AppendNull();
    } else {
      b.column(0).AppendInt64(i);
    }
    b.column(1).AppendInt32(i);
  }
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("n.parquet"), b));
  ReadOptions o;
  o.time_range = TimeRange{"", 10, 20};
  ASSERT_OK_AND_ASSIGN(RecordBatch got, ReadParquetFile(DefaultFileSystem(), dir.Join("n.parquet"), o));
  std::vector<int32_t> v(got.column(1).int32s().begin(), got.column(1).int32s().end());
  EXPECT_EQ(v, (std::vector<int32_t>{10, 11, 13, 14, 16, 17, 19}));
  // A file without a timestamp column cannot take a time range.
  RecordBatch c({Field{"v", ColumnType::kInt32, false}});
  c.column(0).AppendInt32(1);
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("c.parquet"), c));
  EXPECT_EQ(ReadParquetFile(DefaultFileSystem(), dir.Join("c.parquet"), o).status().code(),
            StatusCode::kInvalidArgument);
}

// A time-range read decodes the timestamps first and reads the other columns at the matching
// rows only: pages wholly inside them straight into the result, pages they cut through scratch.
// Timestamps that jitter (so the matches are runs with gaps, also inside one page), null
// timestamps, nullable columns with nulls, dictionary and plain strings, tiny pages: every range,
// projection, thread count and row window answers exactly as filtering the whole file does.
TEST(Reader, TimeRangeReadsMatchFilteringTheWholeFile) {
  std::mt19937_64 rng(7);
  RecordBatch b({Field{"ts", ColumnType::kTimestamp, true}, Field{"price", ColumnType::kFloat64, true},
                 Field{"size", ColumnType::kInt64, false}, Field{"tag", ColumnType::kString, true},
                 Field{"note", ColumnType::kString, false}, Field{"n", ColumnType::kInt32, true}});
  constexpr int kRows = 6000;
  for (int i = 0; i < kRows; ++i) {
    if (rng() % 23 == 0) {
      b.column(0).AppendNull();
    } else {
      b.column(0).AppendInt64(i * 10 + static_cast<int64_t>(rng() % 61) - 30);
    }
    if (rng() % 7 == 0) {
      b.column(1).AppendNull();
    } else {
      b.column(1).AppendDouble(static_cast<double>(rng() % 100000) / 100);
    }
    b.column(2).AppendInt64(static_cast<int64_t>(rng() % 1000));
    if (rng() % 5 == 0) {
      b.column(3).AppendNull();
    } else {
      b.column(3).AppendString(std::string(1, static_cast<char>('a' + rng() % 4)));
    }
    b.column(4).AppendString("n" + std::to_string(rng()));
    if (i % 500 < 40) {
      b.column(5).AppendNull();
    } else {
      b.column(5).AppendInt32(i);
    }
  }
  TempDir dir;
  WriterOptions wo;
  wo.row_group_rows = 2500;
  wo.page_rows = 37;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("j.parquet"), b, wo));
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), dir.Join("j.parquet")));
  const std::vector<std::vector<std::string>> projections = {
      {}, {"price", "size"}, {"tag", "ts", "n"}, {"note"}, {"n", "price", "ts", "tag", "note", "size"}};
  std::vector<std::pair<int64_t, int64_t>> ranges = {{-100, 0},      {0, 1},          {995, 1005},    {24000, 26000},
                                                     {24990, 25010}, {-1000, 100000}, {59990, 70000}, {3000, 3000}};
  const int random_ranges = ::strata::testing::Sanitized() ? 8 : 40;  // ~0.7 s release
  for (int k = 0; k < random_ranges; ++k) {
    const int64_t from = static_cast<int64_t>(rng() % 62000) - 1000;
    ranges.emplace_back(from, from + static_cast<int64_t>(rng() % (k % 2 ? 400 : 20000)));
  }
  for (const auto& [from, to] : ranges) {
    for (size_t p = 0; p < projections.size(); ++p) {
      for (int threads : {1, 3}) {
        for (bool page_index : {true, false}) {
          for (int64_t offset : {0, 1234}) {
            ReadOptions o;
            o.columns = projections[p];
            o.time_range = TimeRange{"ts", from, to};
            o.decode_threads = threads;
            o.use_page_index = page_index;
            o.row_offset = offset;
            // The expected rows: the window, then the range over the whole file's timestamps.
            std::vector<uint32_t> rows;
            for (uint32_t r = static_cast<uint32_t>(offset); r < kRows; ++r) {
              const Column& t = b.column(0);
              if (!t.IsNull(r) && t.int64s()[r] >= from && t.int64s()[r] < to) rows.push_back(r);
            }
            std::vector<Field> fields;
            std::vector<Column> cols;
            for (const std::string& name :
                 o.columns.empty() ? std::vector<std::string>{"ts", "price", "size", "tag", "note", "n"} : o.columns) {
              const int c = b.FieldIndex(name);
              fields.push_back(b.fields()[c]);
              cols.push_back(b.column(c).Take(rows));
            }
            const RecordBatch want(fields, std::move(cols));
            ASSERT_OK_AND_ASSIGN(RecordBatch got, reader->Read(o));
            ASSERT_EQ(FirstDifference(got, want), "")
                << "[" << from << ", " << to << ") projection " << p << " threads " << threads << " page index "
                << page_index << " offset " << offset;
          }
        }
      }
    }
  }
}

TEST(Reader, MalformedFilesAreClearErrors) {
  TempDir dir;
  auto read = [&](const std::string& bytes) {
    return ParquetReader::Open(MakeStringRangeSource(bytes, "mem://bad")).status();
  };
  EXPECT_NE(read("").message().find("mem://bad: 0 bytes is too small"), std::string::npos);
  EXPECT_NE(read("PAR1xxxxxxxxxxxxxxxxxxxx").message().find("no PAR1 magic"), std::string::npos);
  // An encrypted footer (PARE) is now read; garbage where its FileCryptoMetaData should be is corrupt.
  EXPECT_EQ(read("PAR1xxxxxxxxxxxxxxxxPARE").code(), StatusCode::kCorruption);
  std::string huge_footer = "PAR1xxxx";
  huge_footer += std::string("\xff\xff\xff\x0f", 4) + "PAR1";
  EXPECT_NE(read(huge_footer).message().find("exceeds the file"), std::string::npos);
  EXPECT_TRUE(ParquetReader::Open(DefaultFileSystem(), dir.Join("missing.parquet")).status().IsNotFound() ||
              !ParquetReader::Open(DefaultFileSystem(), dir.Join("missing.parquet")).ok());

  // Every truncation of a real file fails cleanly and names the source.
  RecordBatch batch = testing::MakeAllTypes(300, 5);
  WriterOptions o;
  o.page_rows = 100;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("t.parquet"), batch, o));
  ASSERT_OK_AND_ASSIGN(std::string file, DefaultFileSystem()->ReadFile(dir.Join("t.parquet")));
  for (size_t cut = 0; cut < file.size(); cut += 97) {
    auto reader = ParquetReader::Open(MakeStringRangeSource(file.substr(0, cut), "mem://cut"));
    ASSERT_FALSE(reader.ok()) << cut;
    EXPECT_NE(reader.status().message().find("mem://cut"), std::string::npos) << reader.status().ToString();
  }
}

// Random damage to real files: every read either fails with a message or returns a valid
// batch; none crashes (the sanitizer build makes this bite). A libFuzzer target does the same
// with coverage guidance (tools/parquet_fuzz.sh).
TEST(Reader, DamagedFilesNeverCrash) {
  TempDir dir;
  std::vector<std::string> seeds;
  int configs = 0;
  for (ColumnEncoding e :
       {ColumnEncoding::kAuto, ColumnEncoding::kStrongest, ColumnEncoding::kPlain, ColumnEncoding::kDeltaByteArray}) {
    for (PageVersion v : {PageVersion::kV1, PageVersion::kV2}) {
      WriterOptions o;
      o.default_encoding = e;
      o.page_version = v;
      o.page_rows = 64;
      o.compression = configs % 2 ? CompressionType::kSnappy : CompressionType::kNone;
      std::string path = dir.Join(std::to_string(configs++) + ".parquet");
      ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, testing::MakeAllTypes(200, configs), o));
      seeds.push_back(DefaultFileSystem()->ReadFile(path).value());
    }
  }
  std::mt19937_64 rng(12345);
  ReaderOptions ro;
  ro.max_page_bytes = 1 << 22;
  ro.max_page_values = 1 << 20;
  int opened = 0, read_ok = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string f = seeds[trial % seeds.size()];
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      size_t at = rng() % f.size();
      switch (rng() % 3) {
        case 0: f[at] ^= static_cast<char>(1 << (rng() % 8)); break;
        case 1: f[at] = static_cast<char>(rng()); break;
        default: f[at] = static_cast<char>(rng() % 2 ? 0 : 0xff);
      }
    }
    auto reader = ParquetReader::Open(MakeStringRangeSource(std::move(f), "mem://fuzz"), ro);
    if (!reader.ok()) continue;
    ++opened;
    auto batch = (*reader)->Read();
    if (batch.ok()) {
      ++read_ok;
      EXPECT_OK(batch->Validate());
    } else {
      EXPECT_FALSE(batch.status().message().empty());
    }
  }
  EXPECT_GT(opened, 1000);  // most damage lands in pages, past the footer
  EXPECT_LT(read_ok, opened);
}

// A footer that lies about sizes and counts: refused or bounded, never a huge allocation.
TEST(Reader, HostileMetadataIsBounded) {
  TempDir dir;
  RecordBatch batch = ::strata::testing::MakeTrades(1000, 2, 1772460000000000000LL, 3);
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("h.parquet"), batch));
  ASSERT_OK_AND_ASSIGN(std::string file, DefaultFileSystem()->ReadFile(dir.Join("h.parquet")));
  uint32_t len;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  FileMetaData md;
  ASSERT_OK(DecodeFileMetaData(std::string_view(file).substr(file.size() - 8 - len, len), "footer", &md));
  auto rebuild = [&](const FileMetaData& m) {
    std::string out = file.substr(0, file.size() - 8 - len);
    std::string footer;
    EncodeFileMetaData(m, &footer);
    out += footer;
    uint32_t n = static_cast<uint32_t>(footer.size());
    out.append(reinterpret_cast<const char*>(&n), 4);
    return out + "PAR1";
  };
  auto read = [&](const FileMetaData& m) -> Status {
    ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(MakeStringRangeSource(rebuild(m), "mem://hostile")));
    return reader->Read().status();
  };
  FileMetaData m = md;
  m.row_groups[0].num_rows = int64_t{1} << 40;  // beyond max_row_group_rows
  EXPECT_NE(read(m).message().find("rows"), std::string::npos);
  m = md;
  m.row_groups[0].num_rows = int64_t{1} << 31;  // allowed, but the pages hold 1000
  EXPECT_NE(read(m).message().find("holds 1000 rows"), std::string::npos) << read(m).ToString();
  m = md;
  m.row_groups[0].columns[2].meta_data->total_compressed_size = int64_t{1} << 50;
  EXPECT_NE(read(m).message().find("lies outside the file"), std::string::npos);
  m = md;
  m.row_groups[0].columns[2].meta_data->data_page_offset = 3;  // into the magic: garbage pages
  EXPECT_TRUE(read(m).IsCorruption()) << read(m).ToString();
  m = md;
  m.row_groups[0].columns.pop_back();
  EXPECT_NE(read(m).message().find("column chunks"), std::string::npos);
  m = md;
  m.schema[0].num_children = 1000;
  EXPECT_NE(read(m).message().find("children"), std::string::npos);
  m = md;
  m.schema[3].type = static_cast<Type>(77);
  EXPECT_NE(read(m).message().find("unsupported physical type"), std::string::npos) << read(m).ToString();
}

// Inputs the fuzzer (tools/parquet_fuzz.sh) once crashed on: each must now read or fail with a
// message, never crash. The directory is found beside this source file.
TEST(Reader, FuzzRegressionsFailCleanly) {
  std::string dir = std::string(__FILE__).substr(0, std::string(__FILE__).rfind('/')) + "/fuzz/regressions";
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, DefaultFileSystem()->ListDir(dir));
  ReaderOptions ro;
  ro.max_page_values = 1 << 18;
  ro.max_row_group_rows = 1 << 20;
  for (const std::string& n : names) {
    if (n == "README") continue;
    ASSERT_OK_AND_ASSIGN(std::string bytes, DefaultFileSystem()->ReadFile(dir + "/" + n));
    auto reader = ParquetReader::Open(MakeStringRangeSource(bytes, n), ro);
    if (!reader.ok()) continue;
    auto batch = (*reader)->Read();
    if (batch.ok()) {
      EXPECT_TRUE(batch->Validate().ok()) << n;
    }
  }
}

}  // namespace
}  // namespace strata::parquet
