// Column-encoded serialization of a RecordBatch: the payload format of WAL rows records.
//
// Encoding is a header plus each column's typed vectors copied as they are (little-endian), so
// encoding and decoding are a few memcpys per column. The bytes describe themselves (row count,
// per column its type, whether validity follows, the values), but not the column names: the
// reader supplies the fields it expects and decoding checks that they match.
//
//   u8  version (1)
//   u32 column count
//   u32 row count (n)
//   per column:
//     u8  column type (ColumnType value)
//     u8  flags: bit 0 = a validity vector follows; other bits are 0
//     [n bytes validity, 1 = valid, 0 = null]         when flag bit 0 is set
//     values:
//       timestamp, i64, f64: n x 8 bytes;  i32: n x 4 bytes;  bool: n bytes (0 or 1)
//       symbol, string: (n+1) x u32 offsets (first 0, non-decreasing), then offsets[n] bytes
//
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata {

// Appends the encoding of `batch` to `*out` (existing contents are kept).
// REQUIRES: batch.Validate() is OK and batch.num_rows() < 2^32.
void EncodeBatch(const RecordBatch& batch, std::string* out);

// Bytes EncodeBatch will append for `batch`, e.g. to reserve a buffer.
size_t EncodedBatchSize(const RecordBatch& batch);

// Decodes bytes written by EncodeBatch into a batch with the given fields. Corruption when the
// bytes are malformed or truncated, when their column count or types differ from `fields`, or
// when a non-nullable field holds a null. Every size read from `data` is checked against the
// bytes actually present before anything is allocated, so hostile input cannot crash or
// allocate more than about 2x its own size. Bytes holding fewer columns than `fields`, where
// every missing one is a nullable field at the end, decode with those columns null: rows written
// before the columns were added (Database::AddColumn, doc/schema_evolution.md).
Result<RecordBatch> DecodeBatch(std::string_view data, const std::vector<Field>& fields);

}  // namespace strata
