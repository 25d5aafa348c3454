// strata replica [status|promote]: a read-only copy following a primary by log shipping
// (src/backup/replica.h)
#include <chrono>
#include <cstdio>
#include <thread>

#include "backup/replica.h"
#include "cli/cli.h"
#include "strata/timestamp.h"

namespace strata::cli {

namespace {
void PrintReplicaStep(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}
}  // namespace

void AddReplicaCommand(CLI::App& app, Context* ctx) {
  struct Args {
    std::string from, wal_archive;
    bool once = false;
    int64_t interval_ms = 1000;
    uint64_t flush_segments = 8;
    bool force = false, no_catch_up = false, no_source = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* replica = app.add_subcommand(
      "replica", "keep a read-only copy of a database following its primary by log shipping; status, promote");
  replica->require_subcommand(0, 1);
  replica->add_option("--from", args->from,
                      "the primary's backup destination (a directory or s3://bucket/prefix; its backups name the "
                      "WAL archive)");
  replica->add_option("--wal-archive", args->wal_archive,
                      "the WAL archive to ship from (default: the one the backups name, else --from)");
  replica->add_flag("--once", args->once, "one pass (restore if needed, ship what is archived), then exit");
  replica->add_option("--interval-ms", args->interval_ms, "how often to look for newly archived segments")
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}))
      ->capture_default_str();
  replica
      ->add_option("--flush-segments", args->flush_segments,
                   "flush the shipped WAL to warm files once wal/ holds this many segments (0: never)")
      ->capture_default_str();
  replica->footer(
      "strata replica --from SOURCE --root DIR restores the newest backup in SOURCE into DIR (a new or\n"
      "empty directory), then, every --interval-ms, ships the WAL segments archived since (`strata\n"
      "archive push` on the primary, or its wal-archive schedule) into DIR: each is checked against its\n"
      "SHA-256 and record by record before it is placed. DIR is read-only for everyone else: queries\n"
      "(`strata query`, `sql`, `export`, ...) read it and note the lag; writers (`strata ingest`,\n"
      "`serve`) are refused. The lag is what the primary has not archived yet plus one interval: the\n"
      "archive takes a segment once sealed (the primary rolled it or a later writer started its own;\n"
      "`strata archive push --seal` also takes the newest when no writer holds the primary).\n"
      "A damaged or missing archived segment stops the replica with an error naming it; what it\n"
      "applied stays. Works across machines through an s3:// destination and archive.\n"
      "  strata replica status --root DIR    applied LSN, the archive's newest LSN, lag in LSNs and seconds\n"
      "  strata replica promote --root DIR   make DIR a writable primary once the primary is gone\n"
      "Example:\n"
      "  strata replica --from s3://firm-backups/strata --root /data/replica --interval-ms 500");
  replica->callback([ctx, args, replica] {
    if (!replica->get_subcommands().empty()) return;
    Run(ctx, [&]() -> Status {
      if (args->from.empty()) {
        return Status::InvalidArgument("replica: --from SOURCE is required (strata replica --help)");
      }
      backup::ReplicaOptions o;
      o.source = args->from;
      o.root = ctx->root;
      o.wal_archive = args->wal_archive;
      o.flush_segments = args->flush_segments;
      o.progress = PrintReplicaStep;
      FileSystem* fs = DefaultFileSystem();
      ASSIGN_OR_RETURN(backup::ReplicaPassResult first, backup::ReplicaPass(fs, o));
      // One replica process per root; the first pass (a restore into an empty directory) needs none.
      auto lock = fs->TryLock(backup::ReplicaLockPath(ctx->root), "strata replica --from " + args->from);
      if (!lock.ok()) return lock.status().WithContext("replica " + ctx->root);
      uint64_t applied = first.applied_lsn;
      std::printf("replica %s: at LSN %s, the archive's newest is %s\n", ctx->root.c_str(),
                  WithThousands(applied).c_str(), WithThousands(first.source_lsn).c_str());
      std::fflush(stdout);
      while (!args->once) {
        std::this_thread::sleep_for(std::chrono::milliseconds(args->interval_ms));
        ASSIGN_OR_RETURN(backup::ReplicaPassResult pass, backup::ReplicaPass(fs, o));
        if (pass.applied_lsn != applied) {
          applied = pass.applied_lsn;
          std::printf("replica %s: at LSN %s, the archive's newest is %s\n", ctx->root.c_str(),
                      WithThousands(applied).c_str(), WithThousands(pass.source_lsn).c_str());
          std::fflush(stdout);
        }
      }
      return Status::OK();
    });
  });

  CLI::App* status = replica->add_subcommand("status", "what the replica holds and how far behind the source it is");
  status->add_flag("--no-source", args->no_source, "do not list the archive (report what the last pass saw)");
  status->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto s, backup::GetReplicaStatus(DefaultFileSystem(), ctx->root, !args->no_source));
      std::printf("replica of:    %s\nWAL archive:   %s\nprimary root:  %s\n", s.info.source.c_str(),
                  s.info.archive.c_str(), s.info.primary_root.c_str());
      std::printf("applied LSN:   %s", WithThousands(s.info.applied_lsn).c_str());
      if (s.info.applied_time_ns > 0) std::printf(" (committed %s)", FormatTimestamp(s.info.applied_time_ns).c_str());
      std::printf("\nsource LSN:    %s (%s)\n", WithThousands(s.source_lsn).c_str(),
                  s.source_listed
                      ? "the archive's newest, listed now"
                      : ("the last pass's: " + (s.source_error.empty() ? "not listed" : s.source_error)).c_str());
      std::printf("lag:           %s LSN(s), %.3f s\n", WithThousands(s.lag_lsn).c_str(), s.lag_seconds);
      if (s.info.polled_at_ns > 0) std::printf("last pass:     %s\n", FormatTimestamp(s.info.polled_at_ns).c_str());
      return Status::OK();
    });
  });

  CLI::App* promote = replica->add_subcommand("promote", "make the replica a writable primary (the primary is gone)");
  promote->add_flag("--force", args->force,
                    "promote although the primary's lock cannot be checked (its root is not on this machine)");
  promote->add_flag("--no-catch-up", args->no_catch_up,
                    "do not ship what the archive holds first (when the source is unreachable)");
  promote->footer(
      "Refused while `strata replica` runs on the root, and while the primary's root (when it is a\n"
      "directory on this machine) is locked by a writer: two primaries would fork the history. When the\n"
      "primary is elsewhere strata cannot tell, and --force is required. Ships what the archive holds\n"
      "first, then clears the replica mark: the root takes writes and follows nothing. Rows the\n"
      "primary acknowledged but did not archive are not on it.\n"
      "Example:\n"
      "  strata replica promote --root /data/replica && strata ingest trades new.csv --root /data/replica");
  promote->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      backup::PromoteOptions o;
      o.root = ctx->root;
      o.force = args->force;
      o.catch_up = !args->no_catch_up;
      o.progress = PrintReplicaStep;
      ASSIGN_OR_RETURN(auto r, backup::PromoteReplica(DefaultFileSystem(), o));
      std::printf("%s\npromoted %s: a writable primary at LSN %s\n", r.primary_check.c_str(), ctx->root.c_str(),
                  WithThousands(r.applied_lsn).c_str());
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
