//! Classifier training against known answers: separable data, the optimum of
//! a convex problem found by an independent Newton solve, determinism, MAC
//! counts and model files.
#![allow(clippy::unwrap_used, missing_docs)]

use readout::nalgebra::{DMatrix, DVector};
use readout::{
    Activation, ClassificationReport, Classifier, ClassifierParams, Error, HiddenLayerParams,
    OptimizerParams, Persist, Scaler, ScalingParams, Selection, synthetic,
};
use seeds::Seeds;

fn last_epoch(params: ClassifierParams) -> ClassifierParams {
    ClassifierParams {
        validation_fraction: 0.0,
        selection: Selection::LastEpoch,
        patience: None,
        ..params
    }
}

#[test]
fn separable_problem_is_learned_perfectly() {
    // Ten classes in 50 dimensions: centres ~30 apart, noise radius ~3.5, so
    // the classes are linearly separable and both train and test must be 100 %.
    let (x, y) = synthetic::gaussian_blobs(2000, 50, 10, 0.5, Seeds::new(1));
    let (xt, yt) = {
        // Same centres (same seed), more draws: take the tail as a test set.
        let (x2, y2) = synthetic::gaussian_blobs(2500, 50, 10, 0.5, Seeds::new(1));
        let idx: Vec<usize> = (2000..2500).collect();
        (
            x2.select_rows(&idx),
            idx.iter().map(|&i| y2[i]).collect::<Vec<_>>(),
        )
    };
    let (scaler, xs) = Scaler::fit_transform(&ScalingParams::default(), &x).unwrap();
    let params = ClassifierParams {
        optimizer: OptimizerParams::adam(1e-2),
        epochs: 20,
        ..ClassifierParams::nmnist()
    };
    let fit = Classifier::fit(&params, &xs, &y, 10, Seeds::new(2)).unwrap();
    let train_pred = fit.model.predict(&xs).unwrap();
    let test_pred = fit.model.predict(&scaler.transform(&xt).unwrap()).unwrap();
    let train = ClassificationReport::new(&y, &train_pred, 10).unwrap();
    let test = ClassificationReport::new(&yt, &test_pred, 10).unwrap();
    assert_eq!(train.accuracy, 1.0);
    assert_eq!(test.accuracy, 1.0);
    assert_eq!(test.macro_f1, 1.0);
    assert_eq!(fit.history.len(), 20);
    // 10 % of each class (200 per class) went to validation.
    assert_eq!(fit.validation_indices.len(), 200);
    assert!(fit.history.iter().all(|r| r.validation_accuracy.is_some()));
    // The same with a GELU hidden layer.
    let params = ClassifierParams {
        hidden: Some(HiddenLayerParams {
            units: 32,
            activation: Activation::Gelu,
        }),
        ..params
    };
    let fit = Classifier::fit(&params, &xs, &y, 10, Seeds::new(2)).unwrap();
    assert_eq!(fit.model.loss_and_accuracy(&xs, &y).unwrap().1, 1.0);
}

/// The L2-regularised softmax objective `mean CE + l2/2 |W|^2` (biases free),
/// minimised by Newton's method with backtracking, written independently of
/// the crate: class 0's bias is pinned to 0 (the objective is invariant to a
/// common bias shift), the other parameters are free.
fn newton_optimum(
    x: &DMatrix<f64>,
    y: &[usize],
    k: usize,
    l2: f64,
) -> (DMatrix<f64>, Vec<f64>, f64) {
    let (n, d) = x.shape();
    // Parameter vector: W (d x k, column k at k*d..), then biases of classes 1..k.
    let np = d * k + (k - 1);
    let unpack = |t: &DVector<f64>| {
        let w = DMatrix::from_fn(d, k, |i, c| t[c * d + i]);
        let mut b = vec![0.0; k];
        for c in 1..k {
            b[c] = t[d * k + c - 1];
        }
        (w, b)
    };
    let objective = |t: &DVector<f64>| {
        let (w, b) = unpack(t);
        let mut f = 0.0;
        for i in 0..n {
            let z: Vec<f64> = (0..k).map(|c| (x.row(i) * w.column(c))[0] + b[c]).collect();
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            f += lse - z[y[i]];
        }
        f / n as f64 + 0.5 * l2 * w.norm_squared()
    };
    let mut t = DVector::zeros(np);
    for _ in 0..50 {
        let (w, b) = unpack(&t);
        let mut g = DVector::zeros(np);
        let mut h = DMatrix::zeros(np, np);
        // Index of (class c, feature j) with j == d meaning the bias.
        let idx = |c: usize, j: usize| -> Option<usize> {
            if j < d {
                Some(c * d + j)
            } else if c > 0 {
                Some(d * k + c - 1)
            } else {
                None
            }
        };
        for i in 0..n {
            let xi: Vec<f64> = (0..d).map(|j| x[(i, j)]).chain([1.0]).collect();
            let z: Vec<f64> = (0..k).map(|c| (x.row(i) * w.column(c))[0] + b[c]).collect();
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = z.iter().map(|v| (v - m).exp()).sum();
            let p: Vec<f64> = z.iter().map(|v| (v - m).exp() / s).collect();
            for c in 0..k {
                let r = p[c] - if c == y[i] { 1.0 } else { 0.0 };
                for j in 0..=d {
                    if let Some(a) = idx(c, j) {
                        g[a] += r * xi[j] / n as f64;
                        for c2 in 0..k {
                            let coef = p[c] * (if c == c2 { 1.0 } else { 0.0 } - p[c2]);
                            for j2 in 0..=d {
                                if let Some(a2) = idx(c2, j2) {
                                    h[(a, a2)] += coef * xi[j] * xi[j2] / n as f64;
                                }
                            }
                        }
                    }
                }
            }
        }
        for a in 0..d * k {
            g[a] += l2 * t[a];
            h[(a, a)] += l2;
        }
        if g.norm() < 1e-13 {
            break;
        }
        let step = h.cholesky().unwrap().solve(&g);
        let f0 = objective(&t);
        let mut alpha = 1.0;
        while objective(&(&t - &step * alpha)) > f0 - 1e-4 * alpha * g.dot(&step) && alpha > 1e-10 {
            alpha *= 0.5;
        }
        t -= step * alpha;
    }
    let (w, b) = unpack(&t);
    let f = objective(&t);
    (w, b, f)
}

#[test]
fn convex_problem_reaches_the_newton_optimum() {
    // Overlapping classes (noise 2.5 around centres ~3 apart): not separable,
    // so the regularised optimum is finite and unique in W.
    let (x, y) = synthetic::gaussian_blobs(300, 4, 3, 2.5, Seeds::new(7));
    let l2 = 0.01;
    let (w_star, b_star, f_star) = newton_optimum(&x, &y, 3, l2);
    // Full-batch SGD with momentum: a strongly convex smooth problem, linear
    // convergence; 3000 steps take the objective to machine precision.
    let params = last_epoch(ClassifierParams {
        optimizer: OptimizerParams::sgd_momentum(0.05, 0.9),
        batch_size: 300,
        epochs: 3000,
        l2,
        ..ClassifierParams::nmnist()
    });
    let fit = Classifier::fit(&params, &x, &y, 3, Seeds::new(8)).unwrap();
    let (ce, _) = fit.model.loss_and_accuracy(&x, &y).unwrap();
    let (w, b) = fit.model.layer_parameters()[0];
    let f = ce + 0.5 * l2 * w.norm_squared();
    // Objective within 1e-10 of the optimum; by strong convexity (modulus
    // >= l2 = 0.01) the weights are then within sqrt(2 * 1e-10 / 0.01) ~ 1.4e-4.
    assert!(
        (f - f_star).abs() < 1e-10,
        "objective {f} vs Newton {f_star}"
    );
    assert!(f >= f_star - 1e-12, "below the optimum: {f} < {f_star}");
    let dw = (w - &w_star).abs().max();
    assert!(dw < 1.5e-4, "max |W - W*| = {dw}");
    // Biases agree up to the common shift the objective cannot see.
    for c in 0..3 {
        let db = (b[c] - b[0]) - (b_star[c] - b_star[0]);
        assert!(db.abs() < 1e-3, "bias {c}: {db}");
    }
    // Adam with minibatches of 30 and a constant step ends in a noise ball
    // around the same optimum: measured 7.1e-5 above it; bound 5e-4.
    let params = last_epoch(ClassifierParams {
        optimizer: OptimizerParams::adam(2e-3),
        batch_size: 30,
        epochs: 1500,
        l2,
        ..ClassifierParams::nmnist()
    });
    let fit = Classifier::fit(&params, &x, &y, 3, Seeds::new(8)).unwrap();
    let (ce, _) = fit.model.loss_and_accuracy(&x, &y).unwrap();
    let f = ce + 0.5 * l2 * fit.model.layer_parameters()[0].0.norm_squared();
    assert!(
        (f - f_star).abs() < 5e-4,
        "Adam objective {f} vs Newton {f_star}"
    );
}

fn small_fit(seed: u64) -> readout::ClassifierFit {
    let (x, y) = synthetic::gaussian_blobs(250, 12, 4, 2.0, Seeds::new(3));
    let params = ClassifierParams {
        hidden: Some(HiddenLayerParams {
            units: 7,
            activation: Activation::Relu,
        }),
        optimizer: OptimizerParams::adam(1e-2),
        batch_size: 32,
        epochs: 3,
        validation_fraction: 0.2,
        ..ClassifierParams::nmnist()
    };
    Classifier::fit(&params, &x, &y, 4, Seeds::new(seed)).unwrap()
}

#[test]
fn same_seed_same_weights_bit_for_bit() {
    let a = small_fit(9);
    let b = small_fit(9);
    assert_eq!(a.model, b.model);
    assert_eq!(a.history, b.history);
    // Inside a two-thread pool: training is single-threaded, nothing changes.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let c = pool.install(|| small_fit(9));
    assert_eq!(a.model, c.model);
    let d = small_fit(10);
    assert_ne!(a.model, d.model);
}

#[test]
fn counted_macs_equal_the_analytic_count() {
    let fit = small_fit(9);
    // 250 samples, 4 classes of 62-63; round(0.2 * 62.5) per class -> 13 each... computed from the split itself.
    let n_train = fit.train_indices.len() as u64;
    let n_val = fit.validation_indices.len() as u64;
    assert_eq!(n_train + n_val, 250);
    let (i, h, k, epochs, batch) = (12u64, 7u64, 4u64, 3u64, 32u64);
    // Per sample: forward i*h + h*k; backward dW1 i*h, dW2 h*k, dH h*k.
    assert_eq!(fit.cost.forward_mac, epochs * n_train * (i * h + h * k));
    assert_eq!(
        fit.cost.backward_mac,
        epochs * n_train * (i * h + 2 * h * k)
    );
    assert_eq!(fit.cost.bias_add, epochs * n_train * 2 * (h + k));
    let steps = epochs * n_train.div_ceil(batch);
    assert_eq!(fit.cost.steps, steps);
    let n_params = i * h + h + h * k + k;
    // Adam: 10 multiplications and 4 additions per parameter update, no L2.
    assert_eq!(fit.cost.optimizer_mul, 10 * steps * n_params);
    assert_eq!(fit.cost.optimizer_add, 4 * steps * n_params);
    assert_eq!(fit.cost.validation_mac, epochs * n_val * (i * h + h * k));
    let ops = fit.cost.op_counts();
    assert_eq!(ops.mac_fp32, epochs * n_train * (2 * i * h + 3 * h * k));
    assert_eq!(ops.add_fp32, fit.cost.bias_add + fit.cost.optimizer_add);
    assert_eq!(fit.model.inference_mac_per_sample(), i * h + h * k);
}

#[test]
fn linear_readout_mac_count_matches_costmodels_backprop_convention() {
    // The paper's N-TIDIGITS readout shape, 200 -> 11. What the readout
    // counts per training sample (forward + weight gradient, no input
    // gradient: 2 x 2200 = 4,400 MACs) is costmodel's backprop convention;
    // the paper convention (6 x weights = 13,200) counts more. One source of
    // truth: the analytic count of costmodel.
    use costmodel::TrainingConvention;
    use costmodel::training::lsm_ann;
    let (x, y) = synthetic::gaussian_blobs(300, 200, 11, 1.0, Seeds::new(4));
    let params = last_epoch(ClassifierParams {
        epochs: 2,
        ..ClassifierParams::ntidigits()
    });
    let fit = Classifier::fit(&params, &x, &y, 11, Seeds::new(5)).unwrap();
    let analytic = lsm_ann(200, 11).training_cost(&TrainingConvention::backprop());
    assert_eq!(fit.cost.mac_per_sample(), analytic);
    assert_eq!(
        fit.cost.op_counts().mac_fp32 as f64,
        fit.cost.samples as f64 * analytic
    );
    assert_eq!(fit.cost.samples, 600);
}

#[test]
fn early_stopping_stops_and_selects_the_best_epoch() {
    let (x, y) = synthetic::gaussian_blobs(400, 10, 3, 3.0, Seeds::new(6));
    let params = ClassifierParams {
        optimizer: OptimizerParams::adam(5e-2),
        batch_size: 16,
        epochs: 200,
        validation_fraction: 0.25,
        selection: Selection::ValidationLoss,
        patience: Some(5),
        ..ClassifierParams::nmnist()
    };
    let fit = Classifier::fit(&params, &x, &y, 3, Seeds::new(1)).unwrap();
    assert!(fit.stopped_early, "ran all {} epochs", fit.history.len());
    // Stopped exactly `patience` epochs after the best one.
    assert_eq!(fit.history.len(), fit.selected_epoch + 1 + 5);
    let best = fit.history[fit.selected_epoch].validation_loss.unwrap();
    assert!(
        fit.history
            .iter()
            .all(|r| r.validation_loss.unwrap() >= best)
    );
    // The returned model is the selected epoch's: its validation loss matches.
    let xv = x.select_rows(&fit.validation_indices);
    let yv: Vec<usize> = fit.validation_indices.iter().map(|&i| y[i]).collect();
    let (vl, _) = fit.model.loss_and_accuracy(&xv, &yv).unwrap();
    assert_eq!(vl, best);
}

#[test]
fn save_load_round_trip_and_unknown_version() {
    let fit = small_fit(9);
    let (x, _) = synthetic::gaussian_blobs(50, 12, 4, 2.0, Seeds::new(30));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clf.json");
    fit.model.save(&path).unwrap();
    let back = Classifier::load(&path).unwrap();
    assert_eq!(back, fit.model);
    assert_eq!(back.logits(&x).unwrap(), fit.model.logits(&x).unwrap());
    assert_eq!(back.predict(&x).unwrap(), fit.model.predict(&x).unwrap());

    let text = std::fs::read_to_string(&path).unwrap();
    let future = text.replacen("\"version\":1", "\"version\":7", 1);
    assert_ne!(future, text);
    std::fs::write(&path, future).unwrap();
    match Classifier::load(&path) {
        Err(Error::UnknownFormatVersion {
            found: 7,
            supported: 1,
            ..
        }) => {}
        other => panic!("expected an unknown-version error, got {other:?}"),
    }
    let msg = Classifier::load(&path).unwrap_err().to_string();
    assert!(
        msg.contains("version 7") && msg.contains("clf.json"),
        "{msg}"
    );
    // A scaler file is not a classifier.
    let s = Scaler::fit(&ScalingParams::default(), &x).unwrap();
    let err = Classifier::from_json(&s.to_json().unwrap()).unwrap_err();
    assert!(err.to_string().contains("scaler"), "{err}");
    assert_eq!(Scaler::from_json(&s.to_json().unwrap()).unwrap(), s);
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let (x, y) = synthetic::gaussian_blobs(40, 5, 2, 1.0, Seeds::new(1));
    let p = ClassifierParams::nmnist();
    let e = Classifier::fit(&p, &x, &y[..39], 2, Seeds::new(1)).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    let e = Classifier::fit(&p, &x, &y, 1, Seeds::new(1)).unwrap_err();
    assert!(e.to_string().contains("n_classes"), "{e}");
    let mut bad = y.clone();
    bad[3] = 5;
    let e = Classifier::fit(&p, &x, &bad, 2, Seeds::new(1)).unwrap_err();
    assert!(e.to_string().contains("sample 3 has label 5"), "{e}");
    let fit = Classifier::fit(
        &last_epoch(ClassifierParams { epochs: 1, ..p }),
        &x,
        &y,
        2,
        Seeds::new(1),
    )
    .unwrap();
    assert!(fit.model.predict(&DMatrix::zeros(3, 4)).is_err());
}

#[test]
fn fit_is_fit_with_validation_on_its_own_carve() {
    // `fit` carves its split and trains through the same loop as
    // `fit_with_validation`: given that split explicitly, the other gives
    // the same weights and history bit for bit.
    let (x, y) = synthetic::gaussian_blobs(250, 12, 4, 2.0, Seeds::new(3));
    let params = ClassifierParams {
        optimizer: OptimizerParams::adam(1e-2),
        epochs: 12,
        validation_fraction: 0.2,
        patience: Some(4),
        ..ClassifierParams::nmnist()
    };
    let a = Classifier::fit(&params, &x, &y, 4, Seeds::new(9)).unwrap();
    let pick = |idx: &[usize]| idx.iter().map(|&i| y[i]).collect::<Vec<_>>();
    let (tr, va) = (&a.train_indices, &a.validation_indices);
    // Classes of 63, 63, 62 and 62 samples: 13 + 13 + 12 + 12 validation.
    assert_eq!((tr.len(), va.len()), (200, 50));
    let b = Classifier::fit_with_validation(
        &params,
        &x.select_rows(tr),
        &pick(tr),
        &x.select_rows(va),
        &pick(va),
        4,
        Seeds::new(9),
    )
    .unwrap();
    assert_eq!(a.model, b.model);
    assert_eq!(a.history, b.history);
    assert_eq!(a.selected_epoch, b.selected_epoch);
    assert_eq!(b.train_indices, (0..200).collect::<Vec<_>>());
    assert_eq!(b.validation_indices, (0..50).collect::<Vec<_>>());
}

#[test]
fn an_explicit_validation_set_is_checked_and_needs_no_fraction() {
    let (x, y) = synthetic::gaussian_blobs(120, 6, 3, 1.0, Seeds::new(2));
    let (xt, xv) = (x.rows(0, 90).clone_owned(), x.rows(90, 30).clone_owned());
    let (yt, yv) = (&y[..90], &y[90..]);
    let by_validation = ClassifierParams {
        epochs: 3,
        validation_fraction: 0.0,
        ..ClassifierParams::nmnist()
    };
    // Selection by validation with validation_fraction 0: fine here, since
    // the validation set is given.
    let fit = Classifier::fit_with_validation(&by_validation, &xt, yt, &xv, yv, 3, Seeds::new(1))
        .unwrap();
    assert!(fit.history.iter().all(|r| r.validation_accuracy.is_some()));
    // No validation set: fine for the last epoch, an error otherwise.
    let none = DMatrix::zeros(0, 6);
    let last = last_epoch(by_validation);
    let fit =
        Classifier::fit_with_validation(&last, &xt, yt, &none, &[], 3, Seeds::new(1)).unwrap();
    assert!(fit.history.iter().all(|r| r.validation_accuracy.is_none()));
    let err =
        Classifier::fit_with_validation(&by_validation, &xt, yt, &none, &[], 3, Seeds::new(1))
            .unwrap_err();
    assert!(matches!(err, Error::InsufficientData { .. }), "{err}");
    // Bad validation labels and widths are named.
    let mut bad = yv.to_vec();
    bad[2] = 3;
    let err =
        Classifier::fit_with_validation(&last, &xt, yt, &xv, &bad, 3, Seeds::new(1)).unwrap_err();
    assert!(err.to_string().contains("validation labels"), "{err}");
    let narrow = xv.columns(0, 5).clone_owned();
    let err =
        Classifier::fit_with_validation(&last, &xt, yt, &narrow, yv, 3, Seeds::new(1)).unwrap_err();
    assert!(err.to_string().contains("validation features"), "{err}");
}
