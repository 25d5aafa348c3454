// strata iceberg rebuild [TABLE] / strata iceberg show TABLE
#include <cstdio>

#include "catalog/layout.h"
#include "cli/cli.h"
#include "iceberg/iceberg.h"
#include "objstore/object_store.h"
#include "tier/tier_store.h"

namespace strata::cli {

namespace {

// The catalog, cold store and tier store an IcebergCommitter needs, opened beside a writable
// database (whose lock keeps other writers out meanwhile).
struct IcebergTools {
  std::unique_ptr<Catalog> catalog;
  std::unique_ptr<ObjectStore> cold;
  std::unique_ptr<tier::TierStore> tier;
  std::unique_ptr<iceberg::IcebergCommitter> committer;
};

Result<IcebergTools> OpenIcebergTools(const std::string& root, bool read_only) {
  IcebergTools t;
  ASSIGN_OR_RETURN(t.catalog, Catalog::Open(layout::CatalogPath(root), read_only));
  ASSIGN_OR_RETURN(auto location, t.catalog->GetSetting(layout::kColdLocationSetting));
  FileSystem* fs = DefaultFileSystem();
  if (!location || location->empty()) {
    t.cold = NewLocalObjectStore(fs, layout::ColdDir(root));
  } else {
    auto cold = OpenObjectStore(*location, fs, S3Options{});
    if (!cold.ok()) return cold.status().WithContext("opening the cold tier at " + *location);
    t.cold = std::move(cold).value();
  }
  tier::TierStoreOptions to;
  to.fs = fs;
  to.root = root;
  to.catalog = t.catalog.get();
  to.cold = t.cold.get();
  t.tier = std::make_unique<tier::TierStore>(std::move(to));
  tier::TierStore* ts = t.tier.get();
  t.committer = iceberg::NewDatabaseCommitter(
      fs, root, t.catalog.get(), t.cold.get(), [ts](const FileRecord& f) { return ts->OpenReader(f); },
      [](std::string_view msg) { std::fprintf(stderr, "warning: %.*s\n", static_cast<int>(msg.size()), msg.data()); });
  return t;
}

}  // namespace

void AddIcebergCommands(CLI::App& app, Context* ctx) {
  CLI::App* ice = app.add_subcommand("iceberg", "the tables as Apache Iceberg tables (metadata under <root>/iceberg)");
  ice->require_subcommand(1);
  ice->footer(
      "Every flush, compaction, migration and retention pass commits an Iceberg v2 snapshot of the table's\n"
      "live warm and cold files: <root>/iceberg/<table>/metadata/vN.metadata.json and version-hint.text\n"
      "(on an S3 cold tier: iceberg/<table>/metadata/ in the bucket). The catalog is the source of truth;\n"
      "the metadata is derived from it. See src/iceberg/README.md for Spark, Trino and DuckDB.");

  auto table = std::make_shared<std::string>();
  CLI::App* rebuild = ice->add_subcommand("rebuild", "regenerate the Iceberg metadata from the catalog");
  rebuild->add_option("table", *table, "only this table (default: every table)");
  rebuild->footer(
      "Writes a new metadata version whose one snapshot lists the table's live files as the catalog\n"
      "has them (older snapshots expire); metadata that does not parse is replaced from v1. Repairs\n"
      "what `strata verify` reports as iceberg problems. Takes the writer's lock.\n"
      "Examples:\n"
      "  strata iceberg rebuild\n"
      "  strata iceberg rebuild trades");
  rebuild->callback([ctx, table] {
    Run(ctx, [&]() -> Status {
      // The writer's lock keeps other writers out; no background flush races the rebuild.
      Options options;
      options.process_note = "strata iceberg rebuild";
      options.accept_wal_loss = ctx->accept_wal_loss;
      options.skip_bad_wal_records = ctx->skip_bad_wal_records;
      options.background_flush = false;
      ASSIGN_OR_RETURN(auto db, Database::Open(ctx->root, options));
      ASSIGN_OR_RETURN(IcebergTools t, OpenIcebergTools(ctx->root, false));
      std::vector<TableInfo> tables;
      if (table->empty()) {
        ASSIGN_OR_RETURN(tables, t.catalog->ListTables());
      } else {
        ASSIGN_OR_RETURN(TableInfo info, t.catalog->GetTable(*table));
        tables.push_back(std::move(info));
      }
      for (const TableInfo& info : tables) {
        RETURN_IF_ERROR(t.committer->Rebuild(info).WithContext("rebuilding the Iceberg metadata of " + info.def.name));
        ASSIGN_OR_RETURN(iceberg::IcebergState s, t.committer->ReadState(info.def.name));
        std::printf("%s: v%lld, %lld live files -> %s\n", info.def.name.c_str(), static_cast<long long>(s.version),
                    static_cast<long long>(s.live_files), t.committer->TableLocation(info.def.name).c_str());
      }
      return db->Close();
    });
  });

  auto show_table = std::make_shared<std::string>();
  CLI::App* show = ice->add_subcommand("show", "print where a table's Iceberg metadata is and its current snapshot");
  show->add_option("table", *show_table, "the table")->required();
  show->callback([ctx, show_table] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(IcebergTools t, OpenIcebergTools(ctx->root, true));
      ASSIGN_OR_RETURN(TableInfo info, t.catalog->GetTable(*show_table));
      ASSIGN_OR_RETURN(iceberg::IcebergState s, t.committer->ReadState(info.def.name));
      const std::string loc = t.committer->TableLocation(info.def.name);
      if (!s.exists) {
        std::printf("%s: no Iceberg metadata yet (written at the first flush) at %s\n", info.def.name.c_str(),
                    loc.c_str());
        return Status::OK();
      }
      std::printf(
          "table      %s\nlocation   %s\nmetadata   %s/metadata/v%lld.metadata.json\nsnapshot   %s\nfiles      %lld\n",
          info.def.name.c_str(), loc.c_str(), loc.c_str(), static_cast<long long>(s.version),
          s.snapshot_id ? std::to_string(*s.snapshot_id).c_str() : "(none)", static_cast<long long>(s.live_files));
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
