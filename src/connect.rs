//! How vmrotate reaches vCenter: the server, the credentials, the TLS policy.
//!
//! The same settings come from command-line flags, from `VMROTATE_*` environment variables
//! ([`ConnectOptions::from_env`]) or from the bindings, so a scheduled job never needs VMware's
//! Windows-only credential store:
//!
//! | variable | meaning |
//! |---|---|
//! | `VMROTATE_URL` | the vCenter (or ESXi) host or SDK URL, e.g. `vcenter.example` |
//! | `VMROTATE_USERNAME` | the user, e.g. `backup@vsphere.local` |
//! | `VMROTATE_PASSWORD` | the password (prefer the file below on shared machines) |
//! | `VMROTATE_PASSWORD_FILE` | a file whose first line is the password (e.g. a systemd credential) |
//! | `VMROTATE_THUMBPRINT` | pin the server certificate: its SHA-256 (or SHA-1) thumbprint |
//! | `VMROTATE_CA_FILE` | trust this PEM bundle instead of the system's roots |
//! | `VMROTATE_INSECURE` | `1`/`true`: skip certificate checks (warned about; test labs only) |
//!
//! One rule for the password, wherever it comes from (the command line, Python's `from_env` and
//! `connect`, the native library): a password file wins over a password, so with both
//! `VMROTATE_PASSWORD_FILE` and `VMROTATE_PASSWORD` set, the file is read. Empty values count
//! as unset.

use std::path::{Path, PathBuf};

use vsphere_client::transport::{SdkUrl, SessionCookie, Thumbprint, TlsPolicy};
use vsphere_client::{Client, ClientConfig, Password};

use crate::error::Error;

/// Where and how to log in. `Debug` never shows the password.
///
/// ```
/// use vmrotate::ConnectOptions;
///
/// let mut options = ConnectOptions::new("vcenter.example");
/// options.username = Some("backup@vsphere.local".into());
/// options.password = Some("S3cret!".into());
/// assert!(!format!("{options:?}").contains("S3cret!"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// The server: a host name, `host:port`, or a full `https://host/sdk` URL.
    pub url: String,
    /// The user to log in as.
    pub username: Option<String>,
    /// The password; see also [`password_file`](Self::password_file).
    pub password: Option<Password>,
    /// A file whose first line is the password, read at connect time.
    pub password_file: Option<PathBuf>,
    /// The server certificate's pinned SHA-256 or SHA-1 thumbprint.
    pub thumbprint: Option<Thumbprint>,
    /// A PEM bundle of trusted CA certificates, replacing the system's.
    pub ca_file: Option<PathBuf>,
    /// Skip certificate verification entirely (a warning is logged).
    pub insecure: bool,
    /// Attach to an existing session (e.g. a pyvmomi session's cookie) instead of logging in.
    pub session_cookie: Option<SessionCookie>,
}

impl ConnectOptions {
    /// Options for `url` with no credentials and the default TLS policy (verify certificates).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// Reads the `VMROTATE_*` variables: `VMROTATE_URL`, `VMROTATE_USERNAME`,
    /// `VMROTATE_PASSWORD_FILE` (wins over `VMROTATE_PASSWORD`, as everywhere; empty values
    /// count as unset), `VMROTATE_THUMBPRINT`, `VMROTATE_CA_FILE` and `VMROTATE_INSECURE`
    /// (`1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`).
    ///
    /// # Errors
    /// [`Error::Config`] when `VMROTATE_URL` is missing or a variable holds an invalid value.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let url = lookup("VMROTATE_URL")
            .filter(|url| !url.is_empty())
            .ok_or_else(|| {
                Error::Config("VMROTATE_URL is not set: set it to your vCenter's host name".into())
            })?;
        let mut options = Self::new(url);
        options.username = lookup("VMROTATE_USERNAME");
        options.fill_password_from(&lookup);
        options.ca_file = lookup("VMROTATE_CA_FILE").map(PathBuf::from);
        if let Some(thumbprint) = lookup("VMROTATE_THUMBPRINT") {
            options.thumbprint = Some(parse_thumbprint(&thumbprint)?);
        }
        if let Some(insecure) = lookup("VMROTATE_INSECURE") {
            options.insecure = parse_flag("VMROTATE_INSECURE", &insecure)?;
        }
        Ok(options)
    }

    /// Fills [`password_file`](Self::password_file) from `VMROTATE_PASSWORD_FILE`, else
    /// [`password`](Self::password) from `VMROTATE_PASSWORD`, when neither is set yet (the
    /// module's one rule: the file first).
    pub fn fill_password_from_env(&mut self) {
        self.fill_password_from(&|name: &str| std::env::var(name).ok());
    }

    fn fill_password_from(&mut self, lookup: &dyn Fn(&str) -> Option<String>) {
        if self.password.is_some() || self.password_file.is_some() {
            return;
        }
        let set = |name| lookup(name).filter(|value: &String| !value.is_empty());
        match (set("VMROTATE_PASSWORD_FILE"), set("VMROTATE_PASSWORD")) {
            (Some(file), _) => self.password_file = Some(PathBuf::from(file)),
            (None, password) => self.password = password.map(Password::from),
        }
    }

    /// The password to log in with, by the module's one rule: the file first.
    fn login_password(&self) -> Result<Password, Error> {
        match (&self.password_file, &self.password) {
            (Some(file), _) => read_password_file(file),
            (None, Some(password)) => Ok(password.clone()),
            (None, None) => Err(Error::Config(
                "no password: set VMROTATE_PASSWORD or VMROTATE_PASSWORD_FILE".into(),
            )),
        }
    }

    /// The client configuration these options describe (no network access).
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid URL or contradictory TLS settings.
    pub fn client_config(&self) -> Result<ClientConfig, Error> {
        let url: SdkUrl = self
            .url
            .parse()
            .map_err(|error| Error::Config(format!("invalid server URL: {error}")))?;
        let mut config = ClientConfig::new(url);
        config.transport.tls = match (&self.thumbprint, &self.ca_file, self.insecure) {
            (None, None, false) => TlsPolicy::default(),
            (Some(thumbprint), None, false) => TlsPolicy::Pinned(*thumbprint),
            (None, Some(ca_file), false) => TlsPolicy::CaFile(ca_file.clone()),
            (None, None, true) => TlsPolicy::Insecure,
            _ => {
                return Err(Error::Config(
                    "choose one of `thumbprint`, `ca_file` and `insecure`".into(),
                ));
            }
        };
        Ok(config)
    }

    /// Connects and logs in (or attaches to [`session_cookie`](Self::session_cookie)).
    ///
    /// # Errors
    /// [`Error::Config`] for missing credentials or an unreadable password file;
    /// [`Error::Vsphere`] when the server cannot be reached or refuses the login.
    pub async fn connect(&self) -> Result<Client, Error> {
        let client = Client::connect(self.client_config()?).await?;
        if let Some(cookie) = &self.session_cookie {
            client.attach_session(cookie.clone()).await?;
            return Ok(client);
        }
        let username = self.username.as_deref().ok_or_else(|| {
            Error::Config("no user name: set `username` (or VMROTATE_USERNAME)".into())
        })?;
        let password = self.login_password()?;
        client.login(username, &password).await?;
        Ok(client)
    }
}

/// The first line of `path`, without its line ending.
pub(crate) fn read_password_file(path: &Path) -> Result<Password, Error> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        Error::Config(format!(
            "cannot read the password file {}: {error}",
            path.display()
        ))
    })?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(Error::Config(format!(
            "the password file {} is empty: its first line must be the password",
            path.display()
        )));
    }
    Ok(Password::from(line))
}

fn parse_thumbprint(text: &str) -> Result<Thumbprint, Error> {
    text.parse()
        .map_err(|error| Error::Config(format!("invalid VMROTATE_THUMBPRINT: {error}")))
}

fn parse_flag(name: &str, value: &str) -> Result<bool, Error> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::Config(format!(
            "{name}={value} is not a yes/no value: use 1 or 0"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn reads_every_variable() {
        let options = ConnectOptions::from_lookup(lookup(&[
            ("VMROTATE_URL", "vcenter.example"),
            ("VMROTATE_USERNAME", "backup@vsphere.local"),
            ("VMROTATE_PASSWORD", "S3cret!"),
            (
                "VMROTATE_PASSWORD_FILE",
                "/run/credentials/vmrotate/password",
            ),
            ("VMROTATE_INSECURE", "0"),
        ]))
        .unwrap();
        assert_eq!(options.url, "vcenter.example");
        assert_eq!(options.username.as_deref(), Some("backup@vsphere.local"));
        // The file wins over the password, as everywhere.
        assert!(options.password.is_none());
        assert_eq!(
            options.password_file.as_deref(),
            Some(Path::new("/run/credentials/vmrotate/password"))
        );
        assert!(!options.insecure);
        assert!(!format!("{options:?}").contains("S3cret!"));
    }

    #[test]
    fn the_password_file_wins_and_empty_values_are_unset() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("password");
        std::fs::write(&file, "FromFile\n").unwrap();
        let file = file.to_str().unwrap();
        let both = ConnectOptions::from_lookup(lookup(&[
            ("VMROTATE_URL", "vc"),
            ("VMROTATE_PASSWORD", "FromVariable"),
            ("VMROTATE_PASSWORD_FILE", file),
        ]))
        .unwrap();
        assert_eq!(both.login_password().unwrap().expose_secret(), "FromFile");
        let empty_file = ConnectOptions::from_lookup(lookup(&[
            ("VMROTATE_URL", "vc"),
            ("VMROTATE_PASSWORD", "FromVariable"),
            ("VMROTATE_PASSWORD_FILE", ""),
        ]))
        .unwrap();
        assert_eq!(
            empty_file.login_password().unwrap().expose_secret(),
            "FromVariable"
        );
        // Given both directly (Python's connect, the native request), the same rule.
        let mut given = ConnectOptions::new("vc");
        given.password = Some("Given".into());
        given.password_file = Some(file.into());
        assert_eq!(given.login_password().unwrap().expose_secret(), "FromFile");
    }

    #[test]
    fn missing_url_and_bad_values_are_config_errors() {
        let missing = ConnectOptions::from_lookup(lookup(&[])).unwrap_err();
        assert!(missing.to_string().contains("VMROTATE_URL"), "{missing}");
        let insecure = ConnectOptions::from_lookup(lookup(&[
            ("VMROTATE_URL", "vc"),
            ("VMROTATE_INSECURE", "maybe"),
        ]))
        .unwrap_err();
        assert!(
            insecure.to_string().contains("VMROTATE_INSECURE"),
            "{insecure}"
        );
        let thumbprint = ConnectOptions::from_lookup(lookup(&[
            ("VMROTATE_URL", "vc"),
            ("VMROTATE_THUMBPRINT", "AB:CD"),
        ]))
        .unwrap_err();
        assert!(
            thumbprint.to_string().contains("VMROTATE_THUMBPRINT"),
            "{thumbprint}"
        );
    }

    #[test]
    fn tls_settings_map_to_one_policy() {
        let mut options = ConnectOptions::new("vcenter.example");
        assert!(matches!(
            options.client_config().unwrap().transport.tls,
            TlsPolicy::SystemRoots
        ));
        options.insecure = true;
        assert!(matches!(
            options.client_config().unwrap().transport.tls,
            TlsPolicy::Insecure
        ));
        options.ca_file = Some("ca.pem".into());
        let both = options.client_config().unwrap_err();
        assert!(both.to_string().contains("choose one"), "{both}");
    }

    #[test]
    fn password_file_first_line_is_the_password() {
        let dir = std::env::temp_dir().join(format!("vmrotate-pw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("password");
        std::fs::write(&file, "S3cret!\nignored\n").unwrap();
        assert_eq!(
            read_password_file(&file).unwrap().expose_secret(),
            "S3cret!"
        );
        std::fs::write(&file, "\n").unwrap();
        assert!(read_password_file(&file).is_err());
        let missing = read_password_file(&dir.join("absent")).unwrap_err();
        assert!(missing.to_string().contains("cannot read"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
