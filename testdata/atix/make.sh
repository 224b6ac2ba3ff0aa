#!/usr/bin/env bash
# Builds the hand-made image of the article "Das Mysterium Container-Image demystified",
# section "3. Proof it" (shared/seeds/000_2d7e8348d619e13f.txt), the way the article builds it:
#
#   tiny-atix/
#   ├── base/layer/hello-atix.txt   "hello atix" (10 bytes, no newline: the article's
#   │                               `docker images` shows SIZE 10B)
#   ├── base/layer.tar              tar -C tiny-atix/base/layer -czvf tiny-atix/base/layer.tar .
#   ├── config.json                 as printed in the article
#   └── manifest.json               as printed in the article
#   atix.tar                        tar -C tiny-atix -czf atix.tar .
#
# The web page lost the JSON indentation. config.json is written with 4-space indentation and a
# final newline: exactly those bytes have sha256 a308f37e9ac7..., the IMAGE ID the article's
# `docker images` prints, so they are the author's bytes. manifest.json gets the same style.
#
# Outputs (next to this script):
#   atix.tar           verbatim article: config diff_id sha256:5962285e... (the author's layer,
#                      which cannot be rebuilt: it depends on their mtimes/owners). It does NOT
#                      match this layer, so `docker load` (20.10) refuses it:
#                      invalid diffID for layer 0: expected "sha256:5962285e...", got "sha256:<real>"
#   atix-loadable.tar  the same build with only the diff_id replaced by the real sha256 of the
#                      uncompressed layer tar; `docker load -i atix-loadable.tar` loads atix:tiny.
#
# Quirks kept on purpose (they are what the fixture is for):
#   * both the layer and the outer archive are gzip-compressed although named .tar;
#   * the outer archive also holds base/layer/ (the unpacked layer folder), every name has "./";
#   * no "repositories" file although the article's text mentions one; no history, no created.
# Reproducible: fixed mtime, sorted names, owner/group 0 numeric, GNU format, gzip -n (no name,
# no timestamp). Requires GNU tar and gzip.
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C TZ=UTC
MTIME='2023-01-01 00:00:00'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 022

# tar -z runs "gzip" from PATH: put a wrapper first that adds -n, so that the tar commands
# stay the article's.
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec %s -n "$@"\n' "$(command -v gzip)" >"$work/bin/gzip"
chmod +x "$work/bin/gzip"
export PATH="$work/bin:$PATH"
TAROPTS=(--sort=name --mtime="$MTIME" --owner=0 --group=0 --numeric-owner --format=gnu)

build() { # $1 = diff_id to write into config.json, $2 = output file
  local diffid=$1 out=$2 dir="$work/build"
  rm -rf "$dir"; mkdir -p "$dir/tiny-atix/base/layer"
  printf 'hello atix' >"$dir/tiny-atix/base/layer/hello-atix.txt"
  cat >"$dir/tiny-atix/manifest.json" <<'JSON'
[{
    "Config": "config.json",
    "RepoTags": ["atix:tiny"],
    "Layers": ["base/layer.tar"]
}]
JSON
  cat >"$dir/tiny-atix/config.json" <<JSON
{
    "architecture": "amd64",
    "os": "linux",
    "rootfs": {
        "type": "layers",
        "diff_ids": ["$diffid"]
    }
}
JSON
  find "$dir/tiny-atix" -type d -exec chmod 0755 {} +
  find "$dir/tiny-atix" -type f -exec chmod 0644 {} +
  ( cd "$dir"
    find tiny-atix -exec touch -h -d "$MTIME" {} +
    # layer packen
    tar "${TAROPTS[@]}" -C tiny-atix/base/layer -czvf tiny-atix/base/layer.tar . >/dev/null
    touch -d "$MTIME" tiny-atix/base tiny-atix/base/layer.tar
    # image packen
    tar "${TAROPTS[@]}" -C tiny-atix -czf atix.tar .
  )
  mv "$dir/atix.tar" "$out"
  REAL_DIFFID="sha256:$(gzip -dc "$dir/tiny-atix/base/layer.tar" | sha256sum | cut -d' ' -f1)"
}

build "sha256:5962285ecca4a05d873887b24651922e65d9d32f4902ed0c54ada32c26559e72" atix.tar
build "$REAL_DIFFID" atix-loadable.tar
echo "real diff_id of the layer: $REAL_DIFFID"
sha256sum atix.tar atix-loadable.tar
