// What a duplicate row is, in one place for every tier (issue 13 #2): the hot tier at insert, the
// scan's merge across tiers, flush and migration all drop the same rows, so an answer never
// depends on where the rows sit.
//
// Two rows of one series (table, symbol) are duplicates when they have the same timestamp and
//   - the same value of the table's dedup key, when the table has one (QuestDB's
//     `DEDUP UPSERT KEYS(ts, key)`, except that the first arrival wins, not the last);
//   - equal values in every column, when it has none.
// Of a set of duplicates the first in (ts, arrival) order is kept: cold before warm before hot,
// files in catalog-id order, rows in stored order. Duplicates always share a timestamp, so a
// reader finds them among neighbours of a ts-sorted stream without remembering anything else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "strata/batch.h"
#include "strata/schema.h"

namespace strata::tier {

// Positions in `fields` (some columns of `schema`, in any order) of the columns that tell two rows
// of a series at one timestamp apart: the key column when `key` is set, else every column but the
// schema's timestamp and symbol (equal within a series). Empty when `key` is not among `fields`.
std::vector<int> IdentityColumns(const std::vector<Field>& fields, const Schema& schema,
                                 const std::optional<std::string>& key);

// True when row i of a and row j of b hold equal values (null equal to null, floats bitwise) in
// columns `cols` (positions valid in both).
bool SameIdentity(const RecordBatch& a, size_t i, const RecordBatch& b, size_t j, const std::vector<int>& cols);

// The rows kept so far at one timestamp: tells whether another row at that timestamp duplicates
// one of them. Keeps a copy of each row it records (rows of equal ts are few), so the batches
// they came from may go away. Linear search up to a few dozen rows, hashed beyond.
class TsRunSet {
 public:
  // Rows given to SeenOrAdd have `fields`; `cols` are positions in them (IdentityColumns).
  TsRunSet(std::vector<Field> fields, std::vector<int> cols) : cols_(std::move(cols)), kept_(std::move(fields)) {}
  // Forgets every row (a new timestamp begins).
  void Clear();
  bool empty() const { return rows_ == 0; }
  // True when row i of `b` duplicates a recorded row; otherwise records it and returns false.
  bool SeenOrAdd(const RecordBatch& b, size_t i);

 private:
  uint64_t Hash(const RecordBatch& b, size_t i) const;

  std::vector<int> cols_;
  RecordBatch kept_;  // the recorded rows (every column of the batches they came from)
  size_t rows_ = 0;
  std::unordered_multimap<uint64_t, size_t> index_;  // by Hash, once rows_ passes kLinear
  static constexpr size_t kLinear = 32;
};

// The position of the table's dedup key in its schema, or -1 when it has none.
int KeyColumn(const TableDef& def);

// Removes duplicates from a ts-sorted batch of one series (stable: the first of each set is
// kept). `key_col` is the dedup key's position in the batch, or -1 for a table without one.
// Returns how many rows were removed. O(rows) when no two rows share a timestamp.
size_t Dedup(RecordBatch* batch, int key_col);

}  // namespace strata::tier
