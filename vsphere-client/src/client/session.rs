//! Logging in and out, attaching a session, and logging in again when a call finds the
//! session expired.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use zeroize::Zeroize;

use super::Client;
use super::password::{Credentials, Password};
use crate::error::{Error, SessionError};
use crate::object::SessionManager;
use crate::soap::{Method, ResponseError, decode_method_response, encode_request};
use crate::transport::SessionCookie;
use crate::types::{
    FaultKind, LocalizedMethodFault, LoginRequest, LogoutRequest, ManagedObjectReference,
    UserSession,
};
use crate::xml::DecodeLimits;

/// The session of a client and its clones.
#[derive(Default)]
pub(super) struct SessionState {
    /// Set by a successful [`Client::login`]; cleared by logout and attach.
    credentials: Mutex<Option<Credentials>>,
    /// Serializes logins, so that concurrent calls that find the session expired log in once.
    login_lock: tokio::sync::Mutex<()>,
    /// Counts the sessions started or attached, so that a call whose session expired can tell
    /// whether another call already logged in again since it was sent.
    generation: AtomicU64,
    closed: AtomicBool,
}

impl SessionState {
    fn credentials(&self) -> MutexGuard<'_, Option<Credentials>> {
        // The lock guards a plain value that no panic can leave half-written.
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

impl fmt::Debug for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = self
            .credentials()
            .as_ref()
            .map(|credentials| credentials.user.clone());
        f.debug_struct("Session")
            .field("user", &user)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Logs in with a user name and password, replacing the session this client held (which
    /// is not logged out: call [`logout`](Self::logout) first to end it). The credentials are
    /// kept to log in again when the session expires; after a failed login the client holds
    /// no session and no credentials.
    ///
    /// # Errors
    /// [`Error::Fault`] with `InvalidLogin` for a wrong user name or password (the message
    /// never contains the password), [`Error::Session`] when the client is closed or the
    /// server has no `SessionManager`, and the transport's errors.
    pub async fn login(&self, user: &str, password: &Password) -> Result<UserSession, Error> {
        self.ensure_open()?;
        let credentials = Credentials {
            user: user.to_owned(),
            password: password.clone(),
        };
        let _login = self.inner.session.login_lock.lock().await;
        // A new login is a new session: whatever cookie the client held is not sent with it.
        self.connection().transport.clear_session_cookie();
        let session = self.start_session(&credentials).await;
        // A failed login also ends the use of earlier credentials: the session is gone.
        *self.inner.session.credentials() = session.is_ok().then_some(credentials);
        session
    }

    /// Uses an existing session, e.g. one pyVmomi or govc logged in, instead of logging in;
    /// checks that it is live by reading `SessionManager.currentSession`. Such a session is
    /// not renewed when it expires (the client has no credentials).
    ///
    /// # Errors
    /// [`Error::Session`] with [`SessionError::NotALiveSession`] when the cookie is not a live
    /// session (the client then holds no session), and the errors of [`call`](Self::call).
    pub async fn attach_session(&self, cookie: SessionCookie) -> Result<UserSession, Error> {
        self.ensure_open()?;
        {
            let _login = self.inner.session.login_lock.lock().await;
            *self.inner.session.credentials() = None;
            self.connection().transport.set_session_cookie(cookie);
            self.inner.session.generation.fetch_add(1, Ordering::AcqRel);
        }
        let checked = SessionManager::of(self)?.current_session().await;
        match checked {
            Ok(Some(session)) => Ok(session),
            Ok(None) => Err(self.forget_dead_session()),
            Err(error) if error.is_fault(FaultKind::NotAuthenticated) => {
                Err(self.forget_dead_session())
            }
            Err(error) => Err(error),
        }
    }

    /// Ends the session on the server and forgets it and the credentials. Does nothing
    /// without a session; a session the server already ended counts as logged out.
    ///
    /// # Errors
    /// The transport's errors, and [`Error::Fault`] if the server refuses the logout; the
    /// client forgets the session either way.
    pub async fn logout(&self) -> Result<(), Error> {
        let _login = self.inner.session.login_lock.lock().await;
        *self.inner.session.credentials() = None;
        let transport = &self.connection().transport;
        if transport.session_cookie().is_none() {
            return Ok(());
        }
        let request = LogoutRequest {
            this: self.session_manager_ref()?,
        };
        let result = self
            .connection()
            .round_trip(
                LogoutRequest::NAME,
                encode_request(&request),
                decode_method_response::<LogoutRequest>,
                |_| None,
            )
            .await;
        transport.clear_session_cookie();
        match result {
            Err(error) if error.is_fault(FaultKind::NotAuthenticated) => Ok(()),
            other => other,
        }
    }

    /// Logs out and stops the keep-alive. Later calls, on this client's clones too, fail with
    /// [`SessionError::Closed`]. Closing a closed client does nothing.
    ///
    /// # Errors
    /// As [`logout`](Self::logout); the client is closed either way.
    pub async fn close(self) -> Result<(), Error> {
        if self.inner.session.is_closed() {
            return Ok(());
        }
        self.keepalive().take();
        let result = self.logout().await;
        self.inner.session.closed.store(true, Ordering::Release);
        result
    }

    /// Counts the sessions this client (and its clones) started or attached. When it changes,
    /// the objects that lived in the earlier session are gone: container views, property
    /// collectors and filters, paging tokens. Code that holds such objects across calls can
    /// compare it before and after a failure to tell a session renewal from other errors.
    pub fn session_generation(&self) -> u64 {
        self.inner.session.generation.load(Ordering::Acquire)
    }

    /// Runs `attempt`, and once more when it failed after the session was renewed (a re-login
    /// during the attempt): for work that uses session-bound objects, which the new session
    /// does not have, and so must start again from fresh ones.
    pub(crate) async fn restarting_after_relogin<T, F, Fut>(
        &self,
        what: &str,
        attempt: F,
    ) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let generation = self.session_generation();
        match attempt().await {
            Err(error) if self.session_generation() != generation => {
                log::info!(
                    "{what} failed after the session was renewed ({error}); starting it again \
                     in the new session"
                );
                attempt().await
            }
            other => other,
        }
    }

    /// Makes a call (see [`call`](Self::call)): one round trip, and when the session expired
    /// and the client holds credentials, one login and one more round trip.
    pub(super) async fn exchange<T>(
        &self,
        method: &str,
        body: Vec<u8>,
        decode: impl Fn(&[u8], &DecodeLimits) -> Result<T, ResponseError>,
        hidden_fault: impl Fn(&T) -> Option<LocalizedMethodFault>,
    ) -> Result<T, Error> {
        self.ensure_open()?;
        let generation = self.inner.session.generation.load(Ordering::Acquire);
        let first = self
            .connection()
            .round_trip(method, body.clone(), &decode, &hidden_fault)
            .await;
        match first {
            Err(expired) if expired.is_fault(FaultKind::NotAuthenticated) => {
                if self.log_in_again(generation).await? {
                    self.connection()
                        .round_trip(method, body, &decode, &hidden_fault)
                        .await
                } else {
                    Err(expired)
                }
            }
            other => other,
        }
    }

    /// Logs in again with the stored credentials, unless another call did since the session
    /// `generation` began. `false` when the client holds no credentials.
    async fn log_in_again(&self, generation: u64) -> Result<bool, Error> {
        let _login = self.inner.session.login_lock.lock().await;
        if self.inner.session.generation.load(Ordering::Acquire) != generation {
            return Ok(true);
        }
        let Some(credentials) = self.inner.session.credentials().clone() else {
            return Ok(false);
        };
        log::info!(
            "the session of {} expired; logging in again",
            credentials.user
        );
        self.start_session(&credentials)
            .await
            .map(|_| true)
            .map_err(|error| SessionError::ReloginFailed(Box::new(error)).into())
    }

    /// Sends `Login` (without retry); the caller holds the login lock.
    ///
    /// The session cookie comes from the `Login` reply only: the cookie the reply sets or,
    /// when it sets none, the cookie the login was sent with (which the server has now
    /// authenticated). Cookies that replies to other calls set are never adopted, so one
    /// cookie is kept across a re-login and a concurrent call cannot replace it. After a
    /// failed login the client holds no cookie.
    async fn start_session(&self, credentials: &Credentials) -> Result<UserSession, Error> {
        let mut request = LoginRequest {
            this: self.session_manager_ref()?,
            user_name: credentials.user.clone(),
            password: credentials.password.expose_secret().to_owned(),
            locale: None,
        };
        let body = encode_request(&request);
        request.password.zeroize();
        let transport = &self.connection().transport;
        let sent_with = transport.session_cookie();
        let login = self
            .connection()
            .round_trip_with_cookie(
                LoginRequest::NAME,
                body,
                decode_method_response::<LoginRequest>,
                |_| None,
            )
            .await;
        let (session, cookie) = match login {
            Ok((session, set)) => (session, set.or(sent_with)),
            Err(error) => {
                transport.clear_session_cookie();
                return Err(error);
            }
        };
        let Some(cookie) = cookie else {
            return Err(SessionError::NoSessionCookie.into());
        };
        transport.set_session_cookie(cookie);
        self.inner.session.generation.fetch_add(1, Ordering::AcqRel);
        Ok(session)
    }

    fn forget_dead_session(&self) -> Error {
        self.connection().transport.clear_session_cookie();
        SessionError::NotALiveSession.into()
    }

    fn session_manager_ref(&self) -> Result<ManagedObjectReference, Error> {
        self.service_content()
            .session_manager
            .clone()
            .ok_or_else(|| SessionError::NoSessionManager.into())
    }

    fn ensure_open(&self) -> Result<(), Error> {
        if self.inner.session.is_closed() {
            Err(SessionError::Closed.into())
        } else {
            Ok(())
        }
    }
}
