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
use experiments::output::{Provenance, ResultsDir, StageTime, StagedDir};
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
    /// Train none of the baselines (SRNN-ANN, SRNN-SNN, RNN-ANN, SRNN-CLIP);
    /// their report rows say "not run".
    #[arg(long, conflicts_with = "baselines")]
    pub skip_baselines: bool,
    /// Train only these baselines, comma-separated: srnn-ann, srnn-snn,
    /// rnn-ann, srnn-clip (default: the presets' choice, all four).
    #[arg(long, value_delimiter = ',')]
    pub baselines: Option<Vec<String>>,
    /// Data source, seed, threads, output and scale.
    #[command(flatten)]
    pub run: RunArgs,
}

impl Default for ReproduceOptions {
    fn default() -> Self {
        ReproduceOptions {
            preset: None,
            repeats: 1,
            skip_baselines: false,
            baselines: None,
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
            baselines: if self.skip_baselines {
                Some(Vec::new())
            } else {
                self.baselines.clone()
            },
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
    scale: &'a str,
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
    // Written into a staging folder renamed into place at the end, so a
    // failure leaves the previous results (or nothing) where results go.
    let staged = StagedDir::create(options.out_root().join(figure.name()))?;
    let written = (|| {
        if let Some(r) = &repeats {
            staged.dir().write_json("repeats.json", r)?;
        }
        write_outputs(figure, options, staged.dir(), output, start)
    })();
    match written {
        Ok(summary) => {
            staged.commit()?;
            Ok(summary)
        }
        Err(e) => Err(e.context(format!(
            "writing {}: the partial output is in {}",
            figure.name(),
            staged.dir().root().display()
        ))),
    }
}

fn write_outputs(
    figure: experiments::Figure,
    options: &ReproduceOptions,
    out: &ResultsDir,
    mut output: FigureOutput<Panels>,
    start: Instant,
) -> Result<Summary> {
    let drawing = Instant::now();
    let mut art = plots::panels::figure(&output.panels)?;
    if options.run.quick {
        art.stamp = Some(experiments::QUICK_LABEL.to_owned());
    }
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
        scale: if options.run.quick { "quick" } else { "preset" },
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
    let threads = pool.as_ref().map_or_else(
        rayon::current_num_threads,
        rayon::ThreadPool::current_num_threads,
    );
    eprint!("{}", banner(&figure.each(), options, threads));
    let log = crate::run_log::RunLog::start(&options.out_root())?;
    tracing::info!("this run's log: {}", log.partial().display());
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
                tracing::error!("{}: failed: {err:#}", f.name());
                failed.push(f.name());
            }
        }
    }
    if figure == Figure::All
        && !done.is_empty()
        && let Err(e) = write_all_report(options, &done, &failed)
    {
        let path = log.finish(false)?;
        return Err(e.context(format!("the log of this run is in {}", path.display())));
    }
    let path = log.finish(failed.is_empty())?;
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} of the requested figures did not run: {}; the log of this run is in {}",
            failed.len(),
            failed.join(", "),
            path.display()
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
    let mut s = String::from("# Reproduction of Lin et al. (2025)");
    if options.run.quick {
        let _ = write!(s, " ({})", experiments::QUICK_LABEL);
    }
    s.push_str("\n\n");
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

/// What a reproduction is about to do, printed before it starts: figures,
/// scale, data source, threads, baselines, output, and an estimate of each
/// figure's stages from the manifest an earlier run of the same scale left
/// in the output folder (no estimate is invented when there is none).
pub fn banner(
    figures: &[experiments::Figure],
    options: &ReproduceOptions,
    threads: usize,
) -> String {
    use std::fmt::Write as _;
    let names: Vec<&str> = figures.iter().map(|f| f.name()).collect();
    let quick = options.run.quick;
    let mut s = format!(
        "Reproducing {} of Lin et al. (2025): {}\n",
        names.join(", "),
        if quick {
            experiments::QUICK_LABEL
        } else {
            "the presets' scale"
        }
    );
    let o = &options.run.data;
    let data = match o.data.map(experiments::DataKind::from) {
        Some(k) => k.name(),
        None if o.nmnist.is_some() || o.ntidigits.is_some() => "real (the dataset paths given)",
        None if o.mnist_idx.is_some() || o.speech_wav.is_some() => {
            "emulated (the MNIST / WAV paths given)"
        }
        None => "the presets' (built-in synthetic digits and speech through the emulators)",
    };
    let _ = writeln!(s, "  data:      {data}");
    let _ = writeln!(s, "  threads:   {threads}");
    let baselines = match &options.run_options().baselines {
        None => "the presets' (SRNN-ANN, SRNN-SNN, RNN-ANN, SRNN-CLIP)".to_owned(),
        Some(b) if b.is_empty() => "none (--skip-baselines)".to_owned(),
        Some(b) => b.join(", "),
    };
    let _ = writeln!(s, "  baselines: {baselines}");
    let _ = writeln!(s, "  output:    {}", options.out_root().display());
    for f in figures {
        let path = options.out_root().join(f.name()).join("manifest.json");
        let _ = writeln!(s, "  {}: {}", f.name(), estimate(&path, quick, threads));
    }
    s
}

/// The stage times of an earlier run of the same scale and thread count.
fn estimate(manifest: &std::path::Path, quick: bool, threads: usize) -> String {
    let Some(m) = std::fs::read_to_string(manifest)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
    else {
        return "no earlier run here to estimate from (each stage shows its own ETA)".to_owned();
    };
    let same_scale = m["quick"].as_bool() == Some(quick);
    let same_threads = m["provenance"]["threads"].as_u64() == Some(threads as u64);
    if !same_scale {
        return "the earlier run here was at another scale (each stage shows its own ETA)"
            .to_owned();
    }
    let stages: Vec<String> = m["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|st| {
            Some(format!(
                "{} {:.0} s",
                st["name"].as_str()?,
                st["seconds"].as_f64()?
            ))
        })
        .collect();
    format!(
        "about {:.0} s, as the earlier run here{} ({})",
        m["wall_time_s"].as_f64().unwrap_or(0.0),
        if same_threads {
            ""
        } else {
            " with another thread count"
        },
        stages.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cli, Command};
    use clap::Parser;

    fn parse(line: &[&str]) -> Result<ReproduceOptions, clap::Error> {
        let mut full = vec!["cargo xtask", "reproduce", "all"];
        full.extend_from_slice(line);
        match Cli::try_parse_from(full)?.command {
            Command::Reproduce(a) => Ok(a.options),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn baseline_flags_select_the_baselines_and_the_banner_says_so() {
        assert_eq!(parse(&[]).unwrap().run_options().baselines, None);
        let skip = parse(&["--skip-baselines"]).unwrap();
        assert_eq!(skip.run_options().baselines, Some(vec![]));
        let two = parse(&["--baselines", "srnn-ann,srnn-clip"]).unwrap();
        assert_eq!(
            two.run_options().baselines,
            Some(vec!["srnn-ann".to_owned(), "srnn-clip".to_owned()])
        );
        assert!(parse(&["--skip-baselines", "--baselines", "rnn-ann"]).is_err());
        let quick = parse(&["--quick", "--skip-baselines", "--threads", "1"]).unwrap();
        let b = banner(&Figure::All.each(), &quick, 1);
        assert!(b.contains(experiments::QUICK_LABEL), "{b}");
        assert!(b.contains("none (--skip-baselines)"), "{b}");
        assert!(b.contains("threads:   1"), "{b}");
        assert!(!b.contains('\u{1b}'), "no escape codes: {b}");
    }

    #[test]
    fn unknown_baselines_are_named_and_selections_reach_the_presets() {
        use experiments::Figure as F;
        let mut t = toml::Table::new();
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let err = experiments::apply_baseline_selection(F::Fig2, &names(&["srnn"]), &mut t)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`srnn`") && err.contains("rnn-ann"), "{err}");
        experiments::apply_baseline_selection(F::Fig2, &names(&["rnn-ann", "srnn-clip"]), &mut t)
            .unwrap();
        assert_eq!(t["baselines"]["models"].as_array().unwrap().len(), 1);
        experiments::apply_baseline_selection(F::Fig4, &names(&["rnn-ann"]), &mut t).unwrap();
        assert_eq!(t["srnn_clip"]["enabled"].as_bool(), Some(false));
    }
}
