// The PostgreSQL wire protocol end to end: the listener in-process on an ephemeral port over a
// small database, driven by real clients (psql, psycopg2 + pandas, node-postgres) and by a raw
// protocol client (tests/pgwire_client.h) for what the libraries do not let a test do on purpose:
// cancel at a known point, vanish mid-result, break the framing, run portals by hand.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "pgwire/protocol.h"
#include "pgwire/server.h"
#include "pgwire_client.h"
#include "sql/binder.h"
#include "strata/database.h"
#include "testutil/node_runner.h"
#include "testutil/testutil.h"

namespace strata::pgwire {
namespace STRATA_UNITY_ID {

namespace fs = std::filesystem;
using ::strata::testing::TempDir;
using testing::GetI32;
using testing::I16;
using testing::I32;
using testing::Msg;
using testing::RawClient;
using testing::Z;

struct Env {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<Database> db;
  std::unique_ptr<Server> server;
  size_t trades = 0;
  std::vector<std::string> log;
  std::mutex log_mu;
};
Env* env = nullptr;

constexpr char kUser[] = "quant";
constexpr char kPassword[] = "s3cret-token";

class PgWireTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->dir = std::make_unique<TempDir>();
    const std::string root = env->dir->Join("db");
    ASSERT_OK(Database::Init(root, {.fsync = "none"}));
    Options o;
    o.background_flush = false;
    o.on_warning = [](std::string_view) {};
    ASSERT_OK_AND_ASSIGN(env->db, Database::Open(root, o));
    ASSERT_OK_AND_ASSIGN(Schema trades, Schema::Template("trades"));
    ASSERT_OK(env->db->CreateTable({"trades", trades, std::nullopt, "{}"}));
    // Large enough that a whole result does not fit the socket buffers (the cancel and
    // disconnect tests), small enough for a quick test.
    env->trades = ::strata::testing::Sanitized() ? 200000 : 300000;
    const int64_t t0 = 1772460000000000000;  // 2026-03-02T14:00:00Z
    for (size_t done = 0; done < env->trades; done += 50000) {
      RecordBatch b = ::strata::testing::MakeTrades(50000, 4, t0 + static_cast<int64_t>(done) * 1000000, done + 1);
      ASSERT_OK(env->db->Append("trades", b));
    }
    ASSERT_OK(env->db->Flush().status());  // warm Parquet files and
    RecordBatch hot = ::strata::testing::MakeTrades(1000, 4, t0 + 400000LL * 1000000000, 77);
    ASSERT_OK(env->db->Append("trades", hot));  // hot rows
    env->trades += 1000;
    // Every type, with NULLs.
    ASSERT_OK_AND_ASSIGN(Schema types,
                         Schema::Parse("ts:timestamp,symbol:symbol,b:bool?,i:i32?,l:i64?,f:f64?,s:string?"));
    ASSERT_OK(env->db->CreateTable({"types", types, std::nullopt, "{}"}));
    RecordBatch t(types);
    auto row = [&](int64_t ts, const char* sym, std::optional<bool> b, std::optional<int32_t> i,
                   std::optional<int64_t> l, std::optional<double> f, std::optional<std::string> s) {
      t.column(0).AppendInt64(ts);
      t.column(1).AppendString(sym);
      b ? t.column(2).AppendBool(*b) : t.column(2).AppendNull();
      i ? t.column(3).AppendInt32(*i) : t.column(3).AppendNull();
      l ? t.column(4).AppendInt64(*l) : t.column(4).AppendNull();
      f ? t.column(5).AppendDouble(*f) : t.column(5).AppendNull();
      s ? t.column(6).AppendString(*s) : t.column(6).AppendNull();
    };
    row(t0 + 123456789, "A", true, -7, 9007199254740993LL, 1.5, "héllo, \"world\"");
    row(t0 + 1000, "A", false, 2147483647, -9223372036854775807LL, -0.1, "");
    row(t0 + 2000, "B", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt);
    ASSERT_OK(env->db->Append("types", t));

    ServerOptions so;
    so.port = 0;
    so.credentials = [](std::string_view user) -> std::optional<Credential> {
      if (user == kUser) return Credential{kPassword, Role::kRead};
      return std::nullopt;
    };
    so.on_log = [](std::string_view m) {
      std::lock_guard<std::mutex> lock(env->log_mu);
      env->log.emplace_back(m);
    };
    env->server = std::make_unique<Server>(env->db.get(), so);
    ASSERT_OK(env->server->Start());
  }
  static void TearDownTestSuite() {
    env->server.reset();
    delete env;
    env = nullptr;
  }

  static uint16_t port() { return env->server->port(); }

  // Runs a shell command; stdout (and stderr when `with_stderr`).
  static std::string Run(const std::string& cmd, int* rc = nullptr) {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int status = pclose(p);
    if (rc) *rc = status;
    return out;
  }
  static std::string Psql(const std::string& args, int* rc = nullptr) {
    return Run("PGPASSWORD=" + std::string(kPassword) +
                   " PGCONNECT_TIMEOUT=10 psql -X -v ON_ERROR_STOP=1 \"host=127.0.0.1 port=" + std::to_string(port()) +
                   " user=" + kUser + " dbname=strata\" " + args,
               rc);
  }

  // The rows of a SQL query as strata answers it directly, as "a|b|c" lines (psql -A -t style).
  static std::string Direct(const std::string& sql) {
    auto stream = sql::RunSql(env->db.get(), sql);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    if (!stream.ok()) return "";
    std::string out;
    RecordBatch b;
    while (true) {
      auto more = (*stream)->Next(&b);
      EXPECT_TRUE(more.ok());
      if (!more.ok() || !*more) break;
      for (size_t r = 0; r < b.num_rows(); ++r) {
        std::string line;
        for (size_t c = 0; c < b.num_columns(); ++c) {
          if (c) line += "|";
          if (!b.column(c).IsNull(r)) AppendText(b.column(c), r, &line);
        }
        out += line + "\n";
      }
    }
    return out;
  }

  static void WaitForConnections(int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (env->server->connections() != n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(env->server->connections(), n);
  }
};

// ---- psql ----

TEST_F(PgWireTest, PsqlSimpleQueries) {
  int rc = 0;
  const std::string sql =
      "SELECT symbol, count(*) AS n, sum(size) AS s, min(ts) AS first FROM trades GROUP BY symbol ORDER BY symbol";
  std::string out = Psql("-A -t -c \"" + sql + "\"", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, Direct(sql));
  // Several statements in one Query message, with the no-op transaction statements.
  out = Psql("-A -t -c \"BEGIN; SELECT count(*) FROM trades; SET application_name = 'x'; SELECT 1 + 1 AS two; COMMIT\"",
             &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "BEGIN\n" + Direct("SELECT count(*) FROM trades") + "SET\n2\nCOMMIT\n");
  out = Psql(
      "-A -t -c \"SELECT version()\" -c \"SHOW server_version\" -c \"SELECT current_setting('server_version_num')::int "
      "/ 100 AS v\"",
      &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "PostgreSQL 15.0 (strata) on x86_64-pc-linux-gnu, strata\n15.0 (strata)\n1500\n");
}

TEST_F(PgWireTest, PsqlEveryType) {
  int rc = 0;
  std::string out = Psql("-A -F '|' -c \"SELECT * FROM types ORDER BY ts\"", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out,
            "ts|symbol|b|i|l|f|s\n"
            "2026-03-02 14:00:00.000001|A|f|2147483647|-9223372036854775807|-0.1|\n"
            "2026-03-02 14:00:00.000002|B|||||\n"
            "2026-03-02 14:00:00.123456|A|t|-7|9007199254740993|1.5|héllo, \"world\"\n"
            "(3 rows)\n");
}

TEST_F(PgWireTest, PsqlDescribeTables) {
  int rc = 0;
  std::string out = Psql("-c '\\dt'", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(" public | trades | table | strata"), std::string::npos) << out;
  EXPECT_NE(out.find(" public | types  | table | strata"), std::string::npos) << out;
  out = Psql("-c '\\d trades'", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Table \"public.trades\""), std::string::npos) << out;
  EXPECT_NE(out.find(" ts       | timestamp without time zone |           | not null |"), std::string::npos) << out;
  EXPECT_NE(out.find(" price    | double precision            |           | not null |"), std::string::npos) << out;
  EXPECT_NE(out.find(" exchange | text                        |           | not null |"), std::string::npos) << out;
  out = Psql("-c '\\d nosuch'", &rc);
  EXPECT_NE(out.find("Did not find any relation named \"nosuch\""), std::string::npos) << out;
}

TEST_F(PgWireTest, PsqlErrorWithPosition) {
  int rc = 0;
  std::string out = Psql("-c \"SELECT price FORM trades\"", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("ERROR:  line 1, column 14: expected"), std::string::npos) << out;
  EXPECT_NE(out.find("LINE 1: SELECT price FORM trades\n                     ^"), std::string::npos) << out;
  out = Psql("-c \"SELECT prcie FROM trades\"", &rc);
  EXPECT_NE(out.find("no column 'prcie'"), std::string::npos) << out;
  EXPECT_NE(out.find("LINE 1: SELECT prcie FROM trades\n               ^"), std::string::npos) << out;
  out = Psql("-v VERBOSITY=verbose -c \"SELECT 1; SELECT x FROM nosuch\"", &rc);
  EXPECT_NE(out.find("ERROR:  42P01:"), std::string::npos) << out;
}

TEST_F(PgWireTest, WrongPasswordAndUnknownUserAreRefused) {
  int rc = 0;
  std::string out = Run("PGPASSWORD=wrong psql -X \"host=127.0.0.1 port=" + std::to_string(port()) +
                            " user=quant dbname=strata\" -c 'SELECT 1'",
                        &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("password authentication failed for user \"quant\""), std::string::npos) << out;
  out = Run("PGPASSWORD=" + std::string(kPassword) + " psql -X \"host=127.0.0.1 port=" + std::to_string(port()) +
                " user=stranger dbname=strata\" -c 'SELECT 1'",
            &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("password authentication failed for user \"stranger\""), std::string::npos) << out;
}

// ---- psycopg2 + pandas ----

TEST_F(PgWireTest, Psycopg2PandasReadSql) {
  const std::string script = env->dir->Join("pandas_test.py");
  ::strata::testing::WriteTextFile(script, R"PY(
import json, sys, warnings
warnings.simplefilter("ignore")
import pandas as pd, psycopg2
conn = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="quant", password="s3cret-token", dbname="strata")
out = {}
df = pd.read_sql("SELECT symbol, count(*) AS n, sum(price) AS p FROM trades GROUP BY symbol ORDER BY symbol", conn)
out["plain"] = [[r.symbol, int(r.n), round(float(r.p), 6)] for r in df.itertuples()]
df = pd.read_sql("SELECT ts, price, size FROM trades WHERE symbol = %(s)s AND ts >= %(t)s ORDER BY ts LIMIT 5", conn,
                 params={"s": "S2", "t": "2026-03-02 14:00:00.5"})
out["params"] = [[str(r.ts), float(r.price), int(r.size)] for r in df.itertuples()]
out["dtypes"] = {c: str(t) for c, t in pd.read_sql("SELECT * FROM types", conn).dtypes.items()}
cur = conn.cursor()
cur.execute("SELECT b, i, l, f, s, ts FROM types ORDER BY ts")
out["types"] = [[repr(v) for v in row] for row in cur.fetchall()]
try:
    cur.execute("SELECT nope FROM trades")
except psycopg2.Error as e:
    out["error"] = [e.pgcode, e.diag.statement_position]
conn.rollback()
cur.execute("SELECT count(*) FROM trades")
out["after_error"] = cur.fetchone()[0]
# Cancel a running query: the result is far larger than the socket buffers and this client does
# not read it before cancelling, so the query is running (blocked on its writes) when the
# CancelRequest arrives.
import select
from psycopg2.extensions import POLL_OK, POLL_READ, POLL_WRITE
def wait(c):
    while True:
        state = c.poll()
        if state == POLL_OK:
            return
        if state == POLL_READ:
            select.select([c.fileno()], [], [])
        elif state == POLL_WRITE:
            select.select([], [c.fileno()], [])
aconn = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="quant", password="s3cret-token", dbname="strata", async_=1)
wait(aconn)
acur = aconn.cursor()
acur.execute("SELECT * FROM trades")
# Readable: the server has answered, so the query runs (a cancel before it would be ignored, as
# PostgreSQL ignores a cancel that finds no query running).
select.select([aconn.fileno()], [], [])
aconn.cancel()
try:
    wait(aconn)
    out["cancel"] = ["finished", acur.rowcount]
except psycopg2.errors.QueryCanceled as e:
    out["cancel"] = [e.pgcode, str(e).strip()]
acur.execute("SELECT count(*) FROM types")
wait(aconn)
out["after_cancel"] = acur.fetchone()[0]
print(json.dumps(out))
)PY");
  int rc = 0;
  const std::string out = Run("/usr/bin/python3 " + script + " " + std::to_string(port()), &rc);
  ASSERT_EQ(rc, 0) << out;
  // Expected values from strata directly.
  std::string plain;
  {
    std::string d =
        Direct("SELECT symbol, count(*) AS n, round(sum(price), 6) AS p FROM trades GROUP BY symbol ORDER BY symbol");
    std::vector<std::string> rows;
    for (size_t at = 0; at < d.size();) {
      const size_t nl = d.find('\n', at);
      std::string line = d.substr(at, nl - at);
      at = nl + 1;
      const size_t a = line.find('|'), b = line.rfind('|');
      rows.push_back("[\"" + line.substr(0, a) + "\", " + line.substr(a + 1, b - a - 1) + ", " + line.substr(b + 1) +
                     "]");
    }
    for (size_t i = 0; i < rows.size(); ++i) plain += (i ? ", " : "") + rows[i];
  }
  EXPECT_NE(out.find("\"plain\": [" + plain + "]"), std::string::npos) << out << "\nexpected " << plain;
  std::string d = Direct(
      "SELECT ts, price, size FROM trades WHERE symbol = 'S2' AND ts >= '2026-03-02 14:00:00.5' ORDER BY ts LIMIT 5");
  const std::string first_ts = d.substr(0, d.find('|'));
  EXPECT_NE(out.find("\"params\": [[\"" + first_ts), std::string::npos) << out << "\nexpected " << d;
  EXPECT_NE(
      out.find(
          "\"dtypes\": {\"ts\": \"datetime64[ns]\", \"symbol\": \"object\", \"b\": \"object\", \"i\": \"float64\", "
          "\"l\": \"float64\", \"f\": \"float64\", \"s\": \"object\"}"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("[\"False\", \"2147483647\", \"-9223372036854775807\", \"-0.1\", \"''\", "
                     "\"datetime.datetime(2026, 3, 2, 14, 0, 0, 1)\"]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("[\"None\", \"None\", \"None\", \"None\", \"None\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"error\": [\"42703\", \"8\"]"), std::string::npos) << out;
  EXPECT_NE(out.find("\"after_error\": " + std::to_string(env->trades)), std::string::npos) << out;
  EXPECT_NE(out.find("\"cancel\": [\"57014\", \"canceling statement due to user request\"]"), std::string::npos) << out;
  EXPECT_NE(out.find("\"after_cancel\": 3"), std::string::npos) << out;
}

// ---- node-postgres ----

// Copies the node script `name` beside tests/ into the npm folder (where `pg` resolves); that folder.
std::string NodeScript(const std::string& name) {
  const std::string npm = ::strata::testing::NpmDir();
  EXPECT_TRUE(fs::exists(fs::path(npm) / "node_modules" / "pg"))
      << "node-postgres missing -- run tools/interop/setup.sh";
  // Ninja compiles with paths relative to the build directory, while ctest runs this binary in
  // <build>/tests.
  fs::path source = __FILE__;
  if (source.is_relative()) source = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / source;
  fs::copy_file(source.parent_path() / name, fs::path(npm) / name, fs::copy_options::overwrite_existing);
  return npm;
}

TEST_F(PgWireTest, NodePostgresExtendedProtocol) {
  const std::string npm = NodeScript("pgwire_node.mjs");
  auto out = ::strata::testing::RunNode(npm, "pgwire_node.mjs " + std::to_string(port()));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::string& o = *out;
  const std::string d =
      Direct("SELECT count(*), sum(size) FROM trades WHERE symbol = 'S1' AND ts >= '2026-03-02 14:01:00'");
  const std::string n = d.substr(0, d.find('|')), s = d.substr(d.find('|') + 1, d.size() - d.find('|') - 2);
  EXPECT_NE(o.find("\"params\":[{\"n\":\"" + n + "\",\"s\":\"" + s + "\"}]"), std::string::npos)
      << o << "\nexpected " << d;
  const std::string p = Direct("SELECT price FROM trades WHERE symbol = 'S0' ORDER BY ts LIMIT 3");
  std::string prices;
  for (size_t at = 0; at < p.size();) {
    const size_t nl = p.find('\n', at);
    prices += (prices.empty() ? "" : ",") + p.substr(at, nl - at);
    at = nl + 1;
  }
  EXPECT_NE(o.find("\"named\":[[" + prices + "],[" + prices + "]]"), std::string::npos) << o << "\nexpected " << prices;
  EXPECT_NE(
      o.find("\"binary\":[[\"2026-03-02T14:00:00.000Z\",\"A\",false,2147483647,\"-9223372036854775807\",-0.1,\"\"],"
             "[\"2026-03-02T14:00:00.000Z\",\"B\",null,null,null,null,null],"
             "[\"2026-03-02T14:00:00.123Z\",\"A\",true,-7,\"9007199254740993\",1.5,\"héllo, \\\"world\\\"\"]]"),
      std::string::npos)
      << o;
  EXPECT_NE(
      o.find("\"text\":[[\"2026-03-02T14:00:00.000Z\",\"A\",false,2147483647,\"-9223372036854775807\",-0.1,\"\"]"),
      std::string::npos)
      << o;
  EXPECT_NE(o.find("\"typed\":[{\"x\":42,\"y\":\"abc\",\"z\":true}]"), std::string::npos) << o;
  EXPECT_NE(o.find("\"error\":[\"42P01\",\"22\"]"), std::string::npos) << o;
  EXPECT_NE(o.find("\"after\":3"), std::string::npos) << o;
}

// A named prepared point query (Parse once, Bind/Execute per window): the plan bound at Parse is
// reused by every Bind, with the values pushed into the scan, and the rows are strata's own.
TEST_F(PgWireTest, NodePostgresPreparedPointQueryReusesItsPlan) {
  const std::string npm = NodeScript("pgwire_node_point.mjs");
  const Server::Stats before = env->server->stats();
  auto out = ::strata::testing::RunNode(npm, "pgwire_node_point.mjs " + std::to_string(port()));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Server::Stats after = env->server->stats();
  const std::vector<std::array<const char*, 3>> windows = {
      {"S1", "2026-03-02 14:01:00", "2026-03-02 14:01:01"}, {"S2", "2026-03-02 14:02:00", "2026-03-02 14:02:00.5"},
      {"S0", "2026-03-02 13:00:00", "2026-03-02 13:01:00"}, {"S3", "2026-03-07 05:06:40", "2026-03-07 05:06:41"},
      {"S1", "2026-03-02 14:01:01", "2026-03-02 14:01:00"}, {"ZZ", "2026-03-02 14:00:00", "2026-03-02 15:00:00"}};
  std::string want = "[";
  std::vector<std::string> answers;
  for (const auto& [sym, from, to] : windows) {
    std::string d = Direct(std::string("SELECT count(*), sum(size) FROM trades WHERE symbol = '") + sym +
                           "' AND ts >= '" + from + "' AND ts < '" + to + "'");
    if (!d.empty() && d.back() == '\n') d.pop_back();
    want += (answers.empty() ? "\"" : ",\"") + d + "\"";
    answers.push_back(d);
  }
  want += "]";
  // Rows in the warm windows and in the hot one; none in the others.
  for (size_t i : {0, 1, 3}) EXPECT_NE(answers[i].substr(0, 2), "0|") << want;
  for (size_t i : {2, 4, 5}) EXPECT_EQ(answers[i], "0|") << want;
  EXPECT_NE(out->find(want), std::string::npos) << *out << "\nexpected " << want;
  // Each of the six executions reused the plan the one Parse bound; none was parsed again.
  EXPECT_EQ(after.prepared_reuses - before.prepared_reuses, windows.size());
  EXPECT_EQ(after.statements_bound - before.statements_bound, 0u);
}

// ---- the raw protocol: cancel, disconnect, portals, framing ----

TEST_F(PgWireTest, CancelStopsARunningQuery) {
  RawClient c;
  ASSERT_OK(c.Connect(port(), 32 << 10));
  ASSERT_OK(c.Login(kUser, kPassword));
  ASSERT_OK(c.Query("SELECT * FROM trades"));
  // Read the first row: the query runs, and the server blocks on the full socket.
  ASSERT_OK_AND_ASSIGN(Msg m, c.Read());
  ASSERT_EQ(m.type, 'T');
  ASSERT_OK_AND_ASSIGN(m, c.Read());
  ASSERT_EQ(m.type, 'D');
  RawClient cancel;
  ASSERT_OK(cancel.Connect(port()));
  ASSERT_OK(cancel.SendRaw(I32(16) + I32(80877102) + I32(c.pid) + I32(c.secret)));
  EXPECT_FALSE(cancel.Read().ok());  // the server closes a cancel connection without a reply
  size_t rows = 1;
  Msg last;
  while (true) {
    ASSERT_OK_AND_ASSIGN(last, c.Read());
    if (last.type != 'D') break;
    ++rows;
  }
  ASSERT_EQ(last.type, 'E') << "rows " << rows;
  EXPECT_EQ(last.Field('C'), "57014");
  EXPECT_EQ(last.Field('M'), "canceling statement due to user request");
  EXPECT_LT(rows, env->trades);
  ASSERT_OK_AND_ASSIGN(m, c.Read());
  EXPECT_EQ(m.type, 'Z');
  // The connection goes on.
  ASSERT_OK(c.Query("SELECT count(*) FROM types"));
  ASSERT_OK_AND_ASSIGN(auto msgs, c.ReadUntil());
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].Columns()[0], "3");
  // A cancel with the wrong key does nothing.
  RawClient wrong;
  ASSERT_OK(wrong.Connect(port()));
  ASSERT_OK(wrong.SendRaw(I32(16) + I32(80877102) + I32(c.pid) + I32(c.secret + 1)));
  EXPECT_FALSE(wrong.Read().ok());
  ASSERT_OK(c.Query("SELECT count(*) FROM trades"));
  ASSERT_OK_AND_ASSIGN(msgs, c.ReadUntil());
  EXPECT_EQ(msgs[1].Columns()[0], std::to_string(env->trades));
}

TEST_F(PgWireTest, ClientVanishingMidResultDoesNotHurtTheServer) {
  const int before = env->server->connections();
  for (int i = 0; i < 3; ++i) {
    RawClient c;
    ASSERT_OK(c.Connect(port(), 32 << 10));
    ASSERT_OK(c.Login(kUser, kPassword));
    ASSERT_OK(c.Query("SELECT * FROM trades"));
    ASSERT_OK_AND_ASSIGN(Msg m, c.Read());
    ASSERT_EQ(m.type, 'T');
    c.Close();  // mid-result
  }
  WaitForConnections(before);
  RawClient c;
  ASSERT_OK(c.Connect(port()));
  ASSERT_OK(c.Login(kUser, kPassword));
  ASSERT_OK(c.Query("SELECT count(*) FROM trades"));
  ASSERT_OK_AND_ASSIGN(auto msgs, c.ReadUntil());
  EXPECT_EQ(msgs[1].Columns()[0], std::to_string(env->trades));
}

TEST_F(PgWireTest, ExtendedProtocolPortalsByHand) {
  RawClient c;
  ASSERT_OK(c.Connect(port()));
  ASSERT_OK(c.Login(kUser, kPassword));
  // Unnamed statement: ParameterDescription with the inferred types, RowDescription.
  ASSERT_OK(c.Send(
      'P', Z("") + Z("SELECT ts, price FROM trades WHERE symbol = $1 AND size > $2 ORDER BY ts LIMIT $3") + I16(0)));
  ASSERT_OK(c.Send('D', "S" + Z("")));
  ASSERT_OK(c.Send('S', ""));
  ASSERT_OK_AND_ASSIGN(auto msgs, c.ReadUntil());
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0].type, '1');
  ASSERT_EQ(msgs[1].type, 't');
  EXPECT_EQ(msgs[1].body, I16(3) + I32(1043) + I32(20) + I32(20));  // varchar (symbol), int8, int8
  ASSERT_EQ(msgs[2].type, 'T');
  EXPECT_EQ(msgs[3].type, 'Z');
  // A named portal with a row limit: PortalSuspended, and it survives Sync.
  ASSERT_OK(
      c.Send('P', Z("s1") + Z("SELECT price FROM trades WHERE symbol = $1 ORDER BY ts LIMIT 5") + I16(1) + I32(25)));
  ASSERT_OK(c.Send('B', Z("p1") + Z("s1") + I16(0) + I16(1) + I32(2) + "S3" + I16(0)));
  ASSERT_OK(c.Send('E', Z("p1") + I32(2)));
  ASSERT_OK(c.Send('S', ""));
  ASSERT_OK_AND_ASSIGN(msgs, c.ReadUntil());
  std::string kinds;
  for (const Msg& m : msgs) kinds += m.type;
  EXPECT_EQ(kinds, "12DDsZ");
  ASSERT_OK(c.Send('E', Z("p1") + I32(0)));
  ASSERT_OK(c.Send('S', ""));
  ASSERT_OK_AND_ASSIGN(msgs, c.ReadUntil());
  kinds.clear();
  for (const Msg& m : msgs) kinds += m.type;
  EXPECT_EQ(kinds, "DDDCZ");
  EXPECT_EQ(msgs[3].body, Z("SELECT 5"));
  // The portal went on where it stopped: rows 3 to 5.
  EXPECT_EQ(*msgs[0].Columns()[0] + "\n" + *msgs[1].Columns()[0] + "\n" + *msgs[2].Columns()[0] + "\n",
            Direct("SELECT price FROM trades WHERE symbol = 'S3' ORDER BY ts LIMIT 3 OFFSET 2"));
  // An error skips to Sync: the Execute after a failed Bind is ignored.
  ASSERT_OK(c.Send('B', Z("") + Z("nosuch") + I16(0) + I16(0) + I16(0)));
  ASSERT_OK(c.Send('E', Z("") + I32(0)));
  ASSERT_OK(c.Send('S', ""));
  ASSERT_OK_AND_ASSIGN(msgs, c.ReadUntil());
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].Field('C'), "26000");
  EXPECT_EQ(msgs[1].type, 'Z');
  // A bad parameter value: 22P02 naming the parameter.
  ASSERT_OK(c.Send('P', Z("") + Z("SELECT count(*) FROM trades WHERE size > $1") + I16(0)));
  ASSERT_OK(c.Send('B', Z("") + Z("") + I16(0) + I16(1) + I32(3) + "abc" + I16(0)));
  ASSERT_OK(c.Send('S', ""));
  ASSERT_OK_AND_ASSIGN(msgs, c.ReadUntil());
  EXPECT_EQ(msgs[1].Field('C'), "22P02");
  EXPECT_EQ(msgs[1].Field('M'), "parameter $1: invalid input syntax for type bigint: \"abc\"");
  // Binary parameters and results.
  ASSERT_OK(c.Send('P', Z("") + Z("SELECT l, f, b, ts FROM types WHERE i = $1") + I16(1) + I32(23)));
  ASSERT_OK(c.Send('B', Z("") + Z("") + I16(1) + I16(1) + I16(1) + I32(4) + I32(-7) + I16(1) + I16(1)));
  ASSERT_OK(c.Send('E', Z("") + I32(0)));
  ASSERT_OK(c.Send('S', ""));
  ASSERT_OK_AND_ASSIGN(msgs, c.ReadUntil());
  ASSERT_EQ(msgs[2].type, 'D');
  auto cols = msgs[2].Columns();
  EXPECT_EQ(*cols[0], I32(0x00200000) + I32(1));  // 9007199254740993
  EXPECT_EQ(*cols[2], std::string(1, '\1'));
  // 2026-03-02 14:00:00.123456 in microseconds since 2000-01-01.
  const int64_t us = 1772460000123456LL - 946684800000000LL;
  EXPECT_EQ(*cols[3], I32(static_cast<int32_t>(us >> 32)) + I32(static_cast<int32_t>(us & 0xffffffff)));
  // Closing the named portal and statement.
  ASSERT_OK(c.Send('C', "P" + Z("p1")));
  ASSERT_OK(c.Send('C', "S" + Z("s1")));
  ASSERT_OK(c.Send('E', Z("p1") + I32(0)));
  ASSERT_OK(c.Send('S', ""));
  ASSERT_OK_AND_ASSIGN(msgs, c.ReadUntil());
  kinds.clear();
  for (const Msg& m : msgs) kinds += m.type;
  EXPECT_EQ(kinds, "33EZ");
  EXPECT_EQ(msgs[2].Field('C'), "34000");
}

TEST_F(PgWireTest, StartupAndFramingErrors) {
  {  // SSLRequest is answered 'N', then a normal startup works.
    RawClient c;
    ASSERT_OK(c.Connect(port()));
    ASSERT_OK(c.SendRaw(I32(8) + I32(80877103)));
    ASSERT_OK_AND_ASSIGN(std::string n, c.ReadBytes(1));
    EXPECT_EQ(n, "N");
    ASSERT_OK(c.SendRaw(I32(8) + I32(80877104)));
    ASSERT_OK_AND_ASSIGN(n, c.ReadBytes(1));
    EXPECT_EQ(n, "N");
    ASSERT_OK(c.Login(kUser, kPassword));
  }
  {  // Protocol 2.0 is refused by name.
    RawClient c;
    ASSERT_OK(c.Connect(port()));
    ASSERT_OK(c.SendStartup({{"user", kUser}}, 2 << 16));
    ASSERT_OK_AND_ASSIGN(Msg m, c.Read());
    EXPECT_EQ(m.Field('C'), "0A000");
    EXPECT_EQ(m.Field('S'), "FATAL");
  }
  {  // A startup length out of bounds.
    RawClient c;
    ASSERT_OK(c.Connect(port()));
    ASSERT_OK(c.SendRaw(I32(1 << 30)));
    ASSERT_OK_AND_ASSIGN(Msg m, c.Read());
    EXPECT_EQ(m.Field('C'), "08P01");
  }
  {  // No user.
    RawClient c;
    ASSERT_OK(c.Connect(port()));
    ASSERT_OK(c.SendStartup({{"database", "x"}}));
    ASSERT_OK_AND_ASSIGN(Msg m, c.Read());
    EXPECT_EQ(m.Field('C'), "28000");
  }
  {  // A message over the size limit, an invalid length, an unknown message type.
    RawClient c;
    ASSERT_OK(c.Connect(port()));
    ASSERT_OK(c.Login(kUser, kPassword));
    ASSERT_OK(c.SendRaw("Q" + I32(0x7fffffff)));
    ASSERT_OK_AND_ASSIGN(Msg m, c.Read());
    EXPECT_EQ(m.Field('C'), "54000");
    EXPECT_FALSE(c.Read().ok());
  }
  {
    RawClient c;
    ASSERT_OK(c.Connect(port()));
    ASSERT_OK(c.Login(kUser, kPassword));
    ASSERT_OK(c.SendRaw("Q" + I32(2)));
    ASSERT_OK_AND_ASSIGN(Msg m, c.Read());
    EXPECT_EQ(m.Field('C'), "08P01");
  }
  {
    RawClient c;
    ASSERT_OK(c.Connect(port()));
    ASSERT_OK(c.Login(kUser, kPassword));
    ASSERT_OK(c.Send('?', ""));
    ASSERT_OK_AND_ASSIGN(Msg m, c.Read());
    EXPECT_EQ(m.Field('C'), "08P01");
    EXPECT_NE(m.Field('M').find("invalid frontend message type"), std::string::npos);
  }
  {  // Malformed Parse (no terminator), an empty query, COPY, function calls.
    RawClient c;
    ASSERT_OK(c.Connect(port()));
    ASSERT_OK(c.Login(kUser, kPassword));
    ASSERT_OK(c.Query(" ;"));
    ASSERT_OK_AND_ASSIGN(auto msgs, c.ReadUntil());
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0].type, 'I');
    ASSERT_OK(c.Send('F', I32(1)));
    ASSERT_OK(c.Send('S', ""));
    ASSERT_OK_AND_ASSIGN(msgs, c.ReadUntil());
    EXPECT_EQ(msgs[0].Field('C'), "0A000");
    ASSERT_OK(c.Send('P', "abc"));
    ASSERT_OK_AND_ASSIGN(Msg m, c.Read());
    EXPECT_EQ(m.Field('C'), "08P01");
  }
}

TEST_F(PgWireTest, EveryAuthMethod) {
  for (AuthMethod method : {AuthMethod::kScramSha256, AuthMethod::kMd5, AuthMethod::kCleartext}) {
    ServerOptions so;
    so.port = 0;
    so.auth_method = method;
    so.credentials = [](std::string_view user) -> std::optional<Credential> {
      if (user == "u") return Credential{"pw", Role::kWrite};
      return std::nullopt;
    };
    Server s(env->db.get(), so);
    ASSERT_OK(s.Start());
    {
      RawClient c;
      ASSERT_OK(c.Connect(s.port()));
      ASSERT_OK(c.Login("u", "pw"));
    }
    for (auto [user, pw] : {std::pair<std::string, std::string>{"u", "bad"}, {"nobody", "pw"}}) {
      RawClient c;
      ASSERT_OK(c.Connect(s.port()));
      Status st = c.Login(user, pw);
      EXPECT_FALSE(st.ok());
      EXPECT_NE(st.message().find("28P01 password authentication failed for user \"" + user + "\""), std::string::npos)
          << st.ToString();
    }
  }
  // Trust (no credentials) binds to loopback only.
  ServerOptions so;
  so.address = "0.0.0.0";
  Server s(env->db.get(), so);
  Status st = s.Start();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("loopback only"), std::string::npos);
}

TEST_F(PgWireTest, MaxConnections) {
  ServerOptions so;
  so.port = 0;
  so.max_connections = 1;
  Server s(env->db.get(), so);
  ASSERT_OK(s.Start());
  RawClient a;
  ASSERT_OK(a.Connect(s.port()));
  ASSERT_OK(a.Login("anyone", ""));
  RawClient b;
  ASSERT_OK(b.Connect(s.port()));
  ASSERT_OK(b.SendStartup({{"user", "anyone"}}));
  ASSERT_OK_AND_ASSIGN(Msg m, b.Read());
  EXPECT_EQ(m.Field('C'), "53300");
  s.Stop();  // closes `a` too
  EXPECT_FALSE(a.Read().ok());
}

TEST_F(PgWireTest, CatalogQueries) {
  int rc = 0;
  // What Grafana-like pickers and pandas users send.
  std::string out = Psql(
      "-A -t -c \"SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name\" "
      "-c \"SELECT quote_ident(column_name) AS column, data_type AS type FROM information_schema.columns WHERE "
      "quote_ident(table_name) = 'types' ORDER BY ordinal_position\" "
      "-c \"SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relkind = 'r' ORDER BY 1\" "
      "-c \"SELECT typname FROM pg_type WHERE oid = 1114\" "
      "-c \"SELECT nspname FROM pg_namespace ORDER BY nspname\" "
      "-c \"SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 16385 AND attnum > 0 "
      "ORDER BY attnum\" "
      "-c \"SELECT count(*) FROM pg_index\"",
      &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out,
            "trades\ntypes\n"
            "ts|timestamp without time zone\nsymbol|character varying\nb|boolean\ni|integer\nl|bigint\nf|double "
            "precision\ns|text\n"
            "trades\ntypes\n"
            "timestamp\n"
            "information_schema\npg_catalog\npublic\n"
            "ts|timestamp without time zone\nsymbol|character varying\nb|boolean\ni|integer\nl|bigint\nf|double "
            "precision\ns|text\n");
  // Grafana's table and column pickers restrict schemas to the search path with a subquery.
  const std::string search_path =
      "quote_ident(table_schema) IN (\n  SELECT\n    CASE WHEN trim(s[i]) = '\"$user\"' THEN user ELSE trim(s[i]) END\n"
      "  FROM\n    generate_series(\n      array_lower(string_to_array(current_setting('search_path'),','),1),\n"
      "      array_upper(string_to_array(current_setting('search_path'),','),1)\n    ) as i,\n"
      "    string_to_array(current_setting('search_path'),',') s\n)";
  const std::string tables =
      "SELECT CASE WHEN " + search_path +
      " THEN quote_ident(table_name) ELSE quote_ident(table_schema) || '.' || quote_ident(table_name) END AS \"table\" "
      "FROM information_schema.tables WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog', "
      "'_timescaledb_cache') ORDER BY 1";
  const std::string columns =
      "SELECT quote_ident(column_name) AS \"column\", data_type AS \"type\" FROM "
      "information_schema.columns WHERE " +
      search_path + " AND quote_ident(table_name) = 'trades'";
  const std::string script = env->dir->Join("grafana.sql");
  ::strata::testing::WriteTextFile(script, tables + ";\n" + columns + ";\n");
  out = Psql("-A -t -f " + script, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out,
            "trades\ntypes\n"
            "ts|timestamp without time zone\nsymbol|character varying\nprice|double precision\nsize|bigint\n"
            "trade_id|bigint\nexchange|text\n");
  out = Psql("-c \"SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace\"", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("this PostgreSQL catalog query is not supported"), std::string::npos) << out;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata::pgwire
