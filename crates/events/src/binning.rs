//! Binning event streams into [`SpikeRaster`]s: T time steps x C channels.
//!
//! # Time
//!
//! The origin `t0` is the first event (default) or time 0.
//!
//! * [`TimeBins::Steps`]`{ steps: T }`: T equal bins spanning the sample,
//!   `step = floor((t - t0) * T / (t_max - t0 + 1))`. Every event lands in a
//!   step, so counts are preserved. (tonic's `ToFrame(n_time_bins=T)` uses a
//!   window of `(t_max - t_min) // T` us and drops the events after the last
//!   whole window; this does not.)
//! * [`TimeBins::Window`]`{ dt_us, steps }`: `step = floor((t - t0) / dt_us)`;
//!   with `steps: Some(T)` the raster has exactly T steps and later events are
//!   dropped, with `None` it has just enough steps for the last event.
//!
//! # Channels
//!
//! Vision, on a `W x H` sensor after the optional centre crop
//! ([`PolarityMode`]):
//!
//! | mode | channel | channels |
//! |---|---|---|
//! | `merge` (default) | `y * W + x` | `W * H` |
//! | `separate` | `p * W * H + y * W + x`, p = 0 OFF, 1 ON | `2 * W * H` |
//! | `on-only` / `off-only` | `y * W + x`, other polarity dropped | `W * H` |
//!
//! With the paper's 16 x 16 centre crop of N-MNIST and merged polarities
//! that is 256 channels, `channel = y * 16 + x` with x, y counted inside the
//! crop (sensor columns and rows 9-24). The `separate` layout is the
//! flattening of tonic's `(P, H, W)` frames. Audio: `channel = address`, 64
//! for N-TIDIGITS.
//!
//! # Values
//!
//! Binary (default: a channel is active in a step or not, what the LIF
//! reservoir consumes as spikes) or counts (events per channel and step).
//!
//! # Parameters
//!
//! [`VisionBinning`] (N-MNIST, authors' scripts): `crop` = 16 x 16,
//! `polarity` = merge, `bins` = 50 steps over the sample, binary.
//! [`AudioBinning`] (N-TIDIGITS, authors' scripts): 129 steps over the
//! sample, binary. The merge, the origin and binary values are our choices
//! where the scripts are silent.

use param_guard::ParamGuard;
use serde::{Deserialize, Serialize};
use spikes::SpikeRaster;

use crate::error::{Error, Result};
use crate::event::{AudioStream, Event, VisionEvent, VisionStream};
use crate::transform::centre_offsets;
use param_guard::ParamError;

/// How time is cut into steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum TimeBins {
    /// A fixed number of equal steps spanning `t0 ..= t_max`.
    Steps {
        /// Number of steps, at least 1.
        steps: usize,
    },
    /// Fixed windows of `dt_us` microseconds from `t0`.
    Window {
        /// Window length in microseconds, at least 1.
        dt_us: u64,
        /// Fixed number of steps (later events dropped), or just enough.
        steps: Option<usize>,
    },
}

/// Largest number of steps a raster may have (a guard against a window
/// length that would turn one long recording into billions of steps).
pub const MAX_STEPS: usize = 1 << 24;

/// Where step 0 starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeOrigin {
    /// At the sample's first (earliest) event.
    #[default]
    FirstEvent,
    /// At t = 0.
    Zero,
}

/// Everything about time and values of a binning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinSpec {
    /// How time is cut into steps.
    pub bins: TimeBins,
    /// Where step 0 starts.
    pub origin: TimeOrigin,
    /// Keep event counts (`true`) or binary activity (`false`).
    pub counts: bool,
}

impl ParamGuard for BinSpec {
    type Error = Error;

    /// Checks steps and window lengths are positive.
    fn validate(&self) -> Result<()> {
        let bad = |field: &str, value: String, allowed: &str| {
            Error::InvalidParameter(ParamError {
                field: field.into(),
                value,
                allowed: allowed.into(),
            })
        };
        let steps_allowed = format!("in 1..={MAX_STEPS}");
        match self.bins {
            TimeBins::Steps { steps }
            | TimeBins::Window {
                steps: Some(steps), ..
            } if steps == 0 || steps > MAX_STEPS => {
                Err(bad("bins.steps", steps.to_string(), &steps_allowed))
            }
            TimeBins::Window { dt_us: 0, .. } => Err(bad("bins.dt_us", "0".into(), "at least 1")),
            _ => Ok(()),
        }
    }
}

/// Bins `events` into a raster of `channels` channels; `channel_of` gives an
/// event's channel, or `None` to leave it out. A channel outside
/// `0..channels` is an error.
pub fn bin_events<E: Event>(
    events: &[E],
    channels: u32,
    mut channel_of: impl FnMut(&E) -> Option<u32>,
    spec: &BinSpec,
) -> Result<SpikeRaster> {
    spec.validate()?;
    let t_min = events.iter().map(Event::t_us).min();
    let t_max = events.iter().map(Event::t_us).max();
    let t0 = match spec.origin {
        TimeOrigin::FirstEvent => t_min.unwrap_or(0),
        TimeOrigin::Zero => 0,
    };
    let steps = match (spec.bins, t_max) {
        (TimeBins::Steps { steps }, _)
        | (
            TimeBins::Window {
                steps: Some(steps), ..
            },
            _,
        ) => steps,
        (TimeBins::Window { steps: None, dt_us }, Some(t_max)) => {
            usize::try_from((t_max - t0) / dt_us).unwrap_or(usize::MAX - 1) + 1
        }
        (TimeBins::Window { steps: None, .. }, None) => 0,
    };
    if steps > MAX_STEPS {
        return Err(Error::InvalidParameter(ParamError {
            field: "bins.dt_us".into(),
            value: format!(
                "{} (the sample would need {steps} steps)",
                match spec.bins {
                    TimeBins::Window { dt_us, .. } => dt_us,
                    TimeBins::Steps { .. } => 0,
                }
            ),
            allowed: format!("long enough for at most {MAX_STEPS} steps"),
        }));
    }
    let span = t_max.map_or(1, |t| u128::from(t - t0) + 1);
    // dt * steps in 64 bits when it cannot overflow (every real recording),
    // else in 128: the same quotient either way.
    let narrow = u64::try_from(span.saturating_mul(steps as u128)).ok();
    let step_of = |t: u64| -> usize {
        let dt = t - t0; // t >= t_min >= t0
        match spec.bins {
            // dt < span, so the quotient is below steps.
            TimeBins::Steps { steps } => match narrow {
                Some(_) => (dt * steps as u64 / span as u64) as usize,
                None => (u128::from(dt) * steps as u128 / span) as usize,
            },
            TimeBins::Window { dt_us, .. } => usize::try_from(dt / dt_us).unwrap_or(usize::MAX),
        }
    };
    // Counting sort by step (no comparison sort): each kept event's channel
    // lands in its step's run of `by_step`.
    let mut kept: Vec<(u32, u32)> = Vec::with_capacity(events.len());
    for e in events {
        let Some(c) = channel_of(e) else { continue };
        let step = step_of(e.t_us());
        if step < steps {
            kept.push((step as u32, c));
        }
    }
    let mut start = vec![0usize; steps + 1];
    for &(s, _) in &kept {
        start[s as usize + 1] += 1;
    }
    for t in 0..steps {
        start[t + 1] += start[t];
    }
    let mut fill = start.clone();
    let mut by_step = vec![0u32; kept.len()];
    for &(s, c) in &kept {
        by_step[fill[s as usize]] = c;
        fill[s as usize] += 1;
    }
    let mut raster = if spec.counts {
        SpikeRaster::with_counts(channels)
    } else {
        SpikeRaster::new(channels)
    };
    // Each step's events counted per channel, read back in channel order:
    // by scanning every channel when the step is dense, by sorting the few
    // touched channels when it is sparse.
    let mut count = vec![0u32; channels as usize];
    let mut active: Vec<u32> = Vec::with_capacity(channels as usize);
    let mut counts: Vec<u32> = Vec::with_capacity(channels as usize);
    for (t, w) in start.windows(2).enumerate() {
        let run = &by_step[w[0]..w[1]];
        active.clear();
        counts.clear();
        for &c in run {
            let Some(n) = count.get_mut(c as usize) else {
                return Err(Error::ChannelOutOfRange {
                    step: t,
                    channel: c,
                    channels,
                });
            };
            if *n == 0 {
                active.push(c);
            }
            *n += 1;
        }
        if active.len() * 16 >= count.len() {
            active.clear();
            for (c, n) in count.iter_mut().enumerate() {
                if *n > 0 {
                    active.push(c as u32);
                    counts.push(std::mem::take(n));
                }
            }
        } else {
            active.sort_unstable();
            counts.extend(
                active
                    .iter()
                    .map(|&c| std::mem::take(&mut count[c as usize])),
            );
        }
        raster.push_sorted_step(&active, &counts)?;
    }
    Ok(raster)
}

/// How the two polarities become channels (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolarityMode {
    /// One channel per pixel, both polarities counted.
    #[default]
    Merge,
    /// Two channels per pixel: the OFF block, then the ON block.
    Separate,
    /// ON events only.
    OnOnly,
    /// OFF events only.
    OffOnly,
}

/// Binning of vision streams: centre crop, spatial pooling, polarity
/// layout, time bins.
///
/// | field | default | source |
/// |---|---|---|
/// | `crop` | `[16, 16]` | authors' scripts (256 inputs) |
/// | `pool` | 1 (none) | our option: after the crop, each `pool x pool` block of pixels is one channel (the last block of a row or column takes the remainder), so a 32 x 32 crop pooled by 2 gives 256 inputs from the whole digit |
/// | `polarity` | `merge` | our choice (256 = 16 x 16 leaves no room for two polarities) |
/// | `bins` | 50 steps over the sample | authors' scripts (T = 50) |
/// | `origin` | first event | our choice |
/// | `counts` | `false` (binary) | our choice (the reservoir takes spikes) |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VisionBinning {
    /// Centre crop `[width, height]` before binning, or `None` for the whole
    /// sensor.
    pub crop: Option<[u16; 2]>,
    /// Side of the square pixel blocks pooled into one channel (1: none).
    /// A block's channel is active in a step when any of its pixels has an
    /// event (binary), or counts all of its pixels' events (`counts`).
    pub pool: u16,
    /// Polarity layout.
    pub polarity: PolarityMode,
    /// Time bins.
    pub bins: TimeBins,
    /// Where step 0 starts.
    pub origin: TimeOrigin,
    /// Counts (`true`) or binary (`false`).
    pub counts: bool,
}

impl Default for VisionBinning {
    fn default() -> Self {
        Self {
            crop: Some([16, 16]),
            pool: 1,
            polarity: PolarityMode::Merge,
            bins: TimeBins::Steps { steps: 50 },
            origin: TimeOrigin::FirstEvent,
            counts: false,
        }
    }
}

impl VisionBinning {
    /// The time and value part.
    pub fn spec(&self) -> BinSpec {
        BinSpec {
            bins: self.bins,
            origin: self.origin,
            counts: self.counts,
        }
    }

    /// Number of channels for a stream of `sensor` (256 for N-MNIST with
    /// the defaults).
    pub fn channels(&self, sensor: &crate::event::VisionSensor) -> u32 {
        let (w, h) = match self.crop {
            Some([w, h]) => (u32::from(w), u32::from(h)),
            None => (u32::from(sensor.width), u32::from(sensor.height)),
        };
        let (w, h) = (pooled(w, self.pool), pooled(h, self.pool));
        match self.polarity {
            PolarityMode::Separate => 2 * w * h,
            _ => w * h,
        }
    }

    /// Bins one stream. Only events inside the crop are counted; a crop
    /// larger than the sensor is an error. The time origin and span are
    /// those of the events kept by the crop.
    pub fn bin(&self, stream: &VisionStream) -> Result<SpikeRaster> {
        self.validate()?;
        let cropped;
        let stream = match self.crop {
            Some([w, h]) => {
                cropped = crate::transform::centre_crop(stream, w, h)?;
                &cropped
            }
            None => stream,
        };
        let sensor = *stream.sensor();
        let pool = self.pool.max(1);
        let w = pooled(u32::from(sensor.width), pool);
        let pixels = w * pooled(u32::from(sensor.height), pool);
        let polarity = self.polarity;
        let channel_of = move |e: &VisionEvent| {
            let pixel = u32::from(e.y / pool) * w + u32::from(e.x / pool);
            match (polarity, e.on) {
                (PolarityMode::Merge, _) => Some(pixel),
                (PolarityMode::Separate, on) => Some(u32::from(on) * pixels + pixel),
                (PolarityMode::OnOnly, true) | (PolarityMode::OffOnly, false) => Some(pixel),
                _ => None,
            }
        };
        bin_events(
            stream.events(),
            self.channels(&sensor),
            channel_of,
            &self.spec(),
        )
    }

    /// The sensor pixel `(x, y)` of channel `c` (inverse of the layout,
    /// ignoring the polarity block; with pooling, the block's first pixel),
    /// for a stream of `sensor`.
    pub fn pixel_of_channel(
        &self,
        sensor: &crate::event::VisionSensor,
        c: u32,
    ) -> Option<(u16, u16)> {
        let (w, h, x0, y0) = match self.crop {
            Some([w, h]) => {
                let (x0, y0) = centre_offsets(sensor, w, h);
                (w, h, x0, y0)
            }
            None => (sensor.width, sensor.height, 0, 0),
        };
        let pool = self.pool.max(1);
        let pw = pooled(u32::from(w), pool);
        let pixels = pw * pooled(u32::from(h), pool);
        if c >= self.channels(sensor) || pixels == 0 {
            return None;
        }
        let p = c % pixels;
        let (x, y) = ((p % pw) as u16 * pool, (p / pw) as u16 * pool);
        Some((x + x0, y + y0))
    }
}

/// Blocks of side `pool` covering `n` pixels (the last one partial).
fn pooled(n: u32, pool: u16) -> u32 {
    n.div_ceil(u32::from(pool.max(1)))
}

impl ParamGuard for VisionBinning {
    type Error = Error;

    /// Checks the crop is non-empty and the time bins are valid.
    fn validate(&self) -> Result<()> {
        if let Some([w, h]) = self.crop
            && (w == 0 || h == 0)
        {
            return Err(Error::InvalidParameter(ParamError {
                field: "crop".into(),
                value: format!("[{w}, {h}]"),
                allowed: "both at least 1".into(),
            }));
        }
        if self.pool == 0 {
            return Err(Error::InvalidParameter(ParamError {
                field: "pool".into(),
                value: "0".into(),
                allowed: "at least 1 (1: no pooling)".into(),
            }));
        }
        self.spec().validate()
    }
}

/// Binning of audio streams: `channel = address`.
///
/// | field | default | source |
/// |---|---|---|
/// | `bins` | 129 steps over the sample | authors' scripts (T = 129) |
/// | `origin` | first event | our choice |
/// | `counts` | `false` (binary) | our choice |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AudioBinning {
    /// Time bins.
    pub bins: TimeBins,
    /// Where step 0 starts.
    pub origin: TimeOrigin,
    /// Counts (`true`) or binary (`false`).
    pub counts: bool,
}

impl Default for AudioBinning {
    fn default() -> Self {
        Self {
            bins: TimeBins::Steps { steps: 129 },
            origin: TimeOrigin::FirstEvent,
            counts: false,
        }
    }
}

impl AudioBinning {
    /// The time and value part.
    pub fn spec(&self) -> BinSpec {
        BinSpec {
            bins: self.bins,
            origin: self.origin,
            counts: self.counts,
        }
    }

    /// Bins one stream into `sensor.channels` channels.
    pub fn bin(&self, stream: &AudioStream) -> Result<SpikeRaster> {
        bin_events(
            stream.events(),
            u32::from(stream.sensor().channels),
            |e| Some(u32::from(e.channel)),
            &self.spec(),
        )
    }
}

impl ParamGuard for AudioBinning {
    type Error = Error;

    /// Checks the time bins are valid.
    fn validate(&self) -> Result<()> {
        self.spec().validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AudioEvent, AudioSensor, VisionSensor};

    fn counts_spec(bins: TimeBins) -> BinSpec {
        BinSpec {
            bins,
            origin: TimeOrigin::FirstEvent,
            counts: true,
        }
    }

    fn audio(events: &[(u64, u16)]) -> Vec<AudioEvent> {
        events
            .iter()
            .map(|&(t_us, channel)| AudioEvent { t_us, channel })
            .collect()
    }

    #[test]
    fn steps_follow_the_formula_and_keep_every_event() {
        // t0 = 100, t_max = 199: span 100 us, 4 steps of 25 us.
        let ev = audio(&[(100, 0), (124, 1), (125, 1), (150, 2), (199, 3), (199, 3)]);
        let r = bin_events(
            &ev,
            4,
            |e| Some(u32::from(e.channel)),
            &counts_spec(TimeBins::Steps { steps: 4 }),
        )
        .unwrap();
        assert_eq!(r.steps(), 4);
        assert_eq!(r.step(0), &[0, 1]);
        assert_eq!(r.step(1), &[1]);
        assert_eq!(r.step(2), &[2]);
        assert_eq!(r.step(3), &[3]);
        assert_eq!(r.step_counts(3), Some(&[2][..]));
        assert_eq!(r.total_events(), 6);
    }

    #[test]
    fn windows_fixed_or_fitted() {
        let ev = audio(&[(10, 0), (19, 0), (20, 1), (45, 2)]);
        let fit = counts_spec(TimeBins::Window {
            dt_us: 10,
            steps: None,
        });
        let r = bin_events(&ev, 3, |e| Some(u32::from(e.channel)), &fit).unwrap();
        // t0 = 10: steps (0, 0.9, 1.0, 3.5) -> 0, 0, 1, 3.
        assert_eq!(r.steps(), 4);
        assert_eq!(r.step_counts(0), Some(&[2][..]));
        assert_eq!(r.step(1), &[1]);
        assert!(r.step(2).is_empty());
        assert_eq!(r.step(3), &[2]);
        let fixed = counts_spec(TimeBins::Window {
            dt_us: 10,
            steps: Some(2),
        });
        let r = bin_events(&ev, 3, |e| Some(u32::from(e.channel)), &fixed).unwrap();
        assert_eq!(
            (r.steps(), r.total_events()),
            (2, 3),
            "the event at step 3 is beyond 2 steps"
        );
        let zero = BinSpec {
            origin: TimeOrigin::Zero,
            ..fit
        };
        let r = bin_events(&ev, 3, |e| Some(u32::from(e.channel)), &zero).unwrap();
        assert_eq!(r.steps(), 5);
        assert_eq!(r.step(1), &[0]);
    }

    #[test]
    fn empty_streams_and_bad_specs() {
        let none: Vec<AudioEvent> = Vec::new();
        let r = bin_events(
            &none,
            4,
            |e| Some(u32::from(e.channel)),
            &counts_spec(TimeBins::Steps { steps: 3 }),
        )
        .unwrap();
        assert_eq!((r.steps(), r.total_events()), (3, 0));
        let r = bin_events(
            &none,
            4,
            |e| Some(u32::from(e.channel)),
            &counts_spec(TimeBins::Window {
                dt_us: 5,
                steps: None,
            }),
        )
        .unwrap();
        assert_eq!(r.steps(), 0);
        assert!(
            counts_spec(TimeBins::Steps { steps: 0 })
                .validate()
                .is_err()
        );
        assert!(
            counts_spec(TimeBins::Window {
                dt_us: 0,
                steps: None
            })
            .validate()
            .is_err()
        );
        let ev = audio(&[(0, 5)]);
        let err = bin_events(
            &ev,
            4,
            |e| Some(u32::from(e.channel)),
            &counts_spec(TimeBins::Steps { steps: 1 }),
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::ChannelOutOfRange { channel: 5, .. }),
            "{err}"
        );
    }

    #[test]
    fn vision_layouts() {
        let sensor = VisionSensor {
            width: 4,
            height: 3,
        };
        let ev = vec![
            VisionEvent {
                t_us: 0,
                x: 1,
                y: 2,
                on: true,
            },
            VisionEvent {
                t_us: 1,
                x: 3,
                y: 0,
                on: false,
            },
        ];
        let s = VisionStream::new(sensor, ev).unwrap();
        let base = VisionBinning {
            crop: None,
            bins: TimeBins::Steps { steps: 1 },
            ..VisionBinning::default()
        };
        let merged = base.bin(&s).unwrap();
        assert_eq!(merged.channels(), 12);
        assert_eq!(merged.step(0), &[3, 9]); // (3,0) -> 3, (1,2) -> 2*4+1 = 9
        let sep = VisionBinning {
            polarity: PolarityMode::Separate,
            ..base
        }
        .bin(&s)
        .unwrap();
        assert_eq!(sep.channels(), 24);
        assert_eq!(sep.step(0), &[3, 21]); // ON block starts at 12
        let on = VisionBinning {
            polarity: PolarityMode::OnOnly,
            ..base
        }
        .bin(&s)
        .unwrap();
        assert_eq!(on.step(0), &[9]);
        let off = VisionBinning {
            polarity: PolarityMode::OffOnly,
            ..base
        }
        .bin(&s)
        .unwrap();
        assert_eq!(off.step(0), &[3]);
        assert_eq!(base.pixel_of_channel(&sensor, 9), Some((1, 2)));
        // Pooling by 2: (3,0) -> block (1,0) = 1, (1,2) -> block (0,1) = 2
        // of a 2 x 2 block grid (4 x 3 sensor: the last row a partial block).
        let pooled = VisionBinning { pool: 2, ..base };
        assert_eq!(pooled.channels(&sensor), 4);
        assert_eq!(pooled.bin(&s).unwrap().step(0), &[1, 2]);
        assert_eq!(pooled.pixel_of_channel(&sensor, 2), Some((0, 2)));
        assert!(VisionBinning { pool: 0, ..base }.validate().is_err());
        let nm = VisionBinning::default();
        assert_eq!(nm.channels(&VisionSensor::NMNIST), 256);
        assert_eq!(nm.pixel_of_channel(&VisionSensor::NMNIST, 0), Some((9, 9)));
        assert_eq!(
            nm.pixel_of_channel(&VisionSensor::NMNIST, 255),
            Some((24, 24))
        );
        assert_eq!(nm.pixel_of_channel(&VisionSensor::NMNIST, 256), None);
    }

    #[test]
    fn audio_defaults() {
        let b = AudioBinning::default();
        let s = AudioStream::new(AudioSensor::NTIDIGITS, audio(&[(0, 63), (1000, 0)])).unwrap();
        let r = b.bin(&s).unwrap();
        assert_eq!((r.steps(), r.channels()), (129, 64));
        assert_eq!(r.step(0), &[63]);
        assert_eq!(r.step(128), &[0]);
    }
}
