// INSERT on a real database: VALUES and SELECT into a table with every column type, the two-pass
// path of a large INSERT ... SELECT (rows above the spool appended batch by batch), and that a
// failure in any row appends nothing.
#include <gtest/gtest.h>

#include "query/batch_stream.h"
#include "sql/binder.h"
#include "sql/binder_internal.h"
#include "strata/database.h"
#include "lake_test_util.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace {

class InsertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    strata::testing::PreferMemoryTmpDir();
    const std::string root = dir_.Join("db");
    ASSERT_OK(Database::Init(root, {.fsync = "none"}));
    ASSERT_OK_AND_ASSIGN(db_, Database::Open(root, strata::testing::TestOptions()));
    ASSERT_OK(
        db_->CreateTable({"t", *Schema::Parse("ts:timestamp,symbol:symbol,i:i32?,l:i64?,d:f64?,s:string?,b:bool?"),
                          std::nullopt, "{}"}));
  }
  void TearDown() override { internal::SetInsertSpoolRowsForTesting(size_t{1} << 20); }

  Result<std::string> Sql(const std::string& text) {
    ASSIGN_OR_RETURN(auto stream, RunSql(db_.get(), text));
    ASSIGN_OR_RETURN(RecordBatch all, query::Collect(stream.get()));
    std::string out;
    for (size_t r = 0; r < all.num_rows(); ++r) out += all.RowToString(r) + "\n";
    return out;
  }

  strata::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(InsertTest, ValuesConvertAsCsvIngestDoes) {
  ASSERT_OK_AND_ASSIGN(std::string r,
                       Sql("INSERT INTO t VALUES (TIMESTAMP '2026-03-02 10:00:00', 'A', 1, 2, 3, 'x', true), "
                           "('2026-03-02T10:00:01Z', 'A', '-7', 5000000000, 2, NULL, 'f'), "
                           "(1772445602000000000, 'B', NULL, '8', '2.5e1', 's', NULL)"));
  EXPECT_EQ(r, "3,0\n");
  ASSERT_OK_AND_ASSIGN(r, Sql("SELECT * FROM t ORDER BY ts"));
  EXPECT_EQ(r,
            "2026-03-02T10:00:00Z,A,1,2,3,x,true\n"
            "2026-03-02T10:00:01Z,A,-7,5000000000,2,,false\n"
            "2026-03-02T10:00:02Z,B,,8,25,s,\n");
  ASSERT_OK_AND_ASSIGN(r, Sql("SELECT count(i), count(s), count(b) FROM t"));  // the empty ones are NULL
  EXPECT_EQ(r, "2,2,2\n");
  // Refused: a double into an integer column, a number into a string column, an i32 overflow.
  for (const char* bad : {"INSERT INTO t (ts, symbol, i) VALUES ('2026-03-02', 'A', 1.5)",
                          "INSERT INTO t (ts, symbol, s) VALUES ('2026-03-02', 'A', 5)",
                          "INSERT INTO t (ts, symbol, i) VALUES ('2026-03-02', 'A', 3000000000)",
                          "INSERT INTO t (ts, symbol) VALUES ('2026-03-02', '')",
                          "INSERT INTO t (ts, symbol, l) VALUES ('2026-03-02', 'A', l)"}) {
    Result<std::string> e = Sql(bad);
    EXPECT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.status().message().rfind("line 1, column ", 0), 0u) << e.status().ToString();
  }
  ASSERT_OK_AND_ASSIGN(r, Sql("SELECT count(*) FROM t"));
  EXPECT_EQ(r, "3\n");
}

TEST_F(InsertTest, LargeInsertSelectStreamsInTwoPassesAndAFailureAppendsNothing) {
  ASSERT_OK(db_->CreateTable({"src", *Schema::Parse("ts:timestamp,symbol:symbol,v:i64"), std::nullopt, "{}"}));
  RecordBatch b(*Schema::Parse("ts:timestamp,symbol:symbol,v:i64"));
  for (int i = 0; i < 1000; ++i) {
    b.column(0).AppendInt64(1'772'445'600'000'000'000 + i * 1'000'000'000ll);
    b.column(1).AppendString(i % 2 ? "B" : "A");
    b.column(2).AppendInt64(i);
  }
  ASSERT_OK(db_->Append("src", b));
  ASSERT_OK(db_->FlushTable("src"));
  internal::SetInsertSpoolRowsForTesting(64);
  // A string the i32 column refuses in the last rows of B (after every row of A): nothing lands.
  Result<std::string> e =
      Sql("INSERT INTO t (ts, symbol, i) SELECT ts, symbol, CASE WHEN v >= 990 AND symbol = 'B' "
          "THEN 'x' ELSE '1' END FROM src");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("'x' is not an integer"), std::string::npos) << e.status().ToString();
  ASSERT_OK_AND_ASSIGN(std::string r, Sql("SELECT count(*) FROM t"));
  EXPECT_EQ(r, "0\n");
  // The same without the bad rows: every row, in two passes.
  ASSERT_OK_AND_ASSIGN(r, Sql("INSERT INTO t (ts, symbol, l) SELECT ts, symbol, v FROM src"));
  EXPECT_EQ(r, "1000,0\n");
  ASSERT_OK_AND_ASSIGN(r, Sql("SELECT count(*), sum(l), count(DISTINCT symbol) FROM t"));
  EXPECT_EQ(r, "1000,499500,2\n");
}

}  // namespace
}  // namespace strata::sql
