//! The exported C functions. Every function that returns `char *` returns a reply,
//! `{"ok": ...}` or `{"error": {"kind", "fault", "message"}}`, that the caller frees with
//! [`vmr_string_free`]. No function unwinds into the caller: panics become `internal` errors.
//!
//! `include/vmrotate.h` declares these functions; a test keeps the two in step.

use std::ffi::{c_char, c_void};
use std::panic::{self, AssertUnwindSafe};

use serde::Serialize;

use crate::boundary::{free_c_string, read_json, respond};
use crate::call::CallRequest;
use crate::client::VmrClient;
use crate::connect::ConnectRequest;
use crate::error::AbiError;
use crate::events::VmrEventCallback;
use crate::plan::PlanRequest;
use crate::retention::RetentionRequest;

/// The ABI's version: it changes when a function, a request or a reply changes incompatibly.
pub const VMR_ABI_VERSION: u32 = 1;

/// `vmr_version`'s reply.
#[derive(Serialize)]
struct Version {
    version: &'static str,
    abi: u32,
}

/// The library's version: `{"ok": {"version": "0.1.0", "abi": 1}}`.
#[unsafe(no_mangle)]
pub extern "C" fn vmr_version() -> *mut c_char {
    respond(|| {
        Ok(Version {
            version: env!("CARGO_PKG_VERSION"),
            abi: VMR_ABI_VERSION,
        })
    })
}

/// What one backup run would do, offline: `request_json` is a plan request, the reply's `ok`
/// a plan (docs/native-abi.md).
///
/// # Safety
/// `request_json` is null or a NUL-terminated string valid during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmr_plan(request_json: *const c_char) -> *mut c_char {
    respond(|| {
        // SAFETY: the caller's promise.
        let request: PlanRequest = unsafe { read_json(request_json, "request_json") }?;
        request.plan()
    })
}

/// Which snapshots a time-based retention policy keeps and removes, and why, offline:
/// `request_json` is a retention request, the reply's `ok` a decision (docs/native-abi.md).
///
/// # Safety
/// `request_json` is null or a NUL-terminated string valid during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmr_retention_plan(request_json: *const c_char) -> *mut c_char {
    respond(|| {
        // SAFETY: the caller's promise.
        let request: RetentionRequest = unsafe { read_json(request_json, "request_json") }?;
        request.decide()
    })
}

/// Connects and logs in as `config_json` says. On success `*out_client` is the new client
/// (free it with [`vmr_client_free`]) and the reply's `ok` describes the server; on failure
/// `*out_client` is null.
///
/// # Safety
/// `config_json` is null or a NUL-terminated string valid during the call; `out_client` is
/// null or points to writable memory for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmr_client_new(
    config_json: *const c_char,
    out_client: *mut *mut VmrClient,
) -> *mut c_char {
    respond(|| {
        if out_client.is_null() {
            return Err(AbiError::Null {
                what: "out_client",
                expected: "the address of a VmrClient pointer to receive the client",
            });
        }
        // SAFETY: not null, and the caller promises it is writable.
        unsafe { out_client.write(std::ptr::null_mut()) };
        // SAFETY: the caller's promise.
        let request: ConnectRequest = unsafe { read_json(config_json, "config_json") }?;
        let (client, info) = VmrClient::connect(request)?;
        // SAFETY: as above.
        unsafe { out_client.write(Box::into_raw(Box::new(client))) };
        Ok(info)
    })
}

/// Runs `request_json` (`{"op": "backup" | "list" | "restore" | "unlock" | "events" |
/// "logout", ...}`) with `client`, blocking until it is done.
///
/// # Safety
/// `client` is null or a live client from [`vmr_client_new`]; `request_json` is null or a
/// NUL-terminated string valid during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmr_call(
    client: *const VmrClient,
    request_json: *const c_char,
) -> *mut c_char {
    respond(|| {
        // SAFETY: the caller's promise: null or live.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: the caller's promise.
        let request: CallRequest = unsafe { read_json(request_json, "request_json") }?;
        client.call(request)
    })
}

/// Asks the calls running on `client` (`vmr_call` on other threads) to stop, and returns at
/// once; safe from any thread while they run. A backup then cancels its clone task, waits for
/// it to end, deletes a clone it had not verified, removes its snapshot and replies its run
/// report with each stopped VM's `error.kind` `"stopped"`; `list`, `restore` and `unlock`
/// reply an error of kind `stopped`. Calls started later are not affected. Replies
/// `{"ok": n}`, the number of calls asked to stop.
///
/// # Safety
/// `client` is null or a live client from [`vmr_client_new`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmr_cancel(client: *const VmrClient) -> *mut c_char {
    respond(|| {
        // SAFETY: the caller's promise: null or live.
        let client = unsafe { client_ref(client) }?;
        Ok(client.cancel())
    })
}

/// Delivers `client`'s later progress events to `callback` with `user_data`, instead of
/// queueing them for the `events` call; a null `callback` goes back to queueing. Replies
/// `{"ok": null}`.
///
/// # Safety
/// `client` is null or a live client from [`vmr_client_new`]; `callback` and `user_data`
/// may be used from any thread until replaced or the client is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmr_client_set_event_callback(
    client: *const VmrClient,
    callback: VmrEventCallback,
    user_data: *mut c_void,
) -> *mut c_char {
    respond(|| {
        // SAFETY: the caller's promise: null or live.
        let client = unsafe { client_ref(client) }?;
        client.set_event_callback(callback, user_data);
        Ok(())
    })
}

/// Frees `client` (null: does nothing), without logging out: call `{"op": "logout"}` first
/// to end the session.
///
/// # Safety
/// `client` is null or a client from [`vmr_client_new`] that no call uses any more and that
/// is not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmr_client_free(client: *mut VmrClient) {
    if client.is_null() {
        return;
    }
    // SAFETY: the caller's promise: from `Box::into_raw` in `vmr_client_new`, freed once.
    let client = unsafe { Box::from_raw(client) };
    // Dropping a runtime from inside another runtime panics; never unwind into C for it.
    let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(client)));
}

/// Frees a reply string (null: does nothing).
///
/// # Safety
/// `text` is null or a reply from one of these functions that is not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vmr_string_free(text: *mut c_char) {
    // SAFETY: the caller's promise.
    unsafe { free_c_string(text) }
}

/// The client behind `client`.
///
/// # Safety
/// `client` is null or a live client.
unsafe fn client_ref<'a>(client: *const VmrClient) -> Result<&'a VmrClient, AbiError> {
    // SAFETY: the caller's promise.
    unsafe { client.as_ref() }.ok_or(AbiError::Null {
        what: "client",
        expected: "a client from vmr_client_new",
    })
}
