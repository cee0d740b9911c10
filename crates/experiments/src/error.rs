//! Errors of the experiment pipeline.
//!
//! Lower layers' errors pass through unchanged ([`Error::Device`],
//! [`Error::Macro`], ...); the pipeline's own failures carry a message that
//! names the preset field, file or split; [`Context::context`] wraps any of
//! them with what was being done (its `source()` is the wrapped error, so a
//! caller printing the chain, e.g. anyhow's `{:#}`, shows both).

use std::fmt::Display;

/// What can go wrong in a reproduction or a sweep.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A device-model error.
    #[error(transparent)]
    Device(Box<rram_device::Error>),
    /// A macro error.
    #[error(transparent)]
    Macro(Box<cim_macro::Error>),
    /// A reservoir error.
    #[error(transparent)]
    Lsm(Box<lsm::Error>),
    /// A readout error.
    #[error(transparent)]
    Readout(Box<readout::Error>),
    /// An event-data error.
    #[error(transparent)]
    Events(Box<events::Error>),
    /// A cost-model error.
    #[error(transparent)]
    Cost(Box<costmodel::Error>),
    /// A baseline-training error.
    #[error(transparent)]
    Baselines(Box<baselines::Error>),
    /// An operating-system error (wrapped in [`Error::Context`] naming the file).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A JSON (de)serialisation error.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A TOML parse error.
    #[error(transparent)]
    TomlParse(Box<toml::de::Error>),
    /// A TOML serialisation error.
    #[error(transparent)]
    TomlWrite(Box<toml::ser::Error>),
    /// A number did not parse (wrapped in [`Error::Context`] naming the text).
    #[error(transparent)]
    ParseInt(#[from] std::num::ParseIntError),
    /// A thread pool could not be built.
    #[error(transparent)]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
    /// The pipeline's own failure: an invalid preset value, an empty split,
    /// a mismatch between files; the message names what and where.
    #[error("{0}")]
    Message(String),
    /// `source` happened while doing `context`.
    #[error("{context}")]
    Context {
        /// What was being done (a stage, a file, a preset section).
        context: String,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
}

/// Lower layers' errors are boxed so a `Result` stays small on the stack.
macro_rules! boxed_from {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for Error {
            fn from(e: $ty) -> Self {
                Error::$variant(Box::new(e))
            }
        })*
    };
}

boxed_from!(
    Device(rram_device::Error),
    Macro(cim_macro::Error),
    Lsm(lsm::Error),
    Readout(readout::Error),
    Events(events::Error),
    Cost(costmodel::Error),
    Baselines(baselines::Error),
    TomlParse(toml::de::Error),
    TomlWrite(toml::ser::Error),
);

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Message`].
    pub fn msg(message: impl Display) -> Self {
        Error::Message(message.to_string())
    }

    /// This error wrapped with what was being done.
    pub fn context(self, context: impl Display) -> Self {
        Error::Context {
            context: context.to_string(),
            source: Box::new(self),
        }
    }

    /// The message and every source below it, joined by `: ` (what
    /// anyhow's `{:#}` prints).
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }
}

/// Adds what was being done to an error (`anyhow::Context` for this
/// crate's typed [`Error`]).
pub trait Context<T> {
    /// Wraps the error with `context`.
    fn context<C: Display>(self, context: C) -> Result<T>;
    /// Wraps the error with the context `f` computes (only on failure).
    fn with_context<C: Display, F: FnOnce() -> C>(self, f: F) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context<C: Display>(self, context: C) -> Result<T> {
        self.map_err(|e| Error::Context {
            context: context.to_string(),
            source: Box::new(e.into()),
        })
    }

    fn with_context<C: Display, F: FnOnce() -> C>(self, f: F) -> Result<T> {
        self.map_err(|e| Error::Context {
            context: f().to_string(),
            source: Box::new(e.into()),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context<C: Display>(self, context: C) -> Result<T> {
        self.ok_or_else(|| Error::msg(context))
    }

    fn with_context<C: Display, F: FnOnce() -> C>(self, f: F) -> Result<T> {
        self.ok_or_else(|| Error::msg(f()))
    }
}

/// An [`Error::Message`] from a format string.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::Error::Message(format!($($arg)*))
    };
}

/// Returns an [`Error::Message`] from a format string.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::err!($($arg)*))
    };
}

/// Returns an [`Error::Message`] unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::error::bail!($($arg)*);
        }
    };
}

pub(crate) use {bail, ensure, err};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_cause_as_source_and_chain_prints_both() {
        let e: Result<()> = Err(Error::msg("boom"));
        let e = e.context("stage `two`").unwrap_err();
        assert_eq!(e.to_string(), "stage `two`");
        assert_eq!(e.chain(), "stage `two`: boom");
        let none: Option<u8> = None;
        assert_eq!(none.context("missing").unwrap_err().to_string(), "missing");
    }

    #[test]
    fn the_macros_format_and_return() {
        fn f(x: i32) -> Result<i32> {
            ensure!(x > 0, "x = {x}: must be > 0");
            if x > 10 {
                bail!("x = {x}: must be <= 10");
            }
            Err(err!("x = {x}"))
        }
        assert_eq!(f(0).unwrap_err().to_string(), "x = 0: must be > 0");
        assert_eq!(f(11).unwrap_err().to_string(), "x = 11: must be <= 10");
        assert_eq!(f(3).unwrap_err().to_string(), "x = 3");
    }
}
