// DuckDB's side of the Parquet benchmark, timed inside one DuckDB process (start-up excluded):
//   node duckdb_bench.mjs FILE [RUNS=5]
// prints the median time of `SELECT sum/count over every column` on FILE, then writes the same
// rows with ZSTD as V1 and V2 files beside FILE and prints their sizes and bytes per row per
// column. Run it from the npm directory tools/interop/setup.sh prints.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, runsArg] = process.argv.slice(2);
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
for (const version of ['V1', 'V2']) {
  const out = file.replace(/\.parquet$/, '') + `.duckdb_zstd_${version}.parquet`;
  await con.run(`COPY (SELECT * FROM ${src}) TO '${out}' (FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION ${version})`);
  const cols = (await con.runAndReadAll(
    `SELECT path_in_schema, sum(total_compressed_size) FROM parquet_metadata('${out}') GROUP BY ALL ORDER BY ALL`)).getRows();
  const size = Number((await con.runAndReadAll(`SELECT size FROM read_blob('${out}')`)).getRows()[0][0]);
  console.log(JSON.stringify({
    duckdb_file: out, version, bytes: size, bytes_per_row: size / rows,
    columns: Object.fromEntries(cols.map(([p, b]) => [p, Number(b) / rows])),
  }));
}
