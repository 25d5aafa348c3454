// InfluxDB/QuestDB line protocol (ILP) ingest into a strata Database, usable without the server:
// the HTTP server calls Writer::WriteRequest for `POST /write` and `/api/v2/write`, and the TCP
// listener (tcp_listener.h) feeds a StreamWriter per connection. Protocol rules: parser.h; type
// mapping, auto-create, transactions and limits: src/ilp/README.md.
//
//   ilp::Writer writer(db);
//   ilp::Options options;                       // auto-create on, precision ns, ...
//   options.precision = ilp::ParsePrecision(query_param).value();
//   ilp::WriteResult result;
//   Status st = writer.WriteRequest(body, options, &result);
//   // OK: every row is durable (fsync policy) -> 204.
//   // Line error: st is InvalidArgument "line 3: ...", result.error_line == 3,
//   //   result.error_reason == "..."; nothing of the request is stored -> 400.
//   // Other codes (IOError, NoSpace, Busy, ...): the database failed; nothing stored -> 500.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/database.h"
#include "strata/status.h"

namespace strata::ilp {

enum class Precision { kNanos, kMicros, kMillis, kSeconds };
// "n" or "ns", "u" or "us", "ms", "s" (InfluxDB's `precision` parameter); InvalidArgument else.
Result<Precision> ParsePrecision(std::string_view text);
std::string_view PrecisionName(Precision p);  // "n", "u", "ms", "s"

struct Options {
  // A line naming a table that does not exist creates it (see README: auto-create); off: the line
  // is refused ("table X does not exist ...").
  bool auto_create_tables = true;
  // A tag or field that the table has no column for adds a nullable column; off: refused.
  bool auto_create_columns = true;
  // The longest line accepted, in bytes (without its '\n').
  size_t max_line_bytes = 1 << 20;
  // The tag that becomes a new table's series key (its `symbol` column, keeping the tag's name):
  // the per-table entry, else `series_key_tag` when the line has that tag, else the line's first
  // tag. Existing tables use their symbol column's name.
  std::string series_key_tag = "symbol";
  std::map<std::string, std::string, std::less<>> series_key_tags;
  // Unit of the timestamps in the lines.
  Precision precision = Precision::kNanos;
  // StreamWriter: commit once this many rows are pending (also at every Commit()).
  size_t max_batch_rows = 100'000;
  // "Now" in ns since the epoch for lines without a timestamp. Default: the system clock.
  std::function<int64_t()> clock;
};

struct WriteResult {
  uint64_t lines = 0;  // lines that carried rows (blank lines and comments not counted)
  uint64_t rows = 0;   // rows committed (durable)
  std::vector<std::string> tables_created;
  std::vector<std::string> columns_added;  // "table.column"
  // When a line was refused: its 1-based number and the reason (without "line N: ").
  uint64_t error_line = 0;
  std::string error_reason;
};

class Batcher;

// One request = one all-or-nothing transaction, across tables (Database::AppendAtomically).
// Thread-safe: any number of threads may call WriteRequest at once (each call has its own state).
class Writer {
 public:
  explicit Writer(Database* db) : db_(db) {}
  // Parses every line of `body` (the last needs no '\n') and stores its rows as one transaction:
  // a bad line anywhere stores nothing and returns InvalidArgument "line N: reason" with
  // result->error_line/error_reason set; tables and columns are created only after every line
  // passed. Returns once the rows are durable as the database's fsync policy says. Its rows
  // count as protocol ilp_http in the engine's ingest metrics (core/engine_metrics.h).
  Status WriteRequest(std::string_view body, const Options& options, WriteResult* result);

 private:
  Database* db_;
};

// A stream of lines (one TCP connection): Feed any chunks of bytes; complete lines are parsed and
// committed in batches of up to max_batch_rows rows (one AppendAtomically each). A bad line:
// the rows of the lines before it are committed, and Feed returns InvalidArgument "line N: reason"
// (result->error_line set); the stream then refuses everything. One thread at a time. Its rows
// count as protocol ilp_tcp in the engine's ingest metrics (core/engine_metrics.h).
class StreamWriter {
 public:
  StreamWriter(Database* db, Options options);
  ~StreamWriter();
  // Parses the complete lines in `bytes` (plus the partial line kept from earlier calls) and
  // commits when max_batch_rows rows are pending; keeps a trailing partial line (at most
  // max_line_bytes, else a line error). `result` accumulates.
  Status Feed(std::string_view bytes, WriteResult* result);
  // Commits every pending row; returns once durable. Call it when the input pauses.
  Status Commit(WriteResult* result);
  // At the end of the stream: a partial line left over is parsed as the last line, then Commit.
  Status Finish(WriteResult* result);
  size_t pending_rows() const;
  size_t buffered_bytes() const { return partial_.size(); }
  uint64_t lines_seen() const { return next_line_ - 1; }

 private:
  Status Fail(Status st);
  Status ApplyLines(std::string_view text, WriteResult* result);

  Database* db_;
  Options options_;
  std::unique_ptr<Batcher> batcher_;
  std::string partial_;  // an incomplete last line
  uint64_t next_line_ = 1;
  Status failed_;
};

}  // namespace strata::ilp
