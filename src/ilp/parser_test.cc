#include "ilp/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "ilp/ilp.h"

namespace strata::ilp {
namespace {

Line MustParse(std::string_view text) {
  Line line;
  std::string err = ParseLine(text, &line);
  EXPECT_EQ(err, "") << text;
  return line;
}

std::string ErrorOf(std::string_view text) {
  Line line;
  return ParseLine(text, &line);
}

TEST(IlpParser, FullLine) {
  Line l =
      MustParse("trades,symbol=AAPL,exchange=Q price=101.5,size=100i,id=7u,ok=t,note=\"hi there\" 1700000000000000000");
  EXPECT_FALSE(l.empty);
  EXPECT_EQ(l.measurement, "trades");
  ASSERT_EQ(l.tags.size(), 2u);
  EXPECT_EQ(l.tags[0].key, "symbol");
  EXPECT_EQ(l.tags[0].value, "AAPL");
  EXPECT_EQ(l.tags[1].key, "exchange");
  EXPECT_EQ(l.tags[1].value, "Q");
  ASSERT_EQ(l.fields.size(), 5u);
  EXPECT_EQ(l.fields[0].kind, ValueKind::kFloat);
  EXPECT_DOUBLE_EQ(l.fields[0].f, 101.5);
  EXPECT_EQ(l.fields[1].kind, ValueKind::kInt);
  EXPECT_EQ(l.fields[1].i, 100);
  EXPECT_EQ(l.fields[2].kind, ValueKind::kUInt);
  EXPECT_EQ(l.fields[2].u, 7u);
  EXPECT_EQ(l.fields[3].kind, ValueKind::kBool);
  EXPECT_TRUE(l.fields[3].b);
  EXPECT_EQ(l.fields[4].kind, ValueKind::kString);
  EXPECT_EQ(l.fields[4].s, "hi there");
  EXPECT_TRUE(l.has_timestamp);
  EXPECT_EQ(l.timestamp, 1700000000000000000);
}

TEST(IlpParser, NoTagsNoTimestamp) {
  Line l = MustParse("m v=1");
  EXPECT_EQ(l.measurement, "m");
  EXPECT_TRUE(l.tags.empty());
  ASSERT_EQ(l.fields.size(), 1u);
  EXPECT_FALSE(l.has_timestamp);
}

TEST(IlpParser, ZeroCopyWithoutEscapes) {
  std::string text = "m,t=x f=\"abc\" 5";
  Line l = MustParse(text);
  EXPECT_EQ(l.measurement.data(), text.data());
  EXPECT_EQ(l.tags[0].value.data(), text.data() + 4);
  EXPECT_TRUE(l.scratch.empty());
}

TEST(IlpParser, EscapesInNamesAndValues) {
  Line l = MustParse(R"(my\ table,ta\,g=v\ a\=l\\ fi\=eld="q\"uote\\d" 1)");
  EXPECT_EQ(l.measurement, "my table");
  EXPECT_EQ(l.tags[0].key, "ta,g");
  EXPECT_EQ(l.tags[0].value, "v a=l\\");
  EXPECT_EQ(l.fields[0].key, "fi=eld");
  EXPECT_EQ(l.fields[0].s, "q\"uote\\d");
  // A backslash before any other byte stays.
  Line k = MustParse(R"(m,t=a\b f="x\y")");
  EXPECT_EQ(k.tags[0].value, "a\\b");
  EXPECT_EQ(k.fields[0].s, "x\\y");
  // Commas, spaces and '=' inside a quoted string need no escape.
  Line s = MustParse(R"(m f="a, b=c" 2)");
  EXPECT_EQ(s.fields[0].s, "a, b=c");
  EXPECT_EQ(s.timestamp, 2);
}

TEST(IlpParser, IntegersUnsignedAndFloats) {
  Line l = MustParse("m a=-9223372036854775808i,b=18446744073709551615u,c=-1.5e-3,d=+2,e=1E10,f=.5,g=3.");
  EXPECT_EQ(l.fields[0].i, INT64_MIN);
  EXPECT_EQ(l.fields[1].u, UINT64_MAX);
  EXPECT_DOUBLE_EQ(l.fields[2].f, -1.5e-3);
  EXPECT_DOUBLE_EQ(l.fields[3].f, 2);
  EXPECT_DOUBLE_EQ(l.fields[4].f, 1e10);
  EXPECT_DOUBLE_EQ(l.fields[5].f, 0.5);
  EXPECT_DOUBLE_EQ(l.fields[6].f, 3);
  for (const FieldValue& f : l.fields) EXPECT_TRUE(f.kind != ValueKind::kString);
}

TEST(IlpParser, Booleans) {
  for (const char* t : {"t", "T", "true", "True", "TRUE"}) {
    Line l = MustParse(std::string("m b=") + t);
    EXPECT_EQ(l.fields[0].kind, ValueKind::kBool);
    EXPECT_TRUE(l.fields[0].b) << t;
  }
  for (const char* f : {"f", "F", "false", "False", "FALSE"}) {
    Line l = MustParse(std::string("m b=") + f);
    EXPECT_EQ(l.fields[0].kind, ValueKind::kBool);
    EXPECT_FALSE(l.fields[0].b) << f;
  }
}

TEST(IlpParser, BlankCommentAndSpacing) {
  EXPECT_TRUE(MustParse("").empty);
  EXPECT_TRUE(MustParse("   ").empty);
  EXPECT_TRUE(MustParse("# a comment, with=stuff").empty);
  EXPECT_TRUE(MustParse("  # indented comment").empty);
  Line l = MustParse("m,t=1   f=2i    3  ");
  EXPECT_EQ(l.fields[0].i, 2);
  EXPECT_EQ(l.timestamp, 3);
  Line neg = MustParse("m f=1 -5");
  EXPECT_EQ(neg.timestamp, -5);
}

TEST(IlpParser, EveryErrorHasAReason) {
  struct Case {
    const char* line;
    const char* reason;  // a part of the message
  } cases[] = {
      {",t=1 f=1", "no measurement"},
      {"m", "has no fields"},
      {"m,t=1", "has no fields"},
      {"m,t=1 ", "has no fields"},
      {"m,=1 f=1", "empty key"},
      {"m,t f=1", "tag 't' has no value"},
      {"m,t= f=1", "empty value"},
      {"m,t=a=b f=1", "unescaped '='"},
      {"m,t=1,t=2 f=1", "appears twice"},
      {"m f", "field 'f' has no value"},
      {"m f=", "field 'f' has no value"},
      {"m =1", "empty key"},
      {"m f=1,f=2", "appears twice"},
      {"m,f=1 f=2", "both a tag and a field"},
      {"m f=\"abc", "no closing quote"},
      {"m f=\"abc\"x", "text after its closing quote"},
      {"m f=12x", "not a number"},
      {"m f=abc", "not a number"},
      {"m f=1.2.3", "not a valid float"},
      {"m f=nan", "not a number"},
      {"m f=inf", "not a number"},
      {"m f=1e999", "out of range"},
      {"m f=-", "not a valid float"},
      {"m f=i", "not a valid integer"},
      {"m f=1.5i", "not a valid integer"},
      {"m f=+1i", "not a valid integer"},
      {"m f=-1u", "not a valid unsigned"},
      {"m f=9223372036854775808i", "out of range"},
      {"m f=18446744073709551616u", "out of range"},
      {"m f=1 12a", "not an integer"},
      {"m f=1 99999999999999999999", "out of range"},
      {"m f=1 1 2", "after the timestamp"},
      {"m f=1x", "not a number"},
  };
  for (const Case& c : cases) {
    std::string err = ErrorOf(c.line);
    EXPECT_NE(err.find(c.reason), std::string::npos) << c.line << " -> " << err;
  }
}

TEST(IlpParser, SplitterNumbersLinesAndHandlesCrlfAndEscapedNewlines) {
  std::string buf = "a f=1\r\n\n# c\r\nb f=\"x\\\ny\"\nc f=2";
  LineSplitter s(buf);
  std::string_view line;
  uint64_t no;
  std::vector<std::pair<uint64_t, std::string>> got;
  while (s.Next(&line, &no)) got.emplace_back(no, std::string(line));
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], (std::pair<uint64_t, std::string>{1, "a f=1"}));
  EXPECT_EQ(got[1].second, "");
  EXPECT_EQ(got[2].second, "# c");
  EXPECT_EQ(got[3], (std::pair<uint64_t, std::string>{4, "b f=\"x\\\ny\""}));
  EXPECT_EQ(got[4], (std::pair<uint64_t, std::string>{5, "c f=2"}));
  Line l = MustParse(got[3].second);
  EXPECT_EQ(l.fields[0].s, "x\ny");
  // An escaped backslash before the newline does not escape it.
  EXPECT_EQ(FindLineEnd("m,t=a\\\\\nx"), 7u);
  EXPECT_EQ(FindLineEnd("m,t=a\\\nx"), 8u);
}

TEST(IlpParser, Precision) {
  EXPECT_EQ(ParsePrecision("n").value(), Precision::kNanos);
  EXPECT_EQ(ParsePrecision("ns").value(), Precision::kNanos);
  EXPECT_EQ(ParsePrecision("u").value(), Precision::kMicros);
  EXPECT_EQ(ParsePrecision("ms").value(), Precision::kMillis);
  EXPECT_EQ(ParsePrecision("s").value(), Precision::kSeconds);
  EXPECT_FALSE(ParsePrecision("h").ok());
  EXPECT_EQ(PrecisionName(Precision::kMillis), "ms");
}

}  // namespace
}  // namespace strata::ilp
