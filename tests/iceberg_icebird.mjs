// Reads a strata table's Iceberg metadata with icebird (an Iceberg reader on hyparquet), the way
// an engine would: version-hint.text -> vN.metadata.json -> manifest list -> manifests -> data files.
// icebird fetches everything by URL; this script gives it a fetch that serves file:// URLs from
// disk (the paths verbatim, with HTTP Range support), so the table's own URIs are what is read.
// s3:// URIs (which icebird turns into https://BUCKET.s3.amazonaws.com/KEY) go to the S3 server at
// $S3_ENDPOINT instead (path style, unsigned: the local test server).
// Usage: node iceberg_icebird.mjs TABLE_URL [METADATA_FILE_NAME]
// Prints one line per row: the columns in the Iceberg schema's order, '|'-separated; timestamps
// as ms since the epoch (what hyparquet returns), bigints and numbers as text; null as \N.
// The first line is "#snapshot <id> files <n> rows <n>".
import { readFile } from 'node:fs/promises';
import { icebergMetadata, icebergRead, icebergManifests } from 'icebird';

const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
  const u = String(url);
  const s3 = /^https:\/\/([^/]+)\.s3\.amazonaws\.com(\/.*)$/.exec(u);
  if (s3 && process.env.S3_ENDPOINT) return realFetch(`${process.env.S3_ENDPOINT}/${s3[1]}${s3[2]}`, init);
  if (!u.startsWith('file://')) return realFetch(url, init);
  let data;
  try {
    data = await readFile(u.slice('file://'.length));
  } catch (e) {
    return new Response(null, { status: 404, statusText: `${u}: ${e.code}` });
  }
  const headers = new Headers(init.headers ?? {});
  const range = headers.get('Range');
  if (init.method === 'HEAD') {
    return new Response(null, { status: 200, headers: { 'Content-Length': String(data.length) } });
  }
  if (range) {
    const m = /bytes=(\d+)-(\d*)/.exec(range);
    const start = Number(m[1]);
    const end = m[2] === '' ? data.length : Number(m[2]) + 1;
    return new Response(data.subarray(start, end), { status: 206 });
  }
  return new Response(data, { status: 200 });
};

const [tableUrl, metadataFileName] = process.argv.slice(2);
const metadata = await icebergMetadata({ tableUrl, metadataFileName });
const manifests = await icebergManifests(metadata);
const entries = manifests.flatMap((m) => m.entries).filter((e) => e.status !== 2);
const fields = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']).fields;
const rows = entries.length === 0 ? [] : await icebergRead({ tableUrl, metadata });
const total = entries.reduce((n, e) => n + Number(e.data_file.record_count), 0);
console.log(`#snapshot ${metadata['current-snapshot-id']} files ${entries.length} rows ${total}`);
const fmt = (v) => {
  if (v === null || v === undefined) return '\\N';
  if (v instanceof Date) return String(v.getTime());
  return String(v);
};
for (const row of rows) console.log(fields.map((f) => fmt(row[f.name])).join('|'));
