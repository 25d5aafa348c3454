#include "query/plan.h"

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
    std::string tiers;
    for (const std::string& t : sc->tiers) tiers += (tiers.empty() ? "" : ",") + t;
    s += "scan " + sc->table + ": tiers " + (tiers.empty() ? "-" : tiers) + "; rows read " +
         std::to_string(sc->rows_read) + "\n";
    if (sc->files_total == 0) {
      s += "  no files (in-memory tiers only); bytes read " + std::to_string(sc->bytes_read) + "\n";
      continue;
    }
    s += "  files " + Pruned(sc->files_pruned, sc->files_total) + "; row groups " +
         Pruned(sc->row_groups_pruned, sc->row_groups_total) + "; pages " + Pruned(sc->pages_pruned, sc->pages_total) +
         "; bytes read " + std::to_string(sc->bytes_read) + "\n";
  }
  s += "total " + Millis(total_ns) + "\n";
  return s;
}

std::unique_ptr<BatchStream> MakeTimedStream(std::unique_ptr<BatchStream> input, StageStats* stats) {
  return std::make_unique<TimedStream>(std::move(input), stats);
}

}  // namespace strata::query
