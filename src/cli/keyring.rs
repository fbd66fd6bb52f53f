//! The password in the operating system's credential store (builds with the `keyring`
//! feature): Windows Credential Manager, the macOS Keychain, the Linux kernel keyring.
//!
//! The entry is service `vmrotate`, user = the vCenter user name. `vmrotate keyring set` stores
//! it once, as the account that runs the scheduled job; every later run of that account finds
//! it when no password file or `VMROTATE_PASSWORD` is given. This is what a Windows scheduled
//! task needs instead of VMware's PowerCLI credential store.
//!
//! `--mail` does the same for the mail password of `[notify.email]`: service `vmrotate-mail`,
//! user = the mail user name; runs use it when neither `password_file` nor
//! `VMROTATE_MAIL_PASSWORD` gives one.

use std::io::{self, BufRead, IsTerminal};
use std::process::ExitCode;

use vmrotate::notify::{EmailConfig, MAIL_PASSWORD_VARIABLE};
use vmrotate::vsphere_client::Password;

use super::CliError;

/// The keyring service the vCenter password is stored under.
const SERVICE: &str = "vmrotate";
/// The keyring service the mail password is stored under.
const MAIL_SERVICE: &str = "vmrotate-mail";

/// Store or remove the vCenter password in the OS credential store (for scheduled tasks).
#[derive(Debug, clap::Args)]
pub struct KeyringArgs {
    #[command(subcommand)]
    action: Action,
    /// The vCenter user the password belongs to, e.g. backup@vsphere.local (with --mail: the
    /// mail user of [notify.email]).
    #[arg(long, env = "VMROTATE_USERNAME", hide_env_values = true, global = true)]
    username: Option<String>,
    /// The mail password of [notify.email] instead of the vCenter password.
    #[arg(long, global = true)]
    mail: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Store the password: typed at a prompt (not echoed), or the first line of stdin.
    Set,
    /// Remove the stored password.
    Delete,
}

/// Runs `vmrotate keyring set|delete`.
pub(super) fn run(args: KeyringArgs) -> Result<ExitCode, CliError> {
    let username = args.username.ok_or(CliError::Connection(
        "no user name: pass --username or set VMROTATE_USERNAME",
    ))?;
    let service = if args.mail { MAIL_SERVICE } else { SERVICE };
    let entry = entry(service, &username)?;
    match args.action {
        Action::Set => {
            let password = read_password()?;
            entry
                .set_password(password.expose_secret())
                .map_err(|error| keyring_error("cannot store the password in", &error))?;
            println!("stored the password of {username} in the OS keyring (service {service})");
        }
        Action::Delete => {
            entry
                .delete_credential()
                .map_err(|error| keyring_error("cannot remove the password from", &error))?;
            println!("removed the password of {username} from the OS keyring");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The stored password of `username`, if there is one.
///
/// # Errors
/// [`CliError::Keyring`] when the store cannot be read.
pub(super) fn password(username: &str) -> Result<Option<Password>, CliError> {
    stored(SERVICE, username)
}

/// Gives `email` the mail password stored for its user, when it has a user and neither its
/// `password_file` nor `VMROTATE_MAIL_PASSWORD` gives a password.
///
/// # Errors
/// [`CliError::Keyring`] when the store cannot be read.
pub(super) fn fill_mail_password(email: &mut EmailConfig) -> Result<(), CliError> {
    let has_other_source = email.password.is_some()
        || email.password_file.is_some()
        || std::env::var_os(MAIL_PASSWORD_VARIABLE).is_some();
    if let (Some(username), false) = (&email.username, has_other_source) {
        email.password = stored(MAIL_SERVICE, username)?;
    }
    Ok(())
}

/// The password stored for `username` under `service`, if there is one.
fn stored(service: &str, username: &str) -> Result<Option<Password>, CliError> {
    match entry(service, username)?.get_password() {
        Ok(password) => Ok(Some(Password::from(password))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(keyring_error("cannot read the password from", &error)),
    }
}

fn entry(service: &str, username: &str) -> Result<keyring::Entry, CliError> {
    keyring::Entry::new(service, username).map_err(|error| keyring_error("cannot open", &error))
}

/// Reads the password to store: at a prompt without echo on a terminal, else stdin's first line.
fn read_password() -> Result<Password, CliError> {
    let password = if io::stdin().is_terminal() {
        rpassword::prompt_password("password: ")
    } else {
        let mut line = String::new();
        io::stdin().lock().read_line(&mut line).map(|_| line)
    }
    .map_err(|error| CliError::Keyring(format!("cannot read the password: {error}")))?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(CliError::Keyring(
            "the password is empty: type it at the prompt or pipe it in".into(),
        ));
    }
    Ok(Password::from(password))
}

/// An error of the store, described without the entries it may list; `action` ends with the
/// preposition before "the OS keyring".
fn keyring_error(action: &str, error: &keyring::Error) -> CliError {
    let reason = match error {
        keyring::Error::Ambiguous(entries) => {
            format!(
                "{} entries match service {SERVICE} and this user",
                entries.len()
            )
        }
        other => other.to_string(),
    };
    CliError::Keyring(format!(
        "{action} the OS keyring ({reason}): use --password-file or VMROTATE_PASSWORD_FILE \
         instead"
    ))
}
