// trials_bench: the trial store's storage choice and Pareto front speed (issue 14), one line each.
//
//   build/bench/trials_bench [--workloads insert,insert4,table,front,brute] [--trials N] [--dir DIR]
//
// insert   one process adds N trials (3 params, 3 objectives) to one study in batches of 1,000
//          (SQLite tables in the catalog, WAL mode, synchronous=FULL): trials/s
// insert4  4 processes add N/4 trials each to the same study at once: total trials/s
// table    the alternative: N trial rows (number, state, 3 values, params JSON) appended to a
//          strata table through the WAL in batches of 1,000 and flushed to warm Parquet: rows/s;
//          then whether a second process can write at the same time
// front    Pareto front of N random points in memory (2 and 3 objectives) and through the store
//          (the kept fronts of the insert workload's study: 2 of its 3 objectives, and all 3), seconds
// brute    the O(N^2) pairwise front at N = 10,000, seconds
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "strata/database.h"
#include "strata/trials.h"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;
using namespace strata::trials;

struct Args {
  std::string workloads = "insert,insert4,table,front,brute";
  int64_t trials = 1'000'000;
  std::string dir = "/tmp/strata-trials-bench";
};

void Die(const Status& st) {
  std::fprintf(stderr, "trials_bench: %s\n", st.ToString().c_str());
  std::exit(1);
}

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU seconds of this process (the machine may be shared: wall time alone overstates the cost).
double CpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
double ChildrenCpu() {
  rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

StudySpec Spec() {
  StudySpec s;
  s.name = "bench";
  s.objectives = {
      {"sharpe", Direction::kMaximize}, {"drawdown", Direction::kMinimize}, {"latency", Direction::kMinimize}};
  return s;
}

std::vector<TrialInput> Batch(std::mt19937_64& rng, int n, int worker) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<TrialInput> out(n);
  for (auto& t : out) {
    char params[128];
    std::snprintf(params, sizeof params, R"({"lr":%.6g,"layers":%d,"opt":"%s"})", u(rng), int(rng() % 8),
                  rng() % 2 ? "adam" : "sgd");
    t.params_json = params;
    t.values = {u(rng) * 3, u(rng), u(rng) * 10};
    t.worker = "w" + std::to_string(worker);
  }
  return out;
}

std::unique_ptr<TrialStore> FreshStore(const std::string& root) {
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  auto c = Catalog::Open(layout::CatalogPath(root), false);
  if (!c.ok()) Die(c.status());
  c->reset();
  auto store = TrialStore::Open(root);
  if (!store.ok()) Die(store.status());
  if (auto st = (*store)->CreateStudy(Spec()); !st.ok()) Die(st.status());
  return std::move(*store);
}

// The inputs are made before the clock starts.
std::vector<std::vector<TrialInput>> MakeBatches(int64_t n, int worker) {
  std::mt19937_64 rng(worker + 1);
  std::vector<std::vector<TrialInput>> out;
  for (int64_t done = 0; done < n; done += 1000) {
    out.push_back(Batch(rng, static_cast<int>(std::min<int64_t>(1000, n - done)), worker));
  }
  return out;
}

void AddAll(TrialStore* store, const std::vector<std::vector<TrialInput>>& batches) {
  for (const auto& batch : batches) {
    if (auto r = store->AddTrials("bench", batch); !r.ok()) Die(r.status());
  }
}

void Insert(const Args& a) {
  const std::string root = a.dir + "/insert";
  auto store = FreshStore(root);
  auto batches = MakeBatches(a.trials, 0);
  auto t0 = Clock::now();
  double c0 = CpuNow();
  AddAll(store.get(), batches);
  double s = Since(t0), cpu = CpuNow() - c0;
  std::printf(
      "insert trials=%lld seconds=%.3f cpu_seconds=%.3f %.0f trials/s (%.0f per CPU second) catalog_bytes=%llu\n",
      (long long)a.trials, s, cpu, a.trials / s, a.trials / cpu,
      (unsigned long long)std::filesystem::file_size(layout::CatalogPath(root)));
}

void Insert4(const Args& a) {
  const std::string root = a.dir + "/insert4";
  FreshStore(root).reset();
  const int kProcs = 4;
  auto t0 = Clock::now();
  std::vector<pid_t> pids;
  for (int w = 0; w < kProcs; ++w) {
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      auto store = TrialStore::Open(root);
      if (!store.ok()) Die(store.status());
      AddAll(store->get(), MakeBatches(a.trials / kProcs, w));
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Die(Status::Internal("a writer process failed"));
  }
  double s = Since(t0), cpu = ChildrenCpu();
  auto store = TrialStore::Open(root);
  if (!store.ok()) Die(store.status());
  auto info = (*store)->GetStudy("bench");
  if (!info.ok()) Die(info.status());
  std::printf(
      "insert4 processes=%d trials=%lld stored=%lld seconds=%.3f cpu_seconds=%.3f %.0f trials/s "
      "(inputs made inside the timed processes)\n",
      kProcs, (long long)(a.trials / kProcs * kProcs), (long long)info->trial_count, s, cpu, a.trials / s);
}

void Table(const Args& a) {
  const std::string root = a.dir + "/table";
  std::filesystem::remove_all(root);
  InitOptions init;
  if (auto st = Database::Init(root, init); !st.ok()) Die(st);
  Options options;
  options.background_flush = false;
  auto db = Database::Open(root, options);
  if (!db.ok()) Die(db.status());
  auto schema = Schema::Parse(
      "ts:timestamp,symbol:symbol,number:i64,state:string,sharpe:f64,drawdown:f64,latency:f64,params:string");
  if (!schema.ok()) Die(schema.status());
  TableDef def{"trials", *schema, std::nullopt, "{}"};
  if (auto st = (*db)->CreateTable(def); !st.ok()) Die(st);
  std::vector<RecordBatch> batches;
  for (int64_t done = 0; done < a.trials; done += 1000) {
    static std::mt19937_64 rng(1);
    auto trials = Batch(rng, 1000, 0);
    RecordBatch b(*schema);
    for (size_t i = 0; i < trials.size(); ++i) {
      b.column(0).AppendInt64(1'700'000'000'000'000'000 + done + i);
      b.column(1).AppendString("bench");
      b.column(2).AppendInt64(done + i);
      b.column(3).AppendString("complete");
      for (int k = 0; k < 3; ++k) b.column(4 + k).AppendDouble(trials[i].values[k]);
      b.column(7).AppendString(trials[i].params_json);
    }
    batches.push_back(std::move(b));
  }
  auto t0 = Clock::now();
  double c0 = CpuNow();
  for (const RecordBatch& b : batches) {
    if (auto st = (*db)->Append("trials", b); !st.ok()) Die(st);
  }
  double append_s = Since(t0);
  if (auto st = (*db)->Sync(); !st.ok()) Die(st);
  auto t1 = Clock::now();
  if (auto r = (*db)->Flush(); !r.ok()) Die(r.status());
  double flush_s = Since(t1), cpu = CpuNow() - c0;
  // A second writer (another optimiser worker) while this one is open:
  std::string second = "ok";
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    auto other = Database::Open(root, Options{});
    std::printf("table second_writer=%s\n", other.ok() ? "ok" : other.status().ToString().c_str());
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  std::printf(
      "table rows=%lld append_seconds=%.3f flush_seconds=%.3f cpu_seconds=%.3f %.0f rows/s (append+sync+flush)\n",
      (long long)a.trials, append_s, flush_s, cpu, a.trials / (append_s + flush_s));
}

void Front(const Args& a) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  for (size_t d : {2, 3}) {
    std::vector<double> pts(a.trials * d);
    for (double& x : pts) x = u(rng);
    auto t0 = Clock::now();
    double c0 = CpuNow();
    auto f = ParetoFront(pts, d);
    std::printf("front_memory d=%zu n=%lld front=%zu seconds=%.4f cpu_seconds=%.4f\n", d, (long long)a.trials, f.size(),
                Since(t0), CpuNow() - c0);
  }
  {
    // Hypervolume of a 2-objective front of 1 M points (points on a line: all on the front).
    std::vector<double> pts(a.trials * 2);
    for (int64_t i = 0; i < a.trials; ++i) {
      pts[2 * i] = u(rng);
      pts[2 * i + 1] = 1 - pts[2 * i];
    }
    std::vector<double> ref = {1.5, 1.5};
    auto t0 = Clock::now();
    double c0 = CpuNow();
    auto hv = Hypervolume(pts, 2, ref);
    if (!hv.ok()) Die(hv.status());
    std::printf("hypervolume d=2 n=%lld (all on the front) value=%.6f seconds=%.4f cpu_seconds=%.4f\n",
                (long long)a.trials, *hv, Since(t0), CpuNow() - c0);
  }
  const std::string root = a.dir + "/insert";
  auto store = TrialStore::Open(root, true);
  if (!store.ok()) {
    std::printf("front_store skipped (run the insert workload first)\n");
    return;
  }
  for (const std::vector<std::string>& objs :
       {std::vector<std::string>{"sharpe", "drawdown"}, std::vector<std::string>{"sharpe", "drawdown", "latency"}}) {
    auto t0 = Clock::now();
    double c0 = CpuNow();
    auto f = (*store)->Front("bench", objs);
    if (!f.ok()) Die(f.status());
    std::printf("front_store d=%zu front=%zu seconds=%.4f cpu_seconds=%.4f (%s)\n", objs.size(), f->size(), Since(t0),
                CpuNow() - c0, objs.size() == 3 ? "all objectives: the kept front" : "a subset: its kept front");
  }
}

void Brute() {
  std::mt19937_64 rng(43);
  std::uniform_real_distribution<double> u(0, 1);
  const size_t n = 10'000;
  std::vector<double> pts(n * 2);
  for (double& x : pts) x = u(rng);
  auto t0 = Clock::now();
  auto f = ParetoFrontBruteForce(pts, 2);
  double brute = Since(t0);
  t0 = Clock::now();
  auto g = ParetoFront(pts, 2);
  std::printf("brute n=%zu front=%zu brute_seconds=%.4f sweep_seconds=%.6f same=%d\n", n, f.size(), brute, Since(t0),
              f == g ? 1 : 0);
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) {
  strata::Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--workloads") {
      args.workloads = argv[i + 1];
    } else if (flag == "--trials") {
      args.trials = std::stoll(argv[i + 1]);
    } else if (flag == "--dir") {
      args.dir = argv[i + 1];
    } else {
      std::fprintf(stderr,
                   "usage: trials_bench [--workloads insert,insert4,table,front,brute] [--trials N] [--dir DIR]\n");
      return 2;
    }
  }
  std::string w = "," + args.workloads + ",";
  if (w.find(",insert,") != std::string::npos) strata::Insert(args);
  if (w.find(",insert4,") != std::string::npos) strata::Insert4(args);
  if (w.find(",table,") != std::string::npos) strata::Table(args);
  if (w.find(",front,") != std::string::npos) strata::Front(args);
  if (w.find(",brute,") != std::string::npos) strata::Brute();
  return 0;
}
