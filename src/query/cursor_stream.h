// A Database scan cursor as a BatchStream: a grouped stream (batch_stream.h) of the cursor's
// batches, which also adds what the cursor read to a plan's ScanCounters as it advances.
#pragma once

#include <memory>

#include "query/batch_stream.h"
#include "query/plan.h"
#include "strata/database.h"

namespace strata::query {

// `counters` may be null; otherwise it must outlive the stream.
std::unique_ptr<BatchStream> MakeCursorStream(std::unique_ptr<ScanCursor> cursor, ScanCounters* counters);

}  // namespace strata::query
