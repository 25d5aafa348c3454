// A reader-writer lock whose exclusive side is rare and short (internal to src/hot).
//
// Why not std::shared_mutex: Latest takes a series' reader lock on every call (~100 ns budget) and
// pthread_rwlock costs a call plus a CAS loop each way; here a reader pays one atomic add to enter
// and one to leave. The exclusive side (DropUpTo swapping a series' storage, a pointer swap) spins
// with yield instead of sleeping, which is right only because it is held for so short a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace strata {

// Usable with std::shared_lock / std::unique_lock.
class ReaderGate {
 public:
  void lock_shared() {
    for (;;) {
      // acquire: pairs with unlock()'s release, so a reader sees what the writer published.
      if ((state_.fetch_add(1, std::memory_order_acquire) & kWriter) == 0) return;
      state_.fetch_sub(1, std::memory_order_relaxed);  // a writer is in: back off and retry
      while (state_.load(std::memory_order_relaxed) & kWriter) std::this_thread::yield();
    }
  }
  // release: everything this reader read happens before a writer's lock() returns.
  void unlock_shared() { state_.fetch_sub(1, std::memory_order_release); }

  // REQUIRES: exclusive lockers are serialised by the caller (one writer at a time).
  void lock() {
    state_.fetch_or(kWriter, std::memory_order_acquire);
    while ((state_.load(std::memory_order_acquire) & ~kWriter) != 0) std::this_thread::yield();
  }
  void unlock() { state_.fetch_and(~kWriter, std::memory_order_release); }

 private:
  static constexpr uint32_t kWriter = 1u << 31;
  std::atomic<uint32_t> state_{0};  // kWriter bit | number of readers inside or entering
};

}  // namespace strata
