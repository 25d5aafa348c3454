// Writes a Parquet file with one peer and prints the values it wrote as one JSON line
//   {"columns": [names], "rows": [[canonical values], ...]}
// (canonical form as in canon.mjs), so a test can read the file with strata and compare.
// Usage:
//   node write.mjs duckdb OUT ROWS CODEC V1|V2 ROW_GROUP_SIZE
//   node write.mjs parquet-wasm OUT ROWS CODEC V1|V2 ROW_GROUP_SIZE dict|plain|delta
//   node write.mjs hyparquet OUT ROWS CODEC default|plain|delta
// CODEC: uncompressed, snappy, gzip, zstd, lz4_raw (not every peer writes every codec).
// With STRATA_PARQUET_KEY_B64 set (a base64 AES key), DuckDB encrypts the file with it (Parquet
// Modular Encryption, encrypted footer).
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { canonDouble, canonInt, print } from './canon.mjs';

const [peer, out, rowsArg, codec, ...rest] = process.argv.slice(2);
const n = Number(rowsArg);

// Deterministic data with nulls and edge values, shared by the JS writers.
function sampleColumns() {
  const id = [], qty = [], price = [], sym = [], note = [], flag = [], ts = [];
  const specials = [NaN, Infinity, -Infinity, -0, 0, 1e-300, 1.7976931348623157e308];
  for (let i = 0; i < n; ++i) {
    id.push(i % 101 === 0 ? 9223372036854775807n : i % 103 === 0 ? -9223372036854775808n : BigInt(i) * 1000003n);
    qty.push(i % 97 === 0 ? -2147483648 : i % 89 === 0 ? 2147483647 : (i * 37) % 5000 - 100);
    price.push(i % 50 === 0 ? specials[(i / 50) % specials.length] : 100 + ((i * 7919) % 10000) / 100);
    sym.push('S' + (i % 13));
    note.push(i % 7 === 0 ? null : i % 11 === 0 ? '' : 'note ' + ((i * 31) % 200) + (i % 5 === 0 ? ' caf\u00e9 \u65e5\u672c' : ''));
    flag.push(i % 9 === 0 ? null : i % 3 === 0);
    ts.push(i % 17 === 0 ? null : 1772460000000000000n + BigInt(i) * 1000123n);
  }
  return { id, qty, price, sym, note, flag, ts };
}

function canonRows(cols, kinds) {
  const names = Object.keys(cols);
  const rows = [];
  for (let i = 0; i < n; ++i) {
    rows.push(
      names.map((name, c) => {
        const v = cols[name][i];
        if (v === null || v === undefined) return null;
        if (kinds[c] === 'int') return canonInt(v);
        if (kinds[c] === 'double') return canonDouble(v);
        return v;
      }),
    );
  }
  return { columns: names, rows };
}

async function writeDuckDB() {
  const [version, rowGroup] = rest;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`CREATE TABLE t AS SELECT
      i AS id,
      TIMESTAMP '2026-03-02 14:00:00' + to_microseconds(i * 1234567) AS ts_us,
      CAST(TIMESTAMP '2026-03-02 14:00:00' AS TIMESTAMP_NS) + to_microseconds(i * 1234) AS ts_ns,
      CASE WHEN i % 13 = 0 THEN NULL ELSE TIMESTAMPTZ '2026-03-02 14:00:00+00' + to_microseconds(i * 777) END AS ts_tz,
      'S' || (i % 7) AS sym,
      CASE WHEN i % 5 = 0 THEN NULL WHEN i % 11 = 0 THEN '' ELSE 'note ' || (i * 7919 % 1000) END AS note,
      CASE i % 97 WHEN 0 THEN 'NaN'::DOUBLE WHEN 1 THEN 'inf'::DOUBLE WHEN 2 THEN '-inf'::DOUBLE
                  ELSE 100 + (i * 7919 % 10000) / 100.0 END AS price,
      CASE i % 101 WHEN 0 THEN 9223372036854775807 WHEN 1 THEN -9223372036854775808 ELSE i * 100 END::BIGINT AS size,
      (i % 1000 - 500)::INTEGER AS qty,
      CASE WHEN i % 11 = 0 THEN NULL ELSE i % 3 = 0 END AS flag,
      (i % 30000)::SMALLINT AS small,
      DATE '2026-01-01' + (i % 365)::INTEGER AS day,
      (i * 37 % 100000 / 100.0)::DECIMAL(12,2) AS dec_wide,
      (i % 1000 / 10.0)::DECIMAL(5,1) AS dec_narrow,
      (i % 7 + 0.5)::FLOAT AS f32,
      (i * 2654435761 % 4294967296)::UINTEGER AS u32
    FROM range(${n}) r(i)`);
  const options = [`FORMAT parquet`, `COMPRESSION ${codec}`, `ROW_GROUP_SIZE ${Number(rowGroup)}`];
  if (version === 'V2') options.push('PARQUET_VERSION V2');
  const key = process.env.STRATA_PARQUET_KEY_B64;
  if (key) {
    // DuckDB writes encrypted files only with OpenSSL from its httpfs extension (downloaded) or,
    // for tests like this one, with its bundled mbedtls once told to.
    await con.run(`SET force_mbedtls_unsafe = 'true'`);
    await con.run(`PRAGMA add_parquet_key('strata', '${key}')`);
    options.push(`ENCRYPTION_CONFIG {footer_key: 'strata'}`);
  }
  await con.run(`COPY t TO '${out.replaceAll("'", "''")}' (${options.join(', ')})`);
  const desc = (await con.runAndReadAll('DESCRIBE t')).getRows();
  const select = desc.map(([name, type]) => {
    const q = '"' + name + '"';
    if (type.startsWith('TIMESTAMP')) return `CAST(epoch_ns(${q}) AS VARCHAR)`;
    if (type === 'DATE') return `CAST(${q} - DATE '1970-01-01' AS VARCHAR)`;
    if (/INT/.test(type)) return `CAST(${q} AS VARCHAR)`;
    if (type.startsWith('DECIMAL') || type === 'FLOAT') return `CAST(${q} AS DOUBLE)`;
    return q;
  });
  const rows = (await con.runAndReadAll(`SELECT ${select.join(', ')} FROM t ORDER BY id`)).getRows();
  print({ columns: desc.map((r) => r[0]), rows: rows.map((r) => r.map((v) => (typeof v === 'number' ? canonDouble(v) : v))) });
}

async function writeParquetWasm() {
  const [version, rowGroup, encoding] = rest;
  const pw = await import('parquet-wasm');
  const arrow = await import('apache-arrow');
  const c = sampleColumns();
  const tsBits = new BigInt64Array(n);
  const tsValid = new Uint8Array(Math.ceil(n / 8));
  c.ts.forEach((v, i) => {
    if (v !== null) {
      tsBits[i] = v;
      tsValid[i >> 3] |= 1 << (i & 7);
    }
  });
  const nullCount = c.ts.filter((v) => v === null).length;
  const tsData = arrow.makeData({
    type: new arrow.TimestampNanosecond('UTC'), length: n, nullCount, nullBitmap: tsValid, data: tsBits,
  });
  const table = new arrow.Table({
    id: arrow.vectorFromArray(c.id, new arrow.Int64()),
    qty: arrow.vectorFromArray(c.qty, new arrow.Int32()),
    price: arrow.vectorFromArray(c.price, new arrow.Float64()),
    sym: arrow.vectorFromArray(c.sym, new arrow.Utf8()),
    note: arrow.vectorFromArray(c.note, new arrow.Utf8()),
    flag: arrow.vectorFromArray(c.flag, new arrow.Bool()),
    ts: arrow.makeVector(tsData),
  });
  const codecs = { uncompressed: pw.Compression.UNCOMPRESSED, snappy: pw.Compression.SNAPPY, gzip: pw.Compression.GZIP,
                   zstd: pw.Compression.ZSTD, lz4_raw: pw.Compression.LZ4_RAW };
  let props = new pw.WriterPropertiesBuilder()
    .setCompression(codecs[codec])
    .setWriterVersion(version === 'V2' ? pw.WriterVersion.V2 : pw.WriterVersion.V1)
    .setMaxRowGroupSize(Number(rowGroup))
    .setDataPageSizeLimit(4096);
  if (encoding === 'plain' || encoding === 'delta') props = props.setDictionaryEnabled(false);
  if (encoding === 'delta') {
    props = props.setColumnEncoding('id', pw.Encoding.DELTA_BINARY_PACKED)
      .setColumnEncoding('qty', pw.Encoding.DELTA_BINARY_PACKED)
      .setColumnEncoding('ts', pw.Encoding.DELTA_BINARY_PACKED)
      .setColumnEncoding('price', pw.Encoding.BYTE_STREAM_SPLIT)
      .setColumnEncoding('sym', pw.Encoding.DELTA_BYTE_ARRAY)
      .setColumnEncoding('note', pw.Encoding.DELTA_LENGTH_BYTE_ARRAY);
  }
  const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  writeFileSync(out, pw.writeParquet(wasmTable, props.build()));
  print(canonRows(c, ['int', 'int', 'double', 'str', 'str', 'bool', 'int']));
}

async function writeHyparquet() {
  const [encoding] = rest;
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const c = sampleColumns();
  const enc = (name) => {
    if (encoding === 'plain') return 'PLAIN';
    if (encoding !== 'delta') return undefined;
    return { id: 'DELTA_BINARY_PACKED', qty: 'DELTA_BINARY_PACKED', ts: 'DELTA_BINARY_PACKED', price: 'BYTE_STREAM_SPLIT',
             sym: 'DELTA_BYTE_ARRAY', note: 'DELTA_LENGTH_BYTE_ARRAY' }[name];
  };
  const columnData = [
    { name: 'id', data: c.id, type: 'INT64', nullable: false },
    { name: 'qty', data: Int32Array.from(c.qty), type: 'INT32', nullable: false },
    { name: 'price', data: Float64Array.from(c.price), type: 'DOUBLE', nullable: false },
    { name: 'sym', data: c.sym, type: 'STRING', nullable: false },
    { name: 'note', data: c.note, type: 'STRING' },
    { name: 'flag', data: c.flag, type: 'BOOLEAN' },
    { name: 'ts', data: c.ts, type: 'INT64' },
  ].map((col) => ({ ...col, encoding: enc(col.name), columnIndex: true }));
  const codecName = { uncompressed: 'UNCOMPRESSED', snappy: 'SNAPPY', gzip: 'GZIP' }[codec];
  if (!codecName) throw new Error(`hyparquet-writer here writes uncompressed, snappy or gzip, not ${codec}`);
  const buf = parquetWriteBuffer({
    columnData, codec: codecName, rowGroupSize: 700, pageSize: 2048,
    compressors: { GZIP: (bytes) => new Uint8Array(gzipSync(bytes)) },
  });
  writeFileSync(out, new Uint8Array(buf));
  print(canonRows(c, ['int', 'int', 'double', 'str', 'str', 'bool', 'int']));
}

const writers = { duckdb: writeDuckDB, 'parquet-wasm': writeParquetWasm, hyparquet: writeHyparquet };
if (!writers[peer]) {
  console.error('usage: see the header of write.mjs');
  process.exit(2);
}
await writers[peer]();
