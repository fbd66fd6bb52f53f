//! Replies: `{"ok": <value>}` or `{"error": {"kind", "message", "fault", "fault_ancestors",
//! "seen_thumbprint"}}`, as JSON text.

use serde::Serialize;

use crate::error::{AbiError, Failure};

#[derive(Serialize)]
struct OkReply<'a, T> {
    ok: &'a T,
}

#[derive(Serialize)]
struct ErrorReply {
    error: Failure,
}

/// The reply to a call that succeeded with `value`, or the error reply if `value` cannot be
/// serialized.
pub(crate) fn ok<T: Serialize>(value: &T) -> String {
    serde_json::to_string(&OkReply { ok: value })
        .unwrap_or_else(|failure| error(&AbiError::Reply(failure)))
}

/// The reply to a call that failed with `error`.
pub(crate) fn error(error: &AbiError) -> String {
    let reply = ErrorReply {
        error: error.to_failure(),
    };
    // A struct of strings and unit enums always serializes; the fallback only keeps this total.
    serde_json::to_string(&reply).unwrap_or_else(|_| {
        r#"{"error":{"kind":"internal","message":"the error cannot be serialized","fault":null,"fault_ancestors":[],"seen_thumbprint":null}}"#
            .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_have_one_top_level_key() {
        assert_eq!(ok(&[1, 2]), r#"{"ok":[1,2]}"#);
        assert_eq!(ok(&()), r#"{"ok":null}"#);
        let failure = error(&AbiError::Null {
            what: "request_json",
            expected: "a JSON request",
        });
        assert_eq!(
            failure,
            r#"{"error":{"kind":"invalid_request","message":"request_json is null: pass a JSON request","fault":null,"fault_ancestors":[],"seen_thumbprint":null}}"#
        );
    }
}
