#include "catalog/migrations.h"

namespace strata {
namespace {

// Append only; see migrations.h. Times are nanoseconds since the Unix epoch (UTC).
constexpr CatalogMigration kCatalogMigrations[] = {
    {1, "settings, tables, files, wal_state, runs",
     R"sql(
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE tables (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      schema TEXT NOT NULL,
      dedup_key TEXT,
      policy_json TEXT NOT NULL DEFAULT '{}',
      created_at INTEGER NOT NULL);
    CREATE TABLE files (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      table_id INTEGER NOT NULL REFERENCES tables(id),
      tier TEXT NOT NULL CHECK (tier IN ('hot', 'warm', 'cold')),
      uri TEXT NOT NULL,
      symbol TEXT NOT NULL,
      min_ts INTEGER NOT NULL,
      max_ts INTEGER NOT NULL,
      row_count INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      max_lsn INTEGER NOT NULL DEFAULT 0,
      sha256 TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'retired')),
      created_at INTEGER NOT NULL,
      verified_at INTEGER);
    CREATE INDEX files_by_series ON files(table_id, symbol, min_ts);
    CREATE INDEX files_by_tier ON files(tier);
    CREATE UNIQUE INDEX files_by_uri ON files(uri);
    CREATE TABLE wal_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      durable_lsn INTEGER NOT NULL,
      flushed_lsn INTEGER NOT NULL);
    INSERT INTO wal_state VALUES (1, 0, 0);
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      inputs_json TEXT NOT NULL DEFAULT '{}',
      outputs_json TEXT NOT NULL DEFAULT '{}',
      config_json TEXT NOT NULL DEFAULT '{}',
      status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      error TEXT NOT NULL DEFAULT '');
    CREATE INDEX runs_by_kind ON runs(kind, started_at);
    )sql"},
    // Next: {2, "...", R"sql( CREATE TABLE ... )sql"},
};

}  // namespace

std::span<const CatalogMigration> CatalogMigrations() { return kCatalogMigrations; }

}  // namespace strata
