//! [`ObjectProps`]: the properties of one managed object, with typed getters.

use std::borrow::Cow;

use super::fault::fault_error;
use crate::Error;
use crate::types::{
    DynamicProperty, FromValue, ManagedObjectReference, MissingProperty, ObjectContent, Value,
    ValueTypeError, decode_entity_name,
};

/// The property path of a managed entity's name.
const NAME: &str = "name";

/// The properties of one managed object, as the property collector returned them.
///
/// Unset properties (a VM without snapshots has no `snapshot`) are simply absent; properties
/// the server could not read are in `missing`, each with the fault that says why. The `name`
/// of a managed entity is already decoded (`%2f` is `/`, see
/// [`crate::types::decode_entity_name`]).
///
/// Read values with [`get`](Self::get) (optional), [`require`](Self::require) (must be set) or
/// [`take`](Self::take) (moves the value out, no copy); the type parameter is any
/// [`FromValue`] type: primitives, `String`, references, `Vec`s, generated data objects, enums.
///
/// ```
/// use vsphere_client::property::ObjectProps;
/// use vsphere_client::types::{DynamicProperty, ManagedObjectReference, ObjectContent, Value};
///
/// let content = ObjectContent {
///     obj: ManagedObjectReference::new("VirtualMachine", "vm-36"),
///     prop_set: vec![
///         DynamicProperty { name: "name".into(), val: Value::String("web%2fdb".into()) },
///         DynamicProperty { name: "config.hardware.numCPU".into(), val: Value::Int(4) },
///     ],
///     missing_set: vec![],
/// };
/// let props = ObjectProps::from(content);
/// assert_eq!(props.name()?, "web/db");
/// assert_eq!(props.require::<i32>("config.hardware.numCPU")?, 4);
/// assert_eq!(props.get::<String>("config.annotation")?, None);
/// # Ok::<(), vsphere_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectProps {
    /// The object the properties belong to.
    pub obj: ManagedObjectReference,
    /// The properties that are set, in the order the server sent them.
    pub props: Vec<DynamicProperty>,
    /// The properties the server could not read (for example `InvalidProperty` for a path the
    /// object's type does not have), with the fault that says why.
    pub missing: Vec<MissingProperty>,
}

impl From<ObjectContent> for ObjectProps {
    /// Takes over the collector's result for one object, decoding the entity `name`.
    fn from(content: ObjectContent) -> Self {
        let mut props = content.prop_set;
        for property in &mut props {
            if property.name == NAME
                && let Value::String(name) = &mut property.val
                && let Cow::Owned(decoded) = decode_entity_name(name)
            {
                *name = decoded;
            }
        }
        Self {
            obj: content.obj,
            props,
            missing: content.missing_set,
        }
    }
}

impl ObjectProps {
    /// The raw value at `path`: `None` when the property is unset.
    ///
    /// # Errors
    /// [`Error::Fault`] with the server's fault when `path` is in the missing set.
    pub fn value(&self, path: &str) -> Result<Option<&Value>, Error> {
        self.check_not_missing(path)?;
        Ok(self
            .props
            .iter()
            .find(|property| property.name == path)
            .map(|property| &property.val))
    }

    /// The value at `path` converted to `T` (a copy), or `None` when the property is unset.
    ///
    /// # Errors
    /// [`Error::Fault`] when the server could not read the property, and
    /// [`Error::UnexpectedValue`] when it is not a `T`.
    pub fn get<T: FromValue>(&self, path: &str) -> Result<Option<T>, Error> {
        self.value(path)?
            .map(|value| self.convert(path, value.clone()))
            .transpose()
    }

    /// The value at `path` converted to `T`, which must be set.
    ///
    /// # Errors
    /// As [`get`](Self::get), and [`Error::NotFound`] when the property is unset (or was not
    /// asked for).
    pub fn require<T: FromValue>(&self, path: &str) -> Result<T, Error> {
        self.get(path)?.ok_or_else(|| self.unset(path))
    }

    /// Moves the value at `path` out, converted to `T`; `None` when the property is unset (or
    /// was taken before). Cheaper than [`get`](Self::get) for large values.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn take<T: FromValue>(&mut self, path: &str) -> Result<Option<T>, Error> {
        self.check_not_missing(path)?;
        let Some(index) = self.props.iter().position(|property| property.name == path) else {
            return Ok(None);
        };
        let value = self.props.swap_remove(index).val;
        self.convert(path, value).map(Some)
    }

    /// The entity's `name`, decoded (`%2f` is `/`).
    ///
    /// # Errors
    /// As [`require`](Self::require): the `name` property must have been asked for.
    pub fn name(&self) -> Result<&str, Error> {
        match self.value(NAME)? {
            Some(value) => value.as_str().ok_or_else(|| Error::UnexpectedValue {
                what: self.describe(NAME),
                error: ValueTypeError::new("xsd:string", value),
            }),
            None => Err(self.unset(NAME)),
        }
    }

    /// The server's reason for not returning `path`, if it gave one.
    pub fn missing(&self, path: &str) -> Option<&MissingProperty> {
        self.missing.iter().find(|missing| missing.path == path)
    }

    fn check_not_missing(&self, path: &str) -> Result<(), Error> {
        match self.missing(path) {
            None => Ok(()),
            Some(missing) => Err(fault_error(
                format!("reading {}", self.describe(path)),
                &missing.fault,
            )),
        }
    }

    fn convert<T: FromValue>(&self, path: &str, value: Value) -> Result<T, Error> {
        T::from_value(value).map_err(|error| Error::UnexpectedValue {
            what: self.describe(path),
            error,
        })
    }

    fn unset(&self, path: &str) -> Error {
        Error::NotFound {
            what: format!(
                "{} (it is unset, or was not among the properties asked for)",
                self.describe(path)
            ),
        }
    }

    fn describe(&self, path: &str) -> String {
        format!("property `{path}` of {}", self.obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{AnyMethodFault, FaultKind, InvalidProperty, LocalizedMethodFault};

    fn vm(props: Vec<(&str, Value)>, missing: Vec<(&str, AnyMethodFault)>) -> ObjectProps {
        ObjectProps::from(ObjectContent {
            obj: ManagedObjectReference::new("VirtualMachine", "vm-36"),
            prop_set: props
                .into_iter()
                .map(|(name, val)| DynamicProperty {
                    name: name.into(),
                    val,
                })
                .collect(),
            missing_set: missing
                .into_iter()
                .map(|(path, fault)| MissingProperty {
                    path: path.into(),
                    fault: LocalizedMethodFault {
                        fault,
                        localized_message: None,
                    },
                })
                .collect(),
        })
    }

    #[test]
    fn names_are_decoded_and_other_strings_are_not() {
        let props = vm(
            vec![
                ("name", Value::String(r"a%2fb%5cc%25d".into())),
                ("config.annotation", Value::String("50%2f50".into())),
            ],
            vec![],
        );
        assert_eq!(props.name().unwrap(), r"a/b\c%d");
        assert_eq!(props.require::<String>("name").unwrap(), r"a/b\c%d");
        assert_eq!(
            props.require::<String>("config.annotation").unwrap(),
            "50%2f50"
        );
    }

    #[test]
    fn unset_properties_are_none_for_get_and_not_found_for_require() {
        let props = vm(vec![], vec![]);
        assert_eq!(props.get::<String>("snapshot").unwrap(), None);
        let error = props.require::<String>("snapshot").unwrap_err();
        assert!(matches!(error, Error::NotFound { .. }), "{error}");
        assert!(
            error
                .to_string()
                .contains("`snapshot` of VirtualMachine:vm-36")
        );
        assert!(matches!(props.name(), Err(Error::NotFound { .. })));
    }

    #[test]
    fn missing_properties_surface_the_servers_fault() {
        let props = vm(
            vec![],
            vec![(
                "bogus",
                AnyMethodFault::InvalidProperty(Box::new(InvalidProperty {
                    name: "bogus".into(),
                    ..InvalidProperty::default()
                })),
            )],
        );
        let error = props.get::<String>("bogus").unwrap_err();
        assert!(error.is_fault(FaultKind::InvalidProperty), "{error}");
        assert!(props.missing("bogus").is_some());
        assert!(props.missing("name").is_none());
    }

    #[test]
    fn a_missing_name_is_a_fault_not_an_unset_name() {
        let props = vm(
            vec![],
            vec![("name", AnyMethodFault::NotAuthenticated(Box::default()))],
        );
        assert!(
            props
                .name()
                .unwrap_err()
                .is_fault(FaultKind::NotAuthenticated)
        );
    }

    #[test]
    fn wrong_types_say_which_property() {
        let props = vm(vec![("name", Value::Int(3))], vec![]);
        let error = props.get::<bool>("name").unwrap_err();
        assert!(matches!(error, Error::UnexpectedValue { .. }));
        assert!(
            error
                .to_string()
                .starts_with("property `name` of VirtualMachine:vm-36 has an unexpected type")
        );
        assert!(matches!(props.name(), Err(Error::UnexpectedValue { .. })));
    }

    #[test]
    fn take_moves_the_value_out_once() {
        let mut props = vm(
            vec![("runtime.powerState", Value::String("poweredOn".into()))],
            vec![],
        );
        assert_eq!(
            props
                .take::<String>("runtime.powerState")
                .unwrap()
                .as_deref(),
            Some("poweredOn")
        );
        assert_eq!(props.take::<String>("runtime.powerState").unwrap(), None);
    }
}
