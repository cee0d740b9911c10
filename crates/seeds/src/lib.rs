//! Named random streams derived from one experiment seed.
//!
//! Every experiment in this workspace has one `seed: u64`. Each *purpose* that
//! needs randomness (forming the device array, per-read noise, drawing the
//! reservoir's wiring, shuffling training data, ...) draws from its own ChaCha8
//! stream derived from that seed, so that adding a random draw in one component
//! never changes another component's numbers. Work that runs in parallel keys
//! its streams by work item (for example the sample index), never by thread, so
//! results do not depend on the number of threads.
//!
//! This crate is the one list of purposes (like NEST's random manager): a new
//! purpose is added to [`Purpose`] with a new, never reused, identifier.
//!
//! # Derivation
//!
//! * [`Seeds::stream`]`(p)`: `ChaCha8Rng::seed_from_u64(seed)` followed by
//!   `set_stream(p.id())`. ChaCha's 64-bit stream number selects one of 2^64
//!   non-overlapping keystreams of the same key.
//! * [`Seeds::keyed`]`(p, key)`: a ChaCha8 generator whose 256-bit key is the
//!   little-endian concatenation of `seed`, `p.id()`, `key` and a fixed domain
//!   tag. ChaCha is a pseudo-random function of its key, so streams for different
//!   `(p, key)` pairs are independent, and none of them coincides with a
//!   [`Seeds::stream`] stream (whose key is expanded from `seed` alone).
//! * [`Seeds::child`]`(p, key)`: a new experiment seed (for example one per sweep
//!   point and repeat), the first `u64` of the keyed stream.
//! * [`scoped_key`]`(scope, item)`: a key naming a component and one of its
//!   work items, so that components sharing a purpose (every trained model
//!   draws `ModelInit`) do not share streams; crates document their scopes.
//!
//! # Seeded index utilities
//!
//! The workspace's one [`shuffle`] (Fisher-Yates with a documented draw
//! order), one [`stratified_split`] (the fraction's side first, per class in
//! ascending label order) and one [`pair_by_label`] (cross-modal pairs of
//! positions with equal labels) live here, beside the streams they draw
//! from, because every crate that splits, shuffles or pairs depends on this
//! one: the dataset views, the readouts and the baselines then draw the same
//! subsets and orders from the same stream.
//!
//! # What this crate must not know
//!
//! It knows nothing of devices, neurons, models or data formats: it names
//! streams and permutes, splits and pairs positions given only label slices.
//!
//! ```
//! use rand::RngExt;
//! use seeds::{Purpose, Seeds};
//!
//! let seeds = Seeds::new(10);
//! let mut forming = seeds.stream(Purpose::DeviceForming);
//! let mut sample_7 = seeds.keyed(Purpose::InputNoise, 7);
//! let a: f64 = forming.random();
//! let b: f64 = sample_7.random();
//! assert_ne!(a, b);
//! // Same seed, same purpose: the same numbers.
//! assert_eq!(a, Seeds::new(10).stream(Purpose::DeviceForming).random::<f64>());
//! ```

mod index;

pub use index::{pair_by_label, scoped_key, shuffle, stratified_split};
use rand::SeedableRng;
pub use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Domain tag mixed into keyed streams ("lsm-keyd" in ASCII).
const KEYED_TAG: u64 = u64::from_le_bytes(*b"lsm-keyd");

/// What a random stream is used for. Identifiers are stable: results saved
/// with one version of the workspace reproduce with the next, so an identifier
/// is never reused or renumbered; new purposes take new numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Purpose {
    /// Pristine conductances and stochastic breakdown while forming the array.
    DeviceForming = 1,
    /// Which cells are stuck (faults).
    DeviceFaults = 2,
    /// Cycle-to-cycle read noise of the cells (per read).
    ReadNoise = 3,
    /// Random telegraph and 1/f noise states of the cells.
    TelegraphNoise = 4,
    /// Retention drift of the conductances.
    Drift = 5,
    /// Converter non-idealities of the macro (offsets, gain errors).
    Converters = 6,
    /// Ideal (software) reservoir weights drawn from the device distribution.
    ReservoirWiring = 7,
    /// Noise added to input events (dropped and spurious events).
    InputNoise = 8,
    /// Shuffling training data between epochs.
    DataShuffle = 9,
    /// Train / validation / test splits and class-balanced subsampling.
    DataSplit = 10,
    /// Noise inside the event emulators (DVS, cochlea).
    EmulatorNoise = 11,
    /// Built-in synthetic digit images and spoken digits.
    SyntheticData = 12,
    /// Initial weights of trained models (readouts, projections, baselines).
    ModelInit = 13,
    /// Minibatch composition of trained models.
    Minibatch = 14,
    /// t-SNE initial embeddings.
    Embedding = 15,
    /// Seeds of sweep points and repeats.
    Sweep = 16,
    /// Benchmark workloads.
    Benchmark = 17,
    /// Reservoir-analysis probes (separation, kernel rank).
    Analysis = 18,
}

impl Purpose {
    /// Every purpose, in identifier order.
    pub const ALL: [Purpose; 18] = [
        Purpose::DeviceForming,
        Purpose::DeviceFaults,
        Purpose::ReadNoise,
        Purpose::TelegraphNoise,
        Purpose::Drift,
        Purpose::Converters,
        Purpose::ReservoirWiring,
        Purpose::InputNoise,
        Purpose::DataShuffle,
        Purpose::DataSplit,
        Purpose::EmulatorNoise,
        Purpose::SyntheticData,
        Purpose::ModelInit,
        Purpose::Minibatch,
        Purpose::Embedding,
        Purpose::Sweep,
        Purpose::Benchmark,
        Purpose::Analysis,
    ];

    /// The stable numeric identifier (the ChaCha stream number).
    pub const fn id(self) -> u64 {
        self as u64
    }
}

/// The experiment seed and the streams derived from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Seeds {
    seed: u64,
}

impl Seeds {
    /// Wraps an experiment seed.
    pub const fn new(seed: u64) -> Self {
        Self { seed }
    }

    /// The experiment seed.
    pub const fn seed(self) -> u64 {
        self.seed
    }

    /// The one stream of `purpose` for this experiment.
    pub fn stream(self, purpose: Purpose) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(purpose.id());
        rng
    }

    /// The stream of `purpose` for work item `key` (a sample index, a column,
    /// an epoch): independent of every other `(purpose, key)` and of the thread
    /// that happens to run it.
    pub fn keyed(self, purpose: Purpose, key: u64) -> ChaCha8Rng {
        let mut bytes = [0u8; 32];
        bytes[0..8].copy_from_slice(&self.seed.to_le_bytes());
        bytes[8..16].copy_from_slice(&purpose.id().to_le_bytes());
        bytes[16..24].copy_from_slice(&key.to_le_bytes());
        bytes[24..32].copy_from_slice(&KEYED_TAG.to_le_bytes());
        ChaCha8Rng::from_seed(bytes)
    }

    /// A derived experiment seed for `(purpose, key)`, e.g. one per sweep point
    /// and repeat.
    pub fn child(self, purpose: Purpose, key: u64) -> Seeds {
        use rand::Rng;
        Seeds::new(self.keyed(purpose, key).next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use std::collections::HashSet;

    fn first_words(mut rng: ChaCha8Rng) -> [u64; 4] {
        [
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64(),
        ]
    }

    #[test]
    fn identifiers_are_unique_and_all_is_complete() {
        let ids: HashSet<u64> = Purpose::ALL.iter().map(|p| p.id()).collect();
        assert_eq!(ids.len(), Purpose::ALL.len());
        for (i, p) in Purpose::ALL.iter().enumerate() {
            assert_eq!(p.id(), i as u64 + 1, "{p:?} out of order");
        }
    }

    #[test]
    fn same_seed_same_numbers() {
        let a = Seeds::new(10);
        let b = Seeds::new(10);
        for p in Purpose::ALL {
            assert_eq!(first_words(a.stream(p)), first_words(b.stream(p)));
            assert_eq!(first_words(a.keyed(p, 3)), first_words(b.keyed(p, 3)));
        }
    }

    #[test]
    fn streams_differ_between_purposes_keys_and_seeds() {
        let mut seen = HashSet::new();
        for seed in [0u64, 1, 10, u64::MAX] {
            let s = Seeds::new(seed);
            for p in Purpose::ALL {
                assert!(seen.insert(first_words(s.stream(p))), "stream {seed} {p:?}");
                for key in [0u64, 1, 2, 1 << 40] {
                    assert!(
                        seen.insert(first_words(s.keyed(p, key))),
                        "keyed {seed} {p:?} {key}"
                    );
                }
            }
        }
    }

    #[test]
    fn stream_matches_documented_derivation() {
        use rand::SeedableRng;
        let mut expected = ChaCha8Rng::seed_from_u64(42);
        expected.set_stream(Purpose::ReadNoise.id());
        assert_eq!(
            first_words(Seeds::new(42).stream(Purpose::ReadNoise)),
            first_words(expected)
        );
    }

    #[test]
    fn streams_look_uniform_and_uncorrelated() {
        // Mean of 100k uniform draws is 0.5 +- 0.0009 (1 sigma); the correlation
        // of two purposes' draws is 0 +- 0.0032. Tolerances are 5 sigma.
        use rand::RngExt;
        let s = Seeds::new(7);
        let mut a = s.stream(Purpose::DeviceForming);
        let mut b = s.stream(Purpose::ReadNoise);
        let n = 100_000;
        let (mut sa, mut sb, mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for _ in 0..n {
            let x: f64 = a.random();
            let y: f64 = b.random();
            sa += x;
            sb += y;
            sab += x * y;
            saa += x * x;
            sbb += y * y;
        }
        let nf = n as f64;
        let (ma, mb) = (sa / nf, sb / nf);
        assert!((ma - 0.5).abs() < 5.0 * 0.000_913, "mean {ma}");
        assert!((mb - 0.5).abs() < 5.0 * 0.000_913, "mean {mb}");
        let cov = sab / nf - ma * mb;
        let corr = cov / ((saa / nf - ma * ma) * (sbb / nf - mb * mb)).sqrt();
        assert!(corr.abs() < 5.0 / nf.sqrt(), "correlation {corr}");
    }

    #[test]
    fn children_are_distinct() {
        let s = Seeds::new(10);
        let kids: HashSet<u64> = (0..1000)
            .map(|k| s.child(Purpose::Sweep, k).seed())
            .collect();
        assert_eq!(kids.len(), 1000);
    }
}
