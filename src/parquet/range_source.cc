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
  Result<std::string_view> ReadRangeView(uint64_t offset, uint64_t n, std::string* scratch) override {
    if (offset > size_ || n > size_ - offset) return OutOfRange(name(), offset, n, size_);
    // The scratch buffer only grows, so steady-state reads neither allocate nor zero-fill.
    if (scratch->size() < n) scratch->resize(n);
    ASSIGN_OR_RETURN(size_t got, file_->Read(offset, n, scratch->data()));
    if (got != n) {
      return Status::IOError(name() + ": short read at offset " + std::to_string(offset) + " (" + std::to_string(got) +
                             " of " + std::to_string(n) + " bytes)");
    }
    return std::string_view(scratch->data(), n);
  }
  Result<uint64_t> Size() override { return size_; }
  const std::string& name() const override { return file_->path(); }

 private:
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t size_;
};

class MappedRangeSource final : public RangeSource {
 public:
  explicit MappedRangeSource(std::unique_ptr<MappedFile> map) : map_(std::move(map)) {}
  Result<std::string> ReadRange(uint64_t offset, uint64_t n) override {
    ASSIGN_OR_RETURN(std::string_view v, ReadRangeView(offset, n, nullptr));
    return std::string(v);
  }
  Result<std::string_view> ReadRangeView(uint64_t offset, uint64_t n, std::string*) override {
    std::string_view d = map_->data();
    if (offset > d.size() || n > d.size() - offset) return OutOfRange(name(), offset, n, d.size());
    return d.substr(offset, n);
  }
  Result<uint64_t> Size() override { return map_->data().size(); }
  const std::string& name() const override { return map_->path(); }
  bool concurrent_reads() const override { return true; }

 private:
  std::unique_ptr<MappedFile> map_;
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
  bool concurrent_reads() const override { return true; }

 private:
  std::string data_;
  std::string name_;
};

}  // namespace

Result<std::string_view> RangeSource::ReadRangeView(uint64_t offset, uint64_t n, std::string* scratch) {
  ASSIGN_OR_RETURN(*scratch, ReadRange(offset, n));
  return std::string_view(*scratch);
}

Result<std::unique_ptr<RangeSource>> OpenFileRangeSource(FileSystem* fs, const std::string& path) {
  auto map = fs->MapFile(path);
  if (map.ok() && !(*map)->data().empty()) return std::unique_ptr<RangeSource>(new MappedRangeSource(std::move(*map)));
  ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(path));
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  return std::unique_ptr<RangeSource>(new FileRangeSource(std::move(file), size));
}

std::unique_ptr<RangeSource> MakeMappedRangeSource(std::unique_ptr<MappedFile> map) {
  return std::unique_ptr<RangeSource>(new MappedRangeSource(std::move(map)));
}

Result<std::unique_ptr<RangeSource>> MakeRandomAccessRangeSource(std::unique_ptr<RandomAccessFile> file) {
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  return std::unique_ptr<RangeSource>(new FileRangeSource(std::move(file), size));
}

std::unique_ptr<RangeSource> MakeStringRangeSource(std::string data, std::string name) {
  return std::make_unique<StringRangeSource>(std::move(data), std::move(name));
}

}  // namespace strata::parquet
