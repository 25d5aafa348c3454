// Avro C (Debian's libavro-dev), an independent implementation of Avro, as the reference for
// strata's hand-written manifests: the tests read every manifest back with it and check that it
// encodes the same entries to the same bytes; bench/iceberg_bench.cc times both encoders.
// Only the tests and the benchmark include this header and link Avro C; strata does not
// (README.md, "Avro: hand-written, checked against Avro C").
#pragma once

#include <avro.h>

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "iceberg/iceberg.h"

namespace strata::iceberg::avro_c {

inline std::string Hex(const void* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<const unsigned char*>(p)[i];
    hex += d[c >> 4];
    hex += d[c & 15];
  }
  return hex;
}

// An Avro value as JSON: records as objects, unions as their branch's value, bytes as hex.
inline nlohmann::json ToJson(avro_value_t* v) {
  switch (avro_value_get_type(v)) {
    case AVRO_NULL: return nullptr;
    case AVRO_BOOLEAN: {
      int b = 0;
      avro_value_get_boolean(v, &b);
      return b != 0;
    }
    case AVRO_INT32: {
      int32_t i = 0;
      avro_value_get_int(v, &i);
      return i;
    }
    case AVRO_INT64: {
      int64_t i = 0;
      avro_value_get_long(v, &i);
      return i;
    }
    case AVRO_DOUBLE: {
      double x = 0;
      avro_value_get_double(v, &x);
      return x;
    }
    case AVRO_STRING: {
      const char* p = nullptr;
      size_t n = 0;
      avro_value_get_string(v, &p, &n);
      return std::string(p, n > 0 ? n - 1 : 0);  // n counts the NUL
    }
    case AVRO_BYTES: {
      const void* p = nullptr;
      size_t n = 0;
      avro_value_get_bytes(v, &p, &n);
      return Hex(p, n);
    }
    case AVRO_UNION: {
      avro_value_t branch;
      if (avro_value_get_current_branch(v, &branch) != 0) return "<bad union>";
      return ToJson(&branch);
    }
    case AVRO_RECORD: {
      nlohmann::json o = nlohmann::json::object();
      size_t n = 0;
      avro_value_get_size(v, &n);
      for (size_t i = 0; i < n; ++i) {
        avro_value_t child;
        const char* name = nullptr;
        avro_value_get_by_index(v, i, &child, &name);
        o[name] = ToJson(&child);
      }
      return o;
    }
    case AVRO_ARRAY: {
      nlohmann::json a = nlohmann::json::array();
      size_t n = 0;
      avro_value_get_size(v, &n);
      for (size_t i = 0; i < n; ++i) {
        avro_value_t child;
        avro_value_get_by_index(v, i, &child, nullptr);
        a.push_back(ToJson(&child));
      }
      return a;
    }
    default: return "<unexpected Avro type>";
  }
}

// Every record of an Avro object container file, read with Avro C's file reader. *error gets
// Avro C's message when the file does not read to its end.
inline std::vector<nlohmann::json> ReadFile(const std::string& path, std::string* error) {
  std::vector<nlohmann::json> out;
  avro_file_reader_t reader;
  if (avro_file_reader(path.c_str(), &reader) != 0) {
    *error = "Avro C cannot open " + path + ": " + avro_strerror();
    return out;
  }
  avro_schema_t schema = avro_file_reader_get_writer_schema(reader);
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t value;
  avro_generic_value_new(iface, &value);
  int rc = 0;
  while ((rc = avro_file_reader_read_value(reader, &value)) == 0) out.push_back(ToJson(&value));
  if (rc != EOF) *error = path + ": " + avro_strerror();
  avro_value_decref(&value);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  avro_file_reader_close(reader);
  return out;
}

// The manifest entry one data file makes, to encode with Avro C.
struct EntryInput {
  int64_t snapshot_id = 0;
  std::string uri;
  int32_t partition = 0;
  std::string symbol;
  int64_t rows = 0, bytes = 0;
  IcebergCommitter::FileStats stats;
};

// Encodes manifest entries with Avro C's generic values (fields set by name, checked against the
// schema) into a memory buffer: the records of a manifest's data block, as EncodeManifestEntry
// writes them. (Avro C's file writer cannot add the header metadata Iceberg requires, so this is
// the part Avro C could do for strata.)
class EntryEncoder {
 public:
  explicit EntryEncoder(int spec) {
    const std::string json = ManifestEntrySchema(spec);
    ok_ = avro_schema_from_json_length(json.data(), json.size(), &schema_) == 0;
    if (!ok_) return;
    iface_ = avro_generic_class_from_schema(schema_);
    avro_generic_value_new(iface_, &rec_);
    part_field_ = spec == 0 ? "ts_day" : "ts_month";
    scratch_.resize(1 << 16);
    writer_ = avro_writer_memory(scratch_.data(), static_cast<int64_t>(scratch_.size()));
  }
  ~EntryEncoder() {
    if (!ok_) return;
    avro_writer_free(writer_);
    avro_value_decref(&rec_);
    avro_value_iface_decref(iface_);
    avro_schema_decref(schema_);
  }
  EntryEncoder(const EntryEncoder&) = delete;
  EntryEncoder& operator=(const EntryEncoder&) = delete;
  bool ok() const { return ok_; }

  // Appends the entry's encoding to *out; false (and avro_strerror()) on an error.
  bool Encode(const EntryInput& e, std::string* out) {
    avro_value_reset(&rec_);
    avro_value_t f, b, d, p;
    bool good = true;
    auto check = [&](int rc) { good = good && rc == 0; };
    check(avro_value_get_by_name(&rec_, "status", &f, nullptr));
    check(avro_value_set_int(&f, 1));
    check(avro_value_get_by_name(&rec_, "snapshot_id", &f, nullptr));
    check(avro_value_set_branch(&f, 1, &b));
    check(avro_value_set_long(&b, e.snapshot_id));
    for (const char* n : {"sequence_number", "file_sequence_number"}) {
      check(avro_value_get_by_name(&rec_, n, &f, nullptr));
      check(avro_value_set_branch(&f, 0, &b));
      check(avro_value_set_null(&b));
    }
    check(avro_value_get_by_name(&rec_, "data_file", &d, nullptr));
    check(avro_value_get_by_name(&d, "content", &f, nullptr));
    check(avro_value_set_int(&f, 0));
    check(avro_value_get_by_name(&d, "file_path", &f, nullptr));
    check(avro_value_set_string_len(&f, e.uri.c_str(), e.uri.size() + 1));
    check(avro_value_get_by_name(&d, "file_format", &f, nullptr));
    check(avro_value_set_string(&f, "PARQUET"));
    check(avro_value_get_by_name(&d, "partition", &p, nullptr));
    check(avro_value_get_by_name(&p, part_field_, &f, nullptr));
    check(avro_value_set_branch(&f, 1, &b));
    check(avro_value_set_int(&b, e.partition));
    check(avro_value_get_by_name(&p, "symbol", &f, nullptr));
    check(avro_value_set_branch(&f, 1, &b));
    check(avro_value_set_string_len(&b, e.symbol.c_str(), e.symbol.size() + 1));
    check(avro_value_get_by_name(&d, "record_count", &f, nullptr));
    check(avro_value_set_long(&f, e.rows));
    check(avro_value_get_by_name(&d, "file_size_in_bytes", &f, nullptr));
    check(avro_value_set_long(&f, e.bytes));
    const auto& cols = e.stats.columns;
    auto long_map = [&](const char* name, auto get) {
      avro_value_t u, arr, kv, k, v;
      check(avro_value_get_by_name(&d, name, &u, nullptr));
      check(avro_value_set_branch(&u, 1, &arr));
      for (size_t i = 0; i < cols.size(); ++i) {
        const std::optional<int64_t> x = get(cols[i]);
        if (!x) continue;
        check(avro_value_append(&arr, &kv, nullptr));
        check(avro_value_get_by_name(&kv, "key", &k, nullptr));
        check(avro_value_set_int(&k, static_cast<int32_t>(i + 1)));
        check(avro_value_get_by_name(&kv, "value", &v, nullptr));
        check(avro_value_set_long(&v, *x));
      }
    };
    long_map("column_sizes", [](const IcebergCommitter::ColumnStats& c) { return std::optional<int64_t>(c.size); });
    long_map("value_counts", [](const IcebergCommitter::ColumnStats& c) { return std::optional<int64_t>(c.values); });
    long_map("null_value_counts", [](const IcebergCommitter::ColumnStats& c) { return c.nulls; });
    auto bytes_map = [&](const char* name, bool lower) {
      avro_value_t u, arr, kv, k, v;
      check(avro_value_get_by_name(&d, name, &u, nullptr));
      check(avro_value_set_branch(&u, 1, &arr));
      for (size_t i = 0; i < cols.size(); ++i) {
        if (!cols[i].lower || !cols[i].upper) continue;
        const std::string& x = lower ? *cols[i].lower : *cols[i].upper;
        check(avro_value_append(&arr, &kv, nullptr));
        check(avro_value_get_by_name(&kv, "key", &k, nullptr));
        check(avro_value_set_int(&k, static_cast<int32_t>(i + 1)));
        check(avro_value_get_by_name(&kv, "value", &v, nullptr));
        check(avro_value_set_bytes(&v, const_cast<char*>(x.data()), x.size()));
      }
    };
    bytes_map("lower_bounds", true);
    bytes_map("upper_bounds", false);
    check(avro_value_get_by_name(&d, "sort_order_id", &f, nullptr));
    check(avro_value_set_branch(&f, 0, &b));
    check(avro_value_set_null(&b));
    if (!good) return false;
    // Into a scratch buffer (an entry is well under its size), then appended.
    avro_writer_memory_set_dest(writer_, scratch_.data(), static_cast<int64_t>(scratch_.size()));
    if (avro_value_write(writer_, &rec_) != 0) return false;
    out->append(scratch_.data(), static_cast<size_t>(avro_writer_tell(writer_)));
    return true;
  }

 private:
  bool ok_ = false;
  avro_schema_t schema_{};
  avro_value_iface_t* iface_ = nullptr;
  avro_value_t rec_{};
  const char* part_field_ = "ts_day";
  std::string scratch_;
  avro_writer_t writer_ = nullptr;
};

}  // namespace strata::iceberg::avro_c
