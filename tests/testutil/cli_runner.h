// Runs the `strata` binary (STRATA_BIN, set by ctest) as a real process for end-to-end tests.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "testutil/testutil.h"

namespace strata::testing {

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

// The path of the strata binary under test; fails the test when ctest did not set it.
inline std::string StrataBinary() {
  const char* bin = std::getenv("STRATA_BIN");
  EXPECT_NE(bin, nullptr) << "STRATA_BIN is set by ctest";
  return bin == nullptr ? std::string("strata") : std::string(bin);
}

// Under AddressSanitizer (ASAN_OPTIONS set, as the test command sets it), LeakSanitizer's scan at
// exit was a fifth of the CPU of a test that runs the binary many times (e2e_input_cli_test: 16 s
// against 12.4 s without), and the suite starts it about 1,500 times. So each command is checked
// for leaks the first time this test process runs it (keyed by its first two words that are not
// options or paths, e.g. "table create", "ingest trades"), and run again without the scan. The
// engine's own tests check leaks on every run.
inline std::string LeakCheckPrefix(const std::string& args) {
  const char* asan = std::getenv("ASAN_OPTIONS");
  if (asan == nullptr) return "";
  std::string key, word;
  std::istringstream words(args);
  for (int n = 0; n < 2 && words >> word;) {
    if (word.starts_with('-') || word.find('/') != std::string::npos) continue;
    key += word + " ";
    ++n;
  }
  static std::mutex mu;
  static std::set<std::string> checked;
  std::lock_guard<std::mutex> lock(mu);
  if (checked.insert(key).second) return "";
  return "ASAN_OPTIONS='" + std::string(asan) + ":detect_leaks=0' ";
}

// Runs `strata ARGS` through the shell in `scratch` (which holds its captured stdout/stderr);
// stdin from `input` when given, else /dev/null.
inline CliRun RunStrata(const TempDir& scratch, const std::string& args, const std::string& input = "") {
  const std::string out_path = scratch.Join("out.txt"), err_path = scratch.Join("err.txt");
  std::string cmd = LeakCheckPrefix(args) + StrataBinary() + " " + args + " >" + out_path + " 2>" + err_path;
  if (!input.empty()) {
    const std::string in_path = scratch.Join("stdin.txt");
    WriteTextFile(in_path, input);
    cmd += " <" + in_path;
  } else {
    cmd += " </dev/null";
  }
  const int status = std::system(cmd.c_str());
  return {WEXITSTATUS(status), ReadTextFile(out_path), ReadTextFile(err_path)};
}

// `strata ARGS` running in the background (a follower: `tail -f`, `replica`), its stdout read line
// by line. Waits are bounded by a deadline, never by a sleep. The destructor kills it (SIGKILL).
class StrataProcess {
 public:
  explicit StrataProcess(const std::string& args) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string cmd = "exec " + StrataBinary() + " " + args + " </dev/null";
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  StrataProcess(const StrataProcess&) = delete;
  StrataProcess& operator=(const StrataProcess&) = delete;
  ~StrataProcess() { Stop(SIGKILL); }

  // Sends `signal` and reaps the process.
  void Stop(int signal = SIGTERM) {
    if (pid_ > 0) {
      ::kill(pid_, signal);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Reads until `lines` complete lines were printed in all, the process ends its output, or the
  // deadline; returns every line so far.
  std::vector<std::string> WaitForLines(size_t lines, std::chrono::seconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (lines_.size() < lines && ReadSome(end)) {
    }
    return lines_;
  }
  // Reads until a line contains `text` (true), or the process ends its output or the deadline
  // passes (false).
  bool WaitForLine(const std::string& text, std::chrono::seconds deadline = std::chrono::seconds(120)) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (size_t seen = 0;;) {
      for (; seen < lines_.size(); ++seen) {
        if (lines_[seen].find(text) != std::string::npos) return true;
      }
      if (!ReadSome(end)) return false;
    }
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  // One read of its output, waiting until `end` at most; false at its end or the deadline.
  bool ReadSome(std::chrono::steady_clock::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (fd_ < 0 || left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    partial_.append(buf, static_cast<size_t>(n));
    for (size_t at; (at = partial_.find('\n')) != std::string::npos;) {
      lines_.push_back(partial_.substr(0, at));
      partial_.erase(0, at + 1);
    }
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string partial_;
  std::vector<std::string> lines_;
};

}  // namespace strata::testing
