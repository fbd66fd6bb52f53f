//! The golden parity table (`tests/parity/` of the workspace) through the C ABI: each case's
//! request to `vmr_plan`, `vmr_retention_plan` or a client's `vmr_call` (backup cases, on a
//! fresh simulator), whose reply must be `expected.json`'s, byte for byte as sorted compact
//! JSON after tests/parity/README.md's normalization.

use std::ffi::{CStr, CString, c_char};
use std::path::{Path, PathBuf};
use std::ptr;

use serde_json::{Value, json};
use vmrotate_native::{
    VmrClient, vmr_call, vmr_client_free, vmr_client_new, vmr_plan, vmr_retention_plan,
    vmr_string_free,
};

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/parity")
}

fn read(file: &str) -> Value {
    let text = std::fs::read_to_string(folder().join(file)).expect("the parity files");
    serde_json::from_str(&text).expect("JSON")
}

/// Reads and frees a reply.
fn take(reply: *mut c_char) -> Value {
    assert!(!reply.is_null(), "replies are never null");
    // SAFETY: a reply of the library, read once, then freed once.
    let text = unsafe { CStr::from_ptr(reply) }
        .to_str()
        .expect("UTF-8")
        .to_owned();
    // SAFETY: as above.
    unsafe { vmr_string_free(reply) };
    serde_json::from_str(&text).expect("replies are JSON")
}

#[test]
fn the_native_library_gives_the_expected_replies() {
    let cases = read("cases.json");
    let expected = read("expected.json");
    let cases = cases["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        let name = case["name"].as_str().expect("a name");
        let reply = if let Some(request) = case.get("plan") {
            let request = CString::new(request.to_string()).expect("no NUL");
            // SAFETY: a NUL-terminated request.
            take(unsafe { vmr_plan(request.as_ptr()) })
        } else if let Some(request) = case.get("backup") {
            backup(request)
        } else if let Some(connect) = case.get("connect") {
            login(connect["password"].as_str().expect("a password"))
        } else {
            let request = CString::new(case["retention"].to_string()).expect("no NUL");
            // SAFETY: a NUL-terminated request.
            take(unsafe { vmr_retention_plan(request.as_ptr()) })
        };
        assert_eq!(
            serde_json::to_string(&reply).expect("serializes"),
            serde_json::to_string(&expected[name]).expect("serializes"),
            "{name}"
        );
    }
}

fn simulator() -> vcsim::Simulator {
    vcsim::Simulator::builder()
        .hosts(2)
        .vm_name("avocado2")
        .nfs(["NFS_durian", "NFS_mango"])
        .start()
        .expect("the simulator starts")
}

/// `vmr_client_new` on `simulator` with `password`: the reply and the client (null on failure).
fn client_new(simulator: &vcsim::Simulator, password: &str) -> (Value, *mut VmrClient) {
    let config = json!({
        "url": simulator.url(),
        "username": simulator.username(),
        "password": password,
    });
    let config = CString::new(config.to_string()).expect("no NUL");
    let mut client = ptr::null_mut();
    // SAFETY: a NUL-terminated config and a writable out pointer.
    let reply = take(unsafe { vmr_client_new(config.as_ptr(), &mut client) });
    (reply, client)
}

/// A login to a fresh simulator with `password`: the error reply, or `{"ok": null}`.
fn login(password: &str) -> Value {
    let simulator = simulator();
    let (reply, client) = client_new(&simulator, password);
    if client.is_null() {
        return reply;
    }
    // SAFETY: the client from vmr_client_new, no longer used.
    unsafe { vmr_client_free(client) };
    json!({ "ok": null })
}

/// A backup call on a fresh simulator (after the case's `before` call, if any), its run ids and
/// clock readings replaced.
fn backup(request: &Value) -> Value {
    let simulator = simulator();
    let (connected, client) = client_new(&simulator, simulator.password());
    assert!(!client.is_null(), "connects: {connected}");
    let call = |request: &Value| {
        let request = CString::new(request.to_string()).expect("no NUL");
        // SAFETY: the client from vmr_client_new and a NUL-terminated request.
        take(unsafe { vmr_call(client, request.as_ptr()) })
    };
    let mut request = request.clone();
    if let Some(before) = request
        .as_object_mut()
        .and_then(|call| call.remove("before"))
    {
        let run = call(&before);
        assert_eq!(run["ok"]["ok"], true, "{run}");
    }
    let mut reply = call(&request);
    // SAFETY: the client from vmr_client_new, no longer used.
    unsafe { vmr_client_free(client) };
    let reports = reply
        .get_mut("ok")
        .and_then(|run| run.get_mut("reports"))
        .and_then(Value::as_array_mut);
    if let Some(reports) = reports {
        for report in reports {
            report["run"] = json!("<run>");
            report["started"] = json!("<time>");
            report["finished"] = json!("<time>");
        }
    }
    reply
}
