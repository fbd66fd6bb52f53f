//! vmrotate as a native library with a small JSON C ABI, for the PowerShell module
//! (`bindings/powershell`) and any other language that can call C.
//!
//! Requests and replies are JSON text in NUL-terminated UTF-8 strings; every reply is
//! `{"ok": ...}` or `{"error": {"kind": ..., "fault": ..., "message": ...}}` and is freed with
//! [`vmr_string_free`]. `docs/native-abi.md` documents each request and reply, and why the
//! ABI is JSON rather than generated bindings; `include/vmrotate.h` declares the functions.
//!
//! | function | does |
//! |---|---|
//! | [`vmr_version`] | the library's and the ABI's version |
//! | [`vmr_plan`] | plans one rotation offline ([`vmrotate::rotation_core`]) |
//! | [`vmr_retention_plan`] | applies a time-based retention policy offline ([`vmrotate::RetentionConfig`]) |
//! | [`vmr_client_new`] | connects and logs in; the client owns its Tokio runtime |
//! | [`vmr_call`] | `backup`, `list`, `restore`, `unlock`, `events` (poll), `logout` |
//! | [`vmr_cancel`] | asks the calls running on a client to stop (from another thread) |
//! | [`vmr_client_set_event_callback`] | progress events through a callback instead of polling |
//! | [`vmr_client_free`], [`vmr_string_free`] | give back a client, a reply |
//!
//! The library adds no behaviour of its own: each request maps onto the `vmrotate` crate's
//! public API, and each reply is that API's serialized result (`docs/report-schema.md`).
//!
//! ```
//! use std::ffi::CStr;
//! use vmrotate_native::{vmr_plan, vmr_string_free};
//!
//! let request = c"{\"key\": \"avocado2\", \"stamp\": \"201909250241\", \"names\": [\"avocado2\"]}";
//! // SAFETY: a NUL-terminated request; the reply is read, then freed once.
//! let reply = unsafe { vmr_plan(request.as_ptr()) };
//! let text = unsafe { CStr::from_ptr(reply) }.to_str()?.to_owned();
//! unsafe { vmr_string_free(reply) };
//! let reply: serde_json::Value = serde_json::from_str(&text)?;
//! assert_eq!(reply["ok"]["new_clone"], "zz_avocado2-01-201909250241");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod abi;
mod boundary;
mod call;
mod cancel;
mod client;
mod connect;
mod error;
mod events;
mod plan;
mod reply;
mod retention;

pub use abi::{
    VMR_ABI_VERSION, vmr_call, vmr_cancel, vmr_client_free, vmr_client_new,
    vmr_client_set_event_callback, vmr_plan, vmr_retention_plan, vmr_string_free, vmr_version,
};
pub use client::VmrClient;
pub use events::VmrEventCallback;
