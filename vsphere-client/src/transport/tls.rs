//! TLS: how a server's certificate is checked, and errors that show the certificate a server
//! presented so a user can check and pin it.
//!
//! Every policy runs through one rustls [`ServerCertVerifier`] ([`ReportingVerifier`]) that, when
//! it rejects a certificate, attaches the certificate's SHA-256 and SHA-1 thumbprints to the
//! rustls error; [`TlsError::from_handshake_failure`] finds them again in the HTTP client's error.
//! The crypto provider is rustls' `ring` provider, passed explicitly: no process-wide default is
//! installed.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, OtherError, SignatureScheme};

use super::thumbprint::{CertificateThumbprints, Thumbprint};

/// How the server's TLS certificate is checked.
///
/// vCenter and ESXi usually present certificates issued by the vCenter's own CA (VMCA) or
/// self-signed ones, which the system trusts only if someone installed that CA. Pinning the
/// thumbprint the vSphere client shows is the usual way to trust such a server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TlsPolicy {
    /// Verify the chain and the host name against the operating system's trust store (the
    /// default), through `rustls-platform-verifier`: on Linux the system CA bundle, which
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR` can point elsewhere.
    #[default]
    SystemRoots,
    /// Verify the chain and the host name against the CA certificates in this PEM file ONLY: the
    /// file replaces the system's trust store, as curl's `--cacert` does. Put the vCenter's VMCA
    /// root certificate (or the enterprise CA) in it.
    CaFile(PathBuf),
    /// Accept exactly the certificate with this thumbprint, and no other. Issuer, validity dates
    /// and host names are not checked, since the pin identifies the certificate itself: a
    /// vCenter reached by IP address, or whose certificate names another host, is accepted.
    Pinned(Thumbprint),
    /// Accept any certificate. Anyone on the network path can then impersonate the server and
    /// capture the credentials: only for throwaway labs. The transport logs a warning.
    Insecure,
}

/// A failed TLS setup or handshake.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate failed verification (unknown issuer, expired, wrong host name…).
    #[error(
        "the server's TLS certificate is not trusted: {reason}. It presented the certificate with \
         {certificate}. If you have confirmed out of band (e.g. on the host's console) that this \
         is your server's certificate, pin its SHA-256 thumbprint {sha256}, or trust the CA that \
         issued it with a CA file",
        sha256 = certificate.sha256
    )]
    Untrusted {
        /// Why verification failed, as rustls puts it.
        reason: String,
        /// The certificate the server presented.
        certificate: CertificateThumbprints,
    },
    /// The certificate is not the pinned one.
    #[error(
        "the server's TLS certificate does not match the pinned thumbprint {pinned}: it presented \
         the certificate with {certificate}. The certificate may have been renewed, or someone \
         may be intercepting the connection; confirm the new thumbprint out of band, then pin it \
         (SHA-256 {sha256})",
        sha256 = certificate.sha256
    )]
    PinMismatch {
        /// The thumbprint that was pinned.
        pinned: Thumbprint,
        /// The certificate the server presented.
        certificate: CertificateThumbprints,
    },
    /// The handshake failed for a reason other than the certificate.
    #[error(
        "the TLS handshake with the server failed: {reason}; the server may offer only protocol \
         versions or ciphers this client refuses (it needs TLS 1.2 or 1.3)"
    )]
    Handshake {
        /// What rustls reported.
        reason: String,
    },
    /// The CA file cannot be used.
    #[error(
        "cannot use the CA file {}: {reason}; give a readable PEM file holding the CA \
         certificates (`-----BEGIN CERTIFICATE-----` blocks)",
        path.display()
    )]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The system trust store cannot be loaded.
    #[error(
        "cannot load the system's trusted CA certificates: {reason}; install the CA bundle (e.g. \
         the ca-certificates package) or set SSL_CERT_FILE, or use a CA file or a pinned thumbprint"
    )]
    SystemRoots {
        /// What went wrong.
        reason: String,
    },
}

impl TlsError {
    /// Finds a TLS failure in an HTTP client error's chain of sources; `None` if the error has
    /// nothing to do with TLS.
    pub(crate) fn from_handshake_failure(error: &(dyn StdError + 'static)) -> Option<Self> {
        let rustls_error = find_in_chain::<rustls::Error>(error)?;
        if let rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(inner))) =
            rustls_error
        {
            let inner: &(dyn StdError + 'static) = inner.as_ref();
            if let Some(rejection) = inner.downcast_ref::<Rejection>() {
                return Some(rejection.to_tls_error());
            }
        }
        Some(Self::Handshake {
            reason: rustls_error.to_string(),
        })
    }
}

/// Looks for a `T` among `error` and its sources, including errors wrapped in `io::Error`s
/// (whose `source` skips the wrapped error itself).
fn find_in_chain<'a, T: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next = Some(error);
    while let Some(current) = next {
        if let Some(found) = current.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(wrapped) = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            let wrapped: &(dyn StdError + 'static) = wrapped;
            if let Some(found) = find_in_chain::<T>(wrapped) {
                return Some(found);
            }
        }
        next = current.source();
    }
    None
}

impl TlsPolicy {
    /// The rustls client configuration that enforces this policy (ring crypto provider), for
    /// other HTTPS clients of the same program, such as webhook calls.
    ///
    /// # Errors
    /// [`TlsError::CaFile`] or [`TlsError::SystemRoots`] when the trusted certificates cannot
    /// be loaded.
    pub fn rustls_config(&self) -> Result<ClientConfig, TlsError> {
        client_config(self)
    }
}

/// Builds the rustls configuration that enforces `policy`.
pub(crate) fn client_config(policy: &TlsPolicy) -> Result<ClientConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let check = match policy {
        TlsPolicy::SystemRoots => CertificateCheck::Chain(Arc::new(
            rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|error| {
                TlsError::SystemRoots {
                    reason: error.to_string(),
                }
            })?,
        )),
        TlsPolicy::CaFile(path) => CertificateCheck::Chain(ca_file_verifier(path, &provider)?),
        TlsPolicy::Pinned(pin) => CertificateCheck::Pinned(*pin),
        TlsPolicy::Insecure => CertificateCheck::AcceptAny,
    };
    let verifier = ReportingVerifier {
        check,
        algorithms: provider.signature_verification_algorithms,
    };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| TlsError::Handshake {
            reason: error.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// A verifier of chains and host names that trusts only the CA certificates in a PEM file.
fn ca_file_verifier(
    path: &Path,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, TlsError> {
    let ca_file_error = |reason: String| TlsError::CaFile {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|error| ca_file_error(error.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(&pem) {
        let certificate = certificate.map_err(|error| ca_file_error(error.to_string()))?;
        roots
            .add(certificate)
            .map_err(|error| ca_file_error(error.to_string()))?;
    }
    if roots.is_empty() {
        return Err(ca_file_error("it holds no certificate".into()));
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|error| ca_file_error(error.to_string()))?;
    Ok(verifier)
}

/// What [`ReportingVerifier`] checks about the end-entity certificate.
#[derive(Debug)]
enum CertificateCheck {
    /// Chain and host name, by a webpki-based verifier.
    Chain(Arc<dyn ServerCertVerifier>),
    /// Exactly this certificate.
    Pinned(Thumbprint),
    /// Nothing.
    AcceptAny,
}

/// The verifier behind every [`TlsPolicy`]: applies the policy's check and, on rejection, reports
/// the presented certificate's thumbprints. Handshake signatures are always verified, so a
/// pinned certificate also proves that the server holds its private key.
#[derive(Debug)]
struct ReportingVerifier {
    check: CertificateCheck,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for ReportingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let reject = |reason| {
            let rejection = Rejection {
                certificate: CertificateThumbprints::of(end_entity),
                reason,
            };
            rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
                rejection,
            ))))
        };
        match &self.check {
            CertificateCheck::Chain(inner) => inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map_err(|error| reject(RejectionReason::Untrusted(error.to_string()))),
            CertificateCheck::Pinned(pin) if pin.matches(end_entity) => {
                Ok(ServerCertVerified::assertion())
            }
            CertificateCheck::Pinned(pin) => Err(reject(RejectionReason::PinMismatch(*pin))),
            CertificateCheck::AcceptAny => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, certificate, signature, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, certificate, signature, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A rejected certificate, carried inside the rustls error up to the transport.
#[derive(Debug, thiserror::Error)]
#[error("certificate rejected ({certificate})")]
struct Rejection {
    certificate: CertificateThumbprints,
    reason: RejectionReason,
}

#[derive(Debug)]
enum RejectionReason {
    Untrusted(String),
    PinMismatch(Thumbprint),
}

impl Rejection {
    fn to_tls_error(&self) -> TlsError {
        let certificate = self.certificate;
        match &self.reason {
            RejectionReason::Untrusted(reason) => TlsError::Untrusted {
                reason: reason.clone(),
                certificate,
            },
            RejectionReason::PinMismatch(pinned) => TlsError::PinMismatch {
                pinned: *pinned,
                certificate,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let missing = Path::new("/nonexistent/vmrotate-ca.pem");
        let error = client_config(&TlsPolicy::CaFile(missing.into())).expect_err("missing file");
        assert!(matches!(error, TlsError::CaFile { .. }), "{error}");
        assert!(error.to_string().contains("/nonexistent/vmrotate-ca.pem"));

        let not_pem = std::env::temp_dir().join(format!("vmrotate-not-pem-{}", std::process::id()));
        std::fs::write(&not_pem, "just text\n").expect("temp file");
        let error = client_config(&TlsPolicy::CaFile(not_pem.clone())).expect_err("no PEM");
        std::fs::remove_file(&not_pem).expect("temp file");
        assert!(
            error.to_string().contains("holds no certificate"),
            "{error}"
        );
    }

    #[test]
    fn rejections_are_found_through_io_error_wrapping() {
        let certificate = CertificateThumbprints::of(b"certificate");
        let rejection = Rejection {
            certificate,
            reason: RejectionReason::PinMismatch(Thumbprint::sha1_of(b"other")),
        };
        let rustls_error = rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(
            Arc::new(rejection),
        )));
        let io_error = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_error);
        match TlsError::from_handshake_failure(&io_error) {
            Some(TlsError::PinMismatch {
                certificate: seen, ..
            }) => assert_eq!(seen, certificate),
            other => panic!("expected a pin mismatch, got {other:?}"),
        }
    }

    #[test]
    fn other_rustls_errors_are_handshake_failures_and_others_are_not_tls() {
        let io_error = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::NoCertificatesPresented,
        );
        assert!(matches!(
            TlsError::from_handshake_failure(&io_error),
            Some(TlsError::Handshake { .. })
        ));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(TlsError::from_handshake_failure(&refused).is_none());
    }
}
