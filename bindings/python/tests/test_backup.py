"""Backups, listing and restoring against the simulator, checked in vCenter's inventory."""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Any

import pytest
from conftest import DURIAN, MANGO, REPO, SOURCE, StartSimulator, clone_name, day

import vmrotate

SCHEMA = (REPO / "docs" / "report-schema.md").read_text()


def documented_rows(heading: str) -> list[list[str]]:
    """The field rows of the first table under `heading` in docs/report-schema.md, as cells."""
    section = SCHEMA.split(f"### {heading}\n", 1)[1]
    table = section.split("\n|", 1)[1].split("\n\n", 1)[0]
    return [line.split("|")[1:] for line in table.splitlines() if line.startswith("| `")]


def documented_fields(heading: str, *, optional: bool = True) -> set[str]:
    """The fields documented under `heading`; without `optional`, only those every report has
    (not the ones documented as "absent unless ...")."""
    return {
        name
        for row in documented_rows(heading)
        if optional or "absent unless" not in row[1]
        for name in re.findall(r"`(\w+)`", row[0])
    }


def backup(client: vmrotate.Client, number: int, **settings: Any) -> vmrotate.Report:
    """The backup of avocado2 onto both NFS datastores taken on day `number`, 3 slots."""
    return client.backup(SOURCE, [DURIAN, MANGO], slots=3, utc=True, at=day(number), **settings)


def test_backups_rotate_and_alternate_datastores(client: vmrotate.Client) -> None:
    first = backup(client, 1)
    assert first.ok, first.error
    assert first.created == clone_name(1, 1)
    assert first.datastore == DURIAN
    assert first.deleted == [] and first.snapshot_removed and first.error is None
    assert first.unverified == []
    assert first.plan is not None and first.plan.new_clone == clone_name(1, 1)
    assert first.started <= first.finished
    assert first.started.tzinfo is not None

    second = backup(client, 2)
    assert second.ok, second.error
    assert second.created == clone_name(2, 2)
    assert second.datastore == MANGO

    third = backup(client, 3)
    assert third.ok, third.error
    assert third.deleted == [clone_name(1, 1)]
    vms = client.find_vms(prefix="zz_")
    assert vms == [clone_name(2, 2), clone_name(3, 3)]


def test_report_to_dict_matches_the_cli_json_schema(client: vmrotate.Client) -> None:
    report = backup(client, 1)
    data = report.to_dict()
    # A slot rotation's report has every field but those of retention runs.
    assert set(data) == documented_fields("Report (one VM's run)", optional=False)
    assert set(data["plan"]) == documented_fields("Plan")
    assert data["created"] == clone_name(1, 1)
    assert data["error"] is None
    assert data["started"].endswith("Z")
    assert report.plan is not None and report.plan.to_dict() == data["plan"]

    run = client.backup_all([{"vm": SOURCE, "datastores": [DURIAN]}], dry_run=True)
    run_data = run.to_dict()
    assert set(run_data) == documented_fields("Run report") == {"ok", "reports", "notifications"}
    assert set(run_data["reports"][0]) == set(data)
    failed = client.backup("no-such-vm", [DURIAN]).to_dict()
    assert set(failed["error"]) == documented_fields("Error") == {
        "kind",
        "message",
        "fault",
        "fault_ancestors",
        "seen_thumbprint",
    }


def test_a_dry_run_changes_nothing(client: vmrotate.Client) -> None:
    report = backup(client, 1, dry_run=True)
    assert report.ok and report.dry_run
    assert report.created is None and not report.snapshot_removed
    assert report.plan is not None and report.plan.new_clone == clone_name(1, 1)
    assert any("folder" in warning for warning in report.warnings)
    assert client.find_vms(prefix="zz_") == []


def test_events_arrive_in_order_as_they_happen(client: vmrotate.Client) -> None:
    backup(client, 1)
    backup(client, 2)
    events: list[dict[str, Any]] = []
    report = backup(client, 3, on_event=events.append)
    assert report.ok, report.error
    assert [event["event"] for event in events] == [
        "started",
        "snapshot_created",
        "clone_done",
        "deleted",
        "snapshot_removed",
        "finished",
    ]
    assert all(event["vm"] == SOURCE for event in events)
    assert events[0]["run"] == report.run and events[0]["dry_run"] is False
    assert events[2]["clone"] == clone_name(3, 3)
    assert events[2]["datastore"] == report.datastore
    assert events[3]["clone"] == clone_name(1, 1)


def test_a_failing_callback_does_not_stop_the_backup(
    client: vmrotate.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError(f"progress display broke at {event['event']}")

    report = backup(client, 1, on_event=broken)
    assert report.ok, report.error
    assert [str(failure.exc_value) for failure in unraisable] == [
        f"progress display broke at {event}"
        for event in ["started", "snapshot_created", "clone_done", "snapshot_removed", "finished"]
    ]
    assert all(failure.object is broken for failure in unraisable)


def test_a_callback_cannot_call_the_client(client: vmrotate.Client) -> None:
    failures: list[str] = []

    def reentrant(event: dict[str, Any]) -> None:
        if event["event"] == "started":
            try:
                client.find_vms()
            except RuntimeError as error:
                failures.append(str(error))

    report = backup(client, 1, on_event=reentrant)
    assert report.ok, report.error
    assert failures and "on_event" in failures[0]


def test_backup_all_runs_every_job_and_reports_each(client: vmrotate.Client) -> None:
    jobs: list[dict[str, Any]] = [
        {"vm": SOURCE, "datastores": [DURIAN, MANGO], "stamp_zone": "utc", "slots": 3},
        {"vm": "no-such-vm", "datastores": [DURIAN]},
    ]
    run = client.backup_all(jobs, at=day(1))
    assert not run.ok
    first, second = run.reports
    assert first.ok and first.created == clone_name(1, 1)
    assert not second.ok and second.error is not None
    assert second.error.kind == "not_found"
    assert "no-such-vm" in second.error.message


def test_invalid_jobs_raise_before_anything_runs(client: vmrotate.Client) -> None:
    with pytest.raises(ValueError, match="slot"):
        client.backup_all([{"vm": SOURCE, "datastores": [DURIAN], "slot": 3}])
    with pytest.raises(ValueError, match=r"job 1 \(avocado2\).*2 slots"):
        client.backup_all([{"vm": SOURCE, "datastores": [DURIAN], "slots": 1}])
    with pytest.raises(vmrotate.PlanError, match="got 300"):
        client.backup(SOURCE, [DURIAN], slots=300)
    with pytest.raises(ValueError, match="2 slots"):
        client.backup(SOURCE, [DURIAN], slots=1)
    with pytest.raises(ValueError, match="expected `full` or `linked`"):
        client.backup(SOURCE, [DURIAN], clone_kind="shallow")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="invalid duration"):
        client.backup(SOURCE, [DURIAN], timeouts={"clone": "soon"})
    with pytest.raises(ValueError, match="time zone"):
        client.backup(SOURCE, [DURIAN], at=day(1).replace(tzinfo=None))
    with pytest.raises(TypeError, match="datetime"):
        client.backup(SOURCE, [DURIAN], at="2019-09-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.backup_all([{"vm": SOURCE, "datastores": [DURIAN], "force": object()}])
    assert client.find_vms(prefix="zz_") == []


def test_list_backups_shows_the_generations(client: vmrotate.Client) -> None:
    backup(client, 1)
    backup(client, 2)
    (listed,) = client.list_backups(SOURCE)
    assert listed.vm == SOURCE and listed.exists
    assert [generation.name for generation in listed.generations] == [
        clone_name(1, 1),
        clone_name(2, 2),
    ]
    first = listed.generations[0]
    assert (first.slot, first.stamp, first.datastore) == (1, "201909010241", DURIAN)
    assert first.marked and first.created == day(1)
    assert first.state == "verified"
    assert first.verification is not None and first.verification["state"] == "verified"
    assert "marker" in first.verification["checks"]
    assert first.power_state in {"powered_off", "powered_on"}
    assert listed.findings == []
    assert set(listed.to_dict()) == {"vm", "exists", "generations", "findings", "anomalies"}
    assert [vm.vm for vm in client.list_backups()] == [SOURCE]
    assert client.list_backups(SOURCE, prefix="yy_")[0].generations == []


def test_restore_copies_a_backup_into_a_new_vm(client: vmrotate.Client) -> None:
    backup(client, 1)
    restored = client.restore(clone_name(1, 1), new_name="avocado2-restored")
    assert restored.vm == "avocado2-restored"
    assert restored.from_ == clone_name(1, 1)
    assert not restored.register_only
    assert restored.to_dict()["from"] == clone_name(1, 1)
    assert "avocado2-restored" in str(restored)
    assert "avocado2-restored" in client.find_vms()
    with pytest.raises(vmrotate.VmRotateError) as raised:
        client.restore(clone_name(1, 1), new_name="avocado2-restored")
    assert raised.value.kind == "refused"


def test_calls_release_the_interpreter_so_asyncio_can_run_them_in_threads(
    start_simulator: StartSimulator,
) -> None:
    simulator = start_simulator("-method-delay", "CloneVM_Task=1500")

    async def backup_while_ticking(client: vmrotate.Client) -> tuple[vmrotate.Report, int]:
        ticks = 0
        backing_up = asyncio.create_task(asyncio.to_thread(backup, client, 1))
        while not backing_up.done():
            ticks += 1
            await asyncio.sleep(0.01)
        return await backing_up, ticks

    with simulator.connect() as client:
        report, ticks = asyncio.run(backup_while_ticking(client))
    assert report.ok, report.error
    # 1.5 s of cloning at one tick per 10 ms: far more than a held interpreter would allow.
    assert ticks > 50


def retention_clones(client: vmrotate.Client) -> list[str]:
    """The names of avocado2's retention clones (those without a slot), oldest first."""
    (listed,) = client.list_backups(SOURCE)
    return [generation.name for generation in listed.generations if generation.slot is None]


def test_prune_removes_what_the_retention_policy_removes(client: vmrotate.Client) -> None:
    daily = vmrotate.Retention("restic", keep_daily=7)
    first = client.backup(SOURCE, [DURIAN], retention=daily, utc=True, at=day(1))
    assert first.ok, first.error
    second = client.backup(SOURCE, [DURIAN], retention=daily, utc=True, at=day(3))
    assert second.ok, second.error
    assert second.retention is not None
    assert second.retention.remove == []
    assert second.retention.to_dict() == second.to_dict()["retention"]
    assert retention_clones(client) == [first.created, second.created]

    last = vmrotate.Retention("restic", keep_last=1)
    planned = client.prune(SOURCE, last, dry_run=True, at=day(3))
    assert planned.ok and planned.dry_run, planned.error
    assert planned.retention is not None and planned.retention.remove == [first.created]
    assert planned.deleted == []
    assert retention_clones(client) == [first.created, second.created]

    pruned = client.prune(SOURCE, last, at=day(3))
    assert pruned.ok, pruned.error
    assert pruned.retention is not None
    assert pruned.retention.keep == [second.created]
    assert pruned.retention.reasons == {second.created: ["last snapshot"]}
    assert pruned.deleted == [first.created]
    assert pruned.created is None
    assert retention_clones(client) == [second.created]


def test_retention_excludes_slots(client: vmrotate.Client) -> None:
    daily = vmrotate.Retention("restic", keep_daily=7)
    with pytest.raises(ValueError, match="both 3 slots and a retention policy"):
        client.backup(SOURCE, [DURIAN], slots=3, retention=daily)
    assert client.find_vms(prefix="zz_") == []
