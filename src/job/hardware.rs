//! The virtual hardware a verification looks at: the disks of a VM (or of a snapshot's
//! configuration) and its network cards, read from `config.hardware.device`.
//!
//! vsphere-client does not generate the device types, so the devices are read untyped
//! ([`Value`]): a `VirtualDisk`'s `capacityInBytes` (or `capacityInKB`) and its backing's
//! `fileName`, `datastore` and `parent` chain; a card is any device with a `macAddress`.

use serde::{Deserialize, Serialize};
use vsphere_client::Client;
use vsphere_client::property::retrieve_one;
use vsphere_client::types::{ManagedObjectReference, Object, Value};

use crate::error::Error;

/// The property holding the devices, on a VM and on a snapshot.
pub(crate) const DEVICES: &str = "config.hardware.device";

/// One virtual disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disk {
    /// Its label (`Hard disk 1`), or its device key when it has none.
    pub label: String,
    /// Its capacity in bytes.
    pub capacity_bytes: u64,
    /// Its backing file (`[datastore] folder/name.vmdk`).
    #[serde(default)]
    pub file: String,
    /// The datastore of its backing file, when the server says.
    #[serde(skip)]
    pub datastore: Option<ManagedObjectReference>,
    /// The backing file of its parent disk (a linked clone's or a snapshot's delta chain),
    /// when it has one.
    #[serde(skip)]
    pub parent: Option<String>,
}

impl Disk {
    /// The datastore name in brackets at the start of the backing file, if any.
    pub(crate) fn datastore_name(file: &str) -> Option<&str> {
        file.strip_prefix('[')?
            .split_once(']')
            .map(|(name, _)| name)
    }
}

/// The disks among `devices` (the value of [`DEVICES`]).
pub(crate) fn disks(devices: Option<&Value>) -> Vec<Disk> {
    objects(devices)
        .filter(|device| device.xsi_type == "VirtualDisk")
        .map(|device| {
            let backing = device.get("backing").and_then(object);
            let file = |backing: &Object| {
                backing
                    .get("fileName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let capacity = device.get("capacityInBytes").and_then(int).or_else(|| {
                let kb = device.get("capacityInKB").and_then(int)?;
                kb.checked_mul(1024)
            });
            Disk {
                label: label(device),
                capacity_bytes: capacity.and_then(|c| u64::try_from(c).ok()).unwrap_or(0),
                file: backing.map(file).unwrap_or_default(),
                datastore: backing
                    .and_then(|b| b.get("datastore"))
                    .and_then(Value::as_managed_object_reference)
                    .cloned(),
                parent: backing
                    .and_then(|b| b.get("parent"))
                    .and_then(object)
                    .map(file),
            }
        })
        .collect()
}

/// The network cards among `devices`: every device with a MAC address.
pub(crate) fn nics(devices: Option<&Value>) -> Vec<Object> {
    objects(devices)
        .filter(|device| device.get("macAddress").is_some())
        .cloned()
        .collect()
}

/// Whether the card `nic` is connected now, and whether it connects at power-on.
pub(crate) fn nic_connection(nic: &Object) -> (bool, bool) {
    let connectable = nic.get("connectable").and_then(object);
    let flag = |name: &str| {
        connectable
            .and_then(|c| c.get(name))
            .is_some_and(|flag| flag.as_bool() == Some(true) || flag.as_str() == Some("true"))
    };
    (flag("connected"), flag("startConnected"))
}

/// The device's label (`deviceInfo.label`), or its key.
pub(crate) fn label(device: &Object) -> String {
    device
        .get("deviceInfo")
        .and_then(object)
        .and_then(|info| info.get("label"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            device
                .get("key")
                .and_then(int)
                .map(|k| format!("device {k}"))
        })
        .unwrap_or_default()
}

/// The disks of the VM or snapshot `object` (its configuration), read in one round trip.
///
/// # Errors
/// The call's [`Error::Vsphere`].
pub(crate) async fn disks_of(
    client: &Client,
    object: &ManagedObjectReference,
) -> Result<Vec<Disk>, Error> {
    let props = retrieve_one(client, object, &[DEVICES]).await?;
    Ok(disks(props.value(DEVICES)?))
}

fn objects(devices: Option<&Value>) -> impl Iterator<Item = &Object> {
    devices
        .and_then(Value::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(object)
}

/// An integer, typed or as text (fields of untyped objects often come without `xsi:type`).
fn int(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
}

fn object(value: &Value) -> Option<&Object> {
    match value {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, value: Value) -> (String, Value) {
        (name.to_owned(), value)
    }

    fn obj(xsi_type: &str, fields: Vec<(String, Value)>) -> Value {
        Value::Object(Object {
            xsi_type: xsi_type.to_owned(),
            fields,
        })
    }

    #[test]
    fn disks_read_capacity_file_and_parent() {
        let parent = obj(
            "VirtualDiskFlatVer2BackingInfo",
            vec![field(
                "fileName",
                Value::String("[LocalDS_0] a/a.vmdk".into()),
            )],
        );
        let disk = obj(
            "VirtualDisk",
            vec![
                field("key", Value::Int(2000)),
                field(
                    "backing",
                    obj(
                        "VirtualDiskFlatVer2BackingInfo",
                        vec![
                            field("fileName", Value::String("[NFS_durian] b/b.vmdk".into())),
                            field("parent", parent),
                        ],
                    ),
                ),
                field("capacityInKB", Value::String("1024".into())),
            ],
        );
        let nic = obj(
            "VirtualE1000",
            vec![field("macAddress", Value::String("00:50:56:aa".into()))],
        );
        let devices = Value::Array {
            item_type: "VirtualDevice".into(),
            items: vec![disk, nic],
        };
        let found = disks(Some(&devices));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].label, "device 2000");
        assert_eq!(found[0].capacity_bytes, 1024 * 1024);
        assert_eq!(found[0].parent.as_deref(), Some("[LocalDS_0] a/a.vmdk"));
        assert_eq!(Disk::datastore_name(&found[0].file), Some("NFS_durian"));
        assert_eq!(nics(Some(&devices)).len(), 1);
        assert_eq!(nic_connection(&nics(Some(&devices))[0]), (false, false));
    }
}
