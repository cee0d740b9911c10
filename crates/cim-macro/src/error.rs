//! Errors of this crate.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range: the error names the
    /// field's path, the rejected value and the allowed range.
    #[error(transparent)]
    InvalidParameter(#[from] ParamError),
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
    /// A file could not be written (or renamed into place).
    #[error("cannot write `{file}`")]
    Write {
        /// The file.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A chip file (see the crate docs, "Chip files") holds something other
    /// than what its format prescribes at that place: the magic, a length,
    /// the checksum, the header, a cell's value.
    #[error("chip file `{file}`, byte {offset}: {field}: expected {expected}, found {found}")]
    ChipFile {
        /// The file (or the name the caller gave the bytes).
        file: String,
        /// Byte offset of the field in the file.
        offset: u64,
        /// The field: `"magic"`, `"checksum"`, `"header"`, `"state[17]"`, ...
        field: String,
        /// What the format requires there.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// A chip file ends before one of its fields does.
    #[error(
        "chip file `{file}` is truncated: {field} needs bytes {offset}..{end}, the file has {len} bytes"
    )]
    ChipTruncated {
        /// The file.
        file: String,
        /// The first field cut off.
        field: &'static str,
        /// Where the field starts.
        offset: u64,
        /// Where it would end.
        end: u64,
        /// Length of the file.
        len: u64,
    },
    /// A chip file of a format version this build does not read.
    #[error(
        "chip file `{file}` has format version {found}; this build reads versions 1..={supported}"
    )]
    ChipVersion {
        /// The file.
        file: String,
        /// The version the file declares.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A chip file is intact but the chip it describes is rejected (its
    /// parameters or its conductance map; the cause says which).
    #[error("chip file `{file}` holds a chip that cannot be built")]
    ChipInvalid {
        /// The file.
        file: String,
        /// Why the chip was rejected.
        #[source]
        source: Box<Error>,
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
