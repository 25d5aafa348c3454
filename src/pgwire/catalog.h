// What PostgreSQL clients ask the server about itself and its catalog, answered from strata's.
//
// Three mechanisms (src/pgwire/README.md lists every supported form):
// 1. Server functions in ordinary SQL are replaced by constants before binding: version(),
//    current_setting('name'), current_database(), current_schema(), current_user, session_user,
//    pg_backend_pid(), pg_postmaster_start_time() is not (refused as an unknown function).
// 2. Single-table SELECTs over the emulated catalog tables run on strata's own SQL operators over
//    rows made from the catalog: information_schema.tables / columns / schemata, pg_catalog.
//    pg_namespace / pg_class / pg_attribute / pg_type / pg_database / pg_tables (with the
//    functions clients use in them: quote_ident, format_type, pg_table_is_visible,
//    pg_get_userbyid, obj_description/col_description, and casts to regclass/oid/name).
// 3. The query shapes psql sends for \dt, \d and \d NAME (joins and regex operators that strata's
//    SQL does not have) are recognised as shapes and answered directly; other queries over
//    pg_catalog tables strata does not have (pg_index, pg_constraint, pg_policy, pg_inherits,
//    pg_statistic_ext, pg_publication, pg_trigger, pg_extension, ...) return no rows: strata has
//    no indexes, constraints, policies, inheritance, statistics objects, publications, triggers
//    or extensions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sql/ast.h"
#include "strata/query.h"
#include "strata/status.h"

namespace strata::pgwire {

struct ServerInfo {
  std::string server_version = "15.0 (strata)";
  std::string user;
  std::string database;
  int32_t pid = 0;
};

// The value of a run-time setting (SHOW name, current_setting('name')); nullopt when unknown.
std::optional<std::string> SettingValue(std::string_view name, const ServerInfo& info);
// "150000" for "15.0 (strata)".
std::string ServerVersionNum(const ServerInfo& info);

// Replaces server-function calls (mechanism 1) with literals.
void RewriteServerFunctions(sql::Statement* st, const ServerInfo& info);

// Mechanisms 2 and 3: the answer when `sql` is a catalog query, nullopt when it is not (run it
// as ordinary SQL).
std::optional<Result<std::unique_ptr<query::BatchStream>>> AnswerCatalogQuery(Database* db, std::string_view sql,
                                                                              const ServerInfo& info);

// A stream of one row of text columns (SHOW, no-op answers).
std::unique_ptr<query::BatchStream> TextRow(const std::vector<std::string>& names,
                                            const std::vector<std::string>& values);

}  // namespace strata::pgwire
