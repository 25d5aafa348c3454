// Reads a strata lake with DuckDB, as a user would: read_parquet over the Hive-partitioned tree.
//   node lake_duckdb.mjs 'ROOT/warm/trades/**/*.parquet'
// Prints one JSON line per row, ordered by symbol, ts, trade_id:
//   [symbol, ts_ns (string), price, size (string), trade_id (string), exchange, partition]
// where partition is the `date` (warm) or `year-month` (cold) Hive value DuckDB derived from the path.
import { DuckDBInstance } from '@duckdb/node-api';

const [glob] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const src = `read_parquet('${glob.replaceAll("'", "''")}', hive_partitioning = true)`;
const names = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRows().map((r) => r[0]);
const part = names.includes('date')
  ? `CAST("date" AS VARCHAR)`
  : `CAST("year" AS VARCHAR) || '-' || lpad(CAST("month" AS VARCHAR), 2, '0')`;
const rows = (await con.runAndReadAll(
  `SELECT symbol, CAST(epoch_ns(ts) AS VARCHAR), price, CAST(size AS VARCHAR), CAST(trade_id AS VARCHAR), exchange,
          ${part} FROM ${src} ORDER BY symbol, ts, trade_id`)).getRows();
for (const r of rows) console.log(JSON.stringify(r));
