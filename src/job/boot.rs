//! The boot test: a clone powered on isolated from the network until VMware Tools reports a
//! heartbeat, then powered off again, on every path.
//!
//! 1. A clone already powered on is refused (someone's restore, or a test in progress).
//! 2. Every network card is reconfigured disconnected and not connecting at power-on
//!    (`ReconfigVM_Task`), and read back so: otherwise the clone is not powered on.
//! 3. Power-on (on the given host, or where the clone is registered), then the wait for
//!    `guestHeartbeatStatus` green or `guest.toolsRunningStatus` `guestToolsRunning`, polled
//!    every half second until the timeout or a stop request.
//! 4. A console screenshot (`CreateScreenshot_Task`) when the host takes one.
//! 5. Power-off, whatever happened since the power-on, then the cards' settings as they were.

use std::time::{Duration, Instant};

use vsphere_client::Client;
use vsphere_client::object::{HostSystem, VirtualMachine};
use vsphere_client::property::retrieve_one;
use vsphere_client::task::Task;
use vsphere_client::types::{
    ManagedEntityStatus, ManagedObjectReference, Object, Value, VirtualMachineConfigSpec,
    VirtualMachinePowerState,
};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::hardware::{self, DEVICES};
use super::inventory::VmDetails;
use super::returned_ref;
use super::verification::{BootResult, Verification, VerificationLevel};
use crate::config::VerifyMode;
use crate::error::Error;
use crate::stop::Stop;

/// How long each power and reconfiguration task of the boot test may take.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How often the heartbeat is read.
const POLL: Duration = Duration::from_millis(500);

/// What the boot test is asked to do.
pub(crate) struct BootTest<'a> {
    pub client: &'a Client,
    pub vm: &'a ManagedObjectReference,
    /// The clone's name, for messages.
    pub name: &'a str,
    /// The host to power it on on; default: where it is registered.
    pub host: Option<(&'a ManagedObjectReference, &'a str)>,
    pub timeout: Duration,
    pub stop: &'a Stop,
}

/// How a boot test ended without a heartbeat: what was seen, and why it failed.
#[derive(Debug)]
pub(crate) struct BootFailure {
    pub result: BootResult,
    pub error: Error,
}

impl BootTest<'_> {
    /// Runs the test; see the [module docs](self).
    ///
    /// # Errors
    /// [`BootFailure`]: [`Error::Refused`] for a powered-on clone, [`Error::Verify`] when no
    /// heartbeat came in time or the cards would not disconnect, [`Error::Stopped`], the
    /// calls' [`Error::Vsphere`].
    pub(crate) async fn run(&self) -> Result<BootResult, BootFailure> {
        let mut result = BootResult {
            host: self
                .host
                .map_or_else(|| "its own host".to_owned(), |(_, name)| name.to_owned()),
            heartbeat_after_ms: None,
            screenshot: None,
        };
        let fail = |result: &BootResult, error: Error| BootFailure {
            result: result.clone(),
            error,
        };
        let props = retrieve_one(self.client, self.vm, &[DEVICES, "runtime.powerState"])
            .await
            .map_err(|error| fail(&result, error.into()))?;
        let power: Option<VirtualMachinePowerState> = props
            .get("runtime.powerState")
            .map_err(|error| fail(&result, error.into()))?;
        if power != Some(VirtualMachinePowerState::PoweredOff) {
            return Err(fail(
                &result,
                Error::Refused(format!(
                    "{} is not powered off: a boot test never touches a running VM",
                    self.name
                )),
            ));
        }
        let nics = hardware::nics(props.value(DEVICES).map_err(|e| fail(&result, e.into()))?);
        self.isolate(&nics)
            .await
            .map_err(|error| fail(&result, error))?;
        let vm = VirtualMachine::new(self.client.clone(), self.vm.clone());
        let booted = self.boot(&vm, &mut result).await;
        let off = self.power_off(&vm).await;
        let restored = self.reconfigure(&nics).await;
        let outcome = booted.and(off).and(restored);
        outcome
            .map(|()| result.clone())
            .map_err(|e| fail(&result, e))
    }

    /// Disconnects every card of `nics` now and at power-on, and reads them back.
    async fn isolate(&self, nics: &[Object]) -> Result<(), Error> {
        let isolated: Vec<Object> = nics.iter().map(disconnected).collect();
        self.reconfigure(&isolated).await?;
        let props = retrieve_one(self.client, self.vm, &[DEVICES]).await?;
        let connecting: Vec<String> = hardware::nics(props.value(DEVICES)?)
            .iter()
            .filter(|nic| hardware::nic_connection(nic) != (false, false))
            .map(hardware::label)
            .collect();
        if connecting.is_empty() {
            return Ok(());
        }
        Err(Error::Verify(format!(
            "the network cards {} of {} would not disconnect: it was not powered on",
            connecting.join(", "),
            self.name
        )))
    }

    /// Sets the cards `nics` as they are given (`ReconfigVM_Task`, one edit per card).
    async fn reconfigure(&self, nics: &[Object]) -> Result<(), Error> {
        if nics.is_empty() {
            return Ok(());
        }
        let spec = VirtualMachineConfigSpec {
            device_change: nics.iter().map(edit).collect(),
            ..VirtualMachineConfigSpec::default()
        };
        let vm = VirtualMachine::new(self.client.clone(), self.vm.clone());
        vm.reconfigure(spec)
            .await?
            .wait(STEP_TIMEOUT, |_| {})
            .await?;
        Ok(())
    }

    /// Powers on and waits for the heartbeat, then takes the screenshot.
    async fn boot(&self, vm: &VirtualMachine, result: &mut BootResult) -> Result<(), Error> {
        let host = self
            .host
            .map(|(host, _)| HostSystem::new(self.client.clone(), host.clone()));
        vm.power_on(host.as_ref())
            .await?
            .wait(STEP_TIMEOUT, |_| {})
            .await?;
        let started = Instant::now();
        loop {
            if let Some(reason) = self.stop.requested() {
                return Err(Error::Stopped(format!(
                    "stopped by {reason} during the boot test of {}",
                    self.name
                )));
            }
            if self.heartbeat().await? {
                let ms = started.elapsed().as_millis();
                result.heartbeat_after_ms = Some(u64::try_from(ms).unwrap_or(u64::MAX));
                break;
            }
            if started.elapsed() >= self.timeout {
                return Err(Error::Verify(format!(
                    "{} reported no VMware Tools heartbeat within {} s of its power-on",
                    self.name,
                    self.timeout.as_secs()
                )));
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                _ = self.stop.wait() => {}
            }
        }
        result.screenshot = self.screenshot().await;
        Ok(())
    }

    /// Whether Tools reports a green heartbeat or runs.
    async fn heartbeat(&self) -> Result<bool, Error> {
        let props = retrieve_one(
            self.client,
            self.vm,
            &["guestHeartbeatStatus", "guest.toolsRunningStatus"],
        )
        .await?;
        let status: Option<ManagedEntityStatus> = props.get("guestHeartbeatStatus")?;
        let tools: Option<String> = props.get("guest.toolsRunningStatus")?;
        Ok(status == Some(ManagedEntityStatus::Green)
            || tools.as_deref() == Some("guestToolsRunning"))
    }

    /// The console screenshot's datastore path, when the host takes one.
    async fn screenshot(&self) -> Option<String> {
        let taken = async {
            let task = self
                .client
                .invoke("CreateScreenshot_Task", self.vm, &[])
                .await?;
            let task = Task::new(
                self.client.clone(),
                returned_ref("CreateScreenshot_Task", task)?,
            );
            task.wait(STEP_TIMEOUT, |_| {}).await
        };
        match taken.await {
            Ok(Value::String(path)) => Some(path),
            Ok(_) => None,
            Err(error) => {
                log::info!("no screenshot of {}: {error}", self.name);
                None
            }
        }
    }

    /// Powers the clone off unless it is off already.
    async fn power_off(&self, vm: &VirtualMachine) -> Result<(), Error> {
        let props = retrieve_one(self.client, self.vm, &["runtime.powerState"]).await?;
        let power: Option<VirtualMachinePowerState> = props.get("runtime.powerState")?;
        if power == Some(VirtualMachinePowerState::PoweredOff) {
            return Ok(());
        }
        vm.power_off().await?.wait(STEP_TIMEOUT, |_| {}).await?;
        Ok(())
    }
}

/// `nic` disconnected now and at power-on.
fn disconnected(nic: &Object) -> Object {
    let mut nic = nic.clone();
    let mut connectable = match nic.get("connectable") {
        Some(Value::Object(connectable)) => connectable.clone(),
        _ => Object {
            xsi_type: "VirtualDeviceConnectInfo".to_owned(),
            fields: Vec::new(),
        },
    };
    for flag in ["startConnected", "connected"] {
        set(&mut connectable, flag, Value::Bool(false));
    }
    set(&mut nic, "connectable", Value::Object(connectable));
    nic
}

/// Sets the field `name` of `object`, in place when it has one.
fn set(object: &mut Object, name: &str, value: Value) {
    match object.fields.iter_mut().find(|(field, _)| field == name) {
        Some((_, slot)) => *slot = value,
        None => object.fields.push((name.to_owned(), value)),
    }
}

/// The `VirtualDeviceConfigSpec` editing the device to `device`.
fn edit(device: &Object) -> Value {
    Value::Object(Object {
        xsi_type: "VirtualDeviceConfigSpec".to_owned(),
        fields: vec![
            (
                "operation".to_owned(),
                Value::Enum {
                    xsi_type: "VirtualDeviceConfigSpecOperation".to_owned(),
                    value: "edit".to_owned(),
                },
            ),
            ("device".to_owned(), Value::Object(device.clone())),
        ],
    })
}

/// Runs `test` and records its result on the clone over `record` (the clone's metadata
/// verification, which passed): level boot, verified with the time to heartbeat, or failed
/// with the failure. A refused test (the clone runs) and a stopped one record nothing.
///
/// # Errors
/// [`Error::Verify`] when the test failed; [`Error::Refused`], [`Error::Stopped`]; the
/// calls' [`Error::Vsphere`].
pub(crate) async fn test_and_record(
    test: &BootTest<'_>,
    mut record: Verification,
) -> Result<Verification, Error> {
    let outcome = test.run().await;
    record.level = VerificationLevel::Boot;
    record.at = Timestamp::now();
    let error = match outcome {
        Ok(result) => {
            record.checks.push("boot".to_owned());
            record.boot = Some(result);
            None
        }
        Err(BootFailure {
            error: error @ (Error::Refused(_) | Error::Stopped(_)),
            ..
        }) => return Err(error),
        Err(BootFailure { result, error }) => {
            record.boot = Some(result);
            record = record.failing(vec!["boot".to_owned()], error.to_string());
            Some(error)
        }
    };
    let vm = VirtualMachine::new(test.client.clone(), test.vm.clone());
    record.record(&vm, STEP_TIMEOUT).await?;
    match error {
        None => Ok(record),
        Some(Error::Verify(message)) => Err(Error::Verify(message)),
        Some(error) => Err(Error::Verify(format!(
            "the boot test of {} failed: {error}",
            test.name
        ))),
    }
}

/// Whether a run at `at` with `mode` boot-tests its new clone: always with `boot`; with
/// `boot-weekly` when none of the earlier generations (`created`: their creation times) was
/// created in the ISO week of `at` (UTC).
pub(crate) fn due(
    mode: VerifyMode,
    at: Timestamp,
    mut created: impl Iterator<Item = Timestamp>,
) -> bool {
    let week = |time: Timestamp| {
        let date = TimeZone::UTC.to_datetime(time).date().iso_week_date();
        (date.year(), date.week())
    };
    match mode {
        VerifyMode::Metadata => false,
        VerifyMode::Boot => true,
        VerifyMode::BootWeekly => !created.any(|time| week(time) == week(at)),
    }
}

/// The boot test of a run's new, verified `clone` named `name`, when the job's
/// [`VerifyMode`] makes it due over the run's earlier `generations`; `record` is its
/// verification.
///
/// # Errors
/// As [`test_and_record`].
pub(super) async fn in_run(
    run: &super::run::Run<'_>,
    clone: &ManagedObjectReference,
    name: &str,
    record: Verification,
    generations: &[VmDetails],
) -> Result<(), Error> {
    let created = generations
        .iter()
        .filter_map(|vm| Some(vm.valid_marker()?.created));
    if !due(run.job.verify, run.at, created) {
        return Ok(());
    }
    let test = BootTest {
        client: run.client,
        vm: clone,
        name,
        host: None,
        timeout: run.job.timeouts.boot,
        stop: &run.stop,
    };
    test_and_record(&test, record).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_weekly_is_due_in_the_first_run_of_each_iso_week() {
        let at = |text: &str| text.parse::<Timestamp>().unwrap();
        // 2019-09-23 is a Monday; the 22nd a Sunday of the week before.
        let sunday = [at("2019-09-22T23:00:00Z")];
        let monday = [at("2019-09-23T01:00:00Z")];
        let tuesday = at("2019-09-24T02:41:00Z");
        assert!(due(VerifyMode::BootWeekly, tuesday, sunday.into_iter()));
        assert!(!due(VerifyMode::BootWeekly, tuesday, monday.into_iter()));
        assert!(due(VerifyMode::Boot, tuesday, monday.into_iter()));
        assert!(!due(VerifyMode::Metadata, tuesday, sunday.into_iter()));
    }
}
