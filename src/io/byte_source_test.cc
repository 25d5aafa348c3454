#include "io/byte_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>

#include "testutil/testutil.h"

namespace strata {
namespace {

// Reads `src` to the end in reads of at most `chunk` bytes.
Result<std::string> Drain(ByteSource* src, size_t chunk) {
  std::string out, buf(chunk, '\0');
  while (true) {
    ASSIGN_OR_RETURN(size_t got, src->Read(buf.data(), chunk));
    if (got == 0) return out;
    if (got > chunk) return Status::Internal("read more than asked");
    out.append(buf.data(), got);
  }
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

TEST(StringSource, ReadsInChunksAndStaysAtTheEnd) {
  auto src = StringSource("hello, world", "mem.csv");
  EXPECT_EQ(src->name(), "mem.csv");
  EXPECT_EQ(src->TotalSize(), std::optional<uint64_t>(12));
  char buf[5];
  EXPECT_EQ(*src->Read(buf, 5), 5u);
  EXPECT_EQ(std::string(buf, 5), "hello");
  ASSERT_OK_AND_ASSIGN(std::string rest, Drain(src.get(), 3));
  EXPECT_EQ(rest, ", world");
  EXPECT_EQ(*src->Read(buf, 5), 0u);
  EXPECT_EQ(*src->Read(buf, 5), 0u) << "the end is sticky";
}

TEST(StringSource, EmptyAndZeroLengthReads) {
  auto src = StringSource("", "empty");
  char buf[1];
  EXPECT_EQ(*src->Read(buf, 1), 0u);
  EXPECT_EQ(src->TotalSize(), std::optional<uint64_t>(0));
  auto data = StringSource("ab", "x");
  EXPECT_EQ(*data->Read(buf, 0), 0u);
  EXPECT_EQ(*data->Read(buf, 1), 1u);
  EXPECT_EQ(buf[0], 'a');
}

TEST(FileSource, ReadsTheWholeFileThroughTheFileSystem) {
  testing::TempDir dir;
  const std::string path = dir.Join("data.csv");
  const std::string want = Pattern(3 * 1000 * 1000 + 17);
  testing::WriteTextFile(path, want);
  for (size_t chunk : {size_t{1} << 22, size_t{65536}, size_t{4093}}) {
    ASSERT_OK_AND_ASSIGN(auto src, OpenFileSource(DefaultFileSystem(), path));
    EXPECT_EQ(src->name(), path);
    EXPECT_EQ(src->TotalSize(), std::optional<uint64_t>(want.size()));
    ASSERT_OK_AND_ASSIGN(std::string got, Drain(src.get(), chunk));
    EXPECT_EQ(got.size(), want.size()) << "chunk " << chunk;
    EXPECT_TRUE(got == want) << "chunk " << chunk;
  }
}

TEST(FileSource, EmptyFile) {
  testing::TempDir dir;
  testing::WriteTextFile(dir.Join("e"), "");
  ASSERT_OK_AND_ASSIGN(auto src, OpenFileSource(DefaultFileSystem(), dir.Join("e")));
  EXPECT_EQ(src->TotalSize(), std::optional<uint64_t>(0));
  char buf[8];
  EXPECT_EQ(*src->Read(buf, 8), 0u);
}

TEST(FileSource, MissingFileIsNotFoundNamingThePath) {
  testing::TempDir dir;
  auto missing = OpenFileSource(DefaultFileSystem(), dir.Join("nope.csv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find(dir.Join("nope.csv")), std::string::npos) << missing.status().ToString();
}

TEST(FileSource, ReadingADirectoryFailsNamingThePath) {
  testing::TempDir dir;
  auto src = OpenFileSource(DefaultFileSystem(), dir.path());
  Status st = src.status();
  if (src.ok()) {  // POSIX lets open() succeed on a directory; the read fails instead
    char buf[16];
    st = (*src)->Read(buf, sizeof buf).status();
  }
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(dir.path()), std::string::npos) << st.ToString();
}

// Points fd 0 at a pipe for the life of the object, then restores it.
class StdinFromPipe {
 public:
  explicit StdinFromPipe(const std::string& data) {
    int fds[2];
    ok_ = ::pipe(fds) == 0;
    if (!ok_) return;
    saved_ = ::dup(STDIN_FILENO);
    ok_ = saved_ >= 0 && ::dup2(fds[0], STDIN_FILENO) == STDIN_FILENO;
    ::close(fds[0]);
    // Small enough to fit the pipe buffer, so writing before reading cannot block.
    ok_ = ok_ && ::write(fds[1], data.data(), data.size()) == static_cast<ssize_t>(data.size());
    ::close(fds[1]);
  }
  ~StdinFromPipe() {
    if (saved_ >= 0) {
      ::dup2(saved_, STDIN_FILENO);
      ::close(saved_);
    }
  }
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
  int saved_ = -1;
};

TEST(StdinSource, ReadsFdZeroUntilTheWriterCloses) {
  const std::string want = Pattern(20000);
  StdinFromPipe pipe(want);
  ASSERT_TRUE(pipe.ok());
  auto src = StdinSource();
  EXPECT_EQ(src->name(), "<stdin>");
  EXPECT_EQ(src->TotalSize(), std::nullopt);
  ASSERT_OK_AND_ASSIGN(std::string got, Drain(src.get(), 4096));
  EXPECT_TRUE(got == want);
}

TEST(StdinSource, ReadErrorNamesStdin) {
  // A write-only end of a pipe on fd 0 makes read() fail with EBADF.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int saved = ::dup(STDIN_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(::dup2(fds[1], STDIN_FILENO), STDIN_FILENO);
  char buf[8];
  Status st = StdinSource()->Read(buf, sizeof buf).status();
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  ::close(fds[0]);
  ::close(fds[1]);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("<stdin>"), std::string::npos) << st.ToString();
}

TEST(FileSource, ReadsAFifoAsAStream) {
  testing::TempDir dir;
  const std::string fifo = dir.Join("in.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string data = Pattern(300000);
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);  // waits for the reader
    if (fd < 0) return;
    for (size_t off = 0; off < data.size();) {
      const ssize_t n = ::write(fd, data.data() + off, std::min<size_t>(7000, data.size() - off));
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fd);
  });
  auto src = OpenFileSource(DefaultFileSystem(), fifo);
  std::string got;
  if (src.ok()) {
    EXPECT_EQ((*src)->TotalSize(), std::nullopt);
    EXPECT_EQ((*src)->name(), fifo);
    auto all = Drain(src->get(), 65536);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    if (all.ok()) got = *all;
  } else {
    // Unblock the writer.
    const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
  writer.join();
  ASSERT_OK(src.status());
  EXPECT_EQ(got, data);
}

TEST(FileSource, ADirectoryIsNamed) {
  testing::TempDir dir;
  auto src = OpenFileSource(DefaultFileSystem(), dir.path());
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().message(), dir.path() + " is a directory, not a file");
}

}  // namespace
}  // namespace strata
