#include "artifacts/model_cache.h"

#include "core/engine_metrics.h"

namespace strata::artifacts {

std::shared_ptr<const LoadedModel> ModelCache::Get(int64_t version_id) {
  MutexLock lock(&mu_);
  auto it = index_.find(version_id);
  if (it == index_.end()) {
    CountAdd(EngineMetrics::Get().model_cache_misses);
    return nullptr;
  }
  CountAdd(EngineMetrics::Get().model_cache_hits);
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->model;
}

void ModelCache::Put(int64_t version_id, std::shared_ptr<const LoadedModel> model, uint64_t bytes) {
  MutexLock lock(&mu_);
  if (auto it = index_.find(version_id); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  if (bytes > budget_) return;
  lru_.push_front(Entry{version_id, std::move(model), bytes});
  index_[version_id] = lru_.begin();
  bytes_ += bytes;
  while (bytes_ > budget_ && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().id);
    lru_.pop_back();
  }
}

void ModelCache::Erase(int64_t version_id) {
  MutexLock lock(&mu_);
  if (auto it = index_.find(version_id); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
}

uint64_t ModelCache::bytes() const {
  MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace strata::artifacts
