//! Which proxy, if any, requests go through.

use std::fmt;
use std::str::FromStr;

use reqwest::Url;

/// Which proxy requests go through.
///
/// The default honours the proxy environment variables as curl does: `HTTPS_PROXY` /
/// `https_proxy` for `https://` endpoints (`HTTP_PROXY` for `http://` ones), else `ALL_PROXY` /
/// `all_proxy`, with hosts in `NO_PROXY` / `no_proxy` reached directly. They are read when the
/// [`Transport`](super::Transport) is built. Operating-system proxy settings (Windows registry,
/// macOS preferences) are not read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ProxyPolicy {
    /// Use the proxy the environment variables name, if any (the default).
    #[default]
    FromEnvironment,
    /// Connect directly, ignoring the environment.
    Direct,
    /// Send every request through this proxy, ignoring the environment.
    Url(ProxyUrl),
}

/// The URL of an HTTP(S) or SOCKS5 proxy, possibly with credentials.
///
/// Schemes: `http://` and `https://` (HTTPS requests are tunnelled with `CONNECT`), `socks5://`
/// (names resolved locally) and `socks5h://` (names resolved by the proxy). A URL without a scheme
/// is taken as `http://`, as curl does. A password in the URL never shows: `Display` and `Debug`
/// replace it with `***`.
///
/// ```
/// use vsphere_client::transport::ProxyUrl;
///
/// let proxy: ProxyUrl = "socks5h://backup:hunter2@jump.example:1080".parse().expect("a proxy");
/// assert_eq!(proxy.to_string(), "socks5h://backup:***@jump.example:1080");
/// assert_eq!("squid.example:3128".parse::<ProxyUrl>().expect("a proxy").to_string(),
///            "http://squid.example:3128");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl(Url);

impl ProxyUrl {
    /// The proxy as reqwest understands it.
    pub(crate) fn to_reqwest(&self) -> Result<reqwest::Proxy, InvalidProxyUrl> {
        reqwest::Proxy::all(self.0.clone()).map_err(|error| InvalidProxyUrl {
            problem: error.to_string(),
        })
    }
}

impl FromStr for ProxyUrl {
    type Err = InvalidProxyUrl;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("http://{text}")
        };
        let url = Url::parse(&with_scheme).map_err(|error| InvalidProxyUrl {
            problem: error.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
            return Err(InvalidProxyUrl {
                problem: format!(
                    "the scheme `{}` is not supported; use http, https, socks5 or socks5h",
                    url.scheme()
                ),
            });
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidProxyUrl {
                problem: "it names no host".into(),
            });
        }
        Ok(Self(url))
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            // Setting a password only fails for URLs that cannot hold one, and this one does.
            let _ = shown.set_password(Some("***"));
        }
        f.write_str(shown.as_str().trim_end_matches('/'))
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// A text that is not a usable proxy URL. The text itself is not repeated, since it may hold a
/// password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a usable proxy URL: {problem}; give one such as `http://proxy.example:3128` or \
     `socks5://proxy.example:1080`"
)]
pub struct InvalidProxyUrl {
    /// What is wrong with it.
    pub problem: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_socks_proxies() {
        for (input, shown) in [
            ("http://squid.example:3128", "http://squid.example:3128"),
            ("squid.example:3128", "http://squid.example:3128"),
            ("https://squid.example", "https://squid.example"),
            ("socks5://127.0.0.1:1080", "socks5://127.0.0.1:1080"),
            ("socks5h://jump.example:1080", "socks5h://jump.example:1080"),
        ] {
            let proxy: ProxyUrl = input.parse().expect(input);
            assert_eq!(proxy.to_string(), shown);
            assert!(proxy.to_reqwest().is_ok(), "{input}");
        }
    }

    #[test]
    fn never_shows_the_password() {
        let proxy: ProxyUrl = "http://backup:hunter2@squid.example:3128"
            .parse()
            .expect("valid");
        assert_eq!(proxy.to_string(), "http://backup:***@squid.example:3128");
        assert!(!format!("{proxy:?}").contains("hunter2"));
        assert!(!format!("{:?}", ProxyPolicy::Url(proxy)).contains("hunter2"));
    }

    #[test]
    fn refuses_unsupported_schemes_and_hostless_urls() {
        assert!("socks4://127.0.0.1:1080".parse::<ProxyUrl>().is_err());
        assert!("ftp://proxy.example".parse::<ProxyUrl>().is_err());
        assert!("http://".parse::<ProxyUrl>().is_err());
        assert!("".parse::<ProxyUrl>().is_err());
    }
}
