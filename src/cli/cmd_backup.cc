// strata backup create|list|verify|prune, strata restore
#include <chrono>
#include <cstdio>

#include "backup/backup.h"
#include "backup/wal_archive.h"
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
  std::string to_lsn, to_time, wal_archive;
  std::string job, every, sched_dest;
  int64_t sched_id = 0;
};

// "90", "90s", "5m", "1h", "1d" -> seconds; 0 for anything else.
int64_t ParseEvery(const std::string& text) {
  if (text.empty()) return 0;
  size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (...) {
    return 0;
  }
  const std::string unit = text.substr(used);
  const int64_t mult = unit.empty() || unit == "s" ? 1
                       : unit == "m"               ? 60
                       : unit == "h"               ? 3600
                       : unit == "d"               ? 86400
                                                   : 0;
  return n > 0 ? n * mult : 0;
}

void AddSchedule(CLI::App* backup, Context* ctx, std::shared_ptr<BackupArgs> a) {
  CLI::App* sched = backup->add_subcommand("schedule", "backup and WAL archiving policies run by maintain and serve");
  sched->require_subcommand(1);
  sched->footer(
      "Policies are stored in the catalog. `strata maintain` (cron) and `strata serve` (every\n"
      "--maintain-every seconds) run each one that is due, once per pass; each run is a `runs` row\n"
      "(kind backup-schedule). Examples:\n"
      "  strata backup schedule add --job wal-archive --every 5m\n"
      "  strata backup schedule add --job backup --every 1h --dest /mnt/backup\n"
      "  strata backup schedule add --job verify --every 1d --dest /mnt/backup");
  CLI::App* add = sched->add_subcommand("add", "add a policy");
  add->add_option("--job", a->job, "wal-archive, backup (incremental, into --dest) or verify (--dest)")->required();
  add->add_option("--every", a->every, "how often: 90s, 5m, 1h, 1d")->required();
  add->add_option("--dest", a->sched_dest, "the backup destination (backup, verify)");
  add->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      backup::Schedule s;
      s.job = a->job;
      s.every_s = ParseEvery(a->every);
      if (s.every_s == 0) {
        return Status::InvalidArgument("backup schedule add: --every '" + a->every + "' is not like 90s, 5m, 1h, 1d");
      }
      s.dest = a->sched_dest;
      ASSIGN_OR_RETURN(int64_t id, backup::AddSchedule(ctx->root, s));
      std::printf("schedule %lld: %s every %llds%s\n", static_cast<long long>(id), s.job.c_str(),
                  static_cast<long long>(s.every_s), s.dest.empty() ? "" : (" to " + s.dest).c_str());
      return Status::OK();
    });
  });
  CLI::App* list = sched->add_subcommand("list", "list the policies and their last runs");
  list->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto all, backup::ListSchedules(ctx->root));
      if (all.empty()) std::printf("no backup schedules\n");
      for (const backup::Schedule& s : all) {
        std::printf("%lld  %-11s every %llds  %s  last run %s %s\n", static_cast<long long>(s.id), s.job.c_str(),
                    static_cast<long long>(s.every_s), s.dest.empty() ? "-" : s.dest.c_str(),
                    s.last_run_at_ns ? FormatTimestamp(*s.last_run_at_ns).c_str() : "never", s.last_status.c_str());
      }
      return Status::OK();
    });
  });
  CLI::App* remove = sched->add_subcommand("remove", "remove a policy");
  remove->add_option("id", a->sched_id, "the policy's id (schedule list)")->required();
  remove->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      RETURN_IF_ERROR(backup::RemoveSchedule(ctx->root, a->sched_id));
      std::printf("removed schedule %lld\n", static_cast<long long>(a->sched_id));
      return Status::OK();
    });
  });
}

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
  cmd->footer(
      "wal_lsn: a plain restore of the backup holds every row acknowledged up to this LSN.\n"
      "flushed: the backup's files hold rows up to this LSN, so a point-in-time restore\n"
      "(restore --to-lsn/--to-time, with a WAL archive) can start from it for targets at or after it.");
  cmd->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto backups, backup::ListBackups(DefaultFileSystem(), a->dest));
      if (backups.empty()) {
        std::printf("no backups in %s\n", a->dest.c_str());
        return Status::OK();
      }
      std::printf("%-26s %-21s %14s %14s %8s %10s\n", "id", "created (UTC)", "wal_lsn", "flushed", "objects", "size");
      for (const backup::BackupManifest& m : backups) {
        std::printf("%-26s %-21s %14s %14s %8zu %10s\n", m.id.c_str(),
                    FormatTimestamp(m.created_at_ns - m.created_at_ns % kNanosPerSecond).c_str(),
                    WithThousands(m.wal_lsn).c_str(), WithThousands(m.max_flushed_lsn).c_str(), m.objects.size(),
                    HumanBytes(m.bytes()).c_str());
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
      "Never removes an object a kept backup needs (objects are shared between backups). With a WAL\n"
      "archive, `strata archive prune --keep-for DEST` afterwards drops the archived WAL that only\n"
      "the removed backups could replay.\n"
      "Example:\n"
      "  strata backup prune /mnt/backup --keep-last 3 --keep-daily 14 && strata archive prune --keep-for /mnt/backup");
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
  AddSchedule(backup, ctx, a);

  CLI::App* restore = app.add_subcommand("restore", "restore a backup into a new database root");
  restore->add_option("dest", a->dest, "the backup destination (a directory or s3://bucket/prefix)")->required();
  restore->add_option("--target", a->target, "the new root; must not exist or be empty")->required();
  restore->add_option("--id", a->id, "the backup to restore (default: the newest, or the newest before the target)");
  auto* to_lsn = restore->add_option("--to-lsn", a->to_lsn, "point in time: every row up to this WAL LSN, none after");
  auto* to_time = restore->add_option("--to-time", a->to_time,
                                      "point in time: every row whose WAL record's commit time is at or before T\n"
                                      "(ISO-8601, UTC unless a zone is given, or ns since the epoch)");
  to_lsn->excludes(to_time);
  restore->add_option("--wal-archive", a->wal_archive, "the WAL archive to replay (default: the one the backup names)");
  restore->footer(
      "Every object is fetched and re-hashed before anything is placed: a missing or corrupt one\n"
      "fails the restore, which takes back what it placed (the target is left absent or empty, as\n"
      "it was found). The restored root's first open\n"
      "replays the backed-up WAL, so it holds every row acknowledged up to the backup's LSN.\n"
      "With --to-lsn or --to-time, the backup's WAL and the archived segments after it are laid out\n"
      "cut at the target and replayed: every row acknowledged at or before the target is there,\n"
      "nothing after it. A time target cuts before the first WAL record whose commit time (the\n"
      "wall clock read by the appender just before the record entered the WAL) is after T; every\n"
      "row acknowledged by T is before that record (a row in flight at T, stamped before T but\n"
      "acknowledged just after, is in too). The backup is the newest one wholly before the target.\n"
      "LSNs: `strata stats` (last LSN), `strata backup list` (each backup's), `strata archive show`.\n"
      "A missing or corrupt archived segment, or a target past what is archived, is named and\n"
      "nothing is restored. An interrupted restore (kill -9) is started over by a rerun. The restore\n"
      "ends by opening the restored root once, which writes the tables' Iceberg metadata (derived\n"
      "from the catalog; backups do not hold it).\n"
      "Examples:\n"
      "  strata restore /mnt/backup --target /data/strata-restored && strata --root /data/strata-restored verify\n"
      "  strata restore /mnt/backup --target /data/before-bad-deploy --to-time 2026-12-07T09:59:59Z");
  restore->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      const auto start = std::chrono::steady_clock::now();
      std::optional<std::string> id;
      if (!a->id.empty()) id = a->id;
      // The first open of the restored root (its WAL replay) is part of the restore: when it fails,
      // what the restore placed is taken back, so the target is left as it was found (absent or
      // empty; a restore never writes into an existing database).
      FileSystem* fs = DefaultFileSystem();
      ASSIGN_OR_RETURN(const bool existed, fs->Exists(a->target));
      auto take_back = [&](const Status& failed) -> Status {
        const Status undo = backup::TakeBackRestore(fs, a->target, existed);
        const std::string what = undo.ok() ? "; the restore was taken back, " + a->target + " is as it was"
                                           : "; removing the restore from " + a->target + " failed: " + undo.ToString();
        return Status(failed.code(), "opening the restored root: " + failed.message() + what);
      };
      auto open_restored = [&](Options options) -> Status {
        auto db = Database::Open(a->target, options);
        if (!db.ok()) return take_back(db.status());
        Status closed = (*db)->Close();
        return closed.ok() ? closed : take_back(closed);
      };
      if (!a->to_lsn.empty() || !a->to_time.empty()) {
        backup::PointInTimeOptions po;
        po.dest = a->dest;
        po.id = id;
        po.target = a->target;
        po.wal_archive = a->wal_archive;
        po.progress = PrintStep;
        if (!a->to_lsn.empty()) {
          if (a->to_lsn.find_first_not_of("0123456789") != std::string::npos) {
            return Status::InvalidArgument("restore: --to-lsn '" + a->to_lsn + "' is not a number");
          }
          po.to_lsn = std::stoull(a->to_lsn);
        } else {
          ASSIGN_OR_RETURN(int64_t t, ParseTimestamp(a->to_time));
          po.to_time_ns = t;
        }
        ASSIGN_OR_RETURN(auto r, backup::RestoreToPoint(DefaultFileSystem(), po));
        const double placed = SecondsSince(start);
        // Replay now (the first open), so that the restore is done when the command returns.
        const auto replay_start = std::chrono::steady_clock::now();
        Options options;
        options.process_note = "strata restore";
        options.background_flush = false;
        options.accept_wal_loss = ctx->accept_wal_loss;
        options.skip_bad_wal_records = ctx->skip_bad_wal_records;
        RETURN_IF_ERROR(open_restored(options));
        const double replay = SecondsSince(replay_start);
        if (!r.note.empty()) std::printf("note: %s\n", r.note.c_str());
        std::printf(
            "restored backup %s into %s up to WAL LSN %s: %s objects (%s), %s archived segment(s), %s WAL "
            "records replayed in %.2f s (%.0f records/s); took %.2f s\n",
            r.restore.manifest.id.c_str(), a->target.c_str(), WithThousands(r.target_lsn).c_str(),
            WithThousands(r.restore.objects_written).c_str(), HumanBytes(r.restore.bytes_written).c_str(),
            WithThousands(r.archived_segments).c_str(), WithThousands(r.wal_records).c_str(), replay,
            replay > 0 ? r.wal_records / replay : 0.0, placed + replay);
        return Status::OK();
      }
      if (!a->wal_archive.empty()) {
        return Status::InvalidArgument("restore: --wal-archive needs a target (--to-lsn or --to-time)");
      }
      ASSIGN_OR_RETURN(auto r, backup::RestoreBackup(DefaultFileSystem(), a->dest, id, a->target, PrintStep));
      // Backups hold no Iceberg metadata (it is derived from the catalog and names the original
      // root's files): one writer open of the restored root replays the WAL and writes it.
      Options options;
      options.process_note = "strata restore";
      options.background_flush = false;
      RETURN_IF_ERROR(open_restored(options));
      std::printf("restored backup %s into %s: %s objects (%s), consistent at WAL LSN %s, took %.2f s\n",
                  r.manifest.id.c_str(), a->target.c_str(), WithThousands(r.objects_written).c_str(),
                  HumanBytes(r.bytes_written).c_str(), WithThousands(r.manifest.wal_lsn).c_str(), SecondsSince(start));
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
