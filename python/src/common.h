// Shared pieces of the strata._core extension: engine errors as C++ exceptions that the module
// turns into strata.Error subclasses, and the batch object that owns the columns handed to NumPy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "strata/batch.h"
#include "strata/status.h"

namespace strata::python {

namespace py = pybind11;

// A non-OK Status on its way to Python. The module's exception translator raises the
// strata.Error subclass registered for its code (strata/_errors.py), with the engine's message.
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)) {}
  const char* what() const noexcept override { return status_.message().c_str(); }
  const Status& status() const { return status_; }

 private:
  Status status_;
};

inline void Check(const Status& status) {
  if (!status.ok()) throw StatusError(status);
}

template <typename T>
T Unwrap(Result<T> result) {
  if (!result.ok()) throw StatusError(result.status());
  return std::move(result).value();
}

// Rows the engine produced, owned by Python: NumPy arrays of its numeric columns are views into
// these vectors whose base is this object, so the batch lives as long as any array does.
struct Batch {
  RecordBatch batch;
};

// One RecordBatch from several with the same fields, sized once (a scan's batches concatenated).
// Moves the single batch when there is one: then the columns are the engine's own buffers.
RecordBatch Concatenate(std::vector<RecordBatch> batches, const std::vector<Field>& fields);

// Advice for a fresh buffer of `bytes` at `data` about to be written whole and handed to NumPy:
// transparent huge pages, and its pages mapped in one call (MADV_POPULATE_WRITE) instead of one
// page fault per 4 KiB page as the copy first touches them. On the VMs measured (BENCHMARKS.md,
// "db.read ... page faults") a 4 KiB fault cost tens of microseconds, which made a copy into
// fresh memory run at ~80 MB/s; advised, ~1 GB/s. No effect below 4 MiB; failures are ignored.
void PrepareFreshBuffer(const void* data, size_t bytes);

// Rows [begin, begin + rows) of Python columns of `total` rows as a batch of `fields` (see
// Database.append in module.cc). Needs the GIL.
RecordBatch BatchFromPython(const std::vector<Field>& fields, const py::list& columns, const py::list& masks,
                            size_t begin, size_t rows, size_t total);

void BindBatch(py::module_& m);
void BindModels(py::module_& m);
void BindTrials(py::module_& m);

}  // namespace strata::python
