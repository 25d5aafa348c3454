#include "tier/lake.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "catalog/layout.h"
#include "strata/timestamp.h"

namespace strata::tier {
namespace {

std::string Seq6(int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "part-%06lld.parquet", static_cast<long long>(seq));
  return buf;
}

}  // namespace

std::string EscapePartitionValue(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
        c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  if (out.empty() || out == "." || out == "..") out = "%" + out;  // never a special directory name
  return out;
}

std::string WarmSeriesDayDir(std::string_view table, int64_t day, std::string_view symbol) {
  return std::string(layout::kWarmDirName) + "/" + std::string(table) + "/date=" + FormatDate(DayStartNs(day)) +
         "/symbol=" + EscapePartitionValue(symbol);
}

std::string WarmRelPath(std::string_view table, int64_t day, std::string_view symbol, int64_t seq) {
  return WarmSeriesDayDir(table, day, symbol) + "/" + Seq6(seq);
}

std::string ColdSeriesMonthPrefix(std::string_view table, int64_t month, std::string_view symbol) {
  const int64_t year = 1970 + (month >= 0 ? month / 12 : -((-month - 1) / 12) - 1);
  const int64_t mon = month - (year - 1970) * 12 + 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "/year=%04lld/month=%02lld/symbol=", static_cast<long long>(year),
                static_cast<long long>(mon));
  return std::string(table) + buf + EscapePartitionValue(symbol);
}

std::string ColdKey(std::string_view table, int64_t month, std::string_view symbol, int64_t seq) {
  return ColdSeriesMonthPrefix(table, month, symbol) + "/" + Seq6(seq);
}

std::optional<int64_t> PartSeq(std::string_view path) {
  const size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  constexpr std::string_view kPrefix = "part-", kSuffix = ".parquet";
  if (name.size() <= kPrefix.size() + kSuffix.size() || name.substr(0, kPrefix.size()) != kPrefix ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  std::string_view digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || v > (INT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

int64_t MonthOf(int64_t ns) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(DayOf(ns), &y, &m, &d);
  return (y - 1970) * 12 + (m - 1);
}

int64_t DayStartNs(int64_t day) { return day * kNanosPerDay; }

int64_t MonthStartNs(int64_t month) {
  const int64_t year = 1970 + (month >= 0 ? month / 12 : -((-month - 1) / 12) - 1);
  const int64_t mon = month - (year - 1970) * 12 + 1;
  return DaysFromCivil(year, static_cast<unsigned>(mon), 1) * kNanosPerDay;
}

Status CreateDirsDurably(FileSystem* fs, const std::string& durable_root, const std::string& dir) {
  // Find the first missing level, create everything, then fsync each parent from there down.
  std::vector<std::string> levels;  // dir, its parent, ... up to (excluding) durable_root
  for (std::string d = dir; d.size() > durable_root.size() && d != durable_root; d = DirName(d)) {
    levels.push_back(d);
  }
  size_t missing = 0;  // levels[0..missing) do not exist
  for (; missing < levels.size(); ++missing) {
    ASSIGN_OR_RETURN(bool exists, fs->Exists(levels[missing]));
    if (exists) break;
  }
  if (missing == 0) return Status::OK();
  RETURN_IF_ERROR(fs->CreateDirs(dir));
  for (size_t i = missing; i-- > 0;) RETURN_IF_ERROR(fs->SyncDir(DirName(levels[i])));
  return Status::OK();
}

std::vector<uint32_t> StableTsOrder(const RecordBatch& batch, int ts_col) {
  const std::vector<int64_t>& ts = batch.column(ts_col).int64s();
  if (std::is_sorted(ts.begin(), ts.end())) return {};
  std::vector<uint32_t> order(ts.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ts[a] < ts[b]; });
  return order;
}

RecordBatch SortByTs(const RecordBatch& batch, int ts_col) {
  std::vector<uint32_t> order = StableTsOrder(batch, ts_col);
  if (order.empty()) return batch;
  return batch.Take(order);
}

RecordBatch SortByTs(RecordBatch&& batch, int ts_col) {
  std::vector<uint32_t> order = StableTsOrder(batch, ts_col);
  if (order.empty()) return std::move(batch);
  return batch.Take(order);
}

namespace {

bool RowsEqual(const RecordBatch& b, size_t x, size_t y) {
  for (const Column& c : b.columns()) {
    if (c.IsNull(x) != c.IsNull(y)) return false;
    if (c.IsNull(x)) continue;
    switch (c.type()) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64:
        if (c.int64s()[x] != c.int64s()[y]) return false;
        break;
      case ColumnType::kInt32:
        if (c.int32s()[x] != c.int32s()[y]) return false;
        break;
      case ColumnType::kFloat64:
        if (std::bit_cast<uint64_t>(c.doubles()[x]) != std::bit_cast<uint64_t>(c.doubles()[y])) return false;
        break;
      case ColumnType::kBool:
        if (c.bools()[x] != c.bools()[y]) return false;
        break;
      case ColumnType::kSymbol:
      case ColumnType::kString:
        if (c.GetString(x) != c.GetString(y)) return false;
        break;
    }
  }
  return true;
}

}  // namespace

size_t Dedup(RecordBatch* batch, int key_col) {
  const size_t n = batch->num_rows();
  std::vector<uint32_t> keep;
  keep.reserve(n);
  if (key_col >= 0) {
    const Column& k = batch->column(key_col);
    if (k.type() == ColumnType::kInt64 || k.type() == ColumnType::kTimestamp || k.type() == ColumnType::kInt32) {
      std::unordered_set<int64_t> seen;
      seen.reserve(n);
      bool null_seen = false;
      for (size_t i = 0; i < n; ++i) {
        bool fresh;
        if (k.IsNull(i)) {
          fresh = !null_seen;
          null_seen = true;
        } else {
          const int64_t v = k.type() == ColumnType::kInt32 ? k.int32s()[i] : k.int64s()[i];
          fresh = seen.insert(v).second;
        }
        if (fresh) keep.push_back(static_cast<uint32_t>(i));
      }
    } else {
      std::unordered_set<std::string> seen;
      for (size_t i = 0; i < n; ++i) {
        std::string v;
        if (k.IsNull(i)) {
          v = std::string("\0null", 5);
        } else if (k.type() == ColumnType::kFloat64) {
          v = std::to_string(std::bit_cast<uint64_t>(k.doubles()[i]));
        } else if (k.type() == ColumnType::kBool) {
          v = k.bools()[i] ? "1" : "0";
        } else {
          v = std::string(k.GetString(i));
        }
        if (seen.insert(std::move(v)).second) keep.push_back(static_cast<uint32_t>(i));
      }
    }
  } else {
    // Exact duplicates have equal ts, so they are neighbours within a run of equal timestamps.
    const int ts_col = [&] {
      for (size_t c = 0; c < batch->num_columns(); ++c) {
        if (batch->fields()[c].type == ColumnType::kTimestamp) return static_cast<int>(c);
      }
      return -1;
    }();
    if (ts_col < 0) return 0;
    const std::vector<int64_t>& ts = batch->column(ts_col).int64s();
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j < n && ts[j] == ts[i]) ++j;
      const size_t first_kept = keep.size();
      for (size_t r = i; r < j; ++r) {
        bool dup = false;
        for (size_t q = first_kept; q < keep.size() && !dup; ++q) dup = RowsEqual(*batch, keep[q], r);
        if (!dup) keep.push_back(static_cast<uint32_t>(r));
      }
      i = j;
    }
  }
  const size_t removed = n - keep.size();
  if (removed > 0) *batch = batch->Take(keep);
  return removed;
}

}  // namespace strata::tier
