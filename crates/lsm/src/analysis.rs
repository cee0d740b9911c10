//! Reservoir analysis: the quantities a user tunes "edge of chaos" with.
//!
//! * Spectral radius of `W_rec`, `rho = max |lambda_i|`, and scaling the
//!   recurrent weights to a target radius.
//! * Firing statistics of encoded features: mean rate, silent and saturated
//!   neurons.
//! * Separation: mean distance between the states of different-class inputs
//!   over the mean distance between same-class inputs (above 1: classes are
//!   pulled apart).
//! * Kernel rank and generalisation rank (Legenstein and Maass 2007): the
//!   effective rank of the matrix whose columns are the reservoir states for
//!   `m` different inputs (kernel rank; high is good: the reservoir
//!   separates them), or for `m` noisy versions of one input (generalisation
//!   rank; low is good: it ignores the noise). The effective rank counts
//!   singular values above `rel_tol` times the largest.

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::encode::Features;
use crate::error::{Error, Result};
use crate::real::Real;
use crate::synapses::{DenseSynapses, Synapses};
use param_guard::ParamError;

/// The recurrent block of a backend's effective weights, `n_res x n_res`,
/// row = presynaptic neuron (fan-out order).
fn recurrent_block<F: Real, S: Synapses<F>>(synapses: &S) -> DMatrix<f64> {
    let (n_in, n) = (synapses.n_in(), synapses.n_res());
    let w = synapses.dense_weights();
    DMatrix::from_row_slice(n, n, &w[n_in * n..])
}

/// Spectral radius of `W_rec`: the largest eigenvalue modulus (from the
/// real Schur form; the transpose has the same eigenvalues).
pub fn spectral_radius<F: Real, S: Synapses<F>>(synapses: &S) -> f64 {
    recurrent_block(synapses)
        .complex_eigenvalues()
        .iter()
        .map(|z| z.norm())
        .fold(0.0, f64::max)
}

/// Scales `W_rec` so that its spectral radius becomes `target`; returns the
/// factor applied. An all-zero `W_rec` cannot be scaled.
pub fn scale_to_spectral_radius<F: Real>(
    synapses: &mut DenseSynapses<F>,
    target: f64,
) -> Result<f64> {
    if !(target.is_finite() && target >= 0.0) {
        return Err(Error::InvalidParameter(ParamError {
            field: "target_spectral_radius".to_owned(),
            value: target.to_string(),
            allowed: "finite and non-negative".to_owned(),
        }));
    }
    let rho = spectral_radius(synapses);
    if rho == 0.0 {
        return Err(Error::InvalidParameter(ParamError {
            field: "w_rec".to_owned(),
            value: "spectral radius 0".to_owned(),
            allowed: "a recurrent block with a non-zero eigenvalue".to_owned(),
        }));
    }
    let factor = target / rho;
    synapses.scale_recurrent(factor);
    Ok(factor)
}

/// Firing statistics of encoded features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FiringStats {
    /// Spikes per neuron per step, over all samples.
    pub mean_rate: f64,
    /// Fraction of neurons that never fired on any sample.
    pub silent_fraction: f64,
    /// Fraction of neurons whose mean rate exceeds 0.9 spikes per step.
    pub saturated_fraction: f64,
    /// Mean spikes per sample (all neurons).
    pub spikes_per_sample: f64,
}

/// Firing statistics of `features`.
pub fn firing_stats(features: &Features) -> FiringStats {
    let n = features.n_res;
    let samples = features.samples.max(1);
    let total_steps: f64 = features
        .steps
        .iter()
        .map(|&s| f64::from(s))
        .sum::<f64>()
        .max(1.0);
    let mut per_neuron = vec![0u64; n];
    for i in 0..features.samples {
        for (acc, &c) in per_neuron.iter_mut().zip(features.row(i)) {
            *acc += u64::from(c);
        }
    }
    let total: u64 = per_neuron.iter().sum();
    let silent = per_neuron.iter().filter(|&&c| c == 0).count();
    let saturated = per_neuron
        .iter()
        .filter(|&&c| c as f64 / total_steps > 0.9)
        .count();
    FiringStats {
        mean_rate: total as f64 / (total_steps * n as f64),
        silent_fraction: silent as f64 / n as f64,
        saturated_fraction: saturated as f64 / n as f64,
        spikes_per_sample: total as f64 / samples as f64,
    }
}

/// Separation of classes in feature space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Separation {
    /// Mean Euclidean distance between samples of different classes.
    pub between: f64,
    /// Mean Euclidean distance between distinct samples of the same class.
    pub within: f64,
    /// `between / within`.
    pub ratio: f64,
}

/// Mean pairwise distances between different-class and same-class samples
/// (all pairs: pass a subsample for large sets). `labels[i]` is the class of
/// sample `i`.
pub fn separation(features: &Features, labels: &[usize]) -> Result<Separation> {
    if labels.len() != features.samples {
        return Err(Error::ShapeMismatch {
            what: "labels",
            expected: features.samples,
            found: labels.len(),
        });
    }
    let (mut between, mut nb, mut within, mut nw) = (0.0, 0u64, 0.0, 0u64);
    for i in 0..features.samples {
        for j in i + 1..features.samples {
            let d = features
                .row(i)
                .iter()
                .zip(features.row(j))
                .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                .sum::<f64>()
                .sqrt();
            if labels[i] == labels[j] {
                within += d;
                nw += 1;
            } else {
                between += d;
                nb += 1;
            }
        }
    }
    if nb == 0 || nw == 0 {
        return Err(Error::InvalidParameter(ParamError {
            field: "labels".to_owned(),
            value: format!("{nb} different-class and {nw} same-class pairs"),
            allowed: "at least one pair of each kind".to_owned(),
        }));
    }
    let (between, within) = (between / nb as f64, within / nw as f64);
    Ok(Separation {
        between,
        within,
        ratio: between / within,
    })
}

/// Effective rank of the `n_res x samples` state matrix of `features`: the
/// number of singular values above `rel_tol` times the largest. With
/// features of `m` different inputs this is the kernel rank; with `m` noisy
/// versions of one input it is the generalisation rank.
pub fn effective_rank(features: &Features, rel_tol: f64) -> Result<usize> {
    if !(rel_tol.is_finite() && rel_tol > 0.0 && rel_tol < 1.0) {
        return Err(Error::InvalidParameter(ParamError {
            field: "rel_tol".to_owned(),
            value: rel_tol.to_string(),
            allowed: "in (0, 1)".to_owned(),
        }));
    }
    if features.samples == 0 {
        return Ok(0);
    }
    let m = DMatrix::from_fn(features.n_res, features.samples, |r, c| {
        f64::from(features.row(c)[r])
    });
    let sv = m.singular_values();
    let max = sv.iter().copied().fold(0.0, f64::max);
    if max == 0.0 {
        return Ok(0);
    }
    Ok(sv.iter().filter(|&&s| s > rel_tol * max).count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use costmodel::OpCounts;

    fn features(rows: &[&[u32]], steps: u32) -> Features {
        Features {
            samples: rows.len(),
            n_res: rows[0].len(),
            counts: rows.iter().flat_map(|r| r.iter().copied()).collect(),
            steps: vec![steps; rows.len()],
            ops: OpCounts::default(),
        }
    }

    #[test]
    fn spectral_radius_of_known_matrices() {
        // W_rec = [[0, 2], [-2, 0]] (eigenvalues +-2i) and a diagonal one.
        let rot = DenseSynapses::<f64>::from_fn(1, 2, |r, c| match (r, c) {
            (1, 1) => 2.0,
            (2, 0) => -2.0,
            _ => 0.0,
        })
        .unwrap();
        assert!((spectral_radius(&rot) - 2.0).abs() < 1e-12);
        let mut diag =
            DenseSynapses::<f64>::from_fn(
                0,
                3,
                |r, c| if r == c { [0.5, -3.0, 1.0][r] } else { 0.0 },
            )
            .unwrap();
        assert!((spectral_radius(&diag) - 3.0).abs() < 1e-12);
        let factor = scale_to_spectral_radius(&mut diag, 0.9).unwrap();
        assert!((factor - 0.3).abs() < 1e-12);
        assert!((spectral_radius(&diag) - 0.9).abs() < 1e-12);
    }

    #[test]
    fn random_matrix_radius_follows_the_circular_law() {
        // Girko's circular law: an n x n matrix of iid N(0, s^2) entries has
        // spectral radius close to s sqrt(n); for n = 200 within a few percent.
        let mut rng = <seeds::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(5);
        let s = DenseSynapses::<f64>::gaussian(1, 200, 0.1, 1.0 / 200f64.sqrt(), &mut rng).unwrap();
        let rho = spectral_radius(&s);
        assert!((rho - 1.0).abs() < 0.08, "{rho}");
    }

    #[test]
    fn firing_stats_count_silent_and_saturated() {
        let f = features(&[&[0, 10, 1, 0], &[0, 10, 3, 0]], 10);
        let s = firing_stats(&f);
        assert_eq!(s.silent_fraction, 0.5);
        assert_eq!(s.saturated_fraction, 0.25);
        assert!((s.mean_rate - 24.0 / 80.0).abs() < 1e-12);
        assert_eq!(s.spikes_per_sample, 12.0);
    }

    #[test]
    fn separation_by_hand() {
        // Class 0 at (0,0) and (0,1); class 1 at (3,0) and (3,1).
        let f = features(&[&[0, 0], &[0, 1], &[3, 0], &[3, 1]], 1);
        let s = separation(&f, &[0, 0, 1, 1]).unwrap();
        assert!((s.within - 1.0).abs() < 1e-12);
        let between = (3.0 + 10f64.sqrt() + 10f64.sqrt() + 3.0) / 4.0;
        assert!((s.between - between).abs() < 1e-12);
        assert!(separation(&f, &[0, 0, 0, 0]).is_err());
    }

    #[test]
    fn effective_rank_by_construction() {
        let f = features(&[&[1, 0, 0], &[0, 1, 0], &[1, 1, 0], &[2, 2, 0]], 1);
        assert_eq!(effective_rank(&f, 1e-6).unwrap(), 2);
        let g = features(&[&[1, 0, 0], &[0, 1, 0], &[0, 0, 1]], 1);
        assert_eq!(effective_rank(&g, 1e-6).unwrap(), 3);
        assert!(effective_rank(&g, 0.0).is_err());
    }
}
