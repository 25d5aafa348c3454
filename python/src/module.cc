// strata._core: the embedded database (include/strata/) as a Python extension. The Pythonic API
// (DataFrames, dtype checks, argument forms) is python/strata/__init__.py; this layer converts
// columns, releases the GIL around engine work and turns Status errors into strata.Error
// subclasses.
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "common.h"
#include "query/plan.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "strata/database.h"
#include "strata/query.h"
#include "strata/state.h"
#include "strata/timestamp.h"

namespace strata::python {
namespace {

// Python exception classes by status code, registered by strata/_errors.py at import.
std::map<StatusCode, PyObject*>& ErrorClasses() {
  static auto* classes = new std::map<StatusCode, PyObject*>();  // leaked: used until exit
  return *classes;
}

// The Python class names of the status codes (strata/_errors.py), by code.
constexpr const char* kCodeNames[] = {"OK",         "InvalidArgument", "NotFound", "AlreadyExists",
                                      "Corruption", "IOError",         "NoSpace",  "Unsupported",
                                      "Busy",       "Aborted",         "Internal"};
static_assert(std::size(kCodeNames) == static_cast<size_t>(StatusCode::kInternal) + 1);

std::optional<StatusCode> CodeOfName(const std::string& name) {
  for (int code = 1; code <= static_cast<int>(StatusCode::kInternal); ++code) {
    if (name == kCodeNames[code]) return static_cast<StatusCode>(code);
  }
  return std::nullopt;
}

void TranslateStatusError(const StatusError& e) {
  auto& classes = ErrorClasses();
  auto it = classes.find(e.status().code());
  if (it == classes.end()) it = classes.find(StatusCode::kInternal);
  PyObject* cls = it != classes.end() ? it->second : PyExc_RuntimeError;
  PyErr_SetString(cls, e.status().message().c_str());
}

py::dict TierRunToDict(const TierRunResult& r) {
  py::dict d;
  d["rows_in"] = r.rows_in;
  d["rows_out"] = r.rows_out;
  d["files_in"] = r.files_in;
  d["files_out"] = r.files_out;
  d["bytes_in"] = r.bytes_in;
  d["bytes_out"] = r.bytes_out;
  d["duplicates_removed"] = r.duplicates_removed;
  d["flushed_lsn"] = r.flushed_lsn;
  d["series_quarantined"] = r.series_quarantined;
  d["rows_quarantined"] = r.rows_quarantined;
  d["seconds"] = r.seconds;
  return d;
}

py::dict StatsToDict(const DatabaseStats& s) {
  py::dict d;
  py::dict tables;
  for (const TableStats& t : s.tables) {
    py::dict tiers;
    for (const TierStats& tier : t.tiers) {
      py::dict td;
      td["rows"] = tier.rows;
      td["bytes"] = tier.bytes;
      td["series"] = tier.series;
      td["files"] = tier.files;
      tiers[py::str(tier.tier)] = td;
    }
    py::dict td;
    td["tiers"] = tiers;
    td["quarantined_series"] = t.quarantined_series;
    td["quarantined_rows"] = t.quarantined_rows;
    tables[py::str(t.table)] = td;
  }
  d["tables"] = tables;
  d["wal_bytes"] = s.wal_bytes;
  d["wal_segments"] = s.wal_segments;
  d["last_lsn"] = s.last_lsn;
  d["flushed_lsn"] = s.flushed_lsn;
  d["fsync"] = s.fsync;
  return d;
}

py::dict VerifyToDict(const VerifyReport& r) {
  py::dict d;
  d["ok"] = r.ok();
  d["files_checked"] = r.files_checked;
  d["bytes_checked"] = r.bytes_checked;
  d["rows_checked"] = r.rows_checked;
  py::list problems;
  for (const VerifyProblem& p : r.problems) {
    py::dict pd;
    pd["kind"] = p.kind;
    pd["uri"] = p.uri;
    pd["detail"] = p.detail;
    problems.append(pd);
  }
  d["problems"] = problems;
  return d;
}

py::tuple TableToTuple(const TableDef& def) {
  py::list fields;
  for (const Field& f : def.schema.fields()) fields.append(py::make_tuple(f.name, ColumnTypeName(f.type), f.nullable));
  return py::make_tuple(def.name, fields, def.dedup_key ? py::object(py::str(*def.dedup_key)) : py::object(py::none()));
}

// Drains a stream into one batch (GIL released by the caller).
RecordBatch DrainAll(query::BatchStream* stream) {
  std::vector<RecordBatch> batches;
  for (;;) {
    RecordBatch b;
    if (!Unwrap(stream->Next(&b))) break;
    if (b.num_rows() > 0) batches.push_back(std::move(b));
  }
  return Concatenate(std::move(batches), stream->fields());
}

// Rows of one append (see Database.append).
constexpr size_t kAppendChunkRows = 65536;

// Engine calls that found the GIL held (a test hook: it must stay 0, see test_threads.py).
std::atomic<uint64_t> g_engine_calls_with_gil{0};

// A streaming read (Database.iter_batches): the engine's stream, closed with its database.
struct StreamHolder {
  std::mutex mu;
  std::unique_ptr<query::BatchStream> stream;
};

// One open database. Engine calls run without the GIL under a shared lock; close() takes the lock
// exclusively, so it waits for calls in flight in other threads and later calls fail cleanly.
class PyDatabase {
 public:
  PyDatabase(const std::string& root, bool read_only, bool create, const std::string& fsync) : root_(root) {
    py::gil_scoped_release nogil;
    Options options;
    options.read_only = read_only;
    options.fsync = fsync;
    options.process_note = "python";
    auto opened = Database::Open(root, options);
    if (!opened.ok() && opened.status().IsNotFound() && create && !read_only) {
      InitOptions init;
      if (!fsync.empty()) init.fsync = fsync;
      Check(Database::Init(root, init));
      opened = Database::Open(root, options);
    }
    db_ = Unwrap(std::move(opened));
  }
  ~PyDatabase() {
    py::gil_scoped_release nogil;
    std::unique_lock lock(mu_);
    CloseStreams();
    if (db_) db_->Close().IgnoreError();
  }

  // Registers a stream so that close() ends it before the database goes (a stream must not
  // outlive its database). Called inside Run().
  std::shared_ptr<StreamHolder> AddStream(std::unique_ptr<query::BatchStream> stream) {
    auto holder = std::make_shared<StreamHolder>();
    holder->stream = std::move(stream);
    std::lock_guard g(streams_mu_);
    std::erase_if(streams_, [](const std::weak_ptr<StreamHolder>& w) { return w.expired(); });
    streams_.push_back(holder);
    return holder;
  }

  void Close() {
    py::gil_scoped_release nogil;
    std::unique_lock lock(mu_);
    if (!db_) return;
    CloseStreams();
    Status st = db_->Close();
    db_.reset();
    Check(st);
  }
  bool closed() {
    std::shared_lock lock(mu_);
    return db_ == nullptr;
  }
  const std::string& root() const { return root_; }

  // Runs fn(Database*) without the GIL, the database held open meanwhile.
  template <typename F>
  auto Run(F&& fn) {
    py::gil_scoped_release nogil;
    if (PyGILState_Check()) g_engine_calls_with_gil.fetch_add(1, std::memory_order_relaxed);
    std::shared_lock lock(mu_);
    if (!db_) Check(Status::InvalidArgument("the database at " + root_ + " is closed"));
    return fn(db_.get());
  }

  bool read_only() {
    return Run([](Database* db) { return db->read_only(); });
  }

 private:
  void CloseStreams() {
    std::lock_guard g(streams_mu_);
    for (auto& w : streams_) {
      if (auto h = w.lock()) {
        std::lock_guard hg(h->mu);
        h->stream.reset();
      }
    }
    streams_.clear();
  }

  std::mutex streams_mu_;
  std::vector<std::weak_ptr<StreamHolder>> streams_;
  std::string root_;
  std::shared_mutex mu_;
  std::unique_ptr<Database> db_;
};

// Batches of a registered stream, one per call; None at the end.
class PyStream {
 public:
  PyStream(std::shared_ptr<PyDatabase> db, std::shared_ptr<StreamHolder> holder)
      : db_(std::move(db)), holder_(std::move(holder)) {}
  std::shared_ptr<Batch> Next() {
    auto out = std::make_shared<Batch>();
    bool any = db_->Run([&](Database*) {
      std::lock_guard g(holder_->mu);
      if (!holder_->stream) return false;
      for (;;) {
        if (!Unwrap(holder_->stream->Next(&out->batch))) {
          holder_->stream.reset();
          return false;
        }
        if (out->batch.num_rows() > 0) return true;
      }
    });
    if (!any) return nullptr;
    return out;
  }

 private:
  std::shared_ptr<PyDatabase> db_;
  std::shared_ptr<StreamHolder> holder_;
};

std::shared_ptr<Batch> RunPlan(PyDatabase& self, query::LogicalPlan plan) {
  auto out = std::make_shared<Batch>();
  self.Run([&](Database* db) {
    auto stream = Unwrap(query::Execute(db, plan));
    out->batch = DrainAll(stream.get());
    return 0;
  });
  return out;
}

}  // namespace
}  // namespace strata::python

PYBIND11_MODULE(_core, m) {
  using namespace strata;
  using namespace strata::python;
  m.doc() = "strata's C++ engine (use the strata package, not this module directly)";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      TranslateStatusError(e);
    }
  });

  m.def(
      "_register_errors",
      [](const py::dict& classes) {
        for (auto [name, cls] : classes) {
          auto code = CodeOfName(name.cast<std::string>());
          if (!code) throw py::value_error("unknown status code " + name.cast<std::string>());
          cls.inc_ref();  // kept for the life of the process
          ErrorClasses()[*code] = cls.ptr();
        }
      },
      "Maps status code names to exception classes (strata/_errors.py).");
  m.def("_status_code_names",
        [] { return std::vector<std::string>(std::begin(kCodeNames) + 1, std::end(kCodeNames)); });
  m.def(
      "_raise_status",
      [](const std::string& code_name, const std::string& message) {
        auto code = CodeOfName(code_name);
        if (!code) throw py::value_error("unknown status code " + code_name);
        throw StatusError(Status(*code, message));
      },
      "Raises the exception of a status code (tests of the error mapping).");

  m.def(
      "_engine_calls_with_gil", [] { return g_engine_calls_with_gil.load(); },
      "How many engine calls ran with the GIL held (0 unless the release is broken).");
  m.def(
      "parse_timestamp", [](const std::string& text) { return Unwrap(ParseTimestamp(text)); }, py::arg("text"),
      "ISO-8601 text (or ns since the epoch) to int ns since the epoch, UTC; no zone means UTC.");
  m.def(
      "parse_duration", [](const std::string& text) { return Unwrap(ParseDuration(text)); }, py::arg("text"),
      "'500ms', '1s', '5m', '1h', '1d' to ns.");
  m.def(
      "walk_forward_folds",
      [](int64_t from, int64_t to, int64_t train_ns, int64_t test_ns, int64_t step_ns) {
        std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t>> out;
        for (const Fold& f : Unwrap(WalkForwardFolds(from, to, train_ns, test_ns, step_ns))) {
          out.emplace_back(f.train_from, f.train_to, f.test_from, f.test_to);
        }
        return out;
      },
      py::arg("start"), py::arg("end"), py::arg("train_ns"), py::arg("test_ns"), py::arg("step_ns"),
      "The engine's walk-forward folds (WalkForwardFolds, as `strata windows`): a list of (train_from, "
      "train_to, test_from, test_to) ns, each range [from, to).");
  m.def(
      "parse_schema", [](const std::string& spec) { return Unwrap(Schema::Parse(spec)).ToString(); }, py::arg("spec"),
      "Checks a schema spec ('ts:timestamp,symbol:symbol,price:f64,note:string?') and returns it canonical.");
  m.def(
      "template_schema", [](const std::string& name) { return Unwrap(Schema::Template(name)).ToString(); },
      py::arg("name"), "The schema spec of a built-in template: trades, quotes, bars.");
  m.def("template_names", [] { return Schema::TemplateNames(); });

  BindBatch(m);
  py::class_<PyStream, std::shared_ptr<PyStream>>(m, "Stream", "Batches of a query, pulled one at a time.")
      .def("next", &PyStream::Next, "The next non-empty Batch, or None at the end.");

  py::class_<PyDatabase, std::shared_ptr<PyDatabase>>(m, "Database")
      .def(py::init<const std::string&, bool, bool, const std::string&>(), py::arg("root"),
           py::arg("read_only") = false, py::arg("create") = true, py::arg("fsync") = "")
      .def("close", &PyDatabase::Close)
      .def_property_readonly("closed", &PyDatabase::closed)
      .def_property_readonly("root", &PyDatabase::root)
      .def_property_readonly("read_only", &PyDatabase::read_only)
      .def(
          "create_table",
          [](PyDatabase& self, const std::string& name, const std::string& spec, std::optional<std::string> dedup_key) {
            TableDef def;
            def.name = name;
            def.schema = Unwrap(Schema::Parse(spec));
            def.dedup_key = std::move(dedup_key);
            self.Run([&](Database* db) {
              Check(db->CreateTable(def));
              return 0;
            });
          },
          py::arg("name"), py::arg("schema"), py::arg("dedup_key") = py::none())
      .def("list_tables",
           [](PyDatabase& self) {
             auto defs = self.Run([](Database* db) { return Unwrap(db->ListTables()); });
             py::list out;
             for (const TableDef& d : defs) out.append(TableToTuple(d));
             return out;
           })
      .def(
          "get_table",
          [](PyDatabase& self, const std::string& name) {
            return TableToTuple(self.Run([&](Database* db) { return Unwrap(db->GetTable(name)); }));
          },
          py::arg("name"))
      .def(
          "symbols",
          [](PyDatabase& self, const std::string& table) {
            return self.Run([&](Database* db) { return Unwrap(db->Symbols(table)); });
          },
          py::arg("table"))
      .def(
          "append",
          [](PyDatabase& self, const std::string& table, const py::list& columns, const py::list& masks, size_t rows,
             bool count_duplicates) -> py::object {
            TableDef def = self.Run([&](Database* db) { return Unwrap(db->GetTable(table)); });
            const std::vector<Field>& fields = def.schema.fields();
            // Appended in chunks of kAppendChunkRows: one huge batch costs a WAL record and hot-tier
            // buffers of its whole size in fresh memory (page faults; 2 M trades: 1.9 s of CPU in
            // one batch, 0.3 s in 65,536-row chunks). Every chunk is checked by the engine first
            // (ValidateAgainst), so a value it refuses appends nothing.
            for (size_t begin = 0; begin < rows; begin += kAppendChunkRows) {
              const size_t n = std::min(kAppendChunkRows, rows - begin);
              RecordBatch chunk = BatchFromPython(fields, columns, masks, begin, n, rows);
              self.Run([&](Database*) {
                Check(chunk.ValidateAgainst(def.schema)
                          .WithContext("append to " + table + ", rows " + std::to_string(begin + 1) + ".." +
                                       std::to_string(begin + n)));
                return 0;
              });
            }
            uint64_t duplicates = 0;
            std::unique_ptr<Appender> appender = self.Run([&](Database* db) { return Unwrap(db->NewAppender(table)); });
            for (size_t begin = 0; begin < rows; begin += kAppendChunkRows) {
              const size_t n = std::min(kAppendChunkRows, rows - begin);
              RecordBatch chunk = BatchFromPython(fields, columns, masks, begin, n, rows);
              self.Run([&](Database*) {
                uint64_t d = 0;
                Check(count_duplicates ? appender->AppendCounted(chunk, &d) : appender->Append(chunk));
                duplicates += d;
                return 0;
              });
            }
            {
              py::gil_scoped_release nogil;
              appender.reset();
            }
            if (!count_duplicates) return py::none();
            return py::int_(duplicates);
          },
          py::arg("table"), py::arg("columns"), py::arg("masks"), py::arg("rows"), py::arg("count_duplicates") = false,
          "Appends rows given as one entry per schema column (NumPy arrays; str, (categories, codes) or "
          "sequences of str for strings) and validity masks (None or bool arrays), in transactions of 65,536 "
          "rows, each checked before the first is appended. With count_duplicates, returns the rows every read "
          "will drop as duplicates (costs a scan of the rows' time range); else None.")
      .def(
          "query",
          [](std::shared_ptr<PyDatabase> self, const std::string& table, std::vector<std::string> symbols,
             std::optional<int64_t> from_ts, std::optional<int64_t> to_ts, std::vector<std::string> columns,
             std::string where, std::vector<std::string> tiers, int64_t bar_interval_ns, std::string asof_table,
             std::optional<int64_t> tolerance_ns, std::string direction, bool merge, std::optional<uint64_t> limit,
             bool stream) -> py::object {
            query::LogicalPlan plan;
            plan.table = table;
            plan.symbols = std::move(symbols);
            if (from_ts) plan.from_ts = *from_ts;
            if (to_ts) plan.to_ts = *to_ts;
            plan.columns = std::move(columns);
            plan.where = std::move(where);
            plan.tiers = std::move(tiers);
            plan.bar_interval_ns = bar_interval_ns;
            if (!asof_table.empty()) {
              query::AsofJoin join;
              join.table = std::move(asof_table);
              join.tolerance_ns = tolerance_ns;
              if (direction == "next") {
                join.direction = query::AsofDirection::kNext;
              } else if (direction != "prev") {
                Check(Status::InvalidArgument("direction must be 'prev' or 'next', not '" + direction + "'"));
              }
              plan.asof = std::move(join);
            }
            plan.merge = merge;
            plan.limit = limit;
            if (!stream) return py::cast(RunPlan(*self, std::move(plan)));
            auto holder = self->Run([&](Database* db) { return self->AddStream(Unwrap(query::Execute(db, plan))); });
            return py::cast(std::make_shared<PyStream>(self, std::move(holder)));
          },
          py::arg("table"), py::arg("symbols") = std::vector<std::string>{}, py::arg("from_ts") = py::none(),
          py::arg("to_ts") = py::none(), py::arg("columns") = std::vector<std::string>{}, py::arg("where") = "",
          py::arg("tiers") = std::vector<std::string>{}, py::arg("bar_interval_ns") = 0, py::arg("asof") = "",
          py::arg("tolerance_ns") = py::none(), py::arg("direction") = "prev", py::arg("merge") = false,
          py::arg("limit") = py::none(), py::arg("stream") = false,
          "Runs a plan of the query engine (src/query): the rows as one Batch, or (stream=True) a Stream of "
          "batches.")
      .def(
          "latest",
          [](PyDatabase& self, const std::string& table, const std::vector<std::string>& symbols) {
            auto out = std::make_shared<Batch>();
            self.Run([&](Database* db) {
              TableDef def = Unwrap(db->GetTable(table));
              std::vector<std::string> wanted = symbols.empty() ? Unwrap(db->Symbols(table)) : symbols;
              std::vector<RecordBatch> rows;
              for (const std::string& s : wanted) {
                RecordBatch row(def.schema);
                Status st = db->Latest(table, s, &row);
                if (st.IsNotFound() && symbols.empty()) continue;
                Check(st.WithContext("latest row of symbol " + s + " in table " + table));
                rows.push_back(std::move(row));
              }
              out->batch = Concatenate(std::move(rows), def.schema.fields());
              return 0;
            });
            return out;
          },
          py::arg("table"), py::arg("symbols") = std::vector<std::string>{})
      .def(
          "sql",
          [](PyDatabase& self, const std::string& text) {
            auto out = std::make_shared<Batch>();
            self.Run([&](Database* db) {
              sql::Statement statement = Unwrap(sql::ParseStatement(text));
              auto stream = Unwrap(sql::RunStatement(db, statement));
              out->batch = DrainAll(stream.get());
              return 0;
            });
            return out;
          },
          py::arg("text"))
      .def(
          "flush",
          [](PyDatabase& self, const std::string& table) {
            return TierRunToDict(self.Run(
                [&](Database* db) { return table.empty() ? Unwrap(db->Flush()) : Unwrap(db->FlushTable(table)); }));
          },
          py::arg("table") = "")
      .def(
          "migrate",
          [](PyDatabase& self, const std::string& table, std::optional<int64_t> before_ts, bool all,
             bool apply_policy) {
            MigrateOptions options;
            options.table = table;
            options.before_ts = before_ts;
            options.all = all;
            options.apply_policy = apply_policy;
            return TierRunToDict(self.Run([&](Database* db) { return Unwrap(db->Migrate(options)); }));
          },
          py::arg("table") = "", py::arg("before_ts") = py::none(), py::arg("all") = false,
          py::arg("apply_policy") = true)
      .def(
          "verify",
          [](PyDatabase& self, const std::string& tier) {
            VerifyOptions options;
            options.tier = tier;
            return VerifyToDict(self.Run([&](Database* db) { return Unwrap(db->Verify(options)); }));
          },
          py::arg("tier") = "")
      .def("stats",
           [](PyDatabase& self) { return StatsToDict(self.Run([](Database* db) { return Unwrap(db->Stats()); })); })
      .def("sync", [](PyDatabase& self) {
        self.Run([](Database* db) {
          Check(db->Sync());
          return 0;
        });
      });

  BindModels(m);
  BindTrials(m);
}
