//! The differential weights of a partition and the scale that maps
//! conductance to weight units: one rule for the macro's partitions and for
//! every other user of the device model's weight distribution.

use param_guard::ParamGuard;
use rram_device::ConductanceMap;

use crate::error::{Error, Result, ensure};
use crate::layout::PartitionLayout;
use crate::params::WeightScale;
use param_guard::ParamError;

/// How [`WeightScale::Auto`] accumulates the population standard deviation
/// of the differential conductances.
///
/// Both give the same quantity, `sqrt(sum (d - mean)^2 / n)`; they round
/// differently (by a few units in the last place for ~10^5 values), so the
/// choice is part of what makes a result reproducible bit for bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StdAlgorithm {
    /// One pass with Welford's update (`mean += (d - mean) / k`,
    /// `m2 += (d - mean_old) (d - mean_new)`), in row-major order of the
    /// partition. The macro's partitions ([`crate::Macro::program`],
    /// [`crate::Macro::from_map`]) use this.
    Welford,
    /// Two passes: the mean as a plain sum divided by `n`, then the mean of
    /// the squared deviations, in the same order. `lsm::device_weights`
    /// (the software reservoir) uses this.
    TwoPass,
}

impl StdAlgorithm {
    /// Mean and population standard deviation of `values` (both 0 when
    /// there are none).
    pub fn mean_std(self, values: &[f64]) -> (f64, f64) {
        match self {
            StdAlgorithm::Welford => welford(values.iter().copied()),
            StdAlgorithm::TwoPass => {
                if values.is_empty() {
                    return (0.0, 0.0);
                }
                let n = values.len() as f64;
                let mean = values.iter().sum::<f64>() / n;
                let m2 = values.iter().map(|d| (d - mean).powi(2)).sum::<f64>();
                (mean, (m2 / n).sqrt())
            }
        }
    }
}

/// Mean and population standard deviation in one pass (Welford).
pub(crate) fn welford(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut n, mut mean, mut m2) = (0.0, 0.0, 0.0);
    for x in values {
        n += 1.0;
        let d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
    }
    if n == 0.0 {
        (0.0, 0.0)
    } else {
        (mean, (m2 / n).sqrt())
    }
}

/// The weights `w_ij = (G(row_i, plus_j) - G(row_i, minus_j)) / g_scale` of
/// the partition `layout` of `map`, `rows x pairs` row-major (fan-out order),
/// and `g_scale` in S.
///
/// `g_scale` is `scale`'s given value or, for [`WeightScale::Auto`], the
/// population standard deviation of exactly these differential
/// conductances, accumulated by `std` (the weights then have unit
/// variance). Each weight is one subtraction and one division in `f64`.
///
/// Errors: a row or column of `layout` outside `map`
/// ([`Error::InvalidParameter`] naming `layout.rows` / `layout.plus` /
/// `layout.minus`), an empty partition, a given scale that is not finite and
/// positive (`weights.g_scale_us`), or an automatic scale of zero (all
/// differences equal: `weights.mode`).
///
/// ```
/// use cim_macro::rram_device::{CellState, ConductanceMap};
/// use cim_macro::{PartitionLayout, StdAlgorithm, WeightScale, differential_weights};
///
/// // One row, two pairs: differences +2 uS and -2 uS, std 2 uS.
/// let g = vec![5e-6, 3e-6, 1e-6, 3e-6];
/// let map = ConductanceMap::from_parts(1, 4, g, vec![CellState::Formed; 4])?;
/// let layout = PartitionLayout {
///     name: "p".into(),
///     rows: vec![0],
///     plus: vec![0, 2],
///     minus: vec![1, 3],
/// };
/// let (w, g_scale) = differential_weights(&map, &layout, &WeightScale::Auto, StdAlgorithm::Welford)?;
/// assert!((g_scale - 2e-6).abs() < 1e-18);
/// assert_eq!(w, [(5e-6 - 3e-6) / g_scale, (1e-6 - 3e-6) / g_scale]);
/// # Ok::<(), cim_macro::Error>(())
/// ```
pub fn differential_weights(
    map: &ConductanceMap,
    layout: &PartitionLayout,
    scale: &WeightScale,
    std: StdAlgorithm,
) -> Result<(Vec<f64>, f64)> {
    let (rows, cols) = (map.rows(), map.cols());
    let out_of_range = |field: &str, index: usize, value: u32, limit: usize| {
        Error::InvalidParameter(ParamError {
            field: format!("layout.{field}[{index}]"),
            value: value.to_string(),
            allowed: format!("< {limit} (the map is {rows} x {cols})"),
        })
    };
    for (i, &r) in layout.rows.iter().enumerate() {
        if r as usize >= rows {
            return Err(out_of_range("rows", i, r, rows));
        }
    }
    for (field, list) in [("plus", &layout.plus), ("minus", &layout.minus)] {
        for (j, &c) in list.iter().enumerate() {
            if c as usize >= cols {
                return Err(out_of_range(field, j, c, cols));
            }
        }
    }
    ensure(
        layout.plus.len() == layout.minus.len(),
        "layout.minus",
        format!("{} columns", layout.minus.len()),
        &format!("one per plus column ({})", layout.plus.len()),
    )?;
    ensure(
        !layout.rows.is_empty() && !layout.plus.is_empty(),
        "layout",
        format!("{} rows x {} pairs", layout.rows.len(), layout.plus.len()),
        "at least one row and one pair",
    )?;
    let g = map.conductances_s();
    let mut d = Vec::with_capacity(layout.rows.len() * layout.plus.len());
    for &r in &layout.rows {
        let row = &g[r as usize * cols..(r as usize + 1) * cols];
        for (&p, &m) in layout.plus.iter().zip(&layout.minus) {
            d.push(row[p as usize] - row[m as usize]);
        }
    }
    let g_scale_s = match scale {
        WeightScale::Given { g_scale_us } => {
            scale.validate()?;
            g_scale_us * 1e-6
        }
        WeightScale::Auto => {
            let (_, s) = std.mean_std(&d);
            ensure(
                s > 0.0 && s.is_finite(),
                "weights.mode",
                "auto",
                &format!(
                    "a given g_scale_us: partition `{}` has constant differential conductances",
                    layout.name
                ),
            )?;
            s
        }
    };
    for x in &mut d {
        *x /= g_scale_s;
    }
    Ok((d, g_scale_s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_algorithms_give_the_population_std_of_a_closed_form_case() {
        // 1, 2, ..., 8: mean 4.5, population variance (8^2 - 1) / 12 = 5.25.
        let v: Vec<f64> = (1..=8).map(f64::from).collect();
        for a in [StdAlgorithm::Welford, StdAlgorithm::TwoPass] {
            let (m, s) = a.mean_std(&v);
            assert!((m - 4.5).abs() < 1e-15, "{a:?} {m}");
            assert!((s - 5.25f64.sqrt()).abs() < 1e-15, "{a:?} {s}");
            assert_eq!(a.mean_std(&[]), (0.0, 0.0));
        }
    }
}
