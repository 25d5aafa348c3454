// The payload of a WAL record as the database writes it: which table(s), which rows.
//
// Rows record (kind 1), one table:
//   u8  kind (1 = rows)
//   u32 table id (little-endian)
//   ... the rows, encoded by EncodeBatch (src/wal/batch_codec.h)
//
// Multi-table rows record (kind 2), several tables' batches that are one transaction
// (Database::AppendAtomically): one record, one CRC, so a crash keeps all of them or none.
//   u8  kind (2 = multi rows)
//   u32 part count (>= 1)
//   per part: u32 table id, u64 byte length n, n bytes of EncodeBatch
//
// Timed record (kind 3): a kind 1, 2, 4, 5 or 6 record prefixed by its commit time, the wall clock
// (ns since the epoch) read by the appender just before the record entered the WAL. Point-in-time
// recovery cuts the log at the first record stamped after the target time (doc/wal_format.md).
//   u8  kind (3 = timed)
//   i64 commit time ns (little-endian)
//   ... a kind 1, 2, 4, 5 or 6 record
//
// Schema record (kind 4): Database::AddColumn's commit point (doc/schema_evolution.md). The
// table's whole new schema, so replay needs no earlier record to know it. No rows.
//   u8  kind (4 = schema)
//   u32 table id (little-endian)
//   ... the schema text, as Schema::ToString writes it (the catalog's tables.schema), not empty
//
// Create record (kind 5): Database::CreateTable's commit point (doc/schema_evolution.md). Every
// table the call creates (the table, then the derived bar tables its policy declares), each as the
// catalog's tables row holds it, with the id it has there. No rows.
//   u8  kind (5 = create)
//   u32 table count (>= 1)
//   per table: u32 table id, then four strings, each u32 byte length n and n bytes: the name,
//   the schema text (Schema::ToString), the dedup key (empty: none) and the policy JSON
//
// Policy record (kind 6): Database::SetTablePolicy's commit point. The table's whole policy after
// the change (so replay needs no earlier record to know it), and the derived tables the change
// creates (bar or book-sample tables it declares), as a create record holds them. No rows.
//   u8  kind (6 = policy)
//   u32 table id
//   u32 byte length n, n bytes: the policy JSON (an object)
//   u32 table count (may be 0), then per table as in a create record
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/batch.h"

namespace strata {

inline constexpr uint8_t kWalRowsRecord = 1;
inline constexpr uint8_t kWalMultiRowsRecord = 2;
inline constexpr uint8_t kWalTimedRecord = 3;
inline constexpr uint8_t kWalSchemaRecord = 4;
inline constexpr uint8_t kWalCreateRecord = 5;
inline constexpr uint8_t kWalPolicyRecord = 6;

// With commit_time_ns > 0 the record is a timed record (kind 3) around the rows record.
void EncodeRowsRecord(uint32_t table_id, const RecordBatch& batch, std::string* out, int64_t commit_time_ns = 0);
// REQUIRES: parts is not empty.
void EncodeMultiRowsRecord(const std::vector<std::pair<uint32_t, const RecordBatch*>>& parts, std::string* out,
                           int64_t commit_time_ns = 0);

void EncodeSchemaRecord(uint32_t table_id, const Schema& schema, std::string* out, int64_t commit_time_ns = 0);

// The commit time of a timed record; nullopt for a record without one (kinds 1 and 2, written by
// builds before timed records) or too short to hold one.
std::optional<int64_t> RecordCommitTime(std::string_view payload);

struct RowsRecordHeader {
  uint32_t table_id;
  std::string_view encoded_batch;
};
// Splits a payload into its header and batch bytes; Corruption if it is not a rows record.
Result<RowsRecordHeader> ParseRowsRecord(std::string_view payload);
// Every table's part of a rows record of either kind (one part for kind 1), in stored order; no
// part for a (valid) schema or create record, which hold no rows. Corruption for an unknown kind,
// a truncated part, a part count of 0, bytes after the last part or a damaged schema or create
// record.
Result<std::vector<RowsRecordHeader>> ParseRecordParts(std::string_view payload);

struct SchemaRecord {
  uint32_t table_id;
  Schema schema;
};
// The schema record in a payload (timed or not); nullopt for any other kind (rows records, which
// ParseRecordParts checks). Corruption for a schema record too short to name a table or whose
// schema text does not parse.
Result<std::optional<SchemaRecord>> ParseSchemaRecord(std::string_view payload);

struct CreatedTable {
  uint32_t table_id;
  TableDef def;  // name, schema, dedup key, policy JSON
};
// REQUIRES: tables is not empty.
void EncodeCreateRecord(const std::vector<CreatedTable>& tables, std::string* out, int64_t commit_time_ns = 0);
// The tables of a create record in a payload (timed or not); nullopt for any other kind.
// Corruption for a create record that is cut, has bytes after its last table, a table count of 0,
// or a table whose name, schema or dedup key is not valid (TableDef::Validate).
Result<std::optional<std::vector<CreatedTable>>> ParseCreateRecord(std::string_view payload);

struct PolicyRecord {
  uint32_t table_id = 0;
  std::string policy_json;            // the table's whole policy after the change
  std::vector<CreatedTable> created;  // derived tables the change creates, with their ids
};
void EncodePolicyRecord(const PolicyRecord& rec, std::string* out, int64_t commit_time_ns = 0);
// The policy record in a payload (timed or not); nullopt for any other kind. Corruption for one
// that is cut, whose policy is not a JSON object, or whose tables a create record would refuse.
Result<std::optional<PolicyRecord>> ParsePolicyRecord(std::string_view payload);

}  // namespace strata
