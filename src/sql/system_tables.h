// System tables: read-only views of the catalog that SQL queries like any table.
//
//   strata_tables  one row per table: schema, dedup key, tier policy, rows/bytes/files per tier
//   strata_files   one row per live warm or cold file: table, tier, path, symbol, ts range, rows, bytes
//   strata_runs    the runs table (lineage): id, kind, status, start and finish times, JSON texts
//   strata_models  one row per model version: name, version, stage, bytes, sha256, aliases, run
//
// A system table is a source that produces its rows as batches when the query runs (a snapshot
// of the catalog at that moment); WHERE, GROUP BY, ORDER BY and the rest are the ordinary
// operators over it. A user table of the same name wins. They are not listed by SHOW TABLES
// (DuckDB and QuestDB list only user tables there; `SELECT * FROM strata_tables` lists them).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/database.h"
#include "strata/query.h"
#include "strata/schema.h"

namespace strata::sql {

struct SystemTable {
  std::string name;
  std::vector<Field> fields;
  std::string description;  // one line
};

// Every system table, by name.
const std::vector<SystemTable>& SystemTables();
// The system table called `name`, or null.
const SystemTable* FindSystemTable(std::string_view name);

// The rows of system table `name` (FindSystemTable must know it), read from `db`'s catalog now.
Result<std::unique_ptr<query::BatchStream>> ScanSystemTable(Database* db, std::string_view name);

}  // namespace strata::sql
