//! `cargo xtask reproduce <figure>`: the paper's figures, end to end.
//!
//! Each figure loads its preset (`data/presets/<figure>.toml`, or
//! `--preset FILE`), applies `--quick` and the command-line overrides,
//! validates it, runs library calls stage by stage, and writes into
//! `<out>/<figure>/` (default `results/<figure>/`): figures as PNG and SVG
//! with the plotted data as CSV, `summary.json` (flat numbers, documented in
//! `docs/results-format.md`), `report.md` (ours beside the paper's) and
//! `manifest.json` (resolved configuration, seed, data source, git revision
//! and dirty flag, rustc version, threads, wall time per stage). `all` runs
//! the four and writes `<out>/REPORT.md` linking them. Every file is written
//! atomically; the same seed, data and preset give the same `summary.json`
//! with any number of threads.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use toml::Value;

use crate::results::{Provenance, ResultsDir, Stages};

pub mod baselines;
pub mod fig1;
pub mod fig2;
pub mod fig3;
pub mod fig4;
pub mod fig4_panels;
pub mod preset;
pub mod report;
pub mod supervised;
pub mod supervised_panels;

use report::{Report, Summary};

/// A figure of the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Figure {
    /// Device and macro: forming statistics, read noise, stability.
    Fig1,
    /// N-MNIST supervised classification.
    Fig2,
    /// N-TIDIGITS supervised classification.
    Fig3,
    /// Zero-shot audio-image retrieval.
    Fig4,
    /// All four figures and a linking report.
    All,
}

impl Figure {
    /// The four figures, in order.
    pub const EACH: [Figure; 4] = [Figure::Fig1, Figure::Fig2, Figure::Fig3, Figure::Fig4];

    /// The figure's name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Figure::Fig1 => "fig1",
            Figure::Fig2 => "fig2",
            Figure::Fig3 => "fig3",
            Figure::Fig4 => "fig4",
            Figure::All => "all",
        }
    }

    /// What the figure shows.
    pub fn title(self) -> &'static str {
        match self {
            Figure::Fig1 => "device and macro: forming statistics, read noise, stability",
            Figure::Fig2 => "N-MNIST supervised classification",
            Figure::Fig3 => "N-TIDIGITS supervised classification",
            Figure::Fig4 => "zero-shot audio-image retrieval",
            Figure::All => "all four figures",
        }
    }
}

/// Which data a reproduction runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataKind {
    /// Built-in synthetic digits and speech through the emulators (default).
    Synthetic,
    /// MNIST IDX digits and WAV recordings through the emulators.
    Emulated,
    /// The real N-MNIST and N-TIDIGITS datasets.
    Real,
}

/// Options shared by `reproduce <figure>` and `reproduce-<figure>`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReproduceOptions {
    /// Preset file (default: `data/presets/<figure>.toml`).
    #[arg(long)]
    pub preset: Option<PathBuf>,
    /// Small sample counts and epochs (the preset's `[quick]` table), for a
    /// run of about a minute.
    #[arg(long)]
    pub quick: bool,
    /// Data source (default: synthetic, or what the dataset paths imply).
    #[arg(long, value_enum)]
    pub data: Option<DataKind>,
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
    /// Experiment seed (default: the preset's, 10 as in the authors' scripts).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory (default: `results/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Options of `cargo xtask reproduce`.
#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {
    /// Which figure to reproduce.
    #[arg(value_enum)]
    pub figure: Figure,
    /// Everything else.
    #[command(flatten)]
    pub options: ReproduceOptions,
}

/// What one figure produced.
#[derive(Debug)]
pub struct FigureOutput {
    /// Flat numbers (`summary.json`).
    pub summary: Summary,
    /// The report (`report.md`).
    pub report: Report,
    /// The resolved preset, for the manifest.
    pub resolved: serde_json::Value,
    /// The seed used.
    pub seed: u64,
    /// The data source kind (`synthetic`, `emulated`, `real`, or `none`).
    pub data_source: String,
}

/// The run of one figure: options, output directory, stage timings.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The command-line options.
    pub options: &'a ReproduceOptions,
    /// The figure.
    pub figure: Figure,
    /// Where its files go.
    pub out: ResultsDir,
    /// Wall time per stage.
    pub stages: Stages,
}

impl Ctx<'_> {
    /// Loads the figure's preset with `--quick` and the command-line seed and
    /// data overrides applied; `data_path` is the dotted path of the preset's
    /// data configuration (`None` for figures without data).
    pub fn preset<P: DeserializeOwned>(&self, data_path: Option<&str>) -> Result<(P, PathBuf)> {
        let path = self
            .options
            .preset
            .clone()
            .unwrap_or_else(|| preset::default_path(self.figure.name()));
        let mut table = preset::read_table(&path)?;
        preset::apply_quick(&mut table, self.options.quick)?;
        if let Some(seed) = self.options.seed {
            let seed = i64::try_from(seed)
                .context("--seed must be below 2^63 (TOML integers are signed)")?;
            preset::set_path(&mut table, "seed", Value::Integer(seed))?;
        }
        if let Some(data) = data_path {
            self.apply_data_overrides(&mut table, data)?;
        }
        Ok((preset::parse(table, &path)?, path))
    }

    fn apply_data_overrides(&self, table: &mut toml::Table, data: &str) -> Result<()> {
        let o = self.options;
        let real_paths = o.nmnist.is_some() || o.ntidigits.is_some();
        let emulated_paths = o.mnist_idx.is_some() || o.speech_wav.is_some();
        let kind = match (o.data, real_paths, emulated_paths) {
            (_, true, true) => bail!(
                "give either real dataset paths (--nmnist, --ntidigits) or emulator inputs (--mnist-idx, --speech-wav), not both"
            ),
            (Some(DataKind::Real), _, true)
            | (Some(DataKind::Emulated), true, _)
            | (Some(DataKind::Synthetic), true, _)
            | (Some(DataKind::Synthetic), _, true) => {
                bail!(
                    "the dataset paths given do not fit --data {:?}",
                    o.data
                        .map(|d| format!("{d:?}").to_lowercase())
                        .unwrap_or_default()
                )
            }
            (Some(kind), _, _) => Some(kind),
            (None, true, false) => Some(DataKind::Real),
            (None, false, true) => Some(DataKind::Emulated),
            (None, false, false) => None,
        };
        let source = format!("{data}.source");
        let path_value = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| Value::String(p.to_string_lossy().into_owned()))
        };
        match kind {
            None => {}
            Some(DataKind::Synthetic) => {
                let current = table
                    .get(data.split('.').next().unwrap_or(data))
                    .and_then(|d| d.get("source"))
                    .and_then(|s| s.get("kind"))
                    .and_then(Value::as_str);
                if current != Some("synthetic") {
                    let mut t = toml::Table::new();
                    t.insert("kind".into(), Value::String("synthetic".into()));
                    preset::set_path(table, &source, Value::Table(t))?;
                }
            }
            Some(DataKind::Real) => {
                let mut t = toml::Table::new();
                t.insert("kind".into(), Value::String("real".into()));
                if let Some(v) = path_value(&o.nmnist) {
                    t.insert("nmnist".into(), v);
                }
                if let Some(v) = path_value(&o.ntidigits) {
                    t.insert("ntidigits".into(), v);
                }
                preset::set_path(table, &source, Value::Table(t))?;
            }
            Some(DataKind::Emulated) => {
                let mut t = toml::Table::new();
                t.insert("kind".into(), Value::String("emulated".into()));
                if let Some(v) = path_value(&o.mnist_idx) {
                    t.insert("mnist".into(), v);
                }
                if let Some(v) = path_value(&o.speech_wav) {
                    t.insert("wav".into(), v);
                }
                preset::set_path(table, &source, Value::Table(t))?;
            }
        }
        Ok(())
    }
}

/// The manifest written next to a figure's results.
#[derive(Debug, Serialize)]
struct Manifest<'a> {
    figure: &'a str,
    preset: String,
    quick: bool,
    seed: u64,
    data_source: &'a str,
    command_line: Vec<String>,
    provenance: Provenance,
    stages: &'a [crate::results::StageTime],
    wall_time_s: f64,
    resolved_config: &'a serde_json::Value,
}

/// Runs one figure into `<out>/<figure>/` and returns its summary.
pub fn run_figure(figure: Figure, options: &ReproduceOptions) -> Result<Summary> {
    let out_root = options
        .out
        .clone()
        .unwrap_or_else(|| crate::workspace_root().join("results"));
    let out = ResultsDir::create(out_root.join(figure.name()))?;
    let mut ctx = Ctx {
        options,
        figure,
        out,
        stages: Stages::default(),
    };
    let start = Instant::now();
    let output = match figure {
        Figure::Fig1 => fig1::run(&mut ctx)?,
        Figure::Fig2 => fig2::run(&mut ctx)?,
        Figure::Fig3 => fig3::run(&mut ctx)?,
        Figure::Fig4 => fig4::run(&mut ctx)?,
        Figure::All => bail!("`all` is not a single figure"),
    };
    write_outputs(&mut ctx, &output, start)?;
    Ok(output.summary)
}

fn write_outputs(ctx: &mut Ctx<'_>, output: &FigureOutput, start: Instant) -> Result<()> {
    ctx.out.write_json("summary.json", &output.summary)?;
    ctx.out
        .write("report.md", output.report.markdown().as_bytes())?;
    let manifest = Manifest {
        figure: ctx.figure.name(),
        preset: ctx
            .options
            .preset
            .clone()
            .unwrap_or_else(|| preset::default_path(ctx.figure.name()))
            .display()
            .to_string(),
        quick: ctx.options.quick,
        seed: output.seed,
        data_source: &output.data_source,
        command_line: std::env::args().collect(),
        provenance: Provenance::current(rayon::current_num_threads()),
        stages: ctx.stages.times(),
        wall_time_s: start.elapsed().as_secs_f64(),
        resolved_config: &output.resolved,
    };
    ctx.out.write_json("manifest.json", &manifest)?;
    Ok(())
}

/// Runs the requested figures and reports each one; exits with success only
/// if every requested figure ran.
pub fn run(args: &ReproduceArgs) -> Result<ExitCode> {
    run_with(args.figure, &args.options)
}

/// Runs `figure` (or all four) with `options`.
pub fn run_with(figure: Figure, options: &ReproduceOptions) -> Result<ExitCode> {
    let pool = match options.threads {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => Some(rayon::ThreadPoolBuilder::new().num_threads(n).build()?),
        None => None,
    };
    let figures: Vec<Figure> = match figure {
        Figure::All => Figure::EACH.to_vec(),
        one => vec![one],
    };
    let mut failed = Vec::new();
    let mut done = Vec::new();
    for f in figures {
        let result = match &pool {
            Some(p) => p.install(|| run_figure(f, options)),
            None => run_figure(f, options),
        };
        match result {
            Ok(summary) => {
                println!(
                    "{}: done ({}), results in {}",
                    f.name(),
                    f.title(),
                    out_dir(options, f).display()
                );
                done.push((f, summary));
            }
            Err(err) => {
                eprintln!("{}: failed: {err:#}", f.name());
                failed.push(f.name());
            }
        }
    }
    if figure == Figure::All && !done.is_empty() {
        write_all_report(options, &done, &failed)?;
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} of the requested figures did not run: {}",
            failed.len(),
            failed.join(", ")
        );
        Ok(ExitCode::FAILURE)
    }
}

fn out_dir(options: &ReproduceOptions, figure: Figure) -> PathBuf {
    options
        .out
        .clone()
        .unwrap_or_else(|| crate::workspace_root().join("results"))
        .join(figure.name())
}

fn write_all_report(
    options: &ReproduceOptions,
    done: &[(Figure, Summary)],
    failed: &[&str],
) -> Result<()> {
    use std::fmt::Write as _;
    let root = options
        .out
        .clone()
        .unwrap_or_else(|| crate::workspace_root().join("results"));
    let mut s = String::from("# Reproduction of Lin et al. (2025)\n\n");
    let _ = writeln!(s, "| figure | what | report |\n|---|---|---|");
    for (f, _) in done {
        let _ = writeln!(
            s,
            "| {} | {} | [{}/report.md]({}/report.md) |",
            f.name(),
            f.title(),
            f.name(),
            f.name()
        );
    }
    for name in failed {
        let _ = writeln!(s, "| {name} | failed (see the log) | - |");
    }
    ResultsDir::create(&root)?.write("REPORT.md", s.as_bytes())?;
    Ok(())
}
