// The options of `strata query` as text, and their translation into a LogicalPlan. One place for
// both front ends that take them as text: the CLI's flags and the HTTP server's /v1/query
// parameters (same names without the dashes), so the two cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/query.h"

namespace strata::query {

struct QueryOptions {
  std::string table;
  std::vector<std::string> symbols;
  std::string from;  // ISO-8601 or ns since the epoch; empty = unbounded
  std::string to;
  std::string columns;  // comma-separated
  std::optional<int64_t> limit;
  std::string bars;  // "1m", "5m", ...
  std::string where;
  std::string asof;  // the right table of an as-of join
  std::string tolerance;
  std::string direction = "prev";
  std::string tiers;  // comma-separated hot,warm,cold
  int threads = 0;
  bool merge = false;
};

// The plan of the options, checked without a database (query::Validate). Errors name the option
// as `option_prefix` + its name: "--from" for the CLI, "from" for HTTP parameters.
Result<LogicalPlan> PlanFromOptions(const QueryOptions& options, const std::string& option_prefix = "--");

// "a,b,,c" -> {"a", "b", "c"} (empty items dropped).
std::vector<std::string> SplitList(const std::string& text);

}  // namespace strata::query
