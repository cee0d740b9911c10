//! `cargo xtask events ...`: event-data tools. Only command-line glue lives
//! here; the work is [`events::summarize`].
//!
//! * `cargo xtask events summary PATH [--json] [--format FORMAT]`: samples per
//!   split and class, events per sample (min / median / max), durations and,
//!   for vision data, the ON fraction of an N-MNIST root, the original
//!   `Train.zip` / `Test.zip` (or a folder holding them), a single `.bin`
//!   file or the N-TIDIGITS HDF5 file. The format is detected unless given as
//!   `nmnist-bin`, `nmnist-dir`, `nmnist-zip` or `ntidigits-h5`. With
//!   `--json` it prints one object with the keys `format`, `samples`,
//!   `per_class`, `events_min`, `events_median`, `events_max`,
//!   `duration_us_max`, `on_fraction` (null for audio) and a few more.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use events::DatasetFormat;

/// Arguments of `cargo xtask events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: EventsCommand,
}

/// The `events` subcommands.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Summarise a dataset: samples per split and class, events per sample, durations.
    Summary(SummaryArgs),
}

/// Arguments of `cargo xtask events summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// An N-MNIST root (Train/DIGIT/*.bin, Test/DIGIT/*.bin), Train.zip /
    /// Test.zip or a folder holding them, one .bin file, or the N-TIDIGITS
    /// HDF5 file.
    pub path: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// The format (nmnist-bin, nmnist-dir, nmnist-zip, ntidigits-h5) instead
    /// of detecting it.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<DatasetFormat>,
}

fn parse_format(s: &str) -> Result<DatasetFormat, String> {
    s.parse::<DatasetFormat>().map_err(|e| e.to_string())
}

/// Runs an `events` subcommand.
pub fn run(args: &EventsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        EventsCommand::Summary(a) => {
            println!("{}", summary_text(a)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The summary as it is printed.
fn summary_text(args: &SummaryArgs) -> anyhow::Result<String> {
    let summary = events::summarize(&args.path, args.format)
        .with_context(|| format!("summarising {}", args.path.display()))?;
    Ok(if args.json {
        serde_json::to_string_pretty(&summary)?
    } else {
        summary.to_string().trim_end().to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cli, Command};
    use clap::Parser;
    use events::{NmnistDirWriter, Split, VisionEvent, VisionSensor, VisionStream};

    fn args(line: &[&str]) -> SummaryArgs {
        let mut full = vec!["cargo xtask", "events", "summary"];
        full.extend_from_slice(line);
        match Cli::try_parse_from(full).unwrap().command {
            Command::Events(EventsArgs {
                command: EventsCommand::Summary(a),
            }) => a,
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn summary_command_prints_text_and_json() {
        let root = std::env::temp_dir().join(format!("xtask-events-{}", std::process::id()));
        let w = NmnistDirWriter::create(&root).unwrap();
        let events = (0..6u64)
            .map(|k| VisionEvent {
                t_us: 10 * k,
                x: k as u16,
                y: 1,
                on: k % 3 == 0,
            })
            .collect();
        let stream = VisionStream::new(VisionSensor::NMNIST, events).unwrap();
        w.write(Split::Train, 5, 1, &stream).unwrap();
        w.write(Split::Test, 2, 1, &stream).unwrap();
        let root_str = root.to_str().unwrap();

        let json: serde_json::Value =
            serde_json::from_str(&summary_text(&args(&[root_str, "--json"])).unwrap()).unwrap();
        assert_eq!(json["format"], "nmnist-dir");
        assert_eq!(json["samples"], 2);
        assert_eq!(json["per_class"]["5"], 1);
        assert_eq!(json["events_median"], 6.0);
        assert_eq!(json["duration_us_max"], 50);
        // 2 of 6 events are ON in each sample.
        assert!((json["on_fraction"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);

        let text = summary_text(&args(&[root_str, "--format", "nmnist-dir"])).unwrap();
        assert!(
            text.contains("nmnist-dir") && text.contains("train 1"),
            "{text}"
        );
        let bad = summary_text(&args(&[root_str, "--format", "nmnist-bin"]));
        assert!(bad.is_err(), "a folder is not a .bin file");
        assert!(
            Cli::try_parse_from([
                "cargo xtask",
                "events",
                "summary",
                root_str,
                "--format",
                "wav"
            ])
            .is_err()
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
