#include "tier/ts_sort.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace strata::tier {

std::vector<uint32_t> StableTsOrder(const RecordBatch& batch, int ts_col) {
  const std::vector<int64_t>& ts = batch.column(ts_col).int64s();
  if (std::is_sorted(ts.begin(), ts.end())) return {};
  std::vector<uint32_t> order(ts.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ts[a] < ts[b]; });
  return order;
}

RecordBatch SortByTs(const RecordBatch& batch, int ts_col) {
  std::vector<uint32_t> order = StableTsOrder(batch, ts_col);
  if (order.empty()) return batch;
  return batch.Take(order);
}

RecordBatch SortByTs(RecordBatch&& batch, int ts_col) {
  std::vector<uint32_t> order = StableTsOrder(batch, ts_col);
  if (order.empty()) return std::move(batch);
  return batch.Take(order);
}

}  // namespace strata::tier
