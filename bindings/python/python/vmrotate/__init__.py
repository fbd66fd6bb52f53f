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

Errors are ``VmRotateError`` and its subclasses, one per error kind (below); invalid
arguments raise ``ConfigError`` (a ``ValueError``) or ``TypeError``. Rust log records go to the ``logging`` logger ``vmrotate``.
The work is done by the Rust library ``vmrotate``; this package only wraps it.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

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
    "AmbiguousError",
    "Client",
    "ConfigError",
    "ErrorReport",
    "FaultError",
    "IncompleteError",
    "LockedError",
    "Generation",
    "LoginError",
    "NotFoundError",
    "Plan",
    "PlanError",
    "PreflightError",
    "RefusedError",
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
    "VerifyError",
    "VmRotateError",
    "VsphereError",
    "__version__",
    "connect",
    "from_env",
]


class VmRotateError(Exception):
    """A vmrotate operation failed; the message says what went wrong and what to do.

    Each error kind has its own subclass; ``kind`` names it as the JSON reports do:
    ``"config"`` (:class:`ConfigError`), ``"not_found"``, ``"ambiguous"``, ``"preflight"``,
    ``"login"``, ``"tls"``, ``"locked"``, ``"refused"``, ``"verify"``, ``"incomplete"``,
    ``"timeout"``, ``"stopped"`` or ``"vsphere"`` (any other failure of the server or the connection). Every
    error carries the fields of a report's ``error`` (``ErrorReport``).
    """

    kind: str
    """The error kind, as in the ``error.kind`` of JSON reports."""

    fault_type: Optional[str]
    """The vim25 type of the server's fault behind the error, e.g. ``"InvalidLogin"``."""

    fault_ancestors: Tuple[str, ...]
    """``fault_type``, then its ancestors up to ``"MethodFault"`` (empty without a fault)."""

    seen_thumbprint: Optional[str]
    """The SHA-256 thumbprint of a server certificate that was rejected, to confirm out of band
    and pass as ``connect(..., thumbprint=...)``; ``None`` otherwise."""

    default_kind = "vsphere"

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[str] = None,
        fault_type: Optional[str] = None,
        fault_ancestors: Sequence[str] = (),
        seen_thumbprint: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind if kind is not None else self.default_kind
        self.fault_type = fault_type
        self.fault_ancestors = tuple(fault_ancestors)
        self.seen_thumbprint = seen_thumbprint


class ConfigError(VmRotateError, ValueError):
    """A setting or argument is missing or invalid; nothing was changed."""

    default_kind = "config"


class PlanError(ConfigError):
    """A rotation cannot be set up: slots out of range for the mode, an empty key or a
    malformed stamp; or a retention policy cannot be built or applied: a rule its flavor does
    not have or rejects, a restic or borg policy without any rule above 0, an unknown zone, a
    duplicate snapshot id."""


class NotFoundError(VmRotateError):
    """A VM, backup, datastore, host, pool or folder named in the arguments does not exist."""

    default_kind = "not_found"


class AmbiguousError(VmRotateError):
    """A name or prefix matches several objects where it must match one."""

    default_kind = "ambiguous"


class PreflightError(VmRotateError):
    """A check before the backup failed (datastore unusable or full, name taken)."""

    default_kind = "preflight"


class LockedError(VmRotateError):
    """Another vmrotate run holds the VM's lock (its snapshot)."""

    default_kind = "locked"


class RefusedError(VmRotateError):
    """vmrotate refused an unsafe step, such as deleting a powered-on backup."""

    default_kind = "refused"


class VerifyError(VmRotateError):
    """The new clone could not be verified, so nothing was deleted."""

    default_kind = "verify"


class IncompleteError(VmRotateError):
    """A step failed after others had changed things; the message says what to do."""

    default_kind = "incomplete"


class VsphereError(VmRotateError):
    """The server or the connection to it failed (e.g. fault ``NoPermission``)."""

    default_kind = "vsphere"


FaultError = VsphereError
"""The former name of :class:`VsphereError`."""


class LoginError(VsphereError):
    """The server rejected the user name or password (fault ``InvalidLogin``), or the session
    cookie handed over is no live session (then ``fault_type`` is ``None``)."""

    default_kind = "login"


class TlsError(VsphereError):
    """The server's TLS certificate was rejected, or the TLS handshake failed."""

    default_kind = "tls"


class TaskTimeoutError(VsphereError):
    """A vCenter task or request did not finish in the time allowed."""

    default_kind = "timeout"


class StoppedError(VmRotateError):
    """The operation was asked to stop and did, after cleaning up what the message says (kind
    ``"stopped"``). Ctrl-C itself raises ``KeyboardInterrupt``: a backup stopped by it cleans
    up first, and its report's ``error.kind`` is ``"stopped"``."""

    default_kind = "stopped"
