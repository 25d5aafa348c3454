#include "parquet/range_source.h"

namespace strata::parquet {
namespace {

Status OutOfRange(const std::string& name, uint64_t offset, uint64_t n, uint64_t size) {
  return Status::Corruption(name + ": range [" + std::to_string(offset) + ", +" + std::to_string(n) +
                            ") lies beyond the end of the file (" + std::to_string(size) + " bytes)");
}

class FileRangeSource final : public RangeSource {
 public:
  FileRangeSource(std::unique_ptr<RandomAccessFile> file, uint64_t size) : file_(std::move(file)), size_(size) {}

  Result<std::string> ReadRange(uint64_t offset, uint64_t n) override {
    if (offset > size_ || n > size_ - offset) return OutOfRange(name(), offset, n, size_);
    std::string out(n, '\0');
    ASSIGN_OR_RETURN(size_t got, file_->Read(offset, n, out.data()));
    if (got != n) {
      return Status::IOError(name() + ": short read at offset " + std::to_string(offset) + " (" + std::to_string(got) +
                             " of " + std::to_string(n) + " bytes)");
    }
    return out;
  }
  Result<uint64_t> Size() override { return size_; }
  const std::string& name() const override { return file_->path(); }

 private:
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t size_;
};

class StringRangeSource final : public RangeSource {
 public:
  StringRangeSource(std::string data, std::string name) : data_(std::move(data)), name_(std::move(name)) {}
  Result<std::string> ReadRange(uint64_t offset, uint64_t n) override {
    if (offset > data_.size() || n > data_.size() - offset) return OutOfRange(name_, offset, n, data_.size());
    return data_.substr(offset, n);
  }
  Result<uint64_t> Size() override { return data_.size(); }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<RangeSource>> OpenFileRangeSource(FileSystem* fs, const std::string& path) {
  ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(path));
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  return std::unique_ptr<RangeSource>(new FileRangeSource(std::move(file), size));
}

std::unique_ptr<RangeSource> MakeStringRangeSource(std::string data, std::string name) {
  return std::make_unique<StringRangeSource>(std::move(data), std::move(name));
}

}  // namespace strata::parquet
