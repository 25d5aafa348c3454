// Studies and trials in the catalog's `studies` and `trials` tables (migration 6).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "catalog/statement.h"
#include "strata/file_system.h"
#include "strata/timestamp.h"
#include "strata/trials.h"

namespace strata::trials {
namespace {

using json = nlohmann::json;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  }
  return true;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Result<json> ParseObjectJson(std::string_view text, std::string_view what) {
  if (text.empty()) return json::object();
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Status::InvalidArgument(std::string(what) + " is not valid JSON: " + std::string(text.substr(0, 80)));
  if (!j.is_object())
    return Status::InvalidArgument(std::string(what) + " must be a JSON object, got " +
                                   std::string(text.substr(0, 80)));
  return j;
}

// Values are stored as a JSON array of shortest round-trip decimals: "[1.9,0.12]".
std::string FormatValues(std::span<const double> values) {
  std::string out = "[";
  char buf[32];
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    auto r = std::to_chars(buf, buf + sizeof buf, values[i]);
    out.append(buf, r.ptr);
  }
  out += ']';
  return out;
}

// Parses FormatValues' output without a JSON library (the front reads a million of these).
bool ParseValues(std::string_view text, std::vector<double>* out) {
  out->clear();
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  const char* p = text.data() + 1;
  const char* end = text.data() + text.size() - 1;
  while (p < end) {
    while (p < end && (*p == ' ' || *p == ',')) ++p;
    if (p >= end) break;
    double v;
    auto r = std::from_chars(p, end, v);
    if (r.ec != std::errc()) return false;
    out->push_back(v);
    p = r.ptr;
  }
  return true;
}

std::string FormatIntermediate(const std::map<int64_t, double>& m) {
  if (m.empty()) return "{}";
  json j = json::object();
  for (const auto& [step, v] : m) j[std::to_string(step)] = v;
  return Dump(j);
}

std::map<int64_t, double> ParseIntermediate(std::string_view text) {
  std::map<int64_t, double> out;
  if (text == "{}") return out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (auto& [k, v] : j.items()) {
    if (v.is_number()) out[std::stoll(k)] = v.get<double>();
  }
  return out;
}

Status CheckFinite(std::span<const double> values, const StudyInfo& s, const std::string& where) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i]) || std::isinf(values[i])) {
      return Status::InvalidArgument(where + ": value of objective '" + s.spec.objectives[i].name + "' is " +
                                     (std::isnan(values[i]) ? "NaN" : "infinite") +
                                     " (report a finite number, or mark the trial failed)");
    }
  }
  return Status::OK();
}

std::string ObjectivesJson(const std::vector<Objective>& objs) {
  json j = json::array();
  for (const auto& o : objs) j.push_back({{"name", o.name}, {"direction", DirectionName(o.direction)}});
  return Dump(j);
}

std::string ConstraintsJson(const std::vector<Constraint>& cs) {
  json j = json::array();
  for (const auto& c : cs)
    j.push_back({{"name", c.name}, {"op", c.op == Constraint::Op::kLe ? "<=" : ">="}, {"bound", c.bound}});
  return Dump(j);
}

// "sharpe:max, drawdown:min", for error messages.
std::string ObjectiveNames(const std::vector<Objective>& objs) {
  std::string out;
  for (const auto& o : objs) out += (out.empty() ? "" : ", ") + o.name + ":" + std::string(DirectionName(o.direction));
  return out;
}

std::string ParamTypesJson(const std::map<std::string, ParamType, std::less<>>& m) {
  json j = json::object();
  for (const auto& [k, t] : m) j[k] = ParamTypeName(t);
  return Dump(j);
}

constexpr char kStudyColumns[] =
    "id, name, objectives_json, constraints_json, params_json, metadata_json, next_number, created_at, "
    "user_attrs_json, system_attrs_json";

Result<StudyInfo> StudyFromRow(const sqlite::Statement& s, const std::string& where) {
  StudyInfo info;
  info.id = s.Int(0);
  info.spec.name = s.Text(1);
  info.spec.metadata_json = s.Text(5);
  info.trial_count = s.Int(6);
  info.created_at_ns = s.Int(7);
  info.user_attrs_json = s.Text(8);
  info.system_attrs_json = s.Text(9);
  json objs = json::parse(s.Text(2), nullptr, false);
  json cons = json::parse(s.Text(3), nullptr, false);
  json params = json::parse(s.Text(4), nullptr, false);
  if (!objs.is_array() || !cons.is_array() || !params.is_object()) {
    return Status::Corruption("catalog " + where + ": study '" + info.spec.name + "' has unreadable definition JSON");
  }
  for (const auto& o : objs) {
    info.spec.objectives.push_back(
        {o.value("name", ""), o.value("direction", "min") == "max" ? Direction::kMaximize : Direction::kMinimize});
  }
  for (const auto& c : cons) {
    info.spec.constraints.push_back({c.value("name", ""),
                                     c.value("op", "<=") == ">=" ? Constraint::Op::kGe : Constraint::Op::kLe,
                                     c.value("bound", 0.0)});
  }
  for (auto& [k, v] : params.items()) {
    std::string t = v.get<std::string>();
    info.param_types[k] = t == "int"           ? ParamType::kInt
                          : t == "categorical" ? ParamType::kCategorical
                                               : ParamType::kFloat;
  }
  return info;
}

Result<StudyInfo> LoadStudyById(Catalog* c, int64_t id) {
  sqlite::Statement s(c->db(), std::string("SELECT ") + kStudyColumns + " FROM studies WHERE id = ?", c->path(),
                      "read study");
  s.Bind(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::NotFound("no study with id " + std::to_string(id));
  return StudyFromRow(s, c->path());
}

Result<StudyInfo> LoadStudy(Catalog* c, std::string_view name) {
  sqlite::Statement s(c->db(), std::string("SELECT ") + kStudyColumns + " FROM studies WHERE name = ?", c->path(),
                      "read study");
  s.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return Status::NotFound("no study " + Quote(name) +
                            " (list them with `strata study list`, create one with "
                            "`strata study create NAME --objective NAME:min|max`)");
  }
  return StudyFromRow(s, c->path());
}

// The common case of params, a flat object of plain strings and numbers, checked without building
// a JSON tree (a million trials a minute): each (key, type) into `out`. Returns false for
// anything else (escapes, nesting, literals, bad syntax, huge integers), which then takes the
// full parser and its error messages. Only accepts what is valid JSON.
bool ScanFlatParams(std::string_view text, std::vector<std::pair<std::string_view, ParamType>>* out) {
  out->clear();
  size_t i = 0;
  const size_t n = text.size();
  auto ws = [&] {
    while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  };
  auto str = [&](std::string_view* v) {
    if (i >= n || text[i] != '"') return false;
    const size_t start = ++i;
    while (i < n && text[i] != '"') {
      unsigned char c = text[i];
      if (c == '\\' || c < 0x20) return false;
      ++i;
    }
    if (i >= n) return false;
    *v = text.substr(start, i - start);
    ++i;
    return IsValidUtf8(*v);
  };
  auto digits = [&] {
    size_t s = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    return i - s;
  };
  ws();
  if (i >= n || text[i] != '{') return false;
  ++i;
  ws();
  if (i < n && text[i] == '}') {
    ++i;
    ws();
    return i == n;
  }
  while (true) {
    std::string_view key, sv;
    ws();
    if (!str(&key)) return false;
    ws();
    if (i >= n || text[i] != ':') return false;
    ++i;
    ws();
    if (i >= n) return false;
    if (text[i] == '"') {
      if (!str(&sv)) return false;
      out->emplace_back(key, ParamType::kCategorical);
    } else {
      const size_t start = i;
      if (text[i] == '-') ++i;
      if (i < n && text[i] == '0') {
        ++i;
      } else if (digits() == 0) {
        return false;
      }
      bool is_float = false;
      if (i < n && text[i] == '.') {
        ++i;
        if (digits() == 0) return false;
        is_float = true;
      }
      if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
        if (digits() == 0) return false;
        is_float = true;
      }
      if (is_float) {
        double v;
        auto r = std::from_chars(text.data() + start, text.data() + i, v);
        if (r.ec != std::errc() || !std::isfinite(v)) return false;
      } else if (i - start > 18) {
        return false;  // may not fit int64: the full parser decides
      }
      out->emplace_back(key, is_float ? ParamType::kFloat : ParamType::kInt);
    }
    ws();
    if (i < n && text[i] == ',') {
      ++i;
      continue;
    }
    if (i < n && text[i] == '}') {
      ++i;
      ws();
      return i == n;
    }
    return false;
  }
}

// Whether the scanned params agree with `types` (adding new ones); false: take the slow path for
// the error message.
bool MergeScanned(const std::vector<std::pair<std::string_view, ParamType>>& scanned,
                  std::map<std::string, ParamType, std::less<>>* types) {
  for (const auto& [k, t] : scanned) {
    auto it = types->find(k);
    if (it == types->end()) {
      types->emplace(std::string(k), t);
    } else if (it->second != t && !(it->second == ParamType::kFloat && t == ParamType::kInt)) {
      return false;
    }
  }
  return true;
}

// Whether `text` is a JSON object, without building it.
bool IsJsonObject(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && text[i] == '{' && json::accept(text);
}

// Checks a params object against the study's types, adding new params to `types`.
Status CheckParams(const json& params, std::map<std::string, ParamType, std::less<>>* types, const std::string& where) {
  for (auto& [k, v] : params.items()) {
    ParamType t;
    if (v.is_number_float()) {
      if (!std::isfinite(v.get<double>())) return Status::InvalidArgument(where + ": param '" + k + "' is not finite");
      t = ParamType::kFloat;
    } else if (v.is_number_integer()) {
      t = ParamType::kInt;
    } else if (v.is_string()) {
      t = ParamType::kCategorical;
    } else {
      return Status::InvalidArgument(where + ": param '" + k +
                                     "' must be a number or a string (float, int or categorical), got " + Dump(v));
    }
    auto it = types->find(k);
    if (it == types->end()) {
      (*types)[k] = t;
    } else if (it->second != t && !(it->second == ParamType::kFloat && t == ParamType::kInt)) {
      return Status::InvalidArgument(where + ": param '" + k + "' is " + std::string(ParamTypeName(it->second)) +
                                     " in this study, got " + Dump(v) + " (" + std::string(ParamTypeName(t)) + ")");
    }
  }
  return Status::OK();
}

constexpr char kTrialColumns[] =
    "study_id, number, state, params_json, values_json, intermediate_json, user_attrs_json, worker, run_id, "
    "started_at, finished_at, system_attrs_json, distributions_json";

Result<Trial> TrialFromRow(const sqlite::Statement& s, const std::string& where) {
  Trial t;
  t.number = s.Int(1);
  ASSIGN_OR_RETURN(t.state, ParseTrialState(s.Text(2)));
  t.params_json = s.Text(3);
  if (!ParseValues(s.Text(4), &t.values)) {
    return Status::Corruption("catalog " + where + ": trial " + std::to_string(t.number) + " has unreadable values");
  }
  t.intermediate = ParseIntermediate(s.Text(5));
  t.user_attrs_json = s.Text(6);
  t.worker = s.Text(7);
  t.run_id = s.OptionalInt(8);
  t.started_at_ns = s.Int(9);
  t.finished_at_ns = s.OptionalInt(10);
  t.system_attrs_json = s.Text(11);
  t.distributions_json = s.Text(12);
  return t;
}

// The numeric value a constraint reads from a trial: a user attribute, else a param.
std::optional<double> ConstraintValue(const json& attrs, const json& params, const std::string& name) {
  for (const json* j : {&attrs, &params}) {
    if (!j->is_object()) continue;
    auto it = j->find(name);
    if (it != j->end()) {
      if (it->is_number()) return it->get<double>();
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool Feasible(const StudyInfo& info, const json& attrs, const json& params) {
  for (const Constraint& c : info.spec.constraints) {
    auto v = ConstraintValue(attrs, params, c.name);
    if (!v || (c.op == Constraint::Op::kLe ? !(*v <= c.bound) : !(*v >= c.bound))) return false;
  }
  return true;
}

bool FeasibleText(const StudyInfo& info, std::string_view attrs, std::string_view params) {
  if (info.spec.constraints.empty()) return true;
  return Feasible(info, json::parse(attrs, nullptr, false), json::parse(params, nullptr, false));
}

// The study's front over all its objectives, as marked by trials.on_front, updated in memory
// as trials complete and written back by Save (inside the same transaction).
class FrontKeeper {
 public:
  explicit FrontKeeper(const StudyInfo& info) : info_(info), d_(info.spec.objectives.size()) {
    for (const auto& o : info.spec.objectives) sign_.push_back(o.direction == Direction::kMaximize ? -1.0 : 1.0);
  }

  Status Load(Catalog* c) {
    sqlite::Statement s(c->db(), "SELECT number, values_json FROM trials WHERE study_id = ? AND on_front = 1",
                        c->path(), "read the front");
    s.Bind(1, info_.id);
    std::vector<double> v;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (!ParseValues(s.Text(1), &v) || v.size() != d_) {
        return Status::Corruption("catalog " + c->path() + ": trial " + std::to_string(s.Int(0)) +
                                  " has unreadable values");
      }
      for (size_t k = 0; k < d_; ++k) pts_.push_back(sign_[k] * v[k]);
      numbers_.push_back(s.Int(0));
      initial_.push_back(s.Int(0));
    }
    return Status::OK();
  }

  // A trial that just became complete and feasible.
  void Offer(int64_t number, std::span<const double> values) {
    double p[64];
    std::vector<double> big;
    double* a = p;
    if (d_ > 64) {
      big.resize(d_);
      a = big.data();
    }
    for (size_t k = 0; k < d_; ++k) a[k] = sign_[k] * values[k];
    // Dominated by a front point? Otherwise drop the front points it dominates.
    for (size_t f = 0; f < numbers_.size(); ++f) {
      const double* q = &pts_[f * d_];
      bool le = true, lt = false;
      for (size_t k = 0; k < d_ && le; ++k) {
        le = q[k] <= a[k];
        lt = lt || q[k] < a[k];
      }
      if (le && lt) return;
    }
    size_t w = 0;
    for (size_t f = 0; f < numbers_.size(); ++f) {
      const double* q = &pts_[f * d_];
      bool le = true, lt = false;
      for (size_t k = 0; k < d_ && le; ++k) {
        le = a[k] <= q[k];
        lt = lt || a[k] < q[k];
      }
      if (le && lt) continue;  // dominated by the new point
      if (w != f) {
        std::copy(q, q + d_, &pts_[w * d_]);
        numbers_[w] = numbers_[f];
      }
      ++w;
    }
    numbers_.resize(w);
    pts_.resize(w * d_);
    pts_.insert(pts_.end(), a, a + d_);
    numbers_.push_back(number);
  }

  Status Save(Catalog* c) {
    std::vector<int64_t> now = numbers_, before = initial_;
    std::sort(now.begin(), now.end());
    std::sort(before.begin(), before.end());
    sqlite::Statement s(c->db(), "UPDATE trials SET on_front = ? WHERE study_id = ? AND number = ?", c->path(),
                        "update the front");
    auto set = [&](int64_t number, int64_t on) {
      s.Reset();
      s.Bind(1, on);
      s.Bind(2, info_.id);
      s.Bind(3, number);
      return s.Run();
    };
    for (int64_t n : now) {
      if (!std::binary_search(before.begin(), before.end(), n)) RETURN_IF_ERROR(set(n, 1));
    }
    for (int64_t n : before) {
      if (!std::binary_search(now.begin(), now.end(), n)) RETURN_IF_ERROR(set(n, 0));
    }
    return Status::OK();
  }

 private:
  const StudyInfo& info_;
  const size_t d_;
  std::vector<double> sign_;
  std::vector<double> pts_;  // normalised (minimise), row-major
  std::vector<int64_t> numbers_, initial_;
};

// Runs a write transaction again while it fails with kBusy: another writer held the catalog for
// longer than the busy timeout (10 s; SQLite's busy handler is not fair, and four optimiser
// workers on a loaded machine can starve one). A busy transaction was rolled back, so running it
// again is safe. Gives up after kBusyAttempts, so that a wedged writer still surfaces as an error.
constexpr int kBusyAttempts = 6;
Status RetryBusy(Catalog* c, const std::function<Status()>& fn) {
  Status st;
  for (int attempt = 0; attempt < kBusyAttempts; ++attempt) {
    st = c->InTransaction(fn);
    if (st.code() != StatusCode::kBusy) return st;
  }
  return st.WithContext("gave up after " + std::to_string(kBusyAttempts) + " waits for other writers");
}

}  // namespace

std::string_view DirectionName(Direction d) { return d == Direction::kMaximize ? "max" : "min"; }

Result<Objective> ParseObjective(std::string_view spec) {
  size_t colon = spec.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::InvalidArgument("objective " + Quote(spec) + " must be NAME:min or NAME:max (e.g. sharpe:max)");
  }
  Objective o;
  o.name = std::string(spec.substr(0, colon));
  std::string_view dir = spec.substr(colon + 1);
  if (dir == "min" || dir == "minimize" || dir == "minimise") {
    o.direction = Direction::kMinimize;
  } else if (dir == "max" || dir == "maximize" || dir == "maximise") {
    o.direction = Direction::kMaximize;
  } else {
    return Status::InvalidArgument("objective " + Quote(spec) + ": direction must be min or max, got " + Quote(dir));
  }
  if (!ValidName(o.name)) {
    return Status::InvalidArgument("objective name " + Quote(o.name) +
                                   " must start with a letter or _ and hold only letters, digits, _ - .");
  }
  return o;
}

Result<Constraint> ParseConstraint(std::string_view spec) {
  Constraint c;
  size_t pos = spec.find("<=");
  c.op = Constraint::Op::kLe;
  if (pos == std::string_view::npos) {
    pos = spec.find(">=");
    c.op = Constraint::Op::kGe;
  }
  if (pos == std::string_view::npos) {
    return Status::InvalidArgument("constraint " + Quote(spec) +
                                   " must be NAME<=BOUND or NAME>=BOUND (e.g. turnover<=3)");
  }
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  c.name = std::string(trim(spec.substr(0, pos)));
  std::string_view bound = trim(spec.substr(pos + 2));
  auto r = std::from_chars(bound.data(), bound.data() + bound.size(), c.bound);
  if (bound.empty() || r.ec != std::errc() || r.ptr != bound.data() + bound.size() || !std::isfinite(c.bound)) {
    return Status::InvalidArgument("constraint " + Quote(spec) + ": bound " + Quote(bound) + " is not a finite number");
  }
  if (!ValidName(c.name)) return Status::InvalidArgument("constraint " + Quote(spec) + ": bad name " + Quote(c.name));
  return c;
}

std::string ConstraintText(const Constraint& c) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, c.bound);
  return c.name + (c.op == Constraint::Op::kLe ? "<=" : ">=") + std::string(buf, r.ptr);
}

std::string_view ParamTypeName(ParamType t) {
  switch (t) {
    case ParamType::kFloat: return "float";
    case ParamType::kInt: return "int";
    case ParamType::kCategorical: return "categorical";
  }
  return "?";
}

std::string_view TrialStateName(TrialState s) {
  switch (s) {
    case TrialState::kRunning: return "running";
    case TrialState::kComplete: return "complete";
    case TrialState::kPruned: return "pruned";
    case TrialState::kFailed: return "failed";
    case TrialState::kWaiting: return "waiting";
  }
  return "?";
}

Result<TrialState> ParseTrialState(std::string_view name) {
  if (name == "running") return TrialState::kRunning;
  if (name == "complete") return TrialState::kComplete;
  if (name == "pruned") return TrialState::kPruned;
  if (name == "failed") return TrialState::kFailed;
  if (name == "waiting") return TrialState::kWaiting;
  return Status::InvalidArgument("trial state " + Quote(name) +
                                 " must be running, complete, pruned, failed or waiting");
}

int StudyInfo::ObjectiveIndex(std::string_view name) const {
  for (size_t i = 0; i < spec.objectives.size(); ++i) {
    if (spec.objectives[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Result<std::unique_ptr<TrialStore>> TrialStore::Open(const std::string& root, bool read_only) {
  const std::string path = layout::CatalogPath(root);
  ASSIGN_OR_RETURN(bool exists, DefaultFileSystem()->Exists(path));
  if (!exists)
    return Status::NotFound("no database at " + root + " (create one with `strata init --root " + root + "`)");
  ASSIGN_OR_RETURN(auto catalog, Catalog::Open(path, read_only));
  auto store = std::make_unique<TrialStore>(catalog.get());
  store->owned_ = std::move(catalog);
  return store;
}

TrialStore::TrialStore(Catalog* catalog) : catalog_(catalog) {}
TrialStore::~TrialStore() = default;

Result<StudyInfo> TrialStore::CreateStudy(const StudySpec& spec) {
  if (!ValidName(spec.name)) {
    return Status::InvalidArgument("study name " + Quote(spec.name) +
                                   " must start with a letter or _ and hold only letters, digits, _ - . (at most 128)");
  }
  if (spec.objectives.empty()) {
    return Status::InvalidArgument("study " + Quote(spec.name) +
                                   " needs at least one objective (--objective NAME:min|max)");
  }
  for (size_t i = 0; i < spec.objectives.size(); ++i) {
    if (!ValidName(spec.objectives[i].name))
      return Status::InvalidArgument("bad objective name " + Quote(spec.objectives[i].name));
    for (size_t j = 0; j < i; ++j) {
      if (spec.objectives[i].name == spec.objectives[j].name) {
        return Status::InvalidArgument("study " + Quote(spec.name) + ": objective " + Quote(spec.objectives[i].name) +
                                       " is named twice");
      }
    }
  }
  for (const auto& c : spec.constraints) {
    if (!ValidName(c.name) || !std::isfinite(c.bound))
      return Status::InvalidArgument("bad constraint " + ConstraintText(c));
  }
  ASSIGN_OR_RETURN(json meta, ParseObjectJson(spec.metadata_json, "study metadata"));
  Result<StudyInfo> out = Status::Internal("unset");
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sqlite::Statement s(catalog_->db(),
                        "INSERT INTO studies (name, objectives_json, constraints_json, metadata_json, created_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        catalog_->path(), "create study " + spec.name);
    s.Bind(1, spec.name);
    s.Bind(2, ObjectivesJson(spec.objectives));
    s.Bind(3, ConstraintsJson(spec.constraints));
    s.Bind(4, Dump(meta));
    s.Bind(5, WallClockNs());
    Status st = s.Run();
    if (st.code() == StatusCode::kAlreadyExists)
      return Status::AlreadyExists("study " + Quote(spec.name) + " already exists");
    RETURN_IF_ERROR(st);
    out = LoadStudy(catalog_, spec.name);
    return out.status();
  }));
  return out;
}

Result<StudyInfo> TrialStore::GetStudy(std::string_view name) {
  Result<StudyInfo> out = Status::Internal("unset");
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    out = LoadStudy(catalog_, name);
    return out.status();
  }));
  return out;
}

Result<StudyInfo> TrialStore::GetStudyById(int64_t id) {
  Result<StudyInfo> out = Status::Internal("unset");
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    out = LoadStudyById(catalog_, id);
    return out.status();
  }));
  return out;
}

Result<std::vector<StudyInfo>> TrialStore::ListStudies() {
  std::vector<StudyInfo> out;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sqlite::Statement s(catalog_->db(), std::string("SELECT ") + kStudyColumns + " FROM studies ORDER BY name",
                        catalog_->path(), "list studies");
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(StudyInfo info, StudyFromRow(s, catalog_->path()));
      out.push_back(std::move(info));
    }
    return Status::OK();
  }));
  return out;
}

Status TrialStore::DeleteStudy(std::string_view name) {
  return catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, name));
    sqlite::Statement t(catalog_->db(), "DELETE FROM trials WHERE study_id = ?", catalog_->path(), "delete trials");
    t.Bind(1, info.id);
    RETURN_IF_ERROR(t.Run());
    sqlite::Statement s(catalog_->db(), "DELETE FROM studies WHERE id = ?", catalog_->path(), "delete study");
    s.Bind(1, info.id);
    return s.Run();
  });
}

Result<int64_t> TrialStore::AddTrial(std::string_view study, const TrialInput& trial) {
  ASSIGN_OR_RETURN(auto numbers, AddTrials(study, std::span<const TrialInput>(&trial, 1)));
  return numbers.at(0);
}

Result<std::vector<int64_t>> TrialStore::AddTrials(std::string_view study, std::span<const TrialInput> batch) {
  std::vector<int64_t> numbers;
  RETURN_IF_ERROR(RetryBusy(catalog_, [&]() -> Status {
    numbers.clear();
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    const size_t nobj = info.spec.objectives.size();
    std::map<std::string, ParamType, std::less<>> types = info.param_types;
    std::vector<int64_t> known_runs;
    std::vector<std::pair<std::string_view, ParamType>> scanned;
    FrontKeeper front(info);
    RETURN_IF_ERROR(front.Load(catalog_));
    sqlite::Statement ins(
        catalog_->db(),
        "INSERT INTO trials (study_id, number, state, params_json, values_json, intermediate_json, "
        "user_attrs_json, worker, run_id, started_at, finished_at, system_attrs_json, distributions_json) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        catalog_->path(), "add trials to study " + std::string(study));
    const int64_t now = WallClockNs();
    int64_t number = info.trial_count;
    for (size_t i = 0; i < batch.size(); ++i) {
      const TrialInput& t = batch[i];
      auto Where = [&] {
        if (!t.source.empty()) return t.source + ": study " + Quote(study);
        return "study " + Quote(study) +
               (batch.size() == 1 ? std::string(", new trial") : ", trial " + std::to_string(i + 1) + " of the batch");
      };
      if (t.state == TrialState::kComplete && t.values.size() != nobj) {
        return Status::InvalidArgument(Where() + ": " + std::to_string(t.values.size()) + " values for " +
                                       std::to_string(nobj) + " objectives (" + ObjectiveNames(info.spec.objectives) +
                                       ")");
      }
      if (t.state != TrialState::kComplete && !t.values.empty() && t.values.size() != nobj) {
        return Status::InvalidArgument(Where() + ": " + std::to_string(t.values.size()) + " values for " +
                                       std::to_string(nobj) + " objectives");
      }
      for (double v : t.values) {
        if (!std::isfinite(v)) return CheckFinite(t.values, info, Where());
      }
      for (const auto& [step, v] : t.intermediate) {
        if (!std::isfinite(v)) {
          return Status::InvalidArgument(Where() + ": intermediate value at step " + std::to_string(step) +
                                         " is not finite");
        }
      }
      const std::string_view params_text = t.params_json.empty() ? std::string_view("{}") : t.params_json;
      const std::string_view attrs_text = t.user_attrs_json.empty() ? std::string_view("{}") : t.user_attrs_json;
      if (!ScanFlatParams(params_text, &scanned) || !MergeScanned(scanned, &types)) {
        ASSIGN_OR_RETURN(json params, ParseObjectJson(params_text, Where() + ": params"));
        RETURN_IF_ERROR(CheckParams(params, &types, Where()));
      }
      if (attrs_text != "{}" && !IsJsonObject(attrs_text)) {
        return ParseObjectJson(attrs_text, Where() + ": user attributes").status();
      }
      const std::string_view sys_text = t.system_attrs_json.empty() ? std::string_view("{}") : t.system_attrs_json;
      const std::string_view dist_text = t.distributions_json.empty() ? std::string_view("{}") : t.distributions_json;
      if (sys_text != "{}" && !IsJsonObject(sys_text)) {
        return ParseObjectJson(sys_text, Where() + ": system attributes").status();
      }
      if (dist_text != "{}" && !IsJsonObject(dist_text)) {
        return ParseObjectJson(dist_text, Where() + ": param distributions").status();
      }
      if (t.run_id && std::find(known_runs.begin(), known_runs.end(), *t.run_id) == known_runs.end()) {
        sqlite::Statement r(catalog_->db(), "SELECT 1 FROM runs WHERE id = ?", catalog_->path(), "check run");
        r.Bind(1, *t.run_id);
        ASSIGN_OR_RETURN(bool found, r.Step());
        if (!found) {
          return Status::NotFound(Where() + ": run " + std::to_string(*t.run_id) +
                                  " does not exist (start one with `strata run start KIND`)");
        }
        known_runs.push_back(*t.run_id);
      }
      ins.Reset();
      ins.Bind(1, info.id);
      ins.Bind(2, number);
      ins.Bind(3, TrialStateName(t.state));
      ins.Bind(4, params_text);
      ins.Bind(5, FormatValues(t.values));
      ins.Bind(6, FormatIntermediate(t.intermediate));
      ins.Bind(7, attrs_text);
      ins.Bind(8, t.worker);
      ins.Bind(9, t.run_id);
      ins.Bind(10, t.started_at_ns.value_or(now));
      std::optional<int64_t> finished = t.finished_at_ns;
      if (!finished && t.state != TrialState::kRunning && t.state != TrialState::kWaiting) finished = now;
      ins.Bind(11, finished);
      ins.Bind(12, sys_text);
      ins.Bind(13, dist_text);
      RETURN_IF_ERROR(ins.Run());
      if (t.state == TrialState::kComplete && FeasibleText(info, attrs_text, params_text))
        front.Offer(number, t.values);
      numbers.push_back(number++);
    }
    RETURN_IF_ERROR(front.Save(catalog_));
    sqlite::Statement up(catalog_->db(), "UPDATE studies SET next_number = ?, params_json = ? WHERE id = ?",
                         catalog_->path(), "number trials of study " + std::string(study));
    up.Bind(1, number);
    up.Bind(2, types == info.param_types ? ParamTypesJson(info.param_types) : ParamTypesJson(types));
    up.Bind(3, info.id);
    return up.Run();
  }));
  return numbers;
}

Status TrialStore::FinishTrial(std::string_view study, int64_t number, TrialState state,
                               std::span<const double> values) {
  if (state == TrialState::kRunning || state == TrialState::kWaiting) {
    return Status::InvalidArgument("study " + Quote(study) + ", trial " + std::to_string(number) +
                                   ": finish it as complete, pruned or failed");
  }
  return SetTrialState(study, number, state, values).status();
}

namespace {

bool Finished(std::string_view state) { return state == "complete" || state == "pruned" || state == "failed"; }

// The trial's state and the given columns, inside a transaction: NotFound for no such trial,
// InvalidArgument "... is already finished (STATE)" when `must_be_open` and it is finished.
Status ReadOpenTrial(Catalog* c, const StudyInfo& info, int64_t number, const std::string& columns,
                     const std::string& where, std::optional<sqlite::Statement>& get) {
  get.emplace(c->db(), "SELECT state" + columns + " FROM trials WHERE study_id = ? AND number = ?", c->path(),
              "read trial");
  get->Bind(1, info.id);
  get->Bind(2, number);
  ASSIGN_OR_RETURN(bool row, get->Step());
  if (!row)
    return Status::NotFound(where + " does not exist (the study has " + std::to_string(info.trial_count) + " trials)");
  if (Finished(get->Text(0))) return Status::InvalidArgument(where + " is already " + get->Text(0) + " (finished)");
  return Status::OK();
}

// `value_json` parsed as any JSON value, for attributes and distributions.
Result<json> ParseValueJson(std::string_view text, const std::string& what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument(what + " is not valid JSON: " + std::string(text.substr(0, 80)));
  return j;
}

}  // namespace

Result<bool> TrialStore::SetTrialState(std::string_view study, int64_t number, TrialState state,
                                       std::span<const double> values) {
  bool changed = false;
  RETURN_IF_ERROR(RetryBusy(catalog_, [&]() -> Status {
    changed = false;
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    const std::string where = "study " + Quote(study) + ", trial " + std::to_string(number);
    if (state == TrialState::kWaiting) return Status::InvalidArgument(where + ": a trial cannot go back to waiting");
    if (state != TrialState::kComplete && state != TrialState::kRunning && values.empty()) {
      // pruned or failed without values
    } else if ((state == TrialState::kComplete || !values.empty()) && values.size() != info.spec.objectives.size()) {
      return Status::InvalidArgument(where + ": " + std::to_string(values.size()) + " values for " +
                                     std::to_string(info.spec.objectives.size()) + " objectives (" +
                                     ObjectiveNames(info.spec.objectives) + ")");
    }
    if (state == TrialState::kRunning && !values.empty())
      return Status::InvalidArgument(where + ": a running trial has no values yet");
    RETURN_IF_ERROR(CheckFinite(values, info, where));
    std::optional<sqlite::Statement> get;
    RETURN_IF_ERROR(ReadOpenTrial(catalog_, info, number, ", user_attrs_json, params_json", where, get));
    const std::string current = get->Text(0);
    if (state == TrialState::kRunning) {
      if (current == "running") return Status::OK();  // taken by another worker: unchanged
      sqlite::Statement s(catalog_->db(),
                          "UPDATE trials SET state = 'running', started_at = ? WHERE study_id = ? AND number = ?",
                          catalog_->path(), "start trial");
      s.Bind(1, WallClockNs());
      s.Bind(2, info.id);
      s.Bind(3, number);
      RETURN_IF_ERROR(s.Run());
      changed = true;
      return Status::OK();
    }
    sqlite::Statement s(
        catalog_->db(),
        "UPDATE trials SET state = ?, values_json = ?, finished_at = ? WHERE study_id = ? AND number = ?",
        catalog_->path(), "finish trial");
    s.Bind(1, TrialStateName(state));
    s.Bind(2, FormatValues(values));
    s.Bind(3, WallClockNs());
    s.Bind(4, info.id);
    s.Bind(5, number);
    RETURN_IF_ERROR(s.Run());
    changed = true;
    if (state != TrialState::kComplete || !FeasibleText(info, get->Text(1), get->Text(2))) return Status::OK();
    FrontKeeper front(info);
    RETURN_IF_ERROR(front.Load(catalog_));
    front.Offer(number, values);
    return front.Save(catalog_);
  }));
  return changed;
}

Status TrialStore::SetTrialParam(std::string_view study, int64_t number, std::string_view name,
                                 std::string_view value_json, std::string_view distribution_json) {
  return RetryBusy(catalog_, [&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    const std::string where = "study " + Quote(study) + ", trial " + std::to_string(number);
    ASSIGN_OR_RETURN(json value, ParseValueJson(value_json, where + ": param '" + std::string(name) + "'"));
    ASSIGN_OR_RETURN(json dist,
                     ParseValueJson(distribution_json, where + ": distribution of param '" + std::string(name) + "'"));
    std::optional<sqlite::Statement> get;
    RETURN_IF_ERROR(ReadOpenTrial(catalog_, info, number, ", params_json, distributions_json", where, get));
    ASSIGN_OR_RETURN(json params, ParseObjectJson(get->Text(1), where + ": params"));
    ASSIGN_OR_RETURN(json dists, ParseObjectJson(get->Text(2), where + ": param distributions"));
    json one = json::object();
    one[std::string(name)] = value;
    std::map<std::string, ParamType, std::less<>> types = info.param_types;
    RETURN_IF_ERROR(CheckParams(one, &types, where));
    params[std::string(name)] = value;
    dists[std::string(name)] = dist;
    sqlite::Statement s(catalog_->db(),
                        "UPDATE trials SET params_json = ?, distributions_json = ? WHERE study_id = ? AND number = ?",
                        catalog_->path(), "set trial param");
    s.Bind(1, Dump(params));
    s.Bind(2, Dump(dists));
    s.Bind(3, info.id);
    s.Bind(4, number);
    RETURN_IF_ERROR(s.Run());
    if (types == info.param_types) return Status::OK();
    sqlite::Statement up(catalog_->db(), "UPDATE studies SET params_json = ? WHERE id = ?", catalog_->path(),
                         "record param type");
    up.Bind(1, ParamTypesJson(types));
    up.Bind(2, info.id);
    return up.Run();
  });
}

Status TrialStore::SetTrialAttr(std::string_view study, int64_t number, AttrKind kind, std::string_view key,
                                std::string_view value_json) {
  const char* column = kind == AttrKind::kUser ? "user_attrs_json" : "system_attrs_json";
  return RetryBusy(catalog_, [&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    const std::string where = "study " + Quote(study) + ", trial " + std::to_string(number);
    ASSIGN_OR_RETURN(json value, ParseValueJson(value_json, where + ": attribute '" + std::string(key) + "'"));
    std::optional<sqlite::Statement> get;
    RETURN_IF_ERROR(ReadOpenTrial(catalog_, info, number, std::string(", ") + column, where, get));
    ASSIGN_OR_RETURN(json attrs, ParseObjectJson(get->Text(1), where + ": attributes"));
    attrs[std::string(key)] = value;
    sqlite::Statement s(catalog_->db(),
                        std::string("UPDATE trials SET ") + column + " = ? WHERE study_id = ? AND number = ?",
                        catalog_->path(), "set trial attribute");
    s.Bind(1, Dump(attrs));
    s.Bind(2, info.id);
    s.Bind(3, number);
    return s.Run();
  });
}

Status TrialStore::SetStudyAttr(std::string_view study, AttrKind kind, std::string_view key,
                                std::string_view value_json) {
  return RetryBusy(catalog_, [&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    const std::string where = "study " + Quote(study);
    ASSIGN_OR_RETURN(json value, ParseValueJson(value_json, where + ": attribute '" + std::string(key) + "'"));
    ASSIGN_OR_RETURN(json attrs,
                     ParseObjectJson(kind == AttrKind::kUser ? info.user_attrs_json : info.system_attrs_json,
                                     where + ": attributes"));
    attrs[std::string(key)] = value;
    sqlite::Statement s(catalog_->db(),
                        std::string("UPDATE studies SET ") +
                            (kind == AttrKind::kUser ? "user_attrs_json" : "system_attrs_json") + " = ? WHERE id = ?",
                        catalog_->path(), "set study attribute");
    s.Bind(1, Dump(attrs));
    s.Bind(2, info.id);
    return s.Run();
  });
}

Status TrialStore::ReportIntermediate(std::string_view study, int64_t number, int64_t step, double value) {
  const std::string where = "study " + Quote(study) + ", trial " + std::to_string(number);
  if (!std::isfinite(value)) {
    return Status::InvalidArgument(where + ": intermediate value at step " + std::to_string(step) + " is not finite");
  }
  return RetryBusy(catalog_, [&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    sqlite::Statement get(catalog_->db(),
                          "SELECT state, intermediate_json FROM trials WHERE study_id = ? AND number = ?",
                          catalog_->path(), "read trial");
    get.Bind(1, info.id);
    get.Bind(2, number);
    ASSIGN_OR_RETURN(bool row, get.Step());
    if (!row) return Status::NotFound(where + " does not exist");
    if (get.Text(0) == "waiting") return Status::InvalidArgument(where + " is waiting (not started)");
    if (get.Text(0) != "running") return Status::InvalidArgument(where + " is already " + get.Text(0) + " (finished)");
    auto m = ParseIntermediate(get.Text(1));
    m[step] = value;
    sqlite::Statement s(catalog_->db(), "UPDATE trials SET intermediate_json = ? WHERE study_id = ? AND number = ?",
                        catalog_->path(), "report intermediate value");
    s.Bind(1, FormatIntermediate(m));
    s.Bind(2, info.id);
    s.Bind(3, number);
    return s.Run();
  });
}

Result<std::map<TrialState, int64_t>> TrialStore::CountByState(std::string_view study) {
  std::map<TrialState, int64_t> out;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    sqlite::Statement s(catalog_->db(), "SELECT state, count(*) FROM trials WHERE study_id = ? GROUP BY state",
                        catalog_->path(), "count trials");
    s.Bind(1, info.id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(TrialState state, ParseTrialState(s.Text(0)));
      out[state] = s.Int(1);
    }
    return Status::OK();
  }));
  return out;
}

Result<Trial> TrialStore::GetTrial(std::string_view study, int64_t number) {
  Result<Trial> out = Status::Internal("unset");
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    sqlite::Statement s(catalog_->db(),
                        std::string("SELECT ") + kTrialColumns + " FROM trials WHERE study_id = ? AND number = ?",
                        catalog_->path(), "read trial");
    s.Bind(1, info.id);
    s.Bind(2, number);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Status::NotFound("study " + Quote(study) + " has no trial " + std::to_string(number));
    out = TrialFromRow(s, catalog_->path());
    return out.status();
  }));
  return out;
}

Result<std::vector<Trial>> TrialStore::ListTrials(std::string_view study, const TrialQuery& query) {
  std::vector<Trial> out;
  int order_index = -1;
  Direction order_dir = Direction::kMinimize;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    if (!query.order_by.empty()) {
      order_index = info.ObjectiveIndex(query.order_by);
      if (order_index < 0) {
        return Status::InvalidArgument("study " + Quote(study) + " has no objective " + Quote(query.order_by) +
                                       " (its objectives: " + ObjectiveNames(info.spec.objectives) + ")");
      }
      order_dir = info.spec.objectives[order_index].direction;
    }
    std::string text = std::string("SELECT ") + kTrialColumns + " FROM trials WHERE study_id = ?";
    if (query.state) text += " AND state = ?";
    if (query.from_number > 0) text += " AND number >= " + std::to_string(query.from_number);
    text += " ORDER BY number";
    if (query.limit > 0 && order_index < 0) text += " LIMIT " + std::to_string(query.limit);
    sqlite::Statement s(catalog_->db(), text, catalog_->path(), "list trials");
    s.Bind(1, info.id);
    if (query.state) s.Bind(2, TrialStateName(*query.state));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(Trial t, TrialFromRow(s, catalog_->path()));
      out.push_back(std::move(t));
    }
    return Status::OK();
  }));
  if (order_index >= 0) {
    const size_t k = order_index;
    std::stable_sort(out.begin(), out.end(), [&](const Trial& a, const Trial& b) {
      bool ha = a.values.size() > k, hb = b.values.size() > k;
      if (ha != hb) return ha;  // trials with values first
      if (!ha) return false;
      return order_dir == Direction::kMaximize ? a.values[k] > b.values[k] : a.values[k] < b.values[k];
    });
    if (query.limit > 0 && static_cast<int64_t>(out.size()) > query.limit) out.resize(query.limit);
  }
  return out;
}

Result<std::vector<Trial>> TrialStore::Front(std::string_view study, const std::vector<std::string>& objectives,
                                             int rank) {
  std::vector<Trial> out;
  if (rank < 1) return Status::InvalidArgument("--rank must be 1 or more, got " + std::to_string(rank));
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    std::vector<int> cols;
    std::vector<double> sign;
    if (objectives.empty()) {
      for (size_t i = 0; i < info.spec.objectives.size(); ++i) cols.push_back(static_cast<int>(i));
    }
    for (const std::string& name : objectives) {
      int i = info.ObjectiveIndex(name);
      if (i < 0) {
        return Status::InvalidArgument("study " + Quote(study) + " has no objective " + Quote(name) +
                                       " (its objectives: " + ObjectiveNames(info.spec.objectives) + ")");
      }
      if (std::find(cols.begin(), cols.end(), i) != cols.end()) {
        return Status::InvalidArgument("objective " + Quote(name) + " is named twice");
      }
      cols.push_back(i);
    }
    for (int c : cols) sign.push_back(info.spec.objectives[c].direction == Direction::kMaximize ? -1.0 : 1.0);
    std::vector<int> all = cols;
    std::sort(all.begin(), all.end());
    const bool whole = all.size() == info.spec.objectives.size() && rank == 1;  // every objective: kept up to date
    if (whole) {
      sqlite::Statement f(
          catalog_->db(),
          std::string("SELECT ") + kTrialColumns + " FROM trials WHERE study_id = ? AND on_front = 1 ORDER BY number",
          catalog_->path(), "read the front");
      f.Bind(1, info.id);
      while (true) {
        ASSIGN_OR_RETURN(bool row, f.Step());
        if (!row) break;
        ASSIGN_OR_RETURN(Trial t, TrialFromRow(f, catalog_->path()));
        out.push_back(std::move(t));
      }
      return Status::OK();
    }
    const bool constrained = !info.spec.constraints.empty();
    sqlite::Statement s(catalog_->db(),
                        constrained
                            ? "SELECT number, values_json, user_attrs_json, params_json FROM trials "
                              "WHERE study_id = ? AND state = 'complete'"
                            : "SELECT number, values_json FROM trials WHERE study_id = ? AND state = 'complete'",
                        catalog_->path(), "read trial values");
    s.Bind(1, info.id);
    std::vector<double> points;
    std::vector<int64_t> numbers;
    std::vector<double> values;
    const size_t nobj = info.spec.objectives.size();
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      const int64_t number = s.Int(0);
      if (!ParseValues(s.Text(1), &values) || values.size() != nobj) {
        return Status::Corruption("catalog " + catalog_->path() + ": study " + Quote(study) + " trial " +
                                  std::to_string(number) + " has unreadable values");
      }
      if (constrained && !FeasibleText(info, s.Text(2), s.Text(3))) continue;
      bool finite = true;
      for (int c : cols) finite = finite && !std::isnan(values[c]);
      if (!finite) continue;  // never stored (refused on insert); skipped, not treated as 0
      for (size_t k = 0; k < cols.size(); ++k) points.push_back(sign[k] * values[cols[k]]);
      numbers.push_back(number);
    }
    std::vector<uint32_t> front;
    if (rank == 1) {
      front = ParetoFront(points, cols.size());
    } else {
      std::vector<uint32_t> ranks = NonDominatedRanks(points, cols.size());
      for (uint32_t i = 0; i < ranks.size(); ++i) {
        if (ranks[i] == static_cast<uint32_t>(rank)) front.push_back(i);
      }
    }
    sqlite::Statement get(catalog_->db(),
                          std::string("SELECT ") + kTrialColumns + " FROM trials WHERE study_id = ? AND number = ?",
                          catalog_->path(), "read front trial");
    for (uint32_t i : front) {
      get.Reset();
      get.Bind(1, info.id);
      get.Bind(2, numbers[i]);
      ASSIGN_OR_RETURN(bool row, get.Step());
      if (!row) return Status::Internal("front trial vanished");
      ASSIGN_OR_RETURN(Trial t, TrialFromRow(get, catalog_->path()));
      out.push_back(std::move(t));
    }
    return Status::OK();
  }));
  std::sort(out.begin(), out.end(), [](const Trial& a, const Trial& b) { return a.number < b.number; });
  return out;
}

}  // namespace strata::trials

namespace strata::trials {

Result<double> TrialStore::FrontHypervolume(std::string_view study, const std::vector<std::string>& objectives,
                                            std::span<const double> ref) {
  ASSIGN_OR_RETURN(StudyInfo info, GetStudy(study));
  std::vector<int> cols;
  if (objectives.empty()) {
    for (size_t i = 0; i < info.spec.objectives.size(); ++i) cols.push_back(static_cast<int>(i));
  }
  for (const std::string& name : objectives) cols.push_back(info.ObjectiveIndex(name));  // checked by Front
  ASSIGN_OR_RETURN(std::vector<Trial> front, Front(study, objectives));
  if (ref.size() != cols.size()) {
    return Status::InvalidArgument("--ref has " + std::to_string(ref.size()) + " values for " +
                                   std::to_string(cols.size()) + " objectives");
  }
  std::vector<double> pts, r;
  for (size_t k = 0; k < cols.size(); ++k) {
    const double sign = info.spec.objectives[cols[k]].direction == Direction::kMaximize ? -1.0 : 1.0;
    r.push_back(sign * ref[k]);
  }
  for (const Trial& t : front) {
    for (size_t k = 0; k < cols.size(); ++k) {
      const double sign = info.spec.objectives[cols[k]].direction == Direction::kMaximize ? -1.0 : 1.0;
      pts.push_back(sign * t.values[cols[k]]);
    }
  }
  return Hypervolume(pts, cols.size(), r);
}

}  // namespace strata::trials
