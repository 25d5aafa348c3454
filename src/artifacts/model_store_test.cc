// ModelStore: put/get round trips, registry, aliases, stats, diff, gc, corruption, cache, loads.
#include "artifacts/model_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "artifacts/artifacts_test_util.h"
#include "catalog/catalog.h"
#include "catalog/statement.h"

namespace strata::artifacts {
namespace {

using strata::testing::TempDir;
using testing::RandomBytes;
using testing::SmallStoreOptions;

std::unique_ptr<ModelStore> OpenStore(const std::string& root, ModelStoreOptions o = SmallStoreOptions()) {
  auto s = ModelStore::Open(root, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(ModelStoreTest, OpenWithoutDatabaseIsNotFound) {
  TempDir dir;
  auto s = ModelStore::Open(dir.Join("nope"), ModelStoreOptions{});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsNotFound());
  EXPECT_NE(s.status().message().find("strata init"), std::string::npos);
}

TEST(ModelStoreTest, PutLoadGetRoundTrip) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string data = RandomBytes(300'000, 1);
  PutOptions po;
  po.meta_json = R"({"format":"safetensors","framework":"torch","tags":["a"]})";
  po.metrics_json = R"({"sharpe":1.5})";
  po.run_id = 42;  // no such run: refused, nothing stored
  Result<PutResult> refused = store->PutBytes("alpha", data, po);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("no run 42"), std::string::npos) << refused.status().ToString();
  ASSERT_OK_AND_ASSIGN(auto versions, store->ListModels());
  EXPECT_TRUE(versions.empty());
  {
    ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(dir.Join("catalog.db"), /*read_only=*/false));
    ASSERT_OK_AND_ASSIGN(po.run_id, catalog->BeginRun("train", "{}", "{}"));
  }
  const int64_t run = *po.run_id;
  ASSERT_OK_AND_ASSIGN(PutResult r, store->PutBytes("alpha", data, po));
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.size, data.size());
  EXPECT_EQ(r.new_raw_bytes, data.size());
  EXPECT_GT(r.chunks, 10u);

  ASSERT_OK_AND_ASSIGN(auto loaded, store->Load("alpha", "1"));
  EXPECT_EQ(loaded->view(), data);
  EXPECT_EQ(loaded->tier, "local");
  ASSERT_OK_AND_ASSIGN(auto again, store->Load("alpha", "latest"));
  EXPECT_EQ(again->tier, "ram");
  EXPECT_EQ(again->bytes().data(), loaded->bytes().data());  // the same buffer: no copy

  ASSERT_OK(store->Get("alpha", "", dir.Join("out.bin")));
  EXPECT_EQ(strata::testing::ReadTextFile(dir.Join("out.bin")), data);

  ASSERT_OK_AND_ASSIGN(VersionInfo v, store->Resolve("alpha", "1"));
  EXPECT_EQ(v.metrics_json, po.metrics_json);
  EXPECT_EQ(v.meta_json, po.meta_json);
  EXPECT_EQ(v.run_id, run);
  EXPECT_EQ(v.stage, "staging");

  // The same bytes again: a new version, nothing new stored.
  ASSERT_OK_AND_ASSIGN(PutResult r2, store->PutBytes("alpha", data, {}));
  EXPECT_EQ(r2.version, 2);
  EXPECT_EQ(r2.new_chunks, 0u);
  EXPECT_EQ(r2.sha256, r.sha256);
}

TEST(ModelStoreTest, VersionsAliasesStagesAndErrors) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  PutOptions v5;
  v5.version = 5;
  ASSERT_OK(store->PutBytes("m", RandomBytes(5000, 1), v5));
  auto dup = store->PutBytes("m", RandomBytes(5000, 2), v5);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(PutResult next, store->PutBytes("m", RandomBytes(5000, 3), {}));
  EXPECT_EQ(next.version, 6);

  EXPECT_FALSE(store->PutBytes("bad name", "x", {}).ok());
  PutOptions bad_meta;
  bad_meta.meta_json = "[1]";
  EXPECT_EQ(store->PutBytes("m", "x", bad_meta).status().code(), StatusCode::kInvalidArgument);

  ASSERT_OK(store->Promote("m", "5", "production"));
  ASSERT_OK_AND_ASSIGN(VersionInfo prod, store->Resolve("m", "production"));
  EXPECT_EQ(prod.version, 5);
  EXPECT_EQ(prod.stage, "production");
  EXPECT_FALSE(store->Promote("m", "5", "prod").ok());
  ASSERT_OK(store->SetAlias("m", "champion", "6"));
  ASSERT_OK_AND_ASSIGN(VersionInfo champ, store->Resolve("m", "champion"));
  EXPECT_EQ(champ.version, 6);
  EXPECT_FALSE(store->SetAlias("m", "latest", "5").ok());
  EXPECT_TRUE(store->Resolve("m", "nope").status().IsNotFound());
  EXPECT_TRUE(store->Resolve("m", "7").status().IsNotFound());
  EXPECT_TRUE(store->Resolve("zz", "").status().IsNotFound());

  ASSERT_OK_AND_ASSIGN(auto models, store->ListModels());
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].versions, 2);
  EXPECT_EQ(models[0].latest, 6);

  ASSERT_OK(store->Remove("m", "5"));
  EXPECT_TRUE(store->Resolve("m", "production").status().IsNotFound());
  ASSERT_OK(store->Remove("m", std::nullopt));
  EXPECT_TRUE(store->Resolve("m", "").status().IsNotFound());
}

TEST(ModelStoreTest, DiffStatsAndGc) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string a = RandomBytes(400'000, 1);
  std::string b = a;
  std::string patch = RandomBytes(40'000, 2);
  b.replace(200'000, patch.size(), patch);
  ASSERT_OK(store->PutBytes("m", a, {}));
  ASSERT_OK_AND_ASSIGN(PutResult rb, store->PutBytes("m", b, {}));
  EXPECT_LT(rb.new_raw_bytes, 80'000u);
  ASSERT_OK_AND_ASSIGN(DiffResult d, store->Diff("m", "1", "m", "2"));
  EXPECT_EQ(d.shared_bytes + d.new_bytes, b.size());
  EXPECT_EQ(d.new_bytes, rb.new_raw_bytes);

  ASSERT_OK_AND_ASSIGN(StoreStats st, store->Stats());
  EXPECT_EQ(st.logical_bytes, a.size() + b.size());
  EXPECT_EQ(st.unique_raw_bytes, a.size() + rb.new_raw_bytes);
  EXPECT_GT(st.dedup_ratio(), 1.7);

  // Nothing unreferenced: gc changes nothing.
  ASSERT_OK_AND_ASSIGN(GcResult g0, store->Gc());
  EXPECT_EQ(g0.chunks_removed, 0u);
  ASSERT_OK(store->Remove("m", "1"));
  ASSERT_OK_AND_ASSIGN(GcResult g, store->Gc());
  EXPECT_GT(g.chunks_removed, 0u);
  EXPECT_GT(g.bytes_reclaimed, 40'000u);  // v1's own chunks: the region b replaced
  EXPECT_LT(g.bytes_reclaimed, 120'000u);
  ASSERT_OK_AND_ASSIGN(StoreStats after, store->Stats());
  EXPECT_EQ(after.unique_raw_bytes, b.size());
  // Version 2 survives gc intact (its chunks were moved into new packs).
  auto fresh = OpenStore(dir.path());
  ASSERT_OK_AND_ASSIGN(auto loaded, fresh->Load("m", "2"));
  EXPECT_EQ(loaded->view(), b);
  ASSERT_OK_AND_ASSIGN(VerifyReport rep, fresh->Verify());
  EXPECT_OK(rep.ToStatus());
  EXPECT_EQ(rep.chunks_checked, after.chunks);
}

TEST(ModelStoreTest, CompressibleChunksAreCompressedRandomOnesStoredRaw) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string text;
  while (text.size() < 200'000) text += "price,size,venue,1.25,100,XNAS\n" + std::to_string(text.size());
  ASSERT_OK_AND_ASSIGN(PutResult t, store->PutBytes("text", text, {}));
  EXPECT_LT(t.new_stored_bytes * 3, t.new_raw_bytes);
  ASSERT_OK_AND_ASSIGN(PutResult r, store->PutBytes("random", RandomBytes(200'000, 5), {}));
  EXPECT_EQ(r.new_stored_bytes, r.new_raw_bytes);
  auto fresh = OpenStore(dir.path());
  ASSERT_OK_AND_ASSIGN(auto loaded, fresh->Load("text", ""));
  EXPECT_EQ(loaded->view(), text);
}

// Flips one byte of the chunk a version uses at manifest position `seq`.
void CorruptChunk(ModelStore* store, const std::string& root, const std::string& model, int seq,
                  std::string* chunk_id) {
  Catalog* c = store->catalog();
  std::string pack;
  int64_t offset = 0;
  ASSERT_OK(c->InTransaction([&]() -> Status {
    sqlite::Statement s(
        c->db(),
        "SELECT mc.chunk_id, p.name, ch.offset FROM model_version_chunks mc JOIN model_versions v ON "
        "v.id = mc.version_id JOIN artifact_models m ON m.id = v.model_id JOIN artifact_chunks ch ON ch.chunk_id "
        "= mc.chunk_id JOIN artifact_packs p ON p.id = ch.pack_id WHERE m.name = ? AND mc.seq = ?",
        c->path(), "test");
    s.Bind(1, model);
    s.Bind(2, int64_t{seq});
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Status::NotFound("no such chunk");
    *chunk_id = s.Text(0);
    pack = s.Text(1);
    offset = s.Int(2);
    return Status::OK();
  }));
  std::fstream f(root + "/artifacts/packs/" + pack, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset + 10);
  char ch = 0;
  f.read(&ch, 1);
  ch ^= 0x5a;
  f.seekp(offset + 10);
  f.write(&ch, 1);
}

TEST(ModelStoreTest, CorruptChunkIsNamedByLoadGetAndVerify) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string data = RandomBytes(200'000, 9);
  ASSERT_OK(store->PutBytes("victim", data, {}));
  std::string chunk_id;
  CorruptChunk(store.get(), dir.path(), "victim", 3, &chunk_id);
  ASSERT_FALSE(chunk_id.empty());

  auto fresh = OpenStore(dir.path());  // empty cache
  auto loaded = fresh->Load("victim", "1");
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(loaded.status().IsCorruption()) << loaded.status().ToString();
  const std::string msg = loaded.status().message();
  EXPECT_NE(msg.find("model victim version 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("chunk 3 (" + chunk_id + ")"), std::string::npos) << msg;
  EXPECT_FALSE(fresh->Get("victim", "1", dir.Join("out")).ok());
  ASSERT_OK_AND_ASSIGN(VerifyReport rep, fresh->Verify());
  ASSERT_EQ(rep.corrupt.size(), 1u);
  EXPECT_EQ(rep.corrupt[0].model, "victim");
  EXPECT_EQ(rep.corrupt[0].version, 1);
  EXPECT_EQ(rep.corrupt[0].seq, 3);
  EXPECT_EQ(rep.corrupt[0].chunk_id, chunk_id);
  EXPECT_TRUE(rep.ToStatus().IsCorruption());
  ASSERT_OK_AND_ASSIGN(VerifyReport rep2, VerifyModelStore(dir.path()));
  EXPECT_EQ(rep2.corrupt.size(), 1u);
}

TEST(ModelStoreTest, CacheEvictsByBytesAndLoadsAreRecorded) {
  TempDir dir;
  ModelStoreOptions o = SmallStoreOptions();
  o.cache_budget_bytes = 250'000;
  auto store = OpenStore(dir.path(), o);
  ASSERT_OK(store->PutBytes("a", RandomBytes(100'000, 1), {}));
  ASSERT_OK(store->PutBytes("b", RandomBytes(100'000, 2), {}));
  ASSERT_OK(store->PutBytes("c", RandomBytes(100'000, 3), {}));
  ASSERT_OK(store->Load("a", "").status());
  ASSERT_OK(store->Load("b", "").status());
  EXPECT_EQ(store->cache_bytes(), 200'000u);
  ASSERT_OK(store->Load("a", "").status());  // a becomes most recent
  ASSERT_OK(store->Load("c", "").status());  // evicts b
  EXPECT_EQ(store->cache_bytes(), 200'000u);
  ASSERT_OK_AND_ASSIGN(auto a, store->Load("a", ""));
  EXPECT_EQ(a->tier, "ram");
  ASSERT_OK_AND_ASSIGN(auto b, store->Load("b", ""));
  EXPECT_EQ(b->tier, "local");
  ASSERT_OK(store->Prefetch("c", "").get());
  ASSERT_OK(store->FlushLoadLog());
  Catalog* c = store->catalog();
  int64_t ram = 0, local = 0;
  ASSERT_OK(c->InTransaction([&]() -> Status {
    sqlite::Statement s(c->db(), "SELECT tier, COUNT(*) FROM model_loads GROUP BY tier", c->path(), "test");
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      (s.Text(0) == "ram" ? ram : local) = s.Int(1);
    }
    return Status::OK();
  }));
  EXPECT_EQ(ram + local, 7);
  EXPECT_GE(ram, 2);
}

TEST(ModelStoreTest, LoadTensorsReadsOnlyTheChunksOfTheNamedTensors) {
  TempDir dir;
  const testing::ModelSpec m = testing::MakeModel(400 << 10, 4, 3);
  ASSERT_OK(testing::WriteModel(m, dir.Join("m.safetensors")));
  {
    auto store = OpenStore(dir.path());
    ASSERT_OK(store->Put("m", dir.Join("m.safetensors"), PutOptions{}).status());
  }
  auto store = OpenStore(dir.path());  // nothing cached
  ASSERT_OK_AND_ASSIGN(auto part, store->LoadTensors("m", "", {"layers.2.weight"}));
  EXPECT_TRUE(part->partial);
  ASSERT_OK_AND_ASSIGN(SafetensorsHeader h, ParseSafetensors(part->view(), "m"));
  ASSERT_EQ(h.tensors.size(), 4u);
  EXPECT_EQ(h.tensors[2].data, m.data[2]);
  // The tensor's bytes, the header, and at most one 16 KiB chunk around each of them.
  EXPECT_GE(part->bytes_read, m.data[2].size());
  EXPECT_LT(part->bytes_read, m.data[2].size() + h.header_size + 8 + 4 * (16 << 10));
  Result<std::shared_ptr<const LoadedModel>> missing = store->LoadTensors("m", "", {"nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  // A partial load is not cached; after a whole load the cached version is returned.
  ASSERT_OK_AND_ASSIGN(auto whole, store->Load("m", ""));
  EXPECT_EQ(whole->tier, "local");
  ASSERT_OK_AND_ASSIGN(auto cached, store->LoadTensors("m", "", {"layers.0.weight"}));
  EXPECT_FALSE(cached->partial);
  EXPECT_EQ(cached->bytes_read, 0u);
  EXPECT_EQ(cached->view().data(), whole->view().data());
}

TEST(ModelStoreTest, ParseModelRef) {
  ASSERT_OK_AND_ASSIGN(ModelRef r, ParseModelRef("alpha@3"));
  EXPECT_EQ(r.name, "alpha");
  EXPECT_EQ(r.ref, "3");
  ASSERT_OK_AND_ASSIGN(ModelRef p, ParseModelRef("alpha"));
  EXPECT_EQ(p.ref, "");
  EXPECT_FALSE(ParseModelRef("alpha@").ok());
  EXPECT_FALSE(ParseModelRef("@3").ok());
}

}  // namespace
}  // namespace strata::artifacts

namespace strata::artifacts {
namespace {

TEST(ModelStoreTest, ReleasedBuffersAreReusedWithinTheirBudget) {
  strata::testing::TempDir dir;
  ModelStoreOptions o = testing::SmallStoreOptions();
  o.cache_budget_bytes = 0;
  o.buffer_pool_bytes = 5 << 20;
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(dir.path(), o));
  const std::string a = testing::RandomBytes(3 << 20, 1);
  const std::string b = testing::RandomBytes((3 << 20) + 1000, 2);
  ASSERT_OK(store->PutBytes("a", a, {}));
  ASSERT_OK(store->PutBytes("b", b, {}));
  const void* first = nullptr;
  {
    ASSERT_OK_AND_ASSIGN(auto la, store->Load("a", ""));
    first = la->bytes().data();
    EXPECT_EQ(store->buffer_pool_bytes(), 0u);
  }
  EXPECT_EQ(store->buffer_pool_bytes(), 4u << 20);  // 3 MiB rounded up to 2 MiB pages
  {
    // A model of about the same size takes the released memory, and its bytes are its own.
    ASSERT_OK_AND_ASSIGN(auto lb, store->Load("b", ""));
    EXPECT_EQ(lb->bytes().data(), first);
    EXPECT_TRUE(lb->view() == b);
    EXPECT_EQ(store->buffer_pool_bytes(), 0u);
    ASSERT_OK_AND_ASSIGN(auto la, store->Load("a", ""));  // a second one needs new memory
    EXPECT_NE(la->bytes().data(), first);
    EXPECT_TRUE(la->view() == a);
  }
  EXPECT_EQ(store->buffer_pool_bytes(), 4u << 20);  // the second 4 MiB block is over budget: freed
}

}  // namespace
}  // namespace strata::artifacts

namespace strata::artifacts {
namespace {

// A cold store that serves packs from another directory (the tiers module will serve S3).
class DirColdStore : public ColdStore {
 public:
  explicit DirColdStore(std::string dir) : dir_(std::move(dir)) {}
  Result<std::unique_ptr<RandomAccessFile>> OpenPack(const std::string& pack_name) override {
    opened++;
    return DefaultFileSystem()->NewRandomAccessFile(dir_ + "/" + pack_name);
  }
  int opened = 0;

 private:
  std::string dir_;
};

TEST(ModelStoreTest, PacksMissingLocallyComeFromTheColdStore) {
  strata::testing::TempDir dir;
  const std::string data = testing::RandomBytes(200'000, 4);
  {
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(dir.path(), testing::SmallStoreOptions()));
    ASSERT_OK(store->PutBytes("m", data, {}));
  }
  // Move every pack to the "cold" directory.
  const std::string packs = dir.path() + "/artifacts/packs", cold = dir.Join("cold");
  ASSERT_OK(DefaultFileSystem()->CreateDirs(cold));
  ASSERT_OK_AND_ASSIGN(auto names, DefaultFileSystem()->ListDir(packs));
  ASSERT_GT(names.size(), 1u);
  for (const std::string& n : names) ASSERT_OK(DefaultFileSystem()->Rename(packs + "/" + n, cold + "/" + n));

  {  // Without a cold store the load fails, naming the model and a chunk.
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(dir.path(), testing::SmallStoreOptions()));
    auto l = store->Load("m", "");
    ASSERT_FALSE(l.ok());
    EXPECT_NE(l.status().message().find("model m version 1: chunk 0"), std::string::npos) << l.status().ToString();
  }
  DirColdStore cold_store(cold);
  ModelStoreOptions o = testing::SmallStoreOptions();
  o.cold_store = &cold_store;
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(dir.path(), o));
  ASSERT_OK_AND_ASSIGN(auto l, store->Load("m", ""));
  EXPECT_EQ(l->tier, "cold");
  EXPECT_TRUE(l->view() == data);
  EXPECT_GE(cold_store.opened, static_cast<int>(names.size()));
  ASSERT_OK_AND_ASSIGN(VerifyReport rep, store->Verify());
  EXPECT_OK(rep.ToStatus());
}

}  // namespace
}  // namespace strata::artifacts
