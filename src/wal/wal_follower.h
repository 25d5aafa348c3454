// Following the WAL of a writer in another process (`strata tail -f`).
//
// A WalFollower reads the records a writer appends, as they become complete in the segment
// files, without modifying anything. It keeps the segment it reads open, so the writer's flush
// deleting that segment (WalWriter::RemoveSegmentsUpTo) does not cut it off: POSIX keeps an
// unlinked file readable through an open handle. On a rollover it finishes the old segment (a
// segment is final once a newer one exists) and moves to the next. Only records in a segment that
// was created and deleted between two polls are missed; Poll reports those LSNs (DataLoss) and
// goes on after them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata {

class WalFollower {
 public:
  // Follows the log in `dir` from the record after `after_lsn`.
  WalFollower(FileSystem* fs, std::string dir, uint64_t after_lsn);
  ~WalFollower();

  // Calls fn(lsn, payload) for every record now complete in the log after the last one delivered,
  // in LSN order; returns how many. A record still being written (short, or not yet matching its
  // CRC at the end of the newest segment) is left for a later call. When records after the last
  // delivered one are gone (their segment was deleted before it could be opened), *lost says
  // which LSNs and the follower goes on after them. An error from fn stops the call and is
  // returned.
  Result<uint64_t> Poll(const std::function<Status(uint64_t lsn, std::string_view payload)>& fn, std::string* lost);

  // The last LSN delivered (or skipped as lost), i.e. the follower's position.
  uint64_t position() const { return next_lsn_ - 1; }

 private:
  // Reads the complete records of the open segment; *stuck = bytes left that are not (yet) a
  // complete record.
  Status ReadOpen(const std::function<Status(uint64_t, std::string_view)>& fn, uint64_t* delivered, bool* stuck);
  // Opens the segment after the current one (or, with none open, the one holding next_lsn_).
  // False when there is none yet.
  Result<bool> OpenNext(std::string* lost);

  FileSystem* fs_;
  const std::string dir_;
  uint64_t next_lsn_;
  uint64_t seq_ = 0;  // the open segment's sequence number (0: none open)
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t offset_ = 0;
  std::string buf_;
};

}  // namespace strata
