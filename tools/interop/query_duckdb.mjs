// Runs SQL queries in DuckDB and prints each answer as one JSON line, for the tests that compare
// strata's answers with DuckDB's (tests/testutil/duckdb_peer.h):
//   {"name": N, "columns": [names], "rows": [[canonical values], ...]}  or  {"name": N, "error": text}
// Values: null; integers (BIGINT, HUGEINT) as decimal strings; doubles as strings that parse back
// to the same double (canon.mjs); strings as strings. One thread, so sums run in file order.
// Usage: node query_duckdb.mjs SPEC.json   where SPEC.json is [{"name": N, "sql": S}, ...]
//        node query_duckdb.mjs --serve     reads one SPEC.json path per line from stdin, answers
//                                          each (a new in-memory database each time), then prints
//                                          the line {"end": true}; exits at the end of its input.
// --serve exists for speed: a test that asks DuckDB many times pays Node's start and the module's
// load (0.7 s of CPU) once instead of at every question.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { canonDouble, print } from './canon.mjs';

const { DuckDBInstance } = await import('@duckdb/node-api');

async function answer(specPath) {
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
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
  con.closeSync();
  db.closeSync();
}

if (process.argv[2] === '--serve') {
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line === '') continue;
    await answer(line);
    print({ end: true });
  }
} else {
  await answer(process.argv[2]);
}
