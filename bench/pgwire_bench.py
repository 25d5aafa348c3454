"""Client side of bench/pgwire_bench.sh: the same rows through psycopg2 into pandas from strata and
from PostgreSQL 15, and the first row of a point query, on loopback, in one run.

usage: pgwire_bench.py STRATA_PORT PG_PORT PG_SOCKET_DIR RUNS
"""
import io, json, os, statistics, sys, time, warnings

warnings.simplefilter("ignore")  # pandas warns about DBAPI2 connections other than sqlite3
import pandas as pd
import psycopg2

strata_port, pg_port, pg_dir, runs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
strata = psycopg2.connect(host="127.0.0.1", port=strata_port, user="bench", dbname="strata")
strata.autocommit = True
pg = psycopg2.connect(host="127.0.0.1", port=pg_port, user="postgres", dbname="postgres")
pg.autocommit = True

# Load PostgreSQL with strata's rows (once per cluster).
cur = pg.cursor()
cur.execute("SELECT to_regclass('trades') IS NOT NULL")
if not cur.fetchone()[0]:
    cur.execute("CREATE TABLE trades (ts timestamp, symbol varchar, price float8, size int8, trade_id int8, exchange text)")
    s = strata.cursor()
    s.execute("SELECT * FROM trades")
    buf = io.StringIO()
    for row in s:
        buf.write("\t".join(str(v) for v in row) + "\n")
    buf.seek(0)
    cur.copy_from(buf, "trades")
    cur.execute("CREATE INDEX ON trades (symbol, ts)")
    cur.execute("VACUUM ANALYZE trades")

if os.environ.get("PGW_SKIP_FRAME") == "1":
    sys.exit(0)  # PostgreSQL loaded: only the point queries of pgwire_point.mjs are wanted

QUERY = "SELECT * FROM trades"


def frame(conn):
    t = time.perf_counter()
    df = pd.read_sql(QUERY, conn)
    return time.perf_counter() - t, len(df)


def first_row(conn, sql):
    c = conn.cursor()
    t = time.perf_counter()
    c.execute(sql)
    c.fetchone()
    return time.perf_counter() - t


out = {}
for name, conn in (("strata", strata), ("postgres", pg)):
    frame(conn)  # warm: page cache, footers, plans
    times, rows = [], 0
    for _ in range(runs):
        t, rows = frame(conn)
        times.append(t)
    out[name] = {"rows": rows, "frame_s": statistics.median(times), "frame_all": [round(x, 3) for x in times]}
    c = conn.cursor()
    c.execute("SELECT symbol, ts FROM trades ORDER BY ts LIMIT 1 OFFSET 123457")
    sym, ts = c.fetchone()
    point = f"SELECT * FROM trades WHERE symbol = '{sym}' AND ts = '{ts}'"
    lat = sorted(first_row(conn, point) for _ in range(300))
    out[name]["point_p50_ms"] = lat[len(lat) // 2] * 1000
    out[name]["point_p99_ms"] = lat[int(len(lat) * 0.99)] * 1000
out["ratio_frame"] = out["strata"]["frame_s"] / out["postgres"]["frame_s"]
print(json.dumps(out, indent=1))
