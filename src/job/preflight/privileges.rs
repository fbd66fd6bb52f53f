//! The session's privileges on what a backup touches, checked before the snapshot with one
//! `AuthorizationManager.HasPrivilegeOnEntities`: a missing one is named with its object
//! (`Datastore.AllocateSpace on datastore NFS_mango`) instead of failing halfway with a
//! `NoPermission` after the snapshot.

use vsphere_client::Client;
use vsphere_client::object::SessionManager;
use vsphere_client::types::{FaultKind, ManagedObjectReference, Object, Value};

use super::Placement;
use crate::config::JobConfig;
use crate::error::Error;
use crate::job::folder::FolderTarget;
use crate::job::inventory::{Inventory, VmDetails};

/// The privileges a run needs on one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub entity: ManagedObjectReference,
    /// The object as messages name it: `datastore NFS_mango`.
    pub what: String,
    pub privileges: &'static [&'static str],
}

/// What a backup of `source` placed as `placement` needs: snapshot and clone the VM, create
/// VMs (and the folder, if missing) in the folder, allocate space on the datastore, assign VMs
/// to the pool.
pub(crate) fn wanted(
    inventory: &Inventory,
    job: &JobConfig,
    source: &VmDetails,
    placement: &Placement,
) -> Vec<Wanted> {
    let mut wanted = vec![Wanted {
        entity: source.moref.clone(),
        what: format!("VM {}", source.name),
        privileges: &[
            "VirtualMachine.Provisioning.Clone",
            "VirtualMachine.State.CreateSnapshot",
            "VirtualMachine.State.RemoveSnapshot",
        ],
    }];
    wanted.push(match &placement.folder {
        FolderTarget::Existing(folder) => Wanted {
            entity: folder.clone(),
            what: format!("folder {}", job.folder),
            privileges: &["VirtualMachine.Inventory.CreateFromExisting"],
        },
        FolderTarget::Missing { parent, names } => Wanted {
            entity: parent.clone(),
            what: format!("the folder that will hold {}", names.join("/")),
            privileges: &[
                "Folder.Create",
                "VirtualMachine.Inventory.CreateFromExisting",
            ],
        },
    });
    wanted.push(Wanted {
        entity: placement.datastore.moref.clone(),
        what: format!("datastore {}", placement.datastore.name),
        privileges: &["Datastore.AllocateSpace"],
    });
    let pool_name = inventory
        .pools
        .iter()
        .find(|pool| pool.moref == placement.pool)
        .map_or(placement.pool.value.as_str(), |pool| pool.name.as_str());
    wanted.push(Wanted {
        entity: placement.pool.clone(),
        what: format!("resource pool {pool_name}"),
        privileges: &["Resource.AssignVMToPool"],
    });
    wanted
}

/// Checks `wanted` for the client's session. Returns a warning when the server cannot tell
/// (no `HasPrivilegeOnEntities`: vSphere before 6.5, or a host without vCenter).
///
/// # Errors
/// [`Error::Preflight`] naming every missing privilege and its object; the calls' errors.
pub(crate) async fn check(client: &Client, wanted: &[Wanted]) -> Result<Option<String>, Error> {
    let Some(manager) = client.service_content().authorization_manager.clone() else {
        return Ok(Some(cannot_check(
            "the server has no authorization manager",
        )));
    };
    let session = SessionManager::of(client)?.current_session().await?;
    let Some(session) = session else {
        return Ok(Some(cannot_check("the session is unknown to the server")));
    };
    let mut entities: Vec<ManagedObjectReference> =
        wanted.iter().map(|w| w.entity.clone()).collect();
    entities.dedup();
    let mut privileges: Vec<&str> = wanted.iter().flat_map(|w| w.privileges).copied().collect();
    privileges.sort_unstable();
    privileges.dedup();
    let args = [
        (
            "entity",
            array(
                "ManagedObjectReference",
                entities,
                Value::ManagedObjectReference,
            ),
        ),
        ("sessionId", Value::String(session.key)),
        (
            "privId",
            array("string", privileges, |id: &str| {
                Value::String(id.to_owned())
            }),
        ),
    ];
    let answer = match client
        .invoke("HasPrivilegeOnEntities", &manager, &args)
        .await
    {
        Ok(answer) => answer,
        Err(error) if error.is_fault(FaultKind::MethodNotFound) => {
            return Ok(Some(cannot_check(
                "the server lacks HasPrivilegeOnEntities",
            )));
        }
        Err(error) => return Err(error.into()),
    };
    let missing = missing(&answer, wanted);
    if missing.is_empty() {
        return Ok(None);
    }
    Err(Error::Preflight(format!(
        "the session lacks {}: ask the vCenter administrator to grant them to the backup user",
        missing.join(", ")
    )))
}

fn cannot_check(why: &str) -> String {
    format!("the backup user's privileges were not checked ({why})")
}

fn array<T>(item_type: &str, items: Vec<T>, value: impl Fn(T) -> Value) -> Value {
    Value::Array {
        item_type: item_type.to_owned(),
        items: items.into_iter().map(value).collect(),
    }
}

/// The privileges of `wanted` that `answer` (the `EntityPrivilege`s returned) does not grant,
/// each as `<privilege> on <object>`. A privilege the answer leaves out counts as missing.
fn missing(answer: &Value, wanted: &[Wanted]) -> Vec<String> {
    let results: Vec<&Object> = match answer {
        Value::Array { items, .. } => items.iter().filter_map(object).collect(),
        single => object(single).into_iter().collect(),
    };
    let granted = |entity: &ManagedObjectReference, privilege: &str| {
        results
            .iter()
            .filter(|result| {
                result
                    .get("entity")
                    .and_then(Value::as_managed_object_reference)
                    == Some(entity)
            })
            .flat_map(|result| result.get_all("privAvailability"))
            .filter_map(object)
            .any(|availability| {
                availability.get("privId").and_then(Value::as_str) == Some(privilege)
                    && availability.get("isGranted").is_some_and(is_true)
            })
    };
    wanted
        .iter()
        .flat_map(|w| {
            w.privileges
                .iter()
                .filter(|privilege| !granted(&w.entity, privilege))
                .map(move |privilege| format!("{privilege} on {}", w.what))
        })
        .collect()
}

fn object(value: &Value) -> Option<&Object> {
    match value {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

/// A boolean sent typed or as text.
fn is_true(value: &Value) -> bool {
    value
        .as_bool()
        .unwrap_or_else(|| value.as_str() == Some("true"))
}

#[cfg(test)]
mod tests {
    use vsphere_client::soap::decode_response_value;
    use vsphere_client::xml::DecodeLimits;

    use super::*;

    /// A `HasPrivilegeOnEntities` answer as vCenter sends it: the VM and the folder fully
    /// granted, the datastore without `Datastore.AllocateSpace`.
    const ANSWER: &str = include_str!("../../../tests/data/has-privilege-on-entities.xml");

    fn wanted(entity: (&str, &str), what: &str, privileges: &'static [&'static str]) -> Wanted {
        Wanted {
            entity: ManagedObjectReference::new(entity.0, entity.1),
            what: what.to_owned(),
            privileges,
        }
    }

    #[test]
    fn a_missing_privilege_is_named_with_its_object() {
        let answer = decode_response_value(ANSWER.as_bytes(), &DecodeLimits::default()).unwrap();
        let wanted = [
            wanted(
                ("VirtualMachine", "vm-36"),
                "VM avocado2",
                &[
                    "VirtualMachine.Provisioning.Clone",
                    "VirtualMachine.State.CreateSnapshot",
                ],
            ),
            wanted(
                ("Folder", "group-v40"),
                "folder vmrotate-backups",
                &["VirtualMachine.Inventory.CreateFromExisting"],
            ),
            wanted(
                ("Datastore", "datastore-61"),
                "datastore NFS_mango",
                &["Datastore.AllocateSpace"],
            ),
            wanted(
                ("ResourcePool", "resgroup-8"),
                "resource pool Resources",
                &["Resource.AssignVMToPool"],
            ),
        ];
        assert_eq!(
            missing(&answer, &wanted),
            [
                "Datastore.AllocateSpace on datastore NFS_mango",
                // Not in the answer at all: missing too.
                "Resource.AssignVMToPool on resource pool Resources"
            ]
        );
        assert!(missing(&answer, &wanted[..2]).is_empty());
    }
}
