// The Parquet file-format structures (parquet.thrift) that strata reads and writes, as plain
// C++ structs, with their compact-protocol encoders and decoders.
//
// Only the fields strata uses are kept; everything else in a file is skipped when decoding.
// Enums are stored as their wire integers so that values from newer writers survive decoding
// and are reported by name (or number) instead of being undefined behaviour.
//
// Decoders check that required fields are present and that counts fit in the bytes given; they
// do not check cross-field consistency (offsets inside the file, sizes that agree): the reader
// does that where it uses them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace strata::parquet {

enum class Type : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class ConvertedType : int32_t {
  kUtf8 = 0,
  kMap = 1,
  kMapKeyValue = 2,
  kList = 3,
  kEnum = 4,
  kDecimal = 5,
  kDate = 6,
  kTimeMillis = 7,
  kTimeMicros = 8,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kUint8 = 11,
  kUint16 = 12,
  kUint32 = 13,
  kUint64 = 14,
  kInt8 = 15,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
  kJson = 19,
  kBson = 20,
  kInterval = 21,
};

enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

enum class CompressionCodec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,  // deprecated; Hadoop-framed LZ4
  kZstd = 6,
  kLz4Raw = 7,
};

enum class PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };
enum class BoundaryOrder : int32_t { kUnordered = 0, kAscending = 1, kDescending = 2 };
enum class TimeUnit : int32_t { kMillis = 1, kMicros = 2, kNanos = 3 };

// "PLAIN", "RLE_DICTIONARY", ..., or the number for values this build does not know.
std::string EncodingName(Encoding e);
std::string CodecName(CompressionCodec c);
std::string TypeName(Type t);
std::string PageTypeName(PageType t);

struct Statistics {
  std::optional<std::string> max;  // deprecated, signed order
  std::optional<std::string> min;
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  std::optional<std::string> max_value;  // by the column's ColumnOrder
  std::optional<std::string> min_value;
  std::optional<bool> is_max_value_exact;
  std::optional<bool> is_min_value_exact;
  std::optional<int64_t> nan_count;
};

// The LogicalType union; kind says which member is set.
struct LogicalType {
  enum class Kind : int32_t {
    kString = 1,
    kMap = 2,
    kList = 3,
    kEnum = 4,
    kDecimal = 5,
    kDate = 6,
    kTime = 7,
    kTimestamp = 8,
    kInteger = 10,
    kUnknown = 11,  // "always null"
    kJson = 12,
    kBson = 13,
    kUuid = 14,
    kFloat16 = 15,
    kOther = 1000,  // a member this build does not know
  };
  Kind kind = Kind::kOther;
  int32_t decimal_scale = 0;
  int32_t decimal_precision = 0;
  bool is_adjusted_to_utc = false;    // kTime, kTimestamp
  TimeUnit unit = TimeUnit::kMillis;  // kTime, kTimestamp
  int32_t bit_width = 0;              // kInteger
  bool is_signed = true;              // kInteger
};

struct SchemaElement {
  std::optional<Type> type;  // unset for groups
  std::optional<int32_t> type_length;
  std::optional<Repetition> repetition;  // unset for the root
  std::string name;
  std::optional<int32_t> num_children;  // set for groups
  std::optional<ConvertedType> converted_type;
  std::optional<int32_t> scale;
  std::optional<int32_t> precision;
  std::optional<int32_t> field_id;
  std::optional<LogicalType> logical_type;
};

struct KeyValue {
  std::string key;
  std::optional<std::string> value;
};

struct PageEncodingStats {
  PageType page_type = PageType::kDataPage;
  Encoding encoding = Encoding::kPlain;
  int32_t count = 0;
};

struct ColumnMetaData {
  Type type = Type::kBoolean;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  CompressionCodec codec = CompressionCodec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  std::vector<KeyValue> key_value_metadata;
  int64_t data_page_offset = 0;
  std::optional<int64_t> index_page_offset;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
  std::vector<PageEncodingStats> encoding_stats;
  std::optional<int64_t> bloom_filter_offset;
  std::optional<int32_t> bloom_filter_length;
};

// ColumnCryptoMetaData: a union of ENCRYPTION_WITH_FOOTER_KEY (an empty struct) and
// ENCRYPTION_WITH_COLUMN_KEY (path and key metadata).
struct ColumnCryptoMetaData {
  bool with_footer_key = true;
  std::vector<std::string> path_in_schema;  // column key only
  std::optional<std::string> key_metadata;  // column key only
};

struct ColumnChunk {
  std::optional<std::string> file_path;  // data in another file: unsupported
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data;
  std::optional<int64_t> offset_index_offset;
  std::optional<int32_t> offset_index_length;
  std::optional<int64_t> column_index_offset;
  std::optional<int32_t> column_index_length;
  // Parquet Modular Encryption (Encryption.md 5.2-5.4): how the chunk is encrypted and, for a
  // column key, its ColumnMetaData sealed separately.
  std::optional<ColumnCryptoMetaData> crypto_metadata;
  std::optional<std::string> encrypted_column_metadata;
  bool encrypted() const { return crypto_metadata.has_value() || encrypted_column_metadata.has_value(); }
};

struct SortingColumn {
  int32_t column_idx = 0;
  bool descending = false;
  bool nulls_first = false;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::vector<SortingColumn> sorting_columns;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int16_t> ordinal;
};

struct ColumnOrder {
  enum class Kind : int32_t { kTypeDefined = 1, kIeee754Total = 2, kInt96Timestamp = 3, kOther = 1000 };
  Kind kind = Kind::kTypeDefined;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::optional<std::string> created_by;
  std::vector<ColumnOrder> column_orders;
  bool encrypted = false;  // encryption_algorithm present (plaintext footer, encrypted columns)
};

// EncryptionAlgorithm (a union of AesGcmV1 and AesGcmCtrV1, same fields) in FileCryptoMetaData,
// the plaintext structure before an encrypted footer.
struct EncryptionAlgorithm {
  enum class Kind : int32_t { kAesGcmV1 = 1, kAesGcmCtrV1 = 2, kOther = 1000 };
  Kind kind = Kind::kOther;
  std::optional<std::string> aad_prefix;
  std::optional<std::string> aad_file_unique;
  std::optional<bool> supply_aad_prefix;
};

struct FileCryptoMetaData {
  EncryptionAlgorithm encryption_algorithm;
  std::optional<std::string> key_metadata;
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  Encoding definition_level_encoding = Encoding::kRle;
  Encoding repetition_level_encoding = Encoding::kRle;
  std::optional<Statistics> statistics;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  std::optional<bool> is_sorted;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
  std::optional<Statistics> statistics;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
  std::optional<DataPageHeaderV2> data_page_header_v2;
};

struct PageLocation {
  int64_t offset = 0;
  int32_t compressed_page_size = 0;  // including the page header
  int64_t first_row_index = 0;
};

struct OffsetIndex {
  std::vector<PageLocation> page_locations;
  std::vector<int64_t> unencoded_byte_array_data_bytes;
};

struct ColumnIndex {
  std::vector<bool> null_pages;
  std::vector<std::string> min_values;
  std::vector<std::string> max_values;
  BoundaryOrder boundary_order = BoundaryOrder::kUnordered;
  std::optional<std::vector<int64_t>> null_counts;
  std::optional<std::vector<int64_t>> nan_counts;
};

// Decoders. `what` names the bytes in error messages. DecodePageHeader reads a header from the
// front of `data` and reports its encoded length in *header_size.
Status DecodeFileMetaData(std::string_view data, const std::string& what, FileMetaData* out);
Status DecodePageHeader(std::string_view data, const std::string& what, PageHeader* out, size_t* header_size);
Status DecodeColumnIndex(std::string_view data, const std::string& what, ColumnIndex* out);
Status DecodeOffsetIndex(std::string_view data, const std::string& what, OffsetIndex* out);
Status DecodeColumnMetaData(std::string_view data, const std::string& what, ColumnMetaData* out);
// Reports the structure's encoded length in *size (the encrypted footer follows it).
Status DecodeFileCryptoMetaData(std::string_view data, const std::string& what, FileCryptoMetaData* out, size_t* size);

// Encoders; append to *out.
void EncodeFileMetaData(const FileMetaData& v, std::string* out);
void EncodePageHeader(const PageHeader& v, std::string* out);
void EncodeColumnIndex(const ColumnIndex& v, std::string* out);
void EncodeOffsetIndex(const OffsetIndex& v, std::string* out);
void EncodeFileCryptoMetaData(const FileCryptoMetaData& v, std::string* out);

}  // namespace strata::parquet
