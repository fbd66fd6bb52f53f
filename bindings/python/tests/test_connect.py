"""Connecting: passwords, environment, TLS, closing, finding VMs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DURIAN, SOURCE, Simulator

import vmrotate


def test_connect_and_find_vms(simulator: Simulator) -> None:
    with simulator.connect() as client:
        assert not client.closed
        names = client.find_vms()
        assert SOURCE in names
        assert names == sorted(names)
        assert client.find_vms(prefix="avo") == [SOURCE]
        assert client.find_vms(prefix="no-such-vm") == []
    assert client.closed


def test_a_wrong_password_is_a_login_error(simulator: Simulator) -> None:
    with pytest.raises(vmrotate.LoginError) as raised:
        vmrotate.connect(
            simulator.url, username=simulator.username, password="wrong", insecure=True
        )
    error = raised.value
    assert isinstance(error, vmrotate.FaultError)
    assert isinstance(error, vmrotate.VmRotateError)
    assert error.kind == "login"
    assert error.fault_type == "InvalidLogin"
    assert error.fault_ancestors[0] == "InvalidLogin"
    assert error.fault_ancestors[-1] == "MethodFault"
    assert "check the user name and password" in str(error)
    assert "wrong" not in str(error)


def test_a_password_file_is_read(simulator: Simulator, tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(f"{simulator.password}\nignored\n")
    with vmrotate.connect(
        simulator.url, username=simulator.username, password_file=password_file, insecure=True
    ) as client:
        assert SOURCE in client.find_vms()


def test_from_env_reads_the_cli_variables(
    simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VMROTATE_URL", simulator.url)
    monkeypatch.setenv("VMROTATE_USERNAME", simulator.username)
    monkeypatch.setenv("VMROTATE_PASSWORD", simulator.password)
    monkeypatch.setenv("VMROTATE_THUMBPRINT", simulator.certificate.sha256)
    with vmrotate.from_env() as client:
        assert SOURCE in client.find_vms()
    monkeypatch.delenv("VMROTATE_URL")
    with pytest.raises(ValueError, match="VMROTATE_URL"):
        vmrotate.from_env()


def test_an_untrusted_certificate_is_a_tls_error_with_its_thumbprint(
    simulator: Simulator,
) -> None:
    with pytest.raises(vmrotate.TlsError) as raised:
        vmrotate.connect(simulator.url, username=simulator.username, password=simulator.password)
    assert raised.value.seen_thumbprint == simulator.certificate.sha256
    assert simulator.certificate.sha256 in str(raised.value)
    assert raised.value.kind == "tls"
    assert isinstance(raised.value, vmrotate.VsphereError)


def test_insecure_connections_are_warned_about_in_python_logging(
    simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="vmrotate")
    with vmrotate.connect(
        simulator.url, username=simulator.username, password=simulator.password, insecure=True
    ) as client:
        assert SOURCE in client.find_vms()
    warnings = [record for record in caplog.records if record.levelname == "WARNING"]
    assert warnings, caplog.text
    assert all(record.name.startswith("vmrotate.") for record in warnings)
    assert any("certificate" in record.getMessage() for record in warnings), caplog.text


def test_bad_settings_are_value_errors(simulator: Simulator) -> None:
    with pytest.raises(ValueError, match="thumbprint"):
        vmrotate.connect(simulator.url, username="u", password="p", thumbprint="AB:CD")
    with pytest.raises(ValueError, match="choose one"):
        vmrotate.connect(simulator.url, username="u", password="p", insecure=True, ca_file="ca.pem")
    with pytest.raises(ValueError, match="no password"):
        vmrotate.connect(simulator.url, username="u", insecure=True)
    with pytest.raises(ValueError, match="session cookie"):
        vmrotate.connect(simulator.url, session_cookie="", insecure=True)
    with pytest.raises(TypeError):
        vmrotate.connect(simulator.url, username="u", password=42)  # type: ignore[arg-type]


def test_an_unreachable_server_is_a_vmrotate_error() -> None:
    with pytest.raises(vmrotate.VmRotateError) as raised:
        vmrotate.connect("https://127.0.0.1:1/sdk", username="u", password="p", insecure=True)
    assert raised.value.kind == "vsphere"


def test_a_closed_client_refuses_calls(simulator: Simulator) -> None:
    client = simulator.connect()
    client.close()
    client.close()
    with pytest.raises(vmrotate.VmRotateError, match="closed"):
        client.find_vms()
    assert "closed" in repr(client)


def test_unknown_names_are_not_found_errors(client: vmrotate.Client) -> None:
    with pytest.raises(vmrotate.NotFoundError) as raised:
        client.list_backups("no-such-vm")
    assert raised.value.kind == "not_found"
    with pytest.raises(vmrotate.NotFoundError):
        client.restore("zz_no-such-vm-01-201909010241")
    with pytest.raises(ValueError, match="no backup datastore"):
        client.backup(SOURCE, [])
    report = client.backup("no-such-vm", [DURIAN])
    assert not report.ok
    assert report.error is not None and report.error.kind == "not_found"


def test_a_dead_session_cookie_is_a_login_error(simulator: Simulator) -> None:
    with pytest.raises(vmrotate.LoginError, match="not a live session") as raised:
        vmrotate.connect(
            simulator.url,
            session_cookie="vmware_soap_session=52a1f0-dead",
            thumbprint=simulator.certificate.sha256,
        )
    assert raised.value.fault_type is None
    assert "52a1f0" not in str(raised.value)
