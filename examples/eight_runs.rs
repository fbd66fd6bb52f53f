//! The seed article's rotation, run by run: eight backups of `avocado2` with 4 slots, in both
//! modes, applying each plan to a simulated inventory.
//!
//! ```text
//! cargo run --example eight_runs
//! ```

use vmrotate::rotation_core::{Action, CloneName, Mode, SlotRotation, Stamp};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for mode in [Mode::Safe, Mode::Compat] {
        println!("== {mode} mode, 4 slots (3 generations kept)");
        let rotation = SlotRotation::new("zz_", "avocado2", 4, mode)?;
        let mut inventory: Vec<String> = vec!["avocado2".into()];
        for day in 1..=8 {
            let stamp: Stamp = format!("201909{day:02}0241").parse()?;
            let plan = rotation.plan(inventory.iter().map(String::as_str), stamp);
            for action in &plan.actions {
                match action {
                    Action::Create { name, .. } => inventory.push(name.clone()),
                    Action::Delete { name, .. } => inventory.retain(|vm| vm != name),
                }
            }
            let slots: Vec<String> = inventory
                .iter()
                .filter_map(|vm| CloneName::parse("zz_", vm).ok())
                .map(|clone| clone.slot().to_string())
                .collect();
            println!(
                "run {day}: current {} prev {} -> slots {}",
                plan.current,
                plan.prev,
                slots.join(" ")
            );
        }
    }
    Ok(())
}
