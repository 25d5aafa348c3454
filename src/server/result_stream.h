// Sending a query's batch stream as an HTTP response: CSV, JSON lines, QuestDB's /exec JSON or
// Parquet, in chunks, so that a result of any size passes through a bounded buffer.
#pragma once

#include <cstdint>
#include <string>

#include "server/http.h"
#include "strata/query.h"

namespace strata::server {

class Server;

enum class ResultFormat { kCsv, kJsonLines, kQuestDbJson, kParquet };
Result<ResultFormat> ParseResultFormat(const std::string& name);  // csv, json, parquet

struct StreamOptions {
  ResultFormat format = ResultFormat::kJsonLines;
  std::string filename;    // Content-Disposition attachment name (csv, parquet); empty = none
  std::string query_text;  // /exec: echoed as "query"
  uint64_t skip = 0;       // /exec limit=lo,hi: rows to skip
  int64_t limit = -1;      // rows to send at most; < 0 = all
  int64_t compile_ns = 0;  // /exec timings
  size_t chunk_bytes = 256 << 10;
};

// Pulls the first batch before the status line (so that errors found then are a 4xx/5xx with a
// JSON body), then streams; a failure later cuts the response (HttpResponder::Abort). Returns
// the rows sent, or the error (already answered).
Result<uint64_t> SendStream(Server* server, query::BatchStream* stream, HttpResponder& resp,
                            const StreamOptions& options);

}  // namespace strata::server
