//! One SOAP round trip: post an encoded request with the negotiated `SOAPAction`, decode the
//! answer, and turn every failure into an [`Error`] that names the method.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::soap::ResponseError;
use crate::transport::{ApiVersion, SessionCookie, Transport};
use crate::types::LocalizedMethodFault;
use crate::xml::DecodeLimits;

/// The transport to one server, with the API version announced to it.
#[derive(Debug)]
pub(super) struct Connection {
    pub(super) transport: Transport,
    pub(super) api_version: ApiVersion,
    soap_action: String,
    pub(super) decode_limits: DecodeLimits,
    last_activity: Mutex<Instant>,
}

impl Connection {
    pub(super) fn new(
        transport: Transport,
        api_version: ApiVersion,
        decode_limits: DecodeLimits,
    ) -> Self {
        Self {
            transport,
            soap_action: api_version.soap_action(),
            api_version,
            decode_limits,
            last_activity: Mutex::new(Instant::now()),
        }
    }

    /// Posts `body`, a request to `method`, and decodes the answer with `decode`. A result in
    /// which `hidden_fault` finds a fault (a fault the server reports inside a successful
    /// answer) fails with that fault.
    ///
    /// Logs the method and the duration at debug level, never the bodies.
    pub(super) async fn round_trip<T>(
        &self,
        method: &str,
        body: Vec<u8>,
        decode: impl Fn(&[u8], &DecodeLimits) -> Result<T, ResponseError>,
        hidden_fault: impl Fn(&T) -> Option<LocalizedMethodFault>,
    ) -> Result<T, Error> {
        self.round_trip_with_cookie(method, body, decode, hidden_fault)
            .await
            .map(|(output, _)| output)
    }

    /// As [`round_trip`](Self::round_trip), also returning the session cookie the reply set
    /// (for `Login`, whose reply's cookie is the session).
    pub(super) async fn round_trip_with_cookie<T>(
        &self,
        method: &str,
        body: Vec<u8>,
        decode: impl Fn(&[u8], &DecodeLimits) -> Result<T, ResponseError>,
        hidden_fault: impl Fn(&T) -> Option<LocalizedMethodFault>,
    ) -> Result<(T, Option<SessionCookie>), Error> {
        let started = Instant::now();
        let reply = self.transport.post_soap(&self.soap_action, body).await;
        *self.last_activity() = Instant::now();
        log::debug!(
            "{method}: {} after {:?}",
            if reply.as_ref().is_ok_and(|reply| !reply.is_fault()) {
                "answered"
            } else {
                "failed"
            },
            started.elapsed()
        );
        let reply = reply.map_err(|error| Error::from_transport(method, error))?;
        let output = decode(&reply.body, &self.decode_limits).map_err(|error| match error {
            ResponseError::Fault(fault) => Error::Fault {
                method: method.to_owned(),
                fault,
            },
            ResponseError::Decode(error) => Error::Decode {
                method: method.to_owned(),
                error,
            },
        })?;
        match hidden_fault(&output) {
            Some(fault) => Err(Error::reported_fault(method, &fault)),
            None => Ok((output, reply.set_session_cookie)),
        }
    }

    /// How long ago the last request was answered (or failed).
    pub(super) fn idle_for(&self) -> Duration {
        self.last_activity().elapsed()
    }

    fn last_activity(&self) -> std::sync::MutexGuard<'_, Instant> {
        // The lock guards a plain value that no panic can leave half-written.
        self.last_activity
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
