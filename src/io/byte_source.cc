#include "io/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace strata {
namespace {

class FileSource final : public ByteSource {
 public:
  FileSource(std::unique_ptr<RandomAccessFile> file, uint64_t size) : file_(std::move(file)), size_(size) {}
  Result<size_t> Read(char* buf, size_t n) override {
    ASSIGN_OR_RETURN(size_t got, file_->Read(offset_, n, buf));
    offset_ += got;
    return got;
  }
  std::optional<uint64_t> TotalSize() const override { return size_; }
  const std::string& name() const override { return file_->path(); }

 private:
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t size_;
  uint64_t offset_ = 0;
};

class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::string name, bool owned = false) : fd_(fd), name_(std::move(name)), owned_(owned) {}
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }
  Result<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return Status::IOError("read " + name_ + ": " + std::strerror(errno));
    }
  }
  std::optional<uint64_t> TotalSize() const override { return std::nullopt; }
  const std::string& name() const override { return name_; }

 private:
  int fd_;
  std::string name_;
  bool owned_;
};

class StringByteSource final : public ByteSource {
 public:
  StringByteSource(std::string data, std::string name) : data_(std::move(data)), name_(std::move(name)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  std::optional<uint64_t> TotalSize() const override { return data_.size(); }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  std::string name_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenFileSource(FileSystem* fs, const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + " is a directory, not a file");
    if (!S_ISREG(st.st_mode)) {
      // A pipe, FIFO, socket or device: no offsets to read at, so read it as a stream.
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
      return std::unique_ptr<ByteSource>(new FdSource(fd, path, /*owned=*/true));
    }
  }
  ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(path));
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  return std::unique_ptr<ByteSource>(new FileSource(std::move(file), size));
}

std::unique_ptr<ByteSource> StdinSource() { return std::make_unique<FdSource>(STDIN_FILENO, "<stdin>"); }

std::unique_ptr<ByteSource> StringSource(std::string data, std::string name) {
  return std::make_unique<StringByteSource>(std::move(data), std::move(name));
}

}  // namespace strata
