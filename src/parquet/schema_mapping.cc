#include "parquet/schema_mapping.h"

namespace strata::parquet {
namespace {

using LK = LogicalType::Kind;

// Fills type/conversion of a flat leaf; returns an error text for types we cannot read.
std::string MapLeaf(const SchemaElement& e, ColumnInfo* c) {
  c->physical = *e.type;
  c->type_length = e.type_length.value_or(0);
  bool decimal = HasLogical(e, LK::kDecimal) || HasConverted(e, ConvertedType::kDecimal);
  if (decimal) {
    c->decimal_scale = HasLogical(e, LK::kDecimal) ? e.logical_type->decimal_scale : e.scale.value_or(0);
  }
  switch (*e.type) {
    case Type::kBoolean: c->field.type = ColumnType::kBool; break;
    case Type::kInt32:
      if (decimal) {
        c->field.type = ColumnType::kFloat64;
        c->conversion = Conversion::kDecimalToDouble;
      } else if (HasConverted(e, ConvertedType::kUint32) ||
                 (HasLogical(e, LK::kInteger) && !e.logical_type->is_signed && e.logical_type->bit_width == 32)) {
        c->field.type = ColumnType::kInt64;
        c->conversion = Conversion::kUint32ToInt64;
      } else {
        c->field.type = ColumnType::kInt32;
      }
      break;
    case Type::kInt64:
      if (decimal) {
        c->field.type = ColumnType::kFloat64;
        c->conversion = Conversion::kDecimalToDouble;
      } else if (HasLogical(e, LK::kTimestamp)) {
        c->field.type = ColumnType::kTimestamp;
        TimeUnit u = e.logical_type->unit;
        c->conversion = u == TimeUnit::kMillis   ? Conversion::kMillisToNanos
                        : u == TimeUnit::kMicros ? Conversion::kMicrosToNanos
                                                 : Conversion::kNone;
      } else if (HasConverted(e, ConvertedType::kTimestampMillis)) {
        c->field.type = ColumnType::kTimestamp;
        c->conversion = Conversion::kMillisToNanos;
      } else if (HasConverted(e, ConvertedType::kTimestampMicros)) {
        c->field.type = ColumnType::kTimestamp;
        c->conversion = Conversion::kMicrosToNanos;
      } else {
        c->field.type = ColumnType::kInt64;
      }
      break;
    case Type::kInt96:
      c->field.type = ColumnType::kTimestamp;
      c->conversion = Conversion::kInt96ToNanos;
      break;
    case Type::kFloat:
      c->field.type = ColumnType::kFloat64;
      c->conversion = Conversion::kFloatToDouble;
      break;
    case Type::kDouble: c->field.type = ColumnType::kFloat64; break;
    case Type::kByteArray:
      if (decimal) {
        c->field.type = ColumnType::kFloat64;
        c->conversion = Conversion::kDecimalToDouble;
      } else {
        c->field.type = ColumnType::kString;
      }
      break;
    case Type::kFixedLenByteArray:
      if (c->type_length <= 0) return "FIXED_LEN_BYTE_ARRAY column without a positive type_length";
      if (decimal) {
        c->field.type = ColumnType::kFloat64;
        c->conversion = Conversion::kDecimalToDouble;
      } else if (HasLogical(e, LK::kFloat16)) {
        if (c->type_length != 2) return "FLOAT16 column with type_length " + std::to_string(c->type_length);
        c->field.type = ColumnType::kFloat64;
        c->conversion = Conversion::kFloat16ToDouble;
      } else {
        c->field.type = ColumnType::kString;
      }
      break;
    default: return "unsupported physical type " + TypeName(*e.type);
  }
  if (decimal && (c->decimal_scale < 0 || c->decimal_scale > 76)) {
    return "decimal scale " + std::to_string(c->decimal_scale) + " out of range";
  }
  return "";
}

// Applies our stored field list when it matches the file's columns one for one.
void ApplyStrataSchema(const FileMetaData& md, std::vector<ColumnInfo>* columns) {
  for (const KeyValue& kv : md.key_value_metadata) {
    if (kv.key != kStrataSchemaKey || !kv.value) continue;
    auto fields = ParseFields(*kv.value);
    if (!fields.ok() || fields->size() != columns->size()) return;
    for (size_t i = 0; i < columns->size(); ++i) {
      const Field& f = (*fields)[i];
      const ColumnInfo& c = (*columns)[i];
      if (!c.unsupported.empty() || f.name != c.field.name || PhysicalType(f.type) != c.physical) return;
      if (f.nullable != (c.max_def_level > 0)) return;
    }
    for (size_t i = 0; i < columns->size(); ++i) {
      ColumnInfo& c = (*columns)[i];
      ColumnType t = (*fields)[i].type;
      // Only refinements that keep the stored values' meaning: string <-> symbol, FLOAT as f32,
      // and a timestamp's precision where the file stores that unit.
      if (IsStringLike(t) && IsStringLike(c.field.type)) c.field.type = t;
      if (t == ColumnType::kFloat32 && c.conversion == Conversion::kFloatToDouble) c.field.type = t;
      if (t == ColumnType::kTimestamp && c.field.type == ColumnType::kTimestamp) {
        const strata::TimeUnit u = (*fields)[i].unit;
        if ((u == strata::TimeUnit::kMicros && c.conversion == Conversion::kMicrosToNanos) ||
            (u == strata::TimeUnit::kMillis && c.conversion == Conversion::kMillisToNanos)) {
          c.field.unit = u;
        }
      }
    }
    return;
  }
}

}  // namespace

Type PhysicalType(ColumnType type) {
  switch (type) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: return Type::kInt64;
    case ColumnType::kInt32: return Type::kInt32;
    case ColumnType::kFloat64: return Type::kDouble;
    case ColumnType::kFloat32: return Type::kFloat;
    case ColumnType::kBool: return Type::kBoolean;
    case ColumnType::kSymbol:
    case ColumnType::kString: return Type::kByteArray;
  }
  return Type::kByteArray;
}

Result<std::vector<ColumnInfo>> MapFileSchema(const FileMetaData& md) {
  if (md.schema.empty()) return Status::Corruption("schema has no root element");
  const SchemaElement& root = md.schema[0];
  int64_t children = root.num_children.value_or(0);
  if (children < 0 || static_cast<uint64_t>(children) > md.schema.size()) {
    return Status::Corruption("schema root claims " + std::to_string(children) + " children");
  }
  std::vector<ColumnInfo> columns;
  size_t pos = 1;
  int leaf = 0;
  for (int64_t i = 0; i < children; ++i) {
    if (pos >= md.schema.size()) return Status::Corruption("schema ends before its root's children do");
    const SchemaElement& e = md.schema[pos];
    ColumnInfo c;
    c.field.name = e.name;
    c.field.type = ColumnType::kString;
    c.leaf_index = leaf;
    c.schema_index = static_cast<int>(pos);
    Repetition rep = e.repetition.value_or(Repetition::kOptional);
    c.field.nullable = rep != Repetition::kRequired;
    c.max_def_level = c.field.nullable ? 1 : 0;
    if (e.num_children.has_value() || !e.type.has_value()) {
      // A group: walk its subtree to count its leaves. Iterative, so depth cannot hurt.
      int64_t pending = 1;
      c.leaf_count = 0;
      while (pending > 0) {
        if (pos >= md.schema.size()) return Status::Corruption("schema ends inside group '" + e.name + "'");
        const SchemaElement& n = md.schema[pos++];
        --pending;
        if (n.num_children.has_value()) {
          if (*n.num_children < 0 || static_cast<uint64_t>(*n.num_children) > md.schema.size()) {
            return Status::Corruption("schema group '" + n.name + "' claims " + std::to_string(*n.num_children) +
                                      " children");
          }
          pending += *n.num_children;
        } else if (!n.type.has_value()) {
          return Status::Corruption("schema leaf '" + n.name + "' has no type");
        } else {
          ++c.leaf_count;
        }
      }
      c.unsupported = "unsupported nested column " + e.name;
    } else {
      ++pos;
      if (rep == Repetition::kRequired || rep == Repetition::kOptional) {
        c.unsupported = MapLeaf(e, &c);
        if (!c.unsupported.empty()) c.unsupported = "column " + e.name + ": " + c.unsupported;
      } else {
        c.unsupported = "unsupported nested column " + e.name + " (repeated)";
      }
    }
    leaf += c.leaf_count;
    columns.push_back(std::move(c));
  }
  if (pos != md.schema.size()) {
    return Status::Corruption("schema has " + std::to_string(md.schema.size() - pos) +
                              " elements outside the root's children");
  }
  ApplyStrataSchema(md, &columns);
  return columns;
}

std::vector<SchemaElement> ToParquetSchema(const std::vector<Field>& fields, bool timestamp_adjusted_to_utc) {
  std::vector<SchemaElement> out;
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(fields.size());
  out.push_back(root);
  for (const Field& f : fields) {
    SchemaElement e;
    e.name = f.name;
    e.type = PhysicalType(f.type);
    e.repetition = f.nullable ? Repetition::kOptional : Repetition::kRequired;
    if (f.type == ColumnType::kTimestamp) {
      LogicalType lt;
      lt.kind = LK::kTimestamp;
      lt.is_adjusted_to_utc = timestamp_adjusted_to_utc;
      lt.unit = f.unit == strata::TimeUnit::kMillis   ? TimeUnit::kMillis
                : f.unit == strata::TimeUnit::kMicros ? TimeUnit::kMicros
                                                      : TimeUnit::kNanos;
      // No ConvertedType: TIMESTAMP_MILLIS/MICROS mean UTC-adjusted, and none exists for nanoseconds.
      e.logical_type = lt;
    } else if (IsStringLike(f.type)) {
      LogicalType lt;
      lt.kind = LK::kString;
      e.logical_type = lt;
      e.converted_type = ConvertedType::kUtf8;
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<Field>> ParseFields(std::string_view text) {
  std::vector<Field> fields;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Status::InvalidArgument("field '" + std::string(item) + "' is not name:type");
    }
    Field f;
    f.name = std::string(item.substr(0, colon));
    std::string_view type = item.substr(colon + 1);
    if (!type.empty() && type.back() == '?') {
      f.nullable = true;
      type.remove_suffix(1);
    }
    RETURN_IF_ERROR(ParseFieldType(type, &f));
    fields.push_back(std::move(f));
  }
  return fields;
}

}  // namespace strata::parquet
