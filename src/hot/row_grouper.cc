#include "hot/row_grouper.h"

#include <cstring>
#include <string>

namespace strata {
namespace {

// FNV-1a over the symbol's bytes: symbols are a few bytes, where this beats general-purpose hashes.
uint64_t HashSymbol(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h ^ (h >> 29);
}

}  // namespace

void RowGrouper::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (uint32_t g = 0; g < groups_.size(); ++g) {
    size_t i = HashSymbol(groups_[g].symbol) & mask;
    while (slots_[i].stamp == stamp_) i = (i + 1) & mask;
    slots_[i] = {stamp_, g};
  }
}

uint32_t RowGrouper::Lookup(std::string_view s) {
  const size_t mask = slots_.size() - 1;
  size_t i = HashSymbol(s) & mask;
  for (;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.stamp != stamp_) break;
    if (groups_[slot.group].symbol == s) return slot.group;
  }
  const uint32_t g = static_cast<uint32_t>(groups_.size());
  groups_.push_back({s, 0, 0});
  slots_[i] = {stamp_, g};
  if (groups_.size() * 2 > slots_.size()) Grow();
  return g;
}

Status RowGrouper::Split(const Column& symbols) {
  groups_.clear();
  const size_t n = symbols.size();
  if (n == 0) return Status::OK();
  if (slots_.empty()) slots_.assign(64, Slot{});
  if (++stamp_ == 0) {  // stamps wrapped: forget every old slot for real
    std::fill(slots_.begin(), slots_.end(), Slot{});
    stamp_ = 1;
  }
  group_of_.resize(n);
  const uint32_t* off = symbols.offsets().data();
  const char* chars = symbols.chars().data();
  std::string_view prev;
  uint32_t prev_group = 0;
  for (size_t r = 0; r < n; ++r) {
    std::string_view s(chars + off[r], off[r + 1] - off[r]);
    if (s.empty()) {
      groups_.clear();
      return Status::InvalidArgument("hot tier: row " + std::to_string(r) + " has an empty or null symbol");
    }
    if (r == 0 || s != prev) {
      prev_group = Lookup(s);
      prev = s;
    }
    group_of_[r] = prev_group;
    ++groups_[prev_group].count;
  }
  if (groups_.size() == 1) return Status::OK();
  // Counting sort of the row numbers by group keeps each group's rows in arrival order.
  uint32_t at = 0;
  for (Group& g : groups_) {
    g.begin = at;
    at += g.count;
  }
  rows_.resize(n);
  cursor_.resize(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) cursor_[g] = groups_[g].begin;
  for (size_t r = 0; r < n; ++r) rows_[cursor_[group_of_[r]]++] = static_cast<uint32_t>(r);
  return Status::OK();
}

}  // namespace strata
