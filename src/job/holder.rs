//! Who holds a VM's lock: an identity that does not collide across cloned machines and
//! containers, and whether its process still runs.
//!
//! A holder is a random run id plus the machine's stable id (`/etc/machine-id`, Windows'
//! `MachineGuid`, hashed so the id itself never leaves the machine), the boot id (Linux) and
//! the process's id and start time. Host name and pid alone collide: cloned Linux VMs share
//! host names, containers share pids.

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

/// The identity a run writes into its lock snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Holder {
    /// The host name, for people.
    pub host: String,
    /// The process id on that machine.
    pub pid: u32,
    /// The machine's stable id, hashed (absent where the platform has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// The boot id (Linux): a process of another boot is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot: Option<String>,
    /// When the process started, in the platform's own unit (Linux: clock ticks since boot;
    /// Windows: FILETIME), so that a reused pid is told apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_started: Option<u64>,
}

/// Whether a holder's process still runs, as far as this machine can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Liveness {
    /// It runs, or this machine cannot tell (another machine, or no identity recorded).
    Unknown,
    /// It is on this machine and does not run any more: why.
    Gone(String),
}

impl Holder {
    /// This process.
    pub(crate) fn this_process() -> Self {
        let pid = std::process::id();
        Self {
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            pid,
            machine: platform::machine_id().map(|id| hashed(&id)),
            boot: platform::boot_id(),
            process_started: platform::process_started(pid),
        }
    }

    /// Whether `self`, as read from a lock, still runs, judged by `this` machine.
    pub(crate) fn liveness(&self, this: &Holder) -> Liveness {
        let same_machine = match (&self.machine, &this.machine) {
            (Some(theirs), Some(ours)) => theirs == ours,
            // A lock written before machine ids were recorded: the host name is all there is.
            (None, _) => self.host == this.host,
            (Some(_), None) => false,
        };
        if !same_machine {
            return Liveness::Unknown;
        }
        if let (Some(theirs), Some(ours)) = (&self.boot, &this.boot)
            && theirs != ours
        {
            return Liveness::Gone(format!(
                "its process {} on this machine ({}) belonged to an earlier boot",
                self.pid, self.host
            ));
        }
        let running = platform::process_started(self.pid);
        let same_process = match (running, self.process_started) {
            (None, _) => false,
            (Some(now), Some(then)) => now == then,
            (Some(_), None) => true,
        };
        if same_process {
            Liveness::Unknown
        } else {
            Liveness::Gone(format!(
                "its process {} on this machine ({}) no longer runs",
                self.pid, self.host
            ))
        }
    }
}

/// A random run id: the start in milliseconds (so ids sort by time) and 64 random bits.
pub(crate) fn new_run_id(started: jiff::Timestamp) -> String {
    let mut bytes = [0u8; 8];
    // The system's random source fails only on a broken system; the time alone still differs
    // between runs of one process.
    let random = match SystemRandom::new().fill(&mut bytes) {
        Ok(()) => u64::from_be_bytes(bytes),
        Err(_) => {
            u64::from(std::process::id()) ^ u64::from(started.subsec_nanosecond().unsigned_abs())
        }
    };
    format!("{}-{random:016x}", started.as_millisecond())
}

/// `id` hashed for vmrotate, as systemd asks of applications that use the machine id.
fn hashed(id: &str) -> String {
    let digest = digest::digest(
        &digest::SHA256,
        format!("vmrotate:{}", id.trim()).as_bytes(),
    );
    digest.as_ref()[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(target_os = "linux")]
mod platform {
    pub(super) fn machine_id() -> Option<String> {
        ["/etc/machine-id", "/var/lib/dbus/machine-id"]
            .into_iter()
            .find_map(read_trimmed)
    }

    pub(super) fn boot_id() -> Option<String> {
        read_trimmed("/proc/sys/kernel/random/boot_id")
    }

    /// Field 22 of `/proc/<pid>/stat`: the start time in clock ticks since boot.
    pub(super) fn process_started(pid: u32) -> Option<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name (field 2) is in parentheses and may hold spaces.
        let after_name = &stat[stat.rfind(')')? + 1..];
        after_name.split_whitespace().nth(19)?.parse().ok()
    }

    fn read_trimmed(path: &str) -> Option<String> {
        let text = std::fs::read_to_string(path).ok()?;
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }
}

#[cfg(windows)]
mod platform {
    use windows_sys::Win32::Foundation::{CloseHandle, FILETIME, STILL_ACTIVE};
    use windows_sys::Win32::System::Registry::{HKEY_LOCAL_MACHINE, RRF_RT_REG_SZ, RegGetValueW};
    use windows_sys::Win32::System::Threading::{
        GetExitCodeProcess, GetProcessTimes, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
    };

    /// `HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid`.
    pub(super) fn machine_id() -> Option<String> {
        let key = wide("SOFTWARE\\Microsoft\\Cryptography");
        let value = wide("MachineGuid");
        let mut buffer = [0u16; 64];
        let mut size = u32::try_from(std::mem::size_of_val(&buffer)).ok()?;
        // SAFETY: the strings are NUL-terminated UTF-16, and `size` is the buffer's size in
        // bytes, which RegGetValueW does not write past.
        let status = unsafe {
            RegGetValueW(
                HKEY_LOCAL_MACHINE,
                key.as_ptr(),
                value.as_ptr(),
                RRF_RT_REG_SZ,
                std::ptr::null_mut(),
                buffer.as_mut_ptr().cast(),
                &mut size,
            )
        };
        if status != 0 {
            return None;
        }
        let length = buffer.iter().position(|&c| c == 0).unwrap_or(buffer.len());
        Some(String::from_utf16_lossy(&buffer[..length]))
    }

    /// Windows has no boot id; process creation times are absolute, which is enough.
    pub(super) fn boot_id() -> Option<String> {
        None
    }

    /// The process's creation time (FILETIME), if it still runs.
    pub(super) fn process_started(pid: u32) -> Option<u64> {
        // SAFETY: OpenProcess returns a handle we close below, or null.
        let handle = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
        if handle.is_null() {
            return None;
        }
        let zero = FILETIME {
            dwLowDateTime: 0,
            dwHighDateTime: 0,
        };
        let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
        let mut exit_code = 0u32;
        // SAFETY: `handle` is a valid process handle and the out-pointers point at locals.
        let started = unsafe {
            let times = GetProcessTimes(handle, &mut created, &mut exited, &mut kernel, &mut user);
            let code = GetExitCodeProcess(handle, &mut exit_code);
            CloseHandle(handle);
            (times != 0 && code != 0 && exit_code == STILL_ACTIVE as u32).then(|| {
                (u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime)
            })
        };
        started
    }

    fn wide(text: &str) -> Vec<u16> {
        text.encode_utf16().chain(Some(0)).collect()
    }
}

/// Elsewhere no identity beyond host name and pid is known: only the lock's age clears it.
#[cfg(not(any(target_os = "linux", windows)))]
mod platform {
    pub(super) fn machine_id() -> Option<String> {
        None
    }

    pub(super) fn boot_id() -> Option<String> {
        None
    }

    pub(super) fn process_started(_pid: u32) -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_differ_and_sort_by_time() {
        let at: jiff::Timestamp = "2019-09-25T02:41:00Z".parse().unwrap();
        let (a, b) = (new_run_id(at), new_run_id(at));
        assert_ne!(a, b);
        assert!(a.starts_with("1569379260000-"), "{a}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_is_alive_and_others_are_told_apart() {
        let this = Holder::this_process();
        assert!(this.machine.as_ref().is_some_and(|id| id.len() == 24));
        assert!(this.process_started.is_some());
        assert_eq!(this.liveness(&this), Liveness::Unknown);

        let reused_pid = Holder {
            process_started: this.process_started.map(|t| t + 1),
            ..this.clone()
        };
        assert!(matches!(reused_pid.liveness(&this), Liveness::Gone(_)));
        let earlier_boot = Holder {
            boot: Some("another boot".into()),
            ..this.clone()
        };
        let Liveness::Gone(why) = earlier_boot.liveness(&this) else {
            panic!("a process of an earlier boot is gone");
        };
        assert!(why.contains("earlier boot"), "{why}");
        // A clone of this machine with the same host name and pid is another machine.
        let cloned_machine = Holder {
            machine: Some("0123456789abcdef01234567".into()),
            pid: u32::MAX,
            ..this.clone()
        };
        assert_eq!(cloned_machine.liveness(&this), Liveness::Unknown);
        // Linux pids stay below 2^22.
        let dead = Holder {
            pid: u32::MAX,
            ..this.clone()
        };
        assert!(matches!(dead.liveness(&this), Liveness::Gone(_)));
    }
}
