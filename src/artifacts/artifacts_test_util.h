// Helpers for the artifact tests: seeded weights, safetensors models, stores on a temp dir.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "artifacts/model_store.h"
#include "artifacts/safetensors.h"
#include "testutil/testutil.h"

namespace strata::artifacts::testing {

// Deterministic pseudo-random bytes (splitmix64).
inline std::string RandomBytes(size_t n, uint64_t seed) {
  std::string out(n, '\0');
  // Seeds far apart in the stream: nearby seeds must not give overlapping sequences.
  uint64_t s = (seed + 1) * 0xd1342543de82ef95ull;
  s ^= s >> 29;
  s *= 0xbf58476d1ce4e5b9ull;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    __builtin_memcpy(out.data() + i, &z, 8);
  }
  for (; i < n; ++i) out[i] = static_cast<char>(i * 131 + seed);
  return out;
}

// F16 weights that look like a trained layer's: random sign and mantissa, exponents in a narrow
// band (|w| in about [2^-6, 2^-1)).
inline std::string RandomF16(size_t count, uint64_t seed) {
  std::string bytes = RandomBytes(count * 2, seed);
  auto* p = reinterpret_cast<uint16_t*>(bytes.data());
  for (size_t i = 0; i < count; ++i) {
    uint16_t r = p[i];
    uint16_t exp = static_cast<uint16_t>(9 + (r >> 10) % 5);  // biased exponent 9..13
    p[i] = static_cast<uint16_t>((r & 0x83ff) | (exp << 10));
  }
  return bytes;
}

// A safetensors "model" of `tensors` F16 tensors totalling about `bytes`; tensor i's contents
// come from seeds[i].
struct ModelSpec {
  std::vector<std::string> names;
  std::vector<std::vector<uint64_t>> shapes;
  std::vector<std::string> data;
};

inline ModelSpec MakeModel(size_t bytes, int tensors, uint64_t seed) {
  ModelSpec m;
  const size_t per = bytes / tensors / 2 / 1024 * 1024;  // elements per tensor, a multiple of 1024
  for (int i = 0; i < tensors; ++i) {
    m.names.push_back("layers." + std::to_string(i) + ".weight");
    m.shapes.push_back({per / 1024, 1024});
    m.data.push_back(RandomF16(per, seed * 1000 + i));
  }
  return m;
}

inline Status WriteModel(const ModelSpec& m, const std::string& path) {
  std::vector<TensorSpec> specs;
  for (size_t i = 0; i < m.names.size(); ++i) specs.push_back({m.names[i], DType::kF16, m.shapes[i], m.data[i]});
  return WriteSafetensors(DefaultFileSystem(), path, specs, {{"format", "pt"}});
}

// Small chunks and packs so that small models exercise many chunks and pack rolls.
inline ModelStoreOptions SmallStoreOptions() {
  ModelStoreOptions o;
  o.create_if_missing = true;
  o.chunker = {1 << 10, 4 << 10, 16 << 10};
  o.pack_roll_bytes = 64 << 10;
  return o;
}

}  // namespace strata::artifacts::testing
