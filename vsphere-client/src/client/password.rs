//! The password secret and the credentials a client keeps for logging in again.

use std::fmt;

use zeroize::Zeroizing;

/// A password: never shown by `Debug` (`Password(<redacted>)`), has no `Display`, and its
/// memory is overwritten with zeros when dropped.
///
/// ```
/// use vsphere_client::Password;
///
/// let password = Password::from("S3cret!");
/// assert_eq!(password.expose_secret(), "S3cret!");
/// assert_eq!(format!("{password:?}"), "Password(<redacted>)");
/// ```
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// The password itself, to send it to the server. Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for Password {
    fn from(password: String) -> Self {
        Self(Zeroizing::new(password))
    }
}

impl From<&str> for Password {
    fn from(password: &str) -> Self {
        Self::from(password.to_owned())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The user name and password of the last successful login, kept to log in again when the
/// session expires.
#[derive(Clone, Debug)]
pub(super) struct Credentials {
    pub(super) user: String,
    pub(super) password: Password,
}
