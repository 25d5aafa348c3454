// Compact-protocol encoders of the Parquet structures in format.h, and enum names.
#include "parquet/format.h"
#include "parquet/thrift_compact.h"

namespace strata::parquet {
namespace {

int32_t I(auto e) { return static_cast<int32_t>(e); }

void WriteStatistics(CompactWriter& w, const Statistics& s) {
  w.BeginStruct();
  if (s.max) w.FieldBinary(1, *s.max);
  if (s.min) w.FieldBinary(2, *s.min);
  if (s.null_count) w.FieldI64(3, *s.null_count);
  if (s.distinct_count) w.FieldI64(4, *s.distinct_count);
  if (s.max_value) w.FieldBinary(5, *s.max_value);
  if (s.min_value) w.FieldBinary(6, *s.min_value);
  if (s.is_max_value_exact) w.FieldBool(7, *s.is_max_value_exact);
  if (s.is_min_value_exact) w.FieldBool(8, *s.is_min_value_exact);
  if (s.nan_count) w.FieldI64(9, *s.nan_count);
  w.EndStruct();
}

void WriteEmptyStructField(CompactWriter& w, int16_t id) {
  w.FieldStruct(id);
  w.BeginStruct();
  w.EndStruct();
}

void WriteLogicalType(CompactWriter& w, const LogicalType& lt) {
  w.BeginStruct();
  auto id = static_cast<int16_t>(lt.kind);
  switch (lt.kind) {
    case LogicalType::Kind::kTime:
    case LogicalType::Kind::kTimestamp:
      w.FieldStruct(id);
      w.BeginStruct();
      w.FieldBool(1, lt.is_adjusted_to_utc);
      w.FieldStruct(2);
      w.BeginStruct();
      WriteEmptyStructField(w, static_cast<int16_t>(lt.unit));
      w.EndStruct();
      w.EndStruct();
      break;
    case LogicalType::Kind::kDecimal:
      w.FieldStruct(id);
      w.BeginStruct();
      w.FieldI32(1, lt.decimal_scale);
      w.FieldI32(2, lt.decimal_precision);
      w.EndStruct();
      break;
    case LogicalType::Kind::kInteger:
      w.FieldStruct(id);
      w.BeginStruct();
      w.FieldI32(1, lt.bit_width);  // an i8 on the wire: a one-byte varint for every legal width
      w.FieldBool(2, lt.is_signed);
      w.EndStruct();
      break;
    case LogicalType::Kind::kOther: break;  // nothing we could write faithfully
    default: WriteEmptyStructField(w, id);
  }
  w.EndStruct();
}

void WriteSchemaElement(CompactWriter& w, const SchemaElement& e) {
  w.BeginStruct();
  if (e.type) w.FieldI32(1, I(*e.type));
  if (e.type_length) w.FieldI32(2, *e.type_length);
  if (e.repetition) w.FieldI32(3, I(*e.repetition));
  w.FieldBinary(4, e.name);
  if (e.num_children) w.FieldI32(5, *e.num_children);
  if (e.converted_type) w.FieldI32(6, I(*e.converted_type));
  if (e.scale) w.FieldI32(7, *e.scale);
  if (e.precision) w.FieldI32(8, *e.precision);
  if (e.field_id) w.FieldI32(9, *e.field_id);
  if (e.logical_type && e.logical_type->kind != LogicalType::Kind::kOther) {
    w.FieldStruct(10);
    WriteLogicalType(w, *e.logical_type);
  }
  w.EndStruct();
}

void WriteKeyValues(CompactWriter& w, int16_t id, const std::vector<KeyValue>& kvs) {
  w.FieldList(id, ThriftType::kStruct, static_cast<uint32_t>(kvs.size()));
  for (const KeyValue& kv : kvs) {
    w.BeginStruct();
    w.FieldBinary(1, kv.key);
    if (kv.value) w.FieldBinary(2, *kv.value);
    w.EndStruct();
  }
}

void WriteColumnMetaData(CompactWriter& w, const ColumnMetaData& m) {
  w.BeginStruct();
  w.FieldI32(1, I(m.type));
  w.FieldList(2, ThriftType::kI32, static_cast<uint32_t>(m.encodings.size()));
  for (Encoding e : m.encodings) w.ElemI32(I(e));
  w.FieldList(3, ThriftType::kBinary, static_cast<uint32_t>(m.path_in_schema.size()));
  for (const std::string& p : m.path_in_schema) w.ElemBinary(p);
  w.FieldI32(4, I(m.codec));
  w.FieldI64(5, m.num_values);
  w.FieldI64(6, m.total_uncompressed_size);
  w.FieldI64(7, m.total_compressed_size);
  if (!m.key_value_metadata.empty()) WriteKeyValues(w, 8, m.key_value_metadata);
  w.FieldI64(9, m.data_page_offset);
  if (m.index_page_offset) w.FieldI64(10, *m.index_page_offset);
  if (m.dictionary_page_offset) w.FieldI64(11, *m.dictionary_page_offset);
  if (m.statistics) {
    w.FieldStruct(12);
    WriteStatistics(w, *m.statistics);
  }
  if (!m.encoding_stats.empty()) {
    w.FieldList(13, ThriftType::kStruct, static_cast<uint32_t>(m.encoding_stats.size()));
    for (const PageEncodingStats& s : m.encoding_stats) {
      w.BeginStruct();
      w.FieldI32(1, I(s.page_type));
      w.FieldI32(2, I(s.encoding));
      w.FieldI32(3, s.count);
      w.EndStruct();
    }
  }
  if (m.bloom_filter_offset) w.FieldI64(14, *m.bloom_filter_offset);
  if (m.bloom_filter_length) w.FieldI32(15, *m.bloom_filter_length);
  w.EndStruct();
}

void WriteColumnChunk(CompactWriter& w, const ColumnChunk& c) {
  w.BeginStruct();
  if (c.file_path) w.FieldBinary(1, *c.file_path);
  w.FieldI64(2, c.file_offset);
  if (c.meta_data) {
    w.FieldStruct(3);
    WriteColumnMetaData(w, *c.meta_data);
  }
  if (c.offset_index_offset) w.FieldI64(4, *c.offset_index_offset);
  if (c.offset_index_length) w.FieldI32(5, *c.offset_index_length);
  if (c.column_index_offset) w.FieldI64(6, *c.column_index_offset);
  if (c.column_index_length) w.FieldI32(7, *c.column_index_length);
  if (c.crypto_metadata) {
    const ColumnCryptoMetaData& m = *c.crypto_metadata;
    w.FieldStruct(8);
    w.BeginStruct();
    if (m.with_footer_key) {
      WriteEmptyStructField(w, 1);
    } else {
      w.FieldStruct(2);
      w.BeginStruct();
      w.FieldList(1, ThriftType::kBinary, static_cast<uint32_t>(m.path_in_schema.size()));
      for (const std::string& p : m.path_in_schema) w.ElemBinary(p);
      if (m.key_metadata) w.FieldBinary(2, *m.key_metadata);
      w.EndStruct();
    }
    w.EndStruct();
  }
  if (c.encrypted_column_metadata) w.FieldBinary(9, *c.encrypted_column_metadata);
  w.EndStruct();
}

void WriteRowGroup(CompactWriter& w, const RowGroup& g) {
  w.BeginStruct();
  w.FieldList(1, ThriftType::kStruct, static_cast<uint32_t>(g.columns.size()));
  for (const ColumnChunk& c : g.columns) WriteColumnChunk(w, c);
  w.FieldI64(2, g.total_byte_size);
  w.FieldI64(3, g.num_rows);
  if (!g.sorting_columns.empty()) {
    w.FieldList(4, ThriftType::kStruct, static_cast<uint32_t>(g.sorting_columns.size()));
    for (const SortingColumn& s : g.sorting_columns) {
      w.BeginStruct();
      w.FieldI32(1, s.column_idx);
      w.FieldBool(2, s.descending);
      w.FieldBool(3, s.nulls_first);
      w.EndStruct();
    }
  }
  if (g.file_offset) w.FieldI64(5, *g.file_offset);
  if (g.total_compressed_size) w.FieldI64(6, *g.total_compressed_size);
  if (g.ordinal) w.FieldI32(7, *g.ordinal);  // i16 on the wire: same zigzag varint
  w.EndStruct();
}

}  // namespace

void EncodeFileMetaData(const FileMetaData& f, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, f.version);
  w.FieldList(2, ThriftType::kStruct, static_cast<uint32_t>(f.schema.size()));
  for (const SchemaElement& e : f.schema) WriteSchemaElement(w, e);
  w.FieldI64(3, f.num_rows);
  w.FieldList(4, ThriftType::kStruct, static_cast<uint32_t>(f.row_groups.size()));
  for (const RowGroup& g : f.row_groups) WriteRowGroup(w, g);
  if (!f.key_value_metadata.empty()) WriteKeyValues(w, 5, f.key_value_metadata);
  if (f.created_by) w.FieldBinary(6, *f.created_by);
  if (!f.column_orders.empty()) {
    w.FieldList(7, ThriftType::kStruct, static_cast<uint32_t>(f.column_orders.size()));
    for (const ColumnOrder& o : f.column_orders) {
      w.BeginStruct();
      if (o.kind != ColumnOrder::Kind::kOther) WriteEmptyStructField(w, static_cast<int16_t>(o.kind));
      w.EndStruct();
    }
  }
  w.EndStruct();
}

void EncodeFileCryptoMetaData(const FileCryptoMetaData& v, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldStruct(1);
  w.BeginStruct();  // the EncryptionAlgorithm union
  const EncryptionAlgorithm& a = v.encryption_algorithm;
  if (a.kind != EncryptionAlgorithm::Kind::kOther) {
    w.FieldStruct(static_cast<int16_t>(a.kind));
    w.BeginStruct();
    if (a.aad_prefix) w.FieldBinary(1, *a.aad_prefix);
    if (a.aad_file_unique) w.FieldBinary(2, *a.aad_file_unique);
    if (a.supply_aad_prefix) w.FieldBool(3, *a.supply_aad_prefix);
    w.EndStruct();
  }
  w.EndStruct();
  if (v.key_metadata) w.FieldBinary(2, *v.key_metadata);
  w.EndStruct();
}

void EncodePageHeader(const PageHeader& h, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, I(h.type));
  w.FieldI32(2, h.uncompressed_page_size);
  w.FieldI32(3, h.compressed_page_size);
  if (h.crc) w.FieldI32(4, *h.crc);
  if (h.data_page_header) {
    const DataPageHeader& d = *h.data_page_header;
    w.FieldStruct(5);
    w.BeginStruct();
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, I(d.encoding));
    w.FieldI32(3, I(d.definition_level_encoding));
    w.FieldI32(4, I(d.repetition_level_encoding));
    if (d.statistics) {
      w.FieldStruct(5);
      WriteStatistics(w, *d.statistics);
    }
    w.EndStruct();
  }
  if (h.dictionary_page_header) {
    const DictionaryPageHeader& d = *h.dictionary_page_header;
    w.FieldStruct(7);
    w.BeginStruct();
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, I(d.encoding));
    if (d.is_sorted) w.FieldBool(3, *d.is_sorted);
    w.EndStruct();
  }
  if (h.data_page_header_v2) {
    const DataPageHeaderV2& d = *h.data_page_header_v2;
    w.FieldStruct(8);
    w.BeginStruct();
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, d.num_nulls);
    w.FieldI32(3, d.num_rows);
    w.FieldI32(4, I(d.encoding));
    w.FieldI32(5, d.definition_levels_byte_length);
    w.FieldI32(6, d.repetition_levels_byte_length);
    w.FieldBool(7, d.is_compressed);
    if (d.statistics) {
      w.FieldStruct(8);
      WriteStatistics(w, *d.statistics);
    }
    w.EndStruct();
  }
  w.EndStruct();
}

void EncodeColumnIndex(const ColumnIndex& c, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldList(1, ThriftType::kBoolTrue, static_cast<uint32_t>(c.null_pages.size()));
  for (bool b : c.null_pages) w.ElemBool(b);
  w.FieldList(2, ThriftType::kBinary, static_cast<uint32_t>(c.min_values.size()));
  for (const std::string& v : c.min_values) w.ElemBinary(v);
  w.FieldList(3, ThriftType::kBinary, static_cast<uint32_t>(c.max_values.size()));
  for (const std::string& v : c.max_values) w.ElemBinary(v);
  w.FieldI32(4, I(c.boundary_order));
  if (c.null_counts) {
    w.FieldList(5, ThriftType::kI64, static_cast<uint32_t>(c.null_counts->size()));
    for (int64_t v : *c.null_counts) w.ElemI64(v);
  }
  if (c.nan_counts) {
    w.FieldList(8, ThriftType::kI64, static_cast<uint32_t>(c.nan_counts->size()));
    for (int64_t v : *c.nan_counts) w.ElemI64(v);
  }
  w.EndStruct();
}

void EncodeOffsetIndex(const OffsetIndex& o, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldList(1, ThriftType::kStruct, static_cast<uint32_t>(o.page_locations.size()));
  for (const PageLocation& p : o.page_locations) {
    w.BeginStruct();
    w.FieldI64(1, p.offset);
    w.FieldI32(2, p.compressed_page_size);
    w.FieldI64(3, p.first_row_index);
    w.EndStruct();
  }
  if (!o.unencoded_byte_array_data_bytes.empty()) {
    w.FieldList(2, ThriftType::kI64, static_cast<uint32_t>(o.unencoded_byte_array_data_bytes.size()));
    for (int64_t v : o.unencoded_byte_array_data_bytes) w.ElemI64(v);
  }
  w.EndStruct();
}

std::string EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kPlain: return "PLAIN";
    case Encoding::kPlainDictionary: return "PLAIN_DICTIONARY";
    case Encoding::kRle: return "RLE";
    case Encoding::kBitPacked: return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked: return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray: return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary: return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit: return "BYTE_STREAM_SPLIT";
  }
  return "encoding " + std::to_string(I(e));
}

std::string CodecName(CompressionCodec c) {
  switch (c) {
    case CompressionCodec::kUncompressed: return "UNCOMPRESSED";
    case CompressionCodec::kSnappy: return "SNAPPY";
    case CompressionCodec::kGzip: return "GZIP";
    case CompressionCodec::kLzo: return "LZO";
    case CompressionCodec::kBrotli: return "BROTLI";
    case CompressionCodec::kLz4: return "LZ4";
    case CompressionCodec::kZstd: return "ZSTD";
    case CompressionCodec::kLz4Raw: return "LZ4_RAW";
  }
  return "codec " + std::to_string(I(c));
}

std::string TypeName(Type t) {
  switch (t) {
    case Type::kBoolean: return "BOOLEAN";
    case Type::kInt32: return "INT32";
    case Type::kInt64: return "INT64";
    case Type::kInt96: return "INT96";
    case Type::kFloat: return "FLOAT";
    case Type::kDouble: return "DOUBLE";
    case Type::kByteArray: return "BYTE_ARRAY";
    case Type::kFixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY";
  }
  return "type " + std::to_string(I(t));
}

std::string PageTypeName(PageType t) {
  switch (t) {
    case PageType::kDataPage: return "DATA_PAGE";
    case PageType::kIndexPage: return "INDEX_PAGE";
    case PageType::kDictionaryPage: return "DICTIONARY_PAGE";
    case PageType::kDataPageV2: return "DATA_PAGE_V2";
  }
  return "page type " + std::to_string(I(t));
}

}  // namespace strata::parquet
