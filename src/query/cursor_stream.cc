#include "query/cursor_stream.h"

namespace strata::query {
namespace {

class CursorStream final : public BatchStream {
 public:
  CursorStream(std::unique_ptr<ScanCursor> cursor, ScanCounters* counters)
      : cursor_(std::move(cursor)), counters_(counters) {
    if (counters_ != nullptr) {
      ++counters_->cursors;
      Count();
    }
  }
  const std::vector<Field>& fields() const override { return cursor_->fields(); }
  Result<bool> Next(RecordBatch* out) override {
    auto r = cursor_->Next(out);
    Count();
    return r;
  }

 private:
  void Count() {
    if (counters_ != nullptr) AccumulateScanStats(cursor_->stats(), &seen_, &counters_->stats);
  }

  std::unique_ptr<ScanCursor> cursor_;
  ScanCounters* counters_;
  ScanStats seen_;
};

}  // namespace

std::unique_ptr<BatchStream> MakeCursorStream(std::unique_ptr<ScanCursor> cursor, ScanCounters* counters) {
  return std::make_unique<CursorStream>(std::move(cursor), counters);
}

}  // namespace strata::query
