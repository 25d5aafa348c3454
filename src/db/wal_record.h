// The payload of a WAL record as the database writes it: which table(s), which rows.
//
// Rows record (kind 1), one table:
//   u8  kind (1 = rows)
//   u32 table id (little-endian)
//   ... the rows, encoded by EncodeBatch (src/wal/batch_codec.h)
//
// Multi-table rows record (kind 2), several tables' batches that are one transaction
// (Database::AppendAtomically): one record, one CRC, so a crash keeps all of them or none.
//   u8  kind (2 = multi rows)
//   u32 part count (>= 1)
//   per part: u32 table id, u64 byte length n, n bytes of EncodeBatch
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/batch.h"

namespace strata {

inline constexpr uint8_t kWalRowsRecord = 1;
inline constexpr uint8_t kWalMultiRowsRecord = 2;

void EncodeRowsRecord(uint32_t table_id, const RecordBatch& batch, std::string* out);
// REQUIRES: parts is not empty.
void EncodeMultiRowsRecord(const std::vector<std::pair<uint32_t, const RecordBatch*>>& parts, std::string* out);

struct RowsRecordHeader {
  uint32_t table_id;
  std::string_view encoded_batch;
};
// Splits a payload into its header and batch bytes; Corruption if it is not a rows record.
Result<RowsRecordHeader> ParseRowsRecord(std::string_view payload);
// Every table's part of a rows record of either kind (one part for kind 1), in stored order.
// Corruption for an unknown kind, a truncated part, a part count of 0 or bytes after the last part.
Result<std::vector<RowsRecordHeader>> ParseRecordParts(std::string_view payload);

}  // namespace strata
