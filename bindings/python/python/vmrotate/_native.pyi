# Type stubs of the extension module vmrotate._native (bindings/python/src/), kept by hand and
# checked against the built module by `python -m mypy.stubtest vmrotate` (scripts/test-python.sh).
# Import these names from `vmrotate`.

import datetime
import os
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Optional, Union, final

__all__ = [
    "__version__",
    "SlotRotation",
    "Plan",
    "Action",
    "Retention",
    "RetentionDecision",
    "Client",
    "Report",
    "RunReport",
    "ErrorReport",
    "VmBackups",
    "Generation",
    "RestoreReport",
    "connect",
    "from_env",
]

__version__: str

_Path = Union[str, os.PathLike[str]]
_Event = dict[str, Any]

@final
class SlotRotation:
    """The slot rotation of one VM's clones."""

    def __new__(
        cls,
        key: str,
        *,
        prefix: str = "zz_",
        slots: int = 4,
        mode: Literal["safe", "compat"] = "safe",
    ) -> SlotRotation: ...
    def plan(self, names: Sequence[str], *, stamp: Optional[str] = None) -> Plan: ...
    @property
    def prefix(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def slots(self) -> int: ...
    @property
    def generations_kept(self) -> int: ...
    @property
    def mode(self) -> str: ...

@final
class Plan:
    """What one backup run will create and delete, and why."""

    @property
    def mode(self) -> str: ...
    @property
    def current(self) -> int: ...
    @property
    def prev(self) -> int: ...
    @property
    def new_clone(self) -> str: ...
    @property
    def blocked(self) -> Optional[str]: ...
    @property
    def actions(self) -> list[Action]: ...
    @property
    def deletions(self) -> list[str]: ...
    @property
    def findings(self) -> list[dict[str, Any]]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Action:
    """One step of a plan."""

    @property
    def op(self) -> Literal["create", "delete"]: ...
    @property
    def name(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def requires_create(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

_Flavor = Literal["restic", "borg", "pbs"]
_Time = Union[str, datetime.datetime]

@final
class Retention:
    """A time-based retention policy with the semantics of restic, borg or PBS."""

    def __new__(
        cls,
        flavor: _Flavor = "restic",
        *,
        zone: Optional[str] = None,
        keep_last: Optional[int] = None,
        keep_secondly: Optional[int] = None,
        keep_minutely: Optional[int] = None,
        keep_hourly: Optional[int] = None,
        keep_daily: Optional[int] = None,
        keep_weekly: Optional[int] = None,
        keep_monthly: Optional[int] = None,
        keep_13weekly: Optional[int] = None,
        keep_3monthly: Optional[int] = None,
        keep_yearly: Optional[int] = None,
        keep_within: Optional[str] = None,
        keep_within_hourly: Optional[str] = None,
        keep_within_daily: Optional[str] = None,
        keep_within_weekly: Optional[str] = None,
        keep_within_monthly: Optional[str] = None,
        keep_within_yearly: Optional[str] = None,
        keep_tags: Optional[Sequence[Sequence[str]]] = None,
    ) -> Retention: ...
    def apply(
        self, snapshots: Sequence[dict[str, Any]], now: Optional[_Time] = None
    ) -> RetentionDecision: ...
    @property
    def flavor(self) -> _Flavor: ...
    @property
    def zone(self) -> Optional[str]: ...
    @property
    def rules(self) -> dict[str, Any]: ...

@final
class RetentionDecision:
    """Which snapshots a retention policy keeps and removes, and why."""

    @property
    def keep(self) -> list[str]: ...
    @property
    def remove(self) -> list[str]: ...
    @property
    def reasons(self) -> dict[str, list[str]]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Client:
    """A connected vCenter client."""

    def find_vms(self, prefix: Optional[str] = None) -> list[str]: ...
    def backup(
        self,
        vm: str,
        datastores: Sequence[str],
        *,
        slots: int = 4,
        retention: Optional[Retention] = None,
        prefix: str = "zz_",
        folder: Optional[str] = None,
        mode: Literal["safe", "compat"] = "safe",
        vm_match: Literal["exact", "prefix"] = "exact",
        clone_kind: Literal["full", "linked"] = "full",
        host: Optional[str] = None,
        resource_pool: Optional[str] = None,
        quiesce: bool = False,
        utc: bool = False,
        free_space_margin: float = 0.1,
        force: bool = False,
        timeouts: Optional[Mapping[str, str]] = None,
        dry_run: bool = False,
        at: Optional[datetime.datetime] = None,
        on_event: Optional[Callable[[_Event], object]] = None,
    ) -> Report: ...
    def prune(
        self,
        vm: str,
        retention: Retention,
        *,
        prefix: str = "zz_",
        force: bool = False,
        dry_run: bool = False,
        at: Optional[datetime.datetime] = None,
        on_event: Optional[Callable[[_Event], object]] = None,
    ) -> Report: ...
    def backup_all(
        self,
        jobs: Sequence[Mapping[str, Any]],
        *,
        parallel: int = 2,
        clones_per_host: int = 2,
        clones_per_datastore: int = 2,
        dry_run: bool = False,
        at: Optional[datetime.datetime] = None,
        on_event: Optional[Callable[[_Event], object]] = None,
        notify: Optional[Mapping[str, Any]] = None,
        metrics: Optional[Mapping[str, Any]] = None,
    ) -> RunReport: ...
    def list_backups(self, vm: Optional[str] = None, *, prefix: str = "zz_") -> list[VmBackups]: ...
    def restore(
        self,
        clone: str,
        *,
        new_name: Optional[str] = None,
        host: Optional[str] = None,
        datastore: Optional[str] = None,
        folder: Optional[str] = None,
        power_on: bool = False,
        register_only: bool = False,
    ) -> RestoreReport: ...
    def unlock(self, vm: str, *, force: bool = False) -> list[str]: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def __enter__(self) -> Client: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
        /,
    ) -> bool: ...

@final
class Report:
    """The outcome of one VM's backup run."""

    @property
    def vm(self) -> str: ...
    @property
    def run(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def plan(self) -> Optional[Plan]: ...
    @property
    def retention(self) -> Optional[RetentionDecision]: ...
    @property
    def datastore(self) -> Optional[str]: ...
    @property
    def created(self) -> Optional[str]: ...
    @property
    def deleted(self) -> list[str]: ...
    @property
    def unverified(self) -> list[dict[str, str]]: ...
    @property
    def snapshot_removed(self) -> bool: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def error(self) -> Optional[ErrorReport]: ...
    @property
    def started(self) -> datetime.datetime: ...
    @property
    def finished(self) -> datetime.datetime: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class RunReport:
    """The outcome of backing up several VMs."""

    @property
    def ok(self) -> bool: ...
    @property
    def reports(self) -> list[Report]: ...
    @property
    def notifications(self) -> list[dict[str, Any]]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class ErrorReport:
    """Why a backup run failed."""

    @property
    def kind(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def fault_type(self) -> Optional[str]: ...
    @property
    def fault_ancestors(self) -> list[str]: ...
    @property
    def seen_thumbprint(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class VmBackups:
    """The backups of one VM."""

    @property
    def vm(self) -> str: ...
    @property
    def exists(self) -> bool: ...
    @property
    def generations(self) -> list[Generation]: ...
    @property
    def findings(self) -> list[dict[str, Any]]: ...
    @property
    def anomalies(self) -> list[dict[str, Any]]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Generation:
    """One backup generation."""

    @property
    def name(self) -> str: ...
    @property
    def slot(self) -> Optional[int]: ...
    @property
    def stamp(self) -> str: ...
    @property
    def created(self) -> Optional[datetime.datetime]: ...
    @property
    def datastore(self) -> str: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def power_state(self) -> Literal["powered_off", "powered_on", "suspended", "unknown"]: ...
    @property
    def marked(self) -> bool: ...
    @property
    def state(self) -> Literal["verified", "unverified", "failed"]: ...
    @property
    def verification(self) -> Optional[dict[str, Any]]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class RestoreReport:
    """What a restore made."""

    @property
    def vm(self) -> str: ...
    @property
    def from_(self) -> str: ...
    @property
    def register_only(self) -> bool: ...
    @property
    def host(self) -> str: ...
    @property
    def datastore(self) -> str: ...
    @property
    def powered_on(self) -> bool: ...
    @property
    def warnings(self) -> list[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

def connect(
    url: str,
    *,
    username: Optional[str] = None,
    password: Optional[str] = None,
    password_file: Optional[_Path] = None,
    thumbprint: Optional[str] = None,
    ca_file: Optional[_Path] = None,
    insecure: bool = False,
    session_cookie: Optional[str] = None,
) -> Client: ...
def from_env() -> Client: ...
