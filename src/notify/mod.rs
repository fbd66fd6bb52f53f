//! Telling people about a run: one e-mail and one webhook call per run, never per VM.
//!
//! [`NotifyConfig`] is the `[notify]` table of a jobs file (with `[notify.email]` and
//! `[notify.webhook]`), the `notify=` keyword of the Python binding, and the file of
//! `vmrotate backup --notify-config`:
//!
//! ```
//! use vmrotate::notify::{NotifyConfig, When};
//!
//! let config: NotifyConfig = toml::from_str(r#"
//!     when = "always"
//!     [email]
//!     server = "smtp://mail.example.lan:587"
//!     from = "vmrotate@example.lan"
//!     to = ["ops@example.lan"]
//!     [webhook]
//!     url = "https://ntfy.example.lan/backups"
//!     format = "ntfy"
//! "#)?;
//! assert_eq!(config.when, When::Always);
//! config.validate()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`notify`] sends to every configured channel and records each delivery in the run report
//! ([`RunReport::notifications`]). A failed delivery never changes whether the run succeeded and
//! never loses the report: it is a [`Delivery`] with its error, which the CLI prints as one
//! `warning:` line.

mod email;
mod message;
mod webhook;

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use email::{EmailConfig, MAIL_PASSWORD_VARIABLE, StartTls};
pub use message::Message;
pub use webhook::{WebhookConfig, WebhookFormat};

use vsphere_client::Client;

use crate::config::{JobConfig, friendly_duration};
use crate::error::Error;
use crate::metrics::{MetricsConfig, publish_metrics};
use crate::report::RunReport;

/// The `[notify]` table: when to send and where.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// When a run is reported. Default: `failure`.
    #[serde(default)]
    pub when: When,
    /// How long one channel may take, connecting included, before it is given up (a warning).
    /// Default: 30 seconds.
    #[serde(default = "default_timeout", with = "friendly_duration")]
    pub timeout: Duration,
    /// Send an e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailConfig>,
    /// Call a webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookConfig>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            when: When::default(),
            timeout: default_timeout(),
            email: None,
            webhook: None,
        }
    }
}

/// When a run is reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// After every run.
    Always,
    /// After a run in which some VM's backup failed.
    #[default]
    Failure,
    /// Never (the channels stay configured but silent).
    Never,
}

/// One delivery of a run's notification, as the run report records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// The channel: `email`, `webhook`, `metrics_textfile` or `pushgateway`.
    pub channel: String,
    /// Whether it was delivered.
    pub ok: bool,
    /// Why not, when it was not (never with a password or a webhook URL's query string).
    pub error: Option<String>,
}

impl Delivery {
    /// The delivery of `channel` with `result`'s outcome.
    pub(crate) fn of(channel: &str, result: Result<(), String>) -> Self {
        Self {
            channel: channel.to_owned(),
            ok: result.is_ok(),
            error: result.err(),
        }
    }

    /// The `warning:` line the CLI prints for a failed delivery, `None` for a good one.
    pub fn warning(&self) -> Option<String> {
        self.error
            .as_ref()
            .map(|error| format!("{} notification failed: {error}", self.channel))
    }
}

/// A way of telling people about a run.
#[async_trait::async_trait]
trait Channel: Send + Sync {
    /// The channel's name in [`Delivery::channel`].
    fn name(&self) -> &'static str;

    /// Delivers `message`; the error says why not, without secrets.
    async fn send(&self, message: &Message) -> Result<(), String>;
}

impl NotifyConfig {
    /// Checks the settings that need no network: addresses, URLs, the STARTTLS policy.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting and what to write instead.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(email) = &self.email {
            email.validate()?;
        }
        if let Some(webhook) = &self.webhook {
            webhook.validate()?;
        }
        Ok(())
    }

    /// These settings with relative file names (`password_file`, `ca_file`) taken relative to
    /// `dir`, the directory of the file they were read from.
    pub fn relative_to(mut self, dir: &Path) -> Self {
        if let Some(email) = &mut self.email {
            email.relative_to(dir);
        }
        self
    }

    /// Whether a run with this outcome is reported.
    pub fn applies_to(&self, run: &RunReport) -> bool {
        match self.when {
            When::Always => true,
            When::Failure => !run.ok,
            When::Never => false,
        }
    }

    /// A channel per configured table; a table that cannot make one is its failed delivery.
    fn channels(&self) -> Vec<Result<Box<dyn Channel>, Delivery>> {
        let mut channels: Vec<Result<Box<dyn Channel>, Delivery>> = Vec::new();
        if let Some(email) = &self.email {
            channels.push(match email.channel(self.timeout) {
                Ok(channel) => Ok(Box::new(channel)),
                Err(error) => Err(Delivery::of("email", Err(error))),
            });
        }
        if let Some(webhook) = &self.webhook {
            channels.push(match webhook.channel(self.timeout) {
                Ok(channel) => Ok(Box::new(channel)),
                Err(error) => Err(Delivery::of("webhook", Err(error))),
            });
        }
        channels
    }
}

/// Sends `run` to the channels of `config` when [`NotifyConfig::when`] says so, each bounded by
/// [`NotifyConfig::timeout`], and appends one [`Delivery`] per channel to
/// [`RunReport::notifications`]. Never fails: a failed channel is a delivery with its error, and
/// `run.ok` is left alone.
///
/// Needs a Tokio runtime.
pub async fn notify(run: &mut RunReport, config: &NotifyConfig) {
    if !config.applies_to(run) {
        return;
    }
    let message = Message::of(run);
    for channel in config.channels() {
        let delivery = match channel {
            Ok(channel) => send(channel.as_ref(), &message, config.timeout).await,
            Err(broken) => broken,
        };
        run.notifications.push(delivery);
    }
}

/// Reports `run` (the run of `jobs`) everywhere configured: first its metrics
/// ([`publish_metrics`], bounded by the notify timeout), then its
/// notification ([`notify`]), so the message also tells of a failed metrics delivery. Never
/// fails; each delivery is in [`RunReport::notifications`].
pub async fn deliver(
    client: &Client,
    jobs: &[JobConfig],
    run: &mut RunReport,
    notify_config: Option<&NotifyConfig>,
    metrics: Option<&MetricsConfig>,
) {
    if let Some(metrics) = metrics {
        let timeout = notify_config.map_or_else(default_timeout, |config| config.timeout);
        publish_metrics(client, jobs, run, metrics, timeout).await;
    }
    if let Some(config) = notify_config {
        notify(run, config).await;
    }
}

/// Sends `message` through `channel` within `timeout`.
async fn send(channel: &dyn Channel, message: &Message, timeout: Duration) -> Delivery {
    let result = match tokio::time::timeout(timeout, channel.send(message)).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "no answer within {} (the [notify] timeout)",
            friendly_duration::display(timeout)
        )),
    };
    Delivery::of(channel.name(), result)
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}
