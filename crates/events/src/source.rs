//! Data sources for the reproductions: real recordings, emulated from plain
//! data, or built-in synthetic data, behind one choice.
//!
//! A reproduction holds a [`DataConfig`] (a preset's `[data]` table) and asks
//! it for the two modalities:
//!
//! ```no_run
//! use events::{DataConfig, Split, VisionBinning, AudioBinning};
//! use seeds::Seeds;
//!
//! let config = DataConfig::default(); // synthetic, nothing to download
//! let seeds = Seeds::new(42);
//! let vision = config.vision(seeds)?; // Dataset<VisionSource>, labels = digits 0-9
//! let audio = config.audio(seeds)?; // Dataset<AudioSource>, labels per `audio_labels`
//! let train = vision.split(Split::Train);
//! let rasters = train.rasters(&VisionBinning::default())?; // parallel, in order
//! let speakers = audio.source().meta(audio.source_index(0)).speaker.clone();
//! # Ok::<(), events::Error>(())
//! ```
//!
//! # Sources ([`DataSource`])
//!
//! | kind | vision | audio | splits |
//! |---|---|---|---|
//! | `real` | N-MNIST root, `Train.zip`/`Test.zip` or a folder of them ([`NmnistSource`]) | the N-TIDIGITS HDF5 file ([`NtidigitsSource`], isolated digits) | the datasets' own |
//! | `emulated` | a folder of MNIST IDX files through the [`DvsEmulator`] | a folder of `{digit}_{speaker}_{index}.wav` (FSDD) through the [`CochleaEmulator`] | the IDX files' train/test when both are present, else seeded and stratified; audio optionally speaker-disjoint |
//! | `synthetic` (default) | [`crate::synthetic::digits`] through the DVS emulator | [`crate::synthetic::speech`] through the cochlea emulator | sizes given; audio optionally speaker-disjoint |
//!
//! Samples are decoded (or emulated, or synthesised and emulated) one at a
//! time when loaded, so a dataset holds only its index: map samples to
//! rasters with [`Dataset::rasters`] or [`Dataset::par_map`] (rayon, one
//! task per sample, results in dataset order and independent of the number
//! of threads, because every random draw is keyed by the sample).
//!
//! # Labels
//!
//! * Vision: the digit, 0-9.
//! * Audio: [`SampleMeta::digit`] is the digit value (0-9; "oh" and "zero"
//!   are both 0) and [`SampleMeta::word`] the spoken word; the class label
//!   of the dataset follows [`AudioLabels`]: `tonic` (default; 11 classes,
//!   "oh" = 0, 1-9, "zero" = 10, as tonic's N-TIDIGITS), `zero-is-zero`
//!   (11 classes, "zero" = 0, "oh" = 10) or `digits` (10 classes, both
//!   words = 0; what the zero-shot experiments pair with images).
//! * N-TIDIGITS has both "oh" and "zero"; FSDD only says "zero" (so its
//!   `tonic` labels are 1-10, no 0); synthetic speech says both, like
//!   N-TIDIGITS, unless `synthetic.audio_words = "fsdd"`.
//!
//! # Splits ([`SplitOptions`])
//!
//! Real data keep their split. Emulated MNIST with only one of the train and
//! test files (the shared data hold 8,000 test digits) and FSDD are split
//! in every class at random with `test_fraction` (drawn from
//! `seeds.stream(Purpose::DataSplit)`); with `speaker_disjoint = true` the
//! audio test set is instead every recording of `test_speakers` (named, or
//! `round(n * test_fraction)` drawn at random, at least one), and no test
//! speaker is heard in training. Synthetic data are generated per split; the
//! synthetic speakers of the two splits are disjoint when asked.
//!
//! # Random streams and keys
//!
//! Emulator fixed patterns (camera thresholds, ear thresholds) come from
//! `Purpose::EmulatorNoise`; per-sample emulator noise from
//! `seeds.keyed(Purpose::EmulatorNoise, key)` with key = the image's
//! 0-based position in its IDX file (plus `2^32` for a test file: a name
//! with `t10k` or `test` and without `train`), the 64-bit FNV-1a hash of the
//! WAV file name, or the synthetic sample's index. The position is the
//! MNIST index only when the file starts at the first image of its MNIST
//! set, as the shared `mnist-test-00000-07999-*` subset does. Synthetic
//! samples come from `Purpose::SyntheticData` ([`crate::synthetic`]).

use param_guard::ParamGuard;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::Rng;
use rayon::prelude::*;
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};
use spikes::SpikeRaster;

use crate::binning::{AudioBinning, VisionBinning};
use crate::dataset::{Dataset, EventSource, SampleInfo, Split, index_error};
use crate::emulate::cochlea::{CochleaEmulator, CochleaParams};
use crate::emulate::dvs::{DvsEmulator, DvsParams};
use crate::emulate::{Audio, GreyImage, check_range, invalid, read_wav};
use crate::error::{Error, Result, display};
use crate::event::{AudioEvent, AudioStream, Event, EventStream, VisionEvent, VisionStream};
use crate::idx::{MnistImages, read_mnist_images, read_mnist_labels};
use crate::nmnist::{NmnistDirWriter, NmnistOptions, NmnistSource};
use crate::ntidigits::{
    LabelMap, NtidigitsKey, NtidigitsOptions, NtidigitsSource, NtidigitsWriter, SpokenDigit,
};
use crate::synthetic::{self, DigitStyle, Speaker};
use param_guard::ParamError;

/// Where the data come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DataSource {
    /// The real datasets, downloaded by the user.
    Real {
        /// N-MNIST: a root with `Train/<d>/*.bin` and `Test/<d>/*.bin`, the
        /// original `Train.zip` / `Test.zip`, or a folder holding them.
        nmnist: Option<PathBuf>,
        /// N-TIDIGITS: the HDF5 file (`n-tidigits.hdf5`).
        ntidigits: Option<PathBuf>,
    },
    /// Plain data through the emulators.
    Emulated {
        /// A folder of MNIST IDX files (`*images-idx3-ubyte[.gz]` with the
        /// matching `*labels-idx1-ubyte[.gz]`).
        mnist: Option<PathBuf>,
        /// A folder of `{digit}_{speaker}_{index}.wav` (the Free Spoken
        /// Digit Dataset's naming; `digit` 0-9, or `o` / `z`).
        wav: Option<PathBuf>,
    },
    /// Built-in synthetic data through the emulators (the default).
    Synthetic(SyntheticSpec),
}

impl Default for DataSource {
    fn default() -> Self {
        DataSource::Synthetic(SyntheticSpec::default())
    }
}

impl DataSource {
    /// `real`, `emulated` or `synthetic`.
    pub fn kind(&self) -> &'static str {
        match self {
            DataSource::Real { .. } => "real",
            DataSource::Emulated { .. } => "emulated",
            DataSource::Synthetic(_) => "synthetic",
        }
    }
}

/// Which words the synthetic speakers say for digit 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyntheticWords {
    /// TIDIGITS' eleven words: 1-9, "oh" and "zero".
    #[default]
    Tidigits,
    /// FSDD's ten: 1-9 and "zero".
    Fsdd,
}

impl SyntheticWords {
    /// The words, in class order of the tonic map (oh, 1-9, zero).
    pub fn words(self) -> Vec<SpokenDigit> {
        let mut w = Vec::with_capacity(11);
        if self == SyntheticWords::Tidigits {
            w.push(SpokenDigit::Oh);
        }
        w.extend_from_slice(&SpokenDigit::ALL[..9]);
        w.push(SpokenDigit::Zero);
        w
    }
}

/// Sizes of the built-in synthetic data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyntheticSpec {
    /// Training samples per class (per digit, per word).
    pub train_per_class: usize,
    /// Test samples per class.
    pub test_per_class: usize,
    /// Number of synthetic speakers.
    pub speakers: usize,
    /// Speakers kept for the test split when `split.speaker_disjoint`.
    pub test_speakers: usize,
    /// The spoken words.
    pub audio_words: SyntheticWords,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        Self {
            train_per_class: 100,
            test_per_class: 30,
            speakers: 10,
            test_speakers: 2,
            audio_words: SyntheticWords::Tidigits,
        }
    }
}

/// How emulated data are split (real data keep their own split).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SplitOptions {
    /// Fraction of each class (or of the speakers) put in the test split.
    pub test_fraction: f64,
    /// Audio: test speakers are never heard in training.
    pub speaker_disjoint: bool,
    /// Audio: the test speakers by name (empty: drawn at random).
    pub test_speakers: Vec<String>,
}

impl Default for SplitOptions {
    fn default() -> Self {
        Self {
            test_fraction: 0.2,
            speaker_disjoint: false,
            test_speakers: Vec::new(),
        }
    }
}

/// The class labels of audio samples (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AudioLabels {
    /// 11 classes: "oh" 0, 1-9, "zero" 10 (tonic's N-TIDIGITS map).
    #[default]
    Tonic,
    /// 11 classes: "zero" 0, 1-9, "oh" 10.
    ZeroIsZero,
    /// 10 classes: the digit value, "oh" and "zero" both 0.
    Digits,
}

impl AudioLabels {
    /// The class label of `word`.
    pub fn label(self, word: SpokenDigit) -> u16 {
        match self {
            AudioLabels::Tonic => LabelMap::Tonic.label(word),
            AudioLabels::ZeroIsZero => LabelMap::ZeroIsZero.label(word),
            AudioLabels::Digits => word.value().unwrap_or(0),
        }
    }

    /// Number of classes (11 or 10).
    pub fn classes(self) -> usize {
        match self {
            AudioLabels::Digits => 10,
            _ => 11,
        }
    }
}

/// Everything a reproduction needs to know about its data: the source, the
/// emulators' and synthesiser's parameters, the split and the labels.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Where the data come from.
    pub source: DataSource,
    /// DVS emulator (emulated and synthetic images).
    pub dvs: DvsParams,
    /// Cochlea emulator (emulated and synthetic audio).
    pub cochlea: CochleaParams,
    /// Synthetic digit variation.
    pub digits: DigitStyle,
    /// Splits of emulated and synthetic data.
    pub split: SplitOptions,
    /// Class labels of audio samples.
    pub audio_labels: AudioLabels,
    /// Reader options for real N-MNIST.
    pub nmnist: NmnistOptions,
    /// Reader options for real N-TIDIGITS (`single_digits_only` must stay
    /// on: the datasets are labelled).
    pub ntidigits: NtidigitsOptions,
}

impl DataConfig {
    /// A configuration with `source` and defaults for everything else.
    pub fn with_source(source: DataSource) -> Self {
        Self {
            source,
            ..Self::default()
        }
    }

    /// The image modality: a labelled dataset of vision event streams.
    pub fn vision(&self, seeds: Seeds) -> Result<VisionData> {
        self.validate()?;
        let source = match &self.source {
            DataSource::Real { nmnist, .. } => {
                let path = required(nmnist.as_deref(), "source.nmnist", NMNIST_EXPECTED)?;
                VisionSource::real(path, self.nmnist)?
            }
            DataSource::Emulated { mnist, .. } => {
                let path = required(mnist.as_deref(), "source.mnist", MNIST_EXPECTED)?;
                VisionSource::emulated_mnist(path, self, seeds)?
            }
            DataSource::Synthetic(spec) => VisionSource::synthetic(spec, self, seeds)?,
        };
        Dataset::new(source)
    }

    /// The audio modality: a labelled dataset of audio event streams.
    pub fn audio(&self, seeds: Seeds) -> Result<AudioData> {
        self.validate()?;
        let source = match &self.source {
            DataSource::Real { ntidigits, .. } => {
                let path = required(ntidigits.as_deref(), "source.ntidigits", NTIDIGITS_EXPECTED)?;
                AudioSource::real(path, self)?
            }
            DataSource::Emulated { wav, .. } => {
                let path = required(wav.as_deref(), "source.wav", WAV_EXPECTED)?;
                AudioSource::emulated_wav(path, self, seeds)?
            }
            DataSource::Synthetic(spec) => AudioSource::synthetic(spec, self, seeds)?,
        };
        Dataset::new(source)
    }
}

impl ParamGuard for DataConfig {
    type Error = Error;

    /// Checks every part; errors name the field and the allowed range.
    fn validate(&self) -> Result<()> {
        self.dvs.validate()?;
        self.cochlea.validate()?;
        self.digits.validate()?;
        self.nmnist.validate()?;
        self.ntidigits.validate()?;
        check_range("split.test_fraction", self.split.test_fraction, 0.0, 1.0)?;
        if !self.ntidigits.single_digits_only {
            return Err(invalid(
                "ntidigits.single_digits_only",
                false,
                "true (multi-digit utterances have no class label)",
            ));
        }
        if let DataSource::Synthetic(s) = &self.source {
            if s.speakers == 0 || s.speakers > 100_000 {
                return Err(invalid("source.speakers", s.speakers, "1-100000"));
            }
            if self.split.speaker_disjoint && !(1..s.speakers).contains(&s.test_speakers) {
                return Err(invalid(
                    "source.test_speakers",
                    s.test_speakers,
                    &format!(
                        "1-{} (fewer than source.speakers) with split.speaker_disjoint",
                        s.speakers.saturating_sub(1)
                    ),
                ));
            }
            for (name, v) in [
                ("source.train_per_class", s.train_per_class),
                ("source.test_per_class", s.test_per_class),
            ] {
                if v > 1_000_000 {
                    return Err(invalid(name, v, "at most 1000000"));
                }
            }
        }
        Ok(())
    }
}

const NMNIST_EXPECTED: &str = "an N-MNIST root (Train/<digit>/*.bin, Test/<digit>/*.bin), Train.zip / Test.zip, or a folder holding them (the N-MNIST dataset of Orchard et al. 2015); or use the emulated or synthetic source";
const NTIDIGITS_EXPECTED: &str = "the N-TIDIGITS HDF5 file (Anumula et al. 2018; train_labels, train_addresses, ...); or use the emulated or synthetic source";
const MNIST_EXPECTED: &str = "a folder with MNIST IDX files (*images-idx3-ubyte[.gz] and the matching *labels-idx1-ubyte[.gz])";
const WAV_EXPECTED: &str = "a folder of WAV files named {digit}_{speaker}_{index}.wav (as the Free Spoken Digit Dataset's recordings/)";

/// The path of an optional field, or an error naming the field and what it
/// should hold; a path that does not exist is an error naming it.
fn required<'a>(path: Option<&'a Path>, field: &str, expected: &str) -> Result<&'a Path> {
    let path = path.ok_or_else(|| Error::NoDataset {
        path: format!("(no path given in `{field}`)"),
        message: format!("expected {expected}"),
    })?;
    if !path.exists() {
        return Err(Error::NoDataset {
            path: display(path),
            message: format!("does not exist (`{field}`); expected {expected}"),
        });
    }
    Ok(path)
}

/// What a dataset knows about one sample beyond its [`SampleInfo`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleMeta {
    /// The digit value 0-9 ("oh" and "zero" are 0).
    pub digit: u8,
    /// The spoken word (audio only).
    pub word: Option<SpokenDigit>,
    /// The speaker (audio only): initials in N-TIDIGITS, the name in FSDD,
    /// `sNN` for synthetic speakers.
    pub speaker: Option<String>,
    /// Speaker group (`man`, `woman`, `boy`, `girl`) where known.
    pub group: Option<String>,
    /// Number of the sample within its origin, used to name written files
    /// (`<id:05>.bin`, the take of an N-TIDIGITS key):
    ///
    /// * real N-MNIST: the number in the file name (`00012.bin` -> 12; 0 if
    ///   the name is not a number);
    /// * emulated MNIST: the image's 0-based position in its IDX file, not
    ///   an MNIST index (the two agree only for a file that starts at the
    ///   first image of its MNIST set, e.g. the shared
    ///   `mnist-test-00000-07999-*`); a train and a test file both count
    ///   from 0;
    /// * real N-TIDIGITS: the sample's position in the source (isolated
    ///   digits, source order);
    /// * FSDD: the take, the `{index}` of `{digit}_{speaker}_{index}.wav`;
    /// * synthetic: the sample's position in the source.
    pub id: u32,
}

/// The emulator-noise key of `name` (64-bit FNV-1a).
fn fnv1a(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Where the samples of a [`VisionSource`] come from.
enum VisionBackend {
    Real(NmnistSource),
    Mnist {
        images: Vec<Arc<MnistImages>>,
        /// (file, index in file, emulator key) per sample.
        items: Vec<(usize, usize, u64)>,
        emulator: DvsEmulator,
    },
    Synthetic {
        style: DigitStyle,
        seeds: Seeds,
        emulator: DvsEmulator,
    },
}

/// The image modality's samples: real N-MNIST, emulated MNIST or synthetic
/// digits, with their metadata. An [`EventSource`] of vision events.
pub struct VisionSource {
    name: String,
    description: String,
    samples: Vec<SampleInfo>,
    meta: Vec<SampleMeta>,
    backend: VisionBackend,
}

impl fmt::Debug for VisionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VisionSource")
            .field("name", &self.name)
            .field("samples", &self.samples.len())
            .finish()
    }
}

impl VisionSource {
    /// Real N-MNIST at `path` (see [`NmnistSource::open`]).
    pub fn real(path: &Path, options: NmnistOptions) -> Result<Self> {
        let source = NmnistSource::open(path, options)?;
        let samples: Vec<SampleInfo> = source.samples().to_vec();
        let meta = samples
            .iter()
            .map(|s| SampleMeta {
                digit: s.label.map_or(0, |l| l.min(9) as u8),
                word: None,
                speaker: None,
                group: None,
                id: s
                    .key
                    .rsplit('/')
                    .next()
                    .and_then(|f| f.trim_end_matches(".bin").parse().ok())
                    .unwrap_or(0),
            })
            .collect();
        Ok(Self {
            name: source.name().to_owned(),
            description: format!("real N-MNIST from {}", display(path)),
            samples,
            meta,
            backend: VisionBackend::Real(source),
        })
    }

    /// MNIST IDX files in `dir` through the DVS emulator.
    pub fn emulated_mnist(dir: &Path, config: &DataConfig, seeds: Seeds) -> Result<Self> {
        let files = mnist_files(dir)?;
        let mut images = Vec::new();
        let mut items = Vec::new();
        let mut labels = Vec::new();
        let mut file_splits = Vec::new();
        for (f, (img_path, lab_path, split)) in files.iter().enumerate() {
            let imgs = read_mnist_images(img_path)?;
            let labs = read_mnist_labels(lab_path)?;
            if imgs.len() != labs.len() {
                return Err(Error::Format {
                    file: display(lab_path),
                    message: format!(
                        "{} labels for {} images in {}",
                        labs.len(),
                        imgs.len(),
                        display(img_path)
                    ),
                });
            }
            if let Some((i, &l)) = labs.iter().enumerate().find(|(_, l)| **l > 9) {
                return Err(Error::BadValue {
                    file: display(lab_path),
                    item: format!("label {i}"),
                    field: "label".into(),
                    value: l.to_string(),
                    allowed: "0-9".into(),
                });
            }
            let offset = if *split == Some(Split::Test) {
                1u64 << 32
            } else {
                0
            };
            for (i, &l) in labs.iter().enumerate() {
                items.push((f, i, offset + i as u64));
                labels.push(l);
                file_splits.push(*split);
            }
            images.push(Arc::new(imgs));
        }
        let present: BTreeSet<Option<Split>> = files.iter().map(|f| f.2).collect();
        let own_split = present.contains(&Some(Split::Train))
            && present.contains(&Some(Split::Test))
            && !present.contains(&None);
        let splits = if own_split {
            file_splits
        } else {
            let mut rng = seeds.stream(Purpose::DataSplit);
            let labels16: Vec<u16> = labels.iter().map(|&l| u16::from(l)).collect();
            stratified_test(&labels16, config.split.test_fraction, &mut rng)
                .into_iter()
                .map(Some)
                .collect()
        };
        let mut samples = Vec::with_capacity(items.len());
        let mut meta = Vec::with_capacity(items.len());
        for (k, &(f, i, _)) in items.iter().enumerate() {
            let name = files[f]
                .0
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            samples.push(SampleInfo {
                key: format!("{name}#{i}"),
                split: splits[k],
                label: Some(u16::from(labels[k])),
            });
            meta.push(SampleMeta {
                digit: labels[k],
                word: None,
                speaker: None,
                group: None,
                id: i as u32,
            });
        }
        let emulator = DvsEmulator::new(config.dvs.clone(), seeds)?;
        Ok(Self {
            name: display(dir),
            description: format!(
                "MNIST digits from {} through the DVS saccade emulator ({} split)",
                display(dir),
                if own_split {
                    "the files'"
                } else {
                    "a seeded stratified"
                }
            ),
            samples,
            meta,
            backend: VisionBackend::Mnist {
                images,
                items,
                emulator,
            },
        })
    }

    /// Synthetic digits through the DVS emulator: for each split (train,
    /// then test), `per_class` rounds of the digits 0-9.
    pub fn synthetic(spec: &SyntheticSpec, config: &DataConfig, seeds: Seeds) -> Result<Self> {
        let mut samples = Vec::new();
        let mut meta = Vec::new();
        for (split, per_class) in [
            (Split::Train, spec.train_per_class),
            (Split::Test, spec.test_per_class),
        ] {
            for _ in 0..per_class {
                for digit in 0..10u8 {
                    let i = samples.len();
                    samples.push(SampleInfo {
                        key: format!("synthetic-digit-{i}"),
                        split: Some(split),
                        label: Some(u16::from(digit)),
                    });
                    meta.push(SampleMeta {
                        digit,
                        word: None,
                        speaker: None,
                        group: None,
                        id: i as u32,
                    });
                }
            }
        }
        let emulator = DvsEmulator::new(config.dvs.clone(), seeds)?;
        Ok(Self {
            name: "synthetic digits".into(),
            description: format!(
                "built-in synthetic digits ({} train + {} test per class, seed {}) through the DVS saccade emulator",
                spec.train_per_class,
                spec.test_per_class,
                seeds.seed()
            ),
            samples,
            meta,
            backend: VisionBackend::Synthetic {
                style: config.digits.clone(),
                seeds,
                emulator,
            },
        })
    }

    /// What the data are, in words (for reports).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The metadata of sample `index` (a position in [`EventSource::samples`]).
    /// Panics if `index` is out of range, like slice indexing.
    pub fn meta(&self, index: usize) -> &SampleMeta {
        &self.meta[index]
    }

    /// The grey image behind sample `index` (emulated and synthetic data;
    /// `None` for real recordings).
    pub fn image(&self, index: usize) -> Result<Option<GreyImage>> {
        if index >= self.samples.len() {
            return Err(index_error(&self.name, index, self.samples.len()));
        }
        Ok(match &self.backend {
            VisionBackend::Real(_) => None,
            VisionBackend::Mnist { images, items, .. } => {
                let (f, i, _) = items[index];
                Some(GreyImage::from_mnist(&images[f], i)?)
            }
            VisionBackend::Synthetic { style, seeds, .. } => Some(synthetic::digit_image(
                *seeds,
                index as u64,
                self.meta[index].digit,
                style,
            )),
        })
    }
}

impl EventSource for VisionSource {
    type Event = VisionEvent;

    fn name(&self) -> &str {
        &self.name
    }

    fn samples(&self) -> &[SampleInfo] {
        &self.samples
    }

    fn load(&self, index: usize) -> Result<VisionStream> {
        if index >= self.samples.len() {
            return Err(index_error(&self.name, index, self.samples.len()));
        }
        match &self.backend {
            VisionBackend::Real(source) => source.load(index),
            VisionBackend::Mnist {
                images,
                items,
                emulator,
            } => {
                let (f, i, key) = items[index];
                let image = GreyImage::from_mnist(&images[f], i)?;
                Ok(emulator.emulate_sample(&image, key))
            }
            VisionBackend::Synthetic {
                style,
                seeds,
                emulator,
            } => {
                let image =
                    synthetic::digit_image(*seeds, index as u64, self.meta[index].digit, style);
                Ok(emulator.emulate_sample(&image, index as u64))
            }
        }
    }
}

/// The MNIST IDX files in `dir`: `(images, labels, split)` sorted by name.
fn mnist_files(dir: &Path) -> Result<Vec<(PathBuf, PathBuf, Option<Split>)>> {
    let entries = std::fs::read_dir(dir).map_err(crate::error::io_error(dir))?;
    let mut names = BTreeSet::new();
    for entry in entries {
        let entry = entry.map_err(crate::error::io_error(dir))?;
        names.insert(entry.file_name().to_string_lossy().into_owned());
    }
    let mut files = Vec::new();
    for name in &names {
        if !name.contains("images-idx3") {
            continue;
        }
        let labels = name.replace("images-idx3", "labels-idx1");
        if !names.contains(&labels) {
            return Err(Error::NoDataset {
                path: display(&dir.join(name)),
                message: format!("has no labels file `{labels}` beside it"),
            });
        }
        let lower = name.to_ascii_lowercase();
        let split = if lower.contains("train") {
            Some(Split::Train)
        } else if lower.contains("t10k") || lower.contains("test") {
            Some(Split::Test)
        } else {
            None
        };
        files.push((dir.join(name), dir.join(labels), split));
    }
    if files.is_empty() {
        return Err(Error::NoDataset {
            path: display(dir),
            message: format!("holds no MNIST images file; expected {MNIST_EXPECTED}"),
        });
    }
    Ok(files)
}

/// A stratified split: in every class `round(n_c * fraction)` members,
/// drawn from `rng`, go to the test split ([`seeds::stratified_split`]).
fn stratified_test<R: Rng + ?Sized>(labels: &[u16], fraction: f64, rng: &mut R) -> Vec<Split> {
    let mut split = vec![Split::Train; labels.len()];
    for i in seeds::stratified_split(labels, fraction, 0, rng).0 {
        split[i] = Split::Test;
    }
    split
}

/// Where the samples of an [`AudioSource`] come from.
enum AudioBackend {
    Real(Box<NtidigitsSource>),
    Wav {
        files: Vec<PathBuf>,
        keys: Vec<u64>,
        emulator: CochleaEmulator,
    },
    Synthetic {
        seeds: Seeds,
        speakers: Vec<Speaker>,
        /// Speaker of each sample.
        who: Vec<usize>,
        emulator: CochleaEmulator,
    },
}

/// The audio modality's samples: real N-TIDIGITS, emulated WAV recordings
/// or synthetic speech, with their metadata. An [`EventSource`] of audio
/// events.
pub struct AudioSource {
    name: String,
    description: String,
    samples: Vec<SampleInfo>,
    meta: Vec<SampleMeta>,
    backend: AudioBackend,
}

impl fmt::Debug for AudioSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AudioSource")
            .field("name", &self.name)
            .field("samples", &self.samples.len())
            .finish()
    }
}

/// Parses `{digit}_{speaker}_{index}.wav` (digit 0-9, `o` or `z`).
pub fn parse_wav_name(name: &str) -> Option<(SpokenDigit, String, u32)> {
    let stem = name
        .strip_suffix(".wav")
        .or_else(|| name.strip_suffix(".WAV"))?;
    let mut parts = stem.splitn(3, '_');
    let (d, speaker, index) = (parts.next()?, parts.next()?, parts.next()?);
    let word = match d {
        "0" | "z" => SpokenDigit::Zero,
        "o" => SpokenDigit::Oh,
        _ => {
            let c = d.chars().next()?;
            if d.len() != 1 || !('1'..='9').contains(&c) {
                return None;
            }
            SpokenDigit::from_char(c)?
        }
    };
    let ok = !speaker.is_empty() && speaker.chars().all(|c| c.is_ascii_alphanumeric());
    if !ok {
        return None;
    }
    Some((word, speaker.to_owned(), index.parse().ok()?))
}

impl AudioSource {
    /// Real N-TIDIGITS at `path` (isolated digits).
    pub fn real(path: &Path, config: &DataConfig) -> Result<Self> {
        let source = NtidigitsSource::open(path, config.ntidigits)?;
        let mut samples = Vec::with_capacity(source.len());
        let mut meta = Vec::with_capacity(source.len());
        for (i, info) in source.samples().iter().enumerate() {
            let key = source
                .key(i)
                .ok_or_else(|| index_error(source.name(), i, source.len()))?;
            let word = key.single_digit().ok_or_else(|| Error::Unlabelled {
                key: info.key.clone(),
                source_name: source.name().to_owned(),
            })?;
            samples.push(SampleInfo {
                key: info.key.clone(),
                split: info.split,
                label: Some(config.audio_labels.label(word)),
            });
            meta.push(SampleMeta {
                digit: word.value().unwrap_or(0) as u8,
                word: Some(word),
                speaker: Some(key.speaker.clone()),
                group: Some(key.gender.clone()),
                id: i as u32,
            });
        }
        Ok(Self {
            name: source.name().to_owned(),
            description: format!("real N-TIDIGITS from {} (isolated digits)", display(path)),
            samples,
            meta,
            backend: AudioBackend::Real(Box::new(source)),
        })
    }

    /// The WAV files `{digit}_{speaker}_{index}.wav` in `dir` through the
    /// cochlea emulator. Other files are ignored; a `.wav` file with another
    /// name is an error naming it.
    pub fn emulated_wav(dir: &Path, config: &DataConfig, seeds: Seeds) -> Result<Self> {
        let entries = std::fs::read_dir(dir).map_err(crate::error::io_error(dir))?;
        let mut names = BTreeSet::new();
        for entry in entries {
            let entry = entry.map_err(crate::error::io_error(dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.to_ascii_lowercase().ends_with(".wav") {
                names.insert(name);
            }
        }
        if names.is_empty() {
            return Err(Error::NoDataset {
                path: display(dir),
                message: format!("holds no .wav file; expected {WAV_EXPECTED}"),
            });
        }
        let mut files = Vec::new();
        let mut keys = Vec::new();
        let mut samples = Vec::new();
        let mut meta = Vec::new();
        for name in &names {
            let (word, speaker, take) = parse_wav_name(name).ok_or_else(|| Error::Format {
                file: display(&dir.join(name)),
                message: "file name is not {digit}_{speaker}_{index}.wav (digit 0-9, o or z; speaker letters and digits; index a number)".into(),
            })?;
            files.push(dir.join(name));
            keys.push(fnv1a(name));
            samples.push(SampleInfo {
                key: name.clone(),
                split: None,
                label: Some(config.audio_labels.label(word)),
            });
            meta.push(SampleMeta {
                digit: word.value().unwrap_or(0) as u8,
                word: Some(word),
                speaker: Some(speaker),
                group: None,
                id: take,
            });
        }
        let splits = audio_splits(&samples, &meta, &config.split, seeds)?;
        for (s, split) in samples.iter_mut().zip(splits) {
            s.split = Some(split);
        }
        let emulator = CochleaEmulator::new(config.cochlea.clone(), seeds)?;
        Ok(Self {
            name: display(dir),
            description: format!(
                "spoken digits from {} through the cochlea emulator ({} split)",
                display(dir),
                if config.split.speaker_disjoint {
                    "a speaker-disjoint"
                } else {
                    "a seeded stratified"
                }
            ),
            samples,
            meta,
            backend: AudioBackend::Wav {
                files,
                keys,
                emulator,
            },
        })
    }

    /// Synthetic speech through the cochlea emulator: for each split
    /// (train, then test), `per_class` rounds of the words. Speakers take
    /// turns; with `split.speaker_disjoint` the last `test_speakers`
    /// speakers say only the test words.
    pub fn synthetic(spec: &SyntheticSpec, config: &DataConfig, seeds: Seeds) -> Result<Self> {
        let speakers: Vec<Speaker> = (0..spec.speakers as u64)
            .map(|s| synthetic::speaker(seeds, s))
            .collect();
        let n_test = if config.split.speaker_disjoint {
            spec.test_speakers
        } else {
            0
        };
        let train_pool: Vec<usize> = (0..spec.speakers - n_test).collect();
        let test_pool: Vec<usize> = if n_test > 0 {
            (spec.speakers - n_test..spec.speakers).collect()
        } else {
            train_pool.clone()
        };
        let words = spec.audio_words.words();
        let mut samples = Vec::new();
        let mut meta = Vec::new();
        let mut who = Vec::new();
        for (split, per_class, pool) in [
            (Split::Train, spec.train_per_class, &train_pool),
            (Split::Test, spec.test_per_class, &test_pool),
        ] {
            for round in 0..per_class {
                for (w, &word) in words.iter().enumerate() {
                    let i = samples.len();
                    let s = pool[(round + w) % pool.len()];
                    let sp = &speakers[s];
                    samples.push(SampleInfo {
                        key: format!("synthetic-word-{i}"),
                        split: Some(split),
                        label: Some(config.audio_labels.label(word)),
                    });
                    meta.push(SampleMeta {
                        digit: word.value().unwrap_or(0) as u8,
                        word: Some(word),
                        speaker: Some(format!("s{s:02}")),
                        group: Some(sp.group.clone()),
                        id: i as u32,
                    });
                    who.push(s);
                }
            }
        }
        let emulator = CochleaEmulator::new(config.cochlea.clone(), seeds)?;
        Ok(Self {
            name: "synthetic speech".into(),
            description: format!(
                "built-in synthetic spoken digits ({} train + {} test per word, {} speakers{}, seed {}) through the cochlea emulator",
                spec.train_per_class,
                spec.test_per_class,
                spec.speakers,
                if n_test > 0 {
                    format!(", {n_test} of them test-only")
                } else {
                    String::new()
                },
                seeds.seed()
            ),
            samples,
            meta,
            backend: AudioBackend::Synthetic {
                seeds,
                speakers,
                who,
                emulator,
            },
        })
    }

    /// What the data are, in words (for reports).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The metadata of sample `index` (a position in [`EventSource::samples`]).
    /// Panics if `index` is out of range, like slice indexing.
    pub fn meta(&self, index: usize) -> &SampleMeta {
        &self.meta[index]
    }

    /// The sound behind sample `index` (emulated and synthetic data; `None`
    /// for real recordings).
    pub fn audio(&self, index: usize) -> Result<Option<Audio>> {
        if index >= self.samples.len() {
            return Err(index_error(&self.name, index, self.samples.len()));
        }
        Ok(match &self.backend {
            AudioBackend::Real(_) => None,
            AudioBackend::Wav { files, .. } => Some(read_wav(&files[index])?),
            AudioBackend::Synthetic {
                seeds,
                speakers,
                who,
                ..
            } => {
                let word = self.meta[index].word.unwrap_or(SpokenDigit::Oh);
                Some(synthetic::spoken_digit(
                    *seeds,
                    index as u64,
                    word,
                    &speakers[who[index]],
                ))
            }
        })
    }
}

impl EventSource for AudioSource {
    type Event = AudioEvent;

    fn name(&self) -> &str {
        &self.name
    }

    fn samples(&self) -> &[SampleInfo] {
        &self.samples
    }

    fn load(&self, index: usize) -> Result<AudioStream> {
        if index >= self.samples.len() {
            return Err(index_error(&self.name, index, self.samples.len()));
        }
        match &self.backend {
            AudioBackend::Real(source) => source.load(index),
            AudioBackend::Wav {
                files,
                keys,
                emulator,
            } => {
                let audio = read_wav(&files[index])?;
                emulator
                    .emulate_sample(&audio, keys[index])
                    .map_err(|e| match e {
                        Error::InvalidParameter(ParamError {
                            field,
                            value,
                            allowed,
                        }) => Error::InvalidParameter(ParamError {
                            field,
                            value: format!("{value} ({})", display(&files[index])),
                            allowed,
                        }),
                        other => other,
                    })
            }
            AudioBackend::Synthetic {
                seeds,
                speakers,
                who,
                emulator,
            } => {
                let word = self.meta[index].word.unwrap_or(SpokenDigit::Oh);
                let audio =
                    synthetic::spoken_digit(*seeds, index as u64, word, &speakers[who[index]]);
                emulator.emulate_sample(&audio, index as u64)
            }
        }
    }
}

/// Splits emulated audio: stratified, or speaker-disjoint when asked.
fn audio_splits(
    samples: &[SampleInfo],
    meta: &[SampleMeta],
    options: &SplitOptions,
    seeds: Seeds,
) -> Result<Vec<Split>> {
    let mut rng = seeds.stream(Purpose::DataSplit);
    if !options.speaker_disjoint {
        let labels: Vec<u16> = samples.iter().map(|s| s.label.unwrap_or(0)).collect();
        return Ok(stratified_test(&labels, options.test_fraction, &mut rng));
    }
    let speakers: BTreeSet<&str> = meta.iter().filter_map(|m| m.speaker.as_deref()).collect();
    let test: BTreeSet<String> = if options.test_speakers.is_empty() {
        if speakers.len() < 2 {
            return Err(invalid(
                "split.speaker_disjoint",
                true,
                &format!(
                    "needs at least 2 speakers, the data have {}",
                    speakers.len()
                ),
            ));
        }
        let n = ((speakers.len() as f64 * options.test_fraction).round() as usize)
            .clamp(1, speakers.len() - 1);
        let mut all: Vec<&str> = speakers.iter().copied().collect();
        seeds::shuffle(&mut all, &mut rng);
        all[..n].iter().map(|s| (*s).to_owned()).collect()
    } else {
        for s in &options.test_speakers {
            if !speakers.contains(s.as_str()) {
                return Err(invalid(
                    "split.test_speakers",
                    s,
                    &format!(
                        "one of the speakers in the data: {}",
                        speakers.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        options.test_speakers.iter().cloned().collect()
    };
    Ok(meta
        .iter()
        .map(|m| {
            if m.speaker.as_ref().is_some_and(|s| test.contains(s)) {
                Split::Test
            } else {
                Split::Train
            }
        })
        .collect())
}

/// The image modality of a reproduction.
pub type VisionData = Dataset<VisionSource>;

/// The audio modality of a reproduction.
pub type AudioData = Dataset<AudioSource>;

/// Something that turns one event stream into a raster: [`VisionBinning`]
/// for vision, [`AudioBinning`] for audio.
pub trait Binner<E: Event>: Sync {
    /// Bins one stream.
    fn bin_stream(&self, stream: &EventStream<E>) -> Result<SpikeRaster>;
}

impl Binner<VisionEvent> for VisionBinning {
    fn bin_stream(&self, stream: &VisionStream) -> Result<SpikeRaster> {
        self.bin(stream)
    }
}

impl Binner<AudioEvent> for AudioBinning {
    fn bin_stream(&self, stream: &AudioStream) -> Result<SpikeRaster> {
        self.bin(stream)
    }
}

impl<S: EventSource> Dataset<S> {
    /// `f(i, label, events)` for every sample `i` of this view, in parallel
    /// on the current rayon pool, results in view order. Each sample is
    /// decoded (or emulated) inside its task, so only the results are held.
    /// The first error (in view order) is returned.
    pub fn par_map<T, F>(&self, f: F) -> Result<Vec<T>>
    where
        T: Send,
        F: Fn(usize, u16, EventStream<S::Event>) -> Result<T> + Sync + Send,
    {
        (0..self.len())
            .into_par_iter()
            .map(|i| self.load(i).and_then(|s| f(i, self.label(i), s)))
            .collect()
    }

    /// Every sample binned into a raster, in parallel, in view order.
    pub fn rasters<B: Binner<S::Event>>(&self, binner: &B) -> Result<Vec<SpikeRaster>> {
        self.par_map(|_, _, s| binner.bin_stream(&s))
    }
}

impl Dataset<AudioSource> {
    /// The speaker of each sample of this view (`""` when unknown).
    pub fn speakers(&self) -> Vec<&str> {
        (0..self.len())
            .map(|i| {
                self.source()
                    .meta(self.source_index(i))
                    .speaker
                    .as_deref()
                    .unwrap_or("")
            })
            .collect()
    }

    /// A speaker-disjoint split of this view: every sample of `test_speakers`
    /// in the second part, the rest in the first. A name not among the
    /// view's speakers is an error.
    pub fn split_by_speakers(&self, test_speakers: &[&str]) -> Result<(Self, Self)> {
        let speakers = self.speakers();
        let known: BTreeSet<&str> = speakers.iter().copied().collect();
        if let Some(bad) = test_speakers.iter().find(|s| !known.contains(**s)) {
            return Err(invalid(
                "test_speakers",
                bad,
                &format!(
                    "one of {}",
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let (test, train): (Vec<usize>, Vec<usize>) =
            (0..self.len()).partition(|&i| test_speakers.contains(&speakers[i]));
        Ok((self.select(&train)?, self.select(&test)?))
    }
}

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSummary {
    /// Samples written per split.
    pub per_split: BTreeMap<Split, usize>,
    /// Events written.
    pub events: u64,
}

/// Emulates (or reads) every sample of `data` and writes it into an N-MNIST
/// root `root/<Train|Test>/<digit>/<id:05>.bin` that the N-MNIST readers
/// (this crate's and tonic's) load; `id` is [`SampleMeta::id`] (for
/// emulated MNIST the image's position in its IDX file, not an MNIST index). Samples are processed in parallel
/// batches of 512 and written in order; `progress(done)` is called after
/// each batch. A sample without a split goes to `Test`.
pub fn write_vision_nmnist(
    data: &VisionData,
    root: &Path,
    progress: impl Fn(usize),
) -> Result<ExportSummary> {
    let writer = NmnistDirWriter::create(root)?;
    let mut summary = ExportSummary::default();
    let mut start = 0;
    while start < data.len() {
        let end = (start + 512).min(data.len());
        let streams: Vec<Result<VisionStream>> =
            (start..end).into_par_iter().map(|i| data.load(i)).collect();
        for (i, stream) in (start..end).zip(streams) {
            let stream = stream?;
            let info = data.info(i);
            let split = info.split.unwrap_or(Split::Test);
            let id = data.source().meta(data.source_index(i)).id;
            writer.write(split, data.label(i), id, &stream)?;
            *summary.per_split.entry(split).or_insert(0) += 1;
            summary.events += stream.len() as u64;
        }
        start = end;
        progress(start);
    }
    Ok(summary)
}

/// Emulates (or reads) every sample of `data` and writes the N-TIDIGITS
/// HDF5 layout to `path`. Keys are `group-speaker-take-word` (group `unk`
/// when unknown; FSDD's take is its index), e.g. `unk-jackson-32-7`; the
/// word character is 1-9, `o` or `z`. The file is built in memory.
pub fn write_audio_ntidigits(
    data: &AudioData,
    path: &Path,
    progress: impl Fn(usize),
) -> Result<ExportSummary> {
    let mut writer = NtidigitsWriter::new();
    let mut summary = ExportSummary::default();
    let mut start = 0;
    while start < data.len() {
        let end = (start + 512).min(data.len());
        let streams: Vec<Result<AudioStream>> =
            (start..end).into_par_iter().map(|i| data.load(i)).collect();
        for (i, stream) in (start..end).zip(streams) {
            let stream = stream?;
            let meta = data.source().meta(data.source_index(i));
            let word = meta.word.unwrap_or(SpokenDigit::Oh);
            let key = NtidigitsKey::new(
                meta.group.clone().unwrap_or_else(|| "unk".into()),
                meta.speaker.clone().unwrap_or_else(|| "unk".into()),
                meta.id.to_string(),
                vec![word],
            )?;
            let split = data.info(i).split.unwrap_or(Split::Test);
            writer.add(split, &key, &stream)?;
            *summary.per_split.entry(split).or_insert(0) += 1;
            summary.events += stream.len() as u64;
        }
        start = end;
        progress(start);
    }
    writer.write(path)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> DataConfig {
        DataConfig::with_source(DataSource::Synthetic(SyntheticSpec {
            train_per_class: 2,
            test_per_class: 1,
            speakers: 4,
            test_speakers: 1,
            audio_words: SyntheticWords::Tidigits,
        }))
    }

    #[test]
    fn synthetic_vision_has_sizes_labels_and_splits() {
        let data = small().vision(Seeds::new(1)).unwrap();
        assert_eq!(data.len(), 30);
        assert_eq!(data.split(Split::Train).len(), 20);
        assert_eq!(data.split(Split::Test).len(), 10);
        assert_eq!(data.class_counts().len(), 10);
        let s = data.load(3).unwrap();
        assert!(s.len() > 500, "{} events", s.len());
        assert_eq!(data.label(3), 3);
        assert_eq!(data.source().meta(3).digit, 3);
        assert!(data.source().image(3).unwrap().is_some());
    }

    #[test]
    fn synthetic_audio_words_labels_and_speaker_disjoint_split() {
        let mut config = small();
        config.split.speaker_disjoint = true;
        let data = config.audio(Seeds::new(1)).unwrap();
        assert_eq!(data.len(), 33);
        // Tonic labels: oh = 0, zero = 10.
        let oh = (0..data.len())
            .find(|&i| data.source().meta(i).word == Some(SpokenDigit::Oh))
            .unwrap();
        let zero = (0..data.len())
            .find(|&i| data.source().meta(i).word == Some(SpokenDigit::Zero))
            .unwrap();
        assert_eq!((data.label(oh), data.label(zero)), (0, 10));
        assert_eq!(data.source().meta(zero).digit, 0);
        let train: BTreeSet<String> = data
            .split(Split::Train)
            .speakers()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let test: BTreeSet<String> = data
            .split(Split::Test)
            .speakers()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(train.is_disjoint(&test), "{train:?} {test:?}");
        assert_eq!(test.len(), 1);
        let digits = DataConfig {
            audio_labels: AudioLabels::Digits,
            ..small()
        };
        let d = digits.audio(Seeds::new(1)).unwrap();
        assert_eq!(d.class_counts().len(), 10);
        assert_eq!(d.class_counts()[&0], 6); // "oh" and "zero"
    }

    #[test]
    fn rasters_are_identical_for_any_thread_count() {
        let data = small().vision(Seeds::new(3)).unwrap();
        let audio = small().audio(Seeds::new(3)).unwrap();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                (
                    data.rasters(&VisionBinning::default()).unwrap(),
                    audio.rasters(&AudioBinning::default()).unwrap(),
                )
            })
        };
        let one = run(1);
        let three = run(3);
        assert_eq!(one, three);
        assert_eq!(one.0.len(), 30);
        assert_eq!(one.0[0].channels(), 256);
        assert_eq!(one.1[0].channels(), 64);
    }

    #[test]
    fn missing_paths_are_errors_naming_them() {
        let config = DataConfig::with_source(DataSource::Real {
            nmnist: Some("/no/such/nmnist".into()),
            ntidigits: None,
        });
        let err = config.vision(Seeds::new(0)).unwrap_err().to_string();
        assert!(
            err.contains("/no/such/nmnist")
                && err.contains("does not exist")
                && err.contains("N-MNIST"),
            "{err}"
        );
        let err = config.audio(Seeds::new(0)).unwrap_err().to_string();
        assert!(
            err.contains("source.ntidigits") && err.contains("HDF5"),
            "{err}"
        );
        let config = DataConfig::with_source(DataSource::Emulated {
            mnist: None,
            wav: Some("/no/such/wavs".into()),
        });
        let err = config.audio(Seeds::new(0)).unwrap_err().to_string();
        assert!(
            err.contains("/no/such/wavs") && err.contains("{digit}_{speaker}_{index}.wav"),
            "{err}"
        );
        assert!(
            config
                .vision(Seeds::new(0))
                .unwrap_err()
                .to_string()
                .contains("source.mnist")
        );
    }

    #[test]
    fn wav_names_parse() {
        assert_eq!(
            parse_wav_name("7_jackson_32.wav"),
            Some((SpokenDigit::Seven, "jackson".into(), 32))
        );
        assert_eq!(
            parse_wav_name("0_theo_0.wav"),
            Some((SpokenDigit::Zero, "theo".into(), 0))
        );
        assert_eq!(
            parse_wav_name("o_s01_5.wav"),
            Some((SpokenDigit::Oh, "s01".into(), 5))
        );
        for bad in [
            "x_a_1.wav",
            "10_a_1.wav",
            "1_a.wav",
            "1__2.wav",
            "1_a_b.wav",
            "1_a_1.mp3",
            "1_a-b_1.wav",
        ] {
            assert_eq!(parse_wav_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn config_serde_defaults_and_unknown_fields() {
        let config: DataConfig =
            toml_like(r#"{"source": {"kind": "emulated", "mnist": "/m", "wav": null}}"#);
        assert_eq!(config.source.kind(), "emulated");
        assert_eq!(config.dvs, DvsParams::default());
        assert!(
            serde_json::from_str::<DataConfig>(r#"{"source": {"kind": "real", "bogus": 1}}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<DataConfig>(r#"{"sauce": {}}"#).is_err());
        let default: DataConfig = toml_like("{}");
        assert_eq!(default.source.kind(), "synthetic");
        let bad = DataConfig {
            split: SplitOptions {
                test_fraction: 1.5,
                ..SplitOptions::default()
            },
            ..DataConfig::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("split.test_fraction")
        );
    }

    fn toml_like(json: &str) -> DataConfig {
        serde_json::from_str(json).unwrap()
    }
}
