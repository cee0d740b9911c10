//! `cargo xtask sweep --spec FILE.toml` and `cargo xtask sweep-merge DIR`:
//! parse the options, run [`experiments::sweep`], draw the figures with
//! [`plots::panels::sweep`] and write `summary.csv`, `report.md` and the
//! figures when the results are complete. The spec format, caching,
//! sharding and the cluster examples are in `docs/sweeps.md`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use experiments::output::ResultsDir;
use experiments::sweep::spec::{DataKindSpec, Plan};
use experiments::sweep::store::ResultFile;
use experiments::sweep::{self as lib, MergeOptions, SweepOptions, summary};

pub use experiments::sweep::{SweepOutcome, engine, spec, store};

use crate::args::RunArgs;

/// Options of `cargo xtask sweep`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SweepArgs {
    /// The sweep spec (TOML; see docs/sweeps.md and data/sweeps/).
    #[arg(long)]
    pub spec: PathBuf,
    /// Run only shard K of N (K from 0): runs with index % N == K.
    #[arg(long)]
    pub shard: Option<String>,
    /// Print the points and how many runs are left, and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Data source, seed, threads, output and scale.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of `cargo xtask sweep-merge`.
#[derive(Debug, Clone, clap::Args)]
pub struct SweepMergeArgs {
    /// Shard files, or directories holding `shard-K-of-N.json` files.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output directory (default: the first input directory, or the
    /// directory of the first file).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl SweepArgs {
    fn options(&self) -> SweepOptions {
        let d = &self.run.data;
        SweepOptions {
            spec: self.spec.clone(),
            quick: self.run.quick,
            shard: self.shard.clone(),
            data: d.data.map(DataKindSpec::from),
            nmnist: d.nmnist.clone(),
            ntidigits: d.ntidigits.clone(),
            mnist_idx: d.mnist_idx.clone(),
            speech_wav: d.speech_wav.clone(),
            seed: self.run.seed,
            out: self.run.out.clone(),
            dry_run: self.dry_run,
        }
    }
}

/// `cargo xtask sweep`.
pub fn run(args: &SweepArgs) -> Result<ExitCode> {
    let outcome = match args.run.pool()? {
        Some(pool) => pool.install(|| run_sweep(args))?,
        None => run_sweep(args)?,
    };
    if args.dry_run {
        print_plan(&outcome.plan);
        println!(
            "{} of {} runs left",
            outcome.runs - outcome.skipped,
            outcome.runs
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "sweep: {} runs ({} already finished), {} failed; results in {}",
        outcome.runs,
        outcome.skipped,
        outcome.failed,
        outcome.dir.display()
    );
    Ok(if outcome.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs a sweep (or one shard) in the current rayon pool and, when the
/// results are complete (no shard), writes the report and figures.
pub fn run_sweep(args: &SweepArgs) -> Result<SweepOutcome> {
    let outcome = lib::run_sweep(&args.options())?;
    if !args.dry_run && args.shard.is_none() {
        write_report(&outcome.file, &outcome.dir)?;
    }
    Ok(outcome)
}

/// Writes `summary.csv`, the figures and `report.md` of complete results.
fn write_report(file: &ResultFile, dir: &Path) -> Result<()> {
    let out = ResultsDir::create(dir)?;
    out.write("summary.csv", summary::summary_csv(file).as_bytes())?;
    let art = plots::panels::sweep(file)?;
    crate::write_artifacts(&out, &art)?;
    let report = summary::report_markdown(file, &lib::data_source(&file.resolved), &art.captions());
    out.write("report.md", report.as_bytes())?;
    Ok(())
}

fn print_plan(plan: &Plan) {
    println!(
        "sweep `{}` ({:?}, {:?}): {} points x {} repeats, columns {}",
        plan.name,
        plan.task,
        plan.design,
        plan.points.len(),
        plan.repeats,
        plan.columns.join(", ")
    );
    for p in &plan.points {
        println!(
            "  point {:>3}: {} [{}]",
            p.index,
            spec::describe_values(&plan.axes, &p.values, p.varied),
            p.backends
                .iter()
                .map(|b| b.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// `cargo xtask sweep-merge`.
pub fn merge(args: &SweepMergeArgs) -> Result<ExitCode> {
    let dir = merge_into(args)?;
    println!("merged; results in {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Merges shard files into `results.json` / `results.csv` and writes the
/// report and figures; returns the output directory.
pub fn merge_into(args: &SweepMergeArgs) -> Result<PathBuf> {
    let (dir, merged) = lib::merge_into(&MergeOptions {
        inputs: args.inputs.clone(),
        out: args.out.clone(),
    })?;
    write_report(&merged, &dir)?;
    Ok(dir)
}
