//! Classification metrics: accuracy, per-class accuracy, confusion matrix,
//! macro F1.

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

#[cfg(test)]
mod tests {
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
