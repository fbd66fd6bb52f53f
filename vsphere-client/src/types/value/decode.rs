//! Decoding a [`Value`] by `xsi:type`, through the generated types when there is one.

use super::{Object, Value};
use crate::types::ManagedObjectReference;
use crate::types::generated::{DataObject, decode_known_type};
use crate::xml::{
    Content, DecodeError, FromXml, StartTag, XmlReader, XsiType, decode_base64, parse_bool,
    parse_date_time, parse_float,
};

impl Object {
    /// Decodes the current element's child elements as the fields of an object of type
    /// `xsi_type`. Text between the children carries no data in vim25 and is ignored.
    pub fn decode(reader: &mut XmlReader<'_>, xsi_type: &str) -> Result<Self, DecodeError> {
        let mut fields = Vec::new();
        while let Some(child) = reader.next_child()? {
            let value = decode_value(reader, &child, child.xsi_type())?;
            fields.push((child.name().to_owned(), value));
        }
        Ok(Self {
            xsi_type: xsi_type.to_owned(),
            fields,
        })
    }
}

/// The item elements' name and declared type for an `ArrayOf{suffix}` type: `ArrayOfString`
/// holds `<string>` items of type `xsd:string`, `ArrayOfTaskInfo` holds `<TaskInfo>` items.
fn array_item(suffix: &str) -> (String, Option<XsiType<'_>>) {
    const XSD_ITEMS: [&str; 12] = [
        "string",
        "boolean",
        "byte",
        "short",
        "int",
        "long",
        "float",
        "double",
        "dateTime",
        "base64Binary",
        "anyURI",
        "anyType",
    ];
    let mut chars = suffix.chars();
    let lowered: String = chars
        .next()
        .map(|c| c.to_ascii_lowercase())
        .into_iter()
        .chain(chars)
        .collect();
    match XSD_ITEMS.into_iter().find(|xsd| *xsd == lowered) {
        Some("anyType") => ("anyType".to_owned(), None),
        Some(xsd) => (xsd.to_owned(), Some(XsiType::Xsd(xsd))),
        None => (suffix.to_owned(), Some(XsiType::Vim(suffix))),
    }
}

/// Decodes the element `tag` as a value of type `declared` (its own `xsi:type` or the type the
/// context implies), or of unknown type when `None`.
fn decode_value<'a>(
    reader: &mut XmlReader<'a>,
    tag: &StartTag<'a>,
    declared: Option<XsiType<'_>>,
) -> Result<Value, DecodeError> {
    if tag.is_nil() {
        reader.skip_element()?;
        return Ok(Value::Null);
    }
    match declared {
        None => decode_untyped(reader, tag),
        Some(XsiType::Xsd(name)) => decode_xsd(reader, tag, name),
        Some(XsiType::Vim("ManagedObjectReference")) => {
            ManagedObjectReference::from_xml(reader, tag).map(Value::ManagedObjectReference)
        }
        Some(XsiType::Vim(name)) => match name.strip_prefix("ArrayOf") {
            Some(suffix) => decode_array(reader, suffix),
            None => match decode_known_type(name, reader, tag) {
                Some(known) => known,
                None => decode_unknown(reader, name),
            },
        },
    }
}

fn decode_xsd<'a>(
    reader: &mut XmlReader<'a>,
    tag: &StartTag<'a>,
    name: &str,
) -> Result<Value, DecodeError> {
    if name == "anyType" {
        return decode_untyped(reader, tag);
    }
    let text = reader.read_text()?;
    let parsed = match name {
        "boolean" => parse_bool(&text).map(Value::Bool),
        "byte" => text.trim().parse().ok().map(Value::Byte),
        "short" => text.trim().parse().ok().map(Value::Short),
        "int" => text.trim().parse().ok().map(Value::Int),
        "long" => text.trim().parse().ok().map(Value::Long),
        "float" => parse_float(&text).map(Value::Float),
        "double" => parse_float(&text).map(Value::Double),
        "dateTime" => parse_date_time(&text).map(Value::DateTime),
        "base64Binary" => decode_base64(&text).map(Value::Binary),
        _ => return Ok(Value::String(text.into_owned())),
    };
    parsed.ok_or_else(|| reader.invalid_value("a value of the xsi:type given", &text))
}

fn decode_array(reader: &mut XmlReader<'_>, suffix: &str) -> Result<Value, DecodeError> {
    let (item_type, declared) = array_item(suffix);
    let mut items = Vec::new();
    while let Some(child) = reader.next_child()? {
        reader.set_index(items.len());
        let item_declared = child.xsi_type().or(declared);
        items.push(decode_value(reader, &child, item_declared)?);
    }
    Ok(Value::Array { item_type, items })
}

/// A vim25 type this client does not generate: an object when it has children, an enum value
/// when it holds text.
fn decode_unknown(reader: &mut XmlReader<'_>, name: &str) -> Result<Value, DecodeError> {
    match reader.next_content()? {
        Content::Text(text) if !text.trim().is_empty() => Ok(Value::Enum {
            xsi_type: name.to_owned(),
            value: text.into_owned(),
        }),
        Content::Text(_) => Ok(Value::Object(Object {
            xsi_type: name.to_owned(),
            fields: Vec::new(),
        })),
        Content::Child(first) => decode_fields(reader, first, name),
    }
}

fn decode_untyped<'a>(
    reader: &mut XmlReader<'a>,
    tag: &StartTag<'a>,
) -> Result<Value, DecodeError> {
    let reference_type = reader.attribute(tag, "type")?;
    match reader.next_content()? {
        Content::Text(text) => Ok(match reference_type {
            Some(type_name) => Value::ManagedObjectReference(ManagedObjectReference {
                r#type: type_name.into_owned(),
                value: text.into_owned(),
            }),
            None => Value::String(text.into_owned()),
        }),
        Content::Child(first) => decode_fields(reader, first, ""),
    }
}

/// Decodes an object whose first child, `first`, has been read.
fn decode_fields<'a>(
    reader: &mut XmlReader<'a>,
    first: StartTag<'a>,
    xsi_type: &str,
) -> Result<Value, DecodeError> {
    let value = decode_value(reader, &first, first.xsi_type())?;
    let mut object = Object::decode(reader, xsi_type)?;
    object.fields.insert(0, (first.name().to_owned(), value));
    Ok(Value::Object(object))
}

/// Decodes a generated type found by name into a [`Value::Data`] (used by the generated registry).
pub(crate) fn data_value<'a, T: FromXml + Into<DataObject>>(
    reader: &mut XmlReader<'a>,
    tag: &StartTag<'a>,
) -> Result<Value, DecodeError> {
    T::from_xml(reader, tag).map(|data| Value::Data(data.into()))
}

impl FromXml for Value {
    fn from_xml<'a>(reader: &mut XmlReader<'a>, tag: &StartTag<'a>) -> Result<Self, DecodeError> {
        decode_value(reader, tag, tag.xsi_type())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{DecodeLimits, ToXml, XmlWriter, from_slice};

    const XSI: &str = r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema""#;

    fn decode(body: &str) -> Value {
        let xml = format!("<root {XSI}>{body}</root>");
        let object: Value = from_slice(xml.as_bytes(), DecodeLimits::default()).expect("decodes");
        match object {
            Value::Object(mut object) => object.fields.remove(0).1,
            other => panic!("expected an object, got {other:?}"),
        }
    }

    #[test]
    fn primitives_follow_their_xsi_type() {
        assert_eq!(decode(r#"<v xsi:type="xsd:int">-5</v>"#), Value::Int(-5));
        assert_eq!(
            decode(r#"<v xsi:type="xsd:long">5000000000</v>"#),
            Value::Long(5_000_000_000)
        );
        assert_eq!(
            decode(r#"<v xsi:type="xsd:boolean">true</v>"#),
            Value::Bool(true)
        );
        assert_eq!(
            decode(r#"<v xsi:type="xsd:double">INF</v>"#),
            Value::Double(f64::INFINITY)
        );
        assert_eq!(
            decode(r#"<v xsi:type="xsd:base64Binary">AAE=</v>"#),
            Value::Binary(vec![0, 1])
        );
        assert_eq!(
            decode(r#"<v xsi:type="xsd:anyURI">http://x</v>"#),
            Value::String("http://x".into())
        );
        assert!(matches!(
            decode(r#"<v xsi:type="xsd:dateTime">2026-11-25T14:59:26Z</v>"#),
            Value::DateTime(_)
        ));
    }

    #[test]
    fn a_bad_primitive_is_an_error_naming_the_text() {
        let xml = format!(r#"<v {XSI} xsi:type="xsd:int">many</v>"#);
        let error = from_slice::<Value>(xml.as_bytes(), DecodeLimits::default()).unwrap_err();
        assert!(error.to_string().contains("`many`"), "{error}");
    }

    #[test]
    fn unknown_types_are_kept_as_objects_or_enum_values() {
        let object = decode(
            r#"<v xsi:type="FutureSpec"><a>1</a><ref type="VirtualMachine">vm-1</ref><a>2</a><n><x xsi:type="xsd:int">3</x></n></v>"#,
        );
        let Value::Object(object) = object else {
            panic!("not an object: {object:?}")
        };
        assert_eq!(object.xsi_type, "FutureSpec");
        assert_eq!(
            object
                .get_all("a")
                .filter_map(Value::as_str)
                .collect::<Vec<_>>(),
            ["1", "2"]
        );
        assert_eq!(
            object.get("ref"),
            Some(&Value::ManagedObjectReference(ManagedObjectReference::new(
                "VirtualMachine",
                "vm-1"
            )))
        );
        let Some(Value::Object(nested)) = object.get("n") else {
            panic!("no nested object")
        };
        assert_eq!(nested.xsi_type, "");
        assert_eq!(nested.get("x"), Some(&Value::Int(3)));

        assert_eq!(
            decode(r#"<v xsi:type="FutureState">warm</v>"#),
            Value::Enum {
                xsi_type: "FutureState".into(),
                value: "warm".into()
            }
        );
        assert_eq!(
            decode(r#"<v xsi:type="EmptyThing"></v>"#),
            Value::Object(Object {
                xsi_type: "EmptyThing".into(),
                fields: Vec::new()
            })
        );
    }

    #[test]
    fn arrays_decode_items_by_their_declared_type() {
        assert_eq!(
            decode(r#"<v xsi:type="ArrayOfString"><string>a</string><string>b</string></v>"#),
            Value::Array {
                item_type: "string".into(),
                items: vec![Value::String("a".into()), Value::String("b".into())],
            }
        );
        assert_eq!(
            decode(r#"<v xsi:type="ArrayOfInt"><int>1</int></v>"#),
            Value::Array {
                item_type: "int".into(),
                items: vec![Value::Int(1)]
            }
        );
        assert_eq!(
            decode(r#"<v xsi:type="ArrayOfManagedObjectReference"></v>"#),
            Value::Array {
                item_type: "ManagedObjectReference".into(),
                items: vec![]
            }
        );
        let mixed = decode(
            r#"<v xsi:type="ArrayOfAnyType"><anyType xsi:type="xsd:int">1</anyType><anyType xsi:type="xsd:string">x</anyType></v>"#,
        );
        assert_eq!(mixed.as_array().map(<[Value]>::len), Some(2));
        assert_eq!(mixed.as_array().unwrap()[0], Value::Int(1));
    }

    #[test]
    fn nil_is_null() {
        assert_eq!(decode(r#"<v xsi:nil="true"/>"#), Value::Null);
    }

    #[test]
    fn decoding_what_was_encoded_gives_the_same_value() {
        let value = Value::Object(Object {
            xsi_type: "FutureSpec".into(),
            fields: vec![
                ("a".into(), Value::Long(-3)),
                (
                    "b".into(),
                    Value::Array {
                        item_type: "int".into(),
                        items: vec![Value::Int(1)],
                    },
                ),
                (
                    "c".into(),
                    Value::ManagedObjectReference(ManagedObjectReference::new("Folder", "f-1")),
                ),
                ("d".into(), Value::Binary(vec![1, 2, 3])),
            ],
        });
        let mut writer = XmlWriter::new();
        value.write_xml(&mut writer, "val", None);
        let xml = format!("<root {XSI}>{}</root>", writer.into_string());
        let decoded: Value = from_slice(xml.as_bytes(), DecodeLimits::default()).unwrap();
        let Value::Object(root) = decoded else {
            panic!("root is an object")
        };
        assert_eq!(root.fields[0].1, value);
    }
}
