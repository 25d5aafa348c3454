// libFuzzer target for WAL recovery and record decoding: ReadWal (both the writer's repairing
// read and the read-only one) on arbitrary segment files, and every payload it delivers through
// ParseRecordParts and DecodeBatch (src/db/wal_record.h, src/wal/batch_codec.h), as the
// database's replay does. Built and run by tools/fuzz.sh (clang, -fsanitize=fuzzer,address,
// undefined); not part of the CMake build.
//
// The first input byte picks a mode:
//   0: the rest is one segment file, as it is;
//   1: the rest is one record payload, given to ParseSchemaRecord, ParseCreateRecord, ParsePolicyRecord,
//   ParseRecordParts and
//      DecodeBatch directly;
//   2: the rest is a list of records [u8 flags][u16 length][payload] that the harness frames
//      with correct CRCs and consecutive LSNs (flags damage a CRC, skip or repeat an LSN, or cut
//      the file), so mutations get past the checksums and reach the reader's sequencing rules
//      and the decoders.
// Oracle beyond the sanitizers: a batch DecodeBatch accepts is valid for its fields and
// encodes back to bytes that decode to an equal batch; a schema record that parses encodes back
// to one with the same table and fields; a create record that parses encodes back to the same bytes.
//
// Seeds: STRATA_FUZZ_WRITE_SEEDS=DIR ./wal_fuzzer writes real segments (WalWriter) and payloads
// (EncodeRowsRecord, EncodeSchemaRecord, EncodeCreateRecord, EncodePolicyRecord) to DIR and exits; tools/fuzz.sh does
// this before each run.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "codec/crc32c.h"
#include "db/wal_record.h"
#include "strata/file_system.h"
#include "wal/batch_codec.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

namespace {

using namespace strata;

std::vector<std::vector<Field>> FieldSets() {
  std::vector<std::vector<Field>> sets;
  for (const char* name : {"trades", "quotes", "bars"}) sets.push_back(Schema::Template(name).value().fields());
  sets.push_back(Schema::Parse("ts:timestamp,symbol:symbol,a:i32?,b:i64?,c:f64?,d:string?,e:bool?").value().fields());
  return sets;
}
const std::vector<std::vector<Field>>& Fields() {
  static const auto* sets = new std::vector<std::vector<Field>>(FieldSets());
  return *sets;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "wal_fuzzer: invariant broken: %s\n", what);
    std::abort();
  }
}

void DecodePayload(std::string_view payload) {
  // A schema record (AddColumn) that parses holds a schema that encodes back to the same record.
  if (auto schema = ParseSchemaRecord(payload); schema.ok() && *schema) {
    std::string again;
    EncodeSchemaRecord((*schema)->table_id, (*schema)->schema, &again);
    auto round = ParseSchemaRecord(again);
    Check(round.ok() && *round && (*round)->table_id == (*schema)->table_id &&
              (*round)->schema.fields() == (*schema)->schema.fields(),
          "a schema record round-trips");
  }
  // A create record (CreateTable) that parses holds valid table definitions and encodes back to
  // one with the same tables.
  if (auto created = ParseCreateRecord(payload); created.ok() && *created) {
    Check(!(*created)->empty(), "a create record names a table");
    for (const CreatedTable& t : **created) Check(t.def.Validate().ok(), "a created table is valid");
    std::string again;
    EncodeCreateRecord(**created, &again);
    auto round = ParseCreateRecord(again);
    bool same = round.ok() && *round && (*round)->size() == (*created)->size();
    for (size_t i = 0; same && i < (*created)->size(); ++i) {
      const CreatedTable &a = (**created)[i], &b = (**round)[i];
      same = a.table_id == b.table_id && a.def.name == b.def.name && a.def.schema.fields() == b.def.schema.fields() &&
             a.def.dedup_key == b.def.dedup_key && a.def.policy_json == b.def.policy_json;
    }
    Check(same, "a create record round-trips");
  }
  // A policy record (SetTablePolicy) that parses encodes back to the same policy and tables.
  if (auto policy = ParsePolicyRecord(payload); policy.ok() && *policy) {
    for (const CreatedTable& t : (*policy)->created) Check(t.def.Validate().ok(), "a derived table is valid");
    std::string again;
    EncodePolicyRecord(**policy, &again);
    auto round = ParsePolicyRecord(again);
    bool same = round.ok() && *round && (*round)->table_id == (*policy)->table_id &&
                (*round)->policy_json == (*policy)->policy_json &&
                (*round)->created.size() == (*policy)->created.size();
    for (size_t i = 0; same && i < (*policy)->created.size(); ++i) {
      const CreatedTable &a = (*policy)->created[i], &b = (*round)->created[i];
      same = a.table_id == b.table_id && a.def.name == b.def.name && a.def.schema.fields() == b.def.schema.fields() &&
             a.def.dedup_key == b.def.dedup_key && a.def.policy_json == b.def.policy_json;
    }
    Check(same, "a policy record round-trips");
  }
  auto parts = ParseRecordParts(payload);
  if (!parts.ok()) return;
  for (const RowsRecordHeader& rec : *parts) {
    Check(rec.encoded_batch.data() >= payload.data() &&
              rec.encoded_batch.data() + rec.encoded_batch.size() <= payload.data() + payload.size(),
          "a record part lies inside the payload");
    const std::vector<Field>& fields = Fields()[rec.table_id % Fields().size()];
    auto batch = DecodeBatch(rec.encoded_batch, fields);
    if (!batch.ok()) continue;
    Check(batch->Validate().ok(), "a decoded batch is valid");
    Check(batch->fields() == fields, "a decoded batch has the fields asked for");
    std::string again;
    EncodeBatch(*batch, &again);
    auto round = DecodeBatch(again, fields);
    Check(round.ok() && round->Equals(*batch), "a decoded batch round-trips");
  }
}

const std::string& WalDir() {
  static const std::string* dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string d = (access("/dev/shm", W_OK) == 0 ? std::string("/dev/shm") : std::string(base ? base : "/tmp")) +
                    "/strata_wal_fuzz_" + std::to_string(getpid());
    return new std::string(d);
  }();
  return *dir;
}

void WriteFile(FileSystem* fs, const std::string& path, std::string_view data) {
  auto f = fs->NewWritableFile(path, OpenMode::kTruncate);
  if (!f.ok() || !(*f)->Append(data).ok() || !(*f)->Close().ok()) {
    std::fprintf(stderr, "wal_fuzzer: cannot write %s\n", path.c_str());
    std::abort();
  }
}

void ReadSegments(const std::vector<std::string>& segments) {
  FileSystem* fs = DefaultFileSystem();
  const std::string& dir = WalDir();
  (void)fs->RemoveAll(dir);
  if (!fs->CreateDirs(dir).ok()) std::abort();
  for (size_t i = 0; i < segments.size(); ++i) {
    WriteFile(fs, dir + "/" + wal_internal::SegmentFileName(i + 1), segments[i]);
  }
  for (bool repair : {false, true}) {
    WalReadOptions o;
    o.fs = fs;
    o.dir = dir;
    o.repair = repair;
    uint64_t last = 0;
    auto r = ReadWal(o, [&](uint64_t lsn, std::string_view payload) {
      Check(lsn > last, "LSNs delivered in increasing order");
      last = lsn;
      DecodePayload(payload);
      return Status::OK();
    });
    if (r.ok()) Check(r->last_lsn >= last, "last_lsn covers every delivered record");
  }
  // After a successful repair the log reads clean, with the same records.
  WalReadOptions o;
  o.fs = fs;
  o.dir = dir;
  uint64_t first_count = 0;
  auto first = ReadWal(o, [&](uint64_t, std::string_view) {
    ++first_count;
    return Status::OK();
  });
  if (first.ok()) {
    Check(first->warnings.empty(), "a repaired log reads without warnings");
    uint64_t second_count = 0;
    auto second = ReadWal(o, [&](uint64_t, std::string_view) {
      ++second_count;
      return Status::OK();
    });
    Check(second.ok() && second_count == first_count, "reading a repaired log again gives the same records");
  }
}

// Mode 2: frame the records described by `in` with correct CRCs.
std::vector<std::string> FrameRecords(std::string_view in) {
  std::vector<std::string> segments(1);
  uint64_t lsn = 1;
  char header[wal_internal::kSegmentHeaderSize];
  wal_internal::EncodeSegmentHeader(lsn, header);
  segments.back().assign(header, sizeof header);
  while (in.size() >= 3) {
    uint8_t flags = static_cast<uint8_t>(in[0]);
    size_t len = static_cast<uint8_t>(in[1]) | (size_t{static_cast<uint8_t>(in[2])} << 8);
    in.remove_prefix(3);
    len = std::min(len, in.size());
    std::string_view payload = in.substr(0, len);
    in.remove_prefix(len);
    if (flags & 0x10) {  // start a new segment here
      segments.emplace_back();
      wal_internal::EncodeSegmentHeader((flags & 0x20) ? lsn + 1 : lsn, header);
      segments.back().assign(header, sizeof header);
    }
    uint64_t rec_lsn = (flags & 0x01) ? lsn + 1 : (flags & 0x02) ? lsn - 1 : lsn;
    uint32_t crc = Crc32c(payload.data(), payload.size());
    if (flags & 0x04) crc ^= 1;
    char rh[wal_internal::kRecordHeaderSize];
    wal_internal::EncodeRecordHeader(static_cast<uint32_t>(payload.size()), rec_lsn, crc, rh);
    std::string& seg = segments.back();
    seg.append(rh, sizeof rh);
    seg.append(payload);
    if (flags & 0x08) seg.resize(seg.size() - std::min<size_t>(seg.size(), 1 + (flags >> 6) * 7));
    lsn = rec_lsn + 1;
  }
  return segments;
}

RecordBatch SampleBatch(size_t set, size_t rows) {
  const std::vector<Field>& fields = Fields()[set];
  RecordBatch b(fields);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < fields.size(); ++c) {
      Column& col = b.column(c);
      if (fields[c].nullable && r % 3 == 1) {
        col.AppendNull();
        continue;
      }
      switch (fields[c].type) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64: col.AppendInt64(1'700'000'000'000'000'000 + static_cast<int64_t>(r) * 1000); break;
        case ColumnType::kInt32: col.AppendInt32(static_cast<int32_t>(r) - 5); break;
        case ColumnType::kFloat64:
        case ColumnType::kFloat32: col.AppendDouble(100.25 + static_cast<double>(r)); break;  // exact floats
        case ColumnType::kBool: col.AppendBool(r % 2 == 0); break;
        case ColumnType::kSymbol: col.AppendString(r % 2 ? "AAPL" : "MSFT"); break;
        case ColumnType::kString: col.AppendString(std::string(r % 4, 'x')); break;
      }
    }
  }
  return b;
}

void WriteSeeds(const std::string& out) {
  FileSystem* fs = DefaultFileSystem();
  if (!fs->CreateDirs(out).ok()) std::abort();
  std::string dir = out + "/wal_tmp";
  (void)fs->RemoveAll(dir);
  WalOptions wo;
  wo.fs = fs;
  wo.dir = dir;
  wo.sync.mode = FsyncMode::kNone;
  auto writer = WalWriter::Open(wo, 1);
  if (!writer.ok()) std::abort();
  std::string framed = std::string(1, '\2');
  for (size_t set = 0; set < Fields().size(); ++set) {
    for (size_t rows : {0, 1, 3}) {
      std::string payload;
      EncodeRowsRecord(static_cast<uint32_t>(set), SampleBatch(set, rows), &payload);
      WriteFile(fs, out + "/payload-" + std::to_string(set) + "-" + std::to_string(rows),
                std::string(1, '\1') + payload);
      if (!(*writer)->Append(payload).ok()) std::abort();
      if (payload.size() < 65536) {
        framed.push_back('\0');
        framed.push_back(static_cast<char>(payload.size() & 0xff));
        framed.push_back(static_cast<char>(payload.size() >> 8));
        framed += payload;
      }
    }
  }
  {
    const RecordBatch a = SampleBatch(0, 2), b = SampleBatch(3, 3);
    std::string payload;
    EncodeMultiRowsRecord({{0, &a}, {3, &b}}, &payload);
    WriteFile(fs, out + "/payload-multi", std::string(1, '\1') + payload);
    if (!(*writer)->Append(payload).ok()) std::abort();
  }
  {
    std::string payload;
    EncodeSchemaRecord(3, Schema::Make(Fields()[3]).value(), &payload, /*commit_time_ns=*/1);
    WriteFile(fs, out + "/payload-schema", std::string(1, '\1') + payload);
    if (!(*writer)->Append(payload).ok()) std::abort();
  }
  {
    std::string payload;
    EncodeCreateRecord({{4, TableDef{"t4", Schema::Make(Fields()[3]).value(), std::string("a"), "{}"}},
                        {5, TableDef{"t4_bars_1m", Schema::Template("bars").value(), std::nullopt, R"({"x":1})"}}},
                       &payload, /*commit_time_ns=*/1);
    WriteFile(fs, out + "/payload-create", std::string(1, '\1') + payload);
    if (!(*writer)->Append(payload).ok()) std::abort();
  }
  {
    std::string payload;
    EncodePolicyRecord(
        {4, R"({"bars":["1m"]})", {{5, TableDef{"t4_bars_1m", Schema::Template("bars").value(), std::nullopt, "{}"}}}},
        &payload, /*commit_time_ns=*/1);
    WriteFile(fs, out + "/payload-policy", std::string(1, '\1') + payload);
    if (!(*writer)->Append(payload).ok()) std::abort();
  }
  if (!(*writer)->Close().ok()) std::abort();
  auto segs = wal_internal::ListSegments(fs, dir);
  if (!segs.ok() || segs->empty()) std::abort();
  auto seg = fs->ReadFile(segs->back().path);
  if (!seg.ok()) std::abort();
  WriteFile(fs, out + "/segment", std::string(1, '\0') + *seg);
  WriteFile(fs, out + "/framed", framed);
  (void)fs->RemoveAll(dir);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* out = std::getenv("STRATA_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(out);
    std::exit(0);
  }
  std::atexit([] { (void)DefaultFileSystem()->RemoveAll(WalDir()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: ReadSegments({std::string(rest)}); break;
    case 1: DecodePayload(rest); break;
    default: ReadSegments(FrameRecords(rest)); break;
  }
  return 0;
}
