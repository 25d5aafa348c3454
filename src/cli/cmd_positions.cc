// strata positions: positions, average cost and P&L per account and symbol from a fills table
// (src/state, PositionsAt).
#include <cstdio>
#include <limits>

#include "cli/cli.h"
#include "cli/output.h"
#include "strata/state.h"
#include "strata/timestamp.h"

namespace strata::cli {

namespace {

void ReportRefused(const std::string& table, const PositionsResult& r) {
  if (r.refused > 0) {
    std::fprintf(stderr, "strata: %s bad fill(s) of %s skipped (unknown side, qty <= 0, price or fee not finite)\n",
                 WithThousands(r.refused).c_str(), table.c_str());
  }
  if (r.over_fills > 0) {
    std::string ids;
    for (const std::string& id : r.over_fill_ids) ids += (ids.empty() ? "" : ", ") + id;
    std::fprintf(stderr, "strata: %s fill(s) of %s refused: they would over-fill their order (%s)\n",
                 WithThousands(r.over_fills).c_str(), table.c_str(), ids.c_str());
  }
  if (r.orders_refused > 0) {
    std::fprintf(stderr, "strata: %s bad order event(s) skipped (unknown side or status, qty <= 0)\n",
                 WithThousands(r.orders_refused).c_str());
  }
  if (r.cash_refused > 0) {
    std::fprintf(stderr, "strata: %s bad cash event(s) skipped (kind not deposit|withdrawal, amount <= 0)\n",
                 WithThousands(r.cash_refused).c_str());
  }
}

void AppendOptional(Column* c, const std::optional<double>& v) {
  if (v) {
    c->AppendDouble(*v);
  } else {
    c->AppendNull();
  }
}

Status PrintAccounts(const PositionsResult& r, OutputFormat format, bool marks) {
  std::vector<Field> fields = {{"account", ColumnType::kString},      {"currency", ColumnType::kString},
                               {"cash", ColumnType::kFloat64},        {"deposits", ColumnType::kFloat64},
                               {"withdrawals", ColumnType::kFloat64}, {"realized_pnl", ColumnType::kFloat64},
                               {"fees", ColumnType::kFloat64}};
  if (marks) {
    fields.push_back({"unrealized_pnl", ColumnType::kFloat64, true});
    fields.push_back({"market_value", ColumnType::kFloat64, true});
    fields.push_back({"equity", ColumnType::kFloat64, true});
  }
  RecordBatch out(fields);
  for (const AccountCash& a : r.accounts) {
    out.column(0).AppendString(a.account);
    out.column(1).AppendString(a.currency);
    out.column(2).AppendDouble(a.cash);
    out.column(3).AppendDouble(a.deposits);
    out.column(4).AppendDouble(a.withdrawals);
    out.column(5).AppendDouble(a.realized_pnl);
    out.column(6).AppendDouble(a.fees);
    if (marks) {
      AppendOptional(&out.column(7), a.unrealized_pnl);
      AppendOptional(&out.column(8), a.market_value);
      AppendOptional(&out.column(9), a.equity);
    }
  }
  BatchPrinter printer(stdout, format, fields);
  printer.Print(out);
  printer.Finish();
  return Status::OK();
}

void AddOrdersCommand(CLI::App& app, Context* ctx) {
  struct Args {
    std::string table, fills, account, at, format = "table";
    bool open = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("orders", "orders, their status and filled and remaining quantity");
  cmd->add_option("table", args->table, "an orders table (strata table create NAME --template orders)")->required();
  cmd->add_option("--fills", args->fills,
                  "a fills table: the filled quantity of each order (without: nothing counts as filled)");
  cmd->add_flag("--open", args->open, "only open orders (status new or partially_filled, remaining qty > 0)");
  cmd->add_option("--account", args->account, "only this account");
  cmd->add_option("--at", args->at, "after every event at or before this time (default: now)");
  cmd->add_option("--format", args->format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->footer(
      "An order's first event creates it, later events set its status (and qty and limit price: an\n"
      "amendment). A fill of the order's account and symbol counts toward its order_id once the order's first\n"
      "event is at or before it; a fill that would take the filled quantity past the order's qty is refused\n"
      "and counted in over_fills.\n"
      "Examples:\n"
      "  strata orders orders --fills fills --open\n"
      "  strata orders orders --account ACC1 --at 2026-03-02T16:00:00 --format csv");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(args->format));
      PositionsRequest req;
      req.table = args->fills;
      req.orders_table = args->table;
      req.account = args->account;
      if (!args->at.empty()) {
        auto t = ParseTimestamp(args->at);
        if (!t.ok()) return Status::InvalidArgument("--at: " + t.status().message());
        req.at_ts = *t;
      }
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      ASSIGN_OR_RETURN(PositionsResult r, PositionsAt(db.get(), req));
      ReportRefused(args->fills, r);
      std::vector<Field> fields = {{"order_id", ColumnType::kString},   {"account", ColumnType::kString},
                                   {"symbol", ColumnType::kString},     {"side", ColumnType::kString},
                                   {"qty", ColumnType::kFloat64},       {"limit_price", ColumnType::kFloat64, true},
                                   {"status", ColumnType::kString},     {"filled", ColumnType::kFloat64},
                                   {"remaining", ColumnType::kFloat64}, {"over_fills", ColumnType::kInt64},
                                   {"ts", ColumnType::kTimestamp}};
      RecordBatch out(fields);
      for (const Order& o : r.orders) {
        if (args->open && !o.open()) continue;
        out.column(0).AppendString(o.order_id);
        out.column(1).AppendString(o.account);
        out.column(2).AppendString(o.symbol);
        out.column(3).AppendString(o.side);
        out.column(4).AppendDouble(o.qty);
        AppendOptional(&out.column(5), o.limit_price);
        out.column(6).AppendString(o.status);
        out.column(7).AppendDouble(o.filled);
        out.column(8).AppendDouble(o.open() ? o.remaining() : 0);
        out.column(9).AppendInt64(static_cast<int64_t>(o.over_fills));
        out.column(10).AppendInt64(o.ts);
      }
      BatchPrinter printer(stdout, format, fields);
      printer.Print(out);
      printer.Finish();
      return Status::OK();
    });
  });
}

}  // namespace

void AddPositionsCommand(CLI::App& app, Context* ctx) {
  AddOrdersCommand(app, ctx);  // `strata orders`: the same replay (PositionsAt)
  struct Args {
    std::string table, account, at, marks, orders, cash, format = "table";
    bool accounts = false;
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
  cmd->add_option("--orders", args->orders,
                  "an orders table (--template orders): a fill that would over-fill its known order is refused "
                  "(not applied), counted and named on stderr");
  cmd->add_option("--cash", args->cash,
                  "a cash table (--template cash: deposits and withdrawals per account) for --accounts");
  cmd->add_flag("--accounts", args->accounts,
                "one row per account instead: cash (deposits - withdrawals + the fills' cash flow, fees included), "
                "realized and unrealized P&L, fees, market value and equity (with --marks)");
  cmd->add_option("--format", args->format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->footer(
      "Average-cost method: realized P&L is (sell price - average cost) x quantity for a long (mirrored for a\n"
      "short); fees are summed apart. Bad fills (unknown side, qty <= 0, price or fee not finite) are counted\n"
      "and skipped. The fills are replayed from every tier, so --at T is exact.\n"
      "Examples:\n"
      "  strata positions fills --marks quotes\n"
      "  strata positions fills --account ACC1 --at 2026-03-02T16:00:00 --format csv\n"
      "  strata positions fills --orders orders --cash cash --marks quotes --accounts");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(args->format));
      PositionsRequest req;
      req.table = args->table;
      req.account = args->account;
      req.marks_table = args->marks;
      req.orders_table = args->orders;
      req.cash_table = args->cash;
      if (!args->at.empty()) {
        auto t = ParseTimestamp(args->at);
        if (!t.ok()) return Status::InvalidArgument("--at: " + t.status().message());
        req.at_ts = *t;
      }
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      ASSIGN_OR_RETURN(PositionsResult r, PositionsAt(db.get(), req));
      ReportRefused(args->table, r);
      if (args->accounts) return PrintAccounts(r, format, !args->marks.empty());
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
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
