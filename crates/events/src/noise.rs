//! Input event noise: dropped events and spurious events, drawn per sample.
//!
//! The paper reports the liquid state machine to be robust to input noise
//! (its supplementary figures); this module makes that noise: it degrades an
//! [`EventStream`] before binning, the way a lossy link or a noisy sensor
//! would.
//!
//! # Model
//!
//! For a stream of `n` events spanning `t_min ..= t_max` on a sensor of `E`
//! elements (pixels, or cochlea channels):
//!
//! * **Dropped events**: each event is kept independently with probability
//!   `1 - drop_probability` (so the kept count is Binomial(`n`, `1 - p`)).
//! * **Spurious events**: `N ~ Poisson(lambda)` events are added, with
//!   `lambda = spurious_fraction * n + spurious_rate_hz * E * (t_max - t_min) / 1 s`:
//!   a count relative to the sample's own activity (the fraction) plus a
//!   sensor background rate per element (like a DVS's background activity).
//!   Each spurious event has a time uniform on the integer microseconds
//!   `t_min ..= t_max` (so it never stretches the sample and a binning that
//!   spans the sample keeps its steps), an element uniform over the whole
//!   sensor and, for vision, a polarity that is ON with probability 1/2.
//!   Both parts use the original stream's `n` and span, before drops.
//!
//! Kept events keep their order. When the input is sorted by time the
//! output is too: spurious events are merged in by a stable sort, so at an
//! equal timestamp the original events come first. An unsorted input gets
//! its spurious events appended (in draw order) after the kept events. An
//! empty stream stays empty (it has no span).
//!
//! # Parameters ([`InputNoise`])
//!
//! | field | unit | default | allowed | source |
//! |---|---|---|---|---|
//! | `drop_probability` | 1 | 0 | `[0, 1]` | off by default |
//! | `spurious_fraction` | spurious events per original event | 0 | `[0, 1000]` | off by default |
//! | `spurious_rate_hz` | events per element per second | 0 | `[0, 1e6]` | off by default |
//!
//! # Randomness
//!
//! [`InputNoise::apply`] draws from the `rng` it is given, in this order:
//! one uniform `f64` per original event in stream order (only when
//! `drop_probability > 0`), one Poisson count (only when `lambda > 0`),
//! then per spurious event its time, its element and (vision) its polarity.
//! With no noise it draws nothing and returns the stream unchanged. The
//! workspace convention is one stream per sample,
//! `seeds.keyed(Purpose::InputNoise, key)` ([`InputNoise::apply_keyed`]);
//! [`noisy_rasters`] keys each sample by its position in the dataset's
//! source, so a sample gets the same noise in every view, split and thread
//! count.

use param_guard::ParamGuard;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Poisson};
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};
use spikes::SpikeRaster;

use crate::dataset::{Dataset, EventSource};
use crate::error::{Error, Result};
use crate::event::{AudioEvent, AudioSensor, Event, EventStream, VisionEvent, VisionSensor};
use crate::source::Binner;
use param_guard::ParamError;

/// Dropped and spurious input events (see the module docs for the model).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputNoise {
    /// Probability that an event is dropped, each event independently,
    /// in `[0, 1]`. Default 0.
    pub drop_probability: f64,
    /// Expected spurious events per original event of the sample, in
    /// `[0, 1000]`. Default 0.
    pub spurious_fraction: f64,
    /// Expected spurious events per sensor element per second of the
    /// sample's span, in `[0, 1e6]`. Default 0.
    pub spurious_rate_hz: f64,
}

/// Largest `spurious_fraction` accepted.
pub const SPURIOUS_FRACTION_MAX: f64 = 1000.0;

/// Largest `spurious_rate_hz` accepted.
pub const SPURIOUS_RATE_MAX_HZ: f64 = 1e6;

/// Events that [`InputNoise`] can make up: a random event on a sensor.
pub trait NoiseEvent: Event {
    /// An event at `t_us` on an element drawn uniformly from `sensor`
    /// (and, for vision, a fair polarity).
    fn random_on<R: Rng + ?Sized>(sensor: &Self::Sensor, t_us: u64, rng: &mut R) -> Self;
}

impl NoiseEvent for VisionEvent {
    fn random_on<R: Rng + ?Sized>(sensor: &VisionSensor, t_us: u64, rng: &mut R) -> Self {
        // A valid sensor has at least one pixel; `max(1)` keeps the range
        // non-empty for a degenerate geometry (the event then lies on it
        // only if the caller's stream could hold events at all, which an
        // empty sensor's cannot: no spurious event is drawn for it).
        let pixel = rng.random_range(0..sensor.pixels().max(1));
        let width = u32::from(sensor.width.max(1));
        VisionEvent {
            t_us,
            x: (pixel % width) as u16,
            y: (pixel / width) as u16,
            on: rng.random_bool(0.5),
        }
    }
}

impl NoiseEvent for AudioEvent {
    fn random_on<R: Rng + ?Sized>(sensor: &AudioSensor, t_us: u64, rng: &mut R) -> Self {
        AudioEvent {
            t_us,
            channel: rng.random_range(0..sensor.channels.max(1)),
        }
    }
}

impl InputNoise {
    /// No noise (the default).
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether this noise leaves every stream unchanged.
    pub fn is_none(&self) -> bool {
        self.drop_probability == 0.0
            && self.spurious_fraction == 0.0
            && self.spurious_rate_hz == 0.0
    }

    /// Expected number of spurious events for `stream`: `lambda` of the
    /// module docs.
    pub fn spurious_mean<E: Event>(&self, stream: &EventStream<E>) -> f64 {
        if stream.is_empty() {
            return 0.0;
        }
        let elements = E::elements(stream.sensor()) as f64;
        self.spurious_fraction * stream.len() as f64
            + self.spurious_rate_hz * elements * stream.duration_us() as f64 * 1e-6
    }

    /// The noisy version of `stream`, drawing from `rng` (see the module
    /// docs for the draw order). Invalid parameters are an error.
    pub fn apply<E: NoiseEvent, R: Rng + ?Sized>(
        &self,
        stream: &EventStream<E>,
        rng: &mut R,
    ) -> Result<EventStream<E>> {
        self.validate()?;
        if self.is_none() || stream.is_empty() {
            return Ok(stream.clone());
        }
        let sensor = *stream.sensor();
        let (t_min, t_max) = match (stream.t_min_us(), stream.t_max_us()) {
            (Some(a), Some(b)) => (a, b),
            // Unreachable for a non-empty stream; an empty one returned above.
            _ => return Ok(stream.clone()),
        };
        let sorted = stream.is_time_sorted();
        let lambda = self.spurious_mean(stream);
        let mut events: Vec<E> = if self.drop_probability > 0.0 {
            let keep = 1.0 - self.drop_probability;
            stream
                .events()
                .iter()
                .copied()
                .filter(|_| rng.random::<f64>() < keep)
                .collect()
        } else {
            stream.events().to_vec()
        };
        let extra = if lambda > 0.0 && E::elements(&sensor) > 0 {
            // `lambda` is positive and finite here (validated parameters,
            // finite counts), so the distribution exists.
            Poisson::new(lambda).map(|p| p.sample(rng)).map_err(|e| {
                Error::InvalidParameter(ParamError {
                    field: "input_noise (spurious mean)".to_owned(),
                    value: lambda.to_string(),
                    allowed: format!("a valid Poisson mean ({e})"),
                })
            })?
        } else {
            0.0
        };
        let extra = extra as usize;
        events.reserve(extra);
        for _ in 0..extra {
            let t = rng.random_range(t_min..=t_max);
            events.push(E::random_on(&sensor, t, rng));
        }
        if sorted {
            events.sort_by_key(Event::t_us);
        }
        // Kept events came from a checked stream; made-up events are drawn
        // on the same sensor.
        Ok(EventStream::from_checked(sensor, events))
    }

    /// [`InputNoise::apply`] with the sample's own stream,
    /// `seeds.keyed(Purpose::InputNoise, key)`.
    pub fn apply_keyed<E: NoiseEvent>(
        &self,
        stream: &EventStream<E>,
        seeds: Seeds,
        key: u64,
    ) -> Result<EventStream<E>> {
        self.apply(stream, &mut seeds.keyed(Purpose::InputNoise, key))
    }
}

impl ParamGuard for InputNoise {
    type Error = Error;

    /// Checks every field; the error names the field and its allowed range.
    fn validate(&self) -> Result<()> {
        for (field, value, hi) in [
            ("input_noise.drop_probability", self.drop_probability, 1.0),
            (
                "input_noise.spurious_fraction",
                self.spurious_fraction,
                SPURIOUS_FRACTION_MAX,
            ),
            (
                "input_noise.spurious_rate_hz",
                self.spurious_rate_hz,
                SPURIOUS_RATE_MAX_HZ,
            ),
        ] {
            if !(value.is_finite() && (0.0..=hi).contains(&value)) {
                return Err(Error::InvalidParameter(ParamError {
                    field: field.to_owned(),
                    value: value.to_string(),
                    allowed: format!("finite, in [0, {hi}]"),
                }));
            }
        }
        Ok(())
    }
}

/// Bins every sample of `data` after adding `noise`, in parallel (rayon),
/// results in view order. Sample `i` draws from
/// `seeds.keyed(Purpose::InputNoise, key_offset + data.source_index(i))`,
/// so its noise depends on the sample, never on the view or the thread;
/// `key_offset` separates datasets that share `seeds` (e.g. the two
/// modalities of a zero-shot run).
pub fn noisy_rasters<S, B>(
    data: &Dataset<S>,
    binning: &B,
    noise: &InputNoise,
    seeds: Seeds,
    key_offset: u64,
) -> Result<Vec<SpikeRaster>>
where
    S: EventSource,
    S::Event: NoiseEvent,
    B: Binner<S::Event>,
{
    noise.validate()?;
    data.par_map(|i, _, stream| {
        if noise.is_none() {
            return binning.bin_stream(&stream);
        }
        let key = key_offset.wrapping_add(data.source_index(i) as u64);
        binning.bin_stream(&noise.apply_keyed(&stream, seeds, key)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binning::AudioBinning;
    use crate::dataset::{InMemorySource, SampleInfo, Split};
    use crate::event::{AudioStream, VisionStream};
    use proptest::prelude::*;

    fn audio_stream(n: usize, span_us: u64) -> AudioStream {
        let events = (0..n)
            .map(|i| AudioEvent {
                t_us: (i as u64 * span_us) / (n.max(2) as u64 - 1),
                channel: (i % 64) as u16,
            })
            .collect();
        AudioStream::new(AudioSensor::NTIDIGITS, events).unwrap()
    }

    fn noise(drop: f64, fraction: f64, rate: f64) -> InputNoise {
        InputNoise {
            drop_probability: drop,
            spurious_fraction: fraction,
            spurious_rate_hz: rate,
        }
    }

    #[test]
    fn no_noise_is_the_identity_and_draws_nothing() {
        let s = audio_stream(500, 100_000);
        let mut rng = Seeds::new(1).keyed(Purpose::InputNoise, 3);
        let before = rng.clone();
        assert_eq!(InputNoise::none().apply(&s, &mut rng).unwrap(), s);
        assert_eq!(rng, before);
        let empty = AudioStream::empty(AudioSensor::NTIDIGITS);
        assert!(
            noise(0.5, 2.0, 100.0)
                .apply_keyed(&empty, Seeds::new(1), 0)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn dropped_count_is_binomial() {
        // n = 100,000 events, p = 0.3: kept ~ Binomial(n, 0.7), mean 70,000,
        // sd sqrt(n 0.7 0.3) = 144.9; tolerance 5 sd.
        let s = audio_stream(100_000, 1_000_000);
        let out = noise(0.3, 0.0, 0.0)
            .apply_keyed(&s, Seeds::new(7), 1)
            .unwrap();
        let kept = out.len() as f64;
        assert!((kept - 70_000.0).abs() < 5.0 * 144.9, "kept {kept}");
        // Kept events are a subsequence of the original, in order.
        let mut it = s.events().iter();
        assert!(out.events().iter().all(|e| it.any(|o| o == e)));
        assert!(
            noise(1.0, 0.0, 0.0)
                .apply_keyed(&s, Seeds::new(7), 1)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn spurious_counts_follow_the_poisson_mean() {
        // 400 samples of 1,000 events over 0.5 s on 64 channels with
        // fraction 0.25 and 10 Hz per channel: lambda = 250 + 10 * 64 *
        // 0.5 = 570 per sample. The mean of 400 Poisson counts has sd
        // sqrt(570 / 400) = 1.19; tolerance 5 sd.
        let s = audio_stream(1000, 500_000);
        let n = noise(0.0, 0.25, 10.0);
        assert!((n.spurious_mean(&s) - 570.0).abs() < 0.5);
        let mut total = 0usize;
        let mut per_channel = [0usize; 64];
        for key in 0..400 {
            let out = n.apply_keyed(&s, Seeds::new(3), key).unwrap();
            assert!(out.is_time_sorted());
            assert_eq!(out.t_min_us(), s.t_min_us());
            assert_eq!(out.t_max_us(), s.t_max_us());
            total += out.len() - s.len();
            for e in out.events() {
                per_channel[usize::from(e.channel)] += 1;
            }
        }
        let mean = total as f64 / 400.0;
        assert!((mean - 570.0).abs() < 5.0 * 1.19, "mean {mean}");
        // Spurious events are uniform over channels: each channel holds the
        // original 1000/64 per sample (15 or 16) plus about 570/64 = 8.9
        // spurious ones; over 400 samples the spurious part of one channel
        // is about 3,560 +- 60 (Poisson), tolerance 6 sd per channel.
        for (c, &k) in per_channel.iter().enumerate() {
            let original = 400 * (1000 / 64 + usize::from(c < 1000 % 64));
            let spurious = (k - original) as f64;
            assert!(
                (spurious - 3562.5).abs() < 6.0 * 59.7,
                "channel {c}: {spurious}"
            );
        }
    }

    #[test]
    fn vision_spurious_events_cover_the_sensor_and_both_polarities() {
        let base = VisionStream::new(
            VisionSensor::NMNIST,
            (0..100)
                .map(|i| VisionEvent {
                    t_us: i * 10,
                    x: 0,
                    y: 0,
                    on: true,
                })
                .collect(),
        )
        .unwrap();
        // 20,000 expected spurious events on 1,156 pixels: every pixel is
        // hit (P(a pixel missed) = exp(-17.3) per pixel) and about half are
        // ON (sd 0.0035; tolerance 5 sd).
        let out = noise(0.0, 200.0, 0.0)
            .apply_keyed(&base, Seeds::new(9), 0)
            .unwrap();
        let mut hit = vec![false; 34 * 34];
        for e in out.events() {
            hit[usize::from(e.y) * 34 + usize::from(e.x)] = true;
        }
        assert!(hit.iter().all(|&h| h));
        let on = (out.on_count() - 100) as f64 / (out.len() - 100) as f64;
        assert!((on - 0.5).abs() < 5.0 * 0.0036, "ON fraction {on}");
    }

    #[test]
    fn same_key_same_noise_other_key_other_noise() {
        let s = audio_stream(2000, 300_000);
        let n = noise(0.2, 0.5, 0.0);
        let a = n.apply_keyed(&s, Seeds::new(5), 11).unwrap();
        assert_eq!(a, n.apply_keyed(&s, Seeds::new(5), 11).unwrap());
        assert_ne!(a, n.apply_keyed(&s, Seeds::new(5), 12).unwrap());
        assert_ne!(a, n.apply_keyed(&s, Seeds::new(6), 11).unwrap());
    }

    #[test]
    fn unsorted_streams_keep_their_order_and_get_noise_appended() {
        let s = AudioStream::new(
            AudioSensor::NTIDIGITS,
            vec![
                AudioEvent {
                    t_us: 50,
                    channel: 1,
                },
                AudioEvent {
                    t_us: 10,
                    channel: 2,
                },
            ],
        )
        .unwrap();
        let out = noise(0.0, 3.0, 0.0)
            .apply_keyed(&s, Seeds::new(1), 0)
            .unwrap();
        assert_eq!(&out.events()[..2], s.events());
        assert!(
            out.events()[2..]
                .iter()
                .all(|e| (10..=50).contains(&e.t_us))
        );
    }

    #[test]
    fn bad_parameters_name_the_field() {
        for (n, field) in [
            (noise(1.5, 0.0, 0.0), "input_noise.drop_probability"),
            (noise(0.0, -1.0, 0.0), "input_noise.spurious_fraction"),
            (noise(0.0, 0.0, f64::NAN), "input_noise.spurious_rate_hz"),
        ] {
            let err = n.validate().unwrap_err().to_string();
            assert!(err.contains(field), "{err}");
            let s = audio_stream(10, 100);
            assert!(n.apply_keyed(&s, Seeds::new(1), 0).is_err());
        }
    }

    fn dataset(samples: usize) -> Dataset<InMemorySource<AudioEvent>> {
        let mut src = InMemorySource::new("noise-test");
        for i in 0..samples {
            src.push(
                SampleInfo {
                    key: format!("s{i}"),
                    split: Some(if i % 3 == 0 {
                        Split::Test
                    } else {
                        Split::Train
                    }),
                    label: Some((i % 4) as u16),
                },
                audio_stream(200 + i * 7, 100_000 + i as u64 * 1000),
            );
        }
        Dataset::new(src).unwrap()
    }

    #[test]
    fn noisy_rasters_are_keyed_by_sample_not_view_or_thread() {
        let data = dataset(24);
        let n = noise(0.3, 0.4, 0.0);
        let binning = AudioBinning::default();
        let run = |threads: usize, d: &Dataset<InMemorySource<AudioEvent>>| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| noisy_rasters(d, &binning, &n, Seeds::new(4), 0).unwrap())
        };
        let all = run(1, &data);
        assert_eq!(all, run(2, &data));
        // A view (the test split) sees the same noise for the same samples.
        let test = data.split(Split::Test);
        let test_r = run(2, &test);
        for (k, r) in test_r.iter().enumerate() {
            assert_eq!(r, &all[test.source_index(k)]);
        }
        // Without noise: the plain rasters.
        let plain = noisy_rasters(&data, &binning, &InputNoise::none(), Seeds::new(4), 0).unwrap();
        assert_eq!(plain, data.rasters(&binning).unwrap());
        assert_ne!(plain, all);
        // Fewer events after dropping 30 % and adding 40 %: about 1.1 x.
        let events = |rs: &[SpikeRaster]| rs.iter().map(SpikeRaster::total_events).sum::<u64>();
        assert!(events(&all) > events(&plain));
    }

    proptest! {
        #[test]
        fn never_panics_and_stays_on_the_sensor(
            n in 0usize..300,
            span in 0u64..2_000_000,
            drop in 0.0f64..=1.0,
            fraction in 0.0f64..5.0,
            rate in 0.0f64..50.0,
            key in any::<u64>(),
        ) {
            let s = audio_stream(n, span);
            let out = noise(drop, fraction, rate).apply_keyed(&s, Seeds::new(2), key).unwrap();
            prop_assert!(out.events().iter().all(|e| e.channel < 64));
            prop_assert!(out.is_time_sorted());
            if let (Some(a), Some(b)) = (out.t_min_us(), out.t_max_us()) {
                prop_assert!(a >= s.t_min_us().unwrap() && b <= s.t_max_us().unwrap());
            }
        }
    }
}
