//! Fault ancestry: what [`FaultKind`] and [`AnyMethodFault`] add to the generated fault types.

use super::generated::{AnyMethodFault, FaultKind};

impl FaultKind {
    /// This kind, its parent, and so on up to `MethodFault`.
    ///
    /// ```
    /// use vsphere_client::types::FaultKind;
    ///
    /// let chain: Vec<_> = FaultKind::FileNotFound.ancestors().map(FaultKind::name).collect();
    /// assert_eq!(chain, ["FileNotFound", "FileFault", "VimFault", "MethodFault"]);
    /// ```
    pub fn ancestors(self) -> impl Iterator<Item = FaultKind> {
        std::iter::successors(Some(self), |kind| kind.parent())
    }

    /// Whether this kind is `ancestor` or derives from it.
    pub fn is_a(self, ancestor: FaultKind) -> bool {
        self.ancestors().any(|kind| kind == ancestor)
    }
}

impl AnyMethodFault {
    /// The vim25 type name of the fault (for `Unknown`, the name the server sent).
    pub fn type_name(&self) -> &str {
        match (self.kind(), self) {
            (Some(kind), _) => kind.name(),
            (None, AnyMethodFault::Unknown(object)) => &object.xsi_type,
            (None, _) => FaultKind::MethodFault.name(),
        }
    }

    /// Whether the fault is of type `ancestor` or derives from it. A fault type this client
    /// does not know is only known to be a `MethodFault`.
    ///
    /// ```
    /// use vsphere_client::types::{AnyMethodFault, FaultKind};
    ///
    /// let fault = AnyMethodFault::FileNotFound(Box::default());
    /// assert!(fault.is_a(FaultKind::FileFault));
    /// assert!(fault.is_a(FaultKind::MethodFault));
    /// assert!(!fault.is_a(FaultKind::RuntimeFault));
    /// ```
    pub fn is_a(&self, ancestor: FaultKind) -> bool {
        match self.kind() {
            Some(kind) => kind.is_a(ancestor),
            None => ancestor == FaultKind::MethodFault,
        }
    }

    /// The fault's type and its ancestors up to `MethodFault` (only `MethodFault` for a fault
    /// type this client does not know).
    pub fn ancestors(&self) -> impl Iterator<Item = FaultKind> {
        self.kind().unwrap_or(FaultKind::MethodFault).ancestors()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Object;

    #[test]
    fn every_kind_reaches_method_fault_and_round_trips_its_name() {
        let mut kind_count = 0;
        for name in [
            "MethodFault",
            "RuntimeFault",
            "NotAuthenticated",
            "InvalidPowerState",
            "DuplicateName",
        ] {
            let kind = FaultKind::from_name(name).expect(name);
            assert_eq!(kind.name(), name);
            assert_eq!(kind.ancestors().last(), Some(FaultKind::MethodFault));
            kind_count += 1;
        }
        assert_eq!(kind_count, 5);
        assert_eq!(FaultKind::from_name("NoSuchFault"), None);
        assert_eq!(FaultKind::from_name("LocalizedMethodFault"), None);
    }

    #[test]
    fn not_authenticated_is_a_security_fault_not_a_file_fault() {
        assert!(FaultKind::NotAuthenticated.is_a(FaultKind::NoPermission));
        assert!(FaultKind::NotAuthenticated.is_a(FaultKind::SecurityError));
        assert!(!FaultKind::NotAuthenticated.is_a(FaultKind::FileFault));
        assert_eq!(FaultKind::MethodFault.parent(), None);
    }

    #[test]
    fn unknown_faults_are_method_faults_only() {
        let fault = AnyMethodFault::Unknown(Object {
            xsi_type: "FutureFault".into(),
            fields: Vec::new(),
        });
        assert_eq!(fault.type_name(), "FutureFault");
        assert!(fault.is_a(FaultKind::MethodFault));
        assert!(!fault.is_a(FaultKind::RuntimeFault));
        assert_eq!(
            fault.ancestors().collect::<Vec<_>>(),
            [FaultKind::MethodFault]
        );
    }
}
