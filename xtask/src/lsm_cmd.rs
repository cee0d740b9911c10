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
    /// Print one JSON document instead of the table.
    #[arg(long)]
    pub json: bool,
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
    /// Synaptic events per second per thread over the row-add roofline's
    /// adds per second per thread at the same thread count, same run.
    pub fraction_of_roofline: f64,
}

/// What `cargo xtask bench lsm --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// The standard workload.
    pub workload: String,
    /// The row-add roofline at each thread count measured.
    pub roofline: Vec<lsm::roofline::RowAddRoofline>,
    /// Every backend at every thread count.
    pub backends: Vec<BenchLine>,
    /// Macro over ideal samples per second, per thread count `(threads,
    /// ratio)`.
    pub macro_over_ideal: Vec<(usize, f64)>,
    /// Peak resident memory of the process, bytes (`None` where the
    /// platform does not report it).
    pub peak_rss_bytes: Option<u64>,
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
        fraction_of_roofline: f64::NAN,
    })
}

/// Peak resident set size of this process (Linux: `VmHWM` in
/// `/proc/self/status`).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Steps of the roofline kernel per repeat: about a quarter of a second
/// per repeat on one core of the development machine.
const ROOFLINE_STEPS: u64 = 1_000_000;

/// Runs `cargo xtask bench ...`: a table, or one JSON document with
/// `--json`.
pub fn bench(args: &BenchArgs) -> Result<ExitCode> {
    match args.target {
        BenchTarget::Lsm => {
            let report = bench_lsm(args.samples)?;
            if args.json {
                print_line(&serde_json::to_string_pretty(&report)?)?;
            } else {
                print_line(&bench_table(&report))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The roofline, both backends at one thread and at all threads, and the
/// ratios, all measured in this process.
pub fn bench_lsm(samples: usize) -> Result<BenchReport> {
    let seeds = Seeds::new(1234);
    let (params, w) = workload::reservoir(seeds)?;
    let inputs = workload::inputs(seeds, samples.max(8))?;
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
    let mut roofline = Vec::new();
    let mut backends = Vec::new();
    let mut macro_over_ideal = Vec::new();
    let thread_counts: &[usize] = if all == 1 { &[1] } else { &[1, all] };
    for &threads in thread_counts {
        let roof = lsm::roofline::measure(ROOFLINE_STEPS, threads);
        let mut i = measure(&ideal, &inputs, threads)?;
        let mut m = measure(&hw, macro_inputs, threads)?;
        for line in [&mut i, &mut m] {
            line.fraction_of_roofline =
                line.synaptic_events_per_s / threads as f64 / roof.adds_per_s;
        }
        macro_over_ideal.push((threads, m.samples_per_s / i.samples_per_s));
        roofline.push(roof);
        backends.extend([i, m]);
    }
    Ok(BenchReport {
        workload: format!(
            "{} inputs, {} LIF neurons, {} steps, input density {}",
            workload::N_IN,
            workload::N_RES,
            workload::STEPS,
            workload::DENSITY
        ),
        roofline,
        backends,
        macro_over_ideal,
        peak_rss_bytes: peak_rss_bytes(),
    })
}

/// The report as a plain-text table.
fn bench_table(r: &BenchReport) -> String {
    let mut out = format!("workload: {}\n", r.workload);
    for roof in &r.roofline {
        out += &format!(
            "row-add roofline, {} thread(s): {:.3e} adds/s per thread\n",
            roof.threads, roof.adds_per_s
        );
    }
    out += "backend  threads  samples/s  synaptic events/s  fraction of roofline  mean rate\n";
    for b in &r.backends {
        out += &format!(
            "{:<7}  {:>7}  {:>9.0}  {:>17.3e}  {:>20.2}  {:>9.4}\n",
            b.backend,
            b.threads,
            b.samples_per_s,
            b.synaptic_events_per_s,
            b.fraction_of_roofline,
            b.mean_rate
        );
    }
    for (threads, ratio) in &r.macro_over_ideal {
        out += &format!("macro / ideal, {threads} thread(s): {ratio:.2}x\n");
    }
    match r.peak_rss_bytes {
        Some(b) => out += &format!("peak RSS: {:.1} MB", b as f64 / 1e6),
        None => out += "peak RSS: not reported on this platform",
    }
    out
}
