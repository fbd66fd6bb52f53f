//! The one error type of the vmrotate library.

use serde::{Deserialize, Serialize};
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

/// What kind of [`Error`] happened, for exit codes and the `error.kind` of JSON reports.
///
/// Serialized in snake case: `"config"`, `"not_found"`, `"ambiguous"`, `"preflight"`,
/// `"login"`, `"locked"`, `"refused"`, `"verify"`, `"incomplete"`, `"stopped"`, `"vsphere"`.
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
    /// The server rejected the user name or password.
    Login,
    /// Another run holds the VM's lock.
    Locked,
    /// An unsafe step was refused.
    Refused,
    /// The new clone could not be verified.
    Verify,
    /// A step failed after others had changed things.
    Incomplete,
    /// The run was asked to stop, and cleaned up.
    Stopped,
    /// Any other failure of the server or the connection to it.
    Vsphere,
}

impl ErrorKind {
    /// Whether this kind means the input (settings, names, credentials) must be fixed and
    /// nothing was changed: the command line exits with 2 for these.
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
        match self {
            Error::Vsphere(error) => error.fault_type(),
            Error::Step { source, .. } => source.fault_type(),
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

/// The kind of a server error: a rejected login is bad input, the rest the server's.
fn server_kind(error: &vsphere_client::Error) -> ErrorKind {
    if error.is_fault(FaultKind::InvalidLogin) {
        ErrorKind::Login
    } else {
        ErrorKind::Vsphere
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
    fn kinds_serialize_in_snake_case() {
        let json = serde_json::to_string(&[ErrorKind::NotFound, ErrorKind::Locked]).unwrap();
        assert_eq!(json, r#"["not_found","locked"]"#);
        assert!(!ErrorKind::Locked.is_usage());
        assert!(!ErrorKind::Refused.is_usage());
    }
}
