//! `cargo xtask lsm check --fixture DIR` and `cargo xtask bench lsm`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{Macro, MacroParams};
use lsm::{EncodeOptions, MacroSynapses, Real, Reservoir, Synapses, workload};
use seeds::Seeds;
use serde::Serialize;

/// Options of `cargo xtask lsm`.
#[derive(Debug, clap::Args)]
pub struct LsmArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LsmCommand,
}

/// Subcommands of `cargo xtask lsm`.
#[derive(Debug, clap::Subcommand)]
pub enum LsmCommand {
    /// Run a conformance fixture directory (params.json, w_in.npy, w_rec.npy,
    /// inputs.npy, counts.npy) in f64 and f32; print one JSON line with the
    /// fractions of identical spike counts.
    Check {
        /// The fixture directory (e.g. ../shared/fixtures/lsm-reference).
        #[arg(long)]
        fixture: PathBuf,
    },
}

/// Writes one line to standard output and flushes it; a closed pipe (the
/// reader quit, e.g. `| head -1`) is an error, not a panic.
fn print_line(line: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .context("writing to standard output")
}

/// Runs `cargo xtask lsm ...`.
pub fn run(args: &LsmArgs) -> Result<ExitCode> {
    match &args.command {
        LsmCommand::Check { fixture } => {
            let report = lsm::conformance::check_fixture(fixture)
                .with_context(|| format!("checking fixture {}", fixture.display()))?;
            print_line(&serde_json::to_string(&report)?)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Options of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(value_enum)]
    pub target: BenchTarget,
    /// Samples per measurement of the ideal backend (the macro backend runs a
    /// quarter as many).
    #[arg(long, default_value_t = 4000)]
    pub samples: usize,
}

/// Benchmarks `cargo xtask bench` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchTarget {
    /// The reservoir on the standard workload, ideal and macro backends, one
    /// thread and all threads.
    Lsm,
}

/// One line of `cargo xtask bench lsm`.
#[derive(Debug, Clone, Serialize)]
pub struct BenchLine {
    /// `ideal` or `macro`.
    pub backend: String,
    /// Simulation precision.
    pub precision: String,
    /// Threads of the pool.
    pub threads: usize,
    /// Samples encoded per second (median of three runs).
    pub samples_per_s: f64,
    /// Synaptic events (active presynaptic rows x neurons) per second.
    pub synaptic_events_per_s: f64,
    /// Mean firing rate (spikes per neuron per step).
    pub mean_rate: f64,
}

fn measure<F: Real, S: Synapses<F>>(
    reservoir: &Reservoir<F, S>,
    inputs: &[events::SpikeRaster],
    threads: usize,
) -> Result<BenchLine> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let seeds = Seeds::new(1234);
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let start = Instant::now();
        let f = pool.install(|| reservoir.encode(inputs, EncodeOptions::new(seeds)))?;
        times.push(start.elapsed().as_secs_f64());
        last = Some(f);
    }
    times.sort_by(f64::total_cmp);
    let median = times[1];
    let f = last.context("no run")?;
    let spikes: u64 = f.counts.iter().map(|&c| u64::from(c)).sum();
    let cells = (f.samples * f.n_res * workload::STEPS) as f64;
    Ok(BenchLine {
        backend: reservoir.synapses().name().to_owned(),
        precision: F::NAME.to_owned(),
        threads,
        samples_per_s: inputs.len() as f64 / median,
        synaptic_events_per_s: f.ops.synaptic_events as f64 / median,
        mean_rate: spikes as f64 / cells,
    })
}

/// Runs `cargo xtask bench ...`, printing one JSON line per case.
pub fn bench(args: &BenchArgs) -> Result<ExitCode> {
    match args.target {
        BenchTarget::Lsm => {
            let seeds = Seeds::new(1234);
            let (params, w) = workload::reservoir(seeds)?;
            let inputs = workload::inputs(seeds, args.samples.max(8))?;
            let ideal = Reservoir::new(params.clone(), w.convert::<f32>())?;
            let chip = Macro::program(
                &MacroParams::default(),
                &DeviceParams::default(),
                &Program::default(),
                seeds,
            )?;
            let synapses = MacroSynapses::new(Arc::new(chip), "nmnist", workload::N_IN)?;
            let hw = Reservoir::<f32, _>::new(workload::macro_params(&params), synapses)?;
            let all = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1);
            let macro_inputs = &inputs[..(inputs.len() / 4).max(8)];
            for threads in [1, all] {
                print_line(&serde_json::to_string(&measure(&ideal, &inputs, threads)?)?)?;
                print_line(&serde_json::to_string(&measure(
                    &hw,
                    macro_inputs,
                    threads,
                )?)?)?;
                if all == 1 {
                    break;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
