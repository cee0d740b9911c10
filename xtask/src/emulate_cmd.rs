//! `cargo xtask emulate ...`: emulated and synthetic event datasets, their
//! calibration against real recordings, and the pictures of
//! `docs/emulators.md`. Only glue lives here: the emulators, the synthetic
//! data and the writers are in the `events` crate.
//!
//! * `emulate nmnist --mnist DIR --out DIR`: MNIST IDX files through the DVS
//!   saccade emulator into an N-MNIST root (`Train|Test/<digit>/<id>.bin`).
//! * `emulate ntidigits --wav DIR --out FILE.h5`: `{digit}_{speaker}_{index}.wav`
//!   recordings through the cochlea emulator into the N-TIDIGITS HDF5 layout.
//! * `emulate synthetic --out DIR`: the built-in synthetic digits and spoken
//!   digits through the emulators: `DIR/nmnist/` and `DIR/ntidigits.h5`.
//! * `emulate calibrate`: emulated statistics beside the real N-MNIST sample
//!   and N-TIDIGITS' range, and single-core speeds, as a Markdown table.
//! * `emulate pictures --out docs/img`: the documentation's figures.
//!
//! Every command takes `--seed` (default 1) and `--limit N` (the first N
//! samples); paths default to `../shared/data` beside the checkout where a
//! command can fall back on them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use events::emulate::Audio;
use events::nmnist::{NmnistOptions, read_nmnist_file};
use events::stats::rate_histogram;
use events::{
    AudioData, DataConfig, DataSource, EventSource, Split, SyntheticSpec, VisionData,
    write_audio_ntidigits, write_vision_nmnist,
};
use seeds::Seeds;

use crate::plot;
use crate::plot::panels::emulators::{self, EmulatorSamples, Origin, Recording};

/// Arguments of `cargo xtask emulate`.
#[derive(Debug, Args)]
pub struct EmulateArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: EmulateCommand,
}

/// The `emulate` subcommands.
#[derive(Debug, Subcommand)]
pub enum EmulateCommand {
    /// MNIST IDX files through the DVS emulator into an N-MNIST folder.
    Nmnist(NmnistArgs),
    /// Spoken-digit WAV files through the cochlea emulator into an N-TIDIGITS HDF5 file.
    Ntidigits(NtidigitsArgs),
    /// Built-in synthetic digits and speech through the emulators (both formats).
    Synthetic(SyntheticArgs),
    /// Emulated statistics beside the real recordings, and speeds (Markdown).
    Calibrate(CalibrateArgs),
    /// The figures of docs/emulators.md.
    Pictures(PicturesArgs),
}

/// Options shared by the commands.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Experiment seed (emulator noise, splits, synthetic data).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Only the first N samples.
    #[arg(long)]
    pub limit: Option<usize>,
}

/// Arguments of `emulate nmnist`.
#[derive(Debug, Args)]
pub struct NmnistArgs {
    /// Folder with MNIST IDX files (`*images-idx3-ubyte[.gz]` and labels).
    #[arg(long)]
    pub mnist: PathBuf,
    /// Output N-MNIST root.
    #[arg(long)]
    pub out: PathBuf,
    /// Test fraction when the folder has only one of the train/test files.
    #[arg(long, default_value_t = 0.2)]
    pub test_fraction: f64,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `emulate ntidigits`.
#[derive(Debug, Args)]
pub struct NtidigitsArgs {
    /// Folder of `{digit}_{speaker}_{index}.wav` files.
    #[arg(long)]
    pub wav: PathBuf,
    /// Output HDF5 file.
    #[arg(long)]
    pub out: PathBuf,
    /// Test fraction (of each class, or of the speakers with --speaker-disjoint).
    #[arg(long, default_value_t = 0.2)]
    pub test_fraction: f64,
    /// Put whole speakers in the test split.
    #[arg(long)]
    pub speaker_disjoint: bool,
    /// The test speakers by name, comma-separated (implies --speaker-disjoint).
    #[arg(long, value_delimiter = ',')]
    pub test_speakers: Vec<String>,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `emulate synthetic`.
#[derive(Debug, Args)]
pub struct SyntheticArgs {
    /// Output folder: `nmnist/` and `ntidigits.h5` are written inside.
    #[arg(long)]
    pub out: PathBuf,
    /// Training samples per class.
    #[arg(long, default_value_t = 100)]
    pub train_per_class: usize,
    /// Test samples per class.
    #[arg(long, default_value_t = 30)]
    pub test_per_class: usize,
    /// Number of synthetic speakers.
    #[arg(long, default_value_t = 10)]
    pub speakers: usize,
    /// Keep 2 speakers for the test split only.
    #[arg(long)]
    pub speaker_disjoint: bool,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `emulate calibrate` and `emulate pictures`: where the real
/// data are (default: `../shared/data` beside the checkout).
#[derive(Debug, Clone, Args)]
pub struct RealPaths {
    /// MNIST IDX folder.
    #[arg(long)]
    pub mnist: Option<PathBuf>,
    /// Spoken-digit WAV folder.
    #[arg(long)]
    pub wav: Option<PathBuf>,
    /// One real N-MNIST .bin file.
    #[arg(long)]
    pub nmnist_sample: Option<PathBuf>,
}

impl RealPaths {
    fn shared(rel: &str) -> PathBuf {
        crate::workspace_root()
            .join("..")
            .join("shared")
            .join("data")
            .join(rel)
    }

    fn mnist(&self) -> PathBuf {
        self.mnist.clone().unwrap_or_else(|| Self::shared("mnist"))
    }

    fn wav(&self) -> PathBuf {
        self.wav
            .clone()
            .unwrap_or_else(|| Self::shared("fsdd/recordings"))
    }

    fn nmnist_sample(&self) -> PathBuf {
        self.nmnist_sample
            .clone()
            .unwrap_or_else(|| Self::shared("nmnist-sample/sample_nmnist.bin"))
    }
}

/// Arguments of `emulate calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Where the real data are.
    #[command(flatten)]
    pub paths: RealPaths,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `emulate pictures`.
#[derive(Debug, Args)]
pub struct PicturesArgs {
    /// Output folder.
    #[arg(long, default_value = "docs/img")]
    pub out: PathBuf,
    /// Where the real data are (synthetic data stand in when absent).
    #[command(flatten)]
    pub paths: RealPaths,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs an `emulate` subcommand.
pub fn run(args: &EmulateArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        EmulateCommand::Nmnist(a) => {
            let mut config = DataConfig::with_source(DataSource::Emulated {
                mnist: Some(a.mnist.clone()),
                wav: None,
            });
            config.split.test_fraction = a.test_fraction;
            let data = limit(config.vision(Seeds::new(a.common.seed))?, a.common.limit)?;
            tracing::info!("{}: {} samples", data.source().description(), data.len());
            write_vision(&data, &a.out)?;
        }
        EmulateCommand::Ntidigits(a) => {
            let mut config = DataConfig::with_source(DataSource::Emulated {
                mnist: None,
                wav: Some(a.wav.clone()),
            });
            config.split.test_fraction = a.test_fraction;
            config.split.speaker_disjoint = a.speaker_disjoint || !a.test_speakers.is_empty();
            config.split.test_speakers = a.test_speakers.clone();
            let data = limit(config.audio(Seeds::new(a.common.seed))?, a.common.limit)?;
            tracing::info!("{}: {} samples", data.source().description(), data.len());
            write_audio(&data, &a.out)?;
        }
        EmulateCommand::Synthetic(a) => {
            let config = synthetic_config(a);
            let seeds = Seeds::new(a.common.seed);
            let vision = limit(config.vision(seeds)?, a.common.limit)?;
            let audio = limit(config.audio(seeds)?, a.common.limit)?;
            write_vision(&vision, &a.out.join("nmnist"))?;
            write_audio(&audio, &a.out.join("ntidigits.h5"))?;
        }
        EmulateCommand::Calibrate(a) => println!("{}", calibrate(a)?),
        EmulateCommand::Pictures(a) => {
            for path in pictures(a)? {
                println!("{}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The configuration of `emulate synthetic`.
pub fn synthetic_config(a: &SyntheticArgs) -> DataConfig {
    let mut config = DataConfig::with_source(DataSource::Synthetic(SyntheticSpec {
        train_per_class: a.train_per_class,
        test_per_class: a.test_per_class,
        speakers: a.speakers,
        ..SyntheticSpec::default()
    }));
    config.split.speaker_disjoint = a.speaker_disjoint;
    config
}

/// The first `n` samples of `data` (all when `None`).
fn limit<S: EventSource>(
    data: events::Dataset<S>,
    n: Option<usize>,
) -> anyhow::Result<events::Dataset<S>> {
    match n {
        Some(n) if n < data.len() => Ok(data.select(&(0..n).collect::<Vec<_>>())?),
        _ => Ok(data),
    }
}

fn write_vision(data: &VisionData, out: &Path) -> anyhow::Result<()> {
    let bar = experiments::progress::bar(data.len() as u64, "N-MNIST files");
    let summary = write_vision_nmnist(data, out, |done| bar.set_position(done as u64))
        .with_context(|| format!("writing {}", out.display()))?;
    bar.finish();
    tracing::info!(
        "wrote {} (train {}, test {}, {} events)",
        out.display(),
        summary.per_split.get(&Split::Train).unwrap_or(&0),
        summary.per_split.get(&Split::Test).unwrap_or(&0),
        summary.events
    );
    Ok(())
}

fn write_audio(data: &AudioData, out: &Path) -> anyhow::Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let bar = experiments::progress::bar(data.len() as u64, "N-TIDIGITS samples");
    let summary = write_audio_ntidigits(data, out, |done| bar.set_position(done as u64))
        .with_context(|| format!("writing {}", out.display()))?;
    bar.finish();
    tracing::info!(
        "wrote {} (train {}, test {}, {} events)",
        out.display(),
        summary.per_split.get(&Split::Train).unwrap_or(&0),
        summary.per_split.get(&Split::Test).unwrap_or(&0),
        summary.events
    );
    Ok(())
}

/// Seconds per sample of `f` over the first `n` samples, on this thread.
fn time_per_sample(
    n: usize,
    mut f: impl FnMut(usize) -> anyhow::Result<()>,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    for i in 0..n {
        f(i)?;
    }
    Ok(start.elapsed().as_secs_f64() / n.max(1) as f64)
}

/// The calibration report (Markdown).
pub fn calibrate(a: &CalibrateArgs) -> anyhow::Result<String> {
    let seeds = Seeds::new(a.common.seed);
    let mut out = String::from(emulators::VISION_TABLE);
    let mut speeds = Vec::new();
    calibrate_vision(a, seeds, &mut out, &mut speeds)?;
    out.push('\n');
    out.push_str(emulators::COCHLEA_TABLE);
    calibrate_cochlea(a, seeds, &mut out, &mut speeds)?;
    out.push_str("\n### Speed on one core\n\n| what | time | throughput |\n|---|---|---|\n");
    for s in speeds {
        out.push_str(&s);
        out.push('\n');
    }
    Ok(out)
}

/// The DVS table's rows (the real sample where it exists, emulated MNIST
/// where it exists, synthetic digits) into `out`; their speeds into
/// `speeds`.
fn calibrate_vision(
    a: &CalibrateArgs,
    seeds: Seeds,
    out: &mut String,
    speeds: &mut Vec<String>,
) -> anyhow::Result<()> {
    let sample = a.paths.nmnist_sample();
    if sample.exists() {
        let real = read_nmnist_file(&sample, &NmnistOptions::default())?;
        out.push_str(&emulators::vision_row(
            "real N-MNIST sample",
            std::slice::from_ref(&real),
        ));
        out.push('\n');
    }
    let mnist = a.paths.mnist();
    let mut sources: Vec<(&str, DataConfig)> = Vec::new();
    if mnist.exists() {
        sources.push((
            "emulated MNIST test digits",
            DataConfig::with_source(DataSource::Emulated {
                mnist: Some(mnist.clone()),
                wav: None,
            }),
        ));
    }
    sources.push(("synthetic digits (default sizes)", DataConfig::default()));
    for (name, config) in &sources {
        let data = limit(config.vision(seeds)?, a.common.limit)?;
        let streams = data.par_map(|_, _, s| Ok(s))?;
        out.push_str(&emulators::vision_row(name, &streams));
        out.push('\n');
        let n = data.len().min(300);
        let per = time_per_sample(n, |i| {
            data.load(i)?;
            Ok(())
        })?;
        speeds.push(format!(
            "| DVS, {name} (load = {}) | {:.2} ms per sample | {:.0} samples/s |",
            if name.starts_with("synthetic") {
                "draw + emulate"
            } else {
                "emulate"
            },
            1e3 * per,
            1.0 / per
        ));
    }
    Ok(())
}

/// The cochlea table's rows (emulated FSDD where it exists, synthetic
/// speech) into `out`; their emulation speeds into `speeds`.
fn calibrate_cochlea(
    a: &CalibrateArgs,
    seeds: Seeds,
    out: &mut String,
    speeds: &mut Vec<String>,
) -> anyhow::Result<()> {
    let wav = a.paths.wav();
    let mut sources: Vec<(&str, DataConfig)> = Vec::new();
    if wav.exists() {
        sources.push((
            "emulated FSDD",
            DataConfig::with_source(DataSource::Emulated {
                mnist: None,
                wav: Some(wav.clone()),
            }),
        ));
    }
    sources.push(("synthetic speech (default sizes)", DataConfig::default()));
    for (name, config) in &sources {
        let data = limit(config.audio(seeds)?, a.common.limit)?;
        let pairs = data.par_map(|i, _, s| {
            let audio = data.source().audio(data.source_index(i))?.unwrap_or(Audio {
                rate_hz: 8000,
                samples: Vec::new(),
            });
            Ok((audio, s))
        })?;
        out.push_str(&emulators::cochlea_row(name, &pairs));
        out.push('\n');
        // Emulation alone: the decoded sounds are at hand.
        let emulator =
            events::emulate::cochlea::CochleaEmulator::new(config.cochlea.clone(), seeds)?;
        let n = pairs.len().min(300);
        let seconds: f64 = pairs[..n].iter().map(|p| p.0.duration_s()).sum();
        let per = time_per_sample(n, |i| {
            emulator.emulate_sample(&pairs[i].0, i as u64)?;
            Ok(())
        })?;
        speeds.push(format!(
            "| cochlea, {name} | {:.2} ms per second of audio | {:.0} recordings/s |",
            1e3 * per * n as f64 / seconds.max(1e-9),
            1.0 / per
        ));
    }
    Ok(())
}

/// The vision data the pictures draw from: emulated MNIST test digits, or
/// synthetic digits when MNIST is absent; and what the digits are.
fn picture_vision(a: &PicturesArgs, seeds: Seeds) -> anyhow::Result<(VisionData, &'static str)> {
    let mnist = a.paths.mnist();
    if mnist.exists() {
        let config = DataConfig::with_source(DataSource::Emulated {
            mnist: Some(mnist),
            wav: None,
        });
        Ok((config.vision(seeds)?, "MNIST test digit"))
    } else {
        tracing::warn!(
            "no MNIST folder at {}: drawing a synthetic digit",
            mnist.display()
        );
        Ok((DataConfig::default().vision(seeds)?, "synthetic digit"))
    }
}

/// The spoken digits the pictures draw: an emulated FSDD "seven" (by
/// `7_jackson`, when the WAV folder exists) and a synthetic "seven".
fn picture_recordings(a: &PicturesArgs, seeds: Seeds) -> anyhow::Result<Vec<Recording>> {
    let wav = a.paths.wav();
    let mut recordings = Vec::new();
    if wav.exists() {
        let config = DataConfig::with_source(DataSource::Emulated {
            mnist: None,
            wav: Some(wav),
        });
        let audio = config.audio(seeds)?;
        let i = (0..audio.len())
            .find(|&i| audio.info(i).key.starts_with("7_jackson"))
            .unwrap_or(0);
        recordings.push(Recording {
            origin: Origin::Fsdd {
                key: audio.info(i).key.clone(),
            },
            meta: audio.source().meta(audio.source_index(i)).clone(),
            stream: audio.load(i)?,
        });
    } else {
        tracing::warn!(
            "no WAV folder at {}: only the synthetic word is drawn",
            a.paths.wav().display()
        );
    }
    let synthetic = DataConfig::default().audio(seeds)?;
    let i = (0..synthetic.len())
        .find(|&i| synthetic.source().meta(i).word == Some(events::SpokenDigit::Seven))
        .unwrap_or(0);
    recordings.push(Recording {
        origin: Origin::Synthetic,
        meta: synthetic.source().meta(i).clone(),
        stream: synthetic.load(i)?,
    });
    Ok(recordings)
}

/// Writes the documentation's figures into `a.out` as PNG; returns their
/// paths.
pub fn pictures(a: &PicturesArgs) -> anyhow::Result<Vec<PathBuf>> {
    let seeds = Seeds::new(a.common.seed);
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let (vision, digit_kind) = picture_vision(a, seeds)?;
    let digit = vision.load(0)?;
    let sample = a.paths.nmnist_sample();
    let real = if sample.exists() {
        Some(read_nmnist_file(&sample, &NmnistOptions::default())?)
    } else {
        None
    };
    // The rate profile's mean over the first samples (500 by default).
    let n = vision.len().min(a.common.limit.unwrap_or(500));
    let rates = limit(vision.clone(), Some(n))?
        .par_map(|_, _, s| Ok(rate_histogram(&s, emulators::RATE_BIN_US)))?;
    // Two synthetic images of each digit.
    let style = events::synthetic::DigitStyle::default();
    let images: Vec<_> = (0..20u64)
        .map(|i| {
            let d = (i % 10) as u8;
            (
                d,
                events::synthetic::digit_image(seeds, 1_000 + i, d, &style),
            )
        })
        .collect();
    let recordings = picture_recordings(a, seeds)?;
    let art = emulators::emulators(&EmulatorSamples {
        digit: &digit,
        digit_kind,
        digit_label: vision.label(0),
        real: real.as_ref(),
        rates: &rates,
        images: &images,
        recordings: &recordings,
    });
    let mut written = Vec::new();
    for panel in &art.panels {
        let path = a.out.join(format!("{}.png", panel.stem));
        plot::save(&panel.figure, &path)?;
        written.push(path);
    }
    if written.is_empty() {
        bail!("no figure written");
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cli, Command};
    use clap::Parser;
    use events::{NmnistSource, NtidigitsSource};

    fn parse(line: &[&str]) -> EmulateCommand {
        let mut full = vec!["cargo xtask", "emulate"];
        full.extend_from_slice(line);
        match Cli::try_parse_from(full).unwrap().command {
            Command::Emulate(EmulateArgs { command }) => command,
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn synthetic_command_writes_both_formats_that_the_readers_load() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("synth");
        let out_str = out.to_str().unwrap();
        let command = parse(&[
            "synthetic",
            "--out",
            out_str,
            "--train-per-class",
            "1",
            "--test-per-class",
            "1",
            "--speakers",
            "3",
            "--seed",
            "4",
        ]);
        run(&EmulateArgs { command }).unwrap();
        let nmnist = NmnistSource::open(out.join("nmnist"), Default::default()).unwrap();
        assert_eq!(nmnist.len(), 20);
        assert_eq!(
            nmnist
                .samples()
                .iter()
                .filter(|s| s.split == Some(Split::Test))
                .count(),
            10
        );
        let h5 = NtidigitsSource::open(out.join("ntidigits.h5"), Default::default()).unwrap();
        assert_eq!(h5.len(), 22);
        // The same samples as the library gives for the same seed.
        let config = synthetic_config(&SyntheticArgs {
            out: out.clone(),
            train_per_class: 1,
            test_per_class: 1,
            speakers: 3,
            speaker_disjoint: false,
            common: Common {
                seed: 4,
                limit: None,
            },
        });
        let audio = config.audio(Seeds::new(4)).unwrap();
        assert_eq!(h5.load(0).unwrap(), audio.load(0).unwrap());
    }

    #[test]
    fn limit_and_missing_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let command = parse(&[
            "nmnist",
            "--mnist",
            "/no/such/mnist",
            "--out",
            dir.path().to_str().unwrap(),
        ]);
        let err = run(&EmulateArgs { command }).unwrap_err().to_string();
        assert!(
            err.contains("/no/such/mnist") && err.contains("MNIST IDX"),
            "{err}"
        );
        let command = parse(&[
            "ntidigits",
            "--wav",
            "/no/such/wav",
            "--out",
            "x.h5",
            "--test-speakers",
            "a,b",
        ]);
        match &command {
            EmulateCommand::Ntidigits(a) => {
                assert_eq!(a.test_speakers, vec!["a".to_string(), "b".to_string()])
            }
            other => panic!("{other:?}"),
        }
        assert!(run(&EmulateArgs { command }).is_err());
        let data = DataConfig::default().vision(Seeds::new(1)).unwrap();
        assert_eq!(limit(data.clone(), Some(7)).unwrap().len(), 7);
        assert_eq!(limit(data.clone(), None).unwrap().len(), data.len());
    }

    #[test]
    fn pictures_fall_back_to_synthetic_data() {
        let dir = tempfile::tempdir().unwrap();
        let args = PicturesArgs {
            out: dir.path().to_path_buf(),
            paths: RealPaths {
                mnist: Some("/no/mnist".into()),
                wav: Some("/no/wav".into()),
                nmnist_sample: Some("/no/sample.bin".into()),
            },
            common: Common {
                seed: 1,
                limit: Some(20),
            },
        };
        let written = pictures(&args).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "dvs_emulated_frames.png",
                "dvs_rate_profile.png",
                "synthetic_digits.png",
                "cochlea_synthetic_raster.png"
            ]
        );
        for p in &written {
            assert!(
                std::fs::metadata(p).unwrap().len() > 1000,
                "{}",
                p.display()
            );
        }
    }
}
