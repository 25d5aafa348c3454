#include "query/sort.h"

#include <algorithm>
#include <numeric>

#include "query/expr_keys.h"

namespace strata::query {

namespace {

class SortStream final : public BatchStream {
 public:
  SortStream(std::unique_ptr<BatchStream> input, std::vector<std::shared_ptr<const BoundExpr>> keys,
             std::vector<SortKey> specs, uint64_t offset, int64_t limit, SortOptions options)
      : input_(std::move(input)),
        keys_(std::move(keys)),
        specs_(std::move(specs)),
        offset_(offset),
        limit_(limit),
        options_(options) {
    ext_fields_ = input_->fields();
    for (size_t k = 0; k < keys_.size(); ++k) {
      ext_fields_.push_back({"__sort_key" + std::to_string(k), keys_[k]->column_type(), true});
    }
    buf_ = RecordBatch(ext_fields_);
  }
  const std::vector<Field>& fields() const override { return input_->fields(); }

  Result<bool> Next(RecordBatch* out) override {
    if (!sorted_) {
      RETURN_IF_ERROR(Consume());
      sorted_ = true;
      pos_ = std::min<uint64_t>(offset_, order_.size());
      end_ = limit_ < 0 ? order_.size() : std::min<uint64_t>(order_.size(), offset_ + static_cast<uint64_t>(limit_));
    }
    if (pos_ >= end_) return false;
    const size_t n = std::min<size_t>(end_ - pos_, std::max<size_t>(1, options_.batch_rows));
    std::span<const uint32_t> rows(order_.data() + pos_, n);
    pos_ += n;
    const size_t width = input_->fields().size();
    std::vector<Column> cols;
    for (size_t c = 0; c < width; ++c) cols.push_back(buf_.column(c).Take(rows));
    *out = RecordBatch(input_->fields(), std::move(cols));
    return true;
  }

 private:
  // a before b?
  bool Less(uint32_t a, uint32_t b) const {
    const size_t width = input_->fields().size();
    for (size_t k = 0; k < specs_.size(); ++k) {
      const Column& c = buf_.column(width + k);
      const bool na = c.IsNull(a), nb = c.IsNull(b);
      if (na || nb) {
        if (na == nb) continue;
        const bool nulls_first = specs_[k].nulls_first.value_or(false);
        return na == nulls_first;
      }
      int r = CompareValues(c, a, c, b);
      if (r == 0) continue;
      return specs_[k].descending ? r > 0 : r < 0;
    }
    return seq_[a] < seq_[b];
  }

  // Sorts `order_` over the buffer; with a limit keeps only the best `keep` rows and compacts.
  void SortBuffer(size_t keep) {
    order_.resize(buf_.num_rows());
    std::iota(order_.begin(), order_.end(), 0);
    auto less = [this](uint32_t a, uint32_t b) { return Less(a, b); };
    if (keep < order_.size()) {
      std::partial_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(keep), order_.end(), less);
      order_.resize(keep);
    } else {
      std::sort(order_.begin(), order_.end(), less);  // seq_ breaks ties: stable
    }
  }

  void Compact(size_t keep) {
    SortBuffer(keep);
    RecordBatch next = buf_.Take(order_);
    std::vector<uint64_t> next_seq(order_.size());
    for (size_t i = 0; i < order_.size(); ++i) next_seq[i] = seq_[order_[i]];
    buf_ = std::move(next);
    seq_ = std::move(next_seq);
  }

  Status Consume() {
    const bool top_n = limit_ >= 0;
    const uint64_t keep = top_n ? offset_ + static_cast<uint64_t>(limit_) : 0;
    if (top_n && keep == 0) return Status::OK();
    RecordBatch in;
    uint64_t next_seq = 0;
    while (true) {
      ASSIGN_OR_RETURN(bool got, input_->Next(&in));
      if (!got) break;
      std::vector<Column> key_cols;
      for (const auto& k : keys_) {
        ASSIGN_OR_RETURN(Column c, k->Evaluate(in));
        key_cols.push_back(std::move(c));
      }
      std::vector<Column> cols = std::move(in.columns());
      for (Column& c : key_cols) cols.push_back(std::move(c));
      RecordBatch ext(ext_fields_, std::move(cols));
      const size_t n = ext.num_rows();
      RETURN_IF_ERROR(buf_.Append(ext));
      for (size_t i = 0; i < n; ++i) seq_.push_back(next_seq++);
      if (top_n && buf_.num_rows() >= std::max<uint64_t>(2 * keep, 4096)) Compact(static_cast<size_t>(keep));
      if (options_.max_rows && buf_.num_rows() > options_.max_rows) {
        if (top_n) {
          return Status::InvalidArgument("ORDER BY ... LIMIT " + std::to_string(limit_) + " OFFSET " +
                                         std::to_string(offset_) + " holds more than " +
                                         std::to_string(options_.max_rows) + " rows: lower the LIMIT or OFFSET");
        }
        return Status::InvalidArgument("ORDER BY without LIMIT over more than " + std::to_string(options_.max_rows) +
                                       " rows: add a LIMIT (a top-N sort holds only the rows it returns) or narrow "
                                       "the query");
      }
    }
    SortBuffer(top_n ? static_cast<size_t>(std::min<uint64_t>(keep, buf_.num_rows())) : buf_.num_rows());
    return Status::OK();
  }

  std::unique_ptr<BatchStream> input_;
  std::vector<std::shared_ptr<const BoundExpr>> keys_;
  std::vector<SortKey> specs_;
  uint64_t offset_;
  int64_t limit_;
  SortOptions options_;
  std::vector<Field> ext_fields_;
  RecordBatch buf_;            // input columns + key columns
  std::vector<uint64_t> seq_;  // input position of each buffered row
  std::vector<uint32_t> order_;
  bool sorted_ = false;
  uint64_t pos_ = 0, end_ = 0;
};

}  // namespace

Result<std::unique_ptr<BatchStream>> MakeSortStream(std::unique_ptr<BatchStream> input,
                                                    const std::vector<SortKey>& keys, uint64_t offset, int64_t limit,
                                                    SortOptions options) {
  std::vector<std::shared_ptr<const BoundExpr>> bound;
  for (const SortKey& k : keys) {
    ASSIGN_OR_RETURN(auto b, BoundExpr::Bind(k.expr, input->fields()));
    bound.push_back(std::move(b));
  }
  return std::unique_ptr<BatchStream>(new SortStream(std::move(input), std::move(bound), keys, offset, limit, options));
}

}  // namespace strata::query
