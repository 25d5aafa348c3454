#include "sql/lexer.h"

#include <gtest/gtest.h>

#include "testutil/testutil.h"

namespace strata::sql {
namespace {

std::vector<Token> Lex(std::string_view text) {
  auto r = Tokenize(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<Token>{};
}

std::string Error(std::string_view text) {
  auto r = Tokenize(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.status().message();
}

TEST(LexerTest, KindsTextAndPositions) {
  auto t = Lex("SELECT \"Px\", 'it''s', 12, 1.5, .5, 2e-3, $3 FROM t -- c\n/* a /* nested */ b */ x::int");
  ASSERT_EQ(t.size(), 20u);
  EXPECT_EQ(t[0].kind, TokenKind::kIdent);
  EXPECT_EQ(t[0].text, "select");
  EXPECT_EQ(t[1].kind, TokenKind::kQuotedIdent);
  EXPECT_EQ(t[1].text, "Px");
  EXPECT_EQ(t[1].pos.column, 8u);
  EXPECT_EQ(t[3].kind, TokenKind::kString);
  EXPECT_EQ(t[3].text, "it's");
  EXPECT_EQ(t[5].kind, TokenKind::kInteger);
  EXPECT_EQ(t[7].kind, TokenKind::kFloat);
  EXPECT_EQ(t[9].kind, TokenKind::kFloat);
  EXPECT_EQ(t[9].text, ".5");
  EXPECT_EQ(t[11].text, "2e-3");
  EXPECT_EQ(t[13].kind, TokenKind::kParam);
  EXPECT_EQ(t[13].text, "3");
  EXPECT_EQ(t[16].text, "x");
  EXPECT_EQ(t[16].pos.line, 2u);
  EXPECT_EQ(t[16].pos.column, 24u);
  EXPECT_TRUE(t[17].IsOp("::"));
  EXPECT_EQ(t[19].kind, TokenKind::kEnd);
}

TEST(LexerTest, ColumnsCountCharactersNotBytes) {
  auto t = Lex("SELECT 'é€', x");
  ASSERT_GE(t.size(), 4u);
  EXPECT_EQ(t[2].pos.column, 12u);
  EXPECT_EQ(t[1].text, "é€");
}

TEST(LexerTest, NumberBeforeWordIsTwoTokens) {
  auto t = Lex("1m 1e 1.e");
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[0].text, "1");
  EXPECT_EQ(t[1].text, "m");
  EXPECT_EQ(t[1].begin, t[0].end);
  EXPECT_EQ(t[2].text, "1");
  EXPECT_EQ(t[3].text, "e");
  EXPECT_EQ(t[4].kind, TokenKind::kFloat);
  EXPECT_EQ(t[4].text, "1.");
}

TEST(LexerTest, ErrorsNamePositions) {
  EXPECT_EQ(Error("SELECT 'abc"), "line 1, column 8: unterminated string literal");
  EXPECT_EQ(Error("SELECT \"abc"), "line 1, column 8: unterminated quoted identifier");
  EXPECT_EQ(Error("SELECT \"\""), "line 1, column 8: empty quoted identifier \"\"");
  EXPECT_EQ(Error("SELECT 1\n /* x"), "line 2, column 2: unterminated /* comment");
  EXPECT_EQ(Error("SELECT 1 # 2"), "line 1, column 10: unexpected character '#'");
  EXPECT_EQ(Error("SELECT $ 1"), "line 1, column 8: expected a parameter number after '$' ($1, $2, ...)");
  EXPECT_EQ(Error("SELECT ?"), "line 1, column 8: '?' parameters are not supported; use $1, $2, ...");
  EXPECT_EQ(Error("SELECT E'\\n'"),
            "line 1, column 8: the E'...' string form is not supported; use a plain '...' string");
  EXPECT_EQ(Error(std::string_view("SELECT \0", 8)), "line 1, column 8: NUL byte in SQL text");
  EXPECT_EQ(Error(std::string_view("SELECT 'a\0'", 11)), "line 1, column 10: NUL byte in SQL text");
  EXPECT_EQ(Error("SELECT \xff"), "line 1, column 8: invalid UTF-8 (byte 0xFF)");
  EXPECT_EQ(Error("SELECT 'a\xc3'"), "line 1, column 10: invalid UTF-8 (byte 0xC3)");
  EXPECT_EQ(Error("SELECT x\xed\xa0\x80"), "line 1, column 9: invalid UTF-8 (byte 0xED)");  // a surrogate
  EXPECT_EQ(Error("-- \xc0\x80\n"), "line 1, column 4: invalid UTF-8 (byte 0xC0)");         // overlong
}

TEST(LexerTest, SplitStatements) {
  ASSERT_OK_AND_ASSIGN(auto parts, SplitStatements("SELECT ';' ; ;\n-- only a comment;\nSHOW TABLES;\n"
                                                   "SELECT \"a;b\" /* ; */ FROM t"));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].text, "SELECT ';'");
  EXPECT_EQ(parts[1].text, "SHOW TABLES");
  EXPECT_EQ(parts[1].pos.line, 3u);
  EXPECT_EQ(parts[2].text, "SELECT \"a;b\" /* ; */ FROM t");
  ASSERT_OK_AND_ASSIGN(auto none, SplitStatements(" ; -- nothing"));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(SplitStatements("SELECT 1; SELECT 'x").status().message(),
            "line 1, column 18: unterminated string literal");
}

}  // namespace
}  // namespace strata::sql
