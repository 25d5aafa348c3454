// DuckDB's side of bench/lake_bench.sh: the lake queries of issue 5 on strata's own warm and cold
// Parquet files, read as a user would read the lake (read_parquet over the Hive-partitioned tree,
// the filter on symbol and time). Run from the npm directory tools/interop/setup.sh prints.
//
//   node lake_bench.mjs warm ROOT SPEC RUNS [QUERIES=q1,q2,q3,q4]
//                                             every query RUNS times in one connection, with
//                                             threads=1 and DuckDB's default; one JSON line per
//                                             query and setting: median/min/max ms and the answer
//   node lake_bench.mjs once ROOT SPEC QUERY  one query in a fresh process (whole-process timing
//                                             and peak RSS are measured by the caller); prints
//                                             the answer as JSON
//   node lake_bench.mjs check FILE KIND       the same answer computed from strata's output of
//                                             the query (`strata query ... --out FILE`)
//   node lake_bench.mjs sql ROOT RUNS JSON    SQL queries: JSON is [{"name", "sql"}] where {trades} and
//                                             {quotes} in the SQL stand for the lake's tables;
//                                             RUNS > 0: each RUNS times after one unmeasured run,
//                                             threads=1 and default, one JSON line each (as warm);
//                                             RUNS = 0: each once with default threads (a fresh
//                                             process per query for peak RSS). The answer is the
//                                             fingerprint bench/sql_lake_bench.cc prints: rows and
//                                             per numeric column i "c<i>", its sum
//   node lake_bench.mjs compare JSON JSON     exit 0 when two answers agree (same keys, integers
//                                             equal, floats within 1e-9 relative), else print
//                                             the difference and exit 1
//
// SPEC is a JSON object: {symbol, q1: {from, to}, q2: {from, to}, q3: {from, to},
// q4: {from, to, tolerance_s}, scan: {from, to}} with ISO-8601 UTC times; the queries are
//   q1    one symbol, [from, to): count(*), avg(price)
//   q2    one symbol, [from, to): 1-minute OHLCV bars (materialised), answered by their count,
//         sum(volume), sum(trade count), sum(open), sum(close), max(high), min(low)
//   q3    every symbol, [from, to): count(*), sum(size)
//   q4    one symbol, trades in [from, to) as-of joined to the quotes of [from - tolerance, to)
//         (the last quote at or before each trade, no match older than tolerance; materialised),
//         answered by count(*), count of matches, sum(bid), sum(ask)
//   scan  every symbol, [from, to): daily OHLCV bars (a whole-range scan; peak memory)
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, a1, a2, a3, a4] = process.argv.slice(2);
if (mode === 'compare') {
  const [x, y] = [JSON.parse(a1), JSON.parse(a2)];
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
  const bad = keys.filter((k) => {
    const [u, v] = [x[k], y[k]];
    if (typeof u !== 'number' || typeof v !== 'number') return u !== v;
    return Math.abs(u - v) > 1e-9 * Math.max(1, Math.abs(u), Math.abs(v));
  });
  if (bad.length) {
    console.log(`DIFFER on ${bad.join(', ')}: ${a1} vs ${a2}`);
    process.exit(1);
  }
  console.log('agree');
  process.exit(0);
}
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run("SET TimeZone = 'UTC'");
const lit = (s) => "'" + String(s).replaceAll("'", "''") + "'";
const num = (v) => (v === null || v === undefined ? null : Number(v));
const rows = async (sql) => (await con.runAndReadAll(sql)).getRows();

const barSelect = (src, interval, where) =>
  `SELECT time_bucket(INTERVAL '${interval}', CAST(ts AS TIMESTAMP), TIMESTAMP '1970-01-01') AS ts, symbol,
          arg_min(price, ts) AS open, max(price) AS high, min(price) AS low, arg_max(price, ts) AS close,
          sum(size) AS volume, sum(price * size) / sum(size) AS vwap, count(*) AS count
   FROM ${src} ${where} GROUP BY ALL`;
const barAnswer = async (table) => {
  const [r] = await rows(`SELECT count(*), sum(volume), sum("count"), sum(open), sum(close), max(high), min(low) FROM ${table}`);
  return { bars: num(r[0]), volume: num(r[1]), trades: num(r[2]), sum_open: num(r[3]), sum_close: num(r[4]),
           max_high: num(r[5]), min_low: num(r[6]) };
};
const asofAnswer = async (table, tolerance) => {
  const [r] = await rows(`SELECT count(*), count(bid), sum(bid), sum(ask) FROM ${table}`);
  return { rows: num(r[0]), matched: num(r[1]), sum_bid: num(r[2]), sum_ask: num(r[3]) };
};

if (mode === 'check') {
  // strata's output of a query, as Parquet: the same answer as the lake query gives.
  const [file, kind] = [a1, a2];
  const src = `read_parquet(${lit(file)})`;
  let answer;
  if (kind === 'q1') {
    const [r] = await rows(`SELECT count(*), avg(price) FROM ${src}`);
    answer = { rows: num(r[0]), avg_price: num(r[1]) };
  } else if (kind === 'q2' || kind === 'scan') {
    await con.run(`CREATE TEMP TABLE b AS SELECT * FROM ${src}`);
    answer = await barAnswer('b');
  } else if (kind === 'q3') {
    const [r] = await rows(`SELECT count(*), sum(size) FROM ${src}`);
    answer = { rows: num(r[0]), sum_size: num(r[1]) };
  } else if (kind === 'q4') {
    answer = await asofAnswer(src);
  } else {
    throw new Error(`check: unknown kind ${kind}`);
  }
  console.log(JSON.stringify(answer));
  process.exit(0);
}

const root = a1;
const epoch = { from: '1970-01-01T00:00:00Z', to: '1970-01-01T00:00:00Z', tolerance_s: 0 };
const spec = mode === 'sql' ? { symbol: '', q1: epoch, q2: epoch, q3: epoch, q4: epoch, scan: epoch } : JSON.parse(a2);
// Warm (date=/symbol=) and cold (year=/month=/symbol=) have different Hive keys, so DuckDB reads
// them as two read_parquet calls under one UNION ALL (it pushes the filters into both).
const lake = (table) =>
  `(SELECT * EXCLUDE (date) FROM read_parquet(${lit(`${root}/warm/${table}/**/*.parquet`)}, hive_partitioning = true)
    UNION ALL BY NAME
    SELECT * EXCLUDE (year, month) FROM read_parquet(${lit(`${root}/cold/${table}/**/*.parquet`)}, hive_partitioning = true))`;
// Our ts is a Parquet TIMESTAMP(NANOS) in UTC without the adjusted-to-UTC flag: TIMESTAMP_NS.
const tsLit = (iso, shiftS = 0) =>
  `TIMESTAMP_NS ${lit(new Date(Date.parse(iso) - shiftS * 1000).toISOString().replace('T', ' ').replace('Z', ''))}`;
const range = (r, shift = 0) => `ts >= ${tsLit(r.from, shift)} AND ts < ${tsLit(r.to)}`;
const sym = lit(spec.symbol);

// Each query: the SQL DuckDB runs (timed), then how to read its answer (not timed).
const queries = {
  q1: {
    sql: `SELECT count(*), avg(price) FROM ${lake('trades')} WHERE symbol = ${sym} AND ${range(spec.q1)}`,
    answer: (res) => ({ rows: num(res[0][0]), avg_price: num(res[0][1]) }),
  },
  q2: {
    sql: `CREATE OR REPLACE TEMP TABLE q2 AS ${barSelect(lake('trades'), '1 minute', `WHERE symbol = ${sym} AND ${range(spec.q2)}`)}`,
    answer: () => barAnswer('q2'),
  },
  q3: {
    sql: `SELECT count(*), sum(size) FROM ${lake('trades')} WHERE ${range(spec.q3)}`,
    answer: (res) => ({ rows: num(res[0][0]), sum_size: num(res[0][1]) }),
  },
  q4: {
    // The tolerance both bounds the quotes read and rejects older matches, as strata's
    // --tolerance does (its right scan starts at from - tolerance).
    sql: `CREATE OR REPLACE TEMP TABLE q4 AS
          SELECT t.ts, t.symbol, t.price, t.size, t.trade_id, t.exchange,
                 CASE WHEN t.ts - q.ts <= INTERVAL '${spec.q4.tolerance_s} seconds' THEN q.ts END AS right_ts,
                 CASE WHEN t.ts - q.ts <= INTERVAL '${spec.q4.tolerance_s} seconds' THEN q.bid END AS bid,
                 CASE WHEN t.ts - q.ts <= INTERVAL '${spec.q4.tolerance_s} seconds' THEN q.ask END AS ask,
                 CASE WHEN t.ts - q.ts <= INTERVAL '${spec.q4.tolerance_s} seconds' THEN q.bid_size END AS bid_size,
                 CASE WHEN t.ts - q.ts <= INTERVAL '${spec.q4.tolerance_s} seconds' THEN q.ask_size END AS ask_size
          FROM (SELECT ts, symbol, price, size, trade_id, exchange FROM ${lake('trades')}
                WHERE symbol = ${sym} AND ${range(spec.q4)}) t
          ASOF LEFT JOIN (SELECT ts, symbol, bid, ask, bid_size, ask_size FROM ${lake('quotes')}
                WHERE symbol = ${sym} AND ${range(spec.q4, spec.q4.tolerance_s)}) q
          ON t.symbol = q.symbol AND t.ts >= q.ts`,
    answer: () => asofAnswer('q4'),
  },
  scan: {
    sql: `CREATE OR REPLACE TEMP TABLE scan AS ${barSelect(lake('trades'), '1 day', `WHERE ${range(spec.scan)}`)}`,
    answer: () => barAnswer('scan'),
  },
};

async function runOnce(name) {
  const q = queries[name];
  const t0 = process.hrtime.bigint();
  const res = (await con.runAndReadAll(q.sql)).getRows();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, answer: await q.answer(res) };
}

// The fingerprint of a result (bench/sql_lake_bench.cc computes the same from strata's).
const fingerprint = (reader) => {
  const out = { rows: 0 };
  const cols = reader.columnCount;
  const sums = new Map();
  for (const row of reader.getRows()) {
    out.rows += 1;
    for (let c = 0; c < cols; ++c) {
      const v = row[c];
      if (typeof v === 'number' || typeof v === 'bigint') sums.set(c, (sums.get(c) ?? 0) + Number(v));
      else if (v === null && !sums.has(c)) sums.set(c, undefined);
    }
  }
  for (const [c, s] of [...sums.entries()].sort((x, y) => x[0] - y[0])) if (s !== undefined) out[`c${c}`] = s;
  return out;
};

if (mode === 'sql') {
  const runs = Number(a2);
  const list = JSON.parse(a3).map((q) => ({ name: q.name, sql: q.sql.replaceAll('{trades}', lake('trades')).replaceAll('{quotes}', lake('quotes')) }));
  const one = async (sql) => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const reader = await con.runAndReadAll(sql);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);  // user + system of the whole process (DuckDB's threads too)
    return { ms, cpu_ms: (c.user + c.system) / 1e3, answer: fingerprint(reader) };
  };
  for (const threads of runs > 0 ? [1, 0] : [0]) {
    if (threads) await con.run(`SET threads = ${threads}`);
    else await con.run('RESET threads');
    for (const q of list) {
      const times = [], cpu = [];
      let r = await one(q.sql);
      if (runs === 0) {
        times.push(r.ms);
        cpu.push(r.cpu_ms);
      }
      for (let i = 0; i < runs; ++i) {
        r = await one(q.sql);
        times.push(r.ms);
        cpu.push(r.cpu_ms);
      }
      times.sort((x, y) => x - y);
      cpu.sort((x, y) => x - y);
      console.log(JSON.stringify({ query: q.name, threads: threads || 'default', runs: times.length,
                                   median_ms: +times[Math.floor(times.length / 2)].toFixed(3), min_ms: +times[0].toFixed(3),
                                   cpu_ms: +cpu[Math.floor(cpu.length / 2)].toFixed(3), answer: r.answer }));
    }
  }
  process.exit(0);
}

if (mode === 'once') {
  const { ms, answer } = await runOnce(a3);
  console.log(JSON.stringify({ query: a3, ms, answer }));
} else if (mode === 'warm') {
  const runs = Number(a3 ?? 5);
  for (const threads of [1, 0]) {
    if (threads) await con.run(`SET threads = ${threads}`);
    else await con.run('RESET threads');
    for (const name of (a4 ?? 'q1,q2,q3,q4').split(',')) {
      const times = [];
      let answer;
      await runOnce(name);  // the first run reads the footers into DuckDB's caches; not counted
      for (let i = 0; i < runs; ++i) {
        const r = await runOnce(name);
        times.push(r.ms);
        answer = r.answer;
      }
      times.sort((x, y) => x - y);
      console.log(JSON.stringify({ query: name, threads: threads || 'default', runs, median_ms: +times[Math.floor(times.length / 2)].toFixed(3),
                                   min_ms: +times[0].toFixed(3), max_ms: +times[times.length - 1].toFixed(3), answer }));
    }
  }
} else {
  throw new Error(`unknown mode ${mode} (warm, once, check)`);
}
