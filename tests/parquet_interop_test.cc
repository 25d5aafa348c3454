// Interop with other people's Parquet readers and writers, from npm: DuckDB (@duckdb/node-api),
// arrow-rs (parquet-wasm, read through apache-arrow) and hyparquet (+ hyparquet-writer).
//
//  - Files we write, in every writer configuration (encoding x codec x page version, with nulls
//    and edge values), are read by each peer and every value compared with what we wrote.
//  - Files each peer writes (DuckDB: snappy, zstd, gzip, V2 pages, nulls, dictionary strings,
//    several row groups, logical types; parquet-wasm and hyparquet: dictionary, plain and delta
//    encodings, several codecs) are read by us and every value compared with what the peer
//    says it wrote.
//
// The peers are installed by tools/interop/setup.sh into ${STRATA_CACHE:-$HOME/.cache/strata}/npm
// (or $STRATA_NPM_DIR). Without node or the packages the test fails, loudly: it never skips.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "parquet/parquet_reader.h"
#include "parquet/parquet_test_util.h"
#include "parquet/parquet_writer.h"
#include "testutil/node_runner.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace STRATA_UNITY_ID {

using json = nlohmann::json;
namespace fs = std::filesystem;
using strata::testing::NpmDir;
using strata::testing::RunNode;

class Interop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(NpmDir());
    setup_error_ = new std::string();
    std::string hint = " -- run tools/interop/setup.sh (it installs the peers into " + *dir_ + ")";
    if (std::system("node --version > /dev/null 2>&1") != 0) {
      *setup_error_ = "node is not installed" + hint;
      return;
    }
    for (const char* pkg : {"@duckdb/node-api", "@duckdb/node-bindings-linux-x64", "parquet-wasm", "apache-arrow",
                            "hyparquet", "hyparquet-compressors", "hyparquet-writer"}) {
      if (!fs::exists(*dir_ + "/node_modules/" + pkg)) {
        *setup_error_ = std::string("npm package ") + pkg + " is missing" + hint;
        return;
      }
    }
    // The scripts run beside node_modules so that ES module imports resolve.
    fs::path scripts = fs::path(__FILE__).parent_path().parent_path() / "tools" / "interop";
    std::error_code ec;
    for (const char* s : {"canon.mjs", "read.mjs", "write.mjs"}) {
      fs::copy_file(scripts / s, fs::path(*dir_) / s, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        *setup_error_ = "cannot copy " + (scripts / s).string() + ": " + ec.message();
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete setup_error_;
  }
  void SetUp() override { ASSERT_TRUE(setup_error_->empty()) << *setup_error_; }

  static std::string* dir_;
  static std::string* setup_error_;
  ::strata::testing::TempDir tmp_;
};
std::string* Interop::dir_ = nullptr;
std::string* Interop::setup_error_ = nullptr;

// Compares value `v` (canonical JSON from a peer) with row r of column c. `ts_micros`: the peer
// keeps only microseconds of timestamps (DuckDB with UTC-adjusted nanoseconds).
std::string CompareValue(const Column& c, size_t r, const json& v, bool ts_micros) {
  auto show = [&] { return " (peer " + v.dump() + ")"; };
  if (v.is_null() || c.IsNull(r)) return v.is_null() == c.IsNull(r) ? "" : "null mismatch" + show();
  switch (c.type()) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64:
    case ColumnType::kInt32: {
      if (!v.is_string()) return "expected an integer string" + show();
      int64_t peer = std::strtoll(v.get<std::string>().c_str(), nullptr, 10);
      int64_t ours = c.type() == ColumnType::kInt32 ? c.int32s()[r] : c.int64s()[r];
      if (c.type() == ColumnType::kTimestamp && ts_micros) ours = ours / 1000 * 1000;
      return peer == ours ? "" : "ours " + std::to_string(ours) + show();
    }
    case ColumnType::kFloat64:
    case ColumnType::kFloat32: {  // held as doubles; a peer prints the float as a double
      if (!v.is_string()) return "expected a double string" + show();
      std::string s = v.get<std::string>();
      double ours = c.doubles()[r];
      double peer = s == "NaN"         ? NAN
                    : s == "Infinity"  ? INFINITY
                    : s == "-Infinity" ? -INFINITY
                                       : std::strtod(s.c_str(), nullptr);
      bool same = (std::isnan(peer) && std::isnan(ours)) || std::memcmp(&peer, &ours, 8) == 0;
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", ours);
      return same ? "" : std::string("ours ") + buf + show();
    }
    case ColumnType::kBool:
      if (!v.is_boolean()) return "expected a bool" + show();
      return v.get<bool>() == (c.bools()[r] != 0) ? "" : "bool mismatch" + show();
    case ColumnType::kString:
    case ColumnType::kSymbol:
      if (!v.is_string()) return "expected a string" + show();
      return v.get<std::string>() == c.GetString(r) ? "" : "ours \"" + std::string(c.GetString(r)) + "\"" + show();
  }
  return "unknown type";
}

// Every value of `batch` against a peer's {"columns", "rows"}; "" when all agree.
std::string CompareBatch(const RecordBatch& batch, const json& peer, bool ts_micros) {
  if (peer.contains("error")) return "peer error: " + peer["error"].get<std::string>();
  const json& cols = peer["columns"];
  const json& rows = peer["rows"];
  if (cols.size() != batch.num_columns()) return "peer has " + std::to_string(cols.size()) + " columns";
  for (size_t c = 0; c < cols.size(); ++c) {
    if (cols[c] != batch.fields()[c].name) return "column " + std::to_string(c) + " is " + cols[c].dump();
  }
  if (rows.size() != batch.num_rows()) {
    return "peer has " + std::to_string(rows.size()) + " rows, we " + std::to_string(batch.num_rows());
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < cols.size(); ++c) {
      std::string diff = CompareValue(batch.column(c), r, rows[r][c], ts_micros);
      if (!diff.empty()) return "row " + std::to_string(r) + " column " + batch.fields()[c].name + ": " + diff;
    }
  }
  return "";
}

struct WriteConfig {
  ColumnEncoding encoding;
  CompressionType codec;
  PageVersion version;
  bool utc = WriterOptions{}.timestamp_adjusted_to_utc;  // what every strata writer writes
  std::string Name() const {
    return std::string(ColumnEncodingName(encoding)) + "_" + std::string(CompressionTypeName(codec)) + "_v" +
           std::to_string(static_cast<int>(version)) + (utc ? "_utc" : "");
  }
};

TEST_F(Interop, PeersReadEveryValueWeWrite) {
  std::vector<WriteConfig> configs;
  for (ColumnEncoding e :
       {ColumnEncoding::kAuto, ColumnEncoding::kStrongest, ColumnEncoding::kPlain, ColumnEncoding::kDictionary,
        ColumnEncoding::kDeltaBinaryPacked, ColumnEncoding::kByteStreamSplit, ColumnEncoding::kDeltaLengthByteArray,
        ColumnEncoding::kDeltaByteArray, ColumnEncoding::kRle}) {
    for (CompressionType c : {CompressionType::kNone, CompressionType::kSnappy, CompressionType::kGzip,
                              CompressionType::kLz4Raw, CompressionType::kZstd}) {
      for (PageVersion v : {PageVersion::kV1, PageVersion::kV2}) configs.push_back({e, c, v});
    }
  }
  configs.push_back({ColumnEncoding::kStrongest, CompressionType::kZstd, PageVersion::kV2, true});
  RecordBatch batch = testing::MakeAllTypes(900, 77, 5, /*valid_utf8=*/true);
  std::string files;
  std::vector<std::string> paths;
  for (const WriteConfig& c : configs) {
    WriterOptions o;
    o.default_encoding = c.encoding;
    o.compression = c.codec;
    o.page_version = c.version;
    o.timestamp_adjusted_to_utc = c.utc;
    o.row_group_rows = 400;
    o.page_rows = 150;
    std::string path = tmp_.Join(c.Name() + ".parquet");
    ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, batch, o));
    files += " '" + path + "'";
    paths.push_back(path);
  }
  for (const char* peer : {"duckdb", "parquet-wasm", "hyparquet"}) {
    ASSERT_OK_AND_ASSIGN(std::string out, RunNode(*dir_, std::string("read.mjs ") + peer + files));
    std::istringstream lines(out);
    std::string line;
    size_t i = 0;
    // Every file holds the same values, so a peer prints the same line for each but for the file
    // name. A line equal to one already compared value for value passes as it stands: parsing 91
    // lines of 900 rows per peer took most of this test's 26 s under ASan.
    std::map<bool, std::string> verified;  // by `micros`: a line, its file name blanked, that compared equal
    while (std::getline(lines, line)) {
      ASSERT_LT(i, configs.size());
      // DuckDB reads UTC-adjusted nanosecond timestamps as microsecond TIMESTAMPTZ (its
      // documented behaviour); with timestamp_adjusted_to_utc=false it reads them exactly.
      bool micros = std::string(peer) == "duckdb" && configs[i].utc;
      const std::string file_field = json(paths[i]).dump();
      const size_t at = line.find(file_field);
      ASSERT_NE(at, std::string::npos) << peer << " did not name " << paths[i] << ": " << line.substr(0, 200);
      std::string blanked = line;
      blanked.replace(at, file_field.size(), "\"\"");
      auto known = verified.find(micros);
      if (known == verified.end() || known->second != blanked) {
        const std::string diff = CompareBatch(batch, json::parse(line), micros);
        EXPECT_EQ(diff, "") << peer << " reading " << configs[i].Name();
        if (diff.empty() && known == verified.end()) verified.emplace(micros, std::move(blanked));
      }
      ++i;
    }
    EXPECT_EQ(i, configs.size()) << peer;
  }
}

// What a peer wrote (its printed values) against what we read from its file.
void ExpectWeReadPeerFile(const std::string& dir, const std::string& args, const std::string& path,
                          const std::vector<std::pair<std::string, ColumnType>>& types,
                          const ReaderOptions& options = {}) {
  ASSERT_OK_AND_ASSIGN(std::string out, RunNode(dir, "write.mjs " + args));
  json wrote = json::parse(out);
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), path, options));
  ASSERT_OK_AND_ASSIGN(RecordBatch ours, reader->Read());
  ASSERT_EQ(ours.num_columns(), types.size()) << args;
  for (size_t c = 0; c < types.size(); ++c) {
    EXPECT_EQ(ours.fields()[c].name, types[c].first) << args;
    EXPECT_EQ(ours.fields()[c].type, types[c].second) << args << " column " << types[c].first;
  }
  EXPECT_EQ(CompareBatch(ours, wrote, false), "") << args;
  EXPECT_GT(ours.num_rows(), 0u);
}

// The columns tools/interop/write.mjs has DuckDB write, as we type them.
const std::vector<std::pair<std::string, ColumnType>> kDuckDBTypes = {
    {"id", ColumnType::kInt64},         {"ts_us", ColumnType::kTimestamp},    {"ts_ns", ColumnType::kTimestamp},
    {"ts_tz", ColumnType::kTimestamp},  {"sym", ColumnType::kString},         {"note", ColumnType::kString},
    {"price", ColumnType::kFloat64},    {"size", ColumnType::kInt64},         {"qty", ColumnType::kInt32},
    {"flag", ColumnType::kBool},        {"small", ColumnType::kInt32},        {"day", ColumnType::kInt32},
    {"dec_wide", ColumnType::kFloat64}, {"dec_narrow", ColumnType::kFloat64}, {"f32", ColumnType::kFloat64},
    {"u32", ColumnType::kInt64}};

TEST_F(Interop, WeReadEveryValueDuckDBWrites) {
  const auto& types = kDuckDBTypes;
  for (const char* config : {"snappy V1 2048", "zstd V2 1000", "gzip V1 3000", "uncompressed V2 100000",
                             "snappy V2 700", "lz4_raw V1 4096"}) {
    std::string path =
        tmp_.Join(std::string("duckdb_") + std::to_string(std::hash<std::string>()(config)) + ".parquet");
    ExpectWeReadPeerFile(*dir_, "duckdb '" + path + "' 10000 " + config, path, types);
  }
}

const std::vector<std::pair<std::string, ColumnType>> kJsTypes = {
    {"id", ColumnType::kInt64},    {"qty", ColumnType::kInt32},   {"price", ColumnType::kFloat64},
    {"sym", ColumnType::kString},  {"note", ColumnType::kString}, {"flag", ColumnType::kBool},
    {"ts", ColumnType::kTimestamp}};

TEST_F(Interop, WeReadEveryValueParquetWasmWrites) {
  for (const char* config : {"snappy V1 1000 dict", "zstd V2 700 delta", "gzip V1 5000 plain", "lz4_raw V2 1200 dict",
                             "uncompressed V1 900 delta", "snappy V2 3000 plain"}) {
    std::string path = tmp_.Join(std::string("wasm_") + std::to_string(std::hash<std::string>()(config)) + ".parquet");
    std::vector<std::pair<std::string, ColumnType>> types = kJsTypes;
    ExpectWeReadPeerFile(*dir_, "parquet-wasm '" + path + "' 3000 " + config, path, types);
  }
}

TEST_F(Interop, WeReadEveryValueHyparquetWrites) {
  std::vector<std::pair<std::string, ColumnType>> types = kJsTypes;
  types.back().second = ColumnType::kInt64;  // hyparquet-writer's INT64 carries no timestamp annotation here
  for (const char* config : {"snappy default", "uncompressed plain", "gzip delta", "snappy delta"}) {
    std::string path = tmp_.Join(std::string("hyp_") + std::to_string(std::hash<std::string>()(config)) + ".parquet");
    ExpectWeReadPeerFile(*dir_, "hyparquet '" + path + "' 3000 " + config, path, types);
  }
}

// Parquet Modular Encryption with DuckDB, the one peer here that supports it (arrow-rs has it
// behind a feature parquet-wasm does not build; hyparquet has none). DuckDB 1.5 seals modules
// without AADs (src/parquet/encryption.h), so it reads our files written with module_aad = false;
// we read its files, and fail cleanly on ours and its with a wrong key or none.
class EncryptedInterop : public Interop {
 protected:
  void SetUp() override {
    Interop::SetUp();
    std::string key;
    for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i * 37 + 5));
    ASSERT_OK(keys_.Add("duck", crypto::SecretKey(key)));
    ::setenv("STRATA_PARQUET_KEY_B64", Base64(key).c_str(), 1);
  }
  void TearDown() override { ::unsetenv("STRATA_PARQUET_KEY_B64"); }
  static std::string Base64(std::string_view in) {
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < in.size(); i += 3) {
      uint32_t v = static_cast<uint8_t>(in[i]) << 16;
      if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
      if (i + 2 < in.size()) v |= static_cast<uint8_t>(in[i + 2]);
      out.push_back(kAlphabet[(v >> 18) & 63]);
      out.push_back(kAlphabet[(v >> 12) & 63]);
      out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
      out.push_back(i + 2 < in.size() ? kAlphabet[v & 63] : '=');
    }
    return out;
  }
  crypto::StaticKeyProvider keys_{"test keys"};
};

// What works today: DuckDB reads our encrypted file (module AADs on) when each column chunk is one
// page in one row group, and fails (its tag check, not garbage) with a wrong key. Not yet: DuckDB
// rejects our files with several pages or row groups ("Computed AES tag differs"), and we reject
// DuckDB's files: its page headers give compressed_page_size without the 32 bytes of module framing
// (src/parquet/README.md, "DuckDB"). We do refuse them with an error naming the file.
TEST_F(EncryptedInterop, DuckDBReadsOurSinglePageEncryptedFile) {
  RecordBatch batch = testing::MakeAllTypes(300, 78, 5, /*valid_utf8=*/true);
  WriterOptions o;
  o.encryption = FileEncryption{"duck", *keys_.GetKey("duck"), /*module_aad=*/true};
  const std::string path = tmp_.Join("enc.parquet");
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, batch, o));
  ASSERT_OK_AND_ASSIGN(std::string out, RunNode(*dir_, "read.mjs duckdb '" + path + "'"));
  EXPECT_EQ(CompareBatch(batch, json::parse(out), false), "") << out.substr(0, 300);
  ::setenv("STRATA_PARQUET_KEY_B64", Base64(std::string(32, 'w')).c_str(), 1);
  ASSERT_OK_AND_ASSIGN(std::string bad, RunNode(*dir_, "read.mjs duckdb '" + path + "'"));
  EXPECT_TRUE(json::parse(bad).contains("error")) << bad.substr(0, 300);
}

TEST_F(EncryptedInterop, DuckDBsEncryptedFilesAreRefusedNamingTheFile) {
  const std::string path = tmp_.Join("duckdb_enc.parquet");
  ASSERT_OK(RunNode(*dir_, "write.mjs duckdb '" + path + "' 2000 snappy V1 2048").status());
  ReaderOptions ro;
  ro.keys = &keys_;
  auto read = [&]() -> Status {
    ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(DefaultFileSystem(), path, ro));
    return reader->Read().status();
  };
  Status st = read();
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_NE(st.message().find(path), std::string::npos) << st.ToString();
  Status no_key = ParquetReader::Open(DefaultFileSystem(), path).status();
  EXPECT_EQ(no_key.code(), StatusCode::kInvalidArgument) << no_key.ToString();
  EXPECT_NE(no_key.message().find(path), std::string::npos) << no_key.ToString();
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata::parquet
