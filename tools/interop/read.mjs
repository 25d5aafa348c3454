// Reads Parquet files with one peer and prints, per file, one JSON line:
//   {"file": F, "columns": [names], "rows": [[canonical values], ...]}  or  {"file": F, "error": text}
// Usage: node read.mjs duckdb|parquet-wasm|hyparquet FILE...
// With STRATA_PARQUET_KEY_B64 set (a base64 AES key), DuckDB reads the files as encrypted with it.
import { readFileSync } from 'node:fs';
import { canonDouble, canonInt, print } from './canon.mjs';

const [peer, ...files] = process.argv.slice(2);

async function readDuckDB() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  // STRATA_PARQUET_KEY_B64: the files use Parquet Modular Encryption with this footer key.
  const key = process.env.STRATA_PARQUET_KEY_B64;
  if (key) await con.run(`PRAGMA add_parquet_key('strata', '${key}')`);
  const config = key ? `, encryption_config = {footer_key: 'strata'}` : '';
  return async (file) => {
    const src = `read_parquet('${file.replaceAll("'", "''")}'${config})`;
    const desc = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRows();
    const names = desc.map((r) => r[0]);
    const select = desc.map(([name, type]) => {
      const q = '"' + name.replaceAll('"', '""') + '"';
      if (type.startsWith('TIMESTAMP')) return `CAST(epoch_ns(${q}) AS VARCHAR)`;
      if (type === 'DATE') return `CAST(${q} - DATE '1970-01-01' AS VARCHAR)`;
      if (/INT/.test(type)) return `CAST(${q} AS VARCHAR)`;
      if (type.startsWith('DECIMAL') || type === 'FLOAT') return `CAST(${q} AS DOUBLE)`;
      return q;
    });
    const types = desc.map((r) => r[1]);
    const rows = (await con.runAndReadAll(`SELECT ${select.join(', ')} FROM ${src}`)).getRows();
    return {
      columns: names,
      types,
      rows: rows.map((r) => r.map((v, i) => (typeof v === 'number' ? canonDouble(v) : v))),
    };
  };
}

async function readParquetWasm() {
  const pw = await import('parquet-wasm');
  const arrow = await import('apache-arrow');
  return async (file) => {
    const wasmTable = pw.readParquet(new Uint8Array(readFileSync(file)));
    const table = arrow.tableFromIPC(wasmTable.intoIPCStream());
    const names = table.schema.fields.map((f) => f.name);
    const cols = names.map((_, i) => table.getChildAt(i));
    const kinds = table.schema.fields.map((f) => f.type);
    const rows = [];
    for (let r = 0; r < table.numRows; ++r) rows.push(new Array(names.length));
    cols.forEach((vec, c) => {
      const type = kinds[c];
      let r = 0;
      for (const data of vec.data) {
        for (let i = 0; i < data.length; ++i, ++r) {
          if (!data.getValid(i)) {
            rows[r][c] = null;
            continue;
          }
          if (arrow.DataType.isTimestamp(type)) {
            const raw = BigInt(data.values[data.offset + i]);
            const scale = [1000000000n, 1000000n, 1000n, 1n][type.unit];
            rows[r][c] = (raw * scale).toString();
          } else if (arrow.DataType.isInt(type)) {
            rows[r][c] = canonInt(vec.get(r));
          } else if (arrow.DataType.isFloat(type)) {
            rows[r][c] = canonDouble(vec.get(r));
          } else {
            rows[r][c] = vec.get(r);
          }
        }
      }
    });
    return { columns: names, types: kinds.map(String), rows };
  };
}

async function readHyparquet() {
  const hp = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  return async (file) => {
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const metadata = hp.parquetMetadata(ab);
    const leaves = metadata.schema.slice(1);
    const names = leaves.map((e) => e.name);
    const parsers = {
      timestampFromNanoseconds: (n) => n,
      timestampFromMicroseconds: (u) => u * 1000n,
      timestampFromMilliseconds: (m) => m * 1000000n,
      dateFromDays: (d) => d,
    };
    const objs = await hp.parquetReadObjects({ file: ab, compressors, parsers });
    const rows = objs.map((o) =>
      names.map((n, i) => {
        const v = o[n];
        if (v === null || v === undefined) return null;
        const t = leaves[i].type;
        if (typeof v === 'bigint' || t === 'INT32' || t === 'INT64' || t === 'INT96') return canonInt(v);
        if (typeof v === 'number') return canonDouble(v);
        return v;
      }),
    );
    return { columns: names, types: leaves.map((e) => e.type), rows };
  };
}

const readers = { duckdb: readDuckDB, 'parquet-wasm': readParquetWasm, hyparquet: readHyparquet };
if (!readers[peer]) {
  console.error(`usage: node read.mjs ${Object.keys(readers).join('|')} FILE...`);
  process.exit(2);
}
const read = await readers[peer]();
for (const file of files) {
  try {
    print({ file, ...(await read(file)) });
  } catch (e) {
    print({ file, error: String(e && e.message ? e.message : e) });
  }
}
