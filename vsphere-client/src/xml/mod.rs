//! Streaming vim25 XML decoding and encoding.
//!
//! [`XmlReader`] pulls events from a body slice (quick-xml's `NsReader`, nothing copied per
//! event); types implement [`FromXml`] to decode themselves from it and [`ToXml`] to write
//! themselves to an [`XmlWriter`]. `xsi:type` is resolved by namespace, whatever prefix the server
//! binds to the XML Schema instance namespace. Decoding never panics: malformed, truncated or
//! hostile input ends in a [`DecodeError`] that names the element path and byte offset, and
//! [`DecodeLimits`] bounds nesting depth and body size.
//!
//! This layer knows nothing of vim25 types; those are in [`crate::types`].

mod error;
mod limits;
mod primitives;
mod reader;
mod tag;
mod traits;
mod writer;

pub use error::{DecodeError, DecodeErrorKind};
pub use limits::DecodeLimits;
pub use primitives::Binary;
pub(crate) use primitives::{
    decode_base64, encode_base64, format_float, parse_bool, parse_date_time, parse_float,
};
pub use reader::{Content, XmlReader};
pub(crate) use reader::{XSD_NAMESPACE, XSI_NAMESPACE};
pub use tag::{StartTag, XsiType};
pub use traits::{FromXml, ToXml, from_slice};
pub use writer::XmlWriter;

/// The vim25 namespace of request and response elements.
pub const VIM25_NAMESPACE: &str = "urn:vim25";
