// Runs the npm peers (DuckDB, parquet-wasm, hyparquet, s3rver) that tools/interop/setup.sh installs,
// for the interop tests.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "strata/status.h"

namespace strata::testing {

// Where tools/interop/setup.sh put the npm packages: $STRATA_NPM_DIR, else $STRATA_CACHE/npm, else
// ~/.cache/strata/npm.
inline std::string NpmDir() {
  if (const char* d = std::getenv("STRATA_NPM_DIR"); d && *d) return d;
  if (const char* c = std::getenv("STRATA_CACHE"); c && *c) return std::string(c) + "/npm";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.cache/strata/npm";
}

// Runs `node ARGS` in `dir` (so the scripts find their packages); returns its stdout, or an error
// carrying its exit status and stderr. Safe to call from tests running in parallel.
inline Result<std::string> RunNode(const std::string& dir, const std::string& args) {
  char err_path[] = "/tmp/strata-node-stderr-XXXXXX";
  const int fd = mkstemp(err_path);
  if (fd < 0) return Status::IOError("cannot create a temporary file for node's stderr");
  close(fd);
  const std::string cmd = "cd '" + dir + "' && node " + args + " 2>'" + err_path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    std::remove(err_path);
    return Status::IOError("cannot run: " + cmd);
  }
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  std::stringstream err;
  err << std::ifstream(err_path).rdbuf();
  std::remove(err_path);
  if (rc != 0) {
    return Status::IOError("node " + args + " failed (status " + std::to_string(rc) + "): " + err.str());
  }
  return out;
}

}  // namespace strata::testing
