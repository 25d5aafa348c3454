#include "parquet/table_import.h"

#include <cmath>
#include <utility>

#include "parquet/inspect.h"
#include "strata/timestamp.h"

namespace strata::parquet {

namespace {

using LK = LogicalType::Kind;

// How one table column is filled.
enum class Step : uint8_t {
  kMove,          // the reader's column has the table's type
  kRetypeString,  // string <-> symbol: same storage
  kWidenInt32,    // i32 -> i64
  kDaysToNanos,   // i32 DATE -> timestamp
  kNulls,         // the file lacks this (nullable) column
  kToFloat32,     // DOUBLE or DECIMAL -> f32, the nearest float (allow_lossy only)
};

// What a Parquet column holds, for deciding which table types it may fill.
enum class Source : uint8_t {
  kBool,
  kInt32,   // signed 32-bit or narrower, UINT_8/16
  kUint32,  // read as i64
  kInt64,
  kDate,
  kTimestamp,
  kFloat,  // FLOAT, DOUBLE, FLOAT16
  kDecimal,
  kText,
  kOther,  // refused
};

Source Classify(const SchemaElement& e, const ColumnInfo& c) {
  if (!c.unsupported.empty()) return Source::kOther;
  if (c.conversion == Conversion::kDecimalToDouble) return Source::kDecimal;
  if (c.conversion == Conversion::kUint32ToInt64) return Source::kUint32;
  switch (c.physical) {
    case Type::kBoolean: return Source::kBool;
    case Type::kInt32:
      if (HasLogical(e, LK::kDate) || HasConverted(e, ConvertedType::kDate)) return Source::kDate;
      if (e.logical_type && e.logical_type->kind != LK::kInteger) return Source::kOther;  // TIME, ...
      if (e.converted_type && !HasConverted(e, ConvertedType::kInt8) && !HasConverted(e, ConvertedType::kInt16) &&
          !HasConverted(e, ConvertedType::kInt32) && !HasConverted(e, ConvertedType::kUint8) &&
          !HasConverted(e, ConvertedType::kUint16)) {
        return Source::kOther;
      }
      return Source::kInt32;
    case Type::kInt64:
      if (c.field.type == ColumnType::kTimestamp) return Source::kTimestamp;
      if (e.logical_type && !(e.logical_type->kind == LK::kInteger && e.logical_type->is_signed)) {
        return Source::kOther;  // UINT(64), TIME
      }
      if (e.converted_type && !HasConverted(e, ConvertedType::kInt64)) return Source::kOther;
      return Source::kInt64;
    case Type::kInt96: return Source::kTimestamp;
    case Type::kFloat:
    case Type::kDouble: return Source::kFloat;
    case Type::kFixedLenByteArray:
      return c.conversion == Conversion::kFloat16ToDouble ? Source::kFloat : Source::kOther;
    case Type::kByteArray:
      if (e.logical_type && e.logical_type->kind != LK::kString && e.logical_type->kind != LK::kEnum &&
          e.logical_type->kind != LK::kJson) {
        return Source::kOther;
      }
      if (e.converted_type && !HasConverted(e, ConvertedType::kUtf8) && !HasConverted(e, ConvertedType::kEnum) &&
          !HasConverted(e, ConvertedType::kJson)) {
        return Source::kOther;
      }
      return Source::kText;
  }
  return Source::kOther;
}

std::string ParquetType(const SchemaElement& e, const ColumnInfo& c) {
  if (!e.type) return "group";
  std::string t = TypeName(*e.type);
  if (*e.type == Type::kFixedLenByteArray) t += "(" + std::to_string(c.type_length) + ")";
  std::string l = LogicalName(e);
  return l.empty() ? t : t + " " + l;
}

void SwapStorage(Column* a, Column* b) {
  a->int64s().swap(b->int64s());
  a->int32s().swap(b->int32s());
  a->doubles().swap(b->doubles());
  a->bools().swap(b->bools());
  a->offsets().swap(b->offsets());
  a->chars().swap(b->chars());
  a->validity().swap(b->validity());
}

}  // namespace

struct TableImport::Plan {
  Step step = Step::kMove;
  int raw = -1;  // column of raw_ (the reader's batch)
};

TableImport::TableImport(std::unique_ptr<ParquetReader> reader, Schema schema, ImportOptions options)
    : reader_(std::move(reader)), schema_(std::move(schema)), options_(std::move(options)) {}
TableImport::~TableImport() = default;

Result<std::unique_ptr<TableImport>> TableImport::Open(std::unique_ptr<RangeSource> source, const Schema& schema,
                                                       const ImportOptions& options) {
  ReaderOptions ro;
  ro.verify_checksums = options.verify_checksums;
  ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(std::move(source), ro));
  std::unique_ptr<TableImport> t(new TableImport(std::move(reader), schema, options));
  RETURN_IF_ERROR(t->Prepare());
  return t;
}

Result<std::unique_ptr<TableImport>> TableImport::Open(FileSystem* fs, const std::string& path, const Schema& schema,
                                                       const ImportOptions& options) {
  ASSIGN_OR_RETURN(auto source, OpenFileRangeSource(fs, path));
  return Open(std::move(source), schema, options);
}

const std::string& TableImport::name() const { return reader_->name(); }
int TableImport::num_row_groups() const { return reader_->num_row_groups(); }
int64_t TableImport::num_rows() const { return reader_->num_rows(); }
uint64_t TableImport::uncompressed_bytes() const { return uncompressed_; }

Status TableImport::Prepare() {
  const std::string& file = reader_->name();
  const std::string table = options_.table.empty() ? std::string("the table") : "table " + options_.table;
  const FileMetaData& md = reader_->metadata();
  const std::vector<ColumnInfo>& cols = reader_->columns();
  // File columns the table does not have.
  for (const ColumnInfo& c : cols) {
    if (schema_.FieldIndex(c.field.name) >= 0 || options_.ignore_extra_columns) continue;
    return Status::InvalidArgument(file + ": column " + c.field.name + " is not in " + table +
                                   " (--ignore-extra-columns skips such columns)");
  }
  for (const Field& f : schema_.fields()) {
    Plan p;
    const int ci = reader_->FindColumn(f.name);
    const std::string want = std::string(ColumnTypeName(f.type)) + (f.nullable ? "?" : "");
    if (ci < 0) {
      if (!f.nullable) {
        return Status::InvalidArgument(file + ": no column " + f.name + ", which " + table + " requires (" + want +
                                       ", not nullable)");
      }
      p.step = Step::kNulls;
      plans_.push_back(p);
      continue;
    }
    const ColumnInfo& c = cols[static_cast<size_t>(ci)];
    if (c.schema_index < 0 || static_cast<size_t>(c.schema_index) >= md.schema.size()) {
      return Status::InvalidArgument(file + ": column " + f.name + ": " +
                                     (c.unsupported.empty() ? std::string("unsupported column") : c.unsupported));
    }
    const SchemaElement& e = md.schema[static_cast<size_t>(c.schema_index)];
    const Source s = Classify(e, c);
    bool ok = false;
    switch (f.type) {
      case ColumnType::kTimestamp:
        ok = s == Source::kTimestamp || s == Source::kDate;
        p.step = s == Source::kDate ? Step::kDaysToNanos : Step::kMove;
        break;
      case ColumnType::kInt64:
        ok = s == Source::kInt64 || s == Source::kInt32 || s == Source::kUint32;
        p.step = s == Source::kInt32 ? Step::kWidenInt32 : Step::kMove;
        break;
      case ColumnType::kInt32: ok = s == Source::kInt32; break;
      case ColumnType::kFloat64: ok = s == Source::kFloat || (s == Source::kDecimal && options_.allow_lossy); break;
      case ColumnType::kFloat32: {
        const bool narrow =
            s == Source::kFloat && (c.physical == Type::kFloat || c.physical == Type::kFixedLenByteArray);
        ok = narrow || ((s == Source::kFloat || s == Source::kDecimal) && options_.allow_lossy);
        p.step = narrow ? Step::kMove : Step::kToFloat32;
        break;
      }
      case ColumnType::kBool: ok = s == Source::kBool; break;
      case ColumnType::kSymbol:
      case ColumnType::kString:
        ok = s == Source::kText;
        p.step = c.field.type == f.type ? Step::kMove : Step::kRetypeString;
        break;
    }
    if (!ok) {
      std::string why = file + ": column " + f.name + " is " + ParquetType(e, c) + ", which cannot go into " + table +
                        "'s " + std::string(ColumnTypeName(f.type)) + " column " + f.name;
      if (s == Source::kDecimal && f.type == ColumnType::kFloat64) {
        why += " without losing digits (--allow-lossy stores the nearest double)";
      } else if ((s == Source::kDecimal || s == Source::kFloat) && f.type == ColumnType::kFloat32) {
        why += " without losing digits (--allow-lossy stores the nearest float)";
      } else if (!c.unsupported.empty()) {
        why += " (" + c.unsupported + ")";
      } else if (s == Source::kInt64 && f.type == ColumnType::kTimestamp) {
        why += " (an integer without a TIMESTAMP annotation has no unit; write it as a timestamp)";
      } else {
        why += " without loss";
      }
      return Status::InvalidArgument(why);
    }
    // A null that statistics count, going into a required column.
    if (!f.nullable && c.field.nullable) {
      for (size_t rg = 0; rg < md.row_groups.size(); ++rg) {
        const auto& chunks = md.row_groups[rg].columns;
        if (c.leaf_index < 0 || static_cast<size_t>(c.leaf_index) >= chunks.size()) break;
        const auto& meta = chunks[static_cast<size_t>(c.leaf_index)].meta_data;
        if (meta && meta->statistics && meta->statistics->null_count.value_or(0) > 0) {
          return Status::InvalidArgument(file + ": row group " + std::to_string(rg) + ", column " + f.name + ": " +
                                         std::to_string(*meta->statistics->null_count) + " nulls, but " + table +
                                         "'s column " + f.name + " is not nullable");
        }
      }
    }
    p.raw = static_cast<int>(read_.columns.size());
    read_.columns.push_back(c.field.name);
    plans_.push_back(p);
  }
  // Bytes decoded, and the first row of each row group.
  int64_t row = 0;
  for (const RowGroup& rg : md.row_groups) {
    first_row_.push_back(row);
    row += rg.num_rows;
    for (const std::string& name : read_.columns) {
      const ColumnInfo& c = cols[static_cast<size_t>(reader_->FindColumn(name))];
      if (c.leaf_index >= 0 && static_cast<size_t>(c.leaf_index) < rg.columns.size() &&
          rg.columns[static_cast<size_t>(c.leaf_index)].meta_data) {
        uncompressed_ += static_cast<uint64_t>(
            std::max<int64_t>(0, rg.columns[static_cast<size_t>(c.leaf_index)].meta_data->total_uncompressed_size));
      }
    }
  }
  return Status::OK();
}

Status TableImport::ReadRowGroup(int row_group, RecordBatch* out) {
  const std::string& file = reader_->name();
  const std::string where = file + ": row group " + std::to_string(row_group);
  if (row_group < 0 || row_group >= num_row_groups()) {
    return Status::InvalidArgument(where + " does not exist");
  }
  Status st = reader_->ReadRowGroupInto(row_group, read_, &raw_);
  if (!st.ok()) {  // the reader's errors name the file, column and row group already
    return st.message().find(file) == std::string::npos ? Status(st.code(), where + ": " + st.message()) : st;
  }
  const size_t n =
      raw_.num_columns() > 0 ? raw_.num_rows() : static_cast<size_t>(reader_->row_group_num_rows(row_group));
  if (out->fields() != schema_.fields()) *out = RecordBatch(schema_.fields());
  const int64_t first = first_row_[static_cast<size_t>(row_group)];
  for (size_t i = 0; i < plans_.size(); ++i) {
    const Plan& p = plans_[i];
    const Field& f = schema_.field(i);
    Column& dst = out->column(i);
    switch (p.step) {
      case Step::kNulls:
        dst.Clear();
        dst.Reserve(n);
        for (size_t r = 0; r < n; ++r) dst.AppendNull();
        continue;
      case Step::kMove:
      case Step::kRetypeString: SwapStorage(&dst, &raw_.column(static_cast<size_t>(p.raw))); break;
      case Step::kToFloat32:
        SwapStorage(&dst, &raw_.column(static_cast<size_t>(p.raw)));
        for (double& d : dst.doubles()) d = static_cast<float>(d);
        break;
      case Step::kWidenInt32: {
        const Column& src = raw_.column(static_cast<size_t>(p.raw));
        dst.int64s().assign(src.int32s().begin(), src.int32s().end());
        dst.validity() = src.validity();
        break;
      }
      case Step::kDaysToNanos: {
        const Column& src = raw_.column(static_cast<size_t>(p.raw));
        std::vector<int64_t>& v = dst.int64s();
        v.resize(src.int32s().size());
        for (size_t r = 0; r < v.size(); ++r) {
          const int64_t d = src.int32s()[r];
          if (__builtin_mul_overflow(d, kNanosPerDay, &v[r])) {
            if (src.IsNull(r)) {
              v[r] = 0;
              continue;
            }
            return Status::InvalidArgument(where + ", column " + f.name + ", row " +
                                           std::to_string(first + static_cast<int64_t>(r) + 1) + ": DATE " +
                                           std::to_string(d) + " days is outside the storable timestamps");
          }
        }
        dst.validity() = src.validity();
        break;
      }
    }
    std::vector<uint8_t>& valid = dst.validity();
    if (!f.nullable && !valid.empty()) {
      for (size_t r = 0; r < valid.size(); ++r) {
        if (valid[r] == 0) {
          return Status::InvalidArgument(where + ", column " + f.name + ", row " +
                                         std::to_string(first + static_cast<int64_t>(r) + 1) + ": null, but " +
                                         (options_.table.empty() ? std::string("the table") : options_.table) +
                                         "'s column " + f.name + " is not nullable");
        }
      }
      valid.clear();
    }
    if (f.type == ColumnType::kTimestamp && f.unit != strata::TimeUnit::kNanos) {
      std::vector<int64_t>& ts = dst.int64s();
      for (size_t r = 0; r < ts.size(); ++r) {
        const int64_t whole = TruncateToUnit(ts[r], f.unit);
        if (whole == ts[r]) continue;
        if (!options_.truncate_timestamps) {
          return Status::InvalidArgument(where + ", column " + f.name + ", row " +
                                         std::to_string(first + static_cast<int64_t>(r) + 1) + ": " +
                                         FormatTimestamp(ts[r]) + " is finer than the column's " + FieldTypeName(f) +
                                         " (--truncate-timestamps rounds it down)");
        }
        ts[r] = whole;
      }
    }
    if (IsFloating(f.type) && !options_.allow_nan) {
      const std::vector<double>& d = dst.doubles();
      for (size_t r = 0; r < d.size(); ++r) {
        if (!std::isfinite(d[r]) && (valid.empty() || valid[r] != 0)) {
          return Status::InvalidArgument(
              where + ", column " + f.name + ", row " + std::to_string(first + static_cast<int64_t>(r) + 1) + ": " +
              (std::isnan(d[r]) ? "NaN" : "an infinite value") + " (--allow-nan stores such values)");
        }
      }
    }
    RETURN_IF_ERROR(dst.SetSizeFromStorage().WithContext(where + ", column " + f.name));
  }
  st = out->ValidateAgainst(schema_);
  if (!st.ok()) {
    return Status(st.code(), where + " (file rows " + std::to_string(first + 1) + "..): " + st.message());
  }
  return Status::OK();
}

}  // namespace strata::parquet
