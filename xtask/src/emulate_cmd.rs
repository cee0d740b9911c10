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
use events::stats::{Spread, bursts, rate_histogram, window_counts};
use events::{
    AudioData, DataConfig, DataSource, EventSource, Split, SyntheticSpec, VisionData, VisionStream,
    write_audio_ntidigits, write_vision_nmnist,
};
use seeds::Seeds;

use crate::plot::{self, ColourScale, FrameGrid, HeatFrame, LinePlot, RasterPlot, Series};

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

/// Statistics of a vision dataset, as in the calibration table.
struct VisionStats {
    events: Spread,
    on: Spread,
    saccade_share: [f64; 3],
    three_bursts: f64,
}

fn vision_stats(streams: &[VisionStream]) -> VisionStats {
    let counts: Vec<f64> = streams.iter().map(|s| s.len() as f64).collect();
    let on: Vec<f64> = streams.iter().map(VisionStream::on_fraction).collect();
    let total: f64 = counts.iter().sum::<f64>().max(1.0);
    let mut share = [0.0; 3];
    let mut three = 0usize;
    for s in streams {
        for (k, n) in window_counts(s, 105_000, 3).into_iter().enumerate() {
            share[k] += n as f64 / total;
        }
        three += usize::from(bursts(&rate_histogram(s, 10_000), 0.25).len() == 3);
    }
    VisionStats {
        events: Spread::of(&counts),
        on: Spread::of(&on),
        saccade_share: share,
        three_bursts: three as f64 / streams.len().max(1) as f64,
    }
}

fn vision_row(name: &str, s: &VisionStats) -> String {
    format!(
        "| {name} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} % | {:.0} / {:.0} / {:.0} % | {:.1} % |",
        s.events.n,
        s.events.mean,
        s.events.median,
        s.events.min,
        s.events.max,
        100.0 * s.on.mean,
        100.0 * s.saccade_share[0],
        100.0 * s.saccade_share[1],
        100.0 * s.saccade_share[2],
        100.0 * s.three_bursts,
    )
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

/// Events per second during speech (10 ms frames within 30 dB of the
/// loudest), summed over recordings.
fn speech_rate(pairs: &[(Audio, events::AudioStream)]) -> f64 {
    let (mut events, mut seconds) = (0usize, 0.0f64);
    for (audio, stream) in pairs {
        let frame = (audio.rate_hz / 100).max(1) as usize;
        let energy: Vec<f64> = audio
            .samples
            .chunks(frame)
            .map(|c| c.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / c.len() as f64)
            .collect();
        let loudest = energy.iter().copied().fold(0.0, f64::max);
        let speech: Vec<bool> = energy
            .iter()
            .map(|&e| loudest > 0.0 && e >= 1e-3 * loudest)
            .collect();
        seconds += speech.iter().filter(|&&b| b).count() as f64 * 0.01;
        events += stream
            .events()
            .iter()
            .filter(|e| {
                speech
                    .get((e.t_us / 10_000) as usize)
                    .copied()
                    .unwrap_or(false)
            })
            .count();
    }
    events as f64 / seconds.max(1e-9)
}

/// The calibration report (Markdown).
pub fn calibrate(a: &CalibrateArgs) -> anyhow::Result<String> {
    let seeds = Seeds::new(a.common.seed);
    let mut out = String::new();
    out.push_str("### DVS emulator\n\n| data | samples | mean | median | min | max | ON | saccades 1 / 2 / 3 | three bursts |\n|---|---|---|---|---|---|---|---|---|\n");
    let sample = a.paths.nmnist_sample();
    if sample.exists() {
        let real = read_nmnist_file(&sample, &NmnistOptions::default())?;
        out.push_str(&vision_row(
            "real N-MNIST sample",
            &vision_stats(std::slice::from_ref(&real)),
        ));
        out.push('\n');
    }
    let mut speeds = Vec::new();
    let mnist = a.paths.mnist();
    let vision_sources: Vec<(&str, DataConfig)> = {
        let mut v = Vec::new();
        if mnist.exists() {
            v.push((
                "emulated MNIST test digits",
                DataConfig::with_source(DataSource::Emulated {
                    mnist: Some(mnist.clone()),
                    wav: None,
                }),
            ));
        }
        v.push(("synthetic digits (default sizes)", DataConfig::default()));
        v
    };
    for (name, config) in &vision_sources {
        let data = limit(config.vision(seeds)?, a.common.limit)?;
        let streams = data.par_map(|_, _, s| Ok(s))?;
        out.push_str(&vision_row(name, &vision_stats(&streams)));
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
    out.push_str("\n### Cochlea emulator\n\n| data | samples | events/s in speech | events per sample: mean | median | min | max |\n|---|---|---|---|---|---|---|\n");
    let wav = a.paths.wav();
    let mut audio_sources: Vec<(&str, DataConfig)> = Vec::new();
    if wav.exists() {
        audio_sources.push((
            "emulated FSDD",
            DataConfig::with_source(DataSource::Emulated {
                mnist: None,
                wav: Some(wav.clone()),
            }),
        ));
    }
    audio_sources.push(("synthetic speech (default sizes)", DataConfig::default()));
    for (name, config) in &audio_sources {
        let data = limit(config.audio(seeds)?, a.common.limit)?;
        let pairs = data.par_map(|i, _, s| {
            let audio = data.source().audio(data.source_index(i))?.unwrap_or(Audio {
                rate_hz: 8000,
                samples: Vec::new(),
            });
            Ok((audio, s))
        })?;
        let counts = Spread::of(&pairs.iter().map(|p| p.1.len() as f64).collect::<Vec<_>>());
        out.push_str(&format!(
            "| {name} | {} | {:.3e} | {:.0} | {:.0} | {:.0} | {:.0} |\n",
            counts.n,
            speech_rate(&pairs),
            counts.mean,
            counts.median,
            counts.min,
            counts.max
        ));
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
    out.push_str("\n### Speed on one core\n\n| what | time | throughput |\n|---|---|---|\n");
    for s in speeds {
        out.push_str(&s);
        out.push('\n');
    }
    Ok(out)
}

/// Event-count frames of a vision stream: `windows` equal windows over
/// `span_us`, ON minus OFF per pixel.
fn frames(stream: &VisionStream, windows: usize, span_us: f64, prefix: &str) -> Vec<HeatFrame> {
    let (w, h) = (
        usize::from(stream.sensor().width),
        usize::from(stream.sensor().height),
    );
    let mut out: Vec<HeatFrame> = (0..windows)
        .map(|k| HeatFrame {
            title: format!(
                "{prefix}{:.0}-{:.0} ms",
                span_us * k as f64 / windows as f64 / 1e3,
                span_us * (k + 1) as f64 / windows as f64 / 1e3
            ),
            width: w,
            height: h,
            values: vec![0.0; w * h],
        })
        .collect();
    for e in stream.events() {
        let k = ((e.t_us as f64 / span_us * windows as f64) as usize).min(windows - 1);
        let v = &mut out[k].values[usize::from(e.y) * w + usize::from(e.x)];
        *v += if e.on { 1.0 } else { -1.0 };
    }
    out
}

fn frame_grid(title: &str, frames: Vec<HeatFrame>) -> FrameGrid {
    let limit = frames
        .iter()
        .flat_map(|f| f.values.iter())
        .fold(1.0f64, |m, v| m.max(v.abs()));
    FrameGrid {
        title: title.to_owned(),
        columns: 6,
        frames,
        scale: ColourScale::Diverging { limit },
        colour_label: "ON - OFF events per pixel".into(),
        size: (1000, 215),
    }
}

/// Writes the documentation's figures into `a.out`; returns their paths.
pub fn pictures(a: &PicturesArgs) -> anyhow::Result<Vec<PathBuf>> {
    let seeds = Seeds::new(a.common.seed);
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut written = Vec::new();
    let mut save =
        |figure: &dyn Fn(&Path) -> anyhow::Result<()>, name: &str| -> anyhow::Result<()> {
            let path = a.out.join(name);
            figure(&path)?;
            written.push(path);
            Ok(())
        };

    // Vision: an emulated MNIST digit (synthetic when MNIST is absent).
    let mnist = a.paths.mnist();
    let (vision, what) = if mnist.exists() {
        let config = DataConfig::with_source(DataSource::Emulated {
            mnist: Some(mnist),
            wav: None,
        });
        (config.vision(seeds)?, "MNIST test digit")
    } else {
        tracing::warn!(
            "no MNIST folder at {}: drawing a synthetic digit",
            mnist.display()
        );
        (DataConfig::default().vision(seeds)?, "synthetic digit")
    };
    let index = 0;
    let stream = vision.load(index)?;
    let label = vision.label(index);
    let grid = frame_grid(
        &format!(
            "DVS emulator: {what} {label} ({} events), two frames per saccade",
            stream.len()
        ),
        frames(&stream, 6, 315_000.0, ""),
    );
    save(&|p| Ok(plot::save(&grid, p)?), "dvs_emulated_frames.png")?;

    let sample = a.paths.nmnist_sample();
    let real = if sample.exists() {
        Some(read_nmnist_file(&sample, &NmnistOptions::default())?)
    } else {
        None
    };
    if let Some(real) = &real {
        let grid = frame_grid(
            &format!("Real N-MNIST sample ({} events), same windows", real.len()),
            frames(real, 6, 315_000.0, ""),
        );
        save(&|p| Ok(plot::save(&grid, p)?), "nmnist_real_frames.png")?;
    }

    // Rate profile: the real sample against the mean of emulated digits.
    let n = vision.len().min(a.common.limit.unwrap_or(500));
    let subset = limit(vision.clone(), Some(n))?;
    let hists = subset.par_map(|_, _, s| Ok(rate_histogram(&s, 5_000)))?;
    let bins = 64;
    let mut mean = vec![0.0; bins];
    for h in &hists {
        for (k, &c) in h.iter().enumerate().take(bins) {
            mean[k] += f64::from(c) / 5.0 / hists.len() as f64;
        }
    }
    let mut series = vec![Series {
        label: format!("emulated, mean of {n} {what}s"),
        points: mean
            .iter()
            .enumerate()
            .map(|(k, &v)| (2.5 + 5.0 * k as f64, v))
            .collect(),
    }];
    if let Some(real) = &real {
        let h = rate_histogram(real, 5_000);
        series.push(Series {
            label: "real N-MNIST sample".into(),
            points: h
                .iter()
                .enumerate()
                .map(|(k, &c)| (2.5 + 5.0 * k as f64, f64::from(c) / 5.0))
                .collect(),
        });
    }
    let profile = LinePlot {
        title: "Event rate over the three saccades (5 ms bins)".into(),
        x_label: "time (ms)".into(),
        y_label: "events per ms".into(),
        series,
        y_range: None,
        size: (800, 320),
    };
    save(&|p| Ok(plot::save(&profile, p)?), "dvs_rate_profile.png")?;

    // Synthetic digits: two of each.
    let style = events::synthetic::DigitStyle::default();
    let digits: Vec<HeatFrame> = (0..20u64)
        .map(|i| {
            let d = (i % 10) as u8;
            let img = events::synthetic::digit_image(seeds, 1_000 + i, d, &style);
            HeatFrame {
                title: format!("{d}"),
                width: img.width,
                height: img.height,
                values: img.pixels.iter().map(|&p| f64::from(p)).collect(),
            }
        })
        .collect();
    let grid = FrameGrid {
        title: "Synthetic digits (stroke templates, affine and elastic jitter, blur)".into(),
        frames: digits,
        columns: 10,
        scale: ColourScale::Sequential {
            min: 0.0,
            max: 255.0,
        },
        colour_label: "pixel value".into(),
        size: (1000, 255),
    };
    save(&|p| Ok(plot::save(&grid, p)?), "synthetic_digits.png")?;

    // Audio: an emulated FSDD recording and a synthetic word.
    let wav = a.paths.wav();
    let mut rasters: Vec<(String, events::AudioStream, &str)> = Vec::new();
    if wav.exists() {
        let config = DataConfig::with_source(DataSource::Emulated {
            mnist: None,
            wav: Some(wav),
        });
        let audio = config.audio(seeds)?;
        let i = (0..audio.len())
            .find(|&i| audio.info(i).key.starts_with("7_jackson"))
            .unwrap_or(0);
        let meta = audio.source().meta(audio.source_index(i));
        rasters.push((
            format!(
                "Cochlea emulator: FSDD \"{}\" ({}), {}",
                word_name(meta.word),
                meta.speaker.clone().unwrap_or_default(),
                audio.info(i).key
            ),
            audio.load(i)?,
            "cochlea_fsdd_raster.png",
        ));
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
    let meta = synthetic.source().meta(i);
    rasters.push((
        format!(
            "Cochlea emulator: synthetic \"{}\" (speaker {}, {})",
            word_name(meta.word),
            meta.speaker.clone().unwrap_or_default(),
            meta.group.clone().unwrap_or_default()
        ),
        synthetic.load(i)?,
        "cochlea_synthetic_raster.png",
    ));
    for (title, stream, name) in rasters {
        let figure = RasterPlot {
            title: format!("{title}: {} events", stream.len()),
            x_label: "time (ms)".into(),
            y_label: "channel (low to high frequency)".into(),
            channels: u32::from(stream.sensor().channels),
            points: stream
                .events()
                .iter()
                .map(|e| (e.t_us as f64 / 1e3, u32::from(e.channel), 0))
                .collect(),
            groups: Vec::new(),
            x_range: None,
            size: (800, 360),
        };
        save(&|p| Ok(plot::save(&figure, p)?), name)?;
    }
    if written.is_empty() {
        bail!("no figure written");
    }
    Ok(written)
}

fn word_name(word: Option<events::SpokenDigit>) -> &'static str {
    use events::SpokenDigit as W;
    match word {
        Some(W::One) => "one",
        Some(W::Two) => "two",
        Some(W::Three) => "three",
        Some(W::Four) => "four",
        Some(W::Five) => "five",
        Some(W::Six) => "six",
        Some(W::Seven) => "seven",
        Some(W::Eight) => "eight",
        Some(W::Nine) => "nine",
        Some(W::Oh) => "oh",
        Some(W::Zero) => "zero",
        None => "?",
    }
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
