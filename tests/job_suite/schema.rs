//! The JSON the reports serialize to has every field documented in `docs/report-schema.md`.

use serde_json::Value;
use vmrotate::{Event, RestoreRequest, RunReport};

use crate::support::{backup_ok, clone_name, job, login, simulator, start};

const SCHEMA: &str = include_str!("../../docs/report-schema.md");

/// Checks that every key of `object` is documented (written
/// `` `key` `` in the schema), and returns the keys.
fn documented_keys(object: &Value) -> Vec<String> {
    let Value::Object(fields) = object else {
        panic!("not an object: {object}");
    };
    for key in fields.keys() {
        assert!(
            SCHEMA.contains(&format!("`{key}`")),
            "`{key}` is not in docs/report-schema.md"
        );
    }
    fields.keys().cloned().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_field_of_the_json_output_is_documented() {
    let simulator = start(simulator());
    let client = login(&simulator).await;
    let job = job(2);
    backup_ok(&client, &job, 1).await;
    let report = backup_ok(&client, &job, 2).await;
    let mut run = RunReport::new(vec![report]);
    run.notifications.push(vmrotate::notify::Delivery {
        channel: "email".into(),
        ok: false,
        error: Some("cannot send the e-mail".into()),
    });
    let run = serde_json::to_value(run).unwrap();
    assert_eq!(documented_keys(&run), ["notifications", "ok", "reports"]);
    documented_keys(&run["notifications"][0]);
    let report = &run["reports"][0];
    assert_eq!(documented_keys(report).len(), 14);
    documented_keys(&report["plan"]);
    documented_keys(&report["plan"]["actions"][1]);

    let mut unknown = job.clone();
    unknown.vm = "ghost".into();
    let failed = vmrotate::backup(&client, &unknown, &crate::support::on(3), None).await;
    let failed = serde_json::to_value(failed).unwrap();
    assert_eq!(
        documented_keys(&failed["error"]),
        [
            "fault",
            "fault_ancestors",
            "kind",
            "message",
            "seen_thumbprint"
        ]
    );
    for kind in vmrotate::ErrorKind::ALL {
        assert!(
            SCHEMA.contains(&format!("| `{kind}` |")),
            "{kind} undocumented"
        );
    }

    let listed = vmrotate::list_backups(&client, &[], "zz_").await.unwrap();
    let listed = serde_json::to_value(listed).unwrap();
    documented_keys(&listed[0]);
    documented_keys(&listed[0]["generations"][0]);
    documented_keys(&listed[0]["generations"][0]["verification"]);

    let request = RestoreRequest {
        clone: clone_name(2, 2),
        new_name: Some("avocado2-restored".into()),
        ..RestoreRequest::default()
    };
    let restored = vmrotate::restore(&client, &request).await.unwrap();
    documented_keys(&serde_json::to_value(restored).unwrap());

    let event = Event::CloneDone {
        vm: "avocado2".into(),
        clone: clone_name(2, 2),
        datastore: "NFS_mango".into(),
    };
    let event = serde_json::to_value(event).unwrap();
    documented_keys(&event);
    assert!(SCHEMA.contains("| `clone_done` |"));
}
