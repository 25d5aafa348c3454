// Maintenance jobs inside `strata serve`, and one pass of them for `strata maintain` (cron).
//
// A pass runs, one job at a time: the flush if a trigger fires (the database's background
// flusher also does this on its own), migration of what the tables' warm_days / warm_max_bytes
// policies select, retention by cold_days, and the archiving of model versions at stage
// "archived". Each tier job records a `runs` row (kind flush / migrate / retention) through the
// database; jobs that find nothing to do record none. One thread runs the passes, so jobs never
// overlap, on any table.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "strata/database.h"

namespace strata::artifacts {
class ModelStore;
}

namespace strata::server {

class Server;

struct MaintenanceReport {
  std::vector<std::string> lines;  // one per job that did something or failed
  Status status;                   // the first failure (the pass goes on after one)
};

// Runs one pass. `models` may be null (no archiving).
MaintenanceReport RunMaintenancePass(Database* db, artifacts::ModelStore* models);

// Jobs of modules the server does not link (the backup schedules of src/backup, set by the CLI):
// run at the end of every pass, adding their lines and failures to the report. Empty: none.
void SetExtraMaintenance(std::function<void(MaintenanceReport*)> jobs);

class Scheduler {
 public:
  // Starts a thread that runs a pass every `interval_s` seconds (the first one interval_s after
  // the start).
  Scheduler(Server* server, int interval_s);
  ~Scheduler();  // stops after the running job

 private:
  void Loop();
  Server* server_;
  const int interval_s_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace strata::server
