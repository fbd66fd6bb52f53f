//! Logging in again, once, when a call finds the session expired.

use std::fs;

use tokio::task::JoinSet;
use vsphere_client::object::{ServiceInstance, SessionManager};
use vsphere_client::types::{
    DataObject, FaultKind, ObjectSpec, PropertyFilterSpec, PropertySpec, Value,
};

use crate::support::{
    IDLE_TIMEOUT, PAST_IDLE_TIMEOUT, connect, expiring_simulator, logged_in, start,
};

#[tokio::test]
async fn a_call_after_expiry_logs_in_again_and_succeeds() {
    let client = logged_in(expiring_simulator()).await;
    let first = client.session_cookie().expect("a session");

    tokio::time::sleep(PAST_IDLE_TIMEOUT).await;
    ServiceInstance::of(&client)
        .current_time()
        .await
        .expect("CurrentTime after logging in again");
    let second = client.session_cookie().expect("a new session");
    assert_ne!(first.expose_secret(), second.expose_secret());
}

#[tokio::test]
async fn expiry_reported_in_a_missing_set_logs_in_again() {
    let client = logged_in(expiring_simulator()).await;
    let first = client.session_cookie().expect("a session");

    tokio::time::sleep(PAST_IDLE_TIMEOUT).await;
    let session = SessionManager::of(&client)
        .expect("a session manager")
        .current_session()
        .await
        .expect("currentSession after logging in again")
        .expect("a current session");
    assert_ne!(session.key, first.expose_secret());
    assert_eq!(
        Some(session.key),
        client
            .session_cookie()
            .map(|c| c.expose_secret().to_owned())
    );
}

#[tokio::test]
async fn untyped_calls_log_in_again_on_a_missing_set_expiry() {
    let client = logged_in(expiring_simulator()).await;
    let first = client.session_cookie().expect("a session");
    let root = client.service_content().root_folder.clone();
    let spec = PropertyFilterSpec {
        prop_set: vec![PropertySpec {
            r#type: "Folder".into(),
            all: None,
            path_set: vec!["name".into()],
        }],
        object_set: vec![ObjectSpec {
            obj: root,
            skip: None,
            select_set: Vec::new(),
        }],
        report_missing_objects_in_results: None,
    };
    let args = [
        (
            "specSet",
            Value::Data(DataObject::PropertyFilterSpec(Box::new(spec))),
        ),
        (
            "options",
            Value::Data(DataObject::RetrieveOptions(Box::default())),
        ),
    ];

    tokio::time::sleep(PAST_IDLE_TIMEOUT).await;
    let collector = client.service_content().property_collector.clone();
    let result = client
        .invoke("RetrievePropertiesEx", &collector, &args)
        .await
        .expect("RetrievePropertiesEx after logging in again");
    assert!(format!("{result:?}").contains("Datacenters"), "{result:?}");
    assert_ne!(client.session_cookie(), Some(first));
}

#[tokio::test]
async fn concurrent_calls_after_expiry_log_in_once() {
    let trace_dir = tempfile::tempdir().expect("a temporary directory");
    let trace = trace_dir.path().join("trace.xml");
    let simulator = start(
        vcsim::Simulator::builder()
            .session_idle_timeout(IDLE_TIMEOUT)
            .trace_file(&trace),
    );
    let client = logged_in(&simulator).await;

    tokio::time::sleep(PAST_IDLE_TIMEOUT).await;
    let mut calls = JoinSet::new();
    for _ in 0..8 {
        let service_instance = ServiceInstance::of(&client);
        calls.spawn(async move { service_instance.current_time().await });
    }
    for result in calls.join_all().await {
        result.expect("CurrentTime after logging in again");
    }
    let logins = fs::read_to_string(&trace)
        .expect("the trace")
        .matches("<Login xmlns")
        .count();
    assert_eq!(logins, 2, "one login, then one login again");
}

#[tokio::test]
async fn an_attached_session_that_expired_is_not_renewed() {
    let simulator = expiring_simulator();
    let owner = logged_in(simulator).await;
    let client = connect(simulator).await;
    client
        .attach_session(owner.session_cookie().expect("a session"))
        .await
        .expect("attaches");

    tokio::time::sleep(PAST_IDLE_TIMEOUT).await;
    let error = ServiceInstance::of(&client)
        .current_time()
        .await
        .expect_err("no credentials to log in again");
    assert!(error.is_fault(FaultKind::NotAuthenticated), "{error}");
    assert!(
        error
            .to_string()
            .contains("log in again or pass a valid session cookie")
    );
}
