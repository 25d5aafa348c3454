// Model packs in an S3 cold store (a real S3-compatible server, s3rver, on 127.0.0.1): put ->
// archive -> local packs gone -> get from S3 equals the original -> a corrupted object is named;
// and a server killed in the middle of an archive loses nothing and the archive can be retried.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "artifacts/artifacts_test_util.h"
#include "artifacts/cold_store.h"
#include "objstore/object_store.h"
#include "objstore/s3_object_store.h"
#include "s3_suite_server.h"
#include "strata/database.h"

namespace strata {
namespace STRATA_UNITY_ID {

using artifacts::ArchiveOptions;
using artifacts::ModelStore;
using artifacts::ModelStoreOptions;
using testing::LocalS3Server;
using testing::TempDir;

class ArtifactsColdS3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { s3_.Start(); }
  static void TearDownTestSuite() { s3_.Stop(); }

  void SetUp() override {
    s3_.NewBucket("models", &bucket_);
    if (HasFatalFailure()) return;
    root_ = dir_.Join("db");
    location_ = "s3://" + bucket_ + "/strata";
    ASSERT_OK(Database::Init(root_, {.fsync = "none", .cold_location = location_}));
    data_ = artifacts::testing::RandomBytes(1'500'000, 77);
  }

  ModelStoreOptions Options() const {
    ModelStoreOptions o = artifacts::testing::SmallStoreOptions();
    o.chunker = {4 << 10, 16 << 10, 64 << 10};
    o.pack_roll_bytes = 256 << 10;
    o.cache_budget_bytes = 0;
    return o;
  }
  std::unique_ptr<ObjectStore> Bucket() const {
    auto store = OpenObjectStore(location_, DefaultFileSystem(), S3Options{});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::vector<std::string> ColdKeys() const {
    auto objects = Bucket()->List("models/packs/");
    EXPECT_TRUE(objects.ok()) << objects.status().ToString();
    std::vector<std::string> keys;
    if (objects.ok()) {
      for (const ObjectInfo& o : *objects) keys.push_back(o.key);
    }
    return keys;
  }
  size_t LocalPacks() const {
    auto names = DefaultFileSystem()->ListDir(root_ + "/artifacts/packs");
    return names.ok() ? names->size() : 0;
  }

  static inline testing::SuiteS3Server s3_;
  TempDir dir_;
  std::string root_, bucket_, location_, data_;
};

TEST_F(ArtifactsColdS3Test, PutArchiveGetCorrupt) {
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(root_, Options()));
  ASSERT_OK(store->PutBytes("alpha", data_, {}).status());
  const size_t packs = LocalPacks();
  ASSERT_GE(packs, 3u);
  ASSERT_OK_AND_ASSIGN(auto a, store->Archive({.name = "alpha"}));
  EXPECT_EQ(a.packs_uploaded, packs);
  EXPECT_EQ(LocalPacks(), 0u);
  std::vector<std::string> keys = ColdKeys();
  ASSERT_EQ(keys.size(), packs);

  const std::string out = dir_.Join("alpha.bin");
  ASSERT_OK(store->Get("alpha", "1", out));
  ASSERT_OK_AND_ASSIGN(std::string got, DefaultFileSystem()->ReadFile(out));
  EXPECT_TRUE(got == data_);
  ASSERT_OK_AND_ASSIGN(auto loaded, store->Load("alpha", ""));
  EXPECT_EQ(loaded->tier, "cold");
  ASSERT_OK_AND_ASSIGN(auto rep, store->Verify());
  EXPECT_OK(rep.ToStatus());

  // Corrupt the second pack's first chunk in the bucket.
  std::unique_ptr<ObjectStore> bucket = Bucket();
  ASSERT_OK_AND_ASSIGN(std::string obj, bucket->Get(keys[1]));
  obj[artifacts::kPackHeaderSize + artifacts::kRecordHeaderSize + 100] ^= 1;
  ASSERT_OK(bucket->Put(keys[1], obj));
  auto bad = store->Get("alpha", "1", out);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.IsCorruption()) << bad.ToString();
  EXPECT_NE(bad.message().find("model alpha version 1: chunk "), std::string::npos) << bad.ToString();
  EXPECT_NE(bad.message().find("s3://" + bucket_ + "/strata/" + keys[1]), std::string::npos) << bad.ToString();
  ASSERT_OK_AND_ASSIGN(rep, store->Verify());
  ASSERT_EQ(rep.cold_problems.size(), 1u);
  EXPECT_EQ("models/packs/" + rep.cold_problems[0].pack, keys[1]);
  ASSERT_FALSE(rep.corrupt.empty());
  EXPECT_EQ(rep.corrupt[0].model, "alpha");
}

// Kills the server just before the n-th pack upload.
class KillingColdStore : public artifacts::ColdStore {
 public:
  KillingColdStore(artifacts::ColdStore* base, LocalS3Server* server, int n) : base_(base), server_(server), n_(n) {}
  Result<std::unique_ptr<RandomAccessFile>> OpenPack(const std::string& p) override { return base_->OpenPack(p); }
  Status PutPack(const std::string& p, FileSystem* fs, const std::string& path) override {
    if (++puts_ == n_) server_->Kill();
    return base_->PutPack(p, fs, path);
  }
  Result<uint64_t> PackSize(const std::string& p) override { return base_->PackSize(p); }
  Status DeletePack(const std::string& p) override { return base_->DeletePack(p); }
  Result<std::vector<std::string>> ListPacks() override { return base_->ListPacks(); }
  std::string PackUri(const std::string& p) const override { return base_->PackUri(p); }

 private:
  artifacts::ColdStore* base_;
  LocalS3Server* server_;
  int n_, puts_ = 0;
};

TEST_F(ArtifactsColdS3Test, ServerKilledMidArchiveLosesNothingAndTheArchiveCanBeRetried) {
  artifacts::ObjectColdStore s3(Bucket());
  KillingColdStore killing(&s3, s3_.server(), 3);
  ModelStoreOptions o = Options();
  o.cold_store = &killing;
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(root_, o));
  ASSERT_OK(store->PutBytes("alpha", data_, {}).status());
  const size_t packs = LocalPacks();
  auto first = store->Archive({.name = "alpha"});
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.status().message().find("s3://" + bucket_), std::string::npos) << first.status().ToString();
  EXPECT_EQ(LocalPacks(), packs);  // nothing deleted before the whole archive is committed
  ASSERT_OK_AND_ASSIGN(auto loaded, store->Load("alpha", "1"));
  EXPECT_EQ(loaded->tier, "local");
  EXPECT_TRUE(loaded->view() == data_);

  ASSERT_EQ(s3_.server()->Start(s3_.server()->dir(), s3_.server()->port()), "");
  ASSERT_OK_AND_ASSIGN(auto a, store->Archive({.name = "alpha"}));
  EXPECT_EQ(a.packs_uploaded + a.packs_already_cold, packs);
  EXPECT_EQ(LocalPacks(), 0u);
  ASSERT_OK(store->Gc().status());
  EXPECT_EQ(ColdKeys().size(), packs);
  ASSERT_OK_AND_ASSIGN(loaded, store->Load("alpha", "1"));
  EXPECT_EQ(loaded->tier, "cold");
  EXPECT_TRUE(loaded->view() == data_);
  ASSERT_OK_AND_ASSIGN(auto rep, store->Verify());
  EXPECT_OK(rep.ToStatus());
}

// An archive whose process died while a large pack went up (multipart) leaves an incomplete
// upload under models/packs/; the model store's gc aborts it once it is older than the grace
// period, and nothing under another prefix (the tier's).
TEST_F(ArtifactsColdS3Test, GcAbortsAnArchivesIncompletePackUploadsOnly) {
  testing::S3UploadsShim shim(s3_.server()->port(), s3_.server()->dir() + "/data");
  ::setenv("AWS_ENDPOINT_URL_S3", shim.endpoint().c_str(), 1);
  S3Options so;
  so.bucket = bucket_;
  so.prefix = "strata";
  so.multipart_threshold = 6 << 20;
  so.part_size = 5 << 20;
  so.max_attempts = 1;
  ASSERT_OK_AND_ASSIGN(auto bucket, NewS3ObjectStore(so));
  const std::string src = dir_.Join("big.bin");
  testing::WriteTextFile(src, std::string((12 << 20) + 3, 'p'));
  shim.drop = [](const testing::HttpMessage& req) {  // the client dies at part 2, its abort never arrives
    return (req.method() == "PUT" && req.target().find("partNumber=2") != std::string::npos) ||
           req.method() == "DELETE";
  };
  for (const std::string key :
       {"models/packs/pack-0000000009.pack", "trades/year=2026/month=03/symbol=S/part-1.parquet"}) {
    ASSERT_FALSE(bucket->PutFile(key, DefaultFileSystem(), src).ok()) << key;
  }
  shim.drop = nullptr;
  ASSERT_EQ(shim.UploadKeys(bucket_).size(), 2u);

  ModelStoreOptions o = Options();
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(root_, o));
  ASSERT_OK(store->PutBytes("alpha", data_, {}).status());
  ASSERT_OK(store->Archive({.name = "alpha"}).status());
  ASSERT_OK_AND_ASSIGN(auto young, store->Gc());
  EXPECT_EQ(young.cold_uploads_aborted, 0u) << "an upload begun just now may still be going up";
  EXPECT_EQ(shim.UploadKeys(bucket_).size(), 2u);
  store.reset();
  o.stale_upload_age_s = 0;
  ASSERT_OK_AND_ASSIGN(store, ModelStore::Open(root_, o));
  ASSERT_OK_AND_ASSIGN(auto old, store->Gc());
  EXPECT_EQ(old.cold_uploads_aborted, 1u);
  EXPECT_EQ(shim.UploadKeys(bucket_),
            std::vector<std::string>{"strata/trades/year=2026/month=03/symbol=S/part-1.parquet"});
  ASSERT_OK_AND_ASSIGN(auto loaded, store->Load("alpha", "1"));
  EXPECT_TRUE(loaded->view() == data_);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
