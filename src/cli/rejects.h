// The --rejects FILE of `ingest` and `parquet write`: the bad lines of a CSV input, written so
// that the file can be fixed and fed back as it is.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "csv/csv_reader.h"
#include "strata/file_system.h"

namespace strata::cli {

class RejectsFile {
 public:
  // Creates (or empties) `path`, after checking that it is not the input (`input`, "-" for
  // stdin): opening it would truncate the input before a byte of it is read.
  static Result<std::unique_ptr<RejectsFile>> Open(const std::string& path, const std::string& input);

  // Sets options->skip_bad_lines and an on_reject that writes to this file. The reader that
  // `*reader` will point to (set after CsvReader::Open) supplies the header row, written before
  // the first bad line, and each line's own line end (LF or CRLF).
  // REQUIRES: this object and *reader outlive the reads.
  void Attach(CsvOptions* options, const std::unique_ptr<CsvReader>* reader);

  // Closes the file; the first write error, if any, naming the file.
  Status Close();

 private:
  explicit RejectsFile(std::string path, std::unique_ptr<WritableFile> file)
      : path_(std::move(path)), file_(std::move(file)) {}

  std::string path_;
  std::unique_ptr<WritableFile> file_;
  bool wrote_header_ = false;
  Status error_;
  std::string text_;
};

}  // namespace strata::cli
