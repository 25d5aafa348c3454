// Random sampling for the market generator that gives the same bits on every platform.
//
// Everything that shapes the generator's output is integer arithmetic, or IEEE basic operations
// (+ - * / sqrt: correctly rounded everywhere) used where a compiler cannot contract them into
// an FMA. libm's log/exp/pow differ in the last bit between C libraries and <random>'s
// distributions differ between standard libraries, so neither is used.
// Internal to src/gen; not thread-safe except where stated.
#pragma once

#include <cstdint>

namespace strata::gen {

using u128 = unsigned __int128;

// SplitMix64's output function: a bijective 64-bit mix; SplitMix(seed + i) for i = 0, 1, ... is
// the SplitMix64 sequence. Used to derive independent seeds and counter-based random words.
inline uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// xoshiro256** (Blackman & Vigna), seeded through SplitMix64: small, fast, platform-independent.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) {
    for (auto& w : s_) w = seed = SplitMix(seed);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) by multiply-shift (Lemire); the bias is below n / 2^64. REQUIRES n > 0.
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<u128>(Next()) * n) >> 64); }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Exp(1) variates in fixed point with kFracBits fractional bits, by von Neumann's comparison
// method (Knuth, TAOCP 3.4.1): exact up to the 32-bit uniforms it compares, and free of libm.
// Given U1 = x, the descending run U1 >= U2 >= ... has odd length with probability e^-x, so
// accepting x on odd runs gives density e^-x on [0, 1); each rejection adds 1 to the integer
// part, which is then geometric with P(k) = e^-k (1 - 1/e). Together: Exp(1). It takes about
// 4.3 uniforms (2.2 Rng draws) per variate.
class ExpSource {
 public:
  static constexpr int kFracBits = 24;
  static constexpr uint64_t kOne = uint64_t{1} << kFracBits;

  explicit ExpSource(uint64_t seed) : rng_(seed) {}

  uint64_t Next() {
    for (uint64_t k = 0;; ++k) {
      const uint32_t first = U32();
      uint32_t prev = first;
      bool odd = true;
      for (uint32_t v = U32(); v <= prev; v = U32()) {
        prev = v;
        odd = !odd;
      }
      if (odd) return (k << kFracBits) | (first >> (32 - kFracBits));
    }
  }

 private:
  uint32_t U32() {
    if (have_low_) {
      have_low_ = false;
      return low_;
    }
    const uint64_t r = rng_.Next();
    low_ = static_cast<uint32_t>(r);
    have_low_ = true;
    return static_cast<uint32_t>(r >> 32);
  }

  Rng rng_;
  uint32_t low_ = 0;
  bool have_low_ = false;
};

// The intraday trading intensity over the session, as a fraction x in [0, 1] of it:
//   lambda(x) = 0.6 + 2.4 (1-x)^6 + 3.6 x^8
// ~3.0 at the open, flat ~0.65 at midday, ~4.2 at the close: the familiar "smile" of US equity
// volume, with the close busier than the open. Its CDF times 35,
//   G(x) = 21 x + 12 (1 - (1-x)^7) + 14 x^9,   G(1) = 47,
// is evaluated exactly in Q32 fixed point and inverted by bisection into a table once.
// Thread-safe (immutable after construction).
class IntradayShape {
 public:
  // The process-wide instance (built on first use, never destroyed).
  static const IntradayShape& Get();

  // The inverse CDF: maps a uniform u in [0, 1) given in Q48 (REQUIRES u48 < 2^48) to the
  // position x in [0, 1) in Q48, so that uniform u's become arrivals with density lambda.
  // Non-decreasing in u48.
  uint64_t InverseQ48(uint64_t u48) const {
    const uint64_t i = u48 >> (48 - kLogN), frac = u48 & ((uint64_t{1} << (48 - kLogN)) - 1);
    // The table point (Q32 -> Q48) plus the linear interpolation towards the next one.
    return (table_[i] << 16) +
           static_cast<uint64_t>((static_cast<u128>(table_[i + 1] - table_[i]) * frac) >> (32 - kLogN));
  }

  // lambda's CDF times 35 at x (Q32, REQUIRES x <= 2^32), in Q32: 0 at 0, 47 << 32 at 1.
  static u128 Cdf35(uint64_t x);

 private:
  static constexpr int kLogN = 12;
  static constexpr int kN = 1 << kLogN;

  IntradayShape();

  uint64_t table_[kN + 1];  // table_[i] = the smallest x (Q32) with Cdf35(x) >= 47 i / kN (Q32)
};

}  // namespace strata::gen
