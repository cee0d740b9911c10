//! Checks of the hand-written backward passes.
//!
//! 1. Soft networks (the Heaviside replaced by the surrogate's primitive, a
//!    fast sigmoid): the surrogate gradient is then the exact gradient, so
//!    the kernels' backward pass, run in `f64`, must equal central finite
//!    differences of their own forward pass through time.
//! 2. Hard (spiking) networks: the sparse, event-driven backward pass must
//!    equal an independent dense, fully unrolled implementation of the same
//!    BPTT equations (with and without the reset path), to rounding.
//! 3. The tanh RNN: backward pass against finite differences.

// The dense reference is written with index loops on purpose: they mirror
// the equations term by term.
#![allow(clippy::needless_range_loop)]

use crate::classifier::{
    RnnArch, RnnClassifierParams, RnnWs, SrnnArch, SrnnClassifierParams, SrnnHead, SrnnWs,
    rnn_sample, srnn_sample,
};
use crate::counts::TrainingCounts;
use crate::params::{
    AnnHeadParams, InitParams, LifParams, Loss, SnnHeadParams, SrnnParams, Surrogate,
};
use crate::rnn::{RnnParams, RnnReadout};
use rand::RngExt;
use seeds::{Purpose, Seeds};
use spikes::SpikeRaster;

const INPUTS: usize = 3;
const HIDDEN: usize = 4;
const CLASSES: usize = 3;
const STEPS: usize = 7;

fn random_seq(seed: u64, p: f64) -> SpikeRaster {
    let mut rng = Seeds::new(seed).stream(Purpose::SyntheticData);
    let steps: Vec<Vec<u32>> = (0..STEPS)
        .map(|_| {
            (0..INPUTS as u32)
                .filter(|_| rng.random::<f64>() < p)
                .collect()
        })
        .collect();
    SpikeRaster::from_steps(INPUTS as u32, steps).unwrap()
}

fn lif() -> LifParams {
    LifParams {
        decay: 0.8,
        gain: 0.7,
        v_th: 0.5,
        v_rest: 0.05,
        v_reset: -0.1,
    }
}

fn params(head: SrnnHead, surrogate: Surrogate, detach_reset: bool) -> SrnnClassifierParams {
    SrnnClassifierParams {
        srnn: SrnnParams {
            inputs: INPUTS,
            hidden: HIDDEN,
            lif: lif(),
            surrogate,
            detach_reset,
            bias: true,
            init: InitParams {
                input_scale: 2.0,
                recurrent_scale: 2.0,
                target_rate: None,
            },
        },
        head,
        loss: Loss::CrossEntropy,
        bin_steps: STEPS,
        ..SrnnClassifierParams::nmnist_srnn_ann()
    }
}

fn snn_head() -> SrnnHead {
    SrnnHead::Snn(SnnHeadParams {
        lif: LifParams {
            decay: 0.7,
            gain: 1.5,
            v_th: 0.4,
            v_rest: 0.0,
            v_reset: 0.05,
        },
        bias: true,
        init_scale: 2.0,
        target_rate: None,
    })
}

fn theta64(arch: &SrnnArch, seed: u64) -> Vec<f64> {
    arch.init(Seeds::new(seed))
        .iter()
        .map(|&v| f64::from(v))
        .collect()
}

fn srnn_grad<const SOFT: bool>(
    arch: &SrnnArch,
    theta: &[f64],
    seq: &SpikeRaster,
    label: usize,
) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; theta.len()];
    let mut ws = SrnnWs::default();
    let (l, _) = srnn_sample::<f64, SOFT, _>(
        arch,
        theta,
        seq,
        Some((label, &mut g)),
        &mut ws,
        &mut TrainingCounts::default(),
    );
    (l, g)
}

/// Asserts `a` equals `b` to a relative `rel` with absolute floor `abs`.
fn close(a: f64, b: f64, rel: f64, abs: f64, what: &str) {
    let err = (a - b).abs();
    assert!(
        err <= rel * a.abs().max(b.abs()) || err <= abs,
        "{what}: {a:e} vs {b:e}"
    );
}

#[test]
fn soft_srnn_backward_equals_finite_differences_through_time() {
    // Fast sigmoid with slope 2: soft spikes x/(1+2|x|) + 1/2 in (0, 1), so
    // recurrence, resets and the readout all carry real gradient. Losses
    // are O(1) and smooth: with h = 1e-6 the central difference has
    // truncation error ~h^2 |f'''| < 1e-10 and rounding ~1e-16/h = 1e-10,
    // hence a relative 1e-6 with an absolute floor of 1e-9.
    let sg = Surrogate::FastSigmoid { slope: 2.0 };
    for (name, head) in [
        ("ann", SrnnHead::Ann(AnnHeadParams::default())),
        ("snn", snn_head()),
    ] {
        let p = params(head, sg, false);
        let arch = SrnnArch::new(&p, CLASSES);
        let theta = theta64(&arch, 3);
        for (k, seq) in [random_seq(1, 0.5), random_seq(2, 0.3)].iter().enumerate() {
            let label = k % CLASSES;
            let (_, g) = srnn_grad::<true>(&arch, &theta, seq, label);
            let h = 1e-6;
            for i in 0..theta.len() {
                let f = |d: f64| {
                    let mut t = theta.clone();
                    t[i] += d;
                    srnn_grad::<true>(&arch, &t, seq, label).0
                };
                let fd = (f(h) - f(-h)) / (2.0 * h);
                close(g[i], fd, 1e-6, 1e-9, &format!("{name} seq {k} param {i}"));
            }
            assert!(
                g.iter().any(|v| v.abs() > 1e-3),
                "{name}: gradient vanished"
            );
        }
    }
}

#[test]
fn soft_srnn_mse_loss_and_no_bias_also_match() {
    let mut p = params(
        SrnnHead::Ann(AnnHeadParams::default()),
        Surrogate::FastSigmoid { slope: 3.0 },
        false,
    );
    p.loss = Loss::Mse;
    p.srnn.bias = false;
    p.time_window = Some(5);
    let arch = SrnnArch::new(&p, CLASSES);
    let theta = theta64(&arch, 4);
    let seq = random_seq(5, 0.6);
    let (_, g) = srnn_grad::<true>(&arch, &theta, &seq, 2);
    for i in 0..theta.len() {
        let f = |d: f64| {
            let mut t = theta.clone();
            t[i] += d;
            srnn_grad::<true>(&arch, &t, &seq, 2).0
        };
        // Same tolerance reasoning as above.
        let fd = (f(1e-6) - f(-1e-6)) / 2e-6;
        close(g[i], fd, 1e-6, 1e-9, &format!("param {i}"));
    }
}

/// An independent dense, unrolled implementation of the hard network's
/// forward pass and surrogate-gradient BPTT (no sparsity, no windows).
fn reference(p: &SrnnClassifierParams, theta: &[f64], seq: &SpikeRaster, label: usize) -> Vec<f64> {
    let (n, h, c, t_len) = (INPUTS, HIDDEN, CLASSES, seq.steps());
    let sg = p.srnn.surrogate;
    let lf = p.srnn.lif;
    let w_in = |i: usize, j: usize| theta[i * h + j];
    let off_rec = n * h;
    let w_rec = |k: usize, j: usize| theta[off_rec + k * h + j];
    let off_b = off_rec + h * h;
    let off_head = off_b + h;
    let w_o = |k: usize, m: usize| theta[off_head + k * c + m];
    let b_o = |m: usize| theta[off_head + h * c + m];
    let x: Vec<Vec<f64>> = (0..t_len)
        .map(|t| {
            let mut v = vec![0.0; n];
            for &i in seq.step(t) {
                v[i as usize] = 1.0;
            }
            v
        })
        .collect();
    // Forward.
    let mut u = vec![vec![0.0; h]; t_len];
    let mut r = vec![vec![0.0; h]; t_len];
    let mut v = vec![lf.v_rest; h];
    for t in 0..t_len {
        for j in 0..h {
            let mut i_j = theta[off_b + j];
            for i in 0..n {
                i_j += w_in(i, j) * x[t][i];
            }
            if t > 0 {
                for k in 0..h {
                    i_j += w_rec(k, j) * r[t - 1][k];
                }
            }
            u[t][j] = lf.decay * v[j] + lf.gain * i_j + (1.0 - lf.decay) * lf.v_rest;
            r[t][j] = if u[t][j] > lf.v_th { 1.0 } else { 0.0 };
            v[j] = u[t][j] * (1.0 - r[t][j]) + lf.v_reset * r[t][j];
        }
    }
    let mut grad = vec![0.0; theta.len()];
    let tf = t_len as f64;
    let mut direct = vec![vec![0.0; h]; t_len];
    let softmax_grad = |y: &[f64]| -> Vec<f64> {
        let m = y.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = y.iter().map(|a| (a - m).exp()).sum();
        y.iter()
            .enumerate()
            .map(|(k, a)| (a - m).exp() / z - if k == label { 1.0 } else { 0.0 })
            .collect()
    };
    match &p.head {
        SrnnHead::Ann(_) => {
            let f: Vec<f64> = (0..h)
                .map(|j| (0..t_len).map(|t| r[t][j]).sum::<f64>() / tf)
                .collect();
            let y: Vec<f64> = (0..c)
                .map(|m| b_o(m) + (0..h).map(|k| f[k] * w_o(k, m)).sum::<f64>())
                .collect();
            let dy = softmax_grad(&y);
            for k in 0..h {
                for m in 0..c {
                    grad[off_head + k * c + m] = f[k] * dy[m];
                }
                let df: f64 = (0..c).map(|m| w_o(k, m) * dy[m]).sum();
                for row in direct.iter_mut() {
                    row[k] = df / tf;
                }
            }
            for m in 0..c {
                grad[off_head + h * c + m] = dy[m];
            }
        }
        SrnnHead::Snn(hp) => {
            let lo = hp.lif;
            let mut uo = vec![vec![0.0; c]; t_len];
            let mut o = vec![vec![0.0; c]; t_len];
            let mut vo = vec![lo.v_rest; c];
            for t in 0..t_len {
                for m in 0..c {
                    let cur = b_o(m) + (0..h).map(|k| w_o(k, m) * r[t][k]).sum::<f64>();
                    uo[t][m] = lo.decay * vo[m] + lo.gain * cur + (1.0 - lo.decay) * lo.v_rest;
                    o[t][m] = if uo[t][m] > lo.v_th { 1.0 } else { 0.0 };
                    vo[m] = uo[t][m] * (1.0 - o[t][m]) + lo.v_reset * o[t][m];
                }
            }
            let y: Vec<f64> = (0..c)
                .map(|m| (0..t_len).map(|t| o[t][m]).sum::<f64>() / tf)
                .collect();
            let dy = softmax_grad(&y);
            let mut du_next = vec![0.0; c];
            for t in (0..t_len).rev() {
                let mut dio = vec![0.0; c];
                for m in 0..c {
                    let e = lo.decay * du_next[m];
                    let mut dr = dy[m] / tf;
                    if !p.srnn.detach_reset {
                        dr += e * (lo.v_reset - uo[t][m]);
                    }
                    let d = dr * sg.derivative(uo[t][m] - lo.v_th) + e * (1.0 - o[t][m]);
                    du_next[m] = d;
                    dio[m] = lo.gain * d;
                }
                for m in 0..c {
                    for k in 0..h {
                        grad[off_head + k * c + m] += r[t][k] * dio[m];
                    }
                    grad[off_head + h * c + m] += dio[m];
                }
                for (k, dk) in direct[t].iter_mut().enumerate() {
                    *dk = (0..c).map(|m| w_o(k, m) * dio[m]).sum();
                }
            }
        }
    }
    // Hidden layer.
    let mut du_next = vec![0.0; h];
    for t in (0..t_len).rev() {
        let mut du = vec![0.0; h];
        for j in 0..h {
            let e = lf.decay * du_next[j];
            let mut dr = direct[t][j];
            if t + 1 < t_len {
                dr += (0..h)
                    .map(|m| w_rec(j, m) * lf.gain * du_next[m])
                    .sum::<f64>();
            }
            if !p.srnn.detach_reset {
                dr += e * (lf.v_reset - u[t][j]);
            }
            du[j] = dr * sg.derivative(u[t][j] - lf.v_th) + e * (1.0 - r[t][j]);
        }
        for j in 0..h {
            let di = lf.gain * du[j];
            for i in 0..n {
                grad[i * h + j] += x[t][i] * di;
            }
            if t > 0 {
                for k in 0..h {
                    grad[off_rec + k * h + j] += r[t - 1][k] * di;
                }
            }
            grad[off_b + j] += di;
        }
        du_next = du;
    }
    grad
}

#[test]
fn hard_srnn_backward_equals_independent_dense_reference() {
    // Both compute the same f64 sums in different orders: they agree to
    // rounding (relative 1e-12, absolute 1e-14).
    let mut nonzero = 0;
    for sg in [
        Surrogate::default(),
        Surrogate::Rectangular {
            half_width: 0.25,
            height: 2.0,
        },
        Surrogate::FastSigmoid { slope: 5.0 },
    ] {
        for detach in [false, true] {
            for head in [SrnnHead::Ann(AnnHeadParams::default()), snn_head()] {
                let p = params(head, sg, detach);
                let arch = SrnnArch::new(&p, CLASSES);
                for seed in 0..4u64 {
                    let theta = theta64(&arch, 10 + seed);
                    let seq = random_seq(20 + seed, 0.5);
                    let label = seed as usize % CLASSES;
                    let (_, g) = srnn_grad::<false>(&arch, &theta, &seq, label);
                    let r = reference(&p, &theta, &seq, label);
                    for (i, (a, b)) in g.iter().zip(&r).enumerate() {
                        close(*a, *b, 1e-12, 1e-14, &format!("{sg:?} {detach} param {i}"));
                    }
                    nonzero += g.iter().filter(|v| v.abs() > 1e-9).count();
                }
            }
        }
    }
    assert!(
        nonzero > 200,
        "too few nonzero gradients ({nonzero}) to test"
    );
}

#[test]
fn f32_kernel_matches_f64_kernel() {
    // Same network in single precision: identical spikes (checked by the
    // loss agreeing), gradients equal to single-precision rounding
    // (relative 1e-4, absolute 1e-6 for O(1) gradients over 7 steps).
    let p = params(
        snn_head(),
        Surrogate::Rectangular {
            half_width: 0.25,
            height: 2.0,
        },
        false,
    );
    let arch = SrnnArch::new(&p, CLASSES);
    let t32 = arch.init(Seeds::new(7));
    let t64: Vec<f64> = t32.iter().map(|&v| f64::from(v)).collect();
    let seq = random_seq(8, 0.5);
    let (l64, g64) = srnn_grad::<false>(&arch, &t64, &seq, 1);
    let mut g32 = vec![0f32; t32.len()];
    let (l32, _) = srnn_sample::<f32, false, _>(
        &arch,
        &t32,
        &seq,
        Some((1, &mut g32)),
        &mut SrnnWs::default(),
        &mut TrainingCounts::default(),
    );
    close(l32, l64, 1e-5, 1e-7, "loss");
    for (i, (a, b)) in g32.iter().zip(&g64).enumerate() {
        close(f64::from(*a), *b, 1e-4, 1e-6, &format!("param {i}"));
    }
}

#[test]
fn rnn_backward_equals_finite_differences() {
    // tanh is smooth: same tolerance reasoning as for the soft SRNN.
    for readout in [RnnReadout::LastState, RnnReadout::MeanState] {
        for loss in [Loss::CrossEntropy, Loss::Mse] {
            let p = RnnClassifierParams {
                rnn: RnnParams {
                    inputs: INPUTS,
                    hidden: HIDDEN,
                    bias: true,
                    init_scale: 2.0,
                },
                readout,
                loss,
                bin_steps: STEPS,
                ..RnnClassifierParams::nmnist()
            };
            let arch = RnnArch::new(&p, CLASSES);
            let theta: Vec<f64> = arch
                .init(Seeds::new(2))
                .iter()
                .map(|&v| f64::from(v))
                .collect();
            let seq = random_seq(9, 0.5);
            let run = |t: &[f64], g: Option<&mut [f64]>| {
                rnn_sample::<f64, _>(
                    &arch,
                    t,
                    &seq,
                    Some((1, g.unwrap_or(&mut vec![0.0; t.len()]))),
                    &mut RnnWs::default(),
                    &mut TrainingCounts::default(),
                )
                .0
            };
            let mut g = vec![0.0; theta.len()];
            run(&theta, Some(&mut g));
            for i in 0..theta.len() {
                let f = |d: f64| {
                    let mut t = theta.clone();
                    t[i] += d;
                    run(&t, None)
                };
                let fd = (f(1e-6) - f(-1e-6)) / 2e-6;
                close(
                    g[i],
                    fd,
                    1e-6,
                    1e-9,
                    &format!("{readout:?} {loss:?} param {i}"),
                );
            }
        }
    }
}

#[test]
fn performed_counts_match_hand_counts_from_the_trace() {
    // Forward spike-driven accumulations = (input spikes of every step +
    // hidden spikes of every step but the last) x hidden; backward
    // gradient rows = the same rows; dense MACs by formula.
    let p = params(
        SrnnHead::Ann(AnnHeadParams::default()),
        Surrogate::Rectangular {
            half_width: 0.25,
            height: 2.0,
        },
        false,
    );
    let arch = SrnnArch::new(&p, CLASSES);
    let theta = arch.init(Seeds::new(3));
    let seq = random_seq(4, 0.5);
    let mut ws = SrnnWs::default();
    let mut c = TrainingCounts::default();
    let mut g = vec![0f32; theta.len()];
    srnn_sample::<f32, false, _>(&arch, &theta, &seq, Some((0, &mut g)), &mut ws, &mut c);
    let hidden_before_last: usize = (0..STEPS - 1).map(|t| ws.tr.spikes(t).len()).sum();
    let rows = (seq.active_entries() + hidden_before_last) as u64;
    assert!(hidden_before_last > 0, "no hidden spike: the check is void");
    let h = HIDDEN as u64;
    assert_eq!(c.forward.spike_acc, rows * h);
    assert_eq!(c.backward.spike_acc, rows * h);
    let (n, t, k) = (INPUTS as u64, STEPS as u64, CLASSES as u64);
    assert_eq!(c.forward.dense_mac, t * (n * h + h * h) + h * k);
    assert_eq!(c.backward.dense_mac, t * (n * h + 2 * h * h) + 2 * h * k);
    assert_eq!(c.input_spikes, seq.active_entries() as u64);
}

#[test]
fn soft_srnn_clip_backward_equals_finite_differences() {
    use crate::clip::{ClipArch, ClipState, EncoderParams, SrnnClipParams, clip_batch};
    // Two soft encoders (fast sigmoid, slope 2) of different widths, GELU
    // projections, a batch of four pairs with a repeated class (multi-
    // positive targets). Tolerances as in the soft SRNN check.
    let enc = |inputs: usize, hidden: usize, decay: f64| EncoderParams {
        srnn: SrnnParams {
            inputs,
            hidden,
            lif: LifParams { decay, ..lif() },
            surrogate: Surrogate::FastSigmoid { slope: 2.0 },
            detach_reset: false,
            bias: true,
            init: InitParams {
                input_scale: 2.0,
                recurrent_scale: 2.0,
                target_rate: None,
            },
        },
        bin_steps: STEPS,
        time_window: None,
    };
    let mut p = SrnnClipParams::paper();
    p.image = enc(INPUTS, HIDDEN, 0.8);
    p.audio = enc(INPUTS, 3, 0.9);
    p.audio.time_window = Some(5);
    p.embedding_dim = 3;
    p.temperature = 0.5;
    p.training.chunk_size = 3;
    let arch = ClipArch::new(&p);
    let theta: Vec<f64> = arch
        .init(Seeds::new(6))
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    let im: Vec<SpikeRaster> = (0..4).map(|k| random_seq(30 + k, 0.5)).collect();
    let au: Vec<SpikeRaster> = (0..4).map(|k| random_seq(40 + k, 0.4)).collect();
    let (imr, aur): (Vec<&SpikeRaster>, Vec<&SpikeRaster>) =
        (im.iter().collect(), au.iter().collect());
    let y = [0, 1, 0, 2];
    let loss = |t: &[f64], g: Option<&mut [f64]>| {
        clip_batch::<f64, true, _>(
            &arch,
            t,
            &imr,
            &aur,
            &y,
            &mut ClipState::default(),
            g,
            &mut TrainingCounts::default(),
        )
    };
    let mut g = vec![0.0; theta.len()];
    loss(&theta, Some(&mut g));
    for i in 0..theta.len() {
        let f = |d: f64| {
            let mut t = theta.clone();
            t[i] += d;
            loss(&t, None)
        };
        let fd = (f(1e-6) - f(-1e-6)) / 2e-6;
        close(g[i], fd, 1e-6, 1e-9, &format!("clip param {i}"));
    }
    assert!(g.iter().filter(|v| v.abs() > 1e-4).count() > theta.len() / 4);
}

#[test]
fn the_rectangle_height_is_not_a_global_gradient_scale() {
    // In BPTT the surrogate multiplies every backward step through a spike:
    // a weight's gradient collects paths through one or more spikes (and
    // through the membrane's leak), so doubling the height multiplies some
    // contributions by 2, others by 4, 8, ... Were the height a global scale
    // of the recurrent layer's gradient, the ratio of the two gradients
    // would be exactly 2 for every parameter; here it spreads. The ANN
    // head's gradient does not pass a surrogate: it is unchanged (same
    // forward pass, same spikes).
    let at = |height, seed: u64| {
        let sg = Surrogate::Rectangular {
            half_width: 0.25,
            height,
        };
        let p = params(SrnnHead::Ann(AnnHeadParams::default()), sg, false);
        let arch = SrnnArch::new(&p, CLASSES);
        let theta = theta64(&arch, 10 + seed);
        let seq = random_seq(20 + seed, 0.5);
        let (_, g) = srnn_grad::<false>(&arch, &theta, &seq, seed as usize % CLASSES);
        (arch, g)
    };
    let mut ratios = Vec::new();
    for seed in 0..4u64 {
        let (arch, g1) = at(1.0, seed);
        let (_, g2) = at(2.0, seed);
        let layer = arch.srnn.end();
        ratios.extend(
            (0..layer)
                .filter(|&i| g1[i].abs() > 1e-9)
                .map(|i| g2[i] / g1[i]),
        );
        for i in layer..g1.len() {
            assert!(
                (g1[i] - g2[i]).abs() <= 1e-12 * g1[i].abs().max(1e-12),
                "head parameter {i}"
            );
        }
    }
    assert!(ratios.len() >= 20, "too few gradients: {ratios:?}");
    let (lo, hi) = ratios
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &r| {
            (a.min(r), b.max(r))
        });
    // A global scale would give 2 to rounding (1e-12) for all of them.
    assert!(hi - lo > 0.1, "ratios {lo}..{hi}: a global scale");
}
