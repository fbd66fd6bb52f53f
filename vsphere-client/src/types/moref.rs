//! Managed object references.

use std::fmt;

use crate::xml::{DecodeError, DecodeErrorKind, FromXml, StartTag, ToXml, XmlReader, XmlWriter};

/// A reference to a server-side managed object: its type and its opaque id.
///
/// Values are opaque strings (`vm-36`, `session[...]uuid`, `nfs.example.invalid:/export@folder-5`);
/// never parse them. Two references are equal when both type and value are equal; the
/// `serverGuid` attribute some servers add is ignored.
///
/// On the wire: `<tag type="VirtualMachine">vm-36</tag>`.
///
/// ```
/// use vsphere_client::types::ManagedObjectReference;
///
/// let vm = ManagedObjectReference::new("VirtualMachine", "vm-36");
/// assert_eq!(vm.to_string(), "VirtualMachine:vm-36");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ManagedObjectReference {
    /// The managed object type, such as `VirtualMachine` or `Task`.
    pub r#type: String,
    /// The server's id for the object.
    pub value: String,
}

impl ManagedObjectReference {
    /// A reference to the object `value` of type `type_name`.
    pub fn new(type_name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            r#type: type_name.into(),
            value: value.into(),
        }
    }
}

impl fmt::Display for ManagedObjectReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.r#type, self.value)
    }
}

impl FromXml for ManagedObjectReference {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        let Some(type_name) = reader.attribute(tag, "type")? else {
            let kind =
                DecodeErrorKind::Missing("the `type` attribute of a managed object reference");
            return Err(reader.error(kind));
        };
        let type_name = type_name.into_owned();
        let value = reader.read_text()?.into_owned();
        Ok(Self {
            r#type: type_name,
            value,
        })
    }
}

impl ToXml for ManagedObjectReference {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        writer.start_element(tag, xsi_type, &[("type", &self.r#type)]);
        writer.text(&self.value);
        writer.end_element(tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{DecodeLimits, from_slice};

    #[test]
    fn decodes_type_and_opaque_value() {
        let xml = br#"<obj type="Datastore" serverGuid="x">nfs.example.invalid:/export/durian@folder-5</obj>"#;
        let moref: ManagedObjectReference = from_slice(xml, DecodeLimits::default()).unwrap();
        assert_eq!(
            moref,
            ManagedObjectReference::new("Datastore", "nfs.example.invalid:/export/durian@folder-5")
        );
    }

    #[test]
    fn missing_type_attribute_is_an_error() {
        let error =
            from_slice::<ManagedObjectReference>(b"<obj>vm-1</obj>", DecodeLimits::default())
                .unwrap_err();
        assert!(matches!(error.kind(), DecodeErrorKind::Missing(_)));
    }

    #[test]
    fn encodes_as_typed_element() {
        let mut w = XmlWriter::new();
        ManagedObjectReference::new("ContainerView", "session[a]b")
            .write_xml(&mut w, "_this", None);
        assert_eq!(
            w.into_string(),
            r#"<_this type="ContainerView">session[a]b</_this>"#
        );
    }
}
