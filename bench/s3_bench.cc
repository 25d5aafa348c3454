// Object store throughput and latency: the S3 store against a local S3-compatible server
// (s3rver, started by bench/s3_bench.sh) next to the local-directory store, same workloads.
//
//   s3_bench --endpoint http://127.0.0.1:PORT --dir /tmp/x [--mib 64] [--reads 300]
//
// Workloads (one thread, one store each):
//   put_single     PUT of 8 MiB objects in one request (Put from memory), MB/s
//   put_multipart  PutFile of a --mib MiB file in 8 MiB parts (threshold 16 MiB), MB/s
//   get_range_64k  ranged reads of 64 KiB at random offsets via OpenRead, p50/p99 latency
//   get_range_4m   sequential 4 MiB ranged reads over the whole object, MB/s
//   get_whole      Get of the whole object (checksum verified), MB/s
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "objstore/object_store.h"
#include "objstore/s3_object_store.h"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "s3_bench: %s: %s\n", what, st.ToString().c_str());
    std::exit(1);
  }
}

std::string Data(size_t n) {
  std::string s(n, '\0');
  std::mt19937_64 rng(42);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

void Run(const char* name, ObjectStore* store, const std::string& dir, size_t mib, int reads) {
  const double mb = 1e6;
  // put_single: 8 MiB objects.
  const std::string obj = Data(8 << 20);
  const int puts = 8;
  auto t0 = Clock::now();
  for (int i = 0; i < puts; ++i) Check(store->Put("bench/single-" + std::to_string(i), obj), "put_single");
  auto t1 = Clock::now();
  std::printf("%-6s put_single     %8.1f MB/s  (%d x 8 MiB)\n", name, puts * obj.size() / mb / Seconds(t0, t1), puts);

  // put_multipart: one big file from disk.
  const std::string src = dir + "/bench-src.bin";
  {
    FILE* f = std::fopen(src.c_str(), "wb");
    const std::string chunk = Data(1 << 20);
    for (size_t i = 0; i < mib; ++i) std::fwrite(chunk.data(), 1, chunk.size(), f);
    std::fclose(f);
  }
  t0 = Clock::now();
  Check(store->PutFile("bench/big.bin", DefaultFileSystem(), src), "put_multipart");
  t1 = Clock::now();
  const double big = static_cast<double>(mib << 20);
  std::printf("%-6s put_multipart  %8.1f MB/s  (%zu MiB file, 8 MiB parts)\n", name, big / mb / Seconds(t0, t1), mib);

  // get_range_64k: random 64 KiB reads.
  auto file_or = store->OpenRead("bench/big.bin");
  Check(file_or.status(), "open_read");
  auto file = std::move(file_or).value();
  std::vector<char> buf(4 << 20);
  std::mt19937_64 rng(7);
  std::vector<double> lat;
  for (int i = 0; i < reads; ++i) {
    const uint64_t off = rng() % ((mib << 20) - (64 << 10));
    auto a = Clock::now();
    auto n = file->Read(off, 64 << 10, buf.data());
    auto b = Clock::now();
    Check(n.status(), "get_range_64k");
    lat.push_back(Seconds(a, b) * 1e6);
  }
  std::sort(lat.begin(), lat.end());
  std::printf("%-6s get_range_64k  p50 %7.0f us  p99 %7.0f us  (%d reads)\n", name, lat[lat.size() / 2],
              lat[lat.size() * 99 / 100], reads);

  // get_range_4m: sequential 4 MiB ranges.
  t0 = Clock::now();
  for (uint64_t off = 0; off < (mib << 20); off += 4 << 20) Check(file->Read(off, 4 << 20, buf.data()).status(), "r");
  t1 = Clock::now();
  std::printf("%-6s get_range_4m   %8.1f MB/s\n", name, big / mb / Seconds(t0, t1));

  t0 = Clock::now();
  auto whole = store->Get("bench/big.bin");
  t1 = Clock::now();
  Check(whole.status(), "get_whole");
  std::printf("%-6s get_whole      %8.1f MB/s  (SHA-256 verified on S3)\n", name, big / mb / Seconds(t0, t1));
  std::remove(src.c_str());
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) {
  std::string endpoint, dir = "/tmp/strata-s3-bench";
  size_t mib = 64;
  int reads = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--endpoint") endpoint = argv[i + 1];
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--mib") mib = std::stoul(argv[i + 1]);
    if (a == "--reads") reads = std::stoi(argv[i + 1]);
  }
  if (endpoint.empty()) {
    std::fprintf(stderr, "usage: s3_bench --endpoint http://127.0.0.1:PORT [--dir D] [--mib N] [--reads N]\n");
    return 2;
  }
  using namespace strata;
  Check(DefaultFileSystem()->CreateDirs(dir + "/local"), "mkdir");
  auto local = NewLocalObjectStore(DefaultFileSystem(), dir + "/local");
  Run("local", local.get(), dir, mib, reads);

  S3Options o;
  o.endpoint = endpoint;
  o.bucket = "bench";
  o.credentials = {"S3RVER", "S3RVER", ""};
  o.multipart_threshold = 16 << 20;
  o.part_size = 8 << 20;
  Check(CreateS3Bucket(o), "create bucket");
  auto s3 = NewS3ObjectStore(o);
  Check(s3.status(), "open s3");
  Run("s3", s3->get(), dir, mib, reads);
  return 0;
}
