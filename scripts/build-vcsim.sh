#!/usr/bin/env bash
# Builds the vCenter simulator launcher (package tests/vcsim/launcher) and prints the binary's path.
#
# Output: $VCSIM_BIN if set, else target/vcsim/vcsim under the repository root. Builds only when the
# binary is missing or older than one of the launcher's .go files. Safe to run from parallel tests: one
# build at a time (flock), written to a temporary file and renamed, so nobody ever runs a half-written
# binary.
# Needs golang-go and golang-github-vmware-govmomi-dev (scripts/install-deps.sh installs them).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/tests/vcsim/launcher"
out="${VCSIM_BIN:-$root/target/vcsim/vcsim}"
[[ "$out" == /* ]] || out="$PWD/$out"

# Whether the binary is missing or older than a source file.
stale() {
  local file
  for file in "$src"/*.go; do
    [ "$out" -nt "$file" ] || return 0
  done
  return 1
}

if stale; then
  command -v go >/dev/null || { echo "error: go not found; run scripts/install-deps.sh" >&2; exit 1; }
  mkdir -p "$(dirname "$out")"
  exec 9>"$out.lock"
  flock 9
  if stale; then # another process may have built it while we waited
    tmp="$out.tmp.$$"
    trap 'rm -f "$tmp"' EXIT
    # Go needs a build cache directory; a bare environment (no HOME) gets one under target/.
    [ -n "${GOCACHE:-}${XDG_CACHE_HOME:-}${HOME:-}" ] || export GOCACHE="$root/target/vcsim/go-cache"
    (cd "$src" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$tmp" .) >&2
    mv -f "$tmp" "$out"
  fi
fi
echo "$out"
