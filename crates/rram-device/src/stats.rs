//! Statistics: sample moments, histograms and the closed-form moments of the
//! model's distributions (log-normals, point masses and their mixtures).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Result, ensure};

/// Sample statistics of a set of values.
///
/// `std` is the sample standard deviation (divisor `n - 1`); `skewness` and
/// `excess_kurtosis` are the moment estimators `g1 = m3 / m2^1.5` and
/// `g2 = m4 / m2^2 - 3` (divisor `n`), both 0 for a normal distribution.
/// Computed in two passes (mean first), which is accurate for data far from 0.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Number of values.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (0 for a single value).
    pub std: f64,
    /// Skewness `g1` (0 when all values are equal).
    pub skewness: f64,
    /// Excess kurtosis `g2` (0 when all values are equal).
    pub excess_kurtosis: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Moments {
    /// Statistics of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Moments> {
        Self::of_iter(values.iter().copied())
    }

    /// Statistics of the values an iterator yields twice (it is cloned for
    /// the second pass); `None` when it yields none.
    pub fn of_iter<I>(values: I) -> Option<Moments>
    where
        I: Iterator<Item = f64> + Clone,
    {
        let (mut n, mut sum, mut min, mut max) = (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY);
        for v in values.clone() {
            n += 1;
            sum += v;
            min = min.min(v);
            max = max.max(v);
        }
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let mean = sum / nf;
        let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
        for v in values {
            let d = v - mean;
            let d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
        }
        let std = if n > 1 { (m2 / (nf - 1.0)).sqrt() } else { 0.0 };
        let (m2p, m3p, m4p) = (m2 / nf, m3 / nf, m4 / nf);
        let (skewness, excess_kurtosis) = if m2p > 0.0 {
            (m3p / m2p.powf(1.5), m4p / (m2p * m2p) - 3.0)
        } else {
            (0.0, 0.0)
        };
        Some(Moments {
            n,
            mean,
            std,
            skewness,
            excess_kurtosis,
            min,
            max,
        })
    }

    /// The same statistics in another unit (`values * k`, `k > 0`).
    pub fn scaled(&self, k: f64) -> Moments {
        Moments {
            mean: self.mean * k,
            std: self.std * k,
            min: self.min * k,
            max: self.max * k,
            ..*self
        }
    }
}

/// Mean, standard deviation, skewness and excess kurtosis of a distribution
/// (closed form, not estimated).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistMoments {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub std: f64,
    /// Skewness.
    pub skewness: f64,
    /// Excess kurtosis.
    pub excess_kurtosis: f64,
}

impl DistMoments {
    /// The same distribution in another unit (`X * k`, `k > 0`).
    pub fn scaled(&self, k: f64) -> DistMoments {
        DistMoments {
            mean: self.mean * k,
            std: self.std * k,
            ..*self
        }
    }

    /// Moments of `(X - Y) / g` for independent `X`, `Y` distributed as
    /// `x` and `y`: mean `(mx - my) / g`, variance `(vx + vy) / g^2`; third and
    /// fourth cumulants add with signs `+ -` and `+ +`.
    pub fn difference(x: &DistMoments, y: &DistMoments, g: f64) -> DistMoments {
        let (vx, vy) = (x.std * x.std, y.std * y.std);
        let var = vx + vy;
        let k3 = x.skewness * vx.powf(1.5) - y.skewness * vy.powf(1.5);
        let k4 = x.excess_kurtosis * vx * vx + y.excess_kurtosis * vy * vy;
        let (skewness, excess_kurtosis) = if var > 0.0 {
            (k3 / var.powf(1.5), k4 / (var * var))
        } else {
            (0.0, 0.0)
        };
        DistMoments {
            mean: (x.mean - y.mean) / g,
            std: var.sqrt() / g,
            skewness,
            excess_kurtosis,
        }
    }
}

/// The first four raw moments `E[X^k]`, `k = 1..4`, of a distribution:
/// mixtures are weighted sums of them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RawMoments(pub [f64; 4]);

impl RawMoments {
    /// A log-normal `exp(mu + sigma Z)`: `E[X^k] = exp(k mu + k^2 sigma^2 / 2)`.
    pub fn lognormal(mu: f64, sigma: f64) -> RawMoments {
        let s2 = sigma * sigma;
        RawMoments(std::array::from_fn(|i| {
            let k = (i + 1) as f64;
            (k * mu + 0.5 * k * k * s2).exp()
        }))
    }

    /// A point mass at `c`.
    pub fn constant(c: f64) -> RawMoments {
        RawMoments([c, c * c, c * c * c, c * c * c * c])
    }

    /// The mixture `sum_i w_i D_i` (weights should sum to one).
    pub fn mixture(parts: &[(f64, RawMoments)]) -> RawMoments {
        let mut out = [0.0; 4];
        for (w, m) in parts {
            for (o, v) in out.iter_mut().zip(m.0) {
                *o += w * v;
            }
        }
        RawMoments(out)
    }

    /// Mean, standard deviation, skewness and excess kurtosis.
    pub fn central(&self) -> DistMoments {
        let [r1, r2, r3, r4] = self.0;
        let m2 = (r2 - r1 * r1).max(0.0);
        let m3 = r3 - 3.0 * r1 * r2 + 2.0 * r1 * r1 * r1;
        let m4 = r4 - 4.0 * r1 * r3 + 6.0 * r1 * r1 * r2 - 3.0 * r1 * r1 * r1 * r1;
        let (skewness, excess_kurtosis) = if m2 > 0.0 && m2 > 1e-24 * r2 {
            (m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
        } else {
            (0.0, 0.0)
        };
        DistMoments {
            mean: r1,
            std: m2.sqrt(),
            skewness,
            excess_kurtosis,
        }
    }
}

/// A histogram over `[lo, hi)` in equal bins, with counts of the values
/// below and above the range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Lower edge of the first bin.
    pub lo: f64,
    /// Upper edge of the last bin.
    pub hi: f64,
    /// Count per bin.
    pub counts: Vec<u64>,
    /// Values below `lo`.
    pub below: u64,
    /// Values at or above `hi` (and NaN).
    pub above: u64,
}

impl Histogram {
    /// Counts `values` into `bins` equal bins over `[lo, hi)`.
    pub fn new(values: &[f64], lo: f64, hi: f64, bins: usize) -> Result<Histogram> {
        ensure(lo.is_finite(), "histogram.lo", lo, "finite")?;
        ensure(
            hi.is_finite() && hi > lo,
            "histogram.hi",
            hi,
            "finite and > histogram.lo",
        )?;
        ensure(
            (1..=100_000).contains(&bins),
            "histogram.bins",
            bins,
            "in [1, 100000]",
        )?;
        let mut h = Histogram {
            lo,
            hi,
            counts: vec![0; bins],
            below: 0,
            above: 0,
        };
        let scale = bins as f64 / (hi - lo);
        for &v in values {
            if v < lo {
                h.below += 1;
            } else if v >= hi || v.is_nan() {
                h.above += 1;
            } else {
                let i = ((v - lo) * scale) as usize;
                h.counts[i.min(bins - 1)] += 1;
            }
        }
        Ok(h)
    }

    /// Width of one bin.
    pub fn bin_width(&self) -> f64 {
        (self.hi - self.lo) / self.counts.len() as f64
    }

    /// Centre of bin `i`.
    pub fn bin_centre(&self, i: usize) -> f64 {
        self.lo + (i as f64 + 0.5) * self.bin_width()
    }

    /// A text rendering: one line per bin with its range (values times
    /// `scale`, followed by `unit`), a bar of up to `width` characters and the
    /// count.
    pub fn render(&self, width: usize, scale: f64, unit: &str) -> String {
        let peak = self.counts.iter().copied().max().unwrap_or(0).max(1);
        let mut out = String::new();
        let w = self.bin_width();
        for (i, &c) in self.counts.iter().enumerate() {
            let a = (self.lo + i as f64 * w) * scale;
            let b = (self.lo + (i + 1) as f64 * w) * scale;
            let bar = ((c as f64 / peak as f64) * width as f64).round() as usize;
            out.push_str(&format!(
                "{a:>9.3} .. {b:>9.3} {unit} |{:<width$}| {c}\n",
                "#".repeat(bar)
            ));
        }
        if self.below > 0 || self.above > 0 {
            out.push_str(&format!(
                "(outside the range: {} below, {} above)\n",
                self.below, self.above
            ));
        }
        out
    }
}

impl fmt::Display for Moments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "n {} mean {:.4} std {:.4} skew {:+.3} ex.kurt {:+.3} [{:.4}, {:.4}]",
            self.n, self.mean, self.std, self.skewness, self.excess_kurtosis, self.min, self.max
        )
    }
}

/// Standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_by_hand() {
        // Values 1, 2, 3, 4, 10: mean 4, deviations -3 -2 -1 0 6,
        // m2 = 50/5 = 10, m3 = (-27 - 8 - 1 + 216)/5 = 36, m4 = (81+16+1+1296)/5 = 278.8.
        let m = Moments::of(&[1.0, 2.0, 3.0, 4.0, 10.0]).unwrap();
        assert_eq!(m.n, 5);
        assert!((m.mean - 4.0).abs() < 1e-12);
        assert!((m.std - (50.0f64 / 4.0).sqrt()).abs() < 1e-12);
        assert!((m.skewness - 36.0 / 10f64.powf(1.5)).abs() < 1e-12);
        assert!((m.excess_kurtosis - (278.8 / 100.0 - 3.0)).abs() < 1e-12);
        assert_eq!((m.min, m.max), (1.0, 10.0));
        assert!(Moments::of(&[]).is_none());
        let one = Moments::of(&[2.5]).unwrap();
        assert_eq!((one.std, one.skewness), (0.0, 0.0));
    }

    #[test]
    fn lognormal_closed_form() {
        // Skewness (e^s2 + 2) sqrt(e^s2 - 1), excess kurtosis
        // e^{4 s2} + 2 e^{3 s2} + 3 e^{2 s2} - 6 (standard log-normal results).
        let (mu, s) = (-11.0, 0.3);
        let d = RawMoments::lognormal(mu, s).central();
        let s2: f64 = s * s;
        assert!((d.mean / (mu + s2 / 2.0).exp() - 1.0).abs() < 1e-12);
        assert!((d.std / (d.mean * s2.exp_m1().sqrt()) - 1.0).abs() < 1e-9);
        assert!((d.skewness - (s2.exp() + 2.0) * s2.exp_m1().sqrt()).abs() < 1e-6);
        let k = (4.0 * s2).exp() + 2.0 * (3.0 * s2).exp() + 3.0 * (2.0 * s2).exp() - 6.0;
        assert!(
            (d.excess_kurtosis - k).abs() < 1e-5,
            "{} {k}",
            d.excess_kurtosis
        );
    }

    #[test]
    fn two_point_mixture_by_hand() {
        // Half at 0, half at 2: mean 1, std 1, skew 0, excess kurtosis -2.
        let m = RawMoments::mixture(&[
            (0.5, RawMoments::constant(0.0)),
            (0.5, RawMoments::constant(2.0)),
        ])
        .central();
        assert!((m.mean - 1.0).abs() < 1e-12 && (m.std - 1.0).abs() < 1e-12);
        assert!(m.skewness.abs() < 1e-12 && (m.excess_kurtosis + 2.0).abs() < 1e-12);
    }

    #[test]
    fn difference_of_iid_halves_the_excess_kurtosis() {
        let x = RawMoments::lognormal(0.0, 0.5).central();
        let d = DistMoments::difference(&x, &x, 2.0);
        assert!(d.mean.abs() < 1e-15 && d.skewness.abs() < 1e-12);
        assert!((d.std - x.std * 2f64.sqrt() / 2.0).abs() < 1e-12);
        assert!((d.excess_kurtosis - x.excess_kurtosis / 2.0).abs() < 1e-12);
    }

    #[test]
    fn histogram_counts() {
        let h = Histogram::new(
            &[0.0, 0.5, 0.99, 1.0, 1.5, -1.0, 2.0, f64::NAN],
            0.0,
            2.0,
            2,
        )
        .unwrap();
        assert_eq!(h.counts, vec![3, 2]);
        assert_eq!((h.below, h.above), (1, 2));
        assert!(Histogram::new(&[], 1.0, 1.0, 3).is_err());
        let text = h.render(10, 1.0, "x");
        assert_eq!(text.lines().count(), 3);
    }

    #[test]
    fn normal_cdf_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-9);
    }
}
