#include "db/scan.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "parquet/column_util.h"
#include "parquet/parquet_reader.h"
#include "strata/timestamp.h"
#include "tier/dedup.h"

namespace strata::db {

void FilePins::Pin(const std::vector<int64_t>& ids) {
  std::lock_guard lock(mu_);
  for (int64_t id : ids) ++counts_[id];
}

void FilePins::Unpin(const std::vector<int64_t>& ids) {
  std::lock_guard lock(mu_);
  for (int64_t id : ids) {
    auto it = counts_.find(id);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }
}

bool FilePins::IsPinned(int64_t id) const {
  std::lock_guard lock(mu_);
  return counts_.count(id) != 0;
}

std::unique_ptr<parquet::ParquetReader> ReaderCache::Take(int64_t file_id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(file_id);
  if (it == entries_.end()) return nullptr;
  auto r = std::move(it->second.reader);
  entries_.erase(it);
  return r;
}

void ReaderCache::Put(int64_t file_id, std::unique_ptr<parquet::ParquetReader> reader) {
  std::unique_ptr<parquet::ParquetReader> evicted;  // closed outside the lock
  std::lock_guard lock(mu_);
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.used < oldest->second.used) oldest = it;
    }
    evicted = std::move(oldest->second.reader);
    entries_.erase(oldest);
  }
  entries_.emplace(file_id, Entry{++clock_, std::move(reader)});
}

namespace {

// Whether two of the inclusive [first, last] ranges intersect.
bool RangesOverlap(std::vector<std::pair<int64_t, int64_t>> ranges) {
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first <= ranges[i - 1].second) return true;
    ranges[i].second = std::max(ranges[i].second, ranges[i - 1].second);
  }
  return false;
}

int64_t Now() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

struct Timer {
  explicit Timer(int64_t* acc) : acc_(acc), start_(Now()) {}
  ~Timer() { *acc_ += Now() - start_; }
  int64_t* acc_;
  int64_t start_;
};

// A file holds one series, the symbol the catalog records for it, so a scan makes that column
// instead of decoding it: `symbol` repeated over `rows` rows, into *c (its memory reused).
Status FillConstantString(ColumnType type, const std::string& symbol, size_t rows, Column* c) {
  const uint64_t chars = static_cast<uint64_t>(symbol.size()) * rows;
  if (chars > std::numeric_limits<uint32_t>::max()) {
    return Status::Unsupported("a row group of " + std::to_string(rows) + " rows is too large for a symbol column");
  }
  if (c->type() != type) *c = Column(type);
  c->Clear();
  auto& off = c->offsets();
  off.resize(rows + 1);
  const uint32_t len = static_cast<uint32_t>(symbol.size());
  for (size_t i = 0; i <= rows; ++i) off[i] = static_cast<uint32_t>(i) * len;
  std::string& ch = c->chars();
  ch.resize(chars);
  for (size_t i = 0; i < rows; ++i) std::memcpy(ch.data() + i * len, symbol.data(), len);
  return c->SetSizeFromStorage();
}

// A file of the catalog that does not decode is damaged: the error names it and says what to run.
Status ReadError(const FileRecord& file, const Status& st) {
  return Status(st.code(), "reading " + std::string(TierName(file.tier)) + " file " + file.uri + ": " + st.message() +
                               "; run `strata verify`");
}

// One input of a symbol's merge: a cold or warm file, or the hot rows.
struct Source {
  int prio = 0;        // position in tie order (cold by id, warm by id, hot); lower first
  int64_t min_ts = 0;  // no row of the source is earlier (catalog bound or first hot row)
  int64_t max_ts = 0;  // no row of the source is later
  bool is_hot = false;
  FileRecord file;  // files
  RecordBatch hot;  // hot rows, sorted
  size_t hot_pos = 0;
  std::unique_ptr<parquet::ParquetReader> reader;
  std::vector<int> row_groups;
  size_t next_rg = 0;
  RecordBatch buf;  // the current row group (or hot slice)
  size_t pos = 0;   // next row of buf
  // Rows before this were emitted from other sources already (a file that joined the merge late,
  // replacing one a writer retired: ScanCursorImpl::ReplaceRetired).
  int64_t skip_before = std::numeric_limits<int64_t>::min();
  bool done = false;
  // A file written before columns were added to the table (doc/schema_evolution.md) lacks them:
  // `ro` reads the columns it has, and the others are NULL.
  bool partial = false;
  parquet::ReadOptions ro;
  uint64_t counted_bytes = 0, counted_pages_total = 0, counted_pages_read = 0, counted_parallel = 0;
};

struct SymbolPlan {
  std::vector<FileRecord> files;
  RecordBatch hot;
  int64_t from_ts = 0;  // where the symbol's rows start: the request's from_ts or earlier (from_last_before)
};

class ScanCursorImpl final : public ScanCursor {
 public:
  ScanCursorImpl(ScanContext ctx, ScanRequest request, std::vector<Field> out_fields, std::vector<Field> internal,
                 std::vector<int> out_cols, int ts_col, int sym_col, std::vector<int> identity)
      : ctx_(std::move(ctx)),
        request_(std::move(request)),
        fields_(std::move(out_fields)),
        internal_(std::move(internal)),
        out_cols_(std::move(out_cols)),
        ts_col_(ts_col),
        sym_col_(sym_col),
        run_(internal_, std::move(identity)) {
    SetReadColumns();
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    ro_.decode_threads = request_.decode_threads > 0 ? request_.decode_threads : std::clamp(cores, 1, 4);
    if (request_.from_ts != std::numeric_limits<int64_t>::min() ||
        request_.to_ts != std::numeric_limits<int64_t>::max()) {
      ro_.time_range =
          parquet::TimeRange{internal_[static_cast<size_t>(ts_col_)].name, request_.from_ts, request_.to_ts};
    }
    // 0: a row group that needs no merging passes through whole; other batches up to 65536 rows.
    pass_through_ = request_.max_batch_rows == 0;
    if (request_.max_batch_rows == 0) request_.max_batch_rows = 65536;
  }

  ~ScanCursorImpl() override {
    for (auto& s : sources_) Release(s.get());  // a cursor stopped early (--limit)
    if (ctx_.pins) ctx_.pins->Unpin(pinned_);
  }

  const std::vector<Field>& fields() const override { return fields_; }
  const std::string& symbol() const override { return out_symbol_; }
  const ScanStats& stats() const override { return stats_; }

  std::map<std::string, SymbolPlan>& plan() { return plan_; }
  // No source of any symbol can hold a row another holds (DuplicatePossible): the sources carry
  // `internal`, the requested columns and ts only, and the merge compares no rows.
  void Narrow(std::vector<Field> internal, std::vector<int> out_cols, int sym_col) {
    internal_ = std::move(internal);
    out_cols_ = std::move(out_cols);
    sym_col_ = sym_col;
    dedup_ = false;
    SetReadColumns();
  }
  // The catalog query that listed the files (ReplaceRetired lists again with it).
  void set_list_query(FileQuery q) { list_query_ = std::move(q); }
  std::vector<int64_t>& pinned() { return pinned_; }
  const std::vector<FileSummary>& summarized() const override { return summarized_; }
  std::vector<FileSummary>* mutable_summarized() { return &summarized_; }
  ScanStats& mutable_stats() { return stats_; }

  Result<bool> Next(RecordBatch* out) override {
    if (!status_.ok()) return status_;
    // The batch the caller hands back (its previous one) gives its memory to the next reads.
    Recycle(out);
    auto r = NextImpl(out);
    if (!r.ok()) status_ = r.status();
    return r;
  }

 private:
  Result<bool> NextImpl(RecordBatch* out) {
    // merge_ns: the time in Next() not spent opening files or reading row groups.
    const int64_t start = Now(), inner = stats_.read_ns + stats_.open_ns;
    auto done = [&] { stats_.merge_ns += (Now() - start) - (stats_.read_ns + stats_.open_ns - inner); };
    while (true) {
      if (!in_symbol_) {
        if (next_symbol_ == plan_.end()) {
          done();
          return false;
        }
        StartSymbol();
      }
      auto emitted = Step(out);
      if (!emitted.ok() || *emitted) {
        done();
        return emitted;
      }
    }
  }

  void SetReadColumns() {
    ro_.columns.clear();
    for (int i = 0; i < static_cast<int>(internal_.size()); ++i) {
      if (i != sym_col_) ro_.columns.push_back(internal_[static_cast<size_t>(i)].name);
    }
  }

  void StartSymbol() {
    auto it = next_symbol_++;
    symbol_ = it->first;
    SymbolPlan& p = it->second;
    sources_.clear();
    if (ro_.time_range) ro_.time_range->from = p.from_ts;
    symbol_from_ = p.from_ts;
    std::sort(p.files.begin(), p.files.end(), [](const FileRecord& a, const FileRecord& b) {
      const bool ac = a.tier == Tier::kCold, bc = b.tier == Tier::kCold;
      return ac != bc ? ac : a.id < b.id;
    });
    for (FileRecord& f : p.files) {
      auto s = std::make_unique<Source>();
      s->prio = static_cast<int>(sources_.size());
      s->min_ts = std::max(f.min_ts, p.from_ts);
      s->max_ts = f.max_ts;
      s->file = std::move(f);
      sources_.push_back(std::move(s));
    }
    if (p.hot.num_rows() > 0) {
      auto s = std::make_unique<Source>();
      s->prio = static_cast<int>(sources_.size());
      s->is_hot = true;
      s->min_ts = p.hot.column(ts_col_).int64s().front();
      s->max_ts = p.hot.column(ts_col_).int64s().back();
      s->hot = std::move(p.hot);
      sources_.push_back(std::move(s));
    }
    pending_.clear();
    run_.Clear();
    have_ts_ = false;
    for (auto& s : sources_) pending_.push_back(s.get());
    std::sort(pending_.begin(), pending_.end(), [](const Source* a, const Source* b) {
      return a->min_ts != b->min_ts ? a->min_ts < b->min_ts : a->prio < b->prio;
    });
    next_pending_ = 0;
    active_.clear();
    in_symbol_ = true;
  }

  // Loads the next non-empty buffer of `s`; marks it done at its end.
  Status Fill(Source* s) {
    while (s->pos >= s->buf.num_rows() && !s->done) {
      s->pos = 0;
      if (s->is_hot) {
        const size_t n = s->hot.num_rows();
        if (s->hot_pos >= n) {
          s->done = true;
          s->buf = RecordBatch();
          break;
        }
        const size_t take = std::min(n - s->hot_pos, request_.max_batch_rows);
        s->buf = s->hot_pos == 0 && take == n ? std::move(s->hot) : s->hot.Slice(s->hot_pos, take);
        s->hot_pos += take;
        stats_.hot_rows += take;
        continue;
      }
      if (!s->reader) RETURN_IF_ERROR(Open(s));
      if (s->next_rg >= s->row_groups.size()) {
        s->done = true;
        s->buf = RecordBatch();
        Release(s);
        break;
      }
      const int rg = s->row_groups[s->next_rg++];
      {
        Timer tr(&stats_.read_ns);
        if (s->buf.num_columns() == 0) s->buf = FromPool(read_fields_);
        Status st = s->reader->ReadRowGroupInto(rg, s->partial ? s->ro : ro_, &s->buf);
        if (st.ok() && !s->partial) read_fields_ = s->buf.fields();
        if (st.ok() && s->partial) {
          st = CompleteColumns(s);
        } else if (st.ok() && sym_col_ >= 0) {
          st = AddSymbolColumn(s);
        }
        if (!st.ok()) return ReadError(s->file, st);
      }
      ++stats_.row_groups_read;
      CountReader(s);
      if (s->skip_before != std::numeric_limits<int64_t>::min()) {
        const std::vector<int64_t>& ts = s->buf.column(static_cast<size_t>(ts_col_)).int64s();
        s->pos = static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), s->skip_before) - ts.begin());
      }
    }
    return Status::OK();
  }

  // Puts the file's symbol column in its place in s->buf, which holds the other columns.
  Status AddSymbolColumn(Source* s) {
    const size_t rows = s->buf.num_rows();
    const Field& f = internal_[static_cast<size_t>(sym_col_)];
    Column sym = TakeFromPool(f);
    RETURN_IF_ERROR(FillConstantString(f.type, s->file.symbol, rows, &sym));
    std::vector<Column> cols;
    cols.reserve(internal_.size());
    for (size_t i = 0, j = 0; i < internal_.size(); ++i) {
      cols.push_back(static_cast<int>(i) == sym_col_ ? std::move(sym) : std::move(s->buf.column(j++)));
    }
    s->buf = RecordBatch(internal_, std::move(cols));
    return Status::OK();
  }

  // s->buf holds the columns of a partial file (s->ro): puts them in internal_ order, with the
  // file's symbol in its place and NULL for the columns the file does not have.
  Status CompleteColumns(Source* s) {
    const size_t rows = s->buf.num_rows();
    std::vector<Column> cols;
    cols.reserve(internal_.size());
    for (size_t i = 0; i < internal_.size(); ++i) {
      const Field& f = internal_[i];
      if (static_cast<int>(i) == sym_col_) {
        Column sym(f.type);
        RETURN_IF_ERROR(FillConstantString(f.type, s->file.symbol, rows, &sym));
        cols.push_back(std::move(sym));
        continue;
      }
      const int j = s->buf.FieldIndex(f.name);
      cols.push_back(j >= 0 ? std::move(s->buf.column(static_cast<size_t>(j))) : NullColumn(f.type, rows));
    }
    s->buf = RecordBatch(internal_, std::move(cols));
    return Status::OK();
  }

  void CountReader(Source* s) {
    const uint64_t b = s->reader->bytes_read(), pt = s->reader->pages_total(), pr = s->reader->pages_read();
    stats_.bytes_read += b - s->counted_bytes;
    stats_.pages_total += pt - s->counted_pages_total;
    stats_.pages_read += pr - s->counted_pages_read;
    s->counted_bytes = b;
    s->counted_pages_total = pt;
    s->counted_pages_read = pr;
    stats_.row_groups_parallel += s->reader->parallel_reads() - s->counted_parallel;
    s->counted_parallel = s->reader->parallel_reads();
  }

  void Release(Source* s) {
    if (!s->reader) return;
    if (ctx_.readers) {
      // A cached reader keeps its footer, not its scratch: 64 idle readers holding the decoded
      // pages of a partly read row group each were most of a whole-range query's peak memory.
      s->reader->ReleaseBuffers();
      ctx_.readers->Put(s->file.id, std::move(s->reader));
    } else {
      s->reader.reset();
    }
  }

  Status Open(Source* s) {
    Timer t(&stats_.open_ns);
    if (ctx_.readers) s->reader = ctx_.readers->Take(s->file.id);
    if (s->reader) {
      ++stats_.files_from_cache;
      s->counted_bytes = s->reader->bytes_read();
      s->counted_pages_total = s->reader->pages_total();
      s->counted_pages_read = s->reader->pages_read();
      s->counted_parallel = s->reader->parallel_reads();
      return SelectRowGroups(s);
    }
    auto opened = ctx_.open_file(s->file);
    if (!opened.ok()) {
      if (opened.status().code() != StatusCode::kNotFound) return opened.status();
      ASSIGN_OR_RETURN(bool replaced, ReplaceRetired(s));
      if (!replaced) return opened.status();
      s->row_groups.clear();  // the source ends here: its rows are in the files that replaced it
      return Status::OK();
    }
    s->reader = std::move(*opened);
    return SelectRowGroups(s);
  }

  // A file listed when the cursor was planned is gone from storage. When the catalog no longer
  // lists it as live, a writer retired it (compaction, migration, retention) and deleted it: a
  // writer in another process cannot see this process's pins (FilePins). The rows it held, if any
  // are left, are in files committed since: those join the merge from the last timestamp emitted
  // (earlier rows were emitted from the sources they were in then; rows at it again, or in two
  // sources now, are dropped as duplicates — tier/dedup.h). The answer is the one a scan planned
  // after the writer's commit gives. Returns false when the file is still live: then it is really
  // missing.
  Result<bool> ReplaceRetired(Source* gone) {
    if (ctx_.catalog == nullptr) return false;
    if (++replans_ > kMaxReplans) {
      return Status::Aborted("the files of " + symbol_ + " kept changing under the scan (" +
                             std::to_string(kMaxReplans) + " times); run the query again");
    }
    FileQuery q = list_query_;
    q.symbol = symbol_;
    ASSIGN_OR_RETURN(std::vector<FileRecord> files, ctx_.catalog->ListFiles(q));
    for (const FileRecord& f : files) {
      if (f.id == gone->file.id) return false;
    }
    int64_t from = have_ts_ ? cur_ts_ : symbol_from_;
    std::set<int64_t> known;
    if (dedup_) {
      for (const auto& src : sources_) {
        if (!src->is_hot) known.insert(src->file.id);
      }
    } else {
      // Without the identity columns the merge cannot drop the rows the new files share with the
      // files of the plan (a compaction's output holds the rows of its inputs). No source overlapped
      // another, so when `gone` is opened every row up to the last emitted timestamp was emitted
      // and none after it: the remaining rows are those after it in the files listed now, which
      // replace every file not finished yet.
      if (have_ts_ && cur_ts_ == std::numeric_limits<int64_t>::max()) files.clear();
      if (have_ts_ && cur_ts_ != std::numeric_limits<int64_t>::max()) from = cur_ts_ + 1;
      for (auto& src : sources_) {
        if (src->is_hot || src->done) continue;
        src->done = true;
        src->buf = RecordBatch();
        src->pos = 0;
        Release(src.get());
        std::erase(active_, src.get());
      }
    }
    std::vector<int64_t> pin;
    std::vector<std::pair<int64_t, int64_t>> ranges;  // of the remaining sources, when !dedup_
    for (const auto& src : sources_) {
      if (src->is_hot && !src->done) ranges.emplace_back(std::max(src->min_ts, from), src->max_ts);
    }
    for (FileRecord& f : files) {
      if (known.count(f.id) || f.max_ts < from || f.min_ts >= request_.to_ts) continue;
      ranges.emplace_back(std::max(f.min_ts, from), std::min(f.max_ts, request_.to_ts - 1));
      auto src = std::make_unique<Source>();
      src->min_ts = std::max(f.min_ts, from);
      src->max_ts = f.max_ts;
      src->skip_before = from;
      src->file = std::move(f);
      pin.push_back(src->file.id);
      Source* added = src.get();
      sources_.push_back(std::move(src));
      auto at = std::upper_bound(pending_.begin() + static_cast<std::ptrdiff_t>(next_pending_), pending_.end(), added,
                                 [](const Source* a, const Source* b) { return a->min_ts < b->min_ts; });
      pending_.insert(at, added);
    }
    // Tie order as at the start: cold files, then warm, each by catalog id, then the hot rows.
    std::vector<Source*> order;
    for (auto& src : sources_) order.push_back(src.get());
    std::stable_sort(order.begin(), order.end(), [](const Source* a, const Source* b) {
      auto rank = [](const Source* x) { return x->is_hot ? 2 : x->file.tier == Tier::kCold ? 0 : 1; };
      return rank(a) != rank(b) ? rank(a) < rank(b) : (!a->is_hot && a->file.id < b->file.id);
    });
    for (size_t i = 0; i < order.size(); ++i) order[i]->prio = static_cast<int>(i);
    if (ctx_.pins) ctx_.pins->Pin(pin);
    pinned_.insert(pinned_.end(), pin.begin(), pin.end());
    if (!dedup_ && RangesOverlap(std::move(ranges))) {
      return Status::Aborted("the files of " + symbol_ +
                             " changed under the scan into files that overlap in time; run the query again");
    }
    return true;
  }

  Status SelectRowGroups(Source* s) {
    s->partial = false;
    std::vector<std::string> present;
    for (const std::string& name : ro_.columns) {
      const auto& have = s->reader->columns();
      if (std::any_of(have.begin(), have.end(), [&](const parquet::ColumnInfo& c) { return c.field.name == name; })) {
        present.push_back(name);
      } else {
        s->partial = true;
      }
    }
    if (s->partial) {
      s->ro = ro_;
      s->ro.columns = std::move(present);
    }
    auto rgs = s->reader->SelectRowGroups(s->partial ? s->ro : ro_);
    if (!rgs.ok()) return ReadError(s->file, rgs.status());
    s->row_groups = std::move(*rgs);
    ++stats_.files_read;
    stats_.row_groups_total += static_cast<uint64_t>(s->reader->num_row_groups());
    stats_.row_groups_pruned += static_cast<uint64_t>(s->reader->num_row_groups()) - s->row_groups.size();
    CountReader(s);
    return Status::OK();
  }

  int64_t Head(const Source* s) const { return s->buf.column(ts_col_).int64s()[s->pos]; }

  void NoteBuffered() {
    uint64_t rows = acc_rows_;
    for (const Source* s : active_) rows += s->buf.num_rows();
    stats_.peak_rows_buffered = std::max(stats_.peak_rows_buffered, rows);
  }

  // Activates `s`: loads its first buffer; keeps it if it has rows.
  Status Activate(Source* s) {
    RETURN_IF_ERROR(Fill(s));
    if (!s->done) active_.push_back(s);
    NoteBuffered();
    return Status::OK();
  }

  // Moves one run of rows into the output. Returns true when *out was filled.
  Result<bool> Step(RecordBatch* out) {
    while (active_.empty() && next_pending_ < pending_.size()) RETURN_IF_ERROR(Activate(pending_[next_pending_++]));
    if (active_.empty()) {
      in_symbol_ = false;
      sources_.clear();
      if (acc_rows_) {
        Emit(out);
        return true;
      }
      return false;
    }
    // Every source that may hold a row at or before the earliest head must take part.
    while (next_pending_ < pending_.size()) {
      int64_t h = std::numeric_limits<int64_t>::max();
      for (const Source* s : active_) h = std::min(h, Head(s));
      if (pending_[next_pending_]->min_ts > h) break;
      RETURN_IF_ERROR(Activate(pending_[next_pending_++]));
    }
    Source* best = active_[0];
    for (Source* s : active_) {
      const int64_t hs = Head(s), hb = Head(best);
      if (hs < hb || (hs == hb && s->prio < best->prio)) best = s;
    }
    const std::vector<int64_t>& ts = best->buf.column(ts_col_).int64s();
    size_t end = ts.size();
    auto bound = [&](int64_t limit, int other_prio) {
      // Rows of `best` strictly before `limit` go first; rows equal to it too when best wins ties.
      auto b = ts.begin() + static_cast<std::ptrdiff_t>(best->pos), e = ts.begin() + static_cast<std::ptrdiff_t>(end);
      auto it = best->prio < other_prio ? std::upper_bound(b, e, limit) : std::lower_bound(b, e, limit);
      end = static_cast<size_t>(it - ts.begin());
    };
    for (const Source* s : active_) {
      if (s != best) bound(Head(s), s->prio);
    }
    if (next_pending_ < pending_.size()) bound(pending_[next_pending_]->min_ts, pending_[next_pending_]->prio);
    if (active_.size() > 1) stats_.merged_rows += end - best->pos;
    const size_t room = request_.max_batch_rows - acc_rows_;
    const bool whole = pass_through_ && acc_rows_ == 0 && best->pos == 0 && end == ts.size();
    if (!whole && end - best->pos > room) end = best->pos + room;
    bool all_kept = true;
    if (dedup_) {
      all_kept = DedupRun(best->buf, best->pos, end);
    } else if (end > best->pos) {
      cur_ts_ = ts[end - 1];  // the last emitted timestamp (ReplaceRetired)
      have_ts_ = true;
    }

    if (all_kept && acc_rows_ == 0 && best->pos == 0 && end == ts.size() &&
        (pass_through_ || ts.size() <= request_.max_batch_rows)) {
      // The fast path: the whole buffer is one run.
      Project(std::move(best->buf), out);
      best->buf = RecordBatch();
      best->pos = 0;
      RETURN_IF_ERROR(Advance(best));
      Finish(out);
      return true;
    }
    if (acc_rows_ == 0) {
      std::vector<Field> f = best->buf.fields();
      acc_ = RecordBatch(std::move(f));
    }
    if (all_kept) {
      for (size_t c = 0; c < acc_.num_columns(); ++c) {
        parquet::AppendRange(best->buf.column(c), best->pos, end - best->pos, &acc_.column(c));
      }
      acc_rows_ += end - best->pos;
    } else {
      for (const auto& [from, to] : kept_) {
        for (size_t c = 0; c < acc_.num_columns(); ++c) {
          parquet::AppendRange(best->buf.column(c), from, to - from, &acc_.column(c));
        }
        acc_rows_ += to - from;
      }
    }
    best->pos = end;
    NoteBuffered();
    if (best->pos >= best->buf.num_rows()) RETURN_IF_ERROR(Advance(best));
    if (acc_rows_ >= request_.max_batch_rows) {
      Emit(out);
      return true;
    }
    return false;
  }

  // Drops the duplicates (tier/dedup.h) among rows [pos, end) of `b`, the next rows of the
  // symbol's merged stream, comparing them with the rows already emitted at the same timestamp.
  // Returns true when every row is kept; otherwise kept_ lists the kept rows as [from, to) ranges.
  // Duplicates share a timestamp, so only runs of equal timestamps are compared: O(rows) and no
  // copy when timestamps strictly increase, which is the usual case.
  bool DedupRun(const RecordBatch& b, size_t pos, size_t end) {
    const std::vector<int64_t>& ts = b.column(static_cast<size_t>(ts_col_)).int64s();
    kept_.clear();
    size_t from = pos;  // start of the current kept range
    bool all = true;
    for (size_t i = pos; i < end;) {
      const int64_t t = ts[i];
      size_t j = i + 1;
      while (j < end && ts[j] == t) ++j;
      const bool continues = have_ts_ && t == cur_ts_;
      if (!continues) {
        run_.Clear();
        cur_ts_ = t;
        have_ts_ = true;
      }
      if (j - i == 1 && !continues) {
        if (j == end) run_.SeenOrAdd(b, i);  // the last row: the next run may repeat its timestamp
      } else {
        for (size_t r = i; r < j; ++r) {
          if (!run_.SeenOrAdd(b, r)) continue;
          if (r > from) kept_.emplace_back(from, r);
          from = r + 1;
          all = false;
        }
      }
      i = j;
    }
    if (!all && end > from) kept_.emplace_back(from, end);
    return all;
  }

  // `s` used up its buffer: load the next one or retire it.
  Status Advance(Source* s) {
    RETURN_IF_ERROR(Fill(s));
    if (s->done) active_.erase(std::find(active_.begin(), active_.end(), s));
    NoteBuffered();
    return Status::OK();
  }

  void Project(RecordBatch&& b, RecordBatch* out) {
    if (out_cols_.empty()) {
      *out = std::move(b);
      return;
    }
    std::vector<Column> cols;
    cols.reserve(out_cols_.size());
    for (int c : out_cols_) cols.push_back(std::move(b.column(static_cast<size_t>(c))));
    *out = RecordBatch(fields_, std::move(cols));
    Recycle(&b);  // the columns read only to merge (ts, identity columns)
  }

  // Column memory is reused from row group to row group instead of freed and allocated again:
  // fresh memory costs page faults (the kernel zeroes every page), a tenth of a scan's time.
  // The pool keeps at most one column per name, so it holds no more than one row group.
  static size_t Capacity(const Column& c) {
    return c.int64s().capacity() * 8 + c.int32s().capacity() * 4 + c.doubles().capacity() * 8 + c.bools().capacity() +
           c.offsets().capacity() * 4 + c.chars().capacity();
  }
  void Recycle(RecordBatch* b) {
    for (size_t i = 0; i < b->num_columns(); ++i) {
      Column& c = b->column(i);
      const size_t cap = Capacity(c);
      if (cap == 0) continue;
      auto [it, fresh] = pool_.try_emplace(b->fields()[i].name);
      if (fresh || Capacity(it->second) < cap) it->second = std::move(c);
    }
    *b = RecordBatch();
  }
  Column TakeFromPool(const Field& f) {
    auto it = pool_.find(f.name);
    if (it == pool_.end() || it->second.type() != f.type) return Column(f.type);
    Column c = std::move(it->second);
    pool_.erase(it);
    c.Clear();
    return c;
  }
  RecordBatch FromPool(const std::vector<Field>& fields) {
    if (fields.empty() || pool_.empty()) return RecordBatch();
    std::vector<Column> cols;
    cols.reserve(fields.size());
    for (const Field& f : fields) cols.push_back(TakeFromPool(f));
    return RecordBatch(fields, std::move(cols));
  }

  void Emit(RecordBatch* out) {
    Project(std::move(acc_), out);
    acc_ = RecordBatch();
    acc_rows_ = 0;
    Finish(out);
  }

  void Finish(RecordBatch* out) {
    out_symbol_ = symbol_;
    stats_.rows_returned += out->num_rows();
    ++stats_.batches_returned;
  }

 public:
  void Begin() { next_symbol_ = plan_.begin(); }

 private:
  ScanContext ctx_;
  ScanRequest request_;
  std::vector<Field> fields_;
  std::vector<Field> internal_;  // the columns every source's batches carry
  std::vector<int> out_cols_;    // positions in internal columns of the output; empty = same
  int ts_col_;
  int sym_col_;        // position of the symbol in internal_, or -1; files do not decode it
  bool dedup_ = true;  // internal_ carries the identity columns and the merge drops duplicates
  bool pass_through_ = false;
  parquet::ReadOptions ro_;
  std::vector<Field> read_fields_;      // what the last row group read from a file held
  std::map<std::string, Column> pool_;  // column memory to reuse, by column name (Recycle)
  std::map<std::string, SymbolPlan> plan_;
  std::map<std::string, SymbolPlan>::iterator next_symbol_;
  std::vector<int64_t> pinned_;
  std::vector<FileSummary> summarized_;  // ScanRequest::summarize
  ScanStats stats_;
  Status status_;

  std::string symbol_, out_symbol_;
  bool in_symbol_ = false;
  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<Source*> pending_;  // by (min_ts, prio)
  size_t next_pending_ = 0;
  std::vector<Source*> active_;
  RecordBatch acc_;
  size_t acc_rows_ = 0;
  FileQuery list_query_;
  int64_t symbol_from_ = 0;  // the current symbol's from_ts (SymbolPlan::from_ts)
  int replans_ = 0;
  static constexpr int kMaxReplans = 100;
  // De-duplication state of the current symbol: the rows emitted at timestamp cur_ts_.
  tier::TsRunSet run_;
  bool have_ts_ = false;
  int64_t cur_ts_ = 0;
  std::vector<std::pair<size_t, size_t>> kept_;
};

// Whether a row of `p` can be a duplicate (tier/dedup.h) of another within [p.from_ts, to_ts):
// only when two of its sources overlap in time or its hot rows (not de-duplicated on insert)
// repeat a timestamp. A file holds no duplicates: flush, compaction and migration drop them.
bool DuplicatePossible(const SymbolPlan& p, int ts_col, int64_t to_ts) {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (const FileRecord& f : p.files) {
    const int64_t lo = std::max(f.min_ts, p.from_ts), hi = std::min(f.max_ts, to_ts - 1);
    if (lo <= hi) ranges.emplace_back(lo, hi);
  }
  if (p.hot.num_rows() > 0) {
    const std::vector<int64_t>& ts = p.hot.column(static_cast<size_t>(ts_col)).int64s();
    if (std::adjacent_find(ts.begin(), ts.end()) != ts.end()) return true;
    ranges.emplace_back(ts.front(), ts.back());
  }
  return RangesOverlap(std::move(ranges));
}

// A point at or before `p`'s last row before `from` (from when it has none): the latest of the
// last row of each file wholly before `from`, the last row before `from` that the statistics of
// a file straddling it show (`straddling`; else its first row), and the last hot row before it.
// Each of those rows exists and lies before `from`, so the last row before `from` is at or after
// the latest of them.
int64_t StartOfLastBefore(const SymbolPlan& p, int64_t from, int ts_col,
                          const std::function<std::optional<int64_t>(const FileRecord&)>& straddling) {
  int64_t start = std::numeric_limits<int64_t>::min();
  bool any = false;
  for (const FileRecord& f : p.files) {
    if (f.min_ts >= from) continue;
    int64_t cand = f.max_ts;
    if (f.max_ts >= from) cand = straddling(f).value_or(f.min_ts);
    start = std::max(start, cand);
    any = true;
  }
  if (p.hot.num_rows() > 0) {
    const auto& ts = p.hot.column(static_cast<size_t>(ts_col)).int64s();
    auto it = std::lower_bound(ts.begin(), ts.end(), from);
    if (it != ts.begin()) {
      start = std::max(start, *(it - 1));
      any = true;
    }
  }
  return any ? start : from;
}

// ScanRequest::summarize: takes out of `p` each file that lies wholly in the request's range,
// that no other source of the symbol overlaps in time (the scan would return all its rows, none
// dropped as a duplicate) and whose statistics are exact, and appends its summary to `out`.
Status SummarizeFiles(const ScanContext& ctx, const ScanRequest& request, const std::string& symbol,
                      const std::string& ts_name, const std::string& sym_name, int ts_col, SymbolPlan* p,
                      ScanStats* stats, std::vector<FileSummary>* out) {
  std::vector<std::pair<int64_t, int64_t>> ranges;  // every source's, clipped to the range
  for (const FileRecord& f : p->files) {
    ranges.emplace_back(std::max(f.min_ts, p->from_ts), std::min(f.max_ts, request.to_ts - 1));
  }
  if (p->hot.num_rows() > 0) {
    const std::vector<int64_t>& ts = p->hot.column(static_cast<size_t>(ts_col)).int64s();
    ranges.emplace_back(ts.front(), ts.back());
  }
  std::vector<bool> taken(p->files.size(), false);
  for (size_t i = 0; i < p->files.size(); ++i) {
    const FileRecord& f = p->files[i];
    if (f.min_ts < request.from_ts || f.max_ts >= request.to_ts || f.min_ts > f.max_ts) continue;
    bool alone = true;
    for (size_t j = 0; j < ranges.size() && alone; ++j) {
      if (j != i && ranges[j].first <= f.max_ts && f.min_ts <= ranges[j].second) alone = false;
    }
    if (!alone) continue;
    FileSummary sum;
    sum.tier = std::string(TierName(f.tier));
    sum.uri = f.uri;
    sum.symbol = symbol;
    sum.rows = f.row_count;
    sum.min_ts = f.min_ts;
    sum.max_ts = f.max_ts;
    std::unique_ptr<parquet::ParquetReader> reader;
    uint64_t counted = 0;
    bool exact = true;
    for (const std::string& name : request.summary_columns) {
      ColumnSummary c;
      c.name = name;
      if (name == ts_name || name == sym_name) {
        // Every row has both (the key columns are not nullable); the catalog keeps their bounds.
        c.bounds = Column(name == ts_name ? ColumnType::kTimestamp : ColumnType::kSymbol);
        if (name == ts_name) {
          c.bounds.AppendInt64(f.min_ts);
          c.bounds.AppendInt64(f.max_ts);
        } else {
          c.bounds.AppendString(f.symbol);
          c.bounds.AppendString(f.symbol);
        }
        sum.columns.push_back(std::move(c));
        continue;
      }
      if (!reader) {
        reader = ctx.readers ? ctx.readers->Take(f.id) : nullptr;
        if (reader) {
          ++stats->files_from_cache;
          counted = reader->bytes_read();
        } else {
          auto opened = ctx.open_file(f);
          if (!opened.ok()) {
            exact = false;  // the scan reports it (or finds the files that replaced it)
            break;
          }
          reader = std::move(*opened);
        }
        ++stats->files_read;
      }
      std::optional<parquet::ParquetReader::ColumnStatistics> st =
          reader->ExactColumnStatistics(reader->FindColumn(name));
      if (!st) {
        exact = false;
        break;
      }
      c.null_count = st->null_count;
      c.bounds = std::move(st->bounds);
      sum.columns.push_back(std::move(c));
    }
    if (reader) {
      stats->bytes_read += reader->bytes_read() - counted;
      if (ctx.readers) ctx.readers->Put(f.id, std::move(reader));
    }
    if (exact) {
      out->push_back(std::move(sum));
      taken[i] = true;
      ++stats->files_summarized;
    }
  }
  size_t i = 0;
  std::erase_if(p->files, [&](const FileRecord&) { return taken[i++]; });
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<ScanCursor>> NewScanCursor(const ScanContext& ctx, uint32_t table_id, const TableDef& def,
                                                  const ScanRequest& request) {
  const int64_t t0 = Now();
  if (request.from_ts > request.to_ts) {
    return Status::InvalidArgument("time range is backwards: from " + FormatTimestamp(request.from_ts) +
                                   " is after to " + FormatTimestamp(request.to_ts));
  }
  const Schema& schema = def.schema;
  for (const std::string& c : request.columns) {
    if (schema.FieldIndex(c) < 0) {
      return Status::InvalidArgument("table " + def.name + " has no column '" + c + "' (columns: " + schema.ToString() +
                                     ")");
    }
  }
  bool want_hot = request.tiers.empty(), want_warm = request.tiers.empty(), want_cold = request.tiers.empty();
  for (const std::string& t : request.tiers) {
    if (t == "hot") {
      want_hot = true;
    } else if (t == "warm") {
      want_warm = true;
    } else if (t == "cold") {
      want_cold = true;
    } else {
      return Status::InvalidArgument("unknown tier '" + t + "' (hot, warm or cold)");
    }
  }
  // Internally every source carries ts (to merge); the output has the requested columns. The
  // symbol is carried only when requested, and made from the catalog's record for files.
  std::vector<std::string> cols = request.columns;
  if (cols.empty()) {
    for (const Field& f : schema.fields()) cols.push_back(f.name);
  }
  std::vector<std::string> internal = cols;
  const std::string& ts_name = schema.field(schema.ts_index()).name;
  const std::string& sym_name = schema.field(schema.symbol_index()).name;
  if (std::find(internal.begin(), internal.end(), ts_name) == internal.end()) internal.push_back(ts_name);
  const size_t narrow = internal.size();  // the columns read when no duplicate is possible
  // Duplicates are dropped across tiers (tier/dedup.h), by the dedup key or, for a table without
  // one, by every column: those are carried even when not requested.
  for (const Field& f : schema.fields()) {
    const bool identity = def.dedup_key ? f.name == *def.dedup_key : f.name != sym_name;
    if (identity && std::find(internal.begin(), internal.end(), f.name) == internal.end()) internal.push_back(f.name);
  }
  auto pos_of = [&](const std::string& n) {
    auto it = std::find(internal.begin(), internal.end(), n);
    return it == internal.end() ? -1 : static_cast<int>(it - internal.begin());
  };
  const int ts_pos = pos_of(ts_name), sym_pos = pos_of(sym_name);
  std::vector<int> out_cols;
  if (internal.size() != cols.size()) {
    for (size_t i = 0; i < cols.size(); ++i) out_cols.push_back(static_cast<int>(i));
  }
  std::vector<Field> out_fields, internal_fields;
  for (const std::string& c : cols) out_fields.push_back(schema.field(schema.FieldIndex(c)));
  for (const std::string& c : internal) internal_fields.push_back(schema.field(schema.FieldIndex(c)));

  std::vector<int> identity = tier::IdentityColumns(internal_fields, schema, def.dedup_key);
  auto cursor = std::make_unique<ScanCursorImpl>(ctx, request, std::move(out_fields), internal_fields,
                                                 std::move(out_cols), ts_pos, sym_pos, std::move(identity));
  ScanStats& stats = cursor->mutable_stats();
  auto& plan = cursor->plan();
  std::set<std::string> wanted(request.symbols.begin(), request.symbols.end());
  // from_last_before: every source is listed from the beginning of time, then each symbol starts
  // at the latest point the catalog's bounds and the hot rows prove to be at or before its last
  // row before from_ts (see StartOfLastBefore).
  const bool look_back = request.from_last_before && request.from_ts != std::numeric_limits<int64_t>::min();
  const int64_t list_from = look_back ? std::numeric_limits<int64_t>::min() : request.from_ts;
  if (request.from_ts < request.to_ts) {
    std::shared_lock view(*ctx.view_mu);
    if (want_hot) {
      HotScanRequest hr;
      hr.table_id = table_id;
      hr.symbols = request.symbols;
      hr.from_ts = list_from;
      hr.to_ts = request.to_ts;
      hr.columns = internal;
      if (sym_pos < 0) hr.columns.push_back(sym_name);  // to group the rows by symbol; dropped below
      ASSIGN_OR_RETURN(std::vector<RecordBatch> hot, ctx.hot->Scan(hr));
      const size_t sym_at = sym_pos >= 0 ? static_cast<size_t>(sym_pos) : internal.size();
      for (RecordBatch& b : hot) {
        if (b.num_rows() == 0) continue;
        std::string symbol(b.column(sym_at).GetString(0));
        if (sym_pos < 0) {
          std::vector<Column> keep;
          for (size_t i = 0; i < internal.size(); ++i) keep.push_back(std::move(b.column(i)));
          b = RecordBatch(internal_fields, std::move(keep));
        }
        plan[symbol].hot = std::move(b);
      }
    }
    FileQuery q;
    q.table_id = table_id;
    if (request.symbols.size() == 1) q.symbol = request.symbols[0];
    if (list_from != std::numeric_limits<int64_t>::min()) q.from_ts = list_from;
    if (request.to_ts != std::numeric_limits<int64_t>::max()) q.to_ts = request.to_ts;
    if (want_warm != want_cold) q.tier = want_warm ? Tier::kWarm : Tier::kCold;
    ASSIGN_OR_RETURN(auto files, ctx.catalog->ListFiles(q));
    q.symbol.reset();
    q.from_ts.reset();  // ReplaceRetired bounds the files by the symbol's position itself
    cursor->set_list_query(q);
    stats.files_listed = files.size();
    for (FileRecord& f : files) {
      const bool keep = (f.tier == Tier::kCold ? want_cold : want_warm) && (wanted.empty() || wanted.count(f.symbol)) &&
                        f.min_ts < request.to_ts && f.max_ts >= list_from;
      if (!keep) {
        ++stats.files_pruned_by_catalog;
        continue;
      }
      plan[f.symbol].files.push_back(std::move(f));
    }
    for (auto& entry : plan) {
      // Named references, not a structured binding: the lambda below uses p, which clang 14 (the
      // sanitizer trees' compiler) does not allow for bindings.
      const std::string& symbol = entry.first;
      auto& p = entry.second;
      // A file straddling from_ts: its statistics place the last row before from_ts (the footer
      // read here stays in the reader cache for the scan). On any error, the file's first row.
      auto straddling = [&](const FileRecord& f) -> std::optional<int64_t> {
        std::unique_ptr<parquet::ParquetReader> r = ctx.readers ? ctx.readers->Take(f.id) : nullptr;
        const uint64_t counted = r ? r->bytes_read() : 0;  // footer and page-index reads go in the stats
        if (!r) {
          auto opened = ctx.open_file(f);
          if (!opened.ok()) return std::nullopt;
          r = std::move(*opened);
        }
        std::optional<int64_t> at;
        if (int c = r->FindColumn(ts_name); c >= 0) at = r->LastTimestampBefore(c, request.from_ts);
        stats.bytes_read += r->bytes_read() - counted;
        if (ctx.readers) ctx.readers->Put(f.id, std::move(r));
        return at;
      };
      p.from_ts = look_back ? StartOfLastBefore(p, request.from_ts, ts_pos, straddling) : request.from_ts;
      if (p.from_ts < request.from_ts) {
        std::erase_if(p.files, [&](const FileRecord& f) {
          const bool before = f.max_ts < p.from_ts;
          if (before) ++stats.files_pruned_by_catalog;
          return before;
        });
        if (p.hot.num_rows() > 0) {
          const auto& ts = p.hot.column(static_cast<size_t>(ts_pos)).int64s();
          const size_t first = static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), p.from_ts) - ts.begin());
          if (first > 0) p.hot = p.hot.Slice(first, ts.size() - first);
        }
      }
      if (request.summarize && !look_back) {
        RETURN_IF_ERROR(
            SummarizeFiles(ctx, request, symbol, ts_name, sym_name, ts_pos, &p, &stats, cursor->mutable_summarized()));
      }
      for (const FileRecord& f : p.files) cursor->pinned().push_back(f.id);
    }
    std::erase_if(plan, [](const auto& e) { return e.second.files.empty() && e.second.hot.num_rows() == 0; });
    if (ctx.pins) ctx.pins->Pin(cursor->pinned());
    // The identity columns are read only when some symbol may hold a duplicate.
    const bool possible = std::any_of(
        plan.begin(), plan.end(), [&](const auto& e) { return DuplicatePossible(e.second, ts_pos, request.to_ts); });
    if (internal.size() > narrow && !possible) {
      std::vector<Field> fields(internal_fields.begin(), internal_fields.begin() + static_cast<std::ptrdiff_t>(narrow));
      std::vector<int> narrow_out;
      if (narrow != cols.size()) {
        for (size_t i = 0; i < cols.size(); ++i) narrow_out.push_back(static_cast<int>(i));
      }
      for (auto& [symbol, p] : plan) {
        if (p.hot.num_rows() == 0) continue;
        std::vector<Column> keep;
        for (size_t i = 0; i < narrow; ++i) keep.push_back(std::move(p.hot.column(i)));
        p.hot = RecordBatch(fields, std::move(keep));
      }
      const int narrow_sym = sym_pos >= 0 && static_cast<size_t>(sym_pos) < narrow ? sym_pos : -1;
      cursor->Narrow(std::move(fields), std::move(narrow_out), narrow_sym);
    }
  } else {
    stats.files_listed = 0;
  }
  cursor->Begin();
  stats.plan_ns = Now() - t0;
  return std::unique_ptr<ScanCursor>(std::move(cursor));
}

Result<std::vector<RecordBatch>> DrainScan(ScanCursor* cursor) {
  std::vector<RecordBatch> out;
  std::string last;
  RecordBatch b;
  while (true) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&b));
    if (!more) break;
    if (!out.empty() && cursor->symbol() == last) {
      RETURN_IF_ERROR(out.back().Append(b));
    } else {
      last = cursor->symbol();
      out.push_back(std::move(b));
      b = RecordBatch();
    }
  }
  return out;
}

}  // namespace strata::db
