// The catalog's schema history: an ordered list of migrations, version N -> SQL.
//
// A catalog file records how many migrations it has applied in `PRAGMA user_version`. Opening
// it for writing applies the missing ones, each in its own transaction together with the
// user_version bump, so a crash leaves the catalog at a whole version, never between two.
//
// How a later module adds its tables (models, artifacts, trials, ...):
//   1. Append one entry to kCatalogMigrations in migrations.cc with the next version number
//      and the CREATE TABLE / CREATE INDEX statements for its tables.
//   2. Never edit or reorder an entry that has been committed: catalogs in the field already
//      ran it. To change a shipped table, append a migration that ALTERs it.
//   3. Reference existing tables by id with REFERENCES (foreign keys are on).
//   4. Reach the tables through Catalog::InTransaction + Catalog::db() (see catalog.h), using
//      sqlite::Statement (statement.h) for the same error messages.
// An older binary refuses a catalog with more migrations than it knows, so a file written
// by a newer strata is never silently misread.
#pragma once

#include <span>
#include <string_view>

namespace strata {

struct CatalogMigration {
  int version;            // 1, 2, 3, ... with no gaps: the user_version after it ran
  std::string_view name;  // what it adds, for error messages
  std::string_view sql;   // one or more statements; runs inside the migration's transaction
};

// Every migration this binary knows, in order.
std::span<const CatalogMigration> CatalogMigrations();

}  // namespace strata
