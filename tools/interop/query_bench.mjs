// DuckDB's side of bench/query_bench.cc, timed inside one DuckDB process (start-up and Parquet
// reading excluded: the tables are copied into memory first, as our benchmark holds its batches
// in memory):  node query_bench.mjs [DIR=/tmp] [RUNS=5]
// Prints one JSON line per query and thread setting with the median time in ms.
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.argv[2] ?? '/tmp';
const runs = Number(process.argv[3] ?? 5);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run("SET TimeZone = 'UTC'");
await con.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${dir}/strata_query_bench_trades.parquet')`);
await con.run(`CREATE TABLE q AS SELECT * FROM read_parquet('${dir}/strata_query_bench_quotes.parquet')`);
const rows = Number((await con.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);
const queries = {
  asof_prev:
    'CREATE OR REPLACE TEMP TABLE r AS SELECT t.*, q.ts AS right_ts, q.bid, q.ask, q.bid_size, q.ask_size ' +
    'FROM t ASOF LEFT JOIN q ON t.symbol = q.symbol AND t.ts >= q.ts',
  bars_1m:
    "CREATE OR REPLACE TEMP TABLE r AS SELECT time_bucket(INTERVAL '1 minute', CAST(ts AS TIMESTAMP), TIMESTAMP '1970-01-01') AS b, " +
    'symbol, arg_min(price, ts), max(price), min(price), arg_max(price, ts), sum(size), sum(price * size) / sum(size), count(*) ' +
    'FROM t GROUP BY ALL',
  bars_1s:
    "CREATE OR REPLACE TEMP TABLE r AS SELECT time_bucket(INTERVAL '1 second', CAST(ts AS TIMESTAMP), TIMESTAMP '1970-01-01') AS b, " +
    'symbol, arg_min(price, ts), max(price), min(price), arg_max(price, ts), sum(size), sum(price * size) / sum(size), count(*) ' +
    'FROM t GROUP BY ALL',
  filter_size: 'SELECT count(*) FROM t WHERE size >= 500',
  filter_and_in: "SELECT count(*) FROM t WHERE size >= 500 AND exchange IN ('XNAS', 'ARCX') AND price > 10",
};
for (const threads of [1, 0]) {
  if (threads) await con.run(`SET threads = ${threads}`);
  else await con.run('RESET threads');
  for (const [name, sql] of Object.entries(queries)) {
    const times = [];
    for (let i = 0; i < runs; ++i) {
      const t0 = process.hrtime.bigint();
      await con.run(sql);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(JSON.stringify({ query: name, threads: threads || 'default', rows, median_ms: median, rows_per_s: Math.round(rows / (median / 1e3)) }));
  }
}
