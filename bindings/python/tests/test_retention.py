"""The offline time-based retention: Retention(...).apply(...), checked against the tools'
own published cases (rotation-core/tests/data/retention/)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import vmrotate

from conftest import REPO

VECTORS = REPO / "rotation-core" / "tests" / "data" / "retention"


def vector_case(family: str, case_id: str) -> dict[str, Any]:
    """One case of a retention vector file, by id."""
    cases = json.loads((VECTORS / f"{family}.json").read_text())["cases"]
    (case,) = [case for case in cases if case["id"] == case_id]
    assert isinstance(case, dict)
    return case


def snapshots_of(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The case's snapshots with only the keys the binding takes."""
    keys = {"id", "time", "tags"}
    return [{k: v for k, v in s.items() if k in keys} for s in case["snapshots"]]


def test_a_restic_golden_case_keeps_what_restic_keeps() -> None:
    case = vector_case("restic-golden", "restic-golden-17")
    retention = vmrotate.Retention("restic", **case["policy"])
    decision = retention.apply(snapshots_of(case), case["now"])
    assert decision.keep == case["expected"]["keep"]
    assert set(decision.remove) == set(case["expected"]["remove"])
    assert decision.reasons[decision.keep[0]] == case["expected"]["reasons"][decision.keep[0]]


def test_a_borg_upstream_case_keeps_what_borg_keeps() -> None:
    case = vector_case("borg14-upstream", "borg14-docs-prune-example")
    retention = vmrotate.Retention("borg", zone=case["tz"], **case["policy"])
    decision = retention.apply(snapshots_of(case), case["now"])
    assert set(decision.keep) == set(case["expected"]["keep"])
    assert set(decision.remove) == set(case["expected"]["remove"])


def test_restic_tags_and_the_decision_as_plain_data() -> None:
    retention = vmrotate.Retention(keep_last=1, keep_tags=[["prod"]])
    decision = retention.apply(
        [
            {"id": "old-prod", "time": "2024-06-01T00:00:00Z", "tags": ["prod", "db"]},
            {"id": "old", "time": "2024-06-02T00:00:00Z"},
            {"id": "new", "time": "2024-06-03T00:00:00Z"},
        ],
        "2024-06-04T00:00:00Z",
    )
    assert decision.to_dict() == {
        "keep": ["new", "old-prod"],
        "remove": ["old"],
        "reasons": {"new": ["last snapshot"], "old-prod": ["has tags [prod]"]},
    }
    assert decision.reasons == decision.to_dict()["reasons"]
    assert retention.flavor == "restic"
    assert retention.rules == {"keep_last": 1, "keep_tags": [["prod"]]}


def test_aware_datetimes_keep_their_offset_for_restic() -> None:
    # 23:30 at UTC-5 is the next day in UTC: restic counts it on its own (earlier) day.
    minus_five = timezone(timedelta(hours=-5))
    snapshots = [
        {"id": "late", "time": datetime(2024, 6, 1, 23, 30, tzinfo=minus_five)},
        {"id": "next-day", "time": datetime(2024, 6, 2, 1, 0, tzinfo=timezone.utc)},
    ]
    now = datetime(2024, 6, 3, tzinfo=timezone.utc)
    decision = vmrotate.Retention(keep_daily=2).apply(snapshots, now)
    assert decision.keep == ["late", "next-day"]


def test_borg_counts_days_in_the_given_zone() -> None:
    # 22:30 UTC on June 1st and 01:00 UTC on June 2nd are both June 2nd in Berlin (UTC+2).
    snapshots = [
        {"id": "c", "time": "2024-05-30T12:00:00Z"},
        {"id": "a", "time": "2024-06-01T22:30:00Z"},
        {"id": "b", "time": "2024-06-02T01:00:00Z"},
    ]
    now = "2024-06-03T00:00:00Z"
    berlin = vmrotate.Retention("borg", keep_daily=2, zone="Europe/Berlin").apply(snapshots, now)
    utc = vmrotate.Retention("borg", keep_daily=2, zone="UTC").apply(snapshots, now)
    assert (berlin.keep, berlin.remove) == (["b", "c"], ["a"])
    assert (utc.keep, utc.remove) == (["b", "a"], ["c"])
    assert berlin.reasons == {"b": ["daily #1"], "c": ["daily #2"]}


def test_pbs_knows_protected_snapshots() -> None:
    decision = vmrotate.Retention("pbs", keep_last=1, zone="UTC").apply(
        [
            {"id": "kept-forever", "time": "2024-06-01T00:00:00Z", "protected": True},
            {"id": "old", "time": "2024-06-02T00:00:00Z"},
            {"id": "new", "time": "2024-06-03T00:00:00Z"},
        ]
    )
    assert decision.keep == ["new", "kept-forever"]
    assert decision.reasons["kept-forever"] == ["protected"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"flavor": "restic"}, "refuses a policy without any rule above 0"),
        ({"flavor": "restic", "keep_daily": -2}, "-1 for unlimited"),
        ({"flavor": "pbs", "keep_within": "2d", "zone": "UTC"}, "PBS has no rule `keep_within`"),
        ({"flavor": "borg", "keep_within": "2 days", "zone": "UTC"}, "not a borg duration"),
        ({"flavor": "borg", "keep_daily": 7, "zone": "Mars/Olympus"}, "Mars/Olympus"),
    ],
)
def test_bad_policies_are_plan_errors(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(vmrotate.PlanError, match=message) as raised:
        vmrotate.Retention(**arguments)
    assert isinstance(raised.value, ValueError)
    assert raised.value.kind == "config"


def test_bad_snapshots_are_value_and_type_errors() -> None:
    retention = vmrotate.Retention(keep_last=3)
    now = "2024-06-04T00:00:00Z"
    with pytest.raises(ValueError, match="no time zone"):
        retention.apply([{"id": "a", "time": datetime(2024, 6, 1)}], now)
    with pytest.raises(ValueError, match="no time zone"):
        retention.apply([], datetime(2024, 6, 1))
    with pytest.raises(ValueError, match="not an RFC 3339 time"):
        retention.apply([], "2024-06-01 noon")
    with pytest.raises(vmrotate.PlanError, match="no UTC offset"):
        retention.apply([{"id": "a", "time": "2024-06-01T00:00:00"}], now)
    with pytest.raises(vmrotate.PlanError, match="appears more than once"):
        retention.apply([{"id": "a", "time": now}, {"id": "a", "time": now}], now)
    with pytest.raises(ValueError, match='unknown key "tag"'):
        retention.apply([{"id": "a", "time": now, "tag": ["prod"]}], now)
    with pytest.raises(ValueError, match='no "time"'):
        retention.apply([{"id": "a"}], now)
    with pytest.raises(TypeError, match="must be a dict"):
        retention.apply(["a"], now)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="expected one of `restic`, `borg`, `pbs`"):
        vmrotate.Retention("tarsnap", keep_daily=1)  # type: ignore[arg-type]
