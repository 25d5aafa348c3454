// Feature windows and walk-forward folds.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "strata/state.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kDay = 86'400 * kSec;

// Rows of `symbol` ts = t0 + i * 250 ms, f<k> = i * 10 + k.
RecordBatch Vectors(const Schema& schema, const std::string& symbol, int64_t t0, int from, int to) {
  RecordBatch b(schema);
  for (int i = from; i < to; ++i) {
    b.column(0).AppendInt64(t0 + i * kSec / 4);
    b.column(1).AppendString(symbol);
    for (size_t k = 2; k < schema.num_fields(); ++k) b.column(k).AppendDouble(i * 10.0 + static_cast<double>(k));
  }
  return b;
}

TEST(Features, LatestAndWindowsEqualTheEndOfAFullScanAcrossTiers) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  ASSERT_OK(Database::Init(root, {.fsync = "none"}));
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK_AND_ASSIGN(Schema schema, Schema::Parse("ts:timestamp,symbol:symbol,f0:f64,f1:f64,f2:f64,f3:f64"));
  ASSERT_OK(db->CreateTable({"feats", schema}));
  const int64_t t0 = 1'780'000'000'000'000'000;
  const int rows = testing::Sanitized() ? 400 : 2000;
  // A third cold, a third warm, a third hot.
  ASSERT_OK(db->Append("feats", Vectors(schema, "A", t0, 0, rows / 3)));
  ASSERT_OK(db->Append("feats", Vectors(schema, "B", t0, 0, 10)));
  ASSERT_OK(db->Flush().status());
  MigrateOptions mo;
  mo.all = true;
  ASSERT_OK(db->Migrate(mo).status());
  ASSERT_OK(db->Append("feats", Vectors(schema, "A", t0, rows / 3, 2 * rows / 3)));
  ASSERT_OK(db->Flush().status());
  ASSERT_OK(db->Append("feats", Vectors(schema, "A", t0, 2 * rows / 3, rows)));

  ASSERT_OK_AND_ASSIGN(RecordBatch latest, LatestFeatures(db.get(), "feats", "A"));
  ASSERT_EQ(latest.num_rows(), 1u);
  EXPECT_EQ(latest.column(0).int64s()[0], t0 + (rows - 1) * kSec / 4);
  EXPECT_EQ(latest.column(5).doubles()[0], (rows - 1) * 10.0 + 5);
  EXPECT_TRUE(LatestFeatures(db.get(), "feats", "C").status().IsNotFound());

  ScanRequest all;
  all.table = "feats";
  all.symbols = {"A"};
  ASSERT_OK_AND_ASSIGN(auto batches, db->Scan(all));
  RecordBatch full(schema);
  for (const RecordBatch& b : batches) ASSERT_OK(full.Append(b));
  ASSERT_EQ(full.num_rows(), static_cast<size_t>(rows));
  for (size_t n : {size_t{1}, size_t{60}, static_cast<size_t>(rows / 2), static_cast<size_t>(rows) * 2}) {
    ASSERT_OK_AND_ASSIGN(RecordBatch w, FeatureWindow(db.get(), "feats", "A", n, 0));
    const size_t k = std::min(n, full.num_rows());
    RecordBatch want = full.Slice(full.num_rows() - k, k);
    ASSERT_EQ(w.num_rows(), k);
    for (size_t c = 0; c < want.num_columns(); ++c) EXPECT_TRUE(w.column(c).Equals(want.column(c))) << n << " " << c;
  }
  // 60 s of vectors 250 ms apart ending at the latest: 240 rows (the one exactly 60 s before is out);
  // rows / 4 s reaches back across the hot, warm and cold parts.
  for (int64_t d : {kSec / 4, kSec / 2, 60 * kSec, (rows / 2) * kSec / 4 + 1, kDay}) {
    ASSERT_OK_AND_ASSIGN(RecordBatch w, FeatureWindow(db.get(), "feats", "A", 0, d));
    const int64_t last = full.column(0).int64s()[full.num_rows() - 1];
    size_t first = 0;
    while (full.column(0).int64s()[first] <= last - d) ++first;
    RecordBatch want = full.Slice(first, full.num_rows() - first);
    ASSERT_EQ(w.num_rows(), want.num_rows()) << d;
    for (size_t c = 0; c < want.num_columns(); ++c) EXPECT_TRUE(w.column(c).Equals(want.column(c))) << d << " " << c;
  }
  EXPECT_EQ(FeatureWindow(db.get(), "feats", "A", 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(FeatureWindow(db.get(), "feats", "C", 5, 0).status().IsNotFound());
  EXPECT_TRUE(FeatureWindow(db.get(), "feats", "C", 0, kSec).status().IsNotFound());
  // B's window holds only B's rows.
  ASSERT_OK_AND_ASSIGN(RecordBatch b, FeatureWindow(db.get(), "feats", "B", 0, kDay));
  ASSERT_EQ(b.num_rows(), 10u);
  for (size_t i = 0; i < b.num_rows(); ++i) EXPECT_EQ(b.column(1).GetString(i), "B");

  // Fold scans: the rows of a fold's range, read as one scan, are the rows of a filter over
  // everything (both symbols, every tier).
  ScanRequest every;
  every.table = "feats";
  ASSERT_OK_AND_ASSIGN(auto all_batches, db->Scan(every));
  std::vector<int64_t> all_ts;
  for (const RecordBatch& batch : all_batches) {
    for (int64_t t : batch.column(0).int64s()) all_ts.push_back(t);
  }
  ASSERT_OK_AND_ASSIGN(auto folds, WalkForwardFolds(t0 - kSec, t0 + rows * kSec / 4, 60 * kSec, 20 * kSec, 30 * kSec));
  ASSERT_FALSE(folds.empty());
  for (const Fold& f : folds) {
    for (bool train : {true, false}) {
      const int64_t lo = train ? f.train_from : f.test_from, hi = train ? f.train_to : f.test_to;
      ASSERT_OK_AND_ASSIGN(auto got, db->Scan(FoldScan("feats", f, train)));
      size_t got_rows = 0;
      for (const RecordBatch& batch : got) {
        for (int64_t t : batch.column(0).int64s()) {
          EXPECT_TRUE(t >= lo && t < hi) << f.index;
          ++got_rows;
        }
      }
      const auto want = static_cast<size_t>(
          std::count_if(all_ts.begin(), all_ts.end(), [&](int64_t t) { return t >= lo && t < hi; }));
      EXPECT_EQ(got_rows, want) << "fold " << f.index << (train ? " train" : " test");
    }
  }
}

TEST(Features, WalkForwardFoldsTileTheRange) {
  const int64_t from = 1'780'000'000'000'000'000;
  ASSERT_OK_AND_ASSIGN(auto folds, WalkForwardFolds(from, from + 60 * kDay, 20 * kDay, 5 * kDay, 5 * kDay));
  // Starts 0, 5, ..., 35 days: the fold starting at day 35 tests on days 55..60.
  ASSERT_EQ(folds.size(), 8u);
  for (size_t k = 0; k < folds.size(); ++k) {
    const Fold& f = folds[k];
    EXPECT_EQ(f.index, static_cast<int>(k));
    EXPECT_EQ(f.train_from, from + static_cast<int64_t>(k) * 5 * kDay);
    EXPECT_EQ(f.train_to - f.train_from, 20 * kDay);
    EXPECT_EQ(f.test_from, f.train_to);
    EXPECT_EQ(f.test_to - f.test_from, 5 * kDay);
    EXPECT_LE(f.test_to, from + 60 * kDay);
    ScanRequest test = FoldScan("feats", f, false);
    EXPECT_EQ(test.from_ts, f.test_from);
    EXPECT_EQ(test.to_ts, f.test_to);
  }
  ASSERT_OK_AND_ASSIGN(auto none, WalkForwardFolds(from, from + 10 * kDay, 20 * kDay, 5 * kDay, 5 * kDay));
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(WalkForwardFolds(from, from, kDay, kDay, kDay).ok());
  EXPECT_FALSE(WalkForwardFolds(from, from + kDay, 0, kDay, kDay).ok());
  EXPECT_FALSE(WalkForwardFolds(from, from + kDay, kDay, -1, kDay).ok());
  EXPECT_FALSE(WalkForwardFolds(from, from + kDay, kDay, kDay, 0).ok());
  // Too many folds is an error, not a vector of a billion.
  EXPECT_EQ(WalkForwardFolds(from, from + 60 * kDay, kDay, kDay, 1).status().code(), StatusCode::kInvalidArgument);
  // Ranges wider than INT64_MAX: no overflow.
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  ASSERT_OK_AND_ASSIGN(auto wide, WalkForwardFolds(lo, hi, hi / 2, hi / 2, hi));
  ASSERT_EQ(wide.size(), 2u);
  EXPECT_EQ(wide[1].train_from, lo + hi);
  EXPECT_EQ(wide[1].test_to, lo + hi + 2 * (hi / 2));
}

// Random ranges and lengths against the brute-force list: every start from, from + step, ... whose
// train + test range ends at or before `to`.
TEST(Features, WalkForwardFoldsEqualABruteForceList) {
  std::mt19937_64 rng(20);
  for (int iter = 0; iter < 2000; ++iter) {
    const int64_t from = static_cast<int64_t>(rng() % 1000) - 500;
    const int64_t to = from + 1 + static_cast<int64_t>(rng() % 300);
    const int64_t train = 1 + static_cast<int64_t>(rng() % 100), test = 1 + static_cast<int64_t>(rng() % 50);
    const int64_t step = 1 + static_cast<int64_t>(rng() % 60);
    std::vector<Fold> want;
    for (int64_t s = from; s + train + test <= to; s += step) {
      Fold f;
      f.index = static_cast<int>(want.size());
      f.train_from = s;
      f.train_to = s + train;
      f.test_from = s + train;
      f.test_to = s + train + test;
      want.push_back(f);
    }
    ASSERT_OK_AND_ASSIGN(auto got, WalkForwardFolds(from, to, train, test, step));
    ASSERT_EQ(got.size(), want.size()) << from << " " << to << " " << train << " " << test << " " << step;
    for (size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(got[k].index, want[k].index);
      EXPECT_EQ(got[k].train_from, want[k].train_from);
      EXPECT_EQ(got[k].train_to, want[k].train_to);
      EXPECT_EQ(got[k].test_from, want[k].test_from);
      EXPECT_EQ(got[k].test_to, want[k].test_to);
    }
  }
}

}  // namespace
}  // namespace strata
