//! A webhook: the run report as JSON, or a Slack, Microsoft Teams or ntfy message.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Channel, Message};
use crate::error::Error;
use crate::http;

/// The `[notify.webhook]` table.
///
/// Messages about a failed call show only the URL's scheme, host and port: its path and query
/// string often hold the hook's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST, e.g. `https://hooks.slack.com/services/...`.
    pub url: String,
    /// The body's format. Default: `json`.
    #[serde(default)]
    pub format: WebhookFormat,
}

/// What a webhook call sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// The run report (`docs/report-schema.md`), `application/json`.
    #[default]
    Json,
    /// A Slack incoming-webhook message: `{"text": ...}`.
    Slack,
    /// A Microsoft Teams (Workflows) message holding an Adaptive Card.
    Teams,
    /// An ntfy publish: the text as the body, the subject as `Title`, a high `Priority` on
    /// failure.
    Ntfy,
}

impl WebhookConfig {
    /// Checks the URL.
    pub(super) fn validate(&self) -> Result<(), Error> {
        http::parse_url(&self.url, "[notify.webhook] url")
            .map(drop)
            .map_err(Error::Config)
    }

    /// The channel calling this webhook, each call bounded by `timeout`.
    pub(super) fn channel(&self, timeout: Duration) -> Result<WebhookChannel, String> {
        Ok(WebhookChannel {
            url: http::parse_url(&self.url, "[notify.webhook] url")?,
            format: self.format,
            client: http::client(timeout)?,
        })
    }
}

/// A webhook ready to call.
pub(super) struct WebhookChannel {
    url: reqwest::Url,
    format: WebhookFormat,
    client: reqwest::Client,
}

#[async_trait::async_trait]
impl Channel for WebhookChannel {
    fn name(&self) -> &'static str {
        "webhook"
    }

    async fn send(&self, message: &Message) -> Result<(), String> {
        let request = self.client.post(self.url.clone());
        let request = match self.format {
            WebhookFormat::Json => request
                .header("Content-Type", "application/json")
                .body(message.report_json.clone()),
            WebhookFormat::Slack => json_body(request, &slack(message)),
            WebhookFormat::Teams => json_body(request, &teams(message)),
            WebhookFormat::Ntfy => request
                .header("Title", &message.subject)
                .header("Priority", if message.ok { "default" } else { "high" })
                .header(
                    "Tags",
                    if message.ok {
                        "white_check_mark"
                    } else {
                        "warning"
                    },
                )
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(message.body.clone()),
        };
        http::send(request, &self.url, "the notification").await
    }
}

/// `request` with `value` as its JSON body.
fn json_body(
    request: reqwest::RequestBuilder,
    value: &serde_json::Value,
) -> reqwest::RequestBuilder {
    request
        .header("Content-Type", "application/json")
        .body(value.to_string())
}

/// A Slack message: the subject in bold, the body as preformatted text.
fn slack(message: &Message) -> serde_json::Value {
    json!({ "text": format!("*{}*\n```\n{}```", message.subject, message.body) })
}

/// A Teams message with an Adaptive Card: the subject as its title, the body below.
fn teams(message: &Message) -> serde_json::Value {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {
                        "type": "TextBlock",
                        "text": message.subject,
                        "weight": "Bolder",
                        "size": "Medium",
                        "color": if message.ok { "Good" } else { "Attention" },
                        "wrap": true
                    },
                    {
                        "type": "TextBlock",
                        "text": message.body,
                        "fontType": "Monospace",
                        "wrap": true
                    }
                ]
            }
        }]
    })
}
