#!/usr/bin/env bash
# Fleet benchmark: `vmrotate run` of J jobs (one VM each) on a simulator holding V VMs, at
# --parallel P, for every J, V and P given. Prints one Markdown table row per run: SOAP requests
# and bytes (requests and responses, from the simulator's trace) per job, wall time, peak memory
# (maximum resident set size of the vmrotate process).
#
# Usage: scripts/bench-fleet.sh [-j "10 50 200"] [-v "200 10000"] [-p "2 4 8"]
# Needs a release build (cargo build --release --bin vmrotate) and the simulator
# (scripts/build-vcsim.sh); results go in docs/benchmarks.md ("Fleet runs").
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
jobs_list="10 50 200"
vms_list="200 10000"
parallel_list="2 4 8"
while getopts "j:v:p:" flag; do
  case "$flag" in
    j) jobs_list="$OPTARG" ;;
    v) vms_list="$OPTARG" ;;
    p) parallel_list="$OPTARG" ;;
    *) echo "usage: $0 [-j JOBS] [-v VMS] [-p PARALLEL]" >&2; exit 2 ;;
  esac
done

target="${CARGO_TARGET_DIR:-$root/target}"
vmrotate="$target/release/vmrotate"
[ -x "$vmrotate" ] || { echo "error: build it first: cargo build --release --bin vmrotate" >&2; exit 1; }
vcsim="$(bash "$root/scripts/build-vcsim.sh")"
work="$(mktemp -d)"
sim_pid=""
cleanup() {
  [ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
echo "vmrotate-secret" >"$work/password"

# Starts a simulator of $1 VMs tracing to $2; sets sim_pid and url.
start_simulator() {
  rm -f "$work/url"
  "$vcsim" -hosts 2 -vms "$1" -nfs NFS_durian,NFS_mango -trace-file "$2" -url-file "$work/url" \
    >/dev/null 2>"$work/vcsim.log" &
  sim_pid=$!
  for _ in $(seq 3000); do
    [ -s "$work/url" ] && break
    sleep 0.1
  done
  [ -s "$work/url" ] || { cat "$work/vcsim.log" >&2; echo "error: the simulator did not start" >&2; exit 1; }
  url="$(cat "$work/url")"
}

# Writes a jobs file of $1 jobs, the VMs DC0_C0_RP0_VM0 onwards, onto both NFS datastores.
write_jobs() {
  {
    printf '[connection]\nurl = "%s"\nusername = "vmrotate"\npassword_file = "password"\n\n' "$url"
    for i in $(seq 0 $(($1 - 1))); do
      printf '[[job]]\nvm = "DC0_C0_RP0_VM%d"\ndatastores = ["NFS_durian", "NFS_mango"]\nslots = 3\n\n' "$i"
    done
  } >"$work/jobs.toml"
}

echo "| VMs | jobs | parallel | SOAP requests per job | SOAP bytes per job | total SOAP | wall time | peak memory |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for vms in $vms_list; do
  for jobs in $jobs_list; do
    for parallel in $parallel_list; do
      trace="$work/trace.xml"
      start_simulator "$vms" "$trace"
      write_jobs "$jobs"
      start=$(date +%s.%N)
      /usr/bin/time -f "%M" -o "$work/rss" "$vmrotate" run --config "$work/jobs.toml" \
        --parallel "$parallel" --json --at 2019-09-01T02:41:00Z >"$work/report.json" \
        || { echo "error: the run failed:" >&2; head -c 2000 "$work/report.json" >&2; exit 1; }
      end=$(date +%s.%N)
      kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; sim_pid=""
      python3 - "$trace" "$work/rss" "$work/report.json" "$vms" "$jobs" "$parallel" "$start" "$end" <<'EOF'
import json, sys
trace_path, rss_path, report_path, vms, jobs, parallel, start, end = sys.argv[1:]
report = json.load(open(report_path))
assert report["ok"], "a job failed"
assert len(report["reports"]) == int(jobs)
trace = open(trace_path, "rb").read()
requests = trace.count(b"Request: ")
per_job = requests / int(jobs)
kib = len(trace) / 1024
rss_mib = int(open(rss_path).read().split()[-1]) / 1024
print(f"| {int(vms):,} | {jobs} | {parallel} | {per_job:.1f} | {kib / int(jobs):,.1f} KiB "
      f"| {kib / 1024:,.2f} MiB | {float(end) - float(start):.1f} s | {rss_mib:.1f} MiB |")
EOF
    done
  done
done
