// DuckDB's side of the Parquet benchmark, timed inside one DuckDB process (start-up excluded):
//   node duckdb_bench.mjs FILE [RUNS=5] [scan|sizes|both=both]
// prints the median time of `SELECT sum/count over every column` on FILE, then writes the same
// rows with ZSTD as V1 and V2 files beside FILE and prints their sizes and bytes per row per
// column. Run it from the npm directory tools/interop/setup.sh prints.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, runsArg, mode = 'both'] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const src = `read_parquet('${file.replaceAll("'", "''")}')`;
const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRows();
const aggs = desc.map(([name, type]) => {
  const q = '"' + name + '"';
  return /INT|DOUBLE|FLOAT|DECIMAL/.test(type) ? `sum(${q})` : `count(${q})`;
});
const times = [];
for (let i = 0; i < runs; ++i) {
  const t0 = process.hrtime.bigint();
  await con.runAndReadAll(`SELECT ${aggs.join(', ')} FROM ${src}`);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const rows = Number((await con.runAndReadAll(`SELECT count(*) FROM ${src}`)).getRows()[0][0]);
console.log(JSON.stringify({ file, rows, scan_ms_median: times[Math.floor(times.length / 2)], scan_ms: times }));
if (mode === 'scan') process.exit(0);
// DuckDB's smallest ZSTD file: both format versions at the default, a middle and the top level.
let smallest = null;
for (const version of ['V1', 'V2']) {
  for (const level of [3, 9, 22]) {
    const out = file.replace(/\.parquet$/, '') + `.duckdb_zstd${level}_${version}.parquet`;
    await con.run(`COPY (SELECT * FROM ${src}) TO '${out}' ` +
      `(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${level}, PARQUET_VERSION ${version})`);
    const cols = (await con.runAndReadAll(
      `SELECT path_in_schema, sum(total_compressed_size) FROM parquet_metadata('${out}') GROUP BY ALL ORDER BY ALL`)).getRows();
    const size = Number((await con.runAndReadAll(`SELECT size FROM read_blob('${out}')`)).getRows()[0][0]);
    const result = {
      duckdb_file: out, version, level, bytes: size, bytes_per_row: size / rows,
      columns: Object.fromEntries(cols.map(([p, b]) => [p, Number(b) / rows])),
    };
    console.log(JSON.stringify(result));
    if (smallest === null || size < smallest.bytes) smallest = result;
  }
}
const ours = Number((await con.runAndReadAll(`SELECT size FROM read_blob('${file.replaceAll("'", "''")}')`)).getRows()[0][0]);
const types = (await con.runAndReadAll(`SELECT column_type FROM (DESCRIBE SELECT ts FROM ${src})`)).getRows()[0][0];
console.log(JSON.stringify({ ours_bytes: ours, ours_bytes_per_row: ours / rows, ts_type_seen_by_duckdb: types,
  duckdb_smallest: `${smallest.version} level ${smallest.level}`, duckdb_smallest_bytes_per_row: smallest.bytes_per_row,
  ratio_ours_to_duckdb_smallest: ours / smallest.bytes }));
