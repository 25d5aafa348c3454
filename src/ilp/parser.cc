#include "ilp/parser.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace strata::ilp {

std::string_view ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt: return "integer";
    case ValueKind::kUInt: return "unsigned integer";
    case ValueKind::kFloat: return "float";
    case ValueKind::kString: return "string";
    case ValueKind::kBool: return "boolean";
  }
  return "?";
}

namespace {
// True when `text` ends in an odd number of backslashes: the byte after it is escaped.
bool EndsEscaped(std::string_view text) {
  size_t n = 0;
  while (n < text.size() && text[text.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}
}  // namespace

size_t FindLineEnd(std::string_view text) {
  size_t from = 0;
  for (;;) {
    const void* nl = std::memchr(text.data() + from, '\n', text.size() - from);
    if (nl == nullptr) return text.size();
    const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - text.data());
    // QuestDB's clients write a newline inside a value as "\" + newline.
    if (!EndsEscaped(text.substr(0, at))) return at;
    from = at + 1;
  }
}

bool LineSplitter::Next(std::string_view* line, uint64_t* number) {
  if (rest_.empty()) return false;
  size_t len = FindLineEnd(rest_);
  const bool nl = len < rest_.size();
  *line = rest_.substr(0, len);
  rest_.remove_prefix(nl ? len + 1 : len);
  if (!line->empty() && line->back() == '\r' && !EndsEscaped(line->substr(0, line->size() - 1))) {
    line->remove_suffix(1);
  }
  *number = next_++;
  return true;
}

namespace {

// For messages: a key or value quoted with at most 40 bytes.
std::string Quote(std::string_view s) {
  std::string out = "'";
  out.append(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  out += "'";
  return out;
}

bool IsStringEscape(char c) { return c == '"' || c == '\\' || c == '\n' || c == '\r'; }

class LineParser {
 public:
  LineParser(std::string_view text, Line* out) : p_(text.data()), end_(text.data() + text.size()), out_(out) {
    escaped_ = std::memchr(text.data(), '\\', text.size()) != nullptr;
    out_->scratch.clear();
    // Unescaped text is never longer than the line: views into scratch stay valid.
    if (escaped_) out_->scratch.reserve(text.size());
  }

  std::string Parse() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t')) ++p_;
    if (p_ == end_ || *p_ == '#') return "";
    out_->empty = false;
    // Measurement.
    std::string_view m = Token(/*stop_at_equals=*/false);
    if (m.empty()) return "the line has no measurement (table name)";
    out_->measurement = m;
    if (p_ == end_) return "measurement " + Quote(m) + " has no fields";
    if (*p_ == ',') {
      ++p_;
      for (;;) {
        std::string_view key = Token(true);
        if (key.empty()) return "a tag of " + Quote(m) + " has an empty key";
        if (p_ == end_ || *p_ != '=') return "tag " + Quote(key) + " has no value";
        ++p_;
        std::string_view value = Token(true);
        if (value.empty()) return "tag " + Quote(key) + " has an empty value";
        if (p_ < end_ && *p_ == '=') return "tag " + Quote(key) + " has an unescaped '=' in its value";
        for (const Tag& t : out_->tags) {
          if (t.key == key) return "tag " + Quote(key) + " appears twice";
        }
        out_->tags.push_back({key, value});
        if (p_ < end_ && *p_ == ',') {
          ++p_;
          continue;
        }
        break;
      }
    }
    if (p_ == end_) return "measurement " + Quote(m) + " has no fields";
    SkipSpaces();
    if (p_ == end_) return "measurement " + Quote(m) + " has no fields";
    for (;;) {
      std::string_view key = Token(true);
      if (key.empty()) return "a field has an empty key";
      if (p_ == end_ || *p_ != '=') return "field " + Quote(key) + " has no value";
      ++p_;
      for (const FieldValue& f : out_->fields) {
        if (f.key == key) return "field " + Quote(key) + " appears twice";
      }
      for (const Tag& t : out_->tags) {
        if (t.key == key) return Quote(key) + " is both a tag and a field";
      }
      FieldValue& v = out_->fields.emplace_back();
      v.key = key;
      std::string err = Value(&v);
      if (!err.empty()) return err;
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      break;
    }
    if (p_ == end_) return "";
    if (*p_ != ' ' && *p_ != '\t') return "unexpected " + Quote(std::string_view(p_, 1)) + " after the fields";
    SkipSpaces();
    if (p_ == end_) return "";
    const char* ts_begin = p_;
    while (p_ < end_ && *p_ != ' ' && *p_ != '\t') ++p_;
    std::string_view ts(ts_begin, static_cast<size_t>(p_ - ts_begin));
    SkipSpaces();
    if (p_ != end_) return "unexpected text after the timestamp: " + Quote(std::string_view(p_, end_ - p_));
    auto [ptr, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), out_->timestamp);
    if (ec == std::errc::result_out_of_range) return "timestamp " + Quote(ts) + " is out of range";
    if (ec != std::errc() || ptr != ts.data() + ts.size()) return "timestamp " + Quote(ts) + " is not an integer";
    out_->has_timestamp = true;
    return "";
  }

 private:
  void SkipSpaces() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t')) ++p_;
  }

  // A measurement, key or tag value: up to an unescaped ',' or ' ' (and '=' when asked). Escapes
  // ("\," "\ " "\=", and "\\" before those) are removed into scratch.
  std::string_view Token(bool stop_at_equals) {
    const char* begin = p_;
    if (!escaped_) {
      while (p_ < end_) {
        const char c = *p_;
        if (c == ',' || c == ' ' || (stop_at_equals && c == '=')) break;
        ++p_;
      }
      return std::string_view(begin, static_cast<size_t>(p_ - begin));
    }
    std::string& s = out_->scratch;
    const size_t start = s.size();
    bool any = false;
    while (p_ < end_) {
      const char c = *p_;
      if (c == ',' || c == ' ' || (stop_at_equals && c == '=')) break;
      if (c == '\\' && p_ + 1 < end_) {
        const char n = p_[1];
        if (n == ',' || n == ' ' || n == '=' || n == '\\' || n == '\n' || n == '\r') {
          s.push_back(n);
          p_ += 2;
          any = true;
          continue;
        }
      }
      s.push_back(c);
      ++p_;
    }
    if (!any) {
      s.resize(start);
      return std::string_view(begin, static_cast<size_t>(p_ - begin));
    }
    return std::string_view(s.data() + start, s.size() - start);
  }

  std::string Value(FieldValue* v) {
    const std::string key(v->key);
    if (p_ == end_ || *p_ == ',' || *p_ == ' ') return "field " + Quote(key) + " has no value";
    if (*p_ == '"') {
      ++p_;
      const char* begin = p_;
      bool escapes = false;
      while (p_ < end_ && *p_ != '"') {
        if (*p_ == '\\' && p_ + 1 < end_ && IsStringEscape(p_[1])) {
          escapes = true;
          p_ += 2;
          continue;
        }
        ++p_;
      }
      if (p_ == end_) return "string field " + Quote(key) + " has no closing quote";
      std::string_view raw(begin, static_cast<size_t>(p_ - begin));
      ++p_;
      if (p_ < end_ && *p_ != ',' && *p_ != ' ' && *p_ != '\t') {
        return "string field " + Quote(key) + " has text after its closing quote";
      }
      v->kind = ValueKind::kString;
      if (!escapes) {
        v->s = raw;
        return "";
      }
      std::string& s = out_->scratch;
      const size_t start = s.size();
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size() && IsStringEscape(raw[i + 1])) ++i;
        s.push_back(raw[i]);
      }
      v->s = std::string_view(s.data() + start, s.size() - start);
      return "";
    }
    const char* begin = p_;
    while (p_ < end_ && *p_ != ',' && *p_ != ' ' && *p_ != '\t') ++p_;
    std::string_view text(begin, static_cast<size_t>(p_ - begin));
    const char last = text.back();
    if (last == 'i' || last == 'u') {
      std::string_view digits = text.substr(0, text.size() - 1);
      std::errc ec;
      const char* ptr;
      if (last == 'i') {
        v->kind = ValueKind::kInt;
        auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v->i);
        ec = r.ec;
        ptr = r.ptr;
      } else {
        v->kind = ValueKind::kUInt;
        auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v->u);
        ec = r.ec;
        ptr = r.ptr;
      }
      if (ec == std::errc::result_out_of_range) {
        return std::string(ValueKindName(v->kind)) + " field " + Quote(key) + " value " + Quote(text) +
               " is out of range";
      }
      if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || digits[0] == '+') {
        return "field " + Quote(key) + " value " + Quote(text) + " is not a valid " +
               std::string(ValueKindName(v->kind));
      }
      return "";
    }
    if (text == "t" || text == "T" || text == "true" || text == "True" || text == "TRUE") {
      v->kind = ValueKind::kBool;
      v->b = true;
      return "";
    }
    if (text == "f" || text == "F" || text == "false" || text == "False" || text == "FALSE") {
      v->kind = ValueKind::kBool;
      v->b = false;
      return "";
    }
    v->kind = ValueKind::kFloat;
    // from_chars takes no '+' and reads "inf"/"nan": only digits, sign, '.', exponent here.
    std::string_view num = text;
    if (num[0] == '+') num.remove_prefix(1);
    bool digit = false;
    for (char c : num) {
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E') {
        return "field " + Quote(key) + " value " + Quote(text) +
               " is not a number, string, boolean or integer (integers end in 'i')";
      }
    }
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), v->f);
    if (!digit || (ec != std::errc() && ec != std::errc::result_out_of_range) || ptr != num.data() + num.size()) {
      return "field " + Quote(key) + " value " + Quote(text) + " is not a valid float";
    }
    if (ec == std::errc::result_out_of_range || !std::isfinite(v->f)) {
      return "float field " + Quote(key) + " value " + Quote(text) + " is out of range";
    }
    return "";
  }

  const char* p_;
  const char* end_;
  Line* out_;
  bool escaped_ = false;
};

}  // namespace

std::string ParseLine(std::string_view text, Line* out) {
  out->empty = true;
  out->measurement = {};
  out->tags.clear();
  out->fields.clear();
  out->has_timestamp = false;
  out->timestamp = 0;
  return LineParser(text, out).Parse();
}

}  // namespace strata::ilp
