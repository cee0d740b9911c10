//! Parameter sweeps (`cargo xtask sweep --spec FILE.toml` and `cargo xtask
//! sweep-merge DIR` on the command line): hyper-parameter grids, noise-robustness studies and device what-ifs over
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
//!   figures (drawn by the `plots` crate from [`summary`]) when the sweep
//!   is complete; `manifest.json` with
//!   provenance and wall time. Results are identical for any thread count
//!   and any sharding.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use crate::error::{Context, Result, bail};
use serde::Serialize;

pub mod engine;
pub mod spec;
pub mod store;
pub mod summary;

use crate::output::{Provenance, ResultsDir};
use spec::{DataKindSpec, Plan, PlanOptions};
use store::{ResultFile, Row, Shard};

/// How a sweep runs: the spec, its scale and data, the shard and where
/// results go.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// The sweep spec (TOML; see docs/sweeps.md and data/sweeps/).
    pub spec: PathBuf,
    /// Merge the spec's `[quick]` table (small sizes, for tests).
    pub quick: bool,
    /// Run only shard K of N (`"K/N"`, K from 0): runs with index % N == K.
    pub shard: Option<String>,
    /// Data source (default: the spec's, else the base preset's).
    pub data: Option<DataKindSpec>,
    /// Real N-MNIST: a root with Train/ and Test/, the original zips, or a folder of them.
    pub nmnist: Option<PathBuf>,
    /// Real N-TIDIGITS: the HDF5 file.
    pub ntidigits: Option<PathBuf>,
    /// Emulated vision: a folder of MNIST IDX files.
    pub mnist_idx: Option<PathBuf>,
    /// Emulated audio: a folder of `{digit}_{speaker}_{index}.wav` recordings.
    pub speech_wav: Option<PathBuf>,
    /// Seed whose children seed the repeats (default: the spec's, else the preset's).
    pub seed: Option<u64>,
    /// Output directory (default: `results/sweeps/<name>/`).
    pub out: Option<PathBuf>,
    /// Resolve the plan and count the runs left, and stop.
    pub dry_run: bool,
}

impl SweepOptions {
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

/// What [`run_sweep`] did.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    /// Where the results are.
    pub dir: PathBuf,
    /// The resolved plan.
    pub plan: Plan,
    /// The results of this invocation's share, as written.
    pub file: ResultFile,
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

/// The data-source kind of a plan's base preset, in words.
pub fn data_source(value: &serde_json::Value) -> String {
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
pub fn run_sweep(args: &SweepOptions) -> Result<SweepOutcome> {
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
    resume(&mut file, &dir, &plan, shard, &stem)?;
    let expected = file.expected_runs();
    let finished = file.finished();
    let pending: Vec<usize> = expected
        .iter()
        .copied()
        .filter(|r| !finished.contains(r))
        .collect();
    let skipped = expected.len() - pending.len();
    log_plan(&plan, shard, expected.len(), pending.len(), skipped);
    if args.dry_run {
        return Ok(SweepOutcome {
            dir,
            plan,
            file,
            runs: expected.len(),
            skipped,
            failed: 0,
        });
    }
    file.write(out.root(), &stem)?;
    let bar = crate::progress::bar(pending.len() as u64, "sweep runs");
    let mut sink = |outputs: Vec<engine::RunOutput>| -> Result<()> {
        let rows = rows_of(&plan, outputs);
        bar.inc(rows.len() as u64);
        file.upsert(rows);
        file.write(out.root(), &stem)?;
        Ok(())
    };
    engine::execute(&plan, &pending, &mut sink)?;
    bar.finish();
    let failed = file.rows.iter().filter(|r| r.error.is_some()).count();
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
        plan,
        file,
        runs: expected.len(),
        skipped,
        failed,
    })
}

/// Adds to `file` the finished rows of this spec (and shard) found in any
/// result file of `dir`; a file of another spec is skipped, unless it is
/// this invocation's own (`stem`), which is an error.
fn resume(
    file: &mut ResultFile,
    dir: &std::path::Path,
    plan: &Plan,
    shard: Option<Shard>,
    stem: &str,
) -> Result<()> {
    for path in store::result_files(dir)? {
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
    Ok(())
}

/// Logs the plan's size and what is left to run.
fn log_plan(plan: &Plan, shard: Option<Shard>, expected: usize, pending: usize, skipped: usize) {
    tracing::info!(
        "sweep `{}`: {} points x {} repeats = {} runs{}; {} to run, {} finished (spec hash {})",
        plan.name,
        plan.points.len(),
        plan.repeats,
        plan.runs(),
        shard.map_or(String::new(), |s| format!(
            ", shard {}/{} holds {}",
            s.index, s.count, expected
        )),
        pending,
        skipped,
        plan.hash
    );
}

/// The result rows of finished runs (failures are logged).
fn rows_of(plan: &Plan, outputs: Vec<engine::RunOutput>) -> Vec<Row> {
    outputs
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
        .collect()
}

/// Options of [`merge_into`].
#[derive(Debug, Clone, Default)]
pub struct MergeOptions {
    /// Shard files, or directories holding `shard-K-of-N.json` files.
    pub inputs: Vec<PathBuf>,
    /// Output directory (default: the first input directory, or the
    /// directory of the first file).
    pub out: Option<PathBuf>,
}

/// Merges shard files into `results.json` / `results.csv` in the output
/// directory; returns the directory and the merged results.
pub fn merge_into(args: &MergeOptions) -> Result<(PathBuf, ResultFile)> {
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
    Ok((dir, merged))
}
