// DuckDB as the peer of a test, through tools/interop/query_duckdb.mjs (Node + @duckdb/node-api,
// installed by tools/interop/setup.sh): check that it is there, ask it named queries, compare its
// answers with ours value for value.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "query/batch_stream.h"
#include "strata/batch.h"
#include "testutil/node_runner.h"
#include "testutil/testutil.h"

namespace strata::testing {

// "" when Node and DuckDB are installed in `npm_dir` and `scripts` (from tools/interop/, found
// beside `test_source`, the calling test's __FILE__) were copied there; otherwise what is missing.
inline std::string PrepareDuckDbPeer(const std::string& npm_dir, const std::string& test_source,
                                     const std::vector<std::string>& scripts = {"canon.mjs", "query_duckdb.mjs"}) {
  namespace fs = std::filesystem;
  const std::string hint = " -- run tools/interop/setup.sh (it installs DuckDB into " + npm_dir + ")";
  if (std::system("node --version > /dev/null 2>&1") != 0) return "node is not installed" + hint;
  if (!fs::exists(npm_dir + "/node_modules/@duckdb/node-api")) return "npm package @duckdb/node-api is missing" + hint;
  const fs::path dir = fs::path(test_source).parent_path().parent_path() / "tools" / "interop";
  for (const std::string& f : scripts) {
    std::error_code ec;
    fs::copy_file(dir / f, fs::path(npm_dir) / f, fs::copy_options::overwrite_existing, ec);
    if (ec) return "cannot copy " + (dir / f).string() + ": " + ec.message();
  }
  return "";
}

// Runs each (name, sql) in DuckDB after replacing every key of `tables` in the SQL by
// read_parquet('<path>'); answers by name ({"columns": [...], "rows": [[...]]} or {"error": ...}).
inline std::map<std::string, nlohmann::json> AskDuckDb(const std::string& npm_dir, const std::string& work_dir,
                                                       const std::vector<std::pair<std::string, std::string>>& queries,
                                                       const std::map<std::string, std::string>& tables) {
  nlohmann::json spec = nlohmann::json::array();
  for (auto [name, sql] : queries) {
    for (const auto& [key, path] : tables) {
      for (size_t at; (at = sql.find(key)) != std::string::npos;) {
        sql.replace(at, key.size(), "read_parquet('" + path + "')");
      }
    }
    spec.push_back({{"name", name}, {"sql", sql}});
  }
  const std::string spec_path = work_dir + "/spec.json";
  WriteTextFile(spec_path, spec.dump());
  auto out = AskDuckDbSpec(npm_dir, spec_path);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  std::map<std::string, nlohmann::json> answers;
  if (!out.ok()) return answers;
  std::istringstream lines(*out);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    answers[j["name"].get<std::string>()] = j;
  }
  return answers;
}

// `all` as a stream of pieces of 1..max_piece rows (random cuts, reproducible by seed).
inline std::unique_ptr<query::BatchStream> CutIntoPieces(const RecordBatch& all, uint64_t seed, size_t max_piece) {
  std::mt19937_64 rng(seed);
  std::vector<RecordBatch> pieces;
  for (size_t pos = 0; pos < all.num_rows();) {
    const size_t n = std::min<size_t>(all.num_rows() - pos, 1 + rng() % max_piece);
    pieces.push_back(all.Slice(pos, n));
    pos += n;
  }
  return query::MakeVectorStream(all.fields(), std::move(pieces));
}

// "" when DuckDB's answer equals ours value for value (numbers exactly, as canon.mjs prints
// them), nulls included; otherwise where they first differ. With check_names, the columns' names
// must match too.
inline std::string CompareWithDuckDb(const RecordBatch& ours, const nlohmann::json& peer, bool check_names) {
  if (peer.contains("error")) return "DuckDB error: " + peer["error"].get<std::string>();
  const nlohmann::json& cols = peer["columns"];
  const nlohmann::json& rows = peer["rows"];
  if (cols.size() != ours.num_columns()) return "DuckDB has " + std::to_string(cols.size()) + " columns";
  for (size_t c = 0; check_names && c < cols.size(); ++c) {
    if (cols[c] != ours.fields()[c].name) return "column " + std::to_string(c) + " is " + cols[c].dump();
  }
  if (rows.size() != ours.num_rows()) {
    return "DuckDB has " + std::to_string(rows.size()) + " rows, we " + std::to_string(ours.num_rows());
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < cols.size(); ++c) {
      const Column& col = ours.column(c);
      const nlohmann::json& v = rows[r][c];
      const std::string where = "row " + std::to_string(r) + " column " + cols[c].get<std::string>() +
                                " (ours: " + ours.RowToString(r) + "; DuckDB: " + rows[r].dump() + ")";
      if (v.is_null() || col.IsNull(r)) {
        if (v.is_null() != col.IsNull(r)) return "null mismatch at " + where;
        continue;
      }
      const std::string s = v.get<std::string>();
      bool same = false;
      switch (col.type()) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64: same = std::strtoll(s.c_str(), nullptr, 10) == col.int64s()[r]; break;
        case ColumnType::kInt32: same = std::strtoll(s.c_str(), nullptr, 10) == col.int32s()[r]; break;
        case ColumnType::kFloat64: same = std::strtod(s.c_str(), nullptr) == col.doubles()[r]; break;
        case ColumnType::kBool: same = s == (col.bools()[r] ? "true" : "false"); break;
        default: same = s == col.GetString(r);
      }
      if (!same) return "differs at " + where;
    }
  }
  return "";
}

}  // namespace strata::testing
