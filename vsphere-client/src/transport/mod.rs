//! HTTP transport to a vCenter or ESXi SDK endpoint: TLS verification and thumbprint pinning,
//! proxies, the session cookie, and API version negotiation.
//!
//! A [`Transport`] is built from a [`TransportConfig`] and posts SOAP envelopes with
//! [`Transport::post_soap`]; vim25 faults (HTTP 500 with an XML body) come back as replies for
//! the SOAP layer, everything else that goes wrong is a [`TransportError`] whose message says
//! what to do. [`Transport::service_versions`] and [`negotiate`] pick the `SOAPAction` version.
//!
//! Built on reqwest (HTTP/1.1) and rustls with the `ring` crypto provider. Certificate checks
//! follow a [`TlsPolicy`]: the system trust store by default, a CA file, a pinned
//! [`Thumbprint`], or (when asked) none. A rejected certificate's error shows its SHA-256 and
//! SHA-1 thumbprints, so it can be checked and pinned.

mod client;
mod config;
mod cookie;
mod endpoint;
mod error;
mod proxy;
mod thumbprint;
mod tls;
mod versions;

pub use client::{HttpReply, Transport};
pub use config::TransportConfig;
pub use cookie::{InvalidSessionCookie, SESSION_COOKIE_NAME, SessionCookie};
pub use endpoint::{InvalidUrl, SdkUrl};
pub use error::TransportError;
pub use proxy::{InvalidProxyUrl, ProxyPolicy, ProxyUrl};
pub use thumbprint::{CertificateThumbprints, Thumbprint, ThumbprintParseError};
pub use tls::{TlsError, TlsPolicy};
pub use versions::{
    ApiVersion, InvalidApiVersion, InvalidServiceVersions, ServiceNamespace, ServiceVersions,
    VIM25_NAMESPACE, negotiate,
};
