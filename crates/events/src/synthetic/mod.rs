//! Built-in synthetic data: digit images and spoken digits generated from a
//! seed, so that a fresh clone runs end to end with no download.
//!
//! * [`digits`]: 28 x 28 handwritten-like digit images from stroke
//!   templates (MNIST's form), for the DVS emulator.
//! * [`speech`]: spoken digit words from a source-filter synthesiser at
//!   8 kHz (FSDD's form), for the cochlea emulator.
//!
//! Everything is drawn from `seeds.keyed(Purpose::SyntheticData, key)`:
//! sample `i` of the images uses key `i`
//! ([`image_key`]), sample `i` of the audio key `2^40 + i`
//! ([`audio_key`]), speaker `s` key `2^48 + s` ([`speaker_key`]). A sample
//! is therefore the same whatever else is generated, in whatever order or
//! thread.

pub mod digits;
pub mod speech;

use seeds::{Purpose, Seeds};

use crate::emulate::{Audio, GreyImage};
use crate::ntidigits::SpokenDigit;
pub use digits::{DigitStyle, render_digit};
pub use speech::{Speaker, synthesize};

/// The `SyntheticData` key of image sample `i`.
pub const fn image_key(i: u64) -> u64 {
    i
}

/// The `SyntheticData` key of audio sample `i`.
pub const fn audio_key(i: u64) -> u64 {
    (1 << 40) + i
}

/// The `SyntheticData` key of speaker `s`.
pub const fn speaker_key(s: u64) -> u64 {
    (1 << 48) + s
}

/// Image sample `i`: a drawing of `digit` (0-9).
pub fn digit_image(seeds: Seeds, i: u64, digit: u8, style: &DigitStyle) -> GreyImage {
    let mut rng = seeds.keyed(Purpose::SyntheticData, image_key(i));
    render_digit(digit, style, &mut rng)
}

/// Speaker `s` of an experiment.
pub fn speaker(seeds: Seeds, s: u64) -> Speaker {
    Speaker::random(&mut seeds.keyed(Purpose::SyntheticData, speaker_key(s)))
}

/// Audio sample `i`: `word` spoken by `speaker`.
pub fn spoken_digit(seeds: Seeds, i: u64, word: SpokenDigit, speaker: &Speaker) -> Audio {
    let mut rng = seeds.keyed(Purpose::SyntheticData, audio_key(i));
    synthesize(word, speaker, &mut rng)
}
