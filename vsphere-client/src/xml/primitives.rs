//! [`FromXml`] and [`ToXml`] for the XML Schema simple types vim25 uses.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::error::DecodeError;
use super::reader::XmlReader;
use super::tag::StartTag;
use super::traits::{FromXml, ToXml};
use super::writer::XmlWriter;

impl FromXml for String {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, _tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        Ok(reader.read_text()?.into_owned())
    }
}

impl ToXml for String {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        writer.text_element(tag, xsi_type, self);
    }
}

impl ToXml for str {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        writer.text_element(tag, xsi_type, self);
    }
}

/// Parses an `xsd:boolean` (`true`, `false`, `1`, `0`; surrounding whitespace allowed).
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

impl FromXml for bool {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, _tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        let text = reader.read_text()?;
        parse_bool(&text)
            .ok_or_else(|| reader.invalid_value("an xsd:boolean (true or false)", &text))
    }
}

impl ToXml for bool {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        writer.text_element(tag, xsi_type, if *self { "true" } else { "false" });
    }
}

macro_rules! integer_xml {
    ($($ty:ty => $expected:literal),* $(,)?) => {$(
        impl FromXml for $ty {
            fn from_xml<'a>(reader: &mut XmlReader<'a>, _tag: &StartTag<'a>) -> Result<Self, DecodeError> {
                let text = reader.read_text()?;
                text.trim().parse().map_err(|_| reader.invalid_value($expected, &text))
            }
        }

        impl ToXml for $ty {
            fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
                writer.text_element(tag, xsi_type, &self.to_string());
            }
        }
    )*};
}

integer_xml! {
    i8 => "an xsd:byte (-128 to 127)",
    i16 => "an xsd:short (16-bit integer)",
    i32 => "an xsd:int (32-bit integer)",
    i64 => "an xsd:long (64-bit integer)",
}

/// Parses an `xsd:float`/`xsd:double`, including `INF`, `-INF` and `NaN`.
pub(crate) fn parse_float<T: std::str::FromStr>(text: &str) -> Option<T> {
    let text = text.trim();
    // Rust also accepts "infinity" and "inf" in any case; XML Schema only these spellings.
    let text = match text {
        "INF" => "inf",
        "-INF" => "-inf",
        "NaN" => "NaN",
        other
            if other
                .chars()
                .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') =>
        {
            return None;
        }
        other => other,
    };
    text.parse().ok()
}

/// Formats a float as XML Schema spells it.
pub(crate) fn format_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "INF" } else { "-INF" }.to_owned()
    } else {
        value.to_string()
    }
}

macro_rules! float_xml {
    ($($ty:ty => $expected:literal),* $(,)?) => {$(
        impl FromXml for $ty {
            fn from_xml<'a>(reader: &mut XmlReader<'a>, _tag: &StartTag<'a>) -> Result<Self, DecodeError> {
                let text = reader.read_text()?;
                parse_float(&text).ok_or_else(|| reader.invalid_value($expected, &text))
            }
        }

        impl ToXml for $ty {
            fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
                writer.text_element(tag, xsi_type, &format_float(f64::from(*self)));
            }
        }
    )*};
}

float_xml! {
    f32 => "an xsd:float",
    f64 => "an xsd:double",
}

/// Parses an `xsd:dateTime`. A value without a time zone is taken as UTC (vSphere always sends
/// `Z`).
pub(crate) fn parse_date_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    text.parse::<Timestamp>().ok().or_else(|| {
        let civil: DateTime = text.parse().ok()?;
        TimeZone::UTC.to_timestamp(civil).ok()
    })
}

impl FromXml for Timestamp {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, _tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        let text = reader.read_text()?;
        parse_date_time(&text).ok_or_else(|| {
            reader.invalid_value(
                "an xsd:dateTime such as 2026-11-25T14:59:26.929043916Z",
                &text,
            )
        })
    }
}

impl ToXml for Timestamp {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        writer.text_element(tag, xsi_type, &self.to_string());
    }
}

/// Bytes carried as `xsd:base64Binary`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Binary(pub Vec<u8>);

/// Decodes `xsd:base64Binary` text (whitespace inside is allowed).
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    BASE64.decode(compact).ok()
}

/// Encodes bytes as `xsd:base64Binary`.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

impl FromXml for Binary {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, _tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        let text = reader.read_text()?;
        decode_base64(&text)
            .map(Binary)
            .ok_or_else(|| reader.invalid_value("xsd:base64Binary data", &text))
    }
}

impl ToXml for Binary {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, xsi_type: Option<&str>) {
        writer.text_element(tag, xsi_type, &encode_base64(&self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{DecodeErrorKind, DecodeLimits, from_slice};

    fn decode<T: FromXml>(xml: &str) -> Result<T, DecodeError> {
        from_slice(xml.as_bytes(), DecodeLimits::default())
    }

    fn encode<T: ToXml + ?Sized>(value: &T) -> String {
        let mut w = XmlWriter::new();
        value.write_xml(&mut w, "v", None);
        w.into_string()
    }

    #[test]
    fn booleans_accept_schema_spellings_only() {
        assert!(decode::<bool>("<v>true</v>").unwrap());
        assert!(!decode::<bool>("<v> 0 </v>").unwrap());
        let error = decode::<bool>("<v>yes</v>").unwrap_err();
        assert!(
            matches!(error.kind(), DecodeErrorKind::InvalidValue { found, .. } if found == "yes")
        );
    }

    #[test]
    fn integers_check_their_range() {
        assert_eq!(
            decode::<i64>("<v>-9007199254740993</v>").unwrap(),
            -9007199254740993
        );
        assert_eq!(decode::<i8>("<v>-128</v>").unwrap(), -128);
        assert!(decode::<i8>("<v>128</v>").is_err());
        assert!(decode::<i32>("<v>1.5</v>").is_err());
        assert_eq!(encode(&-7_i16), "<v>-7</v>");
    }

    #[test]
    fn floats_use_schema_special_values() {
        assert_eq!(decode::<f64>("<v>INF</v>").unwrap(), f64::INFINITY);
        assert_eq!(decode::<f32>("<v>-INF</v>").unwrap(), f32::NEG_INFINITY);
        assert!(decode::<f64>("<v>NaN</v>").unwrap().is_nan());
        assert_eq!(decode::<f64>("<v>1.5e3</v>").unwrap(), 1500.0);
        assert!(decode::<f64>("<v>infinity</v>").is_err());
        assert_eq!(encode(&f64::NEG_INFINITY), "<v>-INF</v>");
        assert_eq!(encode(&0.25_f32), "<v>0.25</v>");
    }

    #[test]
    fn date_times_keep_nanoseconds_and_offsets() {
        let t: Timestamp = decode("<v>2026-11-25T14:59:26.929043916Z</v>").unwrap();
        assert_eq!(t.subsec_nanosecond(), 929_043_916);
        assert_eq!(encode(&t), "<v>2026-11-25T14:59:26.929043916Z</v>");
        let shifted: Timestamp = decode("<v>2026-11-25T16:59:26+02:00</v>").unwrap();
        assert_eq!(shifted.to_string(), "2026-11-25T14:59:26Z");
        let local: Timestamp = decode("<v>2026-11-25T14:59:26</v>").unwrap();
        assert_eq!(local.to_string(), "2026-11-25T14:59:26Z");
        assert!(decode::<Timestamp>("<v>yesterday</v>").is_err());
    }

    #[test]
    fn binary_round_trips_through_base64() {
        let bytes: Binary = decode("<v>AAEC\n/w==</v>").unwrap();
        assert_eq!(bytes, Binary(vec![0, 1, 2, 255]));
        assert_eq!(encode(&bytes), "<v>AAEC/w==</v>");
        assert!(decode::<Binary>("<v>!!</v>").is_err());
    }

    #[test]
    fn strings_keep_text_exactly() {
        let text: String = decode("<v>backup of VM1\nline2 &amp; &lt;xml&gt;</v>").unwrap();
        assert_eq!(text, "backup of VM1\nline2 & <xml>");
        assert_eq!(
            encode(&text),
            "<v>backup of VM1\nline2 &amp; &lt;xml&gt;</v>"
        );
    }
}
