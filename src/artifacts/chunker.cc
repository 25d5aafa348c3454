#include "artifacts/chunker.h"

#include <array>
#include <bit>
#include <string>

namespace strata::artifacts {
namespace {

struct Tables {
  std::array<uint64_t, 256> gear;
  std::array<uint64_t, 256> gear_shifted;  // gear << 1, for the two-bytes-per-iteration loop
};

const Tables& GetTables() {
  static const Tables tables = [] {
    Tables t{};
    uint64_t state = 0x5354524154414344ull;  // "STRATACD": never change (see chunker.h)
    for (size_t i = 0; i < 256; ++i) {
      uint64_t z = (state += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      t.gear[i] = z ^ (z >> 31);
      t.gear_shifted[i] = t.gear[i] << 1;
    }
    return t;
  }();
  return tables;
}

// `ones` one-bits just below bit 63. Bit 63 stays clear so that (h << 1) & (mask << 1) tests
// the same bits as h & mask, which the two-byte loop relies on.
uint64_t MaskOf(int ones) { return ((uint64_t{1} << ones) - 1) << (63 - ones); }

}  // namespace

const uint64_t* GearTable() { return GetTables().gear.data(); }

Chunker::Chunker(const ChunkerOptions& options) : options_(options) {
  int bits = std::bit_width(options.avg_size) - 1;
  mask_small_ = MaskOf(bits + 2);
  mask_large_ = MaskOf(bits - 2);
}

Result<Chunker> Chunker::Make(const ChunkerOptions& o) {
  if (o.min_size < 64 || o.min_size >= o.avg_size || o.avg_size >= o.max_size || o.max_size > (size_t{1} << 30)) {
    return Status::InvalidArgument("chunker sizes must satisfy 64 <= min < avg < max <= 1 GiB, got min " +
                                   std::to_string(o.min_size) + " avg " + std::to_string(o.avg_size) + " max " +
                                   std::to_string(o.max_size));
  }
  ChunkerOptions rounded = o;
  rounded.avg_size = std::bit_floor(o.avg_size);
  if (rounded.avg_size <= rounded.min_size || std::bit_width(rounded.avg_size) < 8) {
    return Status::InvalidArgument("chunker average size " + std::to_string(o.avg_size) +
                                   " rounds down to a power of two not above min " + std::to_string(o.min_size));
  }
  return Chunker(rounded);
}

size_t Chunker::NextCut(std::string_view data) const {
  const size_t n = data.size();
  if (n <= options_.min_size) return n;
  const size_t max = n < options_.max_size ? n : options_.max_size;
  const size_t normal = max < options_.avg_size ? max : options_.avg_size;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const Tables& t = GetTables();
  uint64_t h = 0;
  size_t i = options_.min_size;
  // Two bytes per iteration: after byte i, h' = (h << 1) + G[b_i]; its mask test is done on
  // h' << 1 = (h << 2) + GS[b_i] against mask << 1, and after byte i+1, h'' = (h' << 1) + G[b_{i+1}].
  const uint64_t small2 = mask_small_ << 1, large2 = mask_large_ << 1;
  for (; i + 2 <= normal; i += 2) {
    h = (h << 2) + t.gear_shifted[p[i]];
    if ((h & small2) == 0) return i + 1;
    h += t.gear[p[i + 1]];
    if ((h & mask_small_) == 0) return i + 2;
  }
  for (; i + 2 <= max; i += 2) {
    h = (h << 2) + t.gear_shifted[p[i]];
    if ((h & large2) == 0) return i + 1;
    h += t.gear[p[i + 1]];
    if ((h & mask_large_) == 0) return i + 2;
  }
  return max;
}

std::vector<uint32_t> Chunker::Split(std::string_view data) const {
  std::vector<uint32_t> lengths;
  lengths.reserve(data.size() / options_.avg_size + 2);
  while (!data.empty()) {
    size_t cut = NextCut(data);
    lengths.push_back(static_cast<uint32_t>(cut));
    data.remove_prefix(cut);
  }
  return lengths;
}

}  // namespace strata::artifacts
