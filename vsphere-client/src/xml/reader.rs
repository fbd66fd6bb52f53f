//! The streaming pull reader that [`FromXml`](crate::xml::FromXml) implementations drive.
//!
//! It wraps quick-xml's [`NsReader`] over the body slice: events borrow from the input, no event
//! allocates, and namespace prefixes are resolved through the reader's scope (never by prefix
//! text). It tracks the open elements for error paths and enforces the nesting limit.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::reader::NsReader;

use super::error::{DecodeError, DecodeErrorKind, excerpt};
use super::limits::DecodeLimits;
use super::tag::{ScannedAttributes, StartTag, XsiType};

/// The XML Schema instance namespace (`xsi:type`, `xsi:nil`).
pub(crate) const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The XML Schema namespace (`xsd:string`, `xsd:int`, ...).
pub(crate) const XSD_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema";

/// What an element contains, as seen by [`XmlReader::next_content`].
#[derive(Debug)]
pub enum Content<'a> {
    /// The element has child elements; this is the first one (now the current element).
    Child(StartTag<'a>),
    /// The element holds only text; its end tag has been consumed.
    Text(Cow<'a, str>),
}

/// One open element, for error paths.
#[derive(Debug)]
struct OpenElement<'a> {
    name: &'a str,
    /// The position of this element among the items of a repeated field.
    index: Option<usize>,
}

/// A reader event after comments, declarations and entity references are dealt with.
enum Token<'a> {
    Start(StartTag<'a>),
    End,
    Text(Cow<'a, str>),
    Eof,
}

/// A streaming reader over one vim25 XML document.
///
/// The protocol: a [`StartTag`] returned by [`next_child`](Self::next_child) (or
/// [`root`](Self::root)) is the *current element*; whoever receives it consumes the element's
/// content up to and including its end tag, with [`next_child`](Self::next_child) (structures),
/// [`read_text`](Self::read_text) (simple values), [`next_content`](Self::next_content) (either)
/// or [`skip_element`](Self::skip_element).
///
/// ```
/// use vsphere_client::xml::{DecodeLimits, XmlReader};
///
/// let mut reader = XmlReader::new(b"<a><b>1</b><c>x</c></a>", DecodeLimits::default())?;
/// let root = reader.root()?;
/// assert_eq!(root.name(), "a");
/// let mut seen = Vec::new();
/// while let Some(child) = reader.next_child()? {
///     seen.push((child.name(), reader.read_text()?.into_owned()));
/// }
/// assert_eq!(seen, [("b", "1".to_owned()), ("c", "x".to_owned())]);
/// # Ok::<(), vsphere_client::xml::DecodeError>(())
/// ```
pub struct XmlReader<'a> {
    /// The body after any byte order mark.
    input: &'a str,
    /// Length of the byte order mark stripped from the body, for error offsets.
    bom_len: u64,
    inner: NsReader<&'a [u8]>,
    max_depth: usize,
    /// Elements that may still be read ([`DecodeLimits::max_nodes`] at first).
    nodes_left: usize,
    max_nodes: usize,
    open: Vec<OpenElement<'a>>,
    /// The element whose end tag was read last, for errors about its text.
    closed: Option<OpenElement<'a>>,
    /// The current element was written `<x/>`: its end tag is implied.
    in_empty_element: bool,
}

impl<'a> XmlReader<'a> {
    /// Starts reading `input`, after checking it against `limits` and validating it as UTF-8.
    pub fn new(input: &'a [u8], limits: DecodeLimits) -> Result<Self, DecodeError> {
        if input.len() > limits.max_body_bytes() {
            let kind = DecodeErrorKind::TooLarge {
                size: input.len(),
                limit: limits.max_body_bytes(),
            };
            return Err(DecodeError::new(String::new(), 0, kind));
        }
        let input = std::str::from_utf8(input).map_err(|e| {
            let kind = DecodeErrorKind::NotUtf8 {
                valid_up_to: e.valid_up_to(),
            };
            DecodeError::new(String::new(), e.valid_up_to() as u64, kind)
        })?;
        // quick-xml skips a byte order mark without counting it in its positions: strip it here
        // so positions index `input`, and add it back in error offsets.
        let (input, bom_len) = match input.strip_prefix('\u{FEFF}') {
            Some(rest) => (rest, '\u{FEFF}'.len_utf8() as u64),
            None => (input, 0),
        };
        Ok(Self {
            input,
            bom_len,
            inner: NsReader::from_str(input),
            max_depth: limits.max_depth(),
            nodes_left: limits.max_nodes(),
            max_nodes: limits.max_nodes(),
            open: Vec::with_capacity(16),
            closed: None,
            in_empty_element: false,
        })
    }

    /// Charges the node budget ([`DecodeLimits::max_nodes`]) for a value of type `T` about
    /// to be decoded: one node per [`DecodeLimits::NODE_BYTES`] of its size beyond the element's own node,
    /// so a body of empty elements cannot expand into gigabytes of defaulted data objects.
    ///
    /// # Errors
    /// [`DecodeErrorKind::TooManyNodes`] when the budget is spent.
    pub fn charge_value<T>(&mut self) -> Result<(), DecodeError> {
        self.charge(std::mem::size_of::<T>() / DecodeLimits::NODE_BYTES)
    }

    fn charge(&mut self, nodes: usize) -> Result<(), DecodeError> {
        match self.nodes_left.checked_sub(nodes) {
            Some(left) => {
                self.nodes_left = left;
                Ok(())
            }
            None => {
                let limit = self.max_nodes;
                Err(self.error(DecodeErrorKind::TooManyNodes { limit }))
            }
        }
    }

    /// Reads up to the document's root element and returns it as the current element.
    pub fn root(&mut self) -> Result<StartTag<'a>, DecodeError> {
        loop {
            match self.next_token()? {
                Token::Start(tag) => return Ok(tag),
                Token::Text(text) if is_blank(&text) => {}
                Token::Text(text) => {
                    let kind = DecodeErrorKind::InvalidValue {
                        expected: "an XML document",
                        found: excerpt(&text),
                    };
                    return Err(self.error(kind));
                }
                Token::End | Token::Eof => {
                    return Err(self.error(DecodeErrorKind::Missing("the root element")));
                }
            }
        }
    }

    /// Returns the current element's next child element, or `None` after consuming the current
    /// element's end tag. Text between child elements (whitespace) is ignored.
    pub fn next_child(&mut self) -> Result<Option<StartTag<'a>>, DecodeError> {
        loop {
            match self.next_token()? {
                Token::Start(tag) => return Ok(Some(tag)),
                Token::End => return Ok(None),
                Token::Text(_) => {}
                Token::Eof => return Err(self.error(DecodeErrorKind::UnexpectedEof)),
            }
        }
    }

    /// Reads the current element's text content (entity references resolved, line ends
    /// normalized) and consumes its end tag. Fails if the element has child elements.
    pub fn read_text(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        let mut text = Cow::Borrowed("");
        loop {
            match self.next_token()? {
                Token::Text(more) if text.is_empty() => text = more,
                Token::Text(more) => text.to_mut().push_str(&more),
                Token::End => return Ok(text),
                Token::Start(tag) => {
                    let kind = DecodeErrorKind::UnexpectedElement(tag.name().to_owned());
                    return Err(self.error(kind));
                }
                Token::Eof => return Err(self.error(DecodeErrorKind::UnexpectedEof)),
            }
        }
    }

    /// Reads the current element up to its first child element, or to its end tag when it holds
    /// only text. For values whose shape is not known in advance.
    pub fn next_content(&mut self) -> Result<Content<'a>, DecodeError> {
        let mut text = Cow::Borrowed("");
        loop {
            match self.next_token()? {
                Token::Text(more) if text.is_empty() => text = more,
                Token::Text(more) => text.to_mut().push_str(&more),
                Token::Start(tag) => return Ok(Content::Child(tag)),
                Token::End => return Ok(Content::Text(text)),
                Token::Eof => return Err(self.error(DecodeErrorKind::UnexpectedEof)),
            }
        }
    }

    /// Skips the rest of the current element, including its end tag.
    pub fn skip_element(&mut self) -> Result<(), DecodeError> {
        let mut depth = 0usize;
        loop {
            match self.next_token()? {
                Token::Start(_) => depth += 1,
                Token::End if depth == 0 => return Ok(()),
                Token::End => depth -= 1,
                Token::Text(_) => {}
                Token::Eof => return Err(self.error(DecodeErrorKind::UnexpectedEof)),
            }
        }
    }

    /// Records the current element's position among the items of a repeated field, for error
    /// paths such as `objects[3]`.
    pub fn set_index(&mut self, index: usize) {
        if let Some(open) = self.open.last_mut() {
            open.index = Some(index);
        }
    }

    /// The value of the unprefixed attribute `name` of `tag` (entity references resolved).
    /// Call it while `tag` is the current element.
    pub fn attribute(
        &self,
        tag: &StartTag<'a>,
        name: &str,
    ) -> Result<Option<Cow<'a, str>>, DecodeError> {
        if name == "type" {
            // Found when the tag was read: the hot path of every managed object reference.
            match tag.type_attribute {
                None => return Ok(None),
                Some(raw) if !raw.contains(['&', '\t', '\n', '\r']) => {
                    return Ok(Some(Cow::Borrowed(raw)));
                }
                Some(_) => {} // needs normalizing: take the general path
            }
        }
        for attribute in Attributes::new(tag.raw, tag.name_len) {
            let attribute = attribute.map_err(|e| self.syntax_error(e.into()))?;
            if attribute.key.into_inner() == name {
                let value = attribute
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| self.syntax_error(e))?;
                return Ok(Some(value));
            }
        }
        Ok(None)
    }

    /// The namespace URI of `tag`'s name, resolved in the current scope (the default namespace
    /// applies to unprefixed names). Call it while `tag` is the current element.
    pub fn namespace(&self, tag: &StartTag<'a>) -> Option<&str> {
        let qualified = QName(tag.raw.get(..tag.name_len).unwrap_or(tag.raw));
        match self.inner.resolver().resolve_element(qualified).0 {
            ResolveResult::Bound(namespace) => Some(namespace.into_inner()),
            ResolveResult::Unbound | ResolveResult::Unknown(_) => None,
        }
    }

    /// An error located at the current element and position.
    pub fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(
            self.path(),
            self.bom_len + self.inner.buffer_position(),
            kind,
        )
    }

    /// An [`InvalidValue`](DecodeErrorKind::InvalidValue) error for `found`, the text
    /// [`read_text`](Self::read_text) just returned: the path ends with that element.
    pub fn invalid_value(&self, expected: &'static str, found: &str) -> DecodeError {
        let kind = DecodeErrorKind::InvalidValue {
            expected,
            found: excerpt(found),
        };
        let mut path = self.path();
        if let Some(closed) = &self.closed {
            if !path.is_empty() {
                path.push('/');
            }
            push_element(&mut path, closed);
        }
        DecodeError::new(path, self.bom_len + self.inner.buffer_position(), kind)
    }

    fn syntax_error(&self, error: quick_xml::Error) -> DecodeError {
        let kind = match error {
            quick_xml::Error::IllFormed(quick_xml::errors::IllFormedError::MissingEndTag(_)) => {
                DecodeErrorKind::UnexpectedEof
            }
            other => DecodeErrorKind::Syntax(other.to_string()),
        };
        DecodeError::new(
            self.path(),
            self.bom_len + self.inner.error_position(),
            kind,
        )
    }

    fn path(&self) -> String {
        let mut path = String::new();
        for (i, open) in self.open.iter().enumerate() {
            if i > 0 {
                path.push('/');
            }
            push_element(&mut path, open);
        }
        path
    }

    fn next_token(&mut self) -> Result<Token<'a>, DecodeError> {
        if self.in_empty_element {
            self.in_empty_element = false;
            self.closed = self.open.pop();
            return Ok(Token::End);
        }
        loop {
            let position = self.inner.buffer_position();
            let event = self.inner.read_event().map_err(|e| self.syntax_error(e))?;
            return Ok(match event {
                Event::Start(start) => Token::Start(self.open_element(position, &start)?),
                Event::Empty(start) => {
                    let tag = self.open_element(position, &start)?;
                    self.in_empty_element = true;
                    Token::Start(tag)
                }
                Event::End(_) => {
                    self.closed = self.open.pop();
                    Token::End
                }
                Event::Text(text) => Token::Text(text.xml10_content()),
                Event::CData(data) => Token::Text(data.xml10_content()),
                Event::GeneralRef(reference) => Token::Text(self.resolve_reference(&reference)?),
                Event::Eof => Token::Eof,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => continue,
            });
        }
    }

    fn resolve_reference(&self, reference: &BytesRef<'_>) -> Result<Cow<'a, str>, DecodeError> {
        if let Some(character) = reference
            .resolve_char_ref()
            .map_err(|e| self.syntax_error(e))?
        {
            return Ok(Cow::Owned(character.to_string()));
        }
        match resolve_predefined_entity(reference) {
            Some(replacement) => Ok(Cow::Borrowed(replacement)),
            None => {
                let kind = DecodeErrorKind::Syntax(format!(
                    "the entity `&{};` is not one of XML's predefined entities",
                    excerpt(reference)
                ));
                Err(self.error(kind))
            }
        }
    }

    /// Builds the [`StartTag`] for a start event read at `position` and makes it current.
    fn open_element(
        &mut self,
        position: u64,
        start: &BytesStart<'_>,
    ) -> Result<StartTag<'a>, DecodeError> {
        if self.open.len() >= self.max_depth {
            let limit = self.max_depth;
            return Err(self.error(DecodeErrorKind::TooDeep { limit }));
        }
        self.charge(1)?;
        let raw = self.source_of(position, start)?;
        let name_len = start.name().into_inner().len();
        let Some((qualified, attributes_text)) = raw.split_at_checked(name_len) else {
            let kind = DecodeErrorKind::Syntax("a start tag's name is not valid".to_owned());
            return Err(self.error(kind));
        };
        let local_name = match qualified.bytes().rposition(|b| b == b':') {
            Some(colon) => &qualified[colon + 1..],
            None => qualified,
        };
        let attributes = if is_blank(attributes_text) {
            ScannedAttributes::default()
        } else {
            self.scan_attributes(raw, name_len)?
        };
        self.open.push(OpenElement {
            name: local_name,
            index: None,
        });
        Ok(StartTag {
            raw,
            name_len,
            local_name,
            xsi_type: attributes.xsi_type,
            nil: attributes.nil,
            type_attribute: attributes.type_attribute,
        })
    }

    /// The source text of a start tag read at `position` (where its `<` is), borrowed from the
    /// input so the tag outlives the event.
    fn source_of(&self, position: u64, start: &BytesStart<'_>) -> Result<&'a str, DecodeError> {
        let len = start.name().into_inner().len() + start.attributes_raw().len();
        let begin = usize::try_from(position)
            .ok()
            .and_then(|p| p.checked_add(1));
        let raw = begin.and_then(|b| self.input.get(b..b.checked_add(len)?));
        // Checked, not assumed: a wrong offset must fail, never decode the wrong text.
        match raw {
            Some(raw) if raw.starts_with(start.name().into_inner()) => Ok(raw),
            _ => Err(self.error(DecodeErrorKind::Syntax(
                "a start tag could not be located in the input".to_owned(),
            ))),
        }
    }

    /// Finds `xsi:type`, `xsi:nil` (resolving prefixes) and `type` among a start tag's
    /// attributes, checking their syntax on the way.
    fn scan_attributes(
        &self,
        raw: &'a str,
        name_len: usize,
    ) -> Result<ScannedAttributes<'a>, DecodeError> {
        let mut scanned = ScannedAttributes::default();
        let mut attributes = Attributes::new(raw, name_len);
        attributes.with_checks(false);
        for attribute in attributes {
            let attribute = attribute.map_err(|e| self.syntax_error(e.into()))?;
            let (local, prefix) = attribute.key.decompose();
            let local = local.into_inner();
            if prefix.is_none() {
                if let ("type", Cow::Borrowed(value)) = (local, &attribute.value) {
                    scanned.type_attribute = Some(value);
                }
                continue;
            }
            if local != "type" && local != "nil" {
                continue;
            }
            let in_xsi = matches!(
                self.inner.resolver().resolve_prefix(prefix, false),
                ResolveResult::Bound(namespace) if namespace.into_inner() == XSI_NAMESPACE
            );
            if !in_xsi {
                continue;
            }
            let Cow::Borrowed(value) = attribute.value else {
                continue;
            };
            if local == "type" {
                scanned.xsi_type = Some(self.resolve_type_name(value.trim())?);
            } else {
                scanned.nil = matches!(value.trim(), "true" | "1");
            }
        }
        Ok(scanned)
    }

    /// Resolves the QName in an `xsi:type` value; unprefixed names take the default namespace.
    fn resolve_type_name(&self, value: &'a str) -> Result<XsiType<'a>, DecodeError> {
        let (local, prefix) = QName(value).decompose();
        let local = local.into_inner();
        match self.inner.resolver().resolve_prefix(prefix, true) {
            ResolveResult::Bound(namespace) if namespace.into_inner() == XSD_NAMESPACE => {
                Ok(XsiType::Xsd(local))
            }
            ResolveResult::Unknown(prefix) => {
                Err(self.error(DecodeErrorKind::UndeclaredPrefix(excerpt(&prefix))))
            }
            ResolveResult::Bound(_) | ResolveResult::Unbound => Ok(XsiType::Vim(local)),
        }
    }
}

/// Appends `name` or `name[index]` to an error path.
fn push_element(path: &mut String, element: &OpenElement<'_>) {
    path.push_str(element.name);
    if let Some(index) = element.index {
        path.push('[');
        path.push_str(&index.to_string());
        path.push(']');
    }
}

/// Whether `text` is only XML whitespace.
fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(xml: &str) -> XmlReader<'_> {
        XmlReader::new(xml.as_bytes(), DecodeLimits::default()).expect("valid input")
    }

    #[test]
    fn xsi_type_is_resolved_through_any_prefix_bound_to_the_xsi_namespace() {
        let xml = r#"<r xmlns:xsd="http://www.w3.org/2001/XMLSchema">
            <a xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:string">x</a>
            <b xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="TraversalSpec"/>
            <c xmlns:xsi="urn:not-xsi" xsi:type="xsd:int">1</c>
            <d xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true"/>
        </r>"#;
        let mut r = reader(xml);
        r.root().unwrap();
        let mut found = Vec::new();
        while let Some(tag) = r.next_child().unwrap() {
            found.push((tag.name(), tag.xsi_type(), tag.is_nil()));
            r.skip_element().unwrap();
        }
        assert_eq!(
            found,
            [
                ("a", Some(XsiType::Xsd("string")), false),
                ("b", Some(XsiType::Vim("TraversalSpec")), false),
                ("c", None, false),
                ("d", None, true),
            ]
        );
    }

    #[test]
    fn undeclared_prefix_in_xsi_type_is_an_error_with_the_path() {
        let xml = r#"<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><v xsi:type="nope:string"/></r>"#;
        let mut r = reader(xml);
        r.root().unwrap();
        let error = r.next_child().unwrap_err();
        assert_eq!(
            error.kind(),
            &DecodeErrorKind::UndeclaredPrefix("nope".into())
        );
        assert_eq!(error.path(), "r");
    }

    #[test]
    fn text_joins_entities_and_character_references() {
        let mut r = reader("<a>x &amp; &lt;y&gt; &#233;&#x41;<![CDATA[<z>]]></a>");
        r.root().unwrap();
        assert_eq!(r.read_text().unwrap(), "x & <y> éA<z>");
    }

    #[test]
    fn unknown_entity_is_an_error() {
        let mut r = reader("<a>&bogus;</a>");
        r.root().unwrap();
        let error = r.read_text().unwrap_err();
        assert!(matches!(error.kind(), DecodeErrorKind::Syntax(m) if m.contains("bogus")));
    }

    #[test]
    fn empty_elements_have_an_implied_end() {
        let mut r = reader("<a><b/><c>t</c></a>");
        r.root().unwrap();
        let b = r.next_child().unwrap().unwrap();
        assert_eq!(b.name(), "b");
        assert_eq!(r.read_text().unwrap(), "");
        let c = r.next_child().unwrap().unwrap();
        assert_eq!(c.name(), "c");
        assert_eq!(r.read_text().unwrap(), "t");
        assert!(r.next_child().unwrap().is_none());
    }

    #[test]
    fn depth_limit_stops_deep_nesting() {
        let xml = format!("{}{}", "<a>".repeat(50), "</a>".repeat(50));
        let limits = DecodeLimits::default().with_max_depth(10);
        let mut r = XmlReader::new(xml.as_bytes(), limits).unwrap();
        r.root().unwrap();
        let error = r.skip_element().unwrap_err();
        assert_eq!(error.kind(), &DecodeErrorKind::TooDeep { limit: 10 });
    }

    #[test]
    fn error_path_carries_indexes() {
        let mut r = reader("<a><b><c>1</c></b></a>");
        r.root().unwrap();
        r.next_child().unwrap();
        r.set_index(3);
        r.next_child().unwrap();
        assert_eq!(r.read_text().unwrap(), "1");
        let error = r.invalid_value("an xsd:int", "1");
        assert_eq!(error.path(), "a/b[3]/c");
    }

    #[test]
    fn attributes_and_element_namespaces_resolve() {
        let mut r = reader(r#"<s:e xmlns:s="urn:s"><obj type="Folder">group-d1</obj></s:e>"#);
        let root = r.root().unwrap();
        assert_eq!(root.name(), "e");
        assert_eq!(r.namespace(&root), Some("urn:s"));
        let obj = r.next_child().unwrap().unwrap();
        assert_eq!(
            r.attribute(&obj, "type").unwrap().as_deref(),
            Some("Folder")
        );
        assert_eq!(r.attribute(&obj, "missing").unwrap(), None);
    }

    #[test]
    fn truncated_input_is_unexpected_eof() {
        let mut r = reader("<a><b>text");
        r.root().unwrap();
        r.next_child().unwrap();
        let error = r.read_text().unwrap_err();
        assert_eq!(error.kind(), &DecodeErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_counted_in_offsets() {
        let mut r = reader("\u{FEFF}<a><b>x</b></a>");
        assert_eq!(r.root().unwrap().name(), "a");
        let b = r.next_child().unwrap().unwrap();
        assert_eq!((b.name(), r.read_text().unwrap()), ("b", "x".into()));
        let after_b = "\u{FEFF}<a><b>x</b>".len() as u64;
        assert_eq!(r.invalid_value("y", "x").offset(), after_b);
    }

    #[test]
    fn rejects_non_utf8_and_oversized_bodies() {
        let error = XmlReader::new(b"<a>\xff</a>", DecodeLimits::default())
            .err()
            .unwrap();
        assert_eq!(error.kind(), &DecodeErrorKind::NotUtf8 { valid_up_to: 3 });
        let limits = DecodeLimits::default().with_max_body_bytes(4);
        let error = XmlReader::new(b"<a></a>", limits).err().unwrap();
        assert_eq!(
            error.kind(),
            &DecodeErrorKind::TooLarge { size: 7, limit: 4 }
        );
    }
}
