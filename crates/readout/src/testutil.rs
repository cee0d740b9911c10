//! Helpers for the unit tests.

use nalgebra::DMatrix;
use seeds::Seeds;

/// `(f(h) - f(-h)) / (2h)`.
pub(crate) fn central_difference(mut f: impl FnMut(f64) -> f64, h: f64) -> f64 {
    (f(h) - f(-h)) / (2.0 * h)
}

/// Asserts an analytic derivative equals its central finite difference to a
/// relative 1e-4. An absolute floor of 1e-8 covers derivatives near zero:
/// with h = 1e-5 and losses of order 1 the difference itself carries
/// rounding noise ~ 1e-16 / h = 1e-11 and truncation error ~ h^2 = 1e-10.
pub(crate) fn assert_grad_close(analytic: f64, fd: f64, what: &str) {
    let err = (analytic - fd).abs();
    let scale = analytic.abs().max(fd.abs());
    assert!(
        err <= 1e-4 * scale || err <= 1e-8,
        "{what}: analytic {analytic:e} vs finite difference {fd:e} (relative {:e})",
        err / scale
    );
}

/// Gaussian blobs (see [`crate::synthetic::gaussian_blobs`]).
pub(crate) fn gaussian_blobs(
    n: usize,
    dims: usize,
    classes: usize,
    noise: f64,
    seeds: Seeds,
) -> (DMatrix<f64>, Vec<usize>) {
    crate::synthetic::gaussian_blobs(n, dims, classes, noise, seeds)
}
