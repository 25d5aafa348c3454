// Runs `strata serve` as a child process for end-to-end tests, and curl against it.
//
// Start() forks `strata --root ROOT serve --http 127.0.0.1:0 ARGS`, reads its stdout until the
// "listening on http(s)://HOST:PORT" line (a blocking read of a pipe, no polling) and keeps
// stderr in a file (for tests that check what the server logs).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "testutil/cli_runner.h"

namespace strata::testing {

struct HttpResult {
  int code = 0;  // 0 when curl could not connect
  std::string body;
  std::string headers;
};

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) std::fclose(out_);
  }

  // Starts the server; false (with *error set to what it printed) when it exits before listening.
  bool Start(const std::string& root, const std::string& args, const std::string& stderr_path, std::string* error) {
    int fds[2];
    if (::pipe(fds) != 0) return false;
    stderr_path_ = stderr_path;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(err, STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      // ILP over TCP and PG wire are off unless a test asks for them (their default ports would
      // collide between tests running at once).
      std::string extra;
      if (args.find("--ilp") == std::string::npos) extra += " --ilp off";
      if (args.find("--pg") == std::string::npos) extra += " --pg off";
      const std::string cmd = "exec " + StrataBinary() + " --root " + root + " serve " + args + extra + " </dev/null";
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = ::fdopen(fds[0], "r");
    char line[512];
    while (std::fgets(line, sizeof line, out_) != nullptr) {
      std::string l(line);
      const size_t at = l.find("listening on ");
      if (at == std::string::npos) continue;
      url_ = l.substr(at + 13);
      while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
      port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
      return true;
    }
    // EOF: the server exited.
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    *error = ReadTextFile(stderr_path);
    return false;
  }

  // The port of the next "listening on SCHEME://HOST:PORT" line of the banner whose URL starts
  // with `scheme` (e.g. "ilp://", "postgresql://"); -1 when the banner ends without one. The
  // banner lists HTTP first, then the other listeners (a blocking read of the pipe).
  int ListenerPort(const std::string& scheme) {
    char line[512];
    while (out_ != nullptr && std::fgets(line, sizeof line, out_) != nullptr) {
      std::string l(line);
      const size_t at = l.find("listening on " + scheme);
      if (at == std::string::npos) {
        if (l.find("database ") != std::string::npos) return -1;  // the banner's last line
        continue;
      }
      return std::stoi(l.substr(l.rfind(':') + 1));
    }
    return -1;
  }

  // Sends `sig` and waits for the exit; returns the exit status (128+signal when killed).
  int StopWith(int sig) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
  void Signal(int sig) const { ::kill(pid_, sig); }

  const std::string& url() const { return url_; }
  int port() const { return port_; }
  int exit_code() const { return exit_code_; }
  std::string Stderr() const { return ReadTextFile(stderr_path_); }

 private:
  pid_t pid_ = -1;
  std::FILE* out_ = nullptr;
  std::string url_, stderr_path_;
  int port_ = 0;
  int exit_code_ = -1;
};

// Runs curl; `args` are extra curl arguments (method, headers, data), `url` the full URL.
// The body goes to `scratch`/curl-body-N (returned), headers likewise.
inline HttpResult Curl(const TempDir& scratch, const std::string& args, const std::string& url) {
  static int seq = 0;
  const std::string n = std::to_string(++seq) + "-" + std::to_string(::getpid());
  const std::string body = scratch.Join("curl-body-" + n), head = scratch.Join("curl-head-" + n);
  const std::string cmd = "curl -s -g -o '" + body + "' -D '" + head + "' -w '%{http_code}' " + args + " '" + url + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  HttpResult r;
  if (p == nullptr) return r;
  char buf[64] = {0};
  size_t got = std::fread(buf, 1, sizeof buf - 1, p);
  ::pclose(p);
  r.code = std::atoi(std::string(buf, got).c_str());
  r.body = ReadTextFile(body);
  r.headers = ReadTextFile(head);
  std::remove(body.c_str());
  std::remove(head.c_str());
  return r;
}

}  // namespace strata::testing
