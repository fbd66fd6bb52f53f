//! The session layer: [`Client`] connects to a vCenter or ESXi server, logs in, and makes
//! every call through one place that encodes the request, posts it with the negotiated
//! `SOAPAction`, decodes the answer and, when the session expired, logs in again once.
//!
//! ```no_run
//! use vsphere_client::object::ServiceInstance;
//! use vsphere_client::types::CurrentTimeRequest;
//! use vsphere_client::{Client, ClientConfig, Password};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::connect(ClientConfig::new("vcenter.example".parse()?)).await?;
//! let password = Password::from(std::env::var("VSPHERE_PASSWORD")?);
//! let session = client.login("backup@vsphere.local", &password).await?;
//! println!("logged in as {} (API {})", session.user_name, client.api_version());
//!
//! // A typed call: the generated request struct names the method and its result type.
//! let service_instance = ServiceInstance::of(&client);
//! let request = CurrentTimeRequest { this: service_instance.moref().clone() };
//! let now = client.call(request).await?;
//! println!("the server's clock says {now}");
//!
//! client.close().await?; // logs out and stops the keep-alive
//! # Ok(())
//! # }
//! ```
//!
//! # Sessions
//! - [`Client::login`] keeps the user name and password (in memory only, zeroed when dropped)
//!   so that a call that finds the session expired (a `NotAuthenticated` fault, or a
//!   property collector result whose `missingSet` says `NotAuthenticated`) logs in again and
//!   is retried, once. Concurrent calls that find the session expired cause one login.
//! - [`Client::attach_session`] uses a session another tool opened; such a session is not
//!   renewed when it expires.
//! - The session cookie comes only from a `Login` reply or from `attach_session`: a cookie the
//!   server sets on any other reply (vCenter sets one on every reply to a request without a
//!   cookie) is ignored, so the logged-in session is never replaced, and a re-login keeps one
//!   cookie.
//! - Objects of a session (container views, property collectors and filters, paging tokens)
//!   end with it. [`Client::session_generation`] tells when a re-login happened; the listings
//!   of [`crate::property`] and [`Task::wait`](crate::task::Task::wait) start again once from
//!   fresh objects after one.
//! - While a session is attached, a background task sends `CurrentTime` after
//!   [`ClientConfig::keepalive`] without calls, so the server does not end it for idleness.
//!   It stops when the client is closed or its last clone dropped.
//! - Dropping the last clone without [`Client::close`] leaves the server-side session open
//!   until it expires.

mod config;
mod connection;
mod expiry;
mod keepalive;
mod password;
mod session;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use connection::Connection;
use keepalive::KeepAlive;
use session::SessionState;

pub use config::ClientConfig;
pub use password::Password;

use crate::error::Error;
use crate::soap::{
    Method, decode_method_response, decode_response_value, encode_dynamic, encode_request,
};
use crate::transport::{ApiVersion, SessionCookie, Transport, negotiate};
use crate::types::{ManagedObjectReference, RetrieveServiceContentRequest, ServiceContent, Value};

/// The newest vim25 API version this client knows (the schema it is generated from): the
/// most it announces, whatever newer version a server offers.
pub const NEWEST_KNOWN_API_VERSION: &str = "9.1.0.0";

/// A connection to a vCenter or ESXi server and its session.
///
/// Cheap to clone: clones share the connection, the session and the keep-alive, and may make
/// calls concurrently. `Debug` shows the server, the API version and the user, never a
/// password or the session cookie. See the [module documentation](self) for an example.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    connection: Connection,
    service_content: ServiceContent,
    session: SessionState,
    /// Dropped (which stops the task) by [`Client::close`] or with the last clone.
    keepalive: Mutex<Option<KeepAlive>>,
}

impl Client {
    /// Connects to the server: negotiates the API version (unless
    /// [`ClientConfig::api_version`] fixes it) from its `vimServiceVersions.xml`, capped at
    /// [`NEWEST_KNOWN_API_VERSION`], and fetches its `ServiceContent`. No login yet.
    ///
    /// Needs a Tokio runtime; the keep-alive task is spawned on it.
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Tls`], [`Error::Http`] or [`Error::Timeout`] when the
    /// server cannot be reached or is not a vSphere SDK endpoint; [`Error::Decode`] for an
    /// unreadable `ServiceContent`.
    pub async fn connect(config: ClientConfig) -> Result<Client, Error> {
        let transport = Transport::new(config.transport)
            .map_err(|error| Error::from_transport("connect", error))?;
        let api_version = match config.api_version {
            Some(version) => version,
            None => {
                let offered = transport
                    .service_versions()
                    .await
                    .map_err(|error| Error::from_transport("vimServiceVersions.xml", error))?;
                negotiate(&offered, &newest_known_api_version())
            }
        };
        log::debug!(
            "announcing vim25 API version {api_version} to {}",
            transport.url()
        );
        let connection = Connection::new(transport, api_version, config.decode_limits);
        let request = RetrieveServiceContentRequest {
            this: service_instance(),
        };
        let service_content = connection
            .round_trip(
                RetrieveServiceContentRequest::NAME,
                encode_request(&request),
                decode_method_response::<RetrieveServiceContentRequest>,
                |_| None,
            )
            .await?;
        let client = Client {
            inner: Arc::new(Inner {
                connection,
                service_content,
                session: SessionState::default(),
                keepalive: Mutex::new(None),
            }),
        };
        if let Some(period) = config.keepalive {
            *client.keepalive() = Some(keepalive::start(&client, period));
        }
        Ok(client)
    }

    /// The server's `ServiceContent`: its managers (property collector, view manager, ...)
    /// and what it is (`about`).
    pub fn service_content(&self) -> &ServiceContent {
        &self.inner.service_content
    }

    /// The API version this client announces in its `SOAPAction` header.
    pub fn api_version(&self) -> &ApiVersion {
        &self.inner.connection.api_version
    }

    /// The session cookie, if a session is attached: to hand the session to another tool.
    pub fn session_cookie(&self) -> Option<SessionCookie> {
        self.inner.connection.transport.session_cookie()
    }

    /// Calls a vim25 method, typed: encodes `request`, posts it, decodes the result or the
    /// server's fault.
    ///
    /// When the session expired (a `NotAuthenticated` fault, or a `RetrievePropertiesEx` /
    /// `ContinueRetrievePropertiesEx` result whose `missingSet` holds `NotAuthenticated`) and
    /// the client logged in itself, it logs in again and retries the call, once.
    ///
    /// # Errors
    /// [`Error::Fault`] when the server rejects the call (also for a `NotAuthenticated` found
    /// in a `missingSet`), [`Error::Session`] when the client is closed or logging in again
    /// failed, [`Error::Decode`] for an unreadable answer, and the transport's errors.
    pub async fn call<M>(&self, request: M) -> Result<M::Output, Error>
    where
        M: Method,
        M::Output: 'static,
    {
        self.exchange(
            M::NAME,
            encode_request(&request),
            decode_method_response::<M>,
            |output| expiry::in_typed_result(output),
        )
        .await
    }

    /// Calls any vim25 method, untyped: for methods without a generated request struct.
    /// `args` are the parameters after `_this`, in the WSDL's order; the result is the
    /// `returnval` as a [`Value`] ([`Value::Null`] when there is none). Expired sessions are
    /// handled as by [`call`](Self::call).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn invoke(
        &self,
        method: &str,
        this: &ManagedObjectReference,
        args: &[(&str, Value)],
    ) -> Result<Value, Error> {
        self.exchange(
            method,
            encode_dynamic(method, this, args),
            decode_response_value,
            |output| expiry::in_value_result(method, output),
        )
        .await
    }

    /// The transport, for requests other than SOAP calls (datastore files).
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.connection.transport
    }

    fn connection(&self) -> &Connection {
        &self.inner.connection
    }

    fn keepalive(&self) -> MutexGuard<'_, Option<KeepAlive>> {
        // The lock guards a plain value that no panic can leave half-written.
        self.inner
            .keepalive
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.inner.connection.transport)
            .field("api_version", self.api_version())
            .field("session", &self.inner.session)
            .finish_non_exhaustive()
    }
}

/// The reference of the root object, the same on every server.
pub(crate) fn service_instance() -> ManagedObjectReference {
    ManagedObjectReference::new("ServiceInstance", "ServiceInstance")
}

fn newest_known_api_version() -> ApiVersion {
    NEWEST_KNOWN_API_VERSION
        .parse()
        .expect("NEWEST_KNOWN_API_VERSION is a dotted version")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_known_version_is_valid() {
        assert_eq!(
            newest_known_api_version().soap_action(),
            "urn:vim25/9.1.0.0"
        );
    }
}
