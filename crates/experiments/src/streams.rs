//! The keyed random streams the reproductions draw from, listed in one
//! place so that no call site writes a key.
//!
//! Every stream is `seeds.keyed(purpose, key)` of the experiment's
//! [`Seeds`]. Three kinds of key appear:
//!
//! * [`Draw`]: one stream per purpose of a whole run (a split's
//!   class-balanced cap, a validation carve, the choice of traced cells);
//!   each variant is one `(purpose, key)` pair.
//! * [`Stream`]: per-sample read-noise streams of the zero-shot encodings
//!   (Fig. 4 and zero-shot sweeps). Sample `i` of a stream draws from
//!   `ReadNoise` keyed `key_offset() + i`. The single-modality figures
//!   (Fig. 2, Fig. 3) key their samples by [`lsm::Split`] alone, which
//!   gives the same offsets as the image streams here.
//! * [`NoiseStream`]: per-sample input-noise streams of the sweeps (events
//!   dropped or added before binning). Sample `i` draws from `InputNoise`
//!   keyed `key_offset() + source index of i`.
//!
//! Fig. 1 encodes no samples, so its `ReadNoise` keys 0 and 1 meet no
//! per-sample stream.
//!
//! The numbers are part of the results: changing one changes every number
//! drawn from its stream, so a new stream takes a new key and an existing
//! key is never renumbered.
//!
//! | stream | purpose | key |
//! |---|---|---|
//! | [`Draw::TrainCap`] | `DataSplit` | 1 |
//! | [`Draw::TestCap`] | `DataSplit` | 2 |
//! | [`Draw::BaselineValidation`] | `DataSplit` | 3 |
//! | [`Draw::ZeroShotAudioTrain`] | `DataSplit` | 40 |
//! | [`Draw::ZeroShotImageTrain`] | `DataSplit` | 41 |
//! | [`Draw::ZeroShotImageTest`] | `DataSplit` | 42 |
//! | [`Draw::ZeroShotAudioTest`] | `DataSplit` | 43 |
//! | [`Draw::ClipImageValidation`] | `DataSplit` | 44 |
//! | [`Draw::ClipAudioValidation`] | `DataSplit` | 45 |
//! | [`Draw::ReadStatistics`] | `ReadNoise` | 0 |
//! | [`Draw::ReadTraces`] | `ReadNoise` | 1 |
//! | [`Draw::TraceChoice`] | `Analysis` | 1 |
//! | [`Stream::TrainImages`] | `ReadNoise` | from 0 |
//! | [`Stream::TestImages`] | `ReadNoise` | from 2^32 |
//! | [`Stream::TrainAudio`] | `ReadNoise` | from 2 x 2^32 |
//! | [`Stream::TestAudio`] | `ReadNoise` | from 3 x 2^32 |
//! | [`NoiseStream::Supervised`] | `InputNoise` | from 0 |
//! | [`NoiseStream::ZeroShotImages`] | `InputNoise` | from 0 |
//! | [`NoiseStream::ZeroShotAudio`] | `InputNoise` | from 2^40 |

use lsm::{EncodeOptions, Split};
use seeds::{ChaCha8Rng, Purpose, Seeds};

/// A stream drawn from once per run: one `(purpose, key)` pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Draw {
    /// Which training samples a per-class cap keeps (`DataSplit`, key 1).
    TrainCap,
    /// Which test samples a per-class cap keeps (`DataSplit`, key 2).
    TestCap,
    /// The validation split the baselines carve from the training split
    /// (`DataSplit`, key 3).
    BaselineValidation,
    /// The zero-shot audio training samples (`DataSplit`, key 40).
    ZeroShotAudioTrain,
    /// The zero-shot image training samples, subsampled to the audio
    /// counts (`DataSplit`, key 41).
    ZeroShotImageTrain,
    /// The zero-shot image test samples (`DataSplit`, key 42).
    ZeroShotImageTest,
    /// The zero-shot audio test samples (`DataSplit`, key 43).
    ZeroShotAudioTest,
    /// The validation split SRNN-CLIP carves from the training images
    /// (`DataSplit`, key 44).
    ClipImageValidation,
    /// The validation split SRNN-CLIP carves from the training audio
    /// (`DataSplit`, key 45).
    ClipAudioValidation,
    /// Fig. 1: the repeated-read statistics of the sub-array (`ReadNoise`,
    /// key 0).
    ReadStatistics,
    /// Fig. 1: the reads of the traced cells (`ReadNoise`, key 1).
    ReadTraces,
    /// Fig. 1: which cells are traced (`Analysis`, key 1).
    TraceChoice,
}

impl Draw {
    /// Every draw, in the order of the module's table.
    pub const ALL: [Draw; 12] = [
        Draw::TrainCap,
        Draw::TestCap,
        Draw::BaselineValidation,
        Draw::ZeroShotAudioTrain,
        Draw::ZeroShotImageTrain,
        Draw::ZeroShotImageTest,
        Draw::ZeroShotAudioTest,
        Draw::ClipImageValidation,
        Draw::ClipAudioValidation,
        Draw::ReadStatistics,
        Draw::ReadTraces,
        Draw::TraceChoice,
    ];

    /// The purpose of the stream.
    pub const fn purpose(self) -> Purpose {
        match self {
            Draw::ReadStatistics | Draw::ReadTraces => Purpose::ReadNoise,
            Draw::TraceChoice => Purpose::Analysis,
            _ => Purpose::DataSplit,
        }
    }

    /// The key of the stream within its purpose.
    pub const fn key(self) -> u64 {
        match self {
            Draw::ReadStatistics => 0,
            Draw::TrainCap | Draw::ReadTraces | Draw::TraceChoice => 1,
            Draw::TestCap => 2,
            Draw::BaselineValidation => 3,
            Draw::ZeroShotAudioTrain => 40,
            Draw::ZeroShotImageTrain => 41,
            Draw::ZeroShotImageTest => 42,
            Draw::ZeroShotAudioTest => 43,
            Draw::ClipImageValidation => 44,
            Draw::ClipAudioValidation => 45,
        }
    }

    /// The stream of this draw for the experiment `seeds`.
    pub fn rng(self, seeds: Seeds) -> ChaCha8Rng {
        seeds.keyed(self.purpose(), self.key())
    }
}

/// The per-sample read-noise streams of a zero-shot encoding: one key
/// range per modality and split, so no two samples share noise.
///
/// Each modality holds two splits' ranges ([`Split::key_offset`]: train
/// from 0, test from 2^32); the audio ranges follow the image ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Training images: keys from 0.
    TrainImages,
    /// Test images: keys from 2^32.
    TestImages,
    /// Training audio: keys from 2 x 2^32.
    TrainAudio,
    /// Test audio: keys from 3 x 2^32.
    TestAudio,
}

impl Stream {
    /// The four streams in the order of the zero-shot feature arrays:
    /// image train, image test, audio train, audio test.
    pub const ZERO_SHOT: [Stream; 4] = [
        Stream::TrainImages,
        Stream::TestImages,
        Stream::TrainAudio,
        Stream::TestAudio,
    ];

    /// The split whose range the stream uses within its modality.
    pub const fn split(self) -> Split {
        match self {
            Stream::TrainImages | Stream::TrainAudio => Split::Train,
            Stream::TestImages | Stream::TestAudio => Split::Test,
        }
    }

    /// Whether the stream's samples are audio.
    pub const fn is_audio(self) -> bool {
        matches!(self, Stream::TrainAudio | Stream::TestAudio)
    }

    /// The key of the stream's first sample: the split's offset, after
    /// both image ranges for audio.
    pub const fn key_offset(self) -> u64 {
        let modality = if self.is_audio() {
            2 * Split::Test.key_offset()
        } else {
            0
        };
        modality + self.split().key_offset()
    }

    /// Encoding options that key the stream's samples from
    /// [`Stream::key_offset`].
    pub fn options(self, seeds: Seeds) -> EncodeOptions {
        EncodeOptions {
            seeds,
            key_offset: self.key_offset(),
        }
    }
}

/// The read-noise stream an encoding with `options` gives sample `index`
/// (`ReadNoise` keyed `options.key_offset + index`, as `lsm` keys it), to
/// rerun one sample with the noise it had in the encoding.
pub fn sample_rng(options: EncodeOptions, index: usize) -> ChaCha8Rng {
    options
        .seeds
        .keyed(Purpose::ReadNoise, options.key_offset + index as u64)
}

/// The per-sample input-noise streams of a sweep: the key offset added to
/// a sample's position in its dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoiseStream {
    /// Both splits of a supervised task: keys from 0 (the position in the
    /// dataset already tells the splits apart).
    Supervised,
    /// Zero-shot images: keys from 0.
    ZeroShotImages,
    /// Zero-shot audio: keys from 2^40, so the two modalities never share a
    /// stream.
    ZeroShotAudio,
}

impl NoiseStream {
    /// The key offset of the stream's samples.
    pub const fn key_offset(self) -> u64 {
        match self {
            NoiseStream::Supervised | NoiseStream::ZeroShotImages => 0,
            NoiseStream::ZeroShotAudio => 1 << 40,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys the results were produced with; a change here changes
    /// every number drawn from the stream.
    #[test]
    fn keys_are_the_documented_ones() {
        let keys: Vec<(Purpose, u64)> = Draw::ALL.iter().map(|d| (d.purpose(), d.key())).collect();
        let split = Purpose::DataSplit;
        assert_eq!(
            keys,
            [
                (split, 1),
                (split, 2),
                (split, 3),
                (split, 40),
                (split, 41),
                (split, 42),
                (split, 43),
                (split, 44),
                (split, 45),
                (Purpose::ReadNoise, 0),
                (Purpose::ReadNoise, 1),
                (Purpose::Analysis, 1),
            ]
        );
        let offsets = Stream::ZERO_SHOT.map(Stream::key_offset);
        assert_eq!(offsets, [0, 1 << 32, 2 << 32, 3 << 32]);
        assert_eq!(Stream::TrainImages.key_offset(), Split::Train.key_offset());
        assert_eq!(Stream::TestImages.key_offset(), Split::Test.key_offset());
        assert_eq!(
            [
                NoiseStream::Supervised,
                NoiseStream::ZeroShotImages,
                NoiseStream::ZeroShotAudio
            ]
            .map(NoiseStream::key_offset),
            [0, 0, 1 << 40]
        );
    }

    #[test]
    fn no_two_draws_share_a_stream() {
        let mut seen = std::collections::HashSet::new();
        for d in Draw::ALL {
            assert!(seen.insert((d.purpose(), d.key())), "{d:?}");
        }
    }
}
