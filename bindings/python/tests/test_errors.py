"""One classification: every error is the VmRotateError subclass of its kind, carrying the
fields of a report's error; result objects compare by value; the password rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DURIAN, SOURCE, Simulator

import vmrotate

KINDS = {
    "config": vmrotate.ConfigError,
    "not_found": vmrotate.NotFoundError,
    "ambiguous": vmrotate.AmbiguousError,
    "preflight": vmrotate.PreflightError,
    "login": vmrotate.LoginError,
    "tls": vmrotate.TlsError,
    "locked": vmrotate.LockedError,
    "refused": vmrotate.RefusedError,
    "verify": vmrotate.VerifyError,
    "incomplete": vmrotate.IncompleteError,
    "timeout": vmrotate.TaskTimeoutError,
    "vsphere": vmrotate.VsphereError,
}


def test_each_kind_has_its_own_class() -> None:
    assert len(set(KINDS.values())) == len(KINDS)
    for kind, cls in KINDS.items():
        error = cls("message")
        assert isinstance(error, vmrotate.VmRotateError)
        assert error.kind == kind
        assert error.fault_type is None and error.fault_ancestors == ()
        assert error.seen_thumbprint is None


def test_a_bad_stamp_is_a_plan_error_and_still_a_value_error() -> None:
    with pytest.raises(vmrotate.PlanError) as raised:
        vmrotate.SlotRotation("avocado2").plan([], stamp="2019")
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, vmrotate.ConfigError)
    assert raised.value.kind == "config"


def test_invalid_arguments_are_config_errors_spelled_as_python_arguments(
    simulator: Simulator,
) -> None:
    with pytest.raises(vmrotate.ConfigError) as raised:
        vmrotate.connect(simulator.url, username="u", password="p", insecure=True, ca_file="x")
    assert "thumbprint=, ca_file= and insecure=" in str(raised.value)
    with pytest.raises(vmrotate.ConfigError, match="set datastores="):
        with simulator.connect() as client:
            client.backup_all([{"vm": SOURCE, "datastores": []}])


def test_error_reports_carry_the_same_fields_compare_by_value_and_convert(
    client: vmrotate.Client,
) -> None:
    report = client.backup("no-such-vm", [DURIAN])
    first, second = report.error, report.error
    assert first is not None and second is not None
    assert first is not second and first == second
    assert first.kind == "not_found"
    assert first.to_dict() == {
        "kind": "not_found",
        "message": first.message,
        "fault": None,
        "fault_ancestors": [],
        "seen_thumbprint": None,
    }
    assert report == report and report.to_dict() == report.to_dict()


def test_plans_compare_by_value() -> None:
    rotation = vmrotate.SlotRotation("avocado2")
    one = rotation.plan([], stamp="201909250241")
    assert one == rotation.plan([], stamp="201909250241")
    assert one != rotation.plan([], stamp="201909250242")
    assert one != "not a plan"


def test_the_password_file_wins_over_the_password_everywhere(
    simulator: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(simulator.password + "\n")
    monkeypatch.setenv("VMROTATE_URL", simulator.url)
    monkeypatch.setenv("VMROTATE_USERNAME", simulator.username)
    monkeypatch.setenv("VMROTATE_INSECURE", "1")
    monkeypatch.setenv("VMROTATE_PASSWORD", "wrong")
    monkeypatch.setenv("VMROTATE_PASSWORD_FILE", str(password_file))
    with vmrotate.from_env() as client:
        assert SOURCE in client.find_vms()
    with vmrotate.connect(
        simulator.url,
        username=simulator.username,
        password="wrong",
        password_file=password_file,
        insecure=True,
    ) as client:
        assert SOURCE in client.find_vms()
