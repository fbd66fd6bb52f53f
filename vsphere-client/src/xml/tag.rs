//! Start tags as the reader hands them out, with their resolved `xsi:type`.

/// The resolved value of an `xsi:type` attribute.
///
/// The attribute and the prefix inside its value are both resolved through the namespace
/// declarations in scope, so `XMLSchema-instance:type="xsd:string"` and `xsi:type="xsd:string"`
/// give the same result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum XsiType<'a> {
    /// A built-in XML Schema type, by local name (`string`, `int`, `dateTime`, ...).
    Xsd(&'a str),
    /// A vim25 type, by local name (`TraversalSpec`, `ArrayOfString`, ...).
    Vim(&'a str),
}

impl XsiType<'_> {
    /// The type as vim25 writes it: `xsd:string` for schema types, the bare name otherwise.
    ///
    /// ```
    /// use vsphere_client::xml::XsiType;
    ///
    /// assert_eq!(XsiType::Xsd("int").qualified(), "xsd:int");
    /// assert_eq!(XsiType::Vim("TraversalSpec").qualified(), "TraversalSpec");
    /// ```
    pub fn qualified(&self) -> String {
        match self {
            XsiType::Xsd(name) => format!("xsd:{name}"),
            XsiType::Vim(name) => (*name).to_owned(),
        }
    }
}

/// A start tag handed to a [`FromXml`](crate::xml::FromXml) implementation: the element's local
/// name, its resolved `xsi:type` and `xsi:nil`, and access to its other attributes through
/// [`XmlReader::attribute`](crate::xml::XmlReader::attribute).
#[derive(Debug, Clone)]
pub struct StartTag<'a> {
    /// Name and attributes, as in the source (between `<` and `>`).
    pub(super) raw: &'a str,
    pub(super) name_len: usize,
    pub(super) local_name: &'a str,
    pub(super) xsi_type: Option<XsiType<'a>>,
    pub(super) nil: bool,
    /// The unprefixed `type` attribute as written (managed object references carry one).
    pub(super) type_attribute: Option<&'a str>,
}

impl<'a> StartTag<'a> {
    /// The element's local name (without prefix).
    pub fn name(&self) -> &'a str {
        self.local_name
    }

    /// The resolved `xsi:type`, when the element carries one.
    pub fn xsi_type(&self) -> Option<XsiType<'a>> {
        self.xsi_type
    }

    /// Whether the element carries `xsi:nil="true"`.
    pub fn is_nil(&self) -> bool {
        self.nil
    }
}

/// What a start tag's attributes say, found in one pass when the tag is read.
#[derive(Default)]
pub(super) struct ScannedAttributes<'a> {
    pub(super) xsi_type: Option<XsiType<'a>>,
    pub(super) nil: bool,
    pub(super) type_attribute: Option<&'a str>,
}
