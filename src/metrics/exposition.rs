//! The Prometheus text exposition format: the metric families vmrotate writes, rendering them,
//! and reading the per-VM values back from a previous textfile.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A metric family: its name, HELP text and TYPE (every vmrotate metric is a gauge).
pub(super) struct Family {
    pub(super) name: &'static str,
    help: &'static str,
}

/// The per-VM families, each with a `vm` label; [`VmValues`] is indexed like this list.
pub(super) const PER_VM: [Family; 7] = [
    Family {
        name: "vmrotate_backup_last_run_start_timestamp_seconds",
        help: "When the VM's last backup run started (Unix time).",
    },
    Family {
        name: "vmrotate_backup_last_run_end_timestamp_seconds",
        help: "When the VM's last backup run ended (Unix time).",
    },
    Family {
        name: "vmrotate_backup_last_run_success",
        help: "Whether the VM's last backup run succeeded (1) or failed (0).",
    },
    Family {
        name: "vmrotate_backup_last_success_timestamp_seconds",
        help: "When the VM's last successful backup run ended (Unix time).",
    },
    Family {
        name: "vmrotate_backup_generations",
        help: "The number of backup generations (clones) the VM has.",
    },
    Family {
        name: "vmrotate_backup_generations_unverified_or_failed",
        help: "The number of the VM's generations that are unverified or failed verification.",
    },
    Family {
        name: "vmrotate_backup_newest_generation_bytes",
        help: "The storage used by the VM's newest generation, in bytes.",
    },
];

/// Positions in [`PER_VM`].
pub(super) const START: usize = 0;
pub(super) const END: usize = 1;
pub(super) const SUCCESS: usize = 2;
pub(super) const LAST_SUCCESS: usize = 3;
pub(super) const GENERATIONS: usize = 4;
pub(super) const UNVERIFIED: usize = 5;
pub(super) const NEWEST_BYTES: usize = 6;

/// The families about the run as a whole.
pub(super) const RUN_START: Family = Family {
    name: "vmrotate_run_start_timestamp_seconds",
    help: "When the last vmrotate run started (Unix time).",
};
pub(super) const RUN_END: Family = Family {
    name: "vmrotate_run_end_timestamp_seconds",
    help: "When the last vmrotate run ended (Unix time).",
};
pub(super) const RUN_DURATION: Family = Family {
    name: "vmrotate_run_duration_seconds",
    help: "How long the last vmrotate run took.",
};
pub(super) const RUN_VMS: Family = Family {
    name: "vmrotate_run_vms",
    help: "The VMs of the last vmrotate run, by result (succeeded, failed).",
};

/// One VM's values, by position in [`PER_VM`]; `None` is not written.
pub(super) type VmValues = [Option<f64>; PER_VM.len()];

/// Samples of one family: (label set, e.g. `{vm="avocado2"}`, value).
pub(super) type Samples = Vec<(String, f64)>;

/// Appends `family` with its HELP and TYPE lines and `samples` to `out`; a family without
/// samples is left out.
pub(super) fn write_family(out: &mut String, family: &Family, samples: &Samples) {
    if samples.is_empty() {
        return;
    }
    let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
    let _ = writeln!(out, "# TYPE {} gauge", family.name);
    for (labels, value) in samples {
        let _ = writeln!(out, "{}{labels} {value}", family.name);
    }
}

/// The per-VM families of `vms`.
pub(super) fn write_per_vm(out: &mut String, vms: &BTreeMap<String, VmValues>) {
    for (index, family) in PER_VM.iter().enumerate() {
        let samples = vms
            .iter()
            .filter_map(|(vm, values)| values[index].map(|value| (vm_label(vm), value)))
            .collect();
        write_family(out, family, &samples);
    }
}

/// `{vm="<vm>"}`, escaped.
pub(super) fn vm_label(vm: &str) -> String {
    format!("{{vm=\"{}\"}}", escape(vm))
}

/// A label value escaped for the text format: backslash, double quote and line feed.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The per-VM values of a textfile vmrotate wrote; lines it does not know are skipped.
pub(super) fn read_per_vm(text: &str) -> BTreeMap<String, VmValues> {
    let mut vms: BTreeMap<String, VmValues> = BTreeMap::new();
    for line in text.lines() {
        let Some((index, rest)) = PER_VM.iter().enumerate().find_map(|(index, family)| {
            line.strip_prefix(family.name)
                .and_then(|rest| rest.strip_prefix("{vm=\""))
                .map(|rest| (index, rest))
        }) else {
            continue;
        };
        let Some((vm, rest)) = unescape_until_quote(rest) else {
            continue;
        };
        let value = rest
            .strip_prefix('}')
            .and_then(|value| value.trim().parse::<f64>().ok());
        if let Some(value) = value {
            vms.entry(vm).or_insert([None; PER_VM.len()])[index] = Some(value);
        }
    }
    vms
}

/// The escaped label value at the start of `text`, unescaped, and what follows its closing
/// quote.
fn unescape_until_quote(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[at + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                other => value.push(other),
            },
            other => value.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_vm_values_survive_a_round_trip() {
        let mut vms = BTreeMap::new();
        let mut values = [None; PER_VM.len()];
        values[LAST_SUCCESS] = Some(1_569_120_060.5);
        values[GENERATIONS] = Some(3.0);
        vms.insert("odd \"vm\"\\name\n".to_owned(), values);
        vms.insert("avocado2".to_owned(), [Some(1.0); PER_VM.len()]);
        let mut text = String::new();
        write_per_vm(&mut text, &vms);
        assert!(
            text.contains("# TYPE vmrotate_backup_generations gauge\n"),
            "{text}"
        );
        assert!(
            text.contains("{vm=\"odd \\\"vm\\\"\\\\name\\n\"} 3\n"),
            "{text}"
        );
        assert_eq!(read_per_vm(&text), vms);
    }
}
