// Sinks: where a query's stream ends up.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "query/batch_stream.h"
#include "strata/file_system.h"

namespace strata::query {

// Writes every batch of `stream` to a Parquet file at `path` (atomically: the file appears only
// when complete). Returns the number of rows written.
Result<uint64_t> WriteStreamToParquet(FileSystem* fs, const std::string& path, BatchStream* stream);

// Calls `fn` on every batch; returns the number of rows.
Result<uint64_t> Drain(BatchStream* stream, const std::function<void(const RecordBatch&)>& fn = {});

}  // namespace strata::query
