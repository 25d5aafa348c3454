// Studies and trials (hyper-parameter searches, backtests) with exact Pareto fronts.
//
// A study has named objectives, each minimised or maximised, optional constraints and free
// metadata. A trial belongs to one study and has a number (per study, from 0, unique and
// gap-free even with many writers), a state, typed params (float, int, categorical string;
// JSON in and out), one value per objective, intermediate values by step, user attributes,
// the worker that ran it, its start/end times and the run that produced it.
//
// Storage: tables `studies` and `trials` in the database's catalog (SQLite, WAL mode); see
// src/trials/README.md for why and for the numbers. Any number of processes may add trials to
// one study at once: each batch is one transaction, which waits for other writers (busy timeout)
// instead of failing.
//
// Values: NaN is refused on insert (an error naming the objective), never stored; so is an
// infinity. A trial that is not complete may have no values.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/status.h"

namespace strata {
class Catalog;
}

namespace strata::trials {

enum class Direction { kMinimize, kMaximize };
std::string_view DirectionName(Direction d);  // "min", "max"

struct Objective {
  std::string name;  // [A-Za-z_][A-Za-z0-9_.-]*
  Direction direction = Direction::kMinimize;
  bool operator==(const Objective&) const = default;
};
// "sharpe:max", "drawdown:min" (also "maximize"/"minimize").
Result<Objective> ParseObjective(std::string_view spec);

// A trial is feasible when every constraint holds: its `name` is a numeric user attribute of the
// trial (or, if no user attribute has that name, a numeric param) and value <= bound (kLe) or
// value >= bound (kGe). A trial without the value is infeasible.
struct Constraint {
  enum class Op { kLe, kGe };
  std::string name;
  Op op = Op::kLe;
  double bound = 0;
  bool operator==(const Constraint&) const = default;
};
// "turnover<=3", "trades>=100".
Result<Constraint> ParseConstraint(std::string_view spec);
std::string ConstraintText(const Constraint& c);

enum class ParamType { kFloat, kInt, kCategorical };
std::string_view ParamTypeName(ParamType t);  // "float", "int", "categorical"

struct StudySpec {
  std::string name;
  std::vector<Objective> objectives;  // at least one, names unique
  std::vector<Constraint> constraints;
  std::string metadata_json = "{}";  // a JSON object
};

struct StudyInfo {
  int64_t id = 0;
  StudySpec spec;
  // Each param's type, fixed by the first trial that used it; later trials must agree (an int
  // is accepted for a float param).
  std::map<std::string, ParamType, std::less<>> param_types;
  int64_t trial_count = 0;  // the next trial number
  int64_t created_at_ns = 0;
  // Free attributes (JSON objects) set one key at a time with SetStudyAttr: user attributes, and
  // system attributes for the tools that drive the study (Optuna's study system attrs).
  std::string user_attrs_json = "{}";
  std::string system_attrs_json = "{}";
  // Which fronts the store keeps up to date (bits of trials.on_front; src/trials/README.md): bit 0
  // the front over all objectives, bit m the front over the objectives in bit mask m.
  uint64_t fronts_kept = 1;
  // Index of objective `name` in spec.objectives, or -1.
  int ObjectiveIndex(std::string_view name) const;
};

// kWaiting: queued with fixed params, not started (Optuna's enqueue_trial); a worker takes it with
// SetTrialState(kRunning). Complete, pruned and failed are finished: nothing changes them.
enum class TrialState { kRunning, kComplete, kPruned, kFailed, kWaiting };
std::string_view TrialStateName(TrialState s);  // "running", "complete", "pruned", "failed", "waiting"
Result<TrialState> ParseTrialState(std::string_view name);

// What a worker reports. Times default to now.
struct TrialInput {
  TrialState state = TrialState::kComplete;
  std::string params_json = "{}";          // a JSON object: name -> number or string
  std::vector<double> values;              // one per objective, in the study's order (complete: required)
  std::map<int64_t, double> intermediate;  // step -> value
  std::string user_attrs_json = "{}";      // a JSON object
  std::string system_attrs_json = "{}";    // a JSON object (attributes of the tool driving the study)
  std::string distributions_json = "{}";   // a JSON object: param name -> how it was sampled (opaque)
  std::string worker;
  std::optional<int64_t> run_id;  // must name an existing run
  std::optional<int64_t> started_at_ns, finished_at_ns;
  std::string source;  // where it came from ("trials.csv:12"): errors name it instead of the batch index
};

struct Trial {
  int64_t number = 0;  // with the study, the trial's identity
  TrialState state = TrialState::kRunning;
  std::string params_json = "{}";
  std::vector<double> values;
  std::map<int64_t, double> intermediate;
  std::string user_attrs_json = "{}";
  std::string system_attrs_json = "{}";
  std::string distributions_json = "{}";
  std::string worker;
  std::optional<int64_t> run_id;
  int64_t started_at_ns = 0;
  std::optional<int64_t> finished_at_ns;
};

struct TrialQuery {
  std::optional<TrialState> state;
  std::string order_by;     // an objective name (best first by its direction); empty: by number
  int64_t limit = 0;        // <= 0: all
  int64_t from_number = 0;  // only trials numbered >= this (a reader that has the earlier ones)
};

// ---- Pareto fronts (pure functions) ----
//
// `points` holds n points of d coordinates, row-major, every coordinate to be MINIMISED (negate
// maximised objectives first; FrontOf below does that). A point is on the front when no other
// point is <= in every coordinate and < in at least one. Equal points do not dominate each
// other, so duplicates of a front point are all on the front. REQUIRES: no NaN.
// Returns the indices of the front's points, ascending. 2 coordinates: sort and sweep,
// O(n log n); 3: sort and a staircase in a balanced tree, O(n log n); more: sort and compare
// each point with the front found so far, O(n * front size).
std::vector<uint32_t> ParetoFront(std::span<const double> points, size_t d);
// The O(n^2 d) reference (tests, and the bench's scale check).
std::vector<uint32_t> ParetoFrontBruteForce(std::span<const double> points, size_t d);

// Non-domination rank of every point: 1 for the front, 2 for the front of the rest, ...
// (fronts peeled one after another: O(k n log n) for k fronts in 2 and 3 coordinates).
std::vector<uint32_t> NonDominatedRanks(std::span<const double> points, size_t d);

// NSGA-II crowding distance of each point of `points` (one front): per coordinate, the points
// at either end get infinity, the others add (next - previous) / (max - min); a coordinate with
// max == min adds nothing. Fewer than 3 points: all infinity.
std::vector<double> CrowdingDistance(std::span<const double> points, size_t d);

// Hypervolume (minimisation) of the region dominated by `points` and bounded by `ref`: the union
// of the boxes [p, ref]. Points not strictly better than ref in every coordinate add nothing.
// Exact: 2 coordinates O(n log n) (sort + sweep); 3 coordinates O(n^2) (slices along the third
// coordinate, each a 2-coordinate sweep); other d: InvalidArgument.
Result<double> Hypervolume(std::span<const double> points, size_t d, std::span<const double> ref);

// The trials as columns: number, state, worker, started_at, finished_at, run_id, values_<objective>
// (f64, null when the trial has none), params_<param> (f64 / i64 / string by the study's type,
// null where a trial lacks it; names as in Optuna's trials_dataframe), user_attrs (JSON text),
// intermediate (JSON text: {"step": value}).
RecordBatch TrialsToBatch(const StudyInfo& info, std::span<const Trial> trials);

class TrialStore {
 public:
  // Opens the catalog of the database at `root` (created by `strata init`).
  static Result<std::unique_ptr<TrialStore>> Open(const std::string& root, bool read_only = false);
  // Uses an open catalog (not owned; must outlive the store).
  explicit TrialStore(Catalog* catalog);
  ~TrialStore();
  TrialStore(const TrialStore&) = delete;
  TrialStore& operator=(const TrialStore&) = delete;

  // AlreadyExists if the name is taken; InvalidArgument for a bad name, no objectives,
  // duplicate objective names, metadata that is not a JSON object.
  Result<StudyInfo> CreateStudy(const StudySpec& spec);
  Result<StudyInfo> GetStudy(std::string_view name);  // NotFound naming it
  Result<StudyInfo> GetStudyById(int64_t id);         // NotFound naming the id
  Result<std::vector<StudyInfo>> ListStudies();       // by name
  Status DeleteStudy(std::string_view name);          // and its trials

  // Adds the trials in one transaction (all or none) and returns their numbers, consecutive.
  // Each is checked first: values (count, NaN), params (JSON object of numbers/strings, types
  // agreeing with the study's), JSON fields, run id; errors name the study, the trial's index
  // in `batch` and the field.
  Result<std::vector<int64_t>> AddTrials(std::string_view study, std::span<const TrialInput> batch);
  Result<int64_t> AddTrial(std::string_view study, const TrialInput& trial);
  // Finishes a running trial: state complete (values required), pruned or failed.
  Status FinishTrial(std::string_view study, int64_t number, TrialState state, std::span<const double> values);
  Status ReportIntermediate(std::string_view study, int64_t number, int64_t step, double value);

  // ---- What Optuna's storage interface needs (python/strata/optuna.py) ----
  //
  // A trial that is finished (complete, pruned, failed) cannot change: the calls below refuse it
  // with InvalidArgument "study 'S', trial N is already STATE (finished)"; NotFound for no such
  // study or trial. Each call is one transaction (retried while other writers hold the catalog).

  // Moves a trial to `state`. To kRunning: only from kWaiting (and the start time becomes now);
  // returns false, changing nothing, when the trial is already running (another worker took it).
  // To complete (values required, one per objective, finite), pruned or failed (values
  // optional): from waiting or running, with the end time now and the kept front updated.
  Result<bool> SetTrialState(std::string_view study, int64_t number, TrialState state, std::span<const double> values);
  // Sets param `name` of a waiting or running trial: `value_json` a number or string (its type
  // checked against the study's as in AddTrials), `distribution_json` any JSON value, kept
  // opaque in the trial's distributions under the same name.
  Status SetTrialParam(std::string_view study, int64_t number, std::string_view name, std::string_view value_json,
                       std::string_view distribution_json);
  enum class AttrKind { kUser, kSystem };
  // Sets attribute `key` (any JSON value) of a waiting or running trial / of a study.
  Status SetTrialAttr(std::string_view study, int64_t number, AttrKind kind, std::string_view key,
                      std::string_view value_json);
  Status SetStudyAttr(std::string_view study, AttrKind kind, std::string_view key, std::string_view value_json);

  // How many trials are in each state.
  Result<std::map<TrialState, int64_t>> CountByState(std::string_view study);
  Result<Trial> GetTrial(std::string_view study, int64_t number);
  Result<std::vector<Trial>> ListTrials(std::string_view study, const TrialQuery& query = {});

  // The Pareto front over `objectives` (names; empty = all of the study's), respecting their
  // directions, over complete feasible trials. Returns the trials, by number. The front over all
  // the study's objectives and, for studies of up to 6 objectives, the front over every subset of
  // 1-3 of them are kept up to date as trials complete (bits of trials.on_front, maintained in the
  // transaction that adds or finishes them, O(front size) per front and trial), so asking for one
  // reads only the kept fronts' rows; other subsets are computed from every complete trial.
  // rank > 1: the trials of that non-domination rank instead (the front of what is left once
  // ranks 1..rank-1 are removed), always computed.
  Result<std::vector<Trial>> Front(std::string_view study, const std::vector<std::string>& objectives = {},
                                   int rank = 1);

  // Hypervolume of the front over `objectives` (empty = all) against `ref` (one value per chosen
  // objective, in their units: an upper bound for minimised ones, a lower bound for maximised).
  Result<double> FrontHypervolume(std::string_view study, const std::vector<std::string>& objectives,
                                  std::span<const double> ref);

  // Writes the study's trials to a Parquet file (atomically), columns as TrialsToBatch.
  Status ExportParquet(std::string_view study, const std::string& path);

  Catalog* catalog() { return catalog_; }

 private:
  std::unique_ptr<Catalog> owned_;
  Catalog* catalog_;
};

}  // namespace strata::trials
