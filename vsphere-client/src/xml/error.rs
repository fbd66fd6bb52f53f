//! The decoding error, with the element path and byte offset where decoding stopped.

/// Decoding a vim25 XML document failed.
///
/// The message names the element path (for example
/// `Envelope/Body/RetrievePropertiesExResponse/returnval/objects[3]/propSet/val`), the byte offset
/// in the body and what was wrong, so a bad response can be located in a capture.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot decode the vim25 XML at `{path}` (byte {offset}): {kind}")]
pub struct DecodeError {
    path: String,
    offset: u64,
    kind: DecodeErrorKind,
}

impl DecodeError {
    pub(crate) fn new(path: String, offset: u64, kind: DecodeErrorKind) -> Self {
        Self { path, offset, kind }
    }

    /// The slash-separated path of open elements, with `[i]` after items of repeated fields.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The byte offset in the body where the problem was detected.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// What went wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }
}

/// What went wrong while decoding; part of a [`DecodeError`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is not UTF-8.
    #[error(
        "the body is not UTF-8 at byte {valid_up_to}; vim25 servers send UTF-8, so the body was \
         corrupted or did not come from a vSphere server"
    )]
    NotUtf8 {
        /// Length of the valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// The body is not well-formed XML.
    #[error(
        "the body is not well-formed XML ({0}); check that the endpoint is a vSphere SOAP \
         service and that no proxy altered the response"
    )]
    Syntax(String),
    /// The document ended inside an element.
    #[error("the document ended before its elements were closed; the response was truncated")]
    UnexpectedEof,
    /// A text value could not be parsed as the expected type.
    #[error("expected {expected}, found `{found}`")]
    InvalidValue {
        /// What the schema requires here.
        expected: &'static str,
        /// The offending text, shortened to a few dozen characters.
        found: String,
    },
    /// An element appeared where only text is allowed.
    #[error(
        "expected text, found the element <{0}>; the server's schema differs from this client's"
    )]
    UnexpectedElement(String),
    /// A required element or attribute is missing.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// A qualified name uses a prefix that no `xmlns:` declaration binds.
    #[error("the namespace prefix `{0}` is used but never declared")]
    UndeclaredPrefix(String),
    /// Elements nest deeper than [`DecodeLimits::max_depth`](crate::xml::DecodeLimits::max_depth).
    #[error(
        "elements nest deeper than the limit of {limit}; raise DecodeLimits::max_depth if the \
         server legitimately sends such deep documents"
    )]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// The body spends more than the node budget
    /// [`DecodeLimits::max_nodes`](crate::xml::DecodeLimits::max_nodes).
    #[error(
        "the body would decode into more than the node budget of {limit}; raise \
         DecodeLimits::max_nodes or request fewer objects per call (RetrieveOptions.maxObjects)"
    )]
    TooManyNodes {
        /// The configured limit.
        limit: usize,
    },
    /// The body is larger than [`DecodeLimits::max_body_bytes`](crate::xml::DecodeLimits::max_body_bytes).
    #[error(
        "the body has {size} bytes, more than the limit of {limit}; raise \
         DecodeLimits::max_body_bytes or request fewer objects per call (RetrieveOptions.maxObjects)"
    )]
    TooLarge {
        /// The body size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
}

/// Shortens `text` for an error message (at most 64 characters, on a character boundary).
pub(crate) fn excerpt(text: &str) -> String {
    const MAX_CHARS: usize = 64;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert_eq!(excerpt("maybe"), "maybe");
        let long = "é".repeat(100);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 64 + 3);
        assert!(cut.ends_with("..."));
    }

    #[test]
    fn message_names_path_offset_and_problem() {
        let error = DecodeError::new(
            "Envelope/Body/x".into(),
            42,
            DecodeErrorKind::InvalidValue {
                expected: "an xsd:int",
                found: "abc".into(),
            },
        );
        assert_eq!(
            error.to_string(),
            "cannot decode the vim25 XML at `Envelope/Body/x` (byte 42): expected an xsd:int, found `abc`"
        );
    }
}
