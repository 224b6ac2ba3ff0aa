#!/usr/bin/env bash
# End-to-end performance of layerscope's CI mode on synthetic images, with
# /usr/bin/time -v: wall time and peak memory. Not part of the tests (CI
# machines are noisy); run it by hand and compare with README's numbers.
#
#   bash .ci/perf.sh            # the 200,000-file images
#   BIG=1 bash .ci/perf.sh      # also a million files in 50 layers
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/layerscope" ./cmd/layerscope
go build -o "$work/synthimage" ./cmd/synthimage

measure() { # name, then the image
  local name=$1 image=$2
  # Warm the page cache so that the disk does not count.
  cat "$image" >/dev/null
  /usr/bin/time -v "$work/layerscope" --ci --quiet "$image" >/dev/null 2>"$work/time.txt" || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  printf '%-40s wall %-8s peak %6d MB\n' "$name" "$wall" $((rss / 1024))
}

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
  "$work/synthimage" -o "$work/m.tar" -layers 25 -files 20000 -size 10
  measure "25 layers x 20,000 files (500k)" "$work/m.tar"
  rm -f "$work/m.tar"
  "$work/synthimage" -o "$work/m.tar" -layers 50 -files 20000 -size 10
  measure "50 layers x 20,000 files (1M)" "$work/m.tar"
fi
