// Shared test helpers: status matchers, temporary directories, seeded data.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "strata/batch.h"
#include "strata/status.h"

// The namespace of an end-to-end test file's helpers (tests/CMakeLists.txt): in a unity build of
// strata_e2e_test, CMake names it per file so two files' helpers cannot collide in one batch;
// otherwise it is empty, an anonymous namespace.
#ifndef STRATA_UNITY_ID
#define STRATA_UNITY_ID
#endif

#define ASSERT_OK(expr)                                       \
  do {                                                        \
    ::strata::Status _st = ::strata::testing::ToStatus(expr); \
    ASSERT_TRUE(_st.ok()) << _st.ToString();                  \
  } while (0)
#define EXPECT_OK(expr)                                       \
  do {                                                        \
    ::strata::Status _st = ::strata::testing::ToStatus(expr); \
    EXPECT_TRUE(_st.ok()) << _st.ToString();                  \
  } while (0)
// `ASSERT_OK_AND_ASSIGN(auto x, Foo());`
#define ASSERT_OK_AND_ASSIGN(lhs, expr) ASSERT_OK_AND_ASSIGN_IMPL(STRATA_CONCAT(_strata_t_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(res, lhs, expr)   \
  auto res = (expr);                                \
  ASSERT_TRUE(res.ok()) << res.status().ToString(); \
  lhs = std::move(res).value()

namespace strata::testing {

inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `contents` to `path` (test setup only; bypasses FileSystem on purpose).
void WriteTextFile(const std::string& path, const std::string& contents);
std::string ReadTextFile(const std::string& path);

// A trades batch (schema from Schema::Template("trades")) with `rows` rows spread over
// `symbols` symbols named S0, S1, ..., timestamps starting at `start_ns` 1 ms apart, and
// trade ids that are unique per symbol. Deterministic for `seed`.
RecordBatch MakeTrades(size_t rows, int symbols, int64_t start_ns, uint64_t seed);

// The directory that holds ../shared (STRATA_SHARED_DIR, set by ctest), or "" if unknown.
std::string SharedDir();

// True under AddressSanitizer + UndefinedBehaviorSanitizer (STRATA_SANITIZED=1, set by
// ./strata.sh test): the code runs several times slower there, so data-heavy tests use less data
// (the same paths, fewer rows).
bool Sanitized();

// The ops a crash-at-every-op loop crashes at, of the `n` mutating file operations an operation
// does: every one of 1..n in a release build; under the sanitizers every third and the last
// (1, 4, 7, ..., n). The release run proves every crash point recovers; the sanitized run looks for
// memory errors on the recovery paths, which the same code takes at most crash points.
std::vector<int> CrashPoints(int n);

}  // namespace strata::testing
