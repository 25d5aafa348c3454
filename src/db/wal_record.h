// The payload of a WAL record as the database writes it: which table, which rows.
//
//   u8  kind (1 = rows)
//   u32 table id (little-endian)
//   ... the rows, encoded by EncodeBatch (src/wal/batch_codec.h)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/batch.h"

namespace strata {

inline constexpr uint8_t kWalRowsRecord = 1;

void EncodeRowsRecord(uint32_t table_id, const RecordBatch& batch, std::string* out);

struct RowsRecordHeader {
  uint32_t table_id;
  std::string_view encoded_batch;
};
// Splits a payload into its header and batch bytes; Corruption if it is not a rows record.
Result<RowsRecordHeader> ParseRowsRecord(std::string_view payload);

}  // namespace strata
