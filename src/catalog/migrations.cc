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
    {2, "artifacts: packs, chunks, models, versions, manifests, aliases, loads",
     R"sql(
    CREATE TABLE artifact_packs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      bytes INTEGER NOT NULL,
      created_at INTEGER NOT NULL);
    CREATE TABLE artifact_chunks (
      chunk_id TEXT PRIMARY KEY,
      pack_id INTEGER NOT NULL REFERENCES artifact_packs(id),
      offset INTEGER NOT NULL,
      stored_len INTEGER NOT NULL,
      raw_len INTEGER NOT NULL,
      codec INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX artifact_chunks_by_pack ON artifact_chunks(pack_id, offset);
    CREATE TABLE artifact_models (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL);
    CREATE TABLE model_versions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      model_id INTEGER NOT NULL REFERENCES artifact_models(id),
      version INTEGER NOT NULL CHECK (version >= 1),
      size INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      chunk_count INTEGER NOT NULL,
      meta_json TEXT NOT NULL DEFAULT '{}',
      metrics_json TEXT NOT NULL DEFAULT '{}',
      run_id INTEGER,
      stage TEXT NOT NULL DEFAULT 'staging' CHECK (stage IN ('staging', 'production', 'archived')),
      created_at INTEGER NOT NULL,
      UNIQUE (model_id, version));
    CREATE TABLE model_version_chunks (
      version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      chunk_id TEXT NOT NULL,
      PRIMARY KEY (version_id, seq)) WITHOUT ROWID;
    CREATE INDEX model_version_chunks_by_chunk ON model_version_chunks(chunk_id);
    CREATE TABLE model_aliases (
      model_id INTEGER NOT NULL REFERENCES artifact_models(id),
      alias TEXT NOT NULL,
      version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
      PRIMARY KEY (model_id, alias));
    CREATE TABLE model_loads (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      model TEXT NOT NULL,
      version INTEGER NOT NULL,
      tier TEXT NOT NULL CHECK (tier IN ('ram', 'local', 'cold')),
      bytes INTEGER NOT NULL,
      duration_ns INTEGER NOT NULL,
      started_at INTEGER NOT NULL);
    CREATE INDEX model_loads_by_model ON model_loads(model, version, started_at);
    )sql"},
    {3, "artifacts: model packs in the cold store (where each pack lives, its SHA-256 once archived)",
     R"sql(
    ALTER TABLE artifact_packs ADD COLUMN location TEXT NOT NULL DEFAULT 'local'
      CHECK (location IN ('local', 'both', 'cold'));
    ALTER TABLE artifact_packs ADD COLUMN sha256 TEXT;
    ALTER TABLE artifact_packs ADD COLUMN cold_uri TEXT;
    ALTER TABLE artifact_packs ADD COLUMN archived_at INTEGER;
    CREATE INDEX artifact_packs_by_location ON artifact_packs(location);
    )sql"},
    {4, "table_flush_state: per-table flushed WAL LSN (one-table flushes)",
     R"sql(
    CREATE TABLE table_flush_state (
      table_id INTEGER PRIMARY KEY REFERENCES tables(id),
      flushed_lsn INTEGER NOT NULL);
    )sql"},
    {5, "quarantined_series: a series' rows a flush could not write, kept in a file under quarantine/",
     R"sql(
    CREATE TABLE quarantined_series (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      table_id INTEGER NOT NULL REFERENCES tables(id),
      symbol TEXT NOT NULL,
      min_ts INTEGER NOT NULL,
      max_ts INTEGER NOT NULL,
      row_count INTEGER NOT NULL,
      uri TEXT NOT NULL UNIQUE,
      bytes INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      max_lsn INTEGER NOT NULL,
      reason TEXT NOT NULL,
      created_at INTEGER NOT NULL);
    )sql"},
    {6, "trials: studies, trials (src/trials)",
     R"sql(
    CREATE TABLE studies (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      objectives_json TEXT NOT NULL,
      constraints_json TEXT NOT NULL DEFAULT '[]',
      params_json TEXT NOT NULL DEFAULT '{}',
      metadata_json TEXT NOT NULL DEFAULT '{}',
      next_number INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL);
    CREATE TABLE trials (
      study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      number INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed')),
      params_json TEXT NOT NULL DEFAULT '{}',
      values_json TEXT NOT NULL DEFAULT '[]',
      intermediate_json TEXT NOT NULL DEFAULT '{}',
      user_attrs_json TEXT NOT NULL DEFAULT '{}',
      worker TEXT NOT NULL DEFAULT '',
      run_id INTEGER REFERENCES runs(id),
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      on_front INTEGER NOT NULL DEFAULT 0,
      UNIQUE (study_id, number));
    CREATE INDEX trials_on_front ON trials(study_id, number) WHERE on_front = 1;
    )sql"},
    {7, "state_snapshots: snapshots of live state (order books, ...) in <root>/state/ (src/state)",
     R"sql(
    CREATE TABLE state_snapshots (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      table_id INTEGER NOT NULL REFERENCES tables(id),
      kind TEXT NOT NULL,
      symbol TEXT NOT NULL,
      ts INTEGER NOT NULL,
      events INTEGER NOT NULL,
      uri TEXT NOT NULL UNIQUE,
      bytes INTEGER NOT NULL,
      meta_json TEXT NOT NULL DEFAULT '{}',
      created_at INTEGER NOT NULL);
    CREATE INDEX state_snapshots_by_series ON state_snapshots(table_id, kind, symbol, ts);
    )sql"},
    {8, "wal_archive_segments, backup_schedules: WAL archiving and backup schedules (src/backup)",
     R"sql(
    CREATE TABLE wal_archive_segments (
      first_lsn INTEGER PRIMARY KEY,
      last_lsn INTEGER NOT NULL,
      archive TEXT NOT NULL,
      key TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      archived_at INTEGER NOT NULL);
    CREATE TABLE backup_schedules (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      job TEXT NOT NULL CHECK (job IN ('wal-archive', 'backup', 'verify')),
      every_s INTEGER NOT NULL CHECK (every_s > 0),
      dest TEXT NOT NULL DEFAULT '',
      last_run_at INTEGER,
      last_status TEXT NOT NULL DEFAULT '',
      created_at INTEGER NOT NULL);
    )sql"},
    // SQLite cannot change a CHECK constraint in place: the trials table is rebuilt to admit the
    // 'waiting' state (a trial queued with fixed params, e.g. Optuna's enqueue_trial).
    {9,
     "trials for Optuna (src/trials, python/strata/optuna.py): study user/system attributes; trial state "
     "'waiting', system attributes, param distributions",
     R"sql(
    ALTER TABLE studies ADD COLUMN user_attrs_json TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE studies ADD COLUMN system_attrs_json TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE trials_v9 (
      study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      number INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed')),
      params_json TEXT NOT NULL DEFAULT '{}',
      values_json TEXT NOT NULL DEFAULT '[]',
      intermediate_json TEXT NOT NULL DEFAULT '{}',
      user_attrs_json TEXT NOT NULL DEFAULT '{}',
      worker TEXT NOT NULL DEFAULT '',
      run_id INTEGER REFERENCES runs(id),
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      on_front INTEGER NOT NULL DEFAULT 0,
      system_attrs_json TEXT NOT NULL DEFAULT '{}',
      distributions_json TEXT NOT NULL DEFAULT '{}',
      UNIQUE (study_id, number));
    INSERT INTO trials_v9 (study_id, number, state, params_json, values_json, intermediate_json, user_attrs_json,
                           worker, run_id, started_at, finished_at, on_front)
      SELECT study_id, number, state, params_json, values_json, intermediate_json, user_attrs_json,
             worker, run_id, started_at, finished_at, on_front FROM trials;
    DROP TABLE trials;
    ALTER TABLE trials_v9 RENAME TO trials;
    CREATE INDEX trials_on_front ON trials(study_id, number) WHERE on_front = 1;
    )sql"},
    // Trials keyed by their rowid, id = study_id << 32 | number: one B-tree per insert instead of
    // two (the UNIQUE (study_id, number) index is gone; the key is unique by construction). The
    // state CHECK is a chain of = (an IN list made SQLite build an ephemeral table for every
    // row); study_id no longer REFERENCES studies (TrialStore checks the study in the same
    // transaction and deletes its trials itself; the reference cost a lookup per row and, with
    // no index left on study_id, a scan of all trials per deleted study). Values written from
    // now on are packed little-endian float64 (a BLOB, in objective_values, formerly values_json);
    // older rows keep their JSON array text there, read as before.
    // on_front becomes a bit set: bit 0 the front over all the study's objectives (as before),
    // bit m the front over the subset of objectives whose bit mask is m; studies.fronts_kept says
    // which bits are maintained (1 for older studies: the rest are built on the next write).
    {10, "trials keyed by study_id << 32 | number, fronts over subsets of the objectives kept (src/trials)",
     R"sql(
    ALTER TABLE studies ADD COLUMN fronts_kept INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE trials_v10 (
      id INTEGER PRIMARY KEY,
      study_id INTEGER NOT NULL,
      number INTEGER NOT NULL CHECK (number >= 0 AND number < 4294967296),
      state TEXT NOT NULL CHECK (state = 'complete' OR state = 'running' OR state = 'waiting' OR
                                 state = 'pruned' OR state = 'failed'),
      params_json TEXT NOT NULL DEFAULT '{}',
      objective_values NOT NULL DEFAULT X'',
      intermediate_json TEXT NOT NULL DEFAULT '{}',
      user_attrs_json TEXT NOT NULL DEFAULT '{}',
      worker TEXT NOT NULL DEFAULT '',
      run_id INTEGER REFERENCES runs(id),
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      on_front INTEGER NOT NULL DEFAULT 0,
      system_attrs_json TEXT NOT NULL DEFAULT '{}',
      distributions_json TEXT NOT NULL DEFAULT '{}',
      CHECK (id = (study_id << 32) + number));
    INSERT INTO trials_v10 (id, study_id, number, state, params_json, objective_values, intermediate_json, user_attrs_json,
                            worker, run_id, started_at, finished_at, on_front, system_attrs_json, distributions_json)
      SELECT (study_id << 32) + number, study_id, number, state, params_json, values_json, intermediate_json,
             user_attrs_json, worker, run_id, started_at, finished_at, on_front, system_attrs_json,
             distributions_json FROM trials;
    DROP TABLE trials;
    ALTER TABLE trials_v10 RENAME TO trials;
    CREATE INDEX trials_on_front ON trials(id) WHERE on_front != 0;
    )sql"},
    // A cold file written under a cold_lock_days policy is an immutable archive until then (ns since
    // the epoch; NULL: not locked). The catalog is what enforces it on a local cold directory.
    {11, "files.retain_until: the object lock of a cold file (src/tier, cold_lock_days)",
     R"sql(
    ALTER TABLE files ADD COLUMN retain_until INTEGER;
    )sql"},
};

}  // namespace

std::span<const CatalogMigration> CatalogMigrations() { return kCatalogMigrations; }

}  // namespace strata
