#!/usr/bin/env bash
# Runs every test of the project. Installs what it needs first (see scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== formatting"
cargo fmt --all --check

echo "== generated vim25 types are current"
bash scripts/check-codegen.sh

echo "== declared rust-version (MSRV) holds"
bash scripts/check-msrv.sh

echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== rustdoc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked

echo "== fuzz target builds (run it with cargo fuzz: see vsphere-client/fuzz/README.md)"
cargo build --manifest-path vsphere-client/fuzz/Cargo.toml --locked

echo "== vcsim launcher"
VCSIM_BIN="$(bash scripts/build-vcsim.sh)"
export VCSIM_BIN

echo "== cargo test (workspace)"
# `test-hooks`: the crash hook the crash-safety suites use (never in release builds).
cargo test --workspace --all-targets --locked --features vmrotate/test-hooks
cargo test --workspace --doc --locked

echo "== native library and PowerShell module"
bash scripts/test-native.sh

echo "== Python package"
bash scripts/test-python.sh
