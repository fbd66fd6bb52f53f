//! The crate's [`Error`]: what went wrong in a call to the server, and what to do about it.
//!
//! No message and no `Debug` output contains a password or a session cookie: the transport
//! keeps the cookie out of its errors, the client never puts credentials into an error, and
//! the server's faults do not echo them.

use std::time::Duration;

use crate::soap::SoapFault;
use crate::transport::{TlsError, TransportError};
use crate::types::{AnyMethodFault, FaultKind, LocalizedMethodFault, ValueTypeError};
use crate::xml::DecodeError;

/// A failed call to a vCenter or ESXi server.
///
/// Faults the server reports are [`Error::Fault`]; ask them what they are with
/// [`is_fault`](Self::is_fault), which follows the fault hierarchy:
///
/// ```
/// use vsphere_client::Error;
/// use vsphere_client::soap::SoapFault;
/// use vsphere_client::types::{AnyMethodFault, FaultKind, InvalidLogin};
///
/// let error = Error::Fault {
///     method: "Login".into(),
///     fault: Box::new(SoapFault {
///         code: "ServerFaultCode".into(),
///         message: "Login failure".into(),
///         fault: Some(AnyMethodFault::InvalidLogin(Box::default())),
///     }),
/// };
/// assert!(error.is_fault(FaultKind::InvalidLogin));
/// assert!(error.is_fault(FaultKind::VimFault));
/// assert_eq!(error.fault_type(), Some("InvalidLogin"));
/// assert_eq!(
///     error.to_string(),
///     "Login failed: InvalidLogin (ServerFaultCode): Login failure; check the user name and password"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server could not be reached, or the exchange broke off (see [`TransportError`]).
    #[error(transparent)]
    Transport(TransportError),
    /// The server's TLS certificate was rejected; the error shows its thumbprints, to check
    /// and pin.
    #[error(transparent)]
    Tls(TlsError),
    /// The server, or a proxy on the way, answered with an HTTP status that carries no SOAP reply.
    #[error("{error}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The transport's description: URL, status meaning and the start of the body.
        error: TransportError,
    },
    /// The server rejected the call with a vim25 fault.
    #[error("{method} failed: {fault}{}", fault_hint(fault))]
    Fault {
        /// The vim25 method that failed, such as `Login`.
        method: String,
        /// The fault: its code, message and typed detail.
        fault: Box<SoapFault>,
    },
    /// The server's answer could not be decoded.
    #[error(
        "the server's answer to {method} cannot be read: {error}. If the server is newer than \
         this client, report the response that failed"
    )]
    Decode {
        /// The vim25 method whose response failed to decode.
        method: String,
        /// Where and why decoding stopped.
        error: DecodeError,
    },
    /// A value had another type than expected.
    #[error("{what} has an unexpected type: {error}")]
    UnexpectedValue {
        /// What the value is, such as `SessionManager.currentSession`.
        what: String,
        /// The expected and the found type.
        error: ValueTypeError,
    },
    /// Something did not finish in time.
    #[error(
        "{what} did not finish within {}s; check that the server is up and not overloaded, or \
         allow more time",
        after.as_secs_f32()
    )]
    Timeout {
        /// What took too long, such as `the CurrentTime request to https://vc.example/sdk`.
        what: String,
        /// The time allowed.
        after: Duration,
    },
    /// The session cannot be used.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// Something looked up on the server does not exist.
    #[error("{what} was not found; check the name or path, and whether it was removed")]
    NotFound {
        /// What was looked for, such as `the VM "web01" in folder "/DC0/vm"`.
        what: String,
    },
}

impl Error {
    /// The server's typed fault, for [`Error::Fault`] with a detail.
    pub fn fault(&self) -> Option<&AnyMethodFault> {
        match self {
            Error::Fault { fault, .. } => fault.fault.as_ref(),
            _ => None,
        }
    }

    /// The vim25 type name of the server's fault, such as `InvalidLogin`.
    pub fn fault_type(&self) -> Option<&str> {
        self.fault().map(AnyMethodFault::type_name)
    }

    /// The server fault's type and its ancestors up to `MethodFault` (nothing for other errors).
    pub fn fault_ancestors(&self) -> impl Iterator<Item = FaultKind> {
        self.fault().into_iter().flat_map(AnyMethodFault::ancestors)
    }

    /// Whether this is a server fault of type `kind` or of a subtype of it.
    pub fn is_fault(&self, kind: FaultKind) -> bool {
        self.fault().is_some_and(|fault| fault.is_a(kind))
    }

    /// An [`Error::Fault`] for a fault the server reported as data (in a `missingSet`, a
    /// task's `info.error`) while doing `method`: the server's fault all the same.
    pub(crate) fn reported_fault(method: &str, fault: &LocalizedMethodFault) -> Self {
        Error::Fault {
            method: method.to_owned(),
            fault: Box::new(SoapFault {
                code: "ServerFaultCode".to_owned(),
                message: fault.localized_message.clone().unwrap_or_default(),
                fault: Some(fault.fault.clone()),
            }),
        }
    }

    /// Sorts a transport error into the variant a caller matches on; `method` names the call
    /// for timeouts.
    pub(crate) fn from_transport(method: &str, error: TransportError) -> Self {
        match error {
            TransportError::Tls(tls) => Error::Tls(tls),
            TransportError::Http { status, .. } => Error::Http { status, error },
            TransportError::Timeout { url, limit } => Error::Timeout {
                what: format!("the {method} request to {url}"),
                after: limit,
            },
            other => Error::Transport(other),
        }
    }
}

/// What to do about the faults users meet most, as the end of [`Error::Fault`]'s message.
fn fault_hint(fault: &SoapFault) -> &'static str {
    let hints = [
        (
            FaultKind::InvalidLogin,
            "; check the user name and password",
        ),
        (
            FaultKind::NotAuthenticated,
            "; the session expired, was logged out or never existed: log in again or pass a \
             valid session cookie",
        ),
        (
            FaultKind::NoPermission,
            "; the user lacks a privilege this call needs: ask an administrator to grant it",
        ),
        (
            FaultKind::ManagedObjectNotFound,
            "; the object no longer exists on the server: look it up again",
        ),
    ];
    hints
        .into_iter()
        .find(|(kind, _)| fault.is_a(*kind))
        .map_or("", |(_, hint)| hint)
}

/// Why the session cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The client was closed (on this or another clone of it).
    #[error("the client was closed; connect a new client to make more calls")]
    Closed,
    /// The cookie passed to [`Client::attach_session`](crate::Client::attach_session) is not
    /// a live session.
    #[error(
        "the session cookie is not a live session on the server (it expired, was logged out, or \
         belongs to another server); log in, or pass the cookie of a current session"
    )]
    NotALiveSession,
    /// The server's `ServiceContent` names no `SessionManager`, so no one can log in.
    #[error(
        "the server's ServiceContent has no SessionManager, so this client cannot log in; a \
         server given an API version it does not expect leaves its managers unset: check the \
         negotiated or configured API version"
    )]
    NoSessionManager,
    /// The server accepted a `Login` but gave no session cookie, and the login was not sent
    /// with one the server could have authenticated.
    #[error("the server accepted the login but set no `vmware_soap_session` cookie")]
    NoSessionCookie,
    /// The session expired and logging in again with the stored credentials failed.
    #[error("the session expired and logging in again failed: {0}")]
    ReloginFailed(Box<Error>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault_error(method: &str, message: &str, fault: AnyMethodFault) -> Error {
        Error::Fault {
            method: method.into(),
            fault: Box::new(SoapFault {
                code: "ServerFaultCode".into(),
                message: message.into(),
                fault: Some(fault),
            }),
        }
    }

    #[test]
    fn not_authenticated_says_to_log_in_again() {
        let error = fault_error(
            "CurrentTime",
            "",
            AnyMethodFault::NotAuthenticated(Box::default()),
        );
        assert_eq!(
            error.to_string(),
            "CurrentTime failed: NotAuthenticated (ServerFaultCode); the session expired, was \
             logged out or never existed: log in again or pass a valid session cookie"
        );
        assert!(error.is_fault(FaultKind::NoPermission));
        assert!(!error.is_fault(FaultKind::InvalidLogin));
    }

    #[test]
    fn fault_ancestors_climb_to_method_fault() {
        let error = fault_error(
            "Login",
            "Login failure",
            AnyMethodFault::InvalidLogin(Box::default()),
        );
        let names: Vec<_> = error.fault_ancestors().map(FaultKind::name).collect();
        assert_eq!(names, ["InvalidLogin", "VimFault", "MethodFault"]);
    }

    #[test]
    fn other_errors_carry_no_fault() {
        let error = Error::NotFound {
            what: "the VM \"web01\"".into(),
        };
        assert_eq!(error.fault_type(), None);
        assert_eq!(error.fault_ancestors().count(), 0);
        assert!(!error.is_fault(FaultKind::MethodFault));
    }

    #[test]
    fn transport_errors_are_sorted_by_kind() {
        let http = TransportError::Http {
            url: "https://vc.example/sdk".into(),
            status: 503,
            snippet: String::new(),
        };
        assert!(matches!(
            Error::from_transport("Login", http),
            Error::Http { status: 503, .. }
        ));
        let timeout = TransportError::Timeout {
            url: "https://vc.example/sdk".into(),
            limit: Duration::from_secs(30),
        };
        let error = Error::from_transport("CurrentTime", timeout);
        assert!(matches!(error, Error::Timeout { .. }));
        assert!(error.to_string().starts_with(
            "the CurrentTime request to https://vc.example/sdk did not finish within 30s"
        ));
        let io = TransportError::Io {
            url: "https://vc.example/sdk".into(),
            cause: "reset".into(),
        };
        assert!(matches!(
            Error::from_transport("Logout", io),
            Error::Transport(_)
        ));
    }
}
