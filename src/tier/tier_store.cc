#include "tier/tier_store.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "bars/bar_kernel.h"
#include "catalog/layout.h"
#include "core/engine_metrics.h"
#include "core/schema_text.h"
#include "io/durable_dirs.h"
#include "io/hashing_file_system.h"
#include "io/sha256.h"
#include "parquet/parquet_writer.h"
#include "strata/timestamp.h"
#include "tier/dedup.h"
#include "tier/derived_bars.h"
#include "tier/lake.h"
#include "tier/tier_files.h"
#include "tier/ts_sort.h"

namespace strata::tier {
namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string ResultJson(const TierRunResult& r) {
  nlohmann::json j = {{"rows_in", r.rows_in},
                      {"rows_out", r.rows_out},
                      {"files_in", r.files_in},
                      {"files_out", r.files_out},
                      {"bytes_in", r.bytes_in},
                      {"bytes_out", r.bytes_out},
                      {"duplicates", r.duplicates_removed},
                      {"seconds", r.seconds}};
  if (r.flushed_lsn != 0) j["flushed_lsn"] = r.flushed_lsn;
  if (r.files_locked != 0) j["files_locked"] = r.files_locked;
  return j.dump();
}

void Accumulate(const TierRunResult& a, TierRunResult* r) {
  r->rows_in += a.rows_in;
  r->rows_out += a.rows_out;
  r->files_in += a.files_in;
  r->files_out += a.files_out;
  r->bytes_in += a.bytes_in;
  r->bytes_out += a.bytes_out;
  r->duplicates_removed += a.duplicates_removed;
  r->files_locked += a.files_locked;
}

// Records one operation in the runs table around `fn`.
Result<TierRunResult> RecordRun(Catalog* catalog, std::string_view kind, const nlohmann::json& inputs,
                                const std::function<Status(TierRunResult*)>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(int64_t run, catalog->BeginRun(kind, inputs.dump(), "{}"));
  TierRunResult r;
  Status st = fn(&r);
  r.seconds = Since(t0);
  Status fin = catalog->FinishRun(run, st.ok(), st.ok() ? ResultJson(r) : "{}", st.ok() ? "" : st.ToString());
  RETURN_IF_ERROR(st);
  RETURN_IF_ERROR(fin);
  return r;
}

}  // namespace

TierStore::TierStore(TierStoreOptions options)
    : options_(std::move(options)), fs_(options_.fs), catalog_(options_.catalog) {
  DerivedBarsOptions bars{fs_, options_.root, catalog_,
                          [this](const FileRecord& f, const parquet::ReadOptions& ro) { return Read(f, ro); }};
  bars.read_key_values = [this](const FileRecord& f) -> Result<std::vector<parquet::KeyValue>> {
    ASSIGN_OR_RETURN(std::unique_ptr<parquet::ParquetReader> reader, OpenReader(f));
    return reader->metadata().key_value_metadata;
  };
  bars.write_warm = [this](const TableInfo& table, const std::string& symbol, int64_t day, const RecordBatch& rows,
                           const std::vector<std::pair<std::string, std::string>>& key_values) {
    TablePolicy snappy;  // derived files are small: always the fast codec, whatever the database's default
    snappy.warm_codec = "snappy";
    return WriteWarmPart(table, snappy, symbol, day, rows, 0, {}, key_values);
  };
  bars.commit = [this](const CatalogChange& change) { return CommitChange(change); };
  bars_ = std::make_unique<DerivedBars>(std::move(bars));
}

TierStore::~TierStore() = default;

int64_t TierStore::NowNs() const { return options_.clock ? options_.clock() : WallClockNs(); }

Status TierStore::RebuildBars(const TableInfo& source) {
  RETURN_IF_ERROR(CheckUsable());
  ASSIGN_OR_RETURN(std::vector<FileRecord> retired, bars_->Rebuild(source));
  return DeleteRetired(retired);
}

void TierStore::Warn(std::string_view msg) {
  if (options_.on_warning) options_.on_warning(msg);
}

void TierStore::WaitForReaders() {
  if (options_.view_mu != nullptr) std::unique_lock lock(*options_.view_mu);
}

std::string TierStore::ColdUri(const std::string& key) const {
  std::string uri = options_.cold->Uri(key);
  if (uri.find("://") == std::string::npos) return std::string(layout::kColdDirName) + "/" + key;
  return uri;
}

std::string TierStore::ColdKeyOf(const std::string& uri) const { return tier::ColdKeyOf(*options_.cold, uri); }

Result<TableInfo> TierStore::Table(int64_t table_id) { return catalog_->GetTableById(table_id); }

Result<TablePolicy> TierStore::PolicyOf(const TableInfo& info) {
  auto policy = TablePolicy::Parse(info.def.policy_json);
  if (!policy.ok()) return policy.status().WithContext("table " + info.def.name);
  return policy;
}

Result<int64_t> TierStore::NextSeq(int64_t table_id, Tier tier, const std::string& symbol,
                                   const std::string& dir_prefix) {
  FileQuery q;
  q.table_id = table_id;
  q.tier = tier;
  q.symbol = symbol;
  q.state = std::nullopt;
  ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(q));
  int64_t max_seq = 0;
  for (const FileRecord& f : files) {
    if (f.uri.rfind(dir_prefix, 0) != 0) continue;
    if (auto seq = PartSeq(f.uri)) max_seq = std::max(max_seq, *seq);
  }
  return max_seq + 1;
}

Result<FileRecord> TierStore::WriteWarmPart(const TableInfo& table, const TablePolicy& policy,
                                            const std::string& symbol, int64_t day, const RecordBatch& sorted,
                                            uint64_t max_lsn, const std::vector<std::string>& replaces,
                                            const std::vector<std::pair<std::string, std::string>>& extra_key_values) {
  ASSIGN_OR_RETURN(int64_t seq,
                   NextSeq(table.id, Tier::kWarm, symbol, WarmSeriesDayDir(table.def.name, day, symbol) + "/"));
  const std::string rel = WarmRelPath(table.def.name, day, symbol, seq);
  const std::string path = JoinPath(options_.root, rel);
  RETURN_IF_ERROR(CreateDirsDurably(fs_, options_.root, DirName(path)));
  parquet::WriterOptions wo;
  if (policy.warm_codec) {
    ASSIGN_OR_RETURN(wo.compression, policy.WarmCompression());
  } else {
    TablePolicy d;
    d.warm_codec = options_.default_warm_codec;
    ASSIGN_OR_RETURN(wo.compression, d.WarmCompression());
  }
  wo.atomic = true;
  wo.timestamp_adjusted_to_utc = false;  // DuckDB then reads TIMESTAMP_NS exactly
  wo.key_value_metadata = TierFileKeyValues({table.def, table.id, Tier::kWarm, symbol, max_lsn, replaces});
  wo.key_value_metadata.insert(wo.key_value_metadata.end(), extra_key_values.begin(), extra_key_values.end());
  // Cheap encodings that halve the warm size: timestamps and the dedup key (ids) grow steadily,
  // so their deltas are small; dictionaries of them would be abandoned after a page anyway.
  for (const Field& f : table.def.schema.fields()) {
    const bool key = table.def.dedup_key && *table.def.dedup_key == f.name &&
                     (f.type == ColumnType::kInt64 || f.type == ColumnType::kInt32);
    if (f.type == ColumnType::kTimestamp || key) {
      wo.column_encodings[f.name] = parquet::ColumnEncoding::kDeltaBinaryPacked;
    }
  }
  // The SHA-256 is computed over the bytes as they are written (no read-back); the size check
  // below makes sure the file holds exactly the bytes hashed.
  HashingFileSystem hashing(fs_);
  RETURN_IF_ERROR(parquet::WriteParquetFile(&hashing, path, sorted, wo).WithContext("writing warm file " + rel));
  ASSIGN_OR_RETURN(FileDigest digest, hashing.DigestOf(path));
  ASSIGN_OR_RETURN(uint64_t on_disk, fs_->FileSize(path));
  if (on_disk != digest.bytes) {
    return Status::IOError("warm file " + rel + " is " + std::to_string(on_disk) + " bytes but " +
                           std::to_string(digest.bytes) + " were written");
  }
  FileRecord rec;
  rec.sha256 = std::move(digest.sha256);
  rec.bytes = static_cast<int64_t>(digest.bytes);
  const std::vector<int64_t>& ts = sorted.column(table.def.schema.ts_index()).int64s();
  rec.table_id = table.id;
  rec.tier = Tier::kWarm;
  rec.uri = rel;
  rec.symbol = symbol;
  rec.min_ts = ts.front();
  rec.max_ts = ts.back();
  rec.row_count = static_cast<int64_t>(sorted.num_rows());
  rec.max_lsn = max_lsn;
  return rec;
}

Status TierStore::WriteFlush(std::vector<FlushSeries>& series, uint64_t cut_lsn,
                             const std::function<void()>& after_commit, std::optional<int64_t> only_table,
                             std::set<std::tuple<int64_t, std::string, int64_t>>* touched, TierRunResult* r) {
  CatalogChange change;
  if (only_table) {
    for (const FlushSeries& s : series) {
      if (s.table_id != *only_table) {
        return Status::Internal("a flush of table id " + std::to_string(*only_table) + " got rows of table id " +
                                std::to_string(s.table_id));
      }
    }
    change.table_flushed_lsns.emplace_back(*only_table, cut_lsn);
  } else {
    change.flushed_lsn = cut_lsn;
  }
  r->flushed_lsn = cut_lsn;
  std::map<int64_t, std::pair<TableInfo, TablePolicy>> tables;
  for (const FlushSeries& s : series) {
    if (tables.count(s.table_id) != 0) continue;
    ASSIGN_OR_RETURN(TableInfo info, Table(s.table_id));
    ASSIGN_OR_RETURN(TablePolicy policy, PolicyOf(info));
    tables.emplace(s.table_id, std::make_pair(std::move(info), std::move(policy)));
  }
  // One job per series, on a few threads: copy its rows out of the hot tier (FlushSeries::load),
  // sort them by ts unless they already are (the usual case: appends arrive in order), then write
  // one part per UTC day. Each thread holds one series' rows at a time.
  // The bars of each part are computed here from the rows in memory (DerivedBars::Precomputed):
  // the usual flush then never reads its own files back.
  std::map<int64_t, std::vector<int64_t>> bar_intervals;  // by table id; tables with bars only
  for (const auto& [id, tp] : tables) {
    ASSIGN_OR_RETURN(std::vector<int64_t> iv, bars_->Intervals(id));
    if (!iv.empty()) bar_intervals.emplace(id, std::move(iv));
  }
  struct Done {
    Status st;
    RecordBatch failed_rows;  // the series' rows when st is not OK (for the quarantine)
    uint64_t rows_in = 0;
    uint64_t duplicates = 0;  // dropped (dedup.h)
    std::vector<int64_t> days;
    std::vector<FileRecord> files;
    std::vector<std::map<int64_t, RecordBatch>> bars;  // per file, by interval (tables with bars)
  };
  std::vector<Done> done(series.size());
  std::atomic<size_t> next{0};
  uint64_t largest = 0;
  for (const FlushSeries& s : series) largest = std::max(largest, s.rows_hint);
  auto worker = [&] {
    RecordBatch buffer;  // reused: its capacity is already mapped for the next series
    for (size_t k; (k = next.fetch_add(1)) < series.size();) {
      FlushSeries& s = series[k];
      Done& d = done[k];
      const auto& [info, policy] = tables.at(s.table_id);
      const int ts_col = info.def.schema.ts_index();
      if (s.load) {
        if (buffer.fields() != info.def.schema.fields()) {
          buffer = RecordBatch(info.def.schema);
          buffer.Reserve(largest);  // one allocation (and one round of page faults) per thread
        }
        buffer.Clear();
        s.load(&buffer);
      } else {
        buffer = std::move(s.rows);
      }
      // Sorted only when needed (appends usually arrive in ts order).
      std::vector<uint32_t> order = StableTsOrder(buffer, ts_col);
      RecordBatch reordered;
      if (!order.empty()) reordered = buffer.Take(order);
      RecordBatch& sorted = order.empty() ? buffer : reordered;
      d.rows_in = sorted.num_rows();
      d.duplicates = Dedup(&sorted, KeyColumn(info.def));
      const std::vector<int64_t>& ts = sorted.column(ts_col).int64s();
      for (size_t i = 0; i < ts.size();) {
        const int64_t day = DayOf(ts[i]);
        // Rows are sorted: the day ends after its last ns (saturated, so the last day of the int64
        // range ends at INT64_MAX and the slice is never empty).
        const size_t j = static_cast<size_t>(
            std::upper_bound(ts.begin() + static_cast<ptrdiff_t>(i), ts.end(), DayLastNs(day)) - ts.begin());
        d.days.push_back(day);
        RecordBatch slice;
        const bool whole = i == 0 && j == ts.size();
        if (!whole) slice = sorted.Slice(i, j - i);
        const RecordBatch& rows = whole ? sorted : std::as_const(slice);
        auto rec = WriteWarmPart(info, policy, s.symbol, day, rows, cut_lsn);
        if (!rec.ok()) {
          d.st = rec.status();
          break;
        }
        d.files.push_back(std::move(*rec));
        if (auto iv = bar_intervals.find(s.table_id); iv != bar_intervals.end()) {
          std::map<int64_t, RecordBatch>& bars = d.bars.emplace_back();
          for (int64_t interval : iv->second) {
            auto b = bars::ComputeBars(rows, interval);
            if (!b.ok()) {
              d.st = b.status().WithContext("bars of " + info.def.name + " " + s.symbol);
              break;
            }
            bars.emplace(interval, std::move(*b));
          }
          if (!d.st.ok()) break;
        }
        i = j;
      }
      if (!d.st.ok()) d.failed_rows = std::move(sorted);  // kept whole for the quarantine
    }
  };
  const size_t threads = std::min<size_t>(series.size(), std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  Status st;
  DerivedBars::Precomputed precomputed;
  std::vector<std::string> quarantined;  // warnings, given once the commit is durable
  for (size_t k = 0; k < done.size(); ++k) {
    Done& d = done[k];
    if (!d.st.ok() && st.ok()) {
      // One series' failure: its rows go to the quarantine (in the same commit) unless the failure
      // is not the series' own (a full disk, a crash, a busy catalog), which fails the flush.
      const StatusCode code = d.st.code();
      const bool environment =
          code == StatusCode::kNoSpace || code == StatusCode::kAborted || code == StatusCode::kBusy;
      if (environment || !options_.encode_quarantine) {
        st = d.st;
      } else {
        for (const FileRecord& f : d.files) fs_->RemoveFile(JoinPath(options_.root, f.uri)).IgnoreError();
        d.files.clear();
        d.bars.clear();
        d.days.clear();  // nothing of it is committed: no compaction of its days either
        const TableInfo& info = tables.at(series[k].table_id).first;
        auto q = WriteQuarantine(info, series[k].symbol, d.failed_rows, cut_lsn, d.st);
        if (!q.ok()) {
          st = q.status().WithContext("quarantining series " + QuoteForMessage(series[k].symbol, 80) + " of table " +
                                      info.def.name + " after: " + d.st.message());
        } else {
          quarantined.push_back("flush: " + std::to_string(q->row_count) + " row(s) of table " + info.def.name +
                                ", symbol " + QuoteForMessage(q->symbol, 80) + ", ts " + FormatTimestamp(q->min_ts) +
                                " .. " + FormatTimestamp(q->max_ts) + " could not be written (" + d.st.message() +
                                "); they are kept in " + q->uri +
                                " and every other series was flushed; see `strata verify`");
          r->rows_quarantined += static_cast<uint64_t>(q->row_count);
          ++r->series_quarantined;
          change.quarantine.push_back(std::move(*q));
        }
      }
      d.failed_rows = RecordBatch();
    }
    r->rows_in += d.rows_in;
    r->duplicates_removed += d.duplicates;
    for (int64_t day : d.days) touched->emplace(series[k].table_id, series[k].symbol, day);
    for (size_t f = 0; f < d.files.size(); ++f) {
      FileRecord& rec = d.files[f];
      r->rows_out += static_cast<uint64_t>(rec.row_count);
      r->bytes_out += static_cast<uint64_t>(rec.bytes);
      ++r->files_out;
      if (f < d.bars.size()) precomputed.emplace(change.add.size(), std::move(d.bars[f]));
      change.add.push_back(std::move(rec));
    }
  }
  DerivedBars::Pending bars;  // derived bar tables: same transaction (derived_bars.h)
  if (st.ok()) st = bars_->Prepare(&change, {}, &bars, &precomputed);
  r->bar_days_rebuilt += bars.days_rebuilt;
  r->bar_days_read += bars.days_read;
  if (!st.ok()) {
    // Nothing committed: what was written is an orphan. Remove it now (best effort; after a crash
    // the next open's cleanup does it).
    for (const FileRecord& f : change.add) fs_->RemoveFile(JoinPath(options_.root, f.uri)).IgnoreError();
    for (const QuarantineRecord& q : change.quarantine) {
      fs_->RemoveFile(JoinPath(options_.root, q.uri)).IgnoreError();  // the WAL still holds its rows
    }
    return st;
  }
  {
    std::unique_lock<std::shared_mutex> lock;
    if (options_.view_mu != nullptr) lock = std::unique_lock(*options_.view_mu);
    // On a failed commit the files stay: the change may be durable (see CommitChange).
    RETURN_IF_ERROR(CommitChange(change));
    if (after_commit) after_commit();
  }
  for (const std::string& w : quarantined) Warn(w);
  return DeleteRetired(bars.replaced);
}

Status TierStore::VerifyQuarantine(VerifyReport* report) {
  ASSIGN_OR_RETURN(auto records, catalog_->ListQuarantine());
  std::map<int64_t, std::string> names;
  for (const QuarantineRecord& q : records) {
    if (!names.count(q.table_id)) {
      auto t = Table(q.table_id);
      names[q.table_id] = t.ok() ? t->def.name : "id " + std::to_string(q.table_id);
    }
    report->problems.push_back({"quarantined", q.uri,
                                std::to_string(q.row_count) + " row(s) of table " + names[q.table_id] + ", symbol " +
                                    QuoteForMessage(q.symbol, 80) + ", ts " + FormatTimestamp(q.min_ts) + " .. " +
                                    FormatTimestamp(q.max_ts) + ", appended at or below LSN " +
                                    std::to_string(q.max_lsn) +
                                    ", set aside by a flush that could not write them: " + q.reason});
    auto data = fs_->ReadFile(JoinPath(options_.root, q.uri));
    if (!data.ok()) {
      report->problems.push_back({data.status().code() == StatusCode::kNotFound ? "missing" : "corrupt", q.uri,
                                  "quarantine file: " + data.status().message()});
    } else if (data->size() != static_cast<uint64_t>(q.bytes) || Sha256Hex(*data) != q.sha256) {
      report->problems.push_back({"corrupt", q.uri, "quarantine file differs from the catalog's size or SHA-256"});
    }
  }
  return Status::OK();
}

Result<QuarantineRecord> TierStore::WriteQuarantine(const TableInfo& table, const std::string& symbol,
                                                    const RecordBatch& rows, uint64_t cut_lsn, const Status& reason) {
  if (rows.num_rows() == 0) return Status::Internal("quarantine of an empty series");
  // The symbol may be what could not become a path: the file is named by its hash.
  const std::string rel = std::string(layout::kQuarantineDirName) + "/flush/" + table.def.name + "/lsn-" +
                          std::to_string(cut_lsn) + "-" + Sha256Hex(symbol).substr(0, 16) + ".rows";
  const std::string path = JoinPath(options_.root, rel);
  RETURN_IF_ERROR(CreateDirsDurably(fs_, options_.root, DirName(path)));
  const std::string data = options_.encode_quarantine(table.id, rows);
  const std::string tmp = path + ".tmp";
  {
    ASSIGN_OR_RETURN(auto f, fs_->NewWritableFile(tmp, OpenMode::kTruncate));
    RETURN_IF_ERROR(f->Append(data));
    RETURN_IF_ERROR(f->Sync());
    RETURN_IF_ERROR(f->Close());
  }
  RETURN_IF_ERROR(fs_->Rename(tmp, path));
  RETURN_IF_ERROR(fs_->SyncDir(DirName(path)));
  QuarantineRecord q;
  q.table_id = table.id;
  q.symbol = symbol;
  const std::vector<int64_t>& ts = rows.column(table.def.schema.ts_index()).int64s();
  q.min_ts = *std::min_element(ts.begin(), ts.end());
  q.max_ts = *std::max_element(ts.begin(), ts.end());
  q.row_count = static_cast<int64_t>(rows.num_rows());
  q.uri = rel;
  q.bytes = static_cast<int64_t>(data.size());
  q.sha256 = Sha256Hex(data);
  q.max_lsn = cut_lsn;
  q.reason = reason.ToString();
  return q;
}

Result<TierRunResult> TierStore::Flush(std::vector<FlushSeries> series, uint64_t cut_lsn,
                                       const std::function<void()>& after_commit, std::optional<int64_t> only_table) {
  RETURN_IF_ERROR(CheckUsable());
  std::set<std::tuple<int64_t, std::string, int64_t>> touched;  // (table, symbol, day)
  nlohmann::json inputs = {{"cut_lsn", cut_lsn}, {"series", series.size()}};
  if (only_table) inputs["table_id"] = *only_table;
  ASSIGN_OR_RETURN(TierRunResult result, RecordRun(catalog_, "flush", inputs, [&](TierRunResult* r) {
                     return WriteFlush(series, cut_lsn, after_commit, only_table, &touched, r);
                   }));
  // Compaction of the series-days that now have too many parts.
  std::set<int64_t> tables;
  for (const auto& [table_id, symbol, day] : touched) tables.insert(table_id);
  for (int64_t table_id : tables) {
    auto compacted = CompactWarm(table_id);
    if (!compacted.ok()) return compacted.status().WithContext("compacting after a flush");
  }
  return result;
}

Result<std::unique_ptr<parquet::ParquetReader>> TierStore::OpenReader(const FileRecord& file) {
  const bool warm = file.tier == Tier::kWarm;
  const std::string what = std::string(TierName(file.tier)) + " file " + file.uri;
  std::unique_ptr<parquet::RangeSource> source;
  if (warm) {
    auto src = parquet::OpenFileRangeSource(fs_, JoinPath(options_.root, file.uri));
    if (!src.ok()) {
      auto exists = fs_->Exists(JoinPath(options_.root, file.uri));
      if (exists.ok() && !*exists) {
        return Status::NotFound(what + " (catalog id " + std::to_string(file.id) +
                                ") is missing from storage; run `strata verify`");
      }
      return src.status().WithContext("opening " + what);
    }
    source = std::move(*src);
  } else if (auto map = options_.cold->MapRead(ColdKeyOf(file.uri)); map.ok() && !(*map)->data().empty()) {
    source = parquet::MakeMappedRangeSource(std::move(*map));  // a cold tier on local disk
  } else {
    auto f = options_.cold->OpenRead(ColdKeyOf(file.uri));
    if (!f.ok()) {
      if (f.status().code() == StatusCode::kNotFound) {
        return Status::NotFound(what + " (catalog id " + std::to_string(file.id) +
                                ") is missing from storage; run `strata verify`");
      }
      return f.status().WithContext("opening " + what);
    }
    ASSIGN_OR_RETURN(source, parquet::MakeRandomAccessRangeSource(std::move(*f)));
  }
  ASSIGN_OR_RETURN(uint64_t size, source->Size());
  if (size != static_cast<uint64_t>(file.bytes)) {
    return Status::Corruption(what + " is " + std::to_string(size) + " bytes but the catalog recorded " +
                              std::to_string(file.bytes) + "; run `strata verify`");
  }
  auto reader = parquet::ParquetReader::Open(std::move(source));
  if (!reader.ok()) {
    return Status::Corruption(what + " is not valid Parquet: " + reader.status().message() + "; run `strata verify`");
  }
  RETURN_IF_ERROR(CheckFooter(file, **reader));
  return std::move(*reader);
}

Result<std::shared_ptr<const Schema>> TierStore::SchemaOf(int64_t table_id, bool refresh) {
  if (!refresh) {
    std::lock_guard lock(schemas_mu_);
    if (auto it = schemas_.find(table_id); it != schemas_.end()) return it->second;
  }
  // A table's schema only grows (columns added at the end: doc/schema_evolution.md).
  ASSIGN_OR_RETURN(TableInfo info, Table(table_id));
  auto schema = std::make_shared<const Schema>(info.def.schema);
  std::lock_guard lock(schemas_mu_);
  schemas_[table_id] = schema;
  return schema;
}

// A damaged footer can still parse and then answer wrongly without an error (a row count, a
// type or a statistic changed: row groups pruned, values misread). What it says must agree with
// what the catalog recorded when the file was written.
Status TierStore::CheckFooter(const FileRecord& file, const parquet::ParquetReader& reader) {
  const std::string what = std::string(TierName(file.tier)) + " file " + file.uri;
  auto bad = [&](const std::string& detail) {
    return Status::Corruption(what + " (catalog id " + std::to_string(file.id) + ") has a damaged footer: " + detail +
                              "; run `strata verify`");
  };
  int64_t rows = 0;
  for (int rg = 0; rg < reader.num_row_groups(); ++rg) rows += reader.row_group_num_rows(rg);
  if (reader.num_rows() != file.row_count || rows != file.row_count) {
    return bad("it says " + std::to_string(reader.num_rows()) + " rows (" + std::to_string(rows) +
               " in its row groups) but the catalog recorded " + std::to_string(file.row_count));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Schema> schema, SchemaOf(file.table_id));
  auto fields = reader.FieldsFor({});
  if (!fields.ok()) return bad(fields.status().message());
  // A file written before columns were added has the first of them; one with more than the
  // table as this process knew it may have been written after a column was added: look again.
  if (!IsEarlierSchema(*fields, schema->fields())) {
    ASSIGN_OR_RETURN(schema, SchemaOf(file.table_id, /*refresh=*/true));
  }
  if (!IsEarlierSchema(*fields, schema->fields())) {
    return bad("its columns (" + FieldsToString(*fields) + ") are not the table's (" + schema->ToString() + ")");
  }
  const int ts = reader.FindColumn(schema->field(schema->ts_index()).name);
  if (ts < 0) return bad("it has no timestamp column");
  for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
    int64_t lo = 0, hi = 0;
    if (reader.row_group_num_rows(rg) == 0 || !reader.TimestampBounds(rg, ts, &lo, &hi)) continue;
    if (lo > hi || lo < file.min_ts || hi > file.max_ts || (rg == 0 && lo != file.min_ts) ||
        (rg + 1 == reader.num_row_groups() && hi != file.max_ts)) {
      return bad("row group " + std::to_string(rg) + " says its timestamps are " + FormatTimestamp(lo) + " .. " +
                 FormatTimestamp(hi) + " but the catalog recorded " + FormatTimestamp(file.min_ts) + " .. " +
                 FormatTimestamp(file.max_ts));
    }
  }
  return Status::OK();
}

Result<RecordBatch> TierStore::Read(const FileRecord& file, const parquet::ReadOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<parquet::ParquetReader> reader, OpenReader(file));
  auto batch = reader->Read(options);
  if (!batch.ok())
    return batch.status().WithContext("reading " + std::string(TierName(file.tier)) + " file " + file.uri);
  return batch;
}

Result<RecordBatch> TierStore::ReadAll(const FileRecord& file, const Schema& schema) {
  ASSIGN_OR_RETURN(RecordBatch batch, Read(file, {}));
  // A file written before columns were added at the end of the schema: they are NULL in it.
  if (auto padded = PadToFields(batch, schema.fields()); padded.ok()) batch = std::move(padded).value();
  if (batch.fields() != schema.fields()) {
    return Status::Corruption(std::string(TierName(file.tier)) + " file " + file.uri +
                              " does not have the table's columns (" + schema.ToString() + ")");
  }
  if (batch.num_rows() != static_cast<size_t>(file.row_count)) {
    return Status::Corruption(std::string(TierName(file.tier)) + " file " + file.uri + " has " +
                              std::to_string(batch.num_rows()) + " rows but the catalog recorded " +
                              std::to_string(file.row_count));
  }
  return batch;
}

Status TierStore::CheckUsable() const {
  if (commit_failed_.ok()) return Status::OK();
  return Status::IOError("an earlier catalog commit failed (" + commit_failed_.message() +
                         "); nothing more is changed until the database is reopened, which decides from the "
                         "catalog's durable state");
}

Status TierStore::CommitChange(const CatalogChange& change) {
  RETURN_IF_ERROR(CheckUsable());
  auto ids = catalog_->Commit(change);
  if (ids.ok()) {
    if (options_.after_catalog_commit && (!change.add.empty() || !change.retire.empty())) {
      options_.after_catalog_commit(change);
    }
    return Status::OK();
  }
  const StatusCode code = ids.status().code();
  // A change the catalog refused (validation, an unknown id) was rolled back for certain. Any
  // other failure may have happened at COMMIT, after which the change can still turn out durable:
  // nothing it names may be deleted, and nothing more changed, until a reopen reads what stuck.
  if (code != StatusCode::kInvalidArgument && code != StatusCode::kNotFound && code != StatusCode::kAlreadyExists) {
    commit_failed_ = ids.status();
  }
  return ids.status();
}

Status TierStore::DeleteStorage(const FileRecord& file) {
  // A damaged catalog row must never make us delete a file that is not a tier file of its table.
  auto table = Table(file.table_id);
  if (!table.ok() || !IsTierUriOf(file, table->def.name)) {
    Warn("not deleting " + file.uri + ": the catalog row (id " + std::to_string(file.id) +
         ") names a path that is not a " + std::string(TierName(file.tier)) + " file of its table");
    return Status::OK();
  }
  if (file.LockedAt(std::max(NowNs(), lock_now_ns_))) {
    // The last line of defence: the operations that retire files leave locked ones alone, so only
    // a retired row from elsewhere (a catalog edited by hand) gets here. It stays retired.
    Warn("not deleting " + file.uri + ": it is locked until " + FormatTimestamp(*file.retain_until_ns) +
         " (policy cold_lock_days)");
    return Status::OK();
  }
  if (file.tier == Tier::kWarm) {
    const std::string path = JoinPath(options_.root, file.uri);
    ASSIGN_OR_RETURN(bool exists, fs_->Exists(path));
    if (!exists) return Status::OK();
    RETURN_IF_ERROR(fs_->RemoveFile(path));
    return fs_->SyncDir(DirName(path));
  }
  return options_.cold->Delete(ColdKeyOf(file.uri));
}

Status TierStore::DeleteRetired(const std::vector<FileRecord>& files) {
  std::vector<FileRecord> todo = files;
  if (options_.file_in_use) {
    // Files an open scan listed are deleted later; earlier deferred ones now, if released. Also
    // when this operation retired nothing: otherwise deferred files would wait for the next open.
    FileQuery q;
    q.state = "retired";
    ASSIGN_OR_RETURN(auto retired, catalog_->ListFiles(q));
    for (FileRecord& f : retired) {
      if (std::none_of(todo.begin(), todo.end(), [&](const FileRecord& t) { return t.id == f.id; })) {
        todo.push_back(std::move(f));
      }
    }
  }
  if (todo.empty()) return Status::OK();
  WaitForReaders();
  if (options_.file_in_use) {
    std::erase_if(todo, [&](const FileRecord& f) { return options_.file_in_use(f.id); });
    if (todo.empty()) return Status::OK();
  }
  CatalogChange change;
  for (const FileRecord& f : todo) {
    RETURN_IF_ERROR(DeleteStorage(f).WithContext("deleting retired file " + f.uri));
    if (!f.LockedAt(std::max(NowNs(), lock_now_ns_))) change.remove.push_back(f.id);  // else: kept, see DeleteStorage
  }
  if (change.remove.empty()) return Status::OK();
  return CommitChange(change);
}

Result<TierRunResult> TierStore::CompactWarm(int64_t table_id, bool force_all) {
  RETURN_IF_ERROR(CheckUsable());
  ASSIGN_OR_RETURN(TableInfo table, Table(table_id));
  ASSIGN_OR_RETURN(TablePolicy policy, PolicyOf(table));
  // A derived table's files are replaced by DerivedBars::Prepare only (one per series-day; a book
  // sample file carries the book its next day starts from, which a merge would drop).
  if (policy.IsDerived()) return TierRunResult{};
  const int max_parts = policy.max_warm_parts.value_or(options_.default_max_warm_parts);
  FileQuery q;
  q.table_id = table_id;
  q.tier = Tier::kWarm;
  ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(q));
  std::map<std::pair<std::string, int64_t>, std::vector<FileRecord>> groups;  // (symbol, day)
  for (FileRecord& f : files) groups[{f.symbol, DayOf(f.min_ts)}].push_back(std::move(f));
  TierRunResult total;
  for (auto& group : groups) {
    // Named references, not a structured binding: a lambda below uses them, which clang 14 (the
    // sanitizer trees' compiler) does not allow for bindings (a C++20 change it lacks).
    const std::pair<std::string, int64_t>& key = group.first;
    std::vector<FileRecord>& parts = group.second;
    if (parts.size() <= static_cast<size_t>(max_parts) && !(force_all && parts.size() > 1)) continue;
    std::sort(parts.begin(), parts.end(), [](const FileRecord& a, const FileRecord& b) { return a.id < b.id; });
    nlohmann::json inputs = nlohmann::json::array();
    for (const FileRecord& f : parts) inputs.push_back(f.uri);
    ScopedLatency timed(&EngineMetrics::Get().compaction_seconds);  // one series-day merged
    ASSIGN_OR_RETURN(TierRunResult r, RecordRun(catalog_, "compact", {{"files", inputs}}, [&](TierRunResult* r) {
                       return [&]() -> Status {
                         RecordBatch merged(table.def.schema);
                         uint64_t max_lsn = 0;
                         for (const FileRecord& f : parts) {
                           ASSIGN_OR_RETURN(RecordBatch b, ReadAll(f, table.def.schema));
                           RETURN_IF_ERROR(merged.Append(b));
                           max_lsn = std::max(max_lsn, f.max_lsn);
                           r->rows_in += static_cast<uint64_t>(f.row_count);
                           r->bytes_in += static_cast<uint64_t>(f.bytes);
                           ++r->files_in;
                         }
                         RecordBatch sorted = SortByTs(merged, table.def.schema.ts_index());
                         r->duplicates_removed += Dedup(&sorted, KeyColumn(table.def));
                         std::vector<std::string> replaces;
                         for (const FileRecord& f : parts) replaces.push_back(f.uri);
                         ASSIGN_OR_RETURN(FileRecord rec, WriteWarmPart(table, policy, key.first, key.second, sorted,
                                                                        max_lsn, replaces));
                         CatalogChange change;
                         change.add.push_back(rec);
                         for (const FileRecord& f : parts) change.retire.push_back(f.id);
                         RETURN_IF_ERROR(CommitChange(change));  // on failure the new part stays
                         r->rows_out += static_cast<uint64_t>(rec.row_count);
                         r->bytes_out += static_cast<uint64_t>(rec.bytes);
                         ++r->files_out;
                         return DeleteRetired(parts);
                       }();
                     }));
    Accumulate(r, &total);
  }
  return total;
}

Status TierStore::MigrateGroup(const TableInfo& table, const TablePolicy& policy, const std::string& symbol,
                               int64_t month, std::vector<FileRecord> inputs, TierRunResult* r) {
  // A month already in cold (late data): its parts are merged into the new part and retired.
  FileQuery q;
  q.table_id = table.id;
  q.tier = Tier::kCold;
  q.symbol = symbol;
  q.from_ts = MonthStartNs(month);
  q.to_ts = MonthStartNs(month + 1);
  ASSIGN_OR_RETURN(auto cold, catalog_->ListFiles(q));
  const int64_t now = NowNs();
  // A locked cold file is never replaced: the month's new rows go into a part beside it.
  const size_t locked = std::erase_if(cold, [&](const FileRecord& f) {
    if (!f.LockedAt(now)) return false;
    Warn("not merging into locked cold file " + f.uri + " (locked until " + FormatTimestamp(*f.retain_until_ns) +
         ", policy cold_lock_days): the new rows go into a part of their own");
    return true;
  });
  r->files_locked += locked;
  std::sort(cold.begin(), cold.end(), [](const FileRecord& a, const FileRecord& b) { return a.id < b.id; });
  // Cold rows first, then warm parts in creation (= arrival) order: on equal timestamps rows keep
  // their arrival order and on equal dedup keys the first arrival wins.
  std::sort(inputs.begin(), inputs.end(), [](const FileRecord& a, const FileRecord& b) { return a.id < b.id; });
  std::vector<FileRecord> all = cold;
  all.insert(all.end(), inputs.begin(), inputs.end());

  RecordBatch merged(table.def.schema);
  for (const FileRecord& f : all) {
    ASSIGN_OR_RETURN(RecordBatch b, ReadAll(f, table.def.schema));
    RETURN_IF_ERROR(merged.Append(b));
    r->rows_in += static_cast<uint64_t>(f.row_count);
    r->bytes_in += static_cast<uint64_t>(f.bytes);
    ++r->files_in;
  }
  RecordBatch sorted = SortByTs(merged, table.def.schema.ts_index());
  merged = RecordBatch();
  r->duplicates_removed += Dedup(&sorted, KeyColumn(table.def));

  parquet::WriterOptions wo;
  wo.compression = CompressionType::kZstd;
  wo.compression_level = policy.ColdZstdLevel();
  wo.default_encoding = parquet::ColumnEncoding::kStrongest;
  wo.timestamp_adjusted_to_utc = false;
  {
    TierFileMeta meta{table.def, table.id, Tier::kCold, symbol, 0, {}};
    for (const FileRecord& f : all) {
      meta.max_lsn = std::max(meta.max_lsn, f.max_lsn);
      meta.replaces.push_back(f.uri);
    }
    wo.key_value_metadata = TierFileKeyValues(meta);
  }
  const std::string tmp_dir = JoinPath(options_.root, layout::kTmpDirName);
  RETURN_IF_ERROR(fs_->CreateDirs(tmp_dir));
  const std::string staged =
      JoinPath(tmp_dir, "migrate-" + std::to_string(::getpid()) + "-" + std::to_string(++staged_) + ".parquet");
  auto cleanup_staged = [&] { fs_->RemoveFile(staged).IgnoreError(); };
  Status st = parquet::WriteParquetFile(fs_, staged, sorted, wo);
  if (!st.ok()) {
    cleanup_staged();
    return st.WithContext("staging a cold file for " + table.def.name + " " + symbol);
  }
  FileRecord rec;
  uint64_t size = 0;
  st = Sha256File(fs_, staged, &rec.sha256, &size);
  ASSIGN_OR_RETURN(int64_t seq, NextSeq(table.id, Tier::kCold, symbol,
                                        ColdUri(ColdSeriesMonthPrefix(table.def.name, month, symbol) + "/")));
  const std::string key = ColdKey(table.def.name, month, symbol, seq);
  std::optional<ObjectLock> lock;
  if (policy.cold_lock_days) {
    // Whole seconds (S3's retain-until resolution), rounded up so the store's lock never ends
    // before the catalog's.
    const int64_t until_ns = now + *policy.cold_lock_days * kNanosPerDay;
    lock = ObjectLock{policy.ColdLockMode(), (until_ns + 999'999'999) / 1'000'000'000};
    rec.retain_until_ns = lock->retain_until_unix_s * 1'000'000'000;
  }
  if (st.ok()) {
    st = (lock ? options_.cold->PutFileLocked(key, fs_, staged, *lock) : options_.cold->PutFile(key, fs_, staged))
             .WithContext("uploading cold file " + key);
  }
  cleanup_staged();
  if (!st.ok()) return st;
  // Read it back: the bytes the store holds must be the bytes we wrote, and decode to our rows.
  st = [&]() -> Status {
    ASSIGN_OR_RETURN(std::string back, options_.cold->Get(key));
    if (back.size() != size || Sha256Hex(back) != rec.sha256) {
      return Status::Corruption("cold file " + ColdUri(key) + " read back differs from what was written (" +
                                std::to_string(back.size()) + " of " + std::to_string(size) + " bytes)");
    }
    ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(parquet::MakeStringRangeSource(std::move(back), key)));
    if (reader->num_rows() != static_cast<int64_t>(sorted.num_rows())) {
      return Status::Corruption("cold file " + ColdUri(key) + " read back has " + std::to_string(reader->num_rows()) +
                                " rows, wrote " + std::to_string(sorted.num_rows()));
    }
    return Status::OK();
  }();
  if (!st.ok()) {
    options_.cold->Delete(key).IgnoreError();
    return st;
  }
  const std::vector<int64_t>& ts = sorted.column(table.def.schema.ts_index()).int64s();
  rec.table_id = table.id;
  rec.tier = Tier::kCold;
  rec.uri = ColdUri(key);
  rec.symbol = symbol;
  rec.min_ts = ts.empty() ? MonthStartNs(month) : ts.front();
  rec.max_ts = ts.empty() ? MonthStartNs(month) : ts.back();
  rec.row_count = static_cast<int64_t>(sorted.num_rows());
  rec.bytes = static_cast<int64_t>(size);
  for (const FileRecord& f : all) rec.max_lsn = std::max(rec.max_lsn, f.max_lsn);
  CatalogChange change;
  change.add.push_back(rec);
  for (const FileRecord& f : all) change.retire.push_back(f.id);
  DerivedBars::Pending bars;  // derived bar tables: same transaction (derived_bars.h)
  st = bars_->Prepare(&change, all, &bars);
  if (!st.ok()) {
    bars_->Abandon(bars);
    options_.cold->Delete(key).IgnoreError();
    return st;
  }
  // On a failed commit the cold object and the bar files stay: the change may be durable.
  RETURN_IF_ERROR(CommitChange(change));
  r->rows_out += sorted.num_rows();
  r->bytes_out += size;
  ++r->files_out;
  all.insert(all.end(), bars.replaced.begin(), bars.replaced.end());
  return DeleteRetired(all);
}

Result<TierRunResult> TierStore::Migrate(const MigrateOptions& options) {
  RETURN_IF_ERROR(CheckUsable());
  std::vector<TableInfo> tables;
  if (!options.table.empty()) {
    ASSIGN_OR_RETURN(TableInfo t, catalog_->GetTable(options.table));
    tables.push_back(std::move(t));
  } else {
    ASSIGN_OR_RETURN(tables, catalog_->ListTables());
  }
  const int64_t now = options.now_ns.value_or(WallClockNs());
  TierRunResult total;
  for (const TableInfo& table : tables) {
    ASSIGN_OR_RETURN(TablePolicy policy, PolicyOf(table));
    if (policy.IsDerived()) continue;  // bar files follow their source (derived_bars.h)
    FileQuery q;
    q.table_id = table.id;
    q.tier = Tier::kWarm;
    ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(q));
    std::set<int64_t> chosen;
    int64_t kept_bytes = 0;
    for (const FileRecord& f : files) {
      bool pick = options.all || (options.before_ts && f.max_ts < *options.before_ts);
      if (options.apply_policy && policy.warm_days && f.max_ts < now - *policy.warm_days * kNanosPerDay) pick = true;
      if (pick) {
        chosen.insert(f.id);
      } else {
        kept_bytes += f.bytes;
      }
    }
    if (options.apply_policy && policy.warm_max_bytes && kept_bytes > *policy.warm_max_bytes) {
      // Oldest series-months first until the rest fits the budget.
      std::map<std::pair<int64_t, std::string>, std::vector<const FileRecord*>> by_month;
      for (const FileRecord& f : files) {
        if (!chosen.count(f.id)) by_month[{MonthOf(f.min_ts), f.symbol}].push_back(&f);
      }
      for (auto& [key, group] : by_month) {
        if (kept_bytes <= *policy.warm_max_bytes) break;
        for (const FileRecord* f : group) {
          chosen.insert(f->id);
          kept_bytes -= f->bytes;
        }
      }
    }
    if (chosen.empty()) continue;
    std::map<std::pair<int64_t, std::string>, std::vector<FileRecord>> groups;  // (month, symbol)
    for (const FileRecord& f : files) {
      if (chosen.count(f.id)) groups[{MonthOf(f.min_ts), f.symbol}].push_back(f);
    }
    nlohmann::json inputs = {{"table", table.def.name}, {"files", chosen.size()}, {"groups", groups.size()}};
    ASSIGN_OR_RETURN(TierRunResult r, RecordRun(catalog_, "migrate", inputs, [&](TierRunResult* r) -> Status {
                       size_t done = 0;
                       for (auto& [key, group] : groups) {
                         const auto t0 = std::chrono::steady_clock::now();
                         const uint64_t rows_before = r->rows_out;
                         RETURN_IF_ERROR(MigrateGroup(table, policy, key.second, key.first, std::move(group), r)
                                             .WithContext("migrating " + table.def.name + " " + key.second + " " +
                                                          FormatDate(MonthStartNs(key.first)).substr(0, 7)));
                         ++done;
                         if (options.on_progress) {
                           char buf[256];
                           std::snprintf(buf, sizeof buf, "[%zu/%zu] %s %s %s: %llu rows in %.2f s", done,
                                         groups.size(), table.def.name.c_str(), key.second.c_str(),
                                         FormatDate(MonthStartNs(key.first)).substr(0, 7).c_str(),
                                         static_cast<unsigned long long>(r->rows_out - rows_before), Since(t0));
                           options.on_progress(buf);
                         }
                       }
                       return Status::OK();
                     }));
    Accumulate(r, &total);
    total.seconds += r.seconds;
  }
  return total;
}

Result<TierRunResult> TierStore::ApplyRetention(int64_t now_ns) {
  RETURN_IF_ERROR(CheckUsable());
  ASSIGN_OR_RETURN(auto tables, catalog_->ListTables());
  TierRunResult total;
  for (const TableInfo& table : tables) {
    ASSIGN_OR_RETURN(TablePolicy policy, PolicyOf(table));
    if (!policy.cold_days) continue;  // nothing is deleted by a policy that is not set
    const int64_t cutoff = now_ns - *policy.cold_days * kNanosPerDay;
    FileQuery q;
    q.table_id = table.id;
    q.tier = Tier::kCold;
    ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(q));
    std::vector<FileRecord> expired;
    uint64_t locked = 0;
    for (FileRecord& f : files) {
      if (f.max_ts >= cutoff) continue;
      if (f.LockedAt(now_ns)) {
        Warn("retention: keeping " + f.uri + ", older than cold_days but locked until " +
             FormatTimestamp(*f.retain_until_ns) + " (policy cold_lock_days)");
        ++locked;
        continue;
      }
      expired.push_back(std::move(f));
    }
    if (expired.empty()) {
      total.files_locked += locked;
      continue;
    }
    nlohmann::json inputs = {{"table", table.def.name}, {"cold_days", *policy.cold_days}, {"files", expired.size()}};
    ASSIGN_OR_RETURN(TierRunResult r, RecordRun(catalog_, "retention", inputs, [&](TierRunResult* r) -> Status {
                       // Retired first, deleted after (like every replaced file): a crash in
                       // between leaves retired rows that the next open finishes, never unlisted
                       // files it could not tell from someone else's.
                       CatalogChange change;
                       for (const FileRecord& f : expired) {
                         change.retire.push_back(f.id);
                         r->rows_in += static_cast<uint64_t>(f.row_count);
                         r->bytes_in += static_cast<uint64_t>(f.bytes);
                         ++r->files_in;
                       }
                       r->files_locked = locked;
                       DerivedBars::Pending bars;  // bars of the removed days go with them
                       RETURN_IF_ERROR(bars_->Prepare(&change, expired, &bars));
                       RETURN_IF_ERROR(CommitChange(change));  // on failure nothing is deleted
                       std::vector<FileRecord> gone = expired;
                       gone.insert(gone.end(), bars.replaced.begin(), bars.replaced.end());
                       lock_now_ns_ = now_ns;  // the retention's clock decides what is locked
                       Status st = DeleteRetired(gone);
                       lock_now_ns_ = 0;
                       return st;
                     }));
    Accumulate(r, &total);
  }
  return total;
}

}  // namespace strata::tier
