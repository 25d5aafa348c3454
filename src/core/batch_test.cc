#include "strata/batch.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(Column, StringRunEndFindsTheEndOfEachRun) {
  Column c(ColumnType::kSymbol);
  for (const char* s : {"AAPL", "AAPL", "AAPL", "MSFT", "NVDA", "NVDA"}) c.AppendString(s);
  EXPECT_EQ(c.StringRunEnd(0), 3u);
  EXPECT_EQ(c.StringRunEnd(1), 3u);
  EXPECT_EQ(c.StringRunEnd(3), 4u);
  EXPECT_EQ(c.StringRunEnd(4), 6u);
  EXPECT_EQ(c.StringRunEnd(5), 6u);
  Column one(ColumnType::kSymbol);
  one.AppendString("X");
  EXPECT_EQ(one.StringRunEnd(0), 1u);
}

}  // namespace
}  // namespace strata
