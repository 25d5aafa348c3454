// replica_lag_bench: how far a log-shipping replica (`strata replica`, src/backup/replica.h)
// trails its primary under sustained ingest.
//
//   build/bench/replica_lag_bench [--rate 200000] [--batch 1000] [--seconds 10] [--segment-kb 1024]
//                                 [--push-ms 100] [--interval-ms 100] [--dir DIR]
//
// The primary (an in-process writer, fsync interval=10, WAL segments of --segment-kb) takes
// batches of --batch trades paced at --rate rows/s for --seconds, WAL archiving to a local
// directory. An archiver thread runs `archive push` (backup::ArchiveWal) every --push-ms; a replica
// thread runs one `strata replica` pass (backup::ReplicaPass: fetch, check, place in wal/, flush
// every 8 segments) every --interval-ms against a backup taken at the start. Per append: from its
// acknowledgement on the primary (the append listener, called just before Append returns) to the
// end of the replica pass that placed its record (a read-only open after that sees the rows):
// p50/p99/max. The archive takes only sealed segments, so the floor is the time to fill a segment
// (printed) plus the push and replica periods; appends still in the primary's active segment at
// the end are not counted (printed, with those the replica had not reached).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backup/backup.h"
#include "backup/replica.h"
#include "backup/wal_archive.h"
#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

struct Args {
  double rate = 200000;
  int batch = 1000;
  double seconds = 10;
  uint64_t segment_kb = 1024;
  int push_ms = 100;
  int interval_ms = 100;
  std::string dir = "/tmp/replica_lag_bench";
};

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Ack times by LSN (the listener's calls come in LSN order, one record per append).
class AckClock : public AppendListener {
 public:
  void OnAppend(const AppendEvent& e) override {
    const int64_t t = Now();
    std::lock_guard lock(mu_);
    acks_.push_back({e.last_lsn, t});
  }
  std::vector<std::pair<uint64_t, int64_t>> Take() {
    std::lock_guard lock(mu_);
    return acks_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<uint64_t, int64_t>> acks_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

int Fail(const Status& st, const char* what) {
  std::fprintf(stderr, "replica_lag_bench: %s: %s\n", what, st.ToString().c_str());
  return 1;
}

int Main(const Args& a) {
  std::filesystem::remove_all(a.dir);
  std::filesystem::create_directories(a.dir);
  const std::string primary = a.dir + "/primary", replica = a.dir + "/replica", dest = a.dir + "/backups",
                    archive = a.dir + "/archive";
  FileSystem* fs = DefaultFileSystem();
  InitOptions init;
  init.fsync = "interval=10";
  init.wal_segment_bytes = a.segment_kb << 10;
  if (Status st = Database::Init(primary, init); !st.ok()) return Fail(st, "init");
  if (Status st = backup::SetWalArchive(fs, primary, archive); !st.ok()) return Fail(st, "archive set");
  Options o;
  o.flush_rows = 2'000'000;
  auto db = Database::Open(primary, o);
  if (!db.ok()) return Fail(db.status(), "open");
  if (Status st = (*db)->CreateTable({"trades", *Schema::Template("trades"), "trade_id"}); !st.ok()) {
    return Fail(st, "create table");
  }
  backup::CreateOptions bo;
  bo.root = primary;
  bo.fs = fs;
  auto created = backup::CreateBackup(bo, {dest});
  if (!created.ok() || !created->status().ok()) {
    return Fail(created.ok() ? created->status() : created.status(), "backup");
  }
  backup::ReplicaOptions ro;
  ro.source = dest;
  ro.root = replica;
  if (auto first = backup::ReplicaPass(fs, ro); !first.ok()) return Fail(first.status(), "replica restore");

  auto clock = std::make_shared<AckClock>();
  if (auto added = (*db)->AddAppendListener(clock); !added.ok()) return Fail(added.status(), "listener");
  std::atomic<bool> stop{false};
  Status archive_error, replica_error;
  uint64_t pushes = 0, passes = 0, flushes = 0, archived_segments = 0;
  std::thread archiver([&] {
    while (!stop.load()) {
      auto r = backup::ArchiveWal(fs, primary, nullptr);
      if (!r.ok()) {
        archive_error = r.status();
        return;
      }
      ++pushes;
      archived_segments += r->segments;
      std::this_thread::sleep_for(std::chrono::milliseconds(a.push_ms));
    }
  });
  std::mutex visible_mu;
  std::vector<std::pair<uint64_t, int64_t>> visible;  // (applied LSN, pass end)
  std::thread follower([&] {
    while (!stop.load()) {
      auto r = backup::ReplicaPass(fs, ro);
      if (!r.ok()) {
        replica_error = r.status();
        return;
      }
      ++passes;
      flushes += r->flushed ? 1 : 0;
      {
        std::lock_guard lock(visible_mu);
        visible.push_back({r->applied_lsn, Now()});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(a.interval_ms));
    }
  });

  auto appender = (*db)->NewAppender("trades");
  if (!appender.ok()) return Fail(appender.status(), "appender");
  const int64_t start = Now(), end = start + static_cast<int64_t>(a.seconds * 1e9);
  const double batch_ns = a.batch / a.rate * 1e9;
  uint64_t rows = 0, seed = 1;
  int64_t next = start;
  int64_t ts = 1'800'000'000'000'000'000;
  while (Now() < end) {
    RecordBatch b = testing::MakeTrades(a.batch, 8, ts, seed++);
    ts += static_cast<int64_t>(a.batch) * 1'000'000;
    if (Status st = (*appender)->Append(b); !st.ok()) return Fail(st, "append");
    rows += a.batch;
    next += static_cast<int64_t>(batch_ns);
    const int64_t wait = next - Now();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
  }
  const double ingest_s = (Now() - start) / 1e9;
  // Let the replica take what is sealed by now, then stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * (a.push_ms + a.interval_ms)));
  stop = true;
  archiver.join();
  follower.join();
  if (!archive_error.ok()) return Fail(archive_error, "archive push");
  if (!replica_error.ok()) return Fail(replica_error, "replica pass");

  const auto acks = clock->Take();
  std::vector<double> lag_ms;
  size_t v = 0;
  uint64_t not_shipped = 0;
  for (const auto& [lsn, acked] : acks) {
    while (v < visible.size() && visible[v].first < lsn) ++v;
    if (v == visible.size()) {
      ++not_shipped;
      continue;
    }
    lag_ms.push_back(std::max<int64_t>(0, visible[v].second - acked) / 1e6);
  }
  const double fill_ms = archived_segments > 0 ? ingest_s * 1e3 / archived_segments : 0;  // time to seal one
  std::printf(
      "ingest %.0f rows/s (%llu rows in %.1f s, batches of %d), WAL segments %llu KB (one fills in ~%.0f ms), "
      "archive push every %d ms (%llu pushes), replica pass every %d ms (%llu passes, %llu flushes)\n",
      rows / ingest_s, static_cast<unsigned long long>(rows), ingest_s, a.batch,
      static_cast<unsigned long long>(a.segment_kb), fill_ms, a.push_ms, static_cast<unsigned long long>(pushes),
      a.interval_ms, static_cast<unsigned long long>(passes), static_cast<unsigned long long>(flushes));
  std::printf(
      "ack on primary -> on replica: p50 %.0f ms, p99 %.0f ms, max %.0f ms over %zu appends (%llu not on the "
      "replica when the run stopped: in the primary's active segment, or the replica behind)\n",
      Percentile(lag_ms, 0.5), Percentile(lag_ms, 0.99), Percentile(lag_ms, 1.0), lag_ms.size(),
      static_cast<unsigned long long>(not_shipped));
  (*db)->RemoveAppendListener(clock.get()).IgnoreError();
  return 0;
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) {
  strata::Args a;
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i], v = i + 1 < argc ? argv[i + 1] : "";
    if (v.empty()) {
      std::fprintf(stderr, "replica_lag_bench: %s needs a value\n", k.c_str());
      return 2;
    }
    if (k == "--rate") {
      a.rate = std::stod(v);
    } else if (k == "--batch") {
      a.batch = std::stoi(v);
    } else if (k == "--seconds") {
      a.seconds = std::stod(v);
    } else if (k == "--segment-kb") {
      a.segment_kb = std::stoull(v);
    } else if (k == "--push-ms") {
      a.push_ms = std::stoi(v);
    } else if (k == "--interval-ms") {
      a.interval_ms = std::stoi(v);
    } else if (k == "--dir") {
      a.dir = v;
    } else {
      std::fprintf(stderr, "replica_lag_bench: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  return strata::Main(a);
}
