//! [`Transport`]: posts SOAP requests to one server and carries its session cookie.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue, SET_COOKIE};
use reqwest::{Response, StatusCode, Url, redirect};

use zeroize::Zeroize;

use super::config::TransportConfig;
use super::cookie::{SessionCookie, session_cookie_set_by};
use super::endpoint::SdkUrl;
use super::error::{Timeouts, TransportError, classify, snippet};
use super::proxy::{ProxyPolicy, ProxyUrl};
use super::tls::{TlsPolicy, client_config};
use super::versions::ServiceVersions;

/// How much of an error response's body is read, for the message.
const ERROR_BODY_BYTES: usize = 4096;

/// An HTTP reply that carries a SOAP message: a 2xx status, or 500 with an XML body (how vim25
/// reports faults). The SOAP layer parses the body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// The HTTP status code.
    pub status: u16,
    /// The response body.
    pub body: Vec<u8>,
    /// The `vmware_soap_session` cookie the reply set, if any. The transport does not adopt
    /// it: a server may set a cookie on any reply to a request without one, and only the cookie
    /// of a `Login` reply is a session (the session layer adopts it with
    /// [`Transport::set_session_cookie`]).
    pub set_session_cookie: Option<SessionCookie>,
}

impl HttpReply {
    /// Whether the body is a SOAP fault (HTTP 500) rather than a result.
    pub fn is_fault(&self) -> bool {
        self.status == StatusCode::INTERNAL_SERVER_ERROR.as_u16()
    }
}

impl fmt::Debug for HttpReply {
    /// Shows the body's size only: a login reply's body holds the session key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpReply")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .field("sets_session_cookie", &self.set_session_cookie.is_some())
            .finish()
    }
}

/// The HTTP(S) connection to one vCenter or ESXi SDK endpoint.
///
/// It posts SOAP requests ([`post_soap`](Self::post_soap)), fetches the API versions the server
/// speaks ([`service_versions`](Self::service_versions)), and carries the session: the
/// `vmware_soap_session` cookie given to [`set_session_cookie`](Self::set_session_cookie) is
/// sent with every later SOAP request. A cookie a reply sets is reported in
/// [`HttpReply::set_session_cookie`], never adopted on its own. It knows nothing of SOAP
/// envelopes, logins or faults: the layers above do.
///
/// A `Transport` is shared by reference between concurrent calls (connections are pooled); it
/// needs a Tokio runtime. Its `Debug` shows whether a session is attached, never the cookie.
///
/// ```no_run
/// use vsphere_client::transport::{ApiVersion, Transport, TransportConfig, negotiate};
///
/// # async fn demo(envelope: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
/// let transport = Transport::new(TransportConfig::new("vcenter.example".parse()?))?;
/// let client_max: ApiVersion = "9.0.0.0".parse()?;
/// let version = negotiate(&transport.service_versions().await?, &client_max);
/// let reply = transport.post_soap(&version.soap_action(), envelope).await?;
/// if reply.is_fault() {
///     // hand reply.body to the SOAP fault decoder
/// }
/// # Ok(())
/// # }
/// ```
pub struct Transport {
    client: reqwest::Client,
    url: SdkUrl,
    tls: TlsPolicy,
    explicit_proxy: Option<ProxyUrl>,
    soap_action_override: Option<HeaderValue>,
    max_response_bytes: usize,
    timeouts: Timeouts,
    session: Mutex<Option<SessionCookie>>,
}

impl Transport {
    /// Sets up the HTTP client for `config`. Makes no connection yet.
    ///
    /// With [`TlsPolicy::Insecure`] or an `http://` URL, logs a warning (once, here).
    ///
    /// # Errors
    /// [`TransportError::Tls`] if the trust store or CA file cannot be loaded,
    /// [`TransportError::InvalidHeader`] for a user agent or SOAPAction override that cannot be a
    /// header value, [`TransportError::InvalidProxyUrl`] for a proxy the HTTP client refuses.
    pub fn new(config: TransportConfig) -> Result<Self, TransportError> {
        let tls = client_config(&config.tls)?;
        if config.tls == TlsPolicy::Insecure {
            log::warn!(
                "TLS certificate verification is DISABLED for {}: anyone on the network path can \
                 impersonate the server and capture credentials; pin its thumbprint instead",
                config.url
            );
        }
        if config.url.url().scheme() == "http" {
            log::warn!(
                "{} is plain HTTP: the password and the session cookie cross the network \
                 unencrypted; use https://",
                config.url
            );
        }
        let user_agent = header_value(&config.user_agent, "user agent")?;
        let soap_action_override = config
            .soap_action_override
            .as_deref()
            .map(|action| header_value(action, "SOAPAction"))
            .transpose()?;
        let builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(user_agent)
            .redirect(redirect::Policy::none())
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout);
        let (builder, explicit_proxy) = match config.proxy {
            ProxyPolicy::FromEnvironment => (builder, None),
            ProxyPolicy::Direct => (builder.no_proxy(), None),
            ProxyPolicy::Url(proxy) => (builder.proxy(proxy.to_reqwest()?), Some(proxy)),
        };
        let client = builder
            .build()
            .map_err(|error| TransportError::ClientSetup {
                reason: error.to_string(),
            })?;
        Ok(Self {
            client,
            url: config.url,
            tls: config.tls,
            explicit_proxy,
            soap_action_override,
            max_response_bytes: config.max_response_bytes,
            timeouts: Timeouts {
                connect: config.connect_timeout,
                request: config.request_timeout,
            },
            session: Mutex::new(None),
        })
    }

    /// The server's SDK endpoint.
    pub fn url(&self) -> &SdkUrl {
        &self.url
    }

    /// Posts a SOAP envelope and returns the reply: a 2xx, or a 500 with an XML body (a SOAP
    /// fault, for the SOAP layer to decode).
    ///
    /// Sends `Content-Type: text/xml; charset=utf-8`, `SOAPAction: <soap_action>` (or the
    /// configured override; vim25 wants `urn:vim25/<version>`, see
    /// [`ApiVersion::soap_action`](super::ApiVersion::soap_action)) and the session cookie, if
    /// any. A `vmware_soap_session` cookie set by the reply is returned in
    /// [`HttpReply::set_session_cookie`], not adopted. The body is zeroed in memory once the
    /// HTTP stack has sent it (a `Login` body holds the password).
    ///
    /// # Errors
    /// [`TransportError::Http`] for other statuses (e.g. a proxy's 502 page, a 404 for a wrong
    /// path), [`TransportError::TooLarge`] for bodies over the configured maximum, and the
    /// connection errors ([`Connect`](TransportError::Connect), [`Proxy`](TransportError::Proxy),
    /// [`Timeout`](TransportError::Timeout), [`Tls`](TransportError::Tls),
    /// [`Io`](TransportError::Io)).
    pub async fn post_soap(
        &self,
        soap_action: &str,
        body: Vec<u8>,
    ) -> Result<HttpReply, TransportError> {
        let soap_action = match &self.soap_action_override {
            Some(fixed) => fixed.clone(),
            None => header_value(soap_action, "SOAPAction")?,
        };
        let mut request = self
            .client
            .post(self.url.url().clone())
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("text/xml; charset=utf-8"),
            )
            .header("SOAPAction", soap_action)
            .body(Bytes::from_owner(ZeroedOnDrop(body)));
        if let Some(cookie) = self.session_cookie() {
            request = request.header(COOKIE, cookie.header_value().clone());
        }
        let response = self.send(request).await?;
        let set_session_cookie = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .find_map(|header| session_cookie_set_by(header.as_bytes()));
        let status = response.status();
        if status.is_success() || (status == StatusCode::INTERNAL_SERVER_ERROR && is_xml(&response))
        {
            let body = self.read_body(response).await?;
            Ok(HttpReply {
                status: status.as_u16(),
                body,
                set_session_cookie,
            })
        } else {
            Err(self.http_error(response).await)
        }
    }

    /// Fetches the API versions the server speaks, from `vimServiceVersions.xml` next to the SDK
    /// endpoint (`https://host/sdk/vimServiceVersions.xml`).
    ///
    /// A server that answers 404 publishes no list: the result is then empty (and logged), and
    /// [`negotiate`](super::negotiate) falls back to the client's own newest version.
    ///
    /// # Errors
    /// [`TransportError::InvalidServiceVersions`] for an unreadable document,
    /// [`TransportError::Http`] for statuses other than 2xx and 404, and connection errors.
    pub async fn service_versions(&self) -> Result<ServiceVersions, TransportError> {
        let url = self.url.service_versions_url();
        let response = self.send(self.client.get(url.clone())).await?;
        if response.status() == StatusCode::NOT_FOUND {
            log::info!(
                "{url} does not exist (HTTP 404); announcing the client's newest API version"
            );
            return Ok(ServiceVersions::default());
        }
        if !response.status().is_success() {
            return Err(self.http_error(response).await);
        }
        let body = self.read_body(response).await?;
        Ok(ServiceVersions::parse(&body)?)
    }

    /// Reads the file at `url` (a datastore file interface URL) with the session cookie:
    /// `None` when the server answers 404.
    ///
    /// # Errors
    /// [`TransportError::Http`] for other statuses than 2xx and 404, [`TransportError::TooLarge`]
    /// and the connection errors.
    pub(crate) async fn get_file(&self, url: Url) -> Result<Option<Vec<u8>>, TransportError> {
        let response = self.send(self.with_session(self.client.get(url))).await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !response.status().is_success() {
            return Err(self.http_error(response).await);
        }
        Ok(Some(self.read_body(response).await?))
    }

    /// Writes `body` as the file at `url` (a datastore file interface URL) with the session
    /// cookie.
    ///
    /// # Errors
    /// [`TransportError::Http`] for statuses other than 2xx, and the connection errors.
    pub(crate) async fn put_file(&self, url: Url, body: Vec<u8>) -> Result<(), TransportError> {
        let request = self
            .client
            .put(url)
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )
            .body(body);
        let response = self.send(self.with_session(request)).await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(self.http_error(response).await)
        }
    }

    fn with_session(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.session_cookie() {
            Some(cookie) => request.header(COOKIE, cookie.header_value().clone()),
            None => request,
        }
    }

    /// The session cookie, if a session is attached: to hand the session to another tool, or
    /// to attach it to another `Transport`.
    pub fn session_cookie(&self) -> Option<SessionCookie> {
        self.session().clone()
    }

    /// Attaches an existing session (e.g. one another tool logged in), replacing any other.
    pub fn set_session_cookie(&self, cookie: SessionCookie) {
        *self.session() = Some(cookie);
    }

    /// Forgets the session cookie (after a logout, or before a fresh login). The server-side
    /// session is not ended: log out for that.
    pub fn clear_session_cookie(&self) {
        *self.session() = None;
    }

    fn session(&self) -> MutexGuard<'_, Option<SessionCookie>> {
        // The lock guards a plain value that no panic can leave half-written.
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Response, TransportError> {
        request.send().await.map_err(|error| self.classify(&error))
    }

    fn classify(&self, error: &reqwest::Error) -> TransportError {
        let url = error.url().map_or(self.url.as_str(), reqwest::Url::as_str);
        classify(error, url, self.explicit_proxy.as_ref(), self.timeouts)
    }

    /// Reads a whole body, failing as soon as it exceeds the maximum response size.
    async fn read_body(&self, mut response: Response) -> Result<Vec<u8>, TransportError> {
        let limit = self.max_response_bytes;
        let announced_too_large = response
            .content_length()
            .is_some_and(|announced| announced > u64::try_from(limit).unwrap_or(u64::MAX));
        if announced_too_large {
            return Err(TransportError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.classify(&error))?
        {
            if body.len() + chunk.len() > limit {
                return Err(TransportError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// The error for a reply that carries no SOAP message, with the start of its body.
    async fn http_error(&self, mut response: Response) -> TransportError {
        let status = response.status().as_u16();
        let url = response.url().to_string();
        let mut body = Vec::new();
        // Best effort: a body that breaks off still leaves the status to report.
        while body.len() < ERROR_BODY_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        body.truncate(ERROR_BODY_BYTES);
        TransportError::Http {
            url,
            status,
            snippet: snippet(&body),
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let session = if self.session().is_some() {
            "attached"
        } else {
            "none"
        };
        f.debug_struct("Transport")
            .field("url", &self.url)
            .field("tls", &self.tls)
            .field("proxy", &self.explicit_proxy)
            .field("session", &session)
            .finish_non_exhaustive()
    }
}

/// A request body that is overwritten with zeros when the HTTP stack drops it.
struct ZeroedOnDrop(Vec<u8>);

impl AsRef<[u8]> for ZeroedOnDrop {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for ZeroedOnDrop {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Whether a response says its body is XML, as a SOAP fault's is.
fn is_xml(response: &Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.to_ascii_lowercase())
        .is_some_and(|value| {
            ["text/xml", "application/xml", "application/soap+xml"]
                .iter()
                .any(|xml| value.starts_with(xml))
        })
}

fn header_value(text: &str, setting: &'static str) -> Result<HeaderValue, TransportError> {
    HeaderValue::from_str(text).map_err(|_| TransportError::InvalidHeader { setting })
}
