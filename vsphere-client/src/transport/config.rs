//! The settings of a [`Transport`](super::Transport).

use std::time::Duration;

use super::endpoint::SdkUrl;
use super::proxy::ProxyPolicy;
use super::tls::TlsPolicy;

/// How a [`Transport`](super::Transport) reaches its server. Start from [`TransportConfig::new`]
/// and change the fields that need it.
///
/// ```
/// use std::time::Duration;
/// use vsphere_client::transport::{ProxyPolicy, TlsPolicy, TransportConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = TransportConfig {
///     tls: TlsPolicy::Pinned(
///         "9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08"
///             .parse()?,
///     ),
///     proxy: ProxyPolicy::Url("socks5h://jump.example:1080".parse()?),
///     request_timeout: Duration::from_secs(120),
///     ..TransportConfig::new("10.0.0.5".parse()?)
/// };
/// assert_eq!(config.url.as_str(), "https://10.0.0.5/sdk");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct TransportConfig {
    /// The server's SDK endpoint.
    pub url: SdkUrl,
    /// How the server's certificate is checked. Default: the system's trust store.
    pub tls: TlsPolicy,
    /// Which proxy to use. Default: the one the environment names, as curl does.
    pub proxy: ProxyPolicy,
    /// The longest a whole request may take, from connecting to the last byte of the response.
    /// Default: 5 minutes. Keep long polls (`WaitForUpdatesEx`'s `maxWaitSeconds`) well below it.
    pub request_timeout: Duration,
    /// The longest connecting (TCP, proxy and TLS handshake) may take. Default: 30 seconds.
    pub connect_timeout: Duration,
    /// The largest response body accepted, in bytes; larger ones fail with
    /// [`TransportError::TooLarge`](super::TransportError::TooLarge) without being read whole.
    /// Default: 256 MiB.
    pub max_response_bytes: usize,
    /// The `User-Agent` header. Default: `vsphere-client/<version>`.
    pub user_agent: String,
    /// A `SOAPAction` header sent instead of the one each call passes, for servers that need a
    /// fixed one. Default: none.
    pub soap_action_override: Option<String>,
}

impl TransportConfig {
    /// The default request timeout: 5 minutes.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
    /// The default connect timeout: 30 seconds.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The default maximum response size: 256 MiB.
    pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;

    /// The defaults, for the server at `url`.
    pub fn new(url: SdkUrl) -> Self {
        Self {
            url,
            tls: TlsPolicy::default(),
            proxy: ProxyPolicy::default(),
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: concat!("vsphere-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            soap_action_override: None,
        }
    }
}
