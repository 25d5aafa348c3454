// Helpers shared by the CSV tests (header-only, test code only).
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "csv/csv_reader.h"
#include "strata/batch.h"

namespace strata::csvtest {

// Returns 1..7 bytes per Read (varying), so lines, CRLFs and quotes straddle reads everywhere.
class TrickleSource final : public ByteSource {
 public:
  explicit TrickleSource(std::string data, std::string name = "trickle.csv")
      : data_(std::move(data)), name_(std::move(name)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, data_.size() - pos_, size_t{1} + (pos_ * 31 + calls_++) % 7});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  std::optional<uint64_t> TotalSize() const override { return std::nullopt; }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  std::string name_;
  size_t pos_ = 0;
  size_t calls_ = 0;
};

// Serves `data`, then fails every later Read with `error` instead of reporting the end.
class FailingSource final : public ByteSource {
 public:
  FailingSource(std::string data, Status error) : data_(std::move(data)), error_(std::move(error)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ == data_.size()) return error_;
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  std::optional<uint64_t> TotalSize() const override { return std::nullopt; }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  Status error_;
  std::string name_ = "failing.csv";
  size_t pos_ = 0;
};

// Reads every batch; returns all rows or the first error.
inline Result<RecordBatch> ReadAll(std::unique_ptr<ByteSource> src, const Schema& schema, CsvOptions options = {},
                                   std::vector<size_t>* batch_sizes = nullptr) {
  ASSIGN_OR_RETURN(auto reader, CsvReader::Open(std::move(src), schema, std::move(options)));
  RecordBatch all(schema), batch;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&batch));
    if (!more) break;
    if (batch_sizes != nullptr) batch_sizes->push_back(batch.num_rows());
    RETURN_IF_ERROR(batch.ValidateAgainst(schema));
    RETURN_IF_ERROR(all.Append(batch));
  }
  return all;
}

inline Result<RecordBatch> ReadText(const std::string& text, const Schema& schema, CsvOptions options = {}) {
  return ReadAll(StringSource(text, "t.csv"), schema, std::move(options));
}

// The error of reading `text` (OK if it reads).
inline Status ReadError(const std::string& text, const Schema& schema, CsvOptions options = {}) {
  return ReadText(text, schema, std::move(options)).status();
}

// One field as CSV text: quoted when it holds a delimiter, a quote, or is an empty string that
// must not read as null.
inline std::string CsvField(const Column& col, size_t row) {
  if (col.IsNull(row)) return "";
  if (!IsStringLike(col.type())) {
    RecordBatch one({Field{"x", col.type(), false}}, {col.Slice(row, 1)});
    return one.RowToString(0);
  }
  std::string_view s = col.GetString(row);
  if (!s.empty() && s.find_first_of(",\"") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// `batch` as CSV with the columns in the order `order` (indexes into the batch's fields).
inline std::string ToCsv(const RecordBatch& batch, const std::vector<size_t>& order, const char* eol = "\n") {
  std::string out;
  for (size_t i = 0; i < order.size(); ++i) out += (i ? "," : "") + batch.fields()[order[i]].name;
  out += eol;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    for (size_t i = 0; i < order.size(); ++i) out += (i ? "," : "") + CsvField(batch.column(order[i]), r);
    out += eol;
  }
  return out;
}

}  // namespace strata::csvtest
