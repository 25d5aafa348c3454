#include "parquet/parquet_reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <map>
#include <system_error>
#include <thread>
#include <utility>

#include "parquet/column_reader.h"
#include "parquet/column_util.h"
#include "parquet/statistics.h"

namespace strata::parquet {
namespace {

using Ranges = std::vector<std::pair<int64_t, int64_t>>;  // sorted, disjoint [begin, end)

constexpr uint64_t kTailRead = 64 * 1024;  // one read usually gets the whole footer
constexpr int64_t kMaxReserveRows = 1 << 22;
// Below this many rows a read is too short to pay for starting a thread (~50 us).
constexpr int64_t kMinParallelRows = 32 * 1024;

int64_t SatAdd(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}

int64_t SatMul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? ((a < 0) != (b < 0) ? INT64_MIN : INT64_MAX) : r;
}

Ranges Intersect(const Ranges& a, const Ranges& b) {
  Ranges out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    int64_t lo = std::max(a[i].first, b[j].first), hi = std::min(a[i].second, b[j].second);
    if (lo < hi) out.emplace_back(lo, hi);
    (a[i].second < b[j].second) ? ++i : ++j;
  }
  return out;
}

void AddRange(Ranges* r, int64_t lo, int64_t hi) {
  if (lo >= hi) return;
  if (!r->empty() && r->back().second >= lo) {
    r->back().second = std::max(r->back().second, hi);
  } else {
    r->emplace_back(lo, hi);
  }
}

int64_t ScaleOf(Conversion c) {
  return c == Conversion::kMillisToNanos ? 1000000 : c == Conversion::kMicrosToNanos ? 1000 : 1;
}

}  // namespace

class ParquetReader::Impl {
 public:
  Impl(std::unique_ptr<RangeSource> source, const ReaderOptions& options)
      : source_(std::move(source)), options_(options) {}

  Status Open() {
    const std::string& name = source_->name();
    ASSIGN_OR_RETURN(size_, source_->Size());
    if (size_ < 12) {
      return Status::Corruption(name + ": " + std::to_string(size_) + " bytes is too small for a Parquet file");
    }
    uint64_t tail_len = std::min(size_, kTailRead);
    ASSIGN_OR_RETURN(std::string tail, Fetch(size_ - tail_len, tail_len));
    std::string_view magic = std::string_view(tail).substr(tail.size() - 4);
    const bool encrypted_footer = magic == "PARE";
    if (magic != "PAR1" && !encrypted_footer) {
      return Status::Corruption(name + ": not a Parquet file (no PAR1 magic at its end)");
    }
    uint32_t footer_len;
    std::memcpy(&footer_len, tail.data() + tail.size() - 8, 4);
    if (footer_len > size_ - 12) {
      return Status::Corruption(name + ": footer length " + std::to_string(footer_len) + " exceeds the file (" +
                                std::to_string(size_) + " bytes)");
    }
    if (footer_len > options_.max_footer_bytes) {
      return Status::Corruption(name + ": footer of " + std::to_string(footer_len) + " bytes is over the limit");
    }
    std::string footer;
    if (footer_len + 8 <= tail.size()) {
      footer = tail.substr(tail.size() - 8 - footer_len, footer_len);
    } else {
      ASSIGN_OR_RETURN(footer, Fetch(size_ - 8 - footer_len, footer_len));
    }
    if (encrypted_footer) {
      RETURN_IF_ERROR(OpenEncryptedFooter(footer));
    } else {
      RETURN_IF_ERROR(DecodeFileMetaData(footer, name + " footer", &md_));
    }
    if (md_.encrypted) {
      return Status::Unsupported(name + ": encrypted Parquet files with a plaintext footer are not supported");
    }
    RETURN_IF_ERROR(SetUpColumnKeys());
    auto columns = MapFileSchema(md_);
    if (!columns.ok()) return columns.status().WithContext(name);
    columns_ = std::move(*columns);
    int leaves = 0;
    for (const ColumnInfo& c : columns_) leaves += c.leaf_count;
    int64_t start = 0;
    for (size_t g = 0; g < md_.row_groups.size(); ++g) {
      const RowGroup& rg = md_.row_groups[g];
      if (rg.columns.size() != static_cast<size_t>(leaves)) {
        return Status::Corruption(name + ": row group " + std::to_string(g) + " has " +
                                  std::to_string(rg.columns.size()) + " column chunks, the schema " +
                                  std::to_string(leaves) + " columns");
      }
      if (rg.num_rows < 0 || static_cast<uint64_t>(rg.num_rows) > options_.max_row_group_rows ||
          SatAdd(start, rg.num_rows) == INT64_MAX) {
        return Status::Corruption(name + ": row group " + std::to_string(g) + " has " + std::to_string(rg.num_rows) +
                                  " rows");
      }
      rg_start_.push_back(start);
      start += rg.num_rows;
    }
    num_rows_ = start;
    return Status::OK();
  }

  // Encrypted footer mode (Encryption.md 5.4): FileCryptoMetaData, then the sealed FileMetaData.
  Status OpenEncryptedFooter(std::string_view bytes) {
    const std::string& name = source_->name();
    FileCryptoMetaData fcm;
    size_t used = 0;
    RETURN_IF_ERROR(DecodeFileCryptoMetaData(bytes, name + " file crypto metadata", &fcm, &used));
    const EncryptionAlgorithm& alg = fcm.encryption_algorithm;
    if (alg.kind == EncryptionAlgorithm::Kind::kAesGcmCtrV1) {
      return Status::Unsupported(name + ": encrypted with AES_GCM_CTR_V1; only AES_GCM_V1 is supported");
    }
    if (alg.kind != EncryptionAlgorithm::Kind::kAesGcmV1) {
      return Status::Unsupported(name + ": encrypted with an unknown Parquet encryption algorithm");
    }
    const std::string key_id = fcm.key_metadata.value_or("");
    if (options_.keys == nullptr) {
      return Status::InvalidArgument(
          name + ": the file is encrypted (Parquet Modular Encryption, " +
          (key_id.empty() ? std::string("no key id") : "key id " + QuoteForMessage(key_id, 70)) +
          ") and no encryption key was given");
    }
    if (alg.supply_aad_prefix.value_or(false) && !alg.aad_prefix) {
      return Status::Unsupported(name +
                                 ": the file's AAD prefix is not stored in it and must be supplied; strata cannot");
    }
    const std::string lookup = key_id.empty() ? options_.keys->current_key_id() : key_id;
    auto key = options_.keys->GetKey(lookup);
    if (!key.ok()) return key.status().WithContext(name);
    footer_key_ = std::make_unique<ModuleKey>();
    footer_key_->key = std::move(key).value();
    footer_key_->file_aad = alg.aad_prefix.value_or("") + alg.aad_file_unique.value_or("");
    auto gcm = crypto::AesGcm::Create(footer_key_->key);
    if (!gcm.ok()) return gcm.status().WithContext(name + " key " + QuoteForMessage(lookup, 70));
    std::string plain;
    size_t sealed = 0;
    const std::string_view module = std::string_view(bytes).substr(used);
    Status st = DecryptModule(gcm->get(), *footer_key_, module, ModuleType::kFooter, 0, 0, 0, &plain, &sealed);
    if (!st.ok() && !alg.aad_file_unique && !alg.aad_prefix) {
      // No file identity stored: perhaps sealed without AADs, as DuckDB does (encryption.h).
      footer_key_->use_aad = false;
      if (DecryptModule(gcm->get(), *footer_key_, module, ModuleType::kFooter, 0, 0, 0, &plain, &sealed).ok()) {
        st = Status::OK();
      } else {
        footer_key_->use_aad = true;
      }
    }
    if (st.code() == StatusCode::kCorruption) {
      return Status::Corruption(name + ": cannot decrypt the footer with key " + QuoteForMessage(lookup, 70) +
                                " from " + options_.keys->Describe() + ": wrong key, or the file was altered (" +
                                st.message() + ")");
    }
    RETURN_IF_ERROR(st.WithContext(name));
    return DecodeFileMetaData(plain, name + " footer", &md_);
  }

  // The key of every encrypted column chunk (chunk_keys_), and the metadata of chunks whose
  // ColumnMetaData is sealed separately (a column key, Encryption.md 5.3).
  Status SetUpColumnKeys() {
    const std::string& name = source_->name();
    chunk_keys_.assign(md_.row_groups.size(), {});
    for (size_t g = 0; g < md_.row_groups.size(); ++g) {
      RowGroup& rg = md_.row_groups[g];
      const int ordinal = rg.ordinal.value_or(static_cast<int16_t>(g));
      chunk_keys_[g].assign(rg.columns.size(), nullptr);
      for (size_t c = 0; c < rg.columns.size(); ++c) {
        ColumnChunk& cc = rg.columns[c];
        // DuckDB seals every chunk with the footer key without marking it (no crypto_metadata);
        // its files are the ones without module AADs.
        const bool duckdb_style = footer_key_ && !footer_key_->use_aad;
        if (!cc.encrypted() && !duckdb_style) continue;
        const std::string where = name + " row group " + std::to_string(g) + " column chunk " + std::to_string(c);
        if (!footer_key_)
          return Status::Unsupported(where + ": encrypted column in a file without an encrypted footer");
        const ModuleKey* key = footer_key_.get();
        if (cc.crypto_metadata && !cc.crypto_metadata->with_footer_key) {
          const std::string id = cc.crypto_metadata->key_metadata.value_or("");
          auto it = column_keys_.find(id);
          if (it == column_keys_.end()) {
            auto k = options_.keys->GetKey(id);
            if (!k.ok()) return k.status().WithContext(where);
            auto mk = std::make_unique<ModuleKey>(*footer_key_);
            mk->key = std::move(k).value();
            it = column_keys_.emplace(id, std::move(mk)).first;
          }
          key = it->second.get();
        }
        chunk_keys_[g][c] = key;
        if (!cc.meta_data && cc.encrypted_column_metadata) {
          ASSIGN_OR_RETURN(auto gcm, crypto::AesGcm::Create(key->key));
          std::string plain;
          size_t sealed = 0;
          Status st = DecryptModule(gcm.get(), *key, *cc.encrypted_column_metadata, ModuleType::kColumnMetaData,
                                    ordinal, static_cast<int>(c), 0, &plain, &sealed);
          if (!st.ok()) return st.WithContext(where + ": cannot decrypt its column metadata (wrong column key?)");
          RETURN_IF_ERROR(DecodeColumnMetaData(plain, where + " column metadata", &cc.meta_data.emplace()));
        }
      }
    }
    return Status::OK();
  }

  // The key of chunk (rg, leaf), or null for a plaintext chunk.
  const ModuleKey* ChunkKey(int rg, int leaf) const {
    return chunk_keys_.empty() ? nullptr : chunk_keys_[static_cast<size_t>(rg)][static_cast<size_t>(leaf)];
  }
  int RowGroupOrdinal(int rg) const {
    return md_.row_groups[static_cast<size_t>(rg)].ordinal.value_or(static_cast<int16_t>(rg));
  }

  Result<std::vector<int>> ResolveColumns(const std::vector<std::string>& names) const {
    std::vector<int> out;
    if (names.empty()) {
      for (size_t i = 0; i < columns_.size(); ++i) out.push_back(static_cast<int>(i));
    } else {
      for (const std::string& n : names) {
        int i = FindColumn(n);
        if (i < 0) return Status::NotFound(source_->name() + ": no column named '" + n + "'");
        out.push_back(i);
      }
    }
    for (int i : out) {
      if (!columns_[i].unsupported.empty()) {
        return Status::Unsupported(source_->name() + ": " + columns_[i].unsupported);
      }
    }
    return out;
  }

  int FindColumn(std::string_view name) const {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].field.name == name) return static_cast<int>(i);
    }
    return -1;
  }

  Result<int> ResolveTimeColumn(const TimeRange& tr) const {
    if (!tr.column.empty()) {
      ASSIGN_OR_RETURN(std::vector<int> cols, ResolveColumns({tr.column}));
      if (columns_[cols[0]].field.type != ColumnType::kTimestamp) {
        return Status::InvalidArgument(source_->name() + ": time range column '" + tr.column + "' is not a timestamp");
      }
      return cols[0];
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].unsupported.empty() && columns_[i].field.type == ColumnType::kTimestamp) {
        return static_cast<int>(i);
      }
    }
    return Status::InvalidArgument(source_->name() + ": a time range needs a timestamp column, the file has none");
  }

  bool TimestampBounds(int rg, int col, int64_t* min, int64_t* max) const {
    if (rg < 0 || rg >= static_cast<int>(md_.row_groups.size()) || col < 0 ||
        col >= static_cast<int>(columns_.size())) {
      return false;
    }
    const ColumnInfo& c = columns_[col];
    if (!c.unsupported.empty() || c.field.type != ColumnType::kTimestamp || c.physical != Type::kInt64) return false;
    const ColumnChunk& cc = md_.row_groups[rg].columns[c.leaf_index];
    if (!cc.meta_data || !cc.meta_data->statistics) return false;
    if (!Int64Bounds(*cc.meta_data->statistics, min, max)) return false;
    int64_t scale = ScaleOf(c.conversion);
    *min = SatMul(*min, scale);
    *max = SatMul(*max, scale);
    return true;
  }

  // Row ranges of row group `rg` selected by the row range, before time pruning.
  Ranges RowRanges(int rg, const ReadOptions& o) const {
    int64_t start = rg_start_[rg], rows = md_.row_groups[rg].num_rows;
    int64_t lo = std::max<int64_t>(0, o.row_offset - start);
    int64_t hi = rows;
    if (o.row_limit >= 0) hi = std::min(hi, std::max<int64_t>(0, SatAdd(o.row_offset, o.row_limit) - start));
    Ranges r;
    if (lo < hi) r.emplace_back(lo, hi);
    return r;
  }

  bool StatsExclude(int rg, int ts, const TimeRange& tr) const {
    int64_t mn, mx;
    if (TimestampBounds(rg, ts, &mn, &mx) && (mx < tr.from || mn >= tr.to)) return true;
    const ColumnChunk& cc = md_.row_groups[rg].columns[columns_[ts].leaf_index];
    if (cc.meta_data && cc.meta_data->statistics && cc.meta_data->statistics->null_count &&
        *cc.meta_data->statistics->null_count == md_.row_groups[rg].num_rows && md_.row_groups[rg].num_rows > 0) {
      return true;  // all null: no timestamp can match
    }
    return false;
  }

  Result<std::vector<int>> SelectRowGroups(const ReadOptions& o) const {
    int ts = -1;
    if (o.time_range) {
      ASSIGN_OR_RETURN(ts, ResolveTimeColumn(*o.time_range));
    }
    std::vector<int> out;
    for (int g = 0; g < static_cast<int>(md_.row_groups.size()); ++g) {
      if (RowRanges(g, o).empty()) continue;
      if (ts >= 0 && StatsExclude(g, ts, *o.time_range)) continue;
      out.push_back(g);
    }
    return out;
  }

  Result<std::string> Fetch(uint64_t offset, uint64_t n) {
    bytes_read_ += n;
    return source_->ReadRange(offset, n);
  }

  // What one thread reading column chunks uses and counts. Reads of several columns of a row
  // group may run at once, each with its own ColumnWork; Fold() adds the counts to the reader's.
  struct ColumnWork {
    std::string fetch;     // chunk bytes from sources that cannot lend them
    std::string page_buf;  // decompressed pages (ColumnChunkReader::UseBuffer)
    std::array<Column, static_cast<size_t>(ColumnType::kFloat32) + 1>
        by_type;  // decoded pages of partly read chunks, by ColumnType
    uint64_t bytes = 0, pages_total = 0, pages_read = 0;
    std::unique_ptr<crypto::AesGcm> gcm;  // for gcm_key, when the file is encrypted
    const ModuleKey* gcm_key = nullptr;
  };

  Result<std::string> Fetch(ColumnWork& w, uint64_t offset, uint64_t n) {
    w.bytes += n;
    return source_->ReadRange(offset, n);
  }

  // A view of the range, valid until the next FetchView with the same `w` (it may live in w.fetch).
  Result<std::string_view> FetchView(ColumnWork& w, uint64_t offset, uint64_t n) {
    w.bytes += n;
    return source_->ReadRangeView(offset, n, &w.fetch);
  }

  void Fold() {
    for (ColumnWork& w : work_) {
      bytes_read_ += std::exchange(w.bytes, 0);
      pages_total_ += std::exchange(w.pages_total, 0);
      pages_read_ += std::exchange(w.pages_read, 0);
    }
  }

  // A cipher context of w's for `key` (made once per key and thread).
  Result<crypto::AesGcm*> GcmFor(ColumnWork& w, const ModuleKey* key) {
    if (w.gcm_key != key) {
      ASSIGN_OR_RETURN(w.gcm, crypto::AesGcm::Create(key->key));
      w.gcm_key = key;
    }
    return w.gcm.get();
  }

  // Opens a sealed page index module of chunk (rg, leaf) in place; false on failure.
  bool OpenIndexModule(ColumnWork& w, int rg, int leaf, ModuleType type, std::string* bytes) {
    const ModuleKey* key = ChunkKey(rg, leaf);
    if (key == nullptr) return true;
    auto gcm = GcmFor(w, key);
    if (!gcm.ok()) return false;
    std::string plain;
    size_t sealed = 0;
    if (!DecryptModule(*gcm, *key, *bytes, type, RowGroupOrdinal(rg), leaf, 0, &plain, &sealed).ok()) return false;
    *bytes = std::move(plain);
    return true;
  }

  // Checks a column chunk and returns its byte range.
  Status ChunkRange(int rg, const ColumnInfo& info, const std::string& where, uint64_t* start, uint64_t* size) const {
    const ColumnChunk& cc = md_.row_groups[rg].columns[info.leaf_index];
    if (!cc.meta_data) return Status::Corruption(where + ": column chunk has no metadata");
    if (cc.file_path) return Status::Unsupported(where + ": column data lives in another file (" + *cc.file_path + ")");
    const ColumnMetaData& m = *cc.meta_data;
    if (m.type != info.physical) {
      return Status::Corruption(where + ": chunk type " + TypeName(m.type) + " differs from the schema's " +
                                TypeName(info.physical));
    }
    int64_t s = m.data_page_offset;
    // Some writers store 0 for "no dictionary"; a dictionary page, if any, then starts the chunk.
    if (m.dictionary_page_offset && *m.dictionary_page_offset > 0 && *m.dictionary_page_offset < s) {
      s = *m.dictionary_page_offset;
    }
    if (s < 0 || m.total_compressed_size < 0 || static_cast<uint64_t>(s) > size_ ||
        static_cast<uint64_t>(m.total_compressed_size) > size_ - static_cast<uint64_t>(s)) {
      return Status::Corruption(where + ": column chunk at offset " + std::to_string(s) + " of " +
                                std::to_string(m.total_compressed_size) + " bytes lies outside the file (" +
                                std::to_string(size_) + " bytes)");
    }
    *start = static_cast<uint64_t>(s);
    *size = static_cast<uint64_t>(m.total_compressed_size);
    return Status::OK();
  }

  // The offset index of a chunk, if present and consistent with the chunk; nullopt otherwise.
  std::optional<OffsetIndex> LoadOffsetIndex(ColumnWork& w, int rg, const ColumnInfo& info, uint64_t start,
                                             uint64_t size, const std::string& where) {
    const ColumnChunk& cc = md_.row_groups[rg].columns[info.leaf_index];
    if (!cc.offset_index_offset || !cc.offset_index_length) return std::nullopt;
    int64_t off = *cc.offset_index_offset, len = *cc.offset_index_length;
    if (off < 0 || len <= 0 || static_cast<uint64_t>(off) > size_ || static_cast<uint64_t>(len) > size_ - off) {
      return std::nullopt;
    }
    auto bytes = Fetch(w, static_cast<uint64_t>(off), static_cast<uint64_t>(len));
    if (!bytes.ok() || !OpenIndexModule(w, rg, info.leaf_index, ModuleType::kOffsetIndex, &*bytes)) return std::nullopt;
    OffsetIndex oi;
    if (!DecodeOffsetIndex(*bytes, where + " offset index", &oi).ok() || oi.page_locations.empty()) return std::nullopt;
    int64_t rows = md_.row_groups[rg].num_rows;
    int64_t prev_row = -1;
    uint64_t prev_end = start;
    for (const PageLocation& p : oi.page_locations) {
      if (p.first_row_index <= prev_row || p.first_row_index >= rows || p.compressed_page_size <= 0 ||
          p.offset < static_cast<int64_t>(prev_end) ||
          static_cast<uint64_t>(p.offset) + p.compressed_page_size > start + size) {
        return std::nullopt;
      }
      prev_row = p.first_row_index;
      prev_end = static_cast<uint64_t>(p.offset) + p.compressed_page_size;
    }
    if (oi.page_locations[0].first_row_index != 0) return std::nullopt;
    return oi;
  }

  // Per data page of timestamp column `ts` in row group `rg`: its first row, end row and [min, max]
  // in ns (nullopt bounds for an all-null page); nullopt without a usable page index.
  struct PageBounds {
    int64_t first_row, end_row;
    std::optional<std::pair<int64_t, int64_t>> min_max;
  };
  std::optional<std::vector<PageBounds>> PageTimeBounds(int rg, int ts) {
    const ColumnInfo& info = columns_[ts];
    if (info.physical != Type::kInt64) return std::nullopt;
    const ColumnChunk& cc = md_.row_groups[rg].columns[info.leaf_index];
    if (!cc.column_index_offset || !cc.column_index_length) return std::nullopt;
    std::string where = source_->name() + " column " + info.field.name + " row group " + std::to_string(rg);
    uint64_t start, size;
    if (!ChunkRange(rg, info, where, &start, &size).ok()) return std::nullopt;
    auto oi = LoadOffsetIndex(work_[0], rg, info, start, size, where);
    if (!oi) return std::nullopt;
    int64_t off = *cc.column_index_offset, len = *cc.column_index_length;
    if (off < 0 || len <= 0 || static_cast<uint64_t>(off) > size_ || static_cast<uint64_t>(len) > size_ - off) {
      return std::nullopt;
    }
    auto bytes = Fetch(static_cast<uint64_t>(off), static_cast<uint64_t>(len));
    ColumnIndex ci;
    if (!bytes.ok() || !OpenIndexModule(work_[0], rg, info.leaf_index, ModuleType::kColumnIndex, &*bytes) ||
        !DecodeColumnIndex(*bytes, where + " column index", &ci).ok()) {
      return std::nullopt;
    }
    size_t pages = oi->page_locations.size();
    if (ci.null_pages.size() != pages || ci.min_values.size() != pages || ci.max_values.size() != pages) {
      return std::nullopt;
    }
    int64_t rows = md_.row_groups[rg].num_rows, scale = ScaleOf(info.conversion);
    std::vector<PageBounds> out;
    for (size_t i = 0; i < pages; ++i) {
      PageBounds b{oi->page_locations[i].first_row_index,
                   i + 1 < pages ? oi->page_locations[i + 1].first_row_index : rows, std::nullopt};
      if (!ci.null_pages[i]) {
        auto mn = DecodeInt64Stat(ci.min_values[i]), mx = DecodeInt64Stat(ci.max_values[i]);
        if (!mn || !mx) return std::nullopt;
        b.min_max.emplace(SatMul(*mn, scale), SatMul(*mx, scale));
      }
      out.push_back(b);
    }
    return out;
  }

  // Row ranges of pages whose timestamps may fall in the range; nullopt without a usable index.
  std::optional<Ranges> PageTimeRanges(int rg, int ts, const TimeRange& tr) {
    auto pages = PageTimeBounds(rg, ts);
    if (!pages) return std::nullopt;
    Ranges out;
    for (const PageBounds& p : *pages) {
      if (!p.min_max || p.min_max->second < tr.from || p.min_max->first >= tr.to) continue;
      AddRange(&out, p.first_row, p.end_row);
    }
    return out;
  }

  // See ParquetReader::LastTimestampBefore.
  std::optional<int64_t> LastTimestampBefore(int ts, int64_t before) {
    std::optional<int64_t> best;
    for (int rg = 0; rg < static_cast<int>(md_.row_groups.size()); ++rg) {
      int64_t mn, mx;
      if (!TimestampBounds(rg, ts, &mn, &mx)) return std::nullopt;  // no bound for this row group
      if (mn >= before) continue;
      int64_t cand = mx < before ? mx : mn;
      if (mx >= before) {
        // The row group straddles `before`: its pages narrow it down.
        if (auto pages = PageTimeBounds(rg, ts)) {
          for (const PageBounds& p : *pages) {
            if (p.min_max && p.min_max->first < before) {
              cand = std::max(cand, p.min_max->second < before ? p.min_max->second : p.min_max->first);
            }
          }
        }
      }
      best = best ? std::max(*best, cand) : cand;
    }
    Fold();
    return best;
  }

  // Appends the rows `ranges` of one column of one row group to *out (of the column's type).
  Status ReadColumn(ColumnWork& w, int rg, int col, const Ranges& ranges, bool use_page_index, Column* out) {
    const ColumnInfo& info = columns_[col];
    std::string where = source_->name() + " column " + info.field.name + " row group " + std::to_string(rg);
    uint64_t start, size;
    RETURN_IF_ERROR(ChunkRange(rg, info, where, &start, &size));
    int64_t rows = md_.row_groups[rg].num_rows;
    ColumnChunkReader reader(info, md_.row_groups[rg].columns[info.leaf_index].meta_data->codec, where, options_);
    reader.UseBuffer(&w.page_buf);
    if (const ModuleKey* key = ChunkKey(rg, info.leaf_index)) {
      ASSIGN_OR_RETURN(crypto::AesGcm * gcm, GcmFor(w, key));
      reader.SetDecryption(gcm, key, RowGroupOrdinal(rg), info.leaf_index);
    }
    bool whole = ranges.size() == 1 && ranges[0].first == 0 && ranges[0].second == rows;
    if (whole) {
      // The common case: decode straight into the caller's column.
      ReserveRows(out, out->size() + static_cast<size_t>(std::min(rows, kMaxReserveRows)));
      ASSIGN_OR_RETURN(std::string_view bytes, FetchView(w, start, size));
      RETURN_IF_ERROR(reader.DecodeChunk(bytes, start, rows, out));
      return out->SetSizeFromStorage();
    }
    // Without a page index the chunk is decoded into a reused scratch column (selective reads do
    // not fault in fresh memory for every column of every row group) and the rows copied out.
    std::optional<OffsetIndex> oi;
    if (use_page_index) oi = LoadOffsetIndex(w, rg, info, start, size, where);
    if (oi) return ReadPages(w, rg, start, *oi, ranges, where, &reader, info.field.type, out);
    Column& part = Scratch(w, info.field.type);
    part.Reserve(static_cast<size_t>(std::min(rows, kMaxReserveRows)));
    ASSIGN_OR_RETURN(std::string_view bytes, FetchView(w, start, size));
    RETURN_IF_ERROR(reader.DecodeChunk(bytes, start, rows, &part));
    RETURN_IF_ERROR(part.SetSizeFromStorage());
    std::vector<std::pair<size_t, size_t>> sel(ranges.begin(), ranges.end());
    AppendSelected(part, sel, out);
    return Status::OK();
  }

  // w's scratch column of `type`, empty.
  static Column& Scratch(ColumnWork& w, ColumnType type) {
    Column& part = w.by_type[static_cast<size_t>(type)];
    if (part.type() != type) part = Column(type);
    part.Clear();
    return part;
  }

  // Appends the rows `sel` of `part` to *out with one reservation and bulk copies.
  static void AppendSelected(const Column& part, const std::vector<std::pair<size_t, size_t>>& sel, Column* out) {
    size_t rows = 0, chars = 0;
    for (const auto& r : sel) {
      rows += r.second - r.first;
      if (IsStringLike(part.type())) chars += part.offsets()[r.second] - part.offsets()[r.first];
    }
    ReserveRows(out, rows);
    if (IsStringLike(part.type())) ReserveChars(out, out->chars().size() + chars);
    for (const auto& r : sel) AppendRange(part, r.first, r.second - r.first, out);
  }

  // Decodes the pages of a chunk that overlap `ranges` and appends the rows `ranges` to *out. A
  // page wholly inside the ranges is decoded straight into *out (no copy); a page the ranges cut
  // is decoded into w's scratch column and its wanted rows copied.
  Status ReadPages(ColumnWork& w, int rg, uint64_t start, const OffsetIndex& oi, const Ranges& ranges,
                   const std::string& where, ColumnChunkReader* reader, ColumnType type, Column* out) {
    int64_t rows = md_.row_groups[rg].num_rows;
    const auto& locs = oi.page_locations;
    size_t pages = locs.size();
    auto page_end_row = [&](size_t i) { return i + 1 < pages ? locs[i + 1].first_row_index : rows; };
    std::vector<bool> selected(pages, false);
    size_t r = 0;
    for (size_t i = 0; i < pages; ++i) {
      int64_t lo = locs[i].first_row_index, hi = page_end_row(i);
      while (r < ranges.size() && ranges[r].second <= lo) ++r;
      selected[i] = r < ranges.size() && ranges[r].first < hi;
    }
    w.pages_total += pages;
    for (size_t i = 0; i < pages; ++i) w.pages_read += selected[i] ? 1 : 0;
    int64_t wanted = 0;
    for (const auto& g : ranges) wanted += g.second - g.first;
    ReserveRows(out, static_cast<size_t>(wanted));
    Column& part = Scratch(w, type);
    RETURN_IF_ERROR(reader->Reset());
    // A dictionary page sits between the chunk start and the first data page.
    if (static_cast<uint64_t>(locs[0].offset) > start) {
      ASSIGN_OR_RETURN(std::string_view dict, FetchView(w, start, locs[0].offset - start));
      size_t pos = 0;
      while (pos < dict.size()) {
        int64_t got;
        size_t consumed;
        RETURN_IF_ERROR(reader->DecodePage(dict.substr(pos), start + pos, 0, &part, &got, &consumed));
        pos += consumed;
      }
    }
    size_t rr = 0;  // first range that may overlap the page
    for (size_t i = 0; i < pages;) {
      if (!selected[i]) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j + 1 < pages && selected[j + 1]) ++j;
      // One read for a run of adjacent pages.
      uint64_t run_start = static_cast<uint64_t>(locs[i].offset);
      uint64_t run_end = static_cast<uint64_t>(locs[j].offset) + locs[j].compressed_page_size;
      ASSIGN_OR_RETURN(std::string_view bytes, FetchView(w, run_start, run_end - run_start));
      for (size_t k = i; k <= j; ++k) {
        const int64_t lo = locs[k].first_row_index, hi = page_end_row(k);
        while (rr < ranges.size() && ranges[rr].second <= lo) ++rr;
        // The page is wanted whole when one range covers it.
        const bool whole = rr < ranges.size() && ranges[rr].first <= lo && ranges[rr].second >= hi;
        uint64_t at = static_cast<uint64_t>(locs[k].offset);
        std::string_view page = bytes.substr(at - run_start, locs[k].compressed_page_size);
        reader->set_page_ordinal(static_cast<int>(k));
        int64_t expect = hi - lo, got = 0;
        size_t consumed;
        if (whole) {
          RETURN_IF_ERROR(reader->DecodePage(page, at, expect, out, &got, &consumed));
          RETURN_IF_ERROR(out->SetSizeFromStorage());
        } else {
          part.Clear();
          RETURN_IF_ERROR(reader->DecodePage(page, at, expect, &part, &got, &consumed));
          RETURN_IF_ERROR(part.SetSizeFromStorage());
        }
        if (got != expect) {
          return Status::Corruption(where + ": page at offset " + std::to_string(at) + " holds " + std::to_string(got) +
                                    " rows, the offset index says " + std::to_string(expect));
        }
        if (whole) continue;
        for (size_t g = rr; g < ranges.size() && ranges[g].first < hi; ++g) {
          const int64_t a = std::max(ranges[g].first, lo), b = std::min(ranges[g].second, hi);
          if (a < b) AppendRange(part, static_cast<size_t>(a - lo), static_cast<size_t>(b - a), out);
        }
      }
      i = j + 1;
    }
    return Status::OK();
  }

  // Reads columns `cols` (rows `ranges`) of row group `rg`, appending column cols[i] to *outs[i].
  // Large reads of several columns from a source that allows it run on up to o.decode_threads
  // threads, the columns dealt out by size so that the threads get about equal work.
  Status ReadColumns(int rg, const std::vector<int>& cols, const Ranges& ranges, const ReadOptions& o,
                     const std::vector<Column*>& outs) {
    int64_t rows = 0;
    for (const auto& r : ranges) rows += r.second - r.first;
    size_t threads = std::min<size_t>(static_cast<size_t>(std::max(o.decode_threads, 1)), cols.size());
    if (rows < kMinParallelRows || !source_->concurrent_reads()) threads = 1;
    if (work_.size() < threads) work_.resize(threads);
    std::vector<Status> status(cols.size());
    auto read = [&](size_t worker, const std::vector<size_t>& mine) {
      for (size_t i : mine) {
        status[i] = ReadColumn(work_[worker], rg, cols[i], ranges, o.use_page_index, outs[i]);
        if (!status[i].ok()) return;
      }
    };
    std::vector<std::vector<size_t>> share(threads);
    if (threads == 1) {
      for (size_t i = 0; i < cols.size(); ++i) share[0].push_back(i);
    } else {
      // Largest first, each to the least loaded thread.
      std::vector<std::pair<int64_t, size_t>> cost;
      for (size_t i = 0; i < cols.size(); ++i) {
        const auto& m = md_.row_groups[rg].columns[columns_[cols[i]].leaf_index].meta_data;
        cost.emplace_back(m ? m->total_compressed_size + m->total_uncompressed_size : 0, i);
      }
      std::sort(cost.begin(), cost.end(), std::greater<>());
      std::vector<int64_t> load(threads, 0);
      for (const auto& [c, i] : cost) {
        size_t t = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
        load[t] += c;
        share[t].push_back(i);
      }
    }
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads; ++t) {
      try {
        helpers.emplace_back(read, t, std::cref(share[t]));
      } catch (const std::system_error&) {
        read(t, share[t]);  // no thread to be had: read these columns here
      }
    }
    read(0, share[0]);
    for (std::thread& h : helpers) h.join();
    if (!helpers.empty()) ++parallel_reads_;
    Fold();
    for (const Status& st : status) RETURN_IF_ERROR(st);
    return Status::OK();
  }

  // True when the row group's statistics put every timestamp inside the range (no nulls):
  // then no row needs filtering.
  bool StatsInside(int rg, int ts, const TimeRange& tr) const {
    int64_t mn, mx;
    if (!TimestampBounds(rg, ts, &mn, &mx) || mn < tr.from || mx >= tr.to) return false;
    const ColumnChunk& cc = md_.row_groups[rg].columns[columns_[ts].leaf_index];
    const auto& st = cc.meta_data->statistics;
    return st->null_count && *st->null_count == 0;
  }

  // Appends the selected rows of row group `rg` to `out` (one column per entry of `cols`).
  Status ReadRowGroupAppend(int rg, const ReadOptions& o, const std::vector<int>& cols, std::vector<Column>* out) {
    if (rg < 0 || rg >= static_cast<int>(md_.row_groups.size())) {
      return Status::InvalidArgument(source_->name() + ": no row group " + std::to_string(rg));
    }
    Ranges ranges = RowRanges(rg, o);
    int ts = -1;
    if (o.time_range) {
      ASSIGN_OR_RETURN(ts, ResolveTimeColumn(*o.time_range));
      if (StatsExclude(rg, ts, *o.time_range)) ranges.clear();
      if (!ranges.empty() && StatsInside(rg, ts, *o.time_range)) ts = -1;  // nothing to filter
      if (!ranges.empty() && ts >= 0 && o.use_page_index) {
        if (auto pr = PageTimeRanges(rg, ts, *o.time_range)) ranges = Intersect(ranges, *pr);
      }
    }
    if (ranges.empty()) {
      Fold();
      return Status::OK();
    }
    if (ts < 0) {
      std::vector<Column*> outs;
      for (Column& c : *out) outs.push_back(&c);
      return ReadColumns(rg, cols, ranges, o, outs);
    }
    // The timestamps of the candidate rows first; the rows that match become the ranges every
    // column is read at, so the other columns decode only the pages holding matches, wholly
    // matching pages straight into *out.
    Column& t = filter_ts_;
    if (t.type() != columns_[ts].field.type) t = Column(columns_[ts].field.type);
    t.Clear();
    RETURN_IF_ERROR(ReadColumn(work_[0], rg, ts, ranges, o.use_page_index, &t));
    Fold();
    const int64_t* v = t.int64s().data();
    const int64_t from = o.time_range->from, to = o.time_range->to;
    auto match = [&](size_t i) { return !t.IsNull(i) && v[i] >= from && v[i] < to; };
    std::vector<std::pair<size_t, size_t>> keep;  // positions in t
    Ranges keep_rows;                             // the same rows, in row group coordinates
    size_t base = 0;                              // position in t of ranges[k].first
    for (const auto& r : ranges) {
      const size_t n = base + static_cast<size_t>(r.second - r.first);
      for (size_t i = base; i < n;) {
        while (i < n && !match(i)) ++i;
        const size_t b = i;
        while (i < n && match(i)) ++i;
        if (b < i) {
          keep.emplace_back(b, i);
          AddRange(&keep_rows, r.first + static_cast<int64_t>(b - base), r.first + static_cast<int64_t>(i - base));
        }
      }
      base = n;
    }
    if (keep_rows.empty()) return Status::OK();
    std::vector<int> read_cols;
    std::vector<Column*> outs;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (cols[c] == ts) {
        AppendSelected(t, keep, &(*out)[c]);
      } else {
        read_cols.push_back(cols[c]);
        outs.push_back(&(*out)[c]);
      }
    }
    if (read_cols.empty()) return Status::OK();
    return ReadColumns(rg, read_cols, keep_rows, o, outs);
  }

  void ReleaseBuffers() {
    for (ColumnWork& w : work_) {
      w.fetch = std::string();
      w.page_buf = std::string();
      for (Column& c : w.by_type) c = Column();
    }
    filter_ts_ = Column(ColumnType::kTimestamp);
  }

  Result<RecordBatch> ReadRowGroup(int rg, const ReadOptions& o) {
    RecordBatch batch;
    RETURN_IF_ERROR(ReadRowGroupInto(rg, o, &batch));
    return batch;
  }

  Status ReadRowGroupInto(int rg, const ReadOptions& o, RecordBatch* out) {
    ASSIGN_OR_RETURN(std::vector<int> cols, ResolveColumns(o.columns));
    std::vector<Field> fields;
    for (int c : cols) fields.push_back(columns_[c].field);
    if (out->fields() != fields) {
      *out = RecordBatch(std::move(fields));
    } else {
      for (Column& c : out->columns()) c.Clear();  // keeps the capacity for the next row group
    }
    if (rg >= 0 && rg < static_cast<int>(md_.row_groups.size()) && !o.time_range) {
      for (Column& c : out->columns()) {
        c.Reserve(static_cast<size_t>(std::min(md_.row_groups[rg].num_rows, kMaxReserveRows)));
      }
    }
    Status st = ReadRowGroupAppend(rg, o, cols, &out->columns());
    if (!st.ok()) out->Clear();
    return st;
  }

  Result<RecordBatch> Read(const ReadOptions& o) {
    ASSIGN_OR_RETURN(std::vector<int> cols, ResolveColumns(o.columns));
    ASSIGN_OR_RETURN(std::vector<int> groups, SelectRowGroups(o));
    std::vector<Field> fields;
    for (int c : cols) fields.push_back(columns_[c].field);
    RecordBatch out(std::move(fields));
    if (!o.time_range) {
      // Sized once: every row group decodes straight into its place.
      int64_t rows = 0;
      for (int g : groups) {
        for (const auto& r : RowRanges(g, o)) rows += r.second - r.first;
      }
      // Metadata is untrusted: reserve no more than the file could plausibly hold.
      int64_t plausible =
          std::max<int64_t>(kMaxReserveRows, static_cast<int64_t>(std::min<uint64_t>(size_, 1ull << 40)) * 8);
      for (Column& c : out.columns()) ReserveRows(&c, static_cast<size_t>(std::min(rows, plausible)));
    }
    int64_t total_rows = 0;
    for (int g : groups) total_rows += md_.row_groups[g].num_rows;
    for (size_t i = 0; i < groups.size(); ++i) {
      RETURN_IF_ERROR(ReadRowGroupAppend(groups[i], o, cols, &out.columns()));
      if (i == 0 && groups.size() > 1 && out.num_rows() > 0) {
        // Characters cannot be sized from metadata; extrapolate from the first row group so
        // they do not grow (and get copied) a doubling at a time.
        double per_row = 1.0 / static_cast<double>(out.num_rows());
        for (Column& c : out.columns()) {
          if (IsStringLike(c.type()))
            ReserveChars(&c, static_cast<size_t>(c.chars().size() * per_row * total_rows * 1.1));
        }
      }
    }
    return out;
  }

  Result<std::vector<Field>> FieldsFor(const std::vector<std::string>& names) const {
    ASSIGN_OR_RETURN(std::vector<int> cols, ResolveColumns(names));
    std::vector<Field> fields;
    for (int c : cols) fields.push_back(columns_[c].field);
    return fields;
  }

  std::unique_ptr<RangeSource> source_;
  ReaderOptions options_;
  uint64_t size_ = 0;
  uint64_t bytes_read_ = 0;
  uint64_t pages_total_ = 0, pages_read_ = 0;
  uint64_t parallel_reads_ = 0;
  FileMetaData md_;
  std::unique_ptr<ModuleKey> footer_key_;                          // set for an encrypted footer
  std::map<std::string, std::unique_ptr<ModuleKey>> column_keys_;  // by key id
  std::vector<std::vector<const ModuleKey*>> chunk_keys_;          // [row group][leaf]; null: plaintext
  std::vector<ColumnInfo> columns_;
  std::vector<int64_t> rg_start_;
  int64_t num_rows_ = 0;
  std::vector<ColumnWork> work_ = std::vector<ColumnWork>(1);  // one per thread reading columns
  Column filter_ts_{ColumnType::kTimestamp};                   // candidate timestamps of a time-range read
};

ParquetReader::ParquetReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetReader::~ParquetReader() = default;

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(FileSystem* fs, const std::string& path,
                                                           const ReaderOptions& options) {
  ASSIGN_OR_RETURN(auto source, OpenFileRangeSource(fs, path));
  return Open(std::move(source), options);
}

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(std::unique_ptr<RangeSource> source,
                                                           const ReaderOptions& options) {
  auto impl = std::make_unique<Impl>(std::move(source), options);
  RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<ParquetReader>(new ParquetReader(std::move(impl)));
}

const std::string& ParquetReader::name() const { return impl_->source_->name(); }
uint64_t ParquetReader::file_size() const { return impl_->size_; }
const FileMetaData& ParquetReader::metadata() const { return impl_->md_; }
const std::vector<ColumnInfo>& ParquetReader::columns() const { return impl_->columns_; }
int ParquetReader::FindColumn(std::string_view name) const { return impl_->FindColumn(name); }
Result<std::vector<Field>> ParquetReader::FieldsFor(const std::vector<std::string>& names) const {
  return impl_->FieldsFor(names);
}
int64_t ParquetReader::num_rows() const { return impl_->num_rows_; }
int ParquetReader::num_row_groups() const { return static_cast<int>(impl_->md_.row_groups.size()); }
int64_t ParquetReader::row_group_num_rows(int g) const { return impl_->md_.row_groups.at(g).num_rows; }
bool ParquetReader::TimestampBounds(int g, int c, int64_t* min, int64_t* max) const {
  return impl_->TimestampBounds(g, c, min, max);
}
std::optional<int64_t> ParquetReader::LastTimestampBefore(int column, int64_t before) {
  if (column < 0 || column >= static_cast<int>(impl_->columns_.size())) return std::nullopt;
  return impl_->LastTimestampBefore(column, before);
}
std::optional<ParquetReader::ColumnStatistics> ParquetReader::ExactColumnStatistics(int column) const {
  const auto& cols = impl_->columns_;
  if (column < 0 || column >= static_cast<int>(cols.size())) return std::nullopt;
  const ColumnInfo& c = cols[static_cast<size_t>(column)];
  const ColumnType type = c.field.type;
  if (!c.unsupported.empty() || c.leaf_count != 1) return std::nullopt;
  const bool scaled = type == ColumnType::kTimestamp &&
                      (c.conversion == Conversion::kMillisToNanos || c.conversion == Conversion::kMicrosToNanos);
  if (c.conversion != Conversion::kNone && !scaled) return std::nullopt;
  const Type want = type == ColumnType::kInt32     ? Type::kInt32
                    : type == ColumnType::kFloat64 ? Type::kDouble
                    : type == ColumnType::kFloat32 ? Type::kFloat
                    : type == ColumnType::kBool    ? Type::kBoolean
                    : IsStringLike(type)           ? Type::kByteArray
                                                   : Type::kInt64;
  if (c.physical != want) return std::nullopt;
  const int64_t scale = ScaleOf(c.conversion);
  // One bound as the column's value; nullopt when it does not decode exactly.
  struct Bound {
    int64_t i = 0;
    double d = 0;
    std::string s;
  };
  auto decode = [&](const std::string& bytes, Bound* b) -> bool {
    switch (type) {
      case ColumnType::kInt32: {
        if (bytes.size() != 4) return false;
        int32_t v;
        std::memcpy(&v, bytes.data(), 4);
        b->i = v;
        return true;
      }
      case ColumnType::kBool:
        if (bytes.size() != 1) return false;
        b->i = bytes[0] != 0;
        return true;
      case ColumnType::kFloat64:
        if (bytes.size() != 8) return false;
        std::memcpy(&b->d, bytes.data(), 8);
        return b->d == b->d && b->d != 0;
      case ColumnType::kFloat32: {
        if (bytes.size() != 4) return false;
        float f;
        std::memcpy(&f, bytes.data(), 4);
        b->d = f;
        return b->d == b->d && b->d != 0;  // as for doubles: a zero bound may be -0 or +0
      }
      case ColumnType::kSymbol:
      case ColumnType::kString: b->s = bytes; return true;
      case ColumnType::kInt64:
      case ColumnType::kTimestamp: {
        if (bytes.size() != 8) return false;
        std::memcpy(&b->i, bytes.data(), 8);
        if (scale != 1 && __builtin_mul_overflow(b->i, scale, &b->i)) return false;
        return true;
      }
    }
    return false;
  };
  auto less = [&](const Bound& a, const Bound& b) {
    if (IsFloating(type)) return a.d < b.d;
    if (IsStringLike(type)) return a.s < b.s;  // unsigned byte order, as the writer's
    return a.i < b.i;
  };
  ColumnStatistics out;
  std::optional<Bound> lo, hi;
  for (const RowGroup& rg : impl_->md_.row_groups) {
    const ColumnChunk& cc = rg.columns[static_cast<size_t>(c.leaf_index)];
    if (!cc.meta_data || !cc.meta_data->statistics) return std::nullopt;
    const Statistics& st = *cc.meta_data->statistics;
    if (!st.null_count || *st.null_count < 0 || *st.null_count > rg.num_rows) return std::nullopt;
    out.null_count += *st.null_count;
    if (IsFloating(type) && (!st.nan_count || *st.nan_count != 0)) return std::nullopt;
    if (*st.null_count == rg.num_rows) continue;
    const std::string* mn = st.min_value ? &*st.min_value : nullptr;
    const std::string* mx = st.max_value ? &*st.max_value : nullptr;
    if (!mn || !mx) {
      if (IsStringLike(type)) return std::nullopt;  // the deprecated fields use signed order
      mn = st.min ? &*st.min : nullptr;
      mx = st.max ? &*st.max : nullptr;
      if (!mn || !mx) return std::nullopt;
    }
    if (st.is_min_value_exact.value_or(!IsStringLike(type)) == false) return std::nullopt;
    if (st.is_max_value_exact.value_or(!IsStringLike(type)) == false) return std::nullopt;
    Bound a, b;
    if (!decode(*mn, &a) || !decode(*mx, &b)) return std::nullopt;
    if (!lo || less(a, *lo)) lo = std::move(a);
    if (!hi || less(*hi, b)) hi = std::move(b);
  }
  out.bounds = Column(type);
  if (lo) {
    for (const Bound* b : {&*lo, &*hi}) {
      switch (type) {
        case ColumnType::kInt32: out.bounds.AppendInt32(static_cast<int32_t>(b->i)); break;
        case ColumnType::kBool: out.bounds.AppendBool(b->i != 0); break;
        case ColumnType::kFloat64:
        case ColumnType::kFloat32: out.bounds.AppendDouble(b->d); break;
        case ColumnType::kSymbol:
        case ColumnType::kString: out.bounds.AppendString(b->s); break;
        case ColumnType::kInt64:
        case ColumnType::kTimestamp: out.bounds.AppendInt64(b->i); break;
      }
    }
  }
  return out;
}

Result<std::vector<int>> ParquetReader::SelectRowGroups(const ReadOptions& o) const {
  return impl_->SelectRowGroups(o);
}
Result<RecordBatch> ParquetReader::ReadRowGroup(int g, const ReadOptions& o) { return impl_->ReadRowGroup(g, o); }
Status ParquetReader::ReadRowGroupInto(int g, const ReadOptions& o, RecordBatch* out) {
  return impl_->ReadRowGroupInto(g, o, out);
}
Result<RecordBatch> ParquetReader::Read(const ReadOptions& o) { return impl_->Read(o); }
void ParquetReader::ReleaseBuffers() { impl_->ReleaseBuffers(); }
uint64_t ParquetReader::bytes_read() const { return impl_->bytes_read_; }
uint64_t ParquetReader::pages_total() const { return impl_->pages_total_; }
uint64_t ParquetReader::pages_read() const { return impl_->pages_read_; }
uint64_t ParquetReader::parallel_reads() const { return impl_->parallel_reads_; }

Result<RecordBatch> ReadParquetFile(FileSystem* fs, const std::string& path, const ReadOptions& options) {
  ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(fs, path));
  return reader->Read(options);
}

}  // namespace strata::parquet
