#include <gtest/gtest.h>

#include "strata/state.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

// The last n rows of a full scan of the series.
RecordBatch FullScanTail(Database* db, const std::string& symbol, size_t n) {
  ScanRequest req;
  req.table = "trades";
  req.symbols = {symbol};
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok());
  RecordBatch all(*Schema::Template("trades"));
  for (const RecordBatch& b : *batches) EXPECT_OK(all.Append(b));
  const size_t k = std::min(n, all.num_rows());
  return all.Slice(all.num_rows() - k, k);
}

void ExpectTailsMatch(Database* db, const std::string& layout) {
  for (const std::string sym : {"S0", "S1", "S2"}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{150}, size_t{2000}, size_t{100000}}) {
      ASSERT_OK_AND_ASSIGN(RecordBatch got, Tail(db, "trades", sym, n));
      RecordBatch want = FullScanTail(db, sym, n);
      ASSERT_EQ(got.num_rows(), want.num_rows()) << layout << " " << sym << " n=" << n;
      for (size_t c = 0; c < want.num_columns(); ++c) {
        ASSERT_TRUE(got.column(c).Equals(want.column(c))) << layout << " " << sym << " n=" << n << " column " << c;
      }
    }
  }
}

TEST(Tail, SameRowsAsTheEndOfAFullScanInEveryTierLayout) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades")}));
  EXPECT_TRUE(Tail(db.get(), "trades", "S0", 5).status().IsNotFound());
  const int64_t day = 86'400'000'000'000;
  const int64_t t0 = 1'780'000'000'000'000'000;
  // Rows 1 ms apart; the parts are days apart, so the windows must grow across empty time.
  ASSERT_OK(db->Append("trades", testing::MakeTrades(3000, 3, t0, 1)));
  ExpectTailsMatch(db.get(), "hot");
  ASSERT_OK(db->Flush().status());
  ExpectTailsMatch(db.get(), "warm");
  MigrateOptions mo;
  mo.all = true;
  ASSERT_OK(db->Migrate(mo).status());
  ExpectTailsMatch(db.get(), "cold");
  ASSERT_OK(db->Append("trades", testing::MakeTrades(1000, 3, t0 + 3 * day, 2)));
  ASSERT_OK(db->Flush().status());
  ASSERT_OK(db->Append("trades", testing::MakeTrades(100, 3, t0 + 9 * day, 3)));
  // An out-of-order arrival and a row tied with the newest ts, in the hot tier.
  ASSERT_OK(db->Append("trades", testing::MakeTrades(50, 3, t0 + 9 * day - 5'000'000, 4)));
  ExpectTailsMatch(db.get(), "cold + warm + hot");
}

}  // namespace
}  // namespace strata
