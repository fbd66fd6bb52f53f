#!/usr/bin/env bash
# Runs every test of the project. Installs what it needs first (see scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== vcsim launcher"
export VCSIM_BIN="$(bash scripts/build-vcsim.sh)"

echo "== cargo test (workspace)"
cargo test --workspace --all-targets --locked
