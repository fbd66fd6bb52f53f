//! E-mail over SMTP: STARTTLS (required by default) or TLS from the start, AUTH only over TLS.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};
use vsphere_client::Password;

use super::{Channel, Message};
use crate::connect::read_password_file;
use crate::error::Error;

/// The variable holding the mail password when no `password_file` is given.
pub const MAIL_PASSWORD_VARIABLE: &str = "VMROTATE_MAIL_PASSWORD";

/// The `[notify.email]` table. `Debug` never shows the password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `smtp://host[:port]` (port 587 by default) upgraded with STARTTLS, or
    /// `smtps://host[:port]` (port 465 by default) with TLS from the start.
    pub server: String,
    /// Whether `smtp://` must be upgraded with STARTTLS. Default: `required`.
    #[serde(default)]
    pub starttls: StartTls,
    /// The sender, e.g. `vmrotate@example.lan` or `Backups <vmrotate@example.lan>`.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// The user to log in as (AUTH PLAIN or LOGIN, only over TLS). Default: no login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// A file whose first line is the password. Without it: [`password`](Self::password), else
    /// the `VMROTATE_MAIL_PASSWORD` variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// A PEM file of the CA certificates to trust for the mail server, instead of the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The password, when it comes from elsewhere (the OS keyring); never read from or written
    /// to a file.
    #[serde(skip)]
    pub password: Option<Password>,
}

/// Whether an `smtp://` connection must be encrypted with STARTTLS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartTls {
    /// Refuse to send when the server does not offer STARTTLS (or the upgrade fails).
    #[default]
    Required,
    /// Upgrade when offered, else send in the clear; no login is allowed then.
    Opportunistic,
}

/// Where the mail goes: host, port, and whether TLS starts at once.
struct Server {
    host: String,
    port: u16,
    implicit_tls: bool,
}

impl EmailConfig {
    /// Checks the server URL, the addresses and the TLS policy.
    pub(super) fn validate(&self) -> Result<(), Error> {
        let server = self.server()?;
        self.mailboxes()?;
        if self.starttls == StartTls::Opportunistic && self.username.is_some() {
            return Err(Error::Config(
                "[notify.email] has a username with starttls = \"opportunistic\": the password \
                 could go out unencrypted; remove the starttls setting (STARTTLS is then \
                 required) or use an smtps:// server"
                    .into(),
            ));
        }
        if server.implicit_tls && self.starttls == StartTls::Opportunistic {
            return Err(Error::Config(
                "[notify.email] starttls applies to smtp:// servers; an smtps:// server always \
                 uses TLS: remove the starttls setting"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Takes relative `password_file` and `ca_file` names relative to `dir`.
    pub(super) fn relative_to(&mut self, dir: &Path) {
        for path in [&mut self.password_file, &mut self.ca_file]
            .into_iter()
            .flatten()
        {
            if path.is_relative() {
                *path = dir.join(&*path);
            }
        }
    }

    fn server(&self) -> Result<Server, Error> {
        let invalid = |why: &str| {
            Error::Config(format!(
                "[notify.email] server {:?} {why}: write smtp://host:587 (STARTTLS) or \
                 smtps://host:465 (TLS)",
                self.server
            ))
        };
        let (rest, implicit_tls, default_port) =
            if let Some(rest) = self.server.strip_prefix("smtps://") {
                (rest, true, 465)
            } else if let Some(rest) = self.server.strip_prefix("smtp://") {
                (rest, false, 587)
            } else {
                return Err(invalid("has no smtp:// or smtps:// scheme"));
            };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '@', '?']) {
            return Err(invalid("has a path, user or query"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (
                host,
                port.parse().map_err(|_| invalid("has an invalid port"))?,
            ),
            _ => (rest, default_port),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(invalid("has no host"));
        }
        Ok(Server {
            host: host.to_owned(),
            port,
            implicit_tls,
        })
    }

    fn mailboxes(&self) -> Result<(Mailbox, Vec<Mailbox>), Error> {
        let parse = |address: &str| {
            address.parse::<Mailbox>().map_err(|error| {
                Error::Config(format!(
                    "[notify.email] address {address:?} is invalid ({error}): write e.g. \
                     ops@example.lan"
                ))
            })
        };
        if self.to.is_empty() {
            return Err(Error::Config(
                "[notify.email] has no recipient: set to = [\"ops@example.lan\"]".into(),
            ));
        }
        let to = self.to.iter().map(|address| parse(address));
        Ok((parse(&self.from)?, to.collect::<Result<_, _>>()?))
    }

    /// The password for [`username`](Self::username): given, from the file, or from the
    /// variable.
    fn resolve_password(&self) -> Result<Password, String> {
        if let Some(password) = &self.password {
            return Ok(password.clone());
        }
        if let Some(file) = &self.password_file {
            return read_password_file(file).map_err(|error| error.to_string());
        }
        std::env::var(MAIL_PASSWORD_VARIABLE)
            .ok()
            .filter(|password| !password.is_empty())
            .map(Password::from)
            .ok_or_else(|| {
                format!(
                    "no mail password for {}: set password_file in [notify.email] or \
                     {MAIL_PASSWORD_VARIABLE}",
                    self.username.as_deref().unwrap_or_default()
                )
            })
    }

    fn tls(&self, server: &Server) -> Result<Tls, String> {
        let mut builder = TlsParameters::builder(server.host.clone());
        if let Some(ca_file) = &self.ca_file {
            let pem = std::fs::read(ca_file).map_err(|error| {
                format!("cannot read the CA file {}: {error}", ca_file.display())
            })?;
            let certificate = Certificate::from_pem(&pem).map_err(|error| {
                format!(
                    "the CA file {} holds no usable certificate: {error}",
                    ca_file.display()
                )
            })?;
            builder = builder
                .certificate_store(CertificateStore::None)
                .add_root_certificate(certificate);
        }
        let parameters = builder
            .build_rustls()
            .map_err(|error| format!("cannot set up TLS: {error}"))?;
        Ok(match (server.implicit_tls, self.starttls) {
            (true, _) => Tls::Wrapper(parameters),
            (false, StartTls::Required) => Tls::Required(parameters),
            (false, StartTls::Opportunistic) => Tls::Opportunistic(parameters),
        })
    }

    /// The channel sending to this server; each SMTP step is bounded by `timeout`.
    pub(super) fn channel(&self, timeout: Duration) -> Result<EmailChannel, String> {
        let server = self.server().map_err(|error| error.to_string())?;
        let (from, to) = self.mailboxes().map_err(|error| error.to_string())?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&server.host)
            .port(server.port)
            .tls(self.tls(&server)?)
            .timeout(Some(timeout));
        if let Some(username) = &self.username {
            let password = self.resolve_password()?;
            builder = builder
                .credentials(Credentials::new(
                    username.clone(),
                    password.expose_secret().to_owned(),
                ))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(EmailChannel {
            transport: builder.build(),
            from,
            to,
            server: format!("{}:{}", server.host, server.port),
        })
    }
}

/// A configured SMTP transport and envelope.
pub(super) struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    /// `host:port`, for messages.
    server: String,
}

#[async_trait::async_trait]
impl Channel for EmailChannel {
    fn name(&self) -> &'static str {
        "email"
    }

    async fn send(&self, message: &Message) -> Result<(), String> {
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .subject(&message.subject);
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        let json = ContentType::parse("application/json").map_err(|error| error.to_string())?;
        let email = builder
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(message.body.clone()))
                    .singlepart(
                        Attachment::new("report.json".into())
                            .body(message.report_json.clone(), json),
                    ),
            )
            .map_err(|error| format!("cannot build the e-mail: {error}"))?;
        self.transport
            .send(email)
            .await
            .map(drop)
            .map_err(|error| format!("cannot send the e-mail through {}: {error}", self.server))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(server: &str) -> EmailConfig {
        EmailConfig {
            server: server.into(),
            starttls: StartTls::Required,
            from: "vmrotate@example.lan".into(),
            to: vec!["ops@example.lan".into()],
            username: None,
            password_file: None,
            ca_file: None,
            password: Some(Password::from("S3cret!")),
        }
    }

    #[test]
    fn reads_the_server_url() {
        let server = config("smtp://mail.example.lan").server().unwrap();
        assert_eq!(
            (server.host.as_str(), server.port),
            ("mail.example.lan", 587)
        );
        assert!(!server.implicit_tls);
        let server = config("smtps://[::1]:2465").server().unwrap();
        assert_eq!((server.host.as_str(), server.port), ("::1", 2465));
        assert!(server.implicit_tls);
        for bad in ["mail.example.lan", "smtp://", "smtp://a:b", "smtp://u@host"] {
            assert!(config(bad).validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_a_login_that_could_go_out_in_the_clear() {
        let mut config = config("smtp://mail.example.lan");
        config.username = Some("vmrotate".into());
        config.validate().unwrap();
        config.starttls = StartTls::Opportunistic;
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("unencrypted"), "{message}");
        assert!(!format!("{config:?}").contains("S3cret!"));
    }
}
