// The model store's typed catalog calls (pack_records.h) on their own; the model store's tests
// (src/artifacts) exercise them through put, gc, archive, restore and verify.
#include "catalog/pack_records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class PackRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Catalog::Open(dir_.Join("catalog.db"), false);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }
  Result<std::pair<int64_t, int64_t>> AddVersion(const std::string& model, std::vector<std::string> chunks,
                                                 std::optional<int64_t> number = std::nullopt) {
    chunk_lists_.push_back(std::move(chunks));
    NewModelVersionRecord v;
    v.model = model;
    v.version = number;
    v.size = 100;
    v.sha256 = "ff";
    v.chunk_ids = chunk_lists_.back();
    return catalog_->AddModelVersion(v, 1);
  }
  static std::vector<std::string> Ids(const std::vector<ChunkRecord>& chunks) {
    std::vector<std::string> out;
    for (const ChunkRecord& c : chunks) out.push_back(c.chunk_id);
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Catalog> catalog_;
  std::vector<std::vector<std::string>> chunk_lists_;
};

TEST_F(PackRecordsTest, PackIdsAreNeverReusedAndLocationsMoveOnlyFromWhereTheyAre) {
  ASSERT_OK_AND_ASSIGN(int64_t first, catalog_->NextPackId());
  EXPECT_EQ(first, 1);
  ASSERT_OK(catalog_->AddPack(1, "pack-1", 10, 1));
  ASSERT_OK(catalog_->AddPack(2, "pack-2", 20, 1));
  ASSERT_OK(catalog_->RemovePack(2));
  ASSERT_OK_AND_ASSIGN(int64_t next, catalog_->NextPackId());
  EXPECT_EQ(next, 3);  // 2 was removed, not freed for reuse

  ASSERT_OK(catalog_->SetPackBytes(1, 15));
  ASSERT_OK(catalog_->SetPackLocation(1, "cold", /*only_from=*/"both"));  // it is local: unchanged
  ASSERT_OK_AND_ASSIGN(std::optional<PackRecord> newest, catalog_->NewestPack());
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(newest->id, 1);
  EXPECT_EQ(newest->bytes, 15u);
  EXPECT_EQ(newest->location, "local");
  ASSERT_OK(catalog_->MarkPackArchived(1, "abc", "file:///cold/pack-1", 2));
  ASSERT_OK(catalog_->SetPackLocation(1, "cold", "both"));
  ASSERT_OK_AND_ASSIGN(std::vector<PackRecord> packs, catalog_->ListPacks());
  ASSERT_EQ(packs.size(), 1u);
  EXPECT_EQ(packs[0].location, "cold");
  EXPECT_EQ(packs[0].sha256, "abc");
}

TEST_F(PackRecordsTest, ChunksManifestsAndWhatGcSees) {
  ASSERT_OK(catalog_->AddPack(1, "pack-1", 100, 1));
  ASSERT_OK(catalog_->PutChunk({"c1", 1, 16, 10, 20, 3}));
  ASSERT_OK(catalog_->PutChunk({"c2", 1, 74, 10, 10, 0}));
  ASSERT_OK(catalog_->PutChunk({"c3", 1, 132, 5, 5, 0}));
  ASSERT_OK_AND_ASSIGN(auto added, AddVersion("m", {"c2", "c1", "c2"}));
  EXPECT_EQ(added.first, 1);

  ASSERT_OK_AND_ASSIGN(std::optional<std::vector<ManifestRecord>> manifest, catalog_->ReadModelManifest(added.second));
  ASSERT_TRUE(manifest.has_value());
  ASSERT_EQ(manifest->size(), 3u);
  EXPECT_EQ((*manifest)[1].chunk_id, "c1");
  ASSERT_TRUE((*manifest)[1].chunk.has_value());
  EXPECT_EQ((*manifest)[1].chunk->raw_len, 20u);
  EXPECT_EQ((*manifest)[1].chunk->codec, 3);

  ASSERT_OK_AND_ASSIGN(std::vector<ChunkRecord> dead, catalog_->ListUnreferencedChunks());
  EXPECT_THAT(Ids(dead), ElementsAre("c3"));
  ASSERT_OK_AND_ASSIGN(std::vector<ChunkRecord> live, catalog_->ListReferencedChunksInPack(1));
  EXPECT_THAT(Ids(live), ElementsAre("c1", "c2"));  // by offset
  ASSERT_OK_AND_ASSIGN(std::vector<ChunkUserRecord> users, catalog_->ChunkUsers("c2"));
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].model, "m");
  EXPECT_EQ(users[1].seq, 2);

  ASSERT_OK(catalog_->MoveChunk("c1", 1, 500));
  ASSERT_OK_AND_ASSIGN(std::optional<ChunkRecord> c1, catalog_->FindChunk("c1"));
  ASSERT_TRUE(c1.has_value());
  EXPECT_EQ(c1->offset, 500u);
  ASSERT_OK_AND_ASSIGN(std::string location, catalog_->ChunkPackLocation("c1"));
  EXPECT_EQ(location, "local");
  ASSERT_OK_AND_ASSIGN(std::string none, catalog_->ChunkPackLocation("nope"));
  EXPECT_EQ(none, "");

  // A manifest naming a chunk without a row reads as such (the model store calls it corrupt).
  ASSERT_OK_AND_ASSIGN(auto broken, AddVersion("m", {"gone"}));
  EXPECT_EQ(broken.first, 2);
  ASSERT_OK_AND_ASSIGN(manifest, catalog_->ReadModelManifest(broken.second));
  ASSERT_TRUE(manifest.has_value());
  EXPECT_FALSE((*manifest)[0].chunk.has_value());
  ASSERT_OK_AND_ASSIGN(manifest, catalog_->ReadModelManifest(12345));
  EXPECT_FALSE(manifest.has_value());

  ASSERT_OK_AND_ASSIGN(ModelStoreTotalsRecord t, catalog_->ModelStoreTotals());
  EXPECT_EQ(t.models, 1u);
  EXPECT_EQ(t.versions, 2u);
  EXPECT_EQ(t.chunks, 3u);
  EXPECT_EQ(t.unique_raw_bytes, 35u);
  EXPECT_EQ(t.local_packs, 1u);
  EXPECT_EQ(t.local_pack_bytes, 100u);
}

TEST_F(PackRecordsTest, ATakenVersionNumberIsAlreadyExistsNamingIt) {
  ASSERT_OK(AddVersion("m", {}, 7).status());
  ASSERT_OK_AND_ASSIGN(bool taken, catalog_->ModelVersionExists("m", 7));
  EXPECT_TRUE(taken);
  auto again = AddVersion("m", {}, 7);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status().ToString();
  EXPECT_THAT(again.status().message(), HasSubstr("model m version 7"));
  ASSERT_OK_AND_ASSIGN(auto next, AddVersion("m", {}));
  EXPECT_EQ(next.first, 8);  // one past the highest
}

TEST_F(PackRecordsTest, ArchivedPacksGcCanDropAndTheLoadLog) {
  ASSERT_OK(catalog_->AddPack(1, "pack-1", 100, 1));
  ASSERT_OK(catalog_->AddPack(2, "pack-2", 100, 1));
  ASSERT_OK(catalog_->PutChunk({"a", 1, 16, 10, 10, 0}));
  ASSERT_OK(catalog_->PutChunk({"b", 2, 16, 10, 10, 0}));
  ASSERT_OK(AddVersion("m", {"a"}).status());
  ASSERT_OK(catalog_->MarkPackArchived(1, "h1", "u1", 2));
  ASSERT_OK(catalog_->MarkPackArchived(2, "h2", "u2", 2));
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> only_archived, catalog_->PacksOnlyArchivedVersionsUse());
  EXPECT_THAT(only_archived, ElementsAre(2));  // pack 1 holds a chunk of a staging version
  ASSERT_OK_AND_ASSIGN(uint64_t removed, catalog_->RemoveUnreferencedArchivedChunks());
  EXPECT_EQ(removed, 1u);  // b
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> empty, catalog_->EmptyArchivedPacks());
  EXPECT_THAT(empty, ElementsAre(2));
  ASSERT_OK_AND_ASSIGN(bool run, catalog_->RunExists(99));
  EXPECT_FALSE(run);

  std::vector<ModelLoadRecord> loads = {{"m", 1, "local", 10, 5, 1}, {"m", 1, "ram", 10, 1, 2}};
  ASSERT_OK(catalog_->InTransaction([&] { return catalog_->RecordModelLoads(loads); }));
}

}  // namespace
}  // namespace strata
