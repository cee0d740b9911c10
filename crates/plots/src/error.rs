//! Errors of the plotting crate.

use std::path::PathBuf;

/// What can go wrong when drawing or saving a figure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The figure's data or settings are inconsistent (a value vector of the
    /// wrong length, an empty range, an unknown file extension); the message
    /// names the field.
    #[error("{0}")]
    Invalid(String),
    /// The plotting backend failed while drawing.
    #[error("plotting failed: {0}")]
    Backend(String),
    /// A file or directory could not be created, written or moved.
    #[error("{what} {}", path.display())]
    Io {
        /// What was being done (`creating`, `moving ... to`, `writing`).
        what: String,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Computing a panel's data failed in the experiment pipeline.
    #[error(transparent)]
    Experiment(Box<experiments::Error>),
    /// A closed-form device curve of a panel could not be computed.
    #[error(transparent)]
    Device(Box<rram_device::Error>),
    /// Writing a figure's file failed for the reason in `source`.
    #[error("writing {}", path.display())]
    Write {
        /// The figure file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<Error>,
    },
}

impl From<experiments::Error> for Error {
    fn from(e: experiments::Error) -> Self {
        Error::Experiment(Box::new(e))
    }
}

impl From<rram_device::Error> for Error {
    fn from(e: rram_device::Error) -> Self {
        Error::Device(Box::new(e))
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// An [`Error::Invalid`] with a formatted message.
macro_rules! invalid {
    ($($arg:tt)*) => {
        $crate::Error::Invalid(format!($($arg)*))
    };
}
pub(crate) use invalid;
