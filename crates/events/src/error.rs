//! Errors of this crate.
//!
//! Every error that comes from input data names where it happened: the file
//! (for a zip member `archive.zip!Train/3/00012.bin`, for an HDF5 object the
//! file and the object path), the record, event or sample key, and the bad
//! value with its allowed range.

use param_guard::ParamError;

use std::path::Path;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range: the error names the
    /// field's path, the rejected value and the allowed range.
    #[error(transparent)]
    InvalidParameter(#[from] ParamError),
    /// A spike raster was given a channel outside its range
    /// ([`spikes::Error::ChannelOutOfRange`], converted).
    #[error("raster step {step}: channel {channel} is outside 0..{channels}")]
    ChannelOutOfRange {
        /// Time step of the entry.
        step: usize,
        /// The offending channel.
        channel: u32,
        /// Number of channels of the raster.
        channels: u32,
    },
    /// A raster has more entries than its 32-bit offsets can index
    /// ([`spikes::Error::RasterTooLarge`], converted).
    #[error("raster has {entries} entries, more than 2^32 - 1")]
    RasterTooLarge {
        /// Number of entries.
        entries: usize,
    },
    /// Reading or writing a file failed.
    #[error("I/O error on `{file}`")]
    Io {
        /// The file (or directory) concerned.
        file: String,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A fixed-size record is cut short at the end of the data.
    #[error(
        "{file}: record {record} (byte offset {offset}) is truncated: {bytes} of {record_len} bytes present"
    )]
    TruncatedRecord {
        /// The file.
        file: String,
        /// Index of the truncated record (0-based).
        record: usize,
        /// Byte offset where the record starts.
        offset: usize,
        /// Bytes present.
        bytes: usize,
        /// Bytes a record needs.
        record_len: usize,
    },
    /// An event lies outside the sensor (pixel coordinate or cochlea channel).
    #[error("{file}: {item}: {coordinate} = {value} is outside the sensor's 0..{limit}")]
    OutsideSensor {
        /// The file (or `(in memory)`).
        file: String,
        /// The record, event or sample: `record 17 (byte offset 85)` in an
        /// N-MNIST file, ``sample `man-im-a-7557` event 3`` in N-TIDIGITS.
        item: String,
        /// Which coordinate: `x`, `y` or `channel`.
        coordinate: &'static str,
        /// The offending value.
        value: u64,
        /// The sensor's extent along that coordinate.
        limit: u64,
    },
    /// Timestamps decrease where they must not.
    #[error(
        "{file}: {item}: timestamp {t_us} us is earlier than the previous event's {previous_us} us (timestamps must not decrease)"
    )]
    NonMonotonic {
        /// The file (or `(in memory)`).
        file: String,
        /// The record or event: `record 17 (byte offset 85)` in an N-MNIST
        /// file, ``sample `man-im-a-7557` event 3`` in N-TIDIGITS, `event
        /// 17` for a stream in memory.
        item: String,
        /// The offending timestamp.
        t_us: u64,
        /// The timestamp of the event before it.
        previous_us: u64,
    },
    /// An HDF5 group or dataset the layout requires is missing.
    #[error("{file}: HDF5 object `{object}` is missing ({expected})")]
    MissingObject {
        /// The HDF5 file.
        file: String,
        /// Path of the missing object, e.g. `/train_addresses`.
        object: String,
        /// What the layout expects there.
        expected: String,
    },
    /// A sample's address and timestamp arrays differ in length.
    #[error("{file}: sample `{key}`: {addresses} addresses but {timestamps} timestamps")]
    LengthMismatch {
        /// The HDF5 file.
        file: String,
        /// The sample key.
        key: String,
        /// Length of the address dataset.
        addresses: u64,
        /// Length of the timestamp dataset.
        timestamps: u64,
    },
    /// A sample key contains a digit character that is not 1-9, `o` or `z`.
    #[error(
        "{file}: sample key `{key}`: unknown digit character {character:?} (allowed: 1-9, o, z)"
    )]
    UnknownLabelChar {
        /// The file the key comes from (or `(in memory)`).
        file: String,
        /// The sample key.
        key: String,
        /// The offending character.
        character: char,
    },
    /// A sample key does not have the form `gender-speaker-take-digits`.
    #[error("{file}: sample key `{key}`: {reason}")]
    BadKey {
        /// The file the key comes from (or `(in memory)`).
        file: String,
        /// The sample key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A value in the data is outside what the format allows.
    #[error("{file}: {item}: {field} = {value} is invalid: must be {allowed}")]
    BadValue {
        /// The file (or `(in memory)`).
        file: String,
        /// The record, event or sample, e.g. ``sample `man-im-a-7557` event 3``.
        item: String,
        /// The field, e.g. `t_us` or `address`.
        field: String,
        /// The rejected value, as written.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// The HDF5 library reported an error for an object.
    #[error("{file}: HDF5 object `{object}`: {message}")]
    Hdf5 {
        /// The HDF5 file.
        file: String,
        /// The object path (or `/` for the file itself).
        object: String,
        /// The library's message.
        message: String,
    },
    /// A zip archive is unreadable or unwritable.
    #[error("{file}: zip archive: {message}")]
    Zip {
        /// The archive (and member, when one is concerned).
        file: String,
        /// The library's message.
        message: String,
    },
    /// A file is not in the format it claims (bad magic number, bad header).
    #[error("{file}: {message}")]
    Format {
        /// The file.
        file: String,
        /// What is wrong, with the bad value.
        message: String,
    },
    /// A path holds no dataset this crate recognises.
    #[error("{path}: {message}")]
    NoDataset {
        /// The path given.
        path: String,
        /// What was expected there and how to get it.
        message: String,
    },
    /// A sample without a class label was put into a labelled dataset.
    #[error(
        "sample `{key}` of {source_name} has no class label (multi-digit utterance or unlabelled file); filter it out first (e.g. `NtidigitsOptions::single_digits_only`)"
    )]
    Unlabelled {
        /// The sample key.
        key: String,
        /// The source's name.
        source_name: String,
    },
    /// A class has fewer samples than requested.
    #[error("class {label}: {requested} samples requested but only {available} available")]
    NotEnoughSamples {
        /// The class label.
        label: u16,
        /// Samples requested.
        requested: usize,
        /// Samples available.
        available: usize,
    },
    /// A sample index is outside the dataset or source.
    #[error("{source_name}: sample index {index} is outside 0..{len}")]
    IndexOutOfRange {
        /// The source's name.
        source_name: String,
        /// The index asked for.
        index: usize,
        /// Number of samples.
        len: usize,
    },
    /// Two samples of one split share a key.
    #[error("{file}: duplicate sample key `{key}` in the {split} split")]
    DuplicateKey {
        /// The file being written.
        file: String,
        /// The key.
        key: String,
        /// The split.
        split: String,
    },
    /// Any other error of the `spikes` crate; its raster errors convert to
    /// this crate's variants of the same name and fields.
    #[error(transparent)]
    Spikes(spikes::Error),
}

/// Building a [`crate::SpikeRaster`] fails with `spikes`'s errors: the kinds
/// this crate has become its own variants, so callers match one set.
impl From<spikes::Error> for Error {
    fn from(e: spikes::Error) -> Error {
        match e {
            spikes::Error::ChannelOutOfRange {
                step,
                channel,
                channels,
            } => Error::ChannelOutOfRange {
                step,
                channel,
                channels,
            },
            spikes::Error::RasterTooLarge { entries } => Error::RasterTooLarge { entries },
            other => Error::Spikes(other),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The name used in errors for data that never was a file.
pub const IN_MEMORY: &str = "(in memory)";

/// A path as it appears in error messages.
pub(crate) fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Wraps an I/O error with the file it concerns.
pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        file: display(path),
        source,
    }
}

#[cfg(test)]
mod tests {
    /// With anyhow's `{:#}` (or any walk of `source()`) the operating
    /// system's message appears once, after the message naming the file.
    #[test]
    fn io_errors_name_the_file_and_print_the_cause_once() {
        let missing = std::env::temp_dir()
            .join("no-such-dir-7f3a")
            .join("missing.bin");
        let err = crate::format::DatasetFormat::detect(&missing).expect_err("missing file");
        let chain: Vec<String> =
            std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
                .map(ToString::to_string)
                .collect();
        assert_eq!(chain.len(), 2, "{chain:?}");
        assert!(chain[0].contains("missing.bin"), "{chain:?}");
        assert!(!chain[0].contains(&chain[1]), "{chain:?}");
    }
}
