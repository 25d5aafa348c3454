#!/bin/bash
# fsyncs of a flush and of a migration, all and those on Iceberg metadata paths (strace -f -y).
# Usage: bench/iceberg_fsync_count.sh STRATA_BINARY WORK_DIR   (BENCHMARKS.md, "Iceberg metadata")
S=${1:?usage: bench/iceberg_fsync_count.sh STRATA_BINARY WORK_DIR}; D=${2:?work dir}
rm -rf $D && $S --root $D init >/dev/null && $S --root $D table create t --template trades >/dev/null
$S gen trades --rows 2000 --symbols 1 --out $D.csv >/dev/null
for i in 1 2 3; do
  $S --root $D ingest t $D.csv >/dev/null
  strace -f -y -e trace=fsync,fdatasync -o $D.trace $S --root $D flush >/dev/null 2>&1
  echo "flush $i: fsyncs $(grep -c 'sync(' $D.trace), on iceberg paths $(grep 'sync(' $D.trace | grep -c '/iceberg/')"
done
strace -f -y -e trace=fsync,fdatasync -o $D.trace $S --root $D migrate --all >/dev/null 2>&1
echo "migrate --all: fsyncs $(grep -c 'sync(' $D.trace), on iceberg paths $(grep 'sync(' $D.trace | grep -c '/iceberg/')"
