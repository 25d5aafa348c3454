// End-to-end tests of the catalog's safety: open-time cleanup touches only the tiers' own files,
// `init` refuses a directory that holds data, `recover-catalog` rebuilds a lost catalog, and a
// command that fails changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;
namespace fs = std::filesystem;

// A small tmpfs at `dir` for the length of a test (full disks, read-only media). Needs root and
// CAP_SYS_ADMIN; tests skip without.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = std::system(("mount -t tmpfs -o size=" + size + " tmpfs " + dir + " 2>/dev/null").c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted_) (void)std::system(("umount " + dir_ + " 2>/dev/null").c_str());
  }
  bool ok() const { return mounted_; }
  bool Remount(const std::string& opt) {
    return std::system(("mount -o remount," + opt + " " + dir_ + " 2>/dev/null").c_str()) == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
};

class CatalogCliTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = dir_.Join("db"); }
  CliRun Strata(const std::string& args) { return testing::RunStrata(dir_, "--root " + root_ + " " + args); }
  std::vector<std::string> Files(const std::string& rel) {
    std::vector<std::string> out;
    if (!fs::exists(root_ + "/" + rel)) return out;
    for (auto& e : fs::recursive_directory_iterator(root_ + "/" + rel)) {
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root_).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  void WriteFile(const std::string& path, const std::string& data) {
    std::ofstream f(path, std::ios::binary);
    f << data;
  }
  std::string ReadFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  // A database with a trades table whose rows are in warm files.
  void MakeWarmData(int rows = 3000) {
    ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
    ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
    const std::string csv = dir_.Join("t.csv");
    ASSERT_EQ(
        Strata("gen trades --symbols 2 --rows " + std::to_string(rows) + " --date 2026-03-02 --out " + csv).exit_code,
        0);
    ASSERT_EQ(Strata("ingest trades " + csv).exit_code, 0);
    CliRun r = Strata("flush");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  testing::TempDir dir_;
  std::string root_;
};

TEST_F(CatalogCliTest, RecoverCatalogHelp) {
  CliRun r = Strata("recover-catalog --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Example"), std::string::npos) << r.out;
  r = Strata("recover-catalog");  // no database here at all: nothing to recover from, nothing created
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(fs::exists(root_ + "/catalog.db"));
}

// Issue 18 #1: the model store's archived packs live in the cold store beside the tier's files;
// a writer's open must not take them for orphans, nor verify report them.
TEST_F(CatalogCliTest, WritableOpenKeepsArchivedModelPacks) {
  ASSERT_EQ(Strata("init").exit_code, 0);
  const std::string model = dir_.Join("m.bin");
  std::string bytes(300000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 7919) >> 3);
  WriteFile(model, bytes);
  CliRun r = Strata("model put alpha " + model);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Strata("model archive alpha@1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Strata("table create t --template trades");  // a writable open
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("orphan"), std::string::npos) << r.err;
  const std::string out = dir_.Join("out.bin");
  r = Strata("model get alpha@1 " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(out), bytes);
  r = Strata("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("orphan"), std::string::npos) << r.out;
}

// Issue 13 #3: deleting the catalog and following the old advice (`init`) must not lose the warm
// tier: init refuses, recover-catalog rebuilds the catalog from the files, every row is back.
TEST_F(CatalogCliTest, InitRefusesDataAndRecoverCatalogRebuildsIt) {
  MakeWarmData();
  ASSERT_EQ(Strata("migrate --all").exit_code, 0);  // some rows to cold
  const std::string csv2 = dir_.Join("t2.csv");
  ASSERT_EQ(Strata("gen trades --symbols 2 --rows 1000 --date 2026-04-01 --out " + csv2).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + csv2).exit_code, 0);
  ASSERT_EQ(Strata("flush").exit_code, 0);  // and some in warm
  const std::string csv3 = dir_.Join("t3.csv");
  ASSERT_EQ(Strata("gen trades --symbols 1 --rows 500 --date 2026-05-01 --out " + csv3).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + csv3).exit_code, 0);  // and some only in the WAL
  // A second table, created later but first by name: WAL records name tables by id, so the
  // rebuilt catalog must give each table its old id.
  ASSERT_EQ(Strata("table create aaa --template trades").exit_code, 0);
  ASSERT_EQ(Strata("ingest aaa " + csv3).exit_code, 0);
  ASSERT_EQ(Strata("flush aaa").exit_code, 0);
  const std::string csv4 = dir_.Join("t4.csv");
  ASSERT_EQ(Strata("gen trades --symbols 1 --rows 300 --date 2026-05-02 --out " + csv4).exit_code, 0);
  ASSERT_EQ(Strata("ingest aaa " + csv4).exit_code, 0);  // WAL only
  // A third table with rows in the WAL only and no file: the WAL's create record (CreateTable's
  // commit point) recreates it when the rebuilt catalog is first opened.
  ASSERT_EQ(Strata("table create bbb --template trades").exit_code, 0);
  ASSERT_EQ(Strata("ingest bbb " + csv4).exit_code, 0);
  CliRun before_bbb = Strata("query bbb --format csv");
  ASSERT_EQ(before_bbb.exit_code, 0) << before_bbb.err;
  CliRun before = Strata("query trades --format csv");
  ASSERT_EQ(before.exit_code, 0) << before.err;
  CliRun before_aaa = Strata("query aaa --format csv");
  ASSERT_EQ(before_aaa.exit_code, 0) << before_aaa.err;
  const std::vector<std::string> warm = Files("warm"), cold = Files("cold");
  ASSERT_FALSE(warm.empty());
  ASSERT_FALSE(cold.empty());

  for (const char* f : {"catalog.db", "catalog.db-wal", "catalog.db-shm"}) fs::remove(root_ + "/" + f);
  CliRun r = Strata("stats");
  EXPECT_NE(r.exit_code, 0);
  r = Strata("init");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("recover-catalog"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(root_ + "/catalog.db"));

  r = Strata("recover-catalog");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("recovered catalog"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("no file describes"), std::string::npos) << r.err;
  r = Strata("recover-catalog");  // never over an existing catalog
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("aside"), std::string::npos) << r.err;

  r = Strata("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  CliRun after = Strata("query trades --format csv");
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, before.out);
  CliRun after_aaa = Strata("query aaa --format csv");
  EXPECT_EQ(after_aaa.out, before_aaa.out);
  CliRun after_bbb = Strata("query bbb --format csv");
  EXPECT_EQ(after_bbb.exit_code, 0) << after_bbb.err;
  EXPECT_EQ(after_bbb.out, before_bbb.out);
  r = Strata("table show trades");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Files("warm"), warm);  // a writer's open kept every file
  EXPECT_EQ(Files("cold"), cold);
  EXPECT_TRUE(Files("quarantine").empty());
}

// Issue 13 #3: a file the catalog does not list is moved to quarantine/, not deleted, unless it
// is provably a crash leftover (its rows are still in the WAL or in live files).
TEST_F(CatalogCliTest, UnlistedFilesGoToQuarantine) {
  MakeWarmData();
  std::vector<std::string> warm = Files("warm");
  ASSERT_FALSE(warm.empty());
  // A copy of a real part under a new part number: nothing proves its rows are elsewhere.
  const std::string stray = warm[0].substr(0, warm[0].rfind('/')) + "/part-000099.parquet";
  fs::copy_file(root_ + "/" + warm[0], root_ + "/" + stray);
  // A file that is not a tier file name, and a temporary of the writer's protocol.
  WriteFile(root_ + "/warm/trades/NOTES.txt", "mine");
  WriteFile(root_ + "/" + warm[0] + ".tmp-12345", "partial");
  CliRun r = Strata("verify");
  EXPECT_NE(r.out.find("orphan   " + stray), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("NOTES.txt"), std::string::npos) << r.out;
  r = Strata("table create other --template trades");  // a writable open
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("quarantine"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(root_ + "/quarantine/" + stray));
  EXPECT_FALSE(fs::exists(root_ + "/" + stray));
  EXPECT_TRUE(fs::exists(root_ + "/warm/trades/NOTES.txt"));  // not ours: untouched
  EXPECT_FALSE(fs::exists(root_ + "/" + warm[0] + ".tmp-12345"));
  r = Strata("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// Issue 13 #4: a command that fails changes nothing.
TEST_F(CatalogCliTest, FailedSetPolicyChangesNothing) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  ASSERT_EQ(Strata("table create trades_bars_1m --template trades").exit_code, 0);
  ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
  CliRun before = Strata("table show trades");
  CliRun r = Strata("table set-policy trades --bars 1m --warm-days 3");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("trades_bars_1m"), std::string::npos) << r.err;
  EXPECT_EQ(Strata("table show trades").out, before.out);
  r = Strata("table create quotes --template trades --bars 1m");  // its bar table: quotes_bars_1m, free
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Strata("table create x_bars_1m --template trades").exit_code, 0);
  r = Strata("table create x --template trades --bars 1m");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(Strata("table show x").exit_code, 0);  // not half-created
}

// Issue 13 #10: `init` on a full disk leaves no catalog (not a 0-byte one that blocks a retry).
TEST_F(CatalogCliTest, InitOnFullDiskLeavesNoCatalog) {
  TmpfsMount mnt(dir_.Join("mnt"), "4m");
  if (!mnt.ok()) GTEST_SKIP() << "cannot mount a tmpfs here";
  const std::string filler = dir_.Join("mnt/filler");
  {
    std::ofstream f(filler, std::ios::binary);
    std::string block(4096, 'x');
    while (f.write(block.data(), block.size())) {
    }
  }
  const std::string db = dir_.Join("mnt/db");
  CliRun r = testing::RunStrata(dir_, "--root " + db + " init");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(fs::exists(db + "/catalog.db")) << r.err;
  fs::remove(filler);
  r = testing::RunStrata(dir_, "--root " + db + " init");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = testing::RunStrata(dir_, "--root " + db + " stats");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Issue 13 #9 / 18 #11: a database on read-only media answers reads.
TEST_F(CatalogCliTest, ReadOnlyMediaServesReads) {
  TmpfsMount mnt(dir_.Join("mnt"), "64m");
  if (!mnt.ok()) GTEST_SKIP() << "cannot mount a tmpfs here";
  root_ = dir_.Join("mnt/db");
  MakeWarmData(2000);
  CliRun before = Strata("query trades --format csv");
  ASSERT_EQ(before.exit_code, 0) << before.err;
  ASSERT_TRUE(mnt.Remount("ro"));
  CliRun r = Strata("query trades --format csv");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, before.out);
  r = Strata("stats");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Strata("verify --tier warm");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Strata("flush");  // a writer is refused with a clear error, nothing else
  EXPECT_NE(r.exit_code, 0);
  ASSERT_TRUE(mnt.Remount("rw"));
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
