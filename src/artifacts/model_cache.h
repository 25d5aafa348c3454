// The RAM tier: loaded model buffers kept by an LRU under a byte budget.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>

#include "core/thread_annotations.h"

namespace strata::artifacts {

struct LoadedModel;

// Keyed by the version's catalog row id (never reused, so a removed and re-put version number
// never returns stale bytes). Thread-safe.
class ModelCache {
 public:
  explicit ModelCache(uint64_t budget_bytes) : budget_(budget_bytes) {}

  // The cached model and marks it most recently used; nullptr if absent.
  std::shared_ptr<const LoadedModel> Get(int64_t version_id);
  // Inserts (replacing), then evicts least recently used entries until within budget. A model
  // larger than the whole budget is not kept. Evicted buffers live on while callers hold them.
  void Put(int64_t version_id, std::shared_ptr<const LoadedModel> model, uint64_t bytes);
  void Erase(int64_t version_id);
  uint64_t bytes() const;

 private:
  struct Entry {
    int64_t id;
    std::shared_ptr<const LoadedModel> model;
    uint64_t bytes;
  };
  const uint64_t budget_;
  mutable Mutex mu_;
  std::list<Entry> lru_ GUARDED_BY(mu_);  // front = most recently used
  std::unordered_map<int64_t, std::list<Entry>::iterator> index_ GUARDED_BY(mu_);
  uint64_t bytes_ GUARDED_BY(mu_) = 0;
};

}  // namespace strata::artifacts
