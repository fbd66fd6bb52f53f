//! `vmr_client_new`'s request: where and how to log in, as [`ConnectOptions`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use vmrotate::vsphere_client::{Client, Password};
use vmrotate::{ConnectOptions, Error};

use crate::error::AbiError;

/// The request of `vmr_client_new`: the fields of [`ConnectOptions`]. Its `Debug` output
/// never shows the password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConnectRequest {
    url: String,
    username: Option<String>,
    password: Option<String>,
    password_file: Option<PathBuf>,
    thumbprint: Option<String>,
    ca_file: Option<PathBuf>,
    #[serde(default)]
    insecure: bool,
}

impl ConnectRequest {
    /// The library's options for this request.
    ///
    /// # Errors
    /// `config` for a malformed thumbprint.
    pub(crate) fn into_options(self) -> Result<ConnectOptions, AbiError> {
        let mut options = ConnectOptions::new(self.url);
        options.username = self.username;
        options.password = self.password.map(Password::from);
        options.password_file = self.password_file;
        options.ca_file = self.ca_file;
        options.insecure = self.insecure;
        options.thumbprint = self
            .thumbprint
            .map(|text| text.parse())
            .transpose()
            .map_err(|error| Error::Config(format!("invalid thumbprint: {error}")))?;
        Ok(options)
    }
}

/// The reply of `vmr_client_new`: who the client is logged in to.
#[derive(Debug, Serialize)]
pub(crate) struct ServerInfo {
    /// The server as the request named it.
    url: String,
    /// The user logged in as.
    username: Option<String>,
    /// The server's product, e.g. `VMware vCenter Server 8.0.2 build-22385739`.
    server: String,
    /// The server's product version, e.g. `8.0.2`.
    version: String,
    /// The vim25 API version the client speaks with the server.
    api_version: String,
}

impl ServerInfo {
    /// What `client`, connected with `options`, is logged in to.
    pub(crate) fn of(options: &ConnectOptions, client: &Client) -> Self {
        let about = &client.service_content().about;
        Self {
            url: options.url.clone(),
            username: options.username.clone(),
            server: about.full_name.clone(),
            version: about.version.clone(),
            api_version: client.api_version().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_map_to_the_options_and_bad_thumbprints_are_config_errors() {
        let request: ConnectRequest = serde_json::from_str(
            r#"{"url": "vc.example", "username": "backup", "password": "S3cret!", "insecure": true}"#,
        )
        .unwrap();
        let options = request.into_options().unwrap();
        assert_eq!(options.url, "vc.example");
        assert!(options.insecure);
        assert_eq!(
            options.password.as_ref().map(Password::expose_secret),
            Some("S3cret!")
        );
        let bad: ConnectRequest =
            serde_json::from_str(r#"{"url": "vc", "thumbprint": "AB:CD"}"#).unwrap();
        let error = bad.into_options().unwrap_err();
        assert!(error.to_string().contains("invalid thumbprint"), "{error}");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let typo = serde_json::from_str::<ConnectRequest>(r#"{"url": "vc", "user": "backup"}"#);
        assert!(typo.is_err());
    }
}
