#include "testutil/testutil.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace strata::testing {

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/strata-test-XXXXXX";
  char* p = mkdtemp(tmpl.data());
  if (p == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << tmpl;
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteTextFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RecordBatch MakeTrades(size_t rows, int symbols, int64_t start_ns, uint64_t seed) {
  Schema schema = Schema::Template("trades").value();
  RecordBatch batch(schema);
  batch.Reserve(rows);
  std::mt19937_64 rng(seed);
  std::vector<int64_t> next_id(symbols, 1);
  static const char* kExchanges[] = {"XNAS", "XNYS", "ARCX", "BATS"};
  for (size_t i = 0; i < rows; ++i) {
    int sym = static_cast<int>(rng() % symbols);
    batch.column(0).AppendInt64(start_ns + static_cast<int64_t>(i) * 1'000'000);
    batch.column(1).AppendString("S" + std::to_string(sym));
    batch.column(2).AppendDouble(100.0 + static_cast<double>(rng() % 10000) / 100.0);
    batch.column(3).AppendInt64(static_cast<int64_t>(100 * (1 + rng() % 10)));
    batch.column(4).AppendInt64(next_id[sym]++);
    batch.column(5).AppendString(kExchanges[rng() % 4]);
  }
  return batch;
}

std::string SharedDir() {
  const char* dir = getenv("STRATA_SHARED_DIR");
  return dir ? dir : "";
}

bool Sanitized() {
  const char* s = getenv("STRATA_SANITIZED");
  return s != nullptr && std::string_view(s) == "1";
}

std::vector<int> CrashPoints(int n) {
  const int stride = Sanitized() ? 3 : 1;
  std::vector<int> ops;
  for (int k = 1; k <= n; k += stride) ops.push_back(k);
  if (n >= 1 && ops.back() != n) ops.push_back(n);
  return ops;
}

}  // namespace strata::testing
