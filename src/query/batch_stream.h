// BatchStream (declared in include/strata/query.h): a pull iterator of column batches, the
// interface every query operator consumes and produces (scan adapters, bars, as-of join, filter,
// limit, output). Here: the adapters over it.
//
// Ordering contract of a "grouped" stream (what Database::Scan gives and what bars and the as-of
// join need): all rows of one symbol are contiguous, symbols in ascending (byte-wise) order, and
// rows of a symbol are in non-decreasing ts order. A batch may hold several symbols. A "merged"
// stream (MergeByTs) instead orders rows by ts across symbols (ties: input order).
//
// Streams are single-threaded; a stream owns its inputs.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/query.h"
#include "strata/status.h"

namespace strata::query {

// Hands out the given batches in order (empty ones skipped). `fields` is used when `batches` is
// empty; otherwise every batch must have the first batch's fields (checked: InvalidArgument).
std::unique_ptr<BatchStream> MakeVectorStream(std::vector<Field> fields, std::vector<RecordBatch> batches);

// All batches of the first input, then of the second, ... Inputs must share fields (checked at
// construction; the error is returned by the first Next).
std::unique_ptr<BatchStream> MakeConcatStream(std::vector<std::unique_ptr<BatchStream>> inputs);

// Merges inputs that are each ts-sorted into one ts-sorted stream (k-way merge; on equal ts the
// input listed first wins). Used for "merged across symbols" output of per-symbol streams.
// Output batches hold up to `batch_rows` rows.
std::unique_ptr<BatchStream> MakeMergeByTsStream(std::vector<std::unique_ptr<BatchStream>> inputs,
                                                 size_t batch_rows = 65536);

// At most `limit` rows of `input`.
std::unique_ptr<BatchStream> MakeLimitStream(std::unique_ptr<BatchStream> input, uint64_t limit);

// Only the named columns of `input`, in that order. NotFound for an unknown name.
Result<std::unique_ptr<BatchStream>> MakeProjectStream(std::unique_ptr<BatchStream> input,
                                                       const std::vector<std::string>& columns);

// Drains `stream` into one batch (tests and small results).
Result<RecordBatch> Collect(BatchStream* stream);

// Index of the field called `name` in `fields`, or -1.
int FindField(const std::vector<Field>& fields, std::string_view name);
// Index of the first timestamp / symbol field, or -1.
int TimestampField(const std::vector<Field>& fields);
int SymbolField(const std::vector<Field>& fields);

}  // namespace strata::query
