// Parquet Modular Encryption: round trips through every writer configuration and read path,
// module AAD layout, and the failures that must be clean errors naming the file: no key, an
// unknown key id, a wrong key, tampered bytes, a module moved from another file.
#include "parquet/encryption.h"

#include <gtest/gtest.h>

#include <cstring>

#include "parquet/parquet_reader.h"
#include "parquet/parquet_test_util.h"
#include "parquet/parquet_writer.h"
#include "parquet/range_source.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace STRATA_UNITY_ID {

using ::strata::testing::TempDir;
using testing::FirstDifference;
using testing::MakeAllTypes;

crypto::SecretKey KeyOf(char fill) { return crypto::SecretKey(std::string(32, fill)); }

FileEncryption Encryption(const std::string& id = "k1", char fill = 'a', bool aad = true) {
  FileEncryption e;
  e.key_id = id;
  e.key = KeyOf(fill);
  e.module_aad = aad;
  return e;
}

class ParquetEncryption : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(keys_.Add("k0", KeyOf('z')));
    ASSERT_OK(keys_.Add("k1", KeyOf('a')));
    ro_.keys = &keys_;
  }
  Result<RecordBatch> ReadAll(const std::string& path, const ReadOptions& o = {}) {
    ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(DefaultFileSystem(), path, ro_));
    return reader->Read(o);
  }
  TempDir dir_;
  crypto::StaticKeyProvider keys_{"test keys"};
  ReaderOptions ro_;
};

TEST(ParquetEncryptionAad, ModuleAadLayout) {
  ASSERT_OK_AND_ASSIGN(std::string footer, ModuleAad("FILE", ModuleType::kFooter, 7, 7, 7));
  EXPECT_EQ(footer, std::string("FILE\x00", 5));
  ASSERT_OK_AND_ASSIGN(std::string page, ModuleAad("FILE", ModuleType::kDataPage, 0x0102, 3, 0x7fff));
  EXPECT_EQ(page, std::string("FILE\x02\x02\x01\x03\x00\xff\x7f", 11));
  ASSERT_OK_AND_ASSIGN(std::string dict, ModuleAad("", ModuleType::kDictionaryPage, 1, 2, 9));
  EXPECT_EQ(dict, std::string("\x03\x01\x00\x02\x00", 5));  // no page ordinal
  ASSERT_OK_AND_ASSIGN(std::string header, ModuleAad("", ModuleType::kDataPageHeader, 0, 0, 1));
  EXPECT_EQ(header.size(), 7u);
  ASSERT_OK_AND_ASSIGN(std::string oi, ModuleAad("", ModuleType::kOffsetIndex, 0, 0, 1));
  EXPECT_EQ(oi, std::string("\x07\x00\x00\x00\x00", 5));
  EXPECT_EQ(ModuleAad("", ModuleType::kDataPage, 0, 0, 32768).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ParquetEncryption, RoundTripEveryConfiguration) {
  RecordBatch batch = MakeAllTypes(3000, 11);
  int n = 0;
  for (PageVersion v : {PageVersion::kV1, PageVersion::kV2}) {
    for (ColumnEncoding enc : {ColumnEncoding::kAuto, ColumnEncoding::kPlain, ColumnEncoding::kStrongest}) {
      for (CompressionType codec : {CompressionType::kNone, CompressionType::kZstd}) {
        for (bool aad : {true, false}) {
          WriterOptions o;
          o.page_version = v;
          o.default_encoding = enc;
          o.compression = codec;
          o.row_group_rows = 1100;  // three row groups
          o.page_rows = 256;        // many pages: ordinals past 0 in every chunk
          o.encryption = Encryption("k1", 'a', aad);
          const std::string path = dir_.Join("f" + std::to_string(n++) + ".parquet");
          ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, batch, o));
          ASSERT_OK_AND_ASSIGN(std::string bytes, DefaultFileSystem()->ReadFile(path));
          EXPECT_EQ(bytes.substr(0, 4), "PARE");
          EXPECT_EQ(bytes.substr(bytes.size() - 4), "PARE");
          // Nothing readable: not the schema key, not a column name, not a string value.
          EXPECT_EQ(bytes.find("strata.schema"), std::string::npos);
          EXPECT_EQ(bytes.find("n_sym"), std::string::npos);
          EXPECT_EQ(bytes.find("note-"), std::string::npos);
          ASSERT_OK_AND_ASSIGN(RecordBatch back, ReadAll(path));
          EXPECT_EQ(FirstDifference(batch, back), "") << path;
          // A time-range read goes through the (sealed) column and offset indexes and skips pages,
          // so page ordinals come from the offset index.
          const int64_t t0 = batch.column(0).int64s()[700], t1 = batch.column(0).int64s()[2500];
          ReadOptions ranged;
          ranged.time_range = TimeRange{"ts", t0, t1};
          ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), path, ro_));
          ASSERT_OK_AND_ASSIGN(RecordBatch part, reader->Read(ranged));
          EXPECT_EQ(FirstDifference(batch.Slice(700, 1800), part), "") << path;
          EXPECT_LT(reader->pages_read(), reader->pages_total()) << "the page index was not used: " << path;
        }
      }
    }
  }
}

TEST_F(ParquetEncryption, UsesTheKeyTheFileNames) {
  RecordBatch batch = MakeAllTypes(200, 2);
  WriterOptions o;
  o.encryption = Encryption("k0", 'z');  // not the provider's current key
  const std::string path = dir_.Join("old.parquet");
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, batch, o));
  ASSERT_OK_AND_ASSIGN(RecordBatch back, ReadAll(path));
  EXPECT_EQ(FirstDifference(batch, back), "");
}

TEST_F(ParquetEncryption, MissingUnknownAndWrongKeysFailNamingTheFile) {
  RecordBatch batch = MakeAllTypes(200, 3);
  WriterOptions o;
  o.encryption = Encryption("k1", 'a');
  const std::string path = dir_.Join("enc.parquet");
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, batch, o));

  Status no_key = ParquetReader::Open(DefaultFileSystem(), path).status();
  EXPECT_EQ(no_key.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_key.message().find(path), std::string::npos) << no_key.ToString();
  EXPECT_NE(no_key.message().find("encrypted"), std::string::npos) << no_key.ToString();
  EXPECT_NE(no_key.message().find("k1"), std::string::npos) << no_key.ToString();

  crypto::StaticKeyProvider other("other keys");
  ASSERT_OK(other.Add("k9", KeyOf('a')));
  ReaderOptions ro;
  ro.keys = &other;
  Status unknown = ParquetReader::Open(DefaultFileSystem(), path, ro).status();
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.message().find(path), std::string::npos) << unknown.ToString();
  EXPECT_NE(unknown.message().find("k1"), std::string::npos) << unknown.ToString();

  crypto::StaticKeyProvider wrong("wrong keys");
  ASSERT_OK(wrong.Add("k1", KeyOf('b')));  // same id, other bytes
  ro.keys = &wrong;
  Status bad = ParquetReader::Open(DefaultFileSystem(), path, ro).status();
  EXPECT_EQ(bad.code(), StatusCode::kCorruption);
  EXPECT_NE(bad.message().find(path), std::string::npos) << bad.ToString();
  EXPECT_NE(bad.message().find("wrong key"), std::string::npos) << bad.ToString();
  EXPECT_NE(bad.message().find("authentication failed"), std::string::npos) << bad.ToString();

  // A plain file still reads with keys configured.
  const std::string plain = dir_.Join("plain.parquet");
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), plain, batch));
  ASSERT_OK_AND_ASSIGN(RecordBatch back, ReadAll(plain));
  EXPECT_EQ(FirstDifference(batch, back), "");
}

// Every flipped byte either fails the read with Corruption or (bytes a read does not depend on:
// the leading magic, a page index the reader finds unusable and does without) leaves the result
// exact. Never different rows.
TEST_F(ParquetEncryption, TamperedBytesNeverGiveGarbage) {
  RecordBatch batch = MakeAllTypes(400, 4);
  WriterOptions o;
  o.row_group_rows = 150;
  o.page_rows = 64;
  o.encryption = Encryption();
  const std::string path = dir_.Join("t.parquet");
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, batch, o));
  ASSERT_OK_AND_ASSIGN(const std::string good, DefaultFileSystem()->ReadFile(path));
  const std::string bad_path = dir_.Join("bad.parquet");
  size_t failed = 0, tried = 0;
  const size_t step = ::strata::testing::Sanitized() ? 61 : 13;
  for (size_t i = 0; i < good.size(); i += step) {
    std::string bytes = good;
    bytes[i] = static_cast<char>(bytes[i] ^ 0x10);
    ++tried;
    for (bool ranged : {false, true}) {
      if (ranged && (i / step) % 2 == 1) continue;  // a ranged read after every other flip
      ReadOptions ro;
      if (ranged) ro.time_range = TimeRange{"ts", batch.column(0).int64s()[100], batch.column(0).int64s()[300]};
      auto back = [&]() -> Result<RecordBatch> {  // from memory: thousands of reads, no disk
        ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(MakeStringRangeSource(bytes, bad_path), ro_));
        return reader->Read(ro);
      }();
      if (!back.ok()) {
        // Corruption, or NotFound when the flip lands in the key id the file names.
        const StatusCode code = back.status().code();
        EXPECT_TRUE(code == StatusCode::kCorruption || code == StatusCode::kNotFound)
            << "byte " << i << ": " << back.status().ToString();
        EXPECT_NE(back.status().message().find(bad_path), std::string::npos) << back.status().ToString();
        if (!ranged) ++failed;
        continue;
      }
      EXPECT_EQ(FirstDifference(ranged ? batch.Slice(100, 200) : batch, *back), "") << "byte " << i;
    }
  }
  // Data pages, headers and the footer are nearly all of the file: almost every flip must fail.
  EXPECT_GT(failed * 10, tried * 8) << failed << " of " << tried;

  // A flip in the middle of the first data page: the tag check says so.
  std::string bytes = good;
  bytes[40] = static_cast<char>(bytes[40] ^ 1);
  ASSERT_OK(DefaultFileSystem()->WriteFileAtomic(bad_path, bytes));
  Status st = ReadAll(bad_path).status();
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("authentication failed"), std::string::npos) << st.ToString();
}

// The file's unique AAD binds each module to its file: a column chunk copied from another file
// written with the same key (same layout, same sizes) fails its tag.
TEST_F(ParquetEncryption, ModuleFromAnotherFileIsRejected) {
  RecordBatch a = MakeAllTypes(300, 5);
  WriterOptions o;
  o.encryption = Encryption();
  const std::string pa = dir_.Join("a.parquet"), pb = dir_.Join("b.parquet");
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), pa, a, o));
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), pb, a, o));
  ASSERT_OK_AND_ASSIGN(std::string fa, DefaultFileSystem()->ReadFile(pa));
  ASSERT_OK_AND_ASSIGN(std::string fb, DefaultFileSystem()->ReadFile(pb));
  ASSERT_EQ(fa.size(), fb.size());
  ASSERT_NE(fa, fb);
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), pa, ro_));
  const ColumnMetaData& m = *reader->metadata().row_groups[0].columns[2].meta_data;  // column "f"
  const size_t start = static_cast<size_t>(m.dictionary_page_offset.value_or(m.data_page_offset));
  const size_t size = static_cast<size_t>(m.total_compressed_size);
  std::string spliced = fa;
  spliced.replace(start, size, fb.substr(start, size));
  ASSERT_OK(DefaultFileSystem()->WriteFileAtomic(pa, spliced));
  ReadOptions only_f;
  only_f.columns = {"f"};
  Status st = ReadAll(pa, only_f).status();
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_NE(st.message().find("column f"), std::string::npos) << st.ToString();
  // Without module AADs (DuckDB's way) the same splice would go unnoticed: that is why they are
  // the default.
}

TEST_F(ParquetEncryption, WriterRejectsBadKeys) {
  RecordBatch batch = MakeAllTypes(10, 6);
  WriterOptions o;
  o.encryption = Encryption("bad id!");
  EXPECT_EQ(WriteParquetFile(DefaultFileSystem(), dir_.Join("x.parquet"), batch, o).code(),
            StatusCode::kInvalidArgument);
  o.encryption = Encryption();
  o.encryption->key = crypto::SecretKey("short");
  EXPECT_EQ(WriteParquetFile(DefaultFileSystem(), dir_.Join("y.parquet"), batch, o).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata::parquet
