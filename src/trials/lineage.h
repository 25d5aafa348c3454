// Lineage: what a run read and produced, walked back through the catalog (issue 14, second half).
//
// A run's inputs_json may name what it read:
//   {"tables": [{"name": "trades", "from": NS, "to": NS, "symbols": ["AAPL"]}],
//    "runs": [12, 13], "studies": [{"name": "mom", "trials": [4, 7]}], "models": ["alpha@3"]}
// (every key optional; "from"/"to" nanoseconds since the epoch, [from, to)). Lineage resolves
// the tables to the files that hold those rows now (uri, tier, checksum), lists the trials the
// run produced (trials.run_id) and recurses into the input runs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "catalog/catalog.h"
#include "strata/status.h"

namespace strata::trials {

// NotFound naming the id when there is no such run.
Result<RunRecord> GetRun(Catalog* catalog, int64_t id);

// The lineage tree of run `id` as JSON: {"run": {...}, "trials": [...], "tables": [{..., "files":
// [...]}], "studies": [...], "models": [...], "inputs": [subtrees of the input runs]}. Cycles and
// depth beyond `max_depth` are cut (a node {"run_id": N, "cut": true}).
Result<nlohmann::json> RunLineage(Catalog* catalog, int64_t id, int max_depth = 16);

// Indented text for people.
std::string LineageText(const nlohmann::json& tree, int indent = 0);

}  // namespace strata::trials
