// Sends generated trades with QuestDB's own Node client (@questdb/nodejs-client) over ILP/TCP,
// for src/ilp/tcp_listener_test.cc and bench/ilp_bench. Row i (0-based) of connection c:
//   table trades, tags symbol=S<i % 7>, exchange=X<i % 3>;
//   fields price = 100 + (i % 1000) / 4 (float), size = i (integer), side = (i % 2 == 0),
//   note = a string with characters that need escapes on every 10th row ("" otherwise);
//   timestamp 1772461800000000000 + (c * rows + i) * 1000 ns.
// Usage: node questdb_ilp_send.mjs PORT ROWS [CONNECTIONS=1] [FIRST_CONNECTION=0]
// Environment: QDB_ILP_PROTOCOL=tcp|http (default tcp; http sends to POST /write of PORT);
//   QDB_ILP_EXTRA: more config, e.g. "username=feed;token=D;" (TCP: QuestDB's ECDSA auth with the
//   private key D) or "token=SECRET;" (HTTP: bearer token).
// Prints {"rows": N, "seconds": S} when every connection has flushed and closed.
import { Sender } from '@questdb/nodejs-client';

const [port, rows, connections = '1', first = '0'] = process.argv.slice(2);
const n = Number(rows);
const base = 1772461800000000000n;

function note(i) {
  return i % 10 === 0 ? `n ${i}, "q" \\ x=y\nz` : '';
}

async function send(c) {
  const protocol = process.env.QDB_ILP_PROTOCOL ?? 'tcp';
  const sender = await Sender.fromConfig(
    `${protocol}::addr=127.0.0.1:${port};protocol_version=1;init_buf_size=1048576;auto_flush_rows=5000;` +
    (process.env.QDB_ILP_EXTRA ?? ''));
  if (protocol === 'tcp') await sender.connect();  // HTTP connects per request
  for (let i = 0; i < n; ++i) {
    sender.table('trades').symbol('symbol', `S${i % 7}`).symbol('exchange', `X${i % 3}`)
      .floatColumn('price', 100 + (i % 1000) / 4).intColumn('size', i).booleanColumn('side', i % 2 === 0);
    const s = note(i);
    if (s !== '') sender.stringColumn('note', s);
    await sender.at(base + BigInt(c * n + i) * 1000n, 'ns');
  }
  await sender.flush();
  await sender.close();
}

const t0 = process.hrtime.bigint();
const tasks = [];
for (let c = Number(first); c < Number(first) + Number(connections); ++c) tasks.push(send(c));
await Promise.all(tasks);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ rows: n * Number(connections), seconds }));
