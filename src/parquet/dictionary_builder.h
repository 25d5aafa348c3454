// Dictionaries for the writer's RLE_DICTIONARY encoding: each distinct value gets a dense index
// in order of first appearance.
//
// Open addressing keeps one probe per value in the common case. Values compare by bits, so
// NaN payloads and -0.0 survive the round trip exactly. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace strata::parquet {

inline uint64_t HashBits(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

uint64_t HashBytes(const char* data, size_t n);

// T is int32_t, int64_t or double.
template <typename T>
class DictionaryBuilder {
 public:
  DictionaryBuilder() { slots_.assign(kInitialSlots, kEmpty); }

  uint32_t Insert(T v) {
    uint64_t bits = Bits(v);
    size_t mask = slots_.size() - 1;
    for (size_t s = HashBits(bits) & mask;; s = (s + 1) & mask) {
      uint32_t idx = slots_[s];
      if (idx == kEmpty) {
        idx = static_cast<uint32_t>(values_.size());
        values_.push_back(v);
        slots_[s] = idx;
        if (values_.size() * 2 > slots_.size()) Grow();
        return idx;
      }
      if (Bits(values_[idx]) == bits) return idx;
    }
  }

  size_t size() const { return values_.size(); }
  const std::vector<T>& values() const { return values_; }
  size_t byte_size() const { return values_.size() * sizeof(T); }
  void Clear() {
    values_.clear();
    slots_.assign(kInitialSlots, kEmpty);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kInitialSlots = 1024;

  static uint64_t Bits(T v) {
    if constexpr (sizeof(T) == 8) {
      uint64_t b;
      std::memcpy(&b, &v, 8);
      return b;
    } else {
      uint32_t b;
      std::memcpy(&b, &v, 4);
      return b;
    }
  }

  void Grow() {
    std::vector<uint32_t> slots(slots_.size() * 2, kEmpty);
    size_t mask = slots.size() - 1;
    for (uint32_t i = 0; i < values_.size(); ++i) {
      size_t s = HashBits(Bits(values_[i])) & mask;
      while (slots[s] != kEmpty) s = (s + 1) & mask;
      slots[s] = i;
    }
    slots_.swap(slots);
  }

  std::vector<T> values_;
  std::vector<uint32_t> slots_;
};

class StringDictionaryBuilder {
 public:
  StringDictionaryBuilder() { Clear(); }

  uint32_t Insert(std::string_view v) {
    // Runs of one value (a symbol column, sorted or clustered strings) skip the hash.
    if (last_ != kEmpty && Get(last_) == v) return last_;
    last_ = InsertHashed(v);
    return last_;
  }

  size_t size() const { return offsets_.size() - 1; }
  std::string_view Get(uint32_t i) const {
    return std::string_view(chars_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  const std::vector<uint32_t>& offsets() const { return offsets_; }
  const std::string& chars() const { return chars_; }
  // PLAIN size of the dictionary page: a 4-byte length per value plus the characters.
  size_t byte_size() const { return chars_.size() + 4 * size(); }
  void Clear();

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint32_t index;
    uint32_t hash_high;  // cheap pre-check before comparing bytes
  };
  void Grow();
  uint32_t InsertHashed(std::string_view v) {
    uint64_t h = HashBytes(v.data(), v.size());
    size_t mask = slots_.size() - 1;
    for (size_t s = h & mask;; s = (s + 1) & mask) {
      Slot& slot = slots_[s];
      if (slot.index == kEmpty) {
        uint32_t idx = static_cast<uint32_t>(offsets_.size() - 1);
        chars_.append(v);
        offsets_.push_back(static_cast<uint32_t>(chars_.size()));
        slot = {idx, static_cast<uint32_t>(h >> 32)};
        if ((offsets_.size() - 1) * 2 > slots_.size()) Grow();
        return idx;
      }
      if (slot.hash_high == static_cast<uint32_t>(h >> 32) && Get(slot.index) == v) return slot.index;
    }
  }

  uint32_t last_ = kEmpty;  // index of the last value inserted or found
  std::vector<uint32_t> offsets_;
  std::string chars_;
  std::vector<Slot> slots_;
};

}  // namespace strata::parquet
