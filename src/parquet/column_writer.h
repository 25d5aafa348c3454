// Encodes one column of a row group into a Parquet column chunk: data pages (v1 or v2) with
// definition levels, values in the column's encoding, compression and CRC, a dictionary page
// first when the column is dictionary-encoded, statistics and the page index entries.
//
// Pages are cut by WriterOptions::page_rows and page_bytes. A dictionary that outgrows
// dictionary_page_bytes stops growing: the pages after it use the fallback encoding, and the
// chunk holds both kinds, as the format allows. A dictionary that is mostly distinct values
// after the first page (dictionary_max_distinct_ratio) is dropped and that page re-encoded.
//
// Not thread-safe. The Codec is borrowed and must outlive the writer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/compression.h"
#include "parquet/dictionary_builder.h"
#include "parquet/encryption.h"
#include "parquet/format.h"
#include "parquet/parquet_options.h"
#include "parquet/statistics.h"
#include "strata/batch.h"

namespace strata::parquet {

// What a finished chunk contributes to the footer and page index. Offsets are absolute.
struct ChunkResult {
  ColumnChunk chunk;
  std::optional<ColumnIndex> column_index;  // absent when the spec forbids one (all-NaN page)
  OffsetIndex offset_index;
};

class ColumnChunkWriter {
 public:
  // `requested` must be valid for the field's type (see ResolveEncoding). kAuto: dictionary,
  // dropped after the first page when that page's values are mostly distinct (PLAIN then).
  // kStrongest: per chunk, the first page is encoded with every encoding the type allows and
  // compressed; the smallest wins, and the smallest non-dictionary one is the fallback should a
  // dictionary overflow. Anything else is used as given (a dictionary falls back to PLAIN).
  ColumnChunkWriter(Field field, ColumnEncoding requested, const WriterOptions& options, Codec* codec);

  // Encodes rows [begin, begin + n) of `col` as one chunk that will sit at `file_offset`;
  // appends its bytes to *out. REQUIRES: col has the field's type and at least begin + n rows.
  Status WriteChunk(const Column& col, size_t begin, size_t n, uint64_t file_offset, std::string* out,
                    ChunkResult* result);

  // Seals every page and page header (Parquet Modular Encryption) with `gcm` and `key` (both
  // borrowed), as column ordinal `column`; no page CRCs then (the GCM tag covers the page).
  void SetEncryption(crypto::AesGcm* gcm, const ModuleKey* key, int column) {
    gcm_ = gcm;
    module_key_ = key;
    column_ordinal_ = column;
  }
  // The row group ordinal of the next WriteChunk (in module AADs).
  void set_row_group(int ordinal) { row_group_ = ordinal; }

 private:
  struct PageRecord {
    size_t offset;  // within the data pages buffer
    int32_t size;   // header + body
    int64_t first_row;
    ValueStats stats;
  };

  Status WriteStoredChunk(const Column& col, size_t begin, size_t n, uint64_t file_offset, std::string* out,
                          ChunkResult* result);
  // Rows [begin, begin + n) of `col` as the file stores them, into stored_: f32 as float bit
  // patterns in an i32 column, timestamp[us]/[ms] as counts of the unit.
  void ToStored(const Column& col, size_t begin, size_t n);
  size_t PageEnd(const Column& col, size_t begin, size_t end) const;
  Status WritePage(const Column& col, size_t begin, size_t end, size_t chunk_begin);
  void GatherNonNull(const Column& col, size_t begin, size_t end, size_t nulls);
  Status EncodeValues(const Column& col, size_t begin, size_t end, size_t nulls, Encoding* used);
  Status FinishPage(PageType type, Encoding encoding, size_t rows, size_t nulls, std::string* dest);
  Status EncodeDictionaryPage(std::string* dest, int32_t* size);
  size_t EncodeDictionaryValues();  // into values_; returns the entry count
  void ChooseEncoding(const Column& col, size_t begin, size_t end);
  size_t DictionaryBytes() const;
  bool MostlyDistinct(size_t rows) const;
  void ResetDictionary();

  Field field_;
  // The type whose storage the encoders read: field_.type, except f32, encoded from the float
  // bit patterns in an i32 column (PLAIN, dictionary and BYTE_STREAM_SPLIT bytes are the same).
  ColumnType enc_type_;
  bool convert_;             // f32 or timestamp[us]/[ms]: values go through stored_
  Column stored_;            // the chunk's values as stored, when convert_
  const Column* stats_src_;  // f32: statistics come from the doubles, at rows shifted by
  size_t stats_shift_ = 0;   // stats_shift_
  ColumnEncoding requested_;
  ColumnEncoding encoding_;  // for the current chunk
  ColumnEncoding fallback_;
  const WriterOptions& options_;
  Codec* codec_;

  bool dictionary_on_ = false;
  DictionaryBuilder<int64_t> dict_i64_;
  DictionaryBuilder<int32_t> dict_i32_;
  DictionaryBuilder<double> dict_f64_;
  StringDictionaryBuilder dict_str_;

  // Per-page scratch, reused.
  std::string levels_, values_, body_, compressed_, header_, trial_, sealed_;

  crypto::AesGcm* gcm_ = nullptr;  // set: pages and headers are sealed
  const ModuleKey* module_key_ = nullptr;
  int column_ordinal_ = 0;
  int row_group_ = 0;
  std::vector<uint32_t> indices_;
  Column dense_;  // non-null values of the page when it has nulls
  std::vector<PageRecord> pages_;
  std::string data_pages_;
  std::vector<Encoding> encodings_;
  std::vector<PageEncodingStats> encoding_stats_;
  int64_t uncompressed_total_ = 0;
};

}  // namespace strata::parquet
