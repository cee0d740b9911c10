//! N-TIDIGITS: the HDF5 file of cochlea events, its sample keys and labels.
//!
//! # Layout (Anumula et al. 2018)
//!
//! ```text
//! /train_labels          1-D byte strings, one sample key each, e.g. b"man-im-a-7557"
//! /test_labels
//! /train_addresses/<key> 1-D: the channel (0-63) of each event
//! /train_timestamps/<key> 1-D: the time of each event, in seconds
//! /test_addresses/<key>
//! /test_timestamps/<key>
//! ```
//!
//! Keys read `gender-speaker-take-digits`; the digits are `1`-`9`, `o`
//! ("oh") and `z` ("zero"); one character is an isolated digit (the 11
//! classes of the paper), more are a digit sequence. Any integer or float
//! dtype (1, 2, 4 or 8 bytes, either byte order; half floats too) is accepted
//! for addresses and timestamps. Timestamps are converted as tonic does:
//! `t_us = trunc(f64(t) * 1e6)`; addresses must be whole numbers inside the
//! sensor.
//!
//! # Labels
//!
//! Readers disagree on the index of "oh" and "zero" (tonic issue 175), so the
//! map is explicit: [`LabelMap::Tonic`] (the default: `o` -> 0, `1`-`9` ->
//! 1-9, `z` -> 10, as tonic's `NTIDIGITS18.class_map`) or
//! [`LabelMap::ZeroIsZero`] (`z` -> 0, `o` -> 10, as torchneuromorphic),
//! which makes "zero" share label 0 with the N-MNIST digit 0. Multi-digit
//! utterances have no label; [`NtidigitsOptions::single_digits_only`] (on by
//! default, the paper's 11-class task) drops them.
//!
//! # Writing
//!
//! [`NtidigitsWriter`] writes the same layout with the pure-Rust
//! `hdf5-writer`: labels as fixed-length null-padded ASCII strings (numpy
//! `S` dtype, which h5py and tonic read as `bytes`), addresses as `u16`,
//! timestamps as `f64` seconds chosen so that tonic's truncating conversion
//! gives back exactly the microseconds written. The file is assembled in
//! memory (about 10 bytes per event) and written at once.

use param_guard::ParamGuard;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use hdf5_reader::{ByteOrder, Datatype, Hdf5File, OpenOptions};
use hdf5_writer::{AttributeBuilder, DatasetBuilder, Hdf5Builder, WriteOptions};
use serde::{Deserialize, Serialize};

use crate::dataset::{EventSource, SampleInfo, Split, index_error};
use crate::error::{Error, IN_MEMORY, Result, display, io_error};
use crate::event::{AudioEvent, AudioSensor, AudioStream};
use param_guard::ParamError;

pub use crate::format::HDF5_SIGNATURE;

/// Largest single dataset read (an N-TIDIGITS sample is a few kilobytes; the
/// label list of the whole file well under a megabyte).
const MAX_READ_BYTES: usize = 1 << 30;

/// A spoken digit of TIDIGITS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SpokenDigit {
    /// "one" (`1`).
    One,
    /// "two" (`2`).
    Two,
    /// "three" (`3`).
    Three,
    /// "four" (`4`).
    Four,
    /// "five" (`5`).
    Five,
    /// "six" (`6`).
    Six,
    /// "seven" (`7`).
    Seven,
    /// "eight" (`8`).
    Eight,
    /// "nine" (`9`).
    Nine,
    /// "oh" (`o`).
    Oh,
    /// "zero" (`z`).
    Zero,
}

impl SpokenDigit {
    /// All eleven, in key-character order 1-9, o, z.
    pub const ALL: [SpokenDigit; 11] = [
        SpokenDigit::One,
        SpokenDigit::Two,
        SpokenDigit::Three,
        SpokenDigit::Four,
        SpokenDigit::Five,
        SpokenDigit::Six,
        SpokenDigit::Seven,
        SpokenDigit::Eight,
        SpokenDigit::Nine,
        SpokenDigit::Oh,
        SpokenDigit::Zero,
    ];

    /// The digit of a key character (`1`-`9`, `o`, `z`).
    pub fn from_char(c: char) -> Option<SpokenDigit> {
        match c {
            '1'..='9' => Some(Self::ALL[(c as u8 - b'1') as usize]),
            'o' => Some(SpokenDigit::Oh),
            'z' => Some(SpokenDigit::Zero),
            _ => None,
        }
    }

    /// The key character.
    pub fn to_char(self) -> char {
        match self {
            SpokenDigit::Oh => 'o',
            SpokenDigit::Zero => 'z',
            d => (b'1' + d.value().unwrap_or(1) as u8 - 1) as char,
        }
    }

    /// The numeric value: 1-9 for `1`-`9`, 0 for both "oh" and "zero".
    /// `None` never happens for a valid digit; it keeps the signature total.
    pub fn value(self) -> Option<u16> {
        Some(match self {
            SpokenDigit::One => 1,
            SpokenDigit::Two => 2,
            SpokenDigit::Three => 3,
            SpokenDigit::Four => 4,
            SpokenDigit::Five => 5,
            SpokenDigit::Six => 6,
            SpokenDigit::Seven => 7,
            SpokenDigit::Eight => 8,
            SpokenDigit::Nine => 9,
            SpokenDigit::Oh | SpokenDigit::Zero => 0,
        })
    }
}

/// Class label of each spoken digit: the two conventions in use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabelMap {
    /// tonic's `NTIDIGITS18.class_map`: `o` -> 0, `1`-`9` -> 1-9, `z` -> 10.
    #[default]
    Tonic,
    /// torchneuromorphic's: `z` -> 0, `1`-`9` -> 1-9, `o` -> 10; "zero"
    /// then shares label 0 with the N-MNIST digit 0.
    ZeroIsZero,
}

impl LabelMap {
    /// The class label of `digit` (0-10).
    pub fn label(self, digit: SpokenDigit) -> u16 {
        match (self, digit) {
            (LabelMap::Tonic, SpokenDigit::Oh) | (LabelMap::ZeroIsZero, SpokenDigit::Zero) => 0,
            (LabelMap::Tonic, SpokenDigit::Zero) | (LabelMap::ZeroIsZero, SpokenDigit::Oh) => 10,
            (_, d) => d.value().unwrap_or(0),
        }
    }

    /// The digit with class label `label`, if any.
    pub fn digit(self, label: u16) -> Option<SpokenDigit> {
        SpokenDigit::ALL
            .into_iter()
            .find(|&d| self.label(d) == label)
    }
}

/// A parsed sample key `gender-speaker-take-digits`, e.g. `man-im-a-7557`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NtidigitsKey {
    /// Speaker group: `man`, `woman`, `boy`, `girl`.
    pub gender: String,
    /// Speaker initials.
    pub speaker: String,
    /// Take (`a`, `b`).
    pub take: String,
    /// The spoken digits, at least one.
    pub digits: Vec<SpokenDigit>,
}

impl NtidigitsKey {
    /// A key from its parts. Parts must be non-empty ASCII without `-`, `/`,
    /// whitespace or NUL (so that the key parses back and names an HDF5
    /// dataset), and there must be at least one digit.
    pub fn new(
        gender: impl Into<String>,
        speaker: impl Into<String>,
        take: impl Into<String>,
        digits: Vec<SpokenDigit>,
    ) -> Result<Self> {
        let key = Self {
            gender: gender.into(),
            speaker: speaker.into(),
            take: take.into(),
            digits,
        };
        let text = key.to_string();
        for (name, part) in [
            ("gender", &key.gender),
            ("speaker", &key.speaker),
            ("take", &key.take),
        ] {
            let bad = part.is_empty()
                || part
                    .chars()
                    .any(|c| !c.is_ascii_graphic() || c == '-' || c == '/' || c == '.');
            if bad {
                return Err(Error::BadKey {
                    file: IN_MEMORY.into(),
                    key: text,
                    reason: format!(
                        "{name} `{part}` must be non-empty printable ASCII without '-', '/' or '.'"
                    ),
                });
            }
        }
        if key.digits.is_empty() {
            return Err(Error::BadKey {
                file: IN_MEMORY.into(),
                key: text,
                reason: "no digit".into(),
            });
        }
        Ok(key)
    }

    /// Parses a key. The digits are the last `-`-separated field (as tonic
    /// and torchneuromorphic read them); gender is the first field, take the
    /// one before the digits, speaker whatever lies between.
    pub fn parse(key: &str) -> Result<Self> {
        Self::parse_in(key, IN_MEMORY)
    }

    /// [`NtidigitsKey::parse`], naming `file` in errors.
    pub(crate) fn parse_in(key: &str, file: &str) -> Result<Self> {
        let bad = |reason: &str| Error::BadKey {
            file: file.to_owned(),
            key: key.to_owned(),
            reason: reason.to_owned(),
        };
        let fields: Vec<&str> = key.split('-').collect();
        if fields.len() < 4 {
            return Err(bad(
                "expected gender-speaker-take-digits (4 fields separated by '-')",
            ));
        }
        if fields.iter().any(|f| f.is_empty()) {
            return Err(bad("empty field"));
        }
        let (gender, rest) = (fields[0], &fields[1..]);
        let (take, digit_field) = (rest[rest.len() - 2], rest[rest.len() - 1]);
        let speaker = rest[..rest.len() - 2].join("-");
        let mut digits = Vec::with_capacity(digit_field.len());
        for c in digit_field.chars() {
            digits.push(
                SpokenDigit::from_char(c).ok_or_else(|| Error::UnknownLabelChar {
                    file: file.to_owned(),
                    key: key.to_owned(),
                    character: c,
                })?,
            );
        }
        Ok(Self {
            gender: gender.to_owned(),
            speaker,
            take: take.to_owned(),
            digits,
        })
    }

    /// The digit of an isolated-digit utterance, `None` for a sequence.
    pub fn single_digit(&self) -> Option<SpokenDigit> {
        match self.digits.as_slice() {
            [d] => Some(*d),
            _ => None,
        }
    }
}

impl fmt::Display for NtidigitsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}-", self.gender, self.speaker, self.take)?;
        for d in &self.digits {
            write!(f, "{}", d.to_char())?;
        }
        Ok(())
    }
}

/// Unit of the stored timestamps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimestampUnit {
    /// Seconds, as N-TIDIGITS stores them (and tonic assumes).
    #[default]
    Seconds,
    /// Microseconds (for files that store integer microseconds).
    Microseconds,
}

/// How an N-TIDIGITS file is read.
///
/// | field | default | source |
/// |---|---|---|
/// | `label_map` | `tonic` | tonic's `NTIDIGITS18.class_map` |
/// | `single_digits_only` | `true` | the paper's 11-class task |
/// | `sensor` | 64 channels | CochleaAMS (Anumula et al. 2018) |
/// | `timestamp_unit` | `seconds` | the N-TIDIGITS file |
/// | `require_monotonic` | `false` | tonic does not check |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NtidigitsOptions {
    /// Label of each spoken digit.
    pub label_map: LabelMap,
    /// Keep only isolated-digit utterances (a one-character digit field).
    pub single_digits_only: bool,
    /// Sensor geometry; an address outside it is an error.
    pub sensor: AudioSensor,
    /// Unit of the stored timestamps.
    pub timestamp_unit: TimestampUnit,
    /// Whether a timestamp below its predecessor's is an error.
    pub require_monotonic: bool,
}

impl Default for NtidigitsOptions {
    fn default() -> Self {
        Self {
            label_map: LabelMap::Tonic,
            single_digits_only: true,
            sensor: AudioSensor::NTIDIGITS,
            timestamp_unit: TimestampUnit::Seconds,
            require_monotonic: false,
        }
    }
}

impl ParamGuard for NtidigitsOptions {
    type Error = Error;

    /// Checks the sensor has channels.
    fn validate(&self) -> Result<()> {
        if self.sensor.channels == 0 {
            return Err(Error::InvalidParameter(ParamError {
                field: "sensor.channels".into(),
                value: "0".into(),
                allowed: "at least 1".into(),
            }));
        }
        Ok(())
    }
}

/// The address and timestamp groups of one split, with their datasets by
/// name, listed on first use (one pass over the group instead of one search
/// per sample).
struct SplitGroups {
    addresses: hdf5_reader::group::Group,
    timestamps: hdf5_reader::group::Group,
    address_index: OnceLock<HashMap<String, hdf5_reader::Dataset>>,
    timestamp_index: OnceLock<HashMap<String, hdf5_reader::Dataset>>,
}

/// The datasets of `group` by name; empty if the group cannot be listed
/// whole (a damaged member), in which case lookups fall back to searching
/// the group per sample and report that sample's own error.
fn index_group(group: &hdf5_reader::group::Group) -> HashMap<String, hdf5_reader::Dataset> {
    group
        .datasets()
        .map(|all| all.into_iter().map(|d| (d.name().to_owned(), d)).collect())
        .unwrap_or_default()
}

/// An N-TIDIGITS HDF5 file: lists the samples of both splits at opening (the
/// label datasets only) and reads one sample's two datasets per
/// [`EventSource::load`]. Samples are in file order, train then test.
pub struct NtidigitsSource {
    name: String,
    file: Hdf5File,
    options: NtidigitsOptions,
    samples: Vec<SampleInfo>,
    keys: Vec<NtidigitsKey>,
    groups: [SplitGroups; 2],
}

impl fmt::Debug for NtidigitsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtidigitsSource")
            .field("name", &self.name)
            .field("samples", &self.samples.len())
            .finish()
    }
}

impl NtidigitsSource {
    /// Opens the file at `path`.
    pub fn open(path: impl AsRef<Path>, options: NtidigitsOptions) -> Result<Self> {
        let path = path.as_ref();
        let name = display(path);
        // Read the file rather than memory-map it: a mapped file changed by
        // another process underneath would be undefined behaviour.
        let bytes = std::fs::read(path).map_err(io_error(path))?;
        Self::from_bytes(bytes, &name, options)
    }

    /// Reads a file held in memory; `name` is used in errors.
    pub fn from_bytes(bytes: Vec<u8>, name: &str, options: NtidigitsOptions) -> Result<Self> {
        options.validate()?;
        // A damaged dataspace can claim any size: cap every read so that it
        // is refused before anything is allocated for it.
        let open = OpenOptions {
            max_read_bytes: MAX_READ_BYTES,
            ..OpenOptions::default()
        };
        let file =
            Hdf5File::from_vec_with_options(bytes, open).map_err(|e| hdf5_error(name, "/", &e))?;
        let root = file.root_group().map_err(|e| hdf5_error(name, "/", &e))?;
        let mut samples = Vec::new();
        let mut keys = Vec::new();
        let train = index_split(&root, Split::Train, name, &options, &mut samples, &mut keys)?;
        let test = index_split(&root, Split::Test, name, &options, &mut samples, &mut keys)?;
        Ok(Self {
            name: name.to_owned(),
            file,
            options,
            samples,
            keys,
            groups: [train, test],
        })
    }

    /// The parsed key of sample `index`.
    pub fn key(&self, index: usize) -> Option<&NtidigitsKey> {
        self.keys.get(index)
    }

    /// The reading options.
    pub fn options(&self) -> &NtidigitsOptions {
        &self.options
    }

    /// The underlying HDF5 file (e.g. to read attributes).
    pub fn hdf5(&self) -> &Hdf5File {
        &self.file
    }

    /// Reads one numeric dataset of sample `key` as f64 values.
    fn numbers(
        &self,
        group: &hdf5_reader::group::Group,
        index: &OnceLock<HashMap<String, hdf5_reader::Dataset>>,
        object: &str,
        key: &str,
    ) -> Result<Vec<f64>> {
        let searched;
        let dataset = match index.get_or_init(|| index_group(group)).get(key) {
            Some(d) => d,
            None => match group.dataset(key) {
                Ok(d) => {
                    searched = d;
                    &searched
                }
                Err(e) if is_not_found(&e) => {
                    return Err(missing(&self.name, object, "the sample's dataset"));
                }
                Err(e) => return Err(hdf5_error(&self.name, object, &e)),
            },
        };
        let raw = dataset
            .read_raw_bytes()
            .map_err(|e| hdf5_error(&self.name, object, &e))?;
        decode_numbers(&raw, dataset.dtype()).ok_or_else(|| Error::Hdf5 {
            file: self.name.clone(),
            object: object.to_owned(),
            message: format!(
                "unsupported datatype {:?}: expected an integer or float of 1, 2, 4 or 8 bytes",
                dataset.dtype()
            ),
        })
    }
}

impl EventSource for NtidigitsSource {
    type Event = AudioEvent;

    fn name(&self) -> &str {
        &self.name
    }

    fn samples(&self) -> &[SampleInfo] {
        &self.samples
    }

    fn load(&self, index: usize) -> Result<AudioStream> {
        let info = self
            .samples
            .get(index)
            .ok_or_else(|| index_error(&self.name, index, self.samples.len()))?;
        let split = info.split.unwrap_or(Split::Train);
        let groups = &self.groups[usize::from(split == Split::Test)];
        let key = &info.key;
        let a_obj = format!("/{}_addresses/{key}", split.name());
        let t_obj = format!("/{}_timestamps/{key}", split.name());
        let addresses = self.numbers(&groups.addresses, &groups.address_index, &a_obj, key)?;
        let timestamps = self.numbers(&groups.timestamps, &groups.timestamp_index, &t_obj, key)?;
        events_from_arrays(&addresses, &timestamps, &self.options, &self.name, key)
    }
}

/// Lists the samples of one split (appending to `samples` and `keys`) and
/// opens its two groups.
fn index_split(
    root: &hdf5_reader::group::Group,
    split: Split,
    name: &str,
    options: &NtidigitsOptions,
    samples: &mut Vec<SampleInfo>,
    keys: &mut Vec<NtidigitsKey>,
) -> Result<SplitGroups> {
    let labels_name = format!("{}_labels", split.name());
    let labels = match root.dataset(&labels_name) {
        Ok(d) => d,
        Err(e) if is_not_found(&e) => {
            return Err(missing(
                name,
                &labels_name,
                "1-D byte strings: the sample keys",
            ));
        }
        Err(e) => return Err(hdf5_error(name, &labels_name, &e)),
    };
    let strings = labels
        .read_strings()
        .map_err(|e| hdf5_error(name, &labels_name, &e))?;
    let group = |kind: &str| {
        let g = format!("{}_{kind}", split.name());
        match root.group(&g) {
            Ok(g) => Ok(g),
            Err(e) if is_not_found(&e) => Err(missing(
                name,
                &g,
                &format!("a group holding one {kind} dataset per sample key"),
            )),
            Err(e) => Err(hdf5_error(name, &g, &e)),
        }
    };
    let groups = SplitGroups {
        addresses: group("addresses")?,
        timestamps: group("timestamps")?,
        address_index: OnceLock::new(),
        timestamp_index: OnceLock::new(),
    };
    for raw in strings {
        let text = raw.trim_end_matches(['\0', ' ']).to_owned();
        let key = NtidigitsKey::parse_in(&text, name)?;
        let digit = key.single_digit();
        if options.single_digits_only && digit.is_none() {
            continue;
        }
        samples.push(SampleInfo {
            key: text,
            split: Some(split),
            label: digit.map(|d| options.label_map.label(d)),
        });
        keys.push(key);
    }
    Ok(groups)
}

/// Builds audio events from decoded address and timestamp arrays.
fn events_from_arrays(
    addresses: &[f64],
    timestamps: &[f64],
    options: &NtidigitsOptions,
    file: &str,
    key: &str,
) -> Result<AudioStream> {
    if addresses.len() != timestamps.len() {
        return Err(Error::LengthMismatch {
            file: file.to_owned(),
            key: key.to_owned(),
            addresses: addresses.len() as u64,
            timestamps: timestamps.len() as u64,
        });
    }
    let channels = options.sensor.channels;
    let scale = match options.timestamp_unit {
        TimestampUnit::Seconds => 1e6,
        TimestampUnit::Microseconds => 1.0,
    };
    let mut events = Vec::with_capacity(addresses.len());
    let mut previous = 0u64;
    for (i, (&a, &t)) in addresses.iter().zip(timestamps).enumerate() {
        let item = || format!("sample `{key}` event {i}");
        if !(a.fract() == 0.0 && a >= 0.0 && a < f64::from(channels)) {
            if a.is_finite() && a.fract() == 0.0 && a >= 0.0 {
                return Err(Error::OutsideSensor {
                    file: file.to_owned(),
                    item: item(),
                    coordinate: "channel",
                    value: a as u64,
                    limit: u64::from(channels),
                });
            }
            return Err(Error::BadValue {
                file: file.to_owned(),
                item: item(),
                field: "address".into(),
                value: a.to_string(),
                allowed: format!("a whole number in 0..{channels}"),
            });
        }
        // tonic: (t.astype(float64) * 1e6) cast to int, i.e. truncated.
        let us = (t * scale).trunc();
        // 2^63 us is far beyond any recording; the bound keeps the cast exact.
        if !(0.0..9.2e18).contains(&us) {
            return Err(Error::BadValue {
                file: file.to_owned(),
                item: item(),
                field: "timestamp".into(),
                value: t.to_string(),
                allowed: "finite and non-negative".into(),
            });
        }
        let t_us = us as u64;
        if options.require_monotonic && t_us < previous {
            return Err(Error::NonMonotonic {
                file: file.to_owned(),
                item: item(),
                t_us,
                previous_us: previous,
            });
        }
        previous = t_us;
        events.push(AudioEvent {
            t_us,
            channel: a as u16, // whole, in 0..channels <= u16::MAX, checked above
        });
    }
    Ok(AudioStream::from_checked(options.sensor, events))
}

/// Decodes raw HDF5 element bytes of a numeric datatype to f64.
fn decode_numbers(raw: &[u8], dtype: &Datatype) -> Option<Vec<f64>> {
    fn words<const N: usize>(raw: &[u8], order: ByteOrder) -> impl Iterator<Item = [u8; N]> + '_ {
        raw.chunks_exact(N).map(move |c| {
            let mut w = [0u8; N];
            w.copy_from_slice(c);
            if matches!(order, ByteOrder::BigEndian) {
                w.reverse();
            }
            w
        })
    }
    let values: Vec<f64> = match *dtype {
        Datatype::FixedPoint {
            size,
            signed,
            byte_order: o,
        } => match (size, signed) {
            (1, false) => raw.iter().map(|&b| f64::from(b)).collect(),
            (1, true) => raw.iter().map(|&b| f64::from(b as i8)).collect(),
            (2, false) => words::<2>(raw, o)
                .map(|w| f64::from(u16::from_le_bytes(w)))
                .collect(),
            (2, true) => words::<2>(raw, o)
                .map(|w| f64::from(i16::from_le_bytes(w)))
                .collect(),
            (4, false) => words::<4>(raw, o)
                .map(|w| f64::from(u32::from_le_bytes(w)))
                .collect(),
            (4, true) => words::<4>(raw, o)
                .map(|w| f64::from(i32::from_le_bytes(w)))
                .collect(),
            (8, false) => words::<8>(raw, o)
                .map(|w| u64::from_le_bytes(w) as f64)
                .collect(),
            (8, true) => words::<8>(raw, o)
                .map(|w| i64::from_le_bytes(w) as f64)
                .collect(),
            _ => return None,
        },
        Datatype::FloatingPoint {
            size,
            byte_order: o,
        } => match size {
            2 => words::<2>(raw, o)
                .map(|w| f16_to_f64(u16::from_le_bytes(w)))
                .collect(),
            4 => words::<4>(raw, o)
                .map(|w| f64::from(f32::from_le_bytes(w)))
                .collect(),
            8 => words::<8>(raw, o).map(f64::from_le_bytes).collect(),
            _ => return None,
        },
        _ => return None,
    };
    Some(values)
}

/// IEEE 754 half precision to f64.
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let fraction = f64::from(bits & 0x3ff);
    match exponent {
        0 => sign * fraction * 2f64.powi(-24),
        31 if fraction == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + fraction / 1024.0) * 2f64.powi(e - 15),
    }
}

fn is_not_found(err: &hdf5_reader::error::Error) -> bool {
    use hdf5_reader::error::Error as H;
    match err {
        H::GroupNotFound(_) | H::DatasetNotFound(_) => true,
        H::Context { source, .. } => is_not_found(source),
        _ => false,
    }
}

fn missing(file: &str, object: &str, expected: &str) -> Error {
    Error::MissingObject {
        file: file.to_owned(),
        object: if object.starts_with('/') {
            object.to_owned()
        } else {
            format!("/{object}")
        },
        expected: expected.to_owned(),
    }
}

fn hdf5_error(file: &str, object: &str, err: &dyn fmt::Display) -> Error {
    Error::Hdf5 {
        file: file.to_owned(),
        object: object.to_owned(),
        message: err.to_string(),
    }
}

/// The f64 number of seconds whose tonic conversion `trunc(s * 1e6)` gives
/// back exactly `t_us` (for `t_us < 2^53`).
pub fn seconds_for_us(t_us: u64) -> f64 {
    let target = t_us as f64;
    let mut s = target / 1e6;
    // Division rounds to nearest, so the product can land a hair below the
    // integer and truncate to t_us - 1; step up one ulp at a time (at most a
    // couple of steps) until it does not.
    for _ in 0..8 {
        if (s * 1e6).trunc() >= target {
            break;
        }
        s = s.next_up();
    }
    s
}

/// Collects samples and writes them as an N-TIDIGITS HDF5 file (see the
/// module docs for the layout). Samples of a split keep the order they were
/// added in, which is the order of its `*_labels` dataset.
#[derive(Clone, Debug, Default)]
pub struct NtidigitsWriter {
    splits: [PendingSplit; 2],
}

#[derive(Clone, Debug, Default)]
struct PendingSplit {
    keys: Vec<String>,
    seen: HashSet<String>,
    addresses: Vec<Vec<u16>>,
    timestamps: Vec<Vec<f64>>,
}

impl NtidigitsWriter {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of samples added.
    pub fn len(&self) -> usize {
        self.splits.iter().map(|s| s.keys.len()).sum()
    }

    /// Whether no sample was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a sample under `key` to `split`; a key used twice in a split is
    /// an error, and so is a timestamp at or above 2^53 us (not exactly
    /// representable as seconds).
    pub fn add(&mut self, split: Split, key: &NtidigitsKey, stream: &AudioStream) -> Result<()> {
        let text = key.to_string();
        let pending = &mut self.splits[usize::from(split == Split::Test)];
        if pending.seen.contains(&text) {
            return Err(Error::DuplicateKey {
                file: IN_MEMORY.into(),
                key: text,
                split: split.name().into(),
            });
        }
        let mut timestamps = Vec::with_capacity(stream.len());
        for (i, e) in stream.events().iter().enumerate() {
            if e.t_us >= 1 << 53 {
                return Err(Error::BadValue {
                    file: IN_MEMORY.into(),
                    item: format!("sample `{text}` event {i}"),
                    field: "t_us".into(),
                    value: e.t_us.to_string(),
                    allowed: "below 2^53".into(),
                });
            }
            timestamps.push(seconds_for_us(e.t_us));
        }
        pending
            .addresses
            .push(stream.events().iter().map(|e| e.channel).collect());
        pending.timestamps.push(timestamps);
        pending.seen.insert(text.clone());
        pending.keys.push(text);
        Ok(())
    }

    /// The complete file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let err = |object: &str| {
            let object = object.to_owned();
            move |e: hdf5_writer::Error| hdf5_error(IN_MEMORY, &object, &e)
        };
        let mut builder = Hdf5Builder::new().attribute(AttributeBuilder::fixed_string(
            "description",
            "N-TIDIGITS layout (Anumula et al. 2018): *_labels hold the sample keys; \
             *_addresses/<key> the cochlea channel and *_timestamps/<key> the time in seconds \
             of each event. Written by the rram-lsm events crate.",
        ));
        for (split, pending) in Split::ALL.into_iter().zip(&self.splits) {
            let labels = format!("{}_labels", split.name());
            builder = builder.dataset(
                DatasetBuilder::fixed_string_data(
                    &labels,
                    vec![pending.keys.len() as u64],
                    &pending.keys,
                )
                .map_err(err(&labels))?,
            );
            for kind in ["addresses", "timestamps"] {
                let group = format!("{}_{kind}", split.name());
                // The attribute makes the group exist even for an empty split.
                builder = builder.group_attribute(
                    &group,
                    AttributeBuilder::fixed_string(
                        "description",
                        format!("one {kind} dataset per sample key"),
                    ),
                );
            }
            for (k, key) in pending.keys.iter().enumerate() {
                let a = format!("{}_addresses/{key}", split.name());
                let t = format!("{}_timestamps/{key}", split.name());
                let n = vec![pending.addresses[k].len() as u64];
                builder = builder
                    .dataset(
                        DatasetBuilder::typed_data(&a, n.clone(), &pending.addresses[k])
                            .map_err(err(&a))?,
                    )
                    .dataset(
                        DatasetBuilder::typed_data(&t, n, &pending.timestamps[k])
                            .map_err(err(&t))?,
                    );
            }
        }
        builder
            .into_plan()
            .and_then(|plan| plan.encode(WriteOptions::default()))
            .map_err(err("/"))
    }

    /// Writes the file to `path`.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_bytes().map_err(|e| match e {
            Error::Hdf5 {
                object, message, ..
            } => Error::Hdf5 {
                file: display(path),
                object,
                message,
            },
            other => other,
        })?;
        std::fs::write(path, bytes).map_err(io_error(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print() {
        let k = NtidigitsKey::parse("man-im-a-7557").unwrap();
        assert_eq!(
            (k.gender.as_str(), k.speaker.as_str(), k.take.as_str()),
            ("man", "im", "a")
        );
        use SpokenDigit::*;
        assert_eq!(k.digits, vec![Seven, Five, Five, Seven]);
        assert_eq!(k.single_digit(), None);
        assert_eq!(k.to_string(), "man-im-a-7557");
        let k = NtidigitsKey::parse("woman-tw-b-z").unwrap();
        assert_eq!(k.single_digit(), Some(Zero));
        // Speaker names containing '-' stay whole.
        let k = NtidigitsKey::parse("boy-a-b-c-o").unwrap();
        assert_eq!((k.speaker.as_str(), k.take.as_str()), ("a-b", "c"));
    }

    #[test]
    fn bad_keys_are_named() {
        let err = NtidigitsKey::parse("man-im-a-75x7").unwrap_err();
        assert!(
            matches!(&err, Error::UnknownLabelChar { key, character: 'x', .. } if key == "man-im-a-75x7"),
            "{err}"
        );
        assert!(err.to_string().contains("'x'"));
        let err = NtidigitsKey::parse("man-im-7").unwrap_err();
        assert!(matches!(err, Error::BadKey { .. }), "{err}");
        let err = NtidigitsKey::parse("man--a-7").unwrap_err();
        assert!(err.to_string().contains("empty field"), "{err}");
        assert!(NtidigitsKey::new("man", "i-m", "a", vec![SpokenDigit::One]).is_err());
        assert!(NtidigitsKey::new("man", "im", "a", vec![]).is_err());
    }

    #[test]
    fn label_maps_are_the_two_conventions() {
        use SpokenDigit::*;
        assert_eq!(LabelMap::Tonic.label(Oh), 0);
        assert_eq!(LabelMap::Tonic.label(Zero), 10);
        assert_eq!(LabelMap::ZeroIsZero.label(Zero), 0);
        assert_eq!(LabelMap::ZeroIsZero.label(Oh), 10);
        for map in [LabelMap::Tonic, LabelMap::ZeroIsZero] {
            let mut labels: Vec<u16> = SpokenDigit::ALL.iter().map(|&d| map.label(d)).collect();
            labels.sort_unstable();
            assert_eq!(
                labels,
                (0..=10).collect::<Vec<_>>(),
                "{map:?} must be a bijection onto 0..=10"
            );
            for d in SpokenDigit::ALL {
                assert_eq!(map.digit(map.label(d)), Some(d));
            }
            for (c, v) in ('1'..='9').zip(1u16..) {
                assert_eq!(map.label(SpokenDigit::from_char(c).unwrap()), v);
            }
        }
        assert_eq!(LabelMap::default(), LabelMap::Tonic);
        for d in SpokenDigit::ALL {
            assert_eq!(SpokenDigit::from_char(d.to_char()), Some(d));
        }
    }

    #[test]
    fn seconds_round_trip_through_tonic_conversion() {
        // Exhaustive over the first 2 s and a sweep up to about 10^12 us: the
        // stored seconds must truncate back to the same microsecond.
        for t in (0..2_000_000u64).chain((0..200_000u64).map(|k| k * 5_000_011)) {
            let s = seconds_for_us(t);
            assert_eq!((s * 1e6).trunc() as u64, t, "t = {t}");
        }
    }

    #[test]
    fn numbers_decode_every_dtype() {
        let le = ByteOrder::LittleEndian;
        let be = ByteOrder::BigEndian;
        let fixed = |size, signed, byte_order| Datatype::FixedPoint {
            size,
            signed,
            byte_order,
        };
        let float = |size, byte_order| Datatype::FloatingPoint { size, byte_order };
        assert_eq!(
            decode_numbers(&[3, 200], &fixed(1, false, le)),
            Some(vec![3.0, 200.0])
        );
        assert_eq!(
            decode_numbers(&[0xff], &fixed(1, true, le)),
            Some(vec![-1.0])
        );
        assert_eq!(
            decode_numbers(&[1, 2], &fixed(2, false, be)),
            Some(vec![258.0])
        );
        assert_eq!(
            decode_numbers(&[1, 2], &fixed(2, false, le)),
            Some(vec![513.0])
        );
        assert_eq!(
            decode_numbers(&(-5i32).to_be_bytes(), &fixed(4, true, be)),
            Some(vec![-5.0])
        );
        assert_eq!(
            decode_numbers(&63u64.to_le_bytes(), &fixed(8, false, le)),
            Some(vec![63.0])
        );
        assert_eq!(
            decode_numbers(&0.25f32.to_be_bytes(), &float(4, be)),
            Some(vec![0.25])
        );
        assert_eq!(
            decode_numbers(&1.5f64.to_le_bytes(), &float(8, le)),
            Some(vec![1.5])
        );
        // Half floats: 0x3c00 = 1.0, 0xc000 = -2.0, 0x0001 = 2^-24.
        assert_eq!(
            decode_numbers(&[0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00], &float(2, le)),
            Some(vec![1.0, -2.0, 2f64.powi(-24)])
        );
        assert_eq!(decode_numbers(&[0; 3], &fixed(3, false, le)), None);
    }

    #[test]
    fn arrays_become_events_with_named_errors() {
        let o = NtidigitsOptions::default();
        let s = events_from_arrays(
            &[0.0, 63.0, 5.0],
            &[0.5, 0.000_001, 1.999_999_9],
            &o,
            "f.h5",
            "k",
        )
        .unwrap();
        let got: Vec<(u64, u16)> = s.events().iter().map(|e| (e.t_us, e.channel)).collect();
        // 1.9999999 s * 1e6 = 1999999.9 -> truncated to 1999999.
        assert_eq!(got, vec![(500_000, 0), (1, 63), (1_999_999, 5)]);
        let e = events_from_arrays(&[1.0], &[0.1, 0.2], &o, "f.h5", "k").unwrap_err();
        assert!(
            matches!(
                e,
                Error::LengthMismatch {
                    addresses: 1,
                    timestamps: 2,
                    ..
                }
            ),
            "{e}"
        );
        let e = events_from_arrays(&[64.0], &[0.1], &o, "f.h5", "man-a-b-1")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("f.h5") && e.contains("man-a-b-1") && e.contains("channel = 64"),
            "{e}"
        );
        let e = events_from_arrays(&[1.5], &[0.1], &o, "f.h5", "k")
            .unwrap_err()
            .to_string();
        assert!(e.contains("address = 1.5") && e.contains("event 0"), "{e}");
        let e = events_from_arrays(&[1.0, 2.0], &[0.1, f64::NAN], &o, "f.h5", "k")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("timestamp = NaN") && e.contains("event 1"),
            "{e}"
        );
        let e = events_from_arrays(&[-1.0], &[0.1], &o, "f.h5", "k")
            .unwrap_err()
            .to_string();
        assert!(e.contains("address = -1"), "{e}");
        let strict = NtidigitsOptions {
            require_monotonic: true,
            ..o
        };
        let e = events_from_arrays(&[1.0, 2.0], &[0.2, 0.1], &strict, "f.h5", "k").unwrap_err();
        assert!(
            matches!(
                e,
                Error::NonMonotonic {
                    t_us: 100_000,
                    previous_us: 200_000,
                    ..
                }
            ),
            "{e}"
        );
        let micro = NtidigitsOptions {
            timestamp_unit: TimestampUnit::Microseconds,
            ..o
        };
        let s = events_from_arrays(&[1.0], &[1234.0], &micro, "f.h5", "k").unwrap();
        assert_eq!(s.events()[0].t_us, 1234);
    }
}
