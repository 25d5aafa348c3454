// `strata study` and `strata trials` end to end, and the export read back by DuckDB (from npm,
// installed by tools/interop/setup.sh; without node or DuckDB that test fails loudly).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testutil/cli_runner.h"
#include "testutil/node_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using json = nlohmann::json;
using testing::RunStrata;
using testing::TempDir;
namespace fs = std::filesystem;

class TrialsCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Strata("init").exit_code, 0); }
  testing::CliRun Strata(const std::string& args) {
    return RunStrata(scratch_, "--root " + dir_.Join("db") + " " + args);
  }
  std::vector<json> JsonLines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(json::parse(line));
    return out;
  }
  TempDir dir_, scratch_;
};

TEST_F(TrialsCliTest, CreateAddFinishListFront) {
  auto r = Strata("study create mom --objective sharpe:max --objective drawdown:min --constraint 'turnover<=3'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "created study mom (sharpe:max, drawdown:min)\n");
  ASSERT_EQ(
      Strata("trial add mom --params '{\"lb\":20,\"opt\":\"adam\"}' --values 1.9,0.12 --attrs '{\"turnover\":2}'").out,
      "0\n");
  ASSERT_EQ(
      Strata("trial add mom --params '{\"lb\":40,\"opt\":\"sgd\"}' --values 1.5,0.05 --attrs '{\"turnover\":1}'").out,
      "1\n");
  ASSERT_EQ(Strata("trial add mom --params '{\"lb\":40}' --values 1.0,0.5 --attrs '{\"turnover\":1}'").out, "2\n");
  // Would dominate everything but breaks the constraint.
  ASSERT_EQ(Strata("trial add mom --params '{\"lb\":50}' --values 9,0 --attrs '{\"turnover\":7}'").out, "3\n");
  ASSERT_EQ(Strata("trial add mom --params '{\"lb\":60}' --state running --attrs '{\"turnover\":0}'").out, "4\n");
  ASSERT_EQ(Strata("trial report mom 4 --step 1 --value 0.5").exit_code, 0);
  ASSERT_EQ(Strata("trial report mom 4 --step 2 --value 0.75").exit_code, 0);
  EXPECT_NE(Strata("trial report mom 4 --step 3 --value nan").err.find("not finite"), std::string::npos);
  r = Strata("trial finish mom 4 --values 1.9,0.12");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = Strata("study pareto mom --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<int64_t> numbers;
  for (const json& j : JsonLines(r.out)) numbers.push_back(j["number"].get<int64_t>());
  EXPECT_EQ(numbers, (std::vector<int64_t>{0, 1, 4}));  // 0 and 4 are equal: both on the front
  r = Strata("trials list mom --state complete --format json");
  EXPECT_EQ(JsonLines(r.out).at(4)["intermediate"], R"({"1":0.5,"2":0.75})") << r.out;
  r = Strata("trials front mom --rank 2 --format json");  // trial 2 (1.0, 0.5): dominated by the front only
  numbers.clear();
  for (const json& j : JsonLines(r.out)) numbers.push_back(j["number"].get<int64_t>());
  EXPECT_EQ(numbers, (std::vector<int64_t>{2}));
  r = Strata("trials front mom --objectives drawdown --format json");
  numbers.clear();
  for (const json& j : JsonLines(r.out)) numbers.push_back(j["number"].get<int64_t>());
  EXPECT_EQ(numbers, (std::vector<int64_t>{1}));

  // Front {0, 1, 4} = (1.9, 0.12) twice and (1.5, 0.05), against ref (0, 1): in minimisation
  // terms (-1.9, 0.12), (-1.5, 0.05) vs (0, 1): 1.9 * 0.88 + 1.5 * (0.12 - 0.05) = 1.777.
  r = Strata("trials hypervolume mom --ref 0,1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(std::stod(r.out), 1.9 * 0.88 + 1.5 * 0.07, 1e-12) << r.out;
  r = Strata("trials hypervolume mom --ref 0");
  EXPECT_NE(r.err.find("--ref has 1 values for 2 objectives"), std::string::npos) << r.err;

  r = Strata("trials list mom --order-by sharpe --limit 2 --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("number,state,worker"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n3,complete"), std::string::npos) << r.out;

  r = Strata("study show mom --format json");
  json show = json::parse(r.out);
  EXPECT_EQ(show["trials"], 5);
  EXPECT_EQ(show["params"]["lb"], "int");
  EXPECT_EQ(show["params"]["opt"], "categorical");
  EXPECT_EQ(show["constraints"][0], "turnover<=3");
  r = Strata("study list");
  EXPECT_NE(r.out.find("mom"), std::string::npos);
  ASSERT_EQ(Strata("study rm mom").exit_code, 0);
  EXPECT_NE(Strata("study show mom").exit_code, 0);
}

TEST_F(TrialsCliTest, BadInputIsOneClearLine) {
  ASSERT_EQ(Strata("study create s --objective a:max --objective b:min").exit_code, 0);
  ASSERT_EQ(Strata("trial add s --params '{\"k\":1}' --values 1,2").exit_code, 0);
  struct Case {
    std::string args, want;
  } cases[] = {
      {"trial add nope --values 1,2", "no study 'nope'"},
      {"trial add s --values 1", "1 values for 2 objectives (a:max, b:min)"},
      {"trial add s --values nan,1", "value of objective 'a' is NaN"},
      {"trial add s --values 1,x", "--values: item 2 'x' is not a number"},
      {"trial add s --values 1,2 --params '{\"k\":\"x\"}'", "param 'k' is int in this study"},
      {"trial add s --values 1,2 --params '{\"k\":'", "params is not valid JSON"},
      {"trial add s --values 1,2 --run 77", "run 77 does not exist"},
      {"trials front s --objectives a,zz", "no objective 'zz'"},
      {"trial finish s 0 --values 1,2", "trial 0 is already complete"},
      {"trial finish s 9 --values 1,2", "trial 9 does not exist"},
      {"study create t --objective a:up", "direction must be min or max"},
      {"study create s --objective a:max", "study 's' already exists"},
  };
  for (const Case& c : cases) {
    auto r = Strata(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.err.find(c.want), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.args << ": " << r.err;
  }
  // Nothing was stored by the refused adds.
  EXPECT_EQ(json::parse(Strata("study show s --format json").out)["trials"], 1);
}

// ingest (flush) -> optimise run with trials -> train run reading the table and the trials ->
// model put --run: `strata lineage MODEL@V` walks it back; missing run ids are refused.
TEST_F(TrialsCliTest, LineageFromModelBackToDataAndTrials) {
  ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
  const std::string csv = dir_.Join("t.csv");
  ASSERT_EQ(Strata("gen trades --symbols 2 --rows 500 --date 2026-03-02 --out " + csv).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + csv).exit_code, 0);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  auto opt = Strata("run start optimise --name search");
  ASSERT_EQ(opt.exit_code, 0) << opt.err;
  const std::string opt_id = opt.out.substr(0, opt.out.size() - 1);
  ASSERT_EQ(Strata("study create mom --objective sharpe:max").exit_code, 0);
  ASSERT_EQ(Strata("trial add mom --values 1.5 --run " + opt_id).exit_code, 0);
  ASSERT_EQ(Strata("trial add mom --values 1.9 --run " + opt_id).exit_code, 0);
  ASSERT_EQ(Strata("run finish " + opt_id).exit_code, 0);
  auto train = Strata(
      "run start train --params '{\"lr\":0.01}' --inputs '{\"tables\":[{\"name\":\"trades\",\"from\":0,"
      "\"to\":1900000000000000000}],\"runs\":[" +
      opt_id + "],\"studies\":[{\"name\":\"mom\",\"trials\":[1]}]}'");
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const std::string train_id = train.out.substr(0, train.out.size() - 1);
  const std::string model = dir_.Join("m.bin");
  testing::WriteTextFile(model, std::string(4096, 'x'));
  ASSERT_EQ(Strata("model put alpha " + model + " --run " + train_id).exit_code, 0);
  ASSERT_EQ(Strata("run finish " + train_id + " --metrics '{\"sharpe\":1.9}'").exit_code, 0);

  auto r = Strata("lineage alpha@1 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json tree = json::parse(r.out);
  EXPECT_EQ(tree["run"]["kind"], "train");
  EXPECT_EQ(tree["run"]["outputs"]["metrics"]["sharpe"], 1.9);
  ASSERT_EQ(tree["tables"].size(), 1u);
  EXPECT_EQ(tree["tables"][0]["name"], "trades");
  ASSERT_FALSE(tree["tables"][0]["files"].empty());
  for (const json& f : tree["tables"][0]["files"]) EXPECT_EQ(f["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(tree["studies"][0]["name"], "mom");
  ASSERT_EQ(tree["inputs"].size(), 1u);
  EXPECT_EQ(tree["inputs"][0]["run"]["kind"], "optimise");
  EXPECT_EQ(tree["inputs"][0]["trials"].size(), 2u);
  r = Strata("lineage alpha@1");
  EXPECT_NE(r.out.find("produced trials mom#0, mom#1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reads table trades"), std::string::npos) << r.out;

  r = Strata("trial add mom --values 1 --run 999");
  EXPECT_NE(r.err.find("run 999 does not exist"), std::string::npos) << r.err;
  r = Strata("run start train --inputs '{\"runs\":[999]}'");
  EXPECT_NE(r.err.find("no run 999"), std::string::npos) << r.err;
  r = Strata("lineage run 999");
  EXPECT_NE(r.err.find("no run 999"), std::string::npos) << r.err;
  r = Strata("run show " + opt_id);
  EXPECT_EQ(json::parse(r.out)["status"], "ok");
}

TEST_F(TrialsCliTest, ImportCsvAndJsonLinesAllOrNothing) {
  ASSERT_EQ(Strata("study create s --objective sharpe:max --objective dd:min").exit_code, 0);
  const std::string csv = dir_.Join("t.csv");
  testing::WriteTextFile(csv,
                         "lr,layers,opt,sharpe,dd,state\n0.5,3,adam,1.5,0.2,complete\n1e-3,4,\"s,gd\",2.0,0.3,\n"
                         ",5,adam,,,failed\n");
  auto r = Strata("trials import s " + csv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 3 trials into s (numbers 0-2)"), std::string::npos) << r.out;
  json show = json::parse(Strata("study show s --format json").out);
  EXPECT_EQ(show["params"]["lr"], "float");
  EXPECT_EQ(show["params"]["layers"], "int");
  EXPECT_EQ(show["params"]["opt"], "categorical");
  EXPECT_EQ(show["states"]["failed"], 1);

  const std::string jl = dir_.Join("t.jsonl");
  testing::WriteTextFile(jl,
                         "{\"params\":{\"lr\":0.1},\"values\":{\"sharpe\":3,\"dd\":0.1}}\n"
                         "{\"params\":{\"lr\":0.2},\"values\":[1,1],\"worker\":\"w2\"}\n");
  r = Strata("trials import s " + jl);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(Strata("study show s --format json").out)["trials"], 5);

  // A bad line anywhere: named by file:line, nothing stored.
  struct Case {
    std::string name, text, want;
  } cases[] = {
      {"a.csv", "lr,sharpe,dd\n0.1,1,2\n0.2,nan,2\n", "a.csv:3: study 's': value of objective 'sharpe' is NaN"},
      {"b.csv", "lr,sharpe,dd\n0.1,1,2\nx,1,2\n", "b.csv:3: study 's': param 'lr' is float"},
      {"c.csv", "lr,sharpe,dd\n0.1,1\n", "c.csv:2: 2 fields, the header has 3"},
      {"d.csv", "lr,sharpe,dd\n0.1,1,\n", "d.csv:2: 1 values for 2 objectives"},
      {"e.jsonl", "{\"values\":[1,2]}\n{\"values\":[1,2\n", "e.jsonl:2: not a JSON object"},
      {"f.jsonl", "{\"values\":{\"sharpe\":1}}\n", "f.jsonl:1: values has no number for objective 'dd'"},
      {"g.csv", "lr,x\n1,2\n", "g.csv:1: the header names none of the study's objectives"},
  };
  for (const Case& c : cases) {
    testing::WriteTextFile(dir_.Join(c.name), c.text);
    r = Strata("trials import s " + dir_.Join(c.name));
    EXPECT_NE(r.exit_code, 0) << c.name;
    EXPECT_NE(r.err.find(c.want), std::string::npos) << c.name << ": " << r.err;
  }
  EXPECT_EQ(json::parse(Strata("study show s --format json").out)["trials"], 5);
}

TEST_F(TrialsCliTest, ExportIsReadByDuckDB) {
  const std::string npm = testing::NpmDir();
  ASSERT_EQ(std::system("node --version > /dev/null 2>&1"), 0) << "node is not installed -- run tools/interop/setup.sh";
  ASSERT_TRUE(fs::exists(npm + "/node_modules/@duckdb/node-api")) << "DuckDB missing -- run tools/interop/setup.sh";
  // Ninja compiles with paths relative to the build directory (../tests/x.cc when the build
  // directory is inside the source tree), while ctest runs this binary in <build>/tests.
  fs::path source = __FILE__;
  if (source.is_relative()) source = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / source;
  fs::path scripts = source.parent_path().parent_path() / "tools" / "interop";
  for (const char* f : {"canon.mjs", "query_duckdb.mjs"}) {
    fs::copy_file(scripts / f, fs::path(npm) / f, fs::copy_options::overwrite_existing);
  }
  ASSERT_EQ(Strata("study create s --objective sharpe:max --objective dd:min").exit_code, 0);
  ASSERT_EQ(Strata("trial add s --params '{\"lr\":0.5,\"layers\":3,\"opt\":\"adam\"}' --values 1.25,0.5 --worker w1")
                .exit_code,
            0);
  ASSERT_EQ(Strata("trial add s --params '{\"lr\":2,\"opt\":\"sgd\"}' --values -3,7").exit_code, 0);
  ASSERT_EQ(Strata("trial add s --params '{\"layers\":8}' --state failed").exit_code, 0);
  const std::string out = dir_.Join("s.parquet");
  auto r = Strata("trials export s " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  json spec = json::array();
  spec.push_back({{"name", "rows"},
                  {"sql",
                   "SELECT number, state, worker, values_sharpe, values_dd, params_lr, params_layers, params_opt, "
                   "typeof(params_layers), typeof(params_lr) FROM read_parquet('" +
                       out + "') ORDER BY number"}});
  const std::string spec_path = dir_.Join("spec.json");
  testing::WriteTextFile(spec_path, spec.dump());
  auto answer = testing::AskDuckDbSpec(npm, spec_path);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  json j = json::parse(*answer);
  ASSERT_FALSE(j.contains("error")) << j.dump();
  json want = json::parse(R"([
    ["0","complete","w1","1.25","0.5","0.5","3","adam","BIGINT","DOUBLE"],
    ["1","complete","","-3","7","2",null,"sgd","BIGINT","DOUBLE"],
    ["2","failed","",null,null,null,"8",null,"BIGINT","DOUBLE"]])");
  EXPECT_EQ(j["rows"], want) << j.dump();
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
