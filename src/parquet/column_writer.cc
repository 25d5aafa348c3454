#include "parquet/column_writer.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "codec/crc32.h"
#include "parquet/bit_util.h"
#include "parquet/byte_stream_split.h"
#include "parquet/delta_binary_packed.h"
#include "parquet/delta_byte_array.h"
#include "parquet/plain_encoding.h"
#include "parquet/rle_encoding.h"
#include "parquet/schema_mapping.h"

namespace strata::parquet {
namespace {

void AddUnique(std::vector<Encoding>* list, Encoding e) {
  if (std::find(list->begin(), list->end(), e) == list->end()) list->push_back(e);
}

void CountPage(std::vector<PageEncodingStats>* stats, PageType type, Encoding e) {
  for (PageEncodingStats& s : *stats) {
    if (s.page_type == type && s.encoding == e) {
      ++s.count;
      return;
    }
  }
  stats->push_back({type, e, 1});
}

// Orders PLAIN-encoded statistics of one column type (for the page index's boundary order).
int CompareBounds(ColumnType type, std::string_view a, std::string_view b) {
  switch (type) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: {
      int64_t x, y;
      std::memcpy(&x, a.data(), 8);
      std::memcpy(&y, b.data(), 8);
      return x < y ? -1 : x > y;
    }
    case ColumnType::kInt32: {
      int32_t x, y;
      std::memcpy(&x, a.data(), 4);
      std::memcpy(&y, b.data(), 4);
      return x < y ? -1 : x > y;
    }
    case ColumnType::kFloat64: {
      double x, y;
      std::memcpy(&x, a.data(), 8);
      std::memcpy(&y, b.data(), 8);
      return x < y ? -1 : x > y;
    }
    case ColumnType::kFloat32: {
      float x, y;
      std::memcpy(&x, a.data(), 4);
      std::memcpy(&y, b.data(), 4);
      return x < y ? -1 : x > y;
    }
    case ColumnType::kBool: return a < b ? -1 : a > b;
    case ColumnType::kSymbol:
    case ColumnType::kString: return a.compare(b) < 0 ? -1 : a.compare(b) > 0;
  }
  return 0;
}

}  // namespace

ColumnChunkWriter::ColumnChunkWriter(Field field, ColumnEncoding requested, const WriterOptions& options, Codec* codec)
    : field_(std::move(field)),
      enc_type_(field_.type == ColumnType::kFloat32 ? ColumnType::kInt32 : field_.type),
      convert_(field_.type == ColumnType::kFloat32 ||
               (field_.type == ColumnType::kTimestamp && field_.unit != strata::TimeUnit::kNanos)),
      stored_(enc_type_),
      stats_src_(nullptr),
      requested_(requested),
      encoding_(ResolveEncoding(requested, field_.type).ValueOr(ColumnEncoding::kPlain)),
      fallback_(ColumnEncoding::kPlain),
      options_(options),
      codec_(codec),
      dense_(enc_type_) {}

bool ColumnChunkWriter::MostlyDistinct(size_t rows) const {
  size_t values = rows - static_cast<size_t>(pages_.front().stats.null_count());
  size_t distinct = 0;
  switch (enc_type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: distinct = dict_i64_.size(); break;
    case ColumnType::kInt32: distinct = dict_i32_.size(); break;
    case ColumnType::kFloat32:  // encoded as i32 (enc_type_); unreachable
    case ColumnType::kFloat64: distinct = dict_f64_.size(); break;
    case ColumnType::kSymbol:
    case ColumnType::kString: distinct = dict_str_.size(); break;
    case ColumnType::kBool: return false;
  }
  // Tiny pages say little about a column; keep the dictionary for them.
  return values >= 64 && static_cast<double>(distinct) > options_.dictionary_max_distinct_ratio * values;
}

void ColumnChunkWriter::ResetDictionary() {
  dict_i64_.Clear();
  dict_i32_.Clear();
  dict_f64_.Clear();
  dict_str_.Clear();
}

size_t ColumnChunkWriter::DictionaryBytes() const {
  switch (enc_type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: return dict_i64_.byte_size();
    case ColumnType::kInt32: return dict_i32_.byte_size();
    case ColumnType::kFloat32:  // encoded as i32 (enc_type_); unreachable
    case ColumnType::kFloat64: return dict_f64_.byte_size();
    case ColumnType::kSymbol:
    case ColumnType::kString: return dict_str_.byte_size();
    case ColumnType::kBool: return 0;
  }
  return 0;
}

size_t ColumnChunkWriter::PageEnd(const Column& col, size_t begin, size_t end) const {
  size_t max_rows = static_cast<size_t>(std::max<int64_t>(1, options_.page_rows));
  size_t limit = std::min(end, begin + max_rows);
  if (IsStringLike(field_.type)) {
    // Stop once the characters (plus PLAIN's 4-byte lengths) reach the page target.
    const uint32_t* off = col.offsets().data();
    uint64_t target = static_cast<uint64_t>(std::max<int64_t>(1, options_.page_bytes));
    size_t e = begin;
    while (e < limit && (off[e] - off[begin]) + 4ull * (e - begin) < target) ++e;
    return std::max(e, begin + 1);
  }
  int width = enc_type_ == ColumnType::kBool ? 1 : FixedWidth(enc_type_);
  size_t by_bytes = static_cast<size_t>(std::max<int64_t>(1, options_.page_bytes / width));
  return std::min(limit, begin + by_bytes);
}

void ColumnChunkWriter::GatherNonNull(const Column& col, size_t begin, size_t end, size_t nulls) {
  dense_.Clear();
  const uint8_t* valid = col.validity().data();
  size_t nn = (end - begin) - nulls;
  auto gather = [&](const auto& src, auto& dst) {
    dst.resize(nn);
    size_t j = 0;
    for (size_t i = begin; i < end; ++i) {
      if (valid[i]) dst[j++] = src[i];
    }
  };
  switch (enc_type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: gather(col.int64s(), dense_.int64s()); break;
    case ColumnType::kInt32: gather(col.int32s(), dense_.int32s()); break;
    case ColumnType::kFloat32:  // encoded as i32 (enc_type_); unreachable
    case ColumnType::kFloat64: gather(col.doubles(), dense_.doubles()); break;
    case ColumnType::kBool: gather(col.bools(), dense_.bools()); break;
    case ColumnType::kSymbol:
    case ColumnType::kString:
      for (size_t i = begin; i < end; ++i) {
        if (valid[i]) {
          std::string_view s = col.GetString(i);
          dense_.chars().append(s);
          dense_.offsets().push_back(static_cast<uint32_t>(dense_.chars().size()));
        }
      }
      break;
  }
  dense_.SetSizeFromStorage().IgnoreError();  // consistent by construction
}

Status ColumnChunkWriter::EncodeValues(const Column& col, size_t begin, size_t end, size_t nulls, Encoding* used) {
  values_.clear();
  const Column* src = &col;
  size_t b = begin, n = (end - begin) - nulls;
  if (nulls > 0) {
    GatherNonNull(col, begin, end, nulls);
    src = &dense_;
    b = 0;
  }
  *used = Encoding::kPlain;
  if (n == 0) return Status::OK();
  ColumnEncoding enc = encoding_;
  if (enc == ColumnEncoding::kDictionary && !dictionary_on_) enc = fallback_;
  ColumnType t = enc_type_;
  switch (enc) {
    case ColumnEncoding::kDictionary: {
      indices_.resize(n);
      size_t dict_size = 0;
      switch (t) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64:
          for (size_t i = 0; i < n; ++i) indices_[i] = dict_i64_.Insert(src->int64s()[b + i]);
          dict_size = dict_i64_.size();
          break;
        case ColumnType::kInt32:
          for (size_t i = 0; i < n; ++i) indices_[i] = dict_i32_.Insert(src->int32s()[b + i]);
          dict_size = dict_i32_.size();
          break;
        case ColumnType::kFloat32:  // encoded as i32 (enc_type_); unreachable
        case ColumnType::kFloat64:
          for (size_t i = 0; i < n; ++i) indices_[i] = dict_f64_.Insert(src->doubles()[b + i]);
          dict_size = dict_f64_.size();
          break;
        case ColumnType::kSymbol:
        case ColumnType::kString:
          for (size_t i = 0; i < n; ++i) indices_[i] = dict_str_.Insert(src->GetString(b + i));
          dict_size = dict_str_.size();
          break;
        case ColumnType::kBool: return Status::Internal("dictionary encoding of a bool column");
      }
      // At least one bit: a zero-width index stream is legal but trips some readers.
      int bw = std::max(1, BitWidth(dict_size - 1));
      values_.push_back(static_cast<char>(bw));
      RleEncode(indices_.data(), n, bw, &values_);
      *used = Encoding::kRleDictionary;
      return Status::OK();
    }
    case ColumnEncoding::kPlain:
      switch (t) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64: EncodePlainFixed(src->int64s().data() + b, n, &values_); break;
        case ColumnType::kInt32: EncodePlainFixed(src->int32s().data() + b, n, &values_); break;
        case ColumnType::kFloat32:  // encoded as i32 (enc_type_); unreachable
        case ColumnType::kFloat64: EncodePlainFixed(src->doubles().data() + b, n, &values_); break;
        case ColumnType::kBool: EncodePlainBool(src->bools().data() + b, n, &values_); break;
        case ColumnType::kSymbol:
        case ColumnType::kString:
          EncodePlainByteArray(src->offsets().data() + b, src->chars().data(), n, &values_);
          break;
      }
      return Status::OK();
    case ColumnEncoding::kDeltaBinaryPacked:
      if (t == ColumnType::kInt32) {
        EncodeDeltaBinaryPacked(src->int32s().data() + b, n, &values_);
      } else {
        EncodeDeltaBinaryPacked(src->int64s().data() + b, n, &values_);
      }
      *used = Encoding::kDeltaBinaryPacked;
      return Status::OK();
    case ColumnEncoding::kByteStreamSplit: {
      const void* data = t == ColumnType::kInt32     ? static_cast<const void*>(src->int32s().data() + b)
                         : t == ColumnType::kFloat64 ? static_cast<const void*>(src->doubles().data() + b)
                                                     : static_cast<const void*>(src->int64s().data() + b);
      EncodeByteStreamSplit(static_cast<const uint8_t*>(data), n, FixedWidth(t), &values_);
      *used = Encoding::kByteStreamSplit;
      return Status::OK();
    }
    case ColumnEncoding::kDeltaLengthByteArray:
      EncodeDeltaLengthByteArray(src->offsets().data() + b, src->chars().data(), n, &values_);
      *used = Encoding::kDeltaLengthByteArray;
      return Status::OK();
    case ColumnEncoding::kDeltaByteArray:
      EncodeDeltaByteArray(src->offsets().data() + b, src->chars().data(), n, &values_);
      *used = Encoding::kDeltaByteArray;
      return Status::OK();
    case ColumnEncoding::kRle: {
      values_.append(4, '\0');  // length prefix, patched below
      RleEncode(src->bools().data() + b, n, 1, &values_);
      uint32_t len = static_cast<uint32_t>(values_.size() - 4);
      std::memcpy(values_.data(), &len, 4);
      *used = Encoding::kRle;
      return Status::OK();
    }
    case ColumnEncoding::kAuto:
    case ColumnEncoding::kStrongest: break;
  }
  return Status::Internal("unresolved encoding " + std::string(ColumnEncodingName(enc)));
}

Status ColumnChunkWriter::FinishPage(PageType type, Encoding encoding, size_t rows, size_t nulls, std::string* dest) {
  PageHeader h;
  h.type = type;
  std::string_view payload;
  size_t uncompressed = 0;
  bool compress = codec_->type() != CompressionType::kNone;
  if (type == PageType::kDataPageV2) {
    // Levels stay uncompressed in v2 pages so readers can get at them without decompressing.
    compressed_ = levels_;
    if (compress) {
      RETURN_IF_ERROR(codec_->Compress(values_, &compressed_));
    } else {
      compressed_ += values_;
    }
    payload = compressed_;
    uncompressed = levels_.size() + values_.size();
    DataPageHeaderV2& d = h.data_page_header_v2.emplace();
    d.num_values = static_cast<int32_t>(rows);
    d.num_nulls = static_cast<int32_t>(nulls);
    d.num_rows = static_cast<int32_t>(rows);
    d.encoding = encoding;
    d.definition_levels_byte_length = static_cast<int32_t>(levels_.size());
    d.repetition_levels_byte_length = 0;
    d.is_compressed = compress;
  } else {
    body_.clear();
    if (field_.nullable && type == PageType::kDataPage) {
      AppendLE32(static_cast<uint32_t>(levels_.size()), &body_);
      body_ += levels_;
    }
    body_ += values_;
    uncompressed = body_.size();
    if (compress) {
      compressed_.clear();
      RETURN_IF_ERROR(codec_->Compress(body_, &compressed_));
      payload = compressed_;
    } else {
      payload = body_;
    }
    if (type == PageType::kDataPage) {
      DataPageHeader& d = h.data_page_header.emplace();
      d.num_values = static_cast<int32_t>(rows);
      d.encoding = encoding;
      d.definition_level_encoding = Encoding::kRle;
      d.repetition_level_encoding = Encoding::kRle;
    } else {
      DictionaryPageHeader& d = h.dictionary_page_header.emplace();
      d.num_values = static_cast<int32_t>(rows);
      d.encoding = Encoding::kPlain;
    }
  }
  if (uncompressed > INT32_MAX || payload.size() > INT32_MAX) {
    return Status::InvalidArgument("column " + field_.name + ": a page exceeds 2 GiB; lower page_bytes");
  }
  h.uncompressed_page_size = static_cast<int32_t>(uncompressed);
  const bool dictionary = type == PageType::kDictionaryPage;
  // Data page ordinals in AADs count the chunk's data pages from 0; WritePage records a page
  // after finishing it, so pages_.size() is this page's ordinal.
  const int ordinal = dictionary ? 0 : static_cast<int>(pages_.size());
  if (gcm_ != nullptr) {
    sealed_.clear();
    RETURN_IF_ERROR(EncryptModule(gcm_, *module_key_, payload,
                                  dictionary ? ModuleType::kDictionaryPage : ModuleType::kDataPage, row_group_,
                                  column_ordinal_, ordinal, &sealed_)
                        .WithContext("column " + field_.name));
    if (sealed_.size() > INT32_MAX) {
      return Status::InvalidArgument("column " + field_.name + ": a page exceeds 2 GiB; lower page_bytes");
    }
    payload = sealed_;  // the page as stored: its size in the header is the sealed module's
  } else if (options_.write_page_crc) {
    h.crc = static_cast<int32_t>(Crc32(payload));
  }
  h.compressed_page_size = static_cast<int32_t>(payload.size());
  header_.clear();
  EncodePageHeader(h, &header_);
  if (gcm_ != nullptr) {
    const size_t plain_header = header_.size();
    std::string sealed_header;
    RETURN_IF_ERROR(EncryptModule(gcm_, *module_key_, header_,
                                  dictionary ? ModuleType::kDictionaryPageHeader : ModuleType::kDataPageHeader,
                                  row_group_, column_ordinal_, ordinal, &sealed_header)
                        .WithContext("column " + field_.name));
    dest->append(sealed_header);
    dest->append(payload);
    uncompressed_total_ += static_cast<int64_t>(plain_header + uncompressed);
    CountPage(&encoding_stats_, type, encoding);
    return Status::OK();
  }
  dest->append(header_);
  dest->append(payload);
  uncompressed_total_ += static_cast<int64_t>(header_.size() + uncompressed);
  CountPage(&encoding_stats_, type, encoding);
  return Status::OK();
}

Status ColumnChunkWriter::WritePage(const Column& col, size_t begin, size_t end, size_t chunk_begin) {
  size_t rows = end - begin;
  size_t nulls = 0;
  levels_.clear();
  if (!col.validity().empty()) {
    const uint8_t* v = col.validity().data();
    for (size_t i = begin; i < end; ++i) nulls += v[i] == 0;
  }
  if (field_.nullable) {
    if (nulls == 0) {
      RleEncodeRun(1, rows, 1, &levels_);
    } else {
      RleEncode(col.validity().data() + begin, rows, 1, &levels_);
    }
  }
  Encoding used;
  RETURN_IF_ERROR(EncodeValues(col, begin, end, nulls, &used));
  PageRecord rec{data_pages_.size(), 0, static_cast<int64_t>(begin - chunk_begin), ValueStats(field_.type)};
  if (stats_src_ != nullptr) {
    rec.stats.Update(*stats_src_, begin + stats_shift_, end + stats_shift_);
  } else {
    rec.stats.Update(col, begin, end);
  }
  PageType type = options_.page_version == PageVersion::kV2 ? PageType::kDataPageV2 : PageType::kDataPage;
  RETURN_IF_ERROR(FinishPage(type, used, rows, nulls, &data_pages_));
  rec.size = static_cast<int32_t>(data_pages_.size() - rec.offset);
  pages_.push_back(std::move(rec));
  AddUnique(&encodings_, used);
  if (dictionary_on_ && DictionaryBytes() > static_cast<size_t>(std::max<int64_t>(0, options_.dictionary_page_bytes))) {
    dictionary_on_ = false;
  }
  return Status::OK();
}

namespace {

std::vector<ColumnEncoding> Candidates(ColumnType t) {
  switch (t) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64:
    case ColumnType::kInt32:
      return {ColumnEncoding::kDeltaBinaryPacked, ColumnEncoding::kDictionary, ColumnEncoding::kPlain};
    case ColumnType::kFloat32:
    case ColumnType::kFloat64:
      return {ColumnEncoding::kByteStreamSplit, ColumnEncoding::kDictionary, ColumnEncoding::kPlain};
    case ColumnType::kSymbol:
    case ColumnType::kString:
      return {ColumnEncoding::kDictionary, ColumnEncoding::kDeltaByteArray, ColumnEncoding::kDeltaLengthByteArray,
              ColumnEncoding::kPlain};
    case ColumnType::kBool: return {ColumnEncoding::kRle, ColumnEncoding::kPlain};
  }
  return {ColumnEncoding::kPlain};
}

}  // namespace

void ColumnChunkWriter::ChooseEncoding(const Column& col, size_t begin, size_t end) {
  size_t nulls = 0;
  if (!col.validity().empty()) {
    for (size_t i = begin; i < end; ++i) nulls += col.validity()[i] == 0;
  }
  auto compressed_size = [&](const std::string& raw) -> size_t {
    if (codec_->type() == CompressionType::kNone) return raw.size();
    trial_.clear();
    return codec_->Compress(raw, &trial_).ok() ? trial_.size() : SIZE_MAX;
  };
  size_t best_size = SIZE_MAX, best_other_size = SIZE_MAX;
  ColumnEncoding best = ColumnEncoding::kPlain, best_other = ColumnEncoding::kPlain;
  for (ColumnEncoding cand : Candidates(field_.type)) {
    encoding_ = cand;
    fallback_ = ColumnEncoding::kPlain;
    dictionary_on_ = cand == ColumnEncoding::kDictionary;
    ResetDictionary();
    Encoding used;
    if (!EncodeValues(col, begin, end, nulls, &used).ok()) continue;
    size_t size = compressed_size(values_);
    if (cand == ColumnEncoding::kDictionary && size != SIZE_MAX) {
      EncodeDictionaryValues();
      size_t dict = compressed_size(values_);
      size = dict == SIZE_MAX ? SIZE_MAX : size + dict;
    }
    if (size < best_size) best_size = size, best = cand;
    if (cand != ColumnEncoding::kDictionary && size < best_other_size) best_other_size = size, best_other = cand;
  }
  encoding_ = best;
  fallback_ = best_other;
  ResetDictionary();
}

size_t ColumnChunkWriter::EncodeDictionaryValues() {
  values_.clear();
  size_t n = 0;
  switch (enc_type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: EncodePlainFixed(dict_i64_.values().data(), n = dict_i64_.size(), &values_); break;
    case ColumnType::kInt32: EncodePlainFixed(dict_i32_.values().data(), n = dict_i32_.size(), &values_); break;
    case ColumnType::kFloat32:  // encoded as i32 (enc_type_); unreachable
    case ColumnType::kFloat64: EncodePlainFixed(dict_f64_.values().data(), n = dict_f64_.size(), &values_); break;
    case ColumnType::kSymbol:
    case ColumnType::kString:
      EncodePlainByteArray(dict_str_.offsets().data(), dict_str_.chars().data(), n = dict_str_.size(), &values_);
      break;
    case ColumnType::kBool: break;
  }
  return n;
}

Status ColumnChunkWriter::EncodeDictionaryPage(std::string* dest, int32_t* size) {
  size_t n = EncodeDictionaryValues();
  size_t before = dest->size();
  RETURN_IF_ERROR(FinishPage(PageType::kDictionaryPage, Encoding::kPlain, n, 0, dest));
  *size = static_cast<int32_t>(dest->size() - before);
  return Status::OK();
}

void ColumnChunkWriter::ToStored(const Column& col, size_t begin, size_t n) {
  stored_.Clear();
  if (field_.type == ColumnType::kFloat32) {
    std::vector<int32_t>& dst = stored_.int32s();
    dst.resize(n);
    const double* src = col.doubles().data() + begin;
    for (size_t i = 0; i < n; ++i) dst[i] = std::bit_cast<int32_t>(static_cast<float>(src[i]));
  } else {
    std::vector<int64_t>& dst = stored_.int64s();
    dst.resize(n);
    const int64_t* src = col.int64s().data() + begin;
    const int64_t d = NanosPerUnit(field_.unit);
    for (size_t i = 0; i < n; ++i) dst[i] = TruncateToUnit(src[i], field_.unit) / d;
  }
  if (!col.validity().empty()) {
    stored_.validity().assign(col.validity().begin() + static_cast<ptrdiff_t>(begin),
                              col.validity().begin() + static_cast<ptrdiff_t>(begin + n));
  }
  stored_.SetSizeFromStorage().IgnoreError();  // consistent by construction
}

Status ColumnChunkWriter::WriteChunk(const Column& col, size_t begin, size_t n, uint64_t file_offset, std::string* out,
                                     ChunkResult* result) {
  if (!convert_) return WriteStoredChunk(col, begin, n, file_offset, out, result);
  ToStored(col, begin, n);
  stats_src_ = field_.type == ColumnType::kFloat32 ? &col : nullptr;
  stats_shift_ = begin;
  Status st = WriteStoredChunk(stored_, 0, n, file_offset, out, result);
  stats_src_ = nullptr;
  return st;
}

Status ColumnChunkWriter::WriteStoredChunk(const Column& col, size_t begin, size_t n, uint64_t file_offset,
                                           std::string* out, ChunkResult* result) {
  pages_.clear();
  data_pages_.clear();
  encodings_.clear();
  encoding_stats_.clear();
  uncompressed_total_ = 0;
  size_t end = begin + n;
  if (requested_ == ColumnEncoding::kStrongest && n > 0) {
    ChooseEncoding(col, begin, PageEnd(col, begin, end));
  } else if (requested_ == ColumnEncoding::kStrongest || requested_ == ColumnEncoding::kAuto) {
    encoding_ = ResolveEncoding(requested_, field_.type).ValueOr(ColumnEncoding::kPlain);
    fallback_ = IsStringLike(field_.type) && requested_ == ColumnEncoding::kStrongest ? ColumnEncoding::kDeltaByteArray
                                                                                      : ColumnEncoding::kPlain;
  }
  ResetDictionary();
  dictionary_on_ = encoding_ == ColumnEncoding::kDictionary;
  if (field_.nullable) AddUnique(&encodings_, Encoding::kRle);  // definition levels

  for (size_t b = begin; b < end;) {
    size_t e = PageEnd(col, b, end);
    RETURN_IF_ERROR(WritePage(col, b, e, begin));
    if (b == begin && dictionary_on_ && requested_ == ColumnEncoding::kAuto && MostlyDistinct(e - b)) {
      // Start over without a dictionary: the first page is re-encoded with the fallback.
      pages_.clear();
      data_pages_.clear();
      encodings_.clear();
      if (field_.nullable) AddUnique(&encodings_, Encoding::kRle);
      encoding_stats_.clear();
      uncompressed_total_ = 0;
      ResetDictionary();
      dictionary_on_ = false;
      continue;
    }
    b = e;
  }
  if (n == 0) RETURN_IF_ERROR(WritePage(col, begin, begin, begin));  // an empty page keeps the chunk valid

  bool has_dictionary = std::find(encodings_.begin(), encodings_.end(), Encoding::kRleDictionary) != encodings_.end();
  uint64_t chunk_start = file_offset;
  size_t out_start = out->size();
  int32_t dict_size = 0;
  if (has_dictionary) {
    RETURN_IF_ERROR(EncodeDictionaryPage(out, &dict_size));
    AddUnique(&encodings_, Encoding::kPlain);
  }
  uint64_t data_start = chunk_start + static_cast<uint64_t>(dict_size);
  out->append(data_pages_);

  ColumnChunk& cc = result->chunk;
  cc = ColumnChunk{};
  cc.file_offset = static_cast<int64_t>(chunk_start);
  ColumnMetaData& m = cc.meta_data.emplace();
  m.type = PhysicalType(field_.type);
  m.encodings = encodings_;
  m.path_in_schema = {field_.name};
  m.codec = codec_->type() == CompressionType::kNone     ? CompressionCodec::kUncompressed
            : codec_->type() == CompressionType::kSnappy ? CompressionCodec::kSnappy
            : codec_->type() == CompressionType::kGzip   ? CompressionCodec::kGzip
            : codec_->type() == CompressionType::kZstd   ? CompressionCodec::kZstd
            : codec_->type() == CompressionType::kLz4Raw ? CompressionCodec::kLz4Raw
                                                         : CompressionCodec::kLz4;
  m.num_values = static_cast<int64_t>(n);
  m.total_compressed_size = static_cast<int64_t>(out->size() - out_start);
  m.total_uncompressed_size = uncompressed_total_;
  m.data_page_offset = static_cast<int64_t>(data_start);
  if (has_dictionary) m.dictionary_page_offset = static_cast<int64_t>(chunk_start);
  m.encoding_stats = encoding_stats_;

  ValueStats chunk_stats(field_.type);
  for (const PageRecord& p : pages_) chunk_stats.Merge(p.stats);
  if (options_.write_statistics) m.statistics = chunk_stats.ToThrift();

  result->offset_index = OffsetIndex{};
  result->column_index.reset();
  for (const PageRecord& p : pages_) {
    result->offset_index.page_locations.push_back({static_cast<int64_t>(data_start + p.offset), p.size, p.first_row});
  }
  bool index_allowed = true;
  ColumnIndex ci;
  ci.null_counts.emplace();
  if (IsFloating(field_.type)) ci.nan_counts.emplace();
  bool ascending = true, descending = true;
  std::string prev_min, prev_max;
  bool have_prev = false;
  for (const PageRecord& p : pages_) {
    if (p.stats.only_nan()) index_allowed = false;  // the spec forbids an index then
    bool null_page = !p.stats.has_min_max();
    ci.null_pages.push_back(null_page);
    ci.null_counts->push_back(p.stats.null_count());
    if (ci.nan_counts) ci.nan_counts->push_back(p.stats.nan_count());
    if (null_page) {
      ci.min_values.emplace_back();
      ci.max_values.emplace_back();
      continue;
    }
    bool exact;
    ci.min_values.push_back(p.stats.EncodedMin(&exact));
    ci.max_values.push_back(p.stats.EncodedMax(&exact));
    if (have_prev) {
      int cmin = CompareBounds(field_.type, ci.min_values.back(), prev_min);
      int cmax = CompareBounds(field_.type, ci.max_values.back(), prev_max);
      if (cmin < 0 || cmax < 0) ascending = false;
      if (cmin > 0 || cmax > 0) descending = false;
    }
    prev_min = ci.min_values.back();
    prev_max = ci.max_values.back();
    have_prev = true;
  }
  ci.boundary_order = ascending    ? BoundaryOrder::kAscending
                      : descending ? BoundaryOrder::kDescending
                                   : BoundaryOrder::kUnordered;
  if (index_allowed) result->column_index = std::move(ci);
  return Status::OK();
}

}  // namespace strata::parquet
