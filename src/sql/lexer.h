// The SQL lexer: text to tokens with positions, and the splitting of a script into statements.
//
// Accepts UTF-8 text (anything else is an error at the first bad byte, as are NUL bytes):
// identifiers (unquoted ones folded to lower case; "quoted" ones with "" for a quote), 'strings'
// with '' for a quote, integers and decimals (1, 1.5, .5, 2e-3), parameters $1..$65535,
// operators ( ) , . ; + - * / % = <> != < <= > >= :: || [ ] :, and -- line and /* nested */
// block comments, which are skipped. Errors name the line and column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.h"
#include "strata/status.h"

namespace strata::sql {

enum class TokenKind {
  kEnd,          // end of input
  kIdent,        // text: lower-cased
  kQuotedIdent,  // text: as written, "" unescaped
  kString,       // text: '' unescaped
  kInteger,      // text: the digits
  kFloat,        // text: as written
  kParam,        // text: the digits after $
  kOp,           // text: the operator ("<=", "::", "(")
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  Pos pos;
  size_t begin = 0;  // byte offsets into the input: [begin, end)
  size_t end = 0;

  // The unquoted identifier `word` (a keyword), compared case-insensitively.
  bool Is(std::string_view word) const { return kind == TokenKind::kIdent && text == word; }
  bool IsOp(std::string_view op) const { return kind == TokenKind::kOp && text == op; }
};

// "line L, column C: " + message, as InvalidArgument (syntax) or Unsupported (valid SQL that
// strata does not support yet).
Status SyntaxError(Pos pos, std::string_view message);
Status UnsupportedError(Pos pos, std::string_view message);

// All tokens of `text`, ending with one kEnd token.
Result<std::vector<Token>> Tokenize(std::string_view text);

// One statement of a script: its text (without the ';' that ends it) and where it starts.
struct StatementText {
  std::string_view text;
  Pos pos;
};
// Splits a script at the semicolons outside strings, quoted identifiers and comments. Empty
// statements (";;", a trailing comment) are dropped. Errors: what Tokenize reports.
Result<std::vector<StatementText>> SplitStatements(std::string_view text);

}  // namespace strata::sql
