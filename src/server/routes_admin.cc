// Admin endpoints: flush, migrate, retention, one maintenance pass, and table DDL (create a
// table, add a column, set its tier policy).
#include <nlohmann/json.hpp>
#include <set>

#include "server/scheduler.h"
#include "server/server.h"
#include "tier/policy.h"

namespace strata::server {
namespace {

nlohmann::json RunJson(const TierRunResult& r) {
  return {{"rows_in", r.rows_in},         {"rows_out", r.rows_out}, {"files_in", r.files_in},
          {"files_out", r.files_out},     {"bytes_in", r.bytes_in}, {"bytes_out", r.bytes_out},
          {"flushed_lsn", r.flushed_lsn}, {"seconds", r.seconds}};
}

// A JSON object body, or InvalidArgument saying what is wrong with it.
Result<nlohmann::json> JsonBody(const HttpRequest& req, const std::string& what) {
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("the body must be a JSON object: " + what);
  }
  return j;
}

Status CheckKeys(const nlohmann::json& j, const std::set<std::string>& known) {
  for (const auto& [k, v] : j.items()) {
    if (known.count(k)) continue;
    std::string list;
    for (const std::string& n : known) list += (list.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("unknown field " + QuoteForMessage(k, 40) + " (known: " + list + ")");
  }
  return Status::OK();
}

Result<std::string> StringField(const nlohmann::json& j, const std::string& key) {
  if (!j.contains(key)) return std::string();
  if (!j[key].is_string()) return Status::InvalidArgument(key + ": expected a string");
  return j[key].get<std::string>();
}

// POST /v1/tables: {"name", "template" | "schema", "dedup_key"?, "policy"?} as `strata table create`.
Result<TableDef> CreateTableDef(const nlohmann::json& j) {
  RETURN_IF_ERROR(CheckKeys(j, {"name", "template", "schema", "dedup_key", "policy"}));
  TableDef def;
  ASSIGN_OR_RETURN(def.name, StringField(j, "name"));
  if (def.name.empty()) return Status::InvalidArgument("name: missing (the table's name)");
  ASSIGN_OR_RETURN(std::string tmpl, StringField(j, "template"));
  ASSIGN_OR_RETURN(std::string schema, StringField(j, "schema"));
  if (tmpl.empty() == schema.empty()) {
    return Status::InvalidArgument(
        "give one of template (trades, quotes, bars, book, fills, orders, cash) or schema "
        "('ts:timestamp,symbol:symbol,px:f64,...')");
  }
  if (!tmpl.empty()) {
    auto schema_of = Schema::Template(tmpl);  // an unknown one is a bad request here, not a 404
    if (!schema_of.ok()) return Status::InvalidArgument("template: " + schema_of.status().message());
    def.schema = std::move(*schema_of);
  } else {
    ASSIGN_OR_RETURN(def.schema, Schema::Parse(schema));
  }
  ASSIGN_OR_RETURN(std::string dedup, StringField(j, "dedup_key"));
  if (!dedup.empty()) def.dedup_key = dedup;
  if (j.contains("policy")) {
    if (!j["policy"].is_object()) return Status::InvalidArgument("policy: expected a JSON object");
    ASSIGN_OR_RETURN(tier::TablePolicy policy, tier::TablePolicy::Parse(j["policy"].dump()));
    def.policy_json = policy.ToJson();
  }
  return def;
}

}  // namespace

nlohmann::json SchemaJson(const TableDef& def);  // routes_query.cc

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
  // Table DDL.
  AddRoute("POST", "/v1/tables", Access::kAdmin, [this](HttpRequest& req, HttpResponder& resp) {
    auto body =
        JsonBody(req, R"({"name":"fills","schema":"ts:timestamp,symbol:symbol,px:f64"} or "template":"trades")");
    if (!body.ok()) return SendError(resp, body.status());
    auto def = CreateTableDef(*body);
    if (!def.ok()) return SendError(resp, def.status());
    if (Status st = db_->CreateTable(*def); !st.ok()) return SendError(resp, st);
    auto made = db_->GetTable(def->name);
    if (!made.ok()) return SendError(resp, made.status());
    Log("ddl by " + (req.user.empty() ? std::string("-") : req.user) + ": created table " + def->name);
    resp.Send(201, "application/json", SchemaJson(*made).dump());
  });
  // POST /v1/tables/NAME/columns {"name", "type"}; PUT /v1/tables/NAME/policy {policy...}.
  const auto table_of = [](const HttpRequest& req, std::string_view suffix) -> Result<std::string> {
    std::string_view rest = std::string_view(req.path).substr(std::string_view("/v1/tables/").size());
    if (!rest.ends_with(suffix) || rest.size() == suffix.size()) {
      return Status::NotFound("no endpoint " + req.method + " " + req.path + " (" + req.method + " /v1/tables/NAME" +
                              std::string(suffix) + ")");
    }
    return std::string(rest.substr(0, rest.size() - suffix.size()));
  };
  AddRoute("POST", "/v1/tables/", Access::kAdmin, [this, table_of](HttpRequest& req, HttpResponder& resp) {
    auto table = table_of(req, "/columns");
    if (!table.ok()) return SendError(resp, table.status());
    auto body = JsonBody(req, R"({"name":"venue","type":"string"})");
    if (!body.ok()) return SendError(resp, body.status());
    if (Status st = CheckKeys(*body, {"name", "type"}); !st.ok()) return SendError(resp, st);
    auto name = StringField(*body, "name");
    auto type = StringField(*body, "type");
    if (!name.ok()) return SendError(resp, name.status());
    if (!type.ok()) return SendError(resp, type.status());
    if (name->empty() || type->empty()) {
      return SendError(resp, Status::InvalidArgument("name and type: both needed (type i32, i64, f32, f64, string "
                                                     "or bool; the column is nullable)"));
    }
    std::string t = *type;
    if (t.back() == '?') t.pop_back();
    auto column_type = ParseColumnType(t);
    if (!column_type.ok()) return SendError(resp, column_type.status());
    if (Status st = db_->AddColumn(*table, *name, *column_type); !st.ok()) return SendError(resp, st);
    auto def = db_->GetTable(*table);
    if (!def.ok()) return SendError(resp, def.status());
    Log("ddl by " + (req.user.empty() ? std::string("-") : req.user) + ": added column " + *name + " to " + *table);
    resp.Send(201, "application/json", SchemaJson(*def).dump());
  });
  AddRoute("PUT", "/v1/tables/", Access::kAdmin, [this, table_of](HttpRequest& req, HttpResponder& resp) {
    auto table = table_of(req, "/policy");
    if (!table.ok()) return SendError(resp, table.status());
    auto body = JsonBody(req, R"({"warm_days":7,"cold_days":3650})");
    if (!body.ok()) return SendError(resp, body.status());
    if (body->empty()) return SendError(resp, Status::InvalidArgument("give at least one policy field"));
    if (Status st = db_->SetTablePolicy(*table, body->dump()); !st.ok()) return SendError(resp, st);
    auto def = db_->GetTable(*table);
    if (!def.ok()) return SendError(resp, def.status());
    Log("ddl by " + (req.user.empty() ? std::string("-") : req.user) + ": policy of " + *table + " is now " +
        def->policy_json);
    resp.Send(200, "application/json", SchemaJson(*def).dump());
  });
  AddRoute("POST", "/v1/maintain", Access::kAdmin, [this](HttpRequest&, HttpResponder& resp) {
    auto models = this->models();
    MaintenanceReport report = RunMaintenancePass(db_.get(), models.ok() ? *models : nullptr);
    nlohmann::json j = {{"ok", report.status.ok()}, {"jobs", report.lines}};
    resp.Send(report.status.ok() ? 200 : 500, "application/json", j.dump());
  });
}

}  // namespace strata::server
