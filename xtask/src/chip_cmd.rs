//! `cargo xtask chip form`, `cargo xtask encode` and `cargo xtask readout`:
//! form a chip once, save it, encode a figure's event data on it into
//! `.npy` features, and fit the converged readout on those files.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use cim_macro::Macro;
use cim_macro::rram_device::{DeviceParams, Program};
use experiments::encode::encode_figure_data;
use experiments::{Figure, RunOptions};
use seeds::Seeds;

use crate::args::DataArgs;

/// `cargo xtask chip ...`.
#[derive(Debug, clap::Args)]
pub struct ChipArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ChipCommand,
}

/// The chip subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ChipCommand {
    /// Form a macro from a preset's `[device]`, `[program]` and `[macro]` and save it.
    Form(FormArgs),
}

/// Options of `chip form`.
#[derive(Debug, clap::Args)]
pub struct FormArgs {
    /// Preset whose device, program and macro sections form the chip: a
    /// figure name (`fig1`..`fig4`, the committed presets) or a TOML file.
    #[arg(long, default_value = "fig2")]
    pub preset: String,
    /// Seed (default: the preset's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The chip file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// The sections of a preset a chip is formed from (every other section is
/// ignored).
#[derive(Debug, serde::Deserialize)]
struct ChipPreset {
    seed: u64,
    #[serde(default)]
    device: DeviceParams,
    #[serde(default)]
    program: Program,
    #[serde(default, rename = "macro")]
    chip: cim_macro::MacroParams,
}

fn preset_path(name: &str) -> PathBuf {
    match name {
        "fig1" | "fig2" | "fig3" | "fig4" => experiments::preset::default_path(name),
        file => PathBuf::from(file),
    }
}

/// `cargo xtask chip`.
pub fn run(args: &ChipArgs) -> Result<ExitCode> {
    match &args.command {
        ChipCommand::Form(f) => form(f),
    }
}

fn form(args: &FormArgs) -> Result<ExitCode> {
    let path = preset_path(&args.preset);
    let mut table = experiments::preset::read_table(&path)?;
    experiments::preset::apply_quick(&mut table, false)?;
    let p: ChipPreset = toml::Value::Table(table)
        .try_into()
        .with_context(|| format!("preset {}", path.display()))?;
    let seed = args.seed.unwrap_or(p.seed);
    let chip = Macro::program(&p.chip, &p.device, &p.program, Seeds::new(seed))
        .context("forming the macro")?
        .with_device_preset(args.preset.clone());
    chip.save(&args.out)?;
    println!(
        "formed a {} x {} macro (device preset `{}`, seed {seed}) into {}",
        p.chip.array.rows,
        p.chip.array.cols,
        args.preset,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Options of `cargo xtask encode`.
#[derive(Debug, clap::Args)]
pub struct EncodeArgs {
    /// A chip file written by `chip form`.
    #[arg(long)]
    pub chip: PathBuf,
    /// Whose data, splits, binning and reservoir: `fig2` (N-MNIST) or `fig3`
    /// (N-TIDIGITS); default: fig3 when audio paths are given, else fig2.
    #[arg(long)]
    pub figure: Option<String>,
    /// Preset file (default: `data/presets/<figure>.toml`).
    #[arg(long)]
    pub preset: Option<PathBuf>,
    /// The macro partition (default: the preset's).
    #[arg(long)]
    pub partition: Option<String>,
    /// The preset's `[quick]` sample counts.
    #[arg(long)]
    pub quick: bool,
    /// Where the data come from.
    #[command(flatten)]
    pub data: DataArgs,
    /// Output directory for `features_software.npy`, `features_hardware.npy`,
    /// `labels.npy` and `split.npy`.
    #[arg(long)]
    pub out: PathBuf,
    /// Threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `cargo xtask encode`.
pub fn encode(args: &EncodeArgs) -> Result<ExitCode> {
    let figure = match args.figure.as_deref() {
        Some("fig2") => Figure::Fig2,
        Some("fig3") => Figure::Fig3,
        Some(other) => anyhow::bail!("--figure {other}: use fig2 or fig3"),
        None if args.data.ntidigits.is_some() || args.data.speech_wav.is_some() => Figure::Fig3,
        None => Figure::Fig2,
    };
    let chip = Arc::new(Macro::load(&args.chip)?);
    let options = RunOptions {
        preset: args.preset.clone(),
        quick: args.quick,
        seed: None,
        data: args.data.overrides(),
        baselines: None,
    };
    let run = || encode_figure_data(figure, &options, chip, args.partition.as_deref());
    let encoded = match args.threads {
        Some(0) => anyhow::bail!("--threads must be at least 1"),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()?
            .install(run)?,
        None => run()?,
    };
    encoded.write_npy(&args.out)?;
    println!(
        "encoded {} samples ({} neurons) into {}",
        encoded.labels.len(),
        encoded.software.n_res,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask readout`: the converged readout (L2 logistic regression,
/// `C` by cross-validation on the training samples) on the files of
/// `encode`.
#[derive(Debug, clap::Args)]
pub struct ReadoutArgs {
    /// A directory written by `encode` (`features_software.npy`,
    /// `features_hardware.npy`, `labels.npy`, `split.npy`).
    #[arg(long)]
    pub features: PathBuf,
    /// Candidate `C` values, comma-separated (default: the presets'
    /// `controls.c_grid`, 0.001,0.01,0.1,1).
    #[arg(long, value_delimiter = ',')]
    pub c_grid: Option<Vec<f64>>,
    /// Seed of the cross-validation folds.
    #[arg(long, default_value_t = 10)]
    pub seed: u64,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `cargo xtask readout`.
pub fn readout(args: &ReadoutArgs) -> Result<ExitCode> {
    let files = experiments::encode::EncodedFiles::read(&args.features)?;
    let mut settings = experiments::controls::ControlSettings::default();
    if let Some(grid) = &args.c_grid {
        settings.c_grid.clone_from(grid);
    }
    let results = experiments::encode::readout_encoded(&settings, &files, Seeds::new(args.seed))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(ExitCode::SUCCESS);
    }
    for r in &results {
        println!(
            "{}: {} training, {} test samples, {} classes; C = {} chosen by {}-fold cross-validation ({:.2} %): test accuracy {:.2} % [{:.2}, {:.2}]{}",
            r.backend,
            r.train_samples,
            r.test_samples,
            r.classes,
            r.c,
            settings.folds,
            r.cv_accuracy,
            r.test_accuracy,
            r.test_accuracy_ci.0,
            r.test_accuracy_ci.1,
            if r.converged { "" } else { " (not converged)" }
        );
        println!("  C        cv %    test % (not used to choose)   objective");
        for p in &r.per_c {
            println!(
                "  {:<8} {:>6.2}  {:>6.2}                        {:.6}",
                p.c, p.cv_accuracy, p.test_accuracy, p.objective
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
