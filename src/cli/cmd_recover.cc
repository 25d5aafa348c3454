// strata recover-catalog
#include <cstdio>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "cli/cli.h"
#include "db/wal_record.h"
#include "objstore/object_store.h"
#include "tier/recover_catalog.h"
#include "wal/wal.h"

namespace strata::cli {
namespace {

struct RecoverArgs {
  std::string cold;
  std::string fsync = "interval=10";
  uint64_t segment_mb = 64;
};

}  // namespace

void AddRecoverCommand(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<RecoverArgs>();
  CLI::App* cmd = app.add_subcommand("recover-catalog",
                                     "rebuild a lost catalog.db from the warm and cold Parquet files' own metadata");
  cmd->add_option("--cold", args->cold,
                  "where the cold tier lives, as given to `strata init --cold` (default ROOT/cold)");
  cmd->add_option("--fsync", args->fsync, "the fsync policy to record (as for `strata init`)")->capture_default_str();
  cmd->add_option("--wal-segment-mb", args->segment_mb, "roll WAL segments at this size")->capture_default_str();
  cmd->footer(
      "For a database whose catalog.db is gone or destroyed: reads every warm and cold file (each\n"
      "carries its table's definition, symbol and WAL position in its footer) and builds a new catalog\n"
      "from them, atomically; the WAL's rows not yet in files are replayed by the next open. Never\n"
      "overwrites a catalog: move a damaged catalog.db (with catalog.db-wal and -shm) aside first.\n"
      "Lost with the old catalog: run history, verify times and the model store's records.\n"
      "Examples:\n"
      "  strata recover-catalog --root /data/strata\n"
      "  strata recover-catalog --root /data/strata --cold s3://lake/strata --fsync always");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      FileSystem* fs = DefaultFileSystem();
      const std::string path = layout::CatalogPath(ctx->root);
      ASSIGN_OR_RETURN(bool exists, fs->Exists(path));
      if (exists) {
        return Status::AlreadyExists("a catalog exists at " + path +
                                     "; recover-catalog never overwrites one: move it (and catalog.db-wal, "
                                     "catalog.db-shm) aside first if it is damaged");
      }
      ASSIGN_OR_RETURN(bool root_exists, fs->Exists(ctx->root));
      if (!root_exists) return Status::NotFound("no directory " + ctx->root);
      ASSIGN_OR_RETURN(SyncPolicy policy, SyncPolicy::Parse(args->fsync));
      // Keeps a writer out while the catalog is rebuilt (none can open without one anyway).
      ASSIGN_OR_RETURN(auto lock, fs->TryLock(layout::LockPath(ctx->root), "strata recover-catalog"));
      std::unique_ptr<ObjectStore> cold;
      if (args->cold.empty()) {
        cold = NewLocalObjectStore(fs, layout::ColdDir(ctx->root));
      } else {
        auto opened = OpenObjectStore(args->cold, fs, S3Options{});
        if (!opened.ok()) return opened.status().WithContext("opening the cold tier at " + args->cold);
        cold = std::move(opened).value();
      }
      tier::RecoverCatalogOptions options;
      options.fs = fs;
      options.root = ctx->root;
      options.cold = cold.get();
      options.on_warning = [](std::string_view m) {
        std::fprintf(stderr, "strata: warning: %.*s\n", static_cast<int>(m.size()), m.data());
      };
      WalReadOptions ro;
      ro.fs = fs;
      ro.dir = layout::WalDir(ctx->root);
      ro.repair = false;
      auto wal = ReadWal(ro, [&](uint64_t lsn, std::string_view payload) -> Status {
        if (!options.wal_first_lsn) options.wal_first_lsn = lsn;
        if (auto parts = ParseRecordParts(payload); parts.ok()) {
          for (const RowsRecordHeader& rec : *parts) options.wal_table_ids.insert(rec.table_id);
        }
        // A column added (schema record) names its table too: the open applies it to the catalog.
        if (auto schema = ParseSchemaRecord(payload); schema.ok() && *schema) {
          options.wal_table_ids.insert((*schema)->table_id);
        }
        // A table created (create record): the open creates it from the record.
        if (auto created = ParseCreateRecord(payload); created.ok() && *created) {
          for (const CreatedTable& t : **created) options.wal_created_table_ids.insert(t.table_id);
        }
        // A policy changed (policy record): the open applies it, and creates the derived tables it names.
        if (auto policy = ParsePolicyRecord(payload); policy.ok() && *policy) {
          options.wal_table_ids.insert((*policy)->table_id);
          for (const CreatedTable& t : (*policy)->created) options.wal_created_table_ids.insert(t.table_id);
        }
        return Status::OK();
      });
      if (!wal.ok()) return wal.status().WithContext("reading the write-ahead log of " + ctx->root);
      options.wal_last_lsn = wal->last_lsn;
      tier::RecoverCatalogResult result;
      RETURN_IF_ERROR(Catalog::CreateAtomically(fs, path, [&](Catalog* catalog) -> Status {
        ASSIGN_OR_RETURN(result, tier::RecoverCatalog(options, catalog));
        RETURN_IF_ERROR(catalog->PutSetting(layout::kFsyncSetting, policy.ToString()));
        RETURN_IF_ERROR(catalog->PutSetting(layout::kSegmentBytesSetting, std::to_string(args->segment_mb << 20)));
        if (!args->cold.empty()) RETURN_IF_ERROR(catalog->PutSetting(layout::kColdLocationSetting, args->cold));
        return Status::OK();
      }));
      // The model store's records are not in any file footer: say so before someone's gc takes
      // its packs for orphans.
      auto packs = cold->List("models/packs/");
      ASSIGN_OR_RETURN(bool local_models, fs->Exists(JoinPath(ctx->root, layout::kArtifactsDirName)));
      if (local_models || (packs.ok() && !packs->empty())) {
        options.on_warning(
            "the model store's records (models, versions, packs) cannot be recovered from the files; its packs "
            "are left in place under artifacts/ and the cold store's models/packs/. Do not run `strata model gc` "
            "on this database: it would take them for garbage");
      }
      std::printf(
          "recovered catalog %s: %s tables, %s files, %s rows, %s (%s files left out); WAL replay from "
          "LSN %llu\n",
          path.c_str(), WithThousands(result.tables).c_str(), WithThousands(result.files).c_str(),
          WithThousands(result.rows).c_str(), HumanBytes(result.bytes).c_str(), WithThousands(result.left_out).c_str(),
          static_cast<unsigned long long>(result.flushed_lsn + 1));
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
