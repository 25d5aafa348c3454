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
bool HavePandasTables() { return std::system("/usr/bin/python3 -c 'import pandas, tables' >/dev/null 2>&1") == 0; }

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
  CliRun ex = Strata("export t " + h5 + " --layout columns");
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  EXPECT_NE(ex.err.find("exported 5 rows of t to " + h5 + " (group /t, columns layout)"), std::string::npos) << ex.err;
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

// The default layout is the PyTables table pandas writes: pandas.read_hdf(path, key) gives the
// rows (ts as datetime64[ns], NULLs as NaN), h5py the same rows as a structured array.
TEST_F(Hdf5CliTest, ExportIsReadByPandasReadHdf) {
  if (!HavePandasTables()) GTEST_SKIP() << "python3-tables is not installed (tools/setup.sh --test)";
  const std::string csv = dir_.Join("in.csv");
  testing::WriteTextFile(csv, kCsv);
  ASSERT_EQ(Strata("ingest t " + csv).exit_code, 0);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  const std::string h5 = dir_.Join("pd.h5");
  CliRun ex = Strata("export t " + h5);
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  EXPECT_NE(ex.err.find("(group /t, pandas layout)"), std::string::npos) << ex.err;
  const std::string out = Python(R"PY(
import sys, warnings, h5py, pandas as pd, numpy as np
warnings.simplefilter("error")  # a PyTables warning about the file would be a defect
df = pd.read_hdf(sys.argv[1], "t")
print("columns", *df.columns)
print("dtypes", *[f"{c}:{df[c].dtype}" for c in ["ts", "symbol", "price", "size", "qty", "note", "flag", "n"]])
print("ts", *[str(x) for x in df["ts"].values])
print("tsns", *[int(x) for x in df["ts"].values.astype("int64")])
print("symbol", *df["symbol"])
print("price", *[repr(float(x)) for x in df["price"]])
print("size", *[int(x) for x in df["size"]])
print("qty", *[repr(float(x)) for x in df["qty"]])
print("note", *[repr(x) for x in df["note"]])
print("flag", *[repr(x) for x in df["flag"]], "|", *[int(x) for x in df["flag.valid"]])
print("n", *[int(x) for x in df["n"]])
# pandas' where= works on the data columns.
sel = pd.read_hdf(sys.argv[1], "t", where="symbol == 'MSFT' & price < 0")
print("where", len(sel), *[str(x) for x in sel["ts"].values])
with h5py.File(sys.argv[1], "r") as f:
    t = f["t/table"][:]
    print("h5py", t.dtype.names[:3], len(t), int(t["ts"][0]), t["symbol"][3].decode())
)PY",
                                 h5);
  EXPECT_NE(out.find("columns ts symbol price size qty qty.valid note note.valid flag flag.valid n\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("dtypes ts:datetime64[ns] symbol:object price:float64 size:int64 qty:float32 note:object "
                     "flag:bool n:int32\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("ts 2026-03-02T14:30:00.123456789 2026-03-02T14:30:00.123456790 2026-03-02T14:30:01.000000001 "
                     "2026-03-03T09:00:00.000000000\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("tsns 1772461800123456789 1772461800123456790 1772461801000000001 1772528400000000000\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("symbol AAPL AAPL MSFT MSFT\n"), std::string::npos) << out;
  EXPECT_NE(out.find("price 187.25 0.1 -1e-300 1.5\n"), std::string::npos) << out;
  EXPECT_NE(out.find("size 100 9007199254740993 -9223372036854775807 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("qty 0.10000000149011612 nan 3.4028234663852886e+38 -0.0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("note 'héllo' nan 'a, \"b\"' nan\n"), std::string::npos) << out;
  EXPECT_NE(out.find("flag True False False True | 1 0 1 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("n -7 2147483647 0 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("where 1 2026-03-02T14:30:01.000000001\n"), std::string::npos) << out;
  EXPECT_NE(out.find("h5py ('index', 'ts', 'symbol') 4 1772461800123456789 MSFT\n"), std::string::npos) << out;
}

// Files pandas writes with to_hdf(format="table"): the default (columns in values_block members of
// several columns each), data_columns=True, a DatetimeIndex as the timestamps, NaN and None as NULL.
TEST_F(Hdf5CliTest, IngestsWhatPandasWrites) {
  if (!HavePandasTables()) GTEST_SKIP() << "python3-tables is not installed (tools/setup.sh --test)";
  const std::string h5 = dir_.Join("frames.h5");
  Python(R"PY(
import sys, pandas as pd, numpy as np
ts = pd.to_datetime([1772461800123456789, 1772461800123456790, 1772461801000000001], unit="ns")
df = pd.DataFrame({"ts": ts, "symbol": ["AAPL", "MSFT", "AAPL"], "price": [1.25, 2.5, 0.1],
                   "size": np.array([1, 2, 3], dtype="i8"), "qty": np.array([0.5, np.nan, 2], dtype="f4"),
                   "note": ["x", None, "héllo"], "flag": [True, False, True],
                   "n": np.array([-1, 0, 1], dtype="i4")})
df.to_hdf(sys.argv[1], key="blocks", format="table", mode="w")
df.to_hdf(sys.argv[1], key="named", format="table", data_columns=True)
df.set_index("ts").to_hdf(sys.argv[1], key="indexed", format="table")
df.to_hdf(sys.argv[1], key="fixed", format="fixed")
)PY",
         h5);
  const std::string want =
      "ts,symbol,price,size,qty,note,flag,n\n"
      "2026-03-02T14:30:00.123456789Z,AAPL,1.25,1,0.5,x,true,-1\n"
      "2026-03-02T14:30:01.000000001Z,AAPL,0.1,3,2,héllo,true,1\n"
      "2026-03-02T14:30:00.123456790Z,MSFT,2.5,2,,,false,0\n";
  for (const char* key : {"blocks", "named", "indexed"}) {
    SCOPED_TRACE(key);
    CliRun c =
        Strata(std::string("table create ") + key +
               " --schema 'ts:timestamp,symbol:symbol,price:f64,size:i64,qty:f32?,note:string?,flag:bool?,n:i32'");
    ASSERT_EQ(c.exit_code, 0) << c.err;
    CliRun g = Strata(std::string("ingest ") + key + " " + h5 + " --dataset /" + key);
    ASSERT_EQ(g.exit_code, 0) << g.err;
    EXPECT_NE(g.out.find("ingested 3 rows"), std::string::npos) << g.out;
    CliRun q = Strata(std::string("query ") + key + " --format csv");
    ASSERT_EQ(q.exit_code, 0) << q.err;
    EXPECT_EQ(q.out, want);
  }
  // NaN and None into columns that are not nullable are refused, not stored as values.
  ASSERT_EQ(Strata("table create strict --schema 'ts:timestamp,symbol:symbol,price:f64,size:i64,qty:f32,"
                   "note:string?,flag:bool?,n:i32'")
                .exit_code,
            0);
  CliRun bad = Strata("ingest strict " + h5 + " --dataset /named");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("member qty, row 2: nan is not a finite number"), std::string::npos) << bad.err;
  // pandas' fixed format pickles its strings: refused with the way out.
  bad = Strata("ingest t " + h5 + " --dataset /fixed");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("only format=\"table\" is read"), std::string::npos) << bad.err;
  // A strata export in the pandas layout, ingested back: the same rows (the .valid members decide),
  // so every one is an exact duplicate of a row the table has (a table without a dedup key drops them
  // on read).
  ASSERT_EQ(Strata("export named " + dir_.Join("back.h5")).exit_code, 0);
  CliRun back = Strata("ingest blocks " + dir_.Join("back.h5") + " --dataset /named");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(Strata("query blocks --format csv").out, want);
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
