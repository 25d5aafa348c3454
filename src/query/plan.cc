#include "query/plan.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace strata::query {

StageStats* QueryPlan::AddStage(std::string name, std::string detail) {
  stages_.push_back(std::make_unique<StageStats>());
  stages_.back()->name = std::move(name);
  stages_.back()->detail = std::move(detail);
  return stages_.back().get();
}

ScanCounters* QueryPlan::AddScan(std::string table) {
  scans_.push_back(std::make_unique<ScanCounters>());
  scans_.back()->table = std::move(table);
  return scans_.back().get();
}

namespace {

std::string Millis(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

std::string Pruned(uint64_t pruned, uint64_t total) {
  return std::to_string(total - pruned) + " of " + std::to_string(total) + " read (" + std::to_string(pruned) +
         " pruned)";
}

// Time spent in timed children during the current timed call (a stack of frames, one per
// nested timed Next on this thread).
thread_local int64_t* g_child_ns = nullptr;

class TimedStream final : public BatchStream {
 public:
  TimedStream(std::unique_ptr<BatchStream> input, StageStats* stats) : input_(std::move(input)), stats_(stats) {}
  const std::vector<Field>& fields() const override { return input_->fields(); }
  Result<bool> Next(RecordBatch* out) override {
    int64_t child_ns = 0;
    int64_t* parent = g_child_ns;
    g_child_ns = &child_ns;
    auto start = std::chrono::steady_clock::now();
    Result<bool> r = input_->Next(out);
    int64_t took =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    g_child_ns = parent;
    if (parent != nullptr) *parent += took;
    stats_->inclusive_ns += took;
    stats_->self_ns += took - child_ns;
    if (r.ok() && *r) {
      stats_->rows_out += out->num_rows();
      ++stats_->batches_out;
    }
    return r;
  }

 private:
  std::unique_ptr<BatchStream> input_;
  StageStats* stats_;
};

}  // namespace

std::string QueryPlan::ToString() const {
  std::string s = "plan (stages from input to output; self = time in the stage without its inputs):\n";
  for (const auto& st : stages_) {
    char line[256];
    std::snprintf(line, sizeof line, "  %-22s rows %-12llu batches %-8llu self %-14s total %s", st->name.c_str(),
                  static_cast<unsigned long long>(st->rows_out), static_cast<unsigned long long>(st->batches_out),
                  Millis(st->self_ns).c_str(), Millis(st->inclusive_ns).c_str());
    s += line;
    if (!st->detail.empty()) s += "\n      " + st->detail;
    s += "\n";
  }
  for (const auto& sc : scans_) {
    const ScanStats& st = sc->stats;
    std::string tiers;
    for (const std::string& t : sc->tiers) tiers += (tiers.empty() ? "" : ",") + t;
    std::string columns;
    for (const std::string& c : sc->columns) columns += (columns.empty() ? "" : ",") + c;
    s += "scan " + sc->table + ": tiers " + (tiers.empty() ? "-" : tiers) + "; columns " +
         (columns.empty() ? "all" : columns) + "; rows returned " + std::to_string(st.rows_returned) + " (" +
         std::to_string(st.hot_rows) + " from hot); peak rows buffered " + std::to_string(st.peak_rows_buffered) + "\n";
    s += "  files: " + std::to_string(st.files_listed) + " listed by the catalog, " +
         std::to_string(st.files_pruned_by_catalog) + " pruned (symbol/tier), " + std::to_string(st.files_read) +
         " read (" + std::to_string(st.files_from_cache) + " with a cached footer), " +
         std::to_string(st.files_summarized) + " answered from statistics\n";
    s += "  row groups: " + Pruned(st.row_groups_pruned, st.row_groups_total) + " by statistics; " +
         std::to_string(st.row_groups_read) + " decoded (" + std::to_string(st.row_groups_parallel) +
         " on several threads)\n";
    s += "  pages (partially read row groups): " + Pruned(st.pages_total - st.pages_read, st.pages_total) +
         " by the page index\n";
    s += "  bytes read from storage " + std::to_string(st.bytes_read) + "; rows merged across overlapping sources " +
         std::to_string(st.merged_rows) + "\n";
    s += "  time: plan " + Millis(st.plan_ns) + ", open files " + Millis(st.open_ns) + ", read row groups " +
         Millis(st.read_ns) + ", merge " + Millis(st.merge_ns) + "\n";
  }
  s += "total " + Millis(total_ns) + "\n";
  return s;
}

void AccumulateScanStats(const ScanStats& now, ScanStats* seen, ScanStats* total) {
  auto add = [](auto a, auto b, auto* t) { *t += a - b; };
  add(now.files_listed, seen->files_listed, &total->files_listed);
  add(now.files_pruned_by_catalog, seen->files_pruned_by_catalog, &total->files_pruned_by_catalog);
  add(now.files_read, seen->files_read, &total->files_read);
  add(now.files_from_cache, seen->files_from_cache, &total->files_from_cache);
  add(now.files_summarized, seen->files_summarized, &total->files_summarized);
  add(now.row_groups_total, seen->row_groups_total, &total->row_groups_total);
  add(now.row_groups_read, seen->row_groups_read, &total->row_groups_read);
  add(now.row_groups_pruned, seen->row_groups_pruned, &total->row_groups_pruned);
  add(now.row_groups_parallel, seen->row_groups_parallel, &total->row_groups_parallel);
  add(now.pages_total, seen->pages_total, &total->pages_total);
  add(now.pages_read, seen->pages_read, &total->pages_read);
  add(now.bytes_read, seen->bytes_read, &total->bytes_read);
  add(now.hot_rows, seen->hot_rows, &total->hot_rows);
  add(now.rows_returned, seen->rows_returned, &total->rows_returned);
  add(now.batches_returned, seen->batches_returned, &total->batches_returned);
  add(now.merged_rows, seen->merged_rows, &total->merged_rows);
  add(now.plan_ns, seen->plan_ns, &total->plan_ns);
  add(now.open_ns, seen->open_ns, &total->open_ns);
  add(now.read_ns, seen->read_ns, &total->read_ns);
  add(now.merge_ns, seen->merge_ns, &total->merge_ns);
  total->peak_rows_buffered = std::max(total->peak_rows_buffered, now.peak_rows_buffered);
  *seen = now;
}

std::unique_ptr<BatchStream> MakeTimedStream(std::unique_ptr<BatchStream> input, StageStats* stats) {
  return std::make_unique<TimedStream>(std::move(input), stats);
}

}  // namespace strata::query
