// strata positions: positions, average cost and P&L per account and symbol from a fills table
// (src/state, PositionsAt).
#include <cstdio>
#include <limits>

#include "cli/cli.h"
#include "cli/output.h"
#include "strata/state.h"
#include "strata/timestamp.h"

namespace strata::cli {

void AddPositionsCommand(CLI::App& app, Context* ctx) {
  struct Args {
    std::string table, account, at, marks, format = "table";
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd =
      app.add_subcommand("positions", "positions, average cost and P&L per account and symbol from a fills table");
  cmd->add_option("table", args->table, "a fills table (strata table create NAME --template fills --dedup-key fill_id)")
      ->required();
  cmd->add_option("--account", args->account, "only this account");
  cmd->add_option("--at", args->at, "after every fill at or before this time (default: now)");
  cmd->add_option("--marks", args->marks,
                  "a quotes table (mid of bid/ask) or trades table (price): its latest row per symbol at the time "
                  "gives the mark, unrealized P&L and equity");
  cmd->add_option("--format", args->format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->footer(
      "Average-cost method: realized P&L is (sell price - average cost) x quantity for a long (mirrored for a\n"
      "short); fees are summed apart. Bad fills (unknown side, qty <= 0, price or fee not finite) are counted\n"
      "and skipped. The fills are replayed from every tier, so --at T is exact.\n"
      "Examples:\n"
      "  strata positions fills --marks quotes\n"
      "  strata positions fills --account ACC1 --at 2026-03-02T16:00:00 --format csv");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(args->format));
      PositionsRequest req;
      req.table = args->table;
      req.account = args->account;
      req.marks_table = args->marks;
      if (!args->at.empty()) {
        auto t = ParseTimestamp(args->at);
        if (!t.ok()) return Status::InvalidArgument("--at: " + t.status().message());
        req.at_ts = *t;
      }
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      ASSIGN_OR_RETURN(PositionsResult r, PositionsAt(db.get(), req));
      std::vector<Field> fields = {{"account", ColumnType::kString},       {"symbol", ColumnType::kString},
                                   {"qty", ColumnType::kFloat64},          {"avg_cost", ColumnType::kFloat64},
                                   {"realized_pnl", ColumnType::kFloat64}, {"fees", ColumnType::kFloat64},
                                   {"fills", ColumnType::kInt64}};
      const bool marks = !args->marks.empty();
      if (marks) {
        fields.push_back({"mark", ColumnType::kFloat64, true});
        fields.push_back({"unrealized_pnl", ColumnType::kFloat64, true});
      }
      RecordBatch out(fields);
      for (const Position& p : r.positions) {
        out.column(0).AppendString(p.account);
        out.column(1).AppendString(p.symbol);
        out.column(2).AppendDouble(p.qty);
        out.column(3).AppendDouble(p.avg_cost);
        out.column(4).AppendDouble(p.realized_pnl);
        out.column(5).AppendDouble(p.fees);
        out.column(6).AppendInt64(static_cast<int64_t>(p.fills));
        if (marks) {
          if (p.mark) {
            out.column(7).AppendDouble(*p.mark);
            out.column(8).AppendDouble(*p.unrealized_pnl());
          } else {
            out.column(7).AppendNull();
            out.column(8).AppendNull();
          }
        }
      }
      BatchPrinter printer(stdout, format, fields);
      printer.Print(out);
      printer.Finish();
      if (r.refused > 0) {
        std::fprintf(stderr, "strata: %s bad fill(s) of %s skipped (unknown side, qty <= 0, price or fee not finite)\n",
                     WithThousands(r.refused).c_str(), args->table.c_str());
      }
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
