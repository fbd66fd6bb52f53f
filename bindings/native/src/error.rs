//! What can go wrong behind the C boundary, and the `error` object each failure becomes.

use std::str::Utf8Error;

use serde::Serialize;
use vmrotate::{ErrorKind, ErrorReport};

/// A failed call of the C ABI, reported as `{"error": {"kind", "message", "fault",
/// "fault_ancestors", "seen_thumbprint"}}`: for the library's errors, its [`ErrorReport`].
///
/// Messages say what went wrong and what to do; none contains a password or a session cookie
/// (the request's values are never quoted, only serde's description of where it is wrong).
#[derive(Debug, thiserror::Error)]
pub(crate) enum AbiError {
    /// A pointer argument was null.
    #[error("{what} is null: pass {expected}")]
    Null {
        /// The argument, e.g. `request_json`.
        what: &'static str,
        /// What it must point to.
        expected: &'static str,
    },
    /// A string argument was not UTF-8.
    #[error("{what} is not valid UTF-8 ({error}): encode the text as UTF-8")]
    InvalidUtf8 {
        /// The argument, e.g. `request_json`.
        what: &'static str,
        /// Where decoding stopped.
        #[source]
        error: Utf8Error,
    },
    /// A string argument was no JSON, or JSON that does not fit the request's schema.
    #[error("{what} is not a valid request ({error}): docs/native-abi.md describes the schema")]
    InvalidJson {
        /// The argument, e.g. `request_json`.
        what: &'static str,
        /// serde's description: what is wrong and where (line and column).
        #[source]
        error: serde_json::Error,
    },
    /// The client's Tokio runtime could not start.
    #[error(
        "the native library cannot start its runtime ({0}): the process may be out of threads \
         or memory; close other clients and retry"
    )]
    Runtime(#[source] std::io::Error),
    /// A reply could not be serialized.
    #[error(
        "the reply cannot be serialized ({0}). This is a bug in vmrotate: please report it \
         with the request that caused it"
    )]
    Reply(#[source] serde_json::Error),
    /// The library panicked; the panic was caught at the boundary.
    #[error(
        "vmrotate-native panicked: {0}. This is a bug in vmrotate: please report it with the \
         request that caused it"
    )]
    Panicked(String),
    /// The vmrotate library failed.
    #[error(transparent)]
    Vmrotate(#[from] vmrotate::Error),
}

impl AbiError {
    /// The `error` object of a reply.
    pub(crate) fn to_failure(&self) -> Failure {
        let boundary = |kind| Failure {
            kind: FailureKind::Boundary(kind),
            message: self.to_string(),
            fault: None,
            fault_ancestors: Vec::new(),
            seen_thumbprint: None,
        };
        match self {
            AbiError::Null { .. } | AbiError::InvalidUtf8 { .. } | AbiError::InvalidJson { .. } => {
                boundary(BoundaryKind::InvalidRequest)
            }
            AbiError::Runtime(_) | AbiError::Reply(_) | AbiError::Panicked(_) => {
                boundary(BoundaryKind::Internal)
            }
            AbiError::Vmrotate(error) => {
                let report = ErrorReport::from(error);
                Failure {
                    kind: FailureKind::Library(report.kind),
                    message: report.message,
                    fault: report.fault,
                    fault_ancestors: report.fault_ancestors,
                    seen_thumbprint: report.seen_thumbprint,
                }
            }
        }
    }
}

/// The `error` object of a reply: the fields of the library's [`ErrorReport`], with the
/// boundary's own kinds besides the library's.
#[derive(Debug, Serialize)]
pub(crate) struct Failure {
    /// What kind of failure: one of vmrotate's kinds, `invalid_request` or `internal`.
    pub(crate) kind: FailureKind,
    /// What went wrong and what to do.
    pub(crate) message: String,
    /// The vim25 type of the server's fault behind it (e.g. `InvalidLogin`), else `null`.
    pub(crate) fault: Option<String>,
    /// `fault` and its ancestors up to `MethodFault`; empty without a fault.
    pub(crate) fault_ancestors: Vec<String>,
    /// The SHA-256 thumbprint of a server certificate that was rejected, else `null`.
    pub(crate) seen_thumbprint: Option<String>,
}

/// A failure's `kind`: the library's [`ErrorKind`]s, and two of the boundary's own.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum FailureKind {
    /// A failure of the vmrotate library.
    Library(ErrorKind),
    /// A failure at the boundary itself.
    Boundary(BoundaryKind),
}

/// Failures at the C boundary.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum BoundaryKind {
    /// The caller passed a null pointer, invalid UTF-8, or JSON not of the schema: a bug in the
    /// caller (for PowerShell users, in the module).
    InvalidRequest,
    /// The library panicked or could not start a runtime.
    Internal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialize_as_one_flat_vocabulary() {
        let kinds = [
            FailureKind::Library(ErrorKind::NotFound),
            FailureKind::Boundary(BoundaryKind::InvalidRequest),
            FailureKind::Boundary(BoundaryKind::Internal),
        ];
        assert_eq!(
            serde_json::to_string(&kinds).unwrap(),
            r#"["not_found","invalid_request","internal"]"#
        );
    }

    #[test]
    fn library_errors_keep_their_kind_and_message() {
        let error = AbiError::from(vmrotate::Error::Config("slots must be 2 or more".into()));
        let failure = error.to_failure();
        assert_eq!(failure.kind, FailureKind::Library(ErrorKind::Config));
        assert_eq!(failure.fault, None);
        assert_eq!(failure.message, "slots must be 2 or more");
    }
}
