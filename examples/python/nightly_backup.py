#!/usr/bin/env python3
"""Nightly backup of several VMs with vmrotate: a script for cron, systemd timers or Windows
Task Scheduler, replacing a PowerCLI or pyVmomi one.

It logs in with the same ``VMROTATE_*`` variables as the ``vmrotate`` command, backs up the VMs
of ``JOBS`` two at a time, logs each step, prints a summary, can write the run's JSON report
(the schema of ``vmrotate backup --json``), and exits with the command's codes: 0 when every
backup succeeded, 1 when one failed, 2 when it could not start (settings, login, certificate).

    export VMROTATE_URL=vcenter.example.lan VMROTATE_USERNAME=backup@vsphere.local
    export VMROTATE_PASSWORD_FILE=/etc/vmrotate/password
    python3 nightly_backup.py --report /var/log/vmrotate/nightly.json
    python3 nightly_backup.py --only avocado2 --dry-run      # check one VM, change nothing
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

import vmrotate

# One entry per VM: the keys of a `[[job]]` table of a vmrotate jobs file.
JOBS: list[dict[str, Any]] = [
    {"vm": "avocado2", "datastores": ["NFS_durian", "NFS_mango"], "slots": 4},
    {"vm": "fileserver", "datastores": ["NFS_mango"], "slots": 8, "timeouts": {"clone": "8h"}},
    {"vm": "vcenter", "datastores": ["NFS_durian"], "slots": 3, "quiesce": True},
]

log = logging.getLogger("nightly_backup")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    jobs = [job for job in JOBS if not args.only or job["vm"] in args.only]
    if not jobs:
        log.error("no job for %s: pick VMs from %s", args.only, [job["vm"] for job in JOBS])
        return 2
    try:
        with vmrotate.from_env() as client:
            run = client.backup_all(jobs, dry_run=args.dry_run, on_event=log_event)
    except vmrotate.TlsError as error:
        log.error("%s", error)
        if error.seen_thumbprint:
            log.error("once confirmed, set VMROTATE_THUMBPRINT=%s", error.seen_thumbprint)
        return 2
    except (vmrotate.LoginError, ValueError) as error:
        log.error("cannot start: %s", error)
        return 2
    except vmrotate.VmRotateError as error:
        log.error("vCenter failed: %s", error)
        return 1
    summarize(run)
    if args.report:
        args.report.write_text(json.dumps(run.to_dict(), indent=2) + "\n")
    return 0 if run.ok else 1


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="VM", help="back up only this VM")
    parser.add_argument("--dry-run", action="store_true", help="check and plan, change nothing")
    parser.add_argument("--report", type=Path, help="write the run's JSON report here")
    return parser.parse_args(argv)


def log_event(event: dict[str, Any]) -> None:
    """Logs a progress event of a backup (called as it happens, from vmrotate's threads)."""
    kind, vm = event["event"], event["vm"]
    if kind == "clone_done":
        log.info("%s: cloned as %s on %s", vm, event["clone"], event["datastore"])
    elif kind == "deleted":
        log.info("%s: deleted %s", vm, event["clone"])
    elif kind == "failed":
        log.error("%s: %s", vm, event["error"])
    else:
        log.info("%s: %s", vm, kind.replace("_", " "))


def summarize(run: vmrotate.RunReport) -> None:
    for report in run.reports:
        if report.ok:
            made = report.created or "nothing (dry run)"
            print(f"OK     {report.vm}: {made}, deleted {report.deleted or 'nothing'}")
        else:
            error = report.error
            print(f"FAILED {report.vm}: {error.message if error else 'unknown error'}")
        for warning in report.warnings:
            print(f"       warning: {warning}")


if __name__ == "__main__":
    sys.exit(main())
