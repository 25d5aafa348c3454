// Dedup: a 256 MiB safetensors "base model" of F16 weights in 50 tensors, a fine-tune with 10% of
// the tensors changed, and a version with bytes inserted near the start (CDC vs fixed blocks).
// STRATA_ARTIFACTS_DEDUP_MB scales the model (the sanitizer build defaults to 32 MiB).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <unordered_set>

#include "artifacts/artifacts_test_util.h"
#include "core/sanitizers.h"
#include "io/sha256.h"

namespace strata::artifacts {
namespace {

using strata::testing::TempDir;

size_t ModelBytes() {
  if (const char* env = std::getenv("STRATA_ARTIFACTS_DEDUP_MB"); env && *env) return std::atoll(env) << 20;
#if STRATA_ASAN
  return size_t{32} << 20;
#else
  return size_t{256} << 20;
#endif
}

// Bytes of `b` in fixed-size blocks whose content also appears as a block of `a`.
uint64_t FixedBlockReuse(std::string_view a, std::string_view b, size_t block) {
  Sha256 h;
  std::unordered_set<std::string> blocks;
  for (size_t off = 0; off < a.size(); off += block) blocks.insert(DigestHex(h.Digest(a.substr(off, block))));
  uint64_t reused = 0;
  for (size_t off = 0; off < b.size(); off += block) {
    std::string_view piece = b.substr(off, block);
    if (blocks.count(DigestHex(h.Digest(piece)))) reused += piece.size();
  }
  return reused;
}

TEST(ModelStoreDedupTest, FineTuneAndShiftedVersionsStoreOnlyWhatChanged) {
  TempDir dir;
  const size_t bytes = ModelBytes();
  testing::ModelSpec base = testing::MakeModel(bytes, 50, 1);
  const std::string base_path = dir.Join("base.safetensors");
  ASSERT_OK(testing::WriteModel(base, base_path));

  ModelStoreOptions o;
  o.create_if_missing = true;
  o.cache_budget_bytes = 0;
  // A scaled-down model (sanitizer build) gets proportionally smaller chunks, so that a changed
  // tensor's boundary chunks weigh what they do at full size.
  const size_t scale = std::max<size_t>(1, (size_t{256} << 20) / bytes);
  o.chunker = {(16 << 10) / scale, (64 << 10) / scale, (256 << 10) / scale};
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(dir.Join("db"), o));
  ASSERT_OK_AND_ASSIGN(PutResult r1, store->Put("llm", base_path, {}));
  EXPECT_EQ(r1.new_raw_bytes, r1.size);

  // Fine-tune: 5 of 50 tensors (10%) get new weights; shapes and header unchanged.
  testing::ModelSpec tuned = base;
  for (int i : {3, 11, 24, 37, 45}) tuned.data[i] = testing::RandomF16(tuned.data[i].size() / 2, 777 + i);
  const std::string tuned_path = dir.Join("tuned.safetensors");
  ASSERT_OK(testing::WriteModel(tuned, tuned_path));
  ASSERT_OK_AND_ASSIGN(PutResult r2, store->Put("llm", tuned_path, {}));
  const double tuned_new = double(r2.new_raw_bytes) / r2.size;
  EXPECT_LE(tuned_new, 0.12) << r2.new_raw_bytes << " new of " << r2.size;
  EXPECT_GE(tuned_new, 0.09) << "the changed tensors themselves must be stored";

  // Shifted: 1,000 bytes inserted 4 KiB into the file.
  std::string base_bytes = strata::testing::ReadTextFile(base_path);
  std::string shifted = base_bytes.substr(0, 4096) + testing::RandomBytes(1000, 5) + base_bytes.substr(4096);
  ASSERT_OK_AND_ASSIGN(PutResult r3, store->PutBytes("llm", shifted, {}));
  const double cdc_reuse = 1.0 - double(r3.new_raw_bytes) / r3.size;
  EXPECT_GE(cdc_reuse, 0.98) << r3.new_raw_bytes << " new of " << r3.size;
  // Fixed 64 KiB blocks would find almost nothing after the insertion point.
  const double fixed_reuse = double(FixedBlockReuse(base_bytes, shifted, 64 << 10)) / shifted.size();
  EXPECT_LE(fixed_reuse, 0.01);
  std::printf("fine-tune new bytes %.2f%%, shifted: CDC reuses %.2f%%, fixed blocks %.2f%%\n", 100 * tuned_new,
              100 * cdc_reuse, 100 * fixed_reuse);

  // Every version loads back byte for byte.
  ASSERT_OK_AND_ASSIGN(auto l2, store->Load("llm", "2"));
  EXPECT_TRUE(l2->view() == strata::testing::ReadTextFile(tuned_path));
  ASSERT_OK_AND_ASSIGN(auto l3, store->Load("llm", "3"));
  EXPECT_TRUE(l3->view() == shifted);
  ASSERT_OK_AND_ASSIGN(StoreStats st, store->Stats());
  EXPECT_LT(st.pack_bytes, st.logical_bytes * 0.45);
}

}  // namespace
}  // namespace strata::artifacts
