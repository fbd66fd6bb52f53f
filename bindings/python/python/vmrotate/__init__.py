"""vmrotate: clone-based VM backup rotation for VMware vSphere.

Back up VMs by cloning them from a snapshot onto NFS datastores, keeping a few numbered
generations (``zz_avocado2-02-201909250241``), without ever deleting the last good one::

    import vmrotate

    with vmrotate.connect("vcenter.example", username="backup@vsphere.local",
                          password_file="/etc/vmrotate/password") as client:
        report = client.backup("avocado2", ["NFS_durian", "NFS_mango"], slots=4)
        print(report.created, report.deleted, report.ok)

The rotation policy works offline too::

    plan = vmrotate.SlotRotation("avocado2", slots=4).plan(names, stamp="201909250241")

and so does time-based retention, in the semantics of restic, borg or Proxmox Backup Server::

    retention = vmrotate.Retention("borg", keep_daily=7, keep_weekly=4, zone="Europe/Berlin")
    decision = retention.apply([{"id": "a", "time": "2024-06-03T02:00:00+02:00"}])

Errors are ``VmRotateError`` and its subclasses (below); invalid arguments raise
``ValueError`` or ``TypeError``. Rust log records go to the ``logging`` logger ``vmrotate``.
The work is done by the Rust library ``vmrotate``; this package only wraps it.
"""

from __future__ import annotations

from typing import Optional, Sequence

from ._native import (
    Action,
    Client,
    ErrorReport,
    Generation,
    Plan,
    Report,
    RestoreReport,
    Retention,
    RetentionDecision,
    RunReport,
    SlotRotation,
    VmBackups,
    __version__,
    connect,
    from_env,
)

__all__ = [
    "Action",
    "Client",
    "ErrorReport",
    "FaultError",
    "Generation",
    "LoginError",
    "NotFoundError",
    "Plan",
    "PlanError",
    "Report",
    "RestoreReport",
    "Retention",
    "RetentionDecision",
    "RunReport",
    "SlotRotation",
    "StoppedError",
    "TaskTimeoutError",
    "TlsError",
    "VmBackups",
    "VmRotateError",
    "__version__",
    "connect",
    "from_env",
]


class VmRotateError(Exception):
    """A vmrotate operation failed; the message says what went wrong and what to do.

    ``kind`` sorts the failure as the JSON reports do: ``"not_found"``, ``"ambiguous"``,
    ``"preflight"``, ``"login"``, ``"locked"``, ``"refused"``, ``"verify"``, ``"incomplete"``,
    ``"stopped"``, ``"config"`` or ``"vsphere"`` (any other failure of the server or the
    connection).
    """

    kind: str
    """The error kind, as in the ``error.kind`` of JSON reports."""

    def __init__(self, message: str, *, kind: str = "vsphere") -> None:
        super().__init__(message)
        self.kind = kind


class FaultError(VmRotateError):
    """The server rejected a call with a vSphere fault (e.g. ``NoPermission``)."""

    fault_type: Optional[str]
    """The fault's vim25 type name, e.g. ``"InvalidLogin"`` (``None`` when there was none)."""

    fault_ancestors: Sequence[str]
    """The fault's type, then its ancestors up to ``"MethodFault"``."""

    def __init__(
        self,
        message: str,
        *,
        kind: str = "vsphere",
        fault_type: Optional[str] = None,
        fault_ancestors: Sequence[str] = (),
    ) -> None:
        super().__init__(message, kind=kind)
        self.fault_type = fault_type
        self.fault_ancestors = tuple(fault_ancestors)


class LoginError(FaultError):
    """The server rejected the user name or password (fault ``InvalidLogin``), or the session
    cookie handed over is no live session (then ``fault_type`` is ``None``)."""


class TlsError(VmRotateError):
    """The server's TLS certificate was rejected, or the TLS handshake failed."""

    seen_thumbprint: Optional[str]
    """The SHA-256 thumbprint of the certificate the server presented, to confirm out of band
    and pass as ``connect(..., thumbprint=...)``; ``None`` when no certificate was rejected."""

    def __init__(
        self, message: str, *, kind: str = "vsphere", seen_thumbprint: Optional[str] = None
    ) -> None:
        super().__init__(message, kind=kind)
        self.seen_thumbprint = seen_thumbprint


class NotFoundError(VmRotateError):
    """A VM, backup, datastore, host, pool or folder named in the arguments does not exist."""


class TaskTimeoutError(VmRotateError):
    """A vCenter task or request did not finish in the time allowed."""


class StoppedError(VmRotateError):
    """The operation was asked to stop and did, after cleaning up what the message says (kind
    ``"stopped"``). Ctrl-C itself raises ``KeyboardInterrupt``: a backup stopped by it cleans
    up first, and its report's ``error.kind`` is ``"stopped"``."""


class PlanError(VmRotateError, ValueError):
    """A rotation cannot be set up: slots out of range for the mode, or an empty key; or a
    retention policy cannot be built or applied: a rule its flavor does not have or rejects, a
    restic or borg policy without any rule above 0, an unknown zone, a duplicate snapshot id."""
