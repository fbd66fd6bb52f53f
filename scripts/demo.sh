#!/usr/bin/env bash
# The main job, on a fresh machine: vmrotate backs up VM avocado2 in VMware's vCenter simulator,
# the article's setup (two hosts, datastores NFS_durian and NFS_mango), night after night, listing
# the generations after each run; then a dry run, a restore, and a run of a jobs file. The
# simulator is stopped on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
echo "== building vmrotate and the simulator"
cargo build --quiet --release --bin vmrotate
vmrotate="${CARGO_TARGET_DIR:-$PWD/target}/release/vmrotate"
vcsim="$(bash scripts/build-vcsim.sh)"

work="$(mktemp -d)"
vcsim_pid=""
stop() {
  if [ -n "$vcsim_pid" ]; then
    kill "$vcsim_pid" 2>/dev/null || true
    wait "$vcsim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT

echo "== starting the simulator: VM avocado2 on 2 hosts, datastores NFS_durian and NFS_mango"
password="demo-$RANDOM$RANDOM"
printf '%s\n' "$password" >"$work/password"
"$vcsim" -listen 127.0.0.1:0 -url-file "$work/url" -hosts 2 -vm-name avocado2 \
  -nfs NFS_durian,NFS_mango -username backup@vsphere.local -password "$password" \
  >"$work/vcsim.log" 2>&1 &
vcsim_pid=$!
for _ in $(seq 200); do
  [ -s "$work/url" ] && break
  kill -0 "$vcsim_pid" 2>/dev/null || { cat "$work/vcsim.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/url" ] || { echo "error: the simulator did not start" >&2; exit 1; }

# The connection, as a scheduled job gets it: environment variables and a password file.
export VMROTATE_URL="$(cat "$work/url")" VMROTATE_USERNAME=backup@vsphere.local
export VMROTATE_PASSWORD_FILE="$work/password" NO_PROXY=127.0.0.1
echo "   $VMROTATE_URL"

show() { printf '\n$ %s\n' "$*"; "$@"; }

# The runs replay the article's nights: --at counts a run as taken at 02:41 UTC on 2019-09-22,
# then a day later each time (a real schedule leaves it out: a run is taken now), and --utc
# stamps the names in UTC, so they read the same on every machine.
night=0
tonight() { date -u -d "2019-09-22 02:41 UTC + $night days" +%Y-%m-%dT%H:%M:%SZ; }

for run in 1 2 3 4 5; do
  echo
  echo "== night $run: backup of avocado2 (4 slots: 3 generations, one slot stays free)"
  show "$vmrotate" backup avocado2 --datastore NFS_durian --datastore NFS_mango --slots 4 \
    --utc --at "$(tonight)"
  show "$vmrotate" list avocado2
  night=$((night + 1))
done

echo
echo "== a dry run: what night 6 would do; nothing changes"
show "$vmrotate" backup avocado2 --datastore NFS_durian --datastore NFS_mango --slots 4 \
  --utc --at "$(tonight)" --dry-run

echo
echo "== restore the oldest generation as a new VM on the other host"
oldest="$("$vmrotate" list avocado2 | grep -o 'zz_avocado2-[0-9]*-[0-9]*' | head -n 1)"
show "$vmrotate" restore "$oldest" --as avocado2-restored --host DC0_C0_H1 --datastore NFS_mango

echo
echo "== night 6 from a jobs file, as a scheduler runs it (see docs/scheduling.md)"
cat >"$work/jobs.toml" <<'JOBS'
[run]
parallel = 2

[[job]]
vm = "avocado2"
datastores = ["NFS_durian", "NFS_mango"]
slots = 4
stamp_zone = "utc"
JOBS
show cat "$work/jobs.toml"
show "$vmrotate" run --config "$work/jobs.toml" --at "$(tonight)"
show "$vmrotate" list

echo
echo "== done; stopping the simulator"
