//! The address of a server's vim25 SDK endpoint.

use std::fmt;
use std::str::FromStr;

use reqwest::Url;

/// The vim25 SDK endpoint of a vCenter or ESXi host, such as `https://vcenter.example/sdk`.
///
/// Parsing accepts what users type: a bare host (`vcenter.example`, `10.0.0.5:8443`) becomes
/// `https://<host>/sdk`, and a URL without a path gets `/sdk`. `http://` is accepted (for test
/// servers); URLs with credentials, a query or a fragment are refused, so that a password never
/// lands in a URL that is logged or shown.
///
/// ```
/// use vsphere_client::transport::SdkUrl;
///
/// let bare: SdkUrl = "vcenter.example".parse().expect("a host");
/// assert_eq!(bare.as_str(), "https://vcenter.example/sdk");
/// let full: SdkUrl = "https://10.0.0.5:8443/sdk".parse().expect("a URL");
/// assert_eq!(full.as_str(), "https://10.0.0.5:8443/sdk");
/// assert!("https://root:secret@esx1/sdk".parse::<SdkUrl>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SdkUrl(Url);

impl SdkUrl {
    /// The endpoint as a string.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The URL SOAP requests are posted to.
    pub(crate) fn url(&self) -> &Url {
        &self.0
    }

    /// The URL of a file on a datastore through the server's datastore file interface:
    /// `https://host/folder/<path>?dsName=<datastore>&dcPath=<datacenter>`.
    pub(crate) fn folder_url(&self, path: &str, datastore: &str, datacenter: &str) -> Url {
        let mut url = self.0.clone();
        url.set_path(&format!("/folder/{}", path.trim_start_matches('/')));
        url.query_pairs_mut()
            .clear()
            .append_pair("dsName", datastore)
            .append_pair("dcPath", datacenter);
        url
    }

    /// The URL of the server's `vimServiceVersions.xml`, next to the endpoint:
    /// `https://host/sdk` gives `https://host/sdk/vimServiceVersions.xml`.
    pub(crate) fn service_versions_url(&self) -> Url {
        let mut url = self.0.clone();
        let path = format!(
            "{}/vimServiceVersions.xml",
            self.0.path().trim_end_matches('/')
        );
        url.set_path(&path);
        url
    }
}

impl FromStr for SdkUrl {
    type Err = InvalidUrl;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(InvalidUrl::new("it is empty"));
        }
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let mut url =
            Url::parse(&with_scheme).map_err(|error| InvalidUrl::new(error.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(InvalidUrl::new(
                "only https:// (or http://) URLs are supported",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidUrl::new(
                "it holds credentials; give the user name and password to the login instead",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(InvalidUrl::new("it holds a query or fragment (`?…`, `#…`)"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidUrl::new("it names no host"));
        }
        if url.path() == "/" {
            url.set_path("/sdk");
        } else {
            let trimmed = url.path().trim_end_matches('/').to_owned();
            url.set_path(&trimmed);
        }
        Ok(Self(url))
    }
}

impl fmt::Display for SdkUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SdkUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SdkUrl({})", self.as_str())
    }
}

/// A text that is not a usable vSphere address. The text itself is not repeated, since it may
/// hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a usable vSphere address: {problem}; give a host name such as `vcenter.example` or a URL \
     such as `https://vcenter.example/sdk`"
)]
pub struct InvalidUrl {
    /// What is wrong with it.
    pub problem: String,
}

impl InvalidUrl {
    fn new(problem: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<String, InvalidUrl> {
        text.parse::<SdkUrl>().map(|url| url.to_string())
    }

    #[test]
    fn normalises_hosts_and_bare_urls_to_the_sdk_endpoint() {
        for (input, expected) in [
            ("vcenter.example", "https://vcenter.example/sdk"),
            (" vcenter.example ", "https://vcenter.example/sdk"),
            ("10.0.0.5:8443", "https://10.0.0.5:8443/sdk"),
            ("[::1]", "https://[::1]/sdk"),
            ("https://vcenter.example", "https://vcenter.example/sdk"),
            ("https://vcenter.example/", "https://vcenter.example/sdk"),
            (
                "https://vcenter.example/sdk/",
                "https://vcenter.example/sdk",
            ),
            ("http://127.0.0.1:8989/sdk", "http://127.0.0.1:8989/sdk"),
            (
                "https://proxy.example/vc1/sdk",
                "https://proxy.example/vc1/sdk",
            ),
        ] {
            assert_eq!(parse(input).as_deref(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn service_versions_sit_next_to_the_endpoint() {
        let url: SdkUrl = "https://proxy.example/vc1/sdk".parse().expect("valid");
        assert_eq!(
            url.service_versions_url().as_str(),
            "https://proxy.example/vc1/sdk/vimServiceVersions.xml"
        );
    }

    #[test]
    fn refuses_unusable_addresses_without_echoing_them() {
        for input in [
            "",
            "ftp://vcenter.example/sdk",
            "https://root:S3cret@vcenter.example/sdk",
            "https://vcenter.example/sdk?x=1",
            "https://vcenter.example/sdk#top",
            "https://",
            "vcenter example",
        ] {
            let error = parse(input).expect_err(input);
            assert!(!error.to_string().contains("S3cret"), "{error}");
        }
    }
}
