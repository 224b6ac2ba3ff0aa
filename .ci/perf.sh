#!/usr/bin/env bash
# End-to-end performance of layerscope's CI mode, side by side with dive:
# median wall time and median peak memory (/usr/bin/time -v) of RUNS runs
# each, page cache warm. Not part of the tests (CI machines are noisy); run
# it by hand and compare with README's table.
#
#   bash .ci/perf.sh                      # synthetic images, 200,000 files
#   BIG=1 bash .ci/perf.sh                # also a million files in 50 layers
#   DIVE=/path/to/dive bash .ci/perf.sh   # with dive beside (built from its source, outside this tree)
#   DEBIAN=debian.tar bash .ci/perf.sh    # also a docker save of a Debian image, and it as a gzip OCI layout (needs skopeo)
#   CPU=1 bash .ci/perf.sh                # cells also give the median CPU time (user + system), which
#                                         # neighbours on a shared machine disturb less than wall time
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
DIVE_TIMEOUT=${DIVE_TIMEOUT:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/layerscope" ./cmd/layerscope
go build -o "$work/synthimage" ./cmd/synthimage

# once CMD...: prints "wall_seconds peak_kb cpu_seconds" of one run.
once() {
  /usr/bin/time -f '%e %M %U %S' -o "$work/t" "$@" >/dev/null 2>&1 || true
  tail -1 "$work/t" | awk '{print $1, $2, $3 + $4}'
}

# median CMD...: the median wall time and peak memory of RUNS runs.
median() {
  for _ in $(seq "$RUNS"); do once "$@"; done >"$work/runs"
  local walls rsss cpus
  walls=$(col 1)
  rsss=$(col 2)
  printf '%6.2f s %5d MB' "$walls" $((rsss / 1024))
  if [ "${CPU:-}" = 1 ]; then
    cpus=$(col 3)
    printf ' (%.2f s CPU)' "$cpus"
  fi
}

# col N: the median of column N of the runs.
col() {
  awk -v c="$1" '{print $c}' "$work/runs" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# measure NAME IMAGE [SOURCE-FLAG]: one table row.
measure() {
  local name=$1 image=$2
  # The image was just written: its pages are flushed first, so that no
  # write-back runs beside the timed runs, then read into the page cache,
  # and one untimed run pages the binary in.
  sync
  cat "$image" >/dev/null 2>&1 || find "$image" -type f -exec cat {} + >/dev/null
  "$work/layerscope" --ci --quiet "$image" >/dev/null 2>&1 || true
  local ls fast dive="-"
  ls=$(median "$work/layerscope" --ci --quiet "$image")
  fast=$(median "$work/layerscope" --ci --quiet --no-verify "$image")
  if [ -n "${DIVE:-}" ]; then
    local src=docker-archive
    [ -d "$image" ] && src=oci-dir # dive cannot read OCI layouts: shown as "-"
    if [ "$src" = docker-archive ]; then
      if timeout "$DIVE_TIMEOUT" "$DIVE" --ci --source docker-archive "$image" >/dev/null 2>&1 || [ $? -ne 124 ]; then
        dive=$(CI=true median timeout "$DIVE_TIMEOUT" "$DIVE" --ci --source docker-archive "$image")
      else
        dive="> ${DIVE_TIMEOUT} s"
      fi
    fi
  fi
  printf '| %-44s | %s | %s | %s |\n' "$name" "$ls" "$fast" "$dive"
}

printf '| %-44s | %-16s | %-16s | %-16s |\n' image "layerscope --ci" "--no-verify" "dive --ci"
printf '| %-44s | %-16s | %-16s | %-16s |\n' --- --- --- ---
"$work/synthimage" -o "$work/base.tar" -layers 10 -files 20000
measure "10 layers x 20,000 files" "$work/base.tar"
"$work/synthimage" -o "$work/wh.tar" -layers 10 -files 20000 -whiteouts 2000
measure "  + 2,000 file whiteouts" "$work/wh.tar"
"$work/synthimage" -o "$work/dwh.tar" -layers 10 -files 20000 -dir-whiteouts 100
measure "  + 100 directory whiteouts" "$work/dwh.tar"
"$work/synthimage" -o "$work/opq.tar" -layers 10 -files 20000 -opaque 100
measure "  + 100 opaque directories" "$work/opq.tar"
"$work/synthimage" -o "$work/deep.tar" -layers 10 -files 20000 -depth 40
measure "  at depth 40" "$work/deep.tar"
rm -f "$work"/*.tar
if [ "${BIG:-}" = 1 ]; then
  "$work/synthimage" -o "$work/m.tar" -layers 50 -files 20000 -size 10
  measure "50 layers x 20,000 files (1M)" "$work/m.tar"
  rm -f "$work/m.tar"
fi
if [ -n "${DEBIAN:-}" ]; then
  measure "Debian image, docker save" "$DEBIAN"
  skopeo copy -q "docker-archive:$DEBIAN" "oci:$work/oci:latest" >/dev/null
  measure "the same as a gzip OCI layout" "$work/oci"
  cat "$work"/oci/blobs/sha256/* >/dev/null
  gz=$(median sh -c "for f in $work/oci/blobs/sha256/*; do gzip -dc \"\$f\" 2>/dev/null; done")
  gzwall=$(col 1)
  printf '| %-44s | %s | (gzip -dc of every blob, one after another) |\n' "  gzip -dc of its blobs" "$gz"
  lswall=$(median "$work/layerscope" --ci --quiet "$work/oci" >/dev/null; col 1)
  awk -v l="$lswall" -v g="$gzwall" 'BEGIN {printf "layerscope --ci on the layout takes %.2f of the time of gzip -dc of its blobs (target: at most 0.5)\n", l / g}' </dev/null
fi
