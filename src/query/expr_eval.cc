// Vectorised evaluation of bound expressions: column references, constants, arithmetic,
// comparisons, three-valued logic, CASE, IN, IS NULL, LIKE, ||.
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "query/expr_internal.h"

namespace strata::query::expr_internal {

int64_t Vec::i64(size_t i) const {
  const Column& col = c();
  const size_t k = ix(i);
  switch (col.type()) {
    case ColumnType::kInt32: return col.int32s()[k];
    case ColumnType::kBool: return col.bools()[k];
    default: return col.int64s()[k];
  }
}

double Vec::f64(size_t i) const {
  const Column& col = c();
  return IsFloating(col.type()) ? col.doubles()[ix(i)] : static_cast<double>(i64(i));
}

Status Node::Error(const std::string& what) const {
  return Status::InvalidArgument((where.empty() ? "" : where + ": ") + what + " in '" + text + "'");
}

ColumnType StorageType(ExprType t) {
  switch (t) {
    case ExprType::kNull:
    case ExprType::kInterval: return ColumnType::kInt32;
    default: return static_cast<ColumnType>(t);
  }
}

Column ConstColumn(const Value& v) {
  Column c(StorageType(v.type));
  if (v.is_null || v.type == ExprType::kInterval) {
    c.AppendNull();
    if (v.type == ExprType::kInterval && !v.is_null) c.validity().clear();
    return c;
  }
  switch (v.type) {
    case ExprType::kBool: c.AppendBool(v.i != 0); break;
    case ExprType::kInt32: c.AppendInt32(static_cast<int32_t>(v.i)); break;
    case ExprType::kInt64:
    case ExprType::kTimestamp: c.AppendInt64(v.i); break;
    case ExprType::kFloat64: c.AppendDouble(v.d); break;
    case ExprType::kString:
    case ExprType::kSymbol: c.AppendString(v.s); break;
    default: c.AppendNull();
  }
  return c;
}

Value ValueAt(const Vec& v, size_t i, ExprType t) {
  if (t == ExprType::kNull || v.null(i)) return Value::NullOf(t);
  switch (t) {
    case ExprType::kBool: return Value::Bool(v.i64(i) != 0);
    case ExprType::kInt32: return Value::Int32(static_cast<int32_t>(v.i64(i)));
    case ExprType::kInt64: return Value::Int64(v.i64(i));
    case ExprType::kTimestamp: return Value::Timestamp(v.i64(i));
    case ExprType::kFloat64: return Value::Float64(v.f64(i));
    case ExprType::kString:
    case ExprType::kSymbol: {
      Value out = Value::String(std::string(v.str(i)));
      out.type = t;
      return out;
    }
    default: return Value::NullOf(t);
  }
}

std::vector<uint8_t> AndValidity(const std::vector<const Vec*>& inputs, size_t n) {
  std::vector<uint8_t> out;
  for (const Vec* v : inputs) {
    if (v->all_valid()) continue;
    if (out.empty()) out.assign(n, 1);
    const uint8_t* valid = v->c().validity().data();
    if (v->constant) {
      if (!valid[0]) std::fill(out.begin(), out.end(), 0);
    } else {
      for (size_t i = 0; i < n; ++i) out[i] &= valid[i];
    }
  }
  return out;
}

void Seal(Column* out, std::vector<uint8_t> validity) {
  out->validity() = std::move(validity);
  Status st = out->SetSizeFromStorage();
  (void)st;
}

Status KernelNode::Eval(const Ctx& ctx, Vec* out) const {
  std::vector<Vec> in(children_.size());
  bool all_const = true;
  for (size_t k = 0; k < children_.size(); ++k) {
    RETURN_IF_ERROR(children_[k]->Eval(ctx, &in[k]));
    all_const &= in[k].constant;
  }
  out->ext = nullptr;
  out->owned = Column(StorageType(type));
  out->constant = all_const;
  return kernel_(*this, in, all_const ? 1 : ctx.n, &out->owned);
}

namespace {

// Calls f(i, ia, ib) for each row i with the rows of a and b to read (0 for constants).
template <class F>
inline void ForEach2(const Vec& a, const Vec& b, size_t n, F f) {
  if (a.constant && b.constant) {
    for (size_t i = 0; i < n; ++i) f(i, 0, 0);
  } else if (a.constant) {
    for (size_t i = 0; i < n; ++i) f(i, 0, i);
  } else if (b.constant) {
    for (size_t i = 0; i < n; ++i) f(i, i, 0);
  } else {
    for (size_t i = 0; i < n; ++i) f(i, i, i);
  }
}

class ColumnNode final : public Node {
 public:
  explicit ColumnNode(int index) : index_(index) {}
  Status Eval(const Ctx& ctx, Vec* out) const override {
    const Column& col = ctx.batch->column(index_);
    out->constant = false;
    if (ctx.sel) {
      out->ext = nullptr;
      out->owned = col.Take(*ctx.sel);
    } else {
      out->ext = &col;
    }
    return Status::OK();
  }

 private:
  int index_;
};

class ConstNode final : public Node {
 public:
  explicit ConstNode(Column c) : col_(std::move(c)) {}
  Status Eval(const Ctx&, Vec* out) const override {
    out->ext = &col_;
    out->constant = true;
    return Status::OK();
  }

 private:
  Column col_;
};

// Integer view of a vector of i32/i64/timestamp/bool values: a pointer to its int64s or a copy.
struct IntView {
  const int64_t* p;
  std::vector<int64_t> tmp;
  explicit IntView(const Vec& v, size_t n) {
    const Column& c = v.c();
    if (c.type() == ColumnType::kInt64 || c.type() == ColumnType::kTimestamp) {
      p = c.int64s().data();
      return;
    }
    const size_t m = v.constant ? 1 : n;
    tmp.resize(m);
    for (size_t i = 0; i < m; ++i) tmp[i] = v.i64(i);
    p = tmp.data();
  }
};

class ArithNode final : public Node {
 public:
  ArithNode(BinaryOp op, NodePtr a, NodePtr b) : op_(op), a_(std::move(a)), b_(std::move(b)) {}

  Status Eval(const Ctx& ctx, Vec* out) const override {
    Vec a, b;
    RETURN_IF_ERROR(a_->Eval(ctx, &a));
    RETURN_IF_ERROR(b_->Eval(ctx, &b));
    out->constant = a.constant && b.constant;
    const size_t n = out->constant ? 1 : ctx.n;
    std::vector<uint8_t> valid = AndValidity({&a, &b}, n);
    Column col(StorageType(type));
    auto set_null = [&](size_t i) {
      if (valid.empty()) valid.assign(n, 1);
      valid[i] = 0;
    };
    if (type == ExprType::kFloat64) {
      const double* x = a.c().doubles().data();
      const double* y = b.c().doubles().data();
      std::vector<double>& o = col.doubles();
      o.resize(n);
      switch (op_) {
        case BinaryOp::kAdd: ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) { o[i] = x[p] + y[q]; }); break;
        case BinaryOp::kSub: ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) { o[i] = x[p] - y[q]; }); break;
        case BinaryOp::kMul: ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) { o[i] = x[p] * y[q]; }); break;
        case BinaryOp::kDiv:
        case BinaryOp::kIntDiv:
          ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) {
            if (y[q] == 0) {
              o[i] = 0;
              set_null(i);
            } else {
              o[i] = x[p] / y[q];
            }
          });
          break;
        case BinaryOp::kMod:
          ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) {
            if (y[q] == 0) {
              o[i] = 0;
              set_null(i);
            } else {
              o[i] = std::fmod(x[p], y[q]);
            }
          });
          break;
        default: return Status::Internal("bad arithmetic op");
      }
    } else {
      IntView xa(a, n), xb(b, n);
      const int64_t* x = xa.p;
      const int64_t* y = xb.p;
      std::vector<int64_t> o(n);
      std::vector<uint8_t> bad(n, 0);
      bool any_bad = false;
      switch (op_) {
        case BinaryOp::kAdd:
          ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) { bad[i] = __builtin_add_overflow(x[p], y[q], &o[i]); });
          break;
        case BinaryOp::kSub:
          ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) { bad[i] = __builtin_sub_overflow(x[p], y[q], &o[i]); });
          break;
        case BinaryOp::kMul:
          ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) { bad[i] = __builtin_mul_overflow(x[p], y[q], &o[i]); });
          break;
        case BinaryOp::kDiv:
        case BinaryOp::kIntDiv:
        case BinaryOp::kMod:
          ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) {
            if (y[q] == 0) {
              o[i] = 0;
              set_null(i);
            } else if (y[q] == -1 && x[p] == std::numeric_limits<int64_t>::min()) {
              bad[i] = 1;
            } else {
              o[i] = op_ == BinaryOp::kMod ? x[p] % y[q] : x[p] / y[q];
            }
          });
          break;
        default: return Status::Internal("bad arithmetic op");
      }
      const bool i32 = type == ExprType::kInt32;
      for (size_t i = 0; i < n; ++i) {
        if (i32 && (o[i] < INT32_MIN || o[i] > INT32_MAX)) bad[i] = 1;
        any_bad |= bad[i] && (valid.empty() || valid[i]);
      }
      if (any_bad) {
        for (size_t i = 0; i < n; ++i) {
          if (bad[i] && (valid.empty() || valid[i])) {
            return Error("Out of range: overflow of " + std::string(ExprTypeName(type)) + " in " +
                         std::to_string(x[a.ix(i)]) + " " + BinaryOpText(op_) + " " + std::to_string(y[b.ix(i)]));
          }
        }
      }
      if (i32) {
        col.int32s().assign(o.begin(), o.end());
      } else {
        col.int64s() = std::move(o);
      }
    }
    Seal(&col, std::move(valid));
    out->ext = nullptr;
    out->owned = std::move(col);
    return Status::OK();
  }

 private:
  BinaryOp op_;
  NodePtr a_, b_;
};

template <class T, class Cmp>
void CompareLoop(const Vec& a, const Vec& b, size_t n, const T* x, const T* y, uint8_t* o, Cmp cmp) {
  ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) { o[i] = cmp(x[p], y[q]); });
}

bool CmpResult(int c, BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq: return c == 0;
    case BinaryOp::kNe: return c != 0;
    case BinaryOp::kLt: return c < 0;
    case BinaryOp::kLe: return c <= 0;
    case BinaryOp::kGt: return c > 0;
    default: return c >= 0;
  }
}

class CompareNode final : public Node {
 public:
  CompareNode(BinaryOp op, NodePtr a, NodePtr b) : op_(op), a_(std::move(a)), b_(std::move(b)) {}
  Status Eval(const Ctx& ctx, Vec* out) const override {
    Vec a, b;
    RETURN_IF_ERROR(a_->Eval(ctx, &a));
    RETURN_IF_ERROR(b_->Eval(ctx, &b));
    out->constant = a.constant && b.constant;
    const size_t n = out->constant ? 1 : ctx.n;
    Column col(ColumnType::kBool);
    std::vector<uint8_t>& o = col.bools();
    o.resize(n);
    const ColumnType ta = a.c().type();
    if (IsStringLike(ta)) {
      ForEach2(a, b, n, [&](size_t i, size_t p, size_t q) {
        o[i] = CmpResult(a.c().GetString(p).compare(b.c().GetString(q)), op_);
      });
    } else if (IsFloating(ta)) {
      const double* x = a.c().doubles().data();
      const double* y = b.c().doubles().data();
      switch (op_) {
        case BinaryOp::kEq:
          CompareLoop(a, b, n, x, y, o.data(), [](double p, double q) { return CompareDoubles(p, q) == 0; });
          break;
        case BinaryOp::kNe:
          CompareLoop(a, b, n, x, y, o.data(), [](double p, double q) { return CompareDoubles(p, q) != 0; });
          break;
        case BinaryOp::kLt:
          CompareLoop(a, b, n, x, y, o.data(), [](double p, double q) { return CompareDoubles(p, q) < 0; });
          break;
        case BinaryOp::kLe:
          CompareLoop(a, b, n, x, y, o.data(), [](double p, double q) { return CompareDoubles(p, q) <= 0; });
          break;
        case BinaryOp::kGt:
          CompareLoop(a, b, n, x, y, o.data(), [](double p, double q) { return CompareDoubles(p, q) > 0; });
          break;
        default:
          CompareLoop(a, b, n, x, y, o.data(), [](double p, double q) { return CompareDoubles(p, q) >= 0; });
          break;
      }
    } else {
      IntView xa(a, n), xb(b, n);
      const int64_t* x = xa.p;
      const int64_t* y = xb.p;
      switch (op_) {
        case BinaryOp::kEq: CompareLoop(a, b, n, x, y, o.data(), [](int64_t p, int64_t q) { return p == q; }); break;
        case BinaryOp::kNe: CompareLoop(a, b, n, x, y, o.data(), [](int64_t p, int64_t q) { return p != q; }); break;
        case BinaryOp::kLt: CompareLoop(a, b, n, x, y, o.data(), [](int64_t p, int64_t q) { return p < q; }); break;
        case BinaryOp::kLe: CompareLoop(a, b, n, x, y, o.data(), [](int64_t p, int64_t q) { return p <= q; }); break;
        case BinaryOp::kGt: CompareLoop(a, b, n, x, y, o.data(), [](int64_t p, int64_t q) { return p > q; }); break;
        default: CompareLoop(a, b, n, x, y, o.data(), [](int64_t p, int64_t q) { return p >= q; }); break;
      }
    }
    Seal(&col, AndValidity({&a, &b}, n));
    out->ext = nullptr;
    out->owned = std::move(col);
    return Status::OK();
  }

 private:
  BinaryOp op_;
  NodePtr a_, b_;
};

class LogicNode final : public Node {
 public:
  LogicNode(bool is_and, std::vector<NodePtr> kids) : and_(is_and), kids_(std::move(kids)) {}
  Status Eval(const Ctx& ctx, Vec* out) const override {
    std::vector<Vec> in(kids_.size());
    bool all_const = true;
    for (size_t k = 0; k < kids_.size(); ++k) {
      RETURN_IF_ERROR(kids_[k]->Eval(ctx, &in[k]));
      all_const &= in[k].constant;
    }
    const size_t n = all_const ? 1 : ctx.n;
    // AND: false wins, then null; OR: true wins, then null.
    std::vector<uint8_t> decided(n, 0), any_null(n, 0);
    const uint8_t winner = and_ ? 0 : 1;
    for (const Vec& v : in) {
      const Column& c = v.c();
      const uint8_t* b = c.bools().data();
      const bool has_nulls = !c.validity().empty();
      for (size_t i = 0; i < n; ++i) {
        const size_t k = v.ix(i);
        if (has_nulls && !c.validity()[k]) {
          any_null[i] = 1;
        } else if (b[k] == winner) {
          decided[i] = 1;
        }
      }
    }
    Column col(ColumnType::kBool);
    col.bools().resize(n);
    std::vector<uint8_t> valid;
    for (size_t i = 0; i < n; ++i) {
      col.bools()[i] = decided[i] ? winner : static_cast<uint8_t>(1 - winner);
      if (!decided[i] && any_null[i]) {
        if (valid.empty()) valid.assign(n, 1);
        valid[i] = 0;
        col.bools()[i] = 0;
      }
    }
    Seal(&col, std::move(valid));
    out->ext = nullptr;
    out->owned = std::move(col);
    out->constant = all_const;
    return Status::OK();
  }

 private:
  bool and_;
  std::vector<NodePtr> kids_;
};

class CaseNode final : public Node {
 public:
  CaseNode(std::vector<NodePtr> whens, std::vector<NodePtr> thens, NodePtr else_node)
      : whens_(std::move(whens)), thens_(std::move(thens)), else_(std::move(else_node)) {}

  Status Eval(const Ctx& ctx, Vec* out) const override {
    const size_t n = ctx.n;
    // Rows (0..n-1 of ctx) still undecided, and for each row the branch value that answers it.
    std::vector<uint32_t> remaining(n);
    for (size_t i = 0; i < n; ++i) remaining[i] = static_cast<uint32_t>(i);
    std::vector<Vec> results;
    std::vector<std::pair<int, uint32_t>> src(n, {-1, 0});
    auto sub_ctx = [&](const std::vector<uint32_t>& local, std::vector<uint32_t>* rows) {
      rows->resize(local.size());
      for (size_t j = 0; j < local.size(); ++j) (*rows)[j] = ctx.sel ? (*ctx.sel)[local[j]] : local[j];
      Ctx c;
      c.batch = ctx.batch;
      c.sel = rows;
      c.n = local.size();
      return c;
    };
    std::vector<uint32_t> rows, hit, miss, hit_rows;
    for (size_t w = 0; w < whens_.size() && !remaining.empty(); ++w) {
      Ctx c = sub_ctx(remaining, &rows);
      Vec cond;
      RETURN_IF_ERROR(whens_[w]->Eval(c, &cond));
      hit.clear();
      miss.clear();
      for (size_t j = 0; j < remaining.size(); ++j) {
        const bool yes = !cond.null(j) && cond.c().bools()[cond.ix(j)];
        (yes ? hit : miss).push_back(remaining[j]);
      }
      if (!hit.empty()) {
        Ctx tc = sub_ctx(hit, &hit_rows);
        results.emplace_back();
        RETURN_IF_ERROR(thens_[w]->Eval(tc, &results.back()));
        const int k = static_cast<int>(results.size() - 1);
        for (size_t j = 0; j < hit.size(); ++j) src[hit[j]] = {k, static_cast<uint32_t>(j)};
      }
      remaining.swap(miss);
    }
    if (else_ && !remaining.empty()) {
      Ctx ec = sub_ctx(remaining, &rows);
      results.emplace_back();
      RETURN_IF_ERROR(else_->Eval(ec, &results.back()));
      const int k = static_cast<int>(results.size() - 1);
      for (size_t j = 0; j < remaining.size(); ++j) src[remaining[j]] = {k, static_cast<uint32_t>(j)};
    }
    Column col(StorageType(type));
    col.Reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (src[i].first < 0) {
        col.AppendNull();
      } else {
        const Vec& v = results[src[i].first];
        col.AppendFrom(v.c(), v.ix(src[i].second));
      }
    }
    out->ext = nullptr;
    out->owned = std::move(col);
    out->constant = false;
    return Status::OK();
  }

 private:
  std::vector<NodePtr> whens_, thens_;
  NodePtr else_;
};

class InConstNode final : public Node {
 public:
  InConstNode(NodePtr x, std::vector<Value> items, bool negated) : x_(std::move(x)), negated_(negated) {
    for (const Value& v : items) {
      if (v.is_null) {
        has_null_ = true;
      } else if (v.type == ExprType::kFloat64) {
        doubles_.push_back(v.d);
      } else if (v.type == ExprType::kString || v.type == ExprType::kSymbol) {
        strings_.insert(v.s);
      } else {
        ints_.insert(v.i);
      }
    }
  }
  Status Eval(const Ctx& ctx, Vec* out) const override {
    Vec x;
    RETURN_IF_ERROR(x_->Eval(ctx, &x));
    const size_t n = x.constant ? 1 : ctx.n;
    Column col(ColumnType::kBool);
    col.bools().resize(n);
    std::vector<uint8_t> valid = AndValidity({&x}, n);
    const ColumnType t = x.c().type();
    std::string_view prev;
    bool prev_found = false;
    for (size_t i = 0; i < n; ++i) {
      bool found = false;
      if (IsStringLike(t)) {
        std::string_view s = x.str(i);
        if (i == 0 || s != prev) {  // runs of one symbol look up once
          prev = s;
          prev_found = strings_.count(std::string(s)) > 0;
        }
        found = prev_found;
      } else if (IsFloating(t)) {
        const double d = x.f64(i);
        for (double v : doubles_) found |= CompareDoubles(d, v) == 0;
      } else {
        found = ints_.count(x.i64(i)) > 0;
      }
      if (!found && has_null_) {
        if (valid.empty()) valid.assign(n, 1);
        valid[i] = 0;
      }
      col.bools()[i] = found != negated_;
    }
    if (!valid.empty()) {
      for (size_t i = 0; i < n; ++i) {
        if (!valid[i]) col.bools()[i] = 0;
      }
    }
    Seal(&col, std::move(valid));
    out->ext = nullptr;
    out->owned = std::move(col);
    out->constant = x.constant;
    return Status::OK();
  }

 private:
  NodePtr x_;
  bool negated_;
  bool has_null_ = false;
  std::unordered_set<std::string> strings_;
  std::unordered_set<int64_t> ints_;
  std::vector<double> doubles_;
};

// LIKE patterns compiled to tokens: a literal byte, any one character (UTF-8 code point), or any
// sequence.
struct LikeToken {
  enum Kind : uint8_t { kByte, kOne, kAny } kind;
  char c;
};

std::vector<LikeToken> CompileLike(std::string_view p, char escape, bool ilike) {
  std::vector<LikeToken> out;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (escape && c == escape && i + 1 < p.size()) {
      c = p[++i];
    } else if (c == '%') {
      if (out.empty() || out.back().kind != LikeToken::kAny) out.push_back({LikeToken::kAny, 0});
      continue;
    } else if (c == '_') {
      out.push_back({LikeToken::kOne, 0});
      continue;
    }
    if (ilike && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out.push_back({LikeToken::kByte, c});
  }
  return out;
}

size_t Utf8Len(unsigned char c) {
  return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

// Wildcard matching with one backtrack point (the last '%'): linear for typical patterns.
bool MatchLike(std::string_view s, const std::vector<LikeToken>& p, bool ilike) {
  size_t si = 0, pi = 0, star_p = SIZE_MAX, star_s = 0;
  auto lower = [&](char c) { return ilike && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  while (si < s.size()) {
    if (pi < p.size() && p[pi].kind == LikeToken::kByte && p[pi].c == lower(s[si])) {
      ++si;
      ++pi;
    } else if (pi < p.size() && p[pi].kind == LikeToken::kOne) {
      si += Utf8Len(static_cast<unsigned char>(s[si]));
      ++pi;
    } else if (pi < p.size() && p[pi].kind == LikeToken::kAny) {
      star_p = pi++;
      star_s = si;
    } else if (star_p != SIZE_MAX) {
      pi = star_p + 1;
      si = ++star_s;
    } else {
      return false;
    }
  }
  if (si > s.size()) return false;
  while (pi < p.size() && p[pi].kind == LikeToken::kAny) ++pi;
  return pi == p.size();
}

class LikeNode final : public Node {
 public:
  LikeNode(NodePtr x, NodePtr p, bool negated, bool ilike, char escape)
      : x_(std::move(x)), p_(std::move(p)), negated_(negated), ilike_(ilike), escape_(escape) {}
  Status Eval(const Ctx& ctx, Vec* out) const override {
    Vec x, p;
    RETURN_IF_ERROR(x_->Eval(ctx, &x));
    RETURN_IF_ERROR(p_->Eval(ctx, &p));
    out->constant = x.constant && p.constant;
    const size_t n = out->constant ? 1 : ctx.n;
    Column col(ColumnType::kBool);
    col.bools().resize(n);
    std::vector<LikeToken> compiled;
    if (p.constant) compiled = CompileLike(p.str(0), escape_, ilike_);
    std::string_view prev;
    for (size_t i = 0; i < n; ++i) {
      std::string_view s = x.str(i);
      if (p.constant && i > 0 && s == prev) {
        col.bools()[i] = col.bools()[i - 1];
        continue;
      }
      prev = s;
      bool m =
          p.constant ? MatchLike(s, compiled, ilike_) : MatchLike(s, CompileLike(p.str(i), escape_, ilike_), ilike_);
      col.bools()[i] = m != negated_;
    }
    Seal(&col, AndValidity({&x, &p}, n));
    out->ext = nullptr;
    out->owned = std::move(col);
    return Status::OK();
  }

 private:
  NodePtr x_, p_;
  bool negated_, ilike_;
  char escape_;
};

template <class N>
NodePtr Finish(std::unique_ptr<N> n, ExprType type, bool constant) {
  n->type = type;
  n->constant = constant;
  return n;
}

}  // namespace

NodePtr MakeColumnNode(int index, ExprType type) { return Finish(std::make_unique<ColumnNode>(index), type, false); }

NodePtr MakeConstNode(Value v) {
  auto n = std::make_unique<ConstNode>(ConstColumn(v));
  n->type = v.type;
  n->constant = true;
  n->is_literal = true;
  n->literal = std::move(v);
  return n;
}

NodePtr MakeArith(BinaryOp op, ExprType result, NodePtr a, NodePtr b) {
  const bool c = a->constant && b->constant;
  return Finish(std::make_unique<ArithNode>(op, std::move(a), std::move(b)), result, c);
}

NodePtr MakeCompare(BinaryOp op, NodePtr a, NodePtr b) {
  const bool c = a->constant && b->constant;
  return Finish(std::make_unique<CompareNode>(op, std::move(a), std::move(b)), ExprType::kBool, c);
}

NodePtr MakeNegate(NodePtr a) {
  const ExprType t = a->type;
  const bool c = a->constant;
  std::vector<NodePtr> kids;
  kids.push_back(std::move(a));
  auto node = std::make_unique<KernelNode>(
      std::move(kids), [](const Node& self, const std::vector<Vec>& in, size_t n, Column* out) -> Status {
        const Vec& v = in[0];
        if (self.type == ExprType::kFloat64) {
          out->doubles().resize(n);
          for (size_t i = 0; i < n; ++i) out->doubles()[i] = -v.f64(i);
        } else {
          const int64_t lo = self.type == ExprType::kInt32 ? INT32_MIN : INT64_MIN;
          for (size_t i = 0; i < n; ++i) {
            const int64_t x = v.i64(i);
            if (x == lo && !v.null(i)) return self.Error("Out of range: overflow of -(" + std::to_string(x) + ")");
            if (self.type == ExprType::kInt32) {
              out->int32s().push_back(static_cast<int32_t>(x == lo ? 0 : -x));
            } else {
              out->int64s().push_back(x == lo ? 0 : -x);
            }
          }
        }
        Seal(out, AndValidity({&v}, n));
        return Status::OK();
      });
  return Finish(std::move(node), t, c);
}

NodePtr MakeLogic(bool is_and, std::vector<NodePtr> children) {
  bool c = true;
  for (const auto& k : children) c &= k->constant;
  return Finish(std::make_unique<LogicNode>(is_and, std::move(children)), ExprType::kBool, c);
}

NodePtr MakeNot(NodePtr a) {
  const bool c = a->constant;
  std::vector<NodePtr> kids;
  kids.push_back(std::move(a));
  auto node =
      std::make_unique<KernelNode>(std::move(kids), [](const Node&, const std::vector<Vec>& in, size_t n, Column* out) {
        const Vec& v = in[0];
        out->bools().resize(n);
        for (size_t i = 0; i < n; ++i) out->bools()[i] = v.null(i) ? 0 : !v.c().bools()[v.ix(i)];
        Seal(out, AndValidity({&v}, n));
        return Status::OK();
      });
  return Finish(std::move(node), ExprType::kBool, c);
}

NodePtr MakeIsNull(NodePtr a, bool negated) {
  const bool c = a->constant;
  std::vector<NodePtr> kids;
  kids.push_back(std::move(a));
  auto node = std::make_unique<KernelNode>(std::move(kids),
                                           [negated](const Node&, const std::vector<Vec>& in, size_t n, Column* out) {
                                             out->bools().resize(n);
                                             for (size_t i = 0; i < n; ++i) out->bools()[i] = in[0].null(i) != negated;
                                             Seal(out, {});
                                             return Status::OK();
                                           });
  return Finish(std::move(node), ExprType::kBool, c);
}

NodePtr MakeCase(std::vector<NodePtr> whens, std::vector<NodePtr> thens, NodePtr else_node, ExprType type) {
  bool c = !else_node || else_node->constant;
  for (const auto& k : whens) c &= k->constant;
  for (const auto& k : thens) c &= k->constant;
  return Finish(std::make_unique<CaseNode>(std::move(whens), std::move(thens), std::move(else_node)), type, c);
}

NodePtr MakeInConst(NodePtr x, std::vector<Value> items, bool negated) {
  const bool c = x->constant;
  return Finish(std::make_unique<InConstNode>(std::move(x), std::move(items), negated), ExprType::kBool, c);
}

NodePtr MakeLike(NodePtr x, NodePtr pattern, bool negated, bool ilike, char escape) {
  const bool c = x->constant && pattern->constant;
  return Finish(std::make_unique<LikeNode>(std::move(x), std::move(pattern), negated, ilike, escape), ExprType::kBool,
                c);
}

NodePtr MakeConcat(NodePtr a, NodePtr b) {
  const bool c = a->constant && b->constant;
  std::vector<NodePtr> kids;
  kids.push_back(std::move(a));
  kids.push_back(std::move(b));
  auto node =
      std::make_unique<KernelNode>(std::move(kids), [](const Node&, const std::vector<Vec>& in, size_t n, Column* out) {
        std::vector<uint8_t> valid = AndValidity({&in[0], &in[1]}, n);
        for (size_t i = 0; i < n; ++i) {
          if (!valid.empty() && !valid[i]) {
            out->AppendString("");
          } else {
            std::string s(in[0].str(i));
            s += in[1].str(i);
            out->AppendString(s);
          }
        }
        if (!valid.empty()) out->validity() = std::move(valid);
        return Status::OK();
      });
  return Finish(std::move(node), ExprType::kString, c);
}

}  // namespace strata::query::expr_internal
