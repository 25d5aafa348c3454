// Compact-protocol decoders of the Parquet structures in format.h.
#include <initializer_list>
#include <optional>
#include <utility>

#include "parquet/format.h"
#include "parquet/thrift_compact.h"

namespace strata::parquet {
namespace {

// Lists are reserved up to this many elements; longer ones grow as they are actually parsed, so
// a hostile count cannot make us allocate ahead of the bytes.
constexpr uint32_t kMaxReserve = 1024;

using Required = std::initializer_list<std::pair<int, const char*>>;

// Fails the reader when a required field (by id) was not seen.
void CheckRequired(CompactReader& r, uint64_t seen, const char* struct_name, Required required) {
  for (const auto& [id, name] : required) {
    if ((seen & (uint64_t{1} << id)) == 0) {
      r.Fail(std::string(struct_name) + " lacks required field " + name);
      return;
    }
  }
}

uint64_t Bit(int16_t id) { return id >= 0 && id < 64 ? uint64_t{1} << id : 0; }

// False (and the value skipped) when a field or element that should be a struct is not.
bool ExpectStruct(CompactReader& r, ThriftType t) {
  if (t == ThriftType::kStruct) return true;
  r.Skip(t);
  return false;
}

template <typename T, typename ReadOne>
void ReadList(CompactReader& r, ThriftType t, std::vector<T>* out, ReadOne read_one) {
  ThriftType et;
  uint32_t n = r.ReadListBegin(t, &et);
  out->clear();
  out->reserve(std::min(n, kMaxReserve));
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    out->emplace_back();
    read_one(et, &out->back());
  }
}

template <typename T>
void ReadStructList(CompactReader& r, ThriftType t, std::vector<T>* out, void (*read)(CompactReader&, T*)) {
  ReadList(r, t, out, [&](ThriftType et, T* v) {
    if (ExpectStruct(r, et)) read(r, v);
  });
}

void ReadStringList(CompactReader& r, ThriftType t, std::vector<std::string>* out) {
  ReadList(r, t, out, [&](ThriftType et, std::string* v) { *v = r.ReadString(et); });
}

void ReadI64List(CompactReader& r, ThriftType t, std::vector<int64_t>* out) {
  ReadList(r, t, out, [&](ThriftType et, int64_t* v) { *v = r.ReadI64(et); });
}

// The one struct-reading loop: `field(id, type)` reads a field it knows and returns true, or
// returns false (the field is then skipped); afterwards a `required` field that was not seen
// fails the reader, naming `name` and the field. `field` is a lambda, so each struct's dispatch
// is inlined into this loop.
template <typename Field>
void ReadStruct(CompactReader& r, const char* name, Required required, Field&& field) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  const bool check = required.size() > 0;
  while (r.NextField(&id, &t)) {
    if (check) seen |= Bit(id);
    if (!field(id, t)) r.Skip(t);
  }
  r.EndStruct();
  if (check) CheckRequired(r, seen, name, required);
}

// An optional struct field: read into `*out` when it is a struct, skipped otherwise.
template <typename T>
bool ReadOptional(CompactReader& r, ThriftType t, std::optional<T>* out, void (*read)(CompactReader&, T*)) {
  if (ExpectStruct(r, t)) read(r, &out->emplace());
  return true;
}

void ReadStatistics(CompactReader& r, Statistics* s) {
  ReadStruct(r, "Statistics", {}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: s->max = r.ReadString(t); return true;
      case 2: s->min = r.ReadString(t); return true;
      case 3: s->null_count = r.ReadI64(t); return true;
      case 4: s->distinct_count = r.ReadI64(t); return true;
      case 5: s->max_value = r.ReadString(t); return true;
      case 6: s->min_value = r.ReadString(t); return true;
      case 7: s->is_max_value_exact = r.ReadBool(t); return true;
      case 8: s->is_min_value_exact = r.ReadBool(t); return true;
      case 9: s->nan_count = r.ReadI64(t); return true;
    }
    return false;
  });
}

// TimeUnit is a union of empty structs; the field id is the unit.
void ReadTimeUnit(CompactReader& r, TimeUnit* unit) {
  bool known = false;
  ReadStruct(r, "TimeUnit", {}, [&](int16_t id, ThriftType t) {
    if (id >= 1 && id <= 3 && t == ThriftType::kStruct) {
      *unit = static_cast<TimeUnit>(id);
      known = true;
    }
    return false;  // the member's (empty) struct is skipped
  });
  if (!known) r.Fail("TimeUnit has no known member");
}

void ReadTimeOrTimestamp(CompactReader& r, LogicalType* lt) {
  ReadStruct(r, "TimestampType", {{1, "isAdjustedToUTC"}, {2, "unit"}}, [&](int16_t id, ThriftType t) {
    if (id == 1) {
      lt->is_adjusted_to_utc = r.ReadBool(t);
      return true;
    }
    if (id == 2 && ExpectStruct(r, t)) ReadTimeUnit(r, &lt->unit);
    return id == 2;
  });
}

void ReadDecimalType(CompactReader& r, LogicalType* lt) {
  ReadStruct(r, "DecimalType", {}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: lt->decimal_scale = r.ReadI32(t); return true;
      case 2: lt->decimal_precision = r.ReadI32(t); return true;
    }
    return false;
  });
}

void ReadIntType(CompactReader& r, LogicalType* lt) {
  ReadStruct(r, "IntType", {}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: lt->bit_width = r.ReadI32(t); return true;
      case 2: lt->is_signed = r.ReadBool(t); return true;
    }
    return false;
  });
}

void ReadLogicalType(CompactReader& r, LogicalType* lt) {
  ReadStruct(r, "LogicalType", {}, [&](int16_t id, ThriftType t) {
    if (!ExpectStruct(r, t)) return true;  // skipped
    switch (id) {
      case 7:
      case 8:
        lt->kind = static_cast<LogicalType::Kind>(id);
        ReadTimeOrTimestamp(r, lt);
        return true;
      case 5:
        lt->kind = LogicalType::Kind::kDecimal;
        ReadDecimalType(r, lt);
        return true;
      case 10:
        lt->kind = LogicalType::Kind::kInteger;
        ReadIntType(r, lt);
        return true;
      case 1:
      case 2:
      case 3:
      case 4:
      case 6:
      case 11:
      case 12:
      case 13:
      case 14:
      case 15: lt->kind = static_cast<LogicalType::Kind>(id); return false;
      default: lt->kind = LogicalType::Kind::kOther; return false;
    }
  });
}

void ReadSchemaElement(CompactReader& r, SchemaElement* e) {
  ReadStruct(r, "SchemaElement", {{4, "name"}}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: e->type = static_cast<Type>(r.ReadI32(t)); return true;
      case 2: e->type_length = r.ReadI32(t); return true;
      case 3: e->repetition = static_cast<Repetition>(r.ReadI32(t)); return true;
      case 4: e->name = r.ReadString(t); return true;
      case 5: e->num_children = r.ReadI32(t); return true;
      case 6: e->converted_type = static_cast<ConvertedType>(r.ReadI32(t)); return true;
      case 7: e->scale = r.ReadI32(t); return true;
      case 8: e->precision = r.ReadI32(t); return true;
      case 9: e->field_id = r.ReadI32(t); return true;
      case 10: return ReadOptional(r, t, &e->logical_type, ReadLogicalType);
    }
    return false;
  });
}

void ReadKeyValue(CompactReader& r, KeyValue* kv) {
  ReadStruct(r, "KeyValue", {{1, "key"}}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: kv->key = r.ReadString(t); return true;
      case 2: kv->value = r.ReadString(t); return true;
    }
    return false;
  });
}

void ReadPageEncodingStats(CompactReader& r, PageEncodingStats* s) {
  ReadStruct(r, "PageEncodingStats", {}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: s->page_type = static_cast<PageType>(r.ReadI32(t)); return true;
      case 2: s->encoding = static_cast<Encoding>(r.ReadI32(t)); return true;
      case 3: s->count = r.ReadI32(t); return true;
    }
    return false;
  });
}

void ReadColumnMetaData(CompactReader& r, ColumnMetaData* m) {
  ReadStruct(r, "ColumnMetaData",
             {{1, "type"},
              {2, "encodings"},
              {3, "path_in_schema"},
              {4, "codec"},
              {5, "num_values"},
              {6, "total_uncompressed_size"},
              {7, "total_compressed_size"},
              {9, "data_page_offset"}},
             [&](int16_t id, ThriftType t) {
               switch (id) {
                 case 1: m->type = static_cast<Type>(r.ReadI32(t)); return true;
                 case 2:
                   ReadList(r, t, &m->encodings,
                            [&](ThriftType et, Encoding* e) { *e = static_cast<Encoding>(r.ReadI32(et)); });
                   return true;
                 case 3: ReadStringList(r, t, &m->path_in_schema); return true;
                 case 4: m->codec = static_cast<CompressionCodec>(r.ReadI32(t)); return true;
                 case 5: m->num_values = r.ReadI64(t); return true;
                 case 6: m->total_uncompressed_size = r.ReadI64(t); return true;
                 case 7: m->total_compressed_size = r.ReadI64(t); return true;
                 case 8: ReadStructList(r, t, &m->key_value_metadata, ReadKeyValue); return true;
                 case 9: m->data_page_offset = r.ReadI64(t); return true;
                 case 10: m->index_page_offset = r.ReadI64(t); return true;
                 case 11: m->dictionary_page_offset = r.ReadI64(t); return true;
                 case 12: return ReadOptional(r, t, &m->statistics, ReadStatistics);
                 case 13: ReadStructList(r, t, &m->encoding_stats, ReadPageEncodingStats); return true;
                 case 14: m->bloom_filter_offset = r.ReadI64(t); return true;
                 case 15: m->bloom_filter_length = r.ReadI32(t); return true;
               }
               return false;
             });
}

void ReadColumnCryptoMetaData(CompactReader& r, ColumnCryptoMetaData* m) {
  ReadStruct(r, "ColumnCryptoMetaData", {}, [&](int16_t id, ThriftType t) {
    if (id == 1) {
      m->with_footer_key = true;
      return false;  // an empty struct: skipped
    }
    if (id != 2 || !ExpectStruct(r, t)) return id == 2;
    m->with_footer_key = false;
    ReadStruct(r, "EncryptionWithColumnKey", {{1, "path_in_schema"}}, [&](int16_t fid, ThriftType ft) {
      switch (fid) {
        case 1: ReadStringList(r, ft, &m->path_in_schema); return true;
        case 2: m->key_metadata = r.ReadString(ft); return true;
      }
      return false;
    });
    return true;
  });
}

void ReadEncryptionAlgorithm(CompactReader& r, EncryptionAlgorithm* a) {
  ReadStruct(r, "EncryptionAlgorithm", {}, [&](int16_t id, ThriftType t) {
    if ((id != 1 && id != 2) || !ExpectStruct(r, t)) return id == 1 || id == 2;
    a->kind = static_cast<EncryptionAlgorithm::Kind>(id);
    ReadStruct(r, "AesGcmV1", {}, [&](int16_t fid, ThriftType ft) {
      switch (fid) {
        case 1: a->aad_prefix = r.ReadString(ft); return true;
        case 2: a->aad_file_unique = r.ReadString(ft); return true;
        case 3: a->supply_aad_prefix = r.ReadBool(ft); return true;
      }
      return false;
    });
    return true;
  });
}

void ReadFileCryptoMetaData(CompactReader& r, FileCryptoMetaData* f) {
  ReadStruct(r, "FileCryptoMetaData", {{1, "encryption_algorithm"}}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1:
        if (ExpectStruct(r, t)) ReadEncryptionAlgorithm(r, &f->encryption_algorithm);
        return true;
      case 2: f->key_metadata = r.ReadString(t); return true;
    }
    return false;
  });
}

void ReadColumnChunk(CompactReader& r, ColumnChunk* c) {
  ReadStruct(r, "ColumnChunk", {}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: c->file_path = r.ReadString(t); return true;
      case 2: c->file_offset = r.ReadI64(t); return true;
      case 3: return ReadOptional(r, t, &c->meta_data, ReadColumnMetaData);
      case 4: c->offset_index_offset = r.ReadI64(t); return true;
      case 5: c->offset_index_length = r.ReadI32(t); return true;
      case 6: c->column_index_offset = r.ReadI64(t); return true;
      case 7: c->column_index_length = r.ReadI32(t); return true;
      case 8: return ReadOptional(r, t, &c->crypto_metadata, ReadColumnCryptoMetaData);
      case 9: c->encrypted_column_metadata = r.ReadString(t); return true;
    }
    return false;
  });
}

void ReadSortingColumn(CompactReader& r, SortingColumn* s) {
  ReadStruct(r, "SortingColumn", {}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: s->column_idx = r.ReadI32(t); return true;
      case 2: s->descending = r.ReadBool(t); return true;
      case 3: s->nulls_first = r.ReadBool(t); return true;
    }
    return false;
  });
}

void ReadRowGroup(CompactReader& r, RowGroup* g) {
  ReadStruct(r, "RowGroup", {{1, "columns"}, {2, "total_byte_size"}, {3, "num_rows"}}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: ReadStructList(r, t, &g->columns, ReadColumnChunk); return true;
      case 2: g->total_byte_size = r.ReadI64(t); return true;
      case 3: g->num_rows = r.ReadI64(t); return true;
      case 4: ReadStructList(r, t, &g->sorting_columns, ReadSortingColumn); return true;
      case 5: g->file_offset = r.ReadI64(t); return true;
      case 6: g->total_compressed_size = r.ReadI64(t); return true;
      case 7: g->ordinal = static_cast<int16_t>(r.ReadI32(t)); return true;
    }
    return false;
  });
}

void ReadColumnOrder(CompactReader& r, ColumnOrder* o) {
  o->kind = ColumnOrder::Kind::kOther;
  ReadStruct(r, "ColumnOrder", {}, [&](int16_t id, ThriftType) {
    if (id >= 1 && id <= 3) o->kind = static_cast<ColumnOrder::Kind>(id);
    return false;  // a union of empty structs: the member is skipped
  });
}

void ReadFileMetaData(CompactReader& r, FileMetaData* f) {
  ReadStruct(r, "FileMetaData", {{1, "version"}, {2, "schema"}, {3, "num_rows"}, {4, "row_groups"}},
             [&](int16_t id, ThriftType t) {
               switch (id) {
                 case 1: f->version = r.ReadI32(t); return true;
                 case 2: ReadStructList(r, t, &f->schema, ReadSchemaElement); return true;
                 case 3: f->num_rows = r.ReadI64(t); return true;
                 case 4: ReadStructList(r, t, &f->row_groups, ReadRowGroup); return true;
                 case 5: ReadStructList(r, t, &f->key_value_metadata, ReadKeyValue); return true;
                 case 6: f->created_by = r.ReadString(t); return true;
                 case 7: ReadStructList(r, t, &f->column_orders, ReadColumnOrder); return true;
                 case 8: f->encrypted = true; return false;
               }
               return false;
             });
}

void ReadDataPageHeader(CompactReader& r, DataPageHeader* h) {
  ReadStruct(r, "DataPageHeader",
             {{1, "num_values"}, {2, "encoding"}, {3, "definition_level_encoding"}, {4, "repetition_level_encoding"}},
             [&](int16_t id, ThriftType t) {
               switch (id) {
                 case 1: h->num_values = r.ReadI32(t); return true;
                 case 2: h->encoding = static_cast<Encoding>(r.ReadI32(t)); return true;
                 case 3: h->definition_level_encoding = static_cast<Encoding>(r.ReadI32(t)); return true;
                 case 4: h->repetition_level_encoding = static_cast<Encoding>(r.ReadI32(t)); return true;
                 case 5: return ReadOptional(r, t, &h->statistics, ReadStatistics);
               }
               return false;
             });
}

void ReadDictionaryPageHeader(CompactReader& r, DictionaryPageHeader* h) {
  ReadStruct(r, "DictionaryPageHeader", {{1, "num_values"}, {2, "encoding"}}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: h->num_values = r.ReadI32(t); return true;
      case 2: h->encoding = static_cast<Encoding>(r.ReadI32(t)); return true;
      case 3: h->is_sorted = r.ReadBool(t); return true;
    }
    return false;
  });
}

void ReadDataPageHeaderV2(CompactReader& r, DataPageHeaderV2* h) {
  ReadStruct(r, "DataPageHeaderV2",
             {{1, "num_values"},
              {2, "num_nulls"},
              {3, "num_rows"},
              {4, "encoding"},
              {5, "definition_levels_byte_length"},
              {6, "repetition_levels_byte_length"}},
             [&](int16_t id, ThriftType t) {
               switch (id) {
                 case 1: h->num_values = r.ReadI32(t); return true;
                 case 2: h->num_nulls = r.ReadI32(t); return true;
                 case 3: h->num_rows = r.ReadI32(t); return true;
                 case 4: h->encoding = static_cast<Encoding>(r.ReadI32(t)); return true;
                 case 5: h->definition_levels_byte_length = r.ReadI32(t); return true;
                 case 6: h->repetition_levels_byte_length = r.ReadI32(t); return true;
                 case 7: h->is_compressed = r.ReadBool(t); return true;
                 case 8: return ReadOptional(r, t, &h->statistics, ReadStatistics);
               }
               return false;
             });
}

void ReadPageHeader(CompactReader& r, PageHeader* h) {
  ReadStruct(r, "PageHeader", {{1, "type"}, {2, "uncompressed_page_size"}, {3, "compressed_page_size"}},
             [&](int16_t id, ThriftType t) {
               switch (id) {
                 case 1: h->type = static_cast<PageType>(r.ReadI32(t)); return true;
                 case 2: h->uncompressed_page_size = r.ReadI32(t); return true;
                 case 3: h->compressed_page_size = r.ReadI32(t); return true;
                 case 4: h->crc = r.ReadI32(t); return true;
                 case 5: return ReadOptional(r, t, &h->data_page_header, ReadDataPageHeader);
                 case 7: return ReadOptional(r, t, &h->dictionary_page_header, ReadDictionaryPageHeader);
                 case 8: return ReadOptional(r, t, &h->data_page_header_v2, ReadDataPageHeaderV2);
               }
               return false;
             });
}

void ReadPageLocation(CompactReader& r, PageLocation* p) {
  ReadStruct(r, "PageLocation", {{1, "offset"}, {2, "compressed_page_size"}, {3, "first_row_index"}},
             [&](int16_t id, ThriftType t) {
               switch (id) {
                 case 1: p->offset = r.ReadI64(t); return true;
                 case 2: p->compressed_page_size = r.ReadI32(t); return true;
                 case 3: p->first_row_index = r.ReadI64(t); return true;
               }
               return false;
             });
}

void ReadColumnIndex(CompactReader& r, ColumnIndex* c) {
  ReadStruct(r, "ColumnIndex", {{1, "null_pages"}, {2, "min_values"}, {3, "max_values"}, {4, "boundary_order"}},
             [&](int16_t id, ThriftType t) {
               switch (id) {
                 case 1: {
                   ThriftType et;
                   uint32_t n = r.ReadListBegin(t, &et);
                   c->null_pages.clear();
                   for (uint32_t i = 0; i < n && r.ok(); ++i) c->null_pages.push_back(r.ReadBoolElement());
                   return true;
                 }
                 case 2: ReadStringList(r, t, &c->min_values); return true;
                 case 3: ReadStringList(r, t, &c->max_values); return true;
                 case 4: c->boundary_order = static_cast<BoundaryOrder>(r.ReadI32(t)); return true;
                 case 5: ReadI64List(r, t, &c->null_counts.emplace()); return true;
                 case 8: ReadI64List(r, t, &c->nan_counts.emplace()); return true;
               }
               return false;
             });
}

void ReadOffsetIndex(CompactReader& r, OffsetIndex* o) {
  ReadStruct(r, "OffsetIndex", {{1, "page_locations"}}, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: ReadStructList(r, t, &o->page_locations, ReadPageLocation); return true;
      case 2: ReadI64List(r, t, &o->unencoded_byte_array_data_bytes); return true;
    }
    return false;
  });
}

template <typename T>
Status Decode(std::string_view data, const std::string& what, T* out, void (*read)(CompactReader&, T*),
              size_t* consumed) {
  *out = T{};
  CompactReader r(data, what);
  read(r, out);
  if (consumed != nullptr) *consumed = r.position();
  return r.status();
}

}  // namespace

Status DecodeFileMetaData(std::string_view data, const std::string& what, FileMetaData* out) {
  return Decode(data, what, out, ReadFileMetaData, nullptr);
}

Status DecodePageHeader(std::string_view data, const std::string& what, PageHeader* out, size_t* header_size) {
  return Decode(data, what, out, ReadPageHeader, header_size);
}

Status DecodeColumnIndex(std::string_view data, const std::string& what, ColumnIndex* out) {
  return Decode(data, what, out, ReadColumnIndex, nullptr);
}

Status DecodeOffsetIndex(std::string_view data, const std::string& what, OffsetIndex* out) {
  return Decode(data, what, out, ReadOffsetIndex, nullptr);
}

Status DecodeColumnMetaData(std::string_view data, const std::string& what, ColumnMetaData* out) {
  return Decode(data, what, out, ReadColumnMetaData, nullptr);
}

Status DecodeFileCryptoMetaData(std::string_view data, const std::string& what, FileCryptoMetaData* out, size_t* size) {
  return Decode(data, what, out, ReadFileCryptoMetaData, size);
}

}  // namespace strata::parquet
