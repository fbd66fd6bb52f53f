//! `vmrotate recover` with vCenter gone: backups taken through a vCenter-mode simulator onto an
//! NFS datastore backed by a local directory; that simulator stopped; an ESXi-mode simulator
//! mounting the same directory as the same datastore; `recover` run against it as a real
//! process.

mod cli_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use cli_support::{DATASTORES, Lab, VM, assert_one_error, describe, json};
use vcsim::Simulator;
use vmrotate::vsphere_client::property::ViewQuery;
use vmrotate::vsphere_client::types::VirtualMachinePowerState;
use vmrotate::vsphere_client::{Client, ClientConfig, Password};

/// Runs `vmrotate <args>` against the ESXi simulator `esx`.
fn on_esx(lab_dir: &Path, esx: &Simulator, args: &[&str]) -> Output {
    let password = lab_dir.join("esx-password");
    std::fs::write(&password, esx.password()).expect("the password file is written");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_vmrotate"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("VMROTATE_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("VMROTATE_URL", esx.url())
        .env("VMROTATE_USERNAME", esx.username())
        .env("VMROTATE_PASSWORD_FILE", &password)
        .output()
        .expect("vmrotate runs")
}

/// The ESXi host's VMs: name -> (power state, .vmx path), read with vsphere-client.
fn esx_vms(esx: &Simulator) -> BTreeMap<String, (String, String)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut config = ClientConfig::new(esx.url().parse().expect("a URL"));
        config.keepalive = None;
        config.transport.proxy = vmrotate::vsphere_client::transport::ProxyPolicy::Direct;
        let client = Client::connect(config).await.expect("connects");
        client
            .login(esx.username(), &Password::from(esx.password()))
            .await
            .expect("logs in");
        let root = client.service_content().root_folder.clone();
        let vms = ViewQuery::new(
            root,
            "VirtualMachine",
            &["name", "runtime.powerState", "config.files.vmPathName"],
        )
        .retrieve(&client)
        .await
        .expect("the VMs are read");
        let _ = client.close().await;
        vms.iter()
            .map(|vm| {
                let power: VirtualMachinePowerState =
                    vm.require("runtime.powerState").expect("a power state");
                let vmx: String = vm
                    .get("config.files.vmPathName")
                    .expect("a path")
                    .unwrap_or_default();
                (
                    vm.name().expect("a name").to_owned(),
                    (format!("{power:?}"), vmx),
                )
            })
            .collect()
    })
}

const BOTH: [&str; 4] = ["--datastore", "NFS_durian", "--datastore", "NFS_mango"];

#[test]
fn recover_brings_the_newest_verified_generation_back_on_the_esxi_host() {
    let nfs = tempfile::tempdir().expect("a temporary directory");
    let lab = Lab::with(Simulator::builder().nfs_root(nfs.path()));
    lab.backup(&[]);
    lab.backup(&[]);
    let verified = lab.generations(VM);
    assert_eq!(verified.len(), 2, "{verified:?}");
    let newest_verified = verified
        .iter()
        .map(|(name, _, _)| name.clone())
        .max_by_key(|name| name[name.len() - 12..].to_owned())
        .expect("a generation");
    // A killed run: its clone exists, unverified, without a manifest.
    let killed = lab
        .command(&lab.backup_args(&[]))
        .env("VMROTATE_TEST_CRASH_AT", "after-clone")
        .output()
        .expect("vmrotate runs");
    assert!(!killed.status.success(), "{}", describe(&killed));
    drop(lab); // vCenter is down
    // On a real host the killed run's clone's .vmx holds its marker lines (the simulator
    // leaves .vmx files empty): write them. And a folder whose .vmx has neither manifest nor
    // marker, named like a newer generation: a name alone is never trusted.
    let killed_dir = DATASTORES
        .iter()
        .flat_map(|ds| std::fs::read_dir(nfs.path().join(ds)).expect("the datastore directory"))
        .map(|entry| entry.expect("an entry").path())
        .find(|dir| !dir.join("vmrotate-manifest.json").exists())
        .expect("the killed run's clone");
    let killed_name = killed_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    std::fs::write(
        killed_dir.join(format!("{killed_name}.vmx")),
        "virtualHW.version = \"13\"\nvmrotate.source.name = \"avocado2\"\n\
         vmrotate.source.instanceUuid = \"5003-killed\"\nvmrotate.createdUtc = \"2019-09-24T02:41:00Z\"\n\
         vmrotate.slot = \"3\"\nvmrotate.prefix = \"zz_\"\nvmrotate.run = \"killed\"\n\
         vmrotate.version = \"0.1.0\"\n",
    )
    .expect("the .vmx is written");
    let stray = nfs.path().join("NFS_mango/zz_avocado2-09-201909300241");
    std::fs::create_dir(&stray).expect("a folder");
    std::fs::write(stray.join("zz_avocado2-09-201909300241.vmx"), "").expect("a .vmx");
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let lab_dir = scratch.path().to_owned();

    let esx = Simulator::builder()
        .esx()
        .vms(0)
        .nfs(DATASTORES)
        .nfs_root(nfs.path())
        .start()
        .expect("the ESXi simulator starts");
    let listed = json(&on_esx(
        &lab_dir,
        &esx,
        &[
            "recover", "--list", VM, BOTH[0], BOTH[1], BOTH[2], BOTH[3], "--json",
        ],
    ));
    let states: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|found| found["state"].as_str().expect("a state"))
        .collect();
    assert_eq!(
        states,
        ["unverified", "verified", "verified", "unknown"],
        "{listed:#}"
    );
    assert_eq!(listed[0]["clone"], killed_name.as_str(), "{listed:#}");
    assert_eq!(listed[0]["evidence"], "vmx", "{listed:#}");
    assert_eq!(listed[1]["evidence"], "manifest", "{listed:#}");

    let before = esx_vms(&esx);
    let mut args = vec!["recover", VM, "--dry-run", "--json"];
    args.extend(BOTH);
    let dry = json(&on_esx(&lab_dir, &esx, &args));
    assert_eq!(dry["from"]["clone"], newest_verified.as_str(), "{dry:#}");
    assert_eq!(dry["dry_run"], true, "{dry:#}");
    assert_eq!(esx_vms(&esx), before, "a dry run changes nothing");

    let mut args = vec!["recover", VM, "--power-on", "--json"];
    args.extend(BOTH);
    let output = on_esx(&lab_dir, &esx, &args);
    assert!(output.status.success(), "{}", describe(&output));
    let report = json(&output);
    assert_eq!(report["vm"], VM, "{report:#}");
    assert_eq!(
        report["from"]["clone"],
        newest_verified.as_str(),
        "{report:#}"
    );
    assert_eq!(report["powered_on"], true, "{report:#}");
    let vms = esx_vms(&esx);
    let (power, vmx) = &vms[VM];
    assert_eq!(power, "PoweredOn", "{vms:?}");
    assert!(vmx.contains(&newest_verified), "{vms:?}");

    // Refusals: exit 1, one line, nothing changed.
    let taken = on_esx(
        &lab_dir,
        &esx,
        &["recover", VM, BOTH[0], BOTH[1], BOTH[2], BOTH[3]],
    );
    assert_one_error(&taken, 1, &format!("a VM named {VM} is already registered"));
    let again = on_esx(
        &lab_dir,
        &esx,
        &[
            "recover",
            VM,
            "--as",
            "avocado2-b",
            BOTH[0],
            BOTH[1],
            BOTH[2],
            BOTH[3],
        ],
    );
    assert_one_error(&again, 1, "is already registered on host");
    // Bad input: exit 2, one line, nothing changed.
    let empty = on_esx(
        &lab_dir,
        &esx,
        &["recover", VM, "--as", "x", "--datastore", "LocalDS_0"],
    );
    assert_one_error(
        &empty,
        2,
        &format!("no verified generation of {VM} on LocalDS_0"),
    );
    let wrong = on_esx(
        &lab_dir,
        &esx,
        &["recover", VM, "--as", "x", "--datastore", "NFS_nope"],
    );
    assert_one_error(&wrong, 2, "has no datastore named \"NFS_nope\"");
    assert_eq!(esx_vms(&esx), vms);
}
