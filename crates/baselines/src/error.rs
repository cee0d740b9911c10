//! Errors of this crate.

use param_guard::ParamError;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range: the error names the
    /// field's path, the rejected value and the allowed range.
    #[error(transparent)]
    InvalidParameter(#[from] ParamError),
    /// A spike sequence names a channel that does not exist.
    #[error("spike sequence step {step}: channel {channel} out of range, must be below {channels}")]
    ChannelOutOfRange {
        /// Time step (0-based).
        step: usize,
        /// The offending channel.
        channel: u32,
        /// Number of channels of the sequence.
        channels: u32,
    },
    /// A spike sequence has more entries than its `u32` offsets can index.
    #[error("spike sequence too large: {entries} active entries (at most 2^32 - 1)")]
    SequenceTooLarge {
        /// Entries that were to be stored.
        entries: usize,
    },
    /// Two inputs that must agree in size do not.
    #[error("shape mismatch in {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// Which input, e.g. `training sequence 12`.
        what: String,
        /// The expected size, in words.
        expected: String,
        /// The size found.
        found: String,
    },
    /// An input is empty where data are required.
    #[error("{what} is empty: {why}")]
    Empty {
        /// Which input.
        what: String,
        /// Why it must not be empty.
        why: String,
    },
    /// A class label is outside `0..n_classes`.
    #[error("{what}: sample {sample} has label {label}, must be in 0..{n_classes}")]
    LabelOutOfRange {
        /// Which input.
        what: String,
        /// Sample index.
        sample: usize,
        /// The offending label.
        label: usize,
        /// Number of classes.
        n_classes: usize,
    },
    /// Training diverged (a loss or a weight became NaN or infinite).
    #[error("training diverged at epoch {epoch}: {what} is {value}")]
    Diverged {
        /// Epoch (0-based) at which it happened.
        epoch: usize,
        /// What became non-finite.
        what: String,
        /// The value.
        value: f64,
    },
    /// A saved model is malformed (sizes or values inconsistent).
    #[error("bad model: {why}")]
    BadModel {
        /// What is wrong.
        why: String,
    },
    /// Any other error of the `readout` crate (metrics, retrieval, model
    /// files); the kinds both crates have (invalid parameter, shape
    /// mismatch, empty input, label out of range, divergence) convert to
    /// this crate's own variants.
    #[error(transparent)]
    Readout(readout::Error),
    /// Any other error of the `spikes` crate; building a sequence's raster
    /// fails with this crate's [`Error::ChannelOutOfRange`],
    /// [`Error::SequenceTooLarge`] or [`Error::ShapeMismatch`].
    #[error(transparent)]
    Spikes(spikes::Error),
}

/// Building a [`spikes::SpikeRaster`] fails with `spikes`'s errors: the
/// kinds this crate has become its own variants, so callers match one set.
impl From<spikes::Error> for Error {
    fn from(e: spikes::Error) -> Error {
        use spikes::Error as S;
        match e {
            S::ChannelOutOfRange {
                step,
                channel,
                channels,
            } => Error::ChannelOutOfRange {
                step,
                channel,
                channels,
            },
            S::RasterTooLarge { entries } => Error::SequenceTooLarge { entries },
            S::DenseShape {
                steps,
                channels,
                values,
            } => Error::ShapeMismatch {
                what: "dense spike array".into(),
                expected: format!("{steps} steps x {channels} channels"),
                found: format!("{values} values"),
            },
            other => Error::Spikes(other),
        }
    }
}

/// `readout`'s checks (labels, optimiser parameters, the contrastive loss)
/// serve this crate too: their errors become this crate's variant of the
/// same name and fields, so callers match one set of variants.
impl From<readout::Error> for Error {
    fn from(e: readout::Error) -> Error {
        use readout::Error as R;
        match e {
            R::InvalidParameter(p) => Error::InvalidParameter(p),
            R::ShapeMismatch {
                what,
                expected,
                found,
            } => Error::ShapeMismatch {
                what,
                expected,
                found,
            },
            R::Empty { what, why } => Error::Empty { what, why },
            R::LabelOutOfRange {
                what,
                sample,
                label,
                n_classes,
            } => Error::LabelOutOfRange {
                what,
                sample,
                label,
                n_classes,
            },
            R::Diverged { epoch, what, value } => Error::Diverged { epoch, what, value },
            other => Error::Readout(other),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An [`Error::InvalidParameter`] for `field` = `value`, allowed `allowed`.
pub(crate) fn invalid(field: &str, value: impl std::fmt::Display, allowed: &str) -> Error {
    ParamError::new(field, value, allowed).into()
}
