// End-to-end tests of what the `strata` command accepts as input: the timestamp range, symbols,
// NaN and UTF-8, outputs that would destroy an input, non-seekable inputs, flag values.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "strata/database.h"
#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;

constexpr char kHeader[] = "ts,symbol,price,size,trade_id,exchange\n";

class InputCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.Join("db");
    ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
    CliRun r = Strata("table create trades --template trades");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  CliRun Strata(const std::string& args) { return testing::RunStrata(dir_, "--root " + root_ + " " + args); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.Join(name);
    testing::WriteTextFile(path, text);
    return path;
  }

  size_t Lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

  testing::TempDir dir_;
  std::string root_;
};

TEST_F(InputCliTest, RowsOnTheLastAndFirstSupportedDaysFlushAndQuery) {
  // Issue 13 #1: a row on 2262-04-11 made every flush crash; the range now ends at 2261-12-31.
  CliRun g = Strata("gen trades --date 2262-04-11 --rows 10 --out " + dir_.Join("g.csv"));
  EXPECT_EQ(g.exit_code, 1);
  EXPECT_NE(g.err.find("--date: bad timestamp '2262-04-11': outside the supported range 1678-01-01T00:00:00Z to "
                       "2261-12-31T23:59:59.999999999Z"),
            std::string::npos)
      << g.err;
  const std::string edges = Write("edges.csv", std::string(kHeader) +
                                                   "1678-01-01T00:00:00Z,A,1.5,1,1,X\n"
                                                   "2261-12-31T23:59:59.999999999Z,A,1.5,1,2,X\n"
                                                   "-9214560000000000000,B,1.5,1,3,X\n");  // 1678-01-01 as ns
  CliRun ing = Strata("ingest trades " + edges);
  ASSERT_EQ(ing.exit_code, 0) << ing.err;
  CliRun flush = Strata("flush");
  ASSERT_EQ(flush.exit_code, 0) << flush.err;
  CliRun q = Strata("query trades --format csv --columns ts,symbol");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "ts,symbol\n1678-01-01T00:00:00Z,A\n2261-12-31T23:59:59.999999999Z,A\n1678-01-01T00:00:00Z,B\n");
  struct stat st;
  EXPECT_EQ(::stat((root_ + "/warm/trades/date=1678-01-01/symbol=A").c_str(), &st), 0);
  EXPECT_EQ(::stat((root_ + "/warm/trades/date=2261-12-31/symbol=A").c_str(), &st), 0);
  // A later flush works too (the crash repeated on every flush).
  ASSERT_EQ(
      Strata("ingest trades " + Write("more.csv", std::string(kHeader) + "2261-12-31T00:00:00Z,A,1,1,4,X\n")).exit_code,
      0);
  EXPECT_EQ(Strata("flush").exit_code, 0);
  EXPECT_EQ(Lines(Strata("query trades --format csv").out), 5u);
  CliRun bars = Strata("query trades --bars 1d --format csv --columns ts,symbol,count");
  ASSERT_EQ(bars.exit_code, 0) << bars.err;
  EXPECT_NE(bars.out.find("2261-12-31T00:00:00Z,A,2"), std::string::npos) << bars.out;
}

TEST_F(InputCliTest, TimestampsOutsideTheRangeAreBadLinesAndBadFlags) {
  for (const char* ts :
       {"2262-04-11T00:00:00Z", "9223372036854775807", "1677-12-31T23:59:59Z", "-9223372036854775808"}) {
    CliRun r = Strata("ingest trades " + Write("far.csv", std::string(kHeader) + ts + ",A,1.5,1,1,X\n"));
    EXPECT_EQ(r.exit_code, 1) << ts;
    EXPECT_NE(r.err.find("far.csv:2: column 'ts': bad timestamp"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("outside the supported range"), std::string::npos) << r.err;
  }
  for (const char* flags : {"--from 1600-01-01", "--to 2300-01-01", "--to 9223372036854775807"}) {
    CliRun r = Strata(std::string("query trades ") + flags);
    EXPECT_EQ(r.exit_code, 1) << flags;
    EXPECT_NE(r.err.find("outside the supported range"), std::string::npos) << r.err;
  }
}

TEST_F(InputCliTest, BadSymbolsNaNAndInvalidUtf8AreRefusedAtIngest) {
  const std::string long_symbol(249, 'S');
  struct Case {
    std::string line;
    const char* error;
  };
  const Case cases[] = {
      {"2026-03-02T14:30:00Z," + long_symbol + ",1.5,1,1,X", "column 'symbol': symbol 'SSS"},
      {"2026-03-02T14:30:00Z,A\xff,1.5,1,1,X", "column 'symbol': symbol 'A\\xff' is not valid UTF-8"},
      {"2026-03-02T14:30:00Z,A,nan,1,1,X", "column 'price': 'nan' is not a finite number"},
      {"2026-03-02T14:30:00Z,A,1.5,1,1,X\xc3", "column 'exchange': 'X\\xc3' is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    CliRun r = Strata("ingest trades " + Write("bad.csv", std::string(kHeader) + c.line + "\n"));
    EXPECT_EQ(r.exit_code, 1) << c.line;
    EXPECT_NE(r.err.find(std::string("bad.csv:2: ") + c.error), std::string::npos) << r.err;
  }
  // Nothing of it reached the database, and a flush is not blocked.
  EXPECT_EQ(Strata("query trades --format csv").out, std::string(kHeader));
  EXPECT_EQ(Strata("flush").exit_code, 0);
  // --allow-nan stores NaN; bars count the NaN price as SQL does (the largest double), wherever it stands.
  CliRun r = Strata("ingest trades --allow-nan " +
                    Write("nan.csv", std::string(kHeader) + "2026-03-02T14:30:00Z,A,2,1,1,X\n"
                                                            "2026-03-02T14:30:01Z,A,nan,1,2,X\n"
                                                            "2026-03-02T14:30:02Z,A,1,1,3,X\n"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CliRun bars = Strata("query trades --bars 1m --format csv --columns open,high,low,close,count");
  ASSERT_EQ(bars.exit_code, 0) << bars.err;
  EXPECT_EQ(bars.out, "open,high,low,close,count\n2,nan,1,1,3\n");
}

TEST_F(InputCliTest, RejectsFileThatIsTheInputIsRefusedBeforeTouchingIt) {
  const std::string csv = std::string(kHeader) + "2026-03-02T14:30:00Z,A,1.5,1,1,X\nbad,A,1,1,1,X\n";
  const std::string in = Write("in.csv", csv);
  CliRun r = Strata("ingest trades " + in + " --rejects " + in);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("it is the same file as the input"), std::string::npos) << r.err;
  EXPECT_EQ(testing::ReadTextFile(in), csv);
  // Through another name (a hard link) too.
  ASSERT_EQ(::link(in.c_str(), dir_.Join("alias.csv").c_str()), 0);
  r = Strata("ingest trades " + in + " --rejects " + dir_.Join("alias.csv"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(testing::ReadTextFile(in), csv);
  r = Strata("parquet write " + in + " " + in + " --template trades");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("same file as the input"), std::string::npos) << r.err;
  r = Strata("parquet write " + in + " " + dir_.Join("o.parquet") + " --template trades --rejects " + in);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(testing::ReadTextFile(in), csv);
}

TEST_F(InputCliTest, RejectsFileHasTheHeaderAndKeepsCrlf) {
  const std::string in = Write("crlf.csv",
                               "ts,symbol,price,size,trade_id,exchange\r\n"
                               "2026-03-02T14:30:00Z,A,1.5,1,1,X\r\n"
                               "yesterday,A,1.5,1,2,X\r\n"
                               "2026-03-02T14:30:01Z,A,abc,1,3,X\r\n");
  CliRun r = Strata("ingest trades " + in + " --rejects " + dir_.Join("rej.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadTextFile(dir_.Join("rej.csv")),
            "ts,symbol,price,size,trade_id,exchange\r\n"
            "yesterday,A,1.5,1,2,X\r\n"
            "2026-03-02T14:30:01Z,A,abc,1,3,X\r\n");
  // The rejects file, once fixed, ingests as it is.
  r = Strata("ingest trades " + dir_.Join("rej.csv") + " --rejects " + dir_.Join("rej2.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 rejected"), std::string::npos) << r.out;
}

TEST_F(InputCliTest, ModelGetRefusesToReplaceASymlinkOrAFifo) {
  const std::string model = Write("m.bin", std::string(5000, 'm'));
  ASSERT_EQ(Strata("model put m1 " + model).exit_code, 0);
  const std::string target = Write("target.bin", "keep");
  const std::string link = dir_.Join("link.bin");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  CliRun r = Strata("model get m1 " + link);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("refusing to write " + link + ": it is a symbolic link"), std::string::npos) << r.err;
  struct stat st;
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(testing::ReadTextFile(target), "keep");
  const std::string fifo = dir_.Join("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  r = Strata("model get m1 " + fifo);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("it is a FIFO"), std::string::npos) << r.err;
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  // A regular file is replaced as before.
  ASSERT_EQ(Strata("model get m1 " + target).exit_code, 0);
  EXPECT_EQ(testing::ReadTextFile(target), std::string(5000, 'm'));
}

TEST_F(InputCliTest, IngestReadsAFifoAndStopsAtAnEndlessHeader) {
  std::signal(SIGPIPE, SIG_IGN);
  const std::string fifo = dir_.Join("in.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string csv = std::string(kHeader) + "2026-03-02T14:30:00Z,A,1.5,1,1,X\n2026-03-02T14:30:01Z,A,1.5,1,2,X\n";
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);  // waits for strata to open it
    if (fd >= 0) {
      (void)!::write(fd, csv.data(), csv.size());
      ::close(fd);
    }
  });
  CliRun r = Strata("ingest trades " + fifo);
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ingested 2 rows"), std::string::npos) << r.out;
  r = Strata("ingest trades /dev/zero");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/dev/zero:1: the header is longer than"), std::string::npos) << r.err;
}

TEST_F(InputCliTest, FlagValuesAreChecked) {
  CliRun r = Strata("query trades --limit -5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--limit must be 0 or more"), std::string::npos) << r.err;
  const std::string in = Write("ok.csv", std::string(kHeader) + "2026-03-02T14:30:00Z,A,1.5,1,1,X\n");
  for (const char* rows : {"-1", "0"}) {
    r = Strata("ingest trades " + in + " --batch-rows " + rows);
    EXPECT_NE(r.exit_code, 0) << rows;
    EXPECT_NE(r.err.find("--batch-rows must be between 1 and"), std::string::npos) << r.err;
  }
  r = Strata("model put m " + Write("m.bin", "x") + " --version 0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("version must be >= 1"), std::string::npos) << r.err;
  r = Strata("model put m " + dir_.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  r = Strata("table create " + std::string(300, 't') + " --template trades");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("too long: 300 bytes, at most 128"), std::string::npos) << r.err;
}

TEST_F(InputCliTest, UnknownCommandsAreNamed) {
  CliRun r = Strata("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'frobnicate' is not a command of `strata`"), std::string::npos) << r.err;
  r = Strata("model frob");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'frob' is not a command of `strata model` (commands: put, get"), std::string::npos) << r.err;
}

TEST_F(InputCliTest, SmallIntegerTimestampsWarnUnlessAUnitIsGiven) {
  const std::string in = Write("secs.csv", std::string(kHeader) + "1772460000,A,1.5,1,1,X\n");
  CliRun r = Strata("ingest trades " + in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: 1 integer timestamps (the first on line 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--ts-unit s"), std::string::npos) << r.err;
  r = Strata("ingest trades --ts-unit s " + in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  CliRun q = Strata("query trades --format csv --columns ts --from 2026-01-01");
  EXPECT_EQ(q.out, "ts\n2026-03-02T14:00:00Z\n");
}

TEST_F(InputCliTest, ErrorsQuoteAShortEscapedPrefixOfTheInput) {
  std::string line(10 << 20, 'x');
  line[10] = '\0';
  CliRun r = Strata("ingest trades " + Write("huge.csv", std::string(kHeader) + line + ",A,1.5,1,1,X\n"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_LT(r.err.size(), 600u) << r.err.substr(0, 1000);
  EXPECT_NE(r.err.find("xxxxxxxxxx\\x00xxx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("use --rejects FILE to skip bad lines"), std::string::npos) << r.err;
}

// Issue 18 #6: a row the hot tier refuses must be refused before the WAL append, or every
// replay fails and the database cannot be opened again.
TEST(InputApiTest, RowsTheHotTierWouldRefuseNeverReachTheWal) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  ASSERT_EQ(testing::RunStrata(dir, "--root " + root + " init").exit_code, 0);
  {
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, Options{}));
    TableDef def;
    def.name = "trades";
    def.schema = *Schema::Template("trades");
    ASSERT_OK(db->CreateTable(def));
    for (auto [ts, symbol] : std::vector<std::pair<int64_t, std::string>>{
             {0, ""}, {0, std::string(300, 'S')}, {0, "A\xff"}, {INT64_MAX, "A"}, {INT64_MIN, "A"}}) {
      RecordBatch b = testing::MakeTrades(3, 1, 0, 1);
      b.column(0).int64s()[1] = ts;
      RecordBatch one(def.schema);
      for (size_t r = 0; r < 3; ++r) {
        for (size_t c = 0; c < b.num_columns(); ++c) {
          if (c == 1) {
            one.column(c).AppendString(r == 1 ? std::string_view(symbol) : std::string_view("A"));
          } else {
            one.column(c).AppendFrom(b.column(c), r);
          }
        }
      }
      if (ts == 0) one.column(0).int64s()[1] = 1;
      Status st = db->Append("trades", one);
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << symbol.substr(0, 10) << " " << ts;
      EXPECT_NE(st.message().find("row 2: "), std::string::npos) << st.message();
    }
    ASSERT_OK(db->Append("trades", testing::MakeTrades(10, 2, 0, 1)));
    ASSERT_OK(db->Close());
  }
  // The WAL replays: the database opens and holds the good rows only.
  {
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, Options{}));
    ASSERT_OK(db->Close());
  }
  CliRun q = testing::RunStrata(dir, "--root " + root + " query trades --format csv");
  EXPECT_EQ(std::count(q.out.begin(), q.out.end(), '\n'), 11) << q.err;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
