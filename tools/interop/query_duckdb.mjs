// Runs SQL queries in DuckDB and prints each answer as one JSON line, for tests/query_duckdb_test.cc:
//   {"name": N, "columns": [names], "rows": [[canonical values], ...]}  or  {"name": N, "error": text}
// Values: null; integers (BIGINT, HUGEINT) as decimal strings; doubles as strings that parse back
// to the same double (canon.mjs); strings as strings. One thread, so sums run in file order.
// Usage: node query_duckdb.mjs SPEC.json   where SPEC.json is [{"name": N, "sql": S}, ...]
import { readFileSync } from 'node:fs';
import { canonDouble, print } from './canon.mjs';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { DuckDBInstance } = await import('@duckdb/node-api');
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run('SET threads = 1');
await con.run("SET TimeZone = 'UTC'");
for (const { name, sql } of spec) {
  try {
    const reader = await con.runAndReadAll(sql);
    const columns = reader.columnNames();
    const rows = reader.getRows().map((r) =>
      r.map((v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'number') return canonDouble(v);
        return String(v);
      }),
    );
    print({ name, columns, rows });
  } catch (e) {
    print({ name, error: String(e && e.message ? e.message : e) });
  }
}
