// The fixture shared by the fault-injecting file system's tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "io/fault_injection_fs.h"
#include "testutil/testutil.h"

namespace strata {

// A TempDir and a FaultInjectionFileSystem over the POSIX file system.
class FaultFsFixture : public ::testing::Test {
 protected:
  std::string P(const std::string& name) const { return dir_.Join(name); }
  // What is on disk now, read around the fault FS (which refuses reads after a crash).
  std::string Disk(const std::string& name) const {
    return DefaultFileSystem()->ReadFile(P(name)).ValueOr("<missing>");
  }
  bool OnDisk(const std::string& name) const { return DefaultFileSystem()->Exists(P(name)).ValueOr(false); }
  // Setup straight on the base file system: there before the fault FS looks, so durable.
  void Seed(const std::string& name, const std::string& contents) const {
    ASSERT_OK(DefaultFileSystem()->CreateDirs(DirName(P(name))));
    testing::WriteTextFile(P(name), contents);
  }
  Status Write(const std::string& name, std::string_view data, bool sync, OpenMode mode = OpenMode::kTruncate) {
    ASSIGN_OR_RETURN(auto file, fs_.NewWritableFile(P(name), mode));
    RETURN_IF_ERROR(file->Append(data));
    if (sync) RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }

  testing::TempDir dir_;
  FaultInjectionFileSystem fs_{DefaultFileSystem()};
};

}  // namespace strata
