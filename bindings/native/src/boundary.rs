//! Crossing the C boundary: reading the caller's strings, catching panics, handing out and
//! taking back reply strings.

use std::any::Any;
use std::ffi::{CStr, CString, c_char};
use std::panic::{self, AssertUnwindSafe};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AbiError;
use crate::reply;

/// Runs `call` and returns its reply as a new C string for the caller to free with
/// [`vmr_string_free`](crate::vmr_string_free). A panic inside `call` becomes an `internal`
/// error reply instead of unwinding into the caller (which would abort the process).
pub(crate) fn respond<T: Serialize>(call: impl FnOnce() -> Result<T, AbiError>) -> *mut c_char {
    let text = panic::catch_unwind(AssertUnwindSafe(|| match call() {
        Ok(value) => reply::ok(&value),
        Err(error) => reply::error(&error),
    }))
    .unwrap_or_else(|panic| reply::error(&AbiError::Panicked(panic_message(&*panic))));
    into_c_string(text)
}

/// The text a panic was raised with.
fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Parses the NUL-terminated UTF-8 JSON text at `text` as a `T`; `what` names the argument in
/// errors.
///
/// # Safety
/// `text` is null or points to a NUL-terminated string that stays valid during the call.
pub(crate) unsafe fn read_json<T: DeserializeOwned>(
    text: *const c_char,
    what: &'static str,
) -> Result<T, AbiError> {
    if text.is_null() {
        return Err(AbiError::Null {
            what,
            expected: "a NUL-terminated UTF-8 JSON string",
        });
    }
    // SAFETY: not null, and the caller promises a NUL-terminated string valid for this call.
    let bytes = unsafe { CStr::from_ptr(text) };
    let text = bytes
        .to_str()
        .map_err(|error| AbiError::InvalidUtf8 { what, error })?;
    serde_json::from_str(text).map_err(|error| AbiError::InvalidJson { what, error })
}

/// `text` as a C string owned by the caller. JSON text never holds a NUL byte (serde_json
/// escapes it), so the fallback reply is unreachable in practice.
fn into_c_string(text: String) -> *mut c_char {
    CString::new(text)
        .unwrap_or_else(|_| {
            c"{\"error\":{\"kind\":\"internal\",\"fault\":null,\"message\":\"the reply held a NUL byte\"}}"
                .to_owned()
        })
        .into_raw()
}

/// Takes back a string [`respond`] handed out.
///
/// # Safety
/// `text` is null or a pointer [`respond`] returned that was not freed yet.
pub(crate) unsafe fn free_c_string(text: *mut c_char) {
    if !text.is_null() {
        // SAFETY: the caller promises a pointer from `CString::into_raw` in `into_c_string`.
        drop(unsafe { CString::from_raw(text) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reply `respond` handed out, taken back.
    fn take(reply: *mut c_char) -> serde_json::Value {
        assert!(!reply.is_null());
        // SAFETY: `respond` returned it and it is freed right after.
        let text = unsafe { CStr::from_ptr(reply) }
            .to_str()
            .unwrap()
            .to_owned();
        unsafe { free_c_string(reply) };
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn a_panic_inside_a_call_becomes_an_internal_error_reply() {
        let reply = take(respond(|| -> Result<(), AbiError> {
            panic!("the index was out of range")
        }));
        assert_eq!(reply["error"]["kind"], "internal");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains("the index was out of range"), "{message}");
        assert!(message.contains("please report it"), "{message}");
        let formatted = take(respond(|| -> Result<(), AbiError> {
            panic!("slot {} of {}", 5, 4)
        }));
        assert!(
            formatted["error"]["message"]
                .as_str()
                .unwrap()
                .contains("slot 5 of 4")
        );
    }

    #[test]
    fn results_become_ok_or_error_replies() {
        assert_eq!(take(respond(|| Ok("fine")))["ok"], "fine");
        let reply = take(respond(|| -> Result<(), AbiError> {
            Err(vmrotate::Error::Locked("avocado2 is locked".into()).into())
        }));
        assert_eq!(reply["error"]["kind"], "locked");
    }

    #[test]
    fn strings_are_checked_before_parsing() {
        // SAFETY: null, and then NUL-terminated literals.
        let null = unsafe { read_json::<serde_json::Value>(std::ptr::null(), "request_json") };
        assert!(matches!(
            null,
            Err(AbiError::Null {
                what: "request_json",
                ..
            })
        ));
        let latin1 = unsafe { read_json::<serde_json::Value>(c"\"caf\xe9\"".as_ptr(), "x") };
        assert!(matches!(latin1, Err(AbiError::InvalidUtf8 { .. })));
        let broken = unsafe { read_json::<serde_json::Value>(c"{\"op\":".as_ptr(), "x") };
        assert!(matches!(broken, Err(AbiError::InvalidJson { .. })));
        let fine = unsafe { read_json::<Vec<u8>>(c"[1, 2]".as_ptr(), "x") };
        assert_eq!(fine.unwrap(), [1, 2]);
    }

    #[test]
    fn freeing_null_does_nothing() {
        // SAFETY: null is allowed.
        unsafe { free_c_string(std::ptr::null_mut()) };
    }
}
