//! A convex readout solved to a stated tolerance: multinomial logistic
//! regression with an L2 penalty, fitted by L-BFGS.
//!
//! The objective is scikit-learn's (`LogisticRegression(penalty="l2",
//! solver="lbfgs")`, multinomial):
//!
//! ```text
//! J(W, b) = C * sum_i CE(softmax(W x_i + b), y_i) + 0.5 * ||W||_F^2
//! ```
//!
//! with the natural-log cross-entropy `CE`, a `classes x features` weight
//! matrix `W` and unpenalised biases `b`. `J` is convex, so a fit is
//! defined by its tolerance, not by a learning rate, an epoch count or a
//! seed: the minimiser stops when every component of the gradient of the
//! per-sample objective `J / (C n)` is below [`LogisticParams::tol`]
//! ([`LogisticFit::converged`] says whether it got there within
//! [`LogisticParams::max_iter`]). Features should be standardised on the
//! training split first ([`crate::Scaler`]), as scikit-learn's users do.
//!
//! The regularisation strength `C` is chosen with [`select_c`] by
//! cross-validation on the training data, never on the test set.
//!
//! ```
//! use readout::{LogisticParams, LogisticRegression, nalgebra::DMatrix};
//!
//! // Two separable clusters per class on one feature.
//! let x = DMatrix::from_row_slice(6, 1, &[-2.0, -1.5, -1.0, 1.0, 1.5, 2.0]);
//! let y = [0, 0, 0, 1, 1, 1];
//! let fit = LogisticRegression::fit(&LogisticParams { c: 1.0, ..LogisticParams::default() }, &x, &y, 2)?;
//! assert!(fit.converged);
//! assert_eq!(fit.model.predict(&x)?, y);
//! # Ok::<(), readout::Error>(())
//! ```

use nalgebra::{DMatrix, DVector};
use param_guard::ParamGuard;
use rayon::prelude::*;
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};

use crate::data::{check_features, check_labels, check_width};
use crate::error::{Error, Result, invalid};
use crate::lbfgs::{self, Settings};
use crate::streams::{LOGISTIC, model_stream};

/// Settings of one logistic-regression fit.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `c` | 1.0 | inverse regularisation strength (scikit-learn's `C`), finite and > 0 |
/// | `tol` | 1e-6 | stop when every gradient component of `J / (C n)` is at most this |
/// | `max_iter` | 5000 | L-BFGS iterations at most |
/// | `memory` | 10 | L-BFGS correction pairs |
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogisticParams {
    /// Inverse regularisation strength.
    pub c: f64,
    /// Gradient tolerance on the per-sample objective.
    pub tol: f64,
    /// Iteration limit.
    pub max_iter: usize,
    /// L-BFGS memory.
    pub memory: usize,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            c: 1.0,
            tol: 1e-6,
            max_iter: 5000,
            memory: 10,
        }
    }
}

impl ParamGuard for LogisticParams {
    type Error = Error;

    /// Checks ranges.
    fn validate(&self) -> Result<()> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(invalid("logistic.c", self.c, "finite and > 0"));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(invalid("logistic.tol", self.tol, "finite and > 0"));
        }
        if self.max_iter == 0 {
            return Err(invalid("logistic.max_iter", self.max_iter, ">= 1"));
        }
        if self.memory == 0 {
            return Err(invalid("logistic.memory", self.memory, ">= 1"));
        }
        Ok(())
    }
}

/// A fitted multinomial logistic regression.
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticRegression {
    /// Weights, classes x features.
    pub weights: DMatrix<f64>,
    /// Biases, one per class.
    pub bias: DVector<f64>,
}

/// A fit and how the solver ended.
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticFit {
    /// The model.
    pub model: LogisticRegression,
    /// The objective `J` at the solution (scikit-learn's scale).
    pub objective: f64,
    /// Largest gradient component of `J / (C n)` at the solution.
    pub gradient_max: f64,
    /// L-BFGS iterations.
    pub iterations: usize,
    /// The gradient tolerance was reached.
    pub converged: bool,
}

impl LogisticRegression {
    /// Fits on `x` (samples x features) with labels below `n_classes`.
    ///
    /// Errors: bad parameters, empty or non-finite features, labels out of
    /// range or of the wrong length, fewer than 2 classes.
    pub fn fit(
        params: &LogisticParams,
        x: &DMatrix<f64>,
        labels: &[usize],
        n_classes: usize,
    ) -> Result<LogisticFit> {
        Self::fit_from(params, x, labels, n_classes, None)
    }

    /// [`LogisticRegression::fit`] started from `start` instead of zero
    /// weights (a warm start, as along a path of `C` values). The objective
    /// is convex, so the solution differs from a cold start's only within
    /// the tolerance; a start near the solution takes fewer iterations.
    ///
    /// Errors: those of [`LogisticRegression::fit`], and a `start` whose
    /// shape is not `n_classes` x the feature count.
    pub fn fit_warm(
        params: &LogisticParams,
        x: &DMatrix<f64>,
        labels: &[usize],
        n_classes: usize,
        start: &LogisticRegression,
    ) -> Result<LogisticFit> {
        if start.weights.shape() != (n_classes, x.ncols()) || start.bias.len() != n_classes {
            return Err(invalid(
                "logistic warm start",
                format!("{} x {}", start.weights.nrows(), start.weights.ncols()),
                &format!("{n_classes} x {} weights and {n_classes} biases", x.ncols()),
            ));
        }
        Self::fit_from(params, x, labels, n_classes, Some(start))
    }

    fn fit_from(
        params: &LogisticParams,
        x: &DMatrix<f64>,
        labels: &[usize],
        n_classes: usize,
        start: Option<&LogisticRegression>,
    ) -> Result<LogisticFit> {
        params.validate()?;
        check_features("logistic-regression training features", x)?;
        if n_classes < 2 {
            return Err(invalid("n_classes", n_classes, ">= 2"));
        }
        check_labels(
            "logistic-regression training labels",
            labels,
            x.nrows(),
            n_classes,
        )?;
        let (n, f) = x.shape();
        let problem = Problem {
            x,
            labels,
            k: n_classes,
            c: params.c,
        };
        // The solver works on J / (C n): its gradient tolerance is then
        // independent of the sample count and of C.
        let scale = 1.0 / (params.c * n as f64);
        let min = lbfgs::minimize(
            |theta, g| {
                let j = problem.objective_and_gradient(theta, g);
                g.iter_mut().for_each(|v| *v *= scale);
                j * scale
            },
            start.map_or_else(|| vec![0.0; n_classes * (f + 1)], LogisticRegression::pack),
            Settings {
                grad_tol: params.tol,
                max_iter: params.max_iter,
                memory: params.memory,
            },
        );
        let model = problem.unpack(&min.x);
        Ok(LogisticFit {
            model,
            objective: min.f / scale,
            gradient_max: min.grad_max,
            iterations: min.iterations,
            converged: min.converged,
        })
    }

    /// The parameters in the solver's layout: the weights column-major,
    /// then the biases.
    fn pack(&self) -> Vec<f64> {
        let mut theta = self.weights.as_slice().to_vec();
        theta.extend(self.bias.iter());
        theta
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.weights.ncols()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.weights.nrows()
    }

    /// Logits, samples x classes.
    pub fn logits(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        check_width("logistic-regression features", x, self.n_features())?;
        let mut z = x * self.weights.transpose();
        for mut row in z.row_iter_mut() {
            row += self.bias.transpose();
        }
        Ok(z)
    }

    /// The most probable class of each sample (the lowest index on ties).
    pub fn predict(&self, x: &DMatrix<f64>) -> Result<Vec<usize>> {
        let z = self.logits(x)?;
        Ok(z.row_iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |best, (j, &v)| {
                        if v > best.1 { (j, v) } else { best }
                    })
                    .0
            })
            .collect())
    }

    /// The objective `J` at strength `c` on (`x`, `labels`).
    pub fn objective(&self, c: f64, x: &DMatrix<f64>, labels: &[usize]) -> Result<f64> {
        check_labels(
            "logistic-regression labels",
            labels,
            x.nrows(),
            self.n_classes(),
        )?;
        let z = self.logits(x)?;
        let ce: f64 = z
            .row_iter()
            .zip(labels)
            .map(|(r, &y)| log_sum_exp(r.iter().copied()) - r[y])
            .sum();
        Ok(c * ce + 0.5 * self.weights.norm_squared())
    }
}

/// `ln sum exp(v)`, shifted by the maximum so it cannot overflow.
fn log_sum_exp(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = v.clone().fold(f64::NEG_INFINITY, f64::max);
    m + v.map(|z| (z - m).exp()).sum::<f64>().ln()
}

/// The data and strength of one fit; parameters packed as the weights in
/// column-major order (classes x features) followed by the biases.
struct Problem<'a> {
    x: &'a DMatrix<f64>,
    labels: &'a [usize],
    k: usize,
    c: f64,
}

impl Problem<'_> {
    fn unpack(&self, theta: &[f64]) -> LogisticRegression {
        let f = self.x.ncols();
        LogisticRegression {
            weights: DMatrix::from_column_slice(self.k, f, &theta[..self.k * f]),
            bias: DVector::from_column_slice(&theta[self.k * f..]),
        }
    }

    /// `J` at `theta`, its gradient written into `grad`.
    ///
    /// The samples are taken in fixed blocks of [`BLOCK_ROWS`] rows, in
    /// parallel; within a block, chunks of [`CHUNK_ROWS`] rows are small
    /// enough that both matrix products read them from cache. The blocks'
    /// sums are added in block order, so the result depends on the block
    /// and chunk sizes only, never on the thread count.
    fn objective_and_gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (k, f) = (self.k, self.x.ncols());
        let model = self.unpack(theta);
        let wt = model.weights.transpose();
        let n = self.x.nrows();
        let parts: Vec<(f64, DMatrix<f64>, DVector<f64>)> = (0..n.div_ceil(BLOCK_ROWS))
            .into_par_iter()
            .map(|b| {
                let end = n.min((b + 1) * BLOCK_ROWS);
                let mut ce = 0.0;
                let mut gw = DMatrix::zeros(k, f);
                let mut gb = DVector::zeros(k);
                for start in (b * BLOCK_ROWS..end).step_by(CHUNK_ROWS) {
                    let rows = CHUNK_ROWS.min(end - start);
                    let x = self.x.rows(start, rows);
                    let mut z = x * &wt;
                    ce += softmax_minus_onehot(
                        &mut z,
                        &model.bias,
                        &self.labels[start..start + rows],
                    );
                    gw.gemm(1.0, &z.transpose(), &x, 1.0);
                    for j in 0..k {
                        gb[j] += z.column(j).sum();
                    }
                }
                (ce, gw, gb)
            })
            .collect();
        let mut ce = 0.0;
        let mut gw = DMatrix::zeros(k, f);
        let mut gb = DVector::zeros(k);
        for (c, w, b) in parts {
            ce += c;
            gw += w;
            gb += b;
        }
        let gw = gw * self.c + &model.weights;
        grad[..k * f].copy_from_slice(gw.as_slice());
        for j in 0..k {
            grad[k * f + j] = self.c * gb[j];
        }
        self.c * ce + 0.5 * model.weights.norm_squared()
    }
}

/// Rows per parallel block of the objective (the unit of work one thread
/// takes).
const BLOCK_ROWS: usize = 2048;

/// Rows per chunk within a block: 128 rows of a thousand f64 features
/// (1 MB) stay in a core's cache between the two matrix products, which
/// are otherwise bound by reading the features from memory.
const CHUNK_ROWS: usize = 128;

/// Turns logits `z` (samples x classes, biases not yet added) into
/// `softmax(z + b) - onehot(y)` in place, the logit gradient of the
/// cross-entropy; returns the cross-entropy summed over the rows.
fn softmax_minus_onehot(z: &mut DMatrix<f64>, bias: &DVector<f64>, labels: &[usize]) -> f64 {
    let k = z.ncols();
    let mut ce = 0.0;
    for (i, &y) in labels.iter().enumerate() {
        let mut m = f64::NEG_INFINITY;
        for j in 0..k {
            z[(i, j)] += bias[j];
            m = m.max(z[(i, j)]);
        }
        let mut s = 0.0;
        for j in 0..k {
            let e = (z[(i, j)] - m).exp();
            z[(i, j)] = e;
            s += e;
        }
        ce += s.ln() - (z[(i, y)].ln());
        for j in 0..k {
            z[(i, j)] /= s;
        }
        z[(i, y)] -= 1.0;
    }
    ce
}

/// One candidate of a [`select_c`] search.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    /// The strength tried.
    pub c: f64,
    /// Validation accuracy pooled over the folds (correct held-out
    /// predictions / training samples), in [0, 1].
    pub validation_accuracy: f64,
    /// Every fold's fit converged.
    pub converged: bool,
}

/// The outcome of [`select_c`]: every candidate's cross-validated accuracy
/// and the refit on the whole training set at the chosen strength.
#[derive(Clone, Debug, PartialEq)]
pub struct CSelection {
    /// The chosen strength: the highest validation accuracy, the smallest
    /// `C` (strongest regularisation) on ties.
    pub c: f64,
    /// Every candidate, in grid order.
    pub candidates: Vec<CandidateScore>,
    /// The refit on all of `x` at `c`.
    pub fit: LogisticFit,
}

/// Stratified folds: each class's samples in a seeded order, dealt round
/// robin, so every fold holds about `1/k` of every class.
fn stratified_folds(labels: &[usize], k: usize, seeds: Seeds) -> Vec<usize> {
    let mut rng = model_stream(seeds, Purpose::DataSplit, LOGISTIC, 0);
    let mut order: Vec<usize> = (0..labels.len()).collect();
    seeds::shuffle(&mut order, &mut rng);
    order.sort_by_key(|&i| labels[i]);
    let mut fold = vec![0; labels.len()];
    // The deal continues across classes, so small classes do not all start
    // in fold 0.
    for (dealt, &i) in order.iter().enumerate() {
        fold[i] = dealt % k;
    }
    fold
}

/// The element-wise mean of `models` (all of one shape); `None` when empty.
fn mean_model(models: &[LogisticRegression]) -> Option<LogisticRegression> {
    let first = models.first()?;
    let n = models.len() as f64;
    let mut mean = first.clone();
    for m in &models[1..] {
        mean.weights += &m.weights;
        mean.bias += &m.bias;
    }
    mean.weights /= n;
    mean.bias /= n;
    Some(mean)
}

/// Chooses `C` from `grid` by stratified `folds`-fold cross-validation on
/// the training data and refits on all of it.
///
/// Each fold is held out once while the model is fitted on the others; a
/// candidate's score is the share of held-out predictions that are right,
/// pooled over the folds (a single validation carve of a few hundred
/// samples is too noisy to choose between neighbouring strengths). The fold
/// assignment is seeded (stream `DataSplit` item 0 of scope
/// [`crate::streams::LOGISTIC`]). `x` must already be scaled; the scaling is
/// not refitted per fold. The test set takes no part.
pub fn select_c(
    params: &LogisticParams,
    grid: &[f64],
    folds: usize,
    x: &DMatrix<f64>,
    labels: &[usize],
    n_classes: usize,
    seeds: Seeds,
) -> Result<CSelection> {
    if grid.is_empty() {
        return Err(invalid("logistic.c_grid", "[]", "at least one value"));
    }
    if folds < 2 {
        return Err(invalid("logistic.folds", folds, ">= 2"));
    }
    check_labels(
        "logistic-regression training labels",
        labels,
        x.nrows(),
        n_classes,
    )?;
    if labels.len() < folds {
        return Err(Error::InsufficientData {
            what: "logistic-regression cross-validation".into(),
            why: format!("{} samples cannot fill {folds} folds", labels.len()),
        });
    }
    let fold = stratified_folds(labels, folds, seeds);
    // One fold's split at a time (memory: one copy of the data). Along the
    // grid each fit starts from the previous strength's solution, as
    // scikit-learn's `LogisticRegressionCV` does; each fit's objective is
    // parallel over fixed chunks of samples, so the selection does not
    // depend on the thread count.
    let mut hits = vec![0usize; grid.len()];
    let mut converged = vec![true; grid.len()];
    let mut solutions: Vec<Vec<LogisticRegression>> = vec![Vec::with_capacity(folds); grid.len()];
    for k in 0..folds {
        let (held, kept): (Vec<usize>, Vec<usize>) = (0..labels.len()).partition(|&i| fold[i] == k);
        let pick = |idx: &[usize]| -> Vec<usize> { idx.iter().map(|&i| labels[i]).collect() };
        let (xt, yt) = (x.select_rows(kept.iter()), pick(&kept));
        let (xv, yv) = (x.select_rows(held.iter()), pick(&held));
        let mut previous: Option<LogisticRegression> = None;
        for (g, &c) in grid.iter().enumerate() {
            let fit = LogisticRegression::fit_from(
                &LogisticParams { c, ..*params },
                &xt,
                &yt,
                n_classes,
                previous.as_ref(),
            )?;
            let predicted = fit.model.predict(&xv)?;
            hits[g] += predicted.iter().zip(&yv).filter(|(p, y)| p == y).count();
            converged[g] &= fit.converged;
            solutions[g].push(fit.model.clone());
            previous = Some(fit.model);
        }
    }
    let candidates: Vec<CandidateScore> = grid
        .iter()
        .enumerate()
        .map(|(g, &c)| CandidateScore {
            c,
            validation_accuracy: hits[g] as f64 / labels.len() as f64,
            converged: converged[g],
        })
        .collect();
    let best = candidates
        .iter()
        .copied()
        .reduce(|b, s| {
            let better = s.validation_accuracy > b.validation_accuracy
                || (s.validation_accuracy == b.validation_accuracy && s.c < b.c);
            if better { s } else { b }
        })
        .map_or(grid[0], |s| s.c);
    // The refit starts from the folds' mean solution at the chosen strength
    // (scikit-learn's refit does the same).
    let g = grid.iter().position(|&c| c == best).unwrap_or(0);
    let start = mean_model(&solutions[g]);
    let fit = LogisticRegression::fit_from(
        &LogisticParams { c: best, ..*params },
        x,
        labels,
        n_classes,
        start.as_ref(),
    )?;
    Ok(CSelection {
        c: best,
        candidates,
        fit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three overlapping Gaussian classes in 4 dimensions.
    fn data(n: usize, seed: u64) -> (DMatrix<f64>, Vec<usize>) {
        use rand::{RngExt, SeedableRng};
        let mut rng = seeds::ChaCha8Rng::seed_from_u64(seed);
        let mut x = DMatrix::zeros(n, 4);
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let c = i % 3;
            y.push(c);
            for j in 0..4 {
                let centre = if j == c { 1.0 } else { 0.0 };
                x[(i, j)] = centre + rng.random_range(-1.0..1.0);
            }
        }
        (x, y)
    }

    #[test]
    fn the_gradient_matches_central_differences() {
        let (x, y) = data(30, 1);
        let p = Problem {
            x: &x,
            labels: &y,
            k: 3,
            c: 0.7,
        };
        let theta: Vec<f64> = (0..15).map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.1).collect();
        let mut g = vec![0.0; 15];
        p.objective_and_gradient(&theta, &mut g);
        let mut scratch = vec![0.0; 15];
        for i in 0..15 {
            let h = 1e-6;
            let mut tp = theta.clone();
            tp[i] += h;
            let fp = p.objective_and_gradient(&tp, &mut scratch);
            tp[i] -= 2.0 * h;
            let fm = p.objective_and_gradient(&tp, &mut scratch);
            let fd = (fp - fm) / (2.0 * h);
            assert!(
                (fd - g[i]).abs() <= 1e-6 * (1.0 + g[i].abs()),
                "{i}: {fd} vs {}",
                g[i]
            );
        }
        // And the objective agrees with the model's own evaluation.
        let j = p.objective_and_gradient(&theta, &mut g);
        let model = p.unpack(&theta);
        assert!((model.objective(0.7, &x, &y).unwrap() - j).abs() < 1e-10);
    }

    #[test]
    fn the_fit_is_a_stationary_point_of_the_stated_objective() {
        let (x, y) = data(90, 2);
        let fit = LogisticRegression::fit(
            &LogisticParams {
                c: 0.5,
                ..LogisticParams::default()
            },
            &x,
            &y,
            3,
        )
        .unwrap();
        assert!(fit.converged && fit.gradient_max <= 1e-6, "{fit:?}");
        // Any small move raises J (convexity: the stationary point is the minimum).
        let j0 = fit.model.objective(0.5, &x, &y).unwrap();
        assert!((j0 - fit.objective).abs() <= 1e-9 * j0);
        for (r, cidx) in [(0, 0), (1, 3), (2, 1)] {
            for d in [-1e-3, 1e-3] {
                let mut m = fit.model.clone();
                m.weights[(r, cidx)] += d;
                assert!(m.objective(0.5, &x, &y).unwrap() > j0);
            }
        }
        // Stronger regularisation shrinks the weights.
        let small = LogisticRegression::fit(
            &LogisticParams {
                c: 0.01,
                ..LogisticParams::default()
            },
            &x,
            &y,
            3,
        )
        .unwrap();
        assert!(small.model.weights.norm() < fit.model.weights.norm());
    }

    #[test]
    fn selection_uses_only_the_training_data_and_is_seeded() {
        let (x, y) = data(150, 3);
        let grid = [0.001, 0.1, 10.0];
        let p = LogisticParams::default();
        let a = select_c(&p, &grid, 5, &x, &y, 3, Seeds::new(5)).unwrap();
        let b = select_c(&p, &grid, 5, &x, &y, 3, Seeds::new(5)).unwrap();
        assert_eq!(a.c, b.c);
        assert_eq!(a.candidates, b.candidates);
        assert_eq!(a.candidates.len(), 3);
        assert!(grid.contains(&a.c));
        let best = a
            .candidates
            .iter()
            .map(|s| s.validation_accuracy)
            .fold(0.0, f64::max);
        assert_eq!(
            a.candidates
                .iter()
                .find(|s| s.c == a.c)
                .unwrap()
                .validation_accuracy,
            best
        );
    }

    #[test]
    fn a_warm_start_reaches_the_cold_solution_and_checks_its_shape() {
        let (x, y) = data(300, 5);
        let params = LogisticParams {
            c: 0.5,
            ..LogisticParams::default()
        };
        let cold = LogisticRegression::fit(&params, &x, &y, 3).unwrap();
        let warm = LogisticRegression::fit_warm(&params, &x, &y, 3, &cold.model).unwrap();
        assert!(cold.converged && warm.converged);
        // Started at the solution: at most a few iterations, same objective
        // within the tolerance's reach, same predictions.
        assert!(
            warm.iterations < cold.iterations,
            "{} vs {}",
            warm.iterations,
            cold.iterations
        );
        assert!((warm.objective - cold.objective).abs() <= 1e-6 * cold.objective.abs());
        assert_eq!(
            warm.model.predict(&x).unwrap(),
            cold.model.predict(&x).unwrap()
        );
        let wrong = LogisticRegression {
            weights: DMatrix::zeros(2, x.ncols()),
            bias: DVector::zeros(2),
        };
        let err = LogisticRegression::fit_warm(&params, &x, &y, 3, &wrong).unwrap_err();
        assert!(err.to_string().contains("logistic warm start"), "{err}");
    }

    #[test]
    fn bad_input_names_the_field() {
        let (x, y) = data(9, 4);
        let e = LogisticRegression::fit(
            &LogisticParams {
                c: -1.0,
                ..LogisticParams::default()
            },
            &x,
            &y,
            3,
        )
        .unwrap_err();
        assert!(e.to_string().contains("logistic.c"), "{e}");
        let e = LogisticRegression::fit(&LogisticParams::default(), &x, &y[..8], 3).unwrap_err();
        assert!(e.to_string().contains("labels"), "{e}");
        let e = select_c(&LogisticParams::default(), &[], 5, &x, &y, 3, Seeds::new(1)).unwrap_err();
        assert!(e.to_string().contains("c_grid"), "{e}");
    }
}
