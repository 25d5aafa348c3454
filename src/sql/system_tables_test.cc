// System tables bind like tables (their columns, errors listing them; a user table of the same
// name wins) and read the catalog of a real database when the query runs.
#include "sql/system_tables.h"

#include <gtest/gtest.h>

#include "lake_test_util.h"
#include "query/batch_stream.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace {

Result<BoundSelect> Bind(const std::string& text, bool user_table_named_strata_files = false) {
  ASSIGN_OR_RETURN(Statement st, ParseStatement(text));
  TableLookup lookup = [&](std::string_view name) -> Result<TableDef> {
    if (user_table_named_strata_files && name == "strata_files") {
      TableDef def;
      def.name = "strata_files";
      def.schema = *Schema::Parse("ts:timestamp,symbol:symbol,x:i64");
      return def;
    }
    return Status::NotFound("no table");
  };
  return BindSelect(*st.query, lookup);
}

TEST(SystemTablesTest, BindAsSourcesWithTheirColumns) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, Bind("SELECT tier, count(*), sum(rows) FROM strata_files WHERE rows > 5 "
                                           "GROUP BY tier ORDER BY 1"));
  EXPECT_EQ(b.system_table, "strata_files");
  EXPECT_FALSE(b.from_table);
  EXPECT_TRUE(b.aggregate);
  Result<BoundSelect> bad = Bind("SELECT nme FROM strata_tables");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(
      bad.status().message().rfind("line 1, column 8: no column 'nme' in strata_tables (columns: name, columns,", 0),
      0u)
      << bad.status().ToString();
  ASSERT_OK_AND_ASSIGN(b, Bind("SELECT x FROM strata_files", /*user_table_named_strata_files=*/true));
  EXPECT_TRUE(b.system_table.empty());
  EXPECT_TRUE(b.from_table);
  for (const SystemTable& t : SystemTables()) {
    EXPECT_EQ(FindSystemTable(t.name), &t);
    EXPECT_FALSE(t.fields.empty());
  }
  EXPECT_EQ(FindSystemTable("strata_nothing"), nullptr);
}

TEST(SystemTablesTest, RowsComeFromTheCatalog) {
  strata::testing::PreferMemoryTmpDir();
  strata::testing::TempDir dir;
  const std::string root = dir.Join("db");
  ASSERT_OK(Database::Init(root, {.fsync = "none"}));
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, strata::testing::TestOptions()));
  ASSERT_OK(db->CreateTable({"t", *Schema::Parse("ts:timestamp,symbol:symbol,v:i64"), std::string("v"), "{}"}));
  RecordBatch b(*Schema::Parse("ts:timestamp,symbol:symbol,v:i64"));
  for (int i = 0; i < 10; ++i) {
    b.column(0).AppendInt64(1'772'445'600'000'000'000 + i);
    b.column(1).AppendString(i < 4 ? "A" : "B");
    b.column(2).AppendInt64(i);
  }
  ASSERT_OK(db->Append("t", b));
  ASSERT_OK(db->Flush());
  ASSERT_OK(db->Append("t", b.Slice(0, 3)));  // hot rows too (duplicates of stored ones)
  auto rows = [&](const std::string& sql) -> std::string {
    auto stream = RunSql(db.get(), sql);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    if (!stream.ok()) return "";
    auto all = query::Collect(stream->get());
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    std::string out;
    for (size_t r = 0; all.ok() && r < all->num_rows(); ++r) out += all->RowToString(r) + "\n";
    return out;
  };
  EXPECT_EQ(rows("SELECT table_name, tier, symbol, rows, min_ts <= max_ts FROM strata_files ORDER BY symbol"),
            "t,warm,A,4,true\nt,warm,B,6,true\n");
  EXPECT_EQ(rows("SELECT name, dedup_key, hot_rows, warm_rows, cold_rows, warm_files FROM strata_tables"),
            "t,v,3,10,0,2\n");
  EXPECT_EQ(rows("SELECT kind, status FROM strata_runs WHERE kind = 'flush'"), "flush,ok\n");
  EXPECT_EQ(rows("SELECT count(*) FROM strata_models"), "0\n");
}

}  // namespace
}  // namespace strata::sql
