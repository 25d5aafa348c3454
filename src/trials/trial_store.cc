// Studies and trials in the catalog's `studies` and `trials` tables (migration 6).
#include <algorithm>
#include <bit>
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

// A trial's row id in `trials`: study_id << 32 | number (migration 10), unique by construction,
// so one B-tree holds the rows in (study, number) order and a study's trials are one id range.
constexpr int64_t kMaxTrialNumber = (int64_t{1} << 32) - 1;
int64_t TrialKey(int64_t study_id, int64_t number) { return (study_id << 32) + number; }
int64_t StudyFirstKey(int64_t study_id) { return study_id << 32; }
int64_t StudyEndKey(int64_t study_id) { return (study_id + 1) << 32; }
// " id >= ? AND id < ?" bound to a study's range at `first` and `first + 1`.
void BindStudyRange(sqlite::Statement& s, int first, int64_t study_id) {
  s.Bind(first, StudyFirstKey(study_id));
  s.Bind(first + 1, StudyEndKey(study_id));
}

// Objective values are stored as packed float64 in the machine's (little-endian) byte order: a
// BLOB of 8 bytes per objective, bound straight from the caller's vector.
static_assert(std::endian::native == std::endian::little, "objective_values is little-endian float64");

// Parses the JSON array text of rows written before migration 10 ("[1.9,0.12]").
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

// Column `col` of a row: packed float64 (BLOB) or, in older rows, a JSON array (TEXT).
bool ReadValues(const sqlite::Statement& s, int col, std::vector<double>* out) {
  bool blob = false;
  std::string_view bytes = s.View(col, &blob);
  if (!blob) return ParseValues(bytes, out);
  if (bytes.size() % sizeof(double) != 0) return false;
  out->resize(bytes.size() / sizeof(double));
  if (!bytes.empty()) std::memcpy(out->data(), bytes.data(), bytes.size());
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
    "user_attrs_json, system_attrs_json, fronts_kept";

Result<StudyInfo> StudyFromRow(const sqlite::Statement& s, const std::string& where) {
  StudyInfo info;
  info.id = s.Int(0);
  info.spec.name = s.Text(1);
  info.spec.metadata_json = s.Text(5);
  info.trial_count = s.Int(6);
  info.created_at_ns = s.Int(7);
  info.user_attrs_json = s.Text(8);
  info.system_attrs_json = s.Text(9);
  info.fronts_kept = static_cast<uint64_t>(s.Int(10));
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
    "study_id, number, state, params_json, objective_values, intermediate_json, user_attrs_json, worker, run_id, "
    "started_at, finished_at, system_attrs_json, distributions_json";

Result<Trial> TrialFromRow(const sqlite::Statement& s, const std::string& where) {
  Trial t;
  t.number = s.Int(1);
  ASSIGN_OR_RETURN(t.state, ParseTrialState(s.Text(2)));
  t.params_json = s.Text(3);
  if (!ReadValues(s, 4, &t.values)) {
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

// Which fronts a study with `d` objectives keeps in trials.on_front: the front over all of them
// (bit 0) and, for up to 6 objectives, the front over every subset of 1 to 3 of them (bit m for
// the subset whose objective bit mask is m; m < 2^d - 1 <= 63). Studies with more objectives keep
// only the whole front: their subset fronts are computed when asked for.
constexpr size_t kMaxObjectivesForSubsetFronts = 6;
constexpr int kMaxKeptSubsetSize = 3;
uint64_t AllObjectivesMask(size_t d) { return d >= 64 ? ~uint64_t{0} : (uint64_t{1} << d) - 1; }
// The on_front bit of the front over the objectives in `objective_mask`; -1 for a subset that no
// study keeps (a mask of 64 or more: only studies of 7+ objectives have those).
int FrontBit(uint64_t objective_mask, size_t d) {
  if (objective_mask == AllObjectivesMask(d)) return 0;
  return objective_mask < 64 ? static_cast<int>(objective_mask) : -1;
}
bool FrontKept(uint64_t fronts_kept, int bit) { return bit >= 0 && bit < 64 && ((fronts_kept >> bit) & 1); }
uint64_t WantedFronts(size_t d) {
  uint64_t bits = 1;
  if (d > kMaxObjectivesForSubsetFronts) return bits;
  for (uint64_t m = 1; m < AllObjectivesMask(d); ++m) {
    if (std::popcount(m) <= kMaxKeptSubsetSize) bits |= uint64_t{1} << m;
  }
  return bits;
}

// The study's kept fronts (WantedFronts), as marked by trials.on_front, updated in memory as
// trials complete and written back by Save (inside the same transaction). A front that the study
// does not keep yet (studies.fronts_kept: a study from before migration 10) is computed from all
// its complete trials in Load, once, and kept from then on.
class FrontKeeper {
 public:
  explicit FrontKeeper(const StudyInfo& info) : info_(info), d_(info.spec.objectives.size()) {
    const uint64_t all = AllObjectivesMask(d_);
    const uint64_t wanted = WantedFronts(d_);
    for (int bit = 0; bit < 64; ++bit) {
      if (!((wanted >> bit) & 1)) continue;
      Kept k;
      k.bit = bit;
      const uint64_t m = bit == 0 ? all : static_cast<uint64_t>(bit);
      for (size_t c = 0; c < d_; ++c) {
        if ((m >> c) & 1) {
          k.cols.push_back(static_cast<int>(c));
          k.sign.push_back(info.spec.objectives[c].direction == Direction::kMaximize ? -1.0 : 1.0);
        }
      }
      kept_.push_back(std::move(k));
    }
    kept_bits_ = wanted;
  }

  Status Load(Catalog* c) {
    sqlite::Statement s(c->db(),
                        "SELECT number, objective_values, on_front FROM trials INDEXED BY trials_on_front "
                        "WHERE id >= ? AND id < ? AND on_front != 0",
                        c->path(), "read the kept fronts");
    BindStudyRange(s, 1, info_.id);
    std::vector<double> v;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      const int64_t number = s.Int(0);
      if (!ReadValues(s, 1, &v) || v.size() != d_) return Unreadable(c, number);
      const uint64_t on = static_cast<uint64_t>(s.Int(2));
      initial_[number] = on;
      for (Kept& k : kept_) {
        if ((info_.fronts_kept >> k.bit) & 1 && (on >> k.bit) & 1) Add(k, number, v);
      }
    }
    const uint64_t missing = kept_bits_ & ~info_.fronts_kept;
    if (missing != 0) RETURN_IF_ERROR(Build(c, missing));
    return Status::OK();
  }

  // A trial that just became complete and feasible.
  void Offer(int64_t number, std::span<const double> values) {
    for (Kept& k : kept_) Offer(k, number, values);
  }

  Status Save(Catalog* c) {
    std::map<int64_t, uint64_t> now;
    for (const Kept& k : kept_) {
      for (int64_t n : k.numbers) now[n] |= uint64_t{1} << k.bit;
    }
    sqlite::Statement s(c->db(), "UPDATE trials SET on_front = ? WHERE id = ?", c->path(), "update the fronts");
    auto set = [&](int64_t number, uint64_t on) {
      s.Reset();
      s.Bind(1, static_cast<int64_t>(on));
      s.Bind(2, TrialKey(info_.id, number));
      return s.Run();
    };
    for (const auto& [n, on] : now) {
      auto it = initial_.find(n);
      if (it == initial_.end() || it->second != on) RETURN_IF_ERROR(set(n, on));
    }
    for (const auto& [n, on] : initial_) {
      if (on != 0 && !now.contains(n)) RETURN_IF_ERROR(set(n, 0));
    }
    if ((info_.fronts_kept | kept_bits_) != info_.fronts_kept) {
      sqlite::Statement up(c->db(), "UPDATE studies SET fronts_kept = ? WHERE id = ?", c->path(),
                           "record the kept fronts");
      up.Bind(1, static_cast<int64_t>(info_.fronts_kept | kept_bits_));
      up.Bind(2, info_.id);
      RETURN_IF_ERROR(up.Run());
    }
    return Status::OK();
  }

 private:
  struct Kept {
    int bit = 0;
    std::vector<int> cols;
    std::vector<double> sign;
    std::vector<double> pts;  // normalised (minimise), row-major, cols.size() per point
    std::vector<int64_t> numbers;
  };

  Status Unreadable(Catalog* c, int64_t number) {
    return Status::Corruption("catalog " + c->path() + ": trial " + std::to_string(number) + " of study '" +
                              info_.spec.name + "' has unreadable values");
  }

  static void Add(Kept& k, int64_t number, std::span<const double> values) {
    for (size_t j = 0; j < k.cols.size(); ++j) k.pts.push_back(k.sign[j] * values[k.cols[j]]);
    k.numbers.push_back(number);
  }

  // Computes the fronts in `bits` from every complete feasible trial of the study.
  Status Build(Catalog* c, uint64_t bits) {
    const bool constrained = !info_.spec.constraints.empty();
    sqlite::Statement s(c->db(),
                        constrained ? "SELECT number, objective_values, on_front, user_attrs_json, params_json "
                                      "FROM trials WHERE id >= ? AND id < ? AND state = 'complete'"
                                    : "SELECT number, objective_values, on_front FROM trials "
                                      "WHERE id >= ? AND id < ? AND state = 'complete'",
                        c->path(), "build the kept fronts");
    BindStudyRange(s, 1, info_.id);
    std::vector<double> v, all;
    std::vector<int64_t> numbers;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      const int64_t number = s.Int(0);
      if (!ReadValues(s, 1, &v) || v.size() != d_) return Unreadable(c, number);
      if (constrained && !FeasibleText(info_, s.Text(3), s.Text(4))) continue;
      const uint64_t on = static_cast<uint64_t>(s.Int(2));
      if (on != 0) initial_[number] = on;
      all.insert(all.end(), v.begin(), v.end());
      numbers.push_back(number);
    }
    for (Kept& k : kept_) {
      if (!((bits >> k.bit) & 1)) continue;
      k.pts.clear();
      k.numbers.clear();
      std::vector<double> pts;
      pts.reserve(numbers.size() * k.cols.size());
      for (size_t i = 0; i < numbers.size(); ++i) {
        for (size_t j = 0; j < k.cols.size(); ++j) pts.push_back(k.sign[j] * all[i * d_ + k.cols[j]]);
      }
      for (uint32_t i : ParetoFront(pts, k.cols.size())) {
        k.pts.insert(k.pts.end(), pts.begin() + i * k.cols.size(), pts.begin() + (i + 1) * k.cols.size());
        k.numbers.push_back(numbers[i]);
      }
    }
    return Status::OK();
  }

  static void Offer(Kept& k, int64_t number, std::span<const double> values) {
    const size_t d = k.cols.size();
    double p[64];
    std::vector<double> big;
    double* a = p;
    if (d > 64) {
      big.resize(d);
      a = big.data();
    }
    for (size_t j = 0; j < d; ++j) a[j] = k.sign[j] * values[k.cols[j]];
    // Dominated by a front point? Otherwise drop the front points it dominates.
    const size_t n = k.numbers.size();
    for (size_t f = 0; f < n; ++f) {
      const double* q = &k.pts[f * d];
      bool le = true, lt = false;
      for (size_t j = 0; j < d && le; ++j) {
        le = q[j] <= a[j];
        lt = lt || q[j] < a[j];
      }
      if (le && lt) return;
    }
    size_t w = 0;
    for (size_t f = 0; f < n; ++f) {
      const double* q = &k.pts[f * d];
      bool le = true, lt = false;
      for (size_t j = 0; j < d && le; ++j) {
        le = a[j] <= q[j];
        lt = lt || a[j] < q[j];
      }
      if (le && lt) continue;  // dominated by the new point
      if (w != f) {
        std::copy(q, q + d, &k.pts[w * d]);
        k.numbers[w] = k.numbers[f];
      }
      ++w;
    }
    k.numbers.resize(w);
    k.pts.resize(w * d);
    k.pts.insert(k.pts.end(), a, a + d);
    k.numbers.push_back(number);
  }

  const StudyInfo& info_;
  const size_t d_;
  std::vector<Kept> kept_;
  uint64_t kept_bits_ = 0;
  std::map<int64_t, uint64_t> initial_;  // on_front of the trials read, by number
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
                        "INSERT INTO studies (name, objectives_json, constraints_json, metadata_json, created_at, "
                        "fronts_kept) VALUES (?, ?, ?, ?, ?, ?)",
                        catalog_->path(), "create study " + spec.name);
    s.Bind(1, spec.name);
    s.Bind(2, ObjectivesJson(spec.objectives));
    s.Bind(3, ConstraintsJson(spec.constraints));
    s.Bind(4, Dump(meta));
    s.Bind(5, WallClockNs());
    s.Bind(6, static_cast<int64_t>(WantedFronts(spec.objectives.size())));  // no trials: every front is empty
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
    sqlite::Statement t(catalog_->db(), "DELETE FROM trials WHERE id >= ? AND id < ?", catalog_->path(),
                        "delete trials");
    BindStudyRange(t, 1, info.id);
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
    // Two statements: most trials (a worker reporting params and values) leave the other columns
    // at their defaults, and binding fewer columns is measurably cheaper at a million trials.
    const std::string op = "add trials to study " + std::string(study);
    sqlite::Statement lean(catalog_->db(),
                           "INSERT INTO trials (id, study_id, number, state, params_json, objective_values, worker, "
                           "started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?)",
                           catalog_->path(), op);
    std::optional<sqlite::Statement> full;
    const int64_t now = WallClockNs();
    int64_t number = info.trial_count;
    if (number + static_cast<int64_t>(batch.size()) > kMaxTrialNumber + 1) {
      return Status::InvalidArgument("study " + Quote(study) + " has " + std::to_string(number) +
                                     " trials; a study holds at most 2^32");
    }
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
      std::optional<int64_t> finished = t.finished_at_ns;
      if (!finished && t.state != TrialState::kRunning && t.state != TrialState::kWaiting) finished = now;
      const bool plain =
          t.intermediate.empty() && attrs_text == "{}" && sys_text == "{}" && dist_text == "{}" && !t.run_id;
      sqlite::Statement* ins = &lean;
      if (!plain) {
        if (!full) {
          full.emplace(catalog_->db(),
                       "INSERT INTO trials (id, study_id, number, state, params_json, objective_values, worker, "
                       "started_at, finished_at, intermediate_json, user_attrs_json, run_id, system_attrs_json, "
                       "distributions_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       catalog_->path(), op);
        }
        ins = &*full;
      }
      // The texts are bound without a copy: they outlive the statement's step.
      ins->Reset();
      ins->Bind(1, TrialKey(info.id, number));
      ins->Bind(2, info.id);
      ins->Bind(3, number);
      ins->BindNoCopy(4, TrialStateName(t.state));
      ins->BindNoCopy(5, params_text);
      ins->BindBlobNoCopy(6, t.values.data(), t.values.size() * sizeof(double));
      ins->BindNoCopy(7, t.worker);
      ins->Bind(8, t.started_at_ns.value_or(now));
      ins->Bind(9, finished);
      if (!plain) {
        ins->Bind(10, FormatIntermediate(t.intermediate));
        ins->BindNoCopy(11, attrs_text);
        ins->Bind(12, t.run_id);
        ins->BindNoCopy(13, sys_text);
        ins->BindNoCopy(14, dist_text);
      }
      RETURN_IF_ERROR(ins->Run());
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
  get.emplace(c->db(), "SELECT state" + columns + " FROM trials WHERE id = ?", c->path(), "read trial");
  get->Bind(1, TrialKey(info.id, number));
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
      sqlite::Statement s(catalog_->db(), "UPDATE trials SET state = 'running', started_at = ? WHERE id = ?",
                          catalog_->path(), "start trial");
      s.Bind(1, WallClockNs());
      s.Bind(2, TrialKey(info.id, number));
      RETURN_IF_ERROR(s.Run());
      changed = true;
      return Status::OK();
    }
    sqlite::Statement s(catalog_->db(),
                        "UPDATE trials SET state = ?, objective_values = ?, finished_at = ? WHERE id = ?",
                        catalog_->path(), "finish trial");
    s.Bind(1, TrialStateName(state));
    s.BindBlobNoCopy(2, values.data(), values.size() * sizeof(double));
    s.Bind(3, WallClockNs());
    s.Bind(4, TrialKey(info.id, number));
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
    sqlite::Statement s(catalog_->db(), "UPDATE trials SET params_json = ?, distributions_json = ? WHERE id = ?",
                        catalog_->path(), "set trial param");
    s.Bind(1, Dump(params));
    s.Bind(2, Dump(dists));
    s.Bind(3, TrialKey(info.id, number));
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
    sqlite::Statement s(catalog_->db(), std::string("UPDATE trials SET ") + column + " = ? WHERE id = ?",
                        catalog_->path(), "set trial attribute");
    s.Bind(1, Dump(attrs));
    s.Bind(2, TrialKey(info.id, number));
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
    sqlite::Statement get(catalog_->db(), "SELECT state, intermediate_json FROM trials WHERE id = ?", catalog_->path(),
                          "read trial");
    get.Bind(1, TrialKey(info.id, number));
    ASSIGN_OR_RETURN(bool row, get.Step());
    if (!row) return Status::NotFound(where + " does not exist");
    if (get.Text(0) == "waiting") return Status::InvalidArgument(where + " is waiting (not started)");
    if (get.Text(0) != "running") return Status::InvalidArgument(where + " is already " + get.Text(0) + " (finished)");
    auto m = ParseIntermediate(get.Text(1));
    m[step] = value;
    sqlite::Statement s(catalog_->db(), "UPDATE trials SET intermediate_json = ? WHERE id = ?", catalog_->path(),
                        "report intermediate value");
    s.Bind(1, FormatIntermediate(m));
    s.Bind(2, TrialKey(info.id, number));
    return s.Run();
  });
}

Result<std::map<TrialState, int64_t>> TrialStore::CountByState(std::string_view study) {
  std::map<TrialState, int64_t> out;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(StudyInfo info, LoadStudy(catalog_, study));
    sqlite::Statement s(catalog_->db(), "SELECT state, count(*) FROM trials WHERE id >= ? AND id < ? GROUP BY state",
                        catalog_->path(), "count trials");
    BindStudyRange(s, 1, info.id);
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
    sqlite::Statement s(catalog_->db(), std::string("SELECT ") + kTrialColumns + " FROM trials WHERE id = ?",
                        catalog_->path(), "read trial");
    s.Bind(1, TrialKey(info.id, number));
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
    std::string text = std::string("SELECT ") + kTrialColumns + " FROM trials WHERE id >= ? AND id < ?";
    if (query.state) text += " AND state = ?";
    text += " ORDER BY id";
    if (query.limit > 0 && order_index < 0) text += " LIMIT " + std::to_string(query.limit);
    sqlite::Statement s(catalog_->db(), text, catalog_->path(), "list trials");
    s.Bind(1, TrialKey(info.id, std::clamp<int64_t>(query.from_number, 0, kMaxTrialNumber + 1)));
    s.Bind(2, StudyEndKey(info.id));
    if (query.state) s.Bind(3, TrialStateName(*query.state));
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
    uint64_t mask = 0;
    bool wide = false;  // an objective past the 64th: no kept front covers it but the whole one
    for (int c : cols) {
      if (c < 64) {
        mask |= uint64_t{1} << c;
      } else {
        wide = true;
      }
    }
    const size_t d = info.spec.objectives.size();
    const int bit = cols.size() == d ? 0 : wide ? -1 : FrontBit(mask, d);
    if (rank == 1 && FrontKept(info.fronts_kept, bit)) {
      // A kept front: read only the rows on some kept front (a partial index), keep this one's.
      sqlite::Statement f(catalog_->db(),
                          std::string("SELECT ") + kTrialColumns +
                              ", on_front FROM trials INDEXED BY trials_on_front "
                              "WHERE id >= ? AND id < ? AND on_front != 0 ORDER BY id",
                          catalog_->path(), "read the front");
      BindStudyRange(f, 1, info.id);
      while (true) {
        ASSIGN_OR_RETURN(bool row, f.Step());
        if (!row) break;
        if (!((static_cast<uint64_t>(f.Int(13)) >> bit) & 1)) continue;
        ASSIGN_OR_RETURN(Trial t, TrialFromRow(f, catalog_->path()));
        out.push_back(std::move(t));
      }
      return Status::OK();
    }
    const bool constrained = !info.spec.constraints.empty();
    sqlite::Statement s(catalog_->db(),
                        constrained
                            ? "SELECT number, objective_values, user_attrs_json, params_json FROM trials "
                              "WHERE id >= ? AND id < ? AND state = 'complete'"
                            : "SELECT number, objective_values FROM trials WHERE id >= ? AND id < ? AND state = "
                              "'complete'",
                        catalog_->path(), "read trial values");
    BindStudyRange(s, 1, info.id);
    std::vector<double> points;
    std::vector<int64_t> numbers;
    std::vector<double> values;
    const size_t nobj = info.spec.objectives.size();
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      const int64_t number = s.Int(0);
      if (!ReadValues(s, 1, &values) || values.size() != nobj) {
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
    sqlite::Statement get(catalog_->db(), std::string("SELECT ") + kTrialColumns + " FROM trials WHERE id = ?",
                          catalog_->path(), "read front trial");
    for (uint32_t i : front) {
      get.Reset();
      get.Bind(1, TrialKey(info.id, numbers[i]));
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
