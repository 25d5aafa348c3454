// The parser's state, shared by parser.cc (statements, queries, FROM) and parser_expr.cc
// (expressions). Not installed; include only from src/sql/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.h"
#include "sql/lexer.h"
#include "strata/status.h"

namespace strata::sql::internal {

// Words that can never be a bare identifier (quote them: "order").
bool IsReserved(const Token& t);

class Parser {
 public:
  Parser(std::string_view source, std::vector<Token> tokens) : source_(source), toks_(std::move(tokens)) {}

  Result<Statement> ParseStatement();
  Result<ExprPtr> ParseExpr();
  bool AtEnd() const { return Peek().kind == TokenKind::kEnd; }
  // ';' or the end: where a statement may stop.
  bool AtStatementEnd() const { return AtEnd() || Peek().IsOp(";"); }
  const Token& Peek(size_t k = 0) const { return toks_[i_ + k < toks_.size() ? i_ + k : toks_.size() - 1]; }
  const Token& Take() { return toks_[i_ + 1 < toks_.size() ? i_++ : i_]; }
  bool Accept(std::string_view word);
  bool AcceptOp(std::string_view op);
  Status ExpectWord(std::string_view word);  // word in upper case for the message
  Status ExpectOp(std::string_view op);
  // "line L, column C: expected <what>, found <the next token>".
  Status Expected(std::string_view what) const;
  Status ExpectedAt(const Token& t, std::string_view what) const;
  // 'FORM', string 'abc', end of input.
  std::string Describe(const Token& t) const;

 private:
  friend class NestGuard;

  // Statements and queries (parser.cc).
  Result<std::unique_ptr<Query>> ParseQuery();
  Status ParseSelectBody(Query* q);
  Result<SelectItem> ParseSelectItem();
  Result<std::unique_ptr<TableRef>> ParseFrom();
  Result<std::unique_ptr<TableRef>> ParseTablePrimary();
  Result<std::string> ParseAlias(bool* found, Pos* pos, std::string_view follow);
  Status ParseSampleBy(Query* q);
  Status ParseLatestOn(Query* q);
  Status RefuseSetOperation() const;
  Result<std::vector<std::string>> ParseQualifiedName(std::string_view what);
  Result<std::vector<std::string>> ParseIdentList();
  Result<std::string> ParseIdentifier(std::string_view what);

  // Expressions (parser_expr.cc).
  Result<ExprPtr> ParseOr();
  Result<ExprPtr> ParseAnd();
  Result<ExprPtr> ParseNot();
  Result<ExprPtr> ParseIs();
  Result<ExprPtr> ParseComparison();
  Result<ExprPtr> ParseRange();
  Result<ExprPtr> ParseConcat();
  Result<ExprPtr> ParseAdditive();
  Result<ExprPtr> ParseMultiplicative();
  Result<ExprPtr> ParseUnary();
  Result<ExprPtr> ParsePostfix();
  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParseFunctionCall(std::vector<std::string> name, Pos pos);
  Result<ExprPtr> ParseCase(Pos pos);
  Result<ExprPtr> ParseNumber(const Token& t, bool negative);
  Result<ExprPtr> ParseTimeLiteral(Pos pos, bool interval);
  Result<std::string> ParseTypeName();
  // Sets e->height from its children; an error when the tree gets deeper than kMaxSqlNesting.
  Result<ExprPtr> Finish(ExprPtr e);
  // `left op right`, at left's position (through Finish).
  Result<ExprPtr> Binary(BinaryOp op, ExprPtr left, ExprPtr right);

  Status TooDeep(Pos pos) const;

  std::string_view source_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  // What may follow at the point where the current query stops (for "expected ... or end of
  // statement" messages).
  std::string follow_;
};

// Counts one level of recursion for as long as it lives.
class NestGuard {
 public:
  explicit NestGuard(Parser* p) : p_(p) { ++p_->depth_; }
  ~NestGuard() { --p_->depth_; }
  NestGuard(const NestGuard&) = delete;
  NestGuard& operator=(const NestGuard&) = delete;
  bool too_deep() const { return p_->depth_ > kMaxSqlNesting; }

 private:
  Parser* p_;
};

}  // namespace strata::sql::internal
