//! `cargo xtask reproduce <figure>`: the paper's figures, end to end.

use std::process::ExitCode;

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

/// Options of `cargo xtask reproduce`.
#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {
    /// Which figure to reproduce.
    #[arg(value_enum)]
    pub figure: Figure,
}

/// The outcome of one figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The figure ran and wrote its results.
    Done,
    /// The figure's pipeline is not built yet.
    NotBuilt,
}

/// Runs one figure.
pub fn run_figure(figure: Figure) -> anyhow::Result<Outcome> {
    // No figure pipeline exists yet: each is built on the crates' issues.
    let _ = figure;
    Ok(Outcome::NotBuilt)
}

/// Runs the requested figures and reports each one; exits with success only
/// if every requested figure ran.
pub fn run(args: &ReproduceArgs) -> anyhow::Result<ExitCode> {
    let figures: Vec<Figure> = match args.figure {
        Figure::All => Figure::EACH.to_vec(),
        one => vec![one],
    };
    let mut missing = Vec::new();
    for figure in figures {
        match run_figure(figure)? {
            Outcome::Done => println!("{}: done ({})", figure.name(), figure.title()),
            Outcome::NotBuilt => {
                println!("{}: not built yet ({})", figure.name(), figure.title());
                missing.push(figure.name());
            }
        }
    }
    if missing.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} of the requested figures are not built yet: {}",
            missing.len(),
            missing.join(", ")
        );
        Ok(ExitCode::FAILURE)
    }
}
