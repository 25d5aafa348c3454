// strata tail: the last N rows per symbol of a table, from any tier (src/state, Tail).
#include <cstdio>

#include "cli/cli.h"
#include "cli/output.h"
#include "strata/state.h"

namespace strata::cli {

void AddTailCommand(CLI::App& app, Context* ctx) {
  struct Args {
    std::string table, symbol, format = "table";
    size_t n = 10;
    bool follow = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("tail", "the last N rows of each symbol of a table (newest last), from any tier");
  cmd->add_option("table", args->table, "the table")->required();
  cmd->add_option("symbol", args->symbol, "only this symbol (default: every symbol, in name order)");
  cmd->add_option("-n,--rows", args->n, "rows per symbol (default 10)");
  cmd->add_flag("-f,--follow", args->follow,
                "then follow: print rows as appends are acknowledged, until interrupted (CSV unless --format json)");
  cmd->add_option("--format", args->format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->footer(
      "Reads back from each symbol's newest row in growing windows of time: the cost follows N, not the\n"
      "length of the day. The rows are those a full `strata query` of the symbol ends with.\n"
      "With -f, rows appended later by another process (a running `strata serve`, `strata ingest`, any\n"
      "writer) are read from its write-ahead log as they are acknowledged, across segment rollovers and\n"
      "flushes; each batch is printed and flushed at once.\n"
      "Examples:\n"
      "  strata tail trades AAPL -n 5\n"
      "  strata tail l2 --format csv\n"
      "  strata tail trades -f -n 0");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      if (args->follow && args->format == "table") args->format = "csv";  // a table is printed at its end
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(args->format));
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      if (args->follow) {
        ASSIGN_OR_RETURN(TableDef def, db->GetTable(args->table));
        BatchPrinter printer(stdout, format, def.schema.fields());
        FollowOptions fo;
        fo.symbol = args->symbol;
        fo.last = args->n;
        if (args->n == 0) printer.Print(RecordBatch(def.schema));  // the CSV header
        std::fflush(stdout);
        return Follow(db.get(), args->table, fo, [&](const RecordBatch& rows) {
          printer.Print(rows);
          if (std::fflush(stdout) != 0) return Status::IOError("writing to standard output failed");
          return Status::OK();
        });
      }
      ASSIGN_OR_RETURN(TableDef def, db->GetTable(args->table));
      std::vector<std::string> symbols;
      if (args->symbol.empty()) {
        ASSIGN_OR_RETURN(symbols, db->Symbols(args->table));
      } else {
        symbols.push_back(args->symbol);
      }
      BatchPrinter printer(stdout, format, def.schema.fields());
      for (const std::string& sym : symbols) {
        auto rows = Tail(db.get(), args->table, sym, args->n);
        if (!rows.ok() && rows.status().IsNotFound() && args->symbol.empty()) continue;
        if (!rows.ok()) return rows.status().WithContext("tail of " + args->table + " " + sym);
        printer.Print(*rows);
      }
      printer.Finish();
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
