// Runs the npm peers (DuckDB, parquet-wasm, hyparquet, s3rver) that tools/interop/setup.sh installs,
// for the interop tests.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
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

// Answers the queries of SPEC_PATH in DuckDB (tools/interop/query_duckdb.mjs, which the test has
// copied into `npm_dir`): the JSON lines `node query_duckdb.mjs SPEC_PATH` prints. One Node process
// per test process serves every call (`--serve`): Node's start and DuckDB's load cost 0.7 s of CPU,
// and some tests ask DuckDB dozens of times. Each spec still gets a new in-memory database. A
// process that died is started again at the next call, after its error (with its stderr) is
// returned. Safe to call from tests running in parallel.
inline Result<std::string> AskDuckDbSpec(const std::string& npm_dir, const std::string& spec_path) {
  struct Server {
    std::string dir;
    pid_t pid = -1;
    FILE* to = nullptr;    // its stdin: one spec path per line
    FILE* from = nullptr;  // its stdout: answers, then {"end":true}
    std::string err_path;
    void Stop() {
      if (to != nullptr) fclose(to);
      if (from != nullptr) fclose(from);
      if (pid > 0) waitpid(pid, nullptr, 0);
      if (!err_path.empty()) std::remove(err_path.c_str());
      *this = Server();
    }
  };
  static std::mutex mu;
  static Server server;
  std::lock_guard<std::mutex> lock(mu);
  if (server.pid > 0 && server.dir != npm_dir) server.Stop();
  if (server.pid <= 0) {
    std::signal(SIGPIPE, SIG_IGN);  // a write to a server that died is an error, not the test's end
    char err_path[] = "/tmp/strata-duckdb-stderr-XXXXXX";
    const int err_fd = mkstemp(err_path);
    if (err_fd < 0) return Status::IOError("cannot create a temporary file for node's stderr");
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) return Status::IOError("pipe for node's stdin failed");
    if (pipe2(out, O_CLOEXEC) != 0) return Status::IOError("pipe for node's stdout failed");
    const pid_t pid = fork();
    if (pid < 0) return Status::IOError("fork failed");
    if (pid == 0) {  // only async-signal-safe calls until exec
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err_fd, 2);
      if (chdir(npm_dir.c_str()) != 0) _exit(127);
      execlp("node", "node", "query_duckdb.mjs", "--serve", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err_fd);
    server.dir = npm_dir;
    server.pid = pid;
    server.to = fdopen(in[1], "w");
    server.from = fdopen(out[0], "r");
    server.err_path = err_path;
  }
  std::string out;
  bool ended = false;
  if (fprintf(server.to, "%s\n", spec_path.c_str()) > 0 && fflush(server.to) == 0) {
    char* line = nullptr;
    size_t cap = 0;
    for (ssize_t n; (n = getline(&line, &cap, server.from)) > 0;) {
      if (std::string(line, n) == "{\"end\":true}\n") {
        ended = true;
        break;
      }
      out.append(line, n);
    }
    free(line);
  }
  if (!ended) {
    std::stringstream err;
    err << std::ifstream(server.err_path).rdbuf();
    server.Stop();
    return Status::IOError("node query_duckdb.mjs --serve (in " + npm_dir + ") ended while answering " + spec_path +
                           ": " + err.str());
  }
  return out;
}

}  // namespace strata::testing
