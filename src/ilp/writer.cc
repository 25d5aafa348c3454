#include <cstring>

#include "core/engine_metrics.h"
#include "ilp/batcher.h"
#include "ilp/ilp.h"
#include "ilp/parser.h"

namespace strata::ilp {

Result<Precision> ParsePrecision(std::string_view text) {
  if (text == "n" || text == "ns") return Precision::kNanos;
  if (text == "u" || text == "us") return Precision::kMicros;
  if (text == "ms") return Precision::kMillis;
  if (text == "s") return Precision::kSeconds;
  return Status::InvalidArgument("unknown precision '" + std::string(text.substr(0, 20)) + "' (use n, u, ms or s)");
}

std::string_view PrecisionName(Precision p) {
  switch (p) {
    case Precision::kNanos: return "n";
    case Precision::kMicros: return "u";
    case Precision::kMillis: return "ms";
    case Precision::kSeconds: return "s";
  }
  return "?";
}

namespace {

Status LineError(uint64_t line, std::string reason, WriteResult* result) {
  result->error_line = line;
  result->error_reason = reason;
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + reason);
}

std::string TooLong(size_t bytes, size_t limit) {
  return "the line is " + std::to_string(bytes) + " bytes, longer than the limit of " + std::to_string(limit) +
         " bytes";
}

// Parses and applies one line; a refused line becomes a line error.
Status ApplyOne(Batcher* batcher, Line* line, std::string_view text, uint64_t number, const Options& options,
                WriteResult* result) {
  if (text.size() > options.max_line_bytes)
    return LineError(number, TooLong(text.size(), options.max_line_bytes), result);
  std::string reason = ParseLine(text, line);
  if (!reason.empty()) return LineError(number, std::move(reason), result);
  if (line->empty) return Status::OK();
  Status st = batcher->Apply(*line);
  if (st.code() == StatusCode::kInvalidArgument) return LineError(number, st.message(), result);
  if (!st.ok()) return st.WithContext("line " + std::to_string(number));
  ++result->lines;
  return Status::OK();
}

// Offset just past the last line end in `text` (0 when it holds no complete line).
size_t CompleteLinesEnd(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    const void* nl = memrchr(text.data(), '\n', end);
    if (nl == nullptr) return 0;
    const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - text.data());
    size_t backslashes = 0;
    while (backslashes < at && text[at - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return at + 1;
    end = at;  // an escaped newline inside a value: look further back
  }
  return 0;
}

// Offset in `bytes` of the first '\n' that ends the line `kept` + `bytes` begins with (one not
// escaped, counting backslashes across the two), or npos.
size_t FirstLineEndAfter(std::string_view kept, std::string_view bytes) {
  size_t from = 0;
  for (;;) {
    const void* nl = std::memchr(bytes.data() + from, '\n', bytes.size() - from);
    if (nl == nullptr) return std::string_view::npos;
    const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - bytes.data());
    size_t backslashes = 0;
    while (backslashes < at && bytes[at - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes == at) {
      for (size_t i = kept.size(); i > 0 && kept[i - 1] == '\\'; --i) ++backslashes;
    }
    if (backslashes % 2 == 0) return at;
    from = at + 1;
  }
}

}  // namespace

Status Writer::WriteRequest(std::string_view body, const Options& options, WriteResult* result) {
  ScopedIngestSource source(IngestSource::kIlpHttp);  // metrics: rows per table and protocol
  Batcher batcher(db_, &options);
  LineSplitter lines(body);
  Line line;
  std::string_view text;
  uint64_t number;
  while (lines.Next(&text, &number)) {
    RETURN_IF_ERROR(ApplyOne(&batcher, &line, text, number, options, result));
  }
  return batcher.Commit(result);
}

StreamWriter::StreamWriter(Database* db, Options options)
    : db_(db), options_(std::move(options)), batcher_(std::make_unique<Batcher>(db_, &options_)) {}

StreamWriter::~StreamWriter() = default;

size_t StreamWriter::pending_rows() const { return batcher_->rows(); }

Status StreamWriter::Fail(Status st) {
  failed_ = st;
  return st;
}

Status StreamWriter::ApplyLines(std::string_view text, WriteResult* result) {
  LineSplitter lines(text, next_line_);
  Line line;
  std::string_view one;
  uint64_t number;
  while (lines.Next(&one, &number)) {
    next_line_ = number + 1;
    Status st = ApplyOne(batcher_.get(), &line, one, number, options_, result);
    if (!st.ok()) {
      // The lines before the bad one are kept.
      Status committed = batcher_->Commit(result);
      if (!committed.ok()) return Fail(committed);
      return Fail(st);
    }
    if (batcher_->rows() >= options_.max_batch_rows) {
      Status committed = batcher_->Commit(result);
      if (!committed.ok()) return Fail(committed);
    }
  }
  return Status::OK();
}

Status StreamWriter::Feed(std::string_view bytes, WriteResult* result) {
  ScopedIngestSource source(IngestSource::kIlpTcp);
  if (!failed_.ok()) return failed_;
  std::string_view text = bytes;
  if (!partial_.empty()) {
    // Complete the kept line with `bytes` up to its first line end (copying only that much).
    const size_t p = FirstLineEndAfter(partial_, bytes);
    if (p == std::string_view::npos) {
      if (partial_.size() + bytes.size() > options_.max_line_bytes) {
        Status committed = batcher_->Commit(result);
        if (!committed.ok()) return Fail(committed);
        return Fail(LineError(next_line_, TooLong(partial_.size() + bytes.size(), options_.max_line_bytes), result));
      }
      partial_.append(bytes);
      return Status::OK();
    }
    partial_.append(bytes.substr(0, p + 1));
    std::string line;
    line.swap(partial_);
    RETURN_IF_ERROR(ApplyLines(line, result));
    text = bytes.substr(p + 1);
  }
  const size_t end = CompleteLinesEnd(text);
  RETURN_IF_ERROR(ApplyLines(text.substr(0, end), result));
  std::string_view tail = text.substr(end);
  if (tail.size() > options_.max_line_bytes) {
    Status committed = batcher_->Commit(result);
    if (!committed.ok()) return Fail(committed);
    return Fail(LineError(next_line_, TooLong(tail.size(), options_.max_line_bytes), result));
  }
  partial_.assign(tail);
  return Status::OK();
}

Status StreamWriter::Commit(WriteResult* result) {
  ScopedIngestSource source(IngestSource::kIlpTcp);
  if (!failed_.ok()) return failed_;
  Status st = batcher_->Commit(result);
  if (!st.ok()) return Fail(st);
  return st;
}

Status StreamWriter::Finish(WriteResult* result) {
  ScopedIngestSource source(IngestSource::kIlpTcp);
  if (!failed_.ok()) return failed_;
  if (!partial_.empty()) {
    std::string last;
    last.swap(partial_);
    RETURN_IF_ERROR(ApplyLines(last, result));
  }
  return Commit(result);
}

}  // namespace strata::ilp
