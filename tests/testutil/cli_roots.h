// A fixture for end-to-end tests of the CLI over several database roots (backups and restores,
// point-in-time recovery, replicas): runs `strata` at a root, reads its rows and last LSN back,
// and splits generated trades into CSV chunks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata::testing {

class CliRootsTest : public ::testing::Test {
 protected:
  CliRun At(const std::string& root, const std::string& args) { return RunStrata(dir_, "--root " + root + " " + args); }
  void Ok(const std::string& root, const std::string& args) {
    CliRun r = At(root, args);
    ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.out << r.err;
  }
  // Every row of `trades` at `root` as CSV lines, sorted.
  std::vector<std::string> Rows(const std::string& root) {
    CliRun r = At(root, "query trades --format csv");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return SortedLines(r.out);
  }
  // The last LSN `strata stats` reports at `root` (0 when it reports none).
  uint64_t LastLsn(const std::string& root) {
    CliRun r = At(root, "stats");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const size_t at = r.out.find("last LSN ");
    EXPECT_NE(at, std::string::npos) << r.out;
    std::string digits;
    for (size_t i = at + 9; at != std::string::npos && i < r.out.size() && (isdigit(r.out[i]) || r.out[i] == ',');
         ++i) {
      if (r.out[i] != ',') digits += r.out[i];
    }
    return digits.empty() ? 0 : std::stoull(digits);
  }
  // `n` CSV files of `rows` trades each, distinct rows (one file `strata gen` wrote, split; a header
  // on each). `gen_root` is the --root the gen command runs with.
  std::vector<std::string> GeneratedChunks(int n, int rows, const std::string& gen_root) {
    const std::string all = dir_.Join("all.csv");
    Ok(gen_root, "gen trades --symbols 2 --rows " + std::to_string(n * rows) + " --date 2026-03-02 --out " + all);
    std::ifstream in(all);
    std::string header, line;
    std::getline(in, header);
    std::vector<std::string> files;
    for (int k = 0; k < n; ++k) {
      files.push_back(dir_.Join("chunk" + std::to_string(k) + ".csv"));
      std::ofstream out(files.back());
      out << header << "\n";
      for (int i = 0; i < rows && std::getline(in, line); ++i) out << line << "\n";
    }
    return files;
  }
  static std::vector<std::string> SortedLines(const std::string& s) {
    std::vector<std::string> lines;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  TempDir dir_;
};

}  // namespace strata::testing
