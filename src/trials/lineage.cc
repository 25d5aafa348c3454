#include "trials/lineage.h"

#include <set>

#include "catalog/statement.h"

namespace strata::trials {
namespace {

using json = nlohmann::json;

Status ReadRun(Catalog* c, int64_t id, RunRecord* out, bool* found) {
  sqlite::Statement s(c->db(),
                   "SELECT id, kind, inputs_json, outputs_json, config_json, status, started_at, finished_at, error "
                   "FROM runs WHERE id = ?",
                   c->path(), "read run");
  s.Bind(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  *found = row;
  if (!row) return Status::OK();
  out->id = s.Int(0);
  out->kind = s.Text(1);
  out->inputs_json = s.Text(2);
  out->outputs_json = s.Text(3);
  out->config_json = s.Text(4);
  out->status = s.Text(5);
  out->started_at_ns = s.Int(6);
  out->finished_at_ns = s.OptionalInt(7);
  out->error = s.Text(8);
  return Status::OK();
}

Status Walk(Catalog* c, int64_t id, int depth, int max_depth, std::set<int64_t>* seen, json* out) {
  if (depth > max_depth || seen->count(id)) {
    *out = {{"run_id", id}, {"cut", true}};
    return Status::OK();
  }
  seen->insert(id);
  RunRecord r;
  bool found = false;
  RETURN_IF_ERROR(ReadRun(c, id, &r, &found));
  if (!found) {
    *out = {{"run_id", id}, {"missing", true}};
    return Status::OK();
  }
  json inputs = json::parse(r.inputs_json, nullptr, false);
  if (!inputs.is_object()) inputs = json::object();
  json run = {{"id", r.id},
              {"kind", r.kind},
              {"status", r.status},
              {"started_at_ns", r.started_at_ns},
              {"config", json::parse(r.config_json, nullptr, false)},
              {"outputs", json::parse(r.outputs_json, nullptr, false)}};
  if (r.finished_at_ns) run["finished_at_ns"] = *r.finished_at_ns;
  if (!r.error.empty()) run["error"] = r.error;
  (*out)["run"] = run;

  // Trials this run produced.
  json trials = json::array();
  sqlite::Statement t(c->db(),
                   "SELECT s.name, t.number FROM trials t JOIN studies s ON s.id = t.study_id WHERE t.run_id = ? "
                   "ORDER BY s.name, t.number",
                   c->path(), "read the run's trials");
  t.Bind(1, id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, t.Step());
    if (!row) break;
    trials.push_back({{"study", t.Text(0)}, {"number", t.Int(1)}});
  }
  (*out)["trials"] = trials;

  // Input tables: the files that hold the range now.
  json tables = json::array();
  if (inputs.contains("tables") && inputs["tables"].is_array()) {
    for (const json& tj : inputs["tables"]) {
      if (!tj.is_object() || !tj.contains("name") || !tj["name"].is_string()) continue;
      json entry = tj;
      auto table = c->GetTable(tj["name"].get<std::string>());
      if (!table.ok()) {
        entry["error"] = table.status().message();
        tables.push_back(entry);
        continue;
      }
      FileQuery q;
      q.table_id = table->id;
      if (tj.contains("from") && tj["from"].is_number_integer()) q.from_ts = tj["from"].get<int64_t>();
      if (tj.contains("to") && tj["to"].is_number_integer()) q.to_ts = tj["to"].get<int64_t>();
      std::set<std::string> symbols;
      if (tj.contains("symbols") && tj["symbols"].is_array()) {
        for (const json& s : tj["symbols"]) {
          if (s.is_string()) symbols.insert(s.get<std::string>());
        }
      }
      ASSIGN_OR_RETURN(auto files, c->ListFiles(q));
      json fj = json::array();
      for (const FileRecord& f : files) {
        if (!symbols.empty() && !symbols.count(f.symbol)) continue;
        fj.push_back({{"uri", f.uri},
                      {"tier", TierName(f.tier)},
                      {"symbol", f.symbol},
                      {"min_ts", f.min_ts},
                      {"max_ts", f.max_ts},
                      {"rows", f.row_count},
                      {"sha256", f.sha256}});
      }
      entry["files"] = fj;
      tables.push_back(entry);
    }
  }
  (*out)["tables"] = tables;
  if (inputs.contains("studies")) (*out)["studies"] = inputs["studies"];
  if (inputs.contains("models")) (*out)["models"] = inputs["models"];

  json parents = json::array();
  if (inputs.contains("runs") && inputs["runs"].is_array()) {
    for (const json& p : inputs["runs"]) {
      if (!p.is_number_integer()) continue;
      json sub = json::object();
      RETURN_IF_ERROR(Walk(c, p.get<int64_t>(), depth + 1, max_depth, seen, &sub));
      parents.push_back(sub);
    }
  }
  (*out)["inputs"] = parents;
  return Status::OK();
}

}  // namespace

Result<RunRecord> GetRun(Catalog* catalog, int64_t id) {
  RunRecord r;
  bool found = false;
  RETURN_IF_ERROR(catalog->InTransaction([&] { return ReadRun(catalog, id, &r, &found); }));
  if (!found) return Status::NotFound("no run " + std::to_string(id) + " (list them with `strata run list`)");
  return r;
}

Result<json> RunLineage(Catalog* catalog, int64_t id, int max_depth) {
  ASSIGN_OR_RETURN(RunRecord r, GetRun(catalog, id));
  (void)r;
  json out = json::object();
  std::set<int64_t> seen;
  RETURN_IF_ERROR(catalog->InTransaction([&] { return Walk(catalog, id, 0, max_depth, &seen, &out); }));
  return out;
}

std::string LineageText(const json& tree, int indent) {
  std::string pad(indent, ' ');
  std::string out;
  if (tree.contains("cut")) return pad + "run " + std::to_string(tree["run_id"].get<int64_t>()) + " (see above)\n";
  if (tree.contains("missing")) return pad + "run " + std::to_string(tree["run_id"].get<int64_t>()) + " (missing)\n";
  const json& run = tree["run"];
  out += pad + "run " + std::to_string(run["id"].get<int64_t>()) + " " + run["kind"].get<std::string>() + " (" +
         run["status"].get<std::string>() + ") config " + run["config"].dump() + "\n";
  for (const json& t : tree["tables"]) {
    out += pad + "  reads table " + t.value("name", "?");
    if (t.contains("from")) out += " from " + t["from"].dump();
    if (t.contains("to")) out += " to " + t["to"].dump();
    if (t.contains("symbols")) out += " symbols " + t["symbols"].dump();
    out += "\n";
    if (t.contains("error")) out += pad + "    " + t["error"].get<std::string>() + "\n";
    if (t.contains("files")) {
      for (const json& f : t["files"]) {
        out += pad + "    file " + f["uri"].get<std::string>() + " (" + f["tier"].get<std::string>() + ", " +
               std::to_string(f["rows"].get<int64_t>()) + " rows, sha256 " +
               f["sha256"].get<std::string>().substr(0, 16) + ")\n";
      }
    }
  }
  if (tree.contains("studies")) out += pad + "  reads studies " + tree["studies"].dump() + "\n";
  if (tree.contains("models")) out += pad + "  reads models " + tree["models"].dump() + "\n";
  if (!tree["trials"].empty()) {
    std::string list;
    for (const json& t : tree["trials"]) {
      list +=
          (list.empty() ? "" : ", ") + t["study"].get<std::string>() + "#" + std::to_string(t["number"].get<int64_t>());
    }
    out += pad + "  produced trials " + list + "\n";
  }
  for (const json& p : tree["inputs"]) {
    out += pad + "  from\n" + LineageText(p, indent + 4);
  }
  return out;
}

}  // namespace strata::trials
