//! Errors of this crate.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range: the error names the
    /// field's path, the rejected value and the allowed range.
    #[error(transparent)]
    InvalidParameter(#[from] ParamError),
    /// Two inputs that must agree in size do not.
    #[error("shape mismatch in {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// Which input, e.g. `labels of the training features`.
        what: String,
        /// The expected size, in words.
        expected: String,
        /// The size found.
        found: String,
    },
    /// An input has no samples (or no features) where some are required.
    #[error("{what} is empty: {why}")]
    Empty {
        /// Which input.
        what: String,
        /// Why it must not be empty.
        why: String,
    },
    /// A feature value is NaN or infinite.
    #[error("{what}: sample {sample}, feature {feature} is {value}, must be finite")]
    NonFinite {
        /// Which input.
        what: String,
        /// Row (sample index).
        sample: usize,
        /// Column (feature index).
        feature: usize,
        /// The offending value.
        value: f64,
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
    /// The data cannot support the requested operation (for example a class
    /// with too few samples for a validation split or an episode).
    #[error("{what}: {why}")]
    InsufficientData {
        /// What was attempted.
        what: String,
        /// Why the data do not suffice.
        why: String,
    },
    /// Training diverged (a loss or weight became NaN or infinite).
    #[error("training diverged at epoch {epoch}: {what} is {value}")]
    Diverged {
        /// Epoch (0-based) at which it happened.
        epoch: usize,
        /// What became non-finite.
        what: String,
        /// The value.
        value: f64,
    },
    /// A saved model has a format version this build cannot read.
    #[error(
        "{source_name}: unknown readout model format version {found} (this build reads version {supported})"
    )]
    UnknownFormatVersion {
        /// File name or `<memory>`.
        source_name: String,
        /// The version written in the file.
        found: u64,
        /// The version this build reads.
        supported: u64,
    },
    /// A saved model is of another kind than the one requested, or malformed.
    #[error("{source_name}: {why}")]
    BadModelFile {
        /// File name or `<memory>`.
        source_name: String,
        /// What is wrong.
        why: String,
    },
    /// Reading or writing a model file failed.
    #[error("cannot read or write model file `{path}`")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
use param_guard::ParamError;

/// An [`Error::InvalidParameter`] for `field` = `value`, allowed `allowed`.
pub(crate) fn invalid(field: &str, value: impl std::fmt::Display, allowed: &str) -> Error {
    ParamError::new(field, value, allowed).into()
}

#[cfg(test)]
mod tests {
    use crate::Persist;

    /// With anyhow's `{:#}` (or any walk of `source()`) the operating
    /// system's message appears once, after the message naming the file.
    #[test]
    fn io_errors_name_the_file_and_print_the_cause_once() {
        let missing = std::env::temp_dir()
            .join("no-such-dir-7f3a")
            .join("missing.json");
        let err = crate::Scaler::load(&missing).expect_err("missing file");
        let chain: Vec<String> =
            std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
                .map(ToString::to_string)
                .collect();
        assert_eq!(chain.len(), 2, "{chain:?}");
        assert!(chain[0].contains("missing.json"), "{chain:?}");
        assert!(!chain[0].contains(&chain[1]), "{chain:?}");
    }
}
