//! The one error type of the vmrotate library.

use serde::{Deserialize, Serialize};
use vsphere_client::error::SessionError;
use vsphere_client::transport::TlsError;
use vsphere_client::types::FaultKind;

/// Why a vmrotate operation failed. Every message says what to do about it, and none contains
/// a password or a session cookie.
///
/// [`kind`](Self::kind) sorts errors for exit codes and JSON reports:
///
/// ```
/// use vmrotate::{Error, ErrorKind};
///
/// let error = Error::NotFound("no VM is named \"avocado\": check the name".into());
/// assert_eq!(error.kind(), ErrorKind::NotFound);
/// assert!(error.is_usage());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is missing or invalid; nothing was changed.
    #[error("{0}")]
    Config(String),
    /// The vSphere server refused or failed a call.
    #[error(transparent)]
    Vsphere(#[from] vsphere_client::Error),
    /// The vSphere server refused or failed a call during a step of a backup run.
    #[error("{step} failed: {source}")]
    Step {
        /// What the run was doing, e.g. `cloning avocado2 as zz_avocado2-01-201909250241`.
        step: String,
        /// The server's or the connection's error.
        #[source]
        source: Box<vsphere_client::Error>,
    },
    /// A VM, datastore, host, pool or folder named in the settings does not exist; nothing was
    /// changed.
    #[error("{0}")]
    NotFound(String),
    /// A name or prefix matches several objects where it must match one; nothing was changed.
    #[error("{0}")]
    Ambiguous(String),
    /// The checks before a backup failed (datastore unusable or full, name taken, plan
    /// blocked); nothing was changed.
    #[error("{0}")]
    Preflight(String),
    /// Another vmrotate run holds the VM's lock (its snapshot), or won the race for it.
    #[error("{0}")]
    Locked(String),
    /// vmrotate refused to do something unsafe, such as deleting a powered-on backup.
    #[error("{0}")]
    Refused(String),
    /// The new clone could not be verified, so nothing was deleted.
    #[error("{0}")]
    Verify(String),
    /// A step failed after others had changed things; the message says what state things are
    /// in and what to do.
    #[error("{0}")]
    Incomplete(String),
    /// The run was asked to stop ([`Stop`](crate::Stop)) and did: the message says what it
    /// cleaned up (the task it cancelled, the unverified clone it deleted, its snapshot).
    #[error("{0}")]
    Stopped(String),
}

/// What kind of [`Error`] happened, for exit codes, the `error.kind` of JSON reports, and the
/// exception class each binding raises (one class per kind).
///
/// Serialized in snake case: `"config"`, `"not_found"`, `"ambiguous"`, `"preflight"`,
/// `"login"`, `"tls"`, `"locked"`, `"refused"`, `"verify"`, `"incomplete"`, `"timeout"`,
/// `"stopped"`, `"vsphere"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A setting is missing or invalid.
    Config,
    /// Something named in the settings does not exist.
    NotFound,
    /// A name or prefix matches several objects.
    Ambiguous,
    /// A check before the backup failed.
    Preflight,
    /// The server rejected the user name or password, or a session handed over is no live
    /// session.
    Login,
    /// The server's TLS certificate was rejected, or the TLS handshake failed.
    Tls,
    /// Another run holds the VM's lock.
    Locked,
    /// An unsafe step was refused.
    Refused,
    /// The new clone could not be verified.
    Verify,
    /// A step failed after others had changed things.
    Incomplete,
    /// A vCenter task or request did not finish in the time allowed.
    Timeout,
    /// The run was asked to stop, and cleaned up.
    Stopped,
    /// Any other failure of the server or the connection to it.
    Vsphere,
}

impl ErrorKind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::Config,
        ErrorKind::NotFound,
        ErrorKind::Ambiguous,
        ErrorKind::Preflight,
        ErrorKind::Login,
        ErrorKind::Tls,
        ErrorKind::Locked,
        ErrorKind::Refused,
        ErrorKind::Verify,
        ErrorKind::Incomplete,
        ErrorKind::Timeout,
        ErrorKind::Stopped,
        ErrorKind::Vsphere,
    ];

    /// The kind's name in JSON (`"not_found"`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Ambiguous => "ambiguous",
            ErrorKind::Preflight => "preflight",
            ErrorKind::Login => "login",
            ErrorKind::Tls => "tls",
            ErrorKind::Locked => "locked",
            ErrorKind::Refused => "refused",
            ErrorKind::Verify => "verify",
            ErrorKind::Incomplete => "incomplete",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Stopped => "stopped",
            ErrorKind::Vsphere => "vsphere",
        }
    }

    /// The exit code of the command line for an error of this kind: 2 when the input must be
    /// fixed ([`is_usage`](Self::is_usage)), else 1.
    pub fn exit_code(self) -> u8 {
        if self.is_usage() { 2 } else { 1 }
    }

    /// Whether this kind means the input (settings, names, credentials) must be fixed and
    /// nothing was changed: the command line exits with 2 for these. A rejected certificate
    /// ([`Tls`](Self::Tls)) is not: the handshake also fails for reasons that are the
    /// network's.
    pub fn is_usage(self) -> bool {
        matches!(
            self,
            ErrorKind::Config
                | ErrorKind::NotFound
                | ErrorKind::Ambiguous
                | ErrorKind::Preflight
                | ErrorKind::Login
        )
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::Vsphere(error) => server_kind(error),
            Error::Step { source, .. } => server_kind(source),
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Ambiguous(_) => ErrorKind::Ambiguous,
            Error::Preflight(_) => ErrorKind::Preflight,
            Error::Locked(_) => ErrorKind::Locked,
            Error::Refused(_) => ErrorKind::Refused,
            Error::Verify(_) => ErrorKind::Verify,
            Error::Incomplete(_) => ErrorKind::Incomplete,
            Error::Stopped(_) => ErrorKind::Stopped,
        }
    }

    /// Whether the input must be fixed and nothing was changed (see [`ErrorKind::is_usage`]).
    pub fn is_usage(&self) -> bool {
        self.kind().is_usage()
    }

    /// The vim25 type name of the server's fault behind this error, such as `InvalidLogin`
    /// (`None` for errors that are no server fault). The bindings report it as `fault`.
    ///
    /// ```
    /// let error = vmrotate::Error::Locked("avocado2 is being backed up".into());
    /// assert_eq!(error.fault_type(), None);
    /// ```
    pub fn fault_type(&self) -> Option<&str> {
        self.server().and_then(vsphere_client::Error::fault_type)
    }

    /// The server fault's type, then its ancestors up to `MethodFault` (empty for errors that
    /// are no server fault), so a caller can catch a whole family such as `FileFault`.
    pub fn fault_ancestors(&self) -> Vec<&'static str> {
        self.server()
            .map(|error| error.fault_ancestors().map(FaultKind::name).collect())
            .unwrap_or_default()
    }

    /// The SHA-256 thumbprint of the certificate the server presented, when it was rejected
    /// (untrusted or not the pinned one): to confirm out of band and pin.
    pub fn seen_thumbprint(&self) -> Option<String> {
        match self.server()? {
            vsphere_client::Error::Tls(
                TlsError::Untrusted { certificate, .. } | TlsError::PinMismatch { certificate, .. },
            ) => Some(certificate.sha256.to_string()),
            _ => None,
        }
    }

    /// The exit code of the command line for this error (see [`ErrorKind::exit_code`]).
    pub fn exit_code(&self) -> u8 {
        self.kind().exit_code()
    }

    /// The error of the server or of the connection to it behind this error, if any.
    fn server(&self) -> Option<&vsphere_client::Error> {
        match self {
            Error::Vsphere(error) => Some(error),
            Error::Step { source, .. } => Some(source),
            _ => None,
        }
    }

    /// This error, a server error named as happening during `step`; other errors as they are.
    pub(crate) fn during(self, step: impl FnOnce() -> String) -> Error {
        match self {
            Error::Vsphere(source) => Error::Step {
                step: step(),
                source: Box::new(source),
            },
            other => other,
        }
    }
}

/// The kind of a server error: a rejected login or certificate, and an object that is not
/// there, are bad input; a timeout is its own kind; the rest the server's.
fn server_kind(error: &vsphere_client::Error) -> ErrorKind {
    match error {
        _ if error.is_fault(FaultKind::InvalidLogin) => ErrorKind::Login,
        vsphere_client::Error::Session(SessionError::NotALiveSession) => ErrorKind::Login,
        vsphere_client::Error::Tls(_) => ErrorKind::Tls,
        vsphere_client::Error::Timeout { .. } => ErrorKind::Timeout,
        vsphere_client::Error::NotFound { .. } => ErrorKind::NotFound,
        _ => ErrorKind::Vsphere,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vsphere_client::soap::SoapFault;
    use vsphere_client::types::AnyMethodFault;

    fn fault(fault: AnyMethodFault) -> Error {
        Error::Vsphere(vsphere_client::Error::Fault {
            method: "Login".into(),
            fault: Box::new(SoapFault {
                code: "ServerFaultCode".into(),
                message: "Login failure".into(),
                fault: Some(fault),
            }),
        })
    }

    #[test]
    fn a_rejected_login_is_bad_input_and_other_faults_are_not() {
        let login = fault(AnyMethodFault::InvalidLogin(Box::default()));
        assert_eq!(login.kind(), ErrorKind::Login);
        assert_eq!(login.fault_type(), Some("InvalidLogin"));
        assert!(login.is_usage());
        let other = fault(AnyMethodFault::NotAuthenticated(Box::default()));
        assert_eq!(other.kind(), ErrorKind::Vsphere);
        assert!(!other.is_usage());
    }

    #[test]
    fn server_errors_name_their_step_and_others_stay_as_they_are() {
        let login = fault(AnyMethodFault::InvalidLogin(Box::default()))
            .during(|| "cloning avocado2".to_owned());
        assert_eq!(login.kind(), ErrorKind::Login);
        assert!(
            login
                .to_string()
                .starts_with("cloning avocado2 failed: Login failed"),
            "{login}"
        );
        let config = Error::Config("no VM".into()).during(|| "cloning".to_owned());
        assert_eq!(config.to_string(), "no VM");
    }

    #[test]
    fn kinds_serialize_by_their_names_and_map_to_exit_codes() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            assert_eq!(kind.exit_code(), if kind.is_usage() { 2 } else { 1 });
        }
        assert!(!ErrorKind::Locked.is_usage());
        assert!(!ErrorKind::Refused.is_usage());
        assert!(!ErrorKind::Timeout.is_usage());
        assert!(!ErrorKind::Tls.is_usage());
    }

    #[test]
    fn faults_report_their_ancestors_and_others_none() {
        let login = fault(AnyMethodFault::InvalidLogin(Box::default()));
        assert_eq!(
            login.fault_ancestors(),
            ["InvalidLogin", "VimFault", "MethodFault"]
        );
        assert_eq!(login.seen_thumbprint(), None);
        assert!(Error::Config("x".into()).fault_ancestors().is_empty());
    }

    #[test]
    fn a_missing_object_and_a_dead_session_are_classified_like_the_library_s_own() {
        let missing = Error::Vsphere(vsphere_client::Error::NotFound {
            what: "VM avocado".into(),
        });
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        let dead = Error::Vsphere(vsphere_client::Error::Session(
            SessionError::NotALiveSession,
        ));
        assert_eq!(dead.kind(), ErrorKind::Login);
    }
}
