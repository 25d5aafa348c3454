#include "server/scheduler.h"

#include "artifacts/model_store.h"
#include "server/server.h"

namespace strata::server {
namespace {

std::string Summary(const char* what, const TierRunResult& r) {
  return std::string(what) + ": " + std::to_string(r.files_in) + " file(s) in, " + std::to_string(r.files_out) +
         " out, " + std::to_string(r.rows_out) + " rows, " + std::to_string(r.seconds).substr(0, 5) + " s";
}

std::mutex extra_mu;
std::function<void(MaintenanceReport*)>& ExtraJobs() {
  static std::function<void(MaintenanceReport*)> jobs;
  return jobs;
}

}  // namespace

void SetExtraMaintenance(std::function<void(MaintenanceReport*)> jobs) {
  std::lock_guard lock(extra_mu);
  ExtraJobs() = std::move(jobs);
}

MaintenanceReport RunMaintenancePass(Database* db, artifacts::ModelStore* models) {
  MaintenanceReport report;
  auto fail = [&](const std::string& job, const Status& st) {
    report.lines.push_back(job + " failed: " + st.ToString());
    if (report.status.ok()) report.status = st;
  };
  if (auto flushed = db->FlushIfDue(); !flushed.ok()) {
    fail("flush", flushed.status());
  } else if (*flushed) {
    report.lines.push_back(Summary("flush", **flushed));
  }
  MigrateOptions mo;
  mo.apply_policy = true;
  if (auto r = db->Migrate(mo); !r.ok()) {
    fail("migrate", r.status());
  } else if (r->files_in > 0) {
    report.lines.push_back(Summary("migrate", *r));
  }
  if (auto r = db->ApplyRetention(); !r.ok()) {
    fail("retention", r.status());
  } else if (r->files_in > 0) {
    report.lines.push_back(Summary("retention", *r));
  }
  if (models != nullptr) {
    artifacts::ArchiveOptions ao;  // no name, not all: the versions promoted to stage "archived"
    if (auto r = models->Archive(ao); !r.ok()) {
      fail("model archive", r.status());
    } else if (!r->versions.empty()) {
      report.lines.push_back("model archive: " + std::to_string(r->versions.size()) + " version(s), " +
                             std::to_string(r->packs_uploaded) + " pack(s) uploaded");
    }
  }
  std::function<void(MaintenanceReport*)> extra;
  {
    std::lock_guard lock(extra_mu);
    extra = ExtraJobs();
  }
  if (extra) extra(&report);
  return report;
}

Scheduler::Scheduler(Server* server, int interval_s) : server_(server), interval_s_(interval_s) {
  thread_ = std::thread([this] { Loop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Scheduler::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (cv_.wait_for(lock, std::chrono::seconds(interval_s_), [&] { return stop_; })) return;
    lock.unlock();
    auto models = server_->models();
    MaintenanceReport report = RunMaintenancePass(server_->db(), models.ok() ? *models : nullptr);
    for (const std::string& line : report.lines) server_->Log("scheduler: " + line);
    lock.lock();
  }
}

}  // namespace strata::server
