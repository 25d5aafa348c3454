// strata book: the L2 order book of a book table's symbol, now or at a past time (src/state).
#include <cstdio>
#include <limits>

#include "bars/bar_kernel.h"
#include "cli/cli.h"
#include "strata/state.h"
#include "strata/timestamp.h"

namespace strata::cli {
namespace {

struct BookArgs {
  std::string table, symbol, at, format = "table", snapshot_every = "60s", book_snapshots;
  size_t depth = 10;
  bool write_snapshots = false;
  uint64_t snapshot_events = 100'000;
};

std::string BookNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void PrintBook(const BookView& v, const std::string& format) {
  const BookCounters& c = v.counters;
  if (format == "csv") {
    std::printf("side,level,price,size\n");
    for (size_t i = 0; i < v.bids.size(); ++i) {
      std::printf("bid,%zu,%s,%s\n", i + 1, BookNumber(v.bids[i].price).c_str(), BookNumber(v.bids[i].size).c_str());
    }
    for (size_t i = 0; i < v.asks.size(); ++i) {
      std::printf("ask,%zu,%s,%s\n", i + 1, BookNumber(v.asks[i].price).c_str(), BookNumber(v.asks[i].size).c_str());
    }
    return;
  }
  auto opt = [](std::optional<double> d) { return d ? BookNumber(*d) : std::string("null"); };
  if (format == "json") {
    auto levels = [](const std::vector<BookLevel>& ls) {
      std::string s = "[";
      for (size_t i = 0; i < ls.size(); ++i) {
        if (i > 0) s += ",";
        s += "[" + BookNumber(ls[i].price) + "," + BookNumber(ls[i].size) + "]";
      }
      return s + "]";
    };
    std::printf(
        "{\"symbol\":\"%s\",\"ts\":\"%s\",\"bids\":%s,\"asks\":%s,\"spread\":%s,\"mid\":%s,\"imbalance\":%s,"
        "\"crossed\":%s,\"counters\":{\"events\":%llu,\"crossed\":%llu,\"locked\":%llu,\"missing_deletes\":%llu,"
        "\"refused\":%llu,\"late\":%llu}}\n",
        v.symbol.c_str(), v.ts == 0 ? "" : FormatTimestamp(v.ts).c_str(), levels(v.bids).c_str(),
        levels(v.asks).c_str(), opt(v.spread()).c_str(), opt(v.mid()).c_str(), BookNumber(v.imbalance()).c_str(),
        v.crossed() ? "true" : "false", static_cast<unsigned long long>(c.events),
        static_cast<unsigned long long>(c.crossed), static_cast<unsigned long long>(c.locked),
        static_cast<unsigned long long>(c.missing_deletes), static_cast<unsigned long long>(c.refused),
        static_cast<unsigned long long>(c.late));
    return;
  }
  std::printf("%s as of %s (%s events)\n", v.symbol.c_str(), v.ts == 0 ? "-" : FormatTimestamp(v.ts).c_str(),
              WithThousands(c.events).c_str());
  std::printf("%5s %14s %14s | %-14s %-14s\n", "level", "bid size", "bid", "ask", "ask size");
  for (size_t i = 0; i < std::max(v.bids.size(), v.asks.size()); ++i) {
    const bool b = i < v.bids.size(), a = i < v.asks.size();
    std::printf("%5zu %14s %14s | %-14s %-14s\n", i + 1, b ? BookNumber(v.bids[i].size).c_str() : "",
                b ? BookNumber(v.bids[i].price).c_str() : "", a ? BookNumber(v.asks[i].price).c_str() : "",
                a ? BookNumber(v.asks[i].size).c_str() : "");
  }
  std::printf("spread %s  mid %s  imbalance(top %zu) %s%s\n", opt(v.spread()).c_str(), opt(v.mid()).c_str(),
              std::max(v.bids.size(), v.asks.size()), BookNumber(v.imbalance()).c_str(),
              v.crossed() ? "  CROSSED" : "");
  if (c.crossed + c.locked + c.missing_deletes + c.refused + c.late > 0) {
    std::printf("counted: %s crossed, %s locked, %s deletes of missing levels, %s refused, %s late\n",
                WithThousands(c.crossed).c_str(), WithThousands(c.locked).c_str(),
                WithThousands(c.missing_deletes).c_str(), WithThousands(c.refused).c_str(),
                WithThousands(c.late).c_str());
  }
}

}  // namespace

void AddBookCommand(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<BookArgs>();
  CLI::App* cmd = app.add_subcommand("book", "the L2 order book of a symbol of a book table, now or at a past time");
  cmd->add_option("table", args->table, "a book table (strata table create NAME --template book)")->required();
  cmd->add_option("symbol", args->symbol, "the symbol (not with --write-snapshots)");
  cmd->add_option("--at", args->at, "the book after every event at or before this time (default: now)");
  cmd->add_option("--depth", args->depth, "levels per side (default 10)")->check(CLI::PositiveNumber);
  cmd->add_option("--format", args->format, "table (default), csv (side,level,price,size; bids first) or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->add_flag("--write-snapshots", args->write_snapshots,
                "write book snapshots for the events after each symbol's latest snapshot, so later --at reads "
                "are cheap (needs the writer)");
  cmd->add_option("--snapshot-events", args->snapshot_events,
                  "with --write-snapshots: one per symbol every N events (default 100000; 0 = not by count)");
  cmd->add_option("--snapshot-every", args->snapshot_every,
                  "with --write-snapshots: one per symbol every interval of event time (default 60s; 0 = not by time)");
  cmd->add_option("--book-snapshots", args->book_snapshots,
                  "INTERVAL (1s to 1d): append the book every INTERVAL as rows of the table TABLE_book_INTERVAL "
                  "(--depth levels per side, default 10), continuing after the rows it has (needs the writer)");
  cmd->footer(
      "The book is rebuilt from the latest snapshot at or before the time plus the events after it, from\n"
      "whichever tiers hold them (src/state/README.md). Snapshots are written by a process with live books\n"
      "attached (LiveBooks in strata/state.h) or by --write-snapshots.\n"
      "--book-snapshots 1s makes a table for research queries and as-of joins: l2_book_1s with columns\n"
      "ts, symbol, bid_price_1, bid_size_1, ..., ask_price_1, ask_size_1, ..., mid, spread; one row per\n"
      "symbol and second S (S a whole second) that had events, holding the book after every event at or\n"
      "before S (what `strata book l2 SYM --at S` prints). Seconds without events have no row: the book\n"
      "did not change, and an as-of join finds the row before. Run it again to extend it.\n"
      "To have every flush and migration keep such a table instead, declare it on the book table:\n"
      "`strata table create l2 --template book --book-samples 1s --book-depth 5` (or `table set-policy`).\n"
      "Examples:\n"
      "  strata table create l2 --template book\n"
      "  strata book l2 BTC-USD --depth 5\n"
      "  strata book l2 BTC-USD --at 2026-03-02T14:30:00 --format csv\n"
      "  strata book l2 --write-snapshots --snapshot-every 1s\n"
      "  strata book l2 --book-snapshots 1s --depth 5 && strata query l2_book_1s --symbol BTC-USD");
  cmd->callback([ctx, args] {
    Run(ctx, [&]() -> Status {
      if (!args->book_snapshots.empty()) {
        if (!args->symbol.empty() || !args->at.empty() || args->write_snapshots) {
          return Status::InvalidArgument(
              "--book-snapshots takes the table only (no symbol, --at or --write-snapshots)");
        }
        auto interval = bars::ParseBarInterval(args->book_snapshots);
        if (!interval.ok()) return Status::InvalidArgument("--book-snapshots: " + interval.status().message());
        ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata book --book-snapshots"));
        ASSIGN_OR_RETURN(BookSamplesResult r, WriteBookSamples(db.get(), args->table, *interval, args->depth));
        std::printf("appended %s row%s to %s (%s symbol%s)\n", WithThousands(r.rows).c_str(), r.rows == 1 ? "" : "s",
                    r.table.c_str(), WithThousands(r.symbols).c_str(), r.symbols == 1 ? "" : "s");
        return db->Close();
      }
      if (args->write_snapshots) {
        if (!args->symbol.empty() || !args->at.empty()) {
          return Status::InvalidArgument("--write-snapshots takes the table only (no symbol, no --at)");
        }
        BookOptions bo;
        bo.snapshot_every_events = args->snapshot_events;
        bo.snapshot_every_ns = 0;
        if (args->snapshot_every != "0") {
          auto every = ParseDuration(args->snapshot_every);
          if (!every.ok()) return Status::InvalidArgument("--snapshot-every: " + every.status().message());
          bo.snapshot_every_ns = *every;
        }
        ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata book --write-snapshots"));
        ASSIGN_OR_RETURN(uint64_t n, WriteBookSnapshots(db.get(), args->table, bo));
        std::printf("wrote %s book snapshot%s of %s\n", WithThousands(n).c_str(), n == 1 ? "" : "s",
                    args->table.c_str());
        return db->Close();
      }
      if (args->symbol.empty()) return Status::InvalidArgument("strata book needs TABLE SYMBOL (or --write-snapshots)");
      int64_t at = std::numeric_limits<int64_t>::max();
      if (!args->at.empty()) {
        auto t = ParseTimestamp(args->at);
        if (!t.ok()) return Status::InvalidArgument("--at: " + t.status().message());
        at = *t;
      }
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      ASSIGN_OR_RETURN(BookView v, BookAt(db.get(), args->table, args->symbol, at, args->depth));
      if (v.ts == 0 && v.counters.refused == 0) {
        return Status::NotFound("book table " + args->table + " has no events for " + args->symbol +
                                (args->at.empty() ? std::string() : " at or before " + args->at));
      }
      PrintBook(v, args->format);
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
