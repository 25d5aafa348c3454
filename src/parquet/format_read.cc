// Compact-protocol decoders of the Parquet structures in format.h.
#include <initializer_list>
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

void SkipStruct(CompactReader& r) { r.Skip(ThriftType::kStruct); }

void ReadStatistics(CompactReader& r, Statistics* s) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: s->max = r.ReadString(t); break;
      case 2: s->min = r.ReadString(t); break;
      case 3: s->null_count = r.ReadI64(t); break;
      case 4: s->distinct_count = r.ReadI64(t); break;
      case 5: s->max_value = r.ReadString(t); break;
      case 6: s->min_value = r.ReadString(t); break;
      case 7: s->is_max_value_exact = r.ReadBool(t); break;
      case 8: s->is_min_value_exact = r.ReadBool(t); break;
      case 9: s->nan_count = r.ReadI64(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
}

// TimeUnit is a union of empty structs; the field id is the unit.
void ReadTimeUnit(CompactReader& r, TimeUnit* unit) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  bool seen = false;
  while (r.NextField(&id, &t)) {
    if (id >= 1 && id <= 3 && ExpectStruct(r, t)) {
      *unit = static_cast<TimeUnit>(id);
      seen = true;
    }
    r.Skip(t);
  }
  r.EndStruct();
  if (!seen) r.Fail("TimeUnit has no known member");
}

void ReadTimeOrTimestamp(CompactReader& r, LogicalType* lt) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    if (id == 1) {
      lt->is_adjusted_to_utc = r.ReadBool(t);
    } else if (id == 2 && ExpectStruct(r, t)) {
      ReadTimeUnit(r, &lt->unit);
    } else {
      r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "TimestampType", {{1, "isAdjustedToUTC"}, {2, "unit"}});
}

void ReadLogicalType(CompactReader& r, LogicalType* lt) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  while (r.NextField(&id, &t)) {
    if (!ExpectStruct(r, t)) continue;
    switch (id) {
      case 7:
      case 8:
        lt->kind = static_cast<LogicalType::Kind>(id);
        ReadTimeOrTimestamp(r, lt);
        break;
      case 5: {
        lt->kind = LogicalType::Kind::kDecimal;
        r.BeginStruct();
        int16_t fid;
        ThriftType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1) {
            lt->decimal_scale = r.ReadI32(ft);
          } else if (fid == 2) {
            lt->decimal_precision = r.ReadI32(ft);
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        break;
      }
      case 10: {
        lt->kind = LogicalType::Kind::kInteger;
        r.BeginStruct();
        int16_t fid;
        ThriftType ft;
        while (r.NextField(&fid, &ft)) {
          if (fid == 1) {
            lt->bit_width = r.ReadI32(ft);
          } else if (fid == 2) {
            lt->is_signed = r.ReadBool(ft);
          } else {
            r.Skip(ft);
          }
        }
        r.EndStruct();
        break;
      }
      case 1:
      case 2:
      case 3:
      case 4:
      case 6:
      case 11:
      case 12:
      case 13:
      case 14:
      case 15:
        lt->kind = static_cast<LogicalType::Kind>(id);
        SkipStruct(r);
        break;
      default: lt->kind = LogicalType::Kind::kOther; SkipStruct(r);
    }
  }
  r.EndStruct();
}

void ReadSchemaElement(CompactReader& r, SchemaElement* e) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: e->type = static_cast<Type>(r.ReadI32(t)); break;
      case 2: e->type_length = r.ReadI32(t); break;
      case 3: e->repetition = static_cast<Repetition>(r.ReadI32(t)); break;
      case 4: e->name = r.ReadString(t); break;
      case 5: e->num_children = r.ReadI32(t); break;
      case 6: e->converted_type = static_cast<ConvertedType>(r.ReadI32(t)); break;
      case 7: e->scale = r.ReadI32(t); break;
      case 8: e->precision = r.ReadI32(t); break;
      case 9: e->field_id = r.ReadI32(t); break;
      case 10:
        if (ExpectStruct(r, t)) {
          e->logical_type.emplace();
          ReadLogicalType(r, &*e->logical_type);
        }
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "SchemaElement", {{4, "name"}});
}

void ReadKeyValue(CompactReader& r, KeyValue* kv) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    if (id == 1) {
      kv->key = r.ReadString(t);
    } else if (id == 2) {
      kv->value = r.ReadString(t);
    } else {
      r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "KeyValue", {{1, "key"}});
}

void ReadPageEncodingStats(CompactReader& r, PageEncodingStats* s) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: s->page_type = static_cast<PageType>(r.ReadI32(t)); break;
      case 2: s->encoding = static_cast<Encoding>(r.ReadI32(t)); break;
      case 3: s->count = r.ReadI32(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
}

void ReadColumnMetaData(CompactReader& r, ColumnMetaData* m) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: m->type = static_cast<Type>(r.ReadI32(t)); break;
      case 2:
        ReadList(r, t, &m->encodings, [&](ThriftType et, Encoding* e) { *e = static_cast<Encoding>(r.ReadI32(et)); });
        break;
      case 3: ReadStringList(r, t, &m->path_in_schema); break;
      case 4: m->codec = static_cast<CompressionCodec>(r.ReadI32(t)); break;
      case 5: m->num_values = r.ReadI64(t); break;
      case 6: m->total_uncompressed_size = r.ReadI64(t); break;
      case 7: m->total_compressed_size = r.ReadI64(t); break;
      case 8: ReadStructList(r, t, &m->key_value_metadata, ReadKeyValue); break;
      case 9: m->data_page_offset = r.ReadI64(t); break;
      case 10: m->index_page_offset = r.ReadI64(t); break;
      case 11: m->dictionary_page_offset = r.ReadI64(t); break;
      case 12:
        if (ExpectStruct(r, t)) {
          m->statistics.emplace();
          ReadStatistics(r, &*m->statistics);
        }
        break;
      case 13: ReadStructList(r, t, &m->encoding_stats, ReadPageEncodingStats); break;
      case 14: m->bloom_filter_offset = r.ReadI64(t); break;
      case 15: m->bloom_filter_length = r.ReadI32(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "ColumnMetaData",
                {{1, "type"},
                 {2, "encodings"},
                 {3, "path_in_schema"},
                 {4, "codec"},
                 {5, "num_values"},
                 {6, "total_uncompressed_size"},
                 {7, "total_compressed_size"},
                 {9, "data_page_offset"}});
}

void ReadColumnChunk(CompactReader& r, ColumnChunk* c) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: c->file_path = r.ReadString(t); break;
      case 2: c->file_offset = r.ReadI64(t); break;
      case 3:
        if (ExpectStruct(r, t)) {
          c->meta_data.emplace();
          ReadColumnMetaData(r, &*c->meta_data);
        }
        break;
      case 4: c->offset_index_offset = r.ReadI64(t); break;
      case 5: c->offset_index_length = r.ReadI32(t); break;
      case 6: c->column_index_offset = r.ReadI64(t); break;
      case 7: c->column_index_length = r.ReadI32(t); break;
      case 8:
      case 9:
        c->encrypted = true;
        r.Skip(t);
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
}

void ReadSortingColumn(CompactReader& r, SortingColumn* s) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: s->column_idx = r.ReadI32(t); break;
      case 2: s->descending = r.ReadBool(t); break;
      case 3: s->nulls_first = r.ReadBool(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
}

void ReadRowGroup(CompactReader& r, RowGroup* g) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: ReadStructList(r, t, &g->columns, ReadColumnChunk); break;
      case 2: g->total_byte_size = r.ReadI64(t); break;
      case 3: g->num_rows = r.ReadI64(t); break;
      case 4: ReadStructList(r, t, &g->sorting_columns, ReadSortingColumn); break;
      case 5: g->file_offset = r.ReadI64(t); break;
      case 6: g->total_compressed_size = r.ReadI64(t); break;
      case 7: g->ordinal = static_cast<int16_t>(r.ReadI32(t)); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "RowGroup", {{1, "columns"}, {2, "total_byte_size"}, {3, "num_rows"}});
}

void ReadColumnOrder(CompactReader& r, ColumnOrder* o) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  o->kind = ColumnOrder::Kind::kOther;
  while (r.NextField(&id, &t)) {
    if (id >= 1 && id <= 3) o->kind = static_cast<ColumnOrder::Kind>(id);
    r.Skip(t);
  }
  r.EndStruct();
}

void ReadFileMetaData(CompactReader& r, FileMetaData* f) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: f->version = r.ReadI32(t); break;
      case 2: ReadStructList(r, t, &f->schema, ReadSchemaElement); break;
      case 3: f->num_rows = r.ReadI64(t); break;
      case 4: ReadStructList(r, t, &f->row_groups, ReadRowGroup); break;
      case 5: ReadStructList(r, t, &f->key_value_metadata, ReadKeyValue); break;
      case 6: f->created_by = r.ReadString(t); break;
      case 7: ReadStructList(r, t, &f->column_orders, ReadColumnOrder); break;
      case 8:
        f->encrypted = true;
        r.Skip(t);
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "FileMetaData", {{1, "version"}, {2, "schema"}, {3, "num_rows"}, {4, "row_groups"}});
}

void ReadDataPageHeader(CompactReader& r, DataPageHeader* h) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: h->num_values = r.ReadI32(t); break;
      case 2: h->encoding = static_cast<Encoding>(r.ReadI32(t)); break;
      case 3: h->definition_level_encoding = static_cast<Encoding>(r.ReadI32(t)); break;
      case 4: h->repetition_level_encoding = static_cast<Encoding>(r.ReadI32(t)); break;
      case 5:
        if (ExpectStruct(r, t)) {
          h->statistics.emplace();
          ReadStatistics(r, &*h->statistics);
        }
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(
      r, seen, "DataPageHeader",
      {{1, "num_values"}, {2, "encoding"}, {3, "definition_level_encoding"}, {4, "repetition_level_encoding"}});
}

void ReadDictionaryPageHeader(CompactReader& r, DictionaryPageHeader* h) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: h->num_values = r.ReadI32(t); break;
      case 2: h->encoding = static_cast<Encoding>(r.ReadI32(t)); break;
      case 3: h->is_sorted = r.ReadBool(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "DictionaryPageHeader", {{1, "num_values"}, {2, "encoding"}});
}

void ReadDataPageHeaderV2(CompactReader& r, DataPageHeaderV2* h) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: h->num_values = r.ReadI32(t); break;
      case 2: h->num_nulls = r.ReadI32(t); break;
      case 3: h->num_rows = r.ReadI32(t); break;
      case 4: h->encoding = static_cast<Encoding>(r.ReadI32(t)); break;
      case 5: h->definition_levels_byte_length = r.ReadI32(t); break;
      case 6: h->repetition_levels_byte_length = r.ReadI32(t); break;
      case 7: h->is_compressed = r.ReadBool(t); break;
      case 8:
        if (ExpectStruct(r, t)) {
          h->statistics.emplace();
          ReadStatistics(r, &*h->statistics);
        }
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "DataPageHeaderV2",
                {{1, "num_values"},
                 {2, "num_nulls"},
                 {3, "num_rows"},
                 {4, "encoding"},
                 {5, "definition_levels_byte_length"},
                 {6, "repetition_levels_byte_length"}});
}

void ReadPageHeader(CompactReader& r, PageHeader* h) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: h->type = static_cast<PageType>(r.ReadI32(t)); break;
      case 2: h->uncompressed_page_size = r.ReadI32(t); break;
      case 3: h->compressed_page_size = r.ReadI32(t); break;
      case 4: h->crc = r.ReadI32(t); break;
      case 5:
        if (ExpectStruct(r, t)) {
          h->data_page_header.emplace();
          ReadDataPageHeader(r, &*h->data_page_header);
        }
        break;
      case 7:
        if (ExpectStruct(r, t)) {
          h->dictionary_page_header.emplace();
          ReadDictionaryPageHeader(r, &*h->dictionary_page_header);
        }
        break;
      case 8:
        if (ExpectStruct(r, t)) {
          h->data_page_header_v2.emplace();
          ReadDataPageHeaderV2(r, &*h->data_page_header_v2);
        }
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "PageHeader", {{1, "type"}, {2, "uncompressed_page_size"}, {3, "compressed_page_size"}});
}

void ReadPageLocation(CompactReader& r, PageLocation* p) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: p->offset = r.ReadI64(t); break;
      case 2: p->compressed_page_size = r.ReadI32(t); break;
      case 3: p->first_row_index = r.ReadI64(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "PageLocation", {{1, "offset"}, {2, "compressed_page_size"}, {3, "first_row_index"}});
}

void ReadColumnIndex(CompactReader& r, ColumnIndex* c) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: {
        ThriftType et;
        uint32_t n = r.ReadListBegin(t, &et);
        c->null_pages.clear();
        for (uint32_t i = 0; i < n && r.ok(); ++i) c->null_pages.push_back(r.ReadBoolElement());
        break;
      }
      case 2: ReadStringList(r, t, &c->min_values); break;
      case 3: ReadStringList(r, t, &c->max_values); break;
      case 4: c->boundary_order = static_cast<BoundaryOrder>(r.ReadI32(t)); break;
      case 5: ReadI64List(r, t, &c->null_counts.emplace()); break;
      case 8: ReadI64List(r, t, &c->nan_counts.emplace()); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "ColumnIndex",
                {{1, "null_pages"}, {2, "min_values"}, {3, "max_values"}, {4, "boundary_order"}});
}

void ReadOffsetIndex(CompactReader& r, OffsetIndex* o) {
  r.BeginStruct();
  int16_t id;
  ThriftType t;
  uint64_t seen = 0;
  while (r.NextField(&id, &t)) {
    seen |= Bit(id);
    switch (id) {
      case 1: ReadStructList(r, t, &o->page_locations, ReadPageLocation); break;
      case 2: ReadI64List(r, t, &o->unencoded_byte_array_data_bytes); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  CheckRequired(r, seen, "OffsetIndex", {{1, "page_locations"}});
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

}  // namespace strata::parquet
