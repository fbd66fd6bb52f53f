//! The HTTP client of webhook calls and metric pushes: the system's trusted CAs (as for vCenter,
//! with the ring provider), the environment's proxy settings, bounded time.

use std::time::Duration;

use vsphere_client::transport::TlsPolicy;

/// A client whose every request, connecting included, ends within `timeout`.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    let tls = TlsPolicy::SystemRoots
        .rustls_config()
        .map_err(|error| error.to_string())?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .user_agent(concat!("vmrotate/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|error| format!("cannot set up the HTTP client: {}", error.without_url()))
}

/// `url` as messages may show it: scheme, host and port only, since paths and query strings
/// of webhook URLs often hold their secret token.
pub(crate) fn origin(url: &reqwest::Url) -> String {
    url.origin().ascii_serialization()
}

/// Parses `text` as an `http://` or `https://` URL for `setting`.
pub(crate) fn parse_url(text: &str, setting: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text).map_err(|error| {
        format!("{setting} is not a valid URL ({error}): write e.g. https://host/path")
    })?;
    match url.scheme() {
        "http" | "https" if url.has_host() => Ok(url),
        _ => Err(format!(
            "{setting} must be an http:// or https:// URL with a host (it is {})",
            origin(&url)
        )),
    }
}

/// Sends `request`; an error or a non-success status becomes a message naming only the
/// origin of `url` and `what` was sent.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    url: &reqwest::Url,
    what: &str,
) -> Result<(), String> {
    let response = request.send().await.map_err(|error| {
        format!(
            "cannot send {what} to {}: {}",
            origin(url),
            with_sources(&error.without_url())
        )
    })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("{} answered {status} to {what}", origin(url)))
    }
}

/// `error` and its sources, e.g. `error sending request: client error (Connect): tcp connect
/// error: Connection refused`. reqwest's errors name no URL once `without_url` is applied.
fn with_sources(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(source) = next {
        text.push_str(": ");
        text.push_str(&source.to_string());
        next = source.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_hides_the_path_and_the_query() {
        let url = parse_url(
            "https://hooks.example.lan:8443/services/T0/B0/s3cret?token=s3cret",
            "url",
        )
        .unwrap();
        assert_eq!(origin(&url), "https://hooks.example.lan:8443");
        let error = parse_url("ftp://example.lan/x?token=s3cret", "url").unwrap_err();
        assert!(!error.contains("s3cret"), "{error}");
    }
}
