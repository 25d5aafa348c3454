#include "parquet/dictionary_builder.h"

namespace strata::parquet {

uint64_t HashBytes(const char* data, size_t n) {
  // 8 bytes per step with a multiply-xorshift mix: fast for the short strings (symbols,
  // exchange codes) that dictionaries hold, and well spread for open addressing.
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xC2B2AE3D27D4EB4FULL);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    h = (h ^ HashBits(w)) * 0x9E3779B97F4A7C15ULL;
  }
  if (i < n) {
    uint64_t w = 0;
    std::memcpy(&w, data + i, n - i);
    h = (h ^ HashBits(w)) * 0x9E3779B97F4A7C15ULL;
  }
  return HashBits(h);
}

void StringDictionaryBuilder::Clear() {
  offsets_.assign(1, 0);
  chars_.clear();
  slots_.assign(1024, Slot{kEmpty, 0});
  last_ = kEmpty;
}

void StringDictionaryBuilder::Grow() {
  std::vector<Slot> slots(slots_.size() * 2, Slot{kEmpty, 0});
  size_t mask = slots.size() - 1;
  for (uint32_t i = 0; i < size(); ++i) {
    std::string_view v = Get(i);
    uint64_t h = HashBytes(v.data(), v.size());
    size_t s = h & mask;
    while (slots[s].index != kEmpty) s = (s + 1) & mask;
    slots[s] = {i, static_cast<uint32_t>(h >> 32)};
  }
  slots_.swap(slots);
}

}  // namespace strata::parquet
