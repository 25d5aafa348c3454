// The read endpoints: tables, stats, latest, /v1/query, and QuestDB's /exec and /exp.
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "query/query_options.h"
#include "query/text_format.h"
#include "server/result_stream.h"
#include "server/server.h"
#include "sql/binder.h"
#include "sql/parser.h"

namespace strata::server {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// InvalidArgument naming the first parameter not in `known`.
Status CheckParams(const HttpRequest& req, const std::set<std::string>& known) {
  for (const auto& [k, v] : req.params) {
    if (!known.count(k)) {
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
      return Status::InvalidArgument("unknown parameter '" + k + "' for " + req.path + " (known: " + list + ")");
    }
  }
  return Status::OK();
}

Result<bool> ParseBoolParam(const HttpRequest& req, const std::string& name) {
  if (!req.HasParam(name)) return false;
  const std::string v = req.Param(name);
  if (v.empty() || v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return Status::InvalidArgument(name + ": expected true or false, got '" + v + "'");
}

Result<int64_t> ParseIntParam(const std::string& name, const std::string& v) {
  try {
    size_t used = 0;
    long long n = std::stoll(v, &used);
    if (used == v.size()) return static_cast<int64_t>(n);
  } catch (...) {
  }
  return Status::InvalidArgument(name + ": expected an integer, got '" + v + "'");
}

}  // namespace

nlohmann::json SchemaJson(const TableDef& def) {
  nlohmann::json cols = nlohmann::json::array();
  for (const Field& f : def.schema.fields()) {
    cols.push_back({{"name", f.name}, {"type", FieldTypeName(f)}, {"nullable", f.nullable}});
  }
  nlohmann::json j = {{"name", def.name}, {"columns", cols}};
  j["dedup_key"] = def.dedup_key ? nlohmann::json(*def.dedup_key) : nlohmann::json(nullptr);
  j["policy"] = nlohmann::json::parse(def.policy_json, nullptr, false);
  return j;
}

namespace {

nlohmann::json TableStatsJson(const TableStats& t) {
  nlohmann::json tiers = nlohmann::json::array();
  for (const TierStats& s : t.tiers) {
    tiers.push_back({{"tier", s.tier}, {"rows", s.rows}, {"bytes", s.bytes}, {"series", s.series}, {"files", s.files}});
  }
  return {{"table", t.table},
          {"tiers", tiers},
          {"quarantined_series", t.quarantined_series},
          {"quarantined_rows", t.quarantined_rows}};
}

void SendJson(HttpResponder& resp, const nlohmann::json& j, int status = 200) {
  resp.Send(status, "application/json", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

void Server::AddQueryRoutes() {
  AddRoute("GET", "/v1/tables", Access::kRead, [this](HttpRequest&, HttpResponder& resp) {
    auto tables = db_->ListTables();
    if (!tables.ok()) return SendError(resp, tables.status());
    nlohmann::json list = nlohmann::json::array();
    for (const TableDef& t : *tables) list.push_back(SchemaJson(t));
    SendJson(resp, {{"tables", list}});
  });
  AddRoute("GET", "/v1/tables/", Access::kRead, [this](HttpRequest& req, HttpResponder& resp) {
    const std::string name = req.path.substr(std::string("/v1/tables/").size());
    auto def = db_->GetTable(name);
    if (!def.ok()) return SendError(resp, def.status());
    nlohmann::json j = SchemaJson(*def);
    auto stats = db_->Stats();
    if (!stats.ok()) return SendError(resp, stats.status());
    for (const TableStats& t : stats->tables) {
      if (t.table == name) j["stats"] = TableStatsJson(t);
    }
    SendJson(resp, j);
  });
  AddRoute("GET", "/v1/stats", Access::kRead, [this](HttpRequest&, HttpResponder& resp) {
    auto stats = db_->Stats();
    if (!stats.ok()) return SendError(resp, stats.status());
    nlohmann::json tables = nlohmann::json::array();
    for (const TableStats& t : stats->tables) tables.push_back(TableStatsJson(t));
    SendJson(resp, {{"root", options_.root},
                    {"fsync", stats->fsync},
                    {"wal",
                     {{"bytes", stats->wal_bytes},
                      {"segments", stats->wal_segments},
                      {"last_lsn", stats->last_lsn},
                      {"flushed_lsn", stats->flushed_lsn}}},
                    {"tables", tables}});
  });

  AddRoute("GET", "/v1/latest", Access::kRead, [this](HttpRequest& req, HttpResponder& resp) {
    const auto start = std::chrono::steady_clock::now();
    if (Status st = CheckParams(req, {"table", "symbol", "format"}); !st.ok()) return SendError(resp, st);
    const std::string table = req.Param("table");
    if (table.empty()) return SendError(resp, Status::InvalidArgument("table: missing (/v1/latest?table=NAME)"));
    auto format = ParseResultFormat(req.Param("format"));
    if (!format.ok() || *format == ResultFormat::kParquet) {
      return SendError(resp, Status::InvalidArgument("format: csv or json for /v1/latest"));
    }
    auto def = db_->GetTable(table);
    if (!def.ok()) return SendError(resp, def.status());
    std::vector<std::string> symbols;
    for (const std::string& s : req.Params("symbol")) {
      for (const std::string& one : query::SplitList(s)) symbols.push_back(one);
    }
    const bool named = !symbols.empty();
    if (!named) {
      auto all = db_->Symbols(table);
      if (!all.ok()) return SendError(resp, all.status());
      symbols = std::move(*all);
    }
    query::TextEncoder encoder(*format == ResultFormat::kCsv ? query::TextFormat::kCsv : query::TextFormat::kJson,
                               def->schema.fields());
    std::string out;
    RecordBatch row(def->schema);
    uint64_t rows = 0;
    for (const std::string& s : symbols) {
      Status st = db_->Latest(table, s, &row);
      if (st.IsNotFound() && named) {
        CountQuery("latest", SecondsSince(start), rows, false);
        return SendError(resp, Status::NotFound("no rows for symbol " + s + " in table " + table));
      }
      if (st.IsNotFound()) continue;
      if (!st.ok()) return SendError(resp, st);
      encoder.Append(row, &out);
      ++rows;
    }
    encoder.Finish(&out);
    CountQuery("latest", SecondsSince(start), rows, true);
    resp.Send(200, *format == ResultFormat::kCsv ? "text/csv; charset=utf-8" : "application/x-ndjson", out);
  });

  AddRoute("GET", "/v1/query", Access::kRead, [this](HttpRequest& req, HttpResponder& resp) {
    const auto start = std::chrono::steady_clock::now();
    Status st = CheckParams(req, {"table", "symbol", "from", "to", "columns", "bars", "asof", "tolerance", "direction",
                                  "where", "limit", "tiers", "merge", "threads", "format"});
    if (!st.ok()) return SendError(resp, st);
    query::QueryOptions q;
    q.table = req.Param("table");
    if (q.table.empty()) return SendError(resp, Status::InvalidArgument("table: missing (/v1/query?table=NAME&...)"));
    for (const std::string& s : req.Params("symbol")) {
      for (const std::string& one : query::SplitList(s)) q.symbols.push_back(one);
    }
    q.from = req.Param("from");
    q.to = req.Param("to");
    q.columns = req.Param("columns");
    q.bars = req.Param("bars");
    q.asof = req.Param("asof");
    q.tolerance = req.Param("tolerance");
    if (req.HasParam("direction")) q.direction = req.Param("direction");
    q.where = req.Param("where");
    q.tiers = req.Param("tiers");
    if (req.HasParam("limit")) {
      auto n = ParseIntParam("limit", req.Param("limit"));
      if (!n.ok()) return SendError(resp, n.status());
      q.limit = *n;
    }
    if (req.HasParam("threads")) {
      auto n = ParseIntParam("threads", req.Param("threads"));
      if (!n.ok()) return SendError(resp, n.status());
      q.threads = static_cast<int>(*n);
    }
    auto merge = ParseBoolParam(req, "merge");
    if (!merge.ok()) return SendError(resp, merge.status());
    q.merge = *merge;
    auto format = ParseResultFormat(req.Param("format"));
    if (!format.ok()) return SendError(resp, format.status());
    auto plan = query::PlanFromOptions(q, "");
    if (!plan.ok()) return SendError(resp, plan.status());
    auto stream = query::Execute(db_.get(), *plan);
    if (!stream.ok()) {
      CountQuery("query", SecondsSince(start), 0, false);
      return SendError(resp, stream.status());
    }
    StreamOptions so;
    so.format = *format;
    if (*format != ResultFormat::kJsonLines)
      so.filename = q.table + (*format == ResultFormat::kCsv ? ".csv" : ".parquet");
    auto rows = SendStream(this, stream->get(), resp, so);
    CountQuery("query", SecondsSince(start), rows.ok() ? *rows : 0, rows.ok());
  });

  // QuestDB's endpoints, through the SQL front end.
  auto sql_route = [this](bool exec) {
    return [this, exec](HttpRequest& req, HttpResponder& resp) {
      const auto start = std::chrono::steady_clock::now();
      const std::string text = req.Param("query");
      if (text.empty()) return SendError(resp, Status::InvalidArgument("query: missing (?query=SELECT ...)"));
      StreamOptions so;
      so.query_text = text;
      if (exec) {
        so.format = ResultFormat::kQuestDbJson;
        // limit=N (the first N rows) or limit=LO,HI (rows LO+1..HI, QuestDB's paging).
        if (req.HasParam("limit")) {
          const std::string l = req.Param("limit");
          const size_t comma = l.find(',');
          auto a = ParseIntParam("limit", l.substr(0, comma));
          if (!a.ok()) return SendError(resp, a.status());
          if (comma == std::string::npos) {
            so.limit = std::max<int64_t>(0, *a);
          } else {
            auto b = ParseIntParam("limit", l.substr(comma + 1));
            if (!b.ok()) return SendError(resp, b.status());
            so.skip = static_cast<uint64_t>(std::max<int64_t>(0, *a));
            so.limit = std::max<int64_t>(0, *b - *a);
          }
        }
      } else {
        const std::string fmt = req.Param("fmt");
        if (fmt.empty() || fmt == "csv") {
          so.format = ResultFormat::kCsv;
          so.filename = "questdb-query.csv";
        } else if (fmt == "parquet") {
          so.format = ResultFormat::kParquet;
          so.filename = "questdb-query.parquet";
        } else {
          return SendError(resp, Status::InvalidArgument("fmt: csv or parquet, got '" + fmt + "'"));
        }
      }
      auto statement = sql::ParseStatement(text);
      if (statement.ok() && auth_on()) {
        // The route needs read; INSERT needs write and ALTER TABLE admin, as over PG wire.
        const sql::StatementEffect effect = sql::EffectOf(*statement);
        const auth::Role need = effect == sql::StatementEffect::kRead    ? auth::Role::kRead
                                : effect == sql::StatementEffect::kWrite ? auth::Role::kWrite
                                                                         : auth::Role::kAdmin;
        if (!auth::Allows(static_cast<auth::Role>(req.role), need)) {
          CountQuery("sql", SecondsSince(start), 0, false);
          const std::string message = req.user + " has role " +
                                      std::string(auth::RoleName(static_cast<auth::Role>(req.role))) + "; " +
                                      (effect == sql::StatementEffect::kWrite ? "INSERT" : "ALTER TABLE") + " needs " +
                                      std::string(auth::RoleName(need));
          if (!exec) return SendError(resp, 403, "forbidden", message);
          nlohmann::json j = {{"query", text}, {"error", message}, {"code", "forbidden"}, {"message", message}};
          return resp.Send(403, "application/json", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        }
      }
      Result<std::unique_ptr<query::BatchStream>> stream =
          statement.ok() ? sql::RunStatement(db_.get(), *statement) : statement.status();
      so.compile_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
      if (!stream.ok()) {
        CountQuery("sql", SecondsSince(start), 0, false);
        if (exec) {
          // QuestDB's error shape: {"query", "error", "position"}; ours adds code and message.
          nlohmann::json j = {{"query", text},
                              {"error", stream.status().message()},
                              {"code", "bad_request"},
                              {"message", stream.status().message()}};
          const int http = HttpStatusOf(stream.status());
          return resp.Send(http, "application/json", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        }
        return SendError(resp, stream.status());
      }
      auto rows = SendStream(this, stream->get(), resp, so);
      CountQuery("sql", SecondsSince(start), rows.ok() ? *rows : 0, rows.ok());
    };
  };
  AddRoute("GET", "/exec", Access::kRead, sql_route(true));
  AddRoute("GET", "/exp", Access::kRead, sql_route(false));
}

}  // namespace strata::server
