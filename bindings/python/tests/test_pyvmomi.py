"""Handing a pyVmomi login over to vmrotate with session_cookie=."""

from __future__ import annotations

from conftest import SOURCE, Simulator
from pyVim.connect import Disconnect, SmartConnect

import vmrotate


def test_a_pyvmomi_session_is_handed_over_and_left_to_its_owner(simulator: Simulator) -> None:
    si = SmartConnect(  # type: ignore[no-untyped-call]  # pyVmomi has no type hints
        host=simulator.host,
        port=simulator.port,
        user=simulator.username,
        pwd=simulator.password,
        disableSslCertValidation=True,
    )
    try:
        cookie = si._stub.cookie
        with vmrotate.connect(
            simulator.url, session_cookie=cookie, thumbprint=simulator.certificate.sha256
        ) as client:
            assert SOURCE in client.find_vms()
            report = client.backup(SOURCE, ["NFS_durian"], dry_run=True)
            assert report.ok, report.error
        # Closing vmrotate's client did not log pyVmomi out.
        session = si.content.sessionManager.currentSession
        assert session is not None and session.userName == simulator.username
    finally:
        Disconnect(si)  # type: ignore[no-untyped-call]
