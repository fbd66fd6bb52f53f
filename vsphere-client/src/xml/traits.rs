//! The decoding and encoding traits, and their implementations for containers.

use super::error::DecodeError;
use super::limits::DecodeLimits;
use super::reader::XmlReader;
use super::tag::StartTag;
use super::writer::XmlWriter;

/// A type decoded from one vim25 XML element.
///
/// `from_xml` is called when `tag` has just been read: it is the current element of `reader`
/// and its resolved `xsi:type` is available through [`StartTag::xsi_type`]. The implementation
/// consumes the element's content up to and including its end tag (see [`XmlReader`] for the
/// protocol). Implementations must not panic on any input.
///
/// Struct fields are filled through [`decode_into`](Self::decode_into), which lets a
/// [`Vec`] collect the repeated elements of an array field and an [`Option`] hold an optional one.
///
/// ```
/// use vsphere_client::xml::{self, DecodeError, DecodeLimits, FromXml, StartTag, XmlReader};
///
/// /// `<range><low>1</low><high>5</high></range>`
/// #[derive(Debug, Default, PartialEq)]
/// struct Range { low: i32, high: i32, labels: Vec<String> }
///
/// impl FromXml for Range {
///     fn from_xml<'a>(r: &mut XmlReader<'a>, _tag: &StartTag<'a>) -> Result<Self, DecodeError> {
///         let mut range = Range::default();
///         while let Some(child) = r.next_child()? {
///             match child.name() {
///                 "low" => range.low.decode_into(r, &child)?,
///                 "high" => range.high.decode_into(r, &child)?,
///                 "label" => range.labels.decode_into(r, &child)?,
///                 _ => r.skip_element()?,
///             }
///         }
///         Ok(range)
///     }
/// }
///
/// let xml = b"<range><low>1</low><label>a</label><high>5</high><label>b</label></range>";
/// let range: Range = xml::from_slice(xml, DecodeLimits::default())?;
/// assert_eq!(range, Range { low: 1, high: 5, labels: vec!["a".into(), "b".into()] });
/// # Ok::<(), DecodeError>(())
/// ```
pub trait FromXml: Sized {
    /// Decodes the element `tag`, which `reader` has just read.
    fn from_xml<'a>(reader: &mut XmlReader<'a>, tag: &StartTag<'a>) -> Result<Self, DecodeError>;

    /// Decodes one more occurrence of a field's element into `self`: replaces the value, except
    /// that a [`Vec`] appends.
    fn decode_into<'a>(
        &mut self,
        reader: &mut XmlReader<'a>,
        tag: &StartTag<'a>,
    ) -> Result<(), DecodeError> {
        *self = Self::from_xml(reader, tag)?;
        Ok(())
    }
}

/// A type written as one vim25 XML element.
///
/// `xsi_type` is the `xsi:type` to write, given by the caller when the runtime type differs from
/// the type the schema declares for this element (a polymorphic field or an `xsd:anyType` slot).
/// Polymorphic family enums and [`Value`](crate::types::Value) decide their own `xsi:type`.
///
/// ```
/// use vsphere_client::xml::{ToXml, XmlWriter};
///
/// let mut w = XmlWriter::new();
/// vec!["name".to_owned(), "config.annotation".to_owned()].write_xml(&mut w, "pathSet", None);
/// 42_i32.write_xml(&mut w, "val", Some("xsd:int"));
/// assert_eq!(
///     w.into_string(),
///     r#"<pathSet>name</pathSet><pathSet>config.annotation</pathSet><val xsi:type="xsd:int">42</val>"#
/// );
/// ```
pub trait ToXml {
    /// Writes `self` as the element `tag` (several elements for a [`Vec`], none for `None`).
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>);
}

/// Decodes a standalone XML document (not a SOAP envelope) whose root element is a `T`.
///
/// For SOAP responses use [`soap::decode_response`](crate::soap::decode_response).
pub fn from_slice<T: FromXml>(input: &[u8], limits: DecodeLimits) -> Result<T, DecodeError> {
    let mut reader = XmlReader::new(input, limits)?;
    let root = reader.root()?;
    T::from_xml(&mut reader, &root)
}

/// An optional element: absent or `xsi:nil="true"` is `None`.
impl<T: FromXml> FromXml for Option<T> {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        if tag.is_nil() {
            reader.skip_element()?;
            return Ok(None);
        }
        T::from_xml(reader, tag).map(Some)
    }
}

/// A repeated element: each call to [`decode_into`](FromXml::decode_into) appends one item.
impl<T: FromXml> FromXml for Vec<T> {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        let mut items = Vec::new();
        items.decode_into(reader, tag)?;
        Ok(items)
    }

    fn decode_into<'a>(
        &mut self,
        reader: &mut XmlReader<'a>,
        tag: &StartTag<'a>,
    ) -> Result<(), DecodeError> {
        reader.set_index(self.len());
        self.push(T::from_xml(reader, tag)?);
        Ok(())
    }
}

impl<T: FromXml> FromXml for Box<T> {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        T::from_xml(reader, tag).map(Box::new)
    }
}

/// Nothing: the element is skipped (the result of methods that return nothing).
impl FromXml for () {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, _tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        reader.skip_element()
    }
}

impl<T: ToXml> ToXml for Option<T> {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        if let Some(value) = self {
            value.write_xml(writer, tag, xsi_type);
        }
    }
}

impl<T: ToXml> ToXml for Vec<T> {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        for item in self {
            item.write_xml(writer, tag, xsi_type);
        }
    }
}

impl<T: ToXml + ?Sized> ToXml for Box<T> {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        (**self).write_xml(writer, tag, xsi_type);
    }
}

impl<T: ToXml + ?Sized> ToXml for &T {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        (**self).write_xml(writer, tag, xsi_type);
    }
}
