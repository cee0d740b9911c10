//! `cargo xtask sweep --spec FILE.toml` and `cargo xtask sweep-merge DIR`:
//! hyper-parameter grids, noise-robustness studies and device what-ifs over
//! any field of a reproduction's preset, on one machine or sharded over a
//! cluster's existing scheduler.
//!
//! The spec format, examples, caching, sharding and the SLURM and
//! Kubernetes examples are in `docs/sweeps.md`; the committed studies are
//! in `data/sweeps/`. In short:
//!
//! * A spec names a base preset (`fig2`, `fig3`, `fig4` or a file), axes
//!   (dotted preset paths with `values` or a `range`), how they combine
//!   (`design = "grid"` or `"one-at-a-time"`), the metrics, the repeats,
//!   the backends and the data source. Fixed settings go in `[set]`,
//!   fields computed from others in `[derived]` (e.g. `reservoir.n_in`
//!   from the crop). Unknown paths are errors naming the path. The
//!   sweep-level section `input_noise` ([`events::InputNoise`]: dropped and
//!   spurious events) degrades the events before binning.
//! * Repeat `r` runs with the seed `Seeds::new(seed).child(Purpose::Sweep, r)`
//!   at every point (common random numbers: the points of one repeat share
//!   data draws, chip and wiring draws wherever their settings agree, so
//!   differences between points measure the parameter, not a new draw).
//! * Stages are cached by everything that determines them ([`engine`]):
//!   rasters per data, binning, input noise and seed; chips per device,
//!   program, macro and seed; features per reservoir configuration and
//!   backend; readouts per readout configuration. Readout-only axes never
//!   re-simulate the reservoir.
//! * Reservoir shapes that do not fit the preset's macro partition (hidden
//!   sizes up to 800, 34 x 34 inputs) run on a grown array with generated
//!   partitions ([`engine::fit_chip`]): hardware points are never dropped,
//!   and a point whose shape fits keeps the paper's partition exactly.
//! * Results ([`store`]): `results.json` and `results.csv` (or
//!   `shard-K-of-N.*`), written atomically after every chunk of runs; a
//!   rerun skips finished runs found in any result file of the output
//!   directory with the same spec hash; `summary.csv`, `report.md` and the
//!   figures ([`plots`]) when the sweep is complete; `manifest.json` with
//!   provenance and wall time. Results are identical for any thread count
//!   and any sharding.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

pub mod engine;
pub mod plots;
pub mod spec;
pub mod store;

use crate::results::{Provenance, ResultsDir, progress_bar};
use spec::{DataKindSpec, Plan, PlanOptions};
use store::{ResultFile, Row, Shard};

/// Options of `cargo xtask sweep`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SweepArgs {
    /// The sweep spec (TOML; see docs/sweeps.md and data/sweeps/).
    #[arg(long)]
    pub spec: PathBuf,
    /// Merge the spec's `[quick]` table (small sizes, for tests).
    #[arg(long)]
    pub quick: bool,
    /// Run only shard K of N (K from 0): runs with index % N == K.
    #[arg(long)]
    pub shard: Option<String>,
    /// Data source (default: the spec's, else the base preset's).
    #[arg(long, value_enum)]
    pub data: Option<DataKindSpec>,
    /// Real N-MNIST: a root with Train/ and Test/, the original zips, or a folder of them.
    #[arg(long)]
    pub nmnist: Option<PathBuf>,
    /// Real N-TIDIGITS: the HDF5 file.
    #[arg(long)]
    pub ntidigits: Option<PathBuf>,
    /// Emulated vision: a folder of MNIST IDX files.
    #[arg(long)]
    pub mnist_idx: Option<PathBuf>,
    /// Emulated audio: a folder of `{digit}_{speaker}_{index}.wav` recordings.
    #[arg(long)]
    pub speech_wav: Option<PathBuf>,
    /// Seed whose children seed the repeats (default: the spec's, else the preset's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory (default: `results/sweeps/<name>/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the points and how many runs are left, and stop.
    #[arg(long)]
    pub dry_run: bool,
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
    fn plan_options(&self) -> PlanOptions {
        PlanOptions {
            quick: self.quick,
            data: self.data,
            nmnist: self.nmnist.clone(),
            ntidigits: self.ntidigits.clone(),
            mnist: self.mnist_idx.clone(),
            wav: self.speech_wav.clone(),
            seed: self.seed,
        }
    }
}

/// What `run` did.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepOutcome {
    /// Where the results are.
    pub dir: PathBuf,
    /// Runs of this invocation's share (all, or the shard's).
    pub runs: usize,
    /// Runs found finished and skipped.
    pub skipped: usize,
    /// Runs that failed.
    pub failed: usize,
}

#[derive(Serialize)]
struct Manifest<'a> {
    sweep: &'a str,
    spec: String,
    spec_hash: &'a str,
    shard: Option<Shard>,
    quick: bool,
    command_line: Vec<String>,
    provenance: Provenance,
    runs: usize,
    skipped: usize,
    failed: usize,
    wall_time_s: f64,
}

/// `cargo xtask sweep`.
pub fn run(args: &SweepArgs) -> Result<ExitCode> {
    let outcome = match args.threads {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()?
            .install(|| run_sweep(args))?,
        None => run_sweep(args)?,
    };
    if args.dry_run {
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

/// The data-source kind of a plan's base preset, in words.
fn data_source(value: &serde_json::Value) -> String {
    let src = &value["base"]["data"]["source"];
    let kind = src["kind"].as_str().unwrap_or("unknown");
    let paths: Vec<&str> = ["mnist", "wav", "nmnist", "ntidigits"]
        .iter()
        .filter_map(|k| src[*k].as_str())
        .collect();
    if paths.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} ({})", paths.join(", "))
    }
}

/// Runs a sweep (or one shard) in the current rayon pool.
pub fn run_sweep(args: &SweepArgs) -> Result<SweepOutcome> {
    let start = Instant::now();
    let plan = spec::load(&args.spec, &args.plan_options())?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let dir = args.out.clone().unwrap_or_else(|| {
        crate::workspace_root()
            .join("results/sweeps")
            .join(&plan.name)
    });
    let out = ResultsDir::create(&dir)?;
    let stem = shard.map_or_else(|| "results".to_owned(), |s| s.stem());
    let mut file = ResultFile::new(&plan, shard)?;

    // Resume: finished rows of this spec from any result file in the directory.
    for path in store::result_files(&dir)? {
        let f = ResultFile::read(&path)?;
        let own = path
            .file_stem()
            .is_some_and(|s| s.to_string_lossy() == stem);
        if f.spec_hash != plan.hash {
            if own {
                bail!(
                    "{} holds results of another spec (hash {}, this spec {}): choose another --out or delete it",
                    path.display(),
                    f.spec_hash,
                    plan.hash
                );
            }
            tracing::warn!(
                "ignoring {} (another spec: hash {})",
                path.display(),
                f.spec_hash
            );
            continue;
        }
        let mine = f
            .rows
            .into_iter()
            .filter(|r| r.error.is_none() && shard.is_none_or(|s| s.owns(r.run)));
        file.upsert(mine);
    }
    let expected = file.expected_runs();
    let finished = file.finished();
    let pending: Vec<usize> = expected
        .iter()
        .copied()
        .filter(|r| !finished.contains(r))
        .collect();
    let skipped = expected.len() - pending.len();
    tracing::info!(
        "sweep `{}`: {} points x {} repeats = {} runs{}; {} to run, {} finished (spec hash {})",
        plan.name,
        plan.points.len(),
        plan.repeats,
        plan.runs(),
        shard.map_or(String::new(), |s| format!(
            ", shard {}/{} holds {}",
            s.index,
            s.count,
            expected.len()
        )),
        pending.len(),
        skipped,
        plan.hash
    );
    if args.dry_run {
        print_plan(&plan);
        println!("{} of {} runs left", pending.len(), expected.len());
        return Ok(SweepOutcome {
            dir,
            runs: expected.len(),
            skipped,
            failed: 0,
        });
    }
    file.write(out.root(), &stem)?;
    let bar = progress_bar(pending.len() as u64, "sweep runs");
    let mut sink = |outputs: Vec<engine::RunOutput>| -> Result<()> {
        let rows: Vec<Row> = outputs
            .into_iter()
            .map(|o| {
                let (p, r) = plan.run_of(o.run);
                let point = &plan.points[p];
                if let Some(e) = &o.error {
                    tracing::warn!(
                        "run {} ({}, repeat {r}) failed: {e}",
                        o.run,
                        spec::describe_values(&plan.axes, &point.values, point.varied)
                    );
                }
                Row {
                    run: o.run,
                    point: p,
                    repeat: r,
                    seed: plan.repeat_seed(r).seed(),
                    varied: point.varied.map(|k| plan.axes[k].name.clone()),
                    values: point.values.clone(),
                    metrics: o.metrics,
                    error: o.error,
                }
            })
            .collect();
        bar.inc(rows.len() as u64);
        file.upsert(rows);
        file.write(out.root(), &stem)?;
        Ok(())
    };
    engine::execute(&plan, &pending, &mut sink)?;
    bar.finish_and_clear();
    let failed = file.rows.iter().filter(|r| r.error.is_some()).count();
    if shard.is_none() {
        plots::write_report(&file, out.root(), &data_source(&file.resolved))?;
    }
    let manifest = Manifest {
        sweep: &plan.name,
        spec: args.spec.display().to_string(),
        spec_hash: &plan.hash,
        shard,
        quick: args.quick,
        command_line: std::env::args().collect(),
        provenance: Provenance::current(rayon::current_num_threads()),
        runs: expected.len(),
        skipped,
        failed,
        wall_time_s: start.elapsed().as_secs_f64(),
    };
    let name = shard.map_or_else(
        || "manifest.json".to_owned(),
        |s| format!("manifest-{}.json", s.stem()),
    );
    out.write_json(&name, &manifest)?;
    Ok(SweepOutcome {
        dir,
        runs: expected.len(),
        skipped,
        failed,
    })
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
    let mut paths = BTreeSet::new();
    for input in &args.inputs {
        if input.is_dir() {
            for p in store::result_files(input)? {
                if p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("shard-"))
                {
                    paths.insert(p);
                }
            }
        } else {
            paths.insert(input.clone());
        }
    }
    let files: Vec<ResultFile> = paths
        .iter()
        .map(|p| ResultFile::read(p))
        .collect::<Result<_>>()?;
    let merged = store::merge(&files)?;
    let dir = match &args.out {
        Some(d) => d.clone(),
        None => {
            let first = args.inputs.first().context("no inputs")?;
            if first.is_dir() {
                first.clone()
            } else {
                first
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("."))
            }
        }
    };
    let out = ResultsDir::create(&dir)?;
    merged.write(out.root(), "results")?;
    plots::write_report(&merged, out.root(), &data_source(&merged.resolved))?;
    Ok(dir)
}
