//! Encoding SOAP request envelopes.

use super::{Method, SOAP_ENVELOPE_NAMESPACE};
use crate::types::value::write_field;
use crate::types::{ManagedObjectReference, Value};
use crate::xml::{ToXml, VIM25_NAMESPACE, XSD_NAMESPACE, XSI_NAMESPACE, XmlWriter};

/// Encodes a request body: a SOAP 1.1 envelope that binds the `soapenv`, `xsd` and `xsi`
/// prefixes, around `<NAME xmlns="urn:vim25"><_this type="...">...</_this>...params</NAME>`.
///
/// ```
/// use vsphere_client::soap::encode_request;
/// use vsphere_client::types::{CreateFolderRequest, ManagedObjectReference};
///
/// let body = encode_request(&CreateFolderRequest {
///     this: ManagedObjectReference::new("Folder", "folder-3"),
///     name: "backups".into(),
/// });
/// let body = String::from_utf8(body)?;
/// assert!(body.ends_with(concat!(
///     r#"<soapenv:Body><CreateFolder xmlns="urn:vim25"><_this type="Folder">folder-3</_this>"#,
///     r#"<name>backups</name></CreateFolder></soapenv:Body></soapenv:Envelope>"#
/// )));
/// # Ok::<(), std::string::FromUtf8Error>(())
/// ```
pub fn encode_request<M: Method>(request: &M) -> Vec<u8> {
    let mut writer = open_envelope();
    request.write_xml(&mut writer, M::NAME, None);
    close_envelope(writer)
}

/// Encodes a call to any method, with dynamically typed arguments, for methods that have no
/// generated request struct.
///
/// Arguments are written in the order given, each with its `xsi:type`; a [`Value::Array`] becomes
/// repeated elements (how vim25 passes array parameters) and [`Value::Null`] is omitted. `method`
/// and the argument names must be vim25 names (they are written as they are).
///
/// ```
/// use vsphere_client::soap::encode_dynamic;
/// use vsphere_client::types::{ManagedObjectReference, Value};
///
/// let vm = ManagedObjectReference::new("VirtualMachine", "vm-104");
/// let body = encode_dynamic("setCustomValue", &vm, &[
///     ("key", Value::String("bk.source".into())),
///     ("value", Value::String("via setCustomValue".into())),
/// ]);
/// assert!(String::from_utf8(body)?.contains(concat!(
///     r#"<setCustomValue xmlns="urn:vim25"><_this type="VirtualMachine">vm-104</_this>"#,
///     r#"<key xsi:type="xsd:string">bk.source</key>"#,
/// )));
/// # Ok::<(), std::string::FromUtf8Error>(())
/// ```
pub fn encode_dynamic(
    method: &str,
    this: &ManagedObjectReference,
    args: &[(&str, Value)],
) -> Vec<u8> {
    let mut writer = open_envelope();
    writer.start_element(method, None, &[("xmlns", VIM25_NAMESPACE)]);
    this.write_xml(&mut writer, "_this", None);
    for (name, value) in args {
        write_field(&mut writer, name, value);
    }
    writer.end_element(method);
    close_envelope(writer)
}

fn open_envelope() -> XmlWriter {
    let mut writer = XmlWriter::new();
    writer.raw(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    writer.start_element(
        "soapenv:Envelope",
        None,
        &[
            ("xmlns:soapenv", SOAP_ENVELOPE_NAMESPACE),
            ("xmlns:xsd", XSD_NAMESPACE),
            ("xmlns:xsi", XSI_NAMESPACE),
        ],
    );
    writer.start_element("soapenv:Body", None, &[]);
    writer
}

fn close_envelope(mut writer: XmlWriter) -> Vec<u8> {
    writer.end_element("soapenv:Body");
    writer.end_element("soapenv:Envelope");
    writer.into_string().into_bytes()
}
