#!/usr/bin/env bash
# The main job, shown on a fresh machine: what vmrotate decides on each backup run.
# (Until the backup job lands this is the offline `vmrotate plan` demo.)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cargo build --quiet --release --bin vmrotate --example eight_runs
vmrotate=target/release/vmrotate

echo "== eight backup runs of avocado2 with 4 slots (the article's rotation)"
target/release/examples/eight_runs

echo
echo "== vmrotate plan: the next run over an inventory with a leftover duplicate"
printf '%s\n' avocado2 zz_avocado2-02-201909230241 zz_avocado2-03-201909240241 \
  zz_avocado2-04-201909250241 zz_avocado2-04-201909180241 |
  "$vmrotate" plan --prefix zz_ --key avocado2 --slots 4 --stamp 201909260241

echo
echo "== the same inventory as the original script would treat it (--mode compat), as JSON"
printf '%s\n' avocado2 zz_avocado2-02-201909230241 zz_avocado2-03-201909240241 \
  zz_avocado2-04-201909250241 zz_avocado2-04-201909180241 |
  "$vmrotate" plan --prefix zz_ --key avocado2 --slots 4 --stamp 201909260241 --mode compat --json
echo
