//! Feature matrices and labels: construction, checks, splits and shuffles.
//!
//! Features are `nalgebra::DMatrix<f64>` with one **row per sample** and one
//! column per feature; labels are `usize` class indices in `0..n_classes`.

use nalgebra::{DMatrix, DMatrixView, Dyn};
use rand::Rng;

use crate::error::{Error, Result};

/// Builds a samples x features matrix from row-major data (sample after
/// sample), converting each value to `f64` (for example `u32` spike counts or
/// `f32` rates).
///
/// Errors if `row_major.len() != n_samples * n_features`.
pub fn matrix_from_rows<T: Copy + Into<f64>>(
    n_samples: usize,
    n_features: usize,
    row_major: &[T],
) -> Result<DMatrix<f64>> {
    let expected = n_samples.checked_mul(n_features);
    if expected != Some(row_major.len()) {
        return Err(Error::ShapeMismatch {
            what: "row-major feature data".into(),
            expected: format!("{n_samples} samples x {n_features} features"),
            found: format!("{} values", row_major.len()),
        });
    }
    Ok(DMatrix::from_fn(n_samples, n_features, |i, j| {
        row_major[i * n_features + j].into()
    }))
}

/// Rows `indices` of `x`, in that order.
pub fn select_rows(x: &DMatrix<f64>, indices: &[usize]) -> DMatrix<f64> {
    x.select_rows(indices)
}

/// The samples of `x` whose label is in `classes`: (features, labels, indices
/// into `x`), in the original order.
pub fn select_classes(
    x: &DMatrix<f64>,
    labels: &[usize],
    classes: &[usize],
) -> Result<(DMatrix<f64>, Vec<usize>, Vec<usize>)> {
    check_len("labels", labels.len(), x.nrows())?;
    let idx: Vec<usize> = (0..labels.len())
        .filter(|&i| classes.contains(&labels[i]))
        .collect();
    let y = idx.iter().map(|&i| labels[i]).collect();
    Ok((x.select_rows(&idx), y, idx))
}

/// Checks that `x` has samples and features and that every value is finite.
pub(crate) fn check_features(what: &str, x: &DMatrix<f64>) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::Empty {
            what: what.into(),
            why: format!(
                "has {} samples x {} features, needs at least one of each",
                x.nrows(),
                x.ncols()
            ),
        });
    }
    // Column-major storage: element k is (k % nrows, k / nrows).
    if let Some((k, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: what.into(),
            sample: k % x.nrows(),
            feature: k / x.nrows(),
            value: *v,
        });
    }
    Ok(())
}

/// Checks that `x` has `n_features` columns.
pub(crate) fn check_width(what: &str, x: &DMatrix<f64>, n_features: usize) -> Result<()> {
    if x.ncols() != n_features {
        return Err(Error::ShapeMismatch {
            what: what.into(),
            expected: format!("{n_features} features (columns)"),
            found: format!("{} features", x.ncols()),
        });
    }
    Ok(())
}

/// Checks a length against the number of samples.
pub(crate) fn check_len(what: &str, len: usize, n_samples: usize) -> Result<()> {
    if len != n_samples {
        return Err(Error::ShapeMismatch {
            what: what.into(),
            expected: format!("one per sample ({n_samples})"),
            found: len.to_string(),
        });
    }
    Ok(())
}

/// Checks that there is one label per sample (`labels.len() == n_samples`,
/// else [`Error::ShapeMismatch`]) and every label is below `n_classes`
/// (else [`Error::LabelOutOfRange`] naming the first bad sample); `what`
/// names the labels in the error. Every trainer of this crate (and of
/// `baselines`) checks its labels with it.
pub fn check_labels(
    what: &str,
    labels: &[usize],
    n_samples: usize,
    n_classes: usize,
) -> Result<()> {
    check_len(what, labels.len(), n_samples)?;
    if let Some((i, &l)) = labels.iter().enumerate().find(|(_, l)| **l >= n_classes) {
        return Err(Error::LabelOutOfRange {
            what: what.into(),
            sample: i,
            label: l,
            n_classes,
        });
    }
    Ok(())
}

/// An operand of [`gemm`]: a matrix or its transpose.
#[derive(Clone, Copy)]
pub(crate) enum Op<'a> {
    /// The matrix as stored.
    N(&'a DMatrix<f64>),
    /// Its transpose.
    T(&'a DMatrix<f64>),
}

impl Op<'_> {
    fn shape(&self) -> (usize, usize) {
        match self {
            Op::N(m) => m.shape(),
            Op::T(m) => (m.ncols(), m.nrows()),
        }
    }

    /// A zero-copy view: a transpose is the same buffer with swapped strides.
    fn view(&self) -> DMatrixView<'_, f64, Dyn, Dyn> {
        // A (r x c) column-major buffer holds r * c values; the views below
        // address exactly those, so the size assertion inside cannot fail.
        match self {
            Op::N(m) => DMatrixView::from_slice_with_strides(
                m.as_slice(),
                m.nrows(),
                m.ncols(),
                1,
                m.nrows(),
            ),
            Op::T(m) => DMatrixView::from_slice_with_strides(
                m.as_slice(),
                m.ncols(),
                m.nrows(),
                m.nrows(),
                1,
            ),
        }
    }

    fn owned(&self) -> DMatrix<f64> {
        match self {
            Op::N(m) => (*m).clone(),
            Op::T(m) => m.transpose(),
        }
    }
}

/// `out = alpha * op(a) * op(b)` (resizing `out`).
///
/// When every dimension exceeds 5, nalgebra hands the product to the blocked
/// `matrixmultiply` kernel, which takes the swapped-stride transposed views
/// without copying. Below that, nalgebra's small-matrix fallback mishandles
/// views whose row stride is not 1, so the operands are materialised first.
pub(crate) fn gemm(out: &mut DMatrix<f64>, alpha: f64, a: Op<'_>, b: Op<'_>) {
    let (m, k) = a.shape();
    let (k2, n) = b.shape();
    debug_assert_eq!(k, k2, "gemm: inner dimensions differ");
    if out.shape() != (m, n) {
        *out = DMatrix::zeros(m, n);
    }
    if m > 5 && n > 5 && k > 5 && k2 > 5 {
        out.gemm(alpha, &a.view(), &b.view(), 0.0);
    } else {
        out.gemm(alpha, &a.owned(), &b.owned(), 0.0);
    }
}

/// Copies the columns `idx` of `src` (features x samples) into `dst`
/// (features x `idx.len()`), resizing `dst` if needed.
pub(crate) fn gather_columns(src: &DMatrix<f64>, idx: &[usize], dst: &mut DMatrix<f64>) {
    let rows = src.nrows();
    if dst.nrows() != rows || dst.ncols() != idx.len() {
        *dst = DMatrix::zeros(rows, idx.len());
    }
    let s = src.as_slice();
    let d = dst.as_mut_slice();
    for (k, &j) in idx.iter().enumerate() {
        d[k * rows..(k + 1) * rows].copy_from_slice(&s[j * rows..(j + 1) * rows]);
    }
}

/// A validation carve: `(train, validation)` indices, both increasing. In
/// every class `round(fraction * n_c)` samples go to validation, but never
/// all of them (a class keeps at least one training sample):
/// [`seeds::stratified_split`] with `keep_in_rest = 1`.
pub(crate) fn validation_split<R: Rng + ?Sized>(
    labels: &[usize],
    fraction: f64,
    rng: &mut R,
) -> (Vec<usize>, Vec<usize>) {
    let (validation, train) = seeds::stratified_split(labels, fraction, 1, rng);
    (train, validation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn gemm_matches_plain_products_for_all_transposes_and_sizes() {
        // Both the blocked path (all sizes > 5) and the small fallback; the
        // entries are small integers, so every product is exact.
        for (r, c, k) in [(7, 9, 8), (2, 9, 8), (7, 3, 8), (7, 9, 1)] {
            let a = DMatrix::from_fn(r, k, |i, j| (i * 3 + j) as f64 - 4.0);
            let b = DMatrix::from_fn(k, c, |i, j| (i as f64) - (j as f64) * 2.0);
            let expected = &a * &b * 2.0;
            let (at, bt) = (a.transpose(), b.transpose());
            let mut out = DMatrix::zeros(0, 0);
            for (x, y) in [
                (Op::N(&a), Op::N(&b)),
                (Op::T(&at), Op::N(&b)),
                (Op::N(&a), Op::T(&bt)),
                (Op::T(&at), Op::T(&bt)),
            ] {
                gemm(&mut out, 2.0, x, y);
                assert_eq!(out, expected, "{r}x{k} * {k}x{c}");
            }
        }
    }

    #[test]
    fn gather_copies_columns() {
        let m = DMatrix::from_fn(3, 5, |i, j| (i + 10 * j) as f64);
        let mut d = DMatrix::zeros(0, 0);
        gather_columns(&m, &[4, 0, 4], &mut d);
        assert_eq!(d.column(0), m.column(4));
        assert_eq!(d.column(1), m.column(0));
        assert_eq!(d.column(2), m.column(4));
    }

    #[test]
    fn validation_split_is_per_class_and_disjoint() {
        let labels: Vec<usize> = (0..100).map(|i| i % 4).collect();
        let mut rng = seeds::ChaCha8Rng::seed_from_u64(1);
        let (a, b) = validation_split(&labels, 0.2, &mut rng);
        assert_eq!(a.len() + b.len(), 100);
        for c in 0..4 {
            // 25 per class, round(0.2 * 25) = 5 in the validation set.
            assert_eq!(b.iter().filter(|&&i| labels[i] == c).count(), 5);
        }
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        // A single-sample class stays in the training set.
        let (a, b) = validation_split(&[0, 1, 1], 0.5, &mut rng);
        assert!(a.contains(&0) && !b.contains(&0));
    }

    #[test]
    fn checks_name_the_bad_value() {
        let mut x = DMatrix::zeros(3, 2);
        x[(2, 1)] = f64::NAN;
        let e = check_features("train", &x).unwrap_err().to_string();
        assert!(e.contains("sample 2, feature 1"), "{e}");
        let e = check_labels("labels", &[0, 3], 2, 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("sample 1 has label 3"), "{e}");
        assert!(matrix_from_rows(2, 3, &[1u32; 5]).is_err());
        let m = matrix_from_rows(2, 3, &[1u32, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(m[(1, 0)], 4.0);
    }
}
