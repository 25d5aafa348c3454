// Row filters (`--where`): a small expression language, parsed once, bound to a batch's fields
// and evaluated a column at a time into a selection vector.
//
//   expr    := or
//   or      := and ("or" and)*
//   and     := not ("and" not)*
//   not     := "not" not | "(" expr ")" | pred
//   pred    := column op literal | column ["not"] "in" "(" literal ("," literal)* ")"
//   op      := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//   literal := number | 'string' | "string" | true | false | bare ISO time (2026-03-02T14:30:00Z)
//
// Keywords are case-insensitive. Strings compare byte-wise; timestamp columns take ISO-8601
// literals (quoted or bare) or integer ns; integer columns compare exactly with integer literals
// and as doubles with fractional ones. SQL null semantics: a comparison with a null value is
// unknown, and only rows whose whole expression is true are kept (`not (x > 1)` does not keep a
// null x). Errors name the position (0-based character offset) and what was expected.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/batch_stream.h"

namespace strata::query {

struct FilterNode;

// A parsed expression, not yet tied to a schema.
class FilterExpr {
 public:
  ~FilterExpr();
  FilterExpr(FilterExpr&&) noexcept;
  FilterExpr& operator=(FilterExpr&&) noexcept;

  // InvalidArgument with the position for bad syntax.
  static Result<FilterExpr> Parse(std::string_view text);
  // The column names the expression mentions (each once, in order of appearance).
  std::vector<std::string> Columns() const;
  const std::string& text() const { return text_; }

 private:
  friend class Filter;
  FilterExpr() = default;
  std::string text_;
  std::unique_ptr<FilterNode> root_;
};

// An expression bound to fields: literals converted to the columns' types, `not` pushed down.
class Filter {
 public:
  ~Filter();
  // InvalidArgument (with position) for an unknown column or a literal of the wrong type.
  static Result<std::shared_ptr<const Filter>> Bind(const FilterExpr& expr, const std::vector<Field>& fields);
  // Parse + Bind.
  static Result<std::shared_ptr<const Filter>> Compile(std::string_view text, const std::vector<Field>& fields);

  // The rows of `batch` (whose fields must be the bound fields) that pass, ascending.
  void Select(const RecordBatch& batch, std::vector<uint32_t>* selection) const;
  // The bound expression as text (after pushing `not` down), for --explain.
  std::string ToString() const;

  struct Node;

 private:
  Filter() = default;
  std::unique_ptr<Node> root_;
  std::vector<Field> fields_;
};

// Rows of `input` that pass `filter` (bound to input's fields). Empty batches are skipped.
std::unique_ptr<BatchStream> MakeFilterStream(std::unique_ptr<BatchStream> input, std::shared_ptr<const Filter> filter);

}  // namespace strata::query
