// QueryPlan: what `--explain` prints. The stages of a query (scan, filter, bars, as-of join,
// output) with rows/batches out and time spent, plus what the scan pruned and read.
//
// Timing: every stage wrapped by MakeTimedStream records the wall time spent inside its Next()
// calls, both inclusive (with its inputs) and self (minus the time of timed inputs called from
// inside it). Not thread-safe: one plan per query, run on one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/batch_stream.h"
#include "strata/database.h"

namespace strata::query {

// What a scan considered, pruned and read: the sum of the ScanStats of the cursors that fed the
// query (peak_rows_buffered: the largest of them), filled as the cursors advance.
struct ScanCounters {
  std::string table;
  std::vector<std::string> tiers;    // tiers the scan looked at
  std::vector<std::string> columns;  // columns the scan returns (empty: every column)
  ScanStats stats;
  uint64_t cursors = 0;
};

// Adds what `now` counted since `seen` into *total, then sets *seen = now.
void AccumulateScanStats(const ScanStats& now, ScanStats* seen, ScanStats* total);

struct StageStats {
  std::string name;    // "scan trades", "filter", "bars 1m", "asof quotes", "output"
  std::string detail;  // e.g. the bound filter expression
  uint64_t rows_out = 0;
  uint64_t batches_out = 0;
  int64_t inclusive_ns = 0;
  int64_t self_ns = 0;
};

class QueryPlan {
 public:
  // A new stage; the pointer stays valid for the plan's life.
  StageStats* AddStage(std::string name, std::string detail = "");
  ScanCounters* AddScan(std::string table);
  const std::vector<std::unique_ptr<StageStats>>& stages() const { return stages_; }
  const std::vector<std::unique_ptr<ScanCounters>>& scans() const { return scans_; }
  // Total wall time of the query, set by the caller.
  int64_t total_ns = 0;
  // Human-readable text: one line per stage, then each scan's counters.
  std::string ToString() const;

 private:
  std::vector<std::unique_ptr<StageStats>> stages_;
  std::vector<std::unique_ptr<ScanCounters>> scans_;
};

// Wraps `input`, recording its output rows/batches and time into `stats` (owned by a plan that
// outlives the stream).
std::unique_ptr<BatchStream> MakeTimedStream(std::unique_ptr<BatchStream> input, StageStats* stats);

}  // namespace strata::query
