// strata backup create|list|verify|prune, strata restore
#include <chrono>
#include <cstdio>

#include "backup/backup.h"
#include "cli/cli.h"
#include "strata/timestamp.h"

namespace strata::cli {
namespace {

void PrintStep(std::string_view line) { std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data()); }

struct BackupArgs {
  std::vector<std::string> dests;
  std::string dest, id, target;
  int keep_last = 0, keep_daily = 0;
  int threads = 8;
};

void AddCreate(CLI::App* backup, Context* ctx, std::shared_ptr<BackupArgs> a) {
  CLI::App* cmd = backup->add_subcommand("create", "back the database up into one or more destinations");
  cmd->add_option("dest", a->dests, "a directory or s3://bucket/prefix; several for copies in several places")
      ->required();
  cmd->add_option("--threads", a->threads, "objects copied at once (overlaps fsyncs and S3 round trips)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->footer(
      "A backup is the catalog (a consistent snapshot taken while writers run), every live tier file\n"
      "and model pack it references, and the WAL segments holding the rows acknowledged after the\n"
      "catalog's flushed LSN: restoring it gives every row acknowledged up to the LSN it reports.\n"
      "Objects are stored by SHA-256 under DEST/blobs/ and copied once for all backups, so every\n"
      "backup after the first copies only what is new. The manifest (DEST/backups/<id>.json) is\n"
      "written last: an interrupted backup is never listed; rerunning it copies only what is missing.\n"
      "With several destinations, one failing fails the command (naming it) and the others complete.\n"
      "Examples:\n"
      "  strata backup create /mnt/backup\n"
      "  strata backup create /mnt/backup s3://firm-backups/strata");
  cmd->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      const auto start = std::chrono::steady_clock::now();
      backup::CreateOptions o;
      o.root = ctx->root;
      o.fs = DefaultFileSystem();
      o.progress = PrintStep;
      o.threads = a->threads;
      auto r = backup::CreateBackup(o, a->dests);
      if (!r.ok()) return r.status();
      for (const backup::DestinationResult& d : r->destinations) {
        if (!d.status.ok()) {
          std::printf("%s: FAILED, no backup there (the error below says why)\n", d.dest.c_str());
          continue;
        }
        std::printf("%s: backup %s, %s objects (%s), copied %s objects (%s)\n", d.dest.c_str(), r->manifest.id.c_str(),
                    WithThousands(d.objects).c_str(), HumanBytes(d.bytes).c_str(),
                    WithThousands(d.objects_copied).c_str(), HumanBytes(d.bytes_copied).c_str());
      }
      std::printf("consistent at WAL LSN %s (flushed LSN %s), took %.2f s\n",
                  WithThousands(r->manifest.wal_lsn).c_str(), WithThousands(r->manifest.flushed_lsn).c_str(),
                  SecondsSince(start));
      return r->status();
    });
  });
}

void AddList(CLI::App* backup, Context* ctx, std::shared_ptr<BackupArgs> a) {
  CLI::App* cmd = backup->add_subcommand("list", "list the complete backups in a destination, oldest first");
  cmd->add_option("dest", a->dest, "a directory or s3://bucket/prefix")->required();
  cmd->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto backups, backup::ListBackups(DefaultFileSystem(), a->dest));
      if (backups.empty()) {
        std::printf("no backups in %s\n", a->dest.c_str());
        return Status::OK();
      }
      std::printf("%-26s %-21s %14s %8s %10s\n", "id", "created (UTC)", "wal_lsn", "objects", "size");
      for (const backup::BackupManifest& m : backups) {
        std::printf("%-26s %-21s %14s %8zu %10s\n", m.id.c_str(),
                    FormatTimestamp(m.created_at_ns - m.created_at_ns % kNanosPerSecond).c_str(),
                    WithThousands(m.wal_lsn).c_str(), m.objects.size(), HumanBytes(m.bytes()).c_str());
      }
      return Status::OK();
    });
  });
}

void AddVerify(CLI::App* backup, Context* ctx, std::shared_ptr<BackupArgs> a) {
  CLI::App* cmd = backup->add_subcommand("verify", "re-hash every object the backups reference; exit 1 on any problem");
  cmd->add_option("dest", a->dest, "a directory or s3://bucket/prefix")->required();
  cmd->add_option("--id", a->id, "only this backup");
  cmd->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      const auto start = std::chrono::steady_clock::now();
      std::optional<std::string> id;
      if (!a->id.empty()) id = a->id;
      ASSIGN_OR_RETURN(auto report, backup::VerifyBackups(DefaultFileSystem(), a->dest, id));
      for (const backup::VerifyProblem& p : report.problems) {
        std::printf("backup %s: %s (%s): %s\n", p.backup_id.c_str(), p.path.c_str(), p.blob_key.c_str(),
                    p.what.c_str());
      }
      const double s = SecondsSince(start);
      std::printf(
          "%s backups, %s objects (%s) checked in %.2f s (%.0f MB/s): %s\n", WithThousands(report.backups).c_str(),
          WithThousands(report.blobs_checked).c_str(), HumanBytes(report.bytes_checked).c_str(), s,
          s > 0 ? report.bytes_checked / s / 1e6 : 0.0,
          report.problems.empty() ? "all whole" : (std::to_string(report.problems.size()) + " problems").c_str());
      if (!report.problems.empty()) {
        return Status::Corruption(std::to_string(report.problems.size()) + " objects of backups in " + a->dest +
                                  " are missing or corrupt (listed above)");
      }
      return Status::OK();
    });
  });
}

void AddPrune(CLI::App* backup, Context* ctx, std::shared_ptr<BackupArgs> a) {
  CLI::App* cmd = backup->add_subcommand("prune", "remove old backups and the objects only they need");
  cmd->add_option("dest", a->dest, "a directory or s3://bucket/prefix")->required();
  cmd->add_option("--keep-last", a->keep_last, "keep the newest N backups")->check(CLI::NonNegativeNumber);
  cmd->add_option("--keep-daily", a->keep_daily, "also keep the newest backup of each of the last D days with one")
      ->check(CLI::NonNegativeNumber);
  cmd->footer(
      "Never removes an object a kept backup needs (objects are shared between backups).\n"
      "Example:\n"
      "  strata backup prune /mnt/backup --keep-last 3 --keep-daily 14");
  cmd->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto r, backup::PruneBackups(DefaultFileSystem(), a->dest, a->keep_last, a->keep_daily));
      for (const std::string& id : r.removed) std::printf("removed backup %s\n", id.c_str());
      std::printf("kept %zu backups, removed %zu, freed %s objects (%s)\n", r.kept.size(), r.removed.size(),
                  WithThousands(r.blobs_removed).c_str(), HumanBytes(r.bytes_removed).c_str());
      return Status::OK();
    });
  });
}

}  // namespace

void AddBackupCommands(CLI::App& app, Context* ctx) {
  auto a = std::make_shared<BackupArgs>();
  CLI::App* backup = app.add_subcommand("backup", "back the database up, list, verify and prune backups");
  backup->require_subcommand(1);
  AddCreate(backup, ctx, a);
  AddList(backup, ctx, a);
  AddVerify(backup, ctx, a);
  AddPrune(backup, ctx, a);

  CLI::App* restore = app.add_subcommand("restore", "restore a backup into a new database root");
  restore->add_option("dest", a->dest, "the backup destination (a directory or s3://bucket/prefix)")->required();
  restore->add_option("--target", a->target, "the new root; must not exist or be empty")->required();
  restore->add_option("--id", a->id, "the backup to restore (default: the newest)");
  restore->footer(
      "Every object is fetched and re-hashed before anything is placed: a missing or corrupt one\n"
      "fails the restore and the target stays without a catalog. The restore then opens the\n"
      "restored root once: that replays the backed-up WAL, so it holds every row acknowledged up to\n"
      "the backup's LSN, and writes the tables' Iceberg metadata (derived, not in backups).\n"
      "Example:\n"
      "  strata restore /mnt/backup --target /data/strata-restored && strata --root /data/strata-restored verify");
  restore->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      const auto start = std::chrono::steady_clock::now();
      std::optional<std::string> id;
      if (!a->id.empty()) id = a->id;
      ASSIGN_OR_RETURN(auto r, backup::RestoreBackup(DefaultFileSystem(), a->dest, id, a->target, PrintStep));
      // Backups hold no Iceberg metadata (it is derived from the catalog and names the original
      // root's files): one writer open of the restored root replays the WAL and writes it.
      Options options;
      options.process_note = "strata restore";
      options.background_flush = false;
      ASSIGN_OR_RETURN(auto db, Database::Open(a->target, options));
      RETURN_IF_ERROR(db->Close());
      std::printf("restored backup %s into %s: %s objects (%s), consistent at WAL LSN %s, took %.2f s\n",
                  r.manifest.id.c_str(), a->target.c_str(), WithThousands(r.objects_written).c_str(),
                  HumanBytes(r.bytes_written).c_str(), WithThousands(r.manifest.wal_lsn).c_str(), SecondsSince(start));
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
