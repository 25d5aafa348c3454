// End-to-end tests of `strata model` and `strata tensor`: real processes, real files.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "artifacts/artifacts_test_util.h"
#include "artifacts/safetensors.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

class ArtifactsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("STRATA_BIN");
    ASSERT_NE(bin, nullptr) << "STRATA_BIN is set by ctest";
    bin_ = bin;
    root_ = dir_.Join("db");
    ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  }

  CliRun Strata(const std::string& args) {
    std::string out_path = dir_.Join("out.txt"), err_path = dir_.Join("err.txt");
    std::string cmd = bin_ + " --root " + root_ + " " + args + " >" + out_path + " 2>" + err_path + " </dev/null";
    int status = std::system(cmd.c_str());
    return {WEXITSTATUS(status), testing::ReadTextFile(out_path), testing::ReadTextFile(err_path)};
  }

  testing::TempDir dir_;
  std::string bin_;
  std::string root_;
};

TEST_F(ArtifactsCliTest, HelpTeachesWithExamples) {
  for (const char* cmd :
       {"model", "model put", "model get", "model list", "model show", "model diff", "model promote", "model alias",
        "model rm", "model archive", "model restore", "model gc", "model stats", "model verify", "tensor info"}) {
    CliRun r = Strata(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Examples"), std::string::npos) << cmd << ":\n" << r.out;
  }
}

TEST_F(ArtifactsCliTest, PutGetDiffPromoteRmGcStats) {
  artifacts::testing::ModelSpec base = artifacts::testing::MakeModel(4 << 20, 10, 1);
  ASSERT_OK(artifacts::testing::WriteModel(base, dir_.Join("v1.safetensors")));
  artifacts::testing::ModelSpec tuned = base;
  tuned.data[4] = artifacts::testing::RandomF16(tuned.data[4].size() / 2, 99);
  ASSERT_OK(artifacts::testing::WriteModel(tuned, dir_.Join("v2.safetensors")));

  CliRun r = Strata("model put alpha " + dir_.Join("v1.safetensors") + R"( --meta '{"framework":"torch"}')");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("version 1"), std::string::npos) << r.out;
  r = Strata("model put alpha " + dir_.Join("v2.safetensors") + R"( --metrics '{"sharpe":2.1}')");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("version 2"), std::string::npos) << r.out;

  r = Strata("model diff alpha@1 alpha@2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("shared:"), std::string::npos) << r.out;

  r = Strata("model promote alpha@1 --stage production");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Strata("model get alpha@production " + dir_.Join("prod.out"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadTextFile(dir_.Join("prod.out")), testing::ReadTextFile(dir_.Join("v1.safetensors")));
  r = Strata("model get alpha " + dir_.Join("latest.out"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadTextFile(dir_.Join("latest.out")), testing::ReadTextFile(dir_.Join("v2.safetensors")));

  r = Strata("model show alpha@2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sharpe"), std::string::npos) << r.out;
  r = Strata("model list alpha");
  EXPECT_NE(r.out.find("@production"), std::string::npos) << r.out;

  r = Strata("model stats");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dedup ratio"), std::string::npos) << r.out;

  r = Strata("model rm alpha@1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Strata("model gc");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("removed"), std::string::npos) << r.out;
  r = Strata("model verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  r = Strata("model get alpha@1 " + dir_.Join("x"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("strata: error: model 'alpha' has no version 1"), std::string::npos) << r.err;
  r = Strata("model put 'bad name' " + dir_.Join("v1.safetensors"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("strata: error:"), std::string::npos);
}

TEST_F(ArtifactsCliTest, VerifyNamesTheCorruptChunkAndFails) {
  testing::WriteTextFile(dir_.Join("m.bin"), artifacts::testing::RandomBytes(1 << 20, 5));
  ASSERT_EQ(Strata("model put beta " + dir_.Join("m.bin")).exit_code, 0);
  // Flip one byte in the middle of the (only) pack: inside some chunk's payload.
  const std::string pack = root_ + "/artifacts/packs/pack-0000000001.pack";
  std::fstream f(pack, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(600'000);
  f.put('\x42');
  f.close();
  CliRun r = Strata("model verify");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("CORRUPT model beta version 1 chunk"), std::string::npos) << r.out;
  r = Strata("model get beta " + dir_.Join("out"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("model beta version 1: chunk"), std::string::npos) << r.err;
  // The database-wide check finds it too (and only checks the models with --tier models).
  for (const char* cmd : {"verify", "verify --tier models"}) {
    r = Strata(cmd);
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_NE(r.out.find("corrupt  model beta version 1 chunk"), std::string::npos) << cmd << ": " << r.out;
    EXPECT_NE(r.err.find("verify found 1 problem"), std::string::npos) << cmd << ": " << r.err;
  }
  EXPECT_EQ(Strata("verify --tier warm").exit_code, 0);
}

TEST_F(ArtifactsCliTest, TensorInfo) {
  std::string w = artifacts::testing::RandomBytes(24, 1);
  ASSERT_OK(artifacts::WriteSafetensors(DefaultFileSystem(), dir_.Join("t.safetensors"),
                                        {{"embed.weight", artifacts::DType::kBF16, {3, 4}, w}}, {{"format", "pt"}}));
  CliRun r = Strata("tensor info " + dir_.Join("t.safetensors"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("embed.weight"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("BF16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[3, 4]"), std::string::npos) << r.out;
  testing::WriteTextFile(dir_.Join("bad.safetensors"), std::string("\x10\0\0\0\0\0\0\0{\"a\":1}", 15));
  r = Strata("tensor info " + dir_.Join("bad.safetensors"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("bad.safetensors"), std::string::npos) << r.err;
}

TEST_F(ArtifactsCliTest, ArchiveToTheColdTierLoadRestoreVerify) {
  artifacts::testing::ModelSpec base = artifacts::testing::MakeModel(4 << 20, 10, 3);
  ASSERT_OK(artifacts::testing::WriteModel(base, dir_.Join("v1.safetensors")));
  ASSERT_EQ(Strata("model put alpha " + dir_.Join("v1.safetensors")).exit_code, 0);
  ASSERT_EQ(Strata("model put alpha " + dir_.Join("v1.safetensors") + " --version 2").exit_code, 0);
  ASSERT_EQ(Strata("model promote alpha@2 --stage production").exit_code, 0);

  CliRun r = Strata("model archive alpha@2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("strata: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("production"), std::string::npos) << r.err;
  ASSERT_EQ(Strata("model promote alpha@2 --stage staging").exit_code, 0);

  r = Strata("model archive --all");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("archived 2 version(s)"), std::string::npos) << r.out;
  ASSERT_OK_AND_ASSIGN(auto names, DefaultFileSystem()->ListDir(root_ + "/artifacts/packs"));
  EXPECT_TRUE(names.empty());
  ASSERT_OK_AND_ASSIGN(auto cold, DefaultFileSystem()->ListDir(root_ + "/cold/models/packs"));
  EXPECT_FALSE(cold.empty());

  r = Strata("model stats");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("local disk:        0 B"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cold store:"), std::string::npos) << r.out;

  ASSERT_EQ(Strata("model get alpha@1 " + dir_.Join("out.safetensors")).exit_code, 0);
  EXPECT_EQ(testing::ReadTextFile(dir_.Join("out.safetensors")), testing::ReadTextFile(dir_.Join("v1.safetensors")));
  r = Strata("verify --tier models");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("cold packs: OK"), std::string::npos) << r.out;

  // A missing cold pack is named by both verifies.
  ASSERT_OK(DefaultFileSystem()->RemoveFile(root_ + "/cold/models/packs/" + cold[0]));
  r = Strata("verify --tier models");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(cold[0]), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("missing"), std::string::npos) << r.out;
  r = Strata("model verify");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("COLD pack " + cold[0]), std::string::npos) << r.out;
  r = Strata("model restore alpha@1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(cold[0]), std::string::npos) << r.err;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
