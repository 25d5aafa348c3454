#include "tier/lake.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string_view>

#include "strata/timestamp.h"

namespace strata::tier {
namespace {

std::string Seq6(int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "part-%06lld.parquet", static_cast<long long>(seq));
  return buf;
}

std::string Hex(const unsigned char* d, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[d[i] >> 4];
    out[2 * i + 1] = kDigits[d[i] & 15];
  }
  return out;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

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
  return std::string(kWarmDirName) + "/" + std::string(table) + "/date=" + FormatDate(DayStartNs(day)) +
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

std::string Sha256Hex(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return Hex(md, len);
}

Status Sha256File(FileSystem* fs, const std::string& path, std::string* hex, uint64_t* size) {
  ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(path));
  ASSIGN_OR_RETURN(uint64_t total, file->Size());
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Status::Internal("SHA-256 init failed for " + path);
  }
  std::string buf(1 << 20, '\0');
  uint64_t off = 0;
  while (off < total) {
    ASSIGN_OR_RETURN(size_t got, file->Read(off, std::min<uint64_t>(buf.size(), total - off), buf.data()));
    if (got == 0) return Status::IOError(path + ": short read at offset " + std::to_string(off));
    EVP_DigestUpdate(ctx.get(), buf.data(), got);
    off += got;
  }
  unsigned char md[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  *hex = Hex(md, len);
  *size = total;
  return Status::OK();
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

}  // namespace strata::tier
