// strata flush [TABLE]
#include <cstdio>

#include "cli/cli.h"

namespace strata::cli {

void PrintRunResult(const char* what, const TierRunResult& r) {
  std::printf("%s: %s rows in %s files -> %s rows in %s files (%s -> %s)", what, WithThousands(r.rows_in).c_str(),
              WithThousands(r.files_in).c_str(), WithThousands(r.rows_out).c_str(), WithThousands(r.files_out).c_str(),
              HumanBytes(r.bytes_in).c_str(), HumanBytes(r.bytes_out).c_str());
  if (r.duplicates_removed > 0) std::printf(", %s duplicates removed", WithThousands(r.duplicates_removed).c_str());
  if (r.series_quarantined > 0) {
    std::printf(", %s rows of %s series quarantined (see the warnings and `strata verify`)",
                WithThousands(r.rows_quarantined).c_str(), WithThousands(r.series_quarantined).c_str());
  }
  if (r.files_locked > 0) {
    std::printf(", %s locked cold files left in place (policy cold_lock_days)", WithThousands(r.files_locked).c_str());
  }
  std::printf(", took %.2f s\n", r.seconds);
}

void AddFlushCommand(CLI::App& app, Context* ctx) {
  auto table = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("flush", "write the hot tier's rows to warm Parquet files now");
  cmd->add_option("table", *table, "flush only this table (default: every table)");
  cmd->footer(
      "Writes every row appended so far (replayed from the WAL) to\n"
      "warm/<table>/date=YYYY-MM-DD/symbol=<SYM>/part-<seq>.parquet, commits them with the WAL's\n"
      "flushed LSN, deletes wholly flushed WAL segments and compacts series-days with too many parts.\n"
      "With TABLE, only that table's rows are written and committed with a flushed LSN of its own;\n"
      "WAL segments stay until a flush of every table.\n"
      "A writer process also flushes in the background (table rows, series rows or bytes, age and\n"
      "memory triggers; see `strata table set-policy`).\n"
      "Examples:\n"
      "  strata flush\n"
      "  strata flush trades");
  cmd->callback([ctx, table] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata flush"));
      TierRunResult r;
      if (table->empty()) {
        ASSIGN_OR_RETURN(r, db->Flush());
      } else {
        ASSIGN_OR_RETURN(r, db->FlushTable(*table));
      }
      if (r.series_quarantined > 0) {
        std::printf(
            "quarantined %s rows of %s series that could not be written (see the warnings above and "
            "`strata quarantine list`)\n",
            WithThousands(r.rows_quarantined).c_str(), WithThousands(r.series_quarantined).c_str());
      }
      if (r.files_out == 0 && r.series_quarantined == 0) {
        std::printf("nothing to flush (flushed LSN %s)\n", WithThousands(r.flushed_lsn).c_str());
      } else {
        const std::string dups =
            r.duplicates_removed > 0 ? ", " + WithThousands(r.duplicates_removed) + " duplicates removed" : "";
        std::printf("flushed %s rows into %s warm files (%s)%s, flushed LSN %s, took %.2f s\n",
                    WithThousands(r.rows_out).c_str(), WithThousands(r.files_out).c_str(),
                    HumanBytes(r.bytes_out).c_str(), dups.c_str(), WithThousands(r.flushed_lsn).c_str(), r.seconds);
      }
      return db->Close();
    });
  });
}

}  // namespace strata::cli
