//! The connection flags shared by `backup`, `list`, `restore` and `run`, and where the password
//! comes from.
//!
//! Every flag falls back to its `VMROTATE_*` variable, so a scheduler's environment (or a
//! systemd unit) can carry the settings. There is no `--password` flag on purpose: a password
//! on the command line is visible to every user through `ps` and lands in shell histories.

use std::path::{Path, PathBuf};

use clap::builder::BoolishValueParser;
use serde::Deserialize;
use vmrotate::ConnectOptions;
use vmrotate::vsphere_client::transport::Thumbprint;

use super::CliError;

/// How to reach and log in to vCenter.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Connection (each flag falls back to its VMROTATE_* variable)")]
pub struct ConnectionArgs {
    /// The vCenter (or ESXi) host name, host:port, or https://host/sdk URL.
    #[arg(long, env = "VMROTATE_URL", hide_env_values = true)]
    url: Option<String>,
    /// The user to log in as, e.g. backup@vsphere.local.
    #[arg(long, env = "VMROTATE_USERNAME", hide_env_values = true)]
    username: Option<String>,
    /// A file whose first line is the password. There is no --password flag (it would show in
    /// `ps`): use this, or VMROTATE_PASSWORD in the environment.
    #[arg(
        long,
        env = "VMROTATE_PASSWORD_FILE",
        hide_env_values = true,
        value_name = "FILE"
    )]
    password_file: Option<PathBuf>,
    /// Pin the server certificate: its SHA-256 (or SHA-1) thumbprint, hex with or without colons.
    #[arg(
        long,
        env = "VMROTATE_THUMBPRINT",
        hide_env_values = true,
        value_name = "HEX"
    )]
    thumbprint: Option<Thumbprint>,
    /// Trust the CA certificates of this PEM file instead of the system's.
    #[arg(
        long,
        env = "VMROTATE_CA_FILE",
        hide_env_values = true,
        value_name = "PEM"
    )]
    ca_file: Option<PathBuf>,
    /// Skip certificate checks entirely (test labs only; prefer --thumbprint).
    #[arg(
        long,
        env = "VMROTATE_INSECURE",
        hide_env_values = true,
        value_parser = BoolishValueParser::new()
    )]
    insecure: bool,
}

/// The `[connection]` table of a jobs file: the same settings as the flags, which win over it.
///
/// A plain `password` is refused: the file is read by whoever can read the configuration, so
/// the password belongs in `password_file`, readable only by the job's account.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionTable {
    url: Option<String>,
    username: Option<String>,
    password_file: Option<PathBuf>,
    #[serde(default, deserialize_with = "thumbprint")]
    thumbprint: Option<Thumbprint>,
    ca_file: Option<PathBuf>,
    #[serde(default)]
    insecure: bool,
    #[serde(default, rename = "password", deserialize_with = "refuse_password")]
    _password: (),
}

impl ConnectionTable {
    /// Resolves the table's relative paths against `dir`, the jobs file's directory, so a job
    /// runs the same from any working directory.
    pub fn relative_to(mut self, dir: &Path) -> Self {
        for path in [&mut self.password_file, &mut self.ca_file]
            .into_iter()
            .flatten()
        {
            if path.is_relative() {
                *path = dir.join(&*path);
            }
        }
        self
    }
}

impl ConnectionArgs {
    /// The connection options: the flags (or their variables), then the jobs file's table.
    ///
    /// The password is the first of: `--password-file` (or `VMROTATE_PASSWORD_FILE`),
    /// `VMROTATE_PASSWORD`, the table's `password_file`, and the OS keyring (in builds with the
    /// `keyring` feature).
    ///
    /// # Errors
    /// [`CliError::Connection`] when no server is named anywhere.
    pub fn options(self, table: ConnectionTable) -> Result<ConnectOptions, CliError> {
        let url = self.url.or(table.url).ok_or(CliError::Connection(
            "no server: pass --url or set VMROTATE_URL (e.g. vcenter.example.lan)",
        ))?;
        let mut options = ConnectOptions::new(url);
        options.username = self.username.or(table.username);
        options.thumbprint = self.thumbprint.or(table.thumbprint);
        options.ca_file = self.ca_file.or(table.ca_file);
        options.insecure = self.insecure || table.insecure;
        for warning in security_warnings(&options) {
            eprintln!("warning: {warning}");
        }
        options.password_file = self.password_file;
        options.fill_password_from_env();
        if options.password.is_none() && options.password_file.is_none() {
            options.password_file = table.password_file;
        }
        #[cfg(feature = "keyring")]
        if let (None, None, Some(username)) = (
            &options.password,
            &options.password_file,
            options.username.as_deref(),
        ) {
            options.password = super::keyring::password(username)?;
        }
        Ok(options)
    }
}

/// What the user should know about connecting this way: certificate checks turned off, or a
/// plain-HTTP URL that carries the password unencrypted.
fn security_warnings(options: &ConnectOptions) -> Vec<String> {
    let mut warnings = Vec::new();
    if options.insecure {
        warnings.push(
            "certificate verification is off (--insecure, VMROTATE_INSECURE or the jobs file's \
             `insecure`): anyone on the network path can pose as the server and capture the \
             password; pin its certificate with --thumbprint instead"
                .to_owned(),
        );
    }
    if options
        .url
        .trim()
        .to_ascii_lowercase()
        .starts_with("http://")
    {
        warnings.push(format!(
            "{} is plain http://: the password and the session cross the network unencrypted; \
             use https://",
            options.url.trim()
        ));
    }
    warnings
}

fn thumbprint<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Thumbprint>, D::Error> {
    let text = String::deserialize(d)?;
    text.parse()
        .map(Some)
        .map_err(|error| serde::de::Error::custom(format!("invalid thumbprint: {error}")))
}

fn refuse_password<'de, D: serde::Deserializer<'de>>(_: D) -> Result<(), D::Error> {
    Err(serde::de::Error::custom(
        "a jobs file must not hold the password: put it in a file readable only by the job's \
         account and name that file in password_file (or set VMROTATE_PASSWORD_FILE)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<ConnectionTable, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn a_plain_password_in_the_file_is_refused_with_the_way_out() {
        let error = table("url = \"vc\"\npassword = \"S3cret!\"\n").unwrap_err();
        // The error's Display quotes the line; the command prints only the message.
        let message = error.message();
        assert!(message.contains("password_file"), "{message}");
        assert!(!message.contains("S3cret!"), "{message}");
    }

    #[test]
    fn relative_paths_are_taken_from_the_file_directory() {
        let table = table("password_file = \"secret\"\nca_file = \"/etc/ca.pem\"\n")
            .unwrap()
            .relative_to(Path::new("/etc/vmrotate"));
        assert_eq!(
            table.password_file.as_deref(),
            Some(Path::new("/etc/vmrotate/secret"))
        );
        assert_eq!(table.ca_file.as_deref(), Some(Path::new("/etc/ca.pem")));
    }

    #[test]
    fn a_bad_thumbprint_names_the_setting() {
        let error = table("thumbprint = \"AB:CD\"\n").unwrap_err();
        assert!(error.to_string().contains("invalid thumbprint"), "{error}");
    }
}
