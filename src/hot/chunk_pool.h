// Memory for hot chunks (internal to src/hot).
//
// Why: the hot tier's memory cycles (fill to the budget, flush, DropUpTo, fill again), and on
// virtual machines touching a fresh 4 KiB page costs a page fault that is 10-50x slower than
// writing memory already mapped. So the pool
//   - carves large buffers out of 64 MiB slabs backed by transparent huge pages (one fault per
//     2 MiB instead of 512), and
//   - keeps freed buffers, by exact size (a table's chunk sizes repeat), for reuse. Up to
//     `limit_bytes` of them stay resident; beyond that their pages are given back to the OS
//     (MADV_DONTNEED) and only the address range is kept for a later Take.
// Slabs are unmapped when the pool is destroyed. Under AddressSanitizer every buffer comes from
// operator new instead, so overflows are still caught.
//
// Thread-safe. Buffers handed out must be given back to the same pool; the pool must outlive
// every buffer it handed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/thread_annotations.h"

namespace strata {

class ChunkPool {
 public:
  // Keeps at most `limit_bytes` of freed buffers resident; 0 disables pooling and slabs (every
  // buffer is a plain allocation, freed on Give).
  explicit ChunkPool(size_t limit_bytes) : limit_(limit_bytes) {}
  ~ChunkPool();
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  // A buffer of `bytes` bytes (uninitialised), reused when one of that size is pooled.
  uint8_t* Take(size_t bytes);
  // Returns a buffer from Take.
  void Give(uint8_t* buffer, size_t bytes);
  // Resident bytes held for reuse (not part of any series).
  size_t pooled_bytes() const;
  // Bytes of slab address space mapped so far (resident or not).
  size_t slab_bytes() const;

  // Buffers at least this large come from slabs.
  static constexpr size_t kSlabMinBuffer = 64 << 10;

 private:
  struct Slab {
    uint8_t* base;
    size_t size;
    size_t used;
  };
  bool FromSlab(size_t bytes) const;
  uint8_t* Carve(size_t bytes) REQUIRES(mu_);

  const size_t limit_;
  mutable Mutex mu_;
  std::unordered_map<size_t, std::vector<uint8_t*>> resident_ GUARDED_BY(mu_);  // by size
  std::unordered_map<size_t, std::vector<uint8_t*>> released_ GUARDED_BY(mu_);  // pages given back
  std::vector<Slab> slabs_ GUARDED_BY(mu_);
  size_t pooled_ GUARDED_BY(mu_) = 0;  // resident bytes
};

}  // namespace strata
