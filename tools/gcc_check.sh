#!/usr/bin/env bash
# GCC's front end over every source of the product (the libraries, the strata binary, the Python
# extension), with the release tree's flags and warnings as errors, without generating code:
# tools/gcc_check.sh [DIR]  (DIR: a scratch tree, default build-gcc-check).
#
# Why: users build strata with GCC (./strata.sh demo, build, python), the test command builds and
# runs everything with clang (the sanitizer trees). A full GCC -O3 build only to learn that GCC
# accepts the code cost the 2-core CI machine 5 of its 20 minutes (582 s of CPU); the front end,
# which reports the errors and nearly all the warnings, is 29% of that (one server batch: 11.9 s of
# CPU with -fsyntax-only, 41.3 s at -O3 -g1), and the whole product checks in 103 s against 299 s
# (BENCHMARKS.md, "CI time"). What it cannot see are the warnings GCC only gives while optimising
# (-Wmaybe-uninitialized, -Warray-bounds, ...): the release build (./strata.sh build) still has
# them, with -Werror.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-gcc-check}
jobs=${STRATA_JOBS:-$(nproc)}
cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_UNITY_BUILD=ON \
  -DSTRATA_BENCH=OFF -DSTRATA_PYTHON=ON -DPython_EXECUTABLE=/usr/bin/python3 -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
# Each compile command of the product (not the tests: clang compiles those, and the release tree
# with ./strata.sh build), its output replaced by -fsyntax-only, run $jobs at a time. A failure
# prints GCC's message and the script exits 1.
python3 - "$dir/compile_commands.json" "$jobs" <<'PY'
import concurrent.futures, json, shlex, subprocess, sys
commands = []
for e in json.load(open(sys.argv[1])):
    # CMake 3.25 names no "output": a unity batch's file is under its target's CMakeFiles dir.
    f = e["file"]
    if "_test.dir/" in f or "testutil" in f or "_soak.dir/" in f or "/tests/" in f:
        continue
    args = shlex.split(e["command"])
    i = args.index("-o")
    del args[i:i + 2]
    args.insert(1, "-fsyntax-only")
    commands.append((e["directory"], args, e["file"]))
print(f"gcc_check.sh: {len(commands)} translation units (unity batches), GCC -fsyntax-only, {sys.argv[2]} at a time",
      flush=True)
def check(c):
    return c, subprocess.run(c[1], cwd=c[0], capture_output=True, text=True)
failed = 0
with concurrent.futures.ThreadPoolExecutor(int(sys.argv[2])) as pool:
    for (d, args, f), r in pool.map(check, commands):
        if r.returncode != 0:
            failed += 1
            sys.stderr.write(f"gcc_check.sh: GCC refuses {f}:\n{r.stdout}{r.stderr}\n")
if failed:
    sys.exit(f"gcc_check.sh: {failed} of {len(commands)} translation units failed (above)")
print("gcc_check.sh: GCC accepts every source of the product, warnings as errors")
PY
