// HDF5 in and out with a real peer: `strata export` files read by h5py (every value, ns timestamps
// intact, NULLs as the .valid datasets say), files h5py writes (one dataset per column, and a
// NumPy structured array as a compound dataset) ingested with `strata ingest --dataset`, and clear
// errors for files that are not HDF5, truncated files, missing objects and lossy types.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;

bool HaveH5py() { return std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") == 0; }

class Hdf5CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveH5py()) GTEST_SKIP() << "python3-h5py is not installed (tools/setup.sh --test)";
    root_ = dir_.Join("db");
    ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
    CliRun r = Strata(
        "table create t --schema "
        "'ts:timestamp,symbol:symbol,price:f64,size:i64,qty:f32?,note:string?,flag:bool?,n:i32'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  CliRun Strata(const std::string& args) { return testing::RunStrata(dir_, "--root " + root_ + " " + args); }

  // Runs a Python script with h5py; returns its stdout, failing the test on a non-zero exit.
  std::string Python(const std::string& script, const std::string& args = "") {
    const std::string path = dir_.Join("script.py");
    testing::WriteTextFile(path, script);
    const std::string out = dir_.Join("py.out");
    const int rc = std::system(("/usr/bin/python3 " + path + " " + args + " >" + out + " 2>&1").c_str());
    std::string text = testing::ReadTextFile(out);
    EXPECT_EQ(rc, 0) << text;
    return text;
  }

  testing::TempDir dir_;
  std::string root_;
};

constexpr char kCsv[] =
    "ts,symbol,price,size,qty,note,flag,n\n"
    "2026-03-02T14:30:00.123456789Z,AAPL,187.25,100,0.1,héllo,true,-7\n"
    "2026-03-02T14:30:00.123456790Z,AAPL,0.1,9007199254740993,,,,2147483647\n"
    "2026-03-02T14:30:01.000000001Z,MSFT,-1e-300,-9223372036854775807,3.4028235e38,\"a, \"\"b\"\"\",false,0\n"
    "2026-03-03T09:00:00Z,MSFT,1.5,1,-0,,true,1\n";

TEST_F(Hdf5CliTest, ExportIsReadByH5pyValueForValue) {
  const std::string csv = dir_.Join("in.csv");
  testing::WriteTextFile(csv, kCsv);
  CliRun ing = Strata("ingest t " + csv);
  ASSERT_EQ(ing.exit_code, 0) << ing.err;
  ASSERT_EQ(Strata("flush").exit_code, 0);  // warm rows, plus one hot row below
  testing::WriteTextFile(csv, "ts,symbol,price,size,qty,note,flag,n\n2026-03-03T10:00:00.000000007Z,AAPL,2,2,2,x,,3\n");
  ASSERT_EQ(Strata("ingest t " + csv).exit_code, 0);
  const std::string h5 = dir_.Join("out.h5");
  CliRun ex = Strata("export t " + h5);
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  EXPECT_NE(ex.err.find("exported 5 rows of t to " + h5 + " (group /t)"), std::string::npos) << ex.err;
  const std::string out = Python(R"PY(
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
g = f["t"]
print("schema", g.attrs["strata_schema"])
print("unit", g["ts"].attrs["unit"])
print("dtypes", *[f"{k}:{g[k].dtype}" for k in sorted(g.keys())])
print("chunks", g["price"].chunks, g["price"].compression)
ts = g["ts"][:]
print("ts", *[int(x) for x in ts])
print("dt", *[str(x) for x in ts.astype("datetime64[ns]")])
print("symbol", *g["symbol"].asstr()[:])
print("price", *[repr(float(x)) for x in g["price"][:]])
print("size", *[int(x) for x in g["size"][:]])
q, qv = g["qty"][:], g["qty.valid"][:]
print("qty", *[repr(float(x)) if v else "NULL" for x, v in zip(q, qv)])
print("note", *[repr(x) if v else "NULL" for x, v in zip(g["note"].asstr()[:], g["note.valid"][:])])
print("flag", *[str(bool(x)) if v else "NULL" for x, v in zip(g["flag"][:], g["flag.valid"][:])])
print("n", *[int(x) for x in g["n"][:]])
)PY",
                                 h5);
  // Rows symbol by symbol (AAPL then MSFT), by ts within each, as strata query orders them.
  EXPECT_NE(out.find("schema ts:timestamp,symbol:symbol,price:f64,size:i64,qty:f32?,note:string?,flag:bool?,n:i32\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("unit ns\n"), std::string::npos) << out;
  EXPECT_NE(out.find("dtypes flag:bool flag.valid:bool n:int32 note:object note.valid:bool price:float64 "
                     "qty:float32 qty.valid:bool size:int64 symbol:object ts:int64\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("chunks (65536,) gzip\n"), std::string::npos) << out;
  EXPECT_NE(out.find("ts 1772461800123456789 1772461800123456790 1772532000000000007 1772461801000000001 "
                     "1772528400000000000\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("dt 2026-03-02T14:30:00.123456789 2026-03-02T14:30:00.123456790 2026-03-03T10:00:00.000000007"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("symbol AAPL AAPL AAPL MSFT MSFT\n"), std::string::npos) << out;
  EXPECT_NE(out.find("price 187.25 0.1 2.0 -1e-300 1.5\n"), std::string::npos) << out;
  EXPECT_NE(out.find("size 100 9007199254740993 2 -9223372036854775807 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("qty 0.10000000149011612 NULL 2.0 3.4028234663852886e+38 -0.0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("note 'héllo' NULL 'x' 'a, \"b\"' NULL\n"), std::string::npos) << out;
  EXPECT_NE(out.find("flag True NULL NULL False True\n"), std::string::npos) << out;
  EXPECT_NE(out.find("n -7 2147483647 3 0 1\n"), std::string::npos) << out;

  // --symbol and --from/--to narrow the export; ingesting it into a fresh table gives the same
  // rows as the query of the original.
  CliRun part = Strata("export t " + h5 + " -s MSFT --from 2026-03-02 --to 2026-03-03 --group /x/y");
  ASSERT_EQ(part.exit_code, 0) << part.err;
  EXPECT_NE(part.err.find("exported 1 rows"), std::string::npos) << part.err;
  ASSERT_EQ(Strata("export t " + h5).exit_code, 0);
  ASSERT_EQ(Strata("table create u --schema "
                   "'ts:timestamp,symbol:symbol,price:f64,size:i64,qty:f32?,note:string?,flag:bool?,n:i32'")
                .exit_code,
            0);
  CliRun back = Strata("ingest u " + h5 + " --dataset /t");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  CliRun a = Strata("query t --format csv"), b = Strata("query u --format csv");
  ASSERT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("2026-03-02T14:30:00.123456789Z,AAPL,187.25,100,0.1,héllo,true,-7"), std::string::npos) << a.out;
}

TEST_F(Hdf5CliTest, IngestsWhatH5pyWrites) {
  const std::string h5 = dir_.Join("py.h5");
  Python(R"PY(
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    g = f.create_group("feeds/day1")
    ts = np.array([1772461800123456789, 1772461800123456790, 1772461801000000001], dtype=np.int64)
    g.create_dataset("ts", data=ts, chunks=True, compression="gzip")
    g.create_dataset("symbol", data=np.array(["AAPL", "MSFT", "AAPL"], dtype=h5py.string_dtype()))
    g.create_dataset("price", data=np.array([1.25, 2.5, 0.1]))
    g.create_dataset("size", data=np.array([1, 2, 3], dtype=np.int32))   # widened to i64
    g.create_dataset("n", data=np.array([-1, 0, 1], dtype=np.int16))      # widened to i32
    g.create_dataset("qty", data=np.array([0.1, 0.2, 0.3], dtype=np.float32))
    g.create_dataset("qty.valid", data=np.array([True, False, True]))
    g.create_dataset("flag", data=np.array([True, False, True]))
    # A NumPy structured array: one compound dataset (fixed-length byte strings for symbols).
    rec = np.array([(1772461800000001000, b"NVDA", 9.5, 7, 1), (1772461800000002000, b"NVDA", 9.75, 8, 2)],
                   dtype=[("ts", "<i8"), ("symbol", "S8"), ("price", "<f8"), ("size", "<i8"), ("n", "<i4")])
    f.create_dataset("ticks", data=rec)
    f.create_dataset("bad/price", data=np.array([1.0, 2.0]))
    f.create_dataset("bad/ts", data=np.array([1.0, 2.0]))  # float timestamps: refused
    f.create_dataset("bad/symbol", data=np.array(["A", "B"], dtype=h5py.string_dtype()))
    f.create_dataset("bad/size", data=np.array([1, 2], dtype=np.uint64))  # may not fit i64
    f.create_dataset("bad/n", data=np.array([1, 2], dtype=np.int32))
)PY",
         h5);
  CliRun g = Strata("ingest t " + h5 + " --dataset /feeds/day1");
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_NE(g.out.find("ingested 3 rows into t"), std::string::npos) << g.out;
  CliRun c = Strata("ingest t " + h5 + " --dataset /ticks");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  CliRun q = Strata("query t --format csv");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out,
            "ts,symbol,price,size,qty,note,flag,n\n"
            "2026-03-02T14:30:00.123456789Z,AAPL,1.25,1,0.1,,true,-1\n"
            "2026-03-02T14:30:01.000000001Z,AAPL,0.1,3,0.3,,true,1\n"
            "2026-03-02T14:30:00.123456790Z,MSFT,2.5,2,,,false,0\n"
            "2026-03-02T14:30:00.000001Z,NVDA,9.5,7,,,,1\n"
            "2026-03-02T14:30:00.000002Z,NVDA,9.75,8,,,,2\n");
  CliRun bad = Strata("ingest t " + h5 + " --dataset /bad");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(h5 + " /bad: ts (float64) cannot fill the table's timestamp column ts"), std::string::npos)
      << bad.err;
}

TEST_F(Hdf5CliTest, ClearErrorsOnBadFiles) {
  const std::string text = dir_.Join("notes.h5");
  testing::WriteTextFile(text, "ts,symbol\n1,A\n");
  CliRun r = Strata("ingest t " + text + " --dataset /t");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(text + " is not an HDF5 file"), std::string::npos) << r.err;
  r = Strata("ingest t " + text);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HDF5 input needs --dataset /PATH"), std::string::npos) << r.err;

  // A real export, then truncated: the superblock is there but the data is not.
  const std::string csv = dir_.Join("in.csv");
  testing::WriteTextFile(csv, kCsv);
  ASSERT_EQ(Strata("ingest t " + csv).exit_code, 0);
  const std::string h5 = dir_.Join("good.h5");
  ASSERT_EQ(Strata("export t " + h5).exit_code, 0);
  r = Strata("ingest t " + h5 + " --dataset /nope");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no group or dataset /nope in " + h5), std::string::npos) << r.err;
  const std::string cut = dir_.Join("cut.h5");
  std::filesystem::copy_file(h5, cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(h5) / 2);
  r = Strata("ingest t " + cut + " --dataset /t");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(cut), std::string::npos) << r.err;
  // Nothing of a failing file is stored: the table still has the CSV's 4 rows.
  CliRun q = Strata("query t --format csv");
  EXPECT_EQ(std::count(q.out.begin(), q.out.end(), '\n'), 5) << q.out;
  // Export to a name without a known extension, and to another format.
  r = Strata("export t " + dir_.Join("out.bin"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("use --format hdf5"), std::string::npos) << r.err;
  r = Strata("export t " + dir_.Join("out.h5") + " --format parquet");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("export writes hdf5"), std::string::npos) << r.err;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
