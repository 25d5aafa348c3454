// DuckDB's side of the Parquet ingest benchmark (bench/ingest_parquet_bench.sh): times
//   INSERT INTO t SELECT * FROM read_parquet(FILE)
// into a fresh on-disk database (FILE.duckdb) per run, threads = 1 (one core, like strata's ingest),
// then CHECKPOINT separately. Prints one JSON line per run: {"insert_s", "checkpoint_s", "rows"}.
// Run from the npm directory tools/interop/setup.sh prints:  node ingest_duckdb.mjs FILE DBFILE RUNS
import { rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [file, dbFile, runsArg] = process.argv.slice(2);
const q = (s) => s.replaceAll("'", "''");
for (let i = 0; i < Number(runsArg || 5); ++i) {
  rmSync(dbFile, { force: true });
  rmSync(dbFile + '.wal', { force: true });
  const db = await DuckDBInstance.create(dbFile);
  const con = await db.connect();
  await con.run('SET threads = 1');
  await con.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${q(file)}') LIMIT 0`);
  let t = process.hrtime.bigint();
  await con.run(`INSERT INTO t SELECT * FROM read_parquet('${q(file)}')`);
  const insert = Number(process.hrtime.bigint() - t) / 1e9;
  t = process.hrtime.bigint();
  await con.run('CHECKPOINT');
  const checkpoint = Number(process.hrtime.bigint() - t) / 1e9;
  const rows = Number((await con.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);
  console.log(JSON.stringify({ insert_s: insert, checkpoint_s: checkpoint, rows }));
  con.closeSync?.();
  db.closeSync?.();
}
rmSync(dbFile, { force: true });
rmSync(dbFile + '.wal', { force: true });
