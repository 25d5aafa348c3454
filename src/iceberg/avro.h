// A minimal Avro writer: the binary encoding of the types Iceberg's manifests and manifest lists
// use (int, long, string, bytes, boolean, unions as index + value, arrays as one block) and the
// object container file around it (magic, metadata map, sync marker, one block, codec "null").
// Written by hand instead of with libavro; see README.md for why.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace strata::iceberg {

// Appends values in Avro's binary encoding to a string.
class AvroEncoder {
 public:
  void Long(int64_t v);  // zig-zag varint
  void Int(int32_t v) { Long(v); }
  void Bool(bool v) { out_.push_back(v ? '\1' : '\0'); }
  void Bytes(std::string_view v);  // length + bytes (string and bytes)
  void String(std::string_view v) { Bytes(v); }
  // A union branch: its index in the union's type list, then (by the caller) its value.
  void Branch(int index) { Long(index); }
  // An array or map: ArrayBlock(n) before n items, ArrayEnd() after the last block (n > 0).
  void ArrayBlock(int64_t n) { Long(n); }
  void ArrayEnd() { Long(0); }

  const std::string& data() const { return out_; }
  size_t records() const { return records_; }
  void EndRecord() { ++records_; }

 private:
  std::string out_;
  size_t records_ = 0;
};

// An Avro object container file holding the records `body` encoded (records() of them), with
// writer schema `schema_json` and the extra header metadata `meta` (Iceberg puts the table schema,
// the partition spec and more there). `sync` is the 16-byte sync marker.
std::string AvroContainer(std::string_view schema_json, const std::map<std::string, std::string>& meta,
                          const AvroEncoder& body, std::string_view sync);

}  // namespace strata::iceberg
