//! [`DatastoreFiles`]: reading and writing files on a datastore through the server's datastore
//! file interface (`/folder/<path>?dsName=...&dcPath=...`), with the client's session.

use crate::Client;
use crate::error::Error;

/// The files of the datastores of one datacenter, read and written over HTTP(S) with the
/// client's session cookie (vCenter and ESXi both serve this interface; on ESXi the
/// datacenter is `ha-datacenter`).
///
/// Paths are relative to the datastore's root, with `/` between folders, e.g.
/// `web01/web01.vmx`. Writing creates the folders as needed.
///
/// ```no_run
/// use vsphere_client::files::DatastoreFiles;
///
/// # async fn demo(client: &vsphere_client::Client) -> Result<(), vsphere_client::Error> {
/// let files = DatastoreFiles::new(client.clone(), "ha-datacenter");
/// files.put("NFS_durian", "web01/notes.txt", b"hello".to_vec()).await?;
/// assert_eq!(files.get("NFS_durian", "web01/notes.txt").await?, Some(b"hello".to_vec()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DatastoreFiles {
    client: Client,
    datacenter: String,
}

impl DatastoreFiles {
    /// The files of the datastores of `datacenter` (its inventory path, e.g. `DC0` or
    /// `ha-datacenter`), through `client`'s server and session.
    pub fn new(client: Client, datacenter: impl Into<String>) -> Self {
        Self {
            client,
            datacenter: datacenter.into(),
        }
    }

    /// The content of the file `path` on `datastore`, or `None` when there is no such file
    /// (the server answers 404, also for an unknown datastore).
    ///
    /// # Errors
    /// [`Error::Http`] for another error status, and the transport's errors.
    pub async fn get(&self, datastore: &str, path: &str) -> Result<Option<Vec<u8>>, Error> {
        let transport = self.client.transport();
        let url = transport
            .url()
            .folder_url(path, datastore, &self.datacenter);
        transport
            .get_file(url)
            .await
            .map_err(|error| Error::from_transport("datastore file GET", error))
    }

    /// Writes `content` as the file `path` on `datastore`, replacing it if it exists.
    ///
    /// # Errors
    /// [`Error::Http`] for an error status (e.g. 404 for an unknown datastore), and the
    /// transport's errors.
    pub async fn put(&self, datastore: &str, path: &str, content: Vec<u8>) -> Result<(), Error> {
        let transport = self.client.transport();
        let url = transport
            .url()
            .folder_url(path, datastore, &self.datacenter);
        transport
            .put_file(url, content)
            .await
            .map_err(|error| Error::from_transport("datastore file PUT", error))
    }
}

#[cfg(test)]
mod tests {
    use crate::transport::SdkUrl;

    #[test]
    fn folder_urls_escape_the_path_and_the_query() {
        let sdk: SdkUrl = "https://esx1.example:8443/sdk".parse().unwrap();
        assert_eq!(
            sdk.folder_url("zz_web 01/m&n.json", "NFS durian", "ha-datacenter")
                .as_str(),
            "https://esx1.example:8443/folder/zz_web%2001/m&n.json?dsName=NFS+durian&dcPath=ha-datacenter"
        );
    }
}
