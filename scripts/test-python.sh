#!/usr/bin/env bash
# Tests the Python bindings (bindings/python): builds the `vmrotate` wheel with maturin, installs
# it into a fresh virtualenv, runs the pytest suite against the vCenter simulator, checks the
# hand-kept type stubs against the built module (mypy.stubtest) and type-checks the example.
#
# Needs python3 (3.9 or newer, with venv), PyPI for the pinned tools
# (bindings/python/requirements-test.txt), and what scripts/test.sh needs (Rust, Go, openssl).
# The wheel is built in cargo's usual target directory, sharing compiled dependencies with
# `cargo test`. Set PYTHON to use another interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
venv="$root/target/python-venv"
wheels="$root/target/python-wheels"

echo "== python virtualenv ($venv)"
"${PYTHON:-python3}" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r bindings/python/requirements-test.txt

echo "== vmrotate wheel"
rm -rf "$wheels"
"$venv/bin/maturin" build --manifest-path bindings/python/Cargo.toml --locked \
  --interpreter "$venv/bin/python" --out "$wheels"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheels"/vmrotate-*.whl
# The tests must import the installed wheel, not the source tree.
"$venv/bin/python" -c 'import sys, vmrotate; sys.exit("site-packages" not in vmrotate.__file__)'

echo "== vcsim launcher"
VCSIM_BIN="$(bash scripts/build-vcsim.sh)"
export VCSIM_BIN

echo "== pytest"
(cd bindings/python && "$venv/bin/python" -m pytest -q -p no:cacheprovider)

echo "== stubtest and mypy"
export MYPY_CACHE_DIR="$root/target/mypy-cache"
"$venv/bin/python" -m mypy.stubtest vmrotate
"$venv/bin/python" -m mypy --strict examples/python/nightly_backup.py bindings/python/tests
