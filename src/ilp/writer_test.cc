#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "ilp/ilp.h"
#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata::ilp {
namespace {

using testing::TempDir;

// Databases in memory when possible (fsync=always on a disk makes these tests slow).
struct InMemoryTmpDir {
  InMemoryTmpDir() {
    if (getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK) == 0) setenv("TMPDIR", "/dev/shm", 0);
  }
};

class IlpWriterTest : public ::testing::Test, InMemoryTmpDir {
 protected:
  void SetUp() override { Fresh("db"); }
  // A new, empty database.
  void Fresh(const std::string& name) {
    db_.reset();
    root_ = dir_.Join(name);
    InitOptions init;
    init.fsync = "none";
    ASSERT_OK(Database::Init(root_, init));
    Reopen();
  }
  void Reopen() {
    db_.reset();
    strata::Options o;
    o.background_flush = false;
    auto db = Database::Open(root_, o);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  Status Write(std::string_view body, WriteResult* r = nullptr, const ilp::Options& o = {}) {
    WriteResult local;
    Writer w(db_.get());
    return w.WriteRequest(body, o, r ? r : &local);
  }

  std::vector<std::string> Rows(const std::string& table) {
    ScanRequest req;
    req.table = table;
    auto batches = db_->Scan(req);
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    std::vector<std::string> rows;
    if (!batches.ok()) return rows;
    for (const RecordBatch& b : *batches) {
      for (size_t i = 0; i < b.num_rows(); ++i) rows.push_back(b.RowToString(i));
    }
    return rows;
  }

  bool HasTable(const std::string& name) { return db_->GetTable(name).ok(); }

  TempDir dir_;
  std::string root_;
  std::unique_ptr<Database> db_;
};

TEST_F(IlpWriterTest, AutoCreatesATableFromItsFirstLine) {
  WriteResult r;
  ASSERT_OK(Write("trades,symbol=AAPL,exchange=Q price=1.5,size=10i,ok=t,note=\"a b\" 1000\n", &r));
  EXPECT_EQ(r.rows, 1u);
  EXPECT_EQ(r.lines, 1u);
  ASSERT_EQ(r.tables_created, std::vector<std::string>{"trades"});
  ASSERT_OK_AND_ASSIGN(TableDef def, db_->GetTable("trades"));
  EXPECT_EQ(def.schema.ToString(),
            "ts:timestamp,symbol:symbol,exchange:string?,price:f64?,size:i64?,ok:bool?,note:string?");
  EXPECT_EQ(Rows("trades"), std::vector<std::string>{"1970-01-01T00:00:00.000001Z,AAPL,Q,1.5,10,true,a b"});
}

TEST_F(IlpWriterTest, SeriesKeyIsTheSymbolTagElseTheFirstElseTheConfiguredOne) {
  ASSERT_OK(Write("a,venue=X,symbol=S v=1 1\nb,ticker=T,venue=Y v=1 1\n"));
  EXPECT_EQ(db_->GetTable("a")->schema.ToString(), "ts:timestamp,symbol:symbol,venue:string?,v:f64?");
  EXPECT_EQ(db_->GetTable("b")->schema.ToString(), "ts:timestamp,ticker:symbol,venue:string?,v:f64?");
  ilp::Options o;
  o.series_key_tags["c"] = "venue";
  ASSERT_OK(Write("c,ticker=T,venue=Y v=1 1\n", nullptr, o));
  EXPECT_EQ(db_->GetTable("c")->schema.ToString(), "ts:timestamp,venue:symbol,ticker:string?,v:f64?");
  WriteResult r;
  Status st = Write(
      "d,ticker=T v=1 1\n", &r, o = [] {
        ilp::Options x;
        x.series_key_tags["d"] = "venue";
        return x;
      }());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error_line, 1u);
  EXPECT_NE(r.error_reason.find("takes its series key from tag 'venue'"), std::string::npos) << r.error_reason;
  Status none = Write("e v=1 1\n", &r);
  EXPECT_NE(none.message().find("no tag for its series key"), std::string::npos) << none.ToString();
  // Later lines must carry the key.
  Status missing = Write("a,venue=X v=2 2\n", &r);
  EXPECT_NE(missing.message().find("no tag 'symbol'"), std::string::npos) << missing.ToString();
}

TEST_F(IlpWriterTest, ABadLineAnywhereStoresNothingOfTheRequestAcrossTables) {
  // New tables: none is created.
  WriteResult r;
  Status st = Write("t1,symbol=A v=1 1\nt2,symbol=B w=2i 1\nt1,symbol=A v=oops 2\nt2,symbol=B w=3i 3\n", &r);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error_line, 3u);
  EXPECT_NE(r.error_reason.find("'v'"), std::string::npos) << r.error_reason;
  EXPECT_EQ(st.message().rfind("line 3: ", 0), 0u) << st.message();
  EXPECT_FALSE(HasTable("t1"));
  EXPECT_FALSE(HasTable("t2"));
  EXPECT_EQ(r.rows, 0u);
  // Existing tables: no row of the request is stored.
  ASSERT_OK(Write("t1,symbol=A v=1 1\nt2,symbol=B w=2i 1\n"));
  st = Write("t1,symbol=A v=5 5\nt2,symbol=B w=6i 5\nt2,symbol=B w=1.5 6\n", &r);
  EXPECT_EQ(r.error_line, 3u);
  EXPECT_NE(r.error_reason.find("is a float but the column is i64"), std::string::npos) << r.error_reason;
  EXPECT_EQ(Rows("t1").size(), 1u);
  EXPECT_EQ(Rows("t2").size(), 1u);
  // A good request across both tables stores both, and survives a reopen (one WAL record).
  ASSERT_OK(Write("t1,symbol=A v=5 5\nt2,symbol=B w=6i 5\n"));
  Reopen();
  EXPECT_EQ(Rows("t1").size(), 2u);
  EXPECT_EQ(Rows("t2").size(), 2u);
}

TEST_F(IlpWriterTest, AutoCreateOffRefusesClearly) {
  ilp::Options o;
  o.auto_create_tables = false;
  WriteResult r;
  Status st = Write("# header\nnew_table,symbol=A v=1 1\n", &r, o);
  EXPECT_EQ(r.error_line, 2u);
  EXPECT_NE(st.message().find("table 'new_table' does not exist and auto-create of tables is off"), std::string::npos);
  ASSERT_OK(Write("tt,symbol=A v=1 1\n"));
  o.auto_create_tables = true;
  o.auto_create_columns = false;
  st = Write("tt,symbol=A v=1,extra=2 2\n", &r, o);
  EXPECT_NE(st.message().find("has no column 'extra' and auto-create of columns is off"), std::string::npos)
      << st.ToString();
}

// Schema evolution (Database::AddColumn): a tag or field an existing table lacks adds a nullable
// column at the end; rows stored before read NULL there. A request refused after it added a column
// keeps the column but stores none of its rows.
TEST_F(IlpWriterTest, NewFieldsAndTagsAddNullableColumnsToAnExistingTable) {
  ASSERT_OK(Write("m,symbol=A a=1i 1\n"));
  ASSERT_OK(db_->Flush().status());  // a warm file without the new columns
  WriteResult r;
  ASSERT_OK(Write("m,symbol=A,venue=X a=2i,px=1.5 2\nm,symbol=B a=3i,ok=t 3\n", &r));
  EXPECT_EQ(r.columns_added, (std::vector<std::string>{"m.venue", "m.px", "m.ok"}));
  EXPECT_EQ(db_->GetTable("m")->schema.ToString(), "ts:timestamp,symbol:symbol,a:i64?,venue:string?,px:f64?,ok:bool?");
  EXPECT_EQ(Rows("m"), (std::vector<std::string>{"1970-01-01T00:00:00.000000001Z,A,1,,,",
                                                 "1970-01-01T00:00:00.000000002Z,A,2,X,1.5,",
                                                 "1970-01-01T00:00:00.000000003Z,B,3,,,true"}));
  // A line after the new field's line fails: nothing of the request is stored, the column stays
  // only if the request got as far as adding it (a line error comes before: not added).
  Status st = Write("m,symbol=A a=4i,late=1i 4\nm,symbol=A a=oops 5\n", &r);
  EXPECT_EQ(r.error_line, 2u) << st.ToString();
  EXPECT_EQ(db_->GetTable("m")->schema.FieldIndex("late"), -1);
  EXPECT_EQ(Rows("m").size(), 3u);
  Reopen();
  EXPECT_EQ(Rows("m").size(), 3u);
  EXPECT_EQ(Rows("m")[1], "1970-01-01T00:00:00.000000002Z,A,2,X,1.5,");
}

TEST_F(IlpWriterTest, ColumnsANewTableGainsWithinTheRequestAreNullable) {
  ASSERT_OK(Write("m,symbol=A a=1i 1\nm,symbol=A,t=x b=\"s\" 2\nm,symbol=B a=3i,b=\"u\" 3\n"));
  EXPECT_EQ(db_->GetTable("m")->schema.ToString(), "ts:timestamp,symbol:symbol,a:i64?,t:string?,b:string?");
  EXPECT_EQ(Rows("m"),
            (std::vector<std::string>{"1970-01-01T00:00:00.000000001Z,A,1,,", "1970-01-01T00:00:00.000000002Z,A,,x,s",
                                      "1970-01-01T00:00:00.000000003Z,B,3,,u"}));
}

TEST_F(IlpWriterTest, ExistingTemplateTableTypeRules) {
  TableDef def;
  def.name = "trades";
  def.schema = Schema::Template("trades").value();
  ASSERT_OK(db_->CreateTable(def));
  const std::string base = "trades,symbol=AAPL,exchange=Q ";
  // Integers go into an f64 column when exact; unsigned into i64 within range.
  ASSERT_OK(Write(base + "price=101i,size=5u,trade_id=1i 10\n"));
  WriteResult r;
  struct Case {
    std::string fields;
    std::string reason;
  } cases[] = {
      {"price=1.5,size=1.5,trade_id=1i", "'size' is a float but the column is i64"},
      {"price=1.5,size=\"7\",trade_id=1i", "'size' is a string but the column is i64"},
      {"price=1.5,size=18446744073709551615u,trade_id=1i", "beyond the range of the i64 column"},
      {"price=9007199254740993i,size=1i,trade_id=1i", "cannot hold exactly"},
      {"price=t,size=1i,trade_id=1i", "'price' is a boolean but the column is f64"},
      {"price=1.5,trade_id=1i", "no value for column 'size'"},
      {"price=1.5,size=1i,trade_id=1i,symbol=\"X\"", "'symbol' is both a tag and a field"},
      {"price=1.5,size=1i,trade_id=1i,ts=5i", "timestamp column"},
  };
  for (const Case& c : cases) {
    Status st = Write(base + c.fields + " 11\n", &r);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.fields;
    EXPECT_NE(r.error_reason.find(c.reason), std::string::npos) << c.fields << " -> " << r.error_reason;
  }
  Status tag = Write("trades,symbol=AAPL,size=3 price=1.5,exchange=\"Q\",trade_id=1i 12\n", &r);
  EXPECT_NE(r.error_reason.find("'size' is a tag (a string) but the column is i64"), std::string::npos)
      << r.error_reason;
  Status field_key = Write("trades price=1.5,size=1i,trade_id=1i,symbol=\"X\" 12\n", &r);
  EXPECT_NE(r.error_reason.find("series key of table 'trades'; send it as a tag"), std::string::npos) << r.error_reason;
  // A string field into a string column is fine, as is a tag.
  ASSERT_OK(Write("trades,symbol=AAPL price=1.5,size=1i,trade_id=2i,exchange=\"N\" 13\n"));
  EXPECT_EQ(Rows("trades").size(), 2u);
}

TEST_F(IlpWriterTest, DuplicatesFollowTheEngineRule) {
  // No dedup key: a row equal in every column is one row.
  ASSERT_OK(Write("d,symbol=A v=1 1\nd,symbol=A v=1 1\nd,symbol=A v=2 1\n"));
  EXPECT_EQ(Rows("d").size(), 2u);
}

TEST_F(IlpWriterTest, PrecisionAndClock) {
  ilp::Options o;
  o.precision = Precision::kMillis;
  o.clock = [] { return int64_t{42}; };
  ASSERT_OK(Write("p,symbol=A v=1 1500\np,symbol=A v=2\n", nullptr, o));
  EXPECT_EQ(Rows("p"),
            (std::vector<std::string>{"1970-01-01T00:00:00.000000042Z,A,2", "1970-01-01T00:00:01.500Z,A,1"}));
  WriteResult r;
  o.precision = Precision::kSeconds;
  Status st = Write("p,symbol=A v=1 99999999999\n", &r, o);
  EXPECT_NE(r.error_reason.find("outside the years"), std::string::npos) << st.ToString();
}

TEST_F(IlpWriterTest, NamesAndValuesStrataCannotStoreAreLineErrors) {
  WriteResult r;
  EXPECT_FALSE(Write("bad-name,symbol=A v=1 1\n", &r).ok());
  EXPECT_NE(r.error_reason.find("cannot create table 'bad-name'"), std::string::npos) << r.error_reason;
  EXPECT_FALSE(Write("ok,symbol=A bad-col=1 1\n", &r).ok());
  EXPECT_NE(r.error_reason.find("cannot add column 'bad-col'"), std::string::npos) << r.error_reason;
  EXPECT_FALSE(Write("ok,symbol=A s=\"\xff\" 1\n", &r).ok());
  EXPECT_NE(r.error_reason.find("not valid UTF-8"), std::string::npos) << r.error_reason;
  ilp::Options o;
  o.max_line_bytes = 20;
  EXPECT_FALSE(Write("ok,symbol=A v=1 1\nok,symbol=A v=1234567890123 1\n", &r, o).ok());
  EXPECT_EQ(r.error_line, 2u);
  EXPECT_NE(r.error_reason.find("longer than the limit of 20 bytes"), std::string::npos) << r.error_reason;
}

TEST_F(IlpWriterTest, StreamKeepsRowsBeforeABadLineAndNamesIt) {
  ilp::Options o;
  o.max_batch_rows = 2;
  StreamWriter s(db_.get(), o);
  WriteResult r;
  const std::string text =
      "s,symbol=A v=1 1\ns,symbol=A v=2 2\r\n\ns,symbol=A v=3 3\ns,symbol=A v=x 4\ns,symbol=A v=5 5\n";
  // Fed in awkward pieces: lines split across chunks.
  Status st;
  for (size_t i = 0; i < text.size() && st.ok(); i += 7) st = s.Feed(std::string_view(text).substr(i, 7), &r);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error_line, 5u);
  EXPECT_EQ(r.rows, 3u);
  EXPECT_EQ(Rows("s").size(), 3u);
  // The stream refuses everything after.
  EXPECT_FALSE(s.Feed("s,symbol=A v=6 6\n", &r).ok());
  EXPECT_FALSE(s.Commit(&r).ok());
}

// Chunks of any size, split anywhere (inside escapes too), give the rows one request gives.
TEST_F(IlpWriterTest, StreamSplitAnywhereGivesTheSameRows) {
  const std::string text =
      "e,symbol=A n=\"a\\\nb\" 1\ne,symbol=A n=\"c\\\\\" 2\ne,symbol=B\\\\ n=\"x\" 3\n"
      "e,symbol=A\\\nB n=\"y\" 4\r\n";
  ASSERT_OK(Write(text));
  const std::vector<std::string> want = Rows("e");
  ASSERT_EQ(want.size(), 4u);
  for (size_t chunk = 1; chunk <= 9; ++chunk) {
    SCOPED_TRACE("chunks of " + std::to_string(chunk));
    Fresh("db" + std::to_string(chunk));
    StreamWriter s(db_.get(), {});
    WriteResult r;
    for (size_t i = 0; i < text.size(); i += chunk) ASSERT_OK(s.Feed(std::string_view(text).substr(i, chunk), &r));
    ASSERT_OK(s.Finish(&r));
    EXPECT_EQ(Rows("e"), want);
  }
}

// Another writer creates the table between this batch's first line and its commit, with the
// columns in another order and one more: the rows are mapped by name (nulls for the extra column).
TEST_F(IlpWriterTest, ATableCreatedMeanwhileTakesTheRowsByName) {
  StreamWriter s(db_.get(), {});
  WriteResult r;
  ASSERT_OK(s.Feed("r,symbol=A a=1i,b=\"x\" 1\n", &r));
  ASSERT_OK(Write("r,symbol=B c=t,b=\"y\",a=2i 2\n"));
  ASSERT_OK(s.Commit(&r));
  EXPECT_TRUE(r.tables_created.empty());
  EXPECT_EQ(db_->GetTable("r")->schema.ToString(), "ts:timestamp,symbol:symbol,c:bool?,b:string?,a:i64?");
  EXPECT_EQ(Rows("r"), (std::vector<std::string>{"1970-01-01T00:00:00.000000001Z,A,,x,1",
                                                 "1970-01-01T00:00:00.000000002Z,B,true,y,2"}));
  // A type clash with the table created meanwhile fails that batch, naming the column.
  StreamWriter t(db_.get(), {});
  ASSERT_OK(t.Feed("q,symbol=A a=1i 1\n", &r));
  ASSERT_OK(Write("q,symbol=B a=1.5 2\n"));
  Status st = t.Commit(&r);
  EXPECT_NE(st.message().find("has column a as f64, these rows have i64"), std::string::npos) << st.ToString();
}

TEST_F(IlpWriterTest, StreamCommitsOnlyCompleteLinesUntilFinish) {
  StreamWriter s(db_.get(), {});
  WriteResult r;
  ASSERT_OK(s.Feed("s,symbol=A v=1 1\ns,symbol=A v=2", &r));
  EXPECT_EQ(s.buffered_bytes(), 14u);
  ASSERT_OK(s.Commit(&r));
  EXPECT_EQ(Rows("s").size(), 1u);
  ASSERT_OK(s.Feed(" 2\ns,symbol=A v=3 3", &r));
  ASSERT_OK(s.Finish(&r));
  EXPECT_EQ(Rows("s").size(), 3u);
  EXPECT_EQ(s.lines_seen(), 3u);
}

TEST_F(IlpWriterTest, StreamRefusesAnOverlongPartialLine) {
  ilp::Options o;
  o.max_line_bytes = 32;
  StreamWriter s(db_.get(), o);
  WriteResult r;
  ASSERT_OK(s.Feed("s,symbol=A v=1 1\ns,symbol=A v=", &r));
  Status st = s.Feed(std::string(40, '1'), &r);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error_line, 2u);
  EXPECT_EQ(Rows("s").size(), 1u);
}

}  // namespace
}  // namespace strata::ilp
