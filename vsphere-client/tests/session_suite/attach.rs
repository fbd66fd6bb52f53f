//! Using a session another client opened.

use vsphere_client::Error;
use vsphere_client::error::SessionError;
use vsphere_client::object::ServiceInstance;
use vsphere_client::transport::SessionCookie;

use crate::support::{connect, logged_in, simulator};

#[tokio::test]
async fn attaches_the_session_of_another_client() {
    let simulator = simulator();
    let owner = logged_in(simulator).await;
    let cookie = owner.session_cookie().expect("a session");

    let client = connect(simulator).await;
    let session = client
        .attach_session(cookie.clone())
        .await
        .expect("attaches a live session");
    assert_eq!(session.key, cookie.expose_secret());
    assert_eq!(session.user_name, simulator.username());
    assert_eq!(client.session_cookie(), Some(cookie));
    ServiceInstance::of(&client)
        .current_time()
        .await
        .expect("calls in the attached session");
}

#[tokio::test]
async fn a_bogus_cookie_is_refused_clearly() {
    let client = connect(simulator()).await;
    let bogus: SessionCookie = "vmware_soap_session=6d1f8a2e-0000-4000-8000-000000000000"
        .parse()
        .expect("a well-formed cookie");

    let error = client
        .attach_session(bogus)
        .await
        .expect_err("not a live session");
    assert!(
        matches!(error, Error::Session(SessionError::NotALiveSession)),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("log in, or pass the cookie of a current session")
    );
    assert_eq!(client.session_cookie(), None);
}
