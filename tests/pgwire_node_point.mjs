// node-postgres: one named prepared point query (Parse once, then Bind/Execute per window, as
// pg sends a statement with a `name`) over strata's PostgreSQL listener (tests/pgwire_e2e_test.cc).
// Prints, per window, "rows|sum(size)" (sum empty when no rows), as the test's Direct() does.
import pg from 'pg';

const port = Number(process.argv[2]);
const windows = [
  ['S1', '2026-03-02 14:01:00', '2026-03-02 14:01:01'],
  ['S2', '2026-03-02 14:02:00', '2026-03-02 14:02:00.5'],
  ['S0', '2026-03-02 13:00:00', '2026-03-02 13:01:00'],  // before the data: no rows
  ['S3', '2026-03-07 05:06:40', '2026-03-07 05:06:41'],  // the hot rows (t0 + 400000 s)
  ['S1', '2026-03-02 14:01:01', '2026-03-02 14:01:00'],  // an empty range
  ['ZZ', '2026-03-02 14:00:00', '2026-03-02 15:00:00'],  // no such symbol
];
const client = new pg.Client({host: '127.0.0.1', port, user: 'quant', password: 's3cret-token', database: 'strata'});
await client.connect();
const out = [];
for (const [sym, from, to] of windows) {
  const r = await client.query({
    name: 'point',
    text: 'SELECT * FROM trades WHERE symbol = $1 AND ts >= $2 AND ts < $3',
    values: [sym, from, to],
    rowMode: 'array',
  });
  let size = 0n;
  for (const row of r.rows) size += BigInt(row[3]);
  out.push(`${r.rows.length}|${r.rows.length ? size : ''}`);
}
await client.end();
console.log(JSON.stringify(out));
