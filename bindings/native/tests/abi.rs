//! The C ABI as a C caller uses it: replies, bad input, and a client's life against VMware's
//! vCenter simulator.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vcsim::Simulator;
use vmrotate_native::{
    VmrClient, vmr_call, vmr_cancel, vmr_client_free, vmr_client_new,
    vmr_client_set_event_callback, vmr_plan, vmr_retention_plan, vmr_string_free, vmr_version,
};

/// Reads and frees a reply.
fn take(reply: *mut c_char) -> Value {
    assert!(!reply.is_null(), "replies are never null");
    // SAFETY: a reply of the library, read once, then freed once.
    let text = unsafe { CStr::from_ptr(reply) }
        .to_str()
        .expect("replies are UTF-8")
        .to_owned();
    unsafe { vmr_string_free(reply) };
    serde_json::from_str(&text).expect("replies are JSON")
}

fn c(json: &Value) -> CString {
    CString::new(json.to_string()).expect("JSON has no NUL")
}

/// The `ok` of `reply`, failing the test with the error otherwise.
fn ok(reply: Value) -> Value {
    match reply {
        Value::Object(mut fields) if fields.len() == 1 && fields.contains_key("ok") => {
            fields.remove("ok").expect("checked")
        }
        other => panic!("expected an ok reply, got {other}"),
    }
}

/// The `error` of `reply`: (kind, fault, message).
fn error(reply: Value) -> (String, Value, String) {
    let error = &reply["error"];
    assert!(error.is_object(), "expected an error reply, got {reply}");
    assert_eq!(reply.as_object().map(|o| o.len()), Some(1), "{reply}");
    (
        error["kind"].as_str().expect("a kind").to_owned(),
        error["fault"].clone(),
        error["message"].as_str().expect("a message").to_owned(),
    )
}

fn plan(request: &Value) -> Value {
    // SAFETY: a NUL-terminated request.
    take(unsafe { vmr_plan(c(request).as_ptr()) })
}

fn retention_plan(request: &Value) -> Value {
    // SAFETY: a NUL-terminated request.
    take(unsafe { vmr_retention_plan(c(request).as_ptr()) })
}

fn call(client: *const VmrClient, request: &Value) -> Value {
    // SAFETY: a live client (or null, to test that) and a NUL-terminated request.
    take(unsafe { vmr_call(client, c(request).as_ptr()) })
}

#[test]
fn version_reports_the_crate_and_abi_versions() {
    let version = ok(take(vmr_version()));
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(version["abi"], vmrotate_native::VMR_ABI_VERSION);
}

#[test]
fn plan_works_offline_as_rotation_core_plans() {
    let planned = ok(plan(&json!({
        "key": "avocado2",
        "slots": 4,
        "stamp": "201909260241",
        "names": ["avocado2", "zz_avocado2-02-201909230241", "zz_avocado2-03-201909240241",
                  "zz_avocado2-04-201909250241"],
    })));
    assert_eq!(planned["new_clone"], "zz_avocado2-01-201909260241");
    assert_eq!(planned["actions"][0]["op"], "create");
    assert_eq!(planned["actions"][1]["op"], "delete");
    assert_eq!(planned["actions"][1]["name"], "zz_avocado2-02-201909230241");
    let (kind, fault, message) = error(plan(&json!({"key": "avocado2", "slots": 1})));
    assert_eq!((kind.as_str(), fault), ("config", Value::Null));
    assert!(message.contains("at least 2 slots"), "{message}");
}

/// The snapshots and expectations of one case of `rotation-core`'s retention vectors.
fn retention_vector(family: &str, id: &str) -> Value {
    let path = format!(
        "{}/../../rotation-core/tests/data/retention/{family}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("the retention vectors are in the repo");
    let vectors: Value = serde_json::from_str(&text).expect("vectors are JSON");
    let cases = vectors["cases"].as_array().expect("a list of cases");
    cases
        .iter()
        .find(|case| case["id"] == id)
        .unwrap_or_else(|| panic!("{family} has a case {id}"))
        .clone()
}

/// The ids of a JSON list of ids, sorted.
fn ids(list: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = list
        .as_array()
        .expect("a list of ids")
        .iter()
        .map(|id| id.as_str().expect("an id"))
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn retention_plan_decides_as_each_tool_does() {
    for (family, id, flavor, zone) in [
        ("restic-golden", "restic-golden-17", "restic", None),
        (
            "borg14-upstream",
            "borg14-docs-prune-example",
            "borg",
            Some("UTC"),
        ),
        (
            "pbs-upstream",
            "pbs-test_prune_protected-last1",
            "pbs",
            Some("UTC"),
        ),
    ] {
        let case = retention_vector(family, id);
        let decided = ok(retention_plan(&json!({
            "flavor": flavor,
            "rules": case["policy"],
            "zone": zone,
            "snapshots": case["snapshots"],
            "now": case["now"],
        })));
        // The vectors list ids in their tool's order; the decision lists them newest first.
        assert_eq!(
            ids(&decided["keep"]),
            ids(&case["expected"]["keep"]),
            "{id}"
        );
        assert_eq!(
            ids(&decided["remove"]),
            ids(&case["expected"]["remove"]),
            "{id}"
        );
        let newest = decided["keep"][0].as_str().expect("a kept id");
        assert!(decided["reasons"][newest].is_array(), "{id}: {decided}");
    }
}

#[test]
fn retention_plan_errors_say_what_to_fix() {
    let (kind, _, message) = error(retention_plan(&json!({
        "flavor": "restic", "rules": {}, "snapshots": [],
    })));
    assert_eq!(kind, "config");
    assert!(message.contains("set at least one keep rule"), "{message}");
    let (kind, _, message) = error(retention_plan(&json!({
        "flavor": "borg", "rules": {"keep_daily": 7}, "zone": "Mars/Olympus", "snapshots": [],
    })));
    assert_eq!(kind, "config");
    assert!(message.contains("IANA time zone"), "{message}");
    let (kind, _, message) = error(retention_plan(&json!({
        "flavor": "restic", "rules": {"keep_daily": 7}, "snapshots": [{"id": "a", "time": "2024-06-01"}],
    })));
    assert_eq!(kind, "invalid_request");
    assert!(message.contains("RFC 3339"), "{message}");
    let (kind, _, message) = error(retention_plan(&json!({
        "flavor": "restic", "rules": {"keep_dialy": 7}, "snapshots": [],
    })));
    assert_eq!(kind, "invalid_request");
    assert!(message.contains("keep_dialy"), "{message}");
    // SAFETY: null is what is tested.
    let (kind, _, _) = error(take(unsafe { vmr_retention_plan(ptr::null()) }));
    assert_eq!(kind, "invalid_request");
}

#[test]
fn bad_json_is_an_invalid_request() {
    let broken = CString::new("{\"key\": ").unwrap();
    // SAFETY: NUL-terminated.
    let (kind, _, message) = error(take(unsafe { vmr_plan(broken.as_ptr()) }));
    assert_eq!(kind, "invalid_request");
    assert!(
        message.contains("request_json is not a valid request"),
        "{message}"
    );
    let (kind, _, message) = error(plan(&json!({"key": "avocado2", "slot": 3})));
    assert_eq!(kind, "invalid_request");
    assert!(message.contains("slot"), "{message}");
}

#[test]
fn null_pointers_are_errors_not_crashes() {
    // SAFETY: null is what is tested.
    let (kind, _, message) = error(take(unsafe { vmr_plan(ptr::null()) }));
    assert_eq!(kind, "invalid_request");
    assert!(message.starts_with("request_json is null"), "{message}");
    let (kind, _, message) = error(call(ptr::null(), &json!({"op": "events"})));
    assert_eq!(kind, "invalid_request");
    assert!(message.starts_with("client is null"), "{message}");
    let config = c(&json!({"url": "127.0.0.1:9"}));
    // SAFETY: null out pointer and null config are what is tested.
    let (kind, _, message) = error(take(unsafe {
        vmr_client_new(config.as_ptr(), ptr::null_mut())
    }));
    assert_eq!(kind, "invalid_request");
    assert!(message.starts_with("out_client is null"), "{message}");
    let mut client = ptr::dangling_mut::<VmrClient>();
    let (kind, _, _) = error(take(unsafe { vmr_client_new(ptr::null(), &mut client) }));
    assert_eq!(kind, "invalid_request");
    assert!(client.is_null(), "a failed vmr_client_new leaves no client");
    // SAFETY: null is allowed for both.
    unsafe {
        vmr_client_free(ptr::null_mut());
        vmr_string_free(ptr::null_mut());
        let reply = vmr_client_set_event_callback(ptr::null(), None, ptr::null_mut());
        assert_eq!(error(take(reply)).0, "invalid_request");
    }
}

#[test]
fn invalid_utf8_is_an_invalid_request() {
    let latin1 = CString::new(b"{\"key\": \"caf\xe9\"}".to_vec()).unwrap();
    // SAFETY: NUL-terminated.
    let (kind, _, message) = error(take(unsafe { vmr_plan(latin1.as_ptr()) }));
    assert_eq!(kind, "invalid_request");
    assert!(message.contains("not valid UTF-8"), "{message}");
}

/// The article's setup: VM avocado2, two hosts, NFS_durian and NFS_mango.
fn simulator() -> Simulator {
    Simulator::builder()
        .hosts(2)
        .vm_name("avocado2")
        .nfs(["NFS_durian", "NFS_mango"])
        .start()
        .expect("the simulator starts")
}

/// `vmr_client_new` with `password`: the reply and the client (null on failure).
fn connect(simulator: &Simulator, password: &str) -> (Value, *mut VmrClient) {
    let config = c(&json!({
        "url": simulator.url(),
        "username": simulator.username(),
        "password": password,
    }));
    let mut client = ptr::null_mut();
    // SAFETY: a NUL-terminated config and a writable out pointer.
    let reply = take(unsafe { vmr_client_new(config.as_ptr(), &mut client) });
    (reply, client)
}

#[test]
fn a_wrong_password_is_a_login_error_with_its_fault() {
    let simulator = simulator();
    let (reply, client) = connect(&simulator, "not-the-password");
    assert!(client.is_null());
    let (kind, fault, message) = error(reply.clone());
    assert_eq!((kind.as_str(), fault), ("login", json!("InvalidLogin")));
    assert!(!message.contains("not-the-password"), "{message}");
    // The same fields as a report's error and Python's exceptions.
    assert_eq!(
        reply["error"]["fault_ancestors"],
        json!(["InvalidLogin", "VimFault", "MethodFault"])
    );
    assert_eq!(reply["error"]["seen_thumbprint"], Value::Null);
}

fn backup_job(dry_run: bool, day: u8) -> Value {
    json!({
        "op": "backup",
        "jobs": [{"vm": "avocado2", "datastores": ["NFS_durian", "NFS_mango"], "stamp_zone": "utc"}],
        "dry_run": dry_run,
        "at": format!("2019-09-{day:02}T02:41:00Z"),
    })
}

unsafe extern "C" fn collect(event_json: *const c_char, user_data: *mut c_void) {
    // SAFETY: the test registers a `Mutex<Vec<Value>>` that outlives the client; the library
    // passes JSON valid during the call.
    let seen = unsafe { &*(user_data as *const Mutex<Vec<Value>>) };
    let json = unsafe { CStr::from_ptr(event_json) }
        .to_str()
        .expect("UTF-8");
    seen.lock()
        .expect("not poisoned")
        .push(serde_json::from_str(json).expect("JSON"));
}

fn event_names(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["event"].as_str().expect("tagged"))
        .collect()
}

#[test]
fn a_client_connects_backs_up_lists_restores_and_logs_out() {
    let simulator = simulator();
    let (reply, client) = connect(&simulator, simulator.password());
    let info = ok(reply);
    assert!(!client.is_null());
    assert_eq!(info["url"], simulator.url());
    assert!(
        info["server"].as_str().is_some_and(|s| !s.is_empty()),
        "{info}"
    );

    let dry = ok(call(client, &backup_job(true, 22)));
    assert_eq!(
        (&dry["ok"], &dry["reports"][0]["dry_run"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(dry["reports"][0]["created"], Value::Null);
    let polled = ok(call(client, &json!({"op": "events"})));
    assert_eq!(
        event_names(polled.as_array().expect("an array")),
        ["started", "finished"]
    );

    let run = ok(call(client, &backup_job(false, 22)));
    let first = run["reports"][0]["created"]
        .as_str()
        .expect("a clone")
        .to_owned();
    assert_eq!(first, "zz_avocado2-01-201909220241");
    let polled = ok(call(client, &json!({"op": "events"})));
    let polled = event_names(polled.as_array().expect("an array"))
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert_eq!(polled.first().map(String::as_str), Some("started"));
    assert!(polled.iter().any(|name| name == "clone_done"), "{polled:?}");
    assert_eq!(polled.last().map(String::as_str), Some("finished"));

    let seen = Mutex::new(Vec::new());
    // SAFETY: `seen` outlives the client, which is freed below.
    let registered = take(unsafe {
        vmr_client_set_event_callback(client, Some(collect), (&raw const seen).cast_mut().cast())
    });
    assert_eq!(ok(registered), Value::Null);
    let second = ok(call(client, &backup_job(false, 23)));
    assert_eq!(
        second["reports"][0]["created"],
        "zz_avocado2-02-201909230241"
    );
    let delivered = seen.lock().expect("not poisoned").clone();
    assert_eq!(event_names(&delivered).first(), Some(&"started"));
    assert_eq!(event_names(&delivered).last(), Some(&"finished"));
    assert_eq!(ok(call(client, &json!({"op": "events"}))), json!([]));

    let listed = ok(call(client, &json!({"op": "list", "vms": ["avocado2"]})));
    let names: Vec<_> = listed[0]["generations"]
        .as_array()
        .expect("generations")
        .iter()
        .map(|generation| generation["name"].clone())
        .collect();
    assert_eq!(names, [json!(first), json!("zz_avocado2-02-201909230241")]);

    let restored = ok(call(
        client,
        &json!({"op": "restore", "clone": first, "new_name": "avocado2-restored"}),
    ));
    assert_eq!(
        (&restored["vm"], &restored["from"]),
        (&json!("avocado2-restored"), &json!(first))
    );
    let (kind, _, message) = error(call(
        client,
        &json!({"op": "restore", "clone": first, "new_name": "avocado2-restored"}),
    ));
    assert_eq!(kind, "refused", "{message}");

    assert_eq!(
        ok(call(
            client,
            &json!({"op": "unlock", "vm": "avocado2", "force": false})
        )),
        json!([])
    );
    let (kind, _, _) = error(call(client, &json!({"op": "list", "vms": ["no-such-vm"]})));
    assert_eq!(kind, "not_found");
    // A VM's failed backup is in its report, not an error reply.
    let unknown = ok(call(
        client,
        &json!({"op": "backup", "jobs": [{"vm": "no-such-vm", "datastores": ["NFS_durian"]}]}),
    ));
    assert_eq!(unknown["ok"], false);
    assert_eq!(unknown["reports"][0]["error"]["kind"], "not_found");
    // An invalid job is refused before anything runs, as by the command line and Python.
    let (kind, _, message) = error(call(
        client,
        &json!({"op": "backup", "jobs": [
            {"vm": "avocado2", "datastores": ["NFS_durian"]},
            {"vm": "avocado2", "datastores": []},
        ]}),
    ));
    assert_eq!(kind, "config");
    assert!(
        message.starts_with("job 2 (avocado2): no backup datastore")
            && message.contains("`datastores`"),
        "{message}"
    );

    assert_eq!(ok(call(client, &json!({"op": "logout"}))), Value::Null);
    let (kind, _, message) = error(call(client, &json!({"op": "list"})));
    assert_eq!(kind, "vsphere", "{message}");
    // SAFETY: the client from vmr_client_new, no longer used.
    unsafe { vmr_client_free(client) };
}

/// A client pointer another thread may use (the library allows it: clients are `Sync`).
#[derive(Clone, Copy)]
struct Shared(*mut VmrClient);
// SAFETY: `VmrClient` is `Send + Sync`; the tests free it only after joining the threads.
unsafe impl Send for Shared {}

#[test]
fn cancel_stops_a_backup_mid_clone_and_it_cleans_up() {
    let clone_time = Duration::from_secs(6);
    let simulator = Simulator::builder()
        .hosts(2)
        .vm_name("avocado2")
        .nfs(["NFS_durian", "NFS_mango"])
        .async_task("CloneVM_Task", clone_time)
        .start()
        .expect("the simulator starts");
    let (reply, client) = connect(&simulator, simulator.password());
    ok(reply);
    // SAFETY: a live client; no call runs yet.
    assert_eq!(ok(take(unsafe { vmr_cancel(client) })), json!(0));
    let shared = Shared(client);
    let backing_up = std::thread::spawn(move || {
        let shared = shared;
        call(shared.0, &backup_job(false, 22))
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let polled = ok(call(client, &json!({"op": "events"})));
        if event_names(polled.as_array().expect("an array")).contains(&"snapshot_created") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the backup never took its snapshot"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The clone task runs now.
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: a live client, used by the backup thread too (allowed).
    let cancelled = ok(take(unsafe { vmr_cancel(client) }));
    let asked = Instant::now();
    assert_eq!(cancelled, json!(1));
    let run = ok(backing_up.join().expect("the backup thread ends"));
    assert!(
        asked.elapsed() < clone_time - Duration::from_secs(1),
        "the clone was waited out, not cancelled"
    );
    let report = &run["reports"][0];
    assert_eq!(run["ok"], false);
    assert_eq!(report["error"]["kind"], "stopped", "{report}");
    assert_eq!(report["created"], Value::Null, "{report}");
    assert_eq!(report["snapshot_removed"], true, "{report}");
    let listed = ok(call(client, &json!({"op": "list", "vms": ["avocado2"]})));
    assert_eq!(listed[0]["generations"], json!([]), "{listed}");
    assert_eq!(listed[0]["anomalies"], json!([]), "{listed}");
    // The next call is not affected by the earlier cancel.
    let unlocked = ok(call(client, &json!({"op": "unlock", "vm": "avocado2"})));
    assert_eq!(unlocked, json!([]));
    // SAFETY: the client from vmr_client_new, no longer used.
    unsafe { vmr_client_free(client) };
}

#[test]
fn cancel_abandons_a_list_with_a_stopped_error() {
    let delay = Duration::from_secs(3);
    let simulator = Simulator::builder()
        .vm_name("avocado2")
        .method_delay("RetrievePropertiesEx", delay)
        .start()
        .expect("the simulator starts");
    let (reply, client) = connect(&simulator, simulator.password());
    ok(reply);
    let shared = Shared(client);
    let listing = std::thread::spawn(move || {
        let shared = shared;
        call(shared.0, &json!({"op": "list"}))
    });
    let mut cancelled = json!(0);
    let deadline = Instant::now() + Duration::from_secs(10);
    // Until the list is in flight.
    while cancelled == json!(0) {
        assert!(Instant::now() < deadline, "the list never started");
        std::thread::sleep(Duration::from_millis(20));
        // SAFETY: a live client, used by the listing thread too (allowed).
        cancelled = ok(take(unsafe { vmr_cancel(client) }));
    }
    let asked = Instant::now();
    let (kind, _, message) = error(listing.join().expect("the list thread ends"));
    assert!(asked.elapsed() < delay, "the list was waited out");
    assert_eq!(kind, "stopped", "{message}");
    assert!(message.contains("nothing was changed"), "{message}");
    // SAFETY: the client from vmr_client_new, no longer used.
    unsafe { vmr_client_free(client) };
}
