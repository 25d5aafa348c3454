#include "iceberg/avro.h"

namespace strata::iceberg {

void AvroEncoder::Long(int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out_.push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out_.push_back(static_cast<char>(z));
}

void AvroEncoder::Bytes(std::string_view v) {
  Long(static_cast<int64_t>(v.size()));
  out_.append(v);
}

std::string AvroContainer(std::string_view schema_json, const std::map<std::string, std::string>& meta,
                          const AvroEncoder& body, std::string_view sync) {
  AvroEncoder header;
  std::map<std::string, std::string> all = meta;
  all["avro.schema"] = std::string(schema_json);
  all["avro.codec"] = "null";
  header.ArrayBlock(static_cast<int64_t>(all.size()));
  for (const auto& [k, v] : all) {
    header.String(k);
    header.Bytes(v);
  }
  header.ArrayEnd();
  std::string out = "Obj\x01";
  out += header.data();
  out.append(sync.substr(0, 16));
  if (body.records() > 0) {
    AvroEncoder block;
    block.Long(static_cast<int64_t>(body.records()));
    block.Long(static_cast<int64_t>(body.data().size()));
    out += block.data();
    out += body.data();
    out.append(sync.substr(0, 16));
  }
  return out;
}

}  // namespace strata::iceberg
