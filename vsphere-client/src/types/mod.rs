//! The vim25 types: managed object references, dynamic [`Value`]s, and the data objects, enums,
//! faults and method requests generated from pyVmomi's type information.
//!
//! # Generated types
//!
//! `codegen/generate.py` writes `types/generated/` from `codegen/allowlist.toml`. To use a vim25
//! type or method that is not generated yet, add its WSDL name to the allowlist and rerun the
//! generator (`python3 vsphere-client/codegen/generate.py`; see `codegen/README.md`).
//!
//! - A data object is a struct with its inherited fields flattened (the `DynamicData` base
//!   fields `dynamicType` and `dynamicProperty` are dropped). Required fields are plain types
//!   (absent on the wire: the default), optional ones `Option`, arrays `Vec`. A required field
//!   whose type forms a cycle is boxed. Fields flagged secret in the schema (passwords, session
//!   ids, ...) print as `<redacted>` in `Debug`.
//! - A field whose type is not generated is a [`Value`]; an enum field whose enum is not
//!   generated is a `String`.
//! - A field declared with a type that has subtypes holds a family enum, `AnyXxx`, with one
//!   variant per generated subtype and `Unknown(Object)` for the others (decoded by `xsi:type`;
//!   `xsi:type` is written for subtypes). `From` converts each member into the family.
//! - An enum has one variant per value plus `Unrecognized(String)` for values a newer server
//!   adds (`Other` would clash with the value `other` of ten vim25 enums).
//! - Every fault (`MethodFault` and all its subtypes, allowlist or not) has its own variant in
//!   [`AnyMethodFault`] and its own [`FaultKind`], which gives ancestry (`is_a`). Its data is a
//!   struct with the flattened fields; a fault that adds no fields to its parent is a type alias
//!   of the parent's struct (`FileNotFound` is a `FileFault`), which halves the generated code.
//!   A fault inside a data object travels as a [`LocalizedMethodFault`], as in the WSDL.
//! - Each method gets a request struct, `XxxRequest`, that implements
//!   [`Method`](crate::soap::Method).

mod faults;
mod generated;
mod moref;
mod names;
mod redacted;
pub(crate) mod value;

pub use generated::*;
pub use moref::ManagedObjectReference;
pub use names::{decode_entity_name, encode_entity_name};
pub(crate) use redacted::Redacted;
pub use value::{FromValue, Object, Value, ValueTypeError};
