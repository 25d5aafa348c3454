"""1 M rows into pandas through psycopg2 from strata and PostgreSQL, alternating (so that a machine
whose load drifts weighs on both alike), with strata's server CPU per frame from /proc. For a
strata server and a PostgreSQL cluster already running with the rows of bench/pgwire_bench.sh
(`strata serve --pg 127.0.0.1:18852` on its database, PostgreSQL on 15452).

usage: pgwire_frame_alt.py STRATA_SERVER_PID RUNS [STRATA_PORT PG_PORT]
"""
import sys, time, psycopg2, warnings, statistics
warnings.simplefilter('ignore'); import pandas as pd
pid = int(sys.argv[1]); runs = int(sys.argv[2])
strata_port = int(sys.argv[3]) if len(sys.argv) > 3 else 18852
pg_port = int(sys.argv[4]) if len(sys.argv) > 4 else 15452
def cpu():
    f = open(f'/proc/{pid}/stat').read().split(') ')[1].split(' ')
    return (int(f[11]) + int(f[12])) / 100
conns = {'strata': psycopg2.connect(host='127.0.0.1', port=strata_port, user='bench', dbname='strata'),
         'postgres': psycopg2.connect(host='127.0.0.1', port=pg_port, user='postgres', dbname='postgres')}
walls = {k: [] for k in conns}; cpus = []
for c in conns.values():
    c.autocommit = True; pd.read_sql('SELECT * FROM trades', c)
for _ in range(runs):
    for name, c in conns.items():
        c0 = cpu(); t = time.perf_counter(); df = pd.read_sql('SELECT * FROM trades', c); walls[name].append(time.perf_counter() - t)
        if name == 'strata': cpus.append(cpu() - c0)
        assert len(df) == 1000000
for k, w in walls.items(): print(k, 'median', round(statistics.median(w), 2), [round(x, 2) for x in w])
print('strata server cpu s', [round(x, 2) for x in cpus])
print('ratio', round(statistics.median(walls['strata']) / statistics.median(walls['postgres']), 2),
      'per-pair', [round(a / b, 2) for a, b in zip(walls['strata'], walls['postgres'])])
