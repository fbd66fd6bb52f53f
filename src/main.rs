//! The `vmrotate` command line: see `vmrotate --help`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
