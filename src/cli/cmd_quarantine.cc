// strata quarantine list|restore: the series a flush could not write and set aside.
#include <cstdio>

#include "cli/cli.h"
#include "strata/timestamp.h"

namespace strata::cli {

void AddQuarantineCommands(CLI::App& app, Context* ctx) {
  CLI::App* group = app.add_subcommand("quarantine", "series a flush set aside: list them, put them back");
  group->require_subcommand(1);
  group->footer(
      "A flush that cannot write one series (a value or symbol the warm files refuse, an I/O error\n"
      "on its path) sets its rows aside under <root>/quarantine/, exactly as appended, and flushes\n"
      "the others. They are not queryable until put back. `strata verify` and `strata stats` report\n"
      "them too.");

  CLI::App* list = group->add_subcommand("list", "list the quarantined series");
  list->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, "strata quarantine list"));
      ASSIGN_OR_RETURN(std::vector<QuarantinedSeries> all, db->ListQuarantined());
      if (all.empty()) std::printf("no quarantined series\n");
      for (const QuarantinedSeries& q : all) {
        std::printf("%lld  table %s  symbol '%s'  %s rows  ts %s .. %s  %s\n    reason: %s\n",
                    static_cast<long long>(q.id), q.table.c_str(), q.symbol.c_str(), WithThousands(q.rows).c_str(),
                    FormatTimestamp(q.min_ts).c_str(), FormatTimestamp(q.max_ts).c_str(), q.uri.c_str(),
                    q.reason.c_str());
      }
      return db->Close();
    });
  });

  auto ids = std::make_shared<std::vector<int64_t>>();
  auto all = std::make_shared<bool>(false);
  CLI::App* restore = group->add_subcommand("restore", "put quarantined series back into their tables");
  restore->add_option("id", *ids, "ids from `strata quarantine list`");
  restore->add_flag("--all", *all, "every quarantined series");
  restore->footer(
      "Appends each series' rows to its table exactly as they were appended (the log and the hot\n"
      "tier: they are queryable at once, and the next flush writes them), then removes its file and\n"
      "record. Fix what stopped the flush first (see the reason in `strata quarantine list`), or the\n"
      "next flush sets them aside again. A file that does not match the catalog is refused.\n"
      "Examples:\n"
      "  strata quarantine restore 3\n"
      "  strata quarantine restore --all && strata flush");
  restore->callback([ctx, ids, all] {
    Run(ctx, [&]() -> Status {
      if (ids->empty() == !*all) return Status::InvalidArgument("quarantine restore: give ids or --all (not both)");
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata quarantine restore"));
      std::vector<int64_t> todo = *ids;
      if (*all) {
        ASSIGN_OR_RETURN(std::vector<QuarantinedSeries> listed, db->ListQuarantined());
        for (const QuarantinedSeries& q : listed) todo.push_back(q.id);
        if (todo.empty()) std::printf("no quarantined series\n");
      }
      for (int64_t id : todo) {
        ASSIGN_OR_RETURN(uint64_t rows, db->RestoreQuarantined(id));
        std::printf("restored quarantined series %lld: %s rows\n", static_cast<long long>(id),
                    WithThousands(rows).c_str());
      }
      return db->Close();
    });
  });
}

}  // namespace strata::cli
