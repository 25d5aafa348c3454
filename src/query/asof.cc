#include "query/asof.h"

#include <string>

#include "strata/timestamp.h"

namespace strata::query {

Result<AsofDirection> ParseAsofDirection(std::string_view text) {
  if (text == "prev" || text == "backward") return AsofDirection::kPrev;
  if (text == "next" || text == "forward") return AsofDirection::kNext;
  return Status::InvalidArgument("as-of direction '" + std::string(text) + "' is not prev or next");
}

namespace {

constexpr uint32_t kNoMatch = UINT32_MAX;
constexpr uint32_t kCarry = UINT32_MAX - 1;

template <typename T>
void GatherFixed(const std::vector<T>& src, T carry, const uint32_t* idx, size_t count, T* dst) {
  const uint32_t n = static_cast<uint32_t>(src.size());
  const T* s = src.data();
  for (size_t i = 0; i < count; ++i) {
    const uint32_t k = idx[i];
    dst[i] = k < n ? s[k] : (k == kCarry ? carry : T{});
  }
}

class AsofJoinStream final : public BatchStream {
 public:
  AsofJoinStream(std::unique_ptr<BatchStream> left, std::unique_ptr<BatchStream> right, AsofOptions options)
      : left_(std::move(left)), right_(std::move(right)), opt_(std::move(options)) {
    const std::vector<Field>& lf = left_->fields();
    const std::vector<Field>& rf = right_->fields();
    lts_ = TimestampField(lf);
    lsym_ = SymbolField(lf);
    rts_ = TimestampField(rf);
    rsym_ = SymbolField(rf);
    fields_ = lf;
    for (size_t i = 0; i < rf.size(); ++i) {
      if (static_cast<int>(i) == rsym_) continue;
      Field f = rf[i];
      if (FindField(lf, f.name) >= 0) f.name = opt_.right_prefix + f.name;
      f.nullable = true;
      fields_.push_back(f);
      right_cols_.push_back(static_cast<int>(i));
    }
    window_ = RecordBatch(rf);
    carry_ = RecordBatch(rf);
  }

  Status Check() const {
    if (lts_ < 0 || lsym_ < 0) return Status::InvalidArgument("as-of join: the left input needs ts and symbol columns");
    if (rts_ < 0 || rsym_ < 0)
      return Status::InvalidArgument("as-of join: the right input needs ts and symbol columns");
    for (size_t i = 0; i < fields_.size(); ++i) {
      for (size_t j = i + 1; j < fields_.size(); ++j) {
        if (fields_[i].name == fields_[j].name) {
          return Status::InvalidArgument("as-of join: output column '" + fields_[i].name + "' appears twice");
        }
      }
    }
    if (opt_.tolerance_ns && *opt_.tolerance_ns < 0) return Status::InvalidArgument("as-of join: negative tolerance");
    return Status::OK();
  }

  const std::vector<Field>& fields() const override { return fields_; }

  Result<bool> Next(RecordBatch* out) override {
    ASSIGN_OR_RETURN(bool got, left_->Next(&lb_));
    if (!got) return false;
    const size_t n = lb_.num_rows();
    idx_.resize(n);
    out_cols_.clear();
    for (int c : right_cols_) {
      Column col(window_.fields()[c].type);
      if (!IsStringLike(col.type())) ResizeFixed(&col, n);
      out_cols_.push_back(std::move(col));
    }
    piece_start_ = 0;
    const Column& sym = lb_.column(lsym_);
    const int64_t* lts = lb_.column(lts_).int64s().data();
    size_t a = 0;
    while (a < n) {
      size_t b = sym.StringRunEnd(a);
      std::string_view s = sym.GetString(a);
      cur_ = a;
      if (!have_left_sym_ || s != left_sym_) {
        if (have_left_sym_ && s < left_sym_) {
          return Status::InvalidArgument("as-of join: left input is not grouped by symbol in ascending order ('" +
                                         std::string(s) + "' after '" + left_sym_ + "')");
        }
        left_sym_.assign(s);
        have_left_sym_ = true;
        match_ = kNoMatch;
        last_left_ts_ = INT64_MIN;
        RETURN_IF_ERROR(AlignRight());
      }
      if (opt_.direction == AsofDirection::kPrev) {
        RETURN_IF_ERROR(JoinRun<AsofDirection::kPrev>(lts, a, b));
      } else {
        RETURN_IF_ERROR(JoinRun<AsofDirection::kNext>(lts, a, b));
      }
      a = b;
    }
    cur_ = n;
    FlushPiece();
    std::vector<Column> cols = std::move(lb_.columns());
    for (Column& c : out_cols_) {
      RETURN_IF_ERROR(c.SetSizeFromStorage());
      cols.push_back(std::move(c));
    }
    *out = RecordBatch(fields_, std::move(cols));
    return true;
  }

 private:
  static void ResizeFixed(Column* c, size_t n) {
    switch (c->type()) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64: c->int64s().resize(n); break;
      case ColumnType::kInt32: c->int32s().resize(n); break;
      case ColumnType::kFloat32:
      case ColumnType::kFloat64: c->doubles().resize(n); break;
      case ColumnType::kBool: c->bools().resize(n); break;
      default: break;
    }
  }

  Status LeftUnsorted(int64_t ts) const {
    return Status::InvalidArgument("as-of join: left input is not sorted by ts within symbol '" + left_sym_ + "' (at " +
                                   FormatTimestamp(ts) + ")");
  }

  // Joins left rows [a, b) of one symbol run. kPrev passes the right rows at or before each left ts
  // (the last one passed is the match, and may be carried over from an earlier window); kNext
  // passes those before it (the first one not passed is the match).
  template <AsofDirection kDir>
  Status JoinRun(const int64_t* lts, size_t a, size_t b) {
    const int64_t tol = opt_.tolerance_ns.value_or(INT64_MAX);
    uint32_t* idx = idx_.data();
    for (size_t i = a; i < b; ++i) {
      const int64_t t = lts[i];
      if (t < last_left_ts_) return LeftUnsorted(t);
      last_left_ts_ = t;
      while (true) {
        const int64_t* rts = window_ts_;
        if constexpr (kDir == AsofDirection::kPrev) {
          while (rp_ < re_ && rts[rp_] <= t) ++rp_;
          if (rp_ > match_from_) {
            match_ = static_cast<uint32_t>(rp_ - 1);
            match_ts_ = rts[rp_ - 1];
            match_from_ = rp_;
          }
        } else {
          while (rp_ < re_ && rts[rp_] < t) ++rp_;
        }
        if (rp_ == re_ && re_ == window_rows_ && !right_eof_) {
          cur_ = i;
          RETURN_IF_ERROR(LoadRight());
          RETURN_IF_ERROR(ContinueRun());
          continue;
        }
        break;
      }
      bool matched;
      uint32_t m;
      if constexpr (kDir == AsofDirection::kPrev) {
        matched = match_ != kNoMatch && t - match_ts_ <= tol;
        m = match_;
      } else {
        matched = rp_ < re_ && window_ts_[rp_] - t <= tol;
        m = static_cast<uint32_t>(rp_);
      }
      if (matched) {
        idx[i] = m;
      } else {
        idx[i] = kNoMatch;
        null_matches_ = true;
      }
    }
    return Status::OK();
  }

  // After LoadRight in the middle of symbol left_sym_'s run: where does that symbol's run in the
  // new window end?
  Status ContinueRun() {
    rp_ = 0;
    match_from_ = 0;
    if (window_rows_ == 0) {
      re_ = 0;
      return Status::OK();
    }
    std::string_view rs = window_.column(rsym_).GetString(0);
    if (rs < left_sym_) {
      return Status::InvalidArgument("as-of join: right input is not grouped by symbol in ascending order ('" +
                                     std::string(rs) + "' after '" + left_sym_ + "')");
    }
    re_ = rs == left_sym_ ? window_.column(rsym_).StringRunEnd(0) : 0;
    if (re_ > 0) RETURN_IF_ERROR(CheckRightSorted(0, re_));
    return Status::OK();
  }

  // Positions the right side at the first row of left_sym_ (skipping smaller symbols).
  Status AlignRight() {
    while (true) {
      if (rp_ >= window_rows_) {
        if (right_eof_) {
          re_ = rp_;
          match_from_ = rp_;
          return Status::OK();
        }
        RETURN_IF_ERROR(LoadRight());
        continue;
      }
      const Column& sym = window_.column(rsym_);
      std::string_view rs = sym.GetString(rp_);
      if (have_right_sym_ && rs < right_sym_) {
        return Status::InvalidArgument("as-of join: right input is not grouped by symbol in ascending order ('" +
                                       std::string(rs) + "' after '" + right_sym_ + "')");
      }
      right_sym_.assign(rs);
      have_right_sym_ = true;
      if (rs < left_sym_) {
        rp_ = sym.StringRunEnd(rp_);
        continue;
      }
      re_ = rs == left_sym_ ? sym.StringRunEnd(rp_) : rp_;
      if (re_ > rp_) RETURN_IF_ERROR(CheckRightSorted(rp_, re_));
      match_from_ = rp_;
      return Status::OK();
    }
  }

  Status CheckRightSorted(size_t a, size_t b) {
    const int64_t* t = window_ts_;
    int64_t prev = (a == 0 && match_ == kCarry) ? match_ts_ : INT64_MIN;
    for (size_t i = a; i < b; ++i) {
      if (t[i] < prev) {
        return Status::InvalidArgument("as-of join: right input is not sorted by ts within symbol '" + left_sym_ +
                                       "' (at " + FormatTimestamp(t[i]) + ")");
      }
      prev = t[i];
    }
    return Status::OK();
  }

  // Materializes the right columns of left rows [piece_start_, cur_) from the current window.
  void FlushPiece() {
    const size_t count = cur_ - piece_start_;
    if (count == 0) return;
    const uint32_t* idx = idx_.data() + piece_start_;
    const size_t n_left = lb_.num_rows();
    for (size_t k = 0; k < right_cols_.size(); ++k) {
      const Column& src = window_.column(right_cols_[k]);
      const Column& carry = carry_.column(right_cols_[k]);
      const bool carry_set = carry_.num_rows() == 1;
      Column& dst = out_cols_[k];
      switch (src.type()) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64:
          GatherFixed<int64_t>(src.int64s(), carry_set ? carry.int64s()[0] : 0, idx, count,
                               dst.int64s().data() + piece_start_);
          break;
        case ColumnType::kInt32:
          GatherFixed<int32_t>(src.int32s(), carry_set ? carry.int32s()[0] : 0, idx, count,
                               dst.int32s().data() + piece_start_);
          break;
        case ColumnType::kFloat32:
        case ColumnType::kFloat64:
          GatherFixed<double>(src.doubles(), carry_set ? carry.doubles()[0] : 0, idx, count,
                              dst.doubles().data() + piece_start_);
          break;
        case ColumnType::kBool:
          GatherFixed<uint8_t>(src.bools(), carry_set ? carry.bools()[0] : 0, idx, count,
                               dst.bools().data() + piece_start_);
          break;
        case ColumnType::kSymbol:
        case ColumnType::kString: {
          std::string& chars = dst.chars();
          std::vector<uint32_t>& offs = dst.offsets();
          for (size_t i = 0; i < count; ++i) {
            const uint32_t r = idx[i];
            if (r < src.size()) {
              chars.append(src.GetString(r));
            } else if (r == kCarry) {
              chars.append(carry.GetString(0));
            }
            offs.push_back(static_cast<uint32_t>(chars.size()));
          }
          break;
        }
      }
      const bool carry_null = carry_set && carry.IsNull(0);
      if (null_matches_ || src.has_nulls() || carry_null) {
        std::vector<uint8_t>& v = dst.validity();
        if (v.empty()) v.assign(n_left, 1);
        uint8_t* out = v.data() + piece_start_;
        for (size_t i = 0; i < count; ++i) {
          const uint32_t r = idx[i];
          out[i] = r < src.size() ? !src.IsNull(r) : (r == kCarry ? !carry_null : 0);
        }
      }
    }
    piece_start_ = cur_;
    null_matches_ = false;
  }

  // Replaces the window with the next right batch (after materializing the pending piece and
  // carrying the current match, if it is in the window, into carry_).
  Status LoadRight() {
    FlushPiece();
    if (match_ != kNoMatch && match_ != kCarry) {
      carry_.Clear();
      for (size_t c = 0; c < window_.num_columns(); ++c) carry_.column(c).AppendFrom(window_.column(c), match_);
      match_ = kCarry;
    }
    if (match_ == kNoMatch) carry_.Clear();
    rp_ = re_ = match_from_ = 0;
    while (true) {
      ASSIGN_OR_RETURN(bool got, right_->Next(&window_));
      if (!got) {
        right_eof_ = true;
        window_ = RecordBatch(right_->fields());
        break;
      }
      if (window_.num_rows() > 0) break;
    }
    window_rows_ = window_.num_rows();
    window_ts_ = window_.column(rts_).int64s().data();
    return Status::OK();
  }

  std::unique_ptr<BatchStream> left_, right_;
  AsofOptions opt_;
  int lts_ = -1, lsym_ = -1, rts_ = -1, rsym_ = -1;
  std::vector<Field> fields_;
  std::vector<int> right_cols_;

  RecordBatch lb_;                // current left batch
  std::vector<uint32_t> idx_;     // per left row: window row, kCarry or kNoMatch
  std::vector<Column> out_cols_;  // right columns of the current output batch
  size_t piece_start_ = 0;        // first left row not yet materialized
  size_t cur_ = 0;                // left row being joined
  bool null_matches_ = false;     // the pending piece has a kNoMatch

  RecordBatch window_;  // current right batch
  RecordBatch carry_;   // 0 or 1 row: the match carried over from the previous window
  const int64_t* window_ts_ = nullptr;
  size_t window_rows_ = 0;
  size_t rp_ = 0;          // next window row not yet passed
  size_t re_ = 0;          // end of the left symbol's run in the window
  size_t match_from_ = 0;  // rp_ when match_ was last set from the window
  bool right_eof_ = false;
  uint32_t match_ = kNoMatch;
  int64_t match_ts_ = 0;

  bool have_left_sym_ = false, have_right_sym_ = false;
  std::string left_sym_, right_sym_;
  int64_t last_left_ts_ = INT64_MIN;
};

}  // namespace

Result<std::unique_ptr<BatchStream>> MakeAsofJoinStream(std::unique_ptr<BatchStream> left,
                                                        std::unique_ptr<BatchStream> right,
                                                        const AsofOptions& options) {
  auto s = std::make_unique<AsofJoinStream>(std::move(left), std::move(right), options);
  RETURN_IF_ERROR(s->Check());
  return std::unique_ptr<BatchStream>(std::move(s));
}

}  // namespace strata::query
