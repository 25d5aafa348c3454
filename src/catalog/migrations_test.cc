#include "catalog/migrations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <vector>

#include "catalog/catalog.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

using ::testing::HasSubstr;

// Migrations as a later module would add them: the shipped list plus its own entries.
std::vector<CatalogMigration> WithExtra(std::vector<CatalogMigration> extra) {
  std::vector<CatalogMigration> all(CatalogMigrations().begin(), CatalogMigrations().end());
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

int Base() { return Catalog::LatestSchemaVersion(); }

// Reads one integer through the catalog's raw connection, inside a transaction as db() requires.
Result<int64_t> QueryInt(Catalog& catalog, const std::string& sql) {
  int64_t value = -1;
  RETURN_IF_ERROR(catalog.InTransaction([&]() -> Status {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(catalog.db(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return Status::Internal(sqlite3_errmsg(catalog.db()));
    }
    if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return Status::OK();
  }));
  return value;
}

TEST(MigrationsTest, ShippedListIsNumberedWithoutGaps) {
  auto list = CatalogMigrations();
  ASSERT_FALSE(list.empty());
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(list[i].name.empty());
    EXPECT_FALSE(list[i].sql.empty());
  }
  EXPECT_EQ(Catalog::LatestSchemaVersion(), static_cast<int>(list.size()));
}

TEST(MigrationsTest, FreshCatalogGetsEveryMigrationOnce) {
  testing::TempDir dir;
  std::string path = dir.Join("c.db");
  auto list = WithExtra({{Base() + 1, "models",
                          "CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT);"
                          "INSERT INTO models(name) VALUES ('seed');"}});
  for (int open = 0; open < 3; ++open) {
    ASSERT_OK_AND_ASSIGN(auto c, Catalog::Open(path, false, list));
    EXPECT_EQ(c->schema_version(), Base() + 1);
    // A second run of the migration would have failed on CREATE TABLE or doubled the row.
    ASSERT_OK_AND_ASSIGN(int64_t rows, QueryInt(*c, "SELECT count(*) FROM models"));
    EXPECT_EQ(rows, 1);
    ASSERT_OK_AND_ASSIGN(int64_t version, QueryInt(*c, "PRAGMA user_version"));
    EXPECT_EQ(version, Base() + 1);
    ASSERT_OK_AND_ASSIGN(int64_t wal_rows, QueryInt(*c, "SELECT count(*) FROM wal_state"));
    EXPECT_EQ(wal_rows, 1);
  }
}

TEST(MigrationsTest, ExistingCatalogGrowsWithoutLosingData) {
  testing::TempDir dir;
  std::string path = dir.Join("c.db");
  {
    ASSERT_OK_AND_ASSIGN(auto c, Catalog::Open(path, false));
    ASSERT_OK(c->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}).status());
  }
  // A newer binary with a scores table that references tables(id).
  auto list = WithExtra({{Base() + 1, "scores",
                          "CREATE TABLE scores (id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL REFERENCES "
                          "tables(id), score REAL);"}});
  ASSERT_OK_AND_ASSIGN(auto c, Catalog::Open(path, false, list));
  EXPECT_EQ(c->schema_version(), Base() + 1);
  ASSERT_OK_AND_ASSIGN(TableInfo t, c->GetTable("trades"));
  // A module owning a migrated table uses db() inside InTransaction; foreign keys are enforced.
  ASSERT_OK(c->InTransaction([&]() -> Status {
    std::string ok = "INSERT INTO scores(table_id, score) VALUES (" + std::to_string(t.id) + ", 0.5)";
    if (sqlite3_exec(c->db(), ok.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Status::Internal(sqlite3_errmsg(c->db()));
    }
    return Status::OK();
  }));
  Status orphan = c->InTransaction([&]() -> Status {
    if (sqlite3_exec(c->db(), "INSERT INTO scores(table_id, score) VALUES (999, 1)", nullptr, nullptr, nullptr) !=
        SQLITE_OK) {
      return Status::InvalidArgument(sqlite3_errmsg(c->db()));
    }
    return Status::OK();
  });
  EXPECT_THAT(orphan.message(), HasSubstr("FOREIGN KEY"));
  ASSERT_OK_AND_ASSIGN(int64_t n, QueryInt(*c, "SELECT count(*) FROM scores"));
  EXPECT_EQ(n, 1);
}

TEST(MigrationsTest, FailedMigrationRollsBackToTheLastWholeVersion) {
  testing::TempDir dir;
  std::string path = dir.Join("c.db");
  auto list = WithExtra({{Base() + 1, "good", "CREATE TABLE good (x INTEGER);"},
                         {Base() + 2, "half-bad", "CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);"}});
  auto failed = Catalog::Open(path, false, list);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("version " + std::to_string(Base() + 2) + " (half-bad)"));
  EXPECT_THAT(failed.status().message(), HasSubstr("nowhere"));
  EXPECT_THAT(failed.status().message(), HasSubstr(path));

  // The earlier migrations stay; the failed one left no trace, so a fixed binary can apply it.
  ASSERT_OK_AND_ASSIGN(auto at_good, Catalog::Open(path, false, WithExtra({{Base() + 1, "good", ""}})));
  EXPECT_EQ(at_good->schema_version(), Base() + 1);
  ASSERT_OK_AND_ASSIGN(int64_t half, QueryInt(*at_good, "SELECT count(*) FROM sqlite_schema WHERE name = 'half'"));
  EXPECT_EQ(half, 0);
  at_good.reset();
  auto fixed = WithExtra({{Base() + 1, "good", ""}, {Base() + 2, "half", "CREATE TABLE half (x INTEGER);"}});
  ASSERT_OK_AND_ASSIGN(auto c, Catalog::Open(path, false, fixed));
  EXPECT_EQ(c->schema_version(), Base() + 2);
}

TEST(MigrationsTest, ReadOnlyOpenNeverMigrates) {
  testing::TempDir dir;
  std::string path = dir.Join("c.db");
  { ASSERT_OK(Catalog::Open(path, false).status()); }
  auto newer = WithExtra({{Base() + 1, "models", "CREATE TABLE models (id INTEGER PRIMARY KEY);"}});
  auto reader = Catalog::Open(path, true, newer);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(reader.status().message(), HasSubstr("older than this strata binary"));
  EXPECT_THAT(reader.status().message(), HasSubstr("open it once for writing"));
  // Still at the old version: the reader changed nothing.
  ASSERT_OK_AND_ASSIGN(auto c, Catalog::Open(path, true));
  EXPECT_EQ(c->schema_version(), Base());
}

TEST(MigrationsTest, RejectsAMisnumberedList) {
  testing::TempDir dir;
  auto list = WithExtra({{Base() + 2, "skips a version", "CREATE TABLE x (y INTEGER);"}});
  auto st = Catalog::Open(dir.Join("c.db"), false, list).status();
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_THAT(st.message(), HasSubstr("out of order"));
}

}  // namespace
}  // namespace strata
