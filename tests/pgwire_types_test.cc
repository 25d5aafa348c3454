// f32 and timestamp[us] columns over the PostgreSQL wire protocol with real clients: psql shows
// real and microsecond values, psycopg2 gets floats whose float32 is the stored one and datetimes,
// INSERT stores the nearest float and refuses a timestamp finer than the column.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "pgwire/server.h"
#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata::pgwire {
namespace STRATA_UNITY_ID {

using ::strata::testing::TempDir;

constexpr char kUser[] = "quant";
constexpr char kPassword[] = "s3cret-token";

class PgWireTypesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(Database::Init(dir_.Join("db"), {.fsync = "none"}));
    Options o;
    o.background_flush = false;
    o.on_warning = [](std::string_view) {};
    ASSERT_OK_AND_ASSIGN(db_, Database::Open(dir_.Join("db"), o));
    ASSERT_OK_AND_ASSIGN(Schema s, Schema::Parse("ts:timestamp[us],symbol:symbol,r:f32?,d:f64"));
    ASSERT_OK(db_->CreateTable({"narrow", s, std::nullopt, "{}"}));
    RecordBatch b(s);
    b.column(0).AppendInt64(1772461800123456000);
    b.column(1).AppendString("A");
    b.column(2).AppendDouble(0.1f);
    b.column(3).AppendDouble(0.1);
    b.column(0).AppendInt64(1772461800000001000);
    b.column(1).AppendString("A");
    b.column(2).AppendNull();
    b.column(3).AppendDouble(-2.5);
    b.column(0).AppendInt64(1772461801000000000);
    b.column(1).AppendString("B");
    b.column(2).AppendDouble(3.4028235e38f);
    b.column(3).AppendDouble(1e300);
    ASSERT_OK(db_->Append("narrow", b));
    ASSERT_OK(db_->Flush().status());  // warm Parquet (FLOAT, TIMESTAMP MICROS) read back through SQL
    ServerOptions so;
    so.port = 0;
    so.credentials = [](std::string_view user) -> std::optional<Credential> {
      if (user == kUser) return Credential{kPassword, Role::kWrite};
      return std::nullopt;
    };
    server_ = std::make_unique<Server>(db_.get(), so);
    ASSERT_OK(server_->Start());
  }
  void TearDown() override { server_.reset(); }

  std::string Run(const std::string& cmd, int* rc) {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    *rc = pclose(p);
    return out;
  }
  std::string Psql(const std::string& args, int* rc) {
    return Run("PGPASSWORD=" + std::string(kPassword) +
                   " PGCONNECT_TIMEOUT=10 psql -X -v ON_ERROR_STOP=1 \"host=127.0.0.1 port=" +
                   std::to_string(server_->port()) + " user=" + kUser + " dbname=strata\" " + args,
               rc);
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Server> server_;
};

TEST_F(PgWireTypesTest, PsqlShowsRealAndMicroseconds) {
  if (std::system("command -v psql >/dev/null 2>&1") != 0) GTEST_SKIP() << "psql is not installed";
  int rc = 0;
  std::string out = Psql("-A -F '|' -c \"SELECT * FROM narrow ORDER BY ts\"", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out,
            "ts|symbol|r|d\n"
            "2026-03-02 14:30:00.000001|A||-2.5\n"
            "2026-03-02 14:30:00.123456|A|0.1|0.1\n"
            "2026-03-02 14:30:01|B|3.4028235e+38|1e+300\n"
            "(3 rows)\n");
  out = Psql(
      "-A -t -c \"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'narrow' "
      "ORDER BY ordinal_position\"",
      &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "ts|timestamp without time zone\nsymbol|character varying\nr|real\nd|double precision\n");
  // INSERT: the nearest float is stored; a timestamp finer than the column's microseconds is refused.
  out = Psql("-c \"INSERT INTO narrow VALUES ('2026-03-02 14:30:02.5', 'C', 0.3, 1)\"", &rc);
  ASSERT_EQ(rc, 0) << out;
  out = Psql("-A -t -c \"SELECT r, r = 0.3, d FROM narrow WHERE symbol = 'C'\"", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "0.3|f|1\n");  // 0.3 as a float is not the double 0.3, as in PostgreSQL
  out = Psql("-c \"INSERT INTO narrow VALUES ('2026-03-02 14:30:02.0000005', 'C', 1, 1)\"", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("is finer than its timestamp[us]"), std::string::npos) << out;
}

TEST_F(PgWireTypesTest, Psycopg2GetsTheStoredFloatsAndDatetimes) {
  if (std::system("/usr/bin/python3 -c 'import psycopg2, numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-psycopg2 is not installed";
  }
  const std::string script = dir_.Join("t.py");
  ::strata::testing::WriteTextFile(script, R"PY(
import sys, psycopg2, numpy as np
conn = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="quant", password="s3cret-token", dbname="strata")
cur = conn.cursor()
cur.execute("SELECT ts, r, d FROM narrow ORDER BY ts")
print([d.type_code for d in cur.description])
for ts, r, d in cur.fetchall():
    # A real comes as its shortest text, as PostgreSQL sends it: the float is np.float32(r).
    print(ts.isoformat(), "NULL" if r is None else (type(r).__name__, repr(r), float(np.float32(r))), d)
)PY");
  int rc = 0;
  const std::string out = Run("/usr/bin/python3 " + script + " " + std::to_string(server_->port()), &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out,
            "[1114, 700, 701]\n"
            "2026-03-02T14:30:00.000001 NULL -2.5\n"
            "2026-03-02T14:30:00.123456 ('float', '0.1', 0.10000000149011612) 0.1\n"
            "2026-03-02T14:30:01 ('float', '3.4028235e+38', 3.4028234663852886e+38) 1e+300\n");
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata::pgwire
