//! The project's command layer, run as `cargo xtask <command>`.
//!
//! It parses arguments, calls the libraries (`experiments` for the pipeline,
//! `plots` for the figures, the model crates for single tools) and writes
//! files where the user asked; no physics, training, statistics, parsing or
//! plotting lives here. Commands:
//!
//! * `cargo xtask ci`: formatting check, clippy with warnings denied, the test
//!   suite, and the documentation with warnings denied, as CI runs them.
//! * `cargo xtask reproduce <fig1|fig2|fig3|fig4|all>`: reproduce the paper's
//!   figures into `results/<figure>/`.
//! * `cargo xtask chip form --preset P --out chip.bin`, `cargo xtask encode
//!   --chip chip.bin ... --out DIR`: form and save a chip, encode a figure's
//!   event data on it into `.npy` features.
//! * `cargo xtask device fit --conductances FILE`: fit the device model to
//!   measured conductances.
//! * `cargo xtask sweep`, `sweep-merge`, `costs`, `events`, `emulate`, `lsm`,
//!   `bench`: see `--help` and the README.
//!
//! Logs go through `tracing`; set `RUST_LOG` (for example `RUST_LOG=debug`) to
//! see more.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod args;
pub mod chip_cmd;
pub mod ci;
pub mod costs;
pub mod device_cmd;
pub mod emulate_cmd;
pub mod events_cmd;
pub mod lsm_cmd;
pub mod progress;
pub mod reproduce;
pub mod run_log;
pub mod sweep;

/// The figure library, under the name the command modules use.
pub use plots as plot;

/// Writes a figure's artifacts into `out`: its CSV tables, then its panels
/// as PNG and SVG.
pub fn write_artifacts(
    out: &experiments::output::ResultsDir,
    art: &plots::Artifacts,
) -> anyhow::Result<()> {
    for t in &art.tables {
        out.write(&t.name, t.text.as_bytes())?;
    }
    art.save_figures(out.root())?;
    Ok(())
}

/// Command line of `cargo xtask`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    version,
    about = "Reproductions, checks and tools for the RRAM liquid state machine"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the checks CI runs: fmt, clippy -D warnings, tests, docs -D warnings.
    Ci(ci::CiArgs),
    /// Reproduce a figure of the paper (or all of them) into `results/<figure>/`.
    Reproduce(reproduce::ReproduceArgs),
    /// Shorthand for `reproduce fig1`.
    #[command(name = "reproduce-fig1")]
    ReproduceFig1(reproduce::ReproduceOptions),
    /// Shorthand for `reproduce fig2`.
    #[command(name = "reproduce-fig2")]
    ReproduceFig2(reproduce::ReproduceOptions),
    /// Shorthand for `reproduce fig3`.
    #[command(name = "reproduce-fig3")]
    ReproduceFig3(reproduce::ReproduceOptions),
    /// Shorthand for `reproduce fig4`.
    #[command(name = "reproduce-fig4")]
    ReproduceFig4(reproduce::ReproduceOptions),
    /// Shorthand for `reproduce all`.
    #[command(name = "reproduce-all")]
    ReproduceAll(reproduce::ReproduceOptions),
    /// Form a chip and save it: `chip form --preset P --out chip.bin`.
    Chip(chip_cmd::ChipArgs),
    /// Encode a figure's event data on a saved chip into `.npy` features.
    Encode(chip_cmd::EncodeArgs),
    /// The converged readout on `encode`'s `.npy` features: `readout --features DIR`.
    Readout(chip_cmd::ReadoutArgs),
    /// Device-model tools: `device fit --conductances FILE.csv`.
    Device(device_cmd::DeviceArgs),
    /// Training MACs and inference energy of the paper's models, ours beside the paper's.
    Costs(costs::CostsArgs),
    /// Event-data tools: `events summary PATH [--json] [--format ...]`.
    Events(events_cmd::EventsArgs),
    /// Emulated and synthetic event data: `emulate nmnist|ntidigits|synthetic|calibrate|pictures`.
    Emulate(emulate_cmd::EmulateArgs),
    /// Reservoir tools: `lsm check --fixture DIR` (conformance with a reference).
    Lsm(lsm_cmd::LsmArgs),
    /// Benchmarks: `bench lsm` (a table, or JSON with `--json`).
    Bench(lsm_cmd::BenchArgs),
    /// Parameter sweeps from a spec: `sweep --spec FILE.toml [--shard K/N]` (docs/sweeps.md).
    Sweep(sweep::SweepArgs),
    /// Merge the shard files of a sweep: `sweep-merge DIR`.
    SweepMerge(sweep::SweepMergeArgs),
}

/// Runs one parsed command line; the exit code says whether everything asked
/// for ran.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Ci(args) => ci::run(&args),
        Command::Reproduce(args) => reproduce::run(&args),
        Command::ReproduceFig1(options) => reproduce::run_with(reproduce::Figure::Fig1, &options),
        Command::ReproduceFig2(options) => reproduce::run_with(reproduce::Figure::Fig2, &options),
        Command::ReproduceFig3(options) => reproduce::run_with(reproduce::Figure::Fig3, &options),
        Command::ReproduceFig4(options) => reproduce::run_with(reproduce::Figure::Fig4, &options),
        Command::ReproduceAll(options) => reproduce::run_with(reproduce::Figure::All, &options),
        Command::Chip(args) => chip_cmd::run(&args),
        Command::Encode(args) => chip_cmd::encode(&args),
        Command::Readout(args) => chip_cmd::readout(&args),
        Command::Device(args) => device_cmd::run(&args),
        Command::Costs(args) => costs::run(&args),
        Command::Events(args) => events_cmd::run(&args),
        Command::Emulate(args) => emulate_cmd::run(&args),
        Command::Lsm(args) => lsm_cmd::run(&args),
        Command::Bench(args) => lsm_cmd::bench(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::SweepMerge(args) => sweep::merge(&args),
    }
}

/// Installs the `tracing` subscriber (`RUST_LOG` filters, `info` by default,
/// logs on standard error, colours only on a terminal, and a copy into a
/// reproduction's run log) and the terminal's progress reporter.
pub fn init_logging() {
    experiments::progress::install(std::sync::Arc::new(progress::Terminal::new()));
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let terminal = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    // A reproduction's run log (plain text, see `run_log`).
    let file = tracing_subscriber::fmt::layer()
        .with_writer(|| run_log::LogWriter)
        .with_ansi(false)
        .with_target(false);
    // A second initialisation (tests calling in-process) is harmless.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(terminal)
        .with(file)
        .try_init();
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    experiments::workspace_root()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyphenated_reproduce_commands_take_the_same_options() {
        let cli = Cli::try_parse_from(["xtask", "reproduce-fig2", "--quick", "--seed", "3"])
            .expect("parses");
        match cli.command {
            Command::ReproduceFig2(o) => {
                assert!(o.run.quick);
                assert_eq!(o.run.seed, Some(3));
            }
            other => panic!("parsed as {other:?}"),
        }
        for name in [
            "reproduce-fig1",
            "reproduce-fig3",
            "reproduce-fig4",
            "reproduce-all",
        ] {
            assert!(
                Cli::try_parse_from(["xtask", name, "--quick"]).is_ok(),
                "{name}"
            );
        }
        // A figure argument belongs to the long form only.
        assert!(Cli::try_parse_from(["xtask", "reproduce-fig2", "fig3"]).is_err());
    }
}
