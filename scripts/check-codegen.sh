#!/usr/bin/env bash
# Checks that vsphere-client/src/types/generated/ is what vsphere-client/codegen/generate.py
# makes from codegen/allowlist.toml: regenerates into a temporary directory and compares.
#
# Usage: scripts/check-codegen.sh [PYVMOMI_WHEEL_OR_DIR]
# Without an argument the generator downloads the pinned pyvmomi wheel with pip.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
committed="$root/vsphere-client/src/types/generated"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

args=(--out "$scratch")
if [[ $# -gt 0 ]]; then
    args+=(--pyvmomi "$1")
fi
python3 "$root/vsphere-client/codegen/generate.py" "${args[@]}"

if ! diff -ru "$committed" "$scratch" >"$scratch.diff" 2>&1; then
    head -n 40 "$scratch.diff" >&2
    rm -f "$scratch.diff"
    echo "check-codegen: vsphere-client/src/types/generated/ is stale;" \
        "run python3 vsphere-client/codegen/generate.py and commit the result" >&2
    exit 1
fi
rm -f "$scratch.diff"
echo "check-codegen: generated vim25 types are up to date"
