"""The golden parity table (tests/parity/ of the repository) through Python: each case's output
must be expected.json's, byte for byte as sorted compact JSON (tests/parity/README.md)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Simulator

import vmrotate

FOLDER = Path(__file__).resolve().parents[3] / "tests" / "parity"
CASES: list[dict[str, Any]] = json.loads((FOLDER / "cases.json").read_text())["cases"]
EXPECTED: dict[str, Any] = json.loads((FOLDER / "expected.json").read_text())


# The settings core messages name in backticks, which Python spells `name=`.
SETTINGS = ("vm", "datastores", "slots", "prefix", "mode", "username", "password_file",
            "thumbprint", "ca_file", "insecure", "stamp")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def spelled_back(message: str) -> str:
    """The normalization of a Python message: its settings spelled as the core spells them."""
    for setting in SETTINGS:
        message = message.replace(f" {setting}= ", f" `{setting}` ")
    return message


def backup_all(client: vmrotate.Client, request: dict[str, Any]) -> vmrotate.RunReport:
    """A native `backup` request run with Client.backup_all."""
    at = datetime.fromisoformat(request["at"].replace("Z", "+00:00"))
    return client.backup_all(request["jobs"], dry_run=request["dry_run"], at=at)


def backup(simulator: Simulator, request: dict[str, Any]) -> dict[str, Any]:
    """A native `backup` request run with Client.backup_all (after its `before` request, if
    any), run ids and times normalized."""
    with simulator.connect() as client:
        if "before" in request:
            assert backup_all(client, request["before"]).ok
        run = backup_all(client, request).to_dict()
    for report in run["reports"]:
        report.update(run="<run>", started="<time>", finished="<time>")
    return {"ok": run}


def run(case: dict[str, Any], simulator: Simulator) -> dict[str, Any]:
    try:
        if "connect" in case:
            # This simulator serves HTTPS: trust its certificate to reach the login.
            with vmrotate.connect(
                simulator.url,
                username=simulator.username,
                password=case["connect"]["password"],
                thumbprint=simulator.certificate.sha256,
            ):
                return {"ok": None}
        if "backup" in case:
            return backup(simulator, case["backup"])
        if "plan" in case:
            request = dict(case["plan"])
            options = {key: request[key] for key in ("prefix", "slots", "mode") if key in request}
            rotation = vmrotate.SlotRotation(request["key"], **options)
            return {"ok": rotation.plan(request["names"], stamp=request["stamp"]).to_dict()}
        request = dict(case["retention"])
        retention = vmrotate.Retention(request["flavor"], zone=request.get("zone"), **request["rules"])
        decision = retention.apply(request["snapshots"], now=request.get("now"))
        return {"ok": decision.to_dict()}
    except vmrotate.VmRotateError as error:
        return {
            "error": {
                "kind": error.kind,
                "message": spelled_back(str(error)),
                "fault": error.fault_type,
                "fault_ancestors": list(error.fault_ancestors),
                "seen_thumbprint": error.seen_thumbprint,
            }
        }


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_python_gives_the_expected_output(case: dict[str, Any], simulator: Simulator) -> None:
    assert canonical(run(case, simulator)) == canonical(EXPECTED[case["name"]])
