#include "query/aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <unordered_set>

#include "query/expr_internal.h"
#include "query/expr_keys.h"

namespace strata::query {

namespace {
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

Result<AggKind> ParseAggKind(std::string_view name) {
  const std::string n = Lower(name);
  if (n == "count") return AggKind::kCount;
  if (n == "sum") return AggKind::kSum;
  if (n == "avg" || n == "mean") return AggKind::kAvg;
  if (n == "min") return AggKind::kMin;
  if (n == "max") return AggKind::kMax;
  if (n == "first") return AggKind::kFirst;
  if (n == "last") return AggKind::kLast;
  if (n == "arg_min" || n == "argmin" || n == "min_by") return AggKind::kArgMin;
  if (n == "arg_max" || n == "argmax" || n == "max_by") return AggKind::kArgMax;
  if (n == "var_samp" || n == "variance") return AggKind::kVarSamp;
  if (n == "stddev_samp" || n == "stddev") return AggKind::kStddevSamp;
  return Status::NotFound("unknown aggregate function '" + std::string(name) + "'");
}

std::string_view AggKindName(AggKind kind) {
  switch (kind) {
    case AggKind::kCountStar: return "count_star";
    case AggKind::kCount: return "count";
    case AggKind::kSum: return "sum";
    case AggKind::kAvg: return "avg";
    case AggKind::kMin: return "min";
    case AggKind::kMax: return "max";
    case AggKind::kFirst: return "first";
    case AggKind::kLast: return "last";
    case AggKind::kArgMin: return "arg_min";
    case AggKind::kArgMax: return "arg_max";
    case AggKind::kVarSamp: return "var_samp";
    case AggKind::kStddevSamp: return "stddev_samp";
  }
  return "?";
}

namespace {

int64_t IntAt(const Column& c, size_t i) {
  switch (c.type()) {
    case ColumnType::kInt32: return c.int32s()[i];
    case ColumnType::kBool: return c.bools()[i];
    default: return c.int64s()[i];
  }
}

// One value per group of one column type (min/max/first/last/arg_* results and keys).
struct Slots {
  ColumnType type = ColumnType::kInt64;
  std::vector<int64_t> i;
  std::vector<double> d;
  std::vector<std::string> s;
  std::vector<uint8_t> has;   // a row was taken
  std::vector<uint8_t> null;  // the taken value is null

  void Resize(size_t n) {
    has.resize(n, 0);
    null.resize(n, 0);
    if (IsFloating(type)) {
      d.resize(n);
    } else if (IsStringLike(type)) {
      s.resize(n);
    } else {
      i.resize(n);
    }
  }
  void Set(size_t g, const Column& c, size_t row) {
    has[g] = 1;
    null[g] = c.IsNull(row);
    if (null[g]) return;
    if (IsFloating(type)) {
      d[g] = c.doubles()[row];
    } else if (IsStringLike(type)) {
      s[g].assign(c.GetString(row));
    } else {
      i[g] = IntAt(c, row);
    }
  }
  // c[row] vs the slot; both non-null.
  int Compare(const Column& c, size_t row, size_t g) const {
    if (IsFloating(type)) return expr_internal::CompareDoubles(c.doubles()[row], d[g]);
    if (IsStringLike(type)) {
      const int r = c.GetString(row).compare(s[g]);
      return r < 0 ? -1 : r > 0;
    }
    const int64_t x = IntAt(c, row);
    return x < i[g] ? -1 : x > i[g];
  }
  void Emit(size_t g0, size_t g1, Column* out) const {
    for (size_t g = g0; g < g1; ++g) {
      if (!has[g] || null[g]) {
        out->AppendNull();
        continue;
      }
      switch (type) {
        case ColumnType::kFloat32:  // min/max of floats: a float
        case ColumnType::kFloat64: out->AppendDouble(d[g]); break;
        case ColumnType::kSymbol:
        case ColumnType::kString: out->AppendString(s[g]); break;
        case ColumnType::kInt32: out->AppendInt32(static_cast<int32_t>(i[g])); break;
        case ColumnType::kBool: out->AppendBool(i[g] != 0); break;
        default: out->AppendInt64(i[g]);
      }
    }
  }
};

struct Agg {
  AggregateSpec spec;
  std::shared_ptr<const BoundExpr> arg, arg2, order;
  ColumnType arg_type = ColumnType::kInt64;
  Field field;
  std::vector<int64_t> cnt;
  std::vector<__int128> isum;
  std::vector<double> dsum, mean, m2;
  Slots val, key;
  std::unordered_set<std::string> seen;  // DISTINCT: (group, value) pairs

  void Resize(size_t n) {
    cnt.resize(n, 0);
    switch (spec.kind) {
      case AggKind::kSum:
      case AggKind::kAvg:
        if (IsFloating(arg_type)) {
          dsum.resize(n, 0);
        } else {
          isum.resize(n, 0);
        }
        break;
      case AggKind::kVarSamp:
      case AggKind::kStddevSamp:
        mean.resize(n, 0);
        m2.resize(n, 0);
        break;
      case AggKind::kCountStar:
      case AggKind::kCount: break;
      default:
        val.Resize(n);
        if (spec.kind == AggKind::kArgMin || spec.kind == AggKind::kArgMax || spec.order) key.Resize(n);
    }
  }

  // The exact sum of v[0, n). Blocks of 2048 whose values all lie within +-2^52 cannot overflow
  // an int64 (2^52 * 2^11 = 2^63): those are summed in a loop the compiler vectorises; a block
  // with a larger value is summed again in 128 bits.
  static __int128 SumInt64(const int64_t* v, size_t n) {
    __int128 total = 0;
    for (size_t b = 0; b < n; b += 2048) {
      const size_t e = std::min(n, b + 2048);
      int64_t sum = 0;
      uint64_t mag = 0;  // the OR of |v| (one's complement for negatives: never below |v| - 1)
      for (size_t i = b; i < e; ++i) {
        sum = static_cast<int64_t>(static_cast<uint64_t>(sum) + static_cast<uint64_t>(v[i]));
        mag |= static_cast<uint64_t>(v[i] ^ (v[i] >> 63));
      }
      if (mag < (uint64_t{1} << 52)) {
        total += sum;
      } else {
        for (size_t i = b; i < e; ++i) total += v[i];
      }
    }
    return total;
  }

  // fn(g, r, e) for each run [r, e) of rows of one group g: a grouped stream (or no GROUP BY)
  // has long runs, and an accumulator in a register beats a load and store per row.
  template <typename Fn>
  static void ForRuns(const std::vector<uint32_t>& gids, Fn fn) {
    const size_t n = gids.size();
    for (size_t r = 0; r < n;) {
      const uint32_t g = gids[r];
      size_t e = r + 1;
      while (e < n && gids[e] == g) ++e;
      fn(g, r, e);
      r = e;
    }
  }

  // Row `r` passes DISTINCT (first time this (group, value) is seen).
  bool FirstSeen(uint32_t g, const Column& x, size_t r) {
    std::string k(reinterpret_cast<const char*>(&g), sizeof(g));
    if (IsFloating(x.type())) {
      double v = x.doubles()[r];
      v = v != v ? std::numeric_limits<double>::quiet_NaN() : (v == 0 ? 0.0 : v);
      k.append(reinterpret_cast<const char*>(&v), sizeof(v));
    } else if (IsStringLike(x.type())) {
      k.append(x.GetString(r));
    } else {
      const int64_t v = IntAt(x, r);
      k.append(reinterpret_cast<const char*>(&v), sizeof(v));
    }
    return seen.insert(std::move(k)).second;
  }

  Status Update(const RecordBatch& batch, const std::vector<uint32_t>& gids) {
    const size_t n = gids.size();
    if (spec.kind == AggKind::kCountStar) {
      ForRuns(gids, [&](uint32_t g, size_t r, size_t e) { cnt[g] += static_cast<int64_t>(e - r); });
      return Status::OK();
    }
    Column xs, ks, os;
    ASSIGN_OR_RETURN(const Column* xp, arg->EvaluateView(batch, &xs));
    const Column& x = *xp;
    const Column* kp = nullptr;
    const Column* op = nullptr;
    if (arg2) {
      ASSIGN_OR_RETURN(kp, arg2->EvaluateView(batch, &ks));
    }
    if (order) {
      ASSIGN_OR_RETURN(op, order->EvaluateView(batch, &os));
    }
    const Column& k = kp ? *kp : ks;
    const Column& o = op ? *op : os;
    const bool x_nulls = !x.validity().empty();
    auto skip = [&](size_t r) {
      if (x_nulls && !x.validity()[r]) return true;
      return spec.distinct && !FirstSeen(gids[r], x, r);
    };
    switch (spec.kind) {
      case AggKind::kCount:
        if (!x_nulls && !spec.distinct) {
          ForRuns(gids, [&](uint32_t g, size_t r, size_t e) { cnt[g] += static_cast<int64_t>(e - r); });
          break;
        }
        for (size_t r = 0; r < n; ++r) {
          if (!skip(r)) ++cnt[gids[r]];
        }
        break;
      case AggKind::kSum:
      case AggKind::kAvg:
        if (IsFloating(arg_type) && !spec.distinct && !x_nulls) {
          const double* v = x.doubles().data();
          ForRuns(gids, [&](uint32_t g, size_t r, size_t e) {
            double acc = dsum[g];  // the same additions in the same order, in a register
            for (size_t i = r; i < e; ++i) acc += v[i];
            dsum[g] = acc;
            cnt[g] += static_cast<int64_t>(e - r);
          });
        } else if (IsFloating(arg_type) && !spec.distinct) {
          const double* v = x.doubles().data();
          const uint8_t* valid = x_nulls ? x.validity().data() : nullptr;
          for (size_t r = 0; r < n; ++r) {
            if (valid && !valid[r]) continue;
            dsum[gids[r]] += v[r];
            ++cnt[gids[r]];
          }
        } else if (IsFloating(arg_type)) {
          const double* v = x.doubles().data();
          for (size_t r = 0; r < n; ++r) {
            if (skip(r)) continue;
            dsum[gids[r]] += v[r];
            ++cnt[gids[r]];
          }
        } else if (x.type() == ColumnType::kInt64 && !x_nulls && !spec.distinct) {
          const int64_t* v = x.int64s().data();
          ForRuns(gids, [&](uint32_t g, size_t r, size_t e) {
            isum[g] += SumInt64(v + r, e - r);
            cnt[g] += static_cast<int64_t>(e - r);
          });
        } else {
          for (size_t r = 0; r < n; ++r) {
            if (skip(r)) continue;
            isum[gids[r]] += IntAt(x, r);
            ++cnt[gids[r]];
          }
        }
        break;
      case AggKind::kVarSamp:
      case AggKind::kStddevSamp:
        for (size_t r = 0; r < n; ++r) {
          if (skip(r)) continue;
          const uint32_t g = gids[r];
          const double in = IsFloating(x.type()) ? x.doubles()[r] : static_cast<double>(IntAt(x, r));
          // DuckDB's STDDevBaseOperation::Update, step for step.
          ++cnt[g];
          const double mean_differential = (in - mean[g]) / static_cast<double>(cnt[g]);
          const double new_mean = mean[g] + mean_differential;
          const double dsquared_increment = (in - new_mean) * (in - mean[g]);
          m2[g] += dsquared_increment;
          mean[g] = new_mean;
        }
        break;
      case AggKind::kMin:
      case AggKind::kMax: {
        const int want = spec.kind == AggKind::kMin ? -1 : 1;
        if (!spec.distinct && IsFloating(x.type()) && !x_nulls) {  // the common case, typed
          const double* v = x.doubles().data();
          ForRuns(gids, [&](uint32_t g, size_t r, size_t e) {
            bool has = val.has[g];
            double best = val.d[g];
            for (size_t i = r; i < e; ++i) {
              if (!has || expr_internal::CompareDoubles(v[i], best) == want) {
                has = true;
                best = v[i];
              }
            }
            val.has[g] = has;
            val.d[g] = best;
          });
          break;
        }
        if (!spec.distinct && IsFloating(x.type())) {
          const double* v = x.doubles().data();
          const uint8_t* valid = x_nulls ? x.validity().data() : nullptr;
          for (size_t r = 0; r < n; ++r) {
            if (valid && !valid[r]) continue;
            const uint32_t g = gids[r];
            if (!val.has[g] || expr_internal::CompareDoubles(v[r], val.d[g]) == want) {
              val.has[g] = 1;
              val.d[g] = v[r];
            }
          }
          break;
        }
        if (!spec.distinct && (x.type() == ColumnType::kInt64 || x.type() == ColumnType::kTimestamp)) {
          const int64_t* v = x.int64s().data();
          const uint8_t* valid = x_nulls ? x.validity().data() : nullptr;
          for (size_t r = 0; r < n; ++r) {
            if (valid && !valid[r]) continue;
            const uint32_t g = gids[r];
            if (!val.has[g] || (want < 0 ? v[r] < val.i[g] : v[r] > val.i[g])) {
              val.has[g] = 1;
              val.i[g] = v[r];
            }
          }
          break;
        }
        for (size_t r = 0; r < n; ++r) {
          if (skip(r)) continue;
          const uint32_t g = gids[r];
          if (!val.has[g] || val.Compare(x, r, g) == want) val.Set(g, x, r);
        }
        break;
      }
      case AggKind::kFirst:
      case AggKind::kLast: {
        const bool first = spec.kind == AggKind::kFirst;
        if (!order && !spec.distinct) {
          // In arrival order only the first (last) row of a run of one group can be taken: one
          // Set per run instead of per row (a grouped stream has long runs).
          for (size_t r = 0; r < n;) {
            const uint32_t g = gids[r];
            size_t e = r + 1;
            while (e < n && gids[e] == g) ++e;
            if (!first) {
              val.Set(g, x, e - 1);
            } else if (!val.has[g]) {
              val.Set(g, x, r);
            }
            r = e;
          }
          break;
        }
        for (size_t r = 0; r < n; ++r) {
          const uint32_t g = gids[r];
          if (spec.distinct && (x.IsNull(r) || !FirstSeen(g, x, r))) continue;
          if (order) {
            if (o.IsNull(r)) continue;
            const int c = key.has[g] ? key.Compare(o, r, g) : 0;
            if (!key.has[g] || (first ? c < 0 : c >= 0)) {
              key.Set(g, o, r);
              val.Set(g, x, r);
            }
          } else if (!first || !val.has[g]) {
            val.Set(g, x, r);
          }
        }
        break;
      }
      case AggKind::kArgMin:
      case AggKind::kArgMax: {
        const int want = spec.kind == AggKind::kArgMin ? -1 : 1;
        for (size_t r = 0; r < n; ++r) {
          if (k.IsNull(r) || skip(r)) continue;
          const uint32_t g = gids[r];
          if (!key.has[g] || key.Compare(k, r, g) == want) {
            key.Set(g, k, r);
            val.Set(g, x, r);
          }
        }
        break;
      }
      case AggKind::kCountStar: break;
    }
    return Status::OK();
  }

  Status Emit(size_t g0, size_t g1, const std::function<std::string(size_t)>& group_text, Column* out) const {
    *out = Column(field.type);
    out->Reserve(g1 - g0);
    for (size_t g = g0; g < g1; ++g) {
      switch (spec.kind) {
        case AggKind::kCountStar:
        case AggKind::kCount: out->AppendInt64(cnt[g]); break;
        case AggKind::kSum:
          if (cnt[g] == 0) {
            out->AppendNull();
          } else if (IsFloating(arg_type)) {
            out->AppendDouble(dsum[g]);
          } else {
            if (isum[g] > INT64_MAX || isum[g] < INT64_MIN) {
              return Status::InvalidArgument("Out of range: " + spec.name + " = sum(" + arg->text() + ") of group " +
                                             group_text(g) + " does not fit in i64 (DuckDB would return HUGEINT)");
            }
            out->AppendInt64(static_cast<int64_t>(isum[g]));
          }
          break;
        case AggKind::kAvg:
          if (cnt[g] == 0) {
            out->AppendNull();
          } else if (IsFloating(arg_type)) {
            out->AppendDouble(dsum[g] / static_cast<double>(cnt[g]));
          } else if (arg_type == ColumnType::kInt64) {
            out->AppendDouble(
                static_cast<double>(static_cast<long double>(isum[g]) / static_cast<long double>(cnt[g])));
          } else {
            out->AppendDouble(static_cast<double>(isum[g]) / static_cast<double>(cnt[g]));
          }
          break;
        case AggKind::kVarSamp:
        case AggKind::kStddevSamp:
          if (cnt[g] <= 1) {
            out->AppendNull();
          } else {
            const double v = m2[g] / static_cast<double>(cnt[g] - 1);
            out->AppendDouble(spec.kind == AggKind::kVarSamp ? v : std::sqrt(v));
          }
          break;
        default: val.Emit(g, g + 1, out);
      }
    }
    return Status::OK();
  }
};

// same[r] = 1 when row r's keys equal row r - 1's (same[0] = 0), as KeyRowsEqual says, with a
// typed loop per key column instead of a generic comparison per row and column.
void AdjacentKeysEqual(const std::vector<const Column*>& keys, size_t n, std::vector<uint8_t>* same) {
  same->assign(n, 1);
  if (n == 0) return;
  uint8_t* sm = same->data();
  sm[0] = 0;
  for (const Column* c : keys) {
    if (!c->validity().empty()) {
      for (size_t r = 1; r < n; ++r) sm[r] &= CompareValues(*c, r, *c, r - 1) == 0;
      continue;
    }
    switch (c->type()) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp: {
        const int64_t* v = c->int64s().data();
        for (size_t r = 1; r < n; ++r) sm[r] &= v[r] == v[r - 1];
        break;
      }
      case ColumnType::kInt32: {
        const int32_t* v = c->int32s().data();
        for (size_t r = 1; r < n; ++r) sm[r] &= v[r] == v[r - 1];
        break;
      }
      case ColumnType::kSymbol:
      case ColumnType::kString: {
        const uint32_t* off = c->offsets().data();
        const char* ch = c->chars().data();
        for (size_t r = 1; r < n; ++r) {
          const uint32_t len = off[r + 1] - off[r];
          sm[r] &= len == off[r] - off[r - 1] && std::memcmp(ch + off[r], ch + off[r - 1], len) == 0;
        }
        break;
      }
      default:
        for (size_t r = 1; r < n; ++r) sm[r] &= CompareValues(*c, r, *c, r - 1) == 0;
    }
  }
}

class GroupTable {
 public:
  explicit GroupTable(const std::vector<Field>& key_fields) {
    for (const Field& f : key_fields) keys_.emplace_back(f.type);
    slots_.assign(1024, 0);
  }
  size_t size() const { return hashes_.size(); }
  const std::vector<Column>& keys() const { return keys_; }

  // The group of row `row` of `in` (whose hash is h), created when new.
  uint32_t FindOrInsert(const std::vector<const Column*>& in, size_t row, uint64_t h) {
    size_t mask = slots_.size() - 1;
    size_t p = h & mask;
    while (true) {
      const uint32_t s = slots_[p];
      if (s == 0) break;
      const uint32_t g = s - 1;
      if (hashes_[g] == h && Equal(in, row, g)) return g;
      p = (p + 1) & mask;
    }
    const uint32_t g = static_cast<uint32_t>(hashes_.size());
    hashes_.push_back(h);
    for (size_t k = 0; k < keys_.size(); ++k) keys_[k].AppendFrom(*in[k], row);
    slots_[p] = g + 1;
    if (hashes_.size() * 2 > slots_.size()) Grow();
    return g;
  }

 private:
  bool Equal(const std::vector<const Column*>& in, size_t row, uint32_t g) const {
    for (size_t k = 0; k < keys_.size(); ++k) {
      if (CompareValues(*in[k], row, keys_[k], g) != 0) return false;
    }
    return true;
  }
  void Grow() {
    std::vector<uint32_t> next(slots_.size() * 2, 0);
    const size_t mask = next.size() - 1;
    for (uint32_t g = 0; g < hashes_.size(); ++g) {
      size_t p = hashes_[g] & mask;
      while (next[p]) p = (p + 1) & mask;
      next[p] = g + 1;
    }
    slots_.swap(next);
  }

  std::vector<Column> keys_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> slots_;
};

class HashAggregateStream final : public BatchStream {
 public:
  HashAggregateStream(std::unique_ptr<BatchStream> input, std::vector<std::shared_ptr<const BoundExpr>> keys,
                      std::vector<Field> key_fields, std::vector<Agg> aggs, AggregateOptions options)
      : input_(std::move(input)),
        keys_(std::move(keys)),
        key_fields_(key_fields),
        aggs_(std::move(aggs)),
        options_(options),
        table_(key_fields) {
    fields_ = key_fields;
    for (const Agg& a : aggs_) fields_.push_back(a.field);
  }
  const std::vector<Field>& fields() const override { return fields_; }

  Result<bool> Next(RecordBatch* out) override {
    if (!consumed_) {
      RETURN_IF_ERROR(Consume());
      consumed_ = true;
    }
    const size_t groups = keys_.empty() ? 1 : table_.size();
    if (emitted_ >= groups) return false;
    const size_t g0 = emitted_, g1 = std::min(groups, g0 + std::max<size_t>(1, options_.batch_rows));
    std::vector<Column> cols;
    for (const Column& k : table_.keys()) cols.push_back(k.Slice(g0, g1 - g0));
    auto group_text = [&](size_t g) {
      std::string s = "(";
      for (size_t k = 0; k < key_fields_.size(); ++k) {
        RecordBatch one({key_fields_[k]}, {table_.keys()[k].Slice(g, 1)});
        s += (k ? ", " : "") + one.RowToString(0);
      }
      return s + ")";
    };
    for (const Agg& a : aggs_) {
      Column c;
      RETURN_IF_ERROR(a.Emit(g0, g1, group_text, &c));
      cols.push_back(std::move(c));
    }
    emitted_ = g1;
    *out = RecordBatch(fields_, std::move(cols));
    return true;
  }

 private:
  Status Consume() {
    if (keys_.empty()) {
      for (Agg& a : aggs_) a.Resize(1);
    }
    RecordBatch in;
    std::vector<Column> key_cols;
    std::vector<const Column*> key_ptrs;
    std::vector<uint64_t> hashes;
    std::vector<uint32_t> gids;
    std::vector<uint8_t> same;
    size_t allocated = keys_.empty() ? 1 : 0;
    while (true) {
      ASSIGN_OR_RETURN(bool got, input_->Next(&in));
      if (!got) break;
      const size_t n = in.num_rows();
      if (keys_.empty()) {
        gids.assign(n, 0);
      } else {
        key_cols.resize(keys_.size());
        key_ptrs.clear();
        for (size_t k = 0; k < keys_.size(); ++k) {
          ASSIGN_OR_RETURN(const Column* c, keys_[k]->EvaluateView(in, &key_cols[k]));
          key_ptrs.push_back(c);
        }
        AdjacentKeysEqual(key_ptrs, n, &same);
        size_t runs = 0;
        for (size_t r = 0; r < n; ++r) runs += same[r] == 0;
        // Long runs of one group (a grouped stream, time buckets): hash the first row of each run
        // only; otherwise every row at once.
        const bool per_run = runs * 4 <= n;
        if (!per_run) HashKeyRows(key_ptrs, &hashes);
        gids.resize(n);
        for (size_t r = 0; r < n; ++r) {
          // Consecutive rows of one group skip the table.
          if (same[r]) {
            gids[r] = gids[r - 1];
          } else {
            gids[r] = table_.FindOrInsert(key_ptrs, r, per_run ? HashKeyRow(key_ptrs, r) : hashes[r]);
          }
        }
        if (options_.max_groups && table_.size() > options_.max_groups) {
          return Status::InvalidArgument("GROUP BY: more than " + std::to_string(options_.max_groups) +
                                         " groups; narrow the query or raise the group limit");
        }
        if (table_.size() > allocated) {
          allocated = std::max(table_.size(), allocated * 2);
          for (Agg& a : aggs_) a.Resize(allocated);
        }
      }
      for (Agg& a : aggs_) RETURN_IF_ERROR(a.Update(in, gids));
    }
    return Status::OK();
  }

  std::unique_ptr<BatchStream> input_;
  std::vector<std::shared_ptr<const BoundExpr>> keys_;
  std::vector<Field> key_fields_;
  std::vector<Agg> aggs_;
  AggregateOptions options_;
  GroupTable table_;
  std::vector<Field> fields_;
  bool consumed_ = false;
  size_t emitted_ = 0;
};

bool Numeric(ColumnType t) { return t == ColumnType::kInt32 || t == ColumnType::kInt64 || IsFloating(t); }

}  // namespace

Result<std::unique_ptr<BatchStream>> MakeHashAggregateStream(std::unique_ptr<BatchStream> input,
                                                             const std::vector<NamedExpr>& keys,
                                                             const std::vector<AggregateSpec>& specs,
                                                             AggregateOptions options) {
  const std::vector<Field>& in_fields = input->fields();
  std::vector<std::shared_ptr<const BoundExpr>> bound_keys;
  std::vector<Field> key_fields;
  for (const NamedExpr& k : keys) {
    ASSIGN_OR_RETURN(auto b, BoundExpr::Bind(k.expr, in_fields));
    key_fields.push_back(OutputField(k.name, k.expr, *b, in_fields));
    bound_keys.push_back(std::move(b));
  }
  std::vector<Agg> aggs;
  for (const AggregateSpec& s : specs) {
    Agg a;
    a.spec = s;
    const std::string text = s.name + " = " + std::string(AggKindName(s.kind)) + "(" +
                             (s.arg ? ExprToString(s.arg) : "*") + (s.arg2 ? ", " + ExprToString(s.arg2) : "") + ")";
    auto error = [&](const std::string& what) { return Status::InvalidArgument(what + " in '" + text + "'"); };
    if (s.kind == AggKind::kCountStar) {
      if (s.distinct) return error("count(DISTINCT *) is not supported");
    } else {
      if (!s.arg) return error(std::string(AggKindName(s.kind)) + " needs an argument");
      ASSIGN_OR_RETURN(a.arg, BoundExpr::Bind(s.arg, in_fields));
      a.arg_type = a.arg->column_type();
    }
    const bool two = s.kind == AggKind::kArgMin || s.kind == AggKind::kArgMax;
    if (two != static_cast<bool>(s.arg2)) {
      return error(two ? std::string(AggKindName(s.kind)) + " takes 2 arguments (value, key)"
                       : std::string(AggKindName(s.kind)) + " takes 1 argument");
    }
    if (two) {
      ASSIGN_OR_RETURN(a.arg2, BoundExpr::Bind(s.arg2, in_fields));
      a.key.type = a.arg2->column_type();
    }
    if (s.order) {
      if (s.kind != AggKind::kFirst && s.kind != AggKind::kLast) return error("only first and last take an order");
      ASSIGN_OR_RETURN(a.order, BoundExpr::Bind(s.order, in_fields));
      a.key.type = a.order->column_type();
    }
    a.val.type = a.arg_type;
    switch (s.kind) {
      case AggKind::kCountStar:
      case AggKind::kCount: a.field = {s.name, ColumnType::kInt64, false}; break;
      case AggKind::kSum:
      case AggKind::kAvg:
      case AggKind::kVarSamp:
      case AggKind::kStddevSamp:
        if (!Numeric(a.arg_type)) {
          return error(std::string(AggKindName(s.kind)) + " takes a number, not " +
                       std::string(ColumnTypeName(a.arg_type)));
        }
        a.field = {s.name,
                   s.kind == AggKind::kSum && !IsFloating(a.arg_type) ? ColumnType::kInt64 : ColumnType::kFloat64,
                   true};
        break;
      default: a.field = {s.name, a.arg_type, true};
    }
    aggs.push_back(std::move(a));
  }
  return std::unique_ptr<BatchStream>(new HashAggregateStream(std::move(input), std::move(bound_keys),
                                                              std::move(key_fields), std::move(aggs), options));
}

}  // namespace strata::query
