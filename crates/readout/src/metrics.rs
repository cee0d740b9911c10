//! Classification metrics: accuracy, per-class accuracy, confusion matrix,
//! macro F1, and the uncertainty of an accuracy (Wilson interval) and of a
//! difference between two classifiers on the same test set (McNemar's
//! exact test).

use serde::{Deserialize, Serialize};

use crate::data::check_len;
use crate::error::{Error, Result};

/// Counts of (true class, predicted class) pairs: `count(t, p)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfusionMatrix {
    /// Number of classes (rows and columns).
    pub n_classes: usize,
    /// Row-major counts: `counts[t * n_classes + p]`.
    pub counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// An all-zero matrix.
    pub fn new(n_classes: usize) -> ConfusionMatrix {
        ConfusionMatrix {
            n_classes,
            counts: vec![0; n_classes * n_classes],
        }
    }

    /// From true and predicted labels (each below `n_classes`).
    pub fn from_labels(
        truth: &[usize],
        predicted: &[usize],
        n_classes: usize,
    ) -> Result<ConfusionMatrix> {
        check_len("predicted labels", predicted.len(), truth.len())?;
        let mut m = ConfusionMatrix::new(n_classes);
        for (i, (&t, &p)) in truth.iter().zip(predicted).enumerate() {
            for (what, l) in [("true label", t), ("predicted label", p)] {
                if l >= n_classes {
                    return Err(Error::LabelOutOfRange {
                        what: what.into(),
                        sample: i,
                        label: l,
                        n_classes,
                    });
                }
            }
            m.add(t, p);
        }
        Ok(m)
    }

    /// Records one (true, predicted) pair; both must be below `n_classes`.
    pub(crate) fn add(&mut self, t: usize, p: usize) {
        self.counts[t * self.n_classes + p] += 1;
    }

    /// Count of samples of class `t` predicted as `p`.
    pub fn count(&self, t: usize, p: usize) -> u64 {
        self.counts[t * self.n_classes + p]
    }

    /// Total number of samples.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Samples whose true class is `t`.
    pub fn support(&self, t: usize) -> u64 {
        (0..self.n_classes).map(|p| self.count(t, p)).sum()
    }

    /// Samples predicted as `p`.
    pub fn predicted(&self, p: usize) -> u64 {
        (0..self.n_classes).map(|t| self.count(t, p)).sum()
    }

    /// Fraction of samples on the diagonal (0 when empty).
    pub fn accuracy(&self) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let diag: u64 = (0..self.n_classes).map(|c| self.count(c, c)).sum();
        diag as f64 / total as f64
    }

    /// Per-class accuracy (recall): `count(c, c) / support(c)`; `None` for a
    /// class without samples.
    pub fn per_class_accuracy(&self) -> Vec<Option<f64>> {
        (0..self.n_classes)
            .map(|c| {
                let s = self.support(c);
                (s > 0).then(|| self.count(c, c) as f64 / s as f64)
            })
            .collect()
    }

    /// F1 score of class `c`: `2 tp / (2 tp + fp + fn)`; `None` when the
    /// class has neither samples nor predictions.
    pub fn f1(&self, c: usize) -> Option<f64> {
        let tp = self.count(c, c);
        let fp = self.predicted(c) - tp;
        let fneg = self.support(c) - tp;
        let denom = 2 * tp + fp + fneg;
        (denom > 0).then(|| 2.0 * tp as f64 / denom as f64)
    }

    /// Unweighted mean of the per-class F1 over the classes that have samples
    /// or predictions (scikit-learn's `f1_score(average="macro")` over the
    /// labels present); 0 when empty.
    pub fn macro_f1(&self) -> f64 {
        let f: Vec<f64> = (0..self.n_classes).filter_map(|c| self.f1(c)).collect();
        if f.is_empty() {
            0.0
        } else {
            f.iter().sum::<f64>() / f.len() as f64
        }
    }

    /// Each row divided by its support (rows of absent classes stay 0).
    pub fn row_normalized(&self) -> Vec<Vec<f64>> {
        (0..self.n_classes)
            .map(|t| {
                let s = self.support(t).max(1) as f64;
                (0..self.n_classes)
                    .map(|p| self.count(t, p) as f64 / s)
                    .collect()
            })
            .collect()
    }
}

/// Accuracy, per-class accuracy, macro F1 and the confusion matrix of one
/// set of predictions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Fraction correct, in [0, 1].
    pub accuracy: f64,
    /// Recall of each class (`None`: no sample of it).
    pub per_class_accuracy: Vec<Option<f64>>,
    /// Macro-averaged F1 over the classes present.
    pub macro_f1: f64,
    /// Counts of (true, predicted).
    pub confusion: ConfusionMatrix,
}

impl ClassificationReport {
    /// Compares predictions with the truth.
    pub fn new(
        truth: &[usize],
        predicted: &[usize],
        n_classes: usize,
    ) -> Result<ClassificationReport> {
        let confusion = ConfusionMatrix::from_labels(truth, predicted, n_classes)?;
        Ok(ClassificationReport {
            accuracy: confusion.accuracy(),
            per_class_accuracy: confusion.per_class_accuracy(),
            macro_f1: confusion.macro_f1(),
            confusion,
        })
    }
}

/// Fraction of equal entries (0 for empty inputs). Errors on unequal lengths.
pub fn accuracy(truth: &[usize], predicted: &[usize]) -> Result<f64> {
    check_len("predicted labels", predicted.len(), truth.len())?;
    if truth.is_empty() {
        return Ok(0.0);
    }
    let hits = truth.iter().zip(predicted).filter(|(a, b)| a == b).count();
    Ok(hits as f64 / truth.len() as f64)
}

/// The 95 % Wilson score interval of a proportion `correct / n`, as
/// fractions in [0, 1] (Wilson 1927; unlike the normal approximation it
/// stays inside [0, 1] and behaves at 0 and n). `(0, 1)` when `n` is 0.
pub fn wilson_interval(correct: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let (k, n) = (correct as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// McNemar's exact test of two classifiers on the same samples.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// Samples the first classifier gets right and the second wrong.
    pub first_only: usize,
    /// Samples the second gets right and the first wrong.
    pub second_only: usize,
    /// Two-sided exact p-value: under the null hypothesis (equal accuracy)
    /// each discordant sample is a fair coin, so the p-value is
    /// `min(1, 2 P[X <= min(b, c)])` with `X ~ Binomial(b + c, 1/2)`;
    /// 1 when there is no discordant sample.
    pub p_value: f64,
}

/// McNemar's exact test on paired predictions `first` and `second` of the
/// samples labelled `truth`.
pub fn mcnemar(truth: &[usize], first: &[usize], second: &[usize]) -> Result<McNemar> {
    check_len("first predictions", first.len(), truth.len())?;
    check_len("second predictions", second.len(), truth.len())?;
    let (mut b, mut c) = (0, 0);
    for ((t, p1), p2) in truth.iter().zip(first).zip(second) {
        match (p1 == t, p2 == t) {
            (true, false) => b += 1,
            (false, true) => c += 1,
            _ => {}
        }
    }
    Ok(McNemar {
        first_only: b,
        second_only: c,
        p_value: binomial_two_sided(b.min(c), b + c),
    })
}

/// `min(1, 2 P[X <= k])` for `X ~ Binomial(n, 1/2)`, summed in log space
/// (`0.5^n` underflows beyond n = 1074).
fn binomial_two_sided(k: usize, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let ln_half_n = -(n as f64) * std::f64::consts::LN_2;
    let mut ln_term = ln_half_n; // ln [C(n, 0) 2^-n]
    let mut ln_sum = ln_term;
    for i in 0..k {
        ln_term += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        let (hi, lo) = if ln_sum > ln_term {
            (ln_sum, ln_term)
        } else {
            (ln_term, ln_sum)
        };
        ln_sum = hi + (lo - hi).exp().ln_1p();
    }
    (2.0 * ln_sum.exp()).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::{binomial_two_sided, mcnemar, wilson_interval};

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), Table I: 81/263 -> 0.2553 .. 0.3662.
        let (lo, hi) = wilson_interval(81, 263);
        assert!(
            (lo - 0.2553).abs() < 5e-5 && (hi - 0.3662).abs() < 5e-5,
            "{lo} {hi}"
        );
        // 0/10 -> 0 .. 0.2775; 10/10 -> 0.7225 .. 1.
        let (lo, hi) = wilson_interval(0, 10);
        assert!(lo.abs() < 1e-12 && (hi - 0.2775).abs() < 5e-5, "{lo} {hi}");
        let (lo, hi) = wilson_interval(10, 10);
        assert!(
            (lo - 0.7225).abs() < 5e-5 && (hi - 1.0).abs() < 1e-12,
            "{lo} {hi}"
        );
        assert_eq!(wilson_interval(0, 0), (0.0, 1.0));
    }

    #[test]
    fn mcnemar_is_the_exact_binomial_test() {
        // b = 1, c = 9: 2 * (1 + 10) / 1024.
        assert!((binomial_two_sided(1, 10) - 22.0 / 1024.0).abs() < 1e-15);
        assert_eq!(binomial_two_sided(5, 10), 1.0);
        assert_eq!(binomial_two_sided(0, 0), 1.0);
        // Large n stays finite and symmetric: 950 vs 1050 discordant pairs.
        let p = binomial_two_sided(950, 2000);
        assert!(p > 0.02 && p < 0.03, "{p}");
        let t = [0, 1, 2, 0, 1, 2];
        let m = mcnemar(&t, &[0, 1, 2, 0, 0, 0], &[0, 0, 2, 1, 1, 2]).unwrap();
        assert_eq!((m.first_only, m.second_only), (2, 2));
        assert_eq!(m.p_value, 1.0);
        assert!(mcnemar(&t, &[0], &t).is_err());
    }

    use super::*;

    #[test]
    fn hand_counted_example() {
        // truth:     0 0 0 1 1 2
        // predicted: 0 0 1 1 2 2
        // class 0: tp 2, fp 0, fn 1 -> F1 = 4/5
        // class 1: tp 1, fp 1, fn 1 -> F1 = 2/4
        // class 2: tp 1, fp 1, fn 0 -> F1 = 2/3
        // class 3: absent -> excluded.
        let t = [0, 0, 0, 1, 1, 2];
        let p = [0, 0, 1, 1, 2, 2];
        let r = ClassificationReport::new(&t, &p, 4).unwrap();
        assert_eq!(r.accuracy, 4.0 / 6.0);
        assert_eq!(
            r.per_class_accuracy,
            vec![Some(2.0 / 3.0), Some(0.5), Some(1.0), None]
        );
        let expected_f1 = (0.8 + 0.5 + 2.0 / 3.0) / 3.0;
        assert!((r.macro_f1 - expected_f1).abs() < 1e-15);
        assert_eq!(r.confusion.count(0, 1), 1);
        assert_eq!(r.confusion.count(1, 2), 1);
        assert_eq!(r.confusion.total(), 6);
        assert_eq!(accuracy(&t, &p).unwrap(), 4.0 / 6.0);
        assert!(ClassificationReport::new(&t, &[0, 0, 0, 1, 1, 9], 4).is_err());
        assert!(accuracy(&t, &p[..3]).is_err());
    }
}
