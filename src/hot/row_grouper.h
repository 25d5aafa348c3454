// Splits a batch's rows by symbol for HotTier::Insert (internal to src/hot).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "strata/batch.h"

namespace strata {

// Groups row numbers by symbol with one pass over the symbol column: a row whose symbol equals the
// previous row's costs one compare, any other row one probe of a small open-addressing table.
// Buffers are kept across calls, so a long-lived grouper does not allocate in steady state.
// Not thread-safe: use one per thread.
class RowGrouper {
 public:
  struct Group {
    std::string_view symbol;  // points into the grouped column
    uint32_t begin;           // rows()[begin, begin + count) are this symbol's rows, in order
    uint32_t count;
  };

  // Groups the rows of `symbols` (a symbol column). InvalidArgument naming the row if a symbol is
  // empty or null. The result is valid until the next call and while `symbols` is unchanged.
  Status Split(const Column& symbols);

  // Groups in order of first appearance.
  const std::vector<Group>& groups() const { return groups_; }
  // Row numbers grouped by symbol, or nullptr when there is a single group (then its rows are
  // 0..count-1, in order).
  const uint32_t* rows() const { return groups_.size() == 1 ? nullptr : rows_.data(); }

 private:
  struct Slot {
    uint32_t stamp = 0;  // slot in use in the call whose stamp_ this equals
    uint32_t group = 0;
  };
  uint32_t Lookup(std::string_view s);
  void Grow();

  std::vector<Group> groups_;
  std::vector<uint32_t> group_of_;  // per row
  std::vector<uint32_t> rows_;
  std::vector<uint32_t> cursor_;  // per group, during the counting sort
  std::vector<Slot> slots_;       // power-of-two size, at least twice the groups
  uint32_t stamp_ = 0;
};

}  // namespace strata
