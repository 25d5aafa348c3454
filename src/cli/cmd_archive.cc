// strata archive set|off|show|push|verify|prune: WAL archiving (src/backup/wal_archive.h)
#include <cstdio>

#include "backup/wal_archive.h"
#include "cli/cli.h"

namespace strata::cli {

namespace {
void PrintArchiveStep(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}
}  // namespace

void AddArchiveCommands(CLI::App& app, Context* ctx) {
  auto uri = std::make_shared<std::string>();
  CLI::App* archive =
      app.add_subcommand("archive", "WAL archiving for point-in-time recovery: set, off, show, push, verify, prune");
  archive->require_subcommand(1);
  archive->footer(
      "With an archive set, every sealed WAL segment (all but the newest, which a writer may still\n"
      "append to) is copied to ARCHIVE/wal/, read back and checked against its SHA-256, and recorded\n"
      "in the catalog before a flush may delete it: a failing archive loses nothing, the segments\n"
      "stay in wal/ (see `strata stats`). Segments are archived by `strata archive push`, or by a\n"
      "`strata backup schedule add --job wal-archive` policy, run by `strata maintain` / `strata serve`.\n"
      "`strata restore DEST --target NEW --to-lsn N | --to-time T` replays the archive;\n"
      "`strata archive verify` checks it, `strata archive prune --keep-for DEST` trims it.\n"
      "Example:\n"
      "  strata archive set s3://firm-wal/strata && strata backup schedule add --job wal-archive --every 5m");

  CLI::App* set = archive->add_subcommand("set", "archive the WAL to URI (a directory or s3://bucket/prefix)");
  set->add_option("uri", *uri, "a directory or s3://bucket/prefix")->required();
  set->callback([ctx, uri] {
    Run(ctx, [&]() -> Status {
      RETURN_IF_ERROR(backup::SetWalArchive(DefaultFileSystem(), ctx->root, *uri));
      std::printf("WAL archive of %s: %s (segments are archived by `strata archive push` or a schedule)\n",
                  ctx->root.c_str(), uri->c_str());
      return Status::OK();
    });
  });

  CLI::App* off = archive->add_subcommand("off", "stop archiving (flushes delete segments again)");
  off->callback([ctx] {
    Run(ctx, [&]() -> Status {
      RETURN_IF_ERROR(backup::SetWalArchive(DefaultFileSystem(), ctx->root, ""));
      std::printf("WAL archiving of %s is off\n", ctx->root.c_str());
      return Status::OK();
    });
  });

  CLI::App* show = archive->add_subcommand("show", "the archive and how far behind it is");
  show->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto lag, backup::GetArchiveLag(DefaultFileSystem(), ctx->root));
      if (lag.uri.empty()) {
        std::printf("WAL archiving is off (strata archive set URI)\n");
        return Status::OK();
      }
      std::printf("WAL archive: %s\narchived up to LSN %s\nnot archived yet: %s segment(s), %s", lag.uri.c_str(),
                  WithThousands(lag.archived_lsn).c_str(), WithThousands(lag.segments).c_str(),
                  HumanBytes(lag.bytes).c_str());
      if (lag.oldest_unarchived_lsn > 0) std::printf(", from LSN %s", WithThousands(lag.oldest_unarchived_lsn).c_str());
      std::printf("\n");
      return Status::OK();
    });
  });

  auto verify_uri = std::make_shared<std::string>();
  CLI::App* verify = archive->add_subcommand("verify", "re-read and re-hash every archived segment; exit 1 on damage");
  verify->add_option("uri", *verify_uri, "the archive (default: the database's, strata archive show)");
  verify->footer(
      "Checks what a point-in-time restore needs: every archived segment's SHA-256 against its name,\n"
      "every record's CRC and LSN, and that the segments form one unbroken run of LSNs. Each\n"
      "problem is printed naming the object (or the LSNs no segment holds), and the command exits 1.\n"
      "Examples:\n"
      "  strata archive verify\n"
      "  strata archive verify s3://firm-wal/strata");
  verify->callback([ctx, verify_uri] {
    Run(ctx, [&]() -> Status {
      std::string uri = *verify_uri;
      if (uri.empty()) {
        ASSIGN_OR_RETURN(uri, backup::GetWalArchive(ctx->root));
        if (uri.empty()) return Status::InvalidArgument("no WAL archive is set for " + ctx->root + " (name one)");
      }
      ASSIGN_OR_RETURN(auto r, backup::VerifyWalArchive(DefaultFileSystem(), uri));
      for (const std::string& p : r.problems) std::printf("PROBLEM: %s\n", p.c_str());
      std::printf("%s: %s segment(s), %s, LSN %s..%s: %s\n", r.uri.c_str(), WithThousands(r.segments).c_str(),
                  HumanBytes(r.bytes).c_str(), WithThousands(r.first_lsn).c_str(), WithThousands(r.last_lsn).c_str(),
                  r.problems.empty() ? "all whole" : "DAMAGED");
      if (!r.problems.empty()) {
        return Status::Corruption("WAL archive " + uri + ": " + std::to_string(r.problems.size()) +
                                  " problem(s), listed above");
      }
      return Status::OK();
    });
  });

  auto prune_uri = std::make_shared<std::string>();
  auto keep_for = std::make_shared<std::vector<std::string>>();
  CLI::App* prune = archive->add_subcommand("prune", "delete archived segments no backup can need");
  prune->add_option("uri", *prune_uri, "the archive (default: the database's)");
  prune->add_option("--keep-for", *keep_for, "a backup destination whose backups restores start from (repeatable)")
      ->required();
  prune->footer(
      "A point-in-time restore starts from a backup and replays the archive from that backup's\n"
      "flushed LSN on. prune deletes the segments wholly at or below the lowest flushed LSN of every\n"
      "backup in the --keep-for destinations (name every destination you restore from), so targets\n"
      "from the oldest kept backup on stay restorable. Run it after `strata backup prune`.\n"
      "Example:\n"
      "  strata backup prune /mnt/backup --keep-last 7 && strata archive prune --keep-for /mnt/backup");
  prune->callback([ctx, prune_uri, keep_for] {
    Run(ctx, [&]() -> Status {
      std::string uri = *prune_uri;
      if (uri.empty()) {
        ASSIGN_OR_RETURN(uri, backup::GetWalArchive(ctx->root));
        if (uri.empty()) return Status::InvalidArgument("no WAL archive is set for " + ctx->root + " (name one)");
      }
      ASSIGN_OR_RETURN(auto r, backup::PruneWalArchive(DefaultFileSystem(), uri, *keep_for));
      std::printf("deleted %s archived segment(s) (%s) wholly at or below LSN %s from %s; kept %s\n",
                  WithThousands(r.segments).c_str(), HumanBytes(r.bytes).c_str(), WithThousands(r.below_lsn).c_str(),
                  uri.c_str(), WithThousands(r.kept).c_str());
      return Status::OK();
    });
  });

  auto seal = std::make_shared<bool>(false);
  CLI::App* push = archive->add_subcommand("push", "archive every sealed segment not archived yet, now");
  push->add_flag("--seal", *seal,
                 "archive the newest segment too when no writer holds the database (it is then final: the next "
                 "writer starts a segment of its own), so a replica gets the last rows of a stopped primary");
  push->footer(
      "A segment is sealed once a newer one exists (a writer rolled it, or a later writer started its\n"
      "own); the newest may still grow while a writer holds the database. With --seal the newest is\n"
      "archived too if no writer holds the lock (taken for the moment it is read: a writer starting\n"
      "in that moment fails, as beside any writer). A primary written by short-lived processes\n"
      "(`strata ingest`) followed by a replica: `strata archive push --seal` after each.\n"
      "Example:\n"
      "  strata ingest trades day.csv && strata archive push --seal");
  push->callback([ctx, seal] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto r, backup::ArchiveWal(DefaultFileSystem(), ctx->root, PrintArchiveStep, *seal));
      std::printf("archived %s segment(s) (%s) to %s in %.3f s (%.0f MB/s); archived up to LSN %s\n",
                  WithThousands(r.segments).c_str(), HumanBytes(r.bytes).c_str(), r.uri.c_str(), r.seconds,
                  r.seconds > 0 ? r.bytes / r.seconds / 1e6 : 0.0, WithThousands(r.archived_lsn).c_str());
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
