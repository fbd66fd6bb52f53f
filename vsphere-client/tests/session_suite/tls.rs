//! TLS policies against the simulator serving a test certificate.

use std::sync::OnceLock;

use tempfile::TempDir;
use vcsim::{Simulator, TestCert};
use vsphere_client::transport::{TlsError, TlsPolicy};
use vsphere_client::{Client, Error};

use crate::support::{config, start};

struct TlsSimulator {
    simulator: Simulator,
    cert: TestCert,
    _dir: TempDir,
}

fn tls_simulator() -> &'static TlsSimulator {
    static SIMULATOR: OnceLock<TlsSimulator> = OnceLock::new();
    SIMULATOR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let cert = TestCert::generate(dir.path()).expect("a test certificate");
        let simulator = start(Simulator::builder().tls(&cert));
        TlsSimulator {
            simulator,
            cert,
            _dir: dir,
        }
    })
}

async fn connect_with(tls: TlsPolicy) -> Result<Client, Error> {
    let mut config = config(&tls_simulator().simulator);
    config.transport.tls = tls;
    Client::connect(config).await
}

fn pin(fingerprint: &str) -> TlsPolicy {
    TlsPolicy::Pinned(fingerprint.parse().expect("a thumbprint"))
}

#[tokio::test]
async fn the_pinned_certificate_is_accepted_by_sha256_or_sha1() {
    let cert = &tls_simulator().cert;
    for tls in [pin(cert.sha256_fingerprint()), pin(cert.sha1_fingerprint())] {
        let client = connect_with(tls)
            .await
            .expect("connects to the pinned server");
        assert!(tls_simulator().simulator.url().starts_with("https://"));
        assert_eq!(client.api_version().as_str(), "6.5");
    }
}

#[tokio::test]
async fn another_pin_is_refused_showing_the_certificate() {
    let other = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
    let error = connect_with(pin(other)).await.expect_err("a wrong pin");
    let Error::Tls(TlsError::PinMismatch { certificate, .. }) = &error else {
        panic!("expected a pin mismatch, got {error:?}");
    };
    let cert = &tls_simulator().cert;
    assert_eq!(certificate.sha256.to_string(), cert.sha256_fingerprint());
    assert_eq!(certificate.sha1.to_string(), cert.sha1_fingerprint());
    assert!(
        error.to_string().contains(cert.sha256_fingerprint()),
        "{error}"
    );
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_by_default() {
    let error = connect_with(TlsPolicy::SystemRoots)
        .await
        .expect_err("a self-signed certificate");
    let Error::Tls(TlsError::Untrusted { certificate, .. }) = &error else {
        panic!("expected an untrusted certificate, got {error:?}");
    };
    assert_eq!(
        certificate.sha256.to_string(),
        tls_simulator().cert.sha256_fingerprint()
    );
}

#[tokio::test]
async fn insecure_accepts_any_certificate() {
    connect_with(TlsPolicy::Insecure)
        .await
        .expect("connects without verification");
}
