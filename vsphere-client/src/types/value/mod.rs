//! [`Value`]: a dynamically typed vim25 value, for `xsd:anyType` slots (property values, task
//! results), for types outside the generated allowlist and for types a newer server adds.

mod convert;
mod decode;
mod encode;

use jiff::Timestamp;

pub use convert::{FromValue, ValueTypeError};
pub(crate) use decode::data_value;
pub(crate) use encode::write_field;

use super::ManagedObjectReference;
use super::generated::{AnyMethodFault, DataObject};

/// A vim25 value whose type is known only at run time, from its `xsi:type`.
///
/// Decoding never fails because of a type name: generated data objects and faults decode to
/// [`Value::Data`] and [`Value::Fault`], other names are kept as [`Value::Object`] (with fields)
/// or [`Value::Enum`] (with text). Without `xsi:type`, an element with a `type` attribute and
/// text is a [`Value::ManagedObjectReference`] (only references carry one in vim25), other text
/// is a [`Value::String`] and child elements make an [`Value::Object`] whose `xsi_type` is empty.
///
/// Convert to a Rust type with [`Value::into_typed`]:
///
/// ```
/// use vsphere_client::soap::decode_response;
/// use vsphere_client::types::{RetrieveResult, VirtualMachinePowerState};
/// use vsphere_client::xml::DecodeLimits;
///
/// let body = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
///   <RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects>
///     <obj type="VirtualMachine">vm-36</obj>
///     <propSet><name>runtime.powerState</name>
///       <val xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="VirtualMachinePowerState">poweredOn</val>
///     </propSet>
///   </objects></returnval></RetrievePropertiesExResponse>
/// </soapenv:Body></soapenv:Envelope>"#;
/// let result: Option<RetrieveResult> = decode_response(body, &DecodeLimits::default())?;
/// let property = &result.unwrap().objects[0].prop_set[0];
/// let state: VirtualMachinePowerState = property.val.clone().into_typed()?;
/// assert_eq!(state, VirtualMachinePowerState::PoweredOn);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// No value: `xsi:nil="true"`, or an unset slot. Encodes as no element.
    #[default]
    Null,
    /// `xsd:boolean`.
    Bool(bool),
    /// `xsd:byte`.
    Byte(i8),
    /// `xsd:short`.
    Short(i16),
    /// `xsd:int`.
    Int(i32),
    /// `xsd:long`.
    Long(i64),
    /// `xsd:float`.
    Float(f32),
    /// `xsd:double`.
    Double(f64),
    /// `xsd:string`, other XML Schema types this client does not model, and untyped text.
    String(String),
    /// `xsd:dateTime`.
    DateTime(Timestamp),
    /// `xsd:base64Binary`.
    Binary(Vec<u8>),
    /// A managed object reference.
    ManagedObjectReference(ManagedObjectReference),
    /// A vim25 enum value (a vim25 type holding text), such as `TaskInfoState` `success`.
    Enum {
        /// The vim25 enum type.
        xsi_type: String,
        /// The value as sent.
        value: String,
    },
    /// An `ArrayOfXxx` value: items of one declared item type.
    Array {
        /// The item type, as the item elements are named: `string`, `ManagedObjectReference`,
        /// `CustomFieldValue`, `anyType`...
        item_type: String,
        /// The items.
        items: Vec<Value>,
    },
    /// A generated data object.
    Data(DataObject),
    /// A fault (in an `xsd:anyType` slot; faults in typed fields are `LocalizedMethodFault`).
    Fault(AnyMethodFault),
    /// A structure of a type this client does not generate, with its fields in document order.
    Object(Object),
}

/// A structure of a type this client does not generate: its type name and fields.
///
/// A field that occurs several times (an array field) appears once per occurrence, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    /// The vim25 type name from `xsi:type` (empty when the element had none).
    pub xsi_type: String,
    /// The fields, by element name, in document order.
    pub fields: Vec<(String, Value)>,
}

impl Object {
    /// The first field named `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value)
    }

    /// Every occurrence of the field `name` (the items of an array field).
    pub fn get_all<'o>(&'o self, name: &'o str) -> impl Iterator<Item = &'o Value> + 'o {
        self.fields
            .iter()
            .filter(move |(field, _)| field == name)
            .map(|(_, value)| value)
    }
}

impl Value {
    /// The value's type as `xsi:type` would name it (`xsd:string`, `ArrayOfString`,
    /// `TaskInfo`...); `null` for [`Value::Null`].
    pub fn type_name(&self) -> String {
        match self {
            Value::Null => "null".to_owned(),
            Value::Bool(_) => "xsd:boolean".to_owned(),
            Value::Byte(_) => "xsd:byte".to_owned(),
            Value::Short(_) => "xsd:short".to_owned(),
            Value::Int(_) => "xsd:int".to_owned(),
            Value::Long(_) => "xsd:long".to_owned(),
            Value::Float(_) => "xsd:float".to_owned(),
            Value::Double(_) => "xsd:double".to_owned(),
            Value::String(_) => "xsd:string".to_owned(),
            Value::DateTime(_) => "xsd:dateTime".to_owned(),
            Value::Binary(_) => "xsd:base64Binary".to_owned(),
            Value::ManagedObjectReference(_) => "ManagedObjectReference".to_owned(),
            Value::Enum { xsi_type, .. } => xsi_type.clone(),
            Value::Array { item_type, .. } => encode::array_type_name(item_type),
            Value::Data(data) => data.type_name().to_owned(),
            Value::Fault(fault) => fault.type_name().to_owned(),
            Value::Object(object) => object.xsi_type.clone(),
        }
    }

    /// Converts into a Rust type; see [`FromValue`].
    pub fn into_typed<T: FromValue>(self) -> Result<T, ValueTypeError> {
        T::from_value(self)
    }

    /// The text of a [`Value::String`] or [`Value::Enum`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) | Value::Enum { value: text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value of a [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(value) => Some(*value),
            _ => None,
        }
    }

    /// The value of any integer variant.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Byte(value) => Some(i64::from(*value)),
            Value::Short(value) => Some(i64::from(*value)),
            Value::Int(value) => Some(i64::from(*value)),
            Value::Long(value) => Some(*value),
            _ => None,
        }
    }

    /// The reference in a [`Value::ManagedObjectReference`].
    pub fn as_managed_object_reference(&self) -> Option<&ManagedObjectReference> {
        match self {
            Value::ManagedObjectReference(reference) => Some(reference),
            _ => None,
        }
    }

    /// The items of a [`Value::Array`].
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array { items, .. } => Some(items),
            _ => None,
        }
    }

    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}
