#include "strata/schema.h"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/batch.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

TEST(Schema, TemplatesAreValid) {
  for (const std::string& name : Schema::TemplateNames()) {
    ASSERT_OK_AND_ASSIGN(Schema s, Schema::Template(name));
    EXPECT_EQ(s.field(s.ts_index()).name, "ts");
    EXPECT_EQ(s.field(s.symbol_index()).name, "symbol");
    ASSERT_OK_AND_ASSIGN(Schema back, Schema::Parse(s.ToString()));
    EXPECT_EQ(back, s);
  }
  EXPECT_FALSE(Schema::Template("no_such_template").ok());
}

TEST(Schema, ParseNullableAndErrors) {
  ASSERT_OK_AND_ASSIGN(Schema s, Schema::Parse("ts:timestamp, symbol:symbol, note:string?, qty:i32"));
  EXPECT_TRUE(s.field(2).nullable);
  EXPECT_EQ(s.FieldIndex("qty"), 3);
  EXPECT_EQ(s.FieldIndex("nope"), -1);
  EXPECT_EQ(s.ToString(), "ts:timestamp,symbol:symbol,note:string?,qty:i32");

  EXPECT_FALSE(Schema::Parse("ts:timestamp").ok());         // no symbol
  EXPECT_FALSE(Schema::Parse("symbol:symbol,x:i64").ok());  // no timestamp
  EXPECT_FALSE(Schema::Parse("ts:timestamp,symbol:symbol,t2:timestamp").ok());
  EXPECT_FALSE(Schema::Parse("ts:timestamp,symbol:symbol,x:decimal").ok());
  EXPECT_FALSE(Schema::Parse("ts:timestamp,symbol:symbol,x:i64,x:f64").ok());
  EXPECT_FALSE(Schema::Parse("ts:timestamp,symbol:symbol,9x:i64").ok());
  EXPECT_FALSE(Schema::Parse("ts:timestamp?,symbol:symbol").ok());
  EXPECT_FALSE(Schema::Parse("ts timestamp,symbol:symbol").ok());
}

TEST(TableDef, DedupKeyMustBeAValueColumn) {
  TableDef def{"trades", *Schema::Template("trades"), "trade_id"};
  EXPECT_OK(def.Validate());
  def.dedup_key = "nope";
  EXPECT_FALSE(def.Validate().ok());
  def.dedup_key = "ts";
  EXPECT_FALSE(def.Validate().ok());
  def.dedup_key.reset();
  def.name = "bad-name";
  EXPECT_FALSE(def.Validate().ok());
}

TEST(RecordBatch, AppendSliceTakeProject) {
  RecordBatch a = testing::MakeTrades(100, 3, 0, 1);
  ASSERT_OK(a.ValidateAgainst(*Schema::Template("trades")));
  RecordBatch b = a.Slice(10, 20);
  EXPECT_EQ(b.num_rows(), 20u);
  EXPECT_EQ(b.RowToString(0), a.RowToString(10));
  RecordBatch c = a.Slice(0, 10);
  ASSERT_OK(c.Append(b));
  EXPECT_EQ(c.num_rows(), 30u);
  EXPECT_EQ(c.RowToString(29), a.RowToString(29));
  std::vector<uint32_t> rows = {5, 1, 99};
  RecordBatch t = a.Take(rows);
  EXPECT_EQ(t.RowToString(2), a.RowToString(99));
  ASSERT_OK_AND_ASSIGN(RecordBatch p, a.Project({"price", "ts"}));
  EXPECT_EQ(p.num_columns(), 2u);
  EXPECT_TRUE(p.column(1).Equals(a.column(0)));
  EXPECT_FALSE(a.Project({"nope"}).ok());
  EXPECT_TRUE(a.Equals(a.Slice(0, 100)));
  EXPECT_FALSE(a.Equals(b));
}

TEST(RecordBatch, NullsAndValidation) {
  ASSERT_OK_AND_ASSIGN(Schema s, Schema::Parse("ts:timestamp,symbol:symbol,x:f64?,y:i64"));
  RecordBatch b(s);
  b.column(0).AppendInt64(1);
  b.column(1).AppendString("A");
  b.column(2).AppendNull();
  b.column(3).AppendInt64(7);
  b.column(0).AppendInt64(2);
  b.column(1).AppendString("A");
  b.column(2).AppendDouble(1.5);
  b.column(3).AppendInt64(8);
  ASSERT_OK(b.ValidateAgainst(s));
  EXPECT_TRUE(b.column(2).IsNull(0));
  EXPECT_FALSE(b.column(2).IsNull(1));
  EXPECT_EQ(b.RowToString(0), "1970-01-01T00:00:00.000000001Z,A,,7");
  b.column(3).AppendNull();  // y is not nullable, and now too long
  EXPECT_FALSE(b.Validate().ok());
}

TEST(Status, MessagesAndMacros) {
  Status st = Status::Corruption("bad CRC").WithContext("wal/0000000001.log offset 64");
  EXPECT_EQ(st.ToString(), "Corruption: wal/0000000001.log offset 64: bad CRC");
  auto f = [](bool fail) -> Result<int> {
    if (fail) return Status::NotFound("x");
    return 3;
  };
  auto g = [&](bool fail) -> Result<int> {
    ASSIGN_OR_RETURN(int v, f(fail));
    return v + 1;
  };
  EXPECT_EQ(*g(false), 4);
  EXPECT_TRUE(g(true).status().IsNotFound());
}

TEST(TableDef, ATooLongNameSaysSoBeforeTheCharset) {
  EXPECT_TRUE(TableDef::ValidateName(std::string(TableDef::kMaxTableNameBytes, 't')).ok());
  Status st = TableDef::ValidateName(std::string(300, 't'));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("too long: 300 bytes, at most 128"), std::string::npos) << st.message();
  EXPECT_LT(st.message().size(), 150u) << "quotes a prefix only: " << st.message();
  st = TableDef::ValidateName(std::string(300, '-'));
  EXPECT_NE(st.message().find("too long"), std::string::npos) << st.message();
}

TEST(Utf8, AcceptsWellFormedAndRefusesEveryKindOfMalformed) {
  for (const char* ok : {"", "plain ascii that is longer than eight bytes", "caf\xC3\xA9", "\xE6\x97\xA5",
                         "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBF"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  }
  for (const char* bad : {"\x80", "abc\xBF", "\xC3", "\xC3(", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
                          "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "12345678\xE6\x97"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

TEST(Symbols, ValidateSymbolKeepsTheDirectoryNameWithin255Bytes) {
  EXPECT_TRUE(ValidateSymbol("AAPL").ok());
  EXPECT_TRUE(ValidateSymbol("BRK.B").ok());
  EXPECT_TRUE(ValidateSymbol(std::string(248, 'x')).ok());
  EXPECT_FALSE(ValidateSymbol(std::string(249, 'x')).ok());
  EXPECT_TRUE(ValidateSymbol(std::string(82, ' ')).ok());  // 82 * 3 = 246
  EXPECT_FALSE(ValidateSymbol(std::string(83, ' ')).ok());
  EXPECT_FALSE(ValidateSymbol("").ok());
}

TEST(Status, QuoteForMessageCutsAndEscapes) {
  EXPECT_EQ(QuoteForMessage("abc"), "'abc'");
  EXPECT_EQ(QuoteForMessage(std::string_view("a\0b\n\\", 5)), "'a\\x00b\\x0a\\x5c'");
  EXPECT_EQ(QuoteForMessage(std::string(1000, 'z'), 4), "'zzzz'... (1000 bytes)");
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

TEST(Schema, TimestampPrecisionAndF32) {
  ASSERT_OK_AND_ASSIGN(Schema s, Schema::Parse("ts:timestamp[us],symbol:symbol,f:f32?,g:f64"));
  EXPECT_EQ(s.fields()[0].type, ColumnType::kTimestamp);
  EXPECT_EQ(s.fields()[0].unit, TimeUnit::kMicros);
  EXPECT_EQ(s.fields()[2].type, ColumnType::kFloat32);
  EXPECT_TRUE(s.fields()[2].nullable);
  EXPECT_EQ(s.ToString(), "ts:timestamp[us],symbol:symbol,f:f32?,g:f64");
  ASSERT_OK_AND_ASSIGN(Schema ms, Schema::Parse("ts:timestamp[ms],symbol:symbol"));
  EXPECT_EQ(ms.fields()[0].unit, TimeUnit::kMillis);
  ASSERT_OK_AND_ASSIGN(Schema ns, Schema::Parse("ts:timestamp[ns],symbol:symbol"));
  EXPECT_EQ(ns.ToString(), "ts:timestamp,symbol:symbol");
  auto bad = Schema::Parse("ts:timestamp[s],symbol:symbol");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown timestamp precision 'timestamp[s]'"), std::string::npos);
  Field f{"x", ColumnType::kInt64, false, TimeUnit::kMicros};
  auto made = Schema::Make({{"ts", ColumnType::kTimestamp}, {"symbol", ColumnType::kSymbol}, f});
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.status().message().find("only a timestamp column has a precision"), std::string::npos);
  EXPECT_EQ(TruncateToUnit(1999, TimeUnit::kMicros), 1000);
  EXPECT_EQ(TruncateToUnit(-1, TimeUnit::kMicros), -1000);  // toward -inf
  EXPECT_EQ(TruncateToUnit(-1000000, TimeUnit::kMillis), -1000000);
  EXPECT_TRUE(IsExactFloat(0.1f));
  EXPECT_FALSE(IsExactFloat(0.1));
  EXPECT_TRUE(IsExactFloat(NAN));
  EXPECT_TRUE(IsExactFloat(-INFINITY));
  EXPECT_FALSE(IsExactFloat(1e300));
}

TEST(RecordBatch, ValidateRefusesFinerTimestampsAndNonFloatF32) {
  Schema s = *Schema::Parse("ts:timestamp[ms],symbol:symbol,f:f32");
  RecordBatch b(s);
  b.column(0).AppendInt64(1772461800001000000);
  b.column(1).AppendString("A");
  b.column(2).AppendDouble(0.5);
  EXPECT_OK(b.ValidateAgainst(s));
  b.column(0).int64s()[0] += 1000;  // a microsecond finer than ms
  Status st = b.ValidateAgainst(s);
  EXPECT_NE(st.message().find("row 1: column 'ts': 2026-03-02T14:30:00.001001Z is finer than its timestamp[ms]"),
            std::string::npos)
      << st.ToString();
  b.column(0).int64s()[0] -= 1000;
  b.column(2).doubles()[0] = 0.1;
  st = b.ValidateAgainst(s);
  EXPECT_NE(st.message().find("is not a 32-bit float (f32)"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace strata
