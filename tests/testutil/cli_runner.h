// Runs the `strata` binary (STRATA_BIN, set by ctest) as a real process for end-to-end tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

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

}  // namespace strata::testing
