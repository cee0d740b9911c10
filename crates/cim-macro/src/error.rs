//! Errors of this crate.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range.
    #[error("invalid parameter `{field}` = {value}: must be {allowed}")]
    InvalidParameter {
        /// Path of the parameter, e.g. `adc.bits` or `layout.partition[1].rows[0].start`.
        field: String,
        /// The rejected value, as written.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// The device model rejected its parameters or the programming (its
    /// message as is: device errors name their own field or file).
    #[error(transparent)]
    Device(#[from] rram_device::Error),
    /// A partition-layout file could not be parsed.
    #[error("cannot parse layout `{file}`: {message}")]
    Layout {
        /// The file (or the name the caller gave the text).
        file: String,
        /// What the TOML parser said (it names line and column).
        message: String,
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
    /// No partition of that name.
    #[error("no partition named `{name}`; the layout has: {available}")]
    UnknownPartition {
        /// The name asked for.
        name: String,
        /// The names the layout defines, comma separated.
        available: String,
    },
    /// A partition handle or scratch that belongs to another macro or
    /// partition.
    #[error("{what} does not belong to this macro / partition `{partition}`")]
    ForeignHandle {
        /// `"partition handle"` or `"read scratch"`.
        what: &'static str,
        /// The partition the call was about.
        partition: String,
    },
    /// A read input is not what the partition takes.
    #[error(
        "bad read input for partition `{partition}`: {what} (index {index}) = {value}: must be {allowed}"
    )]
    BadInput {
        /// The partition read.
        partition: String,
        /// What is wrong: `"active row"`, `"input"`, ...
        what: &'static str,
        /// Position in the caller's slice.
        index: usize,
        /// The rejected value.
        value: String,
        /// What is allowed.
        allowed: String,
    },
    /// A buffer has the wrong length.
    #[error("{what}: expected length {expected}, found {found}")]
    Length {
        /// Which buffer.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The IR-drop solver did not reach its tolerance.
    #[error(
        "IR-drop solve did not converge in {iterations} iterations: last change {change_v:e} V > tolerance {tolerance_v:e} V"
    )]
    IrDropNotConverged {
        /// Iterations run.
        iterations: usize,
        /// Largest node-voltage change of the last iteration, V.
        change_v: f64,
        /// The tolerance, V.
        tolerance_v: f64,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Fails with [`Error::InvalidParameter`] unless `ok`.
pub(crate) fn ensure(
    ok: bool,
    field: &str,
    value: impl std::fmt::Display,
    allowed: &str,
) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            field: field.to_owned(),
            value: value.to_string(),
            allowed: allowed.to_owned(),
        })
    }
}

/// A finite value strictly greater than zero.
pub(crate) fn positive(field: &str, v: f64) -> Result<()> {
    ensure(v.is_finite() && v > 0.0, field, v, "finite and > 0")
}

/// A finite value greater than or equal to zero.
pub(crate) fn non_negative(field: &str, v: f64) -> Result<()> {
    ensure(v.is_finite() && v >= 0.0, field, v, "finite and >= 0")
}

#[cfg(test)]
mod tests {
    /// With anyhow's `{:#}` (or any walk of `source()`) the operating
    /// system's message appears once, after the message naming the file.
    #[test]
    fn io_errors_name_the_file_and_print_the_cause_once() {
        let missing = std::env::temp_dir()
            .join("no-such-dir-7f3a")
            .join("missing.toml");
        let err = crate::layout::Layout::from_file(&missing).expect_err("missing file");
        let chain: Vec<String> =
            std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
                .map(ToString::to_string)
                .collect();
        assert_eq!(chain.len(), 2, "{chain:?}");
        assert!(chain[0].contains("missing.toml"), "{chain:?}");
        assert!(!chain[0].contains(&chain[1]), "{chain:?}");
    }
}
