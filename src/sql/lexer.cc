#include "sql/lexer.h"

#include <cstdio>

namespace strata::sql {
namespace {

bool IsIdentStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
bool IsIdentChar(unsigned char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$'; }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one (overlong forms,
// surrogates and code points above U+10FFFF are invalid).
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    for (;;) {
      RETURN_IF_ERROR(SkipSpaceAndComments());
      Token t;
      t.pos = pos_;
      t.begin = i_;
      if (i_ >= s_.size()) {
        t.kind = TokenKind::kEnd;
        t.end = i_;
        out.push_back(std::move(t));
        return out;
      }
      RETURN_IF_ERROR(Next(&t));
      t.end = i_;
      out.push_back(std::move(t));
    }
  }

 private:
  unsigned char At(size_t k) const { return k < s_.size() ? static_cast<unsigned char>(s_[k]) : 0; }

  // Advances one character (a whole UTF-8 sequence), keeping line and column.
  Status Advance() {
    const unsigned char c = At(i_);
    if (c == 0) return SyntaxError(pos_, "NUL byte in SQL text");
    const size_t n = Utf8Length(s_, i_);
    if (n == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02X", c);
      return SyntaxError(pos_, std::string("invalid UTF-8 (byte ") + buf + ")");
    }
    i_ += n;
    if (c == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else {
      ++pos_.column;
    }
    return Status::OK();
  }

  Status SkipSpaceAndComments() {
    for (;;) {
      const unsigned char c = At(i_);
      if (i_ >= s_.size()) return Status::OK();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        RETURN_IF_ERROR(Advance());
      } else if (c == '-' && At(i_ + 1) == '-') {
        while (i_ < s_.size() && At(i_) != '\n') RETURN_IF_ERROR(Advance());
      } else if (c == '/' && At(i_ + 1) == '*') {
        const Pos start = pos_;
        int depth = 0;
        do {
          if (i_ >= s_.size()) return SyntaxError(start, "unterminated /* comment");
          if (At(i_) == '/' && At(i_ + 1) == '*') {
            ++depth;
            i_ += 2, pos_.column += 2;
          } else if (At(i_) == '*' && At(i_ + 1) == '/') {
            --depth;
            i_ += 2, pos_.column += 2;
          } else {
            RETURN_IF_ERROR(Advance());
          }
        } while (depth > 0);
      } else {
        return Status::OK();
      }
    }
  }

  // Reads a quoted run ending at `quote` (doubled quote = one quote) into t->text.
  Status Quoted(char quote, Token* t, const char* what) {
    const Pos start = pos_;
    RETURN_IF_ERROR(Advance());
    for (;;) {
      if (i_ >= s_.size()) return SyntaxError(start, std::string("unterminated ") + what);
      if (At(i_) == static_cast<unsigned char>(quote)) {
        if (At(i_ + 1) == static_cast<unsigned char>(quote)) {
          t->text += quote;
          i_ += 2, pos_.column += 2;
          continue;
        }
        return Advance();
      }
      const size_t from = i_;
      RETURN_IF_ERROR(Advance());
      t->text.append(s_.substr(from, i_ - from));
    }
  }

  Status Next(Token* t) {
    const unsigned char c = At(i_);
    if (c == '\'') {
      t->kind = TokenKind::kString;
      return Quoted('\'', t, "string literal");
    }
    if (c == '"') {
      t->kind = TokenKind::kQuotedIdent;
      RETURN_IF_ERROR(Quoted('"', t, "quoted identifier"));
      if (t->text.empty()) return SyntaxError(t->pos, "empty quoted identifier \"\"");
      return Status::OK();
    }
    if ((c == 'e' || c == 'E' || c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'u' || c == 'U') &&
        (At(i_ + 1) == '\'' || (At(i_ + 1) == '&' && At(i_ + 2) == '\''))) {
      return UnsupportedError(pos_, std::string("the ") + static_cast<char>(c) +
                                        "'...' string form is not supported; use a plain '...' string");
    }
    if (IsIdentStart(c)) {
      t->kind = TokenKind::kIdent;
      while (i_ < s_.size() && IsIdentChar(At(i_))) {
        const unsigned char d = At(i_);
        const size_t from = i_;
        RETURN_IF_ERROR(Advance());
        if (d >= 'A' && d <= 'Z') {
          t->text += static_cast<char>(d - 'A' + 'a');
        } else {
          t->text.append(s_.substr(from, i_ - from));
        }
      }
      return Status::OK();
    }
    if (IsDigit(c) || (c == '.' && IsDigit(At(i_ + 1)))) {
      bool is_float = false;
      while (IsDigit(At(i_))) ++i_;
      if (At(i_) == '.' && At(i_ + 1) != '.') {
        is_float = true;
        ++i_;
        while (IsDigit(At(i_))) ++i_;
      }
      if ((At(i_) == 'e' || At(i_) == 'E') &&
          (IsDigit(At(i_ + 1)) || ((At(i_ + 1) == '+' || At(i_ + 1) == '-') && IsDigit(At(i_ + 2))))) {
        is_float = true;
        i_ += 2;
        while (IsDigit(At(i_))) ++i_;
      }
      t->kind = is_float ? TokenKind::kFloat : TokenKind::kInteger;
      t->text = std::string(s_.substr(t->begin, i_ - t->begin));
      pos_.column += static_cast<uint32_t>(i_ - t->begin);
      return Status::OK();
    }
    if (c == '$') {
      ++i_, ++pos_.column;
      if (!IsDigit(At(i_))) return SyntaxError(t->pos, "expected a parameter number after '$' ($1, $2, ...)");
      while (IsDigit(At(i_))) t->text += static_cast<char>(At(i_++)), ++pos_.column;
      t->kind = TokenKind::kParam;
      return Status::OK();
    }
    static constexpr std::string_view kTwo[] = {"<>", "!=", "<=", ">=", "::", "||"};
    for (std::string_view op : kTwo) {
      if (s_.substr(i_, 2) == op) {
        t->kind = TokenKind::kOp;
        t->text = std::string(op);
        i_ += 2, pos_.column += 2;
        return Status::OK();
      }
    }
    static constexpr std::string_view kOne = "(),.;+-*/%=<>[]:";
    if (kOne.find(static_cast<char>(c)) != std::string_view::npos) {
      t->kind = TokenKind::kOp;
      t->text = std::string(1, static_cast<char>(c));
      ++i_, ++pos_.column;
      return Status::OK();
    }
    if (c == '?') return UnsupportedError(pos_, "'?' parameters are not supported; use $1, $2, ...");
    if (c == 0) return SyntaxError(pos_, "NUL byte in SQL text");
    return SyntaxError(pos_, "unexpected character " + QuoteForMessage(std::string_view(s_.substr(i_, 1))));
  }

  std::string_view s_;
  size_t i_ = 0;
  Pos pos_{1, 1};
};

}  // namespace

std::string Pos::ToString() const { return "line " + std::to_string(line) + ", column " + std::to_string(column); }

Status SyntaxError(Pos pos, std::string_view message) {
  return Status::InvalidArgument(pos.ToString() + ": " + std::string(message));
}

Status UnsupportedError(Pos pos, std::string_view message) {
  return Status::Unsupported(pos.ToString() + ": " + std::string(message));
}

Result<std::vector<Token>> Tokenize(std::string_view text) { return Lexer(text).Run(); }

Result<std::vector<StatementText>> SplitStatements(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  std::vector<StatementText> out;
  size_t first = 0;  // index of the statement's first token
  for (size_t k = 0; k < tokens.size(); ++k) {
    const Token& t = tokens[k];
    if (t.kind == TokenKind::kEnd || t.IsOp(";")) {
      if (k > first) {
        const size_t b = tokens[first].begin;
        out.push_back({text.substr(b, tokens[k - 1].end - b), tokens[first].pos});
      }
      first = k + 1;
    }
  }
  return out;
}

}  // namespace strata::sql
