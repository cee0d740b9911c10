//! Errors of this crate.

use param_guard::ParamError;

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range: the error names the
    /// field's path, the rejected value and the allowed range.
    #[error(transparent)]
    InvalidParameter(#[from] ParamError),
    /// A technology table file could not be read.
    #[error("cannot read technology table {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A technology table is not valid TOML or does not follow the schema.
    #[error("technology table {origin}: {message}")]
    Syntax {
        /// The file (or the name given to an in-memory text).
        origin: String,
        /// What the TOML parser said.
        message: String,
    },
    /// A table lacks an entry the cost model needs.
    #[error("technology table {table}: missing entry `{entry}` ({meaning}, unit {unit})")]
    MissingEntry {
        /// The table's file or name.
        table: String,
        /// The missing entry.
        entry: String,
        /// What the entry means.
        meaning: String,
        /// The dimension's SI unit.
        unit: String,
    },
    /// A table holds an entry the cost model does not know (likely a typo).
    #[error("technology table {table}: unknown entry `{entry}`; known entries: {known}")]
    UnknownEntry {
        /// The table's file or name.
        table: String,
        /// The unknown entry.
        entry: String,
        /// The entries this class of table may hold.
        known: String,
    },
    /// An entry's unit is not one of the accepted symbols.
    #[error(
        "technology table {table}: entry `{entry}` has unknown unit `{unit}`; accepted: {accepted}"
    )]
    UnknownUnit {
        /// The table's file or name.
        table: String,
        /// The entry.
        entry: String,
        /// The unit as written.
        unit: String,
        /// The accepted symbols.
        accepted: String,
    },
    /// An entry's unit has the wrong dimension (e.g. volts for an energy).
    #[error(
        "technology table {table}: entry `{entry}` has unit `{unit}`, expected a unit of {expected}"
    )]
    WrongDimension {
        /// The table's file or name.
        table: String,
        /// The entry.
        entry: String,
        /// The unit as written.
        unit: String,
        /// The expected dimension's SI unit.
        expected: String,
    },
    /// An entry's value is outside its allowed range (negative energy, zero
    /// read time, ...).
    #[error("technology table {table}: entry `{entry}` = {value}: must be {allowed}")]
    InvalidValue {
        /// The table's file or name.
        table: String,
        /// The entry.
        entry: String,
        /// The value as written.
        value: f64,
        /// The allowed range, in words.
        allowed: String,
    },
    /// A table's class (digital or analogue) is not the one expected.
    #[error("technology table {table}: class `{found}` where a `{expected}` table is needed")]
    WrongClass {
        /// The table's file or name.
        table: String,
        /// The class needed.
        expected: String,
        /// The class found.
        found: String,
    },
    /// A table's `base` chain is broken (too deep, or a different class).
    #[error("technology table {table}: {message}")]
    Base {
        /// The table's file or name.
        table: String,
        /// What went wrong.
        message: String,
    },
    /// A workload or model is inconsistent (e.g. a ratio against zero).
    #[error("{0}")]
    Inconsistent(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    /// With anyhow's `{:#}` (or any walk of `source()`) the operating
    /// system's message appears once, after the message naming the file.
    #[test]
    fn io_errors_name_the_file_and_print_the_cause_once() {
        let missing = std::env::temp_dir()
            .join("no-such-dir-7f3a")
            .join("missing.toml");
        let err = crate::tech::TechTable::load(&missing).expect_err("missing file");
        let chain: Vec<String> =
            std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
                .map(ToString::to_string)
                .collect();
        assert_eq!(chain.len(), 2, "{chain:?}");
        assert!(chain[0].contains("missing.toml"), "{chain:?}");
        assert!(!chain[0].contains(&chain[1]), "{chain:?}");
    }
}
