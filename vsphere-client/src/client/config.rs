//! The settings of a [`Client`](super::Client).

use std::time::Duration;

use crate::transport::{ApiVersion, SdkUrl, TransportConfig};
use crate::xml::DecodeLimits;

/// How a [`Client`](super::Client) reaches its server and keeps its session. Start from
/// [`ClientConfig::new`] and change the fields that need it.
///
/// ```
/// use std::time::Duration;
/// use vsphere_client::ClientConfig;
/// use vsphere_client::transport::TlsPolicy;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut config = ClientConfig::new("vcenter.example".parse()?);
/// config.transport.tls = TlsPolicy::Pinned(
///     "9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08"
///         .parse()?,
/// );
/// config.api_version = Some("8.0.3.0".parse()?);
/// config.keepalive = Some(Duration::from_secs(300));
/// assert_eq!(config.transport.url.as_str(), "https://vcenter.example/sdk");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// How the server is reached: URL, TLS policy, proxy, timeouts.
    pub transport: TransportConfig,
    /// The API version to announce (`SOAPAction: urn:vim25/<version>`) instead of negotiating
    /// one from the server's `vimServiceVersions.xml`. Default: negotiate.
    pub api_version: Option<ApiVersion>,
    /// After how long without any call the client sends `CurrentTime` to keep its session
    /// from expiring (vCenter ends sessions idle for 30 minutes by default); `None` sends
    /// nothing. Default: 10 minutes, as govmomi.
    pub keepalive: Option<Duration>,
    /// Bounds on the responses the client decodes.
    pub decode_limits: DecodeLimits,
}

impl ClientConfig {
    /// The default keep-alive period: 10 minutes.
    pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(600);

    /// The defaults, for the server at `url`.
    pub fn new(url: SdkUrl) -> Self {
        Self {
            transport: TransportConfig::new(url),
            api_version: None,
            keepalive: Some(Self::DEFAULT_KEEPALIVE),
            decode_limits: DecodeLimits::default(),
        }
    }
}
