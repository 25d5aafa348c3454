#include "gen/sampling.h"

namespace strata::gen {
namespace {

constexpr uint64_t kOneQ32 = uint64_t{1} << 32;

uint64_t MulQ32(uint64_t a, uint64_t b) { return static_cast<uint64_t>((static_cast<u128>(a) * b) >> 32); }

uint64_t PowQ32(uint64_t a, int n) {
  uint64_t r = kOneQ32;
  while (n-- > 0) r = MulQ32(r, a);
  return r;
}

}  // namespace

u128 IntradayShape::Cdf35(uint64_t x) {
  return static_cast<u128>(21) * x + static_cast<u128>(12) * (kOneQ32 - PowQ32(kOneQ32 - x, 7)) +
         static_cast<u128>(14) * PowQ32(x, 9);
}

IntradayShape::IntradayShape() {
  const u128 total = static_cast<u128>(47) << 32;
  uint64_t lo_start = 0;
  for (int i = 0; i <= kN; ++i) {
    const u128 target = total * static_cast<uint64_t>(i) / kN;
    // The smallest x with Cdf35(x) >= target; the CDF increases, so each search starts at the last.
    uint64_t lo = lo_start, hi = kOneQ32;
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      if (Cdf35(mid) < target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    table_[i] = lo_start = lo;
  }
}

const IntradayShape& IntradayShape::Get() {
  // Leaked on purpose: no destruction-order issues for generators in static objects.
  static const IntradayShape* shape = new IntradayShape();
  return *shape;
}

}  // namespace strata::gen
