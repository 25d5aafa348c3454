#include "wal/batch_codec.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

namespace strata {
namespace {

// The encoding is defined as little-endian and written with plain memcpy of host vectors.
static_assert(std::endian::native == std::endian::little, "batch_codec assumes a little-endian host");

constexpr uint8_t kVersion = 1;
constexpr uint8_t kHasValidity = 1;
constexpr size_t kHeaderSize = 1 + 4 + 4;

void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), sizeof v); }

template <typename T>
void PutVector(std::string* out, const std::vector<T>& v, size_t n) {
  if (n > 0) out->append(reinterpret_cast<const char*>(v.data()), n * sizeof(T));
}

size_t ValueBytes(const Column& c, size_t rows) {
  switch (c.type()) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64:
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: return rows * 8;
    case ColumnType::kInt32: return rows * 4;
    case ColumnType::kBool: return rows;
    case ColumnType::kSymbol:
    case ColumnType::kString: return (rows + 1) * 4 + c.offsets()[rows];
  }
  return 0;
}

bool IsKnownType(uint8_t t) {
  return t >= static_cast<uint8_t>(ColumnType::kTimestamp) && t <= static_cast<uint8_t>(ColumnType::kFloat32);
}

// Reads the encoding front to back; every read checks the bytes left first.
class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

  bool ReadU8(uint8_t* v) {
    if (remaining() < 1) return false;
    *v = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool ReadU32(uint32_t* v) {
    if (remaining() < 4) return false;
    std::memcpy(v, data_.data() + pos_, 4);
    pos_ += 4;
    return true;
  }
  // Copies `count` values of T into `*out`. REQUIRES: count * sizeof(T) was checked by Has().
  template <typename T>
  void ReadVector(size_t count, std::vector<T>* out) {
    out->resize(count);
    if (count > 0) std::memcpy(out->data(), data_.data() + pos_, count * sizeof(T));
    pos_ += count * sizeof(T);
  }
  void ReadChars(size_t count, std::string* out) {
    out->assign(data_.data() + pos_, count);
    pos_ += count;
  }
  bool Has(uint64_t bytes) const { return bytes <= remaining(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

Status Corrupt(size_t offset, std::string_view what) {
  return Status::Corruption("encoded batch offset " + std::to_string(offset) + ": " + std::string(what));
}

std::string ColumnLabel(size_t i, const Field& f) { return "column " + std::to_string(i) + " ('" + f.name + "')"; }

// True if every byte is 0 or 1.
bool AllZeroOrOne(const std::vector<uint8_t>& v) {
  uint8_t bad = 0;
  for (uint8_t b : v) bad |= static_cast<uint8_t>(b & 0xfe);
  return bad == 0;
}

Status DecodeColumn(Decoder* d, uint32_t rows, size_t index, const Field& field, Column* col) {
  const std::string label = ColumnLabel(index, field);
  uint8_t type = 0, flags = 0;
  size_t at = d->offset();
  if (!d->ReadU8(&type) || !d->ReadU8(&flags)) return Corrupt(at, label + ": truncated column header");
  if (!IsKnownType(type)) return Corrupt(at, label + ": unknown column type " + std::to_string(type));
  if (static_cast<ColumnType>(type) != field.type) {
    return Corrupt(at, label + " is encoded as " + std::string(ColumnTypeName(static_cast<ColumnType>(type))) +
                           " but the field is " + std::string(ColumnTypeName(field.type)));
  }
  if ((flags & ~kHasValidity) != 0) return Corrupt(at + 1, label + ": unknown flags " + std::to_string(flags));

  if (flags & kHasValidity) {
    at = d->offset();
    if (!d->Has(rows)) return Corrupt(at, label + ": validity of " + std::to_string(rows) + " rows is truncated");
    d->ReadVector(rows, &col->validity());
    if (!AllZeroOrOne(col->validity())) return Corrupt(at, label + ": validity bytes other than 0 and 1");
    if (!field.nullable && col->has_nulls()) return Corrupt(at, label + " is not nullable but holds nulls");
  }

  at = d->offset();
  auto need = [&](uint64_t bytes) -> Status {
    if (d->Has(bytes)) return Status::OK();
    return Corrupt(at, label + ": " + std::to_string(rows) + " values need " + std::to_string(bytes) + " bytes, only " +
                           std::to_string(d->remaining()) + " left");
  };
  switch (field.type) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64:
      RETURN_IF_ERROR(need(uint64_t{rows} * 8));
      d->ReadVector(rows, &col->int64s());
      break;
    case ColumnType::kFloat32:
    case ColumnType::kFloat64:
      RETURN_IF_ERROR(need(uint64_t{rows} * 8));
      d->ReadVector(rows, &col->doubles());
      break;
    case ColumnType::kInt32:
      RETURN_IF_ERROR(need(uint64_t{rows} * 4));
      d->ReadVector(rows, &col->int32s());
      break;
    case ColumnType::kBool:
      RETURN_IF_ERROR(need(rows));
      d->ReadVector(rows, &col->bools());
      if (!AllZeroOrOne(col->bools())) return Corrupt(at, label + ": bool values other than 0 and 1");
      break;
    case ColumnType::kSymbol:
    case ColumnType::kString: {
      RETURN_IF_ERROR(need((uint64_t{rows} + 1) * 4));
      std::vector<uint32_t>& offsets = col->offsets();
      d->ReadVector(size_t{rows} + 1, &offsets);
      if (offsets[0] != 0) return Corrupt(at, label + ": first string offset is " + std::to_string(offsets[0]));
      for (size_t i = 1; i < offsets.size(); ++i) {
        if (offsets[i] < offsets[i - 1]) {
          return Corrupt(at + i * 4, label + ": string offsets decrease at row " + std::to_string(i - 1));
        }
      }
      at = d->offset();
      uint32_t chars = offsets.back();
      if (!d->Has(chars)) {
        return Corrupt(at, label + ": " + std::to_string(chars) + " string bytes, only " +
                               std::to_string(d->remaining()) + " left");
      }
      d->ReadChars(chars, &col->chars());
      break;
    }
  }
  Status st = col->SetSizeFromStorage();
  if (!st.ok()) return Corrupt(at, label + ": " + st.message());
  return Status::OK();
}

}  // namespace

size_t EncodedBatchSize(const RecordBatch& batch) {
  size_t rows = batch.num_rows();
  size_t size = kHeaderSize;
  for (const Column& c : batch.columns()) {
    size += 2 + ValueBytes(c, rows);
    if (c.has_nulls()) size += rows;
  }
  return size;
}

void EncodeBatch(const RecordBatch& batch, std::string* out) {
  const size_t rows = batch.num_rows();
  // One reservation up front so the appends below are plain copies without regrowth.
  out->reserve(out->size() + EncodedBatchSize(batch));
  out->push_back(static_cast<char>(kVersion));
  PutU32(out, static_cast<uint32_t>(batch.num_columns()));
  PutU32(out, static_cast<uint32_t>(rows));
  for (const Column& c : batch.columns()) {
    // A validity vector of all ones carries no information, so it is not written.
    bool nulls = c.has_nulls();
    out->push_back(static_cast<char>(c.type()));
    out->push_back(static_cast<char>(nulls ? kHasValidity : 0));
    if (nulls) PutVector(out, c.validity(), rows);
    switch (c.type()) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64: PutVector(out, c.int64s(), rows); break;
      case ColumnType::kFloat32:
      case ColumnType::kFloat64: PutVector(out, c.doubles(), rows); break;
      case ColumnType::kInt32: PutVector(out, c.int32s(), rows); break;
      case ColumnType::kBool: PutVector(out, c.bools(), rows); break;
      case ColumnType::kSymbol:
      case ColumnType::kString:
        PutVector(out, c.offsets(), rows + 1);
        out->append(c.chars().data(), c.offsets()[rows]);
        break;
    }
  }
}

Result<RecordBatch> DecodeBatch(std::string_view data, const std::vector<Field>& fields) {
  Decoder d(data);
  uint8_t version = 0;
  uint32_t num_columns = 0, rows = 0;
  if (!d.ReadU8(&version) || !d.ReadU32(&num_columns) || !d.ReadU32(&rows)) {
    return Corrupt(0, "header truncated (" + std::to_string(data.size()) + " bytes)");
  }
  if (version != kVersion) return Corrupt(0, "unknown version " + std::to_string(version));
  // Fewer columns: rows written before nullable columns were added at the end of the table's
  // schema (doc/schema_evolution.md); the missing columns are null.
  bool older = num_columns < fields.size();
  for (size_t i = num_columns; older && i < fields.size(); ++i) older = fields[i].nullable;
  if (num_columns != fields.size() && !older) {
    return Corrupt(1, "holds " + std::to_string(num_columns) + " columns, expected " + std::to_string(fields.size()));
  }
  std::vector<Column> columns;
  columns.reserve(fields.size());
  for (size_t i = 0; i < num_columns; ++i) {
    columns.emplace_back(fields[i].type);
    RETURN_IF_ERROR(DecodeColumn(&d, rows, i, fields[i], &columns.back()));
  }
  if (d.remaining() != 0) {
    return Corrupt(d.offset(), std::to_string(d.remaining()) + " unexpected bytes after the last column");
  }
  for (size_t i = num_columns; i < fields.size(); ++i) columns.push_back(NullColumn(fields[i].type, rows));
  return RecordBatch(fields, std::move(columns));
}

}  // namespace strata
