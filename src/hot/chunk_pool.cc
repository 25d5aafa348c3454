#include "hot/chunk_pool.h"

#include <sys/mman.h>

#include <algorithm>
#include <new>

#include "core/sanitizers.h"

namespace strata {
namespace {

constexpr size_t kHugePage = 2 << 20;
constexpr size_t kSlabBytes = 64 << 20;

constexpr bool kSlabsEnabled = !STRATA_ASAN;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// `size` bytes of anonymous memory aligned to a huge page and advised to use huge pages; nullptr
// when the system refuses.
uint8_t* MapHugeAligned(size_t size) {
  const size_t span = size + kHugePage;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = RoundUp(start, kHugePage);
  if (aligned > start) ::munmap(raw, aligned - start);
  const uintptr_t end = start + span;
  if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  auto* base = reinterpret_cast<uint8_t*>(aligned);
  ::madvise(base, size, MADV_HUGEPAGE);  // advisory: without THP the slab still works
  return base;
}

}  // namespace

ChunkPool::~ChunkPool() {
  for (auto& [bytes, buffers] : resident_) {
    if (!FromSlab(bytes)) {
      for (uint8_t* b : buffers) delete[] b;
    }
  }
  for (const Slab& s : slabs_) ::munmap(s.base, s.size);
}

bool ChunkPool::FromSlab(size_t bytes) const { return kSlabsEnabled && limit_ > 0 && bytes >= kSlabMinBuffer; }

uint8_t* ChunkPool::Carve(size_t bytes) {
  const size_t need = RoundUp(bytes, 64);
  if (slabs_.empty() || slabs_.back().size - slabs_.back().used < need) {
    const size_t size = std::max(kSlabBytes, RoundUp(need, kHugePage));
    uint8_t* base = MapHugeAligned(size);
    if (base == nullptr) throw std::bad_alloc();
    slabs_.push_back({base, size, 0});
  }
  Slab& s = slabs_.back();
  uint8_t* out = s.base + s.used;
  s.used += need;
  return out;
}

uint8_t* ChunkPool::Take(size_t bytes) {
  if (limit_ == 0) return new uint8_t[bytes];
  MutexLock lock(&mu_);
  if (auto it = resident_.find(bytes); it != resident_.end() && !it->second.empty()) {
    uint8_t* b = it->second.back();
    it->second.pop_back();
    pooled_ -= bytes;
    return b;
  }
  if (!FromSlab(bytes)) return new uint8_t[bytes];
  if (auto it = released_.find(bytes); it != released_.end() && !it->second.empty()) {
    uint8_t* b = it->second.back();
    it->second.pop_back();
    return b;
  }
  return Carve(bytes);
}

void ChunkPool::Give(uint8_t* buffer, size_t bytes) {
  if (buffer == nullptr) return;
  if (limit_ == 0) {
    delete[] buffer;
    return;
  }
  MutexLock lock(&mu_);
  if (pooled_ + bytes <= limit_) {
    resident_[bytes].push_back(buffer);
    pooled_ += bytes;
    return;
  }
  if (!FromSlab(bytes)) {
    delete[] buffer;
    return;
  }
  // Over the limit: give the whole pages inside the buffer back to the OS, keep the range.
  const uintptr_t start = RoundUp(reinterpret_cast<uintptr_t>(buffer), 4096);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(buffer) + bytes) / 4096 * 4096;
  if (end > start) ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
  released_[bytes].push_back(buffer);
}

size_t ChunkPool::pooled_bytes() const {
  MutexLock lock(&mu_);
  return pooled_;
}

size_t ChunkPool::slab_bytes() const {
  MutexLock lock(&mu_);
  size_t total = 0;
  for (const Slab& s : slabs_) total += s.size;
  return total;
}

}  // namespace strata
