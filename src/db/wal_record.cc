#include "db/wal_record.h"

#include <cstring>

#include "wal/batch_codec.h"

namespace strata {

namespace {
void PutU32(uint32_t v, std::string* out) {
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian hosts only (x86-64, aarch64)
  out->append(b, 4);
}
void PutTimePrefix(int64_t commit_time_ns, std::string* out) {
  if (commit_time_ns <= 0) return;
  out->push_back(static_cast<char>(kWalTimedRecord));
  char b[8];
  std::memcpy(b, &commit_time_ns, 8);
  out->append(b, 8);
}

// A timed record's inner record; other payloads unchanged.
Result<std::string_view> StripTime(std::string_view payload) {
  if (payload.empty() || static_cast<uint8_t>(payload[0]) != kWalTimedRecord) return payload;
  if (payload.size() < 9 + 5) {
    return Status::Corruption("timed WAL record of " + std::to_string(payload.size()) + " bytes is too short");
  }
  std::string_view inner = payload.substr(9);
  if (static_cast<uint8_t>(inner[0]) == kWalTimedRecord)
    return Status::Corruption("timed WAL record nested in another");
  return inner;
}
}  // namespace

std::optional<int64_t> RecordCommitTime(std::string_view payload) {
  if (payload.size() < 9 || static_cast<uint8_t>(payload[0]) != kWalTimedRecord) return std::nullopt;
  int64_t t;
  std::memcpy(&t, payload.data() + 1, 8);
  return t;
}

void EncodeRowsRecord(uint32_t table_id, const RecordBatch& batch, std::string* out, int64_t commit_time_ns) {
  out->clear();
  PutTimePrefix(commit_time_ns, out);
  out->push_back(static_cast<char>(kWalRowsRecord));
  PutU32(table_id, out);
  EncodeBatch(batch, out);
}

void EncodeSchemaRecord(uint32_t table_id, const Schema& schema, std::string* out, int64_t commit_time_ns) {
  out->clear();
  PutTimePrefix(commit_time_ns, out);
  out->push_back(static_cast<char>(kWalSchemaRecord));
  PutU32(table_id, out);
  out->append(schema.ToString());
}

Result<std::optional<SchemaRecord>> ParseSchemaRecord(std::string_view timed) {
  ASSIGN_OR_RETURN(std::string_view payload, StripTime(timed));
  if (payload.empty() || static_cast<uint8_t>(payload[0]) != kWalSchemaRecord) return std::optional<SchemaRecord>();
  if (payload.size() < 6) {
    return Status::Corruption("schema WAL record of " + std::to_string(payload.size()) + " bytes is too short");
  }
  uint32_t table_id;
  std::memcpy(&table_id, payload.data() + 1, 4);
  auto schema = Schema::Parse(payload.substr(5));
  if (!schema.ok()) {
    return Status::Corruption("schema WAL record of table id " + std::to_string(table_id) +
                              ": unreadable schema: " + schema.status().message());
  }
  return std::optional<SchemaRecord>(SchemaRecord{table_id, std::move(schema).value()});
}

namespace {

// The tables of a create record, and of a policy record (the derived tables it creates).
void PutTables(const std::vector<CreatedTable>& tables, std::string* out) {
  PutU32(static_cast<uint32_t>(tables.size()), out);
  auto put_string = [out](std::string_view s) {
    PutU32(static_cast<uint32_t>(s.size()), out);
    out->append(s);
  };
  for (const CreatedTable& t : tables) {
    PutU32(t.table_id, out);
    put_string(t.def.name);
    put_string(t.def.schema.ToString());
    put_string(t.def.dedup_key.value_or(""));
    put_string(t.def.policy_json);
  }
}

bool TakeU32(std::string_view* rest, uint32_t* v) {
  if (rest->size() < 4) return false;
  std::memcpy(v, rest->data(), 4);
  rest->remove_prefix(4);
  return true;
}

bool TakeString(std::string_view* rest, std::string_view* s) {
  uint32_t n;
  if (!TakeU32(rest, &n) || n > rest->size()) return false;
  *s = rest->substr(0, n);
  rest->remove_prefix(n);
  return true;
}

// A table count and that many tables, which must be all of `rest`; `what` names the record.
Result<std::vector<CreatedTable>> TakeTables(std::string_view rest, const std::string& what) {
  uint32_t count;
  if (!TakeU32(&rest, &count)) return Status::Corruption(what + " is cut before its table count");
  // Each table takes at least 20 bytes (an id and four lengths): refused before allocating.
  if (count > rest.size() / 20) {
    return Status::Corruption(what + " claims " + std::to_string(count) + " tables in " + std::to_string(rest.size()) +
                              " bytes");
  }
  std::vector<CreatedTable> tables;
  tables.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const std::string which = what + ": table " + std::to_string(i + 1) + " of " + std::to_string(count);
    uint32_t id;
    std::string_view name, schema_text, dedup, policy;
    if (!TakeU32(&rest, &id) || !TakeString(&rest, &name) || !TakeString(&rest, &schema_text) ||
        !TakeString(&rest, &dedup) || !TakeString(&rest, &policy)) {
      return Status::Corruption(which + " is cut");
    }
    auto schema = Schema::Parse(schema_text);
    if (!schema.ok()) return Status::Corruption(which + ": unreadable schema: " + schema.status().message());
    CreatedTable t{id, TableDef{std::string(name), std::move(schema).value(), std::nullopt, std::string(policy)}};
    if (!dedup.empty()) t.def.dedup_key = std::string(dedup);
    Status valid = t.def.Validate();
    if (!valid.ok()) return Status::Corruption(which + ": " + valid.message());
    tables.push_back(std::move(t));
  }
  if (!rest.empty()) {
    return Status::Corruption(what + ": " + std::to_string(rest.size()) + " bytes after the last table");
  }
  return tables;
}

}  // namespace

void EncodeCreateRecord(const std::vector<CreatedTable>& tables, std::string* out, int64_t commit_time_ns) {
  out->clear();
  PutTimePrefix(commit_time_ns, out);
  out->push_back(static_cast<char>(kWalCreateRecord));
  PutTables(tables, out);
}

Result<std::optional<std::vector<CreatedTable>>> ParseCreateRecord(std::string_view timed) {
  using Tables = std::optional<std::vector<CreatedTable>>;
  ASSIGN_OR_RETURN(std::string_view payload, StripTime(timed));
  if (payload.empty() || static_cast<uint8_t>(payload[0]) != kWalCreateRecord) return Tables();
  if (payload.size() < 5) {
    return Status::Corruption("create WAL record of " + std::to_string(payload.size()) + " bytes is too short");
  }
  ASSIGN_OR_RETURN(std::vector<CreatedTable> tables, TakeTables(payload.substr(1), "create WAL record"));
  if (tables.empty()) return Status::Corruption("create WAL record with no table");
  return Tables(std::move(tables));
}

void EncodePolicyRecord(const PolicyRecord& rec, std::string* out, int64_t commit_time_ns) {
  out->clear();
  PutTimePrefix(commit_time_ns, out);
  out->push_back(static_cast<char>(kWalPolicyRecord));
  PutU32(rec.table_id, out);
  PutU32(static_cast<uint32_t>(rec.policy_json.size()), out);
  out->append(rec.policy_json);
  PutTables(rec.created, out);
}

Result<std::optional<PolicyRecord>> ParsePolicyRecord(std::string_view timed) {
  ASSIGN_OR_RETURN(std::string_view payload, StripTime(timed));
  if (payload.empty() || static_cast<uint8_t>(payload[0]) != kWalPolicyRecord) return std::optional<PolicyRecord>();
  std::string_view rest = payload.substr(1);
  PolicyRecord rec;
  std::string_view policy;
  if (!TakeU32(&rest, &rec.table_id) || !TakeString(&rest, &policy)) {
    return Status::Corruption("policy WAL record of " + std::to_string(payload.size()) + " bytes is cut");
  }
  const std::string what = "policy WAL record of table id " + std::to_string(rec.table_id);
  if (policy.empty() || policy.front() != '{') {
    return Status::Corruption(what + ": the policy is not a JSON object: '" + std::string(policy.substr(0, 40)) + "'");
  }
  rec.policy_json = std::string(policy);
  ASSIGN_OR_RETURN(rec.created, TakeTables(rest, what));
  return std::optional<PolicyRecord>(std::move(rec));
}

void EncodeMultiRowsRecord(const std::vector<std::pair<uint32_t, const RecordBatch*>>& parts, std::string* out,
                           int64_t commit_time_ns) {
  out->clear();
  size_t total = 5 + 9;
  for (const auto& [id, batch] : parts) total += 12 + EncodedBatchSize(*batch);
  out->reserve(total);
  PutTimePrefix(commit_time_ns, out);
  out->push_back(static_cast<char>(kWalMultiRowsRecord));
  PutU32(static_cast<uint32_t>(parts.size()), out);
  for (const auto& [id, batch] : parts) {
    PutU32(id, out);
    const size_t at = out->size();
    out->append(8, '\0');
    EncodeBatch(*batch, out);
    const uint64_t n = out->size() - at - 8;
    std::memcpy(out->data() + at, &n, 8);
  }
}

Result<RowsRecordHeader> ParseRowsRecord(std::string_view timed) {
  ASSIGN_OR_RETURN(std::string_view payload, StripTime(timed));
  if (payload.size() < 5)
    return Status::Corruption("WAL record of " + std::to_string(payload.size()) + " bytes is too short");
  if (static_cast<uint8_t>(payload[0]) != kWalRowsRecord) {
    return Status::Corruption("unknown WAL record kind " + std::to_string(static_cast<uint8_t>(payload[0])));
  }
  RowsRecordHeader h;
  std::memcpy(&h.table_id, payload.data() + 1, 4);
  h.encoded_batch = payload.substr(5);
  return h;
}

Result<std::vector<RowsRecordHeader>> ParseRecordParts(std::string_view timed) {
  ASSIGN_OR_RETURN(std::string_view payload, StripTime(timed));
  if (payload.size() < 5)
    return Status::Corruption("WAL record of " + std::to_string(payload.size()) + " bytes is too short");
  if (static_cast<uint8_t>(payload[0]) == kWalRowsRecord) {
    ASSIGN_OR_RETURN(RowsRecordHeader h, ParseRowsRecord(payload));
    return std::vector<RowsRecordHeader>{h};
  }
  if (static_cast<uint8_t>(payload[0]) == kWalSchemaRecord) {
    RETURN_IF_ERROR(ParseSchemaRecord(payload).status());
    return std::vector<RowsRecordHeader>{};
  }
  if (static_cast<uint8_t>(payload[0]) == kWalCreateRecord) {
    RETURN_IF_ERROR(ParseCreateRecord(payload).status());
    return std::vector<RowsRecordHeader>{};
  }
  if (static_cast<uint8_t>(payload[0]) == kWalPolicyRecord) {
    RETURN_IF_ERROR(ParsePolicyRecord(payload).status());
    return std::vector<RowsRecordHeader>{};
  }
  if (static_cast<uint8_t>(payload[0]) != kWalMultiRowsRecord) {
    return Status::Corruption("unknown WAL record kind " + std::to_string(static_cast<uint8_t>(payload[0])));
  }
  uint32_t count;
  std::memcpy(&count, payload.data() + 1, 4);
  if (count == 0) return Status::Corruption("multi-table WAL record with no part");
  std::string_view rest = payload.substr(5);
  // Each part takes at least 12 bytes: a count past that is damage, refused before allocating.
  if (count > rest.size() / 12) {
    return Status::Corruption("multi-table WAL record claims " + std::to_string(count) + " parts in " +
                              std::to_string(rest.size()) + " bytes");
  }
  std::vector<RowsRecordHeader> parts;
  parts.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (rest.size() < 12)
      return Status::Corruption("multi-table WAL record: part " + std::to_string(i + 1) + " is cut");
    RowsRecordHeader h;
    uint64_t n;
    std::memcpy(&h.table_id, rest.data(), 4);
    std::memcpy(&n, rest.data() + 4, 8);
    rest.remove_prefix(12);
    if (n > rest.size()) {
      return Status::Corruption("multi-table WAL record: part " + std::to_string(i + 1) + " claims " +
                                std::to_string(n) + " bytes, " + std::to_string(rest.size()) + " remain");
    }
    h.encoded_batch = rest.substr(0, n);
    rest.remove_prefix(n);
    parts.push_back(h);
  }
  if (!rest.empty()) {
    return Status::Corruption("multi-table WAL record: " + std::to_string(rest.size()) + " bytes after the last part");
  }
  return parts;
}

}  // namespace strata
