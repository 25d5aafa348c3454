#!/usr/bin/env python3
"""ILP ingest of `strata serve` next to its peers on the same rows and machine (issue 19):

  strata  ILP over TCP, C connections (2 and 4), fsync=interval=10: each connection sends its
          share of the lines and half-closes; done when the server has committed and closed them.
  strata  ILP over HTTP (POST /write), C connections, IPB_HTTP_BATCH rows per request: rows/s and
          the ack latency (request sent -> 204, i.e. durable by the fsync policy) p50/p99.
  PG 15   COPY trades FROM STDIN (psql's \\copy) over loopback TCP, C sessions at once, default
          durability (fsync on, synchronous_commit on: one commit per COPY).
  Redis 7 pipelined XADD (redis-cli --pipe), C connections, appendonly yes, appendfsync everysec.

Rows: trades (ts ns, symbol S0..S99, exchange X0..X2, price, size, side); PostgreSQL's ts is a
bigint (its cheapest column). Reported: rows/s (wall), the server's CPU seconds (user+sys from
/proc, children included: the machine is shared, so CPU time is the fairer figure) and rows per
server CPU second. The senders are this script (Python writing prepared buffers) and psql/
redis-cli; they share the machine's cores with the servers.

Usage: bench/ilp_peers_bench.sh BUILD_DIR   (environment: IPB_ROWS [1000000], IPB_CONNS ["2 4"],
IPB_HTTP_BATCH [5000], IPB_DIR [/tmp/strata-ilp-peers], IPB_E2E [0]: 1 also runs the 1 M-row
end-to-end check with QuestDB's Node client over TCP and HTTP, tests/server_ilp_test with
STRATA_ILP_E2E_ROWS=IPB_ROWS)
"""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

BUILD = os.path.abspath(sys.argv[1])
STRATA = os.path.join(BUILD, "strata")
ROWS = int(os.environ.get("IPB_ROWS", "1000000"))
CONNS = [int(c) for c in os.environ.get("IPB_CONNS", "2 4").split()]
HTTP_BATCH = int(os.environ.get("IPB_HTTP_BATCH", "5000"))
DIR = os.environ.get("IPB_DIR", "/tmp/strata-ilp-peers")
TICK = os.sysconf("SC_CLK_TCK")
BASE_TS = 1772461800000000000


def cpu_of(pids):
    """user+sys seconds of `pids`, with their reaped children."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except FileNotFoundError:
            pass
    return total / TICK


def tree(pid):
    out = [pid]
    for line in subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout.splitlines():
        p, pp = line.split()
        if int(pp) == pid:
            out.append(int(p))
    return out


def row(i):
    return (BASE_TS + i * 1000, f"S{i % 100}", f"X{i % 3}", 100 + (i % 1000) / 4, i, i % 2 == 0)


def ilp_lines(lo, hi):
    return "".join(
        f"trades,symbol={s},exchange={x} price={p},size={n}i,side={'t' if b else 'f'} {ts}\n"
        for ts, s, x, p, n, b in map(row, range(lo, hi))).encode()


def shares(c):
    return [(ROWS * k // c, ROWS * (k + 1) // c) for k in range(c)]


def report(name, rows, wall, cpu, extra=""):
    print(f"{name:34s} {rows / wall / 1e6:6.3f} M rows/s  wall {wall:6.2f} s  server cpu {cpu:6.2f} s"
          f"  {rows / max(cpu, 1e-9) / 1e6:6.3f} M rows/cpu-s{extra}", flush=True)
    return rows / wall, rows / max(cpu, 1e-9)


def start_strata(tag):
    root = os.path.join(DIR, f"strata-{tag}")
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run([STRATA, "--root", root, "init", "--fsync", "interval=10"], check=True, capture_output=True)
    out = open(os.path.join(DIR, f"serve-{tag}.out"), "w+")
    proc = subprocess.Popen([STRATA, "--root", root, "serve", "--http", "127.0.0.1:0", "--ilp", "127.0.0.1:0",
                             "--pg", "off", "--ready-min-free-mb", "0", "--maintain-every", "0"],
                            stdout=out, stderr=open(os.path.join(DIR, f"serve-{tag}.err"), "w"))
    ports = {}
    for _ in range(300):
        out.seek(0)
        text = out.read()
        for scheme, port in re.findall(r"listening on (\w+)://127.0.0.1:(\d+)", text):
            ports[scheme] = int(port)
        if "database " in text:
            break
        time.sleep(0.05)
    return proc, ports


def stop(proc):
    proc.terminate()
    proc.wait()


def count(http_port):
    c = http.client.HTTPConnection("127.0.0.1", http_port)
    c.request("GET", "/exec?query=" + urllib.parse.quote("SELECT count(*) FROM trades"))
    return json.loads(c.getresponse().read())["dataset"][0][0]


def strata_tcp(c):
    proc, ports = start_strata(f"tcp{c}")
    bufs = [ilp_lines(lo, hi) for lo, hi in shares(c)]

    def send(buf):
        s = socket.create_connection(("127.0.0.1", ports["ilp"]))
        s.sendall(buf)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass  # the server closes once it has committed every line
        s.close()

    cpu0 = cpu_of([proc.pid])
    t0 = time.perf_counter()
    threads = [threading.Thread(target=send, args=(b,)) for b in bufs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = cpu_of([proc.pid]) - cpu0
    n = count(ports["http"])
    stop(proc)
    assert n == ROWS, f"strata stored {n} rows of {ROWS}"
    return report(f"strata ILP/TCP  {c} conn", ROWS, wall, cpu)


def strata_http(c):
    proc, ports = start_strata(f"http{c}")
    batches = [[ilp_lines(b, min(b + HTTP_BATCH, hi)) for b in range(lo, hi, HTTP_BATCH)] for lo, hi in shares(c)]
    acks = []
    lock = threading.Lock()

    def send(mine):
        conn = http.client.HTTPConnection("127.0.0.1", ports["http"])
        lat = []
        for body in mine:
            t = time.perf_counter()
            conn.request("POST", "/write", body=body)
            r = conn.getresponse()
            r.read()
            assert r.status == 204, r.status
            lat.append(time.perf_counter() - t)
        with lock:
            acks.extend(lat)

    cpu0 = cpu_of([proc.pid])
    t0 = time.perf_counter()
    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = cpu_of([proc.pid]) - cpu0
    n = count(ports["http"])
    stop(proc)
    assert n == ROWS, f"strata stored {n} rows of {ROWS}"
    acks.sort()
    p = lambda q: acks[min(len(acks) - 1, int(len(acks) * q))] * 1000
    return report(f"strata ILP/HTTP {c} conn", ROWS, wall, cpu,
                  f"  ack p50 {p(0.50):.1f} ms p99 {p(0.99):.1f} ms ({len(acks)} requests of {HTTP_BATCH} rows)")


def postgres(c):
    pg = os.path.join(DIR, "pg")
    shutil.rmtree(pg, ignore_errors=True)
    os.makedirs(pg)
    shutil.chown(pg, "postgres")
    bindir = "/usr/lib/postgresql/15/bin"
    as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_pg + [f"{bindir}/initdb", "-D", f"{pg}/data", "-A", "trust", "-U", "postgres"], check=True,
                   capture_output=True)
    port = free_port()
    proc = subprocess.Popen(as_pg + [f"{bindir}/postgres", "-D", f"{pg}/data", "-p", str(port), "-k", pg, "-c",
                                     "listen_addresses=127.0.0.1", "-c", "shared_buffers=256MB", "-c",
                                     "max_wal_size=4GB"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    psql = ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-q", "-v",
            "ON_ERROR_STOP=1"]
    for _ in range(200):
        if subprocess.run(psql + ["-c", "SELECT 1"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run(psql + ["-c", "CREATE TABLE trades (ts bigint, symbol text, exchange text, price float8, "
                                 "size bigint, side boolean)"], check=True)
    files = []
    for k, (lo, hi) in enumerate(shares(c)):
        path = os.path.join(pg, f"part{k}.csv")
        with open(path, "w") as f:
            f.writelines(f"{ts},{s},{x},{p},{n},{'t' if b else 'f'}\n" for ts, s, x, p, n, b in map(row, range(lo, hi)))
        files.append(path)
    with open(f"{pg}/data/postmaster.pid") as f:
        pids = tree(int(f.readline()))  # the postmaster and its background processes
    cpu0 = cpu_of(pids)
    t0 = time.perf_counter()
    copies = [subprocess.Popen(psql + ["-c", f"\\copy trades FROM '{f}' WITH (FORMAT csv)"]) for f in files]
    for p in copies:
        assert p.wait() == 0
    wall = time.perf_counter() - t0
    # A backend's CPU time reaches the postmaster's cutime once it has exited and been reaped: wait
    # for the sessions' backends to go before reading it.
    for _ in range(500):
        if len(tree(pids[0])) <= len(pids):
            break
        time.sleep(0.01)
    cpu = cpu_of(pids) - cpu0
    n = int(subprocess.run(psql + ["-At", "-c", "SELECT count(*) FROM trades"], capture_output=True,
                           text=True).stdout)
    subprocess.run(as_pg + [f"{bindir}/pg_ctl", "-D", f"{pg}/data", "-m", "fast", "stop"], capture_output=True)
    proc.wait()
    assert n == ROWS, f"PostgreSQL stored {n} rows of {ROWS}"
    return report(f"PostgreSQL 15 COPY {c} sess", ROWS, wall, cpu)


def redis(c):
    rd = os.path.join(DIR, "redis")
    shutil.rmtree(rd, ignore_errors=True)
    os.makedirs(rd)
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", rd, "--save", "",
                             "--appendonly", "yes", "--appendfsync", "everysec"], stdout=subprocess.DEVNULL)
    cli = ["redis-cli", "-p", str(port)]
    for _ in range(200):
        if subprocess.run(cli + ["PING"], capture_output=True, text=True).stdout.strip() == "PONG":
            break
        time.sleep(0.05)

    def resp(args):
        out = f"*{len(args)}\r\n"
        for a in args:
            a = str(a)
            out += f"${len(a)}\r\n{a}\r\n"
        return out

    files = []
    for k, (lo, hi) in enumerate(shares(c)):
        path = os.path.join(rd, f"part{k}.resp")
        with open(path, "w") as f:
            for ts, s, x, p, n, b in map(row, range(lo, hi)):
                f.write(resp(["XADD", "trades", "*", "ts", ts, "symbol", s, "exchange", x, "price", p, "size", n,
                              "side", int(b)]))
        files.append(path)
    cpu0 = cpu_of([proc.pid])
    t0 = time.perf_counter()
    pipes = [subprocess.Popen(cli + ["--pipe"], stdin=open(f), stdout=subprocess.DEVNULL) for f in files]
    for p in pipes:
        assert p.wait() == 0
    wall = time.perf_counter() - t0
    cpu = cpu_of([proc.pid]) - cpu0
    n = int(subprocess.run(cli + ["XLEN", "trades"], capture_output=True, text=True).stdout)
    proc.terminate()
    proc.wait()
    assert n == ROWS, f"Redis stored {n} entries of {ROWS}"
    return report(f"Redis 7 XADD pipelined {c} conn", ROWS, wall, cpu)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    os.makedirs(DIR, exist_ok=True)
    os.chmod(DIR, 0o755)
    print(f"rows={ROWS} connections={CONNS} http_batch={HTTP_BATCH} nproc={os.cpu_count()} "
          f"load={os.getloadavg()[0]:.1f}", flush=True)
    results = {}
    for c in CONNS:
        results[("tcp", c)] = strata_tcp(c)
        results[("http", c)] = strata_http(c)
        results[("pg", c)] = postgres(c)
        results[("redis", c)] = redis(c)
    for c in CONNS:
        r = {k: results[(k, c)] for k in ("tcp", "http", "pg", "redis")}
        for i, what in ((0, "wall rows/s"), (1, "rows per server CPU second")):
            print(f"ratios at {c} connections, {what}: strata TCP / PostgreSQL COPY = {r['tcp'][i] / r['pg'][i]:.2f}, "
                  f"strata TCP / Redis XADD = {r['tcp'][i] / r['redis'][i]:.2f}, "
                  f"strata HTTP / PostgreSQL COPY = {r['http'][i] / r['pg'][i]:.2f}")
    if os.environ.get("IPB_E2E", "0") == "1":
        env = dict(os.environ, STRATA_ILP_E2E_ROWS=str(ROWS), STRATA_BIN=STRATA)
        subprocess.run([os.path.join(BUILD, "tests", "server_ilp_test"), "--gtest_filter=*RowsComeBack*"], env=env,
                       check=True)


main()
