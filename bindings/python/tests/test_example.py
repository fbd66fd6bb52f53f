"""examples/python/nightly_backup.py, run as a scheduler would against the simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, SOURCE, Simulator

SCRIPT = REPO / "examples" / "python" / "nightly_backup.py"


def run_script(simulator: Simulator, *args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        VMROTATE_URL=simulator.url,
        VMROTATE_USERNAME=simulator.username,
        VMROTATE_PASSWORD=password or simulator.password,
        VMROTATE_THUMBPRINT=simulator.certificate.sha256,
    )
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_successful_night_exits_0_and_writes_the_report(
    simulator: Simulator, tmp_path: Path
) -> None:
    report_file = tmp_path / "nightly.json"
    done = run_script(simulator, "--only", SOURCE, "--report", str(report_file))
    assert done.returncode == 0, done.stderr
    assert f"OK     {SOURCE}: zz_{SOURCE}-01-" in done.stdout
    assert f"{SOURCE}: snapshot created" in done.stderr
    report = json.loads(report_file.read_text())
    assert report["ok"] and report["reports"][0]["created"].startswith(f"zz_{SOURCE}-01-")


def test_a_missing_vm_fails_the_night_but_not_the_others(simulator: Simulator) -> None:
    done = run_script(simulator)
    assert done.returncode == 1, done.stderr
    assert f"OK     {SOURCE}" in done.stdout
    assert "FAILED fileserver" in done.stdout and "FAILED vcenter" in done.stdout


def test_a_rejected_login_exits_2(simulator: Simulator) -> None:
    done = run_script(simulator, "--dry-run", password="wrong")
    assert done.returncode == 2
    assert "cannot start" in done.stderr and "check the user name and password" in done.stderr
