//! Pushing the metrics to a Prometheus Pushgateway.

use std::collections::BTreeMap;
use std::time::Duration;

use super::exposition::{self, VmValues};
use crate::http;

/// The content type of the text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Pushes `run_text` (the run-level families) to the group `job="vmrotate"`, replacing it, and
/// each VM's values of `vms` to the group `job="vmrotate",vm="<vm>"` with POST, which replaces
/// only the metrics pushed: a failed VM's last success, not pushed, keeps its value there.
pub(super) async fn push(
    base: &str,
    vms: &BTreeMap<String, VmValues>,
    run_text: &str,
    timeout: Duration,
) -> Result<(), String> {
    let base = http::parse_url(base, "[metrics] pushgateway")?;
    let client = http::client(timeout)?;
    let url = group(&base, None)?;
    let request = client
        .put(url.clone())
        .header("Content-Type", TEXT_FORMAT)
        .body(run_text.to_owned());
    http::send(request, &url, "the run's metrics").await?;
    for (vm, values) in vms {
        let mut text = String::new();
        exposition::write_per_vm(&mut text, &BTreeMap::from([(vm.clone(), *values)]));
        let url = group(&base, Some(vm))?;
        let request = client
            .post(url.clone())
            .header("Content-Type", TEXT_FORMAT)
            .body(text);
        http::send(request, &url, &format!("the metrics of {vm}")).await?;
    }
    Ok(())
}

/// `<base>/metrics/job/vmrotate[/vm/<vm>]`, the VM's name percent-encoded.
fn group(base: &reqwest::Url, vm: Option<&str>) -> Result<reqwest::Url, String> {
    let mut url = base.clone();
    url.set_query(None);
    {
        let mut segments = url.path_segments_mut().map_err(|()| {
            format!(
                "[metrics] pushgateway {} cannot have a path",
                http::origin(base)
            )
        })?;
        segments
            .pop_if_empty()
            .extend(["metrics", "job", "vmrotate"]);
        if let Some(vm) = vm {
            segments.extend(["vm", vm]);
        }
    }
    Ok(url)
}
