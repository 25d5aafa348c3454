#include "db/wal_record.h"

#include <cstring>

#include "wal/batch_codec.h"

namespace strata {

void EncodeRowsRecord(uint32_t table_id, const RecordBatch& batch, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kWalRowsRecord));
  char id[4];
  std::memcpy(id, &table_id, 4);  // little-endian hosts only (x86-64, aarch64)
  out->append(id, 4);
  EncodeBatch(batch, out);
}

Result<RowsRecordHeader> ParseRowsRecord(std::string_view payload) {
  if (payload.size() < 5)
    return Status::Corruption("WAL record of " + std::to_string(payload.size()) + " bytes is too short");
  if (static_cast<uint8_t>(payload[0]) != kWalRowsRecord) {
    return Status::Corruption("unknown WAL record kind " + std::to_string(static_cast<uint8_t>(payload[0])));
  }
  RowsRecordHeader h;
  std::memcpy(&h.table_id, payload.data() + 1, 4);
  h.encoded_batch = payload.substr(5);
  return h;
}

}  // namespace strata
