#!/usr/bin/env bash
# The project's test command (README "Tests"). On a fresh Debian machine, as
# root, it installs and starts what the tests need (Docker Engine, skopeo,
# umoci, goreleaser), runs every test, and stops what it started. Elsewhere
# it just runs the tests; those that need a missing tool skip unless CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '== %s\n' "$*" >&2; }
packages=(docker.io containerd iptables skopeo umoci busybox-static debootstrap podman docker-registry apache2-utils time tmux)
goreleaser_version=v2.15.0 # the newest that builds with Go 1.26 from the module proxy
staticcheck_version=v0.8.2  # honnef.co/go/tools, pinned: a new release must not turn CI red
goimports_version=v0.52.0   # golang.org/x/tools
started=()

cleanup() {
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
}
trap cleanup EXIT

gobin=$(go env GOPATH)/bin
export PATH="$gobin:$PATH"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # The longest step, in the background while the rest is set up and
  # checked; the tests wait for it.
  if ! command -v goreleaser >/dev/null; then
    log "building goreleaser $goreleaser_version (a few minutes, in the background)"
    (go install "github.com/goreleaser/goreleaser/v2@$goreleaser_version" >/tmp/goreleaser-install.log 2>&1 || cat /tmp/goreleaser-install.log >&2) &
    goreleaser_pid=$!
  fi
  missing=()
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ! docker version >/dev/null 2>&1; then
    log "starting dockerd"
    rm -f /var/run/docker.sock
    nohup /usr/sbin/dockerd >/tmp/layerscope-dockerd.log 2>&1 &
    started+=($!)
    for _ in $(seq 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
    docker version >/dev/null 2>&1 || { cat /tmp/layerscope-dockerd.log >&2; exit 1; }
  fi
fi

for tool in "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version" "golang.org/x/tools/cmd/goimports@$goimports_version"; do
  bin=$(basename "${tool%@*}")
  if [ "$(go version -m "$gobin/$bin" 2>/dev/null | awk '$1 == "mod" {print $3}')" != "${tool#*@}" ]; then
    log "installing $tool"
    go install "$tool"
  fi
done

log "go vet, the release platforms build, goimports, go mod tidy, staticcheck"
go vet ./...
for os in darwin windows; do GOOS=$os go build ./...; done
unformatted=$("$gobin/goimports" -l .)
if [ -n "$unformatted" ]; then
  printf 'not goimports-formatted:\n%s\n' "$unformatted" >&2
  exit 1
fi
go mod tidy -diff
"$gobin/staticcheck" ./...
if [ -n "${goreleaser_pid:-}" ]; then
  log "waiting for goreleaser"
  wait "$goreleaser_pid"
fi
log "go test -race"
go test -race -count=1 ./...
# A count, not a duration: a run whose time ends while a worker is busy
# fails with "context deadline exceeded"; and minimizing each new
# interesting input would otherwise take most of the run.
log "fuzz targets (briefly; longer runs by hand)"
for file in $(grep -rl --include='*_test.go' '^func Fuzz' .); do
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-3000x}" -fuzzminimizetime 10x "./$(dirname "$file")" >/tmp/layerscope-fuzz.log 2>&1; then
      cat /tmp/layerscope-fuzz.log >&2
      exit 1
    fi
  done
done
log "benchmarks (once, to keep them working)"
go test -count=1 -run '^$' -bench . -benchtime 1x ./... >/dev/null
