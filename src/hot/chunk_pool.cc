#include "hot/chunk_pool.h"

namespace strata {

ChunkPool::~ChunkPool() {
  for (auto& [bytes, buffers] : free_) {
    for (uint8_t* b : buffers) Free(b);
  }
}

uint8_t* ChunkPool::Take(size_t bytes) {
  if (limit_ > 0) {
    std::lock_guard lock(mu_);
    auto it = free_.find(bytes);
    if (it != free_.end() && !it->second.empty()) {
      uint8_t* b = it->second.back();
      it->second.pop_back();
      pooled_ -= bytes;
      return b;
    }
  }
  return new uint8_t[bytes];
}

void ChunkPool::Give(uint8_t* buffer, size_t bytes) {
  if (buffer == nullptr) return;
  {
    std::lock_guard lock(mu_);
    if (pooled_ + bytes <= limit_) {
      free_[bytes].push_back(buffer);
      pooled_ += bytes;
      return;
    }
  }
  Free(buffer);
}

size_t ChunkPool::pooled_bytes() const {
  std::lock_guard lock(mu_);
  return pooled_;
}

}  // namespace strata
