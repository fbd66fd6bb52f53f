#!/usr/bin/env bash
# Lists the names of N VMs from ONE vCenter simulator with vmrotate (vsphere-client's list_vm_names
# example) and with pyvmomi (benches/pyvmomi/list_vm_names.py), alternating runs, and prints the
# median times and the pyvmomi/vmrotate ratios, end to end and list only.
#
#   scripts/bench-vs-pyvmomi.sh [--vms 10000] [--runs 15] [--samples FILE]
#
# Each run is a whole program as a user runs it: process start, connect, login, list, logout. Runs
# alternate between the two programs (which one goes first flips every pair) so both see the same
# machine load; one unmeasured warm-up run of each comes first. Both programs must count the same
# number of VMs (at least --vms), or the script fails. --samples keeps the raw per-run times (TSV).
#
# Needs: python3 with venv, cargo, and the simulator's build deps (scripts/install-deps.sh). Creates
# .venv-bench/ at the repository root with benches/pyvmomi/requirements.txt (from PyPI) on first use.
# Honours CARGO_TARGET_DIR. The simulator is stopped when the script exits, however it exits.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
usage="usage: $0 [--vms N] [--runs N] [--samples FILE]"
vms=10000
runs=15
samples_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --vms) vms="${2:?$usage}"; shift 2 ;;
    --runs) runs="${2:?$usage}"; shift 2 ;;
    --samples) samples_out="${2:?$usage}"; shift 2 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; echo "$usage" >&2; exit 2 ;;
  esac
done
for count in "$vms" "$runs"; do
  [[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "error: --vms and --runs take a positive integer, not '$count'" >&2; exit 2; }
done

log() { echo "bench: $*" >&2; }

# --- the Python side: a venv with the pinned pyvmomi, rebuilt when the requirements change.
venv="$root/.venv-bench"
requirements="$root/benches/pyvmomi/requirements.txt"
if ! cmp -s "$requirements" "$venv/requirements.installed"; then
  log "installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv"
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.installed"
fi
python_bin="$venv/bin/python"
python_lister="$root/benches/pyvmomi/list_vm_names.py"

# --- the Rust side: the release example, run directly (cargo run would add its own start-up).
log "building vsphere-client's list_vm_names example (release)"
(cd "$root" && cargo build --quiet --release -p vsphere-client --example list_vm_names)
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps |
  "$python_bin" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
rust_lister="$target_dir/release/examples/list_vm_names"

# --- one simulator for every run. It also stops when the fifo's writer (this script) goes away,
# so a killed script does not leave it running.
vcsim="$("$root/scripts/build-vcsim.sh")"
work="$(mktemp -d)"
vcsim_pid=""
cleanup() {
  if [ -n "$vcsim_pid" ]; then
    kill -TERM "$vcsim_pid" 2>/dev/null || true
    wait "$vcsim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export VMROTATE_USERNAME=bench VMROTATE_PASSWORD=bench-secret
mkfifo "$work/alive"
log "starting the simulator with $vms VMs (takes a while: ~20 s for 10,000)"
"$vcsim" -vms "$vms" -username "$VMROTATE_USERNAME" -password "$VMROTATE_PASSWORD" \
  -url-file "$work/url" -watch-stdin <"$work/alive" >"$work/vcsim.log" 2>&1 &
vcsim_pid=$!
exec 9>"$work/alive"
until [ -s "$work/url" ]; do
  kill -0 "$vcsim_pid" 2>/dev/null || { cat "$work/vcsim.log" >&2; echo "error: the simulator exited before serving" >&2; exit 1; }
  sleep 0.2
done
VMROTATE_URL="$(cat "$work/url")"
export VMROTATE_URL
log "simulator serving at $VMROTATE_URL"

samples="$work/samples.tsv"
printf 'side\trun\tend_to_end\tlogin\tlist\tvms\n' >"$samples"

# run_side SIDE RUN: runs one program once; appends its times to the samples unless RUN is "warmup".
run_side() {
  local side="$1" run="$2" started finished output
  local -a command
  case "$side" in
    vmrotate) command=("$rust_lister") ;;
    pyvmomi) command=("$python_bin" "$python_lister") ;;
  esac
  started=$EPOCHREALTIME
  output="$("${command[@]}")" || { echo "error: the $side run failed (its error is above)" >&2; exit 1; }
  finished=$EPOCHREALTIME
  local counted login list
  counted="$(sed -n 's/^vms: //p' <<<"$output")"
  login="$(sed -n 's/^login_seconds: //p' <<<"$output")"
  list="$(sed -n 's/^list_seconds: //p' <<<"$output")"
  if [ -z "$counted" ] || [ -z "$login" ] || [ -z "$list" ]; then
    echo "error: unexpected output from $side:" >&2; echo "$output" >&2; exit 1
  fi
  if [ "$counted" -lt "$vms" ]; then
    echo "error: $side counted $counted VMs, the simulator has at least $vms" >&2; exit 1
  fi
  echo "$counted" >"$work/$side.count"
  [ "$run" = warmup ] && return
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$side" "$run" \
    "$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.6f", b - a }')" \
    "$login" "$list" "$counted" >>"$samples"
}

same_count() {
  local rust python
  rust="$(cat "$work/vmrotate.count")" python="$(cat "$work/pyvmomi.count")"
  [ "$rust" = "$python" ] || { echo "error: vmrotate counted $rust VMs, pyvmomi $python" >&2; exit 1; }
}

log "warm-up run of each"
run_side vmrotate warmup
run_side pyvmomi warmup
same_count
for ((run = 1; run <= runs; run++)); do
  log "run $run/$runs"
  if ((run % 2)); then order=(vmrotate pyvmomi); else order=(pyvmomi vmrotate); fi
  run_side "${order[0]}" "$run"
  run_side "${order[1]}" "$run"
  same_count
done

[ -z "$samples_out" ] || cp "$samples" "$samples_out"
"$python_bin" "$root/benches/pyvmomi/summarize.py" "$samples" 3
