//! Encoding a [`Value`] with its `xsi:type`.

use super::{Object, Value};
use crate::xml::{ToXml, XmlWriter, encode_base64, format_float};

/// `ArrayOfString` for `string`, `ArrayOfManagedObjectReference` for `ManagedObjectReference`.
pub(super) fn array_type_name(item_type: &str) -> String {
    let mut chars = item_type.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase());
    format!(
        "ArrayOf{}{}",
        first.map(String::from).unwrap_or_default(),
        chars.as_str()
    )
}

/// Writes a value in a field or parameter position: an array becomes repeated elements.
pub(crate) fn write_field(writer: &mut XmlWriter, name: &str, value: &Value) {
    match value {
        Value::Array { items, .. } => {
            for item in items {
                item.write_xml(writer, name, None);
            }
        }
        other => other.write_xml(writer, name, None),
    }
}

/// Writes the value with its own `xsi:type` (it stands in an `xsd:anyType` slot); the
/// `xsi_type` argument is ignored. [`Value::Null`] writes nothing.
impl ToXml for Value {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, _xsi_type: Option<&str>) {
        match self {
            Value::Null => {}
            Value::Bool(value) => value.write_xml(writer, tag, Some("xsd:boolean")),
            Value::Byte(value) => value.write_xml(writer, tag, Some("xsd:byte")),
            Value::Short(value) => value.write_xml(writer, tag, Some("xsd:short")),
            Value::Int(value) => value.write_xml(writer, tag, Some("xsd:int")),
            Value::Long(value) => value.write_xml(writer, tag, Some("xsd:long")),
            Value::Float(value) => {
                writer.text_element(tag, Some("xsd:float"), &format_float(f64::from(*value)));
            }
            Value::Double(value) => {
                writer.text_element(tag, Some("xsd:double"), &format_float(*value))
            }
            Value::String(value) => writer.text_element(tag, Some("xsd:string"), value),
            Value::DateTime(value) => value.write_xml(writer, tag, Some("xsd:dateTime")),
            Value::Binary(bytes) => {
                writer.text_element(tag, Some("xsd:base64Binary"), &encode_base64(bytes));
            }
            Value::ManagedObjectReference(reference) => {
                reference.write_xml(writer, tag, Some("ManagedObjectReference"));
            }
            Value::Enum { xsi_type, value } => writer.text_element(tag, Some(xsi_type), value),
            Value::Array { item_type, items } => {
                writer.start_element(tag, Some(&array_type_name(item_type)), &[]);
                for item in items {
                    item.write_xml(writer, item_type, None);
                }
                writer.end_element(tag);
            }
            Value::Data(data) => data.write_xml(writer, tag, None),
            Value::Fault(fault) => fault.write_xml(writer, tag, Some(fault.type_name())),
            Value::Object(object) => object.write_xml(writer, tag, None),
        }
    }
}

/// Writes the object with its `xsi:type` (when it has one) and its fields in order.
impl ToXml for Object {
    fn write_xml(&self, writer: &mut XmlWriter, tag: &str, _xsi_type: Option<&str>) {
        let xsi_type = (!self.xsi_type.is_empty()).then_some(self.xsi_type.as_str());
        writer.start_element(tag, xsi_type, &[]);
        for (name, value) in &self.fields {
            value.write_xml(writer, name, None);
        }
        writer.end_element(tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(value: &Value) -> String {
        let mut w = XmlWriter::new();
        value.write_xml(&mut w, "val", None);
        w.into_string()
    }

    #[test]
    fn encoding_writes_xsi_types_and_array_wrappers() {
        assert_eq!(encode(&Value::Int(7)), r#"<val xsi:type="xsd:int">7</val>"#);
        assert_eq!(encode(&Value::Null), "");
        assert_eq!(
            encode(&Value::Array {
                item_type: "string".into(),
                items: vec![Value::String("a".into())],
            }),
            r#"<val xsi:type="ArrayOfString"><string xsi:type="xsd:string">a</string></val>"#
        );
        assert_eq!(
            encode(&Value::Object(Object {
                xsi_type: "FutureSpec".into(),
                fields: vec![(
                    "x".into(),
                    Value::Enum {
                        xsi_type: "E".into(),
                        value: "v".into()
                    }
                )],
            })),
            r#"<val xsi:type="FutureSpec"><x xsi:type="E">v</x></val>"#
        );
        let mut w = XmlWriter::new();
        write_field(
            &mut w,
            "pathSet",
            &Value::Array {
                item_type: "string".into(),
                items: vec![Value::String("a".into()), Value::String("b".into())],
            },
        );
        assert_eq!(
            w.into_string(),
            r#"<pathSet xsi:type="xsd:string">a</pathSet><pathSet xsi:type="xsd:string">b</pathSet>"#
        );
    }
}
