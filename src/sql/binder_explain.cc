// EXPLAIN [ANALYZE] SELECT ...: the SELECT's pipeline as a result set of one column `plan`, one
// line per row. The stages come from the QueryPlan the pipeline records into (src/query/plan.h,
// what `strata query --explain` prints); the scan's pruning per tier from the catalog.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "query/aggregate.h"
#include "sql/binder_internal.h"
#include "strata/database.h"
#include "strata/timestamp.h"

namespace strata::sql::internal {
namespace {

namespace q = ::strata::query;

std::string AggText(const q::AggregateSpec& a) {
  if (a.kind == q::AggKind::kCountStar) return "count(*)";
  std::string s = std::string(q::AggKindName(a.kind)) + "(" + (a.distinct ? "DISTINCT " : "");
  if (a.arg) s += q::ExprToString(a.arg);
  if (a.arg2) s += ", " + q::ExprToString(a.arg2);
  return s + ")";
}

// Expression text with the internal names of keys and aggregates (__k0, __a1) spelt out.
std::string Text(const q::Expr& e, const BoundSelect& b) {
  std::string s = q::ExprToString(e);
  auto replace = [&](const std::string& name, const std::string& with) {
    for (size_t at = 0; (at = s.find(name, at)) != std::string::npos;) {
      const size_t end = at + name.size();
      if (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) {  // __a1 inside __a12
        at = end;
        continue;
      }
      s.replace(at, name.size(), with);
      at += with.size();
    }
  };
  for (size_t i = b.aggs.size(); i-- > 0;) replace(b.aggs[i].name, AggText(b.aggs[i]));
  for (size_t i = b.keys.size(); i-- > 0;) replace(b.keys[i].name, q::ExprToString(b.keys[i].expr));
  return s;
}

std::string Join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

std::string Millis(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

// The table scans of a bound SELECT, in the order its pipeline opens them.
void CollectScans(const BoundSelect& b, std::vector<const q::LogicalPlan*>* out) {
  if (b.subquery) CollectScans(*b.subquery, out);
  if (b.from_table && !b.no_from && b.system_table.empty() && !b.empty_range) out->push_back(&b.scan);
}

std::string RangeText(const q::LogicalPlan& p) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  if (p.from_ts == kMin && p.to_ts == kMax) return "ts: all";
  std::string s = "ts";
  if (p.from_ts != kMin) s += " >= " + FormatTimestamp(p.from_ts);
  if (p.to_ts != kMax) s += std::string(p.from_ts != kMin ? " and" : "") + " < " + FormatTimestamp(p.to_ts);
  return s;
}

// What the catalog holds for the scan's table per tier, and what the scan's symbols, range and
// tiers leave of it: the files the scan will open.
Status TierLines(Database* db, Catalog* catalog, const q::LogicalPlan& p, std::vector<std::string>* lines) {
  ASSIGN_OR_RETURN(TableInfo info, catalog->GetTable(p.table));
  FileQuery fq;
  fq.table_id = info.id;
  ASSIGN_OR_RETURN(std::vector<FileRecord> files, catalog->ListFiles(fq));
  auto wanted_tier = [&](std::string_view tier) {
    return p.tiers.empty() || std::find(p.tiers.begin(), p.tiers.end(), tier) != p.tiers.end();
  };
  struct Count {
    uint64_t files = 0, rows = 0, bytes = 0, pruned = 0, read = 0, read_rows = 0, read_bytes = 0;
  };
  std::map<std::string, Count> by_tier;
  for (const FileRecord& f : files) {
    Count& c = by_tier[std::string(TierName(f.tier))];
    ++c.files;
    c.rows += static_cast<uint64_t>(f.row_count);
    c.bytes += static_cast<uint64_t>(f.bytes);
    const bool keep =
        wanted_tier(TierName(f.tier)) &&
        (p.symbols.empty() || std::find(p.symbols.begin(), p.symbols.end(), f.symbol) != p.symbols.end()) &&
        f.min_ts < p.to_ts && f.max_ts >= p.from_ts;
    if (!keep) {
      ++c.pruned;
      continue;
    }
    ++c.read;
    c.read_rows += static_cast<uint64_t>(f.row_count);
    c.read_bytes += static_cast<uint64_t>(f.bytes);
  }
  ASSIGN_OR_RETURN(DatabaseStats stats, db->Stats());
  uint64_t hot_rows = 0;
  for (const TableStats& t : stats.tables) {
    if (t.table != p.table) continue;
    for (const TierStats& s : t.tiers) {
      if (s.tier == "hot") hot_rows = s.rows;
    }
  }
  lines->push_back("  hot: " + std::to_string(hot_rows) + " rows of the table in memory" +
                   (wanted_tier("hot") ? " (those in the range and symbols are read)" : " (tier not read)"));
  for (const char* tier : {"warm", "cold"}) {
    const Count& c = by_tier[tier];
    lines->push_back(std::string("  ") + tier + ": files " + std::to_string(c.files) + " (" + std::to_string(c.rows) +
                     " rows, " + std::to_string(c.bytes) + " bytes); pruned by the catalog " +
                     std::to_string(c.pruned) + "; to read " + std::to_string(c.read) + " (" +
                     std::to_string(c.read_rows) + " rows, " + std::to_string(c.read_bytes) + " bytes)");
  }
  return Status::OK();
}

void ScanCounterLines(const q::ScanCounters& sc, bool analyze, std::vector<std::string>* lines) {
  const ScanStats& st = sc.stats;
  auto n = [](uint64_t v) { return std::to_string(v); };
  lines->push_back("  files: " + n(st.files_listed) + " listed, " + n(st.files_pruned_by_catalog) + " pruned" +
                   (analyze ? ", " + n(st.files_read) + " read (" + n(st.files_from_cache) +
                                  " with a cached footer), " + n(st.files_summarized) + " answered from statistics"
                            : ""));
  if (!analyze) {
    lines->push_back(
        "  row groups and pages: pruned by ts statistics and page indexes as files are read "
        "(EXPLAIN ANALYZE counts them)");
    return;
  }
  lines->push_back("  row groups: " + n(st.row_groups_total) + " in the files read, " + n(st.row_groups_pruned) +
                   " pruned by statistics, " + n(st.row_groups_read) + " decoded");
  lines->push_back("  pages (partially read row groups): " + n(st.pages_total) + ", " +
                   n(st.pages_total - st.pages_read) + " pruned by the page index, " + n(st.pages_read) + " decoded");
  lines->push_back("  rows returned " + n(st.rows_returned) + " (" + n(st.hot_rows) + " from hot); bytes read " +
                   n(st.bytes_read) + "; rows merged " + n(st.merged_rows));
  lines->push_back("  time: plan " + Millis(st.plan_ns) + ", open files " + Millis(st.open_ns) + ", read row groups " +
                   Millis(st.read_ns) + ", merge " + Millis(st.merge_ns));
}

}  // namespace

std::unique_ptr<q::BatchStream> ExplainStage(std::unique_ptr<q::BatchStream> in, q::QueryPlan* plan,
                                             const BoundSelect& b, Stage stage) {
  if (plan == nullptr) return in;
  std::string name, detail;
  switch (stage) {
    case Stage::kSource:
      if (b.no_from) {
        name = "one row";
        detail = "SELECT without FROM";
      } else if (!b.system_table.empty()) {
        name = "system table " + b.system_table;
        detail = "read from the catalog";
      } else {
        name = "scan " + b.scan.table;
        detail = "WHERE on ts and symbol selects nothing: nothing is read";
      }
      break;
    case Stage::kWhere:
      name = "where";
      detail = Text(b.where, b);
      break;
    case Stage::kAggregate: {
      name = b.keys.empty() ? "aggregate" : "hash group by";
      std::vector<std::string> keys, aggs;
      for (const q::NamedExpr& k : b.keys) keys.push_back(q::ExprToString(k.expr));
      for (const q::AggregateSpec& a : b.aggs) aggs.push_back(AggText(a));
      if (!keys.empty()) detail = "keys: " + Join(keys);
      if (!aggs.empty()) detail += (detail.empty() ? "" : "; ") + std::string("aggregates: ") + Join(aggs);
      break;
    }
    case Stage::kHaving:
      name = "having";
      detail = Text(b.having, b);
      break;
    case Stage::kOrder: {
      name = b.limit >= 0 ? "top-n" : "order by";
      std::vector<std::string> keys;
      for (const q::SortKey& k : b.order) keys.push_back(Text(k.expr, b) + (k.descending ? " DESC" : ""));
      detail = Join(keys);
      if (b.offset > 0) detail += "; offset " + std::to_string(b.offset);
      if (b.limit >= 0) detail += "; limit " + std::to_string(b.limit);
      break;
    }
    case Stage::kSelect: {
      name = "select";
      std::vector<std::string> items;
      for (const q::NamedExpr& o : b.output) {
        std::string e = Text(o.expr, b);
        items.push_back(e == o.name ? e : e + " AS " + o.name);
      }
      detail = Join(items);
      break;
    }
    case Stage::kLimit:
      name = "limit";
      detail = (b.limit >= 0 ? std::to_string(b.limit) : std::string("all")) + " offset " + std::to_string(b.offset);
      break;
  }
  return q::MakeTimedStream(std::move(in), plan->AddStage(std::move(name), std::move(detail)));
}

Result<std::unique_ptr<q::BatchStream>> RunExplain(Database* db, const Statement& st) {
  TableLookup lookup = [db](std::string_view name) { return db->GetTable(name); };
  ASSIGN_OR_RETURN(BoundSelect b, BindSelect(*st.query, lookup));
  q::QueryPlan plan;
  const auto start = std::chrono::steady_clock::now();
  uint64_t rows = 0;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<q::BatchStream> stream, ExecuteSelect(db, b, &plan));
    if (st.analyze) {
      RecordBatch batch;
      for (;;) {
        ASSIGN_OR_RETURN(bool more, stream->Next(&batch));
        if (!more) break;
        rows += batch.num_rows();
      }
      plan.total_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    }
  }  // the stream (and its scans' snapshots) closed before the catalog is read again

  std::vector<std::string> lines;
  lines.push_back(std::string(st.analyze ? "EXPLAIN ANALYZE" : "EXPLAIN") + " (stages from input to output)");
  for (const auto& s : plan.stages()) {
    std::string line = "  " + s->name;
    if (st.analyze) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "  rows %llu  batches %llu  self %s  total %s",
                    static_cast<unsigned long long>(s->rows_out), static_cast<unsigned long long>(s->batches_out),
                    Millis(s->self_ns).c_str(), Millis(s->inclusive_ns).c_str());
      line += buf;
    }
    lines.push_back(line);
    if (!s->detail.empty()) lines.push_back("      " + s->detail);
  }
  std::vector<const q::LogicalPlan*> scans;
  CollectScans(b, &scans);
  std::unique_ptr<Catalog> catalog;
  if (!scans.empty()) {
    ASSIGN_OR_RETURN(catalog, Catalog::Open(layout::CatalogPath(db->root()), /*read_only=*/true));
  }
  for (size_t i = 0; i < scans.size(); ++i) {
    const q::LogicalPlan& p = *scans[i];
    std::string head = "scan " + p.table + ": symbols " + (p.symbols.empty() ? "all" : Join(p.symbols, ",")) + "; " +
                       RangeText(p) + "; columns " + (p.columns.empty() ? "all" : Join(p.columns, ","));
    if (p.limit) head += "; stops after " + std::to_string(*p.limit) + " rows";
    lines.push_back(head);
    RETURN_IF_ERROR(TierLines(db, catalog.get(), p, &lines));
    if (i < plan.scans().size()) ScanCounterLines(*plan.scans()[i], st.analyze, &lines);
  }
  if (st.analyze) lines.push_back("rows " + std::to_string(rows) + "; total " + Millis(plan.total_ns));
  std::vector<std::vector<std::string>> out;
  for (std::string& l : lines) out.push_back({std::move(l)});
  return StringTable({"plan"}, out);
}

}  // namespace strata::sql::internal
