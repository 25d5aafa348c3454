// SQL queries on a strata database timed in-process (sql::RunSql; no process start-up, the
// database opened once), for bench/lake_bench.sh beside DuckDB on the same files.
//
//   sql_lake_bench ROOT RUNS NAME=SQL [NAME=SQL ...]
//
// Each query runs once unmeasured (footers into the reader cache, as DuckDB's first run), then
// RUNS times. One JSON line per query on stdout:
//   {"query":NAME,"runs":RUNS,"median_ms":M,"min_ms":m,"max_ms":x,"cpu_ms":C,"answer":{...},"maxrss_kb":K}
// cpu_ms is the median user + system CPU time of the process over a run (all threads): on a
// loaded machine a steadier measure of the work than the wall time.
// The answer is the result's fingerprint, the same one tools/interop/lake_bench.mjs computes from
// DuckDB's result: "rows" and, per numeric column i (not timestamps or strings), "c<i>" = the
// sum of the column over the rows (nulls skipped). maxrss_kb is the process's peak RSS so far
// (getrusage): with one query and RUNS=0 it is that query's peak. A query strata refuses prints
// {"query":NAME,"error":"..."} and the others still run; the exit code is then 1.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "query/batch_stream.h"
#include "query/sink.h"
#include "sql/binder.h"
#include "strata/database.h"

namespace strata {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

struct Answer {
  uint64_t rows = 0;
  std::map<size_t, double> sums;  // numeric column -> sum
};

void Add(const RecordBatch& b, Answer* a) {
  a->rows += b.num_rows();
  for (size_t c = 0; c < b.num_columns(); ++c) {
    const Column& col = b.column(c);
    double s = 0;
    bool numeric = true;
    switch (col.type()) {
      case ColumnType::kInt64:
        for (size_t i = 0; i < col.size(); ++i) s += col.IsNull(i) ? 0 : static_cast<double>(col.int64s()[i]);
        break;
      case ColumnType::kInt32:
        for (size_t i = 0; i < col.size(); ++i) s += col.IsNull(i) ? 0 : col.int32s()[i];
        break;
      case ColumnType::kFloat64:
        for (size_t i = 0; i < col.size(); ++i) s += col.IsNull(i) ? 0 : col.doubles()[i];
        break;
      default: numeric = false;
    }
    if (numeric) a->sums[c] += s;
  }
}

double CpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

struct Timed {
  double ms = 0;
  double cpu_ms = 0;  // user + system CPU of the whole process (every thread) during the run
  Answer answer;
};

Result<Timed> RunOnce(Database* db, const std::string& sql) {
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = CpuMs();
  ASSIGN_OR_RETURN(std::unique_ptr<query::BatchStream> stream, sql::RunSql(db, sql));
  Timed t;
  RETURN_IF_ERROR(query::Drain(stream.get(), [&](const RecordBatch& b) { Add(b, &t.answer); }).status());
  t.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  t.cpu_ms = CpuMs() - c0;
  return t;
}

long MaxRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

int Main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: sql_lake_bench ROOT RUNS NAME=SQL [NAME=SQL ...]\n");
    return 2;
  }
  Options options;
  options.read_only = true;
  auto db = Database::Open(argv[1], options);
  if (!db.ok()) {
    std::fprintf(stderr, "sql_lake_bench: %s\n", db.status().ToString().c_str());
    return 1;
  }
  const int runs = std::atoi(argv[2]);
  int rc = 0;
  for (int a = 3; a < argc; ++a) {
    std::string arg = argv[a];
    size_t eq = arg.find('=');
    std::string name = eq == std::string::npos ? "q" + std::to_string(a - 2) : arg.substr(0, eq);
    std::string sql = eq == std::string::npos ? arg : arg.substr(eq + 1);
    std::vector<double> ms, cpu;
    Result<Timed> r = RunOnce(db->get(), sql);  // unmeasured when runs > 0
    if (runs == 0 && r.ok()) {
      ms.push_back(r->ms);
      cpu.push_back(r->cpu_ms);
    }
    for (int i = 0; r.ok() && i < runs; ++i) {
      r = RunOnce(db->get(), sql);
      if (r.ok()) {
        ms.push_back(r->ms);
        cpu.push_back(r->cpu_ms);
      }
    }
    if (!r.ok()) {
      std::printf("{\"query\":%s,\"error\":%s}\n", JsonString(name).c_str(), JsonString(r.status().ToString()).c_str());
      std::fflush(stdout);
      rc = 1;
      continue;
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    std::string answer = "{\"rows\":" + std::to_string(r->answer.rows);
    for (const auto& [c, s] : r->answer.sums) {
      char buf[64];
      std::snprintf(buf, sizeof buf, ",\"c%zu\":%.17g", c, s);
      answer += buf;
    }
    answer += "}";
    std::printf(
        "{\"query\":%s,\"runs\":%zu,\"median_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,\"cpu_ms\":%.3f,\"answer\":%s,"
        "\"maxrss_kb\":%ld}"
        "\n",
        JsonString(name).c_str(), ms.size(), ms[ms.size() / 2], ms.front(), ms.back(), cpu[cpu.size() / 2],
        answer.c_str(), MaxRssKb());
    std::fflush(stdout);
  }
  return rc;
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) { return strata::Main(argc, argv); }
