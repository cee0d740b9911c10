//! Errors of this crate.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range.
    #[error("invalid parameter `{field}` = {value}: must be {allowed}")]
    InvalidParameter {
        /// Path of the parameter, e.g. `srnn.v_th`.
        field: String,
        /// The rejected value, as written.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
