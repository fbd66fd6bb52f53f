//! The VM folder new clones (and restored VMs) go to: found in the inventory, created if
//! missing.
//!
//! A folder is given as a path below its datacenter's VM folder, segments separated by `/`
//! (`vmrotate-backups`, `backups/daily`); an empty path is the VM folder itself.

use vsphere_client::Client;
use vsphere_client::object::Folder;
use vsphere_client::types::{FaultKind, ManagedObjectReference};

use super::inventory::Inventory;
use crate::error::Error;

/// A folder path resolved against the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FolderTarget {
    /// The folder exists.
    Existing(ManagedObjectReference),
    /// The folder `names` (each inside the one before) must be created in `parent`.
    Missing {
        parent: ManagedObjectReference,
        names: Vec<String>,
    },
}

impl FolderTarget {
    /// Resolves `path` below the VM folder `vm_folder`.
    pub(crate) fn resolve(
        inventory: &Inventory,
        vm_folder: &ManagedObjectReference,
        path: &str,
    ) -> FolderTarget {
        let mut names = path
            .split('/')
            .map(str::trim)
            .filter(|name| !name.is_empty());
        let mut current = vm_folder.clone();
        while let Some(name) = names.next() {
            match inventory.child_folder(&current, name) {
                Some(child) => current = child.clone(),
                None => {
                    return FolderTarget::Missing {
                        parent: current,
                        names: std::iter::once(name)
                            .chain(names)
                            .map(str::to_owned)
                            .collect(),
                    };
                }
            }
        }
        FolderTarget::Existing(current)
    }

    /// The folder, created (with its missing parents) if needed. A folder another run created
    /// meanwhile is used as it is.
    ///
    /// # Errors
    /// [`Error::Preflight`] when something else than a folder has the name, and the calls'
    /// [`Error::Vsphere`].
    pub(crate) async fn ensure(&self, client: &Client) -> Result<Folder, Error> {
        let (mut folder, names) = match self {
            FolderTarget::Existing(moref) => return Ok(Folder::new(client.clone(), moref.clone())),
            FolderTarget::Missing { parent, names } => {
                (Folder::new(client.clone(), parent.clone()), names)
            }
        };
        for name in names {
            folder = match folder.create_folder(name).await {
                Ok(created) => created,
                Err(error) if error.is_fault(FaultKind::DuplicateName) => {
                    existing_child(&folder, name).await?
                }
                Err(error) => return Err(error.into()),
            };
        }
        Ok(folder)
    }
}

/// The folder `name` in `parent` that someone else created first.
async fn existing_child(parent: &Folder, name: &str) -> Result<Folder, Error> {
    match parent.find_child(name).await? {
        Some(child) if child.r#type == Folder::TYPE => {
            Ok(Folder::new(parent.client().clone(), child))
        }
        _ => Err(Error::Preflight(format!(
            "cannot create the folder \"{name}\": something else than a folder has that name \
             there; choose another folder for the backups"
        ))),
    }
}
