//! The connection settings of the commands: TLS pinning, where the password comes from, and
//! what is missing.

mod cli_support;

use cli_support::{Lab, VM, assert_bad_input, assert_one_error, describe, stderr};
use vcsim::{Simulator, TestCert};

#[test]
fn a_pinned_certificate_connects_and_another_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cert = TestCert::generate(dir.path()).expect("a certificate");
    let lab = Lab::with(Simulator::builder().tls(&cert));
    let pinned = lab.run(&["list", VM, "--thumbprint", cert.sha256_fingerprint()]);
    assert!(pinned.status.success(), "{}", describe(&pinned));

    let other = "AB:".repeat(31) + "AB";
    let refused = lab.run(&["list", VM, "--thumbprint", &other]);
    // The server's own thumbprint is in the message, to check and pin.
    assert_one_error(&refused, 1, cert.sha256_fingerprint());

    let unverified = lab.run(&["list", VM]);
    assert_eq!(
        unverified.status.code(),
        Some(1),
        "{}",
        describe(&unverified)
    );
}

#[test]
fn the_password_comes_from_the_environment_when_there_is_no_file() {
    let lab = Lab::start();
    let output = lab
        .command(&["list", VM])
        .env_remove("VMROTATE_PASSWORD_FILE")
        .env("VMROTATE_PASSWORD", lab.simulator.password())
        .output()
        .expect("vmrotate runs");
    assert!(output.status.success(), "{}", describe(&output));

    let output = lab
        .command(&["list", VM])
        .env("VMROTATE_PASSWORD", "not-the-password")
        .output()
        .expect("vmrotate runs");
    assert!(
        output.status.success(),
        "the password file wins: {}",
        describe(&output)
    );
}

#[test]
fn missing_or_invalid_settings_exit_2() {
    let lab = Lab::start();
    let no_password = lab
        .command(&["list", VM])
        .env_remove("VMROTATE_PASSWORD_FILE")
        .output()
        .expect("vmrotate runs");
    assert_bad_input(&no_password, "VMROTATE_PASSWORD_FILE");

    let no_url = lab
        .bare_command(&["list", VM])
        .output()
        .expect("vmrotate runs");
    assert_bad_input(&no_url, "--url");

    let unreadable = lab.run(&["list", VM, "--password-file", "/nonexistent/password"]);
    assert_bad_input(&unreadable, "/nonexistent/password");

    let maybe = lab
        .command(&["list", VM])
        .env("VMROTATE_INSECURE", "maybe")
        .output()
        .expect("vmrotate runs");
    assert_bad_input(&maybe, "maybe");
}

#[test]
fn plain_http_and_skipped_certificate_checks_are_warned_about() {
    let lab = Lab::start();
    let plain = lab.succeed(&["list", VM]);
    let warnings: Vec<String> = stderr(&plain).lines().map(str::to_owned).collect();
    assert_eq!(warnings.len(), 1, "{}", describe(&plain));
    assert!(
        warnings[0].starts_with("warning: http://") && warnings[0].contains("unencrypted"),
        "{}",
        describe(&plain)
    );

    for insecure in [
        lab.succeed(&["list", VM, "--insecure"]),
        lab.command(&["list", VM])
            .env("VMROTATE_INSECURE", "1")
            .output()
            .expect("vmrotate runs"),
    ] {
        assert!(insecure.status.success(), "{}", describe(&insecure));
        assert!(
            stderr(&insecure)
                .lines()
                .any(|line| line.starts_with("warning: certificate verification is off")),
            "{}",
            describe(&insecure)
        );
    }

    let dir = tempfile::tempdir().expect("a temporary directory");
    let cert = TestCert::generate(dir.path()).expect("a certificate");
    let tls = Lab::with(Simulator::builder().tls(&cert));
    let verified = tls.succeed(&["list", VM, "--thumbprint", cert.sha256_fingerprint()]);
    assert_eq!(stderr(&verified), "", "{}", describe(&verified));
}
