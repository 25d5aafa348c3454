#include "parquet/column_reader.h"

#include <array>
#include <cmath>
#include <cstring>

#include "codec/crc32.h"
#include "parquet/bit_util.h"
#include "parquet/plain_encoding.h"
#include "parquet/rle_encoding.h"

namespace strata::parquet {
namespace {

constexpr int64_t kJulianEpochDay = 2440588;  // 1970-01-01 as a Julian day number

// In place: n slots whose first nn hold the non-null values in order; spread them to the rows
// that `valid` marks, zeroing null rows. Walks backwards so nothing is overwritten early.
template <typename T>
void Spread(T* base, size_t n, size_t nn, const uint8_t* valid) {
  if (nn == n) return;
  size_t j = nn;
  for (size_t i = n; i-- > 0;) base[i] = valid[i] ? base[--j] : T{};
}

// The same for string end offsets: off[-1] is the end of the previous row.
void SpreadOffsets(uint32_t* off, size_t n, size_t nn, const uint8_t* valid) {
  if (nn == n) return;
  size_t j = nn;
  for (size_t i = n; i-- > 0;) {
    if (valid[i]) {
      off[i] = off[--j];
    } else {
      off[i] = off[static_cast<ptrdiff_t>(j) - 1];
    }
  }
}

Status ScaleToNanos(int64_t* v, size_t n, int64_t factor) {
  for (size_t i = 0; i < n; ++i) {
    if (__builtin_mul_overflow(v[i], factor, &v[i])) {
      return Status::Unsupported("timestamp value at row " + std::to_string(i) +
                                 " of the page lies outside the nanosecond range (years 1677-2262)");
    }
  }
  return Status::OK();
}

// Rows already held by a column's storage (its size() is only updated at the end).
size_t StorageRows(const Column& c) {
  switch (c.type()) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: return c.int64s().size();
    case ColumnType::kInt32: return c.int32s().size();
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: return c.doubles().size();
    case ColumnType::kBool: return c.bools().size();
    case ColumnType::kSymbol:
    case ColumnType::kString: return c.offsets().size() - 1;
  }
  return 0;
}

Status TooManyRows(size_t n, int64_t max_rows) {
  return Status::Corruption("page holds " + std::to_string(n) + " rows, only " + std::to_string(max_rows) +
                            " remain in the row group");
}

double Pow10(int32_t scale) {
  double p = 1;
  for (int32_t i = 0; i < scale; ++i) p *= 10;
  return p;
}

// Big-endian two's complement bytes as a double (exact up to 2^53, then nearest).
double BigEndianToDouble(const unsigned char* p, size_t n) {
  if (n == 0) return 0;
  bool negative = (p[0] & 0x80) != 0;
  long double v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 256 + static_cast<unsigned char>(negative ? ~p[i] : p[i]);
  // Two's complement: -x == ~x + 1.
  return static_cast<double>(negative ? -(v + 1) : v);
}

double HalfToDouble(uint16_t h) {
  int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(mant, -24);
  } else if (exp == 31) {
    v = mant == 0 ? INFINITY : NAN;
  } else {
    v = std::ldexp(mant + 1024, exp - 25);
  }
  return sign ? -v : v;
}

}  // namespace

Result<CompressionType> ToCompressionType(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::kUncompressed: return CompressionType::kNone;
    case CompressionCodec::kSnappy: return CompressionType::kSnappy;
    case CompressionCodec::kGzip: return CompressionType::kGzip;
    case CompressionCodec::kLz4: return CompressionType::kLz4Hadoop;
    case CompressionCodec::kZstd: return CompressionType::kZstd;
    case CompressionCodec::kLz4Raw: return CompressionType::kLz4Raw;
    default: return Status::Unsupported("compression codec " + CodecName(codec) + " is not supported");
  }
}

ColumnChunkReader::ColumnChunkReader(const ColumnInfo& column, CompressionCodec codec, std::string where,
                                     const ReaderOptions& options)
    : column_(column), codec_type_(codec), where_(std::move(where)), options_(options) {}

Status ColumnChunkReader::Reset() {
  dict_.Clear();
  page_ordinal_ = 0;
  if (codec_ == nullptr) {
    auto type = ToCompressionType(codec_type_);
    if (!type.ok()) return type.status().WithContext(where_);
    // One decompressor per codec and thread, reused by every chunk the thread reads: a zstd
    // context is ~100 KB of fresh memory, which each of a point query's chunks paid for.
    thread_local std::array<std::unique_ptr<Codec>, static_cast<size_t>(CompressionType::kZstd) + 1> per_thread;
    std::unique_ptr<Codec>& codec = per_thread[static_cast<size_t>(*type)];
    if (codec == nullptr) {
      ASSIGN_OR_RETURN(codec, MakeCodec(*type));
    }
    codec_ = codec.get();
  }
  return Status::OK();
}

Status ColumnChunkReader::Fail(uint64_t offset, const Status& st) const {
  return st.WithContext(where_ + " page at offset " + std::to_string(offset));
}

Status ColumnChunkReader::Decompress(std::string_view in, size_t uncompressed_size, std::string* buf,
                                     std::string_view* out) {
  if (codec_->type() == CompressionType::kNone) {
    *out = in;
    return Status::OK();
  }
  if (buf->size() < uncompressed_size) buf->resize(uncompressed_size);  // grows only: no zeroing after
  RETURN_IF_ERROR(codec_->Decompress(in, buf->data(), uncompressed_size));
  *out = std::string_view(buf->data(), uncompressed_size);
  return Status::OK();
}

Status ColumnChunkReader::DecodeLevels(Encoding enc, const uint8_t* data, size_t size, size_t n, bool length_prefixed,
                                       size_t* used, size_t* non_null) {
  levels_.clear();
  if (column_.max_def_level == 0) {
    *used = 0;
    *non_null = n;
    return Status::OK();
  }
  if (enc == Encoding::kBitPacked) {
    // The deprecated encoding packs levels most significant bit first.
    size_t bytes = BytesForBits(n);
    if (bytes > size) return Status::Corruption("BIT_PACKED definition levels run past the page");
    levels_.resize(n);
    size_t valid = 0;
    for (size_t i = 0; i < n; ++i) valid += levels_[i] = (data[i / 8] >> (7 - i % 8)) & 1;
    *used = bytes;
    *non_null = valid;
    return Status::OK();
  }
  if (enc != Encoding::kRle) {
    return Status::Unsupported("definition level encoding " + EncodingName(enc));
  }
  const uint8_t* region = data;
  size_t region_size = size;
  if (length_prefixed) {
    if (size < 4) return Status::Corruption("definition levels have no length prefix");
    uint32_t len = LoadLE32(data);
    if (len > size - 4) {
      return Status::Corruption("definition levels of " + std::to_string(len) + " bytes run past the page (" +
                                std::to_string(size - 4) + " bytes left)");
    }
    region = data + 4;
    region_size = len;
    *used = 4 + len;
  } else {
    *used = size;
  }
  RleBitPackedDecoder dec(region, region_size, 1);
  uint32_t run_value;
  if (n > 0 && dec.NextRunCovers(n, &run_value)) {
    if (run_value > 1) return Status::Corruption("definition level " + std::to_string(run_value) + " exceeds 1");
    *non_null = run_value == 1 ? n : 0;
    if (run_value == 0) levels_.assign(n, 0);
    return Status::OK();
  }
  levels_.resize(n);
  size_t got = dec.GetBatch(levels_.data(), n);
  if (got != n) {
    return Status::Corruption("definition levels end after " + std::to_string(got) + " of " + std::to_string(n) +
                              " values" + (dec.error() ? std::string(": ") + dec.error() : ""));
  }
  size_t valid = 0;
  uint8_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    valid += levels_[i] == 1;
    bad |= levels_[i] & 0xfe;
  }
  if (bad) return Status::Corruption("definition level above the column's maximum of 1");
  *non_null = valid;
  return Status::OK();
}

template <typename T>
Status ColumnChunkReader::DecodeFixedInto(Encoding enc, const uint8_t* data, size_t size, size_t n, size_t non_null,
                                          std::vector<T>* out) {
  size_t old = out->size();
  out->resize(old + n);
  RETURN_IF_ERROR(DecodeFixedValues(enc, data, size, non_null, dict_, out->data() + old));
  if (non_null < n) Spread(out->data() + old, n, non_null, levels_.data());
  return Status::OK();
}

Status ColumnChunkReader::DecodeBinaryInto(Encoding enc, const uint8_t* data, size_t size, size_t n, size_t non_null,
                                           std::vector<uint32_t>* offsets, std::string* chars) {
  size_t old = offsets->size();  // includes the leading 0
  RETURN_IF_ERROR(
      DecodeBinaryValues(enc, column_.physical, column_.type_length, data, size, non_null, dict_, offsets, chars));
  if (non_null < n) {
    offsets->resize(old + n);
    SpreadOffsets(offsets->data() + old, n, non_null, levels_.data());
  }
  return Status::OK();
}

Status ColumnChunkReader::DecodeValues(Encoding enc, const uint8_t* data, size_t size, size_t n, size_t non_null,
                                       Column* out) {
  bool convert = column_.conversion != Conversion::kNone;
  switch (column_.physical) {
    case Type::kBoolean: {
      auto& v = out->bools();
      size_t old = v.size();
      v.resize(old + n);
      RETURN_IF_ERROR(DecodeBoolValues(enc, data, size, non_null, v.data() + old));
      if (non_null < n) Spread(v.data() + old, n, non_null, levels_.data());
      return Status::OK();
    }
    case Type::kInt32:
      if (!convert) return DecodeFixedInto(enc, data, size, n, non_null, &out->int32s());
      scratch_i32_.clear();
      RETURN_IF_ERROR(DecodeFixedInto(enc, data, size, n, non_null, &scratch_i32_));
      return Convert(n, out);
    case Type::kInt64: {
      if (column_.conversion == Conversion::kDecimalToDouble) {
        scratch_i64_.clear();
        RETURN_IF_ERROR(DecodeFixedInto(enc, data, size, n, non_null, &scratch_i64_));
        return Convert(n, out);
      }
      size_t old = out->int64s().size();
      RETURN_IF_ERROR(DecodeFixedInto(enc, data, size, n, non_null, &out->int64s()));
      if (column_.conversion == Conversion::kMillisToNanos) return ScaleToNanos(out->int64s().data() + old, n, 1000000);
      if (column_.conversion == Conversion::kMicrosToNanos) return ScaleToNanos(out->int64s().data() + old, n, 1000);
      return Status::OK();
    }
    case Type::kFloat:
      scratch_f32_.clear();
      RETURN_IF_ERROR(DecodeFixedInto(enc, data, size, n, non_null, &scratch_f32_));
      return Convert(n, out);
    case Type::kDouble: return DecodeFixedInto(enc, data, size, n, non_null, &out->doubles());
    case Type::kByteArray:
    case Type::kFixedLenByteArray:
    case Type::kInt96:
      if (!convert) return DecodeBinaryInto(enc, data, size, n, non_null, &out->offsets(), &out->chars());
      scratch_offsets_.assign(1, 0);
      scratch_chars_.clear();
      RETURN_IF_ERROR(DecodeBinaryInto(enc, data, size, n, non_null, &scratch_offsets_, &scratch_chars_));
      return Convert(n, out);
  }
  return Status::Unsupported("physical type " + TypeName(column_.physical));
}

Status ColumnChunkReader::Convert(size_t n, Column* out) {
  auto bytes = [&](size_t i) {
    return std::string_view(scratch_chars_.data() + scratch_offsets_[i], scratch_offsets_[i + 1] - scratch_offsets_[i]);
  };
  switch (column_.conversion) {
    case Conversion::kFloatToDouble:
      out->doubles().insert(out->doubles().end(), scratch_f32_.begin(), scratch_f32_.end());
      return Status::OK();
    case Conversion::kUint32ToInt64:
      for (int32_t v : scratch_i32_) out->int64s().push_back(static_cast<uint32_t>(v));
      return Status::OK();
    case Conversion::kDecimalToDouble: {
      double div = Pow10(column_.decimal_scale);
      if (column_.physical == Type::kInt32) {
        for (int32_t v : scratch_i32_) out->doubles().push_back(v / div);
      } else if (column_.physical == Type::kInt64) {
        for (int64_t v : scratch_i64_) out->doubles().push_back(static_cast<double>(v) / div);
      } else {
        for (size_t i = 0; i < n; ++i) {
          std::string_view b = bytes(i);
          out->doubles().push_back(BigEndianToDouble(reinterpret_cast<const unsigned char*>(b.data()), b.size()) / div);
        }
      }
      return Status::OK();
    }
    case Conversion::kFloat16ToDouble:
      for (size_t i = 0; i < n; ++i) {
        std::string_view b = bytes(i);
        uint16_t h = 0;
        if (b.size() == 2) std::memcpy(&h, b.data(), 2);
        out->doubles().push_back(HalfToDouble(h));
      }
      return Status::OK();
    case Conversion::kInt96ToNanos:
      for (size_t i = 0; i < n; ++i) {
        std::string_view b = bytes(i);
        if (b.size() != 12) {  // a null row
          out->int64s().push_back(0);
          continue;
        }
        int64_t nanos;
        int32_t day;
        std::memcpy(&nanos, b.data(), 8);
        std::memcpy(&day, b.data() + 8, 4);
        int64_t ns;
        if (__builtin_mul_overflow(static_cast<int64_t>(day) - kJulianEpochDay, int64_t{86400} * 1000000000, &ns) ||
            __builtin_add_overflow(ns, nanos, &ns)) {
          return Status::Unsupported("INT96 timestamp (Julian day " + std::to_string(day) +
                                     ") lies outside the nanosecond range");
        }
        out->int64s().push_back(ns);
      }
      return Status::OK();
    case Conversion::kNone:
    case Conversion::kMillisToNanos:
    case Conversion::kMicrosToNanos: break;
  }
  return Status::Internal("no conversion for column " + column_.field.name);
}

void ColumnChunkReader::AppendValidity(size_t old_rows, size_t n, size_t non_null, Column* out) {
  auto& v = out->validity();
  if (non_null < n) {
    if (v.empty()) v.assign(old_rows, 1);
    v.insert(v.end(), levels_.begin(), levels_.end());
  } else if (!v.empty()) {
    v.resize(v.size() + n, 1);
  }
}

Status ColumnChunkReader::DecodePage(std::string_view bytes, uint64_t file_offset, int64_t max_rows, Column* out,
                                     int64_t* rows, size_t* consumed) {
  *rows = 0;
  PageHeader h;
  size_t hsize = 0;
  if (gcm_ != nullptr) {
    // The header is a sealed module; which one (data or dictionary page header) only the tag can
    // tell: a dictionary page comes first, before any data page.
    bool dictionary_header = false;
    Status st = DecryptModule(gcm_, *module_key_, bytes, ModuleType::kDataPageHeader, row_group_, column_ordinal_,
                              page_ordinal_, &plain_header_, &hsize);
    if (!st.ok() && !dict_.present && page_ordinal_ == 0) {
      Status dict_st = DecryptModule(gcm_, *module_key_, bytes, ModuleType::kDictionaryPageHeader, row_group_,
                                     column_ordinal_, 0, &plain_header_, &hsize);
      if (dict_st.ok()) {
        st = dict_st;
        dictionary_header = true;
      }
    }
    if (!st.ok()) return Fail(file_offset, st);
    size_t used = 0;
    RETURN_IF_ERROR(
        DecodePageHeader(plain_header_, where_ + " page header at offset " + std::to_string(file_offset), &h, &used));
    if (module_key_->use_aad && dictionary_header != (h.type == PageType::kDictionaryPage)) {
      return Fail(file_offset, Status::Corruption("page header sealed as another page type"));
    }
  } else {
    RETURN_IF_ERROR(
        DecodePageHeader(bytes, where_ + " page header at offset " + std::to_string(file_offset), &h, &hsize));
  }
  if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0) {
    return Fail(file_offset, Status::Corruption("negative page size"));
  }
  if (static_cast<size_t>(h.compressed_page_size) > bytes.size() - hsize) {
    return Fail(file_offset, Status::Corruption("page of " + std::to_string(h.compressed_page_size) +
                                                " bytes runs past the column chunk (" +
                                                std::to_string(bytes.size() - hsize) + " bytes left)"));
  }
  if (static_cast<uint64_t>(h.uncompressed_page_size) > options_.max_page_bytes) {
    return Fail(file_offset, Status::Corruption("page claims " + std::to_string(h.uncompressed_page_size) +
                                                " uncompressed bytes, over the reader's limit"));
  }
  std::string_view body = bytes.substr(hsize, static_cast<size_t>(h.compressed_page_size));
  *consumed = hsize + body.size();
  const bool data_page = h.type == PageType::kDataPage || h.type == PageType::kDataPageV2;
  if (gcm_ != nullptr && (data_page || h.type == PageType::kDictionaryPage)) {
    size_t sealed = 0;
    RETURN_IF_ERROR(
        Fail(file_offset,
             DecryptModule(gcm_, *module_key_, body, data_page ? ModuleType::kDataPage : ModuleType::kDictionaryPage,
                           row_group_, column_ordinal_, data_page ? page_ordinal_ : 0, &plain_page_, &sealed)));
    if (sealed != body.size()) {
      return Fail(file_offset, Status::Corruption("encrypted page of " + std::to_string(sealed) +
                                                  " bytes in a page of " + std::to_string(body.size())));
    }
    body = plain_page_;
  }
  if (data_page) ++page_ordinal_;
  if (h.crc && options_.verify_checksums) {
    const uint32_t crc = Crc32(body);
    if (crc != static_cast<uint32_t>(*h.crc)) {
      return Fail(file_offset,
                  Status::Corruption("page CRC mismatch (stored " + std::to_string(static_cast<uint32_t>(*h.crc)) +
                                     ", computed " + std::to_string(crc) + ")"));
    }
  }
  auto check_count = [&](int64_t n, const char* what) -> Status {
    if (n < 0 || static_cast<uint64_t>(n) > options_.max_page_values) {
      return Status::Corruption(std::string(what) + " " + std::to_string(n) + " is out of range");
    }
    return Status::OK();
  };
  size_t uncompressed = static_cast<size_t>(h.uncompressed_page_size);
  switch (h.type) {
    case PageType::kDictionaryPage: {
      if (!h.dictionary_page_header) return Fail(file_offset, Status::Corruption("dictionary page without its header"));
      const DictionaryPageHeader& d = *h.dictionary_page_header;
      if (dict_.present) return Fail(file_offset, Status::Corruption("a second dictionary page in the column chunk"));
      RETURN_IF_ERROR(Fail(file_offset, check_count(d.num_values, "dictionary size")));
      if (d.encoding != Encoding::kPlain && d.encoding != Encoding::kPlainDictionary) {
        return Fail(file_offset, Status::Unsupported("dictionary page encoding " + EncodingName(d.encoding)));
      }
      std::string_view data;
      RETURN_IF_ERROR(Fail(file_offset, Decompress(body, uncompressed, page_buf_in_use_, &data)));
      RETURN_IF_ERROR(Fail(file_offset, DecodeDictionaryPage(column_.physical, column_.type_length,
                                                             reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                                             static_cast<size_t>(d.num_values), &dict_)));
      return Status::OK();
    }
    case PageType::kDataPage: {
      if (!h.data_page_header) return Fail(file_offset, Status::Corruption("data page without its header"));
      const DataPageHeader& d = *h.data_page_header;
      RETURN_IF_ERROR(Fail(file_offset, check_count(d.num_values, "value count")));
      size_t n = static_cast<size_t>(d.num_values);
      std::string_view data;
      RETURN_IF_ERROR(Fail(file_offset, Decompress(body, uncompressed, page_buf_in_use_, &data)));
      const auto* p = reinterpret_cast<const uint8_t*>(data.data());
      size_t used = 0, non_null = 0;
      RETURN_IF_ERROR(
          Fail(file_offset, DecodeLevels(d.definition_level_encoding, p, data.size(), n, true, &used, &non_null)));
      if (static_cast<int64_t>(n) > max_rows) return Fail(file_offset, TooManyRows(n, max_rows));
      size_t old_rows = StorageRows(*out);
      RETURN_IF_ERROR(Fail(file_offset, DecodeValues(d.encoding, p + used, data.size() - used, n, non_null, out)));
      AppendValidity(old_rows, n, non_null, out);
      *rows = static_cast<int64_t>(n);
      return Status::OK();
    }
    case PageType::kDataPageV2: {
      if (!h.data_page_header_v2) return Fail(file_offset, Status::Corruption("data page v2 without its header"));
      const DataPageHeaderV2& d = *h.data_page_header_v2;
      RETURN_IF_ERROR(Fail(file_offset, check_count(d.num_values, "value count")));
      size_t n = static_cast<size_t>(d.num_values);
      if (d.num_rows != d.num_values) {
        return Fail(file_offset, Status::Corruption("v2 page of a flat column has " + std::to_string(d.num_rows) +
                                                    " rows but " + std::to_string(d.num_values) + " values"));
      }
      if (d.definition_levels_byte_length < 0 || d.repetition_levels_byte_length < 0 ||
          static_cast<uint64_t>(d.definition_levels_byte_length) + d.repetition_levels_byte_length > body.size() ||
          static_cast<uint64_t>(d.definition_levels_byte_length) + d.repetition_levels_byte_length > uncompressed) {
        return Fail(file_offset, Status::Corruption("v2 page level lengths exceed the page"));
      }
      size_t rep = static_cast<size_t>(d.repetition_levels_byte_length);
      size_t def = static_cast<size_t>(d.definition_levels_byte_length);
      std::string_view levels = body.substr(rep, def);
      std::string_view values = body.substr(rep + def);
      size_t values_size = uncompressed - rep - def;
      std::string_view data;
      if (d.is_compressed && values_size > 0) {
        RETURN_IF_ERROR(Fail(file_offset, Decompress(values, values_size, page_buf_in_use_, &data)));
      } else {
        data = values;
      }
      size_t used = 0, non_null = n;
      if (column_.max_def_level > 0) {
        RETURN_IF_ERROR(Fail(file_offset, DecodeLevels(Encoding::kRle, reinterpret_cast<const uint8_t*>(levels.data()),
                                                       levels.size(), n, false, &used, &non_null)));
      } else {
        levels_.clear();
      }
      if (non_null + static_cast<size_t>(std::max(0, d.num_nulls)) != n) {
        return Fail(file_offset,
                    Status::Corruption("v2 page says " + std::to_string(d.num_nulls) +
                                       " nulls, its definition levels say " + std::to_string(n - non_null)));
      }
      if (static_cast<int64_t>(n) > max_rows) return Fail(file_offset, TooManyRows(n, max_rows));
      size_t old_rows = StorageRows(*out);
      RETURN_IF_ERROR(Fail(file_offset, DecodeValues(d.encoding, reinterpret_cast<const uint8_t*>(data.data()),
                                                     data.size(), n, non_null, out)));
      AppendValidity(old_rows, n, non_null, out);
      *rows = static_cast<int64_t>(n);
      return Status::OK();
    }
    default: return Status::OK();  // index pages and page types from the future carry no rows
  }
}

Status ColumnChunkReader::DecodeChunk(std::string_view bytes, uint64_t file_offset, int64_t num_rows, Column* out) {
  RETURN_IF_ERROR(Reset());
  int64_t total = 0;
  size_t pos = 0;
  while (pos < bytes.size() && total < num_rows) {
    int64_t rows = 0;
    size_t consumed = 0;
    RETURN_IF_ERROR(DecodePage(bytes.substr(pos), file_offset + pos, num_rows - total, out, &rows, &consumed));
    pos += consumed;
    total += rows;
  }
  if (total != num_rows) {
    return Status::Corruption(where_ + ": column chunk holds " + std::to_string(total) + " rows, the row group " +
                              std::to_string(num_rows));
  }
  return Status::OK();
}

}  // namespace strata::parquet
