// Reading a WAL segment's bytes record by record, as archiving, point-in-time restore and the
// replica check them (src/backup/README.md). Internal to src/backup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/status.h"

namespace strata::backup {

struct WalkedRecord {
  uint64_t lsn;
  size_t end;  // byte offset just past the record
  std::optional<int64_t> time;
};

// One segment's bytes, checked record by record (CRC, LSN continuity).
struct WalkedSegment {
  std::string name;  // for messages: an archive URI or a restored path
  std::string bytes;
  uint64_t first_lsn = 0;
  uint32_t flags = 0;
  std::vector<WalkedRecord> records;
  uint64_t last_lsn() const { return records.empty() ? first_lsn - 1 : records.back().lsn; }
};

// tolerate_tail: a bad frame ends the segment quietly (a backup's copy of a segment that was
// being appended to); otherwise it is Corruption naming the segment and offset.
Result<WalkedSegment> Walk(std::string name, std::string bytes, bool tolerate_tail);

}  // namespace strata::backup
