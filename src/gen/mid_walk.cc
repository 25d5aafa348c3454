#include "gen/mid_walk.h"

#include <bit>

#include "gen/sampling.h"

namespace strata::gen {

MidWalk::MidWalk(uint64_t seed, int64_t start_ticks, int p256)
    : seed_(seed), p256_(static_cast<uint64_t>(p256)), base_(start_ticks) {
  Load(0);
}

void MidWalk::Load(int64_t block) {
  block_ = block;
  // Counter-based words: block b's randomness does not depend on which blocks were visited.
  auto word = [&](uint64_t i) { return SplitMix(seed_ + static_cast<uint64_t>(block) * 16 + i); };
  // A mask whose bits are each set with probability p256/256: fold in one random word per bit
  // of p256, lowest first, OR-ing for a 1 bit and AND-ing for a 0 bit (P' = (bit + P) / 2).
  uint64_t move = 0;
  for (int i = 0; i < 8; ++i)
    move = (p256_ >> i) & 1 ? (move | word(static_cast<uint64_t>(i))) : (move & word(static_cast<uint64_t>(i)));
  const uint64_t up = word(8);
  up_ = move & up;
  down_ = move & ~up;
  two_ = word(9) & word(10);     // probability 1/4
  three_ = word(11) & word(12);  // probability 1/4
}

int64_t MidWalk::Through(int last) const {
  const uint64_t mask = last == 63 ? ~uint64_t{0} : (uint64_t{2} << last) - 1;
  const uint64_t up = up_ & mask, down = down_ & mask;
  if (base_ >= kSafeTicks) {
    return base_ + std::popcount(up) - std::popcount(down) + std::popcount(up & two_) - std::popcount(down & two_) +
           std::popcount(up & three_) - std::popcount(down & three_);
  }
  // Near the floor: second by second, reflecting off it.
  int64_t mid = base_;
  for (int i = 0; i <= last; ++i) {
    const uint64_t bit = uint64_t{1} << i;
    if (!((up | down) & bit)) continue;
    const int64_t delta = 1 + ((two_ & bit) != 0) + ((three_ & bit) != 0);
    mid += up & bit ? delta : -delta;
    if (mid < kFloorTicks) mid = 2 * kFloorTicks - mid;
  }
  return mid;
}

}  // namespace strata::gen
