#!/usr/bin/env bash
# A local S3-compatible server (s3rver, from npm) for strata's object-store tests and benchmarks.
#
#   tools/s3/server.sh start DIR [PORT]   start on 127.0.0.1:PORT (a free port when PORT is 0 or
#                                         absent), objects in DIR/data, PID in DIR/s3rver.pid, log
#                                         in DIR/s3rver.log; waits until it answers and prints its
#                                         endpoint URL (http://127.0.0.1:PORT). Restarting on the
#                                         same DIR keeps the objects.
#   tools/s3/server.sh stop DIR           stop the server started on DIR (by its PID, nothing else)
#   tools/s3/server.sh kill DIR           SIGKILL it (a crash, for the tests of interrupted uploads),
#                                         then drop the objects it had not finished writing (below)
#
# s3rver is installed by tools/interop/setup.sh into ${STRATA_CACHE:-$HOME/.cache/strata}/npm.
# Its credentials are S3RVER / S3RVER (it does not check signatures). Exit 3: s3rver is missing.
set -euo pipefail

cache="${STRATA_CACHE:-$HOME/.cache/strata}/npm"
s3rver="$cache/node_modules/.bin/s3rver"

usage() {
  echo "usage: $0 start DIR [PORT] | stop DIR" >&2
  exit 2
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

answers() {  # port
  curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" 2>/dev/null
}

start() {
  local dir=$1 port=${2:-0}
  if [[ ! -x "$s3rver" ]]; then
    echo "server.sh: s3rver is not installed in $cache: run tools/interop/setup.sh" >&2
    exit 3
  fi
  mkdir -p "$dir/data"
  if [[ -f "$dir/s3rver.pid" ]] && kill -0 "$(cat "$dir/s3rver.pid")" 2>/dev/null; then
    echo "server.sh: a server is already running for $dir (PID $(cat "$dir/s3rver.pid"))" >&2
    exit 1
  fi
  if [[ "$port" == 0 ]]; then port=$(free_port); fi
  # setsid: its own process group, so the test's terminal signals don't reach it and stop
  # can take down node and anything it spawned by that group alone.
  # Node 20's OpenSSL 3 keeps DES in the legacy provider; s3rver encrypts ListObjectsV2
  # continuation tokens with DES, so without it every truncated listing is an InternalError.
  NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--openssl-legacy-provider" \
    setsid "$s3rver" -d "$dir/data" -a 127.0.0.1 -p "$port" --silent >>"$dir/s3rver.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$dir/s3rver.pid"
  echo "$port" >"$dir/s3rver.port"
  for _ in $(seq 1 300); do  # up to 30 s
    if answers "$port"; then
      echo "http://127.0.0.1:$port"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "server.sh: s3rver exited during startup; its log ($dir/s3rver.log):" >&2
      tail -20 "$dir/s3rver.log" >&2
      rm -f "$dir/s3rver.pid"
      exit 1
    fi
    sleep 0.1
  done
  echo "server.sh: s3rver did not answer on 127.0.0.1:$port within 30 s" >&2
  kill "$pid" 2>/dev/null || true
  rm -f "$dir/s3rver.pid"
  exit 1
}

stop() {  # dir, signal
  local dir=$1 sig=$2
  [[ -f "$dir/s3rver.pid" ]] || return 0
  local pid
  pid=$(cat "$dir/s3rver.pid")
  # The PID we wrote leads its own process group (setsid): signal that group, nothing else.
  kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do  # up to 5 s, then force
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$dir/s3rver.pid"
}

# S3 makes an object visible whole or not at all. s3rver writes an object's bytes, then its
# metadata file, non-atomically: killed in between, it keeps a half-written object whose metadata
# is missing or cut, and answers every later listing of that prefix with 500 InternalError (a
# flaky TierS3Test when the kill landed on an Iceberg metadata upload). After a kill, remove such
# objects, as S3 would never have shown them.
drop_unfinished() {  # dir
  node -e '
const fs = require("fs"), path = require("path");
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) { walk(p); continue; }
    if (!p.endsWith("._S3rver_object")) continue;
    const meta = p.slice(0, -"object".length) + "metadata.json";
    try { JSON.parse(fs.readFileSync(meta, "utf8")); } catch (err) {
      for (const f of [p, p + ".md5", meta]) fs.rmSync(f, { force: true });
    }
  }
};
walk(process.argv[1]);' "$1/data"
}

case "${1:-}" in
  start) [[ $# -ge 2 ]] || usage; start "$2" "${3:-0}" ;;
  stop) [[ $# -eq 2 ]] || usage; stop "$2" TERM ;;
  kill)
    [[ $# -eq 2 ]] || usage
    stop "$2" KILL
    drop_unfinished "$2"
    ;;
  *) usage ;;
esac
