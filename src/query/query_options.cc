#include "query/query_options.h"

#include <algorithm>

#include "query/asof.h"
#include "query/bars.h"
#include "strata/timestamp.h"

namespace strata::query {
namespace {

Result<std::vector<std::string>> ParseTiers(const std::string& text, const std::string& name) {
  const std::vector<std::string> all = {"hot", "warm", "cold"};
  if (text.empty()) return all;
  std::vector<std::string> tiers;
  for (const std::string& t : SplitList(text)) {
    if (std::find(all.begin(), all.end(), t) == all.end()) {
      return Status::InvalidArgument(name + ": unknown tier '" + t + "' (hot, warm, cold)");
    }
    if (std::find(tiers.begin(), tiers.end(), t) == tiers.end()) tiers.push_back(t);
  }
  if (tiers.empty()) return Status::InvalidArgument(name + ": no tier given (hot, warm, cold)");
  return tiers;
}

}  // namespace

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<LogicalPlan> PlanFromOptions(const QueryOptions& a, const std::string& prefix) {
  auto opt = [&](const char* name) { return prefix + name; };
  LogicalPlan p;
  p.table = a.table;
  p.symbols = a.symbols;
  // ParseTimestamp accepts only the range strata stores (1678-01-01 to 2261-12-31).
  if (!a.from.empty()) {
    auto from = ParseTimestamp(a.from);
    if (!from.ok()) return Status::InvalidArgument(opt("from") + ": " + from.status().message());
    p.from_ts = *from;
  }
  if (!a.to.empty()) {
    auto to = ParseTimestamp(a.to);
    if (!to.ok()) return Status::InvalidArgument(opt("to") + ": " + to.status().message());
    p.to_ts = *to;
  }
  if (p.from_ts > p.to_ts) {
    return Status::InvalidArgument("time range is backwards: " + opt("from") + " " + FormatTimestamp(p.from_ts) +
                                   " is after " + opt("to") + " " + FormatTimestamp(p.to_ts) +
                                   " (the range is [from, to))");
  }
  ASSIGN_OR_RETURN(p.tiers, ParseTiers(a.tiers, opt("tiers")));
  p.columns = SplitList(a.columns);
  p.where = a.where;
  if (!a.bars.empty()) {
    ASSIGN_OR_RETURN(p.bar_interval_ns, ParseBarInterval(a.bars));
  }
  if (a.asof.empty()) {
    if (!a.tolerance.empty()) return Status::InvalidArgument(opt("tolerance") + " needs " + opt("asof"));
    if (a.direction != "prev") return Status::InvalidArgument(opt("direction") + " needs " + opt("asof"));
  } else {
    if (!a.bars.empty()) {
      return Status::InvalidArgument(opt("bars") + " and " + opt("asof") + " cannot be combined in one query");
    }
    AsofJoin& j = p.asof.emplace();
    j.table = a.asof;
    ASSIGN_OR_RETURN(j.direction, ParseAsofDirection(a.direction));
    if (!a.tolerance.empty()) {
      auto tol = ParseDuration(a.tolerance);
      if (!tol.ok()) return Status::InvalidArgument(opt("tolerance") + ": " + tol.status().message());
      if (*tol < 0) return Status::InvalidArgument(opt("tolerance") + " must not be negative");
      j.tolerance_ns = *tol;
    }
  }
  if (a.threads < 0) return Status::InvalidArgument(opt("threads") + " must be 0 (one per core) or more");
  p.decode_threads = a.threads;
  if (a.limit) {
    if (*a.limit < 0) {
      return Status::InvalidArgument(opt("limit") + " must be 0 or more (leave it out for every row)");
    }
    p.limit = static_cast<uint64_t>(*a.limit);
  }
  p.merge = a.merge;
  RETURN_IF_ERROR(Validate(p));
  return p;
}

}  // namespace strata::query
