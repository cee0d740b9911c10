//! Parameter checking in one style for every crate of the toolkit.
//!
//! A parameter set (a device model, a macro, a reservoir, a classifier, a
//! binning) is plain data that a preset file or a caller fills in. Before it
//! is used it is *checked*, and a bad value gets a [`ParamError`] naming the
//! field's path (`forming.beta`, `adc.bits`, `srnn.lif.v_th`), the rejected
//! value as written, and the allowed range in words. Every crate's error type
//! wraps it as its `InvalidParameter` variant, so a caller matches one type
//! whichever layer rejected the value.
//!
//! [`ParamGuard`] follows linfa's trait of the same name: `validate` checks
//! every field, `check` consumes the set and hands it back only if it is
//! valid, `check_ref` does the same by reference, so a builder chain reads
//! `Params { .. }.check()?`.
//!
//! ```
//! use param_guard::{ParamError, ParamGuard, positive};
//!
//! struct Lif {
//!     v_th: f64,
//! }
//!
//! impl ParamGuard for Lif {
//!     type Error = ParamError;
//!     fn validate(&self) -> Result<(), ParamError> {
//!         positive("lif.v_th", self.v_th)
//!     }
//! }
//!
//! let e = Lif { v_th: -1.0 }.check().err().unwrap();
//! assert_eq!(e.field, "lif.v_th");
//! assert_eq!(e.to_string(), "invalid parameter `lif.v_th` = -1: must be finite and > 0");
//! assert!(Lif { v_th: 0.5 }.check().is_ok());
//! ```

use std::fmt::Display;

/// A parameter outside its allowed range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid parameter `{field}` = {value}: must be {allowed}")]
pub struct ParamError {
    /// Path of the parameter, e.g. `forming.beta` or
    /// `layout.partition[1].rows[0].start`.
    pub field: String,
    /// The rejected value, as written.
    pub value: String,
    /// The allowed range, in words.
    pub allowed: String,
}

impl ParamError {
    /// The error for `field` = `value`, which must be `allowed`.
    pub fn new(field: impl Into<String>, value: impl Display, allowed: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// A parameter set that is checked before use (linfa's `ParamGuard`).
pub trait ParamGuard: Sized {
    /// The crate's error type; every [`ParamError`] converts into it.
    type Error: From<ParamError>;

    /// Checks every field; the error names the first bad one.
    fn validate(&self) -> Result<(), Self::Error>;

    /// `self` if it is valid.
    fn check_ref(&self) -> Result<&Self, Self::Error> {
        self.validate()?;
        Ok(self)
    }

    /// `self`, consumed and handed back, if it is valid.
    fn check(self) -> Result<Self, Self::Error> {
        self.validate()?;
        Ok(self)
    }
}

/// Fails with a [`ParamError`] for `field` = `value` unless `ok`.
pub fn ensure(ok: bool, field: &str, value: impl Display, allowed: &str) -> Result<(), ParamError> {
    if ok {
        Ok(())
    } else {
        Err(ParamError::new(field, value, allowed))
    }
}

/// A finite value strictly greater than zero.
pub fn positive(field: &str, v: f64) -> Result<(), ParamError> {
    ensure(v.is_finite() && v > 0.0, field, v, "finite and > 0")
}

/// A finite value greater than or equal to zero.
pub fn non_negative(field: &str, v: f64) -> Result<(), ParamError> {
    ensure(v.is_finite() && v >= 0.0, field, v, "finite and >= 0")
}

/// A probability or fraction in `[0, 1]` (NaN is rejected).
pub fn fraction(field: &str, v: f64) -> Result<(), ParamError> {
    ensure((0.0..=1.0).contains(&v), field, v, "in [0, 1]")
}

/// Any finite value.
pub fn finite(field: &str, v: f64) -> Result<(), ParamError> {
    ensure(v.is_finite(), field, v, "finite")
}

/// Defines this module's `ensure`, `positive`, `non_negative`, `fraction`
/// and `finite` returning the calling crate's error type, so a check can be
/// the tail expression of a `validate` that returns the crate's `Result`:
/// `param_guard::checks!(crate::Error);` in the crate's error module.
#[macro_export]
macro_rules! checks {
    ($err:ty) => {
        /// Fails with an invalid-parameter error unless `ok`.
        #[allow(dead_code)]
        pub(crate) fn ensure(
            ok: bool,
            field: &str,
            value: impl ::std::fmt::Display,
            allowed: &str,
        ) -> ::std::result::Result<(), $err> {
            ::param_guard::ensure(ok, field, value, allowed).map_err(Into::into)
        }
        /// A finite value strictly greater than zero.
        #[allow(dead_code)]
        pub(crate) fn positive(field: &str, v: f64) -> ::std::result::Result<(), $err> {
            ::param_guard::positive(field, v).map_err(Into::into)
        }
        /// A finite value greater than or equal to zero.
        #[allow(dead_code)]
        pub(crate) fn non_negative(field: &str, v: f64) -> ::std::result::Result<(), $err> {
            ::param_guard::non_negative(field, v).map_err(Into::into)
        }
        /// A probability or fraction in `[0, 1]`.
        #[allow(dead_code)]
        pub(crate) fn fraction(field: &str, v: f64) -> ::std::result::Result<(), $err> {
            ::param_guard::fraction(field, v).map_err(Into::into)
        }
        /// Any finite value.
        #[allow(dead_code)]
        pub(crate) fn finite(field: &str, v: f64) -> ::std::result::Result<(), $err> {
            ::param_guard::finite(field, v).map_err(Into::into)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_rejects_exactly_its_bad_values() {
        for v in [f64::NAN, f64::INFINITY, -1.0, 0.0] {
            assert!(positive("x", v).is_err(), "positive accepted {v}");
        }
        assert!(positive("x", 1e-300).is_ok());
        for v in [f64::NAN, f64::NEG_INFINITY, -1e-12] {
            assert!(non_negative("x", v).is_err(), "non_negative accepted {v}");
        }
        assert!(non_negative("x", 0.0).is_ok());
        for v in [f64::NAN, -0.1, 1.1] {
            assert!(fraction("x", v).is_err(), "fraction accepted {v}");
        }
        assert!(fraction("x", 0.0).is_ok() && fraction("x", 1.0).is_ok());
        assert!(finite("x", f64::NAN).is_err() && finite("x", -3.0).is_ok());
    }

    #[test]
    fn the_error_names_field_value_and_range() {
        let e = ensure(false, "adc.bits", 0, "in 1..=16").unwrap_err();
        assert_eq!(
            e,
            ParamError {
                field: "adc.bits".into(),
                value: "0".into(),
                allowed: "in 1..=16".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "invalid parameter `adc.bits` = 0: must be in 1..=16"
        );
    }
}
