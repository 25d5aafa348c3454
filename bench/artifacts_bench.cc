// Model store benchmarks (issue 6):
//   BM_Chunk / BM_Sha256          the put pipeline's two CPU stages alone
//   BM_PutIncompressible/T        put of 256 MiB of random bytes (chunk + hash + codec probe +
//                                 pack write + fsync + catalog commit); T=1 all on one core,
//                                 T=2 the whole-file SHA-256 on a helper thread
//   BM_LoadLocal/T/P              load a 1 GiB version from local packs (in the page cache) into
//                                 RAM, every chunk verified; T = 1 or 2 threads; P = 0: fresh
//                                 memory every load (page faults), P = 1: the buffer pool reuses
//                                 the previous load's released memory
//   BM_LoadRam                    the same version from the RAM cache (a view, no copy)
//   BM_CatFloor                   `cat <the packs> > /dev/null` of the same bytes: the floor
//   BM_LoadCold/S/R               load a 256 MiB version whose packs were archived to the cold
//                                 tier, every chunk verified: S = 0 a local-directory cold store,
//                                 S = 1 S3 (the local s3rver at $STRATA_BENCH_S3_ENDPOINT, e.g.
//                                 from `tools/s3/server.sh start DIR`); R = read-ahead window in
//                                 KiB (0 = one ranged GET per chunk)
//   BM_LoadLocal256               the same 256 MiB version from local packs, same run
//   BM_FineTuneStorage            base 256 MiB F16 safetensors + 10 fine-tunes (10% of the tensors
//                                 changed each): stored / logical bytes as counters
// Data lives under $BENCH_DIR (default /tmp/strata-artifacts-bench).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "artifacts/artifacts_test_util.h"
#include "artifacts/model_store.h"
#include "io/sha256.h"
#include "objstore/s3_object_store.h"

namespace strata::artifacts {
namespace {

void Check(const Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "artifacts_bench: %s\n", st.ToString().c_str());
    std::abort();
  }
}

std::string BenchDir(const std::string& sub) {
  const char* env = std::getenv("BENCH_DIR");
  std::string dir = std::string(env && *env ? env : "/tmp/strata-artifacts-bench") + "/" + sub;
  return dir;
}

std::unique_ptr<ModelStore> FreshStore(const std::string& root, uint64_t cache_bytes, int threads,
                                       int put_threads = 1) {
  std::filesystem::remove_all(root);
  ModelStoreOptions o;
  o.put_threads = put_threads;
  o.create_if_missing = true;
  o.cache_budget_bytes = cache_bytes;
  o.load_threads = threads;
  auto s = ModelStore::Open(root, o);
  Check(s.status());
  return std::move(*s);
}

std::unique_ptr<ModelStore> Reopen(const std::string& root, uint64_t cache_bytes, int threads,
                                   uint64_t pool_bytes = 0) {
  ModelStoreOptions o;
  o.buffer_pool_bytes = pool_bytes;
  o.cache_budget_bytes = cache_bytes;
  o.load_threads = threads;
  auto s = ModelStore::Open(root, o);
  Check(s.status());
  return std::move(*s);
}

void BM_Chunk(benchmark::State& state) {
  const std::string data = testing::RandomBytes(256 << 20, 1);
  auto chunker = Chunker::Make({}).value();
  for (auto _ : state) benchmark::DoNotOptimize(chunker.Split(data));
  state.SetBytesProcessed(int64_t(state.iterations()) * data.size());
}
BENCHMARK(BM_Chunk)->Unit(benchmark::kMillisecond);

void BM_Sha256(benchmark::State& state) {
  const std::string data = testing::RandomBytes(64 << 20, 1);
  Sha256 h;
  for (auto _ : state) {
    for (size_t off = 0; off < data.size(); off += 64 << 10)
      benchmark::DoNotOptimize(h.Digest(data.substr(off, 64 << 10)));
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * data.size());
}
BENCHMARK(BM_Sha256)->Unit(benchmark::kMillisecond);

void BM_PutIncompressible(benchmark::State& state) {
  const std::string root = BenchDir("put");
  const std::string data = testing::RandomBytes(256 << 20, 2);
  for (auto _ : state) {
    state.PauseTiming();
    auto store = FreshStore(root, 0, 1, static_cast<int>(state.range(0)));
    state.ResumeTiming();
    auto r = store->PutBytes("m", data, {});
    Check(r.status());
    if (r->new_stored_bytes != data.size()) std::abort();  // random bytes must be stored raw
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * data.size());
}
BENCHMARK(BM_PutIncompressible)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

// A 1 GiB version stored once per process; returns its root.
const std::string& OneGiBStore() {
  static const std::string root = [] {
    std::string r = BenchDir("load");
    auto store = FreshStore(r, 0, 1);
    std::string data = testing::RandomBytes(size_t{1} << 30, 3);
    Check(store->PutBytes("big", data, {}).status());
    return r;
  }();
  return root;
}

void BM_LoadLocal(benchmark::State& state) {
  const std::string& root = OneGiBStore();
  auto store = Reopen(root, 0, static_cast<int>(state.range(0)), state.range(1) ? uint64_t{1} << 30 : 0);
  Check(store->Load("big", "").status());  // warm the page cache
  for (auto _ : state) {
    auto l = store->Load("big", "");
    Check(l.status());
    benchmark::DoNotOptimize(l->get());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) << 30);
}
BENCHMARK(BM_LoadLocal)
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5)
    ->UseRealTime();

// A 256 MiB version, archived (cold only) to a local directory (s3 = false) or to a bucket on
// the S3 server at $STRATA_BENCH_S3_ENDPOINT; "" when that is not set.
std::string ColdStoreRoot(bool s3) {
  std::string location = BenchDir("cold-objects");
  if (s3) {
    const char* endpoint = std::getenv("STRATA_BENCH_S3_ENDPOINT");
    if (endpoint == nullptr || *endpoint == '\0') return "";
    ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
    ::setenv("AWS_ENDPOINT_URL_S3", endpoint, 1);
    ::setenv("AWS_REGION", "us-east-1", 1);
    S3Options o;
    o.endpoint = endpoint;
    o.bucket = "modelbench";
    o.credentials = {"S3RVER", "S3RVER", ""};
    CreateS3Bucket(o).IgnoreError();  // exists from an earlier run
    location = "s3://modelbench/bench";
  } else {
    std::filesystem::remove_all(location);
  }
  std::string root = BenchDir(s3 ? "cold-s3" : "cold-dir");
  std::filesystem::remove_all(root);
  ModelStoreOptions o;
  o.create_if_missing = true;
  o.cache_budget_bytes = 0;
  o.cold_location = location;
  auto store = ModelStore::Open(root, o);
  Check(store.status());
  Check((*store)->PutBytes("big", testing::RandomBytes(size_t{256} << 20, 5), {}).status());
  Check((*store)->Archive({.all = true}).status());
  Check((*store)->Gc().status());  // objects of earlier runs
  return root;
}

void BM_LoadCold(benchmark::State& state) {
  const bool s3 = state.range(0) == 1;
  static std::string roots[2];
  static bool made[2] = {false, false};
  if (!made[s3]) {
    roots[s3] = ColdStoreRoot(s3);
    made[s3] = true;
  }
  if (roots[s3].empty()) {
    state.SkipWithError("set STRATA_BENCH_S3_ENDPOINT to a local s3rver (tools/s3/server.sh start DIR)");
    return;
  }
  ModelStoreOptions o;
  o.cache_budget_bytes = 0;
  o.buffer_pool_bytes = 1ull << 30;
  o.cold_readahead_bytes = static_cast<uint64_t>(state.range(1)) << 10;
  if (s3)
    o.cold_location = "s3://modelbench/bench";
  else
    o.cold_location = BenchDir("cold-objects");
  auto store = ModelStore::Open(roots[s3], o);
  Check(store.status());
  Check((*store)->Load("big", "").status());  // warm (the local directory's page cache)
  for (auto _ : state) {
    auto l = (*store)->Load("big", "");
    Check(l.status());
    if ((*l)->tier != "cold") Check(Status::Internal("expected a cold load, got " + (*l)->tier));
    benchmark::DoNotOptimize(l->get());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) << 28);
}
BENCHMARK(BM_LoadCold)
    ->Args({0, 0})
    ->Args({0, 8 << 10})
    ->Args({0, 64 << 10})
    ->Args({1, 0})
    ->Args({1, 8 << 10})
    ->Args({1, 64 << 10})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

void BM_LoadLocal256(benchmark::State& state) {
  static const std::string root = [] {
    std::string r = BenchDir("load256");
    auto store = FreshStore(r, 0, 2);
    Check(store->PutBytes("big", testing::RandomBytes(size_t{256} << 20, 5), {}).status());
    return r;
  }();
  auto store = Reopen(root, 0, 2, uint64_t{1} << 30);
  Check(store->Load("big", "").status());
  for (auto _ : state) {
    auto l = store->Load("big", "");
    Check(l.status());
    benchmark::DoNotOptimize(l->get());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) << 28);
}
BENCHMARK(BM_LoadLocal256)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void BM_LoadRam(benchmark::State& state) {
  const std::string& root = OneGiBStore();
  auto store = Reopen(root, uint64_t{2} << 30, 2);
  Check(store->Load("big", "").status());
  for (auto _ : state) {
    auto l = store->Load("big", "");
    Check(l.status());
    if ((*l)->tier != "ram") std::abort();
    benchmark::DoNotOptimize(l->get());
  }
}
BENCHMARK(BM_LoadRam)->Unit(benchmark::kMicrosecond);

void BM_CatFloor(benchmark::State& state) {
  const std::string& root = OneGiBStore();
  const std::string cmd = "cat " + root + "/artifacts/packs/*.pack > /dev/null";
  if (std::system(cmd.c_str()) != 0) std::abort();  // warm
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    if (std::system(cmd.c_str()) != 0) std::abort();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) << 30);
}
BENCHMARK(BM_CatFloor)->Unit(benchmark::kMillisecond)->Iterations(5)->UseManualTime();

void BM_FineTuneStorage(benchmark::State& state) {
  const std::string root = BenchDir("finetune");
  for (auto _ : state) {
    auto store = FreshStore(root, 0, 1);
    testing::ModelSpec base = testing::MakeModel(256 << 20, 50, 1);
    const std::string path = BenchDir("finetune.safetensors");
    Check(testing::WriteModel(base, path));
    Check(store->Put("llm", path, {}).status());
    for (int ft = 1; ft <= 10; ++ft) {
      testing::ModelSpec tuned = base;
      for (int k = 0; k < 5; ++k) {
        int i = (ft * 7 + k * 10) % 50;  // 5 of 50 tensors, a different set each time
        tuned.data[i] = testing::RandomF16(tuned.data[i].size() / 2, 1000 * ft + i);
      }
      Check(testing::WriteModel(tuned, path));
      Check(store->Put("llm", path, {}).status());
    }
    auto st = store->Stats();
    Check(st.status());
    state.counters["logical_MiB"] = double(st->logical_bytes) / (1 << 20);
    state.counters["stored_MiB"] = double(st->pack_bytes) / (1 << 20);
    state.counters["stored_over_logical"] = double(st->pack_bytes) / st->logical_bytes;
    state.counters["compression_ratio"] = st->compression_ratio();
    std::filesystem::remove(path);
  }
}
BENCHMARK(BM_FineTuneStorage)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace strata::artifacts

BENCHMARK_MAIN();
