// Recycles the buffers of dropped hot chunks (internal to src/hot).
//
// Why: the hot tier's memory cycles (fill to the budget, flush, DropUpTo, fill again). Returning
// chunk memory to the allocator lets it go back to the OS, and touching fresh pages costs a page
// fault each; on virtual machines that is 10-50x slower than writing memory already mapped. The
// pool keeps freed buffers, by exact size (a table's chunk sizes repeat), up to a byte limit.
//
// Thread-safe. Buffers handed out must be given back to the same pool or freed with
// ChunkPool::Free; the pool must outlive every buffer it handed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace strata {

class ChunkPool {
 public:
  // Keeps at most `limit_bytes` of freed buffers; 0 disables pooling.
  explicit ChunkPool(size_t limit_bytes) : limit_(limit_bytes) {}
  ~ChunkPool();
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  // A buffer of `bytes` bytes (uninitialised), reused when one of that size is pooled.
  uint8_t* Take(size_t bytes);
  // Returns a buffer from Take; pooled if there is room, else freed.
  void Give(uint8_t* buffer, size_t bytes);
  // Bytes held for reuse (not part of any series).
  size_t pooled_bytes() const;

  static void Free(uint8_t* buffer) { delete[] buffer; }

 private:
  const size_t limit_;
  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<uint8_t*>> free_;  // by size; guarded by mu_
  size_t pooled_ = 0;                                       // guarded by mu_
};

}  // namespace strata
