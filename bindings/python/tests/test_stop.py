"""Ctrl-C during a backup: the run cancels its clone task, cleans up, then KeyboardInterrupt
is raised; the lock (a live run's snapshot) and unlock's force. Against the simulator with
CloneVM_Task answered as a running, cancelable task (``-async-task``), as vCenter does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest
from conftest import DURIAN, MANGO, SOURCE, Simulator, StartSimulator, day
from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

import vmrotate

CLONE_MS = 6000
"""How long the simulator's clone task runs unless cancelled."""

# A backup in its own Python process, printing each event's name as it happens.
BACKUP_SCRIPT = textwrap.dedent(
    """
    import logging, signal, sys
    from datetime import datetime, timezone
    import vmrotate

    # Ctrl-C raises KeyboardInterrupt, as in a terminal (a background job starts with SIGINT
    # ignored, and so would this process).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    url, thumbprint, username, password = sys.argv[1:5]
    with vmrotate.connect(url, username=username, password=password,
                          thumbprint=thumbprint) as client:
        client.backup(
            "avocado2", ["NFS_durian", "NFS_mango"], utc=True,
            at=datetime(2019, 9, 1, 2, 41, tzinfo=timezone.utc),
            on_event=lambda event: print(event["event"], flush=True),
        )
    print("returned", flush=True)
    """
)


def async_clone_simulator(start_simulator: StartSimulator) -> Simulator:
    return start_simulator("-async-task", f"CloneVM_Task={CLONE_MS}")


def snapshots_of(simulator: Simulator, vm_name: str) -> list[str]:
    """The names of `vm_name`'s snapshots, as pyVmomi reads them from the simulator."""
    si = SmartConnect(  # type: ignore[no-untyped-call]  # pyVmomi has no type hints
        host=simulator.host,
        port=simulator.port,
        user=simulator.username,
        pwd=simulator.password,
        disableSslCertValidation=True,
    )
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        # One PropertyCollector read: the simulator's Fetch, which pyVmomi's attribute access
        # uses, panics on an unset property such as a VM's `snapshot` when it has none.
        # pyVmomi's data object constructors have no type hints.
        collector = vmodl.query.PropertyCollector
        traversal = collector.TraversalSpec(  # type: ignore[no-untyped-call]
            name="view", path="view", skip=False, type=vim.view.ContainerView
        )
        spec = collector.FilterSpec(  # type: ignore[no-untyped-call]
            objectSet=[
                collector.ObjectSpec(  # type: ignore[no-untyped-call]
                    obj=view, skip=True, selectSet=[traversal]
                )
            ],
            propSet=[
                collector.PropertySpec(  # type: ignore[no-untyped-call]
                    type=vim.VirtualMachine, pathSet=["name", "snapshot"]
                )
            ],
        )
        found = [
            {prop.name: prop.val for prop in vm.propSet}
            for vm in content.propertyCollector.RetrieveContents([spec])
        ]
        (vm,) = [vm for vm in found if vm["name"] == vm_name]
        names: list[str] = []
        pending = list(vm["snapshot"].rootSnapshotList) if vm.get("snapshot") else []
        while pending:
            snapshot = pending.pop()
            names.append(snapshot.name)
            pending.extend(snapshot.childSnapshotList)
        return names
    finally:
        Disconnect(si)  # type: ignore[no-untyped-call]


def assert_nothing_left(simulator: Simulator) -> None:
    """No vmrotate snapshot on avocado2 and no clone of it, in the simulator's inventory."""
    assert [name for name in snapshots_of(simulator, SOURCE) if "vmrotate" in name] == []
    with simulator.connect() as client:
        assert client.find_vms(prefix="zz_") == []
        (listed,) = client.list_backups(SOURCE)
        assert listed.generations == []
        assert [a for a in listed.anomalies if a["kind"] == "run_snapshot"] == []


def test_sigint_mid_clone_cleans_up_then_raises_keyboard_interrupt(
    start_simulator: StartSimulator,
) -> None:
    simulator = async_clone_simulator(start_simulator)
    process = subprocess.Popen(
        [sys.executable, "-c", BACKUP_SCRIPT, simulator.url, simulator.certificate.sha256,
         simulator.username, simulator.password],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        seen = [process.stdout.readline().strip(), process.stdout.readline().strip()]
        assert seen == ["started", "snapshot_created"]
        # The clone task runs now; interrupt it well before it would end.
        time.sleep(1)
        process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    stopped_after = time.monotonic() - interrupted
    # Python ends an uncaught KeyboardInterrupt by re-raising SIGINT on itself.
    assert process.returncode == -signal.SIGINT, (process.returncode, out, err)
    assert "KeyboardInterrupt" in err, err
    assert "returned" not in out and "clone_done" not in out, out
    # What the run cleaned up is logged before the exception.
    assert "avocado2: stopped by SIGINT during the clone" in err, err
    # The clone task was cancelled, not waited out.
    assert stopped_after < CLONE_MS / 1000 - 1, stopped_after
    assert_nothing_left(simulator)


def test_ctrl_c_in_backup_all_cleans_up_before_raising(start_simulator: StartSimulator) -> None:
    simulator = async_clone_simulator(start_simulator)

    def interrupt_once_cloning(event: dict[str, Any]) -> None:
        if event["event"] == "snapshot_created":
            threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()

    with simulator.connect() as client:
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            client.backup_all(
                [{"vm": SOURCE, "datastores": [DURIAN, MANGO], "stamp_zone": "utc"}],
                at=day(1),
                on_event=interrupt_once_cloning,
            )
        assert time.monotonic() - started < CLONE_MS / 1000
    assert_nothing_left(simulator)


def test_unlock_refuses_a_live_lock_unless_forced(start_simulator: StartSimulator) -> None:
    simulator = async_clone_simulator(start_simulator)
    cloning = threading.Event()
    reports: list[vmrotate.Report] = []

    def on_event(event: dict[str, Any]) -> None:
        if event["event"] == "snapshot_created":
            cloning.set()

    with simulator.connect() as client:
        running = threading.Thread(
            target=lambda: reports.append(
                client.backup(SOURCE, [DURIAN], utc=True, at=day(1), on_event=on_event)
            )
        )
        running.start()
        try:
            assert cloning.wait(30)
            held = [name for name in snapshots_of(simulator, SOURCE) if "vmrotate" in name]
            assert len(held) == 1 and held[0].startswith("vmrotate-run ")
            with pytest.raises(vmrotate.VmRotateError) as refused:
                client.unlock(SOURCE)
            assert refused.value.kind == "locked"
            assert "force" in str(refused.value)
            (removed,) = client.unlock(SOURCE, force=True)
            assert removed.startswith("vmrotate-run ")
            assert client.unlock(SOURCE) == []
        finally:
            running.join(60)
    assert len(reports) == 1

