//! `vmrotate plan`, run as a real process.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const RUN_FOUR: [&str; 4] = [
    "zz_avocado2-01-201909220241",
    "zz_avocado2-02-201909230241",
    "zz_avocado2-03-201909240241",
    "avocado2",
];

/// Runs `vmrotate plan <args>` with `stdin` as its standard input.
fn vmrotate_plan(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vmrotate"))
        .arg("plan")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the vmrotate binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("vmrotate reads its stdin");
    child.wait_with_output().expect("vmrotate finishes")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn json_plan(args: &[&str], stdin: &str) -> Value {
    let output = vmrotate_plan(args, stdin);
    assert!(output.status.success(), "{output:?}");
    serde_json::from_str(&stdout(&output)).expect("--json prints JSON")
}

const AVOCADO: [&str; 8] = [
    "--prefix",
    "zz_",
    "--key",
    "avocado2",
    "--slots",
    "4",
    "--stamp",
    "201909250241",
];

#[test]
fn json_plan_from_arguments() {
    let args: Vec<&str> = AVOCADO
        .iter()
        .chain(&["--json"])
        .chain(&RUN_FOUR)
        .copied()
        .collect();
    let plan = json_plan(&args, "");
    assert_eq!(plan["current"], 4);
    assert_eq!(plan["prev"], 1);
    assert_eq!(plan["mode"], "safe");
    assert_eq!(plan["findings"], json!([]));
    let ops: Vec<(&str, &str, bool)> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| {
            (
                action["op"].as_str().unwrap(),
                action["name"].as_str().unwrap(),
                action["requires_create"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("create", "zz_avocado2-04-201909250241", false),
            ("delete", "zz_avocado2-01-201909220241", true),
        ]
    );
}

#[test]
fn names_from_stdin_one_per_line() {
    let args: Vec<&str> = AVOCADO.iter().chain(&["--json"]).copied().collect();
    let from_stdin = json_plan(&args, &format!("{}\r\n\n", RUN_FOUR.join("\n")));
    let from_args: Vec<&str> = args.iter().chain(&RUN_FOUR).copied().collect();
    assert_eq!(from_stdin, json_plan(&from_args, ""));
}

#[test]
fn compat_mode_json_shows_which_of_the_scripts_deletes_wait_for_the_clone() {
    let args: Vec<&str> = AVOCADO
        .iter()
        .chain(&["--json", "--mode", "compat"])
        .copied()
        .collect();
    let full = "zz_avocado2-01-201909240241\nzz_avocado2-02-201909220241\nzz_avocado2-03-201909230241\nzz_avocado2-04-201909230300\n";
    let plan = json_plan(&args, full);
    assert_eq!(
        (plan["current"].clone(), plan["prev"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(plan["actions"][0]["op"], "delete");
    assert_eq!(plan["actions"][0]["name"], "zz_avocado2-01-201909240241");
    assert_eq!(plan["actions"][0]["requires_create"], false);
    assert_eq!(plan["actions"][1]["op"], "create");
    // The prev slot's delete follows the clone in the script's try block: a failed clone skips it.
    assert_eq!(plan["actions"][2]["op"], "delete");
    assert_eq!(plan["actions"][2]["name"], "zz_avocado2-02-201909220241");
    assert_eq!(plan["actions"][2]["requires_create"], true);
    assert_eq!(plan["actions"].as_array().unwrap().len(), 3);
}

#[test]
fn human_output_lists_actions_with_reasons_and_findings() {
    let args: Vec<&str> = AVOCADO
        .iter()
        .chain(&RUN_FOUR)
        .chain(&["zz_avocado2-02-201909231200"])
        .copied()
        .collect();
    let output = vmrotate_plan(&args, "");
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "plan for zz_avocado2 in safe mode: 4 slots, 3 generations kept"
    );
    assert_eq!(
        lines[1],
        "new clone zz_avocado2-04-201909250241 (current slot 04, prev slot 01)"
    );
    assert_eq!(lines[3], "  1. create zz_avocado2-04-201909250241");
    assert_eq!(
        lines[5],
        "  2. delete zz_avocado2-01-201909220241 (only once the create has succeeded)"
    );
    assert!(
        lines[6].contains("older generation (2019-09-22 02:41)"),
        "{text}"
    );
    assert_eq!(
        lines[7],
        "  3. delete zz_avocado2-02-201909230241 (only once the create has succeeded)"
    );
    assert_eq!(lines[9], "findings:");
    assert!(
        lines[10].starts_with("  - slot 02 holds 2 generations"),
        "{text}"
    );
}

#[test]
fn a_blocked_plan_says_so_and_creates_nothing() {
    let args: Vec<&str> = AVOCADO
        .iter()
        .chain(&["zz_avocado2-03-201909250241"])
        .copied()
        .collect();
    let output = vmrotate_plan(&args, "");
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.contains("\nBLOCKED: refusing to create zz_avocado2-04-201909250241"),
        "{text}"
    );
    assert!(text.contains("\nactions: none\n"), "{text}");
}

#[test]
fn stamp_defaults_to_the_local_time_now() {
    let before = jiff::ZonedDateTime::now().datetime();
    let plan = json_plan(&["--key", "web", "--json"], "");
    let after = jiff::ZonedDateTime::now().datetime();
    let name = plan["new_clone"].as_str().unwrap();
    let stamp = name.strip_prefix("zz_web-01-").expect("slot 01 of web");
    let minute = |t: jiff::civil::DateTime| t.strftime("%Y%m%d%H%M").to_string();
    assert!(
        (minute(before).as_str()..=minute(after).as_str()).contains(&stamp),
        "{stamp} is not between {before} and {after}"
    );
}

#[test]
fn bad_input_is_one_line_on_stderr_and_exit_code_2() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["--key", "web", "--slots", "0"],
            "slots must be between 1 and 99",
        ),
        (
            &["--key", "web", "--slots", "1"],
            "safe mode needs at least 2 slots",
        ),
        (
            &["--key", "web", "--stamp", "2019092502"],
            "not 12 digits yyyyMMddHHmm",
        ),
        (
            &["--key", "web", "--stamp", "201902300000"],
            "not a real date and time",
        ),
        (&["--key", "web", "--mode", "fast"], "use safe or compat"),
        (&["--slots", "4"], "--key"),
    ];
    for (args, expected) in cases {
        let output = vmrotate_plan(args, "");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
    }
}
