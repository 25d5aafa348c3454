// Thrift compact protocol: the encoding of Parquet's footer, page headers and page index.
//
// Only what Parquet needs: structs, lists, binary, bool, i8/i16/i32/i64, double; maps and sets
// are skipped when they appear in unknown fields. Unknown fields are skipped, as the protocol
// intends, so files from newer writers still read.
//
// CompactReader never reads past its buffer and never allocates more than the bytes it has
// seen justify. Errors are sticky: after the first one every read returns a zero value and
// NextField() returns false, so struct decoders can read straight through and check status()
// once. Neither class is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace strata::parquet {

enum class ThriftType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class CompactReader {
 public:
  // `what` names the bytes in error messages ("footer of data/x.parquet").
  CompactReader(std::string_view data, std::string what);

  // Struct framing: every struct body read is bracketed by BeginStruct/EndStruct.
  void BeginStruct();
  void EndStruct();
  // Reads the next field header of the current struct; false at its end (STOP) or on error.
  bool NextField(int16_t* id, ThriftType* type);

  // Values of a field (or list element) whose wire type is `type`. A wire type that cannot hold
  // the requested value makes the reader skip the value and return a zero value, as Thrift's
  // generated code does.
  int32_t ReadI32(ThriftType type);
  int64_t ReadI64(ThriftType type);
  bool ReadBool(ThriftType type);  // a field's bool (the value is in the field header)
  bool ReadBoolElement();          // a list element's bool (one byte)
  double ReadDouble(ThriftType type);
  std::string ReadString(ThriftType type);
  std::string_view ReadBinaryView(ThriftType type);  // points into the reader's buffer
  // Reads a list header; returns the element count (0 on error) and its element type. The count
  // is checked against the bytes left, so a caller may reserve() it.
  uint32_t ReadListBegin(ThriftType type, ThriftType* element_type);
  // Skips a value of any type, including nested structs, lists, sets and maps.
  void Skip(ThriftType type);

  // Records an error (keeps the first) at the current offset.
  void Fail(std::string_view message);
  bool ok() const { return error_.empty(); }
  Status status() const;
  size_t position() const { return pos_; }

 private:
  uint64_t ReadVarint();
  uint8_t ReadByte();
  bool CheckType(ThriftType type, bool ok_type, const char* expected);
  bool Enter();

  std::string_view data_;
  std::string what_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::vector<int16_t> last_field_;
  int16_t last_id_ = 0;
  std::string error_;
};

class CompactWriter {
 public:
  explicit CompactWriter(std::string* out) : out_(out) {}

  void BeginStruct();
  void EndStruct();  // writes STOP

  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldBool(int16_t id, bool v);
  void FieldDouble(int16_t id, double v);
  void FieldBinary(int16_t id, std::string_view v);
  // Field header of a nested struct; follow with BeginStruct ... EndStruct.
  void FieldStruct(int16_t id);
  // Field header and list header; follow with `size` Elem* calls (or structs).
  void FieldList(int16_t id, ThriftType element_type, uint32_t size);

  void ElemI32(int32_t v) { WriteVarint(Zigzag(v)); }
  void ElemI64(int64_t v) { WriteVarint(Zigzag(v)); }
  void ElemBool(bool v) { out_->push_back(v ? 1 : 2); }
  void ElemBinary(std::string_view v);

 private:
  static uint64_t Zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
  void FieldHeader(int16_t id, ThriftType type);
  void WriteVarint(uint64_t v);

  std::string* out_;
  std::vector<int16_t> last_field_;
  int16_t last_id_ = 0;
};

}  // namespace strata::parquet
