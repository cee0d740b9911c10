//! The inner loops of a read: column-wise sums of the active rows, and the
//! per-channel TIA and ADC transfer.
//!
//! Each sum keeps a block of columns in registers while it walks the active
//! rows (one load and one add per element), and is compiled for several
//! instruction sets with run-time dispatch (`multiversion`). Rows are added
//! in the order given, starting from `+0.0`, so an unweighted `f64` sum is
//! bit-identical to the plain loop `acc = 0; for r in rows { acc += w[r] }`.

// Index loops over several parallel arrays read like the equations.
#![allow(clippy::needless_range_loop)]

use std::ops::{AddAssign, Mul};

use multiversion::multiversion;

/// Numbers the kernels add.
pub(crate) trait Num: Copy + Default + AddAssign + Mul<Output = Self> {}
impl Num for f32 {}
impl Num for f64 {}

/// `out[c0..c0 + C] = sum_r w[r * stride + c0..][..C]`.
#[inline(always)]
fn chunk<T: Num, const C: usize>(w: &[T], stride: usize, c0: usize, rows: &[u32], out: &mut [T]) {
    let mut acc = [T::default(); C];
    for &r in rows {
        let base = r as usize * stride + c0;
        if let Some(row) = w.get(base..).and_then(|s| s.first_chunk::<C>()) {
            for j in 0..C {
                acc[j] += row[j];
            }
        }
    }
    if let Some(dst) = out.get_mut(c0..c0 + C) {
        dst.copy_from_slice(&acc);
    }
}

/// `out[c0..c0 + C] = sum_i x_i w[rows_i * stride + c0..][..C]`.
#[inline(always)]
fn chunk_weighted<T: Num, const C: usize>(
    w: &[T],
    stride: usize,
    c0: usize,
    rows: &[u32],
    x: &[T],
    out: &mut [T],
) {
    let mut acc = [T::default(); C];
    for (&r, &xi) in rows.iter().zip(x) {
        let base = r as usize * stride + c0;
        if let Some(row) = w.get(base..).and_then(|s| s.first_chunk::<C>()) {
            for j in 0..C {
                acc[j] += xi * row[j];
            }
        }
    }
    if let Some(dst) = out.get_mut(c0..c0 + C) {
        dst.copy_from_slice(&acc);
    }
}

/// Plain loop for a width that is not a multiple of the block.
#[inline(always)]
fn tail<T: Num>(w: &[T], stride: usize, c0: usize, rows: &[u32], x: Option<&[T]>, out: &mut [T]) {
    let n = out.len();
    let dst = &mut out[c0..];
    dst.fill(T::default());
    for (i, &r) in rows.iter().enumerate() {
        let base = r as usize * stride + c0;
        let xi = x.and_then(|x| x.get(i).copied());
        if let Some(row) = w.get(base..base + (n - c0)) {
            for (a, &b) in dst.iter_mut().zip(row) {
                match xi {
                    Some(xi) => *a += xi * b,
                    None => *a += b,
                }
            }
        }
    }
}

macro_rules! blocked {
    ($t:ty, $big:literal, $small:literal, $w:expr, $stride:expr, $rows:expr, $out:expr) => {{
        let n = $out.len();
        let mut c0 = 0;
        while c0 + $big <= n {
            chunk::<$t, $big>($w, $stride, c0, $rows, $out);
            c0 += $big;
        }
        while c0 + $small <= n {
            chunk::<$t, $small>($w, $stride, c0, $rows, $out);
            c0 += $small;
        }
        if c0 < n {
            tail::<$t>($w, $stride, c0, $rows, None, $out);
        }
    }};
}

macro_rules! blocked_weighted {
    ($t:ty, $big:literal, $small:literal, $w:expr, $stride:expr, $rows:expr, $x:expr, $out:expr) => {{
        let n = $out.len();
        let mut c0 = 0;
        while c0 + $big <= n {
            chunk_weighted::<$t, $big>($w, $stride, c0, $rows, $x, $out);
            c0 += $big;
        }
        while c0 + $small <= n {
            chunk_weighted::<$t, $small>($w, $stride, c0, $rows, $x, $out);
            c0 += $small;
        }
        if c0 < n {
            tail::<$t>($w, $stride, c0, $rows, Some($x), $out);
        }
    }};
}

/// `out[j] = sum over rows (in order) of w[r * stride + j]`, `j < out.len()`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn sum_rows_f64(w: &[f64], stride: usize, rows: &[u32], out: &mut [f64]) {
    blocked!(f64, 32, 8, w, stride, rows, out)
}

/// `out[j] = sum_i x[i] w[rows[i] * stride + j]`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn sum_rows_weighted_f64(
    w: &[f64],
    stride: usize,
    rows: &[u32],
    x: &[f64],
    out: &mut [f64],
) {
    blocked_weighted!(f64, 32, 8, w, stride, rows, x, out)
}

/// `out[j] = sum over rows of w[r * stride + j]` in `f32`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn sum_rows_f32(w: &[f32], stride: usize, rows: &[u32], out: &mut [f32]) {
    match out.len() {
        208 => chunk::<f32, 208>(w, stride, 0, rows, out),
        _ => blocked!(f32, 64, 16, w, stride, rows, out),
    }
}

/// `out[j] = sum_i x[i] w[rows[i] * stride + j]` in `f32`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn sum_rows_weighted_f32(
    w: &[f32],
    stride: usize,
    rows: &[u32],
    x: &[f32],
    out: &mut [f32],
) {
    blocked_weighted!(f32, 64, 16, w, stride, rows, x, out)
}

/// The TIA and ADC of the sensed channels, in weight units in and out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Transfer<'a> {
    /// TIA output volts per weight unit, `g_scale V_spike R_f`.
    pub(crate) k_v: f64,
    /// TIA saturation, V (`None`: transparent TIA).
    pub(crate) v_sat: Option<f64>,
    /// ADC per channel: codes per volt `(1 + gain error) / LSB` and the
    /// offset in codes (`None`: transparent ADC).
    pub(crate) adc: Option<AdcTransfer<'a>>,
}

/// The ADC part of [`Transfer`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdcTransfer<'a> {
    pub(crate) codes_per_v: &'a [f64],
    pub(crate) offset_codes: &'a [f64],
    pub(crate) code_min: f64,
    pub(crate) code_max: f64,
    /// Weight units per code, `LSB / k_v`.
    pub(crate) weight_per_code: f64,
}

/// Applies `t` to every channel of `y` in place (weight units).
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn transfer(y: &mut [f64], t: &Transfer<'_>) {
    let k_v = t.k_v;
    let (lo, hi) = match t.v_sat {
        Some(v) => (-v, v),
        None => (f64::NEG_INFINITY, f64::INFINITY),
    };
    match &t.adc {
        None => {
            if t.v_sat.is_some() {
                for v in y.iter_mut() {
                    *v = (*v * k_v).clamp(lo, hi) / k_v;
                }
            }
        }
        Some(a) => {
            let n = y.len().min(a.codes_per_v.len()).min(a.offset_codes.len());
            let (y, g, o) = (&mut y[..n], &a.codes_per_v[..n], &a.offset_codes[..n]);
            for j in 0..n {
                let v = (y[j] * k_v).clamp(lo, hi);
                let code = (v * g[j] + o[j])
                    .round_ties_even()
                    .clamp(a.code_min, a.code_max);
                y[j] = code * a.weight_per_code;
            }
        }
    }
}

/// `out[j] = sig[j] + sqrt(var[j]) z[j]`: a signal plus its Gaussian noise.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn signal_plus_noise(sig: &[f32], var: &[f32], z: &[f64], out: &mut [f64]) {
    let n = out.len().min(sig.len()).min(var.len()).min(z.len());
    let (sig, var, z, out) = (&sig[..n], &var[..n], &z[..n], &mut out[..n]);
    for j in 0..n {
        out[j] = f64::from(sig[j]) + f64::from(var[j].sqrt()) * z[j];
    }
}

/// `out[j] += sqrt(var[j]) z[j]`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn add_noise(var: &[f32], z: &[f64], out: &mut [f64]) {
    let n = out.len().min(var.len()).min(z.len());
    let (var, z, out) = (&var[..n], &z[..n], &mut out[..n]);
    for j in 0..n {
        out[j] += f64::from(var[j].sqrt()) * z[j];
    }
}
