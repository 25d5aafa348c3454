#include "hdf5/hdf5_table.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "testutil/testutil.h"

namespace strata::hdf5 {
namespace {

using ::strata::testing::TempDir;

Schema AllTypes() {
  return *Schema::Parse("ts:timestamp[us],symbol:symbol,i:i32,l:i64?,f:f32,d:f64?,b:bool?,s:string?");
}

// `rows` rows of every type, some NULLs, extreme values.
RecordBatch Rows(const Schema& schema, size_t rows, size_t first) {
  RecordBatch b(schema);
  for (size_t k = 0; k < rows; ++k) {
    const size_t r = first + k;
    b.column(0).AppendInt64(1772460000000000000 + static_cast<int64_t>(r) * 1001000);  // whole us
    b.column(1).AppendString(r % 3 == 0 ? "AAPL" : "MSFT");
    b.column(2).AppendInt32(r == 0 ? INT32_MIN : static_cast<int32_t>(r) * 7);
    r % 5 == 1 ? b.column(3).AppendNull() : b.column(3).AppendInt64(r == 0 ? INT64_MAX : -static_cast<int64_t>(r));
    b.column(4).AppendDouble(static_cast<float>(0.1 * static_cast<double>(r)));
    r % 4 == 2 ? b.column(5).AppendNull() : b.column(5).AppendDouble(1.0 / 3.0 + static_cast<double>(r));
    r % 6 == 3 ? b.column(6).AppendNull() : b.column(6).AppendBool(r % 2 == 0);
    r % 7 == 4 ? b.column(7).AppendNull() : b.column(7).AppendString(r % 2 ? "héllo" : "");
  }
  return b;
}

class Hdf5LayoutTest : public ::testing::TestWithParam<Layout> {};

TEST_P(Hdf5LayoutTest, RoundTripsEveryTypeAndNull) {
  TempDir dir;
  const std::string path = dir.Join("t.h5");
  const Schema schema = AllTypes();
  const size_t rows = kChunkRows + 1234;  // more than one chunk
  RecordBatch all = Rows(schema, rows, 0);
  {
    ASSERT_OK_AND_ASSIGN(auto w, TableWriter::Create(path, "/data/trades", schema.fields(), "trades", GetParam()));
    ASSERT_OK(w->Append(all.Slice(0, 1000)));
    ASSERT_OK(w->Append(all.Slice(1000, rows - 1000)));
    EXPECT_EQ(w->rows(), rows);
    ASSERT_OK(w->Close());
  }
  ReadOptions o;
  o.batch_rows = 10000;
  ASSERT_OK_AND_ASSIGN(auto r, TableReader::Open(path, "/data/trades", schema, o));
  EXPECT_EQ(r->total_rows(), rows);
  RecordBatch got(schema), part;
  while (true) {
    ASSERT_OK_AND_ASSIGN(bool more, r->Next(&part));
    if (!more) break;
    ASSERT_OK(part.ValidateAgainst(schema));
    ASSERT_OK(got.Append(part));
  }
  ASSERT_EQ(got.num_rows(), rows);
  for (size_t c = 0; c < schema.fields().size(); ++c) {
    EXPECT_TRUE(got.column(c).Equals(all.column(c))) << schema.fields()[c].name;
  }
  // The pandas layout spools the rows beside the file and removes the spool.
  EXPECT_FALSE(std::filesystem::exists(path + ".spool"));
}

INSTANTIATE_TEST_SUITE_P(Layouts, Hdf5LayoutTest, ::testing::Values(Layout::kPandasTable, Layout::kColumns),
                         [](const auto& info) { return info.param == Layout::kColumns ? "Columns" : "Pandas"; });

// The pandas layout: the PyTables/pandas attributes and member names pandas.read_hdf needs
// (checked with pandas itself in tests/hdf5_cli_test.cc), and a column named index refused.
TEST(Hdf5TableTest, PandasLayoutAttributes) {
  TempDir dir;
  const std::string path = dir.Join("p.h5");
  const Schema schema = AllTypes();
  {
    ASSERT_OK_AND_ASSIGN(auto w, TableWriter::Create(path, "/a/b", schema.fields(), "t"));
    ASSERT_OK(w->Append(Rows(schema, 5, 0)));
    ASSERT_OK(w->Close());
  }
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  auto attr = [&](const char* obj, const char* name) {
    hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return std::string("<absent>");
    hid_t t = H5Aget_type(a);
    std::string v(H5Tget_size(t), '\0');
    hid_t sp = H5Aget_space(a);
    if (H5Sget_simple_extent_type(sp) == H5S_NULL)
      v.clear();
    else if (H5Tget_class(t) == H5T_STRING)
      H5Aread(a, t, v.data());
    else
      v = "<not a string>";
    H5Sclose(sp);
    H5Tclose(t);
    H5Aclose(a);
    return v;
  };
  EXPECT_EQ(attr("/", "PYTABLES_FORMAT_VERSION"), "2.1");
  EXPECT_EQ(attr("/a", "CLASS"), "GROUP");
  EXPECT_EQ(attr("/a/b", "CLASS"), "GROUP");
  EXPECT_EQ(attr("/a/b", "pandas_type"), "frame_table");
  EXPECT_EQ(attr("/a/b", "table_type"), "appendable_frame");
  EXPECT_EQ(attr("/a/b", "index_cols"), "(l(I0\nVindex\nta.");
  EXPECT_EQ(attr("/a/b", "non_index_axes"),
            "(l(I1\n(lVts\naVsymbol\naVi\naVl\naVl.valid\naVf\naVd\naVd.valid\naVb\naVb.valid\naVs\naVs.valid\nata.");
  EXPECT_EQ(attr("/a/b/table", "CLASS"), "TABLE");
  EXPECT_EQ(attr("/a/b/table", "TITLE"), "");
  EXPECT_EQ(attr("/a/b/table", "ts_dtype"), "datetime64");
  EXPECT_EQ(attr("/a/b/table", "s_dtype"), "bytes48");  // the longest value, "héllo", is 6 bytes
  EXPECT_EQ(attr("/a/b/table", "symbol_kind"), "(lVsymbol\na.");
  EXPECT_EQ(attr("/a/b/table", "FIELD_0_NAME"), "index");
  hid_t ds = H5Dopen2(f, "/a/b/table", H5P_DEFAULT);
  hid_t t = H5Dget_type(ds);
  EXPECT_EQ(H5Tget_nmembers(t), 13);
  H5Tclose(t);
  H5Dclose(ds);
  H5Fclose(f);

  Schema clash = *Schema::Parse("ts:timestamp,symbol:symbol,index:i64");
  auto w = TableWriter::Create(dir.Join("x.h5"), "/x", clash.fields(), "x");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("clashes with pandas' index"), std::string::npos) << w.status().ToString();
}

TEST(Hdf5TableTest, ClearErrors) {
  TempDir dir;
  const Schema schema = AllTypes();
  const std::string text = dir.Join("not.h5");
  std::ofstream(text) << "ts,symbol\n1,A\n";
  auto r = TableReader::Open(text, "/t", schema, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("is not an HDF5 file"), std::string::npos) << r.status().ToString();
  r = TableReader::Open(dir.Join("absent.h5"), "/t", schema, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();

  const std::string path = dir.Join("t.h5");
  {
    ASSERT_OK_AND_ASSIGN(auto w, TableWriter::Create(path, "/t", schema.fields(), "t", Layout::kColumns));
    ASSERT_OK(w->Append(Rows(schema, 10, 0)));
    ASSERT_OK(w->Close());
  }
  r = TableReader::Open(path, "/nope/deeper", schema, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no group or dataset /nope/deeper in"), std::string::npos)
      << r.status().ToString();
  // f64 data into an f32 column would lose digits; a table without column d sees an extra dataset.
  Schema narrower = *Schema::Parse("ts:timestamp[us],symbol:symbol,i:i32,l:i64?,f:f32,d:f32?,b:bool?,s:string?");
  r = TableReader::Open(path, "/t", narrower, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("d (float64) cannot fill the table's f32 column d"), std::string::npos)
      << r.status().ToString();
  Schema fewer = *Schema::Parse("ts:timestamp,symbol:symbol,i:i64");
  r = TableReader::Open(path, "/t", fewer, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dataset b is not a column of the table"), std::string::npos)
      << r.status().ToString();
  ReadOptions ignore;
  ignore.ignore_extra_columns = true;
  ASSERT_OK_AND_ASSIGN(auto ok, TableReader::Open(path, "/t", fewer, ignore));  // i32 widens to i64
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool more, ok->Next(&b));
  ASSERT_TRUE(more);
  EXPECT_EQ(b.column(2).int64s()[1], 7);
  // A required column the file lacks.
  Schema extra = *Schema::Parse("ts:timestamp,symbol:symbol,zz:i64");
  r = TableReader::Open(path, "/t", extra, ignore);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("has no dataset zz"), std::string::npos) << r.status().ToString();
  // Finer timestamps than a timestamp[ms] column: refused unless truncating.
  Schema ms = *Schema::Parse("ts:timestamp[ms],symbol:symbol,i:i32");
  ASSERT_OK_AND_ASSIGN(auto fine, TableReader::Open(path, "/t", ms, ignore));
  auto next = fine->Next(&b);
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.status().message().find("row 2: 2026-03-02T14:00:00.001001Z is finer than the column's timestamp[ms]"),
            std::string::npos)
      << next.status().ToString();
  ignore.truncate_timestamps = true;
  ASSERT_OK_AND_ASSIGN(auto trunc, TableReader::Open(path, "/t", ms, ignore));
  ASSERT_OK_AND_ASSIGN(more, trunc->Next(&b));
  EXPECT_EQ(b.column(0).int64s()[1], 1772460000001000000);
}

// A compound dataset (a NumPy structured array as h5py writes it) is read by member name.
TEST(Hdf5TableTest, ReadsACompoundDataset) {
  TempDir dir;
  const std::string path = dir.Join("c.h5");
  struct Row {
    int64_t ts;
    char sym[8];
    float px;
    int16_t n;
  };
  Row rows[3] = {{1000, "AAPL", 1.5f, 3}, {2000, "MSFT", -2.25f, -4}, {3000, "AAPL", 0.1f, 5}};
  {
    hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t s8 = H5Tcopy(H5T_C_S1);
    H5Tset_size(s8, 8);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(Row));
    H5Tinsert(t, "ts", HOFFSET(Row, ts), H5T_NATIVE_INT64);
    H5Tinsert(t, "symbol", HOFFSET(Row, sym), s8);
    H5Tinsert(t, "px", HOFFSET(Row, px), H5T_NATIVE_FLOAT);
    H5Tinsert(t, "n", HOFFSET(Row, n), H5T_NATIVE_INT16);
    hsize_t dims[1] = {3};
    hid_t sp = H5Screate_simple(1, dims, nullptr);
    hid_t ds = H5Dcreate2(f, "ticks", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows), 0);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Tclose(t);
    H5Tclose(s8);
    H5Fclose(f);
  }
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,px:f32,n:i32,note:string?");
  ASSERT_OK_AND_ASSIGN(auto r, TableReader::Open(path, "/ticks", schema, {}));
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool more, r->Next(&b));
  ASSERT_TRUE(more);
  ASSERT_OK(b.ValidateAgainst(schema));
  ASSERT_EQ(b.num_rows(), 3u);
  EXPECT_EQ(b.column(0).int64s(), (std::vector<int64_t>{1000, 2000, 3000}));
  EXPECT_EQ(b.column(1).GetString(1), "MSFT");
  EXPECT_EQ(b.column(2).doubles()[2], static_cast<double>(0.1f));
  EXPECT_EQ(b.column(3).int32s()[1], -4);
  EXPECT_TRUE(b.column(4).IsNull(0));
  ASSERT_OK_AND_ASSIGN(more, r->Next(&b));
  EXPECT_FALSE(more);
  // A member the table lacks is refused by name.
  Schema fewer = *Schema::Parse("ts:timestamp,symbol:symbol,px:f64");
  auto bad = TableReader::Open(path, "/ticks", fewer, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("member n is not a column of the table"), std::string::npos)
      << bad.status().ToString();
}

}  // namespace
}  // namespace strata::hdf5
