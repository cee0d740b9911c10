//! The non-spiking tanh (Elman) recurrent layer and its backpropagation
//! through time.

use multiversion::multiversion;
use serde::{Deserialize, Serialize};
use spikes::SpikeSteps;

use crate::counts::TrainingCounts;
use crate::error::{Result, invalid};
use crate::real::{Real, acc, axpy, dot};
use crate::srnn::SrnnLayout;

/// A tanh recurrent layer `h(t) = tanh(W_in^T s(t) + W_rec^T h(t-1) + b)`,
/// `h(-1) = 0`.
///
/// | field | default | source |
/// |---|---|---|
/// | `inputs` | 256 | N-MNIST crop (authors' scripts) |
/// | `hidden` | 200 | authors' scripts (`ARCHI 256,200,10`) |
/// | `bias` | true | PyTorch `nn.RNN` default (its two biases are one here) |
/// | `init_scale` | 1 | PyTorch `nn.RNN`: every weight uniform in `+-1/sqrt(hidden)` |
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RnnParams {
    /// Input channels, >= 1.
    pub inputs: usize,
    /// Hidden units, >= 1.
    pub hidden: usize,
    /// A trainable bias per unit.
    pub bias: bool,
    /// Scale of the initialisation bound `1/sqrt(hidden)`, finite and >= 0.
    pub init_scale: f64,
}

impl Default for RnnParams {
    fn default() -> Self {
        RnnParams {
            inputs: 256,
            hidden: 200,
            bias: true,
            init_scale: 1.0,
        }
    }
}

impl RnnParams {
    /// Checks every field.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        if self.inputs == 0 || self.inputs > u32::MAX as usize {
            return Err(invalid(
                &format!("{prefix}.inputs"),
                self.inputs,
                "in 1..=4294967295",
            ));
        }
        if self.hidden == 0 || self.hidden > u32::MAX as usize {
            return Err(invalid(
                &format!("{prefix}.hidden"),
                self.hidden,
                "in 1..=4294967295",
            ));
        }
        if !(self.init_scale.is_finite() && self.init_scale >= 0.0) {
            return Err(invalid(
                &format!("{prefix}.init_scale"),
                self.init_scale,
                "finite and >= 0",
            ));
        }
        Ok(())
    }
}

/// Which hidden state the head reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RnnReadout {
    /// The state after the last processed step (the usual
    /// `output[:, -1, :]`).
    LastState,
    /// The mean state over the processed steps.
    MeanState,
}

/// A tanh recurrent layer over borrowed weights.
pub(crate) struct RnnNet<'a, R> {
    pub(crate) inputs: usize,
    pub(crate) hidden: usize,
    pub(crate) w_in: &'a [R],
    pub(crate) w_rec: &'a [R],
    pub(crate) bias: Option<&'a [R]>,
}

impl SrnnLayout {
    pub(crate) fn rnn_view<'a, R: Real>(&self, theta: &'a [R]) -> RnnNet<'a, R> {
        RnnNet {
            inputs: self.inputs,
            hidden: self.hidden,
            w_in: &theta[self.w_in.clone()],
            w_rec: &theta[self.w_rec.clone()],
            bias: self.bias.as_ref().map(|b| &theta[b.clone()]),
        }
    }
}

/// Forward trace and scratch of one sample.
#[derive(Clone, Debug, Default)]
pub(crate) struct RnnTrace<R> {
    steps: usize,
    hidden: usize,
    /// States `h(-1) = 0, h(0), ..., h(T-1)`: `(steps + 1) x hidden`.
    h: Vec<R>,
    /// The head's input.
    pub(crate) feature: Vec<R>,
    cur: Vec<R>,
    da: Vec<R>,
    da_next: Vec<R>,
}

/// Forward pass over the first `steps` steps of `seq`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn forward<R: Real, S: SpikeSteps + ?Sized>(
    net: &RnnNet<'_, R>,
    seq: &S,
    steps: usize,
    readout: RnnReadout,
    tr: &mut RnnTrace<R>,
    c: &mut TrainingCounts,
) {
    let hd = net.hidden;
    tr.steps = steps;
    tr.hidden = hd;
    tr.h.clear();
    tr.h.resize((steps + 1) * hd, R::ZERO);
    tr.cur.clear();
    tr.cur.resize(hd, R::ZERO);
    let mut rows = 0u64;
    for t in 0..steps {
        match net.bias {
            Some(b) => tr.cur.copy_from_slice(b),
            None => tr.cur.fill(R::ZERO),
        }
        let active = seq.step(t);
        rows += active.len() as u64;
        for &i in active {
            let i = i as usize;
            acc(&mut tr.cur, &net.w_in[i * hd..(i + 1) * hd]);
        }
        let (prev, next) = tr.h.split_at_mut((t + 1) * hd);
        let prev = &prev[t * hd..];
        if t > 0 {
            for (k, &hk) in prev.iter().enumerate() {
                axpy(&mut tr.cur, hk, &net.w_rec[k * hd..(k + 1) * hd]);
            }
        }
        for (o, &a) in next[..hd].iter_mut().zip(&tr.cur) {
            *o = a.tanh();
        }
    }
    tr.feature.clear();
    match readout {
        RnnReadout::LastState => tr.feature.extend_from_slice(&tr.h[steps * hd..]),
        RnnReadout::MeanState => {
            tr.feature.resize(hd, R::ZERO);
            for t in 1..=steps {
                acc(&mut tr.feature, &tr.h[t * hd..(t + 1) * hd]);
            }
            let inv = R::ONE / R::from_f64(steps as f64);
            for f in &mut tr.feature {
                *f *= inv;
            }
        }
    }
    let (h64, n64, s64) = (hd as u64, net.inputs as u64, steps as u64);
    c.forward.dense_mac += s64 * (n64 * h64 + h64 * h64);
    c.forward.spike_acc += rows * h64;
    c.synaptic_events += rows * h64;
    c.forward.mac += s64.saturating_sub(1) * h64 * h64;
    c.forward.add += u64::from(net.bias.is_some()) * s64 * h64;
    c.neuron_updates += s64 * h64;
    c.input_spikes += rows;
}

/// Backpropagation through time given `g = dL/d feature`; adds the
/// parameter gradients to `gw_in`, `gw_rec`, `gb`.
///
/// ```text
/// dL/dh(t) = direct(t) + W_rec d(t+1);   d(t) = dL/dh(t) * (1 - h(t)^2)
/// dW_in[i, :] += d(t) (active i);  dW_rec[k, :] += h_k(t-1) d(t);  db += d(t)
/// ```
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn backward<R: Real, S: SpikeSteps + ?Sized>(
    net: &RnnNet<'_, R>,
    seq: &S,
    readout: RnnReadout,
    tr: &mut RnnTrace<R>,
    g: &[R],
    grad: &mut crate::srnn::SrnnGrad<'_, R>,
    c: &mut TrainingCounts,
) {
    let hd = net.hidden;
    let steps = tr.steps;
    tr.da.clear();
    tr.da.resize(hd, R::ZERO);
    tr.da_next.clear();
    tr.da_next.resize(hd, R::ZERO);
    let inv_t = R::ONE / R::from_f64(steps as f64);
    let mut rows = 0u64;
    for t in (0..steps).rev() {
        let last = t + 1 == steps;
        let ht = &tr.h[(t + 1) * hd..(t + 2) * hd];
        for j in 0..hd {
            let mut dh = match readout {
                RnnReadout::LastState if last => g[j],
                RnnReadout::LastState => R::ZERO,
                RnnReadout::MeanState => g[j] * inv_t,
            };
            if !last {
                dh += dot(&net.w_rec[j * hd..(j + 1) * hd], &tr.da_next);
            }
            tr.da[j] = dh * (R::ONE - ht[j] * ht[j]);
        }
        let da = &tr.da;
        if let Some(gb) = grad.bias.as_deref_mut() {
            acc(gb, da);
        }
        let active = seq.step(t);
        rows += active.len() as u64;
        for &i in active {
            let i = i as usize;
            acc(&mut grad.w_in[i * hd..(i + 1) * hd], da);
        }
        if t > 0 {
            let prev = &tr.h[t * hd..(t + 1) * hd];
            for (k, &hk) in prev.iter().enumerate() {
                axpy(&mut grad.w_rec[k * hd..(k + 1) * hd], hk, da);
            }
        }
        std::mem::swap(&mut tr.da, &mut tr.da_next);
    }
    let (h64, n64, s64) = (hd as u64, net.inputs as u64, steps as u64);
    c.backward.dense_mac += s64 * (n64 * h64 + 2 * h64 * h64);
    c.backward.spike_acc += rows * h64;
    // Recurrent input gradient (all steps but the last) and the recurrent
    // weight gradient (all steps but the first).
    c.backward.mac += 2 * s64.saturating_sub(1) * h64 * h64;
    c.backward.mul += 3 * s64 * h64;
    c.backward.add += (1 + u64::from(net.bias.is_some())) * s64 * h64;
}
