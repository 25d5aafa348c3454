#include "sql/statement_buffer.h"

namespace strata::sql {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// Scans `text`: the offsets of its top-level ';', and whether anything but white space and
// comments appears after the last one.
struct Scan {
  std::vector<size_t> semicolons;
  bool content_after_last = false;
};

Scan ScanText(const std::string& text) {
  Scan out;
  enum { kNormal, kString, kIdent, kLineComment, kBlockComment } state = kNormal;
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (state) {
      case kNormal:
        if (c == ';') {
          out.semicolons.push_back(i);
          out.content_after_last = false;
        } else if (c == '\'') {
          state = kString;
          out.content_after_last = true;
        } else if (c == '"') {
          state = kIdent;
          out.content_after_last = true;
        } else if (c == '-' && next == '-') {
          state = kLineComment;
          ++i;
        } else if (c == '/' && next == '*') {
          state = kBlockComment;
          depth = 1;
          ++i;
        } else if (!IsSpace(c)) {
          out.content_after_last = true;
        }
        break;
      case kString:  // '' is a quote inside: leaving and re-entering gives the same result
        if (c == '\'') state = kNormal;
        break;
      case kIdent:
        if (c == '"') state = kNormal;
        break;
      case kLineComment:
        if (c == '\n') state = kNormal;
        break;
      case kBlockComment:
        if (c == '/' && next == '*') {
          ++depth;
          ++i;
        } else if (c == '*' && next == '/') {
          ++i;
          if (--depth == 0) state = kNormal;
        }
        break;
    }
  }
  // An unterminated string or quoted name is content still being typed.
  if (state == kString || state == kIdent) out.content_after_last = true;
  return out;
}

}  // namespace

std::vector<std::string> StatementBuffer::AddLine(std::string_view line) {
  if (!text_.empty()) text_ += '\n';
  text_.append(line);
  const Scan scan = ScanText(text_);
  std::vector<std::string> done;
  size_t start = 0;
  for (size_t at : scan.semicolons) {
    std::string s = Trim(std::string_view(text_).substr(start, at - start));
    // A statement of comments only is dropped like an empty one.
    if (!s.empty() && ScanText(s).content_after_last) done.push_back(std::move(s));
    start = at + 1;
  }
  if (!scan.semicolons.empty()) text_.erase(0, start);
  if (!ScanText(text_).content_after_last && Trim(text_).empty()) text_.clear();
  return done;
}

bool StatementBuffer::empty() const { return !ScanText(text_).content_after_last; }

void StatementBuffer::Clear() { text_.clear(); }

}  // namespace strata::sql
