//! Converting a [`Value`] into Rust types.

use jiff::Timestamp;

use super::Value;
use crate::types::ManagedObjectReference;
use crate::types::generated::AnyMethodFault;

/// A dynamic value did not have the type the caller asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected {expected}, found {found}; ask for the type the server sends for this property \
     (a polymorphic property needs its `Any...` family enum)"
)]
pub struct ValueTypeError {
    expected: &'static str,
    found: String,
}

impl ValueTypeError {
    /// An error for wanting `expected` but having `found`.
    pub fn new(expected: &'static str, found: &Value) -> Self {
        Self {
            expected,
            found: found.type_name(),
        }
    }
}

/// Conversion out of a [`Value`]: implemented for primitives, references, [`Vec`], [`Option`],
/// generated data objects, family enums, enums and [`AnyMethodFault`].
pub trait FromValue: Sized {
    /// Converts `value`, or says what it was instead.
    fn from_value(value: Value) -> Result<Self, ValueTypeError>;
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Self, ValueTypeError> {
        Ok(value)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    /// [`Value::Null`] is `None`.
    fn from_value(value: Value) -> Result<Self, ValueTypeError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    /// The items of a [`Value::Array`]; [`Value::Null`] (an unset array) is empty.
    fn from_value(value: Value) -> Result<Self, ValueTypeError> {
        match value {
            Value::Array { items, .. } => items.into_iter().map(T::from_value).collect(),
            Value::Null => Ok(Vec::new()),
            other => Err(ValueTypeError::new("an array", &other)),
        }
    }
}

impl FromValue for String {
    /// The text of a [`Value::String`] or [`Value::Enum`].
    fn from_value(value: Value) -> Result<Self, ValueTypeError> {
        match value {
            Value::String(text) | Value::Enum { value: text, .. } => Ok(text),
            other => Err(ValueTypeError::new("xsd:string", &other)),
        }
    }
}

macro_rules! from_value {
    ($($ty:ty => $expected:literal: $($variant:ident)|+;)*) => {$(
        impl FromValue for $ty {
            fn from_value(value: Value) -> Result<Self, ValueTypeError> {
                match value {
                    $(Value::$variant(inner) => <$ty>::try_from(inner)
                        .map_err(|_| ValueTypeError::new($expected, &Value::$variant(inner))),)+
                    other => Err(ValueTypeError::new($expected, &other)),
                }
            }
        }
    )*};
}

from_value! {
    bool => "xsd:boolean": Bool;
    i8 => "xsd:byte": Byte | Short | Int | Long;
    i16 => "xsd:short": Byte | Short | Int | Long;
    i32 => "xsd:int": Byte | Short | Int | Long;
    i64 => "xsd:long": Byte | Short | Int | Long;
    f32 => "xsd:float": Float;
    f64 => "xsd:double": Float | Double;
    Timestamp => "xsd:dateTime": DateTime;
}

impl FromValue for ManagedObjectReference {
    fn from_value(value: Value) -> Result<Self, ValueTypeError> {
        match value {
            Value::ManagedObjectReference(reference) => Ok(reference),
            other => Err(ValueTypeError::new("ManagedObjectReference", &other)),
        }
    }
}

impl FromValue for Vec<u8> {
    /// The bytes of a [`Value::Binary`].
    fn from_value(value: Value) -> Result<Self, ValueTypeError> {
        match value {
            Value::Binary(bytes) => Ok(bytes),
            other => Err(ValueTypeError::new("xsd:base64Binary", &other)),
        }
    }
}

impl FromValue for AnyMethodFault {
    fn from_value(value: Value) -> Result<Self, ValueTypeError> {
        match value {
            Value::Fault(fault) => Ok(fault),
            other => Err(ValueTypeError::new("a fault", &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_conversions_check_the_variant() {
        assert_eq!(Value::Short(5).into_typed::<i64>(), Ok(5));
        assert_eq!(
            Value::Long(300)
                .into_typed::<i8>()
                .unwrap_err()
                .to_string()
                .split(';')
                .next(),
            Some("expected xsd:byte, found xsd:long")
        );
        assert_eq!(Value::Null.into_typed::<Option<bool>>(), Ok(None));
        let strings = Value::Array {
            item_type: "string".into(),
            items: vec![Value::String("a".into())],
        };
        assert_eq!(
            strings.into_typed::<Vec<String>>(),
            Ok(vec!["a".to_owned()])
        );
        assert!(Value::Int(1).into_typed::<String>().is_err());
    }
}
