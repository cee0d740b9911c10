//! Errors of this crate.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range: the error names the
    /// field's path, the rejected value and the allowed range.
    #[error(transparent)]
    InvalidParameter(#[from] ParamError),
    /// A line of a measurement file could not be used.
    #[error("{file}:{line}: bad value `{value}`: {reason}")]
    Parse {
        /// The file (or the name the caller gave the text).
        file: String,
        /// One-based line number.
        line: usize,
        /// The offending text.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be read.
    #[error("cannot read `{file}`")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Two inputs that must agree in shape do not.
    #[error("shape mismatch in {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being combined.
        what: String,
        /// The expected shape.
        expected: String,
        /// The shape found.
        found: String,
    },
    /// An inverse-design target cannot be reached with this device.
    #[error("design target cannot be reached: {reason}")]
    Infeasible {
        /// Why, with the numbers involved.
        reason: String,
    },
    /// Too few data for an estimate.
    #[error("not enough data for {what}: need at least {needed}, found {found}")]
    InsufficientData {
        /// The estimate that was asked for.
        what: String,
        /// The minimum count.
        needed: usize,
        /// The count found.
        found: usize,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

param_guard::checks!(Error);
use param_guard::ParamError;

#[cfg(test)]
mod tests {
    /// With anyhow's `{:#}` (or any walk of `source()`) the operating
    /// system's message appears once, after the message naming the file.
    #[test]
    fn io_errors_name_the_file_and_print_the_cause_once() {
        let missing = std::env::temp_dir()
            .join("no-such-dir-7f3a")
            .join("missing.csv");
        let err = crate::fit::read_conductances_us(&missing, &crate::fit::Column::default())
            .expect_err("missing file");
        let chain: Vec<String> =
            std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
                .map(ToString::to_string)
                .collect();
        assert_eq!(chain.len(), 2, "{chain:?}");
        assert!(chain[0].contains("missing.csv"), "{chain:?}");
        assert!(!chain[0].contains(&chain[1]), "{chain:?}");
    }
}
