#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <random>
#include <set>
#include <thread>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "catalog/migrations.h"
#include "catalog/statement.h"
#include "strata/trials.h"
#include "testutil/testutil.h"

namespace strata::trials {
namespace {

using testing::TempDir;

class TrialStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(catalog_, Catalog::Open(layout::CatalogPath(dir_.path()), false));
    store_ = std::make_unique<TrialStore>(catalog_.get());
  }
  StudySpec Spec(std::string name = "s") {
    StudySpec spec;
    spec.name = std::move(name);
    spec.objectives = {{"sharpe", Direction::kMaximize}, {"drawdown", Direction::kMinimize}};
    return spec;
  }
  static TrialInput Done(std::vector<double> values, std::string params = "{}") {
    TrialInput t;
    t.values = std::move(values);
    t.params_json = std::move(params);
    return t;
  }

  TempDir dir_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<TrialStore> store_;
};

TEST_F(TrialStoreTest, CreateListShowDelete) {
  StudySpec spec = Spec();
  spec.constraints = {{"turnover", Constraint::Op::kLe, 3}};
  spec.metadata_json = R"({"universe":"sp500"})";
  ASSERT_OK(store_->CreateStudy(spec));
  EXPECT_EQ(store_->CreateStudy(spec).status().code(), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(StudyInfo info, store_->GetStudy("s"));
  EXPECT_EQ(info.spec.objectives, spec.objectives);
  EXPECT_EQ(info.spec.constraints, spec.constraints);
  EXPECT_EQ(info.spec.metadata_json, R"({"universe":"sp500"})");
  ASSERT_OK(store_->CreateStudy(Spec("a")));
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListStudies());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].spec.name, "a");
  ASSERT_OK(store_->AddTrial("s", Done({1, 2})));
  ASSERT_OK(store_->DeleteStudy("s"));
  EXPECT_EQ(store_->GetStudy("s").status().code(), StatusCode::kNotFound);
}

// What Optuna's storage needs: waiting -> running (once), params with opaque distributions,
// trial and study attributes, and no change to a finished trial.
TEST_F(TrialStoreTest, OptunaStateTransitionsParamsAndAttributes) {
  ASSERT_OK_AND_ASSIGN(StudyInfo created, store_->CreateStudy(Spec()));
  ASSERT_OK_AND_ASSIGN(StudyInfo by_id, store_->GetStudyById(created.id));
  EXPECT_EQ(by_id.spec.name, "s");
  EXPECT_EQ(store_->GetStudyById(created.id + 100).status().code(), StatusCode::kNotFound);
  ASSERT_OK(store_->SetStudyAttr("s", TrialStore::AttrKind::kUser, "k", R"([1,"a"])"));
  ASSERT_OK(store_->SetStudyAttr("s", TrialStore::AttrKind::kSystem, "sys", "true"));
  ASSERT_OK(store_->SetStudyAttr("s", TrialStore::AttrKind::kUser, "k2", "2.5"));
  ASSERT_OK_AND_ASSIGN(StudyInfo info, store_->GetStudy("s"));
  EXPECT_EQ(info.user_attrs_json, R"({"k":[1,"a"],"k2":2.5})");
  EXPECT_EQ(info.system_attrs_json, R"({"sys":true})");
  EXPECT_EQ(store_->SetStudyAttr("s", TrialStore::AttrKind::kUser, "bad", "{x").code(), StatusCode::kInvalidArgument);

  TrialInput w;
  w.state = TrialState::kWaiting;
  w.params_json = R"({"x":0.5})";
  w.system_attrs_json = R"({"fixed_params":{"x":0.5}})";
  ASSERT_OK_AND_ASSIGN(int64_t n, store_->AddTrial("s", w));
  ASSERT_OK_AND_ASSIGN(Trial got, store_->GetTrial("s", n));
  EXPECT_EQ(got.state, TrialState::kWaiting);
  EXPECT_EQ(got.system_attrs_json, w.system_attrs_json);
  EXPECT_FALSE(got.finished_at_ns.has_value());
  EXPECT_EQ(store_->ReportIntermediate("s", n, 0, 1.0).code(), StatusCode::kInvalidArgument);  // not started
  ASSERT_OK_AND_ASSIGN(bool took, store_->SetTrialState("s", n, TrialState::kRunning, {}));
  EXPECT_TRUE(took);
  ASSERT_OK_AND_ASSIGN(bool again, store_->SetTrialState("s", n, TrialState::kRunning, {}));
  EXPECT_FALSE(again);  // another worker's second take changes nothing

  ASSERT_OK(store_->SetTrialParam("s", n, "layers", "3", R"({"name":"IntDistribution","low":1})"));
  ASSERT_OK(store_->SetTrialParam("s", n, "opt", R"("adam")", R"({"choices":["adam","sgd"]})"));
  EXPECT_EQ(store_->SetTrialParam("s", n, "layers", R"("three")", "{}").code(), StatusCode::kInvalidArgument);
  ASSERT_OK(store_->SetTrialAttr("s", n, TrialStore::AttrKind::kUser, "turnover", "2"));
  ASSERT_OK(store_->SetTrialAttr("s", n, TrialStore::AttrKind::kSystem, "s1", R"({"a":null})"));
  ASSERT_OK(store_->ReportIntermediate("s", n, 3, 0.5));
  ASSERT_OK_AND_ASSIGN(bool done, store_->SetTrialState("s", n, TrialState::kComplete, std::vector<double>{1, 2}));
  EXPECT_TRUE(done);
  ASSERT_OK_AND_ASSIGN(got, store_->GetTrial("s", n));
  EXPECT_EQ(got.state, TrialState::kComplete);
  EXPECT_EQ(got.params_json, R"({"layers":3,"opt":"adam","x":0.5})");
  EXPECT_EQ(got.distributions_json,
            R"({"layers":{"low":1,"name":"IntDistribution"},"opt":{"choices":["adam","sgd"]}})");
  EXPECT_EQ(got.user_attrs_json, R"({"turnover":2})");
  EXPECT_EQ(got.system_attrs_json, R"({"fixed_params":{"x":0.5},"s1":{"a":null}})");
  EXPECT_EQ(got.values, (std::vector<double>{1, 2}));
  ASSERT_TRUE(got.finished_at_ns.has_value());
  ASSERT_OK_AND_ASSIGN(auto front, store_->Front("s"));
  ASSERT_EQ(front.size(), 1u);  // kept front updated by the transition
  EXPECT_EQ(front[0].number, n);

  // Finished: nothing changes it, and the error says so.
  for (Status st :
       {store_->SetTrialParam("s", n, "x", "1.5", "{}"),
        store_->SetTrialAttr("s", n, TrialStore::AttrKind::kUser, "a", "1"),
        store_->SetTrialState("s", n, TrialState::kFailed, {}).status(),
        store_->SetTrialState("s", n, TrialState::kRunning, {}).status(), store_->ReportIntermediate("s", n, 4, 1.0)}) {
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("is already complete"), std::string::npos) << st.message();
  }
  EXPECT_EQ(store_->SetTrialState("s", n + 5, TrialState::kFailed, {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->SetTrialState("s", n, TrialState::kWaiting, {}).status().code(), StatusCode::kInvalidArgument);

  // Running -> pruned without values; waiting -> failed directly.
  TrialInput r;
  r.state = TrialState::kRunning;
  ASSERT_OK_AND_ASSIGN(int64_t p, store_->AddTrial("s", r));
  ASSERT_OK(store_->SetTrialState("s", p, TrialState::kPruned, {}));
  ASSERT_OK_AND_ASSIGN(int64_t q, store_->AddTrial("s", w));
  ASSERT_OK(store_->SetTrialState("s", q, TrialState::kFailed, {}));
  TrialQuery from;
  from.from_number = p;  // a reader that has the trials before p
  ASSERT_OK_AND_ASSIGN(auto rest, store_->ListTrials("s", from));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].number, p);
  EXPECT_EQ(rest[1].number, q);
  ASSERT_OK_AND_ASSIGN(auto counts, store_->CountByState("s"));
  EXPECT_EQ(counts[TrialState::kPruned], 1);
  EXPECT_EQ(counts[TrialState::kFailed], 1);
  EXPECT_EQ(counts[TrialState::kComplete], 1);
}

// Migration 9 rebuilds `trials` (the waiting state): trials written by a version-8 catalog keep
// their rows, numbers, states and kept front.
TEST(TrialStoreMigrationTest, TrialsOfAnOlderCatalogSurviveMigration9) {
  TempDir dir;
  const std::string path = layout::CatalogPath(dir.path());
  auto all = CatalogMigrations();
  ASSERT_GE(all.size(), 9u);
  {
    ASSERT_OK_AND_ASSIGN(auto old, Catalog::Open(path, false, all.subspan(0, 8)));
    ASSERT_OK(sqlite::Exec(old->db(),
                           "INSERT INTO studies (id, name, objectives_json, created_at) VALUES "
                           "(1, 's', '[{\"name\":\"a\",\"direction\":\"min\"}]', 1);"
                           "INSERT INTO trials (study_id, number, state, values_json, started_at, on_front) VALUES "
                           "(1, 0, 'complete', '[2]', 1, 0), (1, 1, 'complete', '[1]', 1, 1), "
                           "(1, 2, 'running', '[]', 1, 0);"
                           "UPDATE studies SET next_number = 3 WHERE id = 1;",
                           path));
  }
  ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(path, false));
  EXPECT_EQ(catalog->schema_version(), Catalog::LatestSchemaVersion());
  TrialStore store(catalog.get());
  ASSERT_OK_AND_ASSIGN(auto trials, store.ListTrials("s"));
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[1].values, std::vector<double>{1});
  EXPECT_EQ(trials[2].state, TrialState::kRunning);
  EXPECT_EQ(trials[2].system_attrs_json, "{}");
  ASSERT_OK_AND_ASSIGN(auto front, store.Front("s"));
  ASSERT_EQ(front.size(), 1u);
  EXPECT_EQ(front[0].number, 1);
  ASSERT_OK(store.SetTrialState("s", 2, TrialState::kComplete, std::vector<double>{0.5}));
  ASSERT_OK_AND_ASSIGN(front, store.Front("s"));
  ASSERT_EQ(front.size(), 1u);
  EXPECT_EQ(front[0].number, 2);
  TrialInput w;
  w.state = TrialState::kWaiting;
  ASSERT_OK_AND_ASSIGN(int64_t n, store.AddTrial("s", w));
  EXPECT_EQ(n, 3);
}

// Migration 10 re-keys `trials` by study_id << 32 | number and keeps fronts over subsets of the
// objectives: a version-9 study keeps its rows (values as JSON text, read as before), answers
// subset fronts by computing them, and builds its kept subset fronts on its next write.
TEST(TrialStoreMigrationTest, TrialsOfAVersion9CatalogGetTheirSubsetFrontsKept) {
  TempDir dir;
  const std::string path = layout::CatalogPath(dir.path());
  auto all = CatalogMigrations();
  ASSERT_GE(all.size(), 10u);
  // Values (a max, b min): 0:(3,3) 1:(1,1) 2:(3,1) 3:(2,0) 4:(3,1), trial 5 running.
  // Front (a,b): 2 and 4 (equal), 3. Front (a): 0, 2, 4. Front (b): 3.
  {
    ASSERT_OK_AND_ASSIGN(auto old, Catalog::Open(path, false, all.subspan(0, 9)));
    ASSERT_OK(sqlite::Exec(old->db(),
                           "INSERT INTO studies (id, name, objectives_json, created_at) VALUES (1, 's', "
                           "'[{\"name\":\"a\",\"direction\":\"max\"},{\"name\":\"b\",\"direction\":\"min\"}]', 1);"
                           "INSERT INTO studies (id, name, objectives_json, created_at) VALUES (2, 't', "
                           "'[{\"name\":\"a\",\"direction\":\"min\"}]', 1);"
                           "INSERT INTO trials (study_id, number, state, values_json, started_at, on_front) VALUES "
                           "(1, 0, 'complete', '[3,3]', 1, 0), (1, 1, 'complete', '[1,1]', 1, 0), "
                           "(1, 2, 'complete', '[3,1]', 1, 1), (1, 3, 'complete', '[2,0]', 1, 1), "
                           "(1, 4, 'complete', '[3,1]', 1, 1), (1, 5, 'running', '[]', 1, 0), "
                           "(2, 0, 'complete', '[7]', 1, 1);"
                           "UPDATE studies SET next_number = 6 WHERE id = 1;"
                           "UPDATE studies SET next_number = 1 WHERE id = 2;",
                           path));
  }
  ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(path, false));
  TrialStore store(catalog.get());
  auto numbers = [&](std::vector<std::string> objs) {
    std::vector<int64_t> out;
    auto front = store.Front("s", objs);
    EXPECT_OK(front.status());
    if (front.ok()) {
      for (const Trial& t : *front) out.push_back(t.number);
    }
    return out;
  };
  auto check = [&] {
    EXPECT_EQ(numbers({}), (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(numbers({"b", "a"}), (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(numbers({"a"}), (std::vector<int64_t>{0, 2, 4}));
    EXPECT_EQ(numbers({"b"}), (std::vector<int64_t>{3}));
  };
  ASSERT_OK_AND_ASSIGN(StudyInfo info, store.GetStudy("s"));
  EXPECT_EQ(info.fronts_kept, 1u);  // only the whole front: subsets computed
  check();
  ASSERT_OK_AND_ASSIGN(Trial t0, store.GetTrial("s", 0));
  EXPECT_EQ(t0.values, (std::vector<double>{3, 3}));
  // The next write builds the subset fronts; they stay right as trials complete.
  TrialInput t6;
  t6.values = {0, 5};
  ASSERT_OK_AND_ASSIGN(int64_t n6, store.AddTrial("s", t6));
  EXPECT_EQ(n6, 6);
  ASSERT_OK_AND_ASSIGN(info, store.GetStudy("s"));
  EXPECT_EQ(info.fronts_kept, 0b111u);
  check();
  ASSERT_OK(store.FinishTrial("s", 5, TrialState::kComplete, std::vector<double>{4, 0}));
  EXPECT_EQ(numbers({}), (std::vector<int64_t>{5}));
  EXPECT_EQ(numbers({"a"}), (std::vector<int64_t>{5}));
  EXPECT_EQ(numbers({"b"}), (std::vector<int64_t>{3, 5}));
  ASSERT_OK_AND_ASSIGN(auto list, store.ListTrials("s"));
  ASSERT_EQ(list.size(), 7u);
  EXPECT_EQ(list[5].values, (std::vector<double>{4, 0}));
  // The other study's rows are its own (one id range per study).
  ASSERT_OK_AND_ASSIGN(auto other, store.ListTrials("t"));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].values, std::vector<double>{7});
}

TEST_F(TrialStoreTest, TrialsRoundTripWithTypedParams) {
  ASSERT_OK(store_->CreateStudy(Spec()));
  TrialInput t = Done({1.9, 0.12}, R"({"lr":0.01,"layers":3,"opt":"adam"})");
  t.user_attrs_json = R"({"note":"x"})";
  t.worker = "w1";
  t.intermediate = {{1, 0.5}, {2, 0.7}};
  ASSERT_OK_AND_ASSIGN(int64_t n0, store_->AddTrial("s", t));
  EXPECT_EQ(n0, 0);
  TrialInput r;
  r.state = TrialState::kRunning;
  r.params_json = R"({"lr":1,"layers":4,"opt":"sgd"})";  // an int is fine for a float param
  ASSERT_OK_AND_ASSIGN(int64_t n1, store_->AddTrial("s", r));
  EXPECT_EQ(n1, 1);
  ASSERT_OK(store_->ReportIntermediate("s", 1, 10, 0.25));
  ASSERT_OK(store_->FinishTrial("s", 1, TrialState::kComplete, std::vector<double>{0.1, 0.3}));
  EXPECT_EQ(store_->FinishTrial("s", 1, TrialState::kComplete, std::vector<double>{0.1, 0.3}).code(),
            StatusCode::kInvalidArgument);  // already complete

  ASSERT_OK_AND_ASSIGN(Trial g, store_->GetTrial("s", 0));
  EXPECT_EQ(g.values, (std::vector<double>{1.9, 0.12}));
  EXPECT_EQ(g.params_json, t.params_json);
  EXPECT_EQ(g.worker, "w1");
  EXPECT_EQ(g.intermediate, t.intermediate);
  EXPECT_EQ(g.state, TrialState::kComplete);
  ASSERT_OK_AND_ASSIGN(Trial g1, store_->GetTrial("s", 1));
  EXPECT_EQ(g1.values, (std::vector<double>{0.1, 0.3}));
  EXPECT_EQ(g1.intermediate, (std::map<int64_t, double>{{10, 0.25}}));
  ASSERT_TRUE(g1.finished_at_ns.has_value());

  ASSERT_OK_AND_ASSIGN(StudyInfo info, store_->GetStudy("s"));
  EXPECT_EQ(info.param_types.at("lr"), ParamType::kFloat);
  EXPECT_EQ(info.param_types.at("layers"), ParamType::kInt);
  EXPECT_EQ(info.param_types.at("opt"), ParamType::kCategorical);
  EXPECT_EQ(info.trial_count, 2);

  TrialQuery q;
  q.order_by = "sharpe";
  q.limit = 1;
  ASSERT_OK_AND_ASSIGN(auto best, store_->ListTrials("s", q));
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0].number, 0);
}

TEST_F(TrialStoreTest, BadInputIsAClearErrorNamingTheField) {
  ASSERT_OK(store_->CreateStudy(Spec()));
  ASSERT_OK(store_->AddTrial("s", Done({1, 2}, R"({"layers":3})")));
  auto err = [&](const TrialInput& t) { return store_->AddTrial("s", t).status(); };

  Status st = store_->AddTrial("nope", Done({1, 2})).status();
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("no study 'nope'"), std::string::npos) << st.ToString();

  st = err(Done({1}));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("1 values for 2 objectives"), std::string::npos) << st.ToString();

  st = err(Done({std::nan(""), 2}));
  EXPECT_NE(st.message().find("objective 'sharpe' is NaN"), std::string::npos) << st.ToString();
  st = err(Done({1, INFINITY}));
  EXPECT_NE(st.message().find("'drawdown' is infinite"), std::string::npos) << st.ToString();

  st = err(Done({1, 2}, R"({"layers":0.5})"));
  EXPECT_NE(st.message().find("param 'layers' is int"), std::string::npos) << st.ToString();
  st = err(Done({1, 2}, R"({"flag":true})"));
  EXPECT_NE(st.message().find("param 'flag' must be a number or a string"), std::string::npos) << st.ToString();
  st = err(Done({1, 2}, R"({"lr":)"));
  EXPECT_NE(st.message().find("params is not valid JSON"), std::string::npos) << st.ToString();
  st = err(Done({1, 2}, "[1]"));
  EXPECT_NE(st.message().find("params must be a JSON object"), std::string::npos) << st.ToString();

  TrialInput with_run = Done({1, 2});
  with_run.run_id = 999;
  st = err(with_run);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("run 999 does not exist"), std::string::npos) << st.ToString();

  st = store_->Front("s", {"sharpe", "latency"}).status();
  EXPECT_NE(st.message().find("no objective 'latency'"), std::string::npos) << st.ToString();
  TrialQuery q;
  q.order_by = "latency";
  EXPECT_EQ(store_->ListTrials("s", q).status().code(), StatusCode::kInvalidArgument);

  // A failed batch stores nothing and uses no numbers.
  std::vector<TrialInput> batch = {Done({1, 2}), Done({1})};
  EXPECT_FALSE(store_->AddTrials("s", batch).ok());
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListTrials("s"));
  EXPECT_EQ(all.size(), 1u);
  ASSERT_OK_AND_ASSIGN(int64_t next, store_->AddTrial("s", Done({1, 2})));
  EXPECT_EQ(next, 1);

  EXPECT_FALSE(ParseObjective("sharpe").ok());
  EXPECT_FALSE(ParseObjective("sharpe:up").ok());
  EXPECT_FALSE(ParseConstraint("turnover<3").ok());
  EXPECT_FALSE(ParseConstraint("turnover<=x").ok());
  ASSERT_OK_AND_ASSIGN(Constraint c, ParseConstraint("turnover <= 3.5"));
  EXPECT_EQ(ConstraintText(c), "turnover<=3.5");
}

// The store's front equals the brute-force front of feasible complete trials, with directions.
TEST_F(TrialStoreTest, FrontRespectsDirectionsStatesAndConstraints) {
  StudySpec spec;
  spec.name = "s";
  spec.objectives = {{"a", Direction::kMaximize}, {"b", Direction::kMinimize}, {"c", Direction::kMaximize}};
  spec.constraints = {{"turnover", Constraint::Op::kLe, 3}};
  ASSERT_OK(store_->CreateStudy(spec));
  std::mt19937_64 rng(7);
  std::vector<TrialInput> batch;
  for (int i = 0; i < 600; ++i) {
    TrialInput t = Done({double(rng() % 10), double(rng() % 10), double(rng() % 10)});
    t.user_attrs_json = "{\"turnover\":" + std::to_string(rng() % 5) + "}";
    if (i % 7 == 0) t.state = TrialState::kPruned;
    if (i % 11 == 0) t.user_attrs_json = "{}";  // no constraint value: infeasible
    batch.push_back(t);
  }
  ASSERT_OK(store_->AddTrials("s", batch));
  for (const std::vector<std::string>& objs :
       {std::vector<std::string>{}, {"a", "b"}, {"b", "c"}, {"c"}, {"c", "a", "b"}}) {
    std::vector<size_t> cols;
    if (objs.empty()) cols = {0, 1, 2};
    for (const auto& o : objs) cols.push_back(o == "a" ? 0 : o == "b" ? 1 : 2);
    std::vector<double> pts;
    std::vector<int64_t> numbers;
    for (size_t i = 0; i < batch.size(); ++i) {
      const TrialInput& t = batch[i];
      if (t.state != TrialState::kComplete || t.user_attrs_json == "{}" ||
          t.user_attrs_json.find(":4") != std::string::npos)
        continue;
      for (size_t c : cols) pts.push_back(c == 1 ? t.values[c] : -t.values[c]);
      numbers.push_back(i);
    }
    std::vector<int64_t> want;
    for (uint32_t i : ParetoFrontBruteForce(pts, cols.size())) want.push_back(numbers[i]);
    ASSERT_OK_AND_ASSIGN(auto front, store_->Front("s", objs));
    std::vector<int64_t> got;
    for (const Trial& t : front) got.push_back(t.number);
    EXPECT_EQ(got, want) << objs.size();
    EXPECT_FALSE(want.empty());
    // Rank 2 likewise, against NonDominatedRanks of the same points.
    std::vector<int64_t> want2;
    std::vector<uint32_t> ranks = NonDominatedRanks(pts, cols.size());
    for (size_t i = 0; i < ranks.size(); ++i) {
      if (ranks[i] == 2) want2.push_back(numbers[i]);
    }
    ASSERT_OK_AND_ASSIGN(auto second, store_->Front("s", objs, 2));
    std::vector<int64_t> got2;
    for (const Trial& t : second) got2.push_back(t.number);
    EXPECT_EQ(got2, want2) << objs.size();
  }
}

// The kept-up-to-date front (trials.on_front) after trials complete in many small steps, some
// later ones dominating earlier front members, equals the brute-force front.
TEST_F(TrialStoreTest, IncrementalFrontMatchesBruteForce) {
  StudySpec spec;
  spec.name = "s";
  spec.objectives = {{"a", Direction::kMaximize}, {"b", Direction::kMinimize}, {"c", Direction::kMinimize}};
  ASSERT_OK(store_->CreateStudy(spec));
  std::mt19937_64 rng(11);
  std::vector<std::vector<double>> values;  // by number; empty while running / not complete
  std::vector<int64_t> running;
  for (int step = 0; step < 300; ++step) {
    const int kind = rng() % 4;
    if (kind == 0 && !running.empty()) {
      int64_t n = running.back();
      running.pop_back();
      std::vector<double> v = {double(rng() % 6), double(rng() % 6), double(rng() % 6)};
      ASSERT_OK(store_->FinishTrial("s", n, TrialState::kComplete, v));
      values[n] = v;
      continue;
    }
    std::vector<TrialInput> batch;
    for (int i = 0, k = 1 + rng() % 5; i < k; ++i) {
      TrialInput t = Done({double(rng() % 6), double(rng() % 6), double(rng() % 6)});
      if (rng() % 3 == 0) {
        t.state = TrialState::kRunning;
        t.values.clear();
      }
      batch.push_back(t);
    }
    ASSERT_OK_AND_ASSIGN(auto numbers, store_->AddTrials("s", batch));
    for (size_t i = 0; i < batch.size(); ++i) {
      values.push_back(batch[i].state == TrialState::kComplete ? batch[i].values : std::vector<double>{});
      if (batch[i].state == TrialState::kRunning) running.push_back(numbers[i]);
    }
    if (step % 25 != 0) continue;
    // Every subset of the objectives: all of them are kept fronts (trials.on_front bits).
    const char* names[] = {"a", "b", "c"};
    for (int mask = 1; mask < 8; ++mask) {
      std::vector<double> pts;
      std::vector<int64_t> idx;
      std::vector<std::string> objs;
      for (int c = 0; c < 3; ++c) {
        if (mask >> c & 1) objs.push_back(names[c]);
      }
      for (size_t n = 0; n < values.size(); ++n) {
        if (values[n].empty()) continue;
        for (int c = 0; c < 3; ++c) {
          if (mask >> c & 1) pts.push_back(c == 0 ? -values[n][c] : values[n][c]);
        }
        idx.push_back(n);
      }
      std::vector<int64_t> want;
      for (uint32_t i : ParetoFrontBruteForce(pts, objs.size())) want.push_back(idx[i]);
      ASSERT_OK_AND_ASSIGN(auto front, store_->Front("s", mask == 7 ? std::vector<std::string>{} : objs));
      std::vector<int64_t> got;
      for (const Trial& t : front) got.push_back(t.number);
      ASSERT_EQ(got, want) << "step " << step << ", objectives mask " << mask;
    }
  }
  // The study keeps all 7 fronts (bit 0: all objectives; bit m: the subset with mask m).
  ASSERT_OK_AND_ASSIGN(StudyInfo info, store_->GetStudy("s"));
  EXPECT_EQ(info.fronts_kept, 0x7fu);
}

// A study of 7 objectives keeps only its whole front; fronts over subsets (of any size) are
// computed from all its trials and must equal the brute-force ones too.
TEST_F(TrialStoreTest, SubsetFrontsOfAManyObjectiveStudyAreComputed) {
  StudySpec spec;
  spec.name = "s";
  for (int c = 0; c < 7; ++c) {
    spec.objectives.push_back({"o" + std::to_string(c), c % 2 ? Direction::kMaximize : Direction::kMinimize});
  }
  ASSERT_OK(store_->CreateStudy(spec));
  std::mt19937_64 rng(5);
  std::vector<TrialInput> batch;
  for (int i = 0; i < 300; ++i) {
    std::vector<double> v;
    for (int c = 0; c < 7; ++c) v.push_back(double(rng() % 4));
    batch.push_back(Done(v));
  }
  ASSERT_OK(store_->AddTrials("s", batch));
  ASSERT_OK_AND_ASSIGN(StudyInfo info, store_->GetStudy("s"));
  EXPECT_EQ(info.fronts_kept, 1u);
  for (const std::vector<int>& cols : {std::vector<int>{1, 4}, {0, 2, 3}, {6, 5, 4, 3}, {0, 1, 2, 3, 4, 5, 6}}) {
    std::vector<std::string> objs;
    for (int c : cols) objs.push_back("o" + std::to_string(c));
    std::vector<double> pts;
    for (const TrialInput& t : batch) {
      for (int c : cols) pts.push_back(c % 2 ? -t.values[c] : t.values[c]);
    }
    std::vector<int64_t> want;
    for (uint32_t i : ParetoFrontBruteForce(pts, cols.size())) want.push_back(i);
    ASSERT_OK_AND_ASSIGN(auto front, store_->Front("s", objs));
    std::vector<int64_t> got;
    for (const Trial& t : front) got.push_back(t.number);
    EXPECT_EQ(got, want) << cols.size() << " objectives";
  }
}

// Params are accepted exactly when they are a JSON object of numbers and strings (the fast
// scanner and the full parser agree), and typed the same way.
TEST_F(TrialStoreTest, ParamsAcceptedExactlyWhenValid) {
  ASSERT_OK(store_->CreateStudy(Spec()));
  const char* good[] = {R"({})",
                        R"( { } )",
                        R"({"a":1})",
                        R"({"f":-0.5e-3,"i":-0,"s":"x y"})",
                        R"({"esc\u0041":"t\"q"})",
                        R"({"big":123456789012345678901})",
                        R"({"u":"é"})",
                        "{\n\"w\" : 2 }"};
  const char* bad[] = {R"({"a":01})",
                       R"({"a":1.})",
                       R"({"a":.5})",
                       R"({"a":-})",
                       R"({"a":1e})",
                       R"({"a":true})",
                       R"({"a":null})",
                       R"({"a":[1]})",
                       R"({"a":{"b":1}})",
                       R"({"a":1,})",
                       R"({"a" 1})",
                       R"({"a":1} x)",
                       R"({a:1})",
                       R"({"a":1e999})",
                       R"({"a":"x)",
                       "{\"a\":\"\x01\"}",
                       "{\"a\":\"\xff\"}",
                       R"([])",
                       R"()"};
  int i = 0;
  for (const char* p : good) {
    StudySpec spec = Spec("g" + std::to_string(i++));
    ASSERT_OK(store_->CreateStudy(spec));
    Status st = store_->AddTrial(spec.name, Done({1, 2}, p)).status();
    EXPECT_TRUE(st.ok()) << p << ": " << st.ToString();
  }
  for (const char* p : bad) {
    StudySpec spec = Spec("b" + std::to_string(i++));
    ASSERT_OK(store_->CreateStudy(spec));
    if (std::string_view(p).empty()) continue;  // empty means {}
    EXPECT_FALSE(store_->AddTrial(spec.name, Done({1, 2}, p)).ok()) << p;
  }
  ASSERT_OK(store_->AddTrial("s", Done({1, 2}, R"({"n":1,"x":0.5,"c":"a"})")));
  ASSERT_OK_AND_ASSIGN(StudyInfo info, store_->GetStudy("s"));
  EXPECT_EQ(info.param_types.at("n"), ParamType::kInt);
  EXPECT_EQ(info.param_types.at("x"), ParamType::kFloat);
  EXPECT_EQ(info.param_types.at("c"), ParamType::kCategorical);
  EXPECT_FALSE(store_->AddTrial("s", Done({1, 2}, R"({"n":1.5})")).ok());
  EXPECT_FALSE(store_->AddTrial("s", Done({1, 2}, R"({"c":2})")).ok());
  EXPECT_OK(store_->AddTrial("s", Done({1, 2}, R"({"x":3})")));
  TrialInput bad_attrs = Done({1, 2});
  bad_attrs.user_attrs_json = R"({"a":)";
  Status st = store_->AddTrial("s", bad_attrs).status();
  EXPECT_NE(st.message().find("user attributes is not valid JSON"), std::string::npos) << st.ToString();
}

// Several connections (as several processes would) add to one study at once: all stored,
// numbers unique and gap-free.
TEST_F(TrialStoreTest, ConcurrentWritersInThreads) {
  ASSERT_OK(store_->CreateStudy(Spec()));
  const int kThreads = 4, kBatches = 25, kPerBatch = 20;
  std::vector<std::thread> threads;
  std::vector<Status> errors(kThreads);
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      auto c = Catalog::Open(layout::CatalogPath(dir_.path()), false);
      if (!c.ok()) {
        errors[w] = c.status();
        return;
      }
      TrialStore store(c->get());
      for (int b = 0; b < kBatches; ++b) {
        std::vector<TrialInput> batch(kPerBatch, Done({double(w), double(b)}));
        for (auto& t : batch) t.worker = "w" + std::to_string(w);
        auto r = store.AddTrials("s", batch);
        if (!r.ok()) {
          errors[w] = r.status();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& st : errors) ASSERT_OK(st);
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListTrials("s"));
  ASSERT_EQ(all.size(), size_t(kThreads * kBatches * kPerBatch));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].number, int64_t(i));
}

// 4 processes x 5,000 trials (batches of 250) into one study; then the front equals brute force.
TEST_F(TrialStoreTest, ConcurrentWriterProcesses) {
  ASSERT_OK(store_->CreateStudy(Spec()));
  const int kProcs = 4;
  const int kTrials = testing::Sanitized() ? 1000 : 5000, kBatch = 250;
  std::vector<pid_t> pids;
  for (int w = 0; w < kProcs; ++w) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto c = Catalog::Open(layout::CatalogPath(dir_.path()), false);
      if (!c.ok()) _exit(2);
      TrialStore store(c->get());
      std::mt19937_64 rng(w);
      for (int b = 0; b < kTrials / kBatch; ++b) {
        std::vector<TrialInput> batch;
        for (int i = 0; i < kBatch; ++i) {
          TrialInput t = Done({double(rng() % 1000) / 10, double(rng() % 1000) / 10});
          t.worker = "p" + std::to_string(w);
          batch.push_back(t);
        }
        if (!store.AddTrials("s", batch).ok()) _exit(3);
      }
      _exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
  }
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListTrials("s"));
  ASSERT_EQ(all.size(), size_t(kProcs * kTrials));
  std::vector<double> pts;
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].number, int64_t(i));
    pts.push_back(-all[i].values[0]);
    pts.push_back(all[i].values[1]);
  }
  std::vector<int64_t> want;
  for (uint32_t i : ParetoFrontBruteForce(pts, 2)) want.push_back(all[i].number);
  ASSERT_OK_AND_ASSIGN(auto front, store_->Front("s"));
  std::vector<int64_t> got;
  for (const Trial& t : front) got.push_back(t.number);
  EXPECT_EQ(got, want);
}

// A writer killed with SIGKILL mid-stream loses no acknowledged batch and leaves no partial one.
TEST_F(TrialStoreTest, KilledWriterLosesNoAcknowledgedTrial) {
  ASSERT_OK(store_->CreateStudy(Spec()));
  const int kBatch = 100;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto c = Catalog::Open(layout::CatalogPath(dir_.path()), false);
    if (!c.ok()) _exit(2);
    TrialStore store(c->get());
    for (int b = 0;; ++b) {
      std::vector<TrialInput> batch(kBatch, Done({double(b), 1.0}));
      if (!store.AddTrials("s", batch).ok()) _exit(3);
      int32_t acked = b;
      if (write(fds[1], &acked, sizeof acked) != sizeof acked) _exit(4);
    }
  }
  close(fds[1]);
  int32_t last = -1, got = 0;
  while (last < 20 && read(fds[0], &got, sizeof got) == sizeof got) last = got;
  kill(pid, SIGKILL);
  // Drain what was acknowledged before the kill landed.
  while (read(fds[0], &got, sizeof got) == sizeof got) last = got;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto c = Catalog::Open(layout::CatalogPath(dir_.path()), false);
  ASSERT_OK(c.status());
  TrialStore store(c->get());
  ASSERT_OK_AND_ASSIGN(auto all, store.ListTrials("s"));
  ASSERT_GE(all.size(), size_t(last + 1) * kBatch);
  EXPECT_EQ(all.size() % kBatch, 0u) << "a partial batch was stored";
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].number, int64_t(i));
    ASSERT_EQ(all[i].values, (std::vector<double>{double(i / kBatch), 1.0}));
  }
  ASSERT_OK_AND_ASSIGN(StudyInfo info, store.GetStudy("s"));
  EXPECT_EQ(info.trial_count, int64_t(all.size()));
}

}  // namespace
}  // namespace strata::trials
