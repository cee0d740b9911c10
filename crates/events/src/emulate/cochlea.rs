//! Cochlea emulator: a sound (spoken digit WAV) heard by an emulated
//! 64-channel dynamic audio sensor, giving N-TIDIGITS-like events.
//!
//! N-TIDIGITS (Anumula et al. 2018) was recorded by playing TIDIGITS
//! through a loudspeaker to the CochleaAMS: a cascade of second-order
//! filter stages, inner-hair-cell rectifiers and spiking ganglion cells
//! per channel. This emulator is the usual software stand-in (tonic's
//! filterbank + integrate-and-fire, CARFAC's ERB spacing):
//!
//! 1. **Level.** The input is scaled so that its *active* RMS (the RMS over
//!    the 10 ms frames within 30 dB of the loudest frame) is
//!    `input_rms_dbfs`, with at most `max_input_gain_db` of gain (so a
//!    silent file stays silent): the recordings are played at one volume.
//! 2. **Filterbank.** `channels` band-pass channels with centre frequencies
//!    equally spaced on the ERB-rate scale `E(f) = 21.4 log10(1 + 0.00437
//!    f)` (Glasberg and Moore 1990) from `f_low_hz` to `f_high_hz`
//!    (default 0.47 x the sampling rate, just below Nyquist). Each channel
//!    is a cascade of `sections` identical second-order band-pass biquads
//!    (RBJ, 0 dB peak gain) whose cascade -3 dB bandwidth is
//!    `bandwidth_erb` ERBs, `ERB(f) = 24.7 (4.37 f / 1000 + 1)` Hz. Channel
//!    0 is the lowest frequency (our choice; the CochleaAMS numbering is
//!    not documented with the dataset).
//! 3. **Hair cell.** Half-wave rectification and power-law compression,
//!    `c = max(y, 0)^p`.
//! 4. **Ganglion cell.** A leaky integrate-and-fire neuron per channel,
//!    `tau dv/dt = -v + g c`, spikes at `v >= theta_k` (per-channel
//!    mismatch `theta_k ~ N(1, threshold_sigma)`, drawn once per emulator
//!    from `seeds.stream(Purpose::EmulatorNoise)`), reset to 0, then deaf
//!    for `refractory_us`. The update is exact for input held over a sample;
//!    spike times are interpolated within the sample. The gain `g` is
//!    derived from `threshold_dbfs`: a sinusoid of that amplitude (dB re
//!    full scale) at a channel's centre gives a mean drive `g E[c] = 1`,
//!    exactly the threshold.
//! 5. **Spontaneous events** (optional): Poisson events at
//!    `spontaneous_rate_hz` per channel, from the sample's stream
//!    `seeds.keyed(Purpose::EmulatorNoise, key)`.
//!
//! # Parameters ([`CochleaParams`])
//!
//! | field | unit | default | source |
//! |---|---|---|---|
//! | `channels` | - | 64 | CochleaAMS, N-TIDIGITS |
//! | `f_low_hz` | Hz | 100 | tonic's filterbank, issue text |
//! | `f_high_hz` | Hz | 0.47 x rate (3,760 at 8 kHz) | our choice (tonic: 3,880 at 8 kHz) |
//! | `spacing` | - | ERB | CARFAC |
//! | `bandwidth_erb` | ERB | 1.0 | auditory filters (Glasberg and Moore) |
//! | `sections` | - | 4 | a gammatone of order 4 (Patterson); steeper skirts than 2 |
//! | `compression` | 1 | 0.3 | power-law hair-cell compression (about Stevens' loudness exponent) |
//! | `input_rms_dbfs` | dBFS | -20 | our choice (playback level) |
//! | `max_input_gain_db` | dB | 20 | our choice |
//! | `threshold_dbfs` | dBFS | -50 | our choice: 30 dB below the playback level, 10 dB above faint noise raised by the full gain |
//! | `tau_us` | us | 2,000 | tonic uses 1-10 ms; with the threshold, 1.3e4 events/s during FSDD speech |
//! | `refractory_us` | us | 1,000 | tonic (about 1 ms) |
//! | `threshold_sigma` | 1 | 0.05 | our choice (channel mismatch) |
//! | `spontaneous_rate_hz` | Hz | 0 | our choice (silence stays silent) |
//!
//! # What it ignores
//!
//! The loudspeaker and room, the second ear, several ganglion cells per
//! channel with different thresholds, automatic gain control, and the
//! cascade coupling of the real sensor's filter stages (our channels are
//! parallel).

use param_guard::ParamGuard;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Normal};
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};

use super::{Audio, check_range, invalid};
use crate::error::Result;
use crate::event::{AudioEvent, AudioSensor, AudioStream};

/// How the centre frequencies are spaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Spacing {
    /// Equal steps on the ERB-rate scale (Glasberg and Moore 1990).
    #[default]
    Erb,
    /// Equal steps of log frequency.
    Log,
}

/// Parameters of the cochlea emulator (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CochleaParams {
    /// Number of channels.
    pub channels: u16,
    /// Centre frequency of channel 0, in hertz.
    pub f_low_hz: f32,
    /// Centre frequency of the last channel in hertz (`None`: 0.47 x the
    /// input's sampling rate).
    pub f_high_hz: Option<f32>,
    /// Spacing of the centre frequencies.
    pub spacing: Spacing,
    /// -3 dB bandwidth of each channel in ERBs at its centre frequency.
    pub bandwidth_erb: f32,
    /// Number of cascaded second-order sections per channel.
    pub sections: u8,
    /// Exponent of the hair cell's power-law compression.
    pub compression: f32,
    /// Active RMS the input is scaled to, dB re full scale (`None`: as
    /// recorded).
    pub input_rms_dbfs: Option<f32>,
    /// Largest gain the level normalisation may apply, in dB.
    pub max_input_gain_db: f32,
    /// Amplitude of a centred sinusoid that drives a channel exactly to
    /// threshold, dB re full scale.
    pub threshold_dbfs: f32,
    /// Membrane time constant in microseconds.
    pub tau_us: f32,
    /// Refractory period in microseconds.
    pub refractory_us: f32,
    /// Relative standard deviation of the per-channel thresholds.
    pub threshold_sigma: f32,
    /// Spontaneous (noise) event rate per channel in hertz.
    pub spontaneous_rate_hz: f32,
}

impl Default for CochleaParams {
    fn default() -> Self {
        Self {
            channels: 64,
            f_low_hz: 100.0,
            f_high_hz: None,
            spacing: Spacing::Erb,
            bandwidth_erb: 1.0,
            sections: 4,
            compression: 0.3,
            input_rms_dbfs: Some(-20.0),
            max_input_gain_db: 20.0,
            threshold_dbfs: -50.0,
            tau_us: 2_000.0,
            refractory_us: 1_000.0,
            threshold_sigma: 0.05,
            spontaneous_rate_hz: 0.0,
        }
    }
}

impl CochleaParams {
    /// The centre frequencies for input sampled at `rate_hz`, channel 0
    /// first; an error if the band does not fit below 0.49 x the rate.
    pub fn centre_frequencies(&self, rate_hz: u32) -> Result<Vec<f32>> {
        let fs = f64::from(rate_hz);
        let hi = self.f_high_hz.map_or(0.47 * fs, f64::from);
        let lo = f64::from(self.f_low_hz);
        if !(hi < 0.49 * fs && hi > lo) {
            return Err(invalid(
                "cochlea.f_high_hz",
                format!("{hi} Hz at a sampling rate of {rate_hz} Hz"),
                "above f_low_hz and below 0.49 x the sampling rate (raise the rate or lower the band)",
            ));
        }
        let n = usize::from(self.channels);
        let (a, b, to_f): (f64, f64, fn(f64) -> f64) = match self.spacing {
            Spacing::Erb => (erb_rate(lo), erb_rate(hi), erb_rate_inverse),
            Spacing::Log => (lo.ln(), hi.ln(), f64::exp),
        };
        Ok((0..n)
            .map(|k| {
                let u = if n == 1 {
                    0.0
                } else {
                    k as f64 / (n - 1) as f64
                };
                to_f(a + u * (b - a)) as f32
            })
            .collect())
    }

    /// The LIF gain `g` (see the module docs).
    pub fn drive_gain(&self) -> f32 {
        let amplitude = 10f64.powf(f64::from(self.threshold_dbfs) / 20.0);
        let p = f64::from(self.compression);
        // E[max(sin, 0)^p] over a period, by the midpoint rule (the
        // integrand is smooth; 4,096 points give 1e-6 relative accuracy).
        let n = 4096;
        let mean = (0..n)
            .map(|i| {
                let th = std::f64::consts::PI * (i as f64 + 0.5) / n as f64;
                th.sin().powf(p)
            })
            .sum::<f64>()
            / n as f64
            / 2.0;
        (1.0 / (amplitude.powf(p) * mean)) as f32
    }
}

impl ParamGuard for CochleaParams {
    type Error = crate::Error;

    /// Checks every field; the error names the field and its allowed range.
    fn validate(&self) -> Result<()> {
        if self.channels == 0 || self.channels > 4096 {
            return Err(invalid("cochlea.channels", self.channels, "1-4096"));
        }
        check_range("cochlea.f_low_hz", f64::from(self.f_low_hz), 1.0, 1e6)?;
        if let Some(f) = self.f_high_hz
            && !(f.is_finite() && f > self.f_low_hz && f <= 1e6)
        {
            return Err(invalid(
                "cochlea.f_high_hz",
                f,
                "finite, above f_low_hz, at most 1e6",
            ));
        }
        check_range(
            "cochlea.bandwidth_erb",
            f64::from(self.bandwidth_erb),
            0.05,
            10.0,
        )?;
        if !(1..=8).contains(&self.sections) {
            return Err(invalid("cochlea.sections", self.sections, "1-8"));
        }
        check_range(
            "cochlea.compression",
            f64::from(self.compression),
            0.05,
            1.0,
        )?;
        if let Some(db) = self.input_rms_dbfs {
            check_range("cochlea.input_rms_dbfs", f64::from(db), -120.0, 0.0)?;
        }
        check_range(
            "cochlea.max_input_gain_db",
            f64::from(self.max_input_gain_db),
            0.0,
            120.0,
        )?;
        check_range(
            "cochlea.threshold_dbfs",
            f64::from(self.threshold_dbfs),
            -150.0,
            20.0,
        )?;
        check_range("cochlea.tau_us", f64::from(self.tau_us), 1.0, 1e7)?;
        check_range(
            "cochlea.refractory_us",
            f64::from(self.refractory_us),
            0.0,
            1e7,
        )?;
        check_range(
            "cochlea.threshold_sigma",
            f64::from(self.threshold_sigma),
            0.0,
            0.5,
        )?;
        check_range(
            "cochlea.spontaneous_rate_hz",
            f64::from(self.spontaneous_rate_hz),
            0.0,
            1e5,
        )?;
        Ok(())
    }
}

/// ERB-rate (number of ERBs below `f` hertz).
pub fn erb_rate(f: f64) -> f64 {
    21.4 * (1.0 + 0.00437 * f).log10()
}

/// The frequency at ERB-rate `e`.
pub fn erb_rate_inverse(e: f64) -> f64 {
    (10f64.powf(e / 21.4) - 1.0) / 0.00437
}

/// Equivalent rectangular bandwidth at `f` hertz (Glasberg and Moore 1990).
pub fn erb(f: f64) -> f64 {
    24.7 * (4.37 * f / 1000.0 + 1.0)
}

/// One second-order section, transposed direct form II.
#[derive(Clone, Copy, Debug)]
struct Biquad {
    b0: f32,
    b2: f32,
    a1: f32,
    a2: f32,
}

impl Biquad {
    /// RBJ band-pass with 0 dB peak gain at `fc`, quality `q`.
    fn band_pass(fc: f64, q: f64, fs: f64) -> Self {
        let w0 = 2.0 * std::f64::consts::PI * fc / fs;
        let alpha = w0.sin() / (2.0 * q);
        let a0 = 1.0 + alpha;
        Self {
            b0: (alpha / a0) as f32,
            b2: (-alpha / a0) as f32,
            a1: (-2.0 * w0.cos() / a0) as f32,
            a2: ((1.0 - alpha) / a0) as f32,
        }
    }
}

/// The cochlea emulator: checked parameters and the ear's per-channel
/// thresholds.
#[derive(Clone, Debug)]
pub struct CochleaEmulator {
    params: CochleaParams,
    seeds: Seeds,
    thresholds: Vec<f32>,
    gain: f32,
}

impl CochleaEmulator {
    /// An emulator whose per-channel thresholds come from
    /// `seeds.stream(Purpose::EmulatorNoise)`; per-sample noise of
    /// [`CochleaEmulator::emulate_sample`] from `seeds.keyed(Purpose::EmulatorNoise, key)`.
    pub fn new(params: CochleaParams, seeds: Seeds) -> Result<Self> {
        params.validate()?;
        // A separate stream from the DVS camera's (which uses the plain
        // stream): the ear's key is u64::MAX.
        let mut ear = seeds.keyed(Purpose::EmulatorNoise, u64::MAX);
        let n = usize::from(params.channels);
        let thresholds = if params.threshold_sigma > 0.0 {
            let normal = Normal::new(1.0f32, params.threshold_sigma).map_err(|e| {
                invalid(
                    "cochlea.threshold_sigma",
                    params.threshold_sigma,
                    &e.to_string(),
                )
            })?;
            (0..n).map(|_| normal.sample(&mut ear).max(0.05)).collect()
        } else {
            vec![1.0; n]
        };
        let gain = params.drive_gain();
        Ok(Self {
            params,
            seeds,
            thresholds,
            gain,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &CochleaParams {
        &self.params
    }

    /// The per-channel thresholds (relative to 1).
    pub fn thresholds(&self) -> &[f32] {
        &self.thresholds
    }

    /// The sensor the events live on.
    pub fn sensor(&self) -> AudioSensor {
        AudioSensor {
            channels: self.params.channels,
        }
    }

    /// Emulates sample `key` with its own noise stream
    /// `seeds.keyed(Purpose::EmulatorNoise, key)`.
    pub fn emulate_sample(&self, audio: &Audio, key: u64) -> Result<AudioStream> {
        let mut rng = self.seeds.keyed(Purpose::EmulatorNoise, key);
        self.emulate(audio, &mut rng)
    }

    /// The gain (linear) the level normalisation applies to `audio`.
    pub fn input_gain(&self, audio: &Audio) -> f32 {
        let Some(target_db) = self.params.input_rms_dbfs else {
            return 1.0;
        };
        let frame = (audio.rate_hz as usize / 100).max(1);
        let energies: Vec<f64> = audio
            .samples
            .chunks(frame)
            .map(|c| c.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / c.len() as f64)
            .collect();
        let loudest = energies.iter().copied().fold(0.0, f64::max);
        if loudest <= 0.0 {
            return 1.0;
        }
        let floor = loudest * 1e-3; // 30 dB below the loudest frame
        let active: Vec<f64> = energies.into_iter().filter(|&e| e >= floor).collect();
        let rms = (active.iter().sum::<f64>() / active.len() as f64).sqrt();
        let target = 10f64.powf(f64::from(target_db) / 20.0);
        let max_gain = 10f64.powf(f64::from(self.params.max_input_gain_db) / 20.0);
        (target / rms).min(max_gain) as f32
    }

    /// Emulates the cochlea's response to `audio`, per-sample noise from
    /// `rng`. Events are sorted by time (channel order for equal times).
    /// An error if the band does not fit the sampling rate.
    pub fn emulate<R: Rng + ?Sized>(&self, audio: &Audio, rng: &mut R) -> Result<AudioStream> {
        let p = &self.params;
        let fs = f64::from(audio.rate_hz);
        let centres = p.centre_frequencies(audio.rate_hz)?;
        let gain_in = self.input_gain(audio);
        let x: Vec<f32> = audio.samples.iter().map(|&s| s * gain_in).collect();
        let dt_us = 1e6 / fs;
        let decay = (-dt_us / f64::from(p.tau_us)).exp() as f32;
        let drive = (1.0 - decay) * self.gain;
        let refractory = f64::from(p.refractory_us);
        let compression = p.compression;
        // Cascade of n identical sections: -3 dB bandwidth shrinks by
        // sqrt(2^(1/n) - 1) relative to one section's.
        let shrink = (2f64.powf(1.0 / f64::from(p.sections)) - 1.0).sqrt();

        let mut events: Vec<(u64, u16)> = Vec::new();
        let mut states = vec![[0f32; 2]; usize::from(p.sections)];
        for (ch, &fc) in centres.iter().enumerate() {
            let fc = f64::from(fc);
            let q = fc * shrink / (f64::from(p.bandwidth_erb) * erb(fc));
            let bq = Biquad::band_pass(fc, q, fs);
            states.iter_mut().for_each(|s| *s = [0.0; 2]);
            let theta = self.thresholds[ch];
            let mut v = 0f32;
            let mut deaf_until = f64::NEG_INFINITY;
            for (n, &xn) in x.iter().enumerate() {
                let mut y = xn;
                for s in states.iter_mut() {
                    let out = bq.b0 * y + s[0];
                    s[0] = -bq.a1 * out + s[1];
                    s[1] = bq.b2 * y - bq.a2 * out;
                    y = out;
                }
                let t = n as f64 * dt_us;
                if t < deaf_until {
                    continue;
                }
                let c = if y > 0.0 { y.powf(compression) } else { 0.0 };
                let next = decay * v + drive * c;
                if next >= theta {
                    // Linear interpolation of the crossing inside the sample.
                    let lambda = f64::from(((theta - v) / (next - v)).clamp(0.0, 1.0));
                    let te = (t - dt_us + lambda * dt_us).max(0.0);
                    events.push((te.round() as u64, ch as u16));
                    v = 0.0;
                    deaf_until = te + refractory;
                } else {
                    v = next;
                }
            }
        }
        if p.spontaneous_rate_hz > 0.0 {
            let rate_per_us = f64::from(p.spontaneous_rate_hz) * 1e-6 * centres.len() as f64;
            let duration = x.len() as f64 * dt_us;
            let mut t = 0.0f64;
            loop {
                let u: f64 = rng.random();
                t += -(1.0 - u).ln() / rate_per_us;
                if t >= duration {
                    break;
                }
                let ch = rng.random_range(0..centres.len()) as u16;
                events.push((t.round() as u64, ch));
            }
        }
        events.sort_by_key(|e| e.0);
        let events = events
            .into_iter()
            .map(|(t_us, channel)| AudioEvent { t_us, channel })
            .collect();
        Ok(AudioStream::from_checked(self.sensor(), events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: u32 = 8000;

    fn tone(f: f64, amplitude: f64, seconds: f64) -> Audio {
        let n = (seconds * f64::from(FS)) as usize;
        Audio {
            rate_hz: FS,
            samples: (0..n)
                .map(|i| {
                    (amplitude * (2.0 * std::f64::consts::PI * f * i as f64 / f64::from(FS)).sin())
                        as f32
                })
                .collect(),
        }
    }

    fn counts(s: &AudioStream, channels: usize) -> Vec<usize> {
        let mut c = vec![0; channels];
        for e in s.events() {
            c[usize::from(e.channel)] += 1;
        }
        c
    }

    fn emulator() -> CochleaEmulator {
        CochleaEmulator::new(CochleaParams::default(), Seeds::new(1)).unwrap()
    }

    #[test]
    fn erb_scale_round_trip_and_known_values() {
        // Glasberg and Moore: ERB(1 kHz) = 24.7 * 5.37 = 132.6 Hz.
        assert!((erb(1000.0) - 132.639).abs() < 1e-3);
        for f in [100.0, 1000.0, 3760.0] {
            assert!((erb_rate_inverse(erb_rate(f)) - f).abs() < 1e-9 * f);
        }
        let p = CochleaParams::default();
        let c = p.centre_frequencies(FS).unwrap();
        assert_eq!(c.len(), 64);
        assert!((c[0] - 100.0).abs() < 1e-3 && (c[63] - 3760.0).abs() < 1e-2);
        assert!(c.windows(2).all(|w| w[1] > w[0]));
        let err = p.centre_frequencies(100).unwrap_err().to_string();
        assert!(
            err.contains("cochlea.f_high_hz") && err.contains("100 Hz"),
            "{err}"
        );
    }

    #[test]
    fn biquad_peak_gain_is_one_at_the_centre() {
        // Steady-state amplitude of the response to a sinusoid at fc: the
        // RBJ constant-peak band-pass has |H(fc)| = 1 exactly.
        let fc = 1000.0;
        let bq = Biquad::band_pass(fc, 5.0, f64::from(FS));
        let input = tone(fc, 1.0, 0.5);
        let mut s = [0f32; 2];
        let mut peak = 0f32;
        for (n, &x) in input.samples.iter().enumerate() {
            let out = bq.b0 * x + s[0];
            s[0] = -bq.a1 * out + s[1];
            s[1] = bq.b2 * x - bq.a2 * out;
            if n > 2000 {
                peak = peak.max(out.abs());
            }
        }
        // Sampled peak of a unit sinusoid at 8 samples per period: within
        // 1e-3 of 1 (f32 filter rounding is far smaller).
        assert!((peak - 1.0).abs() < 1e-3, "{peak}");
    }

    /// The emulator without level normalisation (inputs at their own level).
    fn raw_emulator() -> CochleaEmulator {
        let p = CochleaParams {
            input_rms_dbfs: None,
            ..CochleaParams::default()
        };
        CochleaEmulator::new(p, Seeds::new(1)).unwrap()
    }

    fn nearest_channel(centres: &[f32], f: f64) -> usize {
        (0..centres.len())
            .min_by(|&a, &b| {
                (f64::from(centres[a]) - f)
                    .abs()
                    .total_cmp(&(f64::from(centres[b]) - f).abs())
            })
            .unwrap()
    }

    #[test]
    fn a_tone_excites_the_channels_around_its_frequency() {
        let centres = CochleaParams::default().centre_frequencies(FS).unwrap();
        // At -40 dBFS (10 dB above threshold) the response is narrow: its
        // count-weighted mean channel is the nearest centre (+-1; near the
        // peak channels saturate at one spike per cycle, so the busiest
        // channel is not unique) and channels more than an octave away stay
        // below 5 % of the busiest.
        let raw = raw_emulator();
        for f in [300.0, 1000.0, 2500.0] {
            let c = counts(&raw.emulate_sample(&tone(f, 0.01, 0.5), 0).unwrap(), 64);
            let best = (0..64).max_by_key(|&k| c[k]).unwrap();
            let nearest = nearest_channel(&centres, f);
            let total: usize = c.iter().sum();
            let mean =
                c.iter().enumerate().map(|(k, &n)| k * n).sum::<usize>() as f64 / total as f64;
            assert!(
                (mean - nearest as f64).abs() <= 1.0,
                "{f} Hz: mean channel {mean:.1}, nearest {nearest}, {c:?}"
            );
            for (k, &fk) in centres.iter().enumerate() {
                if (f64::from(fk) / f).log2().abs() > 1.0 {
                    assert!(
                        c[k] * 20 <= c[best],
                        "{f} Hz: channel {k} ({fk} Hz) fired {}",
                        c[k]
                    );
                }
            }
        }
        // With the default playback level (-20 dBFS RMS) the excitation
        // spreads (the drive saturates at one spike per cycle or per
        // refractory period) but stays centred: the count-weighted mean
        // channel is within 2 of the nearest centre, nothing beyond two
        // octaves but the onset click (below 5 % of the busiest).
        let emu = emulator();
        for f in [300.0, 1000.0, 2500.0] {
            let c = counts(&emu.emulate_sample(&tone(f, 0.1, 0.5), 0).unwrap(), 64);
            let best = (0..64).max_by_key(|&k| c[k]).unwrap();
            let nearest = nearest_channel(&centres, f);
            let total: usize = c.iter().sum();
            let mean =
                c.iter().enumerate().map(|(k, &n)| k * n).sum::<usize>() as f64 / total as f64;
            assert!(
                (mean - nearest as f64).abs() <= 2.0,
                "{f} Hz: mean channel {mean:.1}, {c:?}"
            );
            for (k, &fk) in centres.iter().enumerate() {
                if (f64::from(fk) / f).log2().abs() > 2.0 {
                    assert!(
                        c[k] * 20 <= c[best],
                        "{f} Hz: channel {k} ({fk} Hz) fired {}",
                        c[k]
                    );
                }
            }
        }
    }

    #[test]
    fn a_chirp_sweeps_the_channels_in_order() {
        // Exponential chirp 150 Hz -> 3,500 Hz over 2 s at -40 dBFS.
        let (f0, f1, dur) = (150.0f64, 3500.0f64, 2.0f64);
        let k = (f1 / f0).ln() / dur;
        let n = (dur * f64::from(FS)) as usize;
        let audio = Audio {
            rate_hz: FS,
            samples: (0..n)
                .map(|i| {
                    let t = i as f64 / f64::from(FS);
                    let phase = 2.0 * std::f64::consts::PI * f0 * ((k * t).exp() - 1.0) / k;
                    (0.01 * phase.sin()) as f32
                })
                .collect(),
        };
        let s = raw_emulator().emulate_sample(&audio, 0).unwrap();
        let centres = CochleaParams::default().centre_frequencies(FS).unwrap();
        let mut times = vec![Vec::new(); 64];
        for e in s.events() {
            times[usize::from(e.channel)].push(e.t_us);
        }
        // Channels the chirp passes through well inside its range.
        let swept: Vec<usize> = (0..64)
            .filter(|&c| f64::from(centres[c]) > 1.2 * f0 && f64::from(centres[c]) < f1 / 1.2)
            .collect();
        assert!(swept.len() > 40, "{} channels", swept.len());
        let mut previous = 0u64;
        for &c in &swept {
            let t = &times[c];
            assert!(t.len() >= 5, "channel {c} fired {} times", t.len());
            // The median event time of each channel follows the chirp:
            // strictly later for every higher channel, and close to the
            // time the chirp passes the channel's centre frequency. The
            // tolerance, 80 ms, is the time the chirp takes to cross about
            // one ERB at the low end (0.13 octave at 1.1 octave/s).
            let median = t[t.len() / 2];
            assert!(
                median > previous,
                "channel {c}: median {median} us, previous {previous} us"
            );
            let passes = (f64::from(centres[c]) / f0).ln() / k * 1e6;
            assert!(
                (median as f64 - passes).abs() < 80_000.0,
                "channel {c}: {median} us vs {passes:.0} us"
            );
            previous = median;
        }
    }

    #[test]
    fn silence_and_faint_noise_give_no_events() {
        let emu = emulator();
        let silent = Audio {
            rate_hz: FS,
            samples: vec![0.0; 8000],
        };
        assert!(emu.emulate_sample(&silent, 0).unwrap().is_empty());
        // White noise at -80 dBFS RMS (uniform, RMS = a / sqrt(3)); the
        // normalisation raises it by at most 20 dB, still 10 dB below the
        // -50 dBFS threshold of a channel's sinusoid.
        let mut state = 1u64;
        let a = 1e-4 * 3f32.sqrt();
        let noise = Audio {
            rate_hz: FS,
            samples: (0..8000)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    a * ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0)
                })
                .collect(),
        };
        let s = emu.emulate_sample(&noise, 0).unwrap();
        assert!(s.len() <= 5, "{} events from faint noise", s.len());
    }

    #[test]
    fn refractory_period_and_sorting() {
        let s = emulator()
            .emulate_sample(&tone(800.0, 0.3, 0.3), 0)
            .unwrap();
        assert!(s.is_time_sorted());
        let mut last = [None; 64];
        for e in s.events() {
            let ch = usize::from(e.channel);
            if let Some(prev) = last[ch] {
                assert!(e.t_us + 1 >= prev + 1000, "{e:?} after {prev}");
            }
            last[ch] = Some(e.t_us);
        }
    }

    #[test]
    fn spontaneous_events_follow_their_rate() {
        let p = CochleaParams {
            spontaneous_rate_hz: 50.0,
            ..CochleaParams::default()
        };
        let emu = CochleaEmulator::new(p, Seeds::new(2)).unwrap();
        let silent = Audio {
            rate_hz: FS,
            samples: vec![0.0; 16000],
        };
        let s = emu.emulate_sample(&silent, 3).unwrap();
        // Expected 64 * 50 * 2 s = 6,400 events, Poisson sd 80: 5 sd = 400.
        assert!((s.len() as f64 - 6400.0).abs() < 400.0, "{}", s.len());
        assert_eq!(s, emu.emulate_sample(&silent, 3).unwrap());
    }

    #[test]
    fn invalid_parameters_name_the_field() {
        let p = CochleaParams {
            sections: 0,
            ..CochleaParams::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("cochlea.sections")
        );
        let p = CochleaParams {
            tau_us: f32::NAN,
            ..CochleaParams::default()
        };
        assert!(
            CochleaEmulator::new(p, Seeds::new(0))
                .unwrap_err()
                .to_string()
                .contains("cochlea.tau_us")
        );
    }
}
