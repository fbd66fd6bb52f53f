//! Notifications of `vmrotate backup --notify-config`, against real peers: an SMTP server
//! (aiosmtpd) that requires STARTTLS or TLS and AUTH, with a throwaway CA, and a local HTTP
//! receiver for the webhook formats. The backups run on the simulator.

mod cli_support;
mod notify_support;

use std::process::Output;
use std::time::{Duration, Instant};

use cli_support::{Lab, VM, describe, json, stderr};
use notify_support::{HttpReceiver, MAIL_PASSWORD, MAIL_USER, Pki, SmtpMode, SmtpServer};
use serde_json::{Value, json};

/// Writes `text` as the file of `--notify-config` in the lab's directory; returns its path.
fn settings(lab: &Lab, text: &str) -> String {
    notify_support::write_settings(lab.dir(), text)
}

/// The `[notify.email]` settings for `server` with the lab's mail password file and CA.
fn email_settings(lab: &Lab, server: &str, extra: &str) -> String {
    settings(
        lab,
        &format!(
            r#"[notify]
when = "always"
{extra}

[notify.email]
server = "{server}"
from = "vmrotate@example.lan"
to = ["ops@example.lan", "oncall@example.lan"]
username = "{MAIL_USER}"
password_file = "mail-password"
ca_file = "ca.pem"
"#
        ),
    )
}

/// `vmrotate backup avocado2 --json --notify-config <settings> <extra>`, which must exit 0.
fn backup(lab: &Lab, settings: &str, extra: &[&str]) -> Output {
    let mut args = vec!["--json", "--notify-config", settings];
    args.extend(extra);
    lab.succeed(&lab.backup_args(&args))
}

/// The `warning:` lines of stderr, but for the one about the simulator's plain http:// URL.
fn warnings(output: &Output) -> Vec<String> {
    stderr(output)
        .lines()
        .filter(|line| line.starts_with("warning: ") && !line.contains("is plain http://"))
        .map(str::to_owned)
        .collect()
}

/// Checks the one failed delivery of `channel`: a single warning line (returned), the report's
/// entry, and neither the mail password nor `secret` anywhere in the output.
fn assert_failed_delivery(output: &Output, channel: &str, secret: &str) -> String {
    let lines = warnings(output);
    assert_eq!(lines.len(), 1, "{}", describe(output));
    let warning = lines[0].clone();
    assert!(
        warning.starts_with(&format!("warning: {channel} notification failed: ")),
        "{warning}"
    );
    let report = json(output);
    assert_eq!(report["ok"], true);
    assert_eq!(report["notifications"][0]["channel"], channel);
    assert_eq!(report["notifications"][0]["ok"], false);
    let everything = format!("{}{}", cli_support::stdout(output), stderr(output));
    for hidden in [MAIL_PASSWORD, secret] {
        assert!(
            !everything.contains(hidden),
            "{hidden}: {}",
            describe(output)
        );
    }
    warning
}

/// A lab with the throwaway CA (`ca.pem`) and the mail password file (`mail-password`).
fn mail_lab(password: &str) -> (Lab, Pki) {
    let lab = Lab::start();
    let pki = Pki::make(lab.dir());
    std::fs::write(lab.dir().join("mail-password"), format!("{password}\n")).expect("written");
    (lab, pki)
}

#[test]
fn email_over_starttls_with_auth_tells_what_happened() {
    let (lab, pki) = mail_lab(MAIL_PASSWORD);
    let smtp = SmtpServer::start(SmtpMode::StartTls, &pki, lab.dir());
    let config = email_settings(&lab, &format!("smtp://127.0.0.1:{}", smtp.port), "");

    let output = backup(&lab, &config, &[]);
    assert!(warnings(&output).is_empty(), "{}", describe(&output));
    let report = json(&output);
    assert_eq!(
        report["notifications"],
        json!([{"channel": "email", "ok": true, "error": null}])
    );
    let created = report["reports"][0]["created"].as_str().expect("a clone");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "one message per run");
    let mail = &messages[0];
    assert_eq!(mail["user"], MAIL_USER, "logged in (after STARTTLS)");
    assert_eq!(
        mail["rcpt_tos"],
        json!(["ops@example.lan", "oncall@example.lan"])
    );
    let subject = mail["subject"].as_str().expect("a subject");
    assert!(subject.starts_with("vmrotate OK on "), "{subject}");
    assert!(subject.ends_with(": 1 succeeded, 0 failed"), "{subject}");
    let text = mail["text"].as_str().expect("a text part");
    assert!(
        text.contains(&format!("{VM} (ok)\n  created {created} on NFS_")),
        "{text}"
    );
    let attachment = &mail["attachments"][0];
    assert_eq!(attachment["name"], "report.json");
    assert_eq!(attachment["content_type"], "application/json");
    let attached: Value =
        serde_json::from_str(attachment["content"].as_str().expect("text")).expect("JSON");
    assert_eq!(attached["reports"][0]["created"], created);

    // A run where one VM fails: the failed VM and its error come first.
    let mut args = lab.backup_args(&["--json", "--notify-config", &config]);
    args.insert(2, "ghost".into());
    let output = lab.run(&args);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2);
    let subject = messages[1]["subject"].as_str().expect("a subject");
    assert!(subject.ends_with(": 1 succeeded, 1 failed"), "{subject}");
    let text = messages[1]["text"].as_str().expect("a text part");
    assert!(text.contains("\nFAILED\n- ghost: "), "{text}");
    assert!(text.contains(&format!("{VM} (ok)\n  created ")), "{text}");
}

#[test]
fn a_wrong_mail_password_is_a_warning_and_the_backup_still_counts() {
    let (lab, pki) = mail_lab("not-the-password");
    let smtp = SmtpServer::start(SmtpMode::StartTls, &pki, lab.dir());
    let config = email_settings(&lab, &format!("smtp://127.0.0.1:{}", smtp.port), "");

    let output = backup(&lab, &config, &[]);
    let warning = assert_failed_delivery(&output, "email", "not-the-password");
    assert!(warning.contains("535"), "the server's refusal: {warning}");
    assert!(smtp.messages().is_empty());
    assert_eq!(lab.generations(VM).len(), 1, "the backup was made");
}

#[test]
fn a_dead_mail_server_costs_a_bounded_time() {
    let (lab, _pki) = mail_lab(MAIL_PASSWORD);
    // Nothing listens on this port: refused at once.
    let closed = notify_support::free_port();
    let config = email_settings(&lab, &format!("smtp://127.0.0.1:{closed}"), "");
    let output = backup(&lab, &config, &[]);
    let warning = assert_failed_delivery(&output, "email", MAIL_PASSWORD);
    assert!(
        warning.contains(&format!("127.0.0.1:{closed}")),
        "{warning}"
    );

    // This one accepts connections and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = silent.local_addr().expect("an address").port();
    let config = email_settings(
        &lab,
        &format!("smtp://127.0.0.1:{port}"),
        "timeout = \"2s\"",
    );
    let started = Instant::now();
    let output = backup(&lab, &config, &[]);
    let elapsed = started.elapsed();
    assert_failed_delivery(&output, "email", MAIL_PASSWORD);
    assert!(
        elapsed < Duration::from_secs(30),
        "the run took {elapsed:?}: {}",
        describe(&output)
    );
    assert_eq!(lab.generations(VM).len(), 2);
    drop(silent);
}

#[test]
fn email_over_implicit_tls() {
    let (lab, pki) = mail_lab(MAIL_PASSWORD);
    let smtp = SmtpServer::start(SmtpMode::Implicit, &pki, lab.dir());
    let config = email_settings(&lab, &format!("smtps://127.0.0.1:{}", smtp.port), "");
    let output = backup(&lab, &config, &[]);
    assert!(warnings(&output).is_empty(), "{}", describe(&output));
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["user"], MAIL_USER);

    // STARTTLS required against a server that speaks TLS at once: refused, never in clear.
    let config = email_settings(&lab, &format!("smtp://127.0.0.1:{}", smtp.port), "");
    let output = backup(&lab, &config, &[]);
    assert_failed_delivery(&output, "email", MAIL_PASSWORD);
    assert_eq!(smtp.messages().len(), 1);
}

/// The webhook settings for the receiver on `port`, with a secret token in the query string.
fn webhook_settings(lab: &Lab, port: u16, format: &str) -> String {
    settings(
        lab,
        &format!(
            r#"[notify]
when = "always"

[notify.webhook]
url = "http://127.0.0.1:{port}/hook/{format}?token=s3cret-token"
format = "{format}"
"#
        ),
    )
}

#[test]
fn webhook_formats_carry_the_run() {
    let lab = Lab::start();
    let receiver = HttpReceiver::start("200 OK");
    for format in ["json", "slack", "teams", "ntfy"] {
        let output = backup(&lab, &webhook_settings(&lab, receiver.port, format), &[]);
        assert!(
            warnings(&output).is_empty(),
            "{format}: {}",
            describe(&output)
        );
        let report = json(&output);
        assert_eq!(report["notifications"][0]["channel"], "webhook");
        assert_eq!(report["notifications"][0]["ok"], true);
        let created = report["reports"][0]["created"].as_str().expect("a clone");
        let request = receiver.next();
        assert_eq!(
            request.line,
            format!("POST /hook/{format}?token=s3cret-token HTTP/1.1")
        );
        let counts = "1 succeeded, 0 failed";
        match format {
            "json" => {
                assert_eq!(request.header("content-type"), Some("application/json"));
                let body: Value = serde_json::from_str(&request.body).expect("JSON");
                assert_eq!(body["reports"], report["reports"]);
                assert_eq!(body["ok"], true);
            }
            "slack" => {
                let body: Value = serde_json::from_str(&request.body).expect("JSON");
                let text = body["text"].as_str().expect("text");
                assert!(text.starts_with("*vmrotate OK on ") && text.contains(counts));
                assert!(text.contains(created), "{text}");
            }
            "teams" => {
                let body: Value = serde_json::from_str(&request.body).expect("JSON");
                assert_eq!(body["type"], "message");
                let attachment = &body["attachments"][0];
                assert_eq!(
                    attachment["contentType"],
                    "application/vnd.microsoft.card.adaptive"
                );
                let card = &attachment["content"];
                assert_eq!(card["type"], "AdaptiveCard");
                let title = card["body"][0]["text"].as_str().expect("a title");
                assert!(title.ends_with(counts), "{title}");
                let text = card["body"][1]["text"].as_str().expect("a text");
                assert!(text.contains(created), "{text}");
            }
            _ => {
                let title = request.header("title").expect("a Title header");
                assert!(title.ends_with(counts), "{title}");
                assert_eq!(request.header("priority"), Some("default"));
                assert!(request.body.contains(created), "{}", request.body);
            }
        }
    }
    assert!(receiver.is_idle(), "one call per run");

    // A failing hook: a warning naming the host, never the path or the token.
    let failing = HttpReceiver::start("500 Internal Server Error");
    let output = backup(&lab, &webhook_settings(&lab, failing.port, "slack"), &[]);
    let warning = assert_failed_delivery(&output, "webhook", "s3cret-token");
    assert!(
        warning.contains(&format!("http://127.0.0.1:{}", failing.port)) && warning.contains("500"),
        "{warning}"
    );
    assert!(!warning.contains("/hook"), "{warning}");
}

#[test]
fn when_failure_stays_quiet_after_a_good_run() {
    let lab = Lab::start();
    let receiver = HttpReceiver::start("200 OK");
    let config = settings(
        &lab,
        &format!(
            "[notify.webhook]\nurl = \"http://127.0.0.1:{}/hook\"\n",
            receiver.port
        ),
    );
    let output = backup(&lab, &config, &[]);
    assert_eq!(json(&output)["notifications"], json!([]));
    let mut args = lab.backup_args(&["--notify-config", &config]);
    args.insert(2, "ghost".into());
    let output = lab.run(&args);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let request = receiver.next();
    let body: Value = serde_json::from_str(&request.body).expect("JSON");
    assert_eq!(body["ok"], false);
    assert!(receiver.is_idle());
}

#[test]
fn a_run_that_cannot_reach_vcenter_is_reported_from_the_jobs_file() {
    let dir = tempfile::tempdir().expect("a directory");
    let receiver = HttpReceiver::start("200 OK");
    let closed = notify_support::free_port();
    std::fs::write(dir.path().join("password"), "unused\n").expect("written");
    let jobs = dir.path().join("jobs.toml");
    std::fs::write(
        &jobs,
        format!(
            r#"[connection]
url = "https://127.0.0.1:{closed}/sdk"
username = "backup@vsphere.local"
password_file = "password"

[notify.webhook]
url = "http://127.0.0.1:{port}/hook"
format = "slack"

[[job]]
vm = "{VM}"
datastores = ["NFS_durian"]

[[job]]
vm = "vcenter"
datastores = ["NFS_mango"]
"#,
            port = receiver.port
        ),
    )
    .expect("written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_vmrotate"))
        .args(["run", "--config", jobs.to_str().expect("UTF-8")])
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .expect("vmrotate runs");
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(warnings(&output).is_empty(), "{}", describe(&output));
    let body: Value = serde_json::from_str(&receiver.next().body).expect("JSON");
    let text = body["text"].as_str().expect("text");
    assert!(text.contains(": 0 succeeded, 2 failed"), "{text}");
    assert!(
        text.contains(&format!(
            "- {VM}: cannot connect to https://127.0.0.1:{closed}"
        )),
        "{text}"
    );
    assert!(text.contains("- vcenter: cannot connect"), "{text}");
}
