// The model registry's rows (tables artifact_models, model_versions, model_aliases; catalog
// migrations), as the catalog's typed calls see them: included by catalog.h, whose Catalog
// declares the calls (defined in model_records.cc). The model store (src/artifacts) works with
// these records and never with the tables' SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata {

// One version of a model.
struct ModelVersionRecord {
  std::string model;
  int64_t version = 0;
  int64_t version_id = 0;  // catalog row id, unique forever
  uint64_t size = 0;
  std::string sha256;
  uint64_t chunk_count = 0;
  std::string meta_json, metrics_json;
  std::optional<int64_t> run_id;
  std::string stage;
  std::vector<std::string> aliases;  // stored aliases; "latest" is implicit (the highest version)
  int64_t created_at_ns = 0;
};

// A model and its versions at a glance.
struct ModelSummaryRecord {
  std::string name;
  int64_t versions = 0;
  int64_t latest = 0;  // the highest version (0: none)
  uint64_t bytes = 0;  // of all versions (before dedup)
};

// Which version of a model: the latest, a version number, or an alias.
struct ModelVersionRef {
  enum class Kind { kLatest, kNumber, kAlias } kind = Kind::kLatest;
  int64_t number = 0;  // kNumber
  std::string alias;   // kAlias
};

}  // namespace strata
