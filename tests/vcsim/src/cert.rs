//! A throwaway TLS certificate for the simulator, made with the `openssl` command.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, tail};

/// A self-signed 2048-bit RSA certificate for `127.0.0.1` and `localhost`, valid for 30 days.
///
/// The simulator's built-in certificate is 1024-bit RSA, which rustls rejects; serve this one instead
/// with [`SimulatorBuilder::tls`](crate::SimulatorBuilder::tls) and pin or trust it in the client.
///
/// ```no_run
/// let dir = tempfile::tempdir()?;
/// let cert = vcsim::TestCert::generate(dir.path())?;
/// assert_eq!(cert.sha256_fingerprint().len(), 32 * 3 - 1); // "AA:BB:..."
/// assert!(cert.pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TestCert {
    cert_path: PathBuf,
    key_path: PathBuf,
    pem: String,
    sha256_fingerprint: String,
    sha1_fingerprint: String,
}

impl TestCert {
    /// Writes `vcsim-cert.pem` and `vcsim-key.pem` (unencrypted) into `dir`, replacing earlier ones.
    ///
    /// # Errors
    /// [`Error::OpenSsl`] if `openssl` is missing or fails, [`Error::Io`] if the certificate cannot
    /// be read back.
    pub fn generate(dir: &Path) -> Result<Self, Error> {
        let cert_path = dir.join("vcsim-cert.pem");
        let key_path = dir.join("vcsim-key.pem");
        let mut req = Command::new("openssl");
        req.args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        .arg("-keyout")
        .arg(&key_path)
        .arg("-out")
        .arg(&cert_path);
        run(req)?;
        let pem = fs::read_to_string(&cert_path).map_err(|source| Error::Io {
            action: "cannot read the certificate",
            path: cert_path.clone(),
            source,
        })?;
        Ok(Self {
            sha256_fingerprint: fingerprint(&cert_path, "-sha256")?,
            sha1_fingerprint: fingerprint(&cert_path, "-sha1")?,
            cert_path,
            key_path,
            pem,
        })
    }

    /// The certificate's PEM file.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// The private key's PEM file.
    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    /// The certificate in PEM, e.g. to add as a trusted root.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// SHA-256 of the DER certificate as uppercase hex pairs joined by `:`, e.g. `AB:01:...`.
    pub fn sha256_fingerprint(&self) -> &str {
        &self.sha256_fingerprint
    }

    /// SHA-1 of the DER certificate, formatted like [`sha256_fingerprint`](Self::sha256_fingerprint).
    pub fn sha1_fingerprint(&self) -> &str {
        &self.sha1_fingerprint
    }
}

/// The fingerprint `openssl x509 -fingerprint` prints (`sha256 Fingerprint=AB:01:...`), after the `=`.
fn fingerprint(cert_path: &Path, digest: &str) -> Result<String, Error> {
    let mut x509 = Command::new("openssl");
    x509.args(["x509", "-noout", "-fingerprint", digest, "-in"])
        .arg(cert_path);
    let output = run(x509)?;
    match output.trim().split_once('=') {
        Some((_, fingerprint)) => Ok(fingerprint.to_owned()),
        None => Err(Error::OpenSsl {
            command: "x509".to_owned(),
            reason: format!("no fingerprint in its output {output:?}"),
        }),
    }
}

/// Runs an `openssl` command and returns its stdout.
fn run(mut openssl: Command) -> Result<String, Error> {
    let command = openssl
        .get_args()
        .next()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let failed = |reason: String| Error::OpenSsl {
        command: command.clone(),
        reason,
    };
    let output = openssl.output().map_err(|err| failed(err.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(failed(format!("{}: {}", output.status, tail(&stderr, 10))));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
