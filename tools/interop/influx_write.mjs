// Writes generated points with InfluxDB's v2 Node client (@influxdata/influxdb-client) to a
// server's /api/v2/write, token auth (`Authorization: Token ...`), default write options (batches
// of 1000 lines, gzip above 1000 bytes). Point i (0-based):
//   measurement quotes, tags symbol=S<i % 5>, venue=V<i % 2>;
//   fields bid = 50 + i / 8 (float), ask = bid + 0.25, qty = i (integer), firm = (i % 3 == 0);
//   timestamp 1772461800000000000 + i * 1000 ns.
// Usage: node influx_write.mjs URL TOKEN ROWS. Prints {"rows": N} when every batch was acknowledged;
// exits 1 with the error when a write fails.
import { InfluxDB, Point } from '@influxdata/influxdb-client';

const [url, token, rows] = process.argv.slice(2);
const n = Number(rows);
const base = 1772461800000000000n;
const api = new InfluxDB({ url, token }).getWriteApi('strata', 'strata', 'ns', { maxRetries: 0 });
for (let i = 0; i < n; ++i) {
  const bid = 50 + i / 8;
  api.writePoint(new Point('quotes').tag('symbol', `S${i % 5}`).tag('venue', `V${i % 2}`)
    .floatField('bid', bid).floatField('ask', bid + 0.25).intField('qty', i).booleanField('firm', i % 3 === 0)
    .timestamp((base + BigInt(i) * 1000n).toString()));
}
try {
  await api.close();
} catch (e) {
  console.error(`influx_write: ${e.message}`);
  process.exit(1);
}
console.log(JSON.stringify({ rows: n }));
