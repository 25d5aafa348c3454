// Several threads on one Catalog, and two Catalogs (as two processes would) on one file.
// Each test checks a result that only correct serialization produces; none relies on timing.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

constexpr int kThreads = 4;
constexpr int kPerThread = 15;

// Read-modify-write of a counter setting: lost updates show up as a short count.
Status Increment(Catalog& c) {
  return c.InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(auto v, c.GetSetting("counter"));
    int n = v ? std::stoi(*v) : 0;
    return c.PutSetting("counter", std::to_string(n + 1));
  });
}

TEST(CatalogConcurrencyTest, ThreadsShareOneCatalog) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(dir.Join("c.db"), false));
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  std::vector<Status> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kPerThread && errors[i].ok(); ++j) {
        Status st = Increment(*catalog);
        if (st.ok()) {
          CatalogChange c;
          FileRecord f;
          f.table_id = t.id;
          f.uri = "warm/" + std::to_string(i) + "/" + std::to_string(j);
          f.symbol = "S" + std::to_string(i);
          f.min_ts = j;
          f.max_ts = j;
          c.add = {f};
          c.flushed_lsn = static_cast<uint64_t>(j);
          st = catalog->Commit(c).status();
        }
        if (st.ok()) {
          auto run = catalog->BeginRun("flush", "{}", "{}");
          st = run.ok() ? catalog->FinishRun(*run, true, "{}", "") : run.status();
        }
        if (st.ok()) st = catalog->ListFiles({}).status();
        errors[i] = st;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const Status& st : errors) EXPECT_OK(st);
  EXPECT_EQ(**catalog->GetSetting("counter"), std::to_string(kThreads * kPerThread));
  EXPECT_EQ(catalog->ListFiles({})->size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(catalog->ListRuns(std::string("flush"), 0)->size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(CatalogConcurrencyTest, TwoWritersOnOneFileWaitForEachOther) {
  testing::TempDir dir;
  std::string path = dir.Join("c.db");
  ASSERT_OK_AND_ASSIGN(auto a, Catalog::Open(path, false));
  ASSERT_OK_AND_ASSIGN(auto b, Catalog::Open(path, false));
  ASSERT_OK_AND_ASSIGN(auto reader, Catalog::Open(path, true));
  Status err_a, err_b, err_reader;
  // BEGIN IMMEDIATE + busy_timeout: a writer that finds the other's lock waits instead of failing.
  std::thread ta([&] {
    for (int i = 0; i < kPerThread && err_a.ok(); ++i) err_a = Increment(*a);
  });
  std::thread tb([&] {
    for (int i = 0; i < kPerThread && err_b.ok(); ++i) err_b = Increment(*b);
  });
  std::thread tr([&] {
    int last = 0;
    for (int i = 0; i < kPerThread && err_reader.ok(); ++i) {
      auto v = reader->GetSetting("counter");
      if (!v.ok()) {
        err_reader = v.status();
        break;
      }
      int n = *v ? std::stoi(**v) : 0;
      // Commits are seen whole and in order: the counter never goes back.
      if (n < last) err_reader = Status::Internal("counter went back from " + std::to_string(last));
      last = n;
    }
  });
  ta.join();
  tb.join();
  tr.join();
  EXPECT_OK(err_a);
  EXPECT_OK(err_b);
  EXPECT_OK(err_reader);
  EXPECT_EQ(**reader->GetSetting("counter"), std::to_string(2 * kPerThread));
}

TEST(CatalogConcurrencyTest, ConcurrentFirstOpensMigrateOnce) {
  testing::TempDir dir;
  std::string path = dir.Join("c.db");
  std::vector<Status> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto c = Catalog::Open(path, false);
      errors[i] = c.status();
      if (c.ok() && (*c)->schema_version() != Catalog::LatestSchemaVersion()) {
        errors[i] = Status::Internal("opened at version " + std::to_string((*c)->schema_version()));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const Status& st : errors) EXPECT_OK(st);
  ASSERT_OK_AND_ASSIGN(auto c, Catalog::Open(path, false));
  EXPECT_EQ(c->GetWalState()->flushed_lsn, 0u);  // the single wal_state row exists
}

}  // namespace
}  // namespace strata
