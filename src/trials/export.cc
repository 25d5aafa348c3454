// A study's trials as one Parquet file (see TrialStore::ExportParquet), through src/parquet.
#include <nlohmann/json.hpp>

#include "parquet/parquet_writer.h"
#include "strata/batch.h"
#include "strata/file_system.h"
#include "strata/trials.h"

namespace strata::trials {

RecordBatch TrialsToBatch(const StudyInfo& info, std::span<const Trial> trials) {
  // Column names follow Optuna's trials_dataframe: values_<objective>, params_<param>.
  std::vector<Field> fields = {
      {"number", ColumnType::kInt64, false},         {"state", ColumnType::kString, false},
      {"worker", ColumnType::kString, false},        {"started_at", ColumnType::kTimestamp, false},
      {"finished_at", ColumnType::kTimestamp, true}, {"run_id", ColumnType::kInt64, true}};
  const size_t first_value = fields.size();
  for (const Objective& o : info.spec.objectives) fields.push_back({"values_" + o.name, ColumnType::kFloat64, true});
  const size_t first_param = fields.size();
  std::vector<std::pair<std::string, ParamType>> params(info.param_types.begin(), info.param_types.end());
  for (const auto& [name, type] : params) {
    ColumnType ct = type == ParamType::kFloat ? ColumnType::kFloat64
                    : type == ParamType::kInt ? ColumnType::kInt64
                                              : ColumnType::kString;
    fields.push_back({"params_" + name, ct, true});
  }
  fields.push_back({"user_attrs", ColumnType::kString, false});
  fields.push_back({"intermediate", ColumnType::kString, false});
  RecordBatch batch(fields);
  for (const Trial& t : trials) {
    batch.column(0).AppendInt64(t.number);
    batch.column(1).AppendString(TrialStateName(t.state));
    batch.column(2).AppendString(t.worker);
    batch.column(3).AppendInt64(t.started_at_ns);
    if (t.finished_at_ns) {
      batch.column(4).AppendInt64(*t.finished_at_ns);
    } else {
      batch.column(4).AppendNull();
    }
    if (t.run_id) {
      batch.column(5).AppendInt64(*t.run_id);
    } else {
      batch.column(5).AppendNull();
    }
    for (size_t k = 0; k < info.spec.objectives.size(); ++k) {
      Column& c = batch.column(first_value + k);
      if (k < t.values.size()) {
        c.AppendDouble(t.values[k]);
      } else {
        c.AppendNull();
      }
    }
    nlohmann::json p = nlohmann::json::parse(t.params_json, nullptr, false);
    for (size_t k = 0; k < params.size(); ++k) {
      Column& c = batch.column(first_param + k);
      const nlohmann::json* v = nullptr;
      if (p.is_object()) {
        auto it = p.find(params[k].first);
        if (it != p.end()) v = &*it;
      }
      if (v == nullptr) {
        c.AppendNull();
      } else if (params[k].second == ParamType::kFloat && v->is_number()) {
        c.AppendDouble(v->get<double>());
      } else if (params[k].second == ParamType::kInt && v->is_number_integer()) {
        c.AppendInt64(v->get<int64_t>());
      } else if (params[k].second == ParamType::kCategorical && v->is_string()) {
        c.AppendString(v->get<std::string>());
      } else {
        c.AppendNull();
      }
    }
    batch.column(fields.size() - 2).AppendString(t.user_attrs_json);
    nlohmann::json steps = nlohmann::json::object();
    for (const auto& [step, v] : t.intermediate) steps[std::to_string(step)] = v;
    batch.column(fields.size() - 1).AppendString(steps.dump());
  }
  return batch;
}

Status TrialStore::ExportParquet(std::string_view study, const std::string& path) {
  ASSIGN_OR_RETURN(StudyInfo info, GetStudy(study));
  ASSIGN_OR_RETURN(std::vector<Trial> trials, ListTrials(study));
  RecordBatch batch = TrialsToBatch(info, trials);
  parquet::WriterOptions options;
  options.atomic = true;
  options.timestamp_adjusted_to_utc = false;  // DuckDB reads TIMESTAMP_NS exactly
  return parquet::WriteParquetFile(DefaultFileSystem(), path, batch, options)
      .WithContext("export of study '" + std::string(study) + "' to " + path);
}

}  // namespace strata::trials
