//! The figures of `docs/emulators.md`: event-count frames of an emulated
//! and a real N-MNIST sample, the event rate over the three saccades,
//! synthetic digit images, and cochlea rasters of spoken digits; and the
//! rows of its calibration tables. The caller loads the samples; each
//! figure is a panel of the returned [`Artifacts`].

use events::emulate::{Audio, GreyImage};
use events::stats::{Spread, bursts, rate_histogram, window_counts};
use events::{AudioStream, SampleMeta, SpokenDigit, VisionStream};

use crate::{Artifacts, ColourScale, FrameGrid, HeatFrame, LinePlot, RasterPlot, Series};

/// Bin width of the rate histograms, microseconds (5 ms).
pub const RATE_BIN_US: u64 = 5_000;

/// Time drawn by the frame grids, microseconds: the three saccades.
const FRAMES_SPAN_US: f64 = 315_000.0;

/// Frames per grid: two per saccade.
const FRAMES: usize = 6;

/// Bins of the rate profile (320 ms).
const RATE_BINS: usize = 64;

/// Where a spoken digit comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// A Free Spoken Digit Dataset recording, with its sample key.
    Fsdd {
        /// The sample's key, e.g. `7_jackson_0`.
        key: String,
    },
    /// A synthetic word.
    Synthetic,
}

/// A spoken digit through the cochlea emulator.
#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    /// Where it comes from.
    pub origin: Origin,
    /// Its word, speaker and speaker group.
    pub meta: SampleMeta,
    /// The emulated events.
    pub stream: AudioStream,
}

/// The samples the emulator figures are drawn from.
#[derive(Clone, Copy, Debug)]
pub struct EmulatorSamples<'a> {
    /// A digit through the DVS emulator.
    pub digit: &'a VisionStream,
    /// What the digit is, e.g. `MNIST test digit` or `synthetic digit`.
    pub digit_kind: &'a str,
    /// The digit's label.
    pub digit_label: u16,
    /// A real N-MNIST recording, when one is at hand.
    pub real: Option<&'a VisionStream>,
    /// Rate histograms (events per [`RATE_BIN_US`]) of the emulated digits
    /// whose mean is drawn.
    pub rates: &'a [Vec<u32>],
    /// Synthetic digit images with their digits, drawn in order.
    pub images: &'a [(u8, GreyImage)],
    /// Spoken digits, one raster each, in order.
    pub recordings: &'a [Recording],
}

/// Draws the emulator figures: `dvs_emulated_frames`, `nmnist_real_frames`
/// (with a real recording), `dvs_rate_profile`, `synthetic_digits` and one
/// `cochlea_fsdd_raster` or `cochlea_synthetic_raster` per recording.
pub fn emulators(s: &EmulatorSamples<'_>) -> Artifacts {
    let mut art = Artifacts::default();
    art.figure(
        "dvs_emulated_frames",
        &format!("Events of an emulated {}, six windows", s.digit_kind),
        frame_grid(
            &format!(
                "DVS emulator: {} {} ({} events), two frames per saccade",
                s.digit_kind,
                s.digit_label,
                s.digit.len()
            ),
            frames(s.digit, FRAMES, FRAMES_SPAN_US),
        ),
    );
    if let Some(real) = s.real {
        art.figure(
            "nmnist_real_frames",
            "Events of a real N-MNIST recording, the same windows",
            frame_grid(
                &format!("Real N-MNIST sample ({} events), same windows", real.len()),
                frames(real, FRAMES, FRAMES_SPAN_US),
            ),
        );
    }
    art.figure(
        "dvs_rate_profile",
        "Event rate over the three saccades: mean of the emulated digits beside the real recording",
        rate_profile(s),
    );
    art.figure(
        "synthetic_digits",
        "Synthetic digit images",
        digit_grid(s.images),
    );
    for r in s.recordings {
        let stem = match r.origin {
            Origin::Fsdd { .. } => "cochlea_fsdd_raster",
            Origin::Synthetic => "cochlea_synthetic_raster",
        };
        art.figure(
            stem,
            "Cochlea emulator events per channel over time",
            cochlea_raster(r),
        );
    }
    art
}

/// Event-count frames of a vision stream: `windows` equal windows over
/// `span_us`, ON minus OFF per pixel.
fn frames(stream: &VisionStream, windows: usize, span_us: f64) -> Vec<HeatFrame> {
    let (w, h) = (
        usize::from(stream.sensor().width),
        usize::from(stream.sensor().height),
    );
    let mut out: Vec<HeatFrame> = (0..windows)
        .map(|k| HeatFrame {
            title: format!(
                "{:.0}-{:.0} ms",
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

/// Frames on one diverging scale over their largest magnitude (at least 1).
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

/// The emulated digits' mean event rate beside the real recording's.
fn rate_profile(s: &EmulatorSamples<'_>) -> LinePlot {
    let n = s.rates.len();
    let mut mean = vec![0.0; RATE_BINS];
    for h in s.rates {
        for (k, &c) in h.iter().enumerate().take(RATE_BINS) {
            mean[k] += f64::from(c) / 5.0 / n as f64;
        }
    }
    let mut series = vec![Series {
        label: format!("emulated, mean of {n} {}s", s.digit_kind),
        points: mean
            .iter()
            .enumerate()
            .map(|(k, &v)| (2.5 + 5.0 * k as f64, v))
            .collect(),
    }];
    if let Some(real) = s.real {
        let h = rate_histogram(real, RATE_BIN_US);
        series.push(Series {
            label: "real N-MNIST sample".into(),
            points: h
                .iter()
                .enumerate()
                .map(|(k, &c)| (2.5 + 5.0 * k as f64, f64::from(c) / 5.0))
                .collect(),
        });
    }
    LinePlot {
        title: "Event rate over the three saccades (5 ms bins)".into(),
        x_label: "time (ms)".into(),
        y_label: "events per ms".into(),
        series,
        y_range: None,
        size: (800, 320),
    }
}

/// Synthetic digit images, ten a row, titled with their digit.
fn digit_grid(images: &[(u8, GreyImage)]) -> FrameGrid {
    let frames = images
        .iter()
        .map(|(d, img)| HeatFrame {
            title: format!("{d}"),
            width: img.width,
            height: img.height,
            values: img.pixels.iter().map(|&p| f64::from(p)).collect(),
        })
        .collect();
    FrameGrid {
        title: "Synthetic digits (stroke templates, affine and elastic jitter, blur)".into(),
        frames,
        columns: 10,
        scale: ColourScale::Sequential {
            min: 0.0,
            max: 255.0,
        },
        colour_label: "pixel value".into(),
        size: (1000, 255),
    }
}

/// A recording's events per channel over time, titled with its word,
/// speaker and event count.
fn cochlea_raster(r: &Recording) -> RasterPlot {
    let (word, speaker) = (
        word_name(r.meta.word),
        r.meta.speaker.clone().unwrap_or_default(),
    );
    let title = match &r.origin {
        Origin::Fsdd { key } => {
            format!("Cochlea emulator: FSDD \"{word}\" ({speaker}), {key}")
        }
        Origin::Synthetic => format!(
            "Cochlea emulator: synthetic \"{word}\" (speaker {speaker}, {})",
            r.meta.group.clone().unwrap_or_default()
        ),
    };
    RasterPlot {
        title: format!("{title}: {} events", r.stream.len()),
        x_label: "time (ms)".into(),
        y_label: "channel (low to high frequency)".into(),
        channels: u32::from(r.stream.sensor().channels),
        points: r
            .stream
            .events()
            .iter()
            .map(|e| (e.t_us as f64 / 1e3, u32::from(e.channel), 0))
            .collect(),
        groups: Vec::new(),
        x_range: None,
        size: (800, 360),
    }
}

/// The English name of a spoken digit (`?` when unknown).
fn word_name(word: Option<SpokenDigit>) -> &'static str {
    use SpokenDigit as W;
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

/// Heading and column header of the DVS calibration table (Markdown).
pub const VISION_TABLE: &str = "### DVS emulator\n\n| data | samples | mean | median | min | max | ON | saccades 1 / 2 / 3 | three bursts |\n|---|---|---|---|---|---|---|---|---|\n";

/// Heading and column header of the cochlea calibration table (Markdown).
pub const COCHLEA_TABLE: &str = "### Cochlea emulator\n\n| data | samples | events/s in speech | events per sample: mean | median | min | max |\n|---|---|---|---|---|---|---|\n";

/// One row of the DVS calibration table (no line end): the spread of the
/// event counts, the mean ON fraction, each 105 ms saccade's share of all
/// events, and the share of samples with three bursts (10 ms bins above a
/// quarter of the peak).
pub fn vision_row(name: &str, streams: &[VisionStream]) -> String {
    let counts: Vec<f64> = streams.iter().map(|s| s.len() as f64).collect();
    let on = Spread::of(
        &streams
            .iter()
            .map(VisionStream::on_fraction)
            .collect::<Vec<_>>(),
    );
    let total: f64 = counts.iter().sum::<f64>().max(1.0);
    let mut share = [0.0; 3];
    let mut three = 0usize;
    for s in streams {
        for (k, n) in window_counts(s, 105_000, 3).into_iter().enumerate() {
            share[k] += n as f64 / total;
        }
        three += usize::from(bursts(&rate_histogram(s, 10_000), 0.25).len() == 3);
    }
    let events = Spread::of(&counts);
    format!(
        "| {name} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} % | {:.0} / {:.0} / {:.0} % | {:.1} % |",
        events.n,
        events.mean,
        events.median,
        events.min,
        events.max,
        100.0 * on.mean,
        100.0 * share[0],
        100.0 * share[1],
        100.0 * share[2],
        100.0 * (three as f64 / streams.len().max(1) as f64),
    )
}

/// One row of the cochlea calibration table (no line end): the events per
/// second during speech and the spread of the event counts of `pairs`
/// (each recording's sound and its events).
pub fn cochlea_row(name: &str, pairs: &[(Audio, AudioStream)]) -> String {
    let counts = Spread::of(&pairs.iter().map(|p| p.1.len() as f64).collect::<Vec<_>>());
    format!(
        "| {name} | {} | {:.3e} | {:.0} | {:.0} | {:.0} | {:.0} |",
        counts.n,
        speech_rate(pairs),
        counts.mean,
        counts.median,
        counts.min,
        counts.max
    )
}

/// Events per second during speech (10 ms frames within 30 dB of the
/// loudest), summed over recordings.
fn speech_rate(pairs: &[(Audio, AudioStream)]) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AnyFigure;
    use events::{AudioEvent, AudioSensor, VisionEvent, VisionSensor};

    fn vision() -> VisionStream {
        let at = |t_us, on| VisionEvent {
            t_us,
            x: 3,
            y: 4,
            on,
        };
        // Two ON events in the first window, one OFF event in the last.
        VisionStream::new(
            VisionSensor::NMNIST,
            vec![at(0, true), at(1_000, true), at(314_000, false)],
        )
        .unwrap()
    }

    #[test]
    fn frames_count_on_minus_off_per_window() {
        let f = frames(&vision(), FRAMES, FRAMES_SPAN_US);
        assert_eq!(f.len(), 6);
        assert_eq!(f[0].title, "0-52 ms");
        let pixel = 4 * 34 + 3;
        assert_eq!(f[0].values[pixel], 2.0);
        assert_eq!(f[5].values[pixel], -1.0);
        assert_eq!(f[1].values.iter().sum::<f64>(), 0.0);
    }

    #[test]
    fn panels_follow_the_samples_given() {
        let digit = vision();
        let stream = AudioStream::new(
            AudioSensor::NTIDIGITS,
            vec![AudioEvent {
                t_us: 2_000,
                channel: 5,
            }],
        )
        .unwrap();
        let meta = SampleMeta {
            digit: 7,
            word: Some(SpokenDigit::Seven),
            speaker: Some("s01".into()),
            group: Some("man".into()),
            id: 0,
        };
        let recordings = [Recording {
            origin: Origin::Synthetic,
            meta,
            stream,
        }];
        let rates = [vec![10, 20], vec![30]];
        let art = emulators(&EmulatorSamples {
            digit: &digit,
            digit_kind: "synthetic digit",
            digit_label: 7,
            real: None,
            rates: &rates,
            images: &[],
            recordings: &recordings,
        });
        let stems: Vec<&str> = art.panels.iter().map(|p| p.stem.as_str()).collect();
        assert_eq!(
            stems,
            [
                "dvs_emulated_frames",
                "dvs_rate_profile",
                "synthetic_digits",
                "cochlea_synthetic_raster"
            ]
        );
        let AnyFigure::Line(profile) = &art.panels[1].figure else {
            panic!("the rate profile is a line plot");
        };
        // Mean over two histograms of events per 5 ms bin, per ms.
        assert_eq!(profile.series[0].points[0], (2.5, 4.0));
        assert_eq!(profile.series[0].points[1], (7.5, 2.0));
        let AnyFigure::Raster(raster) = &art.panels[3].figure else {
            panic!("the cochlea panel is a raster");
        };
        assert_eq!(
            raster.title,
            "Cochlea emulator: synthetic \"seven\" (speaker s01, man): 1 events"
        );
        assert_eq!(raster.points, [(2.0, 5, 0)]);
    }

    #[test]
    fn vision_row_of_one_stream() {
        let row = vision_row("one", &[vision()]);
        assert!(
            row.starts_with("| one | 1 | 3 | 3 | 3 | 3 | 66.7 % | 67 / 0 / 33 % |"),
            "{row}"
        );
    }
}
