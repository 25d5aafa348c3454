// The InfluxDB line protocol parser: one line of text into a measurement, tags, typed fields and
// an optional timestamp, without copying (views into the input) unless the line has escapes.
//
//   measurement[,tag=value...] field=value[,field=value...] [timestamp]
//
// Rules (InfluxDB v2 line protocol, as QuestDB's clients write it):
// - measurement: ends at an unescaped ',' or ' '; tag keys and values, field keys: end at an
//   unescaped ',' '=' or ' '. In all of them a backslash before ',' '=' ' ' '\\' or a newline or
//   carriage return is an escape for that byte (what QuestDB's clients write); before any other
//   byte it is kept as it is.
// - field values: "..." a string ("\"", "\\" and backslash-newline are escapes); 12i a signed
//   64-bit integer;
//   12u an unsigned 64-bit integer; t T true True TRUE f F false False FALSE a boolean;
//   anything else a float (decimal, optional sign, fraction and exponent; no NaN or infinity).
// - timestamp: an optional signed integer after the fields, in the precision the caller gives.
// - sections are separated by one or more spaces; a line starting with '#' (after blanks) is a
//   comment; a blank line is skipped. Lines end at a '\n' that is not escaped (FindLineEnd;
//   LineSplitter also removes a '\r' before it).
// - a tag or field key repeated in one line, or a key both a tag and a field, is an error.
//
// Thread-safety: a Parser and its Line are used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::ilp {

enum class ValueKind : uint8_t { kInt, kUInt, kFloat, kString, kBool };
std::string_view ValueKindName(ValueKind kind);  // "integer", "unsigned integer", "float", ...

struct FieldValue {
  std::string_view key;
  ValueKind kind = ValueKind::kFloat;
  int64_t i = 0;       // kInt
  uint64_t u = 0;      // kUInt
  double f = 0;        // kFloat
  bool b = false;      // kBool
  std::string_view s;  // kString (unescaped)
};

struct Tag {
  std::string_view key;
  std::string_view value;
};

// One parsed line. Views point into the parsed text, or into `scratch` for unescaped tokens;
// valid until the next parse into this Line or until the text goes away.
struct Line {
  bool empty = true;  // a blank line or a comment: nothing else is set
  std::string_view measurement;
  std::vector<Tag> tags;
  std::vector<FieldValue> fields;
  bool has_timestamp = false;
  int64_t timestamp = 0;  // in the caller's precision
  std::string scratch;
};

// Parses one line (without its '\n'). Returns "" on success, else a short reason
// ("field price has no value", ...) that the caller prefixes with the line number.
std::string ParseLine(std::string_view text, Line* out);

// Offset of the first '\n' that ends a line (one not escaped by a backslash), or text.size().
size_t FindLineEnd(std::string_view text);

// Splits a buffer into lines at '\n', numbering them from `first_line` (1-based) and removing a
// '\r' before the '\n'. The last line needs no '\n' (a request body); a streaming caller gives
// complete lines only.
class LineSplitter {
 public:
  explicit LineSplitter(std::string_view buffer, uint64_t first_line = 1) : rest_(buffer), next_(first_line) {}
  // False at the end.
  bool Next(std::string_view* line, uint64_t* number);

 private:
  std::string_view rest_;
  uint64_t next_;
};

}  // namespace strata::ilp
