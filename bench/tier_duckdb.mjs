// DuckDB's side of the tier size comparison: the rows of a strata cold tier written by DuckDB as
// one ZSTD Parquet file (sorted by symbol, ts like ours), PARQUET_VERSION V1 and V2, default
// and maximum ZSTD level; prints bytes per row, whole file and per column, for DuckDB's files
// and for ours. Run from the npm directory tools/interop/setup.sh prints:
//   node tier_duckdb.mjs '<root>/cold/trades/**/*.parquet' /tmp/out_prefix
import { DuckDBInstance } from '@duckdb/node-api';

const [glob, outPrefix] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const q = (s) => s.replaceAll("'", "''");
const rows = Number((await con.runAndReadAll(`SELECT count(*) FROM read_parquet('${q(glob)}')`)).getRows()[0][0]);

async function sizes(fileGlob) {
  const cols = (await con.runAndReadAll(
    `SELECT path_in_schema, sum(total_compressed_size) FROM parquet_metadata('${q(fileGlob)}') GROUP BY ALL ORDER BY ALL`)).getRows();
  const bytes = Number((await con.runAndReadAll(`SELECT sum(size) FROM read_blob('${q(fileGlob)}')`)).getRows()[0][0]);
  return { bytes, bytes_per_row: bytes / rows, columns: Object.fromEntries(cols.map(([p, b]) => [p, Number(b) / rows])) };
}

console.log(JSON.stringify({ who: 'strata', rows, ...(await sizes(glob)) }));
for (const version of ['V1', 'V2']) {
  for (const level of [3, 22]) {
    const out = `${outPrefix}.duckdb_zstd${level}_${version}.parquet`;
    await con.run(`COPY (SELECT * FROM read_parquet('${q(glob)}') ORDER BY symbol, ts) TO '${q(out)}'
                   (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${level}, PARQUET_VERSION ${version})`);
    console.log(JSON.stringify({ who: `duckdb zstd${level} ${version}`, ...(await sizes(out)) }));
  }
}
