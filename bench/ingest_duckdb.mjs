// DuckDB's side of the Parquet ingest benchmark (bench/ingest_parquet_bench.sh): times
//   INSERT INTO t SELECT * FROM read_parquet(FILE)
// into a fresh on-disk database (FILE.duckdb) per run, threads = 1 (one core, like strata's ingest),
// then CHECKPOINT separately. Prints one JSON line per run: wall and CPU seconds (the process's
// user + sys, all threads) of each, and the rows.
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
  const cpu = (u) => (u.user + u.system) / 1e6;
  let t = process.hrtime.bigint();
  let c = process.cpuUsage();
  await con.run(`INSERT INTO t SELECT * FROM read_parquet('${q(file)}')`);
  const insert = Number(process.hrtime.bigint() - t) / 1e9;
  const insertCpu = cpu(process.cpuUsage(c));
  t = process.hrtime.bigint();
  c = process.cpuUsage();
  await con.run('CHECKPOINT');
  const checkpoint = Number(process.hrtime.bigint() - t) / 1e9;
  const checkpointCpu = cpu(process.cpuUsage(c));
  const rows = Number((await con.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);
  console.log(JSON.stringify({ insert_s: insert, insert_cpu_s: insertCpu, checkpoint_s: checkpoint, checkpoint_cpu_s: checkpointCpu, rows }));
  con.closeSync?.();
  db.closeSync?.();
}
rmSync(dbFile, { force: true });
rmSync(dbFile + '.wal', { force: true });
