"""The offline rotation policy: SlotRotation(...).plan(...)."""

from __future__ import annotations

import pytest

import vmrotate

EXISTING = [
    "zz_avocado2-02-201909230241",
    "zz_avocado2-03-201909240241",
    "zz_avocado2-04-201909250241",
    "avocado2",
]


def test_plan_rotates_into_the_free_slot_and_deletes_the_oldest() -> None:
    rotation = vmrotate.SlotRotation(prefix="zz_", key="avocado2", slots=4, mode="safe")
    plan = rotation.plan(EXISTING, stamp="201909260241")

    assert (plan.current, plan.prev) == (1, 2)
    assert plan.new_clone == "zz_avocado2-01-201909260241"
    assert plan.blocked is None
    assert [(action.op, action.name) for action in plan.actions] == [
        ("create", "zz_avocado2-01-201909260241"),
        ("delete", "zz_avocado2-02-201909230241"),
    ]
    assert "slot 01 follows slot 04" in plan.actions[0].reason
    assert [action.requires_create for action in plan.actions] == [False, True]
    assert plan.deletions == ["zz_avocado2-02-201909230241"]
    assert plan.findings == []
    assert (rotation.generations_kept, rotation.mode) == (3, "safe")


def test_to_dict_is_the_cli_json() -> None:
    plan = vmrotate.SlotRotation("avocado2").plan(EXISTING, stamp="201909260241")
    data = plan.to_dict()
    assert set(data) == {"mode", "current", "prev", "new_clone", "blocked", "actions", "findings"}
    assert data["actions"][1] == {
        "op": "delete",
        "name": "zz_avocado2-02-201909230241",
        "reason": plan.actions[1].reason,
        "requires_create": True,
    }
    assert plan.actions[1].to_dict() == data["actions"][1]


def test_findings_are_dicts_with_a_message() -> None:
    names = ["zz_avocado2-01-201909240241", "zz_avocado2-01-201909250241"]
    plan = vmrotate.SlotRotation("avocado2").plan(names, stamp="201909260241")
    (finding,) = plan.findings
    assert finding["kind"] == "duplicate_slot"
    assert finding["slot"] == 1
    assert finding["names"] == names
    assert "slot 01 holds 2 generations" in finding["message"]


def test_a_replayed_run_is_blocked_in_safe_mode() -> None:
    names = ["zz_avocado2-01-201909250241"]
    plan = vmrotate.SlotRotation("avocado2").plan(names, stamp="201909250241")
    assert plan.blocked is not None
    assert plan.actions == []


def test_compat_mode_deletes_before_creating_like_the_script() -> None:
    names = ["zz_avocado2-01-201909220241", "zz_avocado2-02-201909230241"]
    plan = vmrotate.SlotRotation("avocado2", slots=2, mode="compat").plan(
        names, stamp="201909250241"
    )
    assert plan.mode == "compat"
    # The current slot's clone goes before cloning; the prev slot's only after a successful clone.
    assert [(action.op, action.requires_create) for action in plan.actions] == [
        ("delete", False),
        ("create", False),
        ("delete", True),
    ]


def test_without_a_stamp_the_plan_uses_the_local_time_now() -> None:
    plan = vmrotate.SlotRotation("avocado2").plan([])
    assert plan.new_clone.startswith("zz_avocado2-01-20")
    assert len(plan.new_clone) == len("zz_avocado2-01-201909250241")


@pytest.mark.parametrize("slots", [1, 0, 100, 300, -1])
def test_impossible_slot_counts_are_plan_errors(slots: int) -> None:
    with pytest.raises(vmrotate.PlanError, match="slots") as raised:
        vmrotate.SlotRotation("avocado2", slots=slots)
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, vmrotate.VmRotateError)
    assert raised.value.kind == "config"


def test_an_empty_key_is_a_plan_error() -> None:
    with pytest.raises(vmrotate.PlanError, match="key is empty"):
        vmrotate.SlotRotation("")


def test_bad_arguments_are_value_and_type_errors() -> None:
    rotation = vmrotate.SlotRotation("avocado2")
    with pytest.raises(ValueError, match="expected `safe` or `compat`"):
        vmrotate.SlotRotation("avocado2", mode="careful")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stamp"):
        rotation.plan([], stamp="2019-09-25")
    with pytest.raises(TypeError):
        rotation.plan("avocado2")  # a str, not a list of names
    with pytest.raises(TypeError):
        vmrotate.SlotRotation("avocado2", slots="4")  # type: ignore[arg-type]
