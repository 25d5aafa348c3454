// FastCDC content-defined chunking with normalised chunking (Xia et al., USENIX ATC 2016, and
// the 2020 journal version's two-bytes-per-iteration rolling).
//
// A cut point depends only on the bytes in a window before it, so inserting or deleting bytes
// moves the cut points near the edit and nowhere else: chunks after it are the same and dedupe.
// Normalised chunking uses a harder mask before the average size and an easier one after it,
// which narrows the size distribution around the average. The first min_size bytes of a chunk
// are skipped (no cut can fall there). The gear table is generated from a fixed seed, so cut
// points are stable across builds and machines: changing it would stop new versions from
// deduplicating against stored ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace strata::artifacts {

struct ChunkerOptions {
  size_t min_size = 16 << 10;
  size_t avg_size = 64 << 10;  // rounded down to a power of two
  size_t max_size = 256 << 10;
};

class Chunker {
 public:
  // InvalidArgument unless 64 <= min_size < avg_size < max_size <= 1 GiB.
  static Result<Chunker> Make(const ChunkerOptions& options);

  // The length of the chunk that starts at data[0]: at most max_size, and all of data if it is
  // no longer than min_size.
  size_t NextCut(std::string_view data) const;

  // Every chunk's length, in order, covering all of `data`.
  std::vector<uint32_t> Split(std::string_view data) const;

  const ChunkerOptions& options() const { return options_; }

 private:
  explicit Chunker(const ChunkerOptions& options);
  ChunkerOptions options_;
  uint64_t mask_small_ = 0, mask_large_ = 0;  // hard (before avg) and easy (after avg) masks
};

// The deterministic gear table (256 pseudo-random 64-bit values, splitmix64 of a fixed seed).
const uint64_t* GearTable();

}  // namespace strata::artifacts
