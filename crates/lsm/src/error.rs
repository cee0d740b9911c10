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
    /// A weight is NaN or infinite.
    #[error("weight at row {row}, column {column} is {value}: weights must be finite")]
    NonFiniteWeight {
        /// Presynaptic row.
        row: usize,
        /// Receiving neuron.
        column: usize,
        /// The value.
        value: f64,
    },
    /// An array has the wrong number of elements.
    #[error("{what} has {found} elements, expected {expected}")]
    ShapeMismatch {
        /// Which array.
        what: &'static str,
        /// Expected number of elements.
        expected: usize,
        /// Found number of elements.
        found: usize,
    },
    /// A raster's channel count does not match the reservoir's inputs.
    #[error("sample {sample}: raster has {found} channels, the reservoir has {expected} inputs")]
    InputWidth {
        /// Index of the sample.
        sample: usize,
        /// The reservoir's `n_in`.
        expected: usize,
        /// The raster's channels.
        found: usize,
    },
    /// The synapse backend does not match the reservoir's sizes.
    #[error(
        "synapse backend has {backend_in} inputs and {backend_res} neurons, the parameters say {n_in} and {n_res}"
    )]
    BackendShape {
        /// Backend input rows.
        backend_in: usize,
        /// Backend neurons.
        backend_res: usize,
        /// Parameter n_in.
        n_in: usize,
        /// Parameter n_res.
        n_res: usize,
    },
    /// A conformance fixture could not be read.
    #[error("fixture {}: {message}", path.display())]
    Fixture {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A macro partition does not have the reservoir's shape.
    #[error(
        "macro partition `{name}` has {rows} rows and {cols} columns: a reservoir with {n_in} inputs needs {n_in} + {cols} rows"
    )]
    PartitionShape {
        /// Partition name.
        name: String,
        /// Its rows.
        rows: usize,
        /// Its differential columns.
        cols: usize,
        /// The reservoir's inputs.
        n_in: usize,
    },
    /// A thread's workspace could not be built.
    #[error("cannot build a reservoir workspace: {0}")]
    Workspace(String),
    /// The simulated macro failed.
    #[error(transparent)]
    Macro(#[from] cim_macro::Error),
    /// The device model failed.
    #[error(transparent)]
    Device(#[from] cim_macro::rram_device::Error),
    /// Building a spike raster failed.
    #[error(transparent)]
    Spikes(#[from] spikes::Error),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
