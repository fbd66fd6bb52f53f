//! Lists the names of all VMs of a vCenter or ESXi host through one container view, and prints
//! how many there are and how long listing took (the benchmark against pyvmomi runs this).
//!
//! ```text
//! cargo run --release -p vsphere-client --example list_vm_names -- [--insecure] [--print-names] [URL [USER [PASSWORD]]]
//! ```
//!
//! URL, USER and PASSWORD default to `$VMROTATE_URL`, `$VMROTATE_USERNAME` and
//! `$VMROTATE_PASSWORD` (prefer the variable for the password: arguments are visible to other
//! users). `--insecure` (or `VMROTATE_INSECURE=1`) accepts any TLS certificate: for labs only.
//!
//! Output, on stdout:
//!
//! ```text
//! vms: 1000
//! list_seconds: 0.051234
//! login_seconds: 0.012345
//! ```

use std::env;
use std::error::Error;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use vsphere_client::object::VirtualMachine;
use vsphere_client::property::ViewQuery;
use vsphere_client::transport::TlsPolicy;
use vsphere_client::{Client, ClientConfig, Password};

const USAGE: &str = "usage: list_vm_names [--insecure] [--print-names] [URL [USER [PASSWORD]]]
URL, USER and PASSWORD default to $VMROTATE_URL, $VMROTATE_USERNAME and $VMROTATE_PASSWORD;
--insecure (or VMROTATE_INSECURE=1) accepts any TLS certificate.";

/// What to connect to and what to print.
struct Options {
    url: String,
    user: String,
    password: Password,
    insecure: bool,
    print_names: bool,
}

impl Options {
    fn parse() -> Result<Self, String> {
        let mut insecure = env::var("VMROTATE_INSECURE")
            .is_ok_and(|value| matches!(value.as_str(), "1" | "true" | "yes"));
        let mut print_names = false;
        let mut positional = Vec::new();
        for argument in env::args().skip(1) {
            match argument.as_str() {
                "--insecure" => insecure = true,
                "--print-names" => print_names = true,
                "-h" | "--help" => return Err(USAGE.to_owned()),
                flag if flag.starts_with("--") => {
                    return Err(format!("unknown option {flag}\n{USAGE}"));
                }
                _ => positional.push(argument),
            }
        }
        if positional.len() > 3 {
            return Err(format!("too many arguments\n{USAGE}"));
        }
        let mut positional = positional.into_iter();
        let mut value = |variable: &str| {
            positional
                .next()
                .or_else(|| env::var(variable).ok())
                .ok_or_else(|| format!("missing {variable} (or its argument)\n{USAGE}"))
        };
        Ok(Self {
            url: value("VMROTATE_URL")?,
            user: value("VMROTATE_USERNAME")?,
            password: Password::from(value("VMROTATE_PASSWORD")?),
            insecure,
            print_names,
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<(), Box<dyn Error>> {
    let mut config = ClientConfig::new(options.url.parse()?);
    if options.insecure {
        config.transport.tls = TlsPolicy::Insecure;
    }

    let started = Instant::now();
    let client = Client::connect(config).await?;
    client.login(&options.user, &options.password).await?;
    let login_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let root = client.service_content().root_folder.clone();
    let vms = ViewQuery::new(root, VirtualMachine::TYPE, &["name"])
        .retrieve(&client)
        .await?;
    let list_seconds = started.elapsed().as_secs_f64();

    client.close().await?;

    // Written, not printed: a closed pipe (`| head`) is an error to report, not a panic.
    let mut out = BufWriter::new(io::stdout().lock());
    if options.print_names {
        for vm in &vms {
            writeln!(out, "{}", vm.name()?)?;
        }
    }
    writeln!(out, "vms: {}", vms.len())?;
    writeln!(out, "list_seconds: {list_seconds:.6}")?;
    writeln!(out, "login_seconds: {login_seconds:.6}")?;
    out.flush()?;
    Ok(())
}
