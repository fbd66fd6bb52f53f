//! Transport errors: what went wrong on the way to the server and back, and what to do about it.

use std::error::Error as StdError;
use std::time::Duration;

use super::endpoint::InvalidUrl;
use super::proxy::{InvalidProxyUrl, ProxyUrl};
use super::tls::TlsError;
use super::versions::InvalidServiceVersions;

/// A request that did not produce a usable HTTP reply.
///
/// Messages never contain the session cookie or a proxy password.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The server's address is not usable.
    #[error(transparent)]
    InvalidUrl(#[from] InvalidUrl),
    /// The proxy's address is not usable.
    #[error(transparent)]
    InvalidProxyUrl(#[from] InvalidProxyUrl),
    /// A configured value cannot be sent in an HTTP header.
    #[error(
        "the {setting} cannot be sent in an HTTP header (it must be visible ASCII text); fix the \
         transport configuration"
    )]
    InvalidHeader {
        /// Which setting: `user agent` or `SOAPAction`.
        setting: &'static str,
    },
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {reason}")]
    ClientSetup {
        /// What the HTTP library reported.
        reason: String,
    },
    /// No connection could be made to the server.
    #[error(
        "cannot connect to {url}: {cause}; check the host name and port, that the server is up, \
         and any firewall on the way (and HTTPS_PROXY / NO_PROXY if they are set)"
    )]
    Connect {
        /// The URL requested.
        url: String,
        /// The underlying failure.
        cause: String,
    },
    /// The explicitly configured proxy failed or refused the connection.
    #[error(
        "the proxy {proxy} could not connect to {url}: {cause}; check the proxy's address and \
         credentials, and that it may reach the server"
    )]
    Proxy {
        /// The proxy, password hidden.
        proxy: String,
        /// The URL requested.
        url: String,
        /// The underlying failure.
        cause: String,
    },
    /// The server did not answer in time.
    #[error(
        "{url} did not answer within {}s; check that the server is up and reachable, or raise \
         the timeout",
        limit.as_secs_f32()
    )]
    Timeout {
        /// The URL requested.
        url: String,
        /// The timeout that elapsed (connect or request).
        limit: Duration,
    },
    /// TLS setup failed, or the server's certificate was rejected.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The server (or a proxy in between) answered with an HTTP status that carries no SOAP reply.
    #[error("{url} answered HTTP {status}: {}{}", http_status_hint(*status), body_excerpt(snippet))]
    Http {
        /// The URL requested.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the response body, to show what answered (e.g. an HTML error page).
        snippet: String,
    },
    /// The response was larger than the configured maximum.
    #[error(
        "the server's response exceeded the maximum of {limit} bytes; raise the maximum response \
         size in the transport configuration, or ask for less per call (smaller pages)"
    )]
    TooLarge {
        /// The configured maximum, in bytes.
        limit: usize,
    },
    /// The connection broke while the request was sent or the response read.
    #[error(
        "the exchange with {url} broke off: {cause}; retry, and check the network if it persists"
    )]
    Io {
        /// The URL requested.
        url: String,
        /// The underlying failure.
        cause: String,
    },
    /// The server's `vimServiceVersions.xml` cannot be read.
    #[error(transparent)]
    InvalidServiceVersions(#[from] InvalidServiceVersions),
}

/// What an HTTP status that carries no SOAP reply usually means.
fn http_status_hint(status: u16) -> &'static str {
    match status {
        300..=399 => "the server redirects elsewhere; give the URL of the SDK endpoint itself",
        401 | 407 => "authentication is required by the server or a proxy on the way",
        403 => "access is forbidden; check the server's or proxy's access rules",
        404 => "there is no SDK endpoint at this URL; check the path (usually /sdk)",
        500..=599 => {
            "the server or a proxy on the way is failing or unavailable; retry later, or check \
             the server's health"
        }
        _ => "the server did not answer with a SOAP message",
    }
}

/// The body snippet as the end of an error message, if there is one.
fn body_excerpt(snippet: &str) -> String {
    if snippet.is_empty() {
        String::new()
    } else {
        format!(". The response began: {snippet}")
    }
}

/// The configured timeouts, to say which one elapsed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeouts {
    pub(crate) connect: Duration,
    pub(crate) request: Duration,
}

/// Classifies a reqwest error. `proxy` is the explicitly configured proxy, if any.
pub(crate) fn classify(
    error: &reqwest::Error,
    url: &str,
    proxy: Option<&ProxyUrl>,
    timeouts: Timeouts,
) -> TransportError {
    if let Some(tls) = TlsError::from_handshake_failure(error) {
        return TransportError::Tls(tls);
    }
    let url = url.to_owned();
    let cause = describe_causes(error);
    if error.is_timeout() {
        let limit = if error.is_connect() {
            timeouts.connect
        } else {
            timeouts.request
        };
        return TransportError::Timeout { url, limit };
    }
    match proxy {
        Some(proxy) if error.is_connect() => TransportError::Proxy {
            proxy: proxy.to_string(),
            url,
            cause,
        },
        None if error.is_connect() => TransportError::Connect { url, cause },
        _ => TransportError::Io { url, cause },
    }
}

/// The messages of an error's sources, innermost last, without repeats: "client error (Connect):
/// tcp connect error: Connection refused (os error 111)".
fn describe_causes(error: &(dyn StdError + 'static)) -> String {
    let mut messages: Vec<String> = Vec::new();
    let mut next = error.source();
    while let Some(current) = next {
        let message = current.to_string();
        if messages.last() != Some(&message) {
            messages.push(message);
        }
        next = current.source();
    }
    if messages.is_empty() {
        error.to_string()
    } else {
        messages.join(": ")
    }
}

/// The start of a response body, as readable text on one line, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX_CHARS: usize = 200;
    let text = String::from_utf8_lossy(body);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_CHARS {
        let cut: String = one_line.chars().take(MAX_CHARS).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_one_short_line() {
        assert_eq!(
            snippet(b"<html>\r\n  <title>502 Bad Gateway</title>\n</html>"),
            "<html> <title>502 Bad Gateway</title> </html>"
        );
        let long = snippet(&[b'x'; 1000]);
        assert_eq!(long.chars().count(), 201);
        assert!(long.ends_with('…'));
        assert_eq!(snippet(&[0xff, b'o', b'k']), "\u{fffd}ok");
    }

    #[test]
    fn http_errors_say_what_the_status_means() {
        let error = TransportError::Http {
            url: "https://vc.example/sdk".into(),
            status: 404,
            snippet: "Not Found".into(),
        };
        assert_eq!(
            error.to_string(),
            "https://vc.example/sdk answered HTTP 404: there is no SDK endpoint at this URL; check \
             the path (usually /sdk). The response began: Not Found"
        );
    }
}
