// Client side of bench/pgwire_bench.sh for point queries over node-postgres (the extended
// protocol): `SELECT * FROM trades WHERE symbol = $1 AND ts >= $2 AND ts < $3` (a 20 ms window,
// ~2 rows), run as a named prepared statement (Parse once, then Bind/Execute per query), as an
// unnamed one (Parse/Bind/Execute per query) and as plain SQL text with literals (the simple
// query protocol: parsed and planned per query), against strata and PostgreSQL 15 (index on
// (symbol, ts)) in one run. Prints queries/s per mode and server, median of PGW_POINT_ROUNDS
// rounds of PGW_POINT_QUERIES queries each, after a warm-up round; the modes alternate within
// each round, so that a machine whose load drifts weighs on each alike. With STRATA_PID, also
// strata's CPU time per query (user + system of the server process, from /proc), steadier than
// wall time on a loaded machine.
//
// usage: node pgwire_point.mjs STRATA_PORT PG_PORT PG_SOCKET_DIR [STRATA_PID]
import fs from 'fs';
import pg from 'pg';

const [strataPort, pgPort, pgSock, strataPid] = process.argv.slice(2);
// CPU seconds of a process so far (utime + stime, in clock ticks of 1/100 s).
const cpu = (pid) => {
  if (!pid) return 0;
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const QUERIES = Number(process.env.PGW_POINT_QUERIES || 2000);
const ROUNDS = Number(process.env.PGW_POINT_ROUNDS || 5);
const TEXT = 'SELECT * FROM trades WHERE symbol = $1 AND ts >= $2 AND ts < $3';

async function connect(port, user, database, host) {
  const c = new pg.Client({host, port: Number(port), user, database});
  await c.connect();
  return c;
}

// The windows: fixed, spread over the data (the first 1000 s of 2026-03-02 14:00Z).
function windows(n) {
  const out = [];
  const t0 = Date.UTC(2026, 2, 2, 14, 0, 0);
  for (let i = 0; i < n; ++i) {
    const ms = t0 + ((i * 7919) % 900000);
    const iso = (t) => new Date(t).toISOString().replace('T', ' ').replace('Z', '');
    out.push([`S${i % 10}`, iso(ms), iso(ms + 20)]);
  }
  return out;
}

async function round(client, mode, ws) {
  let rows = 0;
  const t = process.hrtime.bigint();
  for (const [sym, from, to] of ws) {
    let r;
    if (mode === 'prepared') {
      r = await client.query({name: 'point', text: TEXT, values: [sym, from, to]});
    } else if (mode === 'unnamed') {
      r = await client.query(TEXT, [sym, from, to]);
    } else {
      r = await client.query(`SELECT * FROM trades WHERE symbol = '${sym}' AND ts >= '${from}' AND ts < '${to}'`);
    }
    rows += r.rows.length;
  }
  return {s: Number(process.hrtime.bigint() - t) / 1e9, rows};
}

const MODES = ['prepared', 'unnamed', 'text'];
const out = {};
const ws = windows(QUERIES);
for (const [name, client] of [['strata', await connect(strataPort, 'bench', 'strata', '127.0.0.1')],
                              ['postgres', await connect(pgPort, 'postgres', 'postgres', '127.0.0.1')]]) {
  out[name] = {};
  const qps = {}, rows = {}, cpu_ms = {};
  const pid = name === 'strata' ? strataPid : undefined;
  for (const mode of MODES) {
    await round(client, mode, ws.slice(0, 200));  // warm-up
    qps[mode] = [];
    cpu_ms[mode] = 0;
  }
  for (let i = 0; i < ROUNDS; ++i) {
    for (const mode of MODES) {
      const c0 = cpu(pid);
      const r = await round(client, mode, ws);
      cpu_ms[mode] += (cpu(pid) - c0) * 1000;
      qps[mode].push(QUERIES / r.s);
      rows[mode] = r.rows;
    }
  }
  for (const mode of MODES) {
    const all = qps[mode].slice().sort((a, b) => a - b);
    out[name][mode] = {qps: Math.round(all[Math.floor(ROUNDS / 2)]), all: qps[mode].map(Math.round), rows: rows[mode]};
    if (pid) out[name][mode].server_cpu_ms_per_query = +(cpu_ms[mode] / (ROUNDS * QUERIES)).toFixed(3);
  }
  await client.end();
}
for (const mode of MODES) {
  out[`ratio_${mode}_strata_over_postgres`] = +(out.strata[mode].qps / out.postgres[mode].qps).toFixed(2);
}
out.strata_prepared_over_text = +(out.strata.prepared.qps / out.strata.text.qps).toFixed(2);
console.log(JSON.stringify(out, null, 1));
