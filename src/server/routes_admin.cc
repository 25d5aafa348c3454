// Admin endpoints: flush, migrate, retention, one maintenance pass.
#include <nlohmann/json.hpp>

#include "server/scheduler.h"
#include "server/server.h"

namespace strata::server {
namespace {

nlohmann::json RunJson(const TierRunResult& r) {
  return {{"rows_in", r.rows_in},         {"rows_out", r.rows_out}, {"files_in", r.files_in},
          {"files_out", r.files_out},     {"bytes_in", r.bytes_in}, {"bytes_out", r.bytes_out},
          {"flushed_lsn", r.flushed_lsn}, {"seconds", r.seconds}};
}

}  // namespace

void Server::AddAdminRoutes() {
  AddRoute("POST", "/v1/flush", Access::kAdmin, [this](HttpRequest& req, HttpResponder& resp) {
    const std::string table = req.Param("table");
    auto r = table.empty() ? db_->Flush() : db_->FlushTable(table);
    if (!r.ok()) return SendError(resp, r.status());
    Log("flush by " + (req.user.empty() ? std::string("-") : req.user) + ": " + std::to_string(r->rows_out) + " rows");
    resp.Send(200, "application/json", RunJson(*r).dump());
  });
  AddRoute("POST", "/v1/migrate", Access::kAdmin, [this](HttpRequest& req, HttpResponder& resp) {
    MigrateOptions o;
    o.table = req.Param("table");
    o.all = req.Param("all") == "true";
    auto r = db_->Migrate(o);
    if (!r.ok()) return SendError(resp, r.status());
    resp.Send(200, "application/json", RunJson(*r).dump());
  });
  AddRoute("POST", "/v1/retention", Access::kAdmin, [this](HttpRequest&, HttpResponder& resp) {
    auto r = db_->ApplyRetention();
    if (!r.ok()) return SendError(resp, r.status());
    resp.Send(200, "application/json", RunJson(*r).dump());
  });
  AddRoute("POST", "/v1/maintain", Access::kAdmin, [this](HttpRequest&, HttpResponder& resp) {
    auto models = this->models();
    MaintenanceReport report = RunMaintenancePass(db_.get(), models.ok() ? *models : nullptr);
    nlohmann::json j = {{"ok", report.status.ok()}, {"jobs", report.lines}};
    resp.Send(report.status.ok() ? 200 : 500, "application/json", j.dump());
  });
}

}  // namespace strata::server
