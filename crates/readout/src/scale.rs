//! Feature scaling: division by the time window and standardisation fitted on
//! the training split only.

use nalgebra::DMatrix;
use param_guard::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::data::{check_features, check_width};
use crate::error::{Error, Result, invalid};

/// How raw features are scaled before training.
///
/// | field | unit | default | source |
/// |---|---|---|---|
/// | `divide_by` | time steps | 1 (none) | presets: 50 for N-MNIST, 129 for N-TIDIGITS (authors' scripts: counts / T) |
/// | `standardize` | - | true | our choice (the issue asks for it; fitted on the training split only) |
///
/// With `standardize` on, the division changes nothing but the reported
/// means (standardisation is scale invariant); it is kept so that
/// `standardize = false` reproduces the authors' rates exactly.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScalingParams {
    /// Every feature is first divided by this (the number of time steps `T`
    /// turns spike counts into rates). Finite, > 0.
    pub divide_by: f64,
    /// Then centre each feature on the training mean and divide by the
    /// training standard deviation (population form, `1/n`).
    pub standardize: bool,
}

impl Default for ScalingParams {
    fn default() -> Self {
        ScalingParams {
            divide_by: 1.0,
            standardize: true,
        }
    }
}

impl ScalingParams {
    /// Counts / 50 steps (N-MNIST, authors' scripts), then standardisation.
    pub const fn nmnist() -> Self {
        ScalingParams {
            divide_by: 50.0,
            standardize: true,
        }
    }

    /// Counts / 129 steps (N-TIDIGITS, authors' scripts), then standardisation.
    pub const fn ntidigits() -> Self {
        ScalingParams {
            divide_by: 129.0,
            standardize: true,
        }
    }
}

impl ParamGuard for ScalingParams {
    type Error = Error;

    /// Checks ranges.
    fn validate(&self) -> Result<()> {
        if !(self.divide_by.is_finite() && self.divide_by > 0.0) {
            return Err(invalid(
                "scaling.divide_by",
                self.divide_by,
                "finite and > 0",
            ));
        }
        Ok(())
    }
}

/// A fitted scaling: `x' = (x / divide_by - mean) / std` per feature (or
/// `x / divide_by` without standardisation).
///
/// A feature that is constant on the training split (standard deviation below
/// `1e-12` times its mean magnitude, or exactly 0) keeps a scale of 1, so it
/// maps to 0 rather than to infinity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scaler {
    /// The parameters it was fitted with.
    pub params: ScalingParams,
    /// Per-feature mean of the divided training features (zeros without
    /// standardisation).
    pub mean: Vec<f64>,
    /// Per-feature divisor after centring (ones without standardisation).
    pub scale: Vec<f64>,
}

impl Scaler {
    /// Fits on the training features (samples x features).
    pub fn fit(params: &ScalingParams, train: &DMatrix<f64>) -> Result<Scaler> {
        params.validate()?;
        check_features("scaler training features", train)?;
        let (n, f) = train.shape();
        let mut mean = vec![0.0; f];
        let mut scale = vec![1.0; f];
        if params.standardize {
            for (j, col) in train.column_iter().enumerate() {
                let m = col.iter().map(|v| v / params.divide_by).sum::<f64>() / n as f64;
                let var = col
                    .iter()
                    .map(|v| (v / params.divide_by - m).powi(2))
                    .sum::<f64>()
                    / n as f64;
                let sd = var.sqrt();
                mean[j] = m;
                scale[j] = if sd > 1e-12 * m.abs() && sd > 0.0 {
                    sd
                } else {
                    1.0
                };
            }
        }
        Ok(Scaler {
            params: *params,
            mean,
            scale,
        })
    }

    /// Number of features it was fitted on.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// Scales features (samples x features) with the fitted statistics.
    pub fn transform(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        check_width("features to scale", x, self.n_features())?;
        let mut out = x.clone();
        for (j, mut col) in out.column_iter_mut().enumerate() {
            let (d, m, s) = (self.params.divide_by, self.mean[j], self.scale[j]);
            for v in col.iter_mut() {
                *v = (*v / d - m) / s;
            }
        }
        Ok(out)
    }

    /// Fits on `train` and transforms it.
    pub fn fit_transform(
        params: &ScalingParams,
        train: &DMatrix<f64>,
    ) -> Result<(Scaler, DMatrix<f64>)> {
        let s = Scaler::fit(params, train)?;
        let t = s.transform(train)?;
        Ok((s, t))
    }

    pub(crate) fn check(&self) -> Result<()> {
        self.params.validate()?;
        if self.scale.len() != self.mean.len()
            || self.scale.iter().any(|s| !(s.is_finite() && *s > 0.0))
            || self.mean.iter().any(|m| !m.is_finite())
        {
            return Err(Error::BadModelFile {
                source_name: "scaler".into(),
                why: "mean and scale must have equal lengths, finite values and positive scales"
                    .into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardises_with_training_statistics_only() {
        // Feature 0: 2, 4, 6 -> /2 -> 1, 2, 3: mean 2, population sd sqrt(2/3).
        // Feature 1: constant 5 -> scale 1, maps to 0.
        let train = DMatrix::from_row_slice(3, 2, &[2.0, 5.0, 4.0, 5.0, 6.0, 5.0]);
        let p = ScalingParams {
            divide_by: 2.0,
            standardize: true,
        };
        let s = Scaler::fit(&p, &train).unwrap();
        let sd = (2.0f64 / 3.0).sqrt();
        assert!((s.mean[0] - 2.0).abs() < 1e-15 && (s.scale[0] - sd).abs() < 1e-15);
        assert_eq!(s.scale[1], 1.0);
        let test = DMatrix::from_row_slice(1, 2, &[8.0, 7.0]);
        let t = s.transform(&test).unwrap();
        assert!((t[(0, 0)] - 2.0 / sd).abs() < 1e-12);
        assert!((t[(0, 1)] - 1.0).abs() < 1e-15);
        assert!(s.transform(&DMatrix::zeros(1, 3)).is_err());
    }

    #[test]
    fn rates_only_divides() {
        let p = ScalingParams {
            divide_by: 50.0,
            standardize: false,
        };
        let x = DMatrix::from_row_slice(2, 1, &[10.0, 25.0]);
        let (_, t) = Scaler::fit_transform(&p, &x).unwrap();
        assert_eq!(t.as_slice(), &[0.2, 0.5]);
        let bad = ScalingParams {
            divide_by: 0.0,
            standardize: true,
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("scaling.divide_by")
        );
    }
}
