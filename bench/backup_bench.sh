#!/usr/bin/env bash
# Backup benchmarks of issue 15: a full backup against `cp -r` of the same files (the floor) and
# restic (the peer, Debian package), an incremental backup after one more day (bytes copied /
# new bytes), `backup verify` throughput, and a restore.
#
# Usage: bench/backup_bench.sh BUILD_DIR
# Environment: BB_DAYS [8] generated trading days, BB_TRADES_PER_DAY [2000000], BB_SYMBOLS [10],
#   BB_RUNS [3] (medians), BB_DIR [/tmp/strata-backup-bench]. Needs restic (apt-get install restic).
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/backup_bench.sh BUILD_DIR}" && pwd)
STRATA=$BUILD/strata
DAYS=${BB_DAYS:-8}
TPD=${BB_TRADES_PER_DAY:-2000000}
NSYM=${BB_SYMBOLS:-10}
RUNS=${BB_RUNS:-3}
DIR=${BB_DIR:-/tmp/strata-backup-bench}
command -v restic >/dev/null || { echo "backup_bench: restic is not installed (apt-get install restic)" >&2; exit 2; }

rm -rf "$DIR" && mkdir -p "$DIR"
DB=$DIR/db
S() { "$STRATA" --root "$DB" "$@"; }
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timeit() {  # timeit CMD...: seconds, page cache dropped is not possible here, so every run is warm
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>&1
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}

S init --fsync none >/dev/null
S table create trades --template trades >/dev/null
day0=$(date -u -d 2026-03-02 +%s)
for ((d = 0; d < DAYS; d++)); do
  date=$(date -u -d "@$((day0 + d * 86400))" +%F)
  S gen trades --symbols "$NSYM" --rows "$TPD" --date "$date" --seed 7 --out "$DIR/day.csv" >/dev/null
  S ingest trades "$DIR/day.csv" >/dev/null
  S flush >/dev/null
done
rm -f "$DIR/day.csv"
lake_bytes=$(du -sb "$DB" | cut -f1)
echo "lake: $DAYS days x $TPD trades, $(du -sh "$DB" | cut -f1) ($lake_bytes bytes) in $DB"

full_strata=() full_cp=() full_restic=()
for ((r = 0; r < RUNS; r++)); do
  rm -rf "$DIR/dest" "$DIR/cp" "$DIR/restic"
  full_cp+=("$(timeit cp -r "$DB" "$DIR/cp")")
  full_strata+=("$(timeit "$STRATA" --root "$DB" backup create "$DIR/dest")")
  RESTIC_PASSWORD=bench restic init --repo "$DIR/restic" >/dev/null 2>&1
  full_restic+=("$(RESTIC_PASSWORD=bench timeit restic --repo "$DIR/restic" backup "$DB")")
done
m_cp=$(printf '%s\n' "${full_cp[@]}" | median)
m_st=$(printf '%s\n' "${full_strata[@]}" | median)
m_re=$(printf '%s\n' "${full_restic[@]}" | median)
printf 'full backup (median of %d): strata %.2f s, cp -r %.2f s (%.2fx), restic %.2f s (%.2fx strata/restic)\n' \
  "$RUNS" "$m_st" "$m_cp" "$(echo "$m_st / $m_cp" | bc -l)" "$m_re" "$(echo "$m_st / $m_re" | bc -l)"
printf 'stored: strata %s, restic %s, source %s\n' "$(du -sh "$DIR/dest" | cut -f1)" \
  "$(du -sh "$DIR/restic" | cut -f1)" "$(du -sh "$DB" | cut -f1)"

# One more day, then incremental backups.
date=$(date -u -d "@$((day0 + DAYS * 86400))" +%F)
S gen trades --symbols "$NSYM" --rows "$TPD" --date "$date" --seed 7 --out "$DIR/day.csv" >/dev/null
S ingest trades "$DIR/day.csv" >/dev/null
S flush >/dev/null
rm -f "$DIR/day.csv"
new_bytes=$(($(du -sb "$DB" | cut -f1) - lake_bytes))
out=$("$STRATA" --root "$DB" backup create "$DIR/dest" 2>/dev/null | head -1)
echo "incremental after one day: $out"
echo "  source grew by $new_bytes bytes (du, includes the catalog growth)"
t_inc_re=$(RESTIC_PASSWORD=bench timeit restic --repo "$DIR/restic" backup "$DB")
printf '  restic incremental: %.2f s\n' "$t_inc_re"

ver=()
for ((r = 0; r < RUNS; r++)); do ver+=("$(timeit "$STRATA" backup verify "$DIR/dest")"); done
vbytes=$(du -sb "$DIR/dest/blobs" | cut -f1)
m_ver=$(printf '%s\n' "${ver[@]}" | median)
printf 'verify: %.2f s for %s bytes = %.0f MB/s (one core)\n' "$m_ver" "$vbytes" "$(echo "$vbytes / $m_ver / 1000000" | bc -l)"
rm -rf "$DIR/restored"
t_res=$(timeit "$STRATA" restore "$DIR/dest" --target "$DIR/restored")
rm -rf "$DIR/restic-restore"
t_res_re=$(RESTIC_PASSWORD=bench timeit restic --repo "$DIR/restic" restore latest --target "$DIR/restic-restore")
printf 'restore: strata %.2f s, restic %.2f s (%.2fx)\n' "$t_res" "$t_res_re" "$(echo "$t_res / $t_res_re" | bc -l)"
