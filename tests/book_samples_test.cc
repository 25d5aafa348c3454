// Derived book-sample tables (a book table's policy {"book_samples": ["1s"]}, src/tier/derived_bars.h):
// kept by every flush, migration and late row equal to what `strata book --book-snapshots`
// (WriteBookSamples) computes on demand from the same events; readable with `strata query`, SQL and
// as-of joins like any table; and consistent with their source after a crash at any file operation
// of a flush that updates them.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <vector>

#include "bars/book_rows.h"
#include "lake_test_util.h"
#include "state/state_test_util.h"
#include "strata/state.h"
#include "testutil/cli_runner.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::TempDir;

constexpr int64_t kSec = 1'000'000'000;
constexpr size_t kDepth = 3;
const char kPolicy[] = R"({"book_samples":["1s"],"book_depth":3})";

// Rows of a book-sample table by (symbol, ts): every other column (NULL as nullopt).
using SampleRows = std::map<std::pair<std::string, int64_t>, std::vector<std::optional<double>>>;

SampleRows Collect(const std::vector<RecordBatch>& batches) {
  SampleRows out;
  for (const RecordBatch& b : batches) {
    for (size_t i = 0; i < b.num_rows(); ++i) {
      std::vector<std::optional<double>> v;
      for (size_t c = 2; c < b.num_columns(); ++c) {
        v.push_back(b.column(c).IsNull(i) ? std::nullopt : std::optional<double>(b.column(c).doubles()[i]));
      }
      EXPECT_TRUE(out.emplace(std::pair{std::string(b.column(1).GetString(i)), b.column(0).int64s()[i]}, v).second)
          << "two rows at one (symbol, ts)";
    }
  }
  return out;
}

SampleRows ScanTable(Database* db, const std::string& table) {
  ScanRequest req;
  req.table = table;
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  return batches.ok() ? Collect(*batches) : SampleRows{};
}

// What `strata book --book-snapshots 1s --depth 3` computes on demand from `events`: written
// from scratch into a new book table holding just them.
SampleRows OnDemand(Database* db, const std::vector<RecordBatch>& events, int* copies) {
  const std::string table = "ref" + std::to_string((*copies)++);
  EXPECT_OK(db->CreateTable({table, *Schema::Template("book")}));
  for (const RecordBatch& b : events) EXPECT_OK(db->Append(table, b));
  auto r = WriteBookSamples(db, table, kSec, kDepth);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return ScanTable(db, table + "_book_1s");
}

// The samples of the rows of book table `table` in `tiers`, from a scan through the shared kernel.
SampleRows FromScan(Database* db, const std::string& table, std::vector<std::string> tiers) {
  ScanRequest req;
  req.table = table;
  req.tiers = std::move(tiers);
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  auto cols = state::BookColumns::Resolve(table, *Schema::Template("book"));
  EXPECT_TRUE(cols.ok());
  std::map<std::string, RecordBatch> by_symbol;
  for (const RecordBatch& b : *batches) {
    for (size_t i = 0; i < b.num_rows(); ++i) {
      auto [it, fresh] = by_symbol.try_emplace(std::string(b.column(1).GetString(i)), b.fields());
      EXPECT_TRUE(it->second.Append(b.Slice(i, 1)).ok());
    }
  }
  std::vector<RecordBatch> out;
  for (auto& [sym, rows] : by_symbol) {
    state::OrderBook book;
    state::BookSampler sampler(sym, kSec, kDepth);
    for (size_t i = 0; i < rows.num_rows(); ++i) {
      sampler.BeforeEvent(rows.column(0).int64s()[i], book);
      state::ApplyBookRow(&book, rows, i, *cols);
    }
    if (rows.num_rows() > 0) sampler.Finish(book, rows.column(0).int64s()[rows.num_rows() - 1]);
    out.push_back(sampler.TakeRows());
  }
  return Collect(out);
}

class BookSamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::PreferMemoryTmpDir();
    root_ = dir_.Join("db");
    ASSERT_OK(Database::Init(root_, {.fsync = "none"}));
    Reopen();
  }
  void Reopen() {
    db_.reset();
    ASSERT_OK_AND_ASSIGN(db_, Database::Open(root_, testing::TestOptions()));
  }
  void Append(RecordBatch b) {
    ASSERT_OK(db_->Append("l2", b));
    events_.push_back(std::move(b));
  }
  void ExpectEqualsOnDemand(const std::string& when) {
    SCOPED_TRACE(when);
    const SampleRows derived = ScanTable(db_.get(), "l2_book_1s");
    const SampleRows want = OnDemand(db_.get(), events_, &copies_);
    ASSERT_GT(want.size(), 10u);
    EXPECT_EQ(derived.size(), want.size());
    EXPECT_TRUE(derived == want);
    for (const auto& [key, row] : want) {
      auto it = derived.find(key);
      if (it == derived.end()) {
        ADD_FAILURE() << "missing row " << key.first << " " << key.second;
        break;
      }
      if (it->second != row) {
        ADD_FAILURE() << "row " << key.first << " " << key.second << " differs";
        break;
      }
    }
  }

  TempDir dir_;
  std::string root_;
  std::unique_ptr<Database> db_;
  std::vector<RecordBatch> events_;
  int copies_ = 0;
};

// Flushes of a day crossing midnight, of a later day (which closes the earlier day's last
// boundary), a migration to cold, late rows in the first day (which change the book every later
// day starts from), a reopen and a declaration on a table with data: the derived table equals the
// on-demand computation over all the events every time.
TEST_F(BookSamplesTest, DerivedTableEqualsOnDemandAcrossFlushMigrationLateRowsAndReopen) {
  ASSERT_OK(db_->CreateTable({"l2", *Schema::Template("book"), std::nullopt, kPolicy}));
  ASSERT_OK_AND_ASSIGN(TableDef derived, db_->GetTable("l2_book_1s"));
  EXPECT_EQ(derived.schema.num_fields(), 2 + 4 * kDepth + 2);
  std::mt19937_64 rng(31);
  const size_t n = testing::Sanitized() ? 150 : 400;
  const int64_t day0 = testing::kMar2;
  int64_t ts = day0 + testing::kDayNs - 9 * kSec + 123'457;  // 9 s before midnight, not on a second
  Append(state::testing::MakeBookEvents(rng, 3, n, &ts, 61'000'000));
  ASSERT_OK(db_->Flush().status());
  ExpectEqualsOnDemand("first flush, across midnight");

  ts = day0 + 3 * testing::kDayNs + 5 * kSec;  // a later day
  Append(state::testing::MakeBookEvents(rng, 3, n, &ts, 43'000'000));
  ASSERT_OK(db_->Flush().status());
  ExpectEqualsOnDemand("a later day");

  MigrateOptions mo;
  mo.all = true;
  ASSERT_OK(db_->Migrate(mo).status());
  ExpectEqualsOnDemand("after migrating everything to cold");

  ts = day0 + 12 * 3600 * kSec;  // late rows in the middle of the first day
  Append(state::testing::MakeBookEvents(rng, 3, n / 2, &ts, 250'000'000));
  ASSERT_OK_AND_ASSIGN(TierRunResult late, db_->Flush());
  EXPECT_GT(late.bar_days_rebuilt, 0u);
  ExpectEqualsOnDemand("late rows in the first day");

  ts = day0 + 3 * testing::kDayNs + 5 * kSec + static_cast<int64_t>(n) * 43'000'000;  // the newest day goes on
  Append(state::testing::MakeBookEvents(rng, 3, n / 2, &ts, 700'000'000));
  ASSERT_OK(db_->Flush().status());
  Reopen();
  ExpectEqualsOnDemand("reopened");

  // Declared on a table with data: built at once, and the same rows.
  ASSERT_OK(db_->CreateTable({"l2b", *Schema::Template("book")}));
  for (const RecordBatch& b : events_) ASSERT_OK(db_->Append("l2b", b));
  ASSERT_OK(db_->Flush().status());
  ASSERT_OK(db_->SetTablePolicy("l2b", kPolicy));
  EXPECT_TRUE(ScanTable(db_.get(), "l2b_book_1s") == ScanTable(db_.get(), "l2_book_1s"));

  // The on-demand command does not write into a table the flushes keep.
  EXPECT_EQ(WriteBookSamples(db_.get(), "l2", kSec, kDepth).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BookSamplesTest, BadDeclarations) {
  // Not a book table.
  EXPECT_EQ(db_->CreateTable({"t", *Schema::Template("trades"), std::nullopt, kPolicy}).code(),
            StatusCode::kInvalidArgument);
  // An interval that does not divide a day, a depth out of range.
  EXPECT_FALSE(db_->CreateTable({"a", *Schema::Template("book"), std::nullopt, R"({"book_samples":["7s"]})"}).ok());
  EXPECT_FALSE(db_->CreateTable({"b", *Schema::Template("book"), std::nullopt, R"({"book_depth":0})"}).ok());
  EXPECT_FALSE(db_->GetTable("a_book_7s").ok());
}

// `strata table create --book-samples`, then the derived table read with `strata query`, SQL and an
// as-of join of trades against it.
TEST_F(BookSamplesTest, CliDeclaresAndQueriesTheTable) {
  db_.reset();
  auto strata = [&](const std::string& args) { return testing::RunStrata(dir_, "--root " + root_ + " " + args); };
  testing::CliRun r = strata("table create l2 --template book --book-samples 1s --book-depth 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("derived: l2_book_1s"), std::string::npos) << r.out;
  ASSERT_EQ(strata("table create trades --template trades").exit_code, 0);
  Reopen();
  const int64_t t0 = testing::kMar2 + 10 * 3600 * kSec;
  RecordBatch book(*Schema::Template("book"));
  auto level = [&](int64_t at, const char* side, double price, double size) {
    book.column(0).AppendInt64(at);
    book.column(1).AppendString("X");
    book.column(2).AppendString(side);
    book.column(3).AppendDouble(price);
    book.column(4).AppendDouble(size);
    book.column(5).AppendString("update");
  };
  level(t0 + 100'000'000, "bid", 99, 5);     // second 1
  level(t0 + 200'000'000, "ask", 101, 7);    // second 1
  level(t0 + 2'500'000'000, "bid", 100, 2);  // second 3
  level(t0 + 4 * kSec, "ask", 101, 0);       // second 4, on it: removes the ask
  Append(book);
  RecordBatch trades(*Schema::Template("trades"));
  for (int64_t s : {1, 2, 3, 5}) {
    trades.column(0).AppendInt64(t0 + s * kSec + 500'000'000);
    trades.column(1).AppendString("X");
    trades.column(2).AppendDouble(100);
    trades.column(3).AppendInt64(1);
    trades.column(4).AppendInt64(s);
    trades.column(5).AppendString("N");
  }
  ASSERT_OK(db_->Append("trades", trades));
  ASSERT_OK(db_->Flush().status());
  db_.reset();

  r = strata("query l2_book_1s --columns ts,bid_price_1,bid_size_1,ask_price_1,mid --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "ts,bid_price_1,bid_size_1,ask_price_1,mid\n"
            "2026-03-02T10:00:01Z,99,5,101,100\n"
            "2026-03-02T10:00:03Z,100,2,101,100.5\n"
            "2026-03-02T10:00:04Z,100,2,,\n")
      << r.out;
  r = strata("sql \"SELECT count(*) AS n, max(bid_price_1) AS b FROM l2_book_1s\" --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "n,b\n3,100\n") << r.out;
  // Each trade with the book sampled at the latest second at or before it.
  r = strata("query trades --asof l2_book_1s --columns ts,trade_id,bid_price_1,ask_price_1 --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("10:00:01.500Z,1,99,101"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("10:00:02.500Z,2,99,101"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("10:00:03.500Z,3,100,101"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("10:00:05.500Z,5,100,\n"), std::string::npos) << r.out;
  // `strata verify` reads the sample files as it reads any table's.
  r = strata("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The on-demand command points at the table the flushes keep.
  r = strata("book l2 --book-snapshots 1s --depth 3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("kept up to date by every flush"), std::string::npos) << r.err;
}

// A crash at every file operation of a flush that updates book samples (late rows in a day that
// has samples, and a new day): after reopening, the samples equal those of the flushed rows
// (warm + cold), whichever state the crash left, and after the next flush those of all rows. (The
// book table is called "trades": the crash harness checks that table's rows.)
TEST(BookSamplesCrashTest, CrashAtEveryOpOfAFlushThatUpdatesSamples) {
  testing::CrashScenario c;
  c.setup = [](Database* db, std::vector<RecordBatch>* appended) {
    ASSERT_OK(db->CreateTable({"trades", *Schema::Template("book"), std::nullopt, kPolicy}));
    std::mt19937_64 rng(5);
    int64_t ts = testing::kMar2 + testing::kDayNs - 4 * kSec;
    RecordBatch first = state::testing::MakeBookEvents(rng, 1, 80, &ts, 70'000'000);
    ASSERT_OK(db->Append("trades", first));
    appended->push_back(first);
    ASSERT_OK(db->Flush().status());
    ts = testing::kMar2 + testing::kDayNs - 3 * kSec;  // late rows in both days
    RecordBatch late = state::testing::MakeBookEvents(rng, 1, 40, &ts, 90'000'000);
    ASSERT_OK(db->Append("trades", late));
    appended->push_back(late);
  };
  c.min_ops = 6;
  c.run = [](Database* db) -> Status { return db->Flush().status(); };
  c.after_success = [](Database* db) {
    const SampleRows want = FromScan(db, "trades", {});
    EXPECT_GT(want.size(), 5u);
    EXPECT_TRUE(ScanTable(db, "trades_book_1s") == want);
  };
  c.after_crash = [](Database* db, const std::vector<RecordBatch>&) {
    EXPECT_TRUE(ScanTable(db, "trades_book_1s") == FromScan(db, "trades", {"warm", "cold"}));
    ASSERT_OK(db->Flush().status());
    EXPECT_TRUE(ScanTable(db, "trades_book_1s") == FromScan(db, "trades", {}));
  };
  testing::CrashAtEveryOp(c);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
