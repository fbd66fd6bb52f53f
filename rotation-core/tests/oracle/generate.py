#!/usr/bin/env python3
"""Runs the real restic and borg 1.4 over schedules that cross both DST changes, ISO week 53 and
month ends, in Europe/Berlin and America/New_York, and writes what they keep as retention vectors
(rotation-core/tests/data/retention/{restic,borg14}-tz-oracle.json, format: README.md there).

Nothing here decides what is kept: the expected lists are parsed from `restic forget --dry-run
--json` and `borg prune --dry-run --list`, run with TZ set to the zone. The snapshot times are
read back from the tools (`restic snapshots --json`, `borg list --json` with TZ=UTC) and checked
against the schedule before anything is written.

Usage: generate.py [--restic PATH] [--borg PATH] [--out DIR] [--jobs N]
Needs restic (Debian's package) and borg 1.4 (PyPI `borgbackup`); see README.md in this folder.
Slow (minutes to an hour, with the machine's load): every snapshot is a real `restic backup`
(with its key derivation) or `borg create`.
"""

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
ZONES = ["Europe/Berlin", "America/New_York"]
OUT = Path(__file__).resolve().parent.parent / "data" / "retention"
GENERATOR = "rotation-core/tests/oracle/generate.py"


# ---------------------------------------------------------------- schedules (UTC instants)


def std_midnight(zone, day):
    """Local midnight at the start of `day` in the zone's standard (winter) offset, as UTC."""
    winter = dt.datetime(day.year, 1, 15, tzinfo=ZoneInfo(zone)).utcoffset()
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC) - winter


def transitions(zone, year):
    """The two DST changes of `year` in `zone`, as UTC instants (spring, autumn)."""
    tz = ZoneInfo(zone)
    found, t = [], dt.datetime(year, 1, 1, tzinfo=UTC)
    previous = t.astimezone(tz).utcoffset()
    while t.year == year:
        t += dt.timedelta(minutes=30)
        offset = t.astimezone(tz).utcoffset()
        if offset != previous:
            found.append(t)
            previous = offset
    assert len(found) == 2, (zone, year, found)
    return found


def around_midnights(zone, first_day, days, minutes):
    """Snapshots `minutes` around each standard-offset local midnight: on the DST side of a
    change they fall an hour later in local time, so they cross into the next day."""
    out = []
    for n in range(days):
        base = std_midnight(zone, first_day + dt.timedelta(days=n))
        out += [base + dt.timedelta(minutes=m) for m in minutes]
    return out


def every(start, end, minutes):
    out, t = [], start
    while t <= end:
        out.append(t)
        t += dt.timedelta(minutes=minutes)
    return out


def dst_schedule(zone, which):
    change = transitions(zone, 2024)[which]
    first_day = (change - dt.timedelta(days=5)).date()
    times = around_midnights(zone, first_day, 11, [-75, -45, -15, 15, 45])
    # The hour that is skipped or repeated, every 20 minutes, and a few hours around it.
    times += every(change - dt.timedelta(hours=3), change + dt.timedelta(hours=3), 20)
    return times


def week53_schedule(zone):
    # 2020 has 53 ISO weeks: 2020-12-28 .. 2021-01-03 is 2020-W53.
    return around_midnights(zone, dt.date(2020, 12, 17), 24, [-15, 15, 75])


def month_end_schedule(zone):
    times = []
    for month in range(1, 14):
        year, m = 2024 + (month - 1) // 12, (month - 1) % 12 + 1
        first = dt.date(year, m, 1)
        # Around the midnight between the month's last day and its first.
        times += around_midnights(zone, first, 1, [-75, -45, -15, 15])
    return times


SCHEDULES = {
    "spring": lambda zone: dst_schedule(zone, 0),
    "autumn": lambda zone: dst_schedule(zone, 1),
    "week53": week53_schedule,
    "monthend": month_end_schedule,
}

# ---------------------------------------------------------------- policies

RESTIC_POLICIES = {
    "spring": [
        {"keep_hourly": 8},
        {"keep_daily": 6},
        {"keep_last": 2, "keep_hourly": 4, "keep_daily": 3},
        {"keep_weekly": 2},
        {"keep_within": "3d"},
        {"keep_within": "2d5h"},
        {"keep_within_daily": "4d"},
        {"keep_within_hourly": "1d"},
        {"keep_daily": 40},
    ],
    "week53": [
        {"keep_daily": 10},
        {"keep_weekly": 3},
        {"keep_weekly": 4, "keep_yearly": 1},
        {"keep_within_weekly": "1m"},
        {"keep_within": "14d"},
    ],
    "monthend": [
        {"keep_monthly": 6},
        {"keep_monthly": 12, "keep_yearly": 1},
        {"keep_daily": 10},
        {"keep_within_monthly": "6m"},
        {"keep_within": "1m"},
        {"keep_within": "7m"},
    ],
}
RESTIC_POLICIES["autumn"] = RESTIC_POLICIES["spring"]

BORG_POLICIES = {
    "spring": [
        {"keep_hourly": 8},
        {"keep_daily": 6},
        {"keep_last": 3, "keep_hourly": 4, "keep_daily": 3},
        {"keep_minutely": 5, "keep_daily": 4},
        {"keep_weekly": 2},
        {"keep_daily": 40},
    ],
    "week53": [
        {"keep_daily": 10},
        {"keep_weekly": 3},
        {"keep_weekly": 4, "keep_yearly": 2},
        {"keep_13weekly": 2},
        {"keep_3monthly": 2},
    ],
    "monthend": [
        {"keep_monthly": 6},
        {"keep_monthly": 12, "keep_yearly": 1},
        {"keep_daily": 10},
        {"keep_13weekly": 3},
        {"keep_3monthly": 3},
        {"keep_weekly": 8},
    ],
}
BORG_POLICIES["autumn"] = BORG_POLICIES["spring"]


def flags(policy):
    out = []
    for rule, value in policy.items():
        out += ["--" + rule.replace("_", "-"), str(value)]
    return out


def policy_slug(policy):
    return "-".join(f"{k.removeprefix('keep_')}{v}" for k, v in policy.items())


def zone_slug(zone):
    return {"Europe/Berlin": "berlin", "America/New_York": "newyork"}[zone]


def run(args, env=None, **kwargs):
    full_env = dict(os.environ, **(env or {}))
    result = subprocess.run(args, env=full_env, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def utc_text(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- restic


def etc_zone(offset):
    """The fixed-offset IANA zone (`Etc/GMT-2` is +02:00) Go reads from TZ."""
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    assert rest == 0, offset
    return "Etc/GMT" + ("" if hours == 0 else f"{-hours:+d}")


def restic_cases(restic, work, zone, schedule, times):
    repo = work / f"restic-{zone_slug(zone)}-{schedule}"
    env = {"RESTIC_REPOSITORY": str(repo), "RESTIC_PASSWORD": "oracle", "RESTIC_CACHE_DIR": str(work / "cache")}
    run([restic, "init", "-q"], env=env)
    tz = ZoneInfo(zone)
    for t in times:
        local = t.astimezone(tz)
        # As if taken live in `zone`: restic stores the local wall time with the zone's offset
        # at that instant. The fixed-offset TZ makes the repeated autumn hour unambiguous.
        wall = local.strftime("%Y-%m-%d %H:%M:%S")
        run([restic, "backup", "-q", "--host", "oracle", "--time", wall, str(work / "data")],
            env=dict(env, TZ=etc_zone(local.utcoffset())))
    stored = json.loads(run([restic, "snapshots", "--json"], env=dict(env, TZ=zone)).stdout)
    by_instant = {}
    for snap in stored:
        instant = dt.datetime.fromisoformat(snap["time"])
        by_instant[instant.astimezone(UTC)] = snap["time"]
    expected_times = sorted(t.astimezone(UTC) for t in times)
    assert sorted(by_instant) == expected_times, f"restic stored other times for {repo}"
    ids = {instant: f"{schedule}-{n:02d}" for n, instant in enumerate(expected_times)}
    snapshots = [{"id": ids[i], "time": by_instant[i]} for i in expected_times]

    cases = []
    runs = [(zone, p) for p in RESTIC_POLICIES[schedule]]
    if zone == "Europe/Berlin" and schedule in ("spring", "autumn"):
        # The same snapshots forgotten on a machine in another zone: restic reads each time in
        # a fixed zone of its recorded offset, since that matches none of New York's.
        runs += [("America/New_York", p) for p in RESTIC_POLICIES[schedule][:6]]
    for run_tz, policy in runs:
        now = dt.datetime.now(UTC).replace(microsecond=0)
        out = run([restic, "forget", "--dry-run", "--json", *flags(policy)], env=dict(env, TZ=run_tz))
        groups = json.loads(out.stdout)
        assert len(groups) == 1, groups
        group = groups[0]

        def ident(snap):
            return ids[dt.datetime.fromisoformat(snap["time"]).astimezone(UTC)]

        keep = [ident(s) for s in group["keep"]]
        remove = [ident(s) for s in group["remove"] or []]
        reasons = {ident(r["snapshot"]): r["matches"] for r in group["reasons"]}
        assert sorted(keep + remove) == sorted(ids.values())
        cases.append({
            "id": f"restic-{zone_slug(zone)}-{schedule}-{policy_slug(policy)}"
                  + ("" if run_tz == zone else f"-forget-in-{zone_slug(run_tz)}"),
            "source": {"command": f"TZ={run_tz} restic forget --dry-run --json {' '.join(flags(policy))}",
                       "snapshots_taken_in": zone},
            "tz": run_tz,
            "now": utc_text(now),
            "policy": policy,
            "snapshots": snapshots,
            "expected": {"keep": keep, "remove": remove, "reasons": reasons},
        })
    return cases


# ---------------------------------------------------------------- borg

BORG_LINE = re.compile(r"^(?:Keeping archive \(rule: (?P<rule>[^)]+)\)|Would prune):\s+(?P<name>\S+)")


def borg_cases(borg, work, zone, schedule, times):
    repo = work / f"borg-{zone_slug(zone)}-{schedule}"
    env = {"BORG_REPO": str(repo), "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK": "yes",
           "BORG_BASE_DIR": str(work / "borg-base")}
    run([borg, "init", "-e", "none"], env=env)
    instants = sorted(t.astimezone(UTC) for t in times)
    ids = [f"{schedule}-{n:02d}" for n in range(len(instants))]
    for name, t in zip(ids, instants):
        run([borg, "create", "--timestamp", t.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
             f"::{name}", str(work / "data")], env=env)
    listed = json.loads(run([borg, "list", "--json"], env=dict(env, TZ="UTC")).stdout)["archives"]
    stored = {a["name"]: dt.datetime.fromisoformat(a["time"]).replace(tzinfo=UTC) for a in listed}
    assert stored == dict(zip(ids, instants)), f"borg stored other times for {repo}"
    snapshots = [{"id": i, "time": utc_text(t)} for i, t in zip(ids, instants)]

    cases = []
    for policy in BORG_POLICIES[schedule]:
        now = dt.datetime.now(UTC).replace(microsecond=0)
        out = run([borg, "prune", "--dry-run", "--list", *flags(policy)], env=dict(env, TZ=zone))
        keep, remove, reasons = [], [], {}
        for line in out.stderr.splitlines() + out.stdout.splitlines():
            match = BORG_LINE.match(line)
            if not match:
                continue
            if match["rule"]:
                keep.append(match["name"])
                reasons[match["name"]] = [match["rule"]]
            else:
                remove.append(match["name"])
        assert sorted(keep + remove) == sorted(ids), out.stderr
        cases.append({
            "id": f"borg14-{zone_slug(zone)}-{schedule}-{policy_slug(policy)}",
            "source": {"command": f"TZ={zone} borg prune --dry-run --list {' '.join(flags(policy))}"},
            "tz": zone,
            "now": utc_text(now),
            "policy": policy,
            "snapshots": snapshots,
            "expected": {"keep": keep, "remove": remove, "reasons": reasons},
        })
    return cases


# ---------------------------------------------------------------- main


def tool_ref(tool, version, package):
    return {"tool": tool, "version": version, "package": package, "generator": GENERATOR,
            "tzdata": run(["dpkg-query", "-W", "-f=${Version}", "tzdata"]).stdout.strip()}


def write(path, family, semantics, ref, note, cases):
    document = {"schema": "rotation-core/retention-vectors/v1", "family": family,
                "semantics": semantics, "tool_ref": ref, "note": note, "cases": cases}
    path.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {path} ({len(cases)} cases)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restic", default="restic")
    parser.add_argument("--borg", default="borg")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--jobs", type=int, default=8, help="repositories filled at once")
    args = parser.parse_args()

    restic_version = run([args.restic, "version"]).stdout.strip()
    borg_version = run([args.borg, "--version"]).stdout.strip()
    restic_package = "Debian restic " + run(["dpkg-query", "-W", "-f=${Version}", "restic"]).stdout.strip()
    borg_package = "PyPI borgbackup " + borg_version.split()[-1] + " (built from the sdist)"

    jobs = [(tool, zone, schedule) for zone in ZONES for schedule in SCHEDULES
            for tool in ("restic", "borg")]
    with tempfile.TemporaryDirectory(prefix="retention-oracle-") as tmp:
        work = Path(tmp)
        (work / "data").mkdir()
        (work / "data" / "file").write_text("oracle\n")

        def one(job):
            tool, zone, schedule = job
            times = SCHEDULES[schedule](zone)
            if tool == "restic":
                cases = restic_cases(args.restic, work, zone, schedule, times)
            else:
                cases = borg_cases(args.borg, work, zone, schedule, times)
            print(f"{tool} {zone} {schedule}: {len(times)} snapshots, {len(cases)} cases", flush=True)
            return cases

        # Each job has its own repository; results keep the order of `jobs`.
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(one, jobs))
    restic = [case for job, cases in zip(jobs, results) if job[0] == "restic" for case in cases]
    borg = [case for job, cases in zip(jobs, results) if job[0] == "borg" for case in cases]

    write(args.out / "restic-tz-oracle.json", "restic-tz-oracle", "restic",
          tool_ref("restic", restic_version, restic_package),
          "Produced by running restic: snapshots made with `restic backup --time` as if taken in "
          "the zone (stored with its offset), expected = `restic forget --dry-run --json` with TZ "
          "set. tz = the zone forget ran in (TZ); source.snapshots_taken_in = the zone the "
          "snapshots were taken in (their offsets). keep_within* are measured from the newest "
          "snapshot, so `now` (the generation time) does not matter.",
          restic)
    write(args.out / "borg14-tz-oracle.json", "borg14-tz-oracle", "borg14",
          tool_ref("borg", borg_version, borg_package),
          "Produced by running borg 1.4: archives made with `borg create --timestamp <UTC>`, "
          "expected = `borg prune --dry-run --list` with TZ set to tz.",
          borg)


if __name__ == "__main__":
    main()
