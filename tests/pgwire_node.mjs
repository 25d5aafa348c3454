// node-postgres against strata's PostgreSQL listener (tests/pgwire_e2e_test.cc): parameters
// (the extended protocol), named statements, binary and text results of every type, an error.
import pg from 'pg';

const port = Number(process.argv[2]);
const client = new pg.Client({host: '127.0.0.1', port, user: 'quant', password: 's3cret-token', database: 'strata'});
await client.connect();
const out = {};
// Timestamps: strata's are UTC; read them as UTC instead of the local zone.
pg.types.setTypeParser(1114, (s) => new Date(s.replace(' ', 'T') + 'Z').toISOString());
let r = await client.query(
    'SELECT count(*) AS n, sum(size) AS s FROM trades WHERE symbol = $1 AND ts >= $2', ['S1', '2026-03-02 14:01:00']);
out.params = r.rows.map((x) => ({n: x.n, s: x.s}));
out.named = [];
for (let i = 0; i < 2; ++i) {
  r = await client.query(
      {name: 'by_sym', text: 'SELECT price FROM trades WHERE symbol = $1 ORDER BY ts LIMIT $2', values: ['S0', 3]});
  out.named.push(r.rows.map((x) => x.price));
}
r = await client.query({text: 'SELECT * FROM types ORDER BY ts', binary: true, rowMode: 'array'});
out.binary = r.rows.map((row) => row.map((v) => (v instanceof Date ? v.toISOString() : v)));
r = await client.query({text: 'SELECT * FROM types ORDER BY ts', rowMode: 'array'});
out.text = r.rows;
r = await client.query('SELECT $1::int AS x, $2 AS y, $3::boolean AS z', [42, 'abc', true]);
out.typed = r.rows;
try {
  await client.query('SELECT count(*) FROM nosuch WHERE symbol = $1', ['A']);
} catch (e) {
  out.error = [e.code, e.position];
}
r = await client.query('SELECT count(*) AS n FROM types');
out.after = Number(r.rows[0].n);
await client.end();
console.log(JSON.stringify(out));
