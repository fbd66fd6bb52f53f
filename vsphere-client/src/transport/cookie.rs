//! The vim25 session cookie: a bearer secret that never shows in `Debug`, logs or errors.

use std::fmt;
use std::str::FromStr;

use reqwest::header::HeaderValue;

/// The name of the cookie that carries a vim25 session.
pub const SESSION_COOKIE_NAME: &str = "vmware_soap_session";

/// The value of a `vmware_soap_session` cookie: whoever holds it acts as the logged-in user.
///
/// It has no `Display`, and its `Debug` shows `SessionCookie(<redacted>)`; read the value only
/// through [`SessionCookie::expose_secret`], to hand it to another tool on purpose.
///
/// Servers differ in quoting: the simulator sends `vmware_soap_session=<uuid>`, vCenter sends
/// `vmware_soap_session="<hex>"`. The value is kept without the quotes and sent back unquoted,
/// which both accept.
///
/// Parsing (`FromStr`) accepts the forms other tools hand out, so an existing session can be
/// attached: the bare value, the value in double quotes, `vmware_soap_session=<value>`, and a whole
/// cookie string with attributes such as pyVmomi's `stub.cookie`
/// (`vmware_soap_session="…"; Path=/; HttpOnly; Secure;`).
///
/// ```
/// use vsphere_client::transport::SessionCookie;
///
/// let from_pyvmomi: SessionCookie = r#"vmware_soap_session="52a1f0"; Path=/; HttpOnly; Secure;"#
///     .parse()
///     .expect("a session cookie");
/// assert_eq!(from_pyvmomi.expose_secret(), "52a1f0");
/// assert_eq!(format!("{from_pyvmomi:?}"), "SessionCookie(<redacted>)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SessionCookie {
    value: String,
    /// The `Cookie` request header that presents this session, marked sensitive so the HTTP stack
    /// does not log it.
    header: HeaderValue,
}

impl SessionCookie {
    /// Wraps a bare cookie value (quotes, if any, are removed).
    ///
    /// # Errors
    /// [`InvalidSessionCookie`] if the value is empty or holds characters a cookie value cannot
    /// hold (spaces, `;`, `,`, `"`, `\`, control characters).
    pub fn new(value: &str) -> Result<Self, InvalidSessionCookie> {
        let value = unquote(value.trim());
        if value.is_empty() {
            return Err(InvalidSessionCookie::Empty);
        }
        if !value.bytes().all(is_cookie_octet) {
            return Err(InvalidSessionCookie::ForbiddenCharacter);
        }
        let mut header = HeaderValue::from_str(&format!("{SESSION_COOKIE_NAME}={value}"))
            .map_err(|_| InvalidSessionCookie::ForbiddenCharacter)?;
        header.set_sensitive(true);
        Ok(Self {
            value: value.to_owned(),
            header,
        })
    }

    /// The secret value, for handing the session to another tool. Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.value
    }

    /// The `Cookie` request header that presents this session (marked sensitive).
    pub(crate) fn header_value(&self) -> &HeaderValue {
        &self.header
    }
}

impl fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionCookie(<redacted>)")
    }
}

impl FromStr for SessionCookie {
    type Err = InvalidSessionCookie;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let first_pair = text.split(';').next().unwrap_or_default().trim();
        match first_pair.split_once('=') {
            Some((name, value)) if name.trim() == SESSION_COOKIE_NAME => Self::new(value),
            Some((name, _)) => Err(InvalidSessionCookie::OtherCookie {
                name: name.trim().to_owned(),
            }),
            None => Self::new(first_pair),
        }
    }
}

/// The session cookie one `Set-Cookie` header sets; `None` if it is about another cookie,
/// empties the session cookie, or is malformed (logged, without the value).
pub(crate) fn session_cookie_set_by(header: &[u8]) -> Option<SessionCookie> {
    let text = std::str::from_utf8(header).ok()?;
    let first_pair = text.split(';').next()?;
    let (name, value) = first_pair.split_once('=')?;
    if name.trim() != SESSION_COOKIE_NAME || unquote(value.trim()).is_empty() {
        return None;
    }
    SessionCookie::new(value)
        .inspect_err(|problem| {
            log::warn!("ignoring the server's malformed session cookie: {problem}");
        })
        .ok()
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(value)
}

/// RFC 6265 `cookie-octet`: visible ASCII except `"`, `,`, `;` and `\`.
fn is_cookie_octet(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Why a text is not a usable session cookie. Never includes the text itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSessionCookie {
    /// Nothing was given.
    #[error("the session cookie is empty; pass the value of the `{SESSION_COOKIE_NAME}` cookie")]
    Empty,
    /// The value holds a character a cookie cannot carry.
    #[error(
        "the session cookie holds a character a cookie cannot carry (space, `;`, `,`, `\"`, `\\` \
         or a control character); pass only the value of the `{SESSION_COOKIE_NAME}` cookie"
    )]
    ForbiddenCharacter,
    /// The text names a different cookie.
    #[error(
        "the cookie is named `{name}`, not `{SESSION_COOKIE_NAME}`; pass the vim25 session cookie"
    )]
    OtherCookie {
        /// The cookie name that was given.
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_other_tools_hand_out() {
        for text in [
            "1f9f679d-1699-4127-9e94-6b4170a1f23c",
            "\"1f9f679d-1699-4127-9e94-6b4170a1f23c\"",
            "vmware_soap_session=1f9f679d-1699-4127-9e94-6b4170a1f23c",
            "vmware_soap_session=\"1f9f679d-1699-4127-9e94-6b4170a1f23c\"; Path=/; HttpOnly; Secure;",
        ] {
            let cookie: SessionCookie = text.parse().expect(text);
            assert_eq!(
                cookie.expose_secret(),
                "1f9f679d-1699-4127-9e94-6b4170a1f23c"
            );
        }
    }

    #[test]
    fn rejects_empty_foreign_and_injecting_values() {
        assert_eq!(
            "".parse::<SessionCookie>(),
            Err(InvalidSessionCookie::Empty)
        );
        assert_eq!(SessionCookie::new("\"\""), Err(InvalidSessionCookie::Empty));
        assert_eq!(
            "JSESSIONID=abc".parse::<SessionCookie>(),
            Err(InvalidSessionCookie::OtherCookie {
                name: "JSESSIONID".into()
            })
        );
        assert_eq!(
            SessionCookie::new("abc, other=1"),
            Err(InvalidSessionCookie::ForbiddenCharacter)
        );
        assert_eq!(
            SessionCookie::new("abc\r\nX-Injected: 1"),
            Err(InvalidSessionCookie::ForbiddenCharacter)
        );
    }

    #[test]
    fn debug_and_errors_never_show_the_value() {
        let cookie = SessionCookie::new("s3cr3t-value").expect("valid");
        assert!(!format!("{cookie:?}").contains("s3cr3t"));
        let error = SessionCookie::new("s3cr3t value").expect_err("space");
        assert!(!error.to_string().contains("s3cr3t"));
        assert!(!format!("{error:?}").contains("s3cr3t"));
    }

    #[test]
    fn header_value_presents_the_cookie_and_is_sensitive() {
        let cookie = SessionCookie::new("\"52ab\"").expect("valid");
        let header = cookie.header_value();
        assert_eq!(header.to_str().ok(), Some("vmware_soap_session=52ab"));
        assert!(header.is_sensitive());
    }

    #[test]
    fn reads_set_cookie_from_the_simulator_and_from_vcenter() {
        let simulator = b"vmware_soap_session=1f9f679d-1699; HttpOnly";
        let vcenter = b"vmware_soap_session=\"52a1f0e2\"; Path=/; HttpOnly; Secure;";
        assert_eq!(
            session_cookie_set_by(simulator),
            Some(SessionCookie::new("1f9f679d-1699").expect("valid"))
        );
        assert_eq!(
            session_cookie_set_by(vcenter),
            Some(SessionCookie::new("52a1f0e2").expect("valid"))
        );
    }

    #[test]
    fn set_cookie_for_other_cookies_or_emptied_sessions() {
        for header in [
            b"JSESSIONID=x; Path=/".as_slice(),
            b"garbage",
            b"vmware_soap_session=; Max-Age=0",
            b"vmware_soap_session=bad value",
        ] {
            assert_eq!(session_cookie_set_by(header), None);
        }
    }
}
