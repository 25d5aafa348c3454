#include "query/project.h"

namespace strata::query {

Field OutputField(const std::string& name, const Expr& e, const BoundExpr& bound, const std::vector<Field>& input) {
  bool nullable = true;
  if (e->kind == ExprKind::kColumn) {
    const int i = FindField(input, e->name);
    if (i >= 0) {
      // A column as it is: its own type (an f32 stays f32, a timestamp keeps its precision).
      Field f = input[i];
      f.name = name;
      if (f.type == bound.column_type() || (f.type == ColumnType::kFloat32 && IsFloating(bound.column_type()))) {
        return f;
      }
      nullable = f.nullable;
    }
  }
  return {name, bound.column_type(), nullable};
}

namespace {

class ComputeStream final : public BatchStream {
 public:
  ComputeStream(std::unique_ptr<BatchStream> input, std::vector<std::shared_ptr<const BoundExpr>> exprs,
                std::vector<Field> fields)
      : input_(std::move(input)), exprs_(std::move(exprs)), fields_(std::move(fields)) {}
  const std::vector<Field>& fields() const override { return fields_; }
  Result<bool> Next(RecordBatch* out) override {
    ASSIGN_OR_RETURN(bool got, input_->Next(&in_));
    if (!got) return false;
    std::vector<Column> cols;
    cols.reserve(exprs_.size());
    for (const auto& e : exprs_) {
      ASSIGN_OR_RETURN(Column c, e->Evaluate(in_));
      cols.push_back(std::move(c));
    }
    *out = RecordBatch(fields_, std::move(cols));
    return true;
  }

 private:
  std::unique_ptr<BatchStream> input_;
  std::vector<std::shared_ptr<const BoundExpr>> exprs_;
  std::vector<Field> fields_;
  RecordBatch in_;
};

class WhereStream final : public BatchStream {
 public:
  WhereStream(std::unique_ptr<BatchStream> input, std::shared_ptr<const BoundExpr> pred)
      : input_(std::move(input)), pred_(std::move(pred)) {}
  const std::vector<Field>& fields() const override { return input_->fields(); }
  Result<bool> Next(RecordBatch* out) override {
    while (true) {
      ASSIGN_OR_RETURN(bool got, input_->Next(&in_));
      if (!got) return false;
      RETURN_IF_ERROR(pred_->Select(in_, &sel_));
      if (sel_.empty()) continue;
      *out = sel_.size() == in_.num_rows() ? std::move(in_) : in_.Take(sel_);
      return true;
    }
  }

 private:
  std::unique_ptr<BatchStream> input_;
  std::shared_ptr<const BoundExpr> pred_;
  RecordBatch in_;
  std::vector<uint32_t> sel_;
};

class OffsetLimitStream final : public BatchStream {
 public:
  OffsetLimitStream(std::unique_ptr<BatchStream> input, uint64_t offset, int64_t limit)
      : input_(std::move(input)), skip_(offset), left_(limit) {}
  const std::vector<Field>& fields() const override { return input_->fields(); }
  Result<bool> Next(RecordBatch* out) override {
    while (left_ != 0) {
      ASSIGN_OR_RETURN(bool got, input_->Next(&in_));
      if (!got) return false;
      size_t begin = 0, n = in_.num_rows();
      if (skip_ > 0) {
        const size_t s = static_cast<size_t>(std::min<uint64_t>(skip_, n));
        skip_ -= s;
        begin = s;
        n -= s;
      }
      if (left_ > 0) n = static_cast<size_t>(std::min<int64_t>(left_, static_cast<int64_t>(n)));
      if (n == 0) continue;
      if (left_ > 0) left_ -= static_cast<int64_t>(n);
      *out = begin == 0 && n == in_.num_rows() ? std::move(in_) : in_.Slice(begin, n);
      return true;
    }
    return false;
  }

 private:
  std::unique_ptr<BatchStream> input_;
  uint64_t skip_;
  int64_t left_;
  RecordBatch in_;
};

}  // namespace

Result<std::unique_ptr<BatchStream>> MakeComputeStream(std::unique_ptr<BatchStream> input,
                                                       const std::vector<NamedExpr>& exprs) {
  std::vector<std::shared_ptr<const BoundExpr>> bound;
  std::vector<Field> fields;
  for (const NamedExpr& ne : exprs) {
    ASSIGN_OR_RETURN(auto b, BoundExpr::Bind(ne.expr, input->fields()));
    fields.push_back(OutputField(ne.name, ne.expr, *b, input->fields()));
    bound.push_back(std::move(b));
  }
  return std::unique_ptr<BatchStream>(new ComputeStream(std::move(input), std::move(bound), std::move(fields)));
}

Result<std::unique_ptr<BatchStream>> MakeWhereStream(std::unique_ptr<BatchStream> input, const Expr& predicate) {
  ASSIGN_OR_RETURN(auto b, BoundExpr::Bind(predicate, input->fields()));
  if (b->type() != ExprType::kBool && b->type() != ExprType::kNull) {
    return Status::InvalidArgument("WHERE '" + b->text() + "' is " + std::string(ExprTypeName(b->type())) +
                                   ", not a condition (bool)");
  }
  return std::unique_ptr<BatchStream>(new WhereStream(std::move(input), std::move(b)));
}

std::unique_ptr<BatchStream> MakeOffsetLimitStream(std::unique_ptr<BatchStream> input, uint64_t offset, int64_t limit) {
  return std::make_unique<OffsetLimitStream>(std::move(input), offset, limit);
}

}  // namespace strata::query
