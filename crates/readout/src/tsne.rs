//! t-SNE (van der Maaten & Hinton 2008) in 2-D or 3-D for the embedding
//! figures: an exact O(n^2) implementation for small sets and Barnes-Hut
//! (van der Maaten 2014, via the `bhtsne` crate) for large ones. Both are
//! deterministic for a given seed: the initial embedding comes from the
//! `Embedding` stream, nearest neighbours are computed here exactly, and
//! `bhtsne` runs in a private one-thread pool (its parallel reductions are
//! only reproducible single-threaded), whatever pool the caller is in.

use nalgebra::DMatrix;
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};

use crate::data::{Op, check_features, gemm};
use crate::error::{Error, Result, invalid};

/// Which t-SNE algorithm to run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TsneMethod {
    /// Exact below [`AUTO_EXACT_MAX`] samples, Barnes-Hut with `theta = 0.5` above.
    Auto,
    /// Exact gradients, O(n^2) time and memory.
    Exact,
    /// Barnes-Hut approximation with `3 * perplexity` nearest neighbours.
    BarnesHut {
        /// Opening angle, > 0 (0.5 is the usual choice).
        theta: f64,
    },
}

/// Largest sample count `Auto` runs exactly.
pub const AUTO_EXACT_MAX: usize = 1500;

/// Largest sample count `Exact` accepts (three n x n `f64` matrices, 2.4 GB).
pub const EXACT_MAX: usize = 10_000;

/// t-SNE parameters.
///
/// | field | unit | default | source |
/// |---|---|---|---|
/// | `dims` | - | 2 | figures (3 also allowed) |
/// | `perplexity` | samples | 30 | van der Maaten's reference and scikit-learn default |
/// | `epochs` | iterations | 1000 | reference implementation |
/// | `early_exaggeration` | 1 | 12 | reference implementation |
/// | `exaggeration_epochs` | iterations | 250 | reference implementation (also the momentum switch 0.5 -> 0.8) |
/// | `learning_rate` | - | auto: `max(n / 12 / 4, 50)` | scikit-learn's and openTSNE's "auto" |
/// | `method` | - | auto | exact up to 1,500 samples |
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TsneParams {
    /// Output dimensions, 2 or 3.
    pub dims: usize,
    /// Perplexity, > 0 and at most `(n - 1) / 3`.
    pub perplexity: f64,
    /// Gradient-descent iterations, >= 1.
    pub epochs: usize,
    /// Factor on P during the first `exaggeration_epochs`, >= 1.
    pub early_exaggeration: f64,
    /// Iterations with exaggerated P and momentum 0.5 (then 0.8).
    pub exaggeration_epochs: usize,
    /// Step size (`None`: auto).
    pub learning_rate: Option<f64>,
    /// Algorithm.
    pub method: TsneMethod,
}

impl Default for TsneParams {
    fn default() -> Self {
        TsneParams {
            dims: 2,
            perplexity: 30.0,
            epochs: 1000,
            early_exaggeration: 12.0,
            exaggeration_epochs: 250,
            learning_rate: None,
            method: TsneMethod::Auto,
        }
    }
}

impl TsneParams {
    /// Checks the fields (and, given `n_samples`, the perplexity's upper bound).
    pub fn validate(&self, n_samples: usize) -> Result<()> {
        if !(self.dims == 2 || self.dims == 3) {
            return Err(invalid("tsne.dims", self.dims, "2 or 3"));
        }
        let max_perp = n_samples.saturating_sub(1) as f64 / 3.0;
        if !(self.perplexity.is_finite() && self.perplexity > 0.0 && self.perplexity <= max_perp) {
            return Err(invalid(
                "tsne.perplexity",
                self.perplexity,
                &format!("in (0, (n - 1) / 3] = (0, {max_perp}] for {n_samples} samples"),
            ));
        }
        if self.epochs == 0 {
            return Err(invalid("tsne.epochs", 0, ">= 1"));
        }
        if !(self.early_exaggeration.is_finite() && self.early_exaggeration >= 1.0) {
            return Err(invalid(
                "tsne.early_exaggeration",
                self.early_exaggeration,
                "finite and >= 1",
            ));
        }
        if let Some(lr) = self.learning_rate
            && !(lr.is_finite() && lr > 0.0)
        {
            return Err(invalid("tsne.learning_rate", lr, "finite and > 0"));
        }
        if self.method == TsneMethod::Exact && n_samples > EXACT_MAX {
            return Err(invalid(
                "tsne.method",
                "exact",
                &format!(
                    "barnes-hut or auto for more than {EXACT_MAX} samples ({n_samples} given)"
                ),
            ));
        }
        if let TsneMethod::BarnesHut { theta } = self.method
            && !(theta.is_finite() && theta > 0.0)
        {
            return Err(invalid("tsne.method.theta", theta, "finite and > 0"));
        }
        Ok(())
    }

    fn learning_rate_for(&self, n: usize) -> f64 {
        self.learning_rate
            .unwrap_or_else(|| (n as f64 / self.early_exaggeration / 4.0).max(50.0))
    }
}

/// t-SNE of `features` (samples x features) into `dims` (2 or 3) dimensions
/// with the given perplexity and the other parameters at their defaults.
/// Returns samples x dims. Same seed, same embedding, bit for bit.
pub fn tsne(
    features: &DMatrix<f64>,
    dims: usize,
    perplexity: f64,
    seed: u64,
) -> Result<DMatrix<f64>> {
    let params = TsneParams {
        dims,
        perplexity,
        ..TsneParams::default()
    };
    tsne_with(&params, features, Seeds::new(seed))
}

/// t-SNE with explicit parameters; the initial embedding is drawn from the
/// `Embedding` stream of `seeds` (Gaussian, standard deviation 1e-4).
pub fn tsne_with(
    params: &TsneParams,
    features: &DMatrix<f64>,
    seeds: Seeds,
) -> Result<DMatrix<f64>> {
    check_features("t-SNE features", features)?;
    let n = features.nrows();
    params.validate(n)?;
    let init = initial_embedding(n, params.dims, &mut seeds.stream(Purpose::Embedding));
    let method = match params.method {
        TsneMethod::Auto if n <= AUTO_EXACT_MAX => TsneMethod::Exact,
        TsneMethod::Auto => TsneMethod::BarnesHut { theta: 0.5 },
        m => m,
    };
    let y = match method {
        TsneMethod::BarnesHut { theta } => barnes_hut(params, features, init, theta)?,
        _ => exact(params, features, init),
    };
    Ok(DMatrix::from_row_slice(n, params.dims, &y))
}

/// Row-major `n x dims` Gaussian values, standard deviation 1e-4 (Box-Muller).
fn initial_embedding<R: rand::Rng + ?Sized>(n: usize, dims: usize, rng: &mut R) -> Vec<f64> {
    (0..n * dims)
        .map(|_| 1e-4 * crate::synthetic::standard_normal(rng))
        .collect()
}

/// Squared Euclidean distances between the rows of `x` (n x n).
fn squared_distances(x: &DMatrix<f64>) -> DMatrix<f64> {
    let n = x.nrows();
    let mut g = DMatrix::zeros(0, 0);
    gemm(&mut g, 1.0, Op::N(x), Op::T(x));
    let sq: Vec<f64> = (0..n).map(|i| g[(i, i)]).collect();
    DMatrix::from_fn(n, n, |i, j| {
        if i == j {
            0.0
        } else {
            (sq[i] + sq[j] - 2.0 * g[(i, j)]).max(0.0)
        }
    })
}

/// Conditional probabilities `p_{j|i}` of one row, given squared distances,
/// with the Gaussian precision found by bisection so that the row's entropy
/// is `ln(perplexity)` (tolerance 1e-5 nats, at most 200 steps). Returns the
/// entropy reached.
pub(crate) fn row_affinities(d2: &[f64], skip: usize, perplexity: f64, p: &mut [f64]) -> f64 {
    let target = perplexity.ln();
    let (mut beta, mut lo, mut hi) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
    // Shift by the smallest distance for numerical range (cancels in normalisation).
    let dmin = d2
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != skip)
        .map(|(_, v)| *v)
        .fold(f64::INFINITY, f64::min);
    let mut h = 0.0;
    for _ in 0..200 {
        let mut sum = 0.0;
        let mut wsum = 0.0;
        for (j, (&d, pj)) in d2.iter().zip(p.iter_mut()).enumerate() {
            if j == skip {
                *pj = 0.0;
                continue;
            }
            let e = (-beta * (d - dmin)).exp();
            *pj = e;
            sum += e;
            wsum += e * (d - dmin);
        }
        h = sum.ln() + beta * wsum / sum;
        let diff = h - target;
        if diff.abs() < 1e-5 {
            break;
        }
        if diff > 0.0 {
            lo = beta;
            beta = if hi.is_finite() {
                0.5 * (beta + hi)
            } else {
                beta * 2.0
            };
        } else {
            hi = beta;
            beta = if lo.is_finite() {
                0.5 * (beta + lo)
            } else {
                beta / 2.0
            };
        }
    }
    let sum: f64 = p.iter().sum();
    for v in p.iter_mut() {
        *v /= sum;
    }
    h
}

/// Joint affinities `P = (P_cond + P_cond^T) / (2n)`, floored at 1e-12 off the diagonal.
fn joint_affinities(x: &DMatrix<f64>, perplexity: f64) -> Vec<f64> {
    let n = x.nrows();
    let d2 = squared_distances(x);
    let mut cond = vec![0.0; n * n];
    let mut row = vec![0.0; n];
    let mut p = vec![0.0; n];
    for i in 0..n {
        for j in 0..n {
            row[j] = d2[(i, j)];
        }
        row_affinities(&row, i, perplexity, &mut p);
        cond[i * n..(i + 1) * n].copy_from_slice(&p);
    }
    let mut joint = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            if i != j {
                joint[i * n + j] =
                    ((cond[i * n + j] + cond[j * n + i]) / (2.0 * n as f64)).max(1e-12);
            }
        }
    }
    joint
}

/// KL(P || Q) of embedding `y` (row-major n x dims) and its gradient.
pub(crate) fn kl_and_gradient(p: &[f64], y: &[f64], dims: usize, grad: &mut [f64]) -> f64 {
    let n = y.len() / dims;
    let mut num = vec![0.0; n * n];
    let mut zsum = 0.0;
    for i in 0..n {
        for j in (i + 1)..n {
            let mut d = 0.0;
            for k in 0..dims {
                let t = y[i * dims + k] - y[j * dims + k];
                d += t * t;
            }
            let q = 1.0 / (1.0 + d);
            num[i * n + j] = q;
            num[j * n + i] = q;
            zsum += 2.0 * q;
        }
    }
    grad.fill(0.0);
    let mut kl = 0.0;
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            let pij = p[i * n + j];
            let qij = (num[i * n + j] / zsum).max(1e-300);
            if pij > 0.0 {
                kl += pij * (pij / qij).ln();
            }
            let m = 4.0 * (pij - qij) * num[i * n + j];
            for k in 0..dims {
                grad[i * dims + k] += m * (y[i * dims + k] - y[j * dims + k]);
            }
        }
    }
    kl
}

/// Exact t-SNE: gradient descent with momentum and per-coordinate gains
/// (Jacobs' delta-bar-delta, as in the reference implementation).
fn exact(params: &TsneParams, x: &DMatrix<f64>, mut y: Vec<f64>) -> Vec<f64> {
    let n = x.nrows();
    let dims = params.dims;
    let mut p = joint_affinities(x, params.perplexity);
    let ee = params.early_exaggeration;
    p.iter_mut().for_each(|v| *v *= ee);
    let eta = params.learning_rate_for(n);
    let mut grad = vec![0.0; n * dims];
    let mut update = vec![0.0; n * dims];
    let mut gains = vec![1.0; n * dims];
    for epoch in 0..params.epochs {
        if epoch == params.exaggeration_epochs {
            p.iter_mut().for_each(|v| *v /= ee);
        }
        let momentum = if epoch < params.exaggeration_epochs {
            0.5
        } else {
            0.8
        };
        kl_and_gradient(&p, &y, dims, &mut grad);
        for ((g, u), gain) in grad.iter().zip(update.iter_mut()).zip(gains.iter_mut()) {
            *gain = if (*g > 0.0) != (*u > 0.0) {
                *gain + 0.2
            } else {
                *gain * 0.8
            };
            *gain = f64::max(*gain, 0.01);
            *u = momentum * *u - eta * *gain * g;
        }
        for (v, u) in y.iter_mut().zip(&update) {
            *v += u;
        }
        for k in 0..dims {
            let mean = (0..n).map(|i| y[i * dims + k]).sum::<f64>() / n as f64;
            for i in 0..n {
                y[i * dims + k] -= mean;
            }
        }
    }
    y
}

/// Exact k nearest neighbours (Euclidean, ascending, ties by index), self excluded.
fn nearest_neighbors(x: &DMatrix<f64>, k: usize) -> Vec<Vec<bhtsne::Neighbor<f64>>> {
    let n = x.nrows();
    let sq: Vec<f64> = x.row_iter().map(|r| r.norm_squared()).collect();
    let mut out = Vec::with_capacity(n);
    const BLOCK: usize = 512;
    let mut start = 0;
    let mut dots = DMatrix::zeros(0, 0);
    while start < n {
        let len = BLOCK.min(n - start);
        let chunk = x.rows(start, len).clone_owned();
        gemm(&mut dots, 1.0, Op::N(&chunk), Op::T(x));
        for r in 0..len {
            let i = start + r;
            let mut cand: Vec<(f64, usize)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| ((sq[i] + sq[j] - 2.0 * dots[(r, j)]).max(0.0), j))
                .collect();
            let by = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            if k < cand.len() {
                cand.select_nth_unstable_by(k - 1, by);
                cand.truncate(k);
            }
            cand.sort_unstable_by(by);
            out.push(
                cand.into_iter()
                    .map(|(d2, j)| bhtsne::Neighbor {
                        index: j,
                        distance: d2.sqrt(),
                    })
                    .collect(),
            );
        }
        start += len;
    }
    out
}

fn barnes_hut(
    params: &TsneParams,
    x: &DMatrix<f64>,
    init: Vec<f64>,
    theta: f64,
) -> Result<Vec<f64>> {
    let n = x.nrows();
    let k = ((3.0 * params.perplexity) as usize).clamp(1, n - 1);
    let neighbors = nearest_neighbors(x, k);
    let rows: Vec<Vec<f64>> = x.row_iter().map(|r| r.iter().copied().collect()).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| Error::InsufficientData {
            what: "t-SNE thread pool".into(),
            why: e.to_string(),
        })?;
    let lr = params.learning_rate_for(n);
    Ok(pool.install(|| match params.dims {
        3 => run_bh::<3>(params, &rows, &neighbors, init, theta, lr),
        _ => run_bh::<2>(params, &rows, &neighbors, init, theta, lr),
    }))
}

fn run_bh<const D: usize>(
    params: &TsneParams,
    rows: &[Vec<f64>],
    neighbors: &[Vec<bhtsne::Neighbor<f64>>],
    init: Vec<f64>,
    theta: f64,
    lr: f64,
) -> Vec<f64>
where
    bhtsne::Dim<D>: bhtsne::Morton<D>,
{
    // Every precondition bhtsne asserts holds here: perplexity <= (n-1)/3
    // (validated), one neighbour row per sample of equal non-zero length with
    // valid indices (built above), an initial embedding of n * D values,
    // theta > 0 (validated).
    let mut t: bhtsne::tSNE<f64, Vec<f64>, D> = bhtsne::tSNE::new(rows);
    t.perplexity(params.perplexity)
        .epochs(params.epochs)
        .early_exaggeration(params.early_exaggeration)
        .stop_lying_epoch(params.exaggeration_epochs)
        .momentum_switch_epoch(params.exaggeration_epochs)
        .learning_rate(lr)
        .initial_embedding(init)
        .barnes_hut_with_neighbors(theta, neighbors);
    t.embedding()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_grad_close, central_difference};
    use rand::RngExt;

    #[test]
    fn kl_gradient_matches_finite_differences() {
        let mut rng = Seeds::new(4).stream(Purpose::Embedding);
        let n = 7;
        let x = DMatrix::from_fn(n, 3, |_, _| rng.random::<f64>());
        let p = joint_affinities(&x, 2.0);
        for dims in [2, 3] {
            let y: Vec<f64> = (0..n * dims).map(|_| rng.random::<f64>() - 0.5).collect();
            let mut g = vec![0.0; n * dims];
            kl_and_gradient(&p, &y, dims, &mut g);
            let mut scratch = vec![0.0; n * dims];
            for k in 0..n * dims {
                let fd = central_difference(
                    |d| {
                        let mut yy = y.clone();
                        yy[k] += d;
                        kl_and_gradient(&p, &yy, dims, &mut scratch)
                    },
                    1e-6,
                );
                assert_grad_close(g[k], fd, &format!("dims {dims} y[{k}]"));
            }
        }
    }

    #[test]
    fn affinities_reach_the_target_perplexity() {
        let mut rng = Seeds::new(5).stream(Purpose::Embedding);
        let d2: Vec<f64> = (0..40).map(|_| 10.0 * rng.random::<f64>()).collect();
        let mut p = vec![0.0; 40];
        for perp in [2.0, 5.0, 12.0] {
            let h = row_affinities(&d2, 3, perp, &mut p);
            // Entropy recomputed from the normalised row, bisection tolerance 1e-5 nats.
            let h2: f64 = -p
                .iter()
                .filter(|v| **v > 0.0)
                .map(|v| v * v.ln())
                .sum::<f64>();
            assert!(
                (h - perp.ln()).abs() < 1e-5 && (h2 - perp.ln()).abs() < 1e-5,
                "{h} {h2}"
            );
            assert_eq!(p[3], 0.0);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn validate_rejects_bad_parameters() {
        let p = TsneParams {
            dims: 4,
            ..TsneParams::default()
        };
        assert!(
            p.validate(100)
                .unwrap_err()
                .to_string()
                .contains("tsne.dims")
        );
        let p = TsneParams::default();
        let e = p.validate(50).unwrap_err().to_string();
        assert!(e.contains("tsne.perplexity") && e.contains("16.33"), "{e}");
    }
}
