#include "parquet/inspect.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "parquet/statistics.h"
#include "strata/timestamp.h"

namespace strata::parquet {

std::string LogicalName(const SchemaElement& e) {
  if (e.logical_type) {
    const LogicalType& l = *e.logical_type;
    auto unit = [&] {
      return l.unit == TimeUnit::kMillis ? "MILLIS" : l.unit == TimeUnit::kMicros ? "MICROS" : "NANOS";
    };
    switch (l.kind) {
      case LogicalType::Kind::kString: return "STRING";
      case LogicalType::Kind::kMap: return "MAP";
      case LogicalType::Kind::kList: return "LIST";
      case LogicalType::Kind::kEnum: return "ENUM";
      case LogicalType::Kind::kDecimal:
        return "DECIMAL(" + std::to_string(l.decimal_precision) + "," + std::to_string(l.decimal_scale) + ")";
      case LogicalType::Kind::kDate: return "DATE";
      case LogicalType::Kind::kTime: return std::string("TIME(") + unit() + (l.is_adjusted_to_utc ? ",UTC)" : ")");
      case LogicalType::Kind::kTimestamp:
        return std::string("TIMESTAMP(") + unit() + (l.is_adjusted_to_utc ? ",UTC)" : ")");
      case LogicalType::Kind::kInteger:
        return std::string(l.is_signed ? "INT(" : "UINT(") + std::to_string(l.bit_width) + ")";
      case LogicalType::Kind::kUnknown: return "NULL";
      case LogicalType::Kind::kJson: return "JSON";
      case LogicalType::Kind::kBson: return "BSON";
      case LogicalType::Kind::kUuid: return "UUID";
      case LogicalType::Kind::kFloat16: return "FLOAT16";
      case LogicalType::Kind::kOther: return "OTHER";
    }
  }
  if (!e.converted_type) return "";
  static const char* const kNames[] = {"UTF8",
                                       "MAP",
                                       "MAP_KEY_VALUE",
                                       "LIST",
                                       "ENUM",
                                       "DECIMAL",
                                       "DATE",
                                       "TIME_MILLIS",
                                       "TIME_MICROS",
                                       "TIMESTAMP_MILLIS",
                                       "TIMESTAMP_MICROS",
                                       "UINT_8",
                                       "UINT_16",
                                       "UINT_32",
                                       "UINT_64",
                                       "INT_8",
                                       "INT_16",
                                       "INT_32",
                                       "INT_64",
                                       "JSON",
                                       "BSON",
                                       "INTERVAL"};
  auto c = static_cast<size_t>(*e.converted_type);
  if (c >= std::size(kNames)) return "converted type " + std::to_string(c);
  if (*e.converted_type == ConvertedType::kDecimal) {
    return "DECIMAL(" + std::to_string(e.precision.value_or(0)) + "," + std::to_string(e.scale.value_or(0)) + ")";
  }
  return kNames[c];
}

namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < 40; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 40) out += "...";
  return out + "\"";
}

template <typename T>
bool Load(std::string_view bytes, T* v) {
  if (bytes.size() != sizeof(T)) return false;
  std::memcpy(v, bytes.data(), sizeof(T));
  return true;
}

// A statistic in the column's own terms.
std::string FormatStat(const ColumnInfo& c, Type physical, std::string_view bytes) {
  char buf[32];
  switch (physical) {
    case Type::kBoolean: return bytes.size() == 1 ? (bytes[0] ? "true" : "false") : "?";
    case Type::kInt32: {
      int32_t v;
      return Load(bytes, &v) ? std::to_string(v) : "?";
    }
    case Type::kInt64: {
      int64_t v, ns;
      if (!Load(bytes, &v)) return "?";
      int64_t scale = c.conversion == Conversion::kMillisToNanos   ? 1000000
                      : c.conversion == Conversion::kMicrosToNanos ? 1000
                                                                   : 1;
      if (c.field.type == ColumnType::kTimestamp && !__builtin_mul_overflow(v, scale, &ns)) return FormatTimestamp(ns);
      return std::to_string(v);
    }
    case Type::kFloat: {
      float v;
      if (!Load(bytes, &v)) return "?";
      std::snprintf(buf, sizeof buf, "%.9g", v);
      return buf;
    }
    case Type::kDouble: {
      double v;
      if (!Load(bytes, &v)) return "?";
      std::snprintf(buf, sizeof buf, "%.17g", v);
      return buf;
    }
    default: return Quote(bytes);
  }
}

void Appendf(std::string* out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void Appendf(std::string* out, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) out->append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

}  // namespace

void InspectParquet(const ParquetReader& reader, std::string* out) {
  const FileMetaData& md = reader.metadata();
  Appendf(out, "file: %s\n", reader.name().c_str());
  Appendf(out, "size: %" PRIu64 " bytes\n", reader.file_size());
  Appendf(out, "created by: %s\n", md.created_by.value_or("(unknown)").c_str());
  Appendf(out, "format version: %d\n", md.version);
  Appendf(out, "rows: %" PRId64 "\n", reader.num_rows());
  Appendf(out, "row groups: %d\n", reader.num_row_groups());

  out->append("schema:\n");
  const auto& columns = reader.columns();
  for (const ColumnInfo& c : columns) {
    const SchemaElement* e = nullptr;
    // The column's element: count leaves to find it (groups span several).
    int leaf = 0;
    for (size_t i = 1; i < md.schema.size(); ++i) {
      if (md.schema[i].name == c.field.name && !md.schema[i].num_children && leaf == c.leaf_index) {
        e = &md.schema[i];
        break;
      }
      if (!md.schema[i].num_children) ++leaf;
    }
    if (!c.unsupported.empty() || e == nullptr) {
      Appendf(out, "  %-24s %s\n", c.field.name.c_str(), c.unsupported.empty() ? "group" : c.unsupported.c_str());
      continue;
    }
    std::string physical = TypeName(*e->type);
    if (e->type == Type::kFixedLenByteArray) physical += "(" + std::to_string(e->type_length.value_or(0)) + ")";
    Appendf(out, "  %-24s %-8s %-22s %-24s -> %s%s\n", c.field.name.c_str(),
            e->repetition == Repetition::kRequired ? "required" : "optional", physical.c_str(), LogicalName(*e).c_str(),
            std::string(ColumnTypeName(c.field.type)).c_str(), c.field.nullable ? "?" : "");
  }
  if (!md.key_value_metadata.empty()) {
    out->append("key-value metadata:\n");
    for (const KeyValue& kv : md.key_value_metadata) {
      std::string v = kv.value.value_or("");
      if (v.size() > 200) v = v.substr(0, 200) + "... (" + std::to_string(kv.value->size()) + " bytes)";
      Appendf(out, "  %s = %s\n", kv.key.c_str(), v.c_str());
    }
  }
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    const RowGroup& rg = md.row_groups[g];
    Appendf(out, "row group %d: %" PRId64 " rows, %" PRId64 " bytes uncompressed", g, rg.num_rows, rg.total_byte_size);
    if (rg.total_compressed_size) Appendf(out, ", %" PRId64 " compressed", *rg.total_compressed_size);
    out->append("\n");
    for (const ColumnInfo& c : columns) {
      for (int l = c.leaf_index; l < c.leaf_index + c.leaf_count && l < static_cast<int>(rg.columns.size()); ++l) {
        const ColumnChunk& cc = rg.columns[l];
        if (!cc.meta_data) {
          Appendf(out, "  %-24s (no metadata)\n", c.field.name.c_str());
          continue;
        }
        const ColumnMetaData& m = *cc.meta_data;
        std::string path;
        for (const std::string& p : m.path_in_schema) path += (path.empty() ? "" : ".") + p;
        std::string encodings;
        for (Encoding e : m.encodings) encodings += (encodings.empty() ? "" : ",") + EncodingName(e);
        Appendf(out, "  %-24s %-7s %-40s %10" PRId64 " -> %10" PRId64 " bytes", path.c_str(),
                CodecName(m.codec).c_str(), encodings.c_str(), m.total_uncompressed_size, m.total_compressed_size);
        if (m.total_uncompressed_size > 0) {
          Appendf(out, " (%.1f%%)", 100.0 * m.total_compressed_size / m.total_uncompressed_size);
        }
        out->append("\n");
        if (m.statistics) {
          const Statistics& s = *m.statistics;
          const std::optional<std::string>& lo = s.min_value ? s.min_value : s.min;
          const std::optional<std::string>& hi = s.max_value ? s.max_value : s.max;
          out->append("      stats:");
          if (lo && hi && c.unsupported.empty()) {
            Appendf(out, " min %s max %s", FormatStat(c, m.type, *lo).c_str(), FormatStat(c, m.type, *hi).c_str());
          }
          if (s.null_count) Appendf(out, " nulls %" PRId64, *s.null_count);
          if (s.nan_count) Appendf(out, " NaNs %" PRId64, *s.nan_count);
          if (s.distinct_count) Appendf(out, " distinct %" PRId64, *s.distinct_count);
          out->append("\n");
        }
        if (cc.offset_index_offset || cc.column_index_offset) {
          Appendf(out, "      page index:%s%s\n", cc.column_index_offset ? " column index" : "",
                  cc.offset_index_offset ? " offset index" : "");
        }
      }
    }
  }
}

Status InspectParquet(FileSystem* fs, const std::string& path, std::string* out_text) {
  ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(fs, path));
  InspectParquet(*reader, out_text);
  return Status::OK();
}

}  // namespace strata::parquet
