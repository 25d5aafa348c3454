// Rows of parsed lines gathered per table, ready to be committed as one transaction. Internal to
// the ILP module (Writer and StreamWriter use it).
//
// Applying a line checks everything about it first (table, series key, each value against its
// column's type, non-nullable columns present, timestamp range) and only then appends, so a
// refused line leaves the batch as it was: the lines before it can still be committed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ilp/ilp.h"
#include "ilp/parser.h"
#include "strata/batch.h"

namespace strata::ilp {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

// Whether the database can add a column to an existing table (Database::AddColumn).
inline constexpr bool kCanAddColumns = true;

class Batcher {
 public:
  Batcher(Database* db, const Options* options) : db_(db), options_(options) {}

  // Adds the line's row. A refused line returns InvalidArgument with the reason alone (the caller
  // adds the line number) and changes nothing; other codes are database errors.
  Status Apply(const Line& line);
  // Creates the tables and columns the rows need, then appends every table's rows in one
  // Database::AppendAtomically. The batch is empty afterwards, whatever the outcome.
  Status Commit(WriteResult* result);
  size_t rows() const { return rows_; }
  void Clear();

 private:
  struct TableBuild {
    std::string name;
    bool exists = false;  // in the catalog when first seen
    std::vector<Field> fields;
    std::vector<Column> columns;
    std::unordered_map<std::string, int, StringHash, std::equal_to<>> index;
    int ts_col = -1, sym_col = -1;
    size_t non_nullable = 0;  // non-nullable columns other than ts and symbol
    size_t rows = 0;
    std::vector<uint64_t> stamp;  // per column: the Apply() that last set it
    // The previous line's keys (tags then fields) and their columns: lines of one feed repeat
    // them, so a match skips the hash lookups.
    std::vector<std::string> layout_keys;
    std::vector<int> layout_cols;
  };
  struct Resolved {
    int col;  // -1: a new column, new_columns_[new_index]
    int new_index;
    const Tag* tag;
    const FieldValue* field;
  };

  Result<TableBuild*> FindTable(const Line& line);
  Status AddColumn(TableBuild* t, Field field);
  Status Conform(TableBuild* t, WriteResult* result);

  Database* db_;
  const Options* options_;
  std::vector<std::unique_ptr<TableBuild>> tables_;
  TableBuild* last_ = nullptr;
  size_t rows_ = 0;
  uint64_t apply_seq_ = 0;
  std::vector<Resolved> resolved_;
  std::vector<Field> new_columns_;
};

}  // namespace strata::ilp
