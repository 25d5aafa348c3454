#include "tier/recover_catalog.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "catalog/layout.h"
#include "io/sha256.h"
#include "parquet/parquet_reader.h"
#include "parquet/schema_mapping.h"
#include "strata/timestamp.h"
#include "tier/lake.h"
#include "tier/policy.h"
#include "tier/tier_files.h"

namespace strata::tier {
namespace {

struct Found {
  FileRecord record;  // table_id not yet set
  TierFileMeta meta;
  int64_t seq = 0;
};

Status WalkFiles(FileSystem* fs, const std::string& root, const std::string& rel, std::vector<std::string>* out) {
  ASSIGN_OR_RETURN(auto names, fs->ListDir(JoinPath(root, rel)));
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    const std::string child = rel + "/" + n;
    if (fs->ListDir(JoinPath(root, child)).ok()) {
      RETURN_IF_ERROR(WalkFiles(fs, root, child, out));
    } else {
      out->push_back(child);
    }
  }
  return Status::OK();
}

// Reads one tier file: its metadata, rows, time range, size and hash.
Result<Found> Inspect(std::string data, const std::string& uri, Tier tier, const std::string& path_table) {
  Found f;
  f.record.tier = tier;
  f.record.uri = uri;
  f.record.bytes = static_cast<int64_t>(data.size());
  f.record.sha256 = Sha256Hex(data);
  ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(parquet::MakeStringRangeSource(std::move(data), uri)));
  auto meta = ParseTierFileMeta(reader->metadata());
  if (meta.ok()) {
    f.meta = std::move(*meta);
  } else if (meta.status().code() == StatusCode::kNotFound) {
    // Written before files carried their table: the field list is in every strata file.
    std::string fields;
    for (const parquet::KeyValue& kv : reader->metadata().key_value_metadata) {
      if (kv.key == parquet::kStrataSchemaKey && kv.value) fields = *kv.value;
    }
    if (fields.empty()) return Status::InvalidArgument("not written by strata (no strata metadata in its footer)");
    ASSIGN_OR_RETURN(auto parsed, parquet::ParseFields(fields));
    ASSIGN_OR_RETURN(f.meta.table.schema, Schema::Make(std::move(parsed)));
    f.meta.table.name = path_table;
    f.meta.tier = tier;
  } else {
    return meta.status();
  }
  if (f.meta.table.name != path_table || f.meta.tier != tier) {
    return Status::InvalidArgument("its footer names " + std::string(TierName(f.meta.tier)) + " table " +
                                   f.meta.table.name + ", its path table " + path_table);
  }
  const Schema& schema = f.meta.table.schema;
  if (schema.ts_index() < 0 || schema.symbol_index() < 0) {
    return Status::InvalidArgument("its schema has no timestamp or symbol column");
  }
  parquet::ReadOptions ro;
  ro.columns = {schema.fields()[schema.ts_index()].name, schema.fields()[schema.symbol_index()].name};
  ASSIGN_OR_RETURN(RecordBatch b, reader->Read(ro));
  if (b.num_rows() == 0) return Status::InvalidArgument("it holds no rows");
  int ts_col = -1, sym_col = -1;
  for (size_t i = 0; i < b.fields().size(); ++i) {
    if (b.fields()[i].name == ro.columns[0]) ts_col = static_cast<int>(i);
    if (b.fields()[i].name == ro.columns[1]) sym_col = static_cast<int>(i);
  }
  if (ts_col < 0 || sym_col < 0) return Status::InvalidArgument("its timestamp or symbol column is missing");
  const std::vector<int64_t>& ts = b.column(ts_col).int64s();
  f.record.min_ts = *std::min_element(ts.begin(), ts.end());
  f.record.max_ts = *std::max_element(ts.begin(), ts.end());
  f.record.row_count = reader->num_rows();
  f.record.symbol = f.meta.symbol.empty() ? std::string(b.column(sym_col).GetString(0)) : f.meta.symbol;
  f.meta.symbol = f.record.symbol;
  f.record.max_lsn = f.meta.max_lsn;
  f.seq = PartSeq(uri).value_or(0);
  return f;
}

}  // namespace

Result<RecoverCatalogResult> RecoverCatalog(const RecoverCatalogOptions& options, Catalog* catalog) {
  auto warn = [&](const std::string& m) {
    if (options.on_warning) options.on_warning(m);
  };
  RecoverCatalogResult result;
  std::vector<Found> found;
  auto add = [&](Result<std::string> data, const std::string& uri, Tier tier, const std::string& table) {
    if (options.on_progress) options.on_progress("reading " + uri);
    Result<Found> f = data.ok() ? Inspect(std::move(*data), uri, tier, table) : Result<Found>(data.status());
    if (!f.ok()) {
      warn("left out " + uri + ": " + f.status().message());
      ++result.left_out;
      return;
    }
    found.push_back(std::move(*f));
  };
  ASSIGN_OR_RETURN(bool warm_exists, options.fs->Exists(JoinPath(options.root, layout::kWarmDirName)));
  if (warm_exists) {
    std::vector<std::string> rels;
    RETURN_IF_ERROR(WalkFiles(options.fs, options.root, layout::kWarmDirName, &rels));
    for (const std::string& rel : rels) {
      auto table = WarmPathTable(rel);
      if (!table) continue;  // temporaries and whatever is not a tier file
      add(options.fs->ReadFile(JoinPath(options.root, rel)), rel, Tier::kWarm, *table);
    }
  }
  ASSIGN_OR_RETURN(auto objects, options.cold->List(""));
  for (const ObjectInfo& o : objects) {
    auto table = ColdKeyTable(o.key);
    if (!table) continue;  // the model store's packs, and anything else not a tier file
    std::string uri = options.cold->Uri(o.key);
    if (uri.find("://") == std::string::npos) uri = std::string(layout::kColdDirName) + "/" + o.key;
    add(options.cold->Get(o.key), uri, Tier::kCold, *table);
  }

  // What newer files replace, and all but the newest part of each derived bar series-day.
  std::set<std::string> superseded;
  for (const Found& f : found) superseded.insert(f.meta.replaces.begin(), f.meta.replaces.end());
  std::map<std::tuple<std::string, std::string, int64_t>, const Found*> newest_bars;
  auto derived = [](const Found& f) {
    auto p = TablePolicy::Parse(f.meta.table.policy_json);
    return p.ok() && p->IsDerived();
  };
  // The series-day of a derived file: a book-sample file of day D holds rows in (D, D+1].
  auto day_of = [](const Found& f) {
    auto p = TablePolicy::Parse(f.meta.table.policy_json);
    return DayOf(f.record.min_ts - (p.ok() && p->book_interval ? 1 : 0));
  };
  for (const Found& f : found) {
    if (!derived(f)) continue;
    auto& slot = newest_bars[{f.meta.table.name, f.record.symbol, day_of(f)}];
    if (slot == nullptr || f.seq > slot->seq) slot = &f;
  }
  std::vector<const Found*> keep;
  for (const Found& f : found) {
    bool drop = superseded.count(f.record.uri) > 0;
    if (!drop && derived(f)) drop = newest_bars[{f.meta.table.name, f.record.symbol, day_of(f)}] != &f;
    if (drop) {
      warn("left out " + f.record.uri + ": a newer file replaces it");
      ++result.left_out;
      continue;
    }
    keep.push_back(&f);
  }

  // One definition per table: that of its file with the highest LSN (the newest policy).
  std::map<std::string, const Found*> defs;
  for (const Found* f : keep) {
    auto& d = defs[f->meta.table.name];
    if (d == nullptr || f->meta.max_lsn > d->meta.max_lsn) d = f;
  }
  for (const Found* f : keep) {
    const Found* d = defs[f->meta.table.name];
    if (f->meta.table_id != d->meta.table_id) {
      warn(f->record.uri + " records table id " + std::to_string(f->meta.table_id) + ", other files of " +
           f->meta.table.name + " " + std::to_string(d->meta.table_id) + "; using the latter");
    }
  }
  uint64_t max_all = 0;
  Status st = catalog->InTransaction([&]() -> Status {
    std::map<std::string, int64_t> ids;
    // Tables with a recorded id first, so that the others cannot take one.
    for (bool with_id : {true, false}) {
      for (const auto& [name, f] : defs) {
        if ((f->meta.table_id != 0) != with_id) continue;
        std::optional<int64_t> id;
        if (with_id) id = f->meta.table_id;
        auto info = catalog->CreateTable(f->meta.table, id);
        if (!info.ok()) return info.status().WithContext("recreating table " + name);
        ids[name] = info->id;
        ++result.tables;
      }
    }
    for (int64_t id : options.wal_table_ids) {
      // A table the WAL creates (CreateTable's record) is created by the open that replays it.
      if (!catalog->GetTableById(id).ok() && !options.wal_created_table_ids.count(id)) {
        warn("the write-ahead log holds rows (or an added column) of table id " + std::to_string(id) +
             ", which no file describes; the database will not open until those WAL segments are moved away");
      }
    }
    CatalogChange change;
    std::map<int64_t, uint64_t> table_lsn;
    for (const Found* f : keep) {
      const TableDef& def = defs[f->meta.table.name]->meta.table;
      // Files written before columns were added hold a prefix of the columns (schema_evolution.md).
      if (!IsEarlierSchema(f->meta.table.schema.fields(), def.schema.fields())) {
        warn("left out " + f->record.uri + ": its columns differ from those of table " + def.name);
        ++result.left_out;
        continue;
      }
      FileRecord r = f->record;
      r.table_id = ids[f->meta.table.name];
      table_lsn[r.table_id] = std::max(table_lsn[r.table_id], r.max_lsn);
      max_all = std::max(max_all, r.max_lsn);
      result.rows += static_cast<uint64_t>(r.row_count);
      result.bytes += static_cast<uint64_t>(r.bytes);
      ++result.files;
      change.add.push_back(std::move(r));
    }
    const uint64_t global =
        options.wal_first_lsn ? *options.wal_first_lsn - 1 : std::max(max_all, options.wal_last_lsn);
    change.flushed_lsn = global;
    for (const auto& [id, lsn] : table_lsn) {
      if (lsn > global) change.table_flushed_lsns.emplace_back(id, lsn);
    }
    result.flushed_lsn = global;
    RETURN_IF_ERROR(catalog->Commit(change).status());
    return catalog->SetDurableLsn(std::max(options.wal_last_lsn, global));
  });
  RETURN_IF_ERROR(st);
  return result;
}

}  // namespace strata::tier
