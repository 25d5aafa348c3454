// The mid price of one symbol over a session: a random walk on the 0.01 tick grid with one step
// per session second, defined by (seed, start, p256) alone so that every reader of the same
// symbol (trades and quotes generated with the same seed) sees the same prices at the same
// times, whichever seconds it happens to query. Internal to src/gen.
//
// A step moves with probability p256/256, by 1, 2 or 3 ticks (with probabilities 9/16, 6/16,
// 1/16), up or down alike. Steps come 64 seconds at a time as bit masks, so a symbol with few
// rows skips a block with a few popcounts instead of 64 draws (with 5,000 symbols a
// second-by-second walk cost more than making the rows). The mid never falls below $1.00: it
// reflects off 100 ticks.
// Not thread-safe.
#pragma once

#include <cstdint>

namespace strata::gen {

class MidWalk {
 public:
  static constexpr int64_t kFloorTicks = 100;

  MidWalk() = default;
  // REQUIRES: start_ticks >= kFloorTicks, 0 <= p256 <= 255.
  MidWalk(uint64_t seed, int64_t start_ticks, int p256);

  // The mid in ticks after the steps of seconds 0..second. REQUIRES: second >= 0 and not below
  // the second of the previous call (a symbol's arrivals only move forward in time).
  int64_t At(int64_t second) {
    while (block_ < (second >> 6)) {
      base_ = Through(63);
      Load(block_ + 1);
    }
    return Through(static_cast<int>(second & 63));
  }

 private:
  // Bases at or above this are far enough from the floor that 64 steps cannot reach it.
  static constexpr int64_t kSafeTicks = kFloorTicks + 3 * 64;

  void Load(int64_t block);
  // base_ plus the steps of seconds 0..last of the loaded block.
  int64_t Through(int last) const;

  uint64_t seed_ = 0;
  uint64_t p256_ = 0;
  int64_t base_ = kFloorTicks;  // the mid before the first second of block_
  int64_t block_ = 0;
  // Per second of the block (bit i = second 64 * block_ + i): moves up, moves down, moves one
  // more tick, moves yet another tick.
  uint64_t up_ = 0, down_ = 0, two_ = 0, three_ = 0;
};

}  // namespace strata::gen
