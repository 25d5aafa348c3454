// Decodes the pages of one column chunk into a strata Column: page headers, CRC checks,
// decompression, definition levels (nulls), dictionary pages, values, and the conversion of
// stored values to strata types (timestamp units, INT96, FLOAT, decimals, ...).
//
// Every size read from the file is checked against the bytes actually present and against
// ReaderOptions' limits before anything is allocated. Errors name the file, the column and the
// page's file offset.
//
// Not thread-safe; one reader per column chunk read at a time (it may be reused).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/compression.h"
#include "parquet/encryption.h"
#include "parquet/format.h"
#include "parquet/parquet_options.h"
#include "parquet/schema_mapping.h"
#include "parquet/value_decoder.h"
#include "strata/batch.h"

namespace strata::parquet {

class ColumnChunkReader {
 public:
  // `where` prefixes error messages ("data/x.parquet column price row group 2").
  ColumnChunkReader(const ColumnInfo& column, CompressionCodec codec, std::string where, const ReaderOptions& options);

  // Starts a new chunk: forgets the dictionary. Unsupported for codecs we cannot decode.
  Status Reset();

  // Decodes the page at the front of `bytes` (located at `file_offset`), appending its rows to
  // *out; a page of more than `max_rows` rows is Corruption. A dictionary page loads the
  // dictionary and adds no rows. Sets *consumed to the page's total size (header and body) and
  // *rows to the rows it added. After an error *out is unspecified.
  // Call SetSizeFromStorage() on *out when done appending.
  Status DecodePage(std::string_view bytes, uint64_t file_offset, int64_t max_rows, Column* out, int64_t* rows,
                    size_t* consumed);

  // Decompresses pages into *buf (it only grows; the caller keeps it for the next chunks, so a
  // scan does not fault in and zero a fresh buffer for every column chunk) instead of a buffer
  // of its own. *buf must outlive the reader's use.
  void UseBuffer(std::string* buf) { page_buf_in_use_ = buf; }

  // The chunk is encrypted (Parquet Modular Encryption): page headers and pages are opened with
  // `gcm` (set up with key->key) and AADs for row group `row_group`, column `column`. All borrowed.
  void SetDecryption(crypto::AesGcm* gcm, const ModuleKey* key, int row_group, int column) {
    gcm_ = gcm;
    module_key_ = key;
    row_group_ = row_group;
    column_ordinal_ = column;
  }
  // The ordinal of the next data page (its place in the chunk, for its AAD). Reset() and
  // DecodeChunk() start at 0 and each data page advances it; a reader that skips pages (offset
  // index) sets it before each page.
  void set_page_ordinal(int ordinal) { page_ordinal_ = ordinal; }

  // Decodes all pages in `bytes` (the whole chunk, starting at `file_offset`); the chunk must
  // hold exactly `num_rows` rows.
  Status DecodeChunk(std::string_view bytes, uint64_t file_offset, int64_t num_rows, Column* out);

 private:
  Status Fail(uint64_t offset, const Status& st) const;
  Status Decompress(std::string_view in, size_t uncompressed_size, std::string* buf, std::string_view* out);
  Status DecodeLevels(Encoding enc, const uint8_t* data, size_t size, size_t n, bool length_prefixed, size_t* used,
                      size_t* non_null);
  Status DecodeValues(Encoding enc, const uint8_t* data, size_t size, size_t n, size_t non_null, Column* out);
  template <typename T>
  Status DecodeFixedInto(Encoding enc, const uint8_t* data, size_t size, size_t n, size_t non_null,
                         std::vector<T>* out);
  Status DecodeBinaryInto(Encoding enc, const uint8_t* data, size_t size, size_t n, size_t non_null,
                          std::vector<uint32_t>* offsets, std::string* chars);
  Status Convert(size_t n, Column* out);
  void AppendValidity(size_t old_rows, size_t n, size_t non_null, Column* out);

  const ColumnInfo& column_;
  CompressionCodec codec_type_;
  std::string where_;
  const ReaderOptions& options_;
  Codec* codec_ = nullptr;  // the thread's decompressor for the codec (Reset)
  Dictionary dict_;
  std::string page_buf_;
  std::string* page_buf_in_use_ = &page_buf_;
  std::vector<uint8_t> levels_;  // definition levels of the current page (when it has nulls)
  // Stored values awaiting conversion to the column's strata type.
  std::vector<int32_t> scratch_i32_;
  std::vector<int64_t> scratch_i64_;
  std::vector<float> scratch_f32_;
  std::vector<uint32_t> scratch_offsets_;
  std::string scratch_chars_;

  crypto::AesGcm* gcm_ = nullptr;  // set: the chunk is encrypted
  const ModuleKey* module_key_ = nullptr;
  int row_group_ = 0, column_ordinal_ = 0, page_ordinal_ = 0;
  std::string plain_header_, plain_page_;  // opened modules
};

// Maps a Parquet codec to ours; Unsupported for LZO and BROTLI.
Result<CompressionType> ToCompressionType(CompressionCodec codec);

}  // namespace strata::parquet
