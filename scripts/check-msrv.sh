#!/usr/bin/env bash
# Checks the workspace's declared `rust-version` (its MSRV) without installing that toolchain:
# - clippy's `incompatible_msrv` lint, which reads `rust-version`, refuses standard library APIs
#   stabilized after it (an error here, with every other warning);
# - no dependency in Cargo.lock declares a newer `rust-version`;
# - language features: let-chains (stable in 1.88, edition 2024) are used, so the MSRV must be
#   at least 1.88.
# Where a toolchain of the declared version is installed (`rustup toolchain list`), it also runs
# `cargo check` under it.
set -euo pipefail
cd "$(dirname "$0")/.."

declared="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
[ -n "$declared" ] || { echo "check-msrv: no rust-version in Cargo.toml" >&2; exit 1; }

# The same flags as scripts/test.sh's clippy step, so one of the two runs is served from cache;
# `incompatible_msrv` warns by default, so `-D warnings` makes it an error.
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings

metadata="$(mktemp)"
trap 'rm -f "$metadata"' EXIT
cargo metadata --format-version 1 --locked >"$metadata"
python3 - "$declared" "$metadata" <<'PY'
import json, sys
def version(text):
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))
declared = version(sys.argv[1])
with open(sys.argv[2]) as handle:
    packages = json.load(handle)["packages"]
newer = [f"{p['name']} {p['version']} needs Rust {p['rust_version']}" for p in packages
         if p.get("rust_version") and version(p["rust_version"]) > declared]
if newer:
    sys.exit(f"check-msrv: dependencies need a newer Rust than rust-version {sys.argv[1]}:\n  "
             + "\n  ".join(newer))
PY

python3 - "$declared" src rotation-core vsphere-client bindings tests <<'PY'
import pathlib, re, sys
declared = tuple(int(p) for p in sys.argv[1].split("."))
let_chain = re.compile(r"\b(?:if|while)\s+let\b[^{;]*?&&", re.S)
users = [str(path) for root in sys.argv[2:] for path in pathlib.Path(root).rglob("*.rs")
         if "target" not in path.parts and let_chain.search(path.read_text())]
if users and declared < (1, 88):
    sys.exit(f"check-msrv: let-chains (in {users[0]} and {len(users) - 1} more files) need "
             f"Rust 1.88; rust-version is {sys.argv[1]}")
PY

if command -v rustup >/dev/null && rustup toolchain list | grep -q "^$declared"; then
    cargo "+$declared" check --workspace --all-targets --locked
fi
echo "check-msrv: rust-version $declared holds"
