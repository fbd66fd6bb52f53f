//! Certificate policies against a local HTTPS server with a certificate made at test time.

use vsphere_client::transport::{TlsError, TlsPolicy, TransportError};

use crate::support::{Reply, TestCertificate, TestServer, envelope, transport};

const OK_BODY: &str = "<ok/>";

async fn server_with(certificate: &TestCertificate) -> TestServer {
    TestServer::tls(certificate, |_| Reply::xml(200, OK_BODY)).await
}

/// Posts once and returns the TLS error the transport reports.
async fn tls_error(server: &TestServer, policy: TlsPolicy) -> TlsError {
    let result = transport(server.sdk_url(), policy)
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await;
    match result {
        Err(TransportError::Tls(error)) => error,
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

/// Posts once, expecting the server to answer.
async fn assert_accepted(server: &TestServer, policy: TlsPolicy) {
    let reply = transport(server.sdk_url(), policy)
        .post_soap("urn:vim25/8.0.3.0", envelope())
        .await
        .expect("the certificate is accepted");
    assert_eq!(
        (reply.status, reply.body.as_slice()),
        (200, OK_BODY.as_bytes())
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn default_verification_rejects_a_self_signed_certificate_and_shows_its_thumbprints() {
    let certificate = TestCertificate::self_signed(&["127.0.0.1"]);
    let server = server_with(&certificate).await;

    let error = tls_error(&server, TlsPolicy::SystemRoots).await;

    let seen = certificate.thumbprints();
    assert!(
        matches!(&error, TlsError::Untrusted { certificate, .. } if *certificate == seen),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&seen.sha256.to_string()), "{message}");
    assert!(message.contains(&seen.sha1.to_string()), "{message}");
    assert!(
        message.contains(&format!("pin its SHA-256 thumbprint {}", seen.sha256)),
        "{message}"
    );
    // A library message: no command-line flags of any tool.
    assert!(!message.contains("--"), "{message}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_ca_file_holding_the_certificate_makes_it_trusted() {
    let certificate = TestCertificate::self_signed(&["127.0.0.1"]);
    let server = server_with(&certificate).await;
    let ca_file = certificate.pem_file();

    assert_accepted(&server, TlsPolicy::CaFile(ca_file.0.clone())).await;
}

#[tokio::test]
async fn a_ca_file_still_checks_the_host_name() {
    let certificate = TestCertificate::self_signed(&["vcenter.example"]);
    let server = server_with(&certificate).await;
    let ca_file = certificate.pem_file();

    let error = tls_error(&server, TlsPolicy::CaFile(ca_file.0.clone())).await;

    let TlsError::Untrusted {
        reason,
        certificate: seen,
    } = &error
    else {
        panic!("expected an untrusted certificate, got {error:?}");
    };
    assert_eq!(*seen, certificate.thumbprints());
    assert!(reason.contains("not valid for name"), "{reason}");
}

#[tokio::test]
async fn a_ca_file_does_not_make_an_expired_certificate_trusted() {
    let certificate = TestCertificate::expired(&["127.0.0.1"]);
    let server = server_with(&certificate).await;
    let ca_file = certificate.pem_file();

    let error = tls_error(&server, TlsPolicy::CaFile(ca_file.0.clone())).await;

    assert!(
        matches!(&error, TlsError::Untrusted { reason, certificate: seen }
            if reason.contains("expired") && *seen == certificate.thumbprints()),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_ca_file_replaces_the_system_roots() {
    let served = TestCertificate::self_signed(&["127.0.0.1"]);
    let unrelated = TestCertificate::self_signed(&["127.0.0.1"]);
    let server = server_with(&served).await;
    let ca_file = unrelated.pem_file();

    let error = tls_error(&server, TlsPolicy::CaFile(ca_file.0.clone())).await;

    assert!(matches!(error, TlsError::Untrusted { .. }), "{error:?}");
}

#[tokio::test]
async fn the_right_sha256_pin_is_accepted_whatever_the_host_name() {
    // The certificate names another host, as a vCenter reached by IP address often does.
    let certificate = TestCertificate::self_signed(&["vcenter.example"]);
    let server = server_with(&certificate).await;

    assert_accepted(&server, TlsPolicy::Pinned(certificate.thumbprints().sha256)).await;
}

#[tokio::test]
async fn the_right_sha1_pin_is_accepted() {
    let certificate = TestCertificate::self_signed(&["vcenter.example"]);
    let server = server_with(&certificate).await;
    let pin = certificate
        .thumbprints()
        .sha1
        .to_string()
        .parse()
        .expect("a SHA-1 thumbprint");

    assert_accepted(&server, TlsPolicy::Pinned(pin)).await;
}

#[tokio::test]
async fn a_pin_accepts_even_an_expired_certificate() {
    let certificate = TestCertificate::expired(&["127.0.0.1"]);
    let server = server_with(&certificate).await;

    assert_accepted(&server, TlsPolicy::Pinned(certificate.thumbprints().sha256)).await;
}

#[tokio::test]
async fn a_wrong_pin_is_rejected_and_the_seen_thumbprints_are_shown() {
    let certificate = TestCertificate::self_signed(&["127.0.0.1"]);
    let other = TestCertificate::self_signed(&["127.0.0.1"]);
    let server = server_with(&certificate).await;
    let pinned = other.thumbprints().sha256;

    let error = tls_error(&server, TlsPolicy::Pinned(pinned)).await;

    let seen = certificate.thumbprints();
    assert!(
        matches!(&error, TlsError::PinMismatch { pinned: p, certificate } if *p == pinned && *certificate == seen),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&pinned.to_string()), "{message}");
    assert!(message.contains(&seen.sha256.to_string()), "{message}");
    assert!(message.contains(&seen.sha1.to_string()), "{message}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn insecure_accepts_any_certificate() {
    let certificate = TestCertificate::expired(&["vcenter.example"]);
    let server = server_with(&certificate).await;

    assert_accepted(&server, TlsPolicy::Insecure).await;
}
