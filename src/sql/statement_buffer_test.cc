#include "sql/statement_buffer.h"

#include <gtest/gtest.h>

namespace strata::sql {
namespace {

using Lines = std::vector<std::string>;

TEST(StatementBufferTest, OneStatementOverSeveralLines) {
  StatementBuffer b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.AddLine("SELECT symbol,"), Lines{});
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(b.AddLine("  count(*) FROM trades"), Lines{});
  EXPECT_EQ(b.AddLine("GROUP BY 1;"), Lines{"SELECT symbol,\n  count(*) FROM trades\nGROUP BY 1"});
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.pending(), "");
}

TEST(StatementBufferTest, SeveralStatementsOnOneLineAndARestThatWaits) {
  StatementBuffer b;
  EXPECT_EQ(b.AddLine("SHOW TABLES; ;DESCRIBE t ;  SELECT 1"), (Lines{"SHOW TABLES", "DESCRIBE t"}));
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(b.pending(), "  SELECT 1");
  EXPECT_EQ(b.AddLine(";"), Lines{"SELECT 1"});
  EXPECT_TRUE(b.empty());
}

TEST(StatementBufferTest, SemicolonsInStringsQuotedNamesAndCommentsDoNotEndAStatement) {
  StatementBuffer b;
  EXPECT_EQ(b.AddLine("SELECT 'a;b', \"x;y\" -- c;d"), Lines{});
  EXPECT_EQ(b.AddLine("/* e; /* nested; */ f; */ FROM t;"),
            Lines{"SELECT 'a;b', \"x;y\" -- c;d\n/* e; /* nested; */ f; */ FROM t"});
  // A string left open across lines keeps its semicolon.
  EXPECT_EQ(b.AddLine("SELECT 'it''s;"), Lines{});
  EXPECT_EQ(b.AddLine("still';"), Lines{"SELECT 'it''s;\nstill'"});
}

TEST(StatementBufferTest, CommentsAloneAreNotAStatement) {
  StatementBuffer b;
  EXPECT_EQ(b.AddLine("-- just a comment"), Lines{});
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.AddLine("/* more */ ;"), Lines{});
  EXPECT_TRUE(b.empty());
  b.AddLine("SELECT");
  b.Clear();
  EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace strata::sql
