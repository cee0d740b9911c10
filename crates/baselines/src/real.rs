//! The floating-point type of the kernels ([`scalar::Real`]: f32 in
//! training, f64 in the gradient checks) and the few vector operations the
//! hot loops use.

/// The toolkit's floating-point trait, which the networks compute in.
pub(crate) use scalar::Real;

/// `y += x`.
#[inline(always)]
pub(crate) fn acc<R: Real>(y: &mut [R], x: &[R]) {
    for (a, &b) in y.iter_mut().zip(x) {
        *a += b;
    }
}

/// `y += a x`.
#[inline(always)]
pub(crate) fn axpy<R: Real>(y: &mut [R], a: R, x: &[R]) {
    for (v, &b) in y.iter_mut().zip(x) {
        *v += a * b;
    }
}

/// `x . y` summed in a fixed order over eight interleaved partial sums (so
/// the loop vectorises; the order, and hence the result, never depends on
/// anything but the lengths).
#[inline(always)]
pub(crate) fn dot<R: Real>(x: &[R], y: &[R]) -> R {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut s = [R::ZERO; 8];
    let xc = x.chunks_exact(8);
    let yc = y.chunks_exact(8);
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for k in 0..8 {
            s[k] += a[k] * b[k];
        }
    }
    let mut tail = R::ZERO;
    for (&a, &b) in xr.iter().zip(yr) {
        tail += a * b;
    }
    ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_equals_naive_sum() {
        // Integers below 2^24 are exact in f32 and every partial sum here is
        // an integer below 2^24, so the reordered sum is exact.
        for n in [0usize, 1, 7, 8, 9, 17, 200] {
            let x: Vec<f32> = (0..n).map(|i| (i % 13) as f32 - 6.0).collect();
            let y: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
            let naive: f32 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
            assert_eq!(dot(&x, &y), naive, "n = {n}");
        }
        let mut y = vec![1.0f64; 3];
        axpy(&mut y, 2.0, &[1.0, 2.0, 3.0]);
        acc(&mut y, &[1.0, 1.0, 1.0]);
        assert_eq!(y, vec![4.0, 6.0, 8.0]);
    }
}
