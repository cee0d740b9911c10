//! `cargo xtask reproduce <figure>`: the paper's figures, end to end.
//!
//! The command parses its options, runs each figure with
//! [`experiments::run_figure`] (which resolves the preset, runs the pipeline
//! and returns typed results), draws the panels with [`plots::panels`] and
//! writes into `<out>/<figure>/` (default `results/<figure>/`): figures as
//! PNG and SVG with the plotted data as CSV, `summary.json` (flat numbers,
//! documented in `docs/results-format.md`), `report.md` (ours beside the
//! paper's) and `manifest.json` (resolved configuration, seed, data source,
//! git revision and dirty flag, rustc version, threads, wall time per
//! stage). `all` runs the four and writes `<out>/REPORT.md` linking them.
//! Every file is written atomically; the same seed, data and preset give the
//! same `summary.json` with any number of threads.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use experiments::output::{Provenance, ResultsDir, StageTime};
use experiments::{FigureOutput, Panels, RunOptions, Summary};
use serde::Serialize;

use crate::args::RunArgs;

/// A figure of the paper, or all four.
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
    /// The figures this names.
    pub fn each(self) -> Vec<experiments::Figure> {
        use experiments::Figure as F;
        match self {
            Figure::Fig1 => vec![F::Fig1],
            Figure::Fig2 => vec![F::Fig2],
            Figure::Fig3 => vec![F::Fig3],
            Figure::Fig4 => vec![F::Fig4],
            Figure::All => F::EACH.to_vec(),
        }
    }
}

/// Options shared by `reproduce <figure>` and `reproduce-<figure>`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReproduceOptions {
    /// Preset file (default: `data/presets/<figure>.toml`).
    #[arg(long)]
    pub preset: Option<PathBuf>,
    /// Run fig2, fig3 or fig4 N times with seeds s, s+1, ... (other chips,
    /// other splits); summary.json and report.md gain the spread of the
    /// headline numbers, repeats.json every repeat's summary.
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// Data source, seed, threads, output and scale.
    #[command(flatten)]
    pub run: RunArgs,
}

impl Default for ReproduceOptions {
    fn default() -> Self {
        ReproduceOptions {
            preset: None,
            repeats: 1,
            run: RunArgs::default(),
        }
    }
}

impl ReproduceOptions {
    /// The library's options.
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            preset: self.preset.clone(),
            quick: self.run.quick,
            seed: self.run.seed,
            data: self.run.data.overrides(),
        }
    }

    /// The output root (default `results/`).
    pub fn out_root(&self) -> PathBuf {
        self.run
            .out
            .clone()
            .unwrap_or_else(|| experiments::workspace_root().join("results"))
    }
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
    stages: &'a [StageTime],
    wall_time_s: f64,
    resolved_config: &'a serde_json::Value,
}

/// Runs one figure into `<out>/<figure>/` and returns its summary.
pub fn run_figure(figure: experiments::Figure, options: &ReproduceOptions) -> Result<Summary> {
    let start = Instant::now();
    let (output, repeats) =
        experiments::repeats::run_repeated(figure, &options.run_options(), options.repeats)?;
    let out = ResultsDir::create(options.out_root().join(figure.name()))?;
    if let Some(r) = &repeats {
        out.write_json("repeats.json", r)?;
    }
    write_outputs(figure, options, &out, output, start)
}

fn write_outputs(
    figure: experiments::Figure,
    options: &ReproduceOptions,
    out: &ResultsDir,
    mut output: FigureOutput<Panels>,
    start: Instant,
) -> Result<Summary> {
    let drawing = Instant::now();
    let art = plots::panels::figure(&output.panels)?;
    crate::write_artifacts(out, &art)?;
    output
        .stages
        .record("figures", drawing.elapsed().as_secs_f64());
    output.report.figures.extend(art.captions());
    out.write_json("summary.json", &output.summary)?;
    out.write("report.md", output.report.markdown().as_bytes())?;
    let manifest = Manifest {
        figure: figure.name(),
        preset: options
            .run_options()
            .preset_path(figure)
            .display()
            .to_string(),
        quick: options.run.quick,
        seed: output.seed,
        data_source: &output.data_source,
        command_line: std::env::args().collect(),
        provenance: Provenance::current(rayon::current_num_threads()),
        stages: output.stages.times(),
        wall_time_s: start.elapsed().as_secs_f64(),
        resolved_config: &output.resolved,
    };
    out.write_json("manifest.json", &manifest)?;
    Ok(output.summary)
}

/// Runs the requested figures and reports each one; exits with success only
/// if every requested figure ran.
pub fn run(args: &ReproduceArgs) -> Result<ExitCode> {
    run_with(args.figure, &args.options)
}

/// Runs `figure` (or all four) with `options`.
pub fn run_with(figure: Figure, options: &ReproduceOptions) -> Result<ExitCode> {
    let pool = options.run.pool()?;
    let mut failed = Vec::new();
    let mut done = Vec::new();
    for f in figure.each() {
        let result = match &pool {
            Some(p) => p.install(|| run_figure(f, options)),
            None => run_figure(f, options),
        };
        match result {
            Ok(_) => {
                println!(
                    "{}: done ({}), results in {}",
                    f.name(),
                    f.title(),
                    options.out_root().join(f.name()).display()
                );
                done.push(f);
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

fn write_all_report(
    options: &ReproduceOptions,
    done: &[experiments::Figure],
    failed: &[&str],
) -> Result<()> {
    use std::fmt::Write as _;
    let mut s = String::from("# Reproduction of Lin et al. (2025)\n\n");
    let _ = writeln!(s, "| figure | what | report |\n|---|---|---|");
    for f in done {
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
    ResultsDir::create(options.out_root())?.write("REPORT.md", s.as_bytes())?;
    Ok(())
}
