#include "cli/rejects.h"

namespace strata::cli {

Result<std::unique_ptr<RejectsFile>> RejectsFile::Open(const std::string& path, const std::string& input) {
  RETURN_IF_ERROR(CheckOutputIsNotInput(path, {input}).WithContext("--rejects"));
  ASSIGN_OR_RETURN(auto file, DefaultFileSystem()->NewWritableFile(path, OpenMode::kTruncate));
  return std::unique_ptr<RejectsFile>(new RejectsFile(path, std::move(file)));
}

void RejectsFile::Attach(CsvOptions* options, const std::unique_ptr<CsvReader>* reader) {
  options->skip_bad_lines = true;
  options->on_reject = [this, reader](uint64_t, std::string_view line, const Status&) {
    if (!error_.ok()) return;
    const CsvReader& r = **reader;
    text_.clear();
    if (!wrote_header_) {
      text_.append(r.header_line());
      // A header that ended the input has no line end of its own: use the bad line's, or LF.
      std::string_view end = r.header_line_end();
      if (end.empty()) end = r.line_end().empty() ? std::string_view("\n") : r.line_end();
      text_.append(end);
      wrote_header_ = true;
    }
    text_.append(line);
    text_.append(r.line_end().empty() ? std::string_view("\n") : r.line_end());
    error_ = file_->Append(text_);
  };
}

Status RejectsFile::Close() {
  Status st = file_->Close();
  if (error_.ok()) error_ = st;
  return error_.WithContext("writing rejects to " + path_);
}

}  // namespace strata::cli
