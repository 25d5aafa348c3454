// strata stats
#include <cstdio>

#include "backup/wal_archive.h"
#include "cli/cli.h"

namespace strata::cli {

void AddStatsCommand(CLI::App& app, Context* ctx) {
  CLI::App* cmd = app.add_subcommand("stats", "rows, bytes and series per table and tier; WAL size");
  cmd->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      ASSIGN_OR_RETURN(DatabaseStats stats, db->Stats());
      std::printf("database %s  fsync=%s\n", db->root().c_str(), stats.fsync.c_str());
      std::printf("WAL: %s in %s segment%s, last LSN %s, flushed LSN %s\n", HumanBytes(stats.wal_bytes).c_str(),
                  WithThousands(stats.wal_segments).c_str(), stats.wal_segments == 1 ? "" : "s",
                  WithThousands(stats.last_lsn).c_str(), WithThousands(stats.flushed_lsn).c_str());
      if (auto lag = backup::GetArchiveLag(DefaultFileSystem(), db->root()); lag.ok() && !lag->uri.empty()) {
        std::printf(
            "WAL archive: %s, archived up to LSN %s; not archived yet: %s segment(s), %s%s\n", lag->uri.c_str(),
            WithThousands(lag->archived_lsn).c_str(), WithThousands(lag->segments).c_str(),
            HumanBytes(lag->bytes).c_str(),
            lag->oldest_unarchived_lsn > 0 ? (", from LSN " + WithThousands(lag->oldest_unarchived_lsn)).c_str() : "");
      }
      std::printf("%-16s %-5s %15s %12s %8s %7s\n", "table", "tier", "rows", "bytes", "series", "files");
      for (const TableStats& t : stats.tables) {
        for (const TierStats& s : t.tiers) {
          std::printf("%-16s %-5s %15s %12s %8s %7s\n", t.table.c_str(), s.tier.c_str(), WithThousands(s.rows).c_str(),
                      HumanBytes(s.bytes).c_str(), WithThousands(s.series).c_str(),
                      s.tier == "hot" ? "-" : WithThousands(s.files).c_str());
        }
      }
      for (const TableStats& t : stats.tables) {
        if (t.quarantined_series == 0) continue;
        std::printf(
            "%s: %s row(s) of %s series quarantined by flushes (not queryable); `strata quarantine list` lists them\n",
            t.table.c_str(), WithThousands(t.quarantined_rows).c_str(), WithThousands(t.quarantined_series).c_str());
      }
      if (stats.tables.empty()) std::printf("(no tables)\n");
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
