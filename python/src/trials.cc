// The trial store (src/trials, include/strata/trials.h) for Python: studies, trials and exact
// Pareto fronts, plus the calls Optuna's storage interface needs (strata/optuna.py). The store
// opens only the database's catalog (SQLite, WAL), never the root's writer LOCK, so any number of
// processes (optimiser workers) use one study at once while another process holds the database
// open for writing. Every engine call runs with the GIL released.
#include "strata/trials.h"

#include <pybind11/stl.h>

#include <mutex>
#include <shared_mutex>

#include "common.h"

namespace strata::python {
namespace {

using trials::Direction;
using trials::StudyInfo;
using trials::Trial;
using trials::TrialInput;
using trials::TrialState;
using trials::TrialStore;

py::dict StudyToDict(const StudyInfo& s) {
  py::dict d;
  d["id"] = s.id;
  d["name"] = s.spec.name;
  py::list objectives;
  for (const auto& o : s.spec.objectives) {
    objectives.append(py::make_tuple(o.name, o.direction == Direction::kMaximize ? "maximize" : "minimize"));
  }
  d["objectives"] = objectives;
  py::list constraints;
  for (const auto& c : s.spec.constraints) constraints.append(trials::ConstraintText(c));
  d["constraints"] = constraints;
  d["metadata_json"] = s.spec.metadata_json;
  py::dict types;
  for (const auto& [k, t] : s.param_types) types[py::str(k)] = std::string(trials::ParamTypeName(t));
  d["param_types"] = types;
  d["trial_count"] = s.trial_count;
  d["created_at_ns"] = s.created_at_ns;
  d["user_attrs_json"] = s.user_attrs_json;
  d["system_attrs_json"] = s.system_attrs_json;
  return d;
}

py::dict TrialToDict(const Trial& t) {
  py::dict d;
  d["number"] = t.number;
  d["state"] = std::string(trials::TrialStateName(t.state));
  d["params_json"] = t.params_json;
  d["values"] = t.values;
  d["intermediate"] = t.intermediate;
  d["user_attrs_json"] = t.user_attrs_json;
  d["system_attrs_json"] = t.system_attrs_json;
  d["distributions_json"] = t.distributions_json;
  d["worker"] = t.worker;
  d["run_id"] = t.run_id ? py::cast(*t.run_id) : py::none();
  d["started_at_ns"] = t.started_at_ns;
  d["finished_at_ns"] = t.finished_at_ns ? py::cast(*t.finished_at_ns) : py::none();
  return d;
}

py::list TrialsToList(const std::vector<Trial>& trials) {
  py::list out;
  for (const Trial& t : trials) out.append(TrialToDict(t));
  return out;
}

TrialState StateOf(const std::string& name) { return Unwrap(trials::ParseTrialState(name)); }

TrialStore::AttrKind KindOf(const std::string& kind) {
  if (kind == "user") return TrialStore::AttrKind::kUser;
  if (kind == "system") return TrialStore::AttrKind::kSystem;
  throw StatusError(Status::InvalidArgument("attribute kind must be 'user' or 'system', got '" + kind + "'"));
}

template <typename T>
T Get(const py::dict& d, const char* key, T fallback) {
  if (!d.contains(key) || d[key].is_none()) return fallback;
  return d[key].cast<T>();
}

TrialInput InputOf(const py::dict& d) {
  TrialInput t;
  t.state = StateOf(Get<std::string>(d, "state", "complete"));
  t.params_json = Get<std::string>(d, "params_json", "{}");
  t.values = Get<std::vector<double>>(d, "values", {});
  t.intermediate = Get<std::map<int64_t, double>>(d, "intermediate", {});
  t.user_attrs_json = Get<std::string>(d, "user_attrs_json", "{}");
  t.system_attrs_json = Get<std::string>(d, "system_attrs_json", "{}");
  t.distributions_json = Get<std::string>(d, "distributions_json", "{}");
  t.worker = Get<std::string>(d, "worker", "");
  if (d.contains("started_at_ns") && !d["started_at_ns"].is_none())
    t.started_at_ns = d["started_at_ns"].cast<int64_t>();
  if (d.contains("finished_at_ns") && !d["finished_at_ns"].is_none())
    t.finished_at_ns = d["finished_at_ns"].cast<int64_t>();
  if (d.contains("run_id") && !d["run_id"].is_none()) t.run_id = d["run_id"].cast<int64_t>();
  return t;
}

class PyTrialStore {
 public:
  PyTrialStore(const std::string& root, bool read_only) : root_(root), read_only_(read_only) {
    py::gil_scoped_release nogil;
    store_ = Unwrap(TrialStore::Open(root, read_only));
  }

  void Close() {
    py::gil_scoped_release nogil;
    std::unique_lock lock(mu_);
    store_.reset();
  }
  bool closed() const { return store_ == nullptr; }
  const std::string& root() const { return root_; }
  bool read_only() const { return read_only_; }

  // Runs fn(store) without the GIL; a closed store is an error naming the root.
  template <typename F>
  auto Call(F&& fn) {
    py::gil_scoped_release nogil;
    std::shared_lock lock(mu_);
    if (!store_) throw StatusError(Status::InvalidArgument("the trial store of " + root_ + " is closed"));
    return fn(*store_);
  }

 private:
  std::string root_;
  bool read_only_;
  std::shared_mutex mu_;
  std::unique_ptr<TrialStore> store_;
};

}  // namespace

void BindTrials(py::module_& m) {
  py::class_<PyTrialStore, std::shared_ptr<PyTrialStore>>(
      m, "TrialStore",
      "Studies and trials in the catalog of the database at `root`. Opens only the catalog "
      "(SQLite), not the database's writer lock: many processes may use one study at once.")
      .def(py::init<const std::string&, bool>(), py::arg("root"), py::arg("read_only") = false)
      .def("close", &PyTrialStore::Close)
      .def_property_readonly("closed", &PyTrialStore::closed)
      .def_property_readonly("root", &PyTrialStore::root)
      .def_property_readonly("read_only", &PyTrialStore::read_only)
      .def(
          "create_study",
          [](PyTrialStore& s, const std::string& name,
             const std::vector<std::pair<std::string, std::string>>& objectives,
             const std::vector<std::string>& constraints, const std::string& metadata_json) {
            trials::StudySpec spec;
            spec.name = name;
            for (const auto& [n, dir] : objectives) {
              spec.objectives.push_back(Unwrap(trials::ParseObjective(n + ":" + dir)));
            }
            for (const auto& c : constraints) spec.constraints.push_back(Unwrap(trials::ParseConstraint(c)));
            spec.metadata_json = metadata_json;
            StudyInfo info = s.Call([&](TrialStore& t) { return Unwrap(t.CreateStudy(spec)); });
            return StudyToDict(info);
          },
          py::arg("name"), py::arg("objectives"), py::arg("constraints"), py::arg("metadata_json"))
      .def("get_study",
           [](PyTrialStore& s, const std::string& name) {
             return StudyToDict(s.Call([&](TrialStore& t) { return Unwrap(t.GetStudy(name)); }));
           })
      .def("get_study_by_id",
           [](PyTrialStore& s, int64_t id) {
             return StudyToDict(s.Call([&](TrialStore& t) { return Unwrap(t.GetStudyById(id)); }));
           })
      .def("list_studies",
           [](PyTrialStore& s) {
             auto all = s.Call([&](TrialStore& t) { return Unwrap(t.ListStudies()); });
             py::list out;
             for (const auto& i : all) out.append(StudyToDict(i));
             return out;
           })
      .def("delete_study",
           [](PyTrialStore& s, const std::string& name) {
             s.Call([&](TrialStore& t) {
               Check(t.DeleteStudy(name));
               return 0;
             });
           })
      .def(
          "add_trials",
          [](PyTrialStore& s, const std::string& study, const py::list& batch) {
            std::vector<TrialInput> inputs;
            for (auto item : batch) inputs.push_back(InputOf(item.cast<py::dict>()));
            return s.Call([&](TrialStore& t) { return Unwrap(t.AddTrials(study, inputs)); });
          },
          py::arg("study"), py::arg("trials"))
      .def("get_trial",
           [](PyTrialStore& s, const std::string& study, int64_t number) {
             return TrialToDict(s.Call([&](TrialStore& t) { return Unwrap(t.GetTrial(study, number)); }));
           })
      .def(
          "list_trials",
          [](PyTrialStore& s, const std::string& study, std::optional<std::string> state, int64_t from_number) {
            trials::TrialQuery q;
            if (state) q.state = StateOf(*state);
            q.from_number = from_number;
            return TrialsToList(s.Call([&](TrialStore& t) { return Unwrap(t.ListTrials(study, q)); }));
          },
          py::arg("study"), py::arg("state") = py::none(), py::arg("from_number") = 0)
      .def(
          "front",
          [](PyTrialStore& s, const std::string& study, const std::vector<std::string>& objectives, int rank) {
            return TrialsToList(s.Call([&](TrialStore& t) { return Unwrap(t.Front(study, objectives, rank)); }));
          },
          py::arg("study"), py::arg("objectives") = std::vector<std::string>{}, py::arg("rank") = 1)
      .def("count_by_state",
           [](PyTrialStore& s, const std::string& study) {
             auto counts = s.Call([&](TrialStore& t) { return Unwrap(t.CountByState(study)); });
             py::dict out;
             for (const auto& [state, n] : counts) out[py::str(std::string(trials::TrialStateName(state)))] = n;
             return out;
           })
      .def(
          "set_trial_state",
          [](PyTrialStore& s, const std::string& study, int64_t number, const std::string& state,
             const std::vector<double>& values) {
            TrialState st = StateOf(state);
            return s.Call([&](TrialStore& t) { return Unwrap(t.SetTrialState(study, number, st, values)); });
          },
          py::arg("study"), py::arg("number"), py::arg("state"), py::arg("values") = std::vector<double>{})
      .def("set_trial_param",
           [](PyTrialStore& s, const std::string& study, int64_t number, const std::string& name,
              const std::string& value_json, const std::string& distribution_json) {
             s.Call([&](TrialStore& t) {
               Check(t.SetTrialParam(study, number, name, value_json, distribution_json));
               return 0;
             });
           })
      .def("set_trial_attr",
           [](PyTrialStore& s, const std::string& study, int64_t number, const std::string& kind,
              const std::string& key, const std::string& value_json) {
             auto k = KindOf(kind);
             s.Call([&](TrialStore& t) {
               Check(t.SetTrialAttr(study, number, k, key, value_json));
               return 0;
             });
           })
      .def("set_study_attr",
           [](PyTrialStore& s, const std::string& study, const std::string& kind, const std::string& key,
              const std::string& value_json) {
             auto k = KindOf(kind);
             s.Call([&](TrialStore& t) {
               Check(t.SetStudyAttr(study, k, key, value_json));
               return 0;
             });
           })
      .def("report_intermediate",
           [](PyTrialStore& s, const std::string& study, int64_t number, int64_t step, double value) {
             s.Call([&](TrialStore& t) {
               Check(t.ReportIntermediate(study, number, step, value));
               return 0;
             });
           });
}

}  // namespace strata::python
