// Runs the `strata` binary (STRATA_BIN, set by ctest) as a real process for end-to-end tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
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

// Runs `strata ARGS` through the shell in `scratch` (which holds its captured stdout/stderr);
// stdin from `input` when given, else /dev/null.
inline CliRun RunStrata(const TempDir& scratch, const std::string& args, const std::string& input = "") {
  const std::string out_path = scratch.Join("out.txt"), err_path = scratch.Join("err.txt");
  std::string cmd = StrataBinary() + " " + args + " >" + out_path + " 2>" + err_path;
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
