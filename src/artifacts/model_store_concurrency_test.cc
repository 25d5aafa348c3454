// Loads in several threads while puts, removes and gc run: every load of a live version returns
// the right bytes, verified, even as gc moves its chunks between packs.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "artifacts/artifacts_test_util.h"

namespace strata::artifacts {
namespace {

using strata::testing::TempDir;

TEST(ModelStoreConcurrencyTest, GetsWhilePutAndGcRun) {
  TempDir dir;
  ModelStoreOptions o = testing::SmallStoreOptions();
  o.cache_budget_bytes = 0;  // every load reads the packs
  o.pack_roll_bytes = 1 << 20;
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(dir.path(), o));
  const std::string a1 = testing::RandomBytes(300'000, 1);
  const std::string a2 = a1.substr(0, 100'000) + testing::RandomBytes(50'000, 2) + a1.substr(150'000);
  ASSERT_OK(store->PutBytes("a", a1, {}));
  ASSERT_OK(store->PutBytes("a", a2, {}));

  std::mutex mu;
  std::vector<std::string> errors;
  auto fail = [&](const std::string& e) {
    std::lock_guard lock(mu);
    errors.push_back(e);
  };
  std::atomic<int> writers_done{0};
  std::atomic<bool> puts_done{false};
  std::atomic<int> loads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Readers keep going until both writers are done, and at least 10 loads each.
      for (int i = 0; i < 10 || writers_done.load() < 2; ++i) {
        bool first = (i + t) % 2 == 0;
        auto l = store->Load("a", first ? "1" : "2");
        if (!l.ok()) return fail("load a: " + l.status().ToString());
        if ((*l)->view() != (first ? a1 : a2)) return fail("load a returned wrong bytes");
        loads++;
        // The churned model may be removed under us: NotFound is fine, anything else is not.
        auto b = store->Load("b", "");
        if (!b.ok() && !b.status().IsNotFound()) return fail("load b: " + b.status().ToString());
      }
    });
  }
  threads.emplace_back([&] {
    for (int v = 1; v <= 12; ++v) {
      auto r = store->PutBytes("b", testing::RandomBytes(200'000, 100 + v), {});
      if (!r.ok()) fail("put b: " + r.status().ToString());
      if (v > 1) {
        Status st = store->Remove("b", std::to_string(v - 1));
        if (!st.ok()) fail("rm b: " + st.ToString());
      }
    }
    puts_done = true;
    writers_done++;
  });
  threads.emplace_back([&] {
    uint64_t moved = 0;
    // Runs while the puts and removes go on (so that it moves live chunks under the readers).
    for (int i = 0; i < 3 || !puts_done.load(); ++i) {
      auto g = store->Gc();
      if (!g.ok()) fail("gc: " + g.status().ToString());
      if (g.ok()) moved += g->packs_rewritten;
    }
    if (moved == 0) fail("gc never rewrote a pack: the test did not exercise moves");
    writers_done++;
  });
  for (auto& t : threads) t.join();
  for (const auto& e : errors) ADD_FAILURE() << e;
  EXPECT_GE(loads.load(), 40);
  ASSERT_OK(store->Gc().status());
  ASSERT_OK_AND_ASSIGN(VerifyReport rep, store->Verify());
  EXPECT_OK(rep.ToStatus());
  ASSERT_OK_AND_ASSIGN(StoreStats st, store->Stats());
  EXPECT_EQ(st.versions, 3u);
}

}  // namespace
}  // namespace strata::artifacts
