// End-to-end tests of `strata parquet inspect | cat | write`: real processes, real files.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;

constexpr char kTrades[] =
    "ts,symbol,price,size,trade_id,exchange\n"
    "2026-03-02T14:30:00.000000001Z,AAPL,187.5,100,1,XNAS\n"
    "2026-03-02T14:30:00.500Z,MSFT,0.1,200,-9223372036854775808,\n"
    "2026-03-02T14:31:00Z,AAPL,1.7976931348623157e+308,9223372036854775807,2,\"XN,AS\"\n"
    "2026-03-02T15:00:00.123456789Z,AAPL,-inf,0,3,ARCX\n";

class ParquetCliTest : public ::testing::Test {
 protected:
  CliRun Strata(const std::string& args, const std::string& input = "") {
    return testing::RunStrata(dir_, args, input);
  }
  std::string WriteTrades(const std::string& extra = "") {
    testing::WriteTextFile(dir_.Join("t.csv"), kTrades);
    CliRun w =
        Strata("parquet write " + dir_.Join("t.csv") + " " + dir_.Join("t.parquet") + " --template trades " + extra);
    EXPECT_EQ(w.exit_code, 0) << w.err;
    EXPECT_NE(w.out.find("wrote 4 rows"), std::string::npos) << w.out;
    return dir_.Join("t.parquet");
  }
  testing::TempDir dir_;
};

TEST_F(ParquetCliTest, WriteThenCatGivesBackEveryValue) {
  for (const char* options : {"", "--codec snappy --encoding auto", "--codec none --encoding plain --page-version 2",
                              "--codec gzip --level 9 --column-encoding price=byte_stream_split --no-crc",
                              "--codec lz4_raw --encoding dictionary --row-group-rows 1 --page-rows 1"}) {
    const std::string file = WriteTrades(options);
    CliRun cat = Strata("parquet cat " + file);
    ASSERT_EQ(cat.exit_code, 0) << options << ": " << cat.err;
    EXPECT_EQ(cat.out, kTrades) << options;
  }
}

TEST_F(ParquetCliTest, CatSelectsColumnsRowsAndTimesAndPrintsJson) {
  const std::string file = WriteTrades("--row-group-rows 2");
  CliRun cols = Strata("parquet cat " + file + " --columns price,ts --limit 1");
  ASSERT_EQ(cols.exit_code, 0) << cols.err;
  EXPECT_EQ(cols.out, "price,ts\n187.5,2026-03-02T14:30:00.000000001Z\n");

  CliRun range = Strata("parquet cat " + file + " --offset 1 --limit 2 --columns trade_id");
  ASSERT_EQ(range.exit_code, 0) << range.err;
  EXPECT_EQ(range.out, "trade_id\n-9223372036854775808\n2\n");

  CliRun times = Strata("parquet cat " + file + " --from 2026-03-02T14:30:01Z --to 2026-03-02T15:00:00.123456789Z");
  ASSERT_EQ(times.exit_code, 0) << times.err;
  EXPECT_EQ(times.out,
            "ts,symbol,price,size,trade_id,exchange\n"
            "2026-03-02T14:31:00Z,AAPL,1.7976931348623157e+308,9223372036854775807,2,\"XN,AS\"\n");

  CliRun json = Strata("parquet cat " + file + " --format json --columns symbol,size --offset 3");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, "{\"symbol\":\"AAPL\",\"size\":0}\n");

  CliRun none = Strata("parquet cat " + file + " --limit 0");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "ts,symbol,price,size,trade_id,exchange\n");

  CliRun backwards = Strata("parquet cat " + file + " --from 2026-03-03 --to 2026-03-02");
  EXPECT_EQ(backwards.exit_code, 1);
  CliRun unknown = Strata("parquet cat " + file + " --columns nope");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("nope"), std::string::npos) << unknown.err;
}

TEST_F(ParquetCliTest, NullsPrintAsEmptyFields) {
  testing::WriteTextFile(dir_.Join("n.csv"), "ts,symbol,note,qty\n1,A,,\n2,A,hi,5\n");
  CliRun w = Strata("parquet write " + dir_.Join("n.csv") + " " + dir_.Join("n.parquet") +
                    " --schema 'ts:timestamp,symbol:symbol,note:string?,qty:i64?'");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  CliRun cat = Strata("parquet cat " + dir_.Join("n.parquet"));
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(cat.out, "ts,symbol,note,qty\n1970-01-01T00:00:00.000000001Z,A,,\n1970-01-01T00:00:00.000000002Z,A,hi,5\n");
  CliRun inspect = Strata("parquet inspect " + dir_.Join("n.parquet"));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("nulls 1"), std::string::npos) << inspect.out;
}

TEST_F(ParquetCliTest, InspectShowsSchemaCodecsEncodingsAndStatistics) {
  const std::string file = WriteTrades("--codec zstd --column-encoding ts=delta_binary_packed");
  CliRun r = Strata("parquet inspect " + file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* want : {"rows: 4", "TIMESTAMP(NANOS)", "ZSTD", "DELTA_BINARY_PACKED", "strata.schema",
                           "min 2026-03-02T14:30:00.000000001Z", "page index"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << " in\n" << r.out;
  }
}

TEST_F(ParquetCliTest, ReadsOtherWritersFiles) {
  const std::string data = testing::SharedDir() + "/data/parquet-testing/data/";
  CliRun cat = Strata("parquet cat " + data + "alltypes_plain.parquet --columns id,bool_col,double_col --limit 2");
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(cat.out, "id,bool_col,double_col\n4,true,0\n5,false,10.1\n");
  CliRun nested = Strata("parquet cat " + data + "nested_lists.snappy.parquet");
  EXPECT_EQ(nested.exit_code, 1);
  EXPECT_NE(nested.err.find("unsupported nested column"), std::string::npos) << nested.err;
}

TEST_F(ParquetCliTest, BadInputGivesOneLineErrorsNamingTheFileAndLeavesNoOutput) {
  CliRun missing = Strata("parquet inspect " + dir_.Join("missing.parquet"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("missing.parquet"), std::string::npos) << missing.err;

  const std::string file = WriteTrades();
  std::string bytes = testing::ReadTextFile(file);
  testing::WriteTextFile(dir_.Join("cut.parquet"), bytes.substr(0, bytes.size() / 2));
  CliRun cut = Strata("parquet cat " + dir_.Join("cut.parquet"));
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_NE(cut.err.find("cut.parquet"), std::string::npos) << cut.err;
  EXPECT_EQ(std::count(cut.err.begin(), cut.err.end(), '\n'), 1) << cut.err;

  testing::WriteTextFile(dir_.Join("bad.csv"),
                         "ts,symbol,price,size,trade_id,exchange\n1,A,1.5,1,1,X\n2,A,oops,1,2,X\n");
  CliRun bad = Strata("parquet write " + dir_.Join("bad.csv") + " " + dir_.Join("bad.parquet") + " --template trades");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.csv:3"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("bad.parquet"))) << "a failed write leaves no file";

  CliRun rejects = Strata("parquet write " + dir_.Join("bad.csv") + " " + dir_.Join("ok.parquet") +
                          " --template trades --rejects " + dir_.Join("rej.csv"));
  ASSERT_EQ(rejects.exit_code, 0) << rejects.err;
  EXPECT_EQ(testing::ReadTextFile(dir_.Join("rej.csv")), "ts,symbol,price,size,trade_id,exchange\n2,A,oops,1,2,X\n");
  EXPECT_EQ(Strata("parquet cat " + dir_.Join("ok.parquet") + " --columns price").out, "price\n1.5\n");

  CliRun codec = Strata("parquet write " + dir_.Join("t.csv") + " " + dir_.Join("x.parquet") +
                        " --template trades --codec brotli");
  EXPECT_EQ(codec.exit_code, 1);
  EXPECT_NE(codec.err.find("brotli"), std::string::npos) << codec.err;
  CliRun enc = Strata("parquet write " + dir_.Join("t.csv") + " " + dir_.Join("x.parquet") +
                      " --template trades --column-encoding symbol=byte_stream_split");
  EXPECT_EQ(enc.exit_code, 1);
  EXPECT_NE(enc.err.find("symbol"), std::string::npos) << enc.err;
  CliRun no_schema = Strata("parquet write " + dir_.Join("t.csv") + " " + dir_.Join("x.parquet"));
  EXPECT_EQ(no_schema.exit_code, 1);
  EXPECT_NE(no_schema.err.find("--template"), std::string::npos) << no_schema.err;
}

TEST_F(ParquetCliTest, HelpTeachesWithExamples) {
  for (const char* cmd : {"parquet inspect", "parquet cat", "parquet write"}) {
    CliRun r = Strata(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << cmd << ":\n" << r.out;
  }
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
