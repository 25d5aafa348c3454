// Options of the Parquet writer and reader.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/compression.h"
#include "crypto/key_provider.h"
#include "parquet/encryption.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata::parquet {

// The value encoding of a column.
enum class ColumnEncoding : uint8_t {
  kAuto,       // what common writers do: dictionary (falling back to PLAIN) except PLAIN for bool
  kStrongest,  // smallest files: DELTA_BINARY_PACKED for ts/i64/i32, BYTE_STREAM_SPLIT for f64,
               // dictionary (falling back to DELTA_BYTE_ARRAY) for strings, RLE for bool
  kPlain,
  kDictionary,            // RLE_DICTIONARY with a PLAIN dictionary page; PLAIN once the dictionary is full
  kDeltaBinaryPacked,     // ts, i64, i32
  kByteStreamSplit,       // f64 (the format also allows integers, which DuckDB cannot read)
  kDeltaLengthByteArray,  // string, symbol
  kDeltaByteArray,        // string, symbol
  kRle,                   // bool
};

// "auto", "strongest", "plain", "dictionary", "delta_binary_packed", "byte_stream_split",
// "delta_length_byte_array", "delta_byte_array", "rle".
std::string_view ColumnEncodingName(ColumnEncoding e);
Result<ColumnEncoding> ParseColumnEncoding(std::string_view name);
// The encoding `e` resolves to for a column of `type` (kAuto and kStrongest resolve to a
// concrete choice); InvalidArgument if the encoding cannot store that type.
Result<ColumnEncoding> ResolveEncoding(ColumnEncoding e, ColumnType type);

enum class PageVersion : uint8_t { kV1 = 1, kV2 = 2 };

struct WriterOptions {
  CompressionType compression = CompressionType::kSnappy;
  int compression_level = 0;  // 0: the codec's default
  PageVersion page_version = PageVersion::kV1;
  // Applies to every column that can take it (the others use kAuto).
  ColumnEncoding default_encoding = ColumnEncoding::kAuto;
  // By column name; overrides the default; an encoding the column's type cannot take is an error.
  std::map<std::string, ColumnEncoding> column_encodings;

  int64_t row_group_rows = 1 << 20;
  int64_t page_bytes = 1 << 20;  // target raw bytes of values per data page
  int64_t page_rows = 20000;     // at most this many rows per data page
  // A dictionary that grows past this (in PLAIN bytes) stops; later pages use the fallback.
  int64_t dictionary_page_bytes = 1 << 20;
  // After the first page of a chunk, a dictionary holding more than this fraction of the values
  // seen is abandoned (unique timestamps, ids): the page is re-encoded with the fallback and the
  // chunk gets no dictionary page. 1 or more keeps every dictionary.
  double dictionary_max_distinct_ratio = 0.5;

  // Whether TIMESTAMP(NANOS) columns say isAdjustedToUTC. Off by default, in every file strata
  // writes (lake, `parquet write`, `query --out`): DuckDB has no nanosecond type with a time zone
  // and reads UTC-adjusted nanoseconds as microsecond TIMESTAMPTZ, dropping the last three digits;
  // without the flag it reads TIMESTAMP_NS exactly. The stored values are UTC nanoseconds either
  // way (see README.md, "Timestamps").
  bool timestamp_adjusted_to_utc = false;
  bool write_statistics = true;  // column chunk min/max/null count
  bool write_page_index = true;  // ColumnIndex + OffsetIndex
  bool write_page_crc = true;    // CRC32 of every page
  // Write to PATH.tmp-<pid>, fsync, rename over PATH, fsync the directory. Without it the file
  // is written in place and only fsynced if `sync` is set.
  bool atomic = false;
  bool sync = false;
  std::string created_by = "strata version 0.1.0";
  // Parquet Modular Encryption (AES_GCM_V1, encrypted footer, every column with this key); see
  // encryption.h. Page CRCs are not written then: the GCM tag of each page is the stronger check.
  std::optional<FileEncryption> encryption;
  // Extra footer key-value metadata (after the strata field list), e.g. what the tier store
  // records about a file so that a lost catalog can be rebuilt from the files.
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
};

struct ReaderOptions {
  bool verify_checksums = true;  // check page CRCs where the writer stored them
  // Keys for encrypted files (borrowed; must outlive the reader). The file's key_metadata names
  // the key id; a file without one (DuckDB writes none) is tried with current_key_id(). An
  // encrypted file opened without keys fails naming the file.
  const crypto::KeyProvider* keys = nullptr;
  // Limits that keep a hostile file from making us allocate without bound.
  uint64_t max_footer_bytes = 256ull << 20;
  uint64_t max_page_bytes = 512ull << 20;  // uncompressed size of one page
  uint64_t max_page_values = 1ull << 27;
  uint64_t max_row_group_rows = 1ull << 32;
};

}  // namespace strata::parquet
