#include "hot/series_chunk.h"

#include <algorithm>
#include <limits>

namespace strata {
namespace {

size_t AlignUp(size_t n) { return (n + 7) & ~size_t{7}; }

}  // namespace

SeriesChunk::SeriesChunk(const Schema& schema, uint32_t capacity, ChunkPool* pool)
    : capacity_(capacity), pool_(pool), cols_(schema.num_fields()) {
  // One allocation for every fixed-size array: fewer mallocs per chunk, and capacity is the honest
  // byte count.
  size_t total = 0;
  std::vector<size_t> value_at(cols_.size(), 0), validity_at(cols_.size(), 0);
  for (size_t c = 0; c < cols_.size(); ++c) {
    const Field& f = schema.field(c);
    if (f.type == ColumnType::kSymbol) continue;  // stored once per series, not per row
    value_at[c] = total;
    total += AlignUp(IsStringLike(f.type) ? sizeof(uint32_t) * capacity : size_t(FixedWidth(f.type)) * capacity);
    if (f.nullable) {
      validity_at[c] = total;
      total += AlignUp(capacity);
    }
  }
  fixed_bytes_ = std::max<size_t>(total, 8);
  fixed_ = pool_ ? pool_->Take(fixed_bytes_) : new uint8_t[fixed_bytes_];
  size_t strings = 0;
  for (const Field& f : schema.fields()) strings += f.type == ColumnType::kString ? 1 : 0;
  if (strings > 0) block_table_ = std::make_unique<StringBlock[]>(strings * kChunkMaxBlocks);
  size_t next_table = 0;
  for (size_t c = 0; c < cols_.size(); ++c) {
    const Field& f = schema.field(c);
    if (f.type == ColumnType::kSymbol) continue;
    cols_[c].values = fixed_ + value_at[c];
    if (f.nullable) cols_[c].validity = fixed_ + validity_at[c];
    if (f.type == ColumnType::kString) cols_[c].blocks = block_table_.get() + kChunkMaxBlocks * next_table++;
  }
  allocated_ = sizeof(SeriesChunk) + total + cols_.size() * sizeof(ChunkColumn) +
               strings * kChunkMaxBlocks * sizeof(StringBlock);
}

SeriesChunk::~SeriesChunk() {
  if (pool_) {
    pool_->Give(fixed_, fixed_bytes_);
  } else {
    delete[] fixed_;
  }
}

bool SeriesChunk::AddBlock(size_t c, size_t bytes) {
  ChunkColumn& col = cols_[c];
  if (col.num_blocks == kChunkMaxBlocks) return false;
  uint64_t start = 0;
  if (col.num_blocks > 0) {
    const StringBlock& last = col.blocks[col.num_blocks - 1];
    start = uint64_t{last.start} + last.capacity;
  }
  if (bytes == 0 || start + bytes > std::numeric_limits<uint32_t>::max()) return false;
  blocks_.push_back(std::make_unique_for_overwrite<char[]>(bytes));
  col.blocks[col.num_blocks] =
      StringBlock{blocks_.back().get(), static_cast<uint32_t>(start), static_cast<uint32_t>(bytes)};
  if (col.num_blocks == 0) col.used = 0;
  ++col.num_blocks;
  allocated_ += bytes;
  return true;
}

ChunkDirectory::~ChunkDirectory() {
  for (Entry* s : segments_) delete[] s;
}

size_t ChunkDirectory::Put(uint64_t i, Entry entry) {
  uint64_t q = i / kFirstSegment + 1;
  int s = 63 - __builtin_clzll(q);
  size_t added = 0;
  if (segments_[s] == nullptr) {
    size_t n = kFirstSegment << s;
    segments_[s] = new Entry[n];
    added = n * sizeof(Entry);
  }
  segments_[s][i - kFirstSegment * ((uint64_t{1} << s) - 1)] = entry;
  return added;
}

}  // namespace strata
