//! Connecting, logging in and out, faults, version negotiation and closing.

use vsphere_client::error::SessionError;
use vsphere_client::object::{ServiceInstance, SessionManager};
use vsphere_client::soap::{ResponseError, decode_response, encode_request};
use vsphere_client::transport::{Transport, TransportConfig};
use vsphere_client::types::{CurrentTimeRequest, FaultKind, ManagedObjectReference, Value};
use vsphere_client::xml::DecodeLimits;
use vsphere_client::{Client, Error, Password};

use crate::support::{PASSWORD, config, connect, logged_in, password, simulator};

#[tokio::test]
async fn logs_in_calls_and_logs_out() {
    let simulator = simulator();
    let client = connect(simulator).await;
    assert_eq!(client.session_cookie(), None);

    let session = client
        .login(simulator.username(), &password())
        .await
        .expect("logs in");
    assert_eq!(session.user_name, simulator.username());
    let cookie = client
        .session_cookie()
        .expect("a session cookie after login");
    assert_eq!(cookie.expose_secret(), session.key);

    let before = jiff::Timestamp::now();
    let now = ServiceInstance::of(&client)
        .current_time()
        .await
        .expect("CurrentTime");
    assert!(
        now >= before
            .checked_sub(jiff::SignedDuration::from_secs(60))
            .unwrap()
    );

    client.logout().await.expect("logs out");
    assert_eq!(client.session_cookie(), None);
    let error = ServiceInstance::of(&client)
        .current_time()
        .await
        .expect_err("no session after logout");
    assert!(error.is_fault(FaultKind::NotAuthenticated), "{error}");
    assert!(
        error
            .to_string()
            .contains("log in again or pass a valid session cookie"),
        "{error}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_invalid_login_and_never_shown() {
    let simulator = simulator();
    let client = connect(simulator).await;
    let wrong = Password::from(format!("{PASSWORD}-wrong"));

    let error = client
        .login(simulator.username(), &wrong)
        .await
        .expect_err("a wrong password is refused");
    assert!(matches!(error, Error::Fault { ref method, .. } if method == "Login"));
    assert!(error.is_fault(FaultKind::InvalidLogin), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("check the user name and password"),
        "{message}"
    );
    for shown in [message, format!("{error:?}")] {
        assert!(!shown.contains(PASSWORD), "the password leaks: {shown}");
    }
    assert_eq!(client.session_cookie(), None);
}

#[tokio::test]
async fn debug_output_shows_no_secret() {
    let simulator = simulator();
    let client = logged_in(simulator).await;
    let cookie = client.session_cookie().expect("a session");
    let shown = [
        format!("{client:?}"),
        format!("{:?}", config(simulator)),
        format!("{:?}", password()),
    ];
    for shown in shown {
        assert!(!shown.contains(PASSWORD), "the password leaks: {shown}");
        assert!(
            !shown.contains(cookie.expose_secret()),
            "the cookie leaks: {shown}"
        );
    }
    assert!(format!("{client:?}").contains(simulator.username()));
}

#[tokio::test]
async fn announces_the_version_the_server_offers() {
    let simulator = simulator();
    let client = connect(simulator).await;
    assert_eq!(client.api_version().as_str(), "6.5");
    assert_eq!(client.api_version().soap_action(), "urn:vim25/6.5");
    assert_eq!(client.service_content().about.api_version, "6.5");

    let mut fixed = config(simulator);
    fixed.api_version = Some("8.0.3.0".parse().expect("a version"));
    let client = Client::connect(fixed).await.expect("connects");
    assert_eq!(client.api_version().soap_action(), "urn:vim25/8.0.3.0");
}

#[tokio::test]
async fn session_manager_reports_the_current_session_as_active() {
    let simulator = simulator();
    let client = logged_in(simulator).await;
    let sessions = SessionManager::of(&client).expect("a session manager");

    let current = sessions
        .current_session()
        .await
        .expect("currentSession")
        .expect("a current session");
    assert_eq!(current.user_name, simulator.username());
    assert!(
        sessions
            .session_is_active(&current.key, &current.user_name)
            .await
            .expect("SessionIsActive")
    );
}

#[tokio::test]
async fn invoke_calls_untyped_methods() {
    let simulator = simulator();
    let client = logged_in(simulator).await;
    let root = client.service_content().root_folder.clone();
    let search_index = client
        .service_content()
        .search_index
        .clone()
        .expect("a search index");

    let found = client
        .invoke(
            "FindByInventoryPath",
            &search_index,
            &[("inventoryPath", Value::String("DC0".into()))],
        )
        .await
        .expect("FindByInventoryPath");
    let datacenter = found
        .as_managed_object_reference()
        .expect("the datacenter's reference");
    assert_eq!(datacenter.r#type, "Datacenter");

    let missing = client
        .invoke(
            "FindByInventoryPath",
            &search_index,
            &[("inventoryPath", Value::String("no/such/path".into()))],
        )
        .await
        .expect("FindByInventoryPath");
    assert!(missing.is_null());

    let error = client
        .invoke("NoSuchMethod", &root, &[])
        .await
        .expect_err("an unknown method fails");
    assert!(
        matches!(error, Error::Fault { ref method, .. } if method == "NoSuchMethod"),
        "{error}"
    );
}

#[tokio::test]
async fn close_logs_out_and_ends_every_clone() {
    let simulator = simulator();
    let client = logged_in(simulator).await;
    let clone = client.clone();
    let cookie = client.session_cookie().expect("a session");

    client.close().await.expect("closes");
    let error = clone
        .call(CurrentTimeRequest {
            this: ManagedObjectReference::new("ServiceInstance", "ServiceInstance"),
        })
        .await
        .expect_err("a closed client makes no calls");
    assert!(
        matches!(error, Error::Session(SessionError::Closed)),
        "{error}"
    );
    assert!(
        error.to_string().contains("connect a new client"),
        "{error}"
    );
    clone.close().await.expect("closing again does nothing");

    let transport = Transport::new(TransportConfig::new(
        simulator.url().parse().expect("the URL"),
    ))
    .expect("a transport");
    transport.set_session_cookie(cookie.clone());
    let request = encode_request(&CurrentTimeRequest {
        this: ManagedObjectReference::new("ServiceInstance", "ServiceInstance"),
    });
    let reply = transport
        .post_soap("urn:vim25/6.5", request)
        .await
        .expect("a reply");
    match decode_response::<jiff::Timestamp>(&reply.body, &DecodeLimits::default()) {
        Err(ResponseError::Fault(fault)) => assert!(fault.is_a(FaultKind::NotAuthenticated)),
        other => panic!("the old cookie still works: {other:?}"),
    }

    let other = connect(simulator).await;
    let error = other
        .attach_session(cookie)
        .await
        .expect_err("the closed client's session was logged out");
    assert!(
        matches!(error, Error::Session(SessionError::NotALiveSession)),
        "{error}"
    );
}
