//! The XML writer that [`ToXml`](crate::xml::ToXml) implementations write to.

/// Writes vim25 XML into a string, escaping text and attribute values.
///
/// Element names are written as given: they come from the schema, not from user data. The
/// `xsi:` and `xsd:` prefixes are assumed bound by the enclosing SOAP envelope (see
/// [`soap::encode_request`](crate::soap::encode_request)). Characters that XML 1.0 cannot carry
/// (control characters other than tab, line feed and carriage return) are replaced with U+FFFD.
///
/// ```
/// use vsphere_client::xml::XmlWriter;
///
/// let mut w = XmlWriter::new();
/// w.start_element("obj", None, &[("type", "Folder")]);
/// w.text("a & b");
/// w.end_element("obj");
/// assert_eq!(w.into_string(), r#"<obj type="Folder">a &amp; b</obj>"#);
/// ```
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The XML written so far.
    pub fn into_string(self) -> String {
        self.out
    }

    /// Writes `<tag xsi:type="..." name="value" ...>`; `xsi:type` only when given.
    pub fn start_element(
        &mut self,
        tag: &str,
        xsi_type: Option<&str>,
        attributes: &[(&str, &str)],
    ) {
        self.out.push('<');
        self.out.push_str(tag);
        if let Some(xsi_type) = xsi_type {
            self.write_attribute("xsi:type", xsi_type);
        }
        for (name, value) in attributes {
            self.write_attribute(name, value);
        }
        self.out.push('>');
    }

    /// Writes `</tag>`.
    pub fn end_element(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// Writes escaped character data.
    pub fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text, false);
    }

    /// Writes a whole simple element: `<tag xsi:type="...">text</tag>`.
    pub fn text_element(&mut self, tag: &str, xsi_type: Option<&str>, text: &str) {
        self.start_element(tag, xsi_type, &[]);
        self.text(text);
        self.end_element(tag);
    }

    /// Appends markup as is (the envelope's fixed parts).
    pub(crate) fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    fn write_attribute(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value, true);
        self.out.push('"');
    }
}

/// Appends `text` escaped for element content or (with `in_attribute`) a double-quoted
/// attribute value, so that a parser reads back exactly `text`.
fn escape_into(out: &mut String, text: &str, in_attribute: bool) {
    let mut rest = text;
    while let Some(at) = rest.find(|c: char| needs_escape(c, in_attribute)) {
        out.push_str(&rest[..at]);
        let mut chars = rest[at..].chars();
        let special = chars.next().unwrap_or_default();
        match special {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            _ => out.push('\u{FFFD}'),
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
}

fn needs_escape(c: char, in_attribute: bool) -> bool {
    match c {
        '&' | '<' | '>' | '\r' => true,
        '"' | '\n' | '\t' => in_attribute,
        '\u{FFFE}' | '\u{FFFF}' => true,
        c => c < ' ',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_and_carriage_returns_but_keeps_newlines() {
        let mut w = XmlWriter::new();
        w.text_element("annotation", None, "backup of VM1\r\nline2 & <xml>\t\"q\"");
        assert_eq!(
            w.into_string(),
            "<annotation>backup of VM1&#13;\nline2 &amp; &lt;xml&gt;\t\"q\"</annotation>"
        );
    }

    #[test]
    fn attributes_escape_quotes_and_whitespace_controls() {
        let mut w = XmlWriter::new();
        w.start_element("x", Some("TraversalSpec"), &[("type", "a\"b\n\tc<")]);
        assert_eq!(
            w.into_string(),
            r#"<x xsi:type="TraversalSpec" type="a&quot;b&#10;&#9;c&lt;">"#
        );
    }

    #[test]
    fn characters_xml_cannot_carry_become_replacement_characters() {
        let mut w = XmlWriter::new();
        w.text("a\u{0}b\u{1b}c\u{FFFF}");
        assert_eq!(w.into_string(), "a\u{FFFD}b\u{FFFD}c\u{FFFD}");
    }
}
