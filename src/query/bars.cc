#include "query/bars.h"

#include <algorithm>
#include <string>

namespace strata::query {

Result<int64_t> ParseBarInterval(std::string_view text) { return bars::ParseBarInterval(text); }

std::vector<Field> BarFields() { return bars::BarFields(); }

namespace {

// A stream over the kernel: pulls input batches until an output batch is full.
class BarsStream final : public BatchStream {
 public:
  BarsStream(std::unique_ptr<BatchStream> input, bars::BarInput cols, int64_t interval, size_t batch_rows)
      : input_(std::move(input)),
        builder_(cols, interval),
        batch_rows_(std::max<size_t>(batch_rows, 1)),
        fields_(bars::BarFields()) {}

  const std::vector<Field>& fields() const override { return fields_; }

  Result<bool> Next(RecordBatch* out) override {
    *out = RecordBatch(fields_);
    while (!eof_ && out->num_rows() < batch_rows_) {
      ASSIGN_OR_RETURN(bool got, input_->Next(&in_));
      if (!got) {
        eof_ = true;
        builder_.Finish(out);
        break;
      }
      RETURN_IF_ERROR(builder_.Consume(in_, out));
    }
    return out->num_rows() > 0;
  }

 private:
  std::unique_ptr<BatchStream> input_;
  bars::BarBuilder builder_;
  size_t batch_rows_;
  std::vector<Field> fields_;
  RecordBatch in_;
  bool eof_ = false;
};

}  // namespace

Result<std::unique_ptr<BatchStream>> MakeBarsStream(std::unique_ptr<BatchStream> input, int64_t interval_ns,
                                                    size_t batch_rows) {
  if (interval_ns < kMinBarInterval || interval_ns > kMaxBarInterval) {
    return Status::InvalidArgument("bar interval of " + std::to_string(interval_ns) + " ns is outside 1s..1d");
  }
  ASSIGN_OR_RETURN(bars::BarInput cols, bars::DetectBarInput(input->fields()));
  return std::unique_ptr<BatchStream>(std::make_unique<BarsStream>(std::move(input), cols, interval_ns, batch_rows));
}

}  // namespace strata::query
