//! `cargo xtask device fit --conductances FILE`: fit the device model to
//! measured conductances with [`rram_device::fit_conductances`] and print its
//! report (or JSON); optionally write the fitted `[device]` section as TOML.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use rram_device::{Column, DeviceParams, FitOptions, fit_conductances, read_conductances_us};

/// `cargo xtask device ...`.
#[derive(Debug, clap::Args)]
pub struct DeviceArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DeviceCommand,
}

/// The device subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DeviceCommand {
    /// Fit the device model to measured conductances (uS).
    Fit(FitArgs),
}

/// Options of `device fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Conductances in uS: a CSV file or a whitespace-separated list.
    #[arg(long)]
    pub conductances: PathBuf,
    /// Which column: a 0-based index or a header name (default: the first).
    #[arg(long)]
    pub column: Option<String>,
    /// Cells above this conductance count as formed, uS.
    #[arg(long, default_value_t = 1.0)]
    pub formed_threshold_us: f64,
    /// A TOML file whose `[device]` section supplies what the data cannot
    /// (default: the model's defaults).
    #[arg(long)]
    pub device: Option<PathBuf>,
    /// Print the fit as JSON instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Write the fitted device parameters as a `[device]` TOML section here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
struct DeviceSection {
    #[serde(default)]
    device: DeviceParams,
}

/// `cargo xtask device`.
pub fn run(args: &DeviceArgs) -> Result<ExitCode> {
    let DeviceCommand::Fit(a) = &args.command;
    let column = match a.column.as_deref() {
        None => Column::Auto,
        Some(c) => c
            .parse::<usize>()
            .map_or_else(|_| Column::Name(c.to_owned()), Column::Index),
    };
    let base = match &a.device {
        None => DeviceParams::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let mut table: toml::Table = text
                .parse()
                .with_context(|| format!("{} is not valid TOML", path.display()))?;
            let device = table
                .remove("device")
                .unwrap_or(toml::Value::Table(Default::default()));
            let mut t = toml::Table::new();
            t.insert("device".into(), device);
            let s: DeviceSection = toml::Value::Table(t)
                .try_into()
                .with_context(|| format!("{}: [device]", path.display()))?;
            s.device
        }
    };
    let values = read_conductances_us(&a.conductances, &column)?;
    let options = FitOptions {
        formed_threshold_us: a.formed_threshold_us,
        ..FitOptions::default()
    };
    let fit = fit_conductances(&values, &base, &options)
        .with_context(|| format!("fitting {}", a.conductances.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&fit)?);
    } else {
        println!(
            "# Device fit of {}\n\n{}",
            a.conductances.display(),
            fit.report()
        );
    }
    if let Some(out) = &a.out {
        let mut t = toml::Table::new();
        t.insert("device".into(), toml::Value::try_from(fit.apply(&base))?);
        experiments::output::write_atomic(out, toml::to_string(&t)?.as_bytes())?;
        println!("wrote the fitted [device] section to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
