// Storage blocks of one hot series (internal to src/hot):
//  - SeriesChunk: a fixed number of rows of every column except the symbol, allocated once and
//    never moved. String columns keep one uint32 end offset per row plus a chain of up to
//    kChunkMaxBlocks character blocks, so the arena grows without moving bytes.
//  - ChunkDirectory: the chunk pointers of a series, in segments that never move, so a reader can
//    index it while the writer adds chunks.
//
// Thread-safety: one writer (holding the series' writer mutex) fills a chunk while readers read
// rows the writer has published (see the memory-ordering note in series_buffer.h). Fields marked
// "writer-only" are never read by readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "hot/chunk_pool.h"
#include "strata/schema.h"

namespace strata {

inline constexpr uint32_t kChunkMaxBlocks = 8;

// A string column's character block. Blocks cover consecutive ranges of a chunk-local "virtual"
// offset space: block b holds offsets [start, start + capacity), and block b+1 starts at the end of
// block b even if the writer left b's tail unused. A row's string lies inside one block, and its
// end offset is stored per row, so its block is the first one whose range reaches that end.
struct StringBlock {
  char* data = nullptr;
  uint32_t start = 0;
  uint32_t capacity = 0;
};

struct ChunkColumn {
  // Fixed-width values (capacity × width bytes), or for string columns one uint32 end offset per row
  // (virtual offsets; a row's begin is max(previous end, start of its block)).
  uint8_t* values = nullptr;
  uint8_t* validity = nullptr;    // nullable columns only: one byte per row, 1 = valid
  StringBlock* blocks = nullptr;  // string columns only: kChunkMaxBlocks entries, num_blocks in use
  // Writer-only: blocks in use, the block being filled and the virtual end of the bytes written.
  uint32_t num_blocks = 0;
  uint32_t fill_block = 0;
  uint32_t used = 0;

  template <typename T>
  const T* As() const {
    return reinterpret_cast<const T*>(values);
  }
  template <typename T>
  T* As() {
    return reinterpret_cast<T*>(values);
  }
  // The string of row i. `block` is a hint (the block of a nearby earlier row, or 0) and is updated,
  // so a forward walk over rows costs O(1) per row. REQUIRES: row i is published.
  std::string_view StringAt(uint32_t i, uint32_t* block) const {
    const uint32_t* ends = As<uint32_t>();
    uint32_t end = ends[i];
    uint32_t prev = i == 0 ? 0 : ends[i - 1];
    if (end == prev) return {};
    uint32_t b = *block;
    if (b > 0 && blocks[b].start >= end) b = 0;  // the hint is past this row
    // Reads only blocks up to the one holding `end`, all written before row i was published.
    while (end - blocks[b].start > blocks[b].capacity) ++b;
    *block = b;
    uint32_t begin = prev > blocks[b].start ? prev : blocks[b].start;
    return std::string_view(blocks[b].data + (begin - blocks[b].start), end - begin);
  }
};

class SeriesChunk {
 public:
  // Allocates the fixed-width, end-offset and validity arrays of `capacity` rows for every column
  // of `schema` but the symbol column, from `pool` (which must outlive the chunk; may be null).
  // String columns get no block yet (see AddBlock).
  SeriesChunk(const Schema& schema, uint32_t capacity, ChunkPool* pool);
  ~SeriesChunk();
  SeriesChunk(const SeriesChunk&) = delete;
  SeriesChunk& operator=(const SeriesChunk&) = delete;

  uint32_t capacity() const { return capacity_; }
  ChunkColumn& column(size_t c) { return cols_[c]; }
  const ChunkColumn& column(size_t c) const { return cols_[c]; }

  // Writer-only. Appends a block of `bytes` to string column c. Returns false (and allocates
  // nothing) when the column already has kChunkMaxBlocks blocks or the virtual offsets would pass
  // 4 GiB; the caller then seals the chunk.
  bool AddBlock(size_t c, size_t bytes);

  // Everything this chunk allocated, headers included.
  size_t allocated_bytes() const { return allocated_; }

 private:
  uint32_t capacity_;
  ChunkPool* const pool_;
  uint8_t* fixed_ = nullptr;  // all fixed arrays of all columns, one allocation of fixed_bytes_
  size_t fixed_bytes_ = 0;
  std::vector<ChunkColumn> cols_;               // sized once; never resized (readers hold pointers into it)
  std::unique_ptr<StringBlock[]> block_table_;  // kChunkMaxBlocks per string column
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t allocated_ = 0;
};

// Chunk pointers of one series generation. Entry i lives in segment s = floor(log2(i/8 + 1)),
// which has 8 << s entries; segments are allocated on demand and never move or shrink.
class ChunkDirectory {
 public:
  struct Entry {
    const SeriesChunk* chunk = nullptr;
    uint64_t first_row = 0;  // series row number of the chunk's first row
  };

  ChunkDirectory() = default;
  ChunkDirectory(const ChunkDirectory&) = delete;
  ChunkDirectory& operator=(const ChunkDirectory&) = delete;
  ~ChunkDirectory();

  // Writer-only. Sets entry i, which must be the next one (i == number of entries so far). Returns
  // the bytes newly allocated for a segment (0 if none).
  size_t Put(uint64_t i, Entry entry);
  // REQUIRES: entry i was Put before the caller acquired the publication that covers it.
  const Entry& Get(uint64_t i) const {
    uint64_t q = i / kFirstSegment + 1;
    int s = 63 - __builtin_clzll(q);
    return segments_[s][i - kFirstSegment * ((uint64_t{1} << s) - 1)];
  }

 private:
  static constexpr uint64_t kFirstSegment = 8;
  static constexpr int kSegments = 28;  // 8 × 2^28 chunks of up to 16K rows: unbounded in practice
  Entry* segments_[kSegments] = {};
};

}  // namespace strata
