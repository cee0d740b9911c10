//! The one floating-point trait of the toolkit.
//!
//! The reservoir (`lsm`), the readout's optimiser (`readout`) and the trained
//! baselines (`baselines`) each run in `f32` (fast, the default) or `f64`
//! (the reference the f32 results are checked against). [`Real`] is the one
//! trait they share: the arithmetic operators, the constants, the exact
//! widening to `f64` and the rounding from it, and the few functions
//! (`abs`, `sqrt`, `tanh`, `exp`) the kernels call. It is sealed: exactly
//! `f32` and `f64` implement it, so a kernel written for `R: Real` has two
//! instantiations and no surprises. `lsm::Real` extends it with the
//! reservoir's vectorised kernels.
//!
//! ```
//! use scalar::Real;
//!
//! fn mean<R: Real>(xs: &[R]) -> f64 {
//!     let mut s = R::ZERO;
//!     for &x in xs {
//!         s += x;
//!     }
//!     s.to_f64() / xs.len() as f64
//! }
//!
//! assert_eq!(mean(&[1.0f32, 2.0, 4.5]), 2.5);
//! assert_eq!(<f32 as Real>::from_f64(0.1), 0.1f32);
//! assert_eq!(<f64 as Real>::NAME, "f64");
//! ```

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point type the toolkit computes in: `f32` or `f64`. Sealed.
pub trait Real:
    sealed::Sealed
    + Copy
    + Default
    + PartialEq
    + PartialOrd
    + Send
    + Sync
    + Debug
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// The type's name, for reports.
    const NAME: &'static str;
    /// The nearest value of this type (rounding to nearest for `f32`).
    fn from_f64(x: f64) -> Self;
    /// The value as `f64` (exact).
    fn to_f64(self) -> f64;
    /// The absolute value.
    fn abs(self) -> Self;
    /// The square root.
    fn sqrt(self) -> Self;
    /// The hyperbolic tangent.
    fn tanh(self) -> Self;
    /// `e` to the power `self`.
    fn exp(self) -> Self;
}

macro_rules! impl_real {
    ($t:ty, $name:literal) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NAME: &'static str = $name;
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
        }
    };
}

impl_real!(f32, "f32");
impl_real!(f64, "f64");

#[cfg(test)]
mod tests {
    use super::Real;

    #[test]
    fn conversions_round_to_nearest_and_widen_exactly() {
        let x = 0.1f64;
        assert_eq!(<f32 as Real>::from_f64(x), 0.1f32);
        assert_eq!(<f32 as Real>::to_f64(0.1f32), f64::from(0.1f32));
        assert_eq!(<f64 as Real>::from_f64(x), x);
        assert_eq!(<f32 as Real>::from_f64(1e300), f32::INFINITY);
    }

    #[test]
    fn functions_match_the_inherent_ones() {
        for x in [-2.5f64, -0.0, 0.3, 7.0] {
            assert_eq!(Real::abs(x), x.abs());
            assert_eq!(Real::tanh(x), x.tanh());
            assert_eq!(Real::exp(x), x.exp());
            let y = x as f32;
            assert_eq!(Real::tanh(y), y.tanh());
        }
        assert_eq!(Real::sqrt(2.0f32), 2.0f32.sqrt());
    }
}
