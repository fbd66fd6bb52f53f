//! `vmrotate plan`: print what one backup run would create and delete, and why.
//!
//! The JSON form (`--json`) is the serialized [`rotation_core::Plan`]; its rustdoc documents the
//! schema.

use std::io::{BufRead, Write};

use rotation_core::{Action, Existing, Mode, Plan, SlotRotation, Stamp};

use super::CliError;

/// Print what one backup run would create and delete, and why.
///
/// Existing VM names come from the arguments or, when there are none, one per line from stdin
/// (pass `< /dev/null` for an empty inventory). A plan that is blocked still exits 0: the plan
/// says so.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Prefix of every clone name.
    #[arg(long, default_value = "zz_")]
    prefix: String,
    /// The VM's name, as used in clone names.
    #[arg(long)]
    key: String,
    /// Number of slots; slots - 1 generations are kept (one slot stays free).
    #[arg(long, default_value_t = 4)]
    slots: u8,
    /// safe, or compat to do exactly what the original PowerCLI script did.
    #[arg(long, default_value_t = Mode::Safe)]
    mode: Mode,
    /// The run's time, yyyyMMddHHmm [default: now, local time].
    #[arg(long)]
    stamp: Option<Stamp>,
    /// Print the plan as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Existing VM names [default: one per line from stdin].
    #[arg(value_name = "NAME")]
    names: Vec<String>,
}

/// Plans one run from `args`, reading names from `input` if none were given, and prints the
/// plan to `output`.
pub(super) fn run(
    args: PlanArgs,
    input: impl BufRead,
    mut output: impl Write,
) -> Result<(), CliError> {
    let rotation = SlotRotation::new(args.prefix, args.key, args.slots, args.mode)?;
    let stamp = match args.stamp {
        Some(stamp) => stamp,
        None => vmrotate::default_stamp()?,
    };
    let names = if args.names.is_empty() {
        read_names(input)?
    } else {
        args.names
    };
    let plan = rotation.plan(names.into_iter().map(Existing::from), stamp);
    let written = if args.json {
        serde_json::to_writer_pretty(&mut output, &plan)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(output))
    } else {
        write_text(&mut output, &rotation, &plan)
    };
    written.map_err(CliError::Write)
}

/// One name per line; blank lines are skipped.
fn read_names(input: impl BufRead) -> Result<Vec<String>, CliError> {
    let mut names = Vec::new();
    for line in input.lines() {
        let line = line.map_err(CliError::ReadNames)?;
        if !line.trim().is_empty() {
            names.push(line);
        }
    }
    Ok(names)
}

fn write_text(out: &mut impl Write, rotation: &SlotRotation, plan: &Plan) -> std::io::Result<()> {
    writeln!(
        out,
        "plan for {}{} in {} mode: {} slots, {} generations kept",
        rotation.prefix(),
        rotation.key(),
        plan.mode,
        rotation.slots(),
        rotation.generations_kept()
    )?;
    writeln!(
        out,
        "new clone {} (current slot {}, prev slot {})",
        plan.new_clone, plan.current, plan.prev
    )?;
    if let Some(blocked) = &plan.blocked {
        writeln!(out, "BLOCKED: {blocked}")?;
    }
    if plan.actions.is_empty() {
        writeln!(out, "actions: none")?;
    } else {
        writeln!(out, "actions:")?;
    }
    for (step, action) in plan.actions.iter().enumerate() {
        let (op, condition) = match action {
            Action::Create { .. } => ("create", ""),
            Action::Delete {
                requires_create: true,
                ..
            } => ("delete", " (only once the create has succeeded)"),
            Action::Delete {
                requires_create: false,
                ..
            } => ("delete", " (whether or not the create succeeds)"),
        };
        writeln!(out, "  {}. {op} {}{condition}", step + 1, action.name())?;
        writeln!(out, "     {}", action.reason())?;
    }
    if !plan.findings.is_empty() {
        writeln!(out, "findings:")?;
    }
    for finding in &plan.findings {
        writeln!(out, "  - {finding}")?;
    }
    Ok(())
}
