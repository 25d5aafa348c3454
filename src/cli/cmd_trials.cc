// strata study create|list|show|rm|pareto, strata trials (alias trial) add|finish|list|front|export
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "artifacts/model_store.h"
#include "catalog/catalog.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "strata/timestamp.h"
#include "strata/trials.h"
#include "trials/lineage.h"

namespace strata::cli {
namespace {

using namespace strata::trials;
using json = nlohmann::json;

Result<std::unique_ptr<TrialStore>> OpenStore(const Context* ctx, bool read_only) {
  return TrialStore::Open(ctx->root, read_only);
}

// "1.9,0.12" -> {1.9, 0.12}; "nan" parses (the store refuses it, naming the objective).
Result<std::vector<double>> ParseValueList(const std::string& text, const std::string& flag = "--values") {
  std::vector<double> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    double v = 0;
    auto r = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || r.ec != std::errc() || r.ptr != item.data() + item.size()) {
      return Status::InvalidArgument(flag + ": item " + std::to_string(out.size() + 1) + " '" + item +
                                     "' is not a number (give one number per objective, comma-separated: 1.9,0.12)");
    }
    out.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

json StudyJson(const StudyInfo& s, const std::map<TrialState, int64_t>* counts) {
  json j;
  j["name"] = s.spec.name;
  j["objectives"] = json::array();
  for (const auto& o : s.spec.objectives)
    j["objectives"].push_back({{"name", o.name}, {"direction", DirectionName(o.direction)}});
  j["constraints"] = json::array();
  for (const auto& c : s.spec.constraints) j["constraints"].push_back(ConstraintText(c));
  j["metadata"] = json::parse(s.spec.metadata_json, nullptr, false);
  j["params"] = json::object();
  for (const auto& [k, t] : s.param_types) j["params"][k] = ParamTypeName(t);
  j["trials"] = s.trial_count;
  if (counts) {
    for (const auto& [state, n] : *counts) j["states"][std::string(TrialStateName(state))] = n;
  }
  return j;
}

std::string ObjectiveList(const StudyInfo& s) {
  std::string out;
  for (const auto& o : s.spec.objectives)
    out += (out.empty() ? "" : ", ") + o.name + ":" + std::string(DirectionName(o.direction));
  return out;
}

void PrintTrials(const StudyInfo& info, const std::vector<Trial>& trials, OutputFormat format) {
  RecordBatch batch = TrialsToBatch(info, trials);
  BatchPrinter printer(stdout, format, batch.fields());
  printer.Print(batch);
  printer.Finish();
}

// One CSV line into fields: commas, double quotes around a field, "" for a quote inside one.
// No line breaks inside fields. False for an unterminated quote.
bool SplitCsvLine(const std::string& line, std::vector<std::string>* out) {
  out->clear();
  std::string cur;
  size_t i = 0;
  while (true) {
    cur.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cur += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        cur += line[i++];
      }
    } else {
      while (i < line.size() && line[i] != ',') cur += line[i++];
    }
    out->push_back(cur);
    if (i >= line.size()) return true;
    if (line[i] != ',') return false;
    ++i;
  }
}

// A CSV cell as a JSON param value: int if it is a whole number, float if a number, else a string.
json CellValue(const std::string& cell) {
  int64_t iv;
  auto ri = std::from_chars(cell.data(), cell.data() + cell.size(), iv);
  if (ri.ec == std::errc() && ri.ptr == cell.data() + cell.size()) return iv;
  double dv;
  auto rd = std::from_chars(cell.data(), cell.data() + cell.size(), dv);
  if (rd.ec == std::errc() && rd.ptr == cell.data() + cell.size() && std::isfinite(dv)) return dv;
  return cell;
}

// Reads FILE (.csv or .jsonl) into trials, each with its file:line as source.
Result<std::vector<TrialInput>> ReadTrialsFile(const std::string& path, const StudyInfo& info) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open " + path);
  const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
  const bool jsonl = path.size() >= 6 && (path.compare(path.size() - 6, 6, ".jsonl") == 0);
  if (!csv && !jsonl) return Status::InvalidArgument(path + ": name it .csv or .jsonl (one trial a line)");
  std::vector<TrialInput> out;
  std::string line;
  int64_t lineno = 0;
  std::vector<std::string> header, cells;
  auto where = [&] { return path + ":" + std::to_string(lineno); };
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    TrialInput t;
    t.source = where();
    if (csv) {
      if (!SplitCsvLine(line, &cells)) return Status::InvalidArgument(where() + ": unterminated quote");
      if (header.empty()) {
        header = cells;
        bool any = false;
        for (const auto& o : info.spec.objectives) {
          any = any || std::find(header.begin(), header.end(), o.name) != header.end();
        }
        if (!any) {
          return Status::InvalidArgument(where() + ": the header names none of the study's objectives (" +
                                         ObjectiveList(info) + ")");
        }
        continue;
      }
      if (cells.size() != header.size()) {
        return Status::InvalidArgument(where() + ": " + std::to_string(cells.size()) + " fields, the header has " +
                                       std::to_string(header.size()));
      }
      json params = json::object();
      std::vector<std::optional<double>> values(info.spec.objectives.size());
      for (size_t c = 0; c < cells.size(); ++c) {
        const int obj = info.ObjectiveIndex(header[c]);
        if (header[c] == "state") {
          if (cells[c].empty()) continue;  // complete
          auto st = ParseTrialState(cells[c]);
          if (!st.ok()) return Status::InvalidArgument(where() + ": " + st.status().message());
          t.state = *st;
        } else if (obj >= 0) {
          if (cells[c].empty()) continue;
          double v;
          auto r = std::from_chars(cells[c].data(), cells[c].data() + cells[c].size(), v);
          if (r.ec != std::errc() || r.ptr != cells[c].data() + cells[c].size()) {
            return Status::InvalidArgument(where() + ": objective '" + header[c] + "' value '" + cells[c] +
                                           "' is not a number");
          }
          values[obj] = v;
        } else if (!cells[c].empty()) {
          params[header[c]] = CellValue(cells[c]);
        }
      }
      for (const auto& v : values) {
        if (v) t.values.push_back(*v);
      }
      if (!t.values.empty() && t.values.size() != values.size()) {
        return Status::InvalidArgument(where() + ": " + std::to_string(t.values.size()) + " values for " +
                                       std::to_string(values.size()) + " objectives (" + ObjectiveList(info) + ")");
      }
      t.params_json = params.dump();
    } else {
      json j = json::parse(line, nullptr, false);
      if (!j.is_object()) return Status::InvalidArgument(where() + ": not a JSON object");
      if (j.contains("state")) {
        if (!j["state"].is_string()) return Status::InvalidArgument(where() + ": state must be a string");
        auto st = ParseTrialState(j["state"].get<std::string>());
        if (!st.ok()) return Status::InvalidArgument(where() + ": " + st.status().message());
        t.state = *st;
      }
      if (j.contains("values")) {
        const json& v = j["values"];
        if (v.is_array()) {
          for (const json& x : v) {
            if (!x.is_number()) return Status::InvalidArgument(where() + ": values must be numbers, got " + x.dump());
            t.values.push_back(x.get<double>());
          }
        } else if (v.is_object()) {
          for (const auto& o : info.spec.objectives) {
            if (!v.contains(o.name) || !v[o.name].is_number()) {
              return Status::InvalidArgument(where() + ": values has no number for objective '" + o.name + "'");
            }
            t.values.push_back(v[o.name].get<double>());
          }
        } else {
          return Status::InvalidArgument(where() + ": values must be an array or an object by objective name");
        }
      }
      if (j.contains("params")) t.params_json = j["params"].dump();
      if (j.contains("user_attrs")) t.user_attrs_json = j["user_attrs"].dump();
      if (j.contains("worker") && j["worker"].is_string()) t.worker = j["worker"].get<std::string>();
    }
    out.push_back(std::move(t));
  }
  return out;
}

struct StudyArgs {
  std::string name, meta = "{}", format = "table";
  std::vector<std::string> objectives, constraints;
};

struct TrialArgs {
  std::string study, params = "{}", values, state, attrs = "{}", worker, format = "table", order_by, objectives, out;
  int64_t number = -1, limit = 0;
  int rank = 1;
  std::optional<int64_t> run;
};

void AddFront(CLI::App* cmd, Context* ctx, std::shared_ptr<TrialArgs> a) {
  cmd->add_option("study", a->study, "study name")->required();
  cmd->add_option("--objectives", a->objectives, "comma-separated objectives to use (default: all of the study's)");
  cmd->add_option("--format", a->format, "table, csv or json (one object per line)");
  cmd->add_option("--rank", a->rank,
                  "the trials of non-domination rank K instead: 1 is the front, 2 the front once it is removed, ...");
  cmd->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(a->format));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, true));
      ASSIGN_OR_RETURN(StudyInfo info, store->GetStudy(a->study));
      ASSIGN_OR_RETURN(auto front, store->Front(a->study, SplitCommaList(a->objectives), a->rank));
      PrintTrials(info, front, format);
      if (format == OutputFormat::kTable) {
        std::fprintf(stderr, "%zu trials %s of %s\n", front.size(),
                     a->rank == 1 ? "on the front" : ("of rank " + std::to_string(a->rank)).c_str(), a->study.c_str());
      }
      return Status::OK();
    });
  });
}

struct RunArgs {
  std::string kind, name, params = "{}", inputs = "{}", status = "ok", metrics = "{}", outputs = "{}", error,
                          format = "table";
  int64_t id = 0;
  int limit = 50;
  std::vector<std::string> target;
};

Result<json> ObjectArg(const std::string& text, const std::string& flag) {
  json j = json::parse(text.empty() ? "{}" : text, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument(flag + " must be a JSON object, got " + text.substr(0, 80));
  return j;
}

json RunJson(const RunRecord& r) {
  json j = {{"id", r.id},
            {"kind", r.kind},
            {"status", r.status},
            {"started_at_ns", r.started_at_ns},
            {"inputs", json::parse(r.inputs_json, nullptr, false)},
            {"config", json::parse(r.config_json, nullptr, false)},
            {"outputs", json::parse(r.outputs_json, nullptr, false)}};
  if (r.finished_at_ns) j["finished_at_ns"] = *r.finished_at_ns;
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

void AddRunAndLineageCommands(CLI::App& app, Context* ctx) {
  CLI::App* run =
      app.add_subcommand("run", "runs (lineage): record what a fetch, ingest, train or backtest read and made");
  run->require_subcommand(1);
  run->footer(
      "A run is one execution of a job. Start it, pass its id to what it creates (`strata trial add --run ID`,\n"
      "`strata model put --run ID`), finish it; `strata lineage` then walks from a model back to its data.\n"
      "Examples:\n"
      "  id=$(strata run start train --name alpha-v3 --params '{\"lr\":0.01}' \\\n"
      "         --inputs '{\"tables\":[{\"name\":\"trades\",\"from\":0,\"to\":1900000000000000000}],\"runs\":[3]}')\n"
      "  strata model put alpha model.safetensors --run $id\n"
      "  strata run finish $id --metrics '{\"sharpe\":1.9}'\n"
      "  strata lineage alpha@3");
  auto a = std::make_shared<RunArgs>();
  CLI::App* start = run->add_subcommand("start", "start a run of KIND; prints its id");
  start->add_option("kind", a->kind, "fetch, ingest, process, train, backtest, optimise, ...")->required();
  start->add_option("--name", a->name, "a name for people");
  start->add_option("--params", a->params, "the run's parameters, a JSON object");
  start->add_option("--inputs", a->inputs,
                    "what it reads, a JSON object: {\"tables\":[{\"name\":T,\"from\":NS,\"to\":NS,\"symbols\":[..]}], "
                    "\"runs\":[ids], \"studies\":[{\"name\":S,\"trials\":[numbers]}], \"models\":[\"m@v\"]}");
  start->callback([ctx, a] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(json params, ObjectArg(a->params, "--params"));
      ASSIGN_OR_RETURN(json inputs, ObjectArg(a->inputs, "--inputs"));
      json config = {{"params", params}};
      if (!a->name.empty()) config["name"] = a->name;
      ASSIGN_OR_RETURN(auto store, TrialStore::Open(ctx->root, false));
      if (inputs.contains("runs")) {
        for (const json& r : inputs["runs"]) {
          if (!r.is_number_integer()) return Status::InvalidArgument("--inputs: runs must be run ids, got " + r.dump());
          RETURN_IF_ERROR(GetRun(store->catalog(), r.get<int64_t>()).status().WithContext("--inputs"));
        }
      }
      ASSIGN_OR_RETURN(int64_t id, store->catalog()->BeginRun(a->kind, inputs.dump(), config.dump()));
      std::printf("%lld\n", static_cast<long long>(id));
      return Status::OK();
    });
  });
  auto f = std::make_shared<RunArgs>();
  CLI::App* finish = run->add_subcommand("finish", "finish run ID as ok or failed");
  finish->add_option("id", f->id, "run id")->required();
  finish->add_option("--status", f->status, "ok (default) or failed");
  finish->add_option("--metrics", f->metrics, "metrics, a JSON object");
  finish->add_option("--outputs", f->outputs, "what it made, a JSON object");
  finish->add_option("--error", f->error, "what went wrong (with --status failed)");
  finish->callback([ctx, f] {
    Run(ctx, [&]() -> Status {
      if (f->status != "ok" && f->status != "failed") {
        return Status::InvalidArgument("--status must be ok or failed, got '" + f->status + "'");
      }
      ASSIGN_OR_RETURN(json metrics, ObjectArg(f->metrics, "--metrics"));
      ASSIGN_OR_RETURN(json outputs, ObjectArg(f->outputs, "--outputs"));
      if (!metrics.empty()) outputs["metrics"] = metrics;
      ASSIGN_OR_RETURN(auto store, TrialStore::Open(ctx->root, false));
      RETURN_IF_ERROR(store->catalog()->FinishRun(f->id, f->status == "ok", outputs.dump(), f->error));
      std::printf("run %lld: %s\n", static_cast<long long>(f->id), f->status.c_str());
      return Status::OK();
    });
  });
  auto l = std::make_shared<RunArgs>();
  CLI::App* list = run->add_subcommand("list", "list runs, newest first");
  list->add_option("--kind", l->kind, "only runs of this kind");
  list->add_option("--limit", l->limit, "at most N (default 50; 0 for all)");
  list->add_option("--format", l->format, "table or json (one object per line)");
  list->callback([ctx, l] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(l->format));
      ASSIGN_OR_RETURN(auto store, TrialStore::Open(ctx->root, true));
      std::optional<std::string> kind;
      if (!l->kind.empty()) kind = l->kind;
      ASSIGN_OR_RETURN(auto runs, store->catalog()->ListRuns(kind, l->limit));
      for (const RunRecord& r : runs) {
        if (format == OutputFormat::kJson) {
          std::printf("%s\n", RunJson(r).dump().c_str());
        } else {
          std::printf("%6lld  %-10s %-8s %s  %s\n", static_cast<long long>(r.id), r.kind.c_str(), r.status.c_str(),
                      FormatTimestamp(r.started_at_ns).c_str(), r.config_json.c_str());
        }
      }
      if (runs.empty() && format != OutputFormat::kJson) std::printf("no runs\n");
      return Status::OK();
    });
  });
  auto sh = std::make_shared<RunArgs>();
  CLI::App* show = run->add_subcommand("show", "one run: kind, status, params, inputs, outputs");
  show->add_option("id", sh->id, "run id")->required();
  show->callback([ctx, sh] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto store, TrialStore::Open(ctx->root, true));
      ASSIGN_OR_RETURN(RunRecord r, GetRun(store->catalog(), sh->id));
      std::printf("%s\n", RunJson(r).dump(2).c_str());
      return Status::OK();
    });
  });

  auto g = std::make_shared<RunArgs>();
  CLI::App* lineage =
      app.add_subcommand("lineage", "walk back from a model version (or a run) to the runs, data and trials behind it");
  lineage->add_option("target", g->target, "MODEL@VERSION, or: run ID")->required()->expected(1, 2);
  lineage->add_option("--format", g->format, "table (an indented tree) or json");
  lineage->footer(
      "Examples:\n"
      "  strata lineage alpha@3\n"
      "  strata lineage run 12 --format json");
  lineage->callback([ctx, g] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(g->format));
      int64_t run_id = 0;
      std::string head;
      if (g->target[0] == "run") {
        if (g->target.size() != 2) return Status::InvalidArgument("usage: strata lineage run ID");
        try {
          run_id = std::stoll(g->target[1]);
        } catch (...) {
          return Status::InvalidArgument("run id '" + g->target[1] + "' is not a number");
        }
      } else {
        ASSIGN_OR_RETURN(artifacts::ModelRef ref, artifacts::ParseModelRef(g->target[0]));
        artifacts::ModelStoreOptions options;
        options.cache_budget_bytes = 0;
        ASSIGN_OR_RETURN(auto models, artifacts::ModelStore::Open(ctx->root, options));
        ASSIGN_OR_RETURN(artifacts::VersionInfo v, models->Resolve(ref.name, ref.ref));
        if (!v.run_id) {
          return Status::NotFound("model " + v.model + " version " + std::to_string(v.version) +
                                  " has no run recorded (store versions with `strata model put ... --run ID`)");
        }
        run_id = *v.run_id;
        head = "model " + v.model + "@" + std::to_string(v.version) + " (sha256 " + v.sha256.substr(0, 16) + ")";
      }
      ASSIGN_OR_RETURN(auto store, TrialStore::Open(ctx->root, true));
      ASSIGN_OR_RETURN(json tree, RunLineage(store->catalog(), run_id));
      if (format == OutputFormat::kJson) {
        if (!head.empty()) tree["model"] = head;
        std::printf("%s\n", tree.dump().c_str());
        return Status::OK();
      }
      if (!head.empty()) std::printf("%s\n  made by\n", head.c_str());
      std::printf("%s", LineageText(tree, head.empty() ? 0 : 4).c_str());
      return Status::OK();
    });
  });
}

}  // namespace

void AddTrialsCommands(CLI::App& app, Context* ctx) {
  AddRunAndLineageCommands(app, ctx);
  // ---- strata study ----
  CLI::App* study = app.add_subcommand("study", "studies: named objectives (min/max) whose trials you compare");
  study->require_subcommand(1);
  study->footer(
      "A study holds the trials of one search (hyper-parameters, backtests). Its objectives say what\n"
      "to minimise or maximise; `strata study pareto` lists the trials no other trial beats on all of them.\n"
      "Examples:\n"
      "  strata study create mom --objective sharpe:max --objective drawdown:min --constraint 'turnover<=3'\n"
      "  strata trial add mom --params '{\"lookback\":20,\"lr\":0.01,\"opt\":\"adam\"}' --values 1.9,0.12\n"
      "  strata study pareto mom --objectives sharpe,drawdown\n"
      "  strata study show mom --format json");

  auto sa = std::make_shared<StudyArgs>();
  CLI::App* create = study->add_subcommand("create", "create a study with its objectives and constraints");
  create->add_option("name", sa->name, "study name (letters, digits, _ - .)")->required();
  create->add_option("--objective", sa->objectives, "NAME:min or NAME:max; repeat for each objective, in order")
      ->required();
  create->add_option("--constraint", sa->constraints,
                     "NAME<=BOUND or NAME>=BOUND; a trial is feasible when all hold, reading NAME from its user "
                     "attributes (--attrs) or else its params; only feasible trials can be on the front");
  create->add_option("--meta", sa->meta, "metadata JSON object");
  create->footer(
      "Examples:\n"
      "  strata study create mom --objective sharpe:max --objective drawdown:min\n"
      "  strata study create mom2 --objective sharpe:max --objective latency_ms:min --constraint 'turnover<=3' "
      "--meta '{\"universe\":\"sp500\"}'");
  create->callback([ctx, sa] {
    Run(ctx, [&]() -> Status {
      StudySpec spec;
      spec.name = sa->name;
      spec.metadata_json = sa->meta;
      for (const auto& o : sa->objectives) {
        ASSIGN_OR_RETURN(Objective obj, ParseObjective(o));
        spec.objectives.push_back(obj);
      }
      for (const auto& c : sa->constraints) {
        ASSIGN_OR_RETURN(Constraint con, ParseConstraint(c));
        spec.constraints.push_back(con);
      }
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, false));
      ASSIGN_OR_RETURN(StudyInfo info, store->CreateStudy(spec));
      std::printf("created study %s (%s)\n", info.spec.name.c_str(), ObjectiveList(info).c_str());
      return Status::OK();
    });
  });

  auto list_format = std::make_shared<std::string>("table");
  CLI::App* list = study->add_subcommand("list", "list studies with their objectives and trial counts");
  list->add_option("--format", *list_format, "table or json (one object per line)");
  list->callback([ctx, list_format] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(*list_format));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, true));
      ASSIGN_OR_RETURN(auto studies, store->ListStudies());
      if (format == OutputFormat::kJson) {
        for (const auto& s : studies) std::printf("%s\n", StudyJson(s, nullptr).dump().c_str());
        return Status::OK();
      }
      if (studies.empty())
        std::printf("no studies (create one with `strata study create NAME --objective sharpe:max`)\n");
      for (const auto& s : studies) {
        std::printf("%-30s %10s trials  %s\n", s.spec.name.c_str(), WithThousands(s.trial_count).c_str(),
                    ObjectiveList(s).c_str());
      }
      return Status::OK();
    });
  });

  auto show_args = std::make_shared<StudyArgs>();
  CLI::App* show = study->add_subcommand("show", "a study's objectives, constraints, params and trial counts");
  show->add_option("name", show_args->name, "study name")->required();
  show->add_option("--format", show_args->format, "table or json");
  show->callback([ctx, show_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(show_args->format));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, true));
      ASSIGN_OR_RETURN(StudyInfo s, store->GetStudy(show_args->name));
      ASSIGN_OR_RETURN(auto counts, store->CountByState(show_args->name));
      if (format == OutputFormat::kJson) {
        std::printf("%s\n", StudyJson(s, &counts).dump().c_str());
        return Status::OK();
      }
      std::printf("study %s\n", s.spec.name.c_str());
      std::printf("  objectives:  %s\n", ObjectiveList(s).c_str());
      std::string cons;
      for (const auto& c : s.spec.constraints) cons += (cons.empty() ? "" : ", ") + ConstraintText(c);
      std::printf("  constraints: %s\n", cons.empty() ? "(none)" : cons.c_str());
      std::string params;
      for (const auto& [k, t] : s.param_types)
        params += (params.empty() ? "" : ", ") + k + ":" + std::string(ParamTypeName(t));
      std::printf("  params:      %s\n", params.empty() ? "(none yet)" : params.c_str());
      std::printf("  metadata:    %s\n", s.spec.metadata_json.c_str());
      std::string states;
      for (const auto& [state, n] : counts) {
        states += (states.empty() ? "" : ", ") + WithThousands(n) + " " + std::string(TrialStateName(state));
      }
      std::printf("  trials:      %s%s\n", WithThousands(s.trial_count).c_str(),
                  states.empty() ? "" : (" (" + states + ")").c_str());
      return Status::OK();
    });
  });

  auto rm_name = std::make_shared<std::string>();
  CLI::App* rm = study->add_subcommand("rm", "delete a study and all its trials");
  rm->add_option("name", *rm_name, "study name")->required();
  rm->callback([ctx, rm_name] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, false));
      RETURN_IF_ERROR(store->DeleteStudy(*rm_name));
      std::printf("deleted study %s\n", rm_name->c_str());
      return Status::OK();
    });
  });

  auto pareto_args = std::make_shared<TrialArgs>();
  CLI::App* pareto = study->add_subcommand(
      "pareto", "the Pareto front: complete, feasible trials that no other trial beats on every objective");
  AddFront(pareto, ctx, pareto_args);
  pareto->footer(
      "A trial is on the front when no other trial is at least as good on every chosen objective and\n"
      "better on one (directions as the study says). Equal trials are all on it. Same as `strata trials front`.\n"
      "Examples:\n"
      "  strata study pareto mom\n"
      "  strata study pareto mom --objectives sharpe,drawdown --format csv");

  // ---- strata trials (alias: trial) ----
  CLI::App* trials = app.add_subcommand("trials", "add, finish, list, compare and export a study's trials");
  trials->alias("trial");
  trials->require_subcommand(1);
  trials->footer(
      "Examples:\n"
      "  strata trial add mom --params '{\"lookback\":20,\"opt\":\"adam\"}' --values 1.9,0.12 --worker w3\n"
      "  strata trial add mom --params '{\"lookback\":40}' --state running      # prints its number\n"
      "  strata trial finish mom 1 --values 1.4,0.08\n"
      "  strata trials list mom --order-by sharpe --limit 10\n"
      "  strata trials front mom --format json\n"
      "  strata trials export mom mom.parquet");

  auto add_args = std::make_shared<TrialArgs>();
  CLI::App* add = trials->add_subcommand("add", "add one trial to STUDY; prints its number");
  add->add_option("study", add_args->study, "study name")->required();
  add->add_option("--params", add_args->params,
                  "JSON object of params: numbers with a point or exponent are float, whole numbers int, strings "
                  "categorical; a param keeps the type its first trial gave it");
  add->add_option("--values", add_args->values,
                  "objective values, comma-separated, in the study's objective order (required when complete); "
                  "NaN is refused: mark a trial that produced none --state failed");
  add->add_option("--state", add_args->state, "complete (default), running, pruned, failed or waiting");
  add->add_option("--attrs", add_args->attrs, "user attributes, a JSON object (constraints read them)");
  add->add_option("--worker", add_args->worker, "id of the worker that ran it");
  add->add_option("--run", add_args->run, "id of the run that produced it (lineage); must exist");
  add->callback([ctx, add_args] {
    Run(ctx, [&]() -> Status {
      TrialInput t;
      if (!add_args->state.empty()) {
        ASSIGN_OR_RETURN(t.state, ParseTrialState(add_args->state));
      }
      ASSIGN_OR_RETURN(t.values, ParseValueList(add_args->values));
      t.params_json = add_args->params;
      t.user_attrs_json = add_args->attrs;
      t.worker = add_args->worker;
      t.run_id = add_args->run;
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, false));
      ASSIGN_OR_RETURN(int64_t number, store->AddTrial(add_args->study, t));
      std::printf("%lld\n", static_cast<long long>(number));
      return Status::OK();
    });
  });

  auto fin_args = std::make_shared<TrialArgs>();
  CLI::App* finish =
      trials->add_subcommand("finish", "finish a running trial: complete with its values, pruned or failed");
  finish->add_option("study", fin_args->study, "study name")->required();
  finish->add_option("number", fin_args->number, "trial number (what `trial add --state running` printed)")->required();
  finish->add_option("--values", fin_args->values, "objective values, comma-separated (required when complete)");
  finish->add_option("--state", fin_args->state, "complete (default), pruned or failed");
  finish->callback([ctx, fin_args] {
    Run(ctx, [&]() -> Status {
      TrialState state = TrialState::kComplete;
      if (!fin_args->state.empty()) {
        ASSIGN_OR_RETURN(state, ParseTrialState(fin_args->state));
      }
      ASSIGN_OR_RETURN(auto values, ParseValueList(fin_args->values));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, false));
      RETURN_IF_ERROR(store->FinishTrial(fin_args->study, fin_args->number, state, values));
      std::printf("trial %lld of %s: %s\n", static_cast<long long>(fin_args->number), fin_args->study.c_str(),
                  std::string(TrialStateName(state)).c_str());
      return Status::OK();
    });
  });

  auto rep_args = std::make_shared<TrialArgs>();
  auto rep_step = std::make_shared<int64_t>(0);
  CLI::App* report = trials->add_subcommand("report", "record an intermediate value of a running trial at a step");
  report->add_option("study", rep_args->study, "study name")->required();
  report->add_option("number", rep_args->number, "trial number")->required();
  report->add_option("--step", *rep_step, "the step (epoch, fold, day, ...)")->required();
  report->add_option("--value", rep_args->values, "the value at that step (finite)")->required();
  report->footer("Example:\n  strata trial report mom 4 --step 10 --value 0.83     # a pruning curve, step by step");
  report->callback([ctx, rep_args, rep_step] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto v, ParseValueList(rep_args->values, "--value"));
      if (v.size() != 1) return Status::InvalidArgument("--value takes one number");
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, false));
      RETURN_IF_ERROR(store->ReportIntermediate(rep_args->study, rep_args->number, *rep_step, v[0]));
      std::printf("trial %lld of %s: step %lld = %.17g\n", static_cast<long long>(rep_args->number),
                  rep_args->study.c_str(), static_cast<long long>(*rep_step), v[0]);
      return Status::OK();
    });
  });

  auto list_args = std::make_shared<TrialArgs>();
  CLI::App* tlist = trials->add_subcommand("list", "list a study's trials with params and values");
  tlist->add_option("study", list_args->study, "study name")->required();
  tlist->add_option("--state", list_args->state,
                    "only trials in this state (running, complete, pruned, failed, waiting)");
  tlist->add_option("--order-by", list_args->order_by,
                    "an objective: best first by its direction (default: by number)");
  tlist->add_option("--limit", list_args->limit, "at most N trials");
  tlist->add_option("--format", list_args->format, "table, csv or json (one object per line)");
  tlist->callback([ctx, list_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(list_args->format));
      TrialQuery q;
      if (!list_args->state.empty()) {
        ASSIGN_OR_RETURN(q.state, ParseTrialState(list_args->state));
      }
      q.order_by = list_args->order_by;
      q.limit = list_args->limit;
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, true));
      ASSIGN_OR_RETURN(StudyInfo info, store->GetStudy(list_args->study));
      ASSIGN_OR_RETURN(auto list, store->ListTrials(list_args->study, q));
      PrintTrials(info, list, format);
      return Status::OK();
    });
  });

  auto front_args = std::make_shared<TrialArgs>();
  CLI::App* front = trials->add_subcommand("front", "the Pareto front of a study (same as `strata study pareto`)");
  AddFront(front, ctx, front_args);

  auto imp_args = std::make_shared<TrialArgs>();
  CLI::App* imp = trials->add_subcommand("import", "add many trials from a CSV or JSON-lines file, all or none");
  imp->add_option("study", imp_args->study, "study name")->required();
  imp->add_option("file", imp_args->out, "FILE.csv or FILE.jsonl, one trial a line")->required();
  imp->add_option("--run", imp_args->run, "id of the run that produced them (lineage); must exist");
  imp->footer(
      "CSV: a header row; columns named like the study's objectives hold its values, a `state` column\n"
      "the state (default complete), every other column is a param, typed from its value (whole\n"
      "number: int, number: float, else categorical); an empty cell leaves the param out.\n"
      "JSON lines: {\"params\":{...}, \"values\":[1.9,0.12] or {\"sharpe\":1.9,...}, \"state\":\"complete\",\n"
      "\"user_attrs\":{...}, \"worker\":\"w1\"}. One transaction: a bad line (named FILE:LINE) stores nothing.\n"
      "Examples:\n"
      "  strata trials import mom results.csv\n"
      "  strata trials import mom results.jsonl --run 12");
  imp->callback([ctx, imp_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, false));
      ASSIGN_OR_RETURN(StudyInfo info, store->GetStudy(imp_args->study));
      ASSIGN_OR_RETURN(auto trials, ReadTrialsFile(imp_args->out, info));
      for (auto& t : trials) t.run_id = imp_args->run;
      auto start = std::chrono::steady_clock::now();
      ASSIGN_OR_RETURN(auto numbers, store->AddTrials(imp_args->study, trials));
      std::printf("imported %s trials into %s", WithThousands(numbers.size()).c_str(), imp_args->study.c_str());
      if (!numbers.empty()) {
        std::printf(" (numbers %lld-%lld)", static_cast<long long>(numbers.front()),
                    static_cast<long long>(numbers.back()));
      }
      std::printf(" in %.2f s\n", SecondsSince(start));
      return Status::OK();
    });
  });

  auto hv_args = std::make_shared<TrialArgs>();
  CLI::App* hv = trials->add_subcommand("hypervolume", "the hypervolume of the front against a reference point");
  hv->add_option("study", hv_args->study, "study name")->required();
  hv->add_option("--ref", hv_args->values,
                 "the reference point, one value per objective, comma-separated, in the objectives' units: a value "
                 "worse than every trial you care about (below them for max, above for min)")
      ->required();
  hv->add_option("--objectives", hv_args->objectives, "comma-separated objectives (default: all; 2 or 3 of them)");
  hv->footer(
      "The volume of objective space that the front dominates, bounded by --ref: bigger is better,\n"
      "and it only grows as better trials arrive. Exact for 2 and 3 objectives.\n"
      "Example:\n"
      "  strata trials hypervolume mom --ref 0,1        # sharpe:max above 0, drawdown:min below 1");
  hv->callback([ctx, hv_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto ref, ParseValueList(hv_args->values, "--ref"));
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, true));
      ASSIGN_OR_RETURN(double v, store->FrontHypervolume(hv_args->study, SplitCommaList(hv_args->objectives), ref));
      std::printf("%.17g\n", v);
      return Status::OK();
    });
  });

  auto exp_args = std::make_shared<TrialArgs>();
  CLI::App* exp = trials->add_subcommand("export", "write a study's trials to a Parquet file (DuckDB, pandas, Spark)");
  exp->add_option("study", exp_args->study, "study name")->required();
  exp->add_option("out", exp_args->out, "output .parquet file (written atomically)")->required();
  exp->footer(
      "Columns: number, state, worker, started_at, finished_at, run_id, values_<objective> per objective,\n"
      "params_<name> per param (float, int or string), user_attrs and intermediate (JSON text).\n"
      "Example:\n"
      "  strata trials export mom mom.parquet && duckdb -c \"SELECT * FROM 'mom.parquet' ORDER BY values_sharpe "
      "DESC\"");
  exp->callback([ctx, exp_args] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto store, OpenStore(ctx, true));
      RETURN_IF_ERROR(store->ExportParquet(exp_args->study, exp_args->out));
      std::printf("wrote study %s to %s\n", exp_args->study.c_str(), exp_args->out.c_str());
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
