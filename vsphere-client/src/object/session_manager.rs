//! [`SessionManager`]: who is logged in. Logging in and out is [`Client`]'s job.

use super::handle::managed_object;
use crate::error::SessionError;
use crate::types::{SessionIsActiveRequest, UserSession};
use crate::{Client, Error};

/// The property holding the caller's own session.
const CURRENT_SESSION: &str = "currentSession";

managed_object! {
    /// The server's `SessionManager`.
    ///
    /// ```no_run
    /// use vsphere_client::object::SessionManager;
    /// # async fn demo(client: vsphere_client::Client) -> Result<(), vsphere_client::Error> {
    /// let sessions = SessionManager::of(&client)?;
    /// if let Some(session) = sessions.current_session().await? {
    ///     let active = sessions.session_is_active(&session.key, &session.user_name).await?;
    ///     println!("{} logged in at {} (active: {active})", session.user_name, session.login_time);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    SessionManager
}

impl SessionManager {
    /// The session manager of `client`'s server.
    ///
    /// # Errors
    /// [`SessionError::NoSessionManager`] if the server's `ServiceContent` names none.
    pub fn of(client: &Client) -> Result<Self, Error> {
        let moref = client
            .service_content()
            .session_manager
            .clone()
            .ok_or(SessionError::NoSessionManager)?;
        Ok(Self::new(client.clone(), moref))
    }

    /// The caller's own session (`currentSession`); `None` when the server reports none.
    ///
    /// # Errors
    /// [`Error::Fault`] with `NotAuthenticated` without a live session (after logging in
    /// again, if the client holds credentials), [`Error::UnexpectedValue`] if the property is
    /// not a `UserSession`, and the errors of [`Client::call`].
    pub async fn current_session(&self) -> Result<Option<UserSession>, Error> {
        self.properties(&[CURRENT_SESSION])
            .await?
            .get(CURRENT_SESSION)
    }

    /// `SessionIsActive`: whether the session `session_id` of `user` is active (needs the
    /// `Sessions.ValidateSession` privilege).
    ///
    /// # Errors
    /// [`Error::Fault`] with `NotFound` when there is no such session, and the errors of
    /// [`Client::call`].
    pub async fn session_is_active(&self, session_id: &str, user: &str) -> Result<bool, Error> {
        let request = SessionIsActiveRequest {
            this: self.moref.clone(),
            session_id: session_id.to_owned(),
            user_name: user.to_owned(),
        };
        self.client.call(request).await
    }
}
