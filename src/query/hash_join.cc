#include "query/hash_join.h"

#include "query/expr_keys.h"

namespace strata::query {

namespace {

bool IntLike(ExprType t) { return t == ExprType::kInt32 || t == ExprType::kInt64; }
bool Str(ExprType t) { return t == ExprType::kString || t == ExprType::kSymbol; }

class HashJoinStream final : public BatchStream {
 public:
  HashJoinStream(std::unique_ptr<BatchStream> left, std::unique_ptr<BatchStream> right,
                 std::vector<std::shared_ptr<const BoundExpr>> lkeys,
                 std::vector<std::shared_ptr<const BoundExpr>> rkeys, JoinType type, HashJoinOptions options)
      : left_(std::move(left)),
        right_(std::move(right)),
        lkeys_(std::move(lkeys)),
        rkeys_(std::move(rkeys)),
        type_(type),
        options_(std::move(options)) {
    fields_ = left_->fields();
    for (Field f : right_->fields()) {
      f.name = options_.right_prefix + f.name;
      if (type_ == JoinType::kLeft) f.nullable = true;
      fields_.push_back(f);
    }
  }
  const std::vector<Field>& fields() const override { return fields_; }

  Result<bool> Next(RecordBatch* out) override {
    if (!built_) {
      RETURN_IF_ERROR(Build());
      built_ = true;
    }
    const size_t cap = std::max<size_t>(1, options_.batch_rows);
    std::vector<uint32_t> lrows;
    std::vector<int64_t> rrows;  // -1: no match (left join)
    while (lrows.size() < cap) {
      if (probe_row_ >= probe_.num_rows()) {
        if (!lrows.empty()) break;  // emit what this batch produced first
        ASSIGN_OR_RETURN(bool got, left_->Next(&probe_));
        if (!got) return false;
        probe_keys_.resize(lkeys_.size());
        probe_ptrs_.clear();
        for (size_t k = 0; k < lkeys_.size(); ++k) {
          ASSIGN_OR_RETURN(const Column* c, lkeys_[k]->EvaluateView(probe_, &probe_keys_[k]));
          probe_ptrs_.push_back(c);
        }
        HashKeyRows(probe_ptrs_, &probe_hashes_);
        probe_row_ = 0;
        chain_ = -2;
        continue;
      }
      const size_t i = probe_row_;
      if (chain_ == -2) {  // start of this probe row
        matched_ = false;
        chain_ = AnyKeyNull(probe_ptrs_, i) || heads_.empty() ? -1 : heads_[probe_hashes_[i] & (heads_.size() - 1)];
      }
      while (chain_ >= 0 && lrows.size() < cap) {
        const uint32_t j = static_cast<uint32_t>(chain_);
        chain_ = next_[j];
        if (build_hashes_[j] == probe_hashes_[i] && KeyRowsEqual(probe_ptrs_, i, build_ptrs_, j)) {
          lrows.push_back(static_cast<uint32_t>(i));
          rrows.push_back(j);
          matched_ = true;
        }
      }
      if (chain_ >= 0) break;  // batch full mid-chain: resume here
      if (!matched_ && type_ == JoinType::kLeft) {
        if (lrows.size() >= cap) break;
        lrows.push_back(static_cast<uint32_t>(i));
        rrows.push_back(-1);
      }
      ++probe_row_;
      chain_ = -2;
    }
    std::vector<Column> cols;
    for (const Column& c : probe_.columns()) cols.push_back(c.Take(lrows));
    bool all_matched = true;
    for (int64_t r : rrows) all_matched &= r >= 0;
    for (const Column& c : build_.columns()) {
      if (all_matched) {
        std::vector<uint32_t> idx(rrows.begin(), rrows.end());
        cols.push_back(c.Take(idx));
      } else {
        Column o(c.type());
        o.Reserve(rrows.size());
        for (int64_t r : rrows) {
          if (r < 0) {
            o.AppendNull();
          } else {
            o.AppendFrom(c, static_cast<size_t>(r));
          }
        }
        cols.push_back(std::move(o));
      }
    }
    *out = RecordBatch(fields_, std::move(cols));
    return true;
  }

 private:
  Status Build() {
    build_ = RecordBatch(right_->fields());
    std::vector<Field> key_fields;
    for (size_t k = 0; k < rkeys_.size(); ++k)
      key_fields.push_back({"k" + std::to_string(k), rkeys_[k]->column_type(), true});
    build_key_batch_ = RecordBatch(key_fields);
    RecordBatch in;
    while (true) {
      ASSIGN_OR_RETURN(bool got, right_->Next(&in));
      if (!got) break;
      std::vector<Column> kc;
      for (const auto& k : rkeys_) {
        ASSIGN_OR_RETURN(Column c, k->Evaluate(in));
        kc.push_back(std::move(c));
      }
      RETURN_IF_ERROR(build_key_batch_.Append(RecordBatch(key_fields, std::move(kc))));
      RETURN_IF_ERROR(build_.Append(in));
      if (options_.max_build_rows && build_.num_rows() > options_.max_build_rows) {
        return Status::InvalidArgument("join: the right side has more than " + std::to_string(options_.max_build_rows) +
                                       " rows, the most a hash join holds in memory; put the smaller table on the "
                                       "right or filter it");
      }
    }
    for (const Column& c : build_key_batch_.columns()) build_ptrs_.push_back(&c);
    const size_t n = build_.num_rows();
    if (n == 0) return Status::OK();
    HashKeyRows(build_ptrs_, &build_hashes_);
    size_t slots = 16;
    while (slots < 2 * n) slots *= 2;
    heads_.assign(slots, -1);
    next_.assign(n, -1);
    // Inserted back to front so that each chain lists rows in input order.
    for (size_t j = n; j-- > 0;) {
      if (AnyKeyNull(build_ptrs_, j)) continue;
      int64_t& head = heads_[build_hashes_[j] & (slots - 1)];
      next_[j] = head;
      head = static_cast<int64_t>(j);
    }
    return Status::OK();
  }

  std::unique_ptr<BatchStream> left_, right_;
  std::vector<std::shared_ptr<const BoundExpr>> lkeys_, rkeys_;
  JoinType type_;
  HashJoinOptions options_;
  std::vector<Field> fields_;
  bool built_ = false;
  RecordBatch build_, build_key_batch_;
  std::vector<const Column*> build_ptrs_;
  std::vector<uint64_t> build_hashes_;
  std::vector<int64_t> heads_, next_;
  RecordBatch probe_;
  std::vector<Column> probe_keys_;
  std::vector<const Column*> probe_ptrs_;
  std::vector<uint64_t> probe_hashes_;
  size_t probe_row_ = 0;
  int64_t chain_ = -2;  // next build row of the current chain; -1 end; -2 not started
  bool matched_ = false;
};

}  // namespace

Result<std::unique_ptr<BatchStream>> MakeHashJoinStream(std::unique_ptr<BatchStream> left,
                                                        std::unique_ptr<BatchStream> right,
                                                        const std::vector<std::pair<Expr, Expr>>& keys, JoinType type,
                                                        HashJoinOptions options) {
  if (keys.empty()) return Status::InvalidArgument("join: at least one key pair is needed (an equi-join)");
  std::vector<std::shared_ptr<const BoundExpr>> lk, rk;
  for (const auto& [l, r] : keys) {
    ASSIGN_OR_RETURN(auto bl, BoundExpr::Bind(l, left->fields()));
    ASSIGN_OR_RETURN(auto br, BoundExpr::Bind(r, right->fields()));
    const ExprType a = bl->type(), b = br->type();
    ExprType common = a;
    if (a == b || (Str(a) && Str(b))) {
      common = a;
    } else if (IntLike(a) && IntLike(b)) {
      common = ExprType::kInt64;
    } else if ((IntLike(a) || a == ExprType::kFloat64) && (IntLike(b) || b == ExprType::kFloat64)) {
      common = ExprType::kFloat64;
    } else if ((a == ExprType::kTimestamp && Str(b)) || (b == ExprType::kTimestamp && Str(a))) {
      common = ExprType::kTimestamp;
    } else {
      return Status::InvalidArgument("join: cannot compare key '" + bl->text() + "' (" + std::string(ExprTypeName(a)) +
                                     ") with '" + br->text() + "' (" + std::string(ExprTypeName(b)) + ")");
    }
    if (a != common && !(Str(a) && Str(common))) {
      ASSIGN_OR_RETURN(bl, BoundExpr::Bind(Cast(l, common), left->fields()));
    }
    if (b != common && !(Str(b) && Str(common))) {
      ASSIGN_OR_RETURN(br, BoundExpr::Bind(Cast(r, common), right->fields()));
    }
    lk.push_back(std::move(bl));
    rk.push_back(std::move(br));
  }
  return std::unique_ptr<BatchStream>(
      new HashJoinStream(std::move(left), std::move(right), std::move(lk), std::move(rk), type, std::move(options)));
}

}  // namespace strata::query
