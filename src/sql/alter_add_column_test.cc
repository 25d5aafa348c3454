// ALTER TABLE ... ADD COLUMN (Database::AddColumn, doc/schema_evolution.md): parsing, printing, the
// type names, what is refused, and queries seeing the column at once with NULL for older rows.
#include <gtest/gtest.h>

#include "query/batch_stream.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "sql/printer.h"
#include "strata/database.h"
#include "lake_test_util.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace alter_add_column_test {

TEST(AlterAddColumnParse, ParsesPrintsAndRefusesWhatIsNotSupported) {
  ASSERT_OK_AND_ASSIGN(Statement s, ParseStatement("alter table t add column venue_id bigint null;"));
  EXPECT_EQ(s.kind, StatementKind::kAlterAddColumn);
  EXPECT_EQ(s.table, std::vector<std::string>{"t"});
  EXPECT_EQ(s.columns, std::vector<std::string>{"venue_id"});
  EXPECT_EQ(s.column_type, "bigint");
  ASSERT_OK_AND_ASSIGN(Statement again, ParseStatement(ToSql(s)));
  EXPECT_TRUE(SameStatement(s, again)) << ToSql(s);
  ASSERT_OK_AND_ASSIGN(s, ParseStatement("ALTER TABLE t ADD px DOUBLE PRECISION"));  // COLUMN is optional
  EXPECT_EQ(s.column_type, "double precision");
  for (const char* bad : {"ALTER TABLE t ADD COLUMN c BIGINT NOT NULL", "ALTER TABLE t ADD COLUMN c INT DEFAULT 1",
                          "ALTER TABLE t DROP COLUMN c", "ALTER TABLE t ADD COLUMN IF NOT EXISTS c INT",
                          "ALTER TABLE t ADD COLUMN c"}) {
    EXPECT_FALSE(ParseStatement(bad).ok()) << bad;
  }
}

class AlterAddColumnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    strata::testing::PreferMemoryTmpDir();
    const std::string root = dir_.Join("db");
    ASSERT_OK(Database::Init(root, {.fsync = "none"}));
    ASSERT_OK_AND_ASSIGN(db_, Database::Open(root, strata::testing::TestOptions()));
    ASSERT_OK(db_->CreateTable({"t", *Schema::Parse("ts:timestamp,symbol:symbol,l:i64?"), std::nullopt, "{}"}));
  }
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

TEST_F(AlterAddColumnTest, QueriesSeeTheNewColumnWithNullForOlderRows) {
  ASSERT_OK(Sql("INSERT INTO t VALUES ('2026-03-02T10:00:00Z', 'A', 1)").status());
  ASSERT_OK(db_->Flush().status());
  ASSERT_OK(Sql("INSERT INTO t VALUES ('2026-03-02T10:00:01Z', 'A', 2)").status());
  ASSERT_OK_AND_ASSIGN(std::string r, Sql("ALTER TABLE t ADD COLUMN note VARCHAR"));
  EXPECT_EQ(r, "ALTER TABLE\n");
  ASSERT_OK(Sql("ALTER TABLE t ADD COLUMN ok boolean").status());
  ASSERT_OK(Sql("INSERT INTO t VALUES ('2026-03-02T10:00:02Z', 'A', 3, 'hi', true)").status());
  ASSERT_OK_AND_ASSIGN(r, Sql("SELECT l, note, ok FROM t ORDER BY ts"));
  EXPECT_EQ(r, "1,,\n2,,\n3,hi,true\n");
  ASSERT_OK_AND_ASSIGN(r, Sql("SELECT count(*) FROM t WHERE note IS NULL"));
  EXPECT_EQ(r, "2\n");
  ASSERT_OK_AND_ASSIGN(r, Sql("DESCRIBE t"));
  EXPECT_EQ(r, "ts,timestamp,NO\nsymbol,symbol,NO\nl,i64,YES\nnote,string,YES\nok,bool,YES\n");
  // Refused with the reason: an existing column, a timestamp, an unknown type or table.
  for (const char* bad : {"ALTER TABLE t ADD COLUMN note VARCHAR", "ALTER TABLE t ADD COLUMN t2 TIMESTAMP",
                          "ALTER TABLE t ADD COLUMN x BLOB", "ALTER TABLE nope ADD COLUMN x INT"}) {
    Result<std::string> e = Sql(bad);
    EXPECT_FALSE(e.ok()) << bad;
  }
}

}  // namespace alter_add_column_test
}  // namespace strata::sql
