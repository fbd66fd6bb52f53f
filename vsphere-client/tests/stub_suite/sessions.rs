//! Sessions against a stub that behaves like vCenter with cookies (a new cookie on every reply
//! to a request without one): the session cookie comes from `Login` only and survives a
//! re-login, and work on session-bound objects (views, paging tokens, collectors) starts
//! again once from fresh ones after the session was renewed.

use std::time::Duration;

use vsphere_client::property::ViewQuery;
use vsphere_client::task::Task;
use vsphere_client::types::{CurrentTimeRequest, ManagedObjectReference, Value};
use vsphere_client::{Client, Password};

use crate::canned::{TASK, page, reference_val, state, task_update, vms};
use crate::stub::{Reply, Stub};

const LOGGED_IN: &str = "vmware_soap_session=stub-2";

fn not_authenticated() -> Reply {
    Reply::fault(
        "NotAuthenticated",
        "The session is not authenticated.",
        r#"<object type="Folder">group-d1</object><privilegeId>System.View</privilegeId>"#,
    )
}

fn current_time() -> Reply {
    Reply::ok(
        "CurrentTime",
        "<returnval>2026-11-25T14:59:26.929043916Z</returnval>",
    )
}

/// A stub that sets cookies like vCenter, and a client logged in to it; the connect's
/// `RetrieveServiceContent` got `stub-1`, the login `stub-2`.
async fn logged_in() -> (Stub, Client) {
    let stub = Stub::start().await;
    stub.set_cookie_on_cookieless_replies();
    let client = stub.client().await;
    assert_eq!(
        client.session_cookie(),
        None,
        "a cookie set on a reply other than Login's was adopted"
    );
    client
        .login("backup@vsphere.local", &Password::from("s3cret".to_owned()))
        .await
        .expect("login");
    (stub, client)
}

/// Every request after the login carried the login's cookie.
fn assert_one_cookie_after_login(stub: &Stub) {
    let requests = stub.requests();
    let login = requests
        .iter()
        .position(|request| request.method == "Login")
        .expect("a login");
    assert_eq!(
        requests[login].cookie, None,
        "a fresh login sends no cookie"
    );
    for request in &requests[login + 1..] {
        assert_eq!(
            request.cookie.as_deref(),
            Some(LOGGED_IN),
            "{} carried another cookie",
            request.method
        );
    }
}

#[tokio::test]
async fn cookies_of_other_replies_never_replace_the_login_session() {
    let (stub, client) = logged_in().await;
    let this = client.service_content().root_folder.clone();
    // The first call finds the session expired; the re-login is slow, and meanwhile another
    // call is made.
    stub.script("CurrentTime", [not_authenticated()]);
    stub.always(current_time());
    stub.script("Login", [Reply::login().after(Duration::from_millis(300))]);
    let request = CurrentTimeRequest { this: this.clone() };

    let expired = client.call(request);
    let concurrent = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        client.invoke("CurrentTime", &this, &[]).await
    };
    let (expired, concurrent) = tokio::join!(expired, concurrent);

    expired.expect("the call retried after the re-login");
    concurrent.expect("the concurrent call");
    assert_eq!(
        stub.calls().iter().filter(|call| *call == "Login").count(),
        2
    );
    client
        .call(CurrentTimeRequest { this })
        .await
        .expect("a call after the re-login");
    assert_eq!(
        client
            .session_cookie()
            .map(|c| c.expose_secret().to_owned()),
        Some("stub-2".to_owned())
    );
    assert_one_cookie_after_login(&stub);
}

fn all_vms() -> ViewQuery {
    ViewQuery::new(
        ManagedObjectReference::new("Folder", "group-d1"),
        "VirtualMachine",
        &["name"],
    )
}

#[tokio::test]
async fn a_listing_whose_session_expires_restarts_once_from_a_new_view() {
    let (stub, client) = logged_in().await;
    stub.script(
        "RetrievePropertiesEx",
        [
            page("RetrievePropertiesEx", &vms(0..2), Some("token-1")),
            page("RetrievePropertiesEx", &vms(0..3), None),
        ],
    );
    // The session expires before the second page; after the re-login the token is unknown.
    stub.script(
        "ContinueRetrievePropertiesEx",
        [
            not_authenticated(),
            Reply::fault(
                "InvalidArgument",
                "A specified parameter was not correct: token",
                "<invalidProperty>token</invalidProperty>",
            ),
        ],
    );

    let objects = all_vms().page_size(2).retrieve(&client).await.unwrap();

    let names: Vec<&str> = objects.iter().map(|o| o.name().unwrap()).collect();
    assert_eq!(names, ["VM 0", "VM 1", "VM 2"]);
    assert_eq!(
        stub.calls(),
        [
            "Login",
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "Login",
            "ContinueRetrievePropertiesEx",
            "CreateContainerView",
            "RetrievePropertiesEx",
            "DestroyView"
        ]
    );
    assert_one_cookie_after_login(&stub);
}

#[tokio::test]
async fn a_listing_restarts_only_once() {
    let (stub, client) = logged_in().await;
    stub.script(
        "RetrievePropertiesEx",
        [
            not_authenticated(),
            Reply::fault("ManagedObjectNotFound", "gone", ""),
            not_authenticated(),
            Reply::fault("ManagedObjectNotFound", "gone again", ""),
        ],
    );

    let error = all_vms().retrieve(&client).await.unwrap_err();

    assert!(error.to_string().contains("gone again"), "{error}");
    let listings = stub
        .calls()
        .iter()
        .filter(|c| *c == "CreateContainerView")
        .count();
    assert_eq!(listings, 2);
}

#[tokio::test]
async fn a_failed_page_cancels_the_retrieval_and_destroys_the_view() {
    let stub = Stub::start().await;
    stub.script(
        "RetrievePropertiesEx",
        [page("RetrievePropertiesEx", &vms(0..2), Some("token-1"))],
    );
    stub.script(
        "ContinueRetrievePropertiesEx",
        [Reply::fault(
            "SystemError",
            "the page broke",
            "<reason>disk</reason>",
        )],
    );
    let client = stub.client().await;

    let error = all_vms().page_size(2).retrieve(&client).await.unwrap_err();

    assert!(error.to_string().contains("the page broke"), "{error}");
    assert_eq!(
        stub.calls(),
        [
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "CancelRetrievePropertiesEx",
            "DestroyView"
        ]
    );
    let cancel = &stub.bodies("CancelRetrievePropertiesEx")[0];
    assert!(cancel.contains("<token>token-1</token>"), "{cancel}");
}

#[tokio::test]
async fn a_task_wait_whose_session_expires_follows_on_a_new_collector() {
    let (stub, client) = logged_in().await;
    stub.script(
        "WaitForUpdatesEx",
        [
            not_authenticated(),
            // The collector of the old session is gone in the new one.
            Reply::fault(
                "ManagedObjectNotFound",
                "The object has already been deleted or has not been completely created",
                r#"<obj type="PropertyCollector">session[stub]collector-1</obj>"#,
            ),
            task_update(
                "1",
                "enter",
                &[
                    ("info.state", Some(state("success"))),
                    ("info.result", Some(reference_val("VirtualMachine", "vm-9"))),
                ],
            ),
        ],
    );
    let task = Task::new(client.clone(), ManagedObjectReference::new("Task", TASK));

    let result = task.wait(Duration::from_secs(30), |_| {}).await.unwrap();

    assert_eq!(
        result,
        Value::ManagedObjectReference(ManagedObjectReference::new("VirtualMachine", "vm-9"))
    );
    assert_eq!(
        stub.calls(),
        [
            "Login",
            "CreatePropertyCollector",
            "CreateFilter",
            "WaitForUpdatesEx",
            "Login",
            "WaitForUpdatesEx",
            "CreatePropertyCollector",
            "CreateFilter",
            "WaitForUpdatesEx",
            "DestroyPropertyCollector"
        ]
    );
    assert_one_cookie_after_login(&stub);
}

#[tokio::test]
async fn a_missing_required_result_is_an_error_and_the_session_key_never_shows() {
    let stub = Stub::start().await;
    stub.set_cookie_on_cookieless_replies();
    stub.script("Login", [Reply::ok("Login", "")]);
    let client = stub.client().await;
    let password = Password::from("s3cret".to_owned());

    let error = client
        .login("backup@vsphere.local", &password)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("returnval"), "{error}");
    assert_eq!(client.session_cookie(), None);

    let session = client
        .login("backup@vsphere.local", &password)
        .await
        .unwrap();
    assert_eq!(session.user_name, "backup@vsphere.local");
    let shown = format!("{session:?}");
    assert!(!shown.contains(&session.key), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}
