//! Progress while backups run: bars on a terminal, plain lines in logs, never both.
//!
//! On a terminal (stderr), each VM gets a bar that shows its current step and the clone's
//! percentage, and ends as one line saying how its run went. Anywhere else (cron mail, the
//! systemd journal, a Task Scheduler log file) each step is one timestamped line on stdout,
//! with the clone's progress every 10 %. With `--json` and no terminal nothing is printed
//! while running: the report says it all.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use vmrotate::{Event, EventSink};

/// How often a bar's spinner turns while nothing else happens.
const TICK: Duration = Duration::from_millis(120);
/// A VM's bar: spinner, VM, the clone's progress, the current step.
const BAR_TEMPLATE: &str = "{spinner} {prefix:<20} [{bar:25}] {pos:>3}% {wide_msg}";
/// The clone percentage steps a log line is written at.
const LOG_STEP: u8 = 10;

/// Where progress goes for this run.
pub enum Progress {
    /// One bar per VM on stderr, a terminal.
    Bars(Arc<Bars>),
    /// One line per step on stdout.
    Lines(Arc<Lines>),
    /// Nothing while running.
    Silent,
}

impl Progress {
    /// Bars when stderr is a terminal, else lines unless the output is JSON.
    pub fn for_this_process(json: bool) -> Self {
        if io::stderr().is_terminal() {
            Progress::Bars(Arc::default())
        } else if json {
            Progress::Silent
        } else {
            Progress::Lines(Arc::default())
        }
    }

    /// The sink to hand the library, if anything is shown.
    pub fn sink(&self) -> Option<EventSink> {
        match self {
            Progress::Bars(bars) => {
                let bars = Arc::clone(bars);
                Some(Arc::new(move |event: &Event| bars.show(event)))
            }
            Progress::Lines(lines) => {
                let lines = Arc::clone(lines);
                Some(Arc::new(move |event: &Event| lines.show(event)))
            }
            Progress::Silent => None,
        }
    }

    /// Clears what is left of the bars, before the summary is printed.
    pub fn finish(&self) {
        if let Progress::Bars(bars) = self {
            bars.clear();
        }
    }
}

/// The bars of the VMs being backed up.
pub struct Bars {
    multi: MultiProgress,
    by_vm: Mutex<HashMap<String, ProgressBar>>,
}

impl Default for Bars {
    fn default() -> Self {
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            by_vm: Mutex::default(),
        }
    }
}

impl Bars {
    fn show(&self, event: &Event) {
        let mut by_vm = self.by_vm.lock().unwrap_or_else(PoisonError::into_inner);
        if let Event::Started { vm, .. } = event {
            by_vm.insert(vm.clone(), self.multi.add(new_bar(vm)));
        }
        let bar = by_vm
            .entry(event.vm().to_owned())
            .or_insert_with(|| self.multi.add(new_bar(event.vm())));
        match event {
            Event::CloneProgress { percent, .. } => {
                bar.set_position(u64::from(*percent));
                bar.set_message("cloning");
            }
            Event::Finished { .. } => bar.finish_with_message(describe(event)),
            Event::Failed { .. } => bar.abandon_with_message(describe(event)),
            _ => bar.set_message(describe(event)),
        }
    }

    fn clear(&self) {
        // The bars are drawn on a terminal: failing to erase them only leaves them visible.
        let _ = self.multi.clear();
    }
}

fn new_bar(vm: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(BAR_TEMPLATE)
        .expect("BAR_TEMPLATE is a valid template")
        .progress_chars("=> ");
    let bar = ProgressBar::new(100)
        .with_style(style)
        .with_prefix(vm.to_owned());
    bar.enable_steady_tick(TICK);
    bar
}

/// Timestamped log lines, with the last clone percentage logged per VM.
#[derive(Default)]
pub struct Lines {
    logged_percent: Mutex<HashMap<String, u8>>,
}

impl Lines {
    fn show(&self, event: &Event) {
        let mut logged = self
            .logged_percent
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !is_due(&mut logged, event) {
            return;
        }
        drop(logged);
        let time = jiff::ZonedDateTime::now().strftime("%Y-%m-%d %H:%M:%S");
        // A log line that cannot be written (stdout closed) must not stop the backup.
        let _ = writeln!(
            io::stdout().lock(),
            "{time} {}: {}",
            event.vm(),
            describe(event)
        );
    }
}

/// Whether `event` gets a log line: every step does, clone progress only when it reaches the
/// next multiple of [`LOG_STEP`] percent for its VM (`logged` holds the last one logged).
fn is_due(logged: &mut HashMap<String, u8>, event: &Event) -> bool {
    match event {
        Event::Started { vm, .. } => {
            logged.remove(vm);
            true
        }
        Event::CloneProgress { vm, percent } => {
            let step = percent / LOG_STEP * LOG_STEP;
            if logged.get(vm).is_some_and(|last| *last >= step) {
                return false;
            }
            logged.insert(vm.clone(), step);
            true
        }
        _ => true,
    }
}

/// What happened, in a few words.
fn describe(event: &Event) -> String {
    match event {
        Event::Started { run, dry_run, .. } => {
            let dry = if *dry_run {
                " (dry run: nothing changes)"
            } else {
                ""
            };
            format!("started run {run}{dry}")
        }
        Event::SnapshotCreated { snapshot, .. } => format!("snapshot \"{snapshot}\" taken"),
        Event::CloneProgress { percent, .. } => format!("cloning: {percent}%"),
        Event::CloneDone {
            clone, datastore, ..
        } => format!("cloned to {clone} on {datastore}"),
        Event::Deleted { clone, .. } => format!("deleted {clone}"),
        Event::SnapshotRemoved { snapshot, .. } => format!("snapshot \"{snapshot}\" removed"),
        Event::Finished { .. } => "finished".to_owned(),
        // The error itself is printed once, on stderr, when the run ends.
        Event::Failed { .. } => "FAILED".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(percent: u8) -> Event {
        Event::CloneProgress {
            vm: "avocado2".into(),
            percent,
        }
    }

    #[test]
    fn clone_progress_is_logged_every_ten_percent_and_steps_always() {
        let mut logged = HashMap::new();
        let due: Vec<u8> = [0, 3, 9, 10, 15, 42, 100, 100]
            .into_iter()
            .filter(|percent| is_due(&mut logged, &progress(*percent)))
            .collect();
        assert_eq!(due, [0, 10, 42, 100]);
        let finished = Event::Finished {
            vm: "avocado2".into(),
        };
        assert!(is_due(&mut logged, &finished));
        let started = Event::Started {
            vm: "avocado2".into(),
            run: "r".into(),
            dry_run: false,
        };
        assert!(is_due(&mut logged, &started));
        assert!(is_due(&mut logged, &progress(0)), "a new run starts over");
    }

    #[test]
    fn the_bar_template_is_valid() {
        assert!(ProgressStyle::with_template(BAR_TEMPLATE).is_ok());
    }
}
