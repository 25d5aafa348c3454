#include "catalog/statement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "testutil/testutil.h"

namespace strata::sqlite {
namespace {

using ::testing::HasSubstr;

class StatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_OK(Exec(db_, "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL, n INTEGER)", kWhere));
  }
  void TearDown() override { sqlite3_close(db_); }

  static constexpr std::string_view kWhere = "/db/catalog.db";
  sqlite3* db_ = nullptr;
};

TEST(CodeForSqliteTest, MapsTheCodesThatMatter) {
  EXPECT_EQ(CodeForSqlite(SQLITE_OK), StatusCode::kOk);
  EXPECT_EQ(CodeForSqlite(SQLITE_BUSY), StatusCode::kBusy);
  EXPECT_EQ(CodeForSqlite(SQLITE_BUSY_SNAPSHOT), StatusCode::kBusy);
  EXPECT_EQ(CodeForSqlite(SQLITE_LOCKED), StatusCode::kBusy);
  EXPECT_EQ(CodeForSqlite(SQLITE_CORRUPT), StatusCode::kCorruption);
  EXPECT_EQ(CodeForSqlite(SQLITE_NOTADB), StatusCode::kCorruption);
  EXPECT_EQ(CodeForSqlite(SQLITE_FULL), StatusCode::kNoSpace);
  EXPECT_EQ(CodeForSqlite(SQLITE_CONSTRAINT_UNIQUE), StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeForSqlite(SQLITE_CONSTRAINT_PRIMARYKEY), StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeForSqlite(SQLITE_CONSTRAINT_NOTNULL), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeForSqlite(SQLITE_CONSTRAINT_FOREIGNKEY), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeForSqlite(SQLITE_ERROR), StatusCode::kInternal);
  EXPECT_EQ(CodeForSqlite(SQLITE_IOERR_FSYNC), StatusCode::kIOError);
  EXPECT_EQ(CodeForSqlite(SQLITE_READONLY), StatusCode::kIOError);
  EXPECT_EQ(CodeForSqlite(SQLITE_CANTOPEN), StatusCode::kIOError);
}

TEST(CodeForSqliteTest, ErrorMessageNamesPathAndOperation) {
  Status st = SqliteError(SQLITE_FULL, "database or disk is full", "/x/catalog.db", "add files");
  EXPECT_EQ(st.code(), StatusCode::kNoSpace);
  EXPECT_EQ(st.message(), "catalog /x/catalog.db: add files: database or disk is full");
  // An OK code where an error was expected must not turn into success.
  EXPECT_FALSE(SqliteError(SQLITE_OK, "?", "p", "op").ok());
}

TEST_F(StatementTest, BindStepAndRead) {
  Statement ins(db_, "INSERT INTO t(k, v, n) VALUES (?, ?, ?)", kWhere, "insert");
  for (int i = 0; i < 3; ++i) {
    ins.Reset();
    ins.Bind(1, "k" + std::to_string(i));
    ins.Bind(2, std::string_view());  // a null view is '' (NOT NULL holds), never NULL
    ins.Bind(3, i == 1 ? std::optional<int64_t>() : std::optional<int64_t>(i * 10));
    ASSERT_OK(ins.Run());
    EXPECT_EQ(ins.changes(), 1);
    EXPECT_EQ(ins.last_insert_rowid(), i + 1);
  }
  Statement sel(db_, "SELECT k, v, n FROM t ORDER BY k", kWhere, "select");
  std::vector<std::string> keys;
  std::vector<std::optional<int64_t>> ns;
  while (true) {
    ASSERT_OK_AND_ASSIGN(bool row, sel.Step());
    if (!row) break;
    keys.push_back(sel.Text(0));
    EXPECT_EQ(sel.Text(1), "");
    EXPECT_FALSE(sel.IsNull(1));
    ns.push_back(sel.OptionalInt(2));
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"k0", "k1", "k2"}));
  EXPECT_EQ(ns, (std::vector<std::optional<int64_t>>{0, std::nullopt, 20}));
}

TEST_F(StatementTest, ErrorsNamePathAndOperation) {
  Statement bad(db_, "SELECT nope FROM t", kWhere, "read the nope");
  bad.Bind(1, int64_t{1});  // ignored: the prepare error is what gets reported
  auto st = bad.Step().status();
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_THAT(st.message(), HasSubstr("catalog /db/catalog.db: read the nope:"));
  EXPECT_THAT(st.message(), HasSubstr("nope"));
  EXPECT_FALSE(bad.Run().ok());

  Statement ins(db_, "INSERT INTO t(k, v) VALUES (?, ?)", kWhere, "insert k");
  ins.Bind(1, "a");
  ins.Bind(2, "x");
  ASSERT_OK(ins.Run());
  ins.Reset();
  ins.Bind(1, "a");
  ins.Bind(2, "y");
  st = ins.Run();
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(st.message(), HasSubstr("insert k"));
  EXPECT_THAT(st.message(), HasSubstr("UNIQUE"));
  ins.Reset();
  ins.Bind(1, "b");
  ins.BindNull(2);
  EXPECT_EQ(ins.Run().code(), StatusCode::kInvalidArgument);  // NOT NULL

  ins.Reset();
  ins.Bind(7, "out of range");
  st = ins.Run();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("bind parameter 7"));
  ins.Reset();  // clears the bind error
  ins.Bind(1, "c");
  ins.Bind(2, "z");
  EXPECT_OK(ins.Run());
}

TEST_F(StatementTest, RunRejectsAStatementThatReturnsRows) {
  Statement sel(db_, "SELECT 1", kWhere, "not a write");
  Status st = sel.Run();
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_THAT(st.message(), HasSubstr("returned rows"));
  Statement empty(db_, "  -- nothing", kWhere, "empty");
  EXPECT_FALSE(empty.Run().ok());
}

TEST_F(StatementTest, ExecNamesTheFailingStatement) {
  Status st = Exec(db_, "\n  INSERT INTO missing VALUES (1)\n  -- more\n", kWhere);
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_THAT(st.message(), HasSubstr("catalog /db/catalog.db: INSERT INTO missing VALUES (1): no such table"));
  EXPECT_OK(Exec(db_, "INSERT INTO t VALUES ('a', 'b', 1); INSERT INTO t VALUES ('c', 'd', 2)", kWhere));
}

}  // namespace
}  // namespace strata::sqlite
