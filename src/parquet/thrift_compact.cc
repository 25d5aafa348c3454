#include "parquet/thrift_compact.h"

#include <cstring>

namespace strata::parquet {
namespace {

// Deep enough for any Parquet struct (the deepest is about 6), shallow enough that hostile
// input cannot exhaust the stack through Skip's recursion.
constexpr int kMaxDepth = 64;

int64_t Unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

bool IsInt(ThriftType t) { return t == ThriftType::kByte || t == ThriftType::kI16 || t == ThriftType::kI32; }

}  // namespace

CompactReader::CompactReader(std::string_view data, std::string what) : data_(data), what_(std::move(what)) {}

Status CompactReader::status() const {
  if (ok()) return Status::OK();
  return Status::Corruption(error_);
}

void CompactReader::Fail(std::string_view message) {
  if (!ok()) return;
  error_ = "thrift " + what_ + " offset " + std::to_string(pos_) + ": " + std::string(message);
  pos_ = data_.size();
}

uint8_t CompactReader::ReadByte() {
  if (pos_ >= data_.size()) {
    Fail("unexpected end of data");
    return 0;
  }
  return static_cast<uint8_t>(data_[pos_++]);
}

uint64_t CompactReader::ReadVarint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos_ >= data_.size()) {
      Fail("unexpected end of data in varint");
      return 0;
    }
    uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    if (shift == 63 && (b & 0x7e) != 0) {
      Fail("varint overflows 64 bits");
      return 0;
    }
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  Fail("varint longer than 10 bytes");
  return 0;
}

bool CompactReader::Enter() {
  if (++depth_ > kMaxDepth) {
    Fail("nesting deeper than " + std::to_string(kMaxDepth));
    return false;
  }
  return true;
}

void CompactReader::BeginStruct() {
  Enter();
  last_field_.push_back(last_id_);
  last_id_ = 0;
}

void CompactReader::EndStruct() {
  --depth_;
  if (!last_field_.empty()) {
    last_id_ = last_field_.back();
    last_field_.pop_back();
  }
}

bool CompactReader::NextField(int16_t* id, ThriftType* type) {
  if (!ok()) return false;
  uint8_t b = ReadByte();
  if (!ok()) return false;
  auto t = static_cast<ThriftType>(b & 0x0f);
  if (t == ThriftType::kStop) return false;
  if (static_cast<uint8_t>(t) > static_cast<uint8_t>(ThriftType::kStruct)) {
    Fail("unknown field type " + std::to_string(static_cast<int>(t)));
    return false;
  }
  int delta = b >> 4;
  int64_t field_id = delta != 0 ? last_id_ + delta : Unzigzag(ReadVarint());
  if (!ok()) return false;
  if (field_id < INT16_MIN || field_id > INT16_MAX) {
    Fail("field id out of range");
    return false;
  }
  last_id_ = static_cast<int16_t>(field_id);
  *id = last_id_;
  *type = t;
  return true;
}

bool CompactReader::CheckType(ThriftType type, bool ok_type, const char* expected) {
  (void)expected;
  if (ok_type) return ok();
  // As Thrift's generated readers do: a field whose wire type is not the declared one is
  // skipped (some writers put their own data under ids the spec later assigned). A required
  // field skipped this way is then reported as missing by the struct decoder.
  Skip(type);
  return false;
}

int32_t CompactReader::ReadI32(ThriftType type) {
  if (!CheckType(type, IsInt(type), "an i32")) return 0;
  if (type == ThriftType::kByte) return static_cast<int8_t>(ReadByte());
  int64_t v = Unzigzag(ReadVarint());
  if (v < INT32_MIN || v > INT32_MAX) {
    Fail("i32 value out of range");
    return 0;
  }
  return static_cast<int32_t>(v);
}

int64_t CompactReader::ReadI64(ThriftType type) {
  if (!CheckType(type, IsInt(type) || type == ThriftType::kI64, "an i64")) return 0;
  if (type == ThriftType::kByte) return static_cast<int8_t>(ReadByte());
  return Unzigzag(ReadVarint());
}

bool CompactReader::ReadBool(ThriftType type) {
  if (!CheckType(type, type == ThriftType::kBoolTrue || type == ThriftType::kBoolFalse, "a bool")) return false;
  return type == ThriftType::kBoolTrue;  // a field's bool lives in its header's type nibble
}

bool CompactReader::ReadBoolElement() {
  // Writers disagree on false (0 or 2); true is 1 everywhere.
  return ReadByte() == 1;
}

double CompactReader::ReadDouble(ThriftType type) {
  if (!CheckType(type, type == ThriftType::kDouble, "a double")) return 0;
  if (data_.size() - pos_ < 8) {
    Fail("unexpected end of data in double");
    return 0;
  }
  double v;
  std::memcpy(&v, data_.data() + pos_, 8);  // little-endian on the wire, as on our hosts
  pos_ += 8;
  return v;
}

std::string_view CompactReader::ReadBinaryView(ThriftType type) {
  if (!CheckType(type, type == ThriftType::kBinary, "a binary")) return {};
  uint64_t n = ReadVarint();
  if (!ok()) return {};
  if (n > data_.size() - pos_) {
    Fail("binary of " + std::to_string(n) + " bytes runs past the end of the data");
    return {};
  }
  std::string_view v = data_.substr(pos_, n);
  pos_ += n;
  return v;
}

std::string CompactReader::ReadString(ThriftType type) { return std::string(ReadBinaryView(type)); }

uint32_t CompactReader::ReadListBegin(ThriftType type, ThriftType* element_type) {
  *element_type = ThriftType::kStop;
  if (!CheckType(type, type == ThriftType::kList || type == ThriftType::kSet, "a list")) return 0;
  uint8_t b = ReadByte();
  uint64_t n = b >> 4;
  if (n == 15) n = ReadVarint();
  if (!ok()) return 0;
  auto t = static_cast<ThriftType>(b & 0x0f);
  // Every element takes at least one byte, except bools, which also take one in a list.
  if (n > data_.size() - pos_) {
    Fail("list of " + std::to_string(n) + " elements runs past the end of the data");
    return 0;
  }
  if (t == ThriftType::kStop || static_cast<uint8_t>(t) > static_cast<uint8_t>(ThriftType::kStruct)) {
    if (n != 0) Fail("unknown list element type " + std::to_string(static_cast<int>(t)));
    return 0;
  }
  *element_type = t;
  return static_cast<uint32_t>(n);
}

void CompactReader::Skip(ThriftType type) {
  if (!ok()) return;
  switch (type) {
    case ThriftType::kBoolTrue:
    case ThriftType::kBoolFalse: return;  // the value was in the field header
    case ThriftType::kByte: ReadByte(); return;
    case ThriftType::kI16:
    case ThriftType::kI32:
    case ThriftType::kI64: ReadVarint(); return;
    case ThriftType::kDouble:
      if (data_.size() - pos_ < 8) Fail("unexpected end of data in double");
      pos_ += ok() ? 8 : 0;
      return;
    case ThriftType::kBinary: ReadBinaryView(type); return;
    case ThriftType::kList:
    case ThriftType::kSet: {
      ThriftType et;
      uint32_t n = ReadListBegin(type, &et);
      if (!Enter()) return;
      for (uint32_t i = 0; i < n && ok(); ++i) {
        // List bools are one byte each (not header-embedded).
        if (et == ThriftType::kBoolTrue || et == ThriftType::kBoolFalse) {
          ReadByte();
        } else {
          Skip(et);
        }
      }
      --depth_;
      return;
    }
    case ThriftType::kMap: {
      uint64_t n = ReadVarint();
      if (!ok() || n == 0) return;
      uint8_t kv = ReadByte();
      if (n > data_.size() - pos_) {
        Fail("map of " + std::to_string(n) + " entries runs past the end of the data");
        return;
      }
      auto kt = static_cast<ThriftType>(kv >> 4), vt = static_cast<ThriftType>(kv & 0x0f);
      if (!Enter()) return;
      for (uint64_t i = 0; i < n && ok(); ++i) {
        for (ThriftType t : {kt, vt}) {
          if (t == ThriftType::kBoolTrue || t == ThriftType::kBoolFalse) {
            ReadByte();
          } else {
            Skip(t);
          }
        }
      }
      --depth_;
      return;
    }
    case ThriftType::kStruct: {
      BeginStruct();
      int16_t id;
      ThriftType t;
      while (NextField(&id, &t)) Skip(t);
      EndStruct();
      return;
    }
    case ThriftType::kStop: break;
  }
  Fail("cannot skip wire type " + std::to_string(static_cast<int>(type)));
}

void CompactWriter::WriteVarint(uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out_->append(buf, n);
}

void CompactWriter::BeginStruct() {
  last_field_.push_back(last_id_);
  last_id_ = 0;
}

void CompactWriter::EndStruct() {
  out_->push_back(0);
  last_id_ = last_field_.back();
  last_field_.pop_back();
}

void CompactWriter::FieldHeader(int16_t id, ThriftType type) {
  int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<int>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    WriteVarint(Zigzag(id));
  }
  last_id_ = id;
}

void CompactWriter::FieldI32(int16_t id, int32_t v) {
  FieldHeader(id, ThriftType::kI32);
  WriteVarint(Zigzag(v));
}

void CompactWriter::FieldI64(int16_t id, int64_t v) {
  FieldHeader(id, ThriftType::kI64);
  WriteVarint(Zigzag(v));
}

void CompactWriter::FieldBool(int16_t id, bool v) {
  FieldHeader(id, v ? ThriftType::kBoolTrue : ThriftType::kBoolFalse);
}

void CompactWriter::FieldDouble(int16_t id, double v) {
  FieldHeader(id, ThriftType::kDouble);
  char b[8];
  std::memcpy(b, &v, 8);
  out_->append(b, 8);
}

void CompactWriter::FieldBinary(int16_t id, std::string_view v) {
  FieldHeader(id, ThriftType::kBinary);
  ElemBinary(v);
}

void CompactWriter::ElemBinary(std::string_view v) {
  WriteVarint(v.size());
  out_->append(v);
}

void CompactWriter::FieldStruct(int16_t id) { FieldHeader(id, ThriftType::kStruct); }

void CompactWriter::FieldList(int16_t id, ThriftType element_type, uint32_t size) {
  FieldHeader(id, ThriftType::kList);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<int>(element_type)));
  } else {
    out_->push_back(static_cast<char>(0xf0 | static_cast<int>(element_type)));
    WriteVarint(size);
  }
}

}  // namespace strata::parquet
