//! vim25 API versions: what a server publishes in `/sdk/vimServiceVersions.xml`, and the
//! negotiation of the version a client announces in its `SOAPAction` header.
//!
//! The header matters: a header older than the server can leave ServiceContent managers null, and
//! an empty one is rejected or selects an old baseline. Like rbvmomi, a client announces the lower
//! of the server's newest version and the newest one it knows itself.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use quick_xml::Reader;
use quick_xml::events::Event;

/// The namespace of the vSphere management API in `vimServiceVersions.xml`.
pub const VIM25_NAMESPACE: &str = "urn:vim25";

/// A vim25 API version such as `8.0.3.0`, ordered numerically part by part.
///
/// Missing trailing parts count as zero, so `7.0` equals `7.0.0.0`; the version displays as it was
/// written.
///
/// ```
/// use vsphere_client::transport::ApiVersion;
///
/// let newer: ApiVersion = "8.0.10.0".parse().expect("a version");
/// let older: ApiVersion = "8.0.3.0".parse().expect("a version");
/// assert!(newer > older);
/// assert_eq!(newer.soap_action(), "urn:vim25/8.0.10.0");
/// ```
#[derive(Clone, Debug)]
pub struct ApiVersion {
    text: String,
    parts: Vec<u32>,
}

impl ApiVersion {
    /// The version as written, e.g. `8.0.3.0`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The `SOAPAction` header value that announces this version: `urn:vim25/<version>`.
    pub fn soap_action(&self) -> String {
        format!("{VIM25_NAMESPACE}/{}", self.text)
    }

    /// The numeric parts, padded with zeros to `len` parts.
    fn padded(&self, len: usize) -> impl Iterator<Item = u32> + '_ {
        self.parts
            .iter()
            .copied()
            .chain(std::iter::repeat(0))
            .take(len)
    }
}

impl FromStr for ApiVersion {
    type Err = InvalidApiVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let parts = text
            .split('.')
            .map(|part| part.parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| InvalidApiVersion {
                text: text.to_owned(),
            })?;
        Ok(Self {
            text: text.to_owned(),
            parts,
        })
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for ApiVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.parts.len().max(other.parts.len());
        self.padded(len).cmp(other.padded(len))
    }
}

impl PartialOrd for ApiVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApiVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApiVersion {}

/// A text that is not a dotted numeric API version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an API version; write dotted numbers such as 8.0.3.0")]
pub struct InvalidApiVersion {
    /// The text that was given.
    pub text: String,
}

/// One `<namespace>` of `vimServiceVersions.xml`: an API and the versions the server speaks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceNamespace {
    /// The namespace, e.g. `urn:vim25`.
    pub name: String,
    /// The server's current version of it, as written.
    pub version: String,
    /// The older versions the server still accepts, as written (some are not numeric, e.g.
    /// `2.5u2server`).
    pub prior_versions: Vec<String>,
}

impl ServiceNamespace {
    /// The newest numeric version among `version` and `prior_versions`.
    pub fn newest(&self) -> Option<ApiVersion> {
        std::iter::once(&self.version)
            .chain(&self.prior_versions)
            .filter_map(|text| text.parse::<ApiVersion>().ok())
            .max()
    }
}

/// What a server publishes at `/sdk/vimServiceVersions.xml`.
///
/// Empty when the server publishes nothing there (see [`Transport::service_versions`]).
///
/// [`Transport::service_versions`]: super::Transport::service_versions
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceVersions {
    /// The namespaces in document order.
    pub namespaces: Vec<ServiceNamespace>,
}

impl ServiceVersions {
    /// Parses a `vimServiceVersions.xml` document:
    /// `<namespaces><namespace><name/><version/><priorVersions><version/>…</priorVersions></namespace>…`.
    ///
    /// # Errors
    /// [`InvalidServiceVersions`] if the document is not well-formed XML or not UTF-8.
    pub fn parse(xml: &[u8]) -> Result<Self, InvalidServiceVersions> {
        let text = std::str::from_utf8(xml).map_err(|error| InvalidServiceVersions {
            problem: error.to_string(),
        })?;
        let mut reader = Reader::from_str(text);
        let mut path: Vec<String> = Vec::new();
        let mut leaf_text = String::new();
        let mut current = ServiceNamespace::default();
        let mut namespaces = Vec::new();
        loop {
            match reader.read_event().map_err(InvalidServiceVersions::from)? {
                Event::Start(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    if name == "namespace" {
                        current = ServiceNamespace::default();
                    }
                    path.push(name);
                    leaf_text.clear();
                }
                Event::Text(text) => leaf_text.push_str(&text.xml10_content()),
                Event::CData(data) => leaf_text.push_str(&data.xml10_content()),
                Event::GeneralRef(reference) => {
                    leaf_text.push_str(&resolve_reference(&reference)?);
                }
                Event::End(_) => {
                    let value = leaf_text.trim().to_owned();
                    match path.iter().rev().map(String::as_str).collect::<Vec<_>>()[..] {
                        ["namespace", ..] => namespaces.push(std::mem::take(&mut current)),
                        ["name", "namespace", ..] => current.name = value,
                        ["version", "namespace", ..] => current.version = value,
                        ["version", "priorVersions", "namespace", ..] => {
                            current.prior_versions.push(value)
                        }
                        _ => {}
                    }
                    path.pop();
                    leaf_text.clear();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(Self { namespaces })
    }

    /// The namespace called `name`, if the server lists it.
    pub fn namespace(&self, name: &str) -> Option<&ServiceNamespace> {
        self.namespaces
            .iter()
            .find(|namespace| namespace.name == name)
    }

    /// The newest `urn:vim25` version the server speaks.
    pub fn newest_vim25(&self) -> Option<ApiVersion> {
        self.namespace(VIM25_NAMESPACE)?.newest()
    }
}

fn resolve_reference(
    reference: &quick_xml::events::BytesRef<'_>,
) -> Result<String, InvalidServiceVersions> {
    if let Some(character) = reference.resolve_char_ref()? {
        return Ok(character.to_string());
    }
    let name = reference.xml10_content();
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| InvalidServiceVersions {
            problem: format!("unknown entity `&{name};`"),
        })
}

/// A `vimServiceVersions.xml` that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the server's vimServiceVersions.xml cannot be read ({problem}); check that the URL points \
     at a vCenter or ESXi SDK endpoint, or set the API version explicitly"
)]
pub struct InvalidServiceVersions {
    /// What is wrong with the document.
    pub problem: String,
}

impl From<quick_xml::Error> for InvalidServiceVersions {
    fn from(error: quick_xml::Error) -> Self {
        Self {
            problem: error.to_string(),
        }
    }
}

/// The version to announce to a server: the lower of the server's newest `urn:vim25` version
/// and `client_max`, the newest version the client knows.
///
/// A server that lists no numeric `urn:vim25` version (or publishes no `vimServiceVersions.xml`
/// at all, see [`Transport::service_versions`]) gets `client_max`, which is what govmomi sends
/// when no version is configured.
///
/// ```
/// use vsphere_client::transport::{ApiVersion, ServiceNamespace, ServiceVersions, negotiate};
///
/// let server = ServiceVersions {
///     namespaces: vec![ServiceNamespace {
///         name: "urn:vim25".into(),
///         version: "8.0.3.0".into(),
///         prior_versions: vec!["8.0.2.0".into(), "7.0.3.0".into()],
///     }],
/// };
/// let client_max: ApiVersion = "9.0.0.0".parse().expect("a version");
/// assert_eq!(negotiate(&server, &client_max).as_str(), "8.0.3.0");
/// ```
///
/// [`Transport::service_versions`]: super::Transport::service_versions
pub fn negotiate(server: &ServiceVersions, client_max: &ApiVersion) -> ApiVersion {
    match server.newest_vim25() {
        Some(newest) if newest <= *client_max => newest,
        _ => client_max.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the govmomi simulator answers.
    const SIMULATOR: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<namespaces version="1.0">
 <namespace>
  <name>urn:vim25</name>
  <version>6.5</version>
  <priorVersions>
   <version>6.0</version>
   <version>5.5</version>
  </priorVersions>
 </namespace>
</namespaces>
"#;

    fn version(text: &str) -> ApiVersion {
        text.parse().expect("valid version")
    }

    fn server(newest: &str, prior: &[&str]) -> ServiceVersions {
        ServiceVersions {
            namespaces: vec![ServiceNamespace {
                name: VIM25_NAMESPACE.into(),
                version: newest.into(),
                prior_versions: prior.iter().map(|&v| v.into()).collect(),
            }],
        }
    }

    #[test]
    fn versions_compare_numerically_and_ignore_trailing_zeros() {
        assert!(version("8.0.10.0") > version("8.0.9.0"));
        assert!(version("10.0") > version("9.0.0.0"));
        assert_eq!(version("7.0"), version("7.0.0.0"));
        assert!(version("7.0.3.1") > version("7.0.3"));
        assert_eq!(version(" 6.5 ").as_str(), "6.5");
    }

    #[test]
    fn rejects_non_numeric_versions() {
        for text in ["", "2.5u2server", "8..0", "v8.0", "8.0-beta"] {
            assert_eq!(
                text.parse::<ApiVersion>().map(|parsed| parsed.to_string()),
                Err(InvalidApiVersion { text: text.into() }),
            );
        }
    }

    #[test]
    fn parses_the_simulator_document() {
        let parsed = ServiceVersions::parse(SIMULATOR.as_bytes()).expect("well-formed");
        assert_eq!(parsed, server("6.5", &["6.0", "5.5"]));
        assert_eq!(
            parsed.newest_vim25().map(|v| v.to_string()),
            Some("6.5".into())
        );
    }

    #[test]
    fn parses_several_namespaces_prefixes_cdata_and_references() {
        let document = r#"<?xml version="1.0"?>
<n:namespaces xmlns:n="urn:x">
 <n:namespace><n:name>urn:vim2</n:name><n:version>2.0</n:version></n:namespace>
 <n:namespace>
  <n:name>urn:vim25</n:name><n:version><![CDATA[8.0.3.0]]></n:version>
  <n:priorVersions><n:version>8&#46;0.2.0</n:version><n:version>2.5u2server</n:version></n:priorVersions>
 </n:namespace>
</n:namespaces>"#;
        let parsed = ServiceVersions::parse(document.as_bytes()).expect("well-formed");
        assert_eq!(parsed.namespaces.len(), 2);
        assert_eq!(
            parsed.namespace("urn:vim2").map(|n| n.version.as_str()),
            Some("2.0")
        );
        assert_eq!(
            parsed.namespace(VIM25_NAMESPACE),
            Some(&ServiceNamespace {
                name: "urn:vim25".into(),
                version: "8.0.3.0".into(),
                prior_versions: vec!["8.0.2.0".into(), "2.5u2server".into()],
            })
        );
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(ServiceVersions::parse(b"<namespaces><namespace></namespaces>").is_err());
        assert!(ServiceVersions::parse(b"<a>&bogus;</a>").is_err());
        assert!(ServiceVersions::parse(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn negotiates_down_to_an_older_server() {
        let client_max = version("9.0.0.0");
        assert_eq!(
            negotiate(&server("6.5", &["6.0"]), &client_max).as_str(),
            "6.5"
        );
        assert_eq!(
            negotiate(
                &server("7.0.3.0", &["7.0.2.0", "7.0", "6.7.3"]),
                &client_max
            )
            .as_str(),
            "7.0.3.0"
        );
        assert_eq!(
            negotiate(
                &server("8.0.3.0", &["8.0.2.0", "8.0.1.0", "8.0.0.0"]),
                &client_max
            )
            .as_str(),
            "8.0.3.0"
        );
    }

    #[test]
    fn equal_versions_keep_the_server_spelling() {
        assert_eq!(
            negotiate(&server("9.0", &[]), &version("9.0.0.0")).as_str(),
            "9.0"
        );
    }

    #[test]
    fn caps_a_newer_server_at_the_client_max() {
        assert_eq!(
            negotiate(
                &server("9.1.0.0", &["9.0.0.0", "8.0.3.0"]),
                &version("9.0.0.0")
            )
            .as_str(),
            "9.0.0.0"
        );
    }

    #[test]
    fn uses_the_newest_listed_version_even_when_not_first() {
        // ESXi lists its current version first, then a long tail of prior versions, some of
        // them not numeric; the newest numeric one wins wherever it is.
        let esxi = server(
            "8.0.2.0",
            &[
                "8.0.1.0",
                "8.0.3.0",
                "7.0.3.0",
                "6.7.3",
                "2.5u2server",
                "2.5",
                "uE53DA",
            ],
        );
        assert_eq!(negotiate(&esxi, &version("9.0.0.0")).as_str(), "8.0.3.0");
    }

    #[test]
    fn falls_back_to_the_client_max_without_a_vim25_list() {
        let client_max = version("9.0.0.0");
        assert_eq!(
            negotiate(&ServiceVersions::default(), &client_max),
            client_max
        );
        let only_other = ServiceVersions {
            namespaces: vec![ServiceNamespace {
                name: "urn:vim2".into(),
                version: "2.0".into(),
                prior_versions: vec![],
            }],
        };
        assert_eq!(negotiate(&only_other, &client_max), client_max);
        assert_eq!(negotiate(&server("dev", &[]), &client_max), client_max);
    }
}
