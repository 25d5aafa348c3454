#include "query/batch_stream.h"

#include <algorithm>
#include <queue>

namespace strata::query {

int FindField(const std::vector<Field>& fields, std::string_view name) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int TimestampField(const std::vector<Field>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].type == ColumnType::kTimestamp) return static_cast<int>(i);
  }
  return -1;
}

int SymbolField(const std::vector<Field>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].type == ColumnType::kSymbol) return static_cast<int>(i);
  }
  return -1;
}

namespace {

class VectorStream final : public BatchStream {
 public:
  VectorStream(std::vector<Field> fields, std::vector<RecordBatch> batches)
      : fields_(std::move(fields)), batches_(std::move(batches)) {
    if (!batches_.empty()) fields_ = batches_.front().fields();
  }
  const std::vector<Field>& fields() const override { return fields_; }
  Result<bool> Next(RecordBatch* out) override {
    while (pos_ < batches_.size()) {
      RecordBatch& b = batches_[pos_++];
      if (b.fields() != fields_) {
        return Status::InvalidArgument("batch " + std::to_string(pos_ - 1) + " has other fields than the first");
      }
      if (b.num_rows() == 0) continue;
      *out = std::move(b);
      return true;
    }
    return false;
  }

 private:
  std::vector<Field> fields_;
  std::vector<RecordBatch> batches_;
  size_t pos_ = 0;
};

class ConcatStream final : public BatchStream {
 public:
  explicit ConcatStream(std::vector<std::unique_ptr<BatchStream>> inputs) : inputs_(std::move(inputs)) {
    if (!inputs_.empty()) fields_ = inputs_.front()->fields();
    for (size_t i = 1; i < inputs_.size(); ++i) {
      if (inputs_[i]->fields() != fields_) {
        error_ = Status::InvalidArgument("concat: input " + std::to_string(i) + " has other fields than input 0");
      }
    }
  }
  const std::vector<Field>& fields() const override { return fields_; }
  Result<bool> Next(RecordBatch* out) override {
    RETURN_IF_ERROR(error_);
    while (pos_ < inputs_.size()) {
      ASSIGN_OR_RETURN(bool got, inputs_[pos_]->Next(out));
      if (got) return true;
      inputs_[pos_].reset();  // release its memory as soon as it is done
      ++pos_;
    }
    return false;
  }

 private:
  std::vector<std::unique_ptr<BatchStream>> inputs_;
  std::vector<Field> fields_;
  Status error_;
  size_t pos_ = 0;
};

class MergeByTsStream final : public BatchStream {
 public:
  MergeByTsStream(std::vector<std::unique_ptr<BatchStream>> inputs, size_t batch_rows)
      : inputs_(std::move(inputs)), batch_rows_(std::max<size_t>(batch_rows, 1)) {
    if (!inputs_.empty()) fields_ = inputs_.front()->fields();
    for (size_t i = 1; i < inputs_.size(); ++i) {
      if (inputs_[i]->fields() != fields_) {
        error_ = Status::InvalidArgument("merge: input " + std::to_string(i) + " has other fields than input 0");
      }
    }
    ts_ = TimestampField(fields_);
    if (!inputs_.empty() && ts_ < 0) error_ = Status::InvalidArgument("merge: the inputs have no timestamp column");
    heads_.resize(inputs_.size());
  }
  const std::vector<Field>& fields() const override { return fields_; }

  Result<bool> Next(RecordBatch* out) override {
    RETURN_IF_ERROR(error_);
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < inputs_.size(); ++i) RETURN_IF_ERROR(Refill(i));
    }
    *out = RecordBatch(fields_);
    while (out->num_rows() < batch_rows_ && !heap_.empty()) {
      auto [ts, i] = heap_.top();
      heap_.pop();
      Head& h = heads_[i];
      const std::vector<int64_t>& t = h.batch.column(ts_).int64s();
      // Take the run of rows of input i that come before every other input's head.
      int64_t limit = heap_.empty() ? INT64_MAX : heap_.top().first;
      size_t other = heap_.empty() ? SIZE_MAX : heap_.top().second;
      size_t end = h.pos;
      size_t max_end = std::min(h.batch.num_rows(), h.pos + (batch_rows_ - out->num_rows()));
      // Ties go to the lower input index.
      while (end < max_end && (t[end] < limit || (t[end] == limit && i < other))) ++end;
      if (end == h.pos) end = h.pos + 1;  // the top of the heap always makes progress
      RETURN_IF_ERROR(out->Append(h.batch.Slice(h.pos, end - h.pos)));
      h.pos = end;
      RETURN_IF_ERROR(Refill(i));
    }
    return out->num_rows() > 0;
  }

 private:
  struct Head {
    RecordBatch batch;
    size_t pos = 0;
  };
  // Makes input i's head current (loading its next batch when used up) and pushes it on the heap.
  Status Refill(size_t i) {
    Head& h = heads_[i];
    while (h.pos >= h.batch.num_rows()) {
      if (!inputs_[i]) return Status::OK();
      ASSIGN_OR_RETURN(bool got, inputs_[i]->Next(&h.batch));
      h.pos = 0;
      if (!got) {
        inputs_[i].reset();
        h.batch = RecordBatch();
        return Status::OK();
      }
    }
    const std::vector<int64_t>& t = h.batch.column(ts_).int64s();
    if (h.pos > 0 && t[h.pos] < t[h.pos - 1]) {
      return Status::InvalidArgument("merge: input " + std::to_string(i) + " is not sorted by ts");
    }
    heap_.push({t[h.pos], i});
    return Status::OK();
  }

  struct Greater {
    bool operator()(const std::pair<int64_t, size_t>& a, const std::pair<int64_t, size_t>& b) const { return a > b; }
  };
  std::vector<std::unique_ptr<BatchStream>> inputs_;
  size_t batch_rows_;
  std::vector<Field> fields_;
  Status error_;
  int ts_ = -1;
  bool started_ = false;
  std::vector<Head> heads_;
  std::priority_queue<std::pair<int64_t, size_t>, std::vector<std::pair<int64_t, size_t>>, Greater> heap_;
};

class LimitStream final : public BatchStream {
 public:
  LimitStream(std::unique_ptr<BatchStream> input, uint64_t limit) : input_(std::move(input)), left_(limit) {}
  const std::vector<Field>& fields() const override { return input_->fields(); }
  Result<bool> Next(RecordBatch* out) override {
    if (left_ == 0) return false;
    ASSIGN_OR_RETURN(bool got, input_->Next(out));
    if (!got) return false;
    if (out->num_rows() > left_) *out = out->Slice(0, left_);
    left_ -= out->num_rows();
    return true;
  }

 private:
  std::unique_ptr<BatchStream> input_;
  uint64_t left_;
};

class ProjectStream final : public BatchStream {
 public:
  ProjectStream(std::unique_ptr<BatchStream> input, std::vector<int> indices)
      : input_(std::move(input)), indices_(std::move(indices)) {
    for (int i : indices_) fields_.push_back(input_->fields()[i]);
  }
  const std::vector<Field>& fields() const override { return fields_; }
  Result<bool> Next(RecordBatch* out) override {
    ASSIGN_OR_RETURN(bool got, input_->Next(&in_));
    if (!got) return false;
    std::vector<Column> cols;
    cols.reserve(indices_.size());
    for (int i : indices_) cols.push_back(std::move(in_.column(i)));
    *out = RecordBatch(fields_, std::move(cols));
    return true;
  }

 private:
  std::unique_ptr<BatchStream> input_;
  std::vector<int> indices_;
  std::vector<Field> fields_;
  RecordBatch in_;
};

}  // namespace

std::unique_ptr<BatchStream> MakeVectorStream(std::vector<Field> fields, std::vector<RecordBatch> batches) {
  return std::make_unique<VectorStream>(std::move(fields), std::move(batches));
}

std::unique_ptr<BatchStream> MakeConcatStream(std::vector<std::unique_ptr<BatchStream>> inputs) {
  return std::make_unique<ConcatStream>(std::move(inputs));
}

std::unique_ptr<BatchStream> MakeMergeByTsStream(std::vector<std::unique_ptr<BatchStream>> inputs, size_t batch_rows) {
  return std::make_unique<MergeByTsStream>(std::move(inputs), batch_rows);
}

std::unique_ptr<BatchStream> MakeLimitStream(std::unique_ptr<BatchStream> input, uint64_t limit) {
  return std::make_unique<LimitStream>(std::move(input), limit);
}

Result<std::unique_ptr<BatchStream>> MakeProjectStream(std::unique_ptr<BatchStream> input,
                                                       const std::vector<std::string>& columns) {
  std::vector<int> indices;
  for (const std::string& c : columns) {
    int i = FindField(input->fields(), c);
    if (i < 0) {
      std::string names;
      for (const Field& f : input->fields()) names += (names.empty() ? "" : ", ") + f.name;
      return Status::NotFound("unknown column '" + c + "' (columns: " + names + ")");
    }
    indices.push_back(i);
  }
  return std::unique_ptr<BatchStream>(std::make_unique<ProjectStream>(std::move(input), std::move(indices)));
}

Result<RecordBatch> Collect(BatchStream* stream) {
  RecordBatch all(stream->fields());
  RecordBatch b;
  while (true) {
    ASSIGN_OR_RETURN(bool got, stream->Next(&b));
    if (!got) break;
    RETURN_IF_ERROR(all.Append(b));
  }
  return all;
}

}  // namespace strata::query
