//! The spiking recurrent layer and the spiking readout: event-driven forward
//! passes and hand-written backpropagation through time.
//!
//! Both kernels are generic over the scalar (`f32` for training, `f64` for
//! the gradient checks) and over `SOFT`: with `SOFT = false` spikes are the
//! Heaviside step and the backward pass uses the surrogate derivative; with
//! `SOFT = true` the step is replaced by the surrogate's primitive (a smooth
//! sigmoid), every neuron emits a real-valued "spike" and the same backward
//! pass is the exact gradient of that smooth network (used to check the
//! backward pass against finite differences).

use multiversion::multiversion;
use spikes::SpikeSteps;
use std::ops::Range;

use crate::counts::TrainingCounts;
use crate::params::{LifParams, Surrogate};
use crate::real::{Real, acc, axpy, dot};

/// LIF constants in the kernel's scalar type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lif<R> {
    pub(crate) decay: R,
    pub(crate) gain: R,
    pub(crate) v_th: R,
    /// `(1 - decay) * v_rest`.
    pub(crate) c_rest: R,
    pub(crate) v_reset: R,
    /// Initial potential (`v_rest`).
    pub(crate) v_init: R,
}

impl<R: Real> Lif<R> {
    pub(crate) fn new(p: &LifParams) -> Lif<R> {
        Lif {
            decay: R::from_f64(p.decay),
            gain: R::from_f64(p.gain),
            v_th: R::from_f64(p.v_th),
            c_rest: R::from_f64((1.0 - p.decay) * p.v_rest),
            v_reset: R::from_f64(p.v_reset),
            v_init: R::from_f64(p.v_rest),
        }
    }
}

/// Surrogate constants in the kernel's scalar type.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sg<R> {
    Rect { half_width: R, height: R },
    Fast { slope: R },
}

impl<R: Real> Sg<R> {
    pub(crate) fn new(s: &Surrogate) -> Sg<R> {
        match *s {
            Surrogate::Rectangular { half_width, height } => Sg::Rect {
                half_width: R::from_f64(half_width),
                height: R::from_f64(height),
            },
            Surrogate::FastSigmoid { slope } => Sg::Fast {
                slope: R::from_f64(slope),
            },
        }
    }

    /// `dS/du` at `x = u - v_th`.
    #[inline(always)]
    pub(crate) fn deriv(&self, x: R) -> R {
        match *self {
            Sg::Rect { half_width, height } => {
                if x.abs() < half_width {
                    height
                } else {
                    R::ZERO
                }
            }
            Sg::Fast { slope } => {
                let d = R::ONE + slope * x.abs();
                R::ONE / (d * d)
            }
        }
    }

    /// The smooth spike of the soft network.
    #[inline(always)]
    pub(crate) fn prim(&self, x: R) -> R {
        match *self {
            Sg::Rect { half_width, height } => {
                let y = x + half_width;
                let w = half_width + half_width;
                height
                    * if y < R::ZERO {
                        R::ZERO
                    } else if y > w {
                        w
                    } else {
                        y
                    }
            }
            Sg::Fast { slope } => x / (R::ONE + slope * x.abs()) + R::ONE / slope,
        }
    }
}

/// Where the parameters of a spiking recurrent layer sit in a flat vector.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SrnnLayout {
    pub(crate) inputs: usize,
    pub(crate) hidden: usize,
    /// `inputs x hidden`, row `i` the fan-out of input `i`.
    pub(crate) w_in: Range<usize>,
    /// `hidden x hidden`, row `k` the fan-out of neuron `k`.
    pub(crate) w_rec: Range<usize>,
    pub(crate) bias: Option<Range<usize>>,
}

impl SrnnLayout {
    /// Layout starting at `offset`.
    pub(crate) fn new(inputs: usize, hidden: usize, bias: bool, offset: usize) -> SrnnLayout {
        let a = offset + inputs * hidden;
        let b = a + hidden * hidden;
        SrnnLayout {
            inputs,
            hidden,
            w_in: offset..a,
            w_rec: a..b,
            bias: bias.then_some(b..b + hidden),
        }
    }

    /// One past the last parameter.
    pub(crate) fn end(&self) -> usize {
        self.bias.as_ref().map_or(self.w_rec.end, |b| b.end)
    }

    /// Fills the layer's parameters with PyTorch's `nn.Linear` initialisation
    /// scaled per matrix: the input matrix and biases with bound
    /// `input_scale / sqrt(inputs)`, the recurrent matrix with
    /// `recurrent_scale / sqrt(hidden)`. Draw order: input weights row by
    /// row, recurrent weights row by row, biases.
    pub(crate) fn init<Rg: rand::Rng + ?Sized>(
        &self,
        theta: &mut [f32],
        input_bound: f64,
        recurrent_bound: f64,
        rng: &mut Rg,
    ) {
        uniform(&mut theta[self.w_in.clone()], input_bound, rng);
        uniform(&mut theta[self.w_rec.clone()], recurrent_bound, rng);
        if let Some(b) = &self.bias {
            uniform(&mut theta[b.clone()], input_bound, rng);
        }
    }

    /// Read-only view of the layer in `theta`.
    pub(crate) fn view<'a, R: Real>(
        &self,
        theta: &'a [R],
        lif: Lif<R>,
        sg: Sg<R>,
        detach_reset: bool,
    ) -> SrnnNet<'a, R> {
        SrnnNet {
            inputs: self.inputs,
            hidden: self.hidden,
            w_in: &theta[self.w_in.clone()],
            w_rec: &theta[self.w_rec.clone()],
            bias: self.bias.as_ref().map(|b| &theta[b.clone()]),
            lif,
            sg,
            detach_reset,
        }
    }

    /// Mutable gradient view of the layer in `grad`.
    pub(crate) fn grad_view<'a, R: Real>(&self, grad: &'a mut [R]) -> SrnnGrad<'a, R> {
        let (head, rest) = grad.split_at_mut(self.w_rec.start);
        let w_in = &mut head[self.w_in.clone()];
        let (w_rec, rest) = rest.split_at_mut(self.w_rec.len());
        let bias = self.bias.as_ref().map(|b| {
            let start = b.start - self.w_rec.end;
            &mut rest[start..start + b.len()]
        });
        SrnnGrad { w_in, w_rec, bias }
    }
}

/// Uniform values in `[-bound, bound]`.
pub(crate) fn uniform<Rg: rand::Rng + ?Sized>(out: &mut [f32], bound: f64, rng: &mut Rg) {
    use rand::RngExt;
    for v in out {
        *v = (bound * (2.0 * rng.random::<f64>() - 1.0)) as f32;
    }
}

/// A spiking recurrent layer over borrowed weights.
pub(crate) struct SrnnNet<'a, R> {
    pub(crate) inputs: usize,
    pub(crate) hidden: usize,
    pub(crate) w_in: &'a [R],
    pub(crate) w_rec: &'a [R],
    pub(crate) bias: Option<&'a [R]>,
    pub(crate) lif: Lif<R>,
    pub(crate) sg: Sg<R>,
    pub(crate) detach_reset: bool,
}

/// Gradient buffers of a spiking recurrent layer.
pub(crate) struct SrnnGrad<'a, R> {
    pub(crate) w_in: &'a mut [R],
    pub(crate) w_rec: &'a mut [R],
    pub(crate) bias: Option<&'a mut [R]>,
}

/// Forward trace of one sample (what the backward pass needs) and scratch.
#[derive(Clone, Debug, Default)]
pub(crate) struct SrnnTrace<R> {
    pub(crate) steps: usize,
    hidden: usize,
    /// Pre-reset potentials `u(t)`, `steps x hidden`.
    pub(crate) u: Vec<R>,
    /// Hard spikes: `spk_idx[spk_off[t]..spk_off[t + 1]]` fired at step `t`.
    pub(crate) spk_off: Vec<u32>,
    pub(crate) spk_idx: Vec<u32>,
    /// Soft spikes, `steps x hidden` (empty in hard mode).
    pub(crate) r: Vec<R>,
    /// Spikes summed over the steps, per neuron.
    pub(crate) counts: Vec<R>,
    cur: Vec<R>,
    v: Vec<R>,
    du_next: Vec<R>,
    di_next: Vec<R>,
    du: Vec<R>,
    di: Vec<R>,
}

impl<R: Real> SrnnTrace<R> {
    fn prepare(&mut self, steps: usize, hidden: usize, soft: bool) {
        self.steps = steps;
        self.hidden = hidden;
        self.u.clear();
        self.u.resize(steps * hidden, R::ZERO);
        self.spk_off.clear();
        self.spk_off.push(0);
        self.spk_idx.clear();
        self.r.clear();
        if soft {
            self.r.resize(steps * hidden, R::ZERO);
        }
        for b in [&mut self.counts, &mut self.cur, &mut self.v] {
            b.clear();
            b.resize(hidden, R::ZERO);
        }
    }

    /// Indices of the neurons that fired at step `t` (hard mode).
    #[inline(always)]
    pub(crate) fn spikes(&self, t: usize) -> &[u32] {
        &self.spk_idx[self.spk_off[t] as usize..self.spk_off[t + 1] as usize]
    }

    /// Soft spikes of step `t`.
    #[inline(always)]
    pub(crate) fn soft(&self, t: usize) -> &[R] {
        &self.r[t * self.hidden..(t + 1) * self.hidden]
    }
}

/// Forward pass over the first `steps` steps of `seq`.
///
/// Work per step: the weight rows of the active inputs and of last step's
/// spiking neurons are added to the bias (no multiplication), then
/// `hidden` membrane updates.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn forward<R: Real, const SOFT: bool, S: SpikeSteps + ?Sized>(
    net: &SrnnNet<'_, R>,
    seq: &S,
    steps: usize,
    tr: &mut SrnnTrace<R>,
    c: &mut TrainingCounts,
) {
    let h = net.hidden;
    tr.prepare(steps, h, SOFT);
    let lif = net.lif;
    let SrnnTrace {
        u,
        spk_off,
        spk_idx,
        r,
        counts,
        cur,
        v,
        ..
    } = tr;
    v.fill(lif.v_init);
    let mut recurrent_rows = 0u64;
    let mut input_rows = 0u64;
    for t in 0..steps {
        match net.bias {
            Some(b) => cur.copy_from_slice(b),
            None => cur.fill(R::ZERO),
        }
        let active = seq.step(t);
        input_rows += active.len() as u64;
        for &i in active {
            let i = i as usize;
            acc(cur, &net.w_in[i * h..(i + 1) * h]);
        }
        if t > 0 {
            if SOFT {
                let prev = &r[(t - 1) * h..t * h];
                for (k, &rk) in prev.iter().enumerate() {
                    axpy(cur, rk, &net.w_rec[k * h..(k + 1) * h]);
                }
            } else {
                let prev = &spk_idx[spk_off[t - 1] as usize..spk_off[t] as usize];
                recurrent_rows += prev.len() as u64;
                for &k in prev {
                    let k = k as usize;
                    acc(cur, &net.w_rec[k * h..(k + 1) * h]);
                }
            }
        }
        let ut = &mut u[t * h..(t + 1) * h];
        for ((uj, &vj), &cj) in ut.iter_mut().zip(v.iter()).zip(cur.iter()) {
            *uj = lif.decay * vj + lif.gain * cj + lif.c_rest;
        }
        if SOFT {
            let rt = &mut r[t * h..(t + 1) * h];
            for j in 0..h {
                let s = net.sg.prim(ut[j] - lif.v_th);
                rt[j] = s;
                v[j] = ut[j] * (R::ONE - s) + lif.v_reset * s;
                counts[j] += s;
            }
        } else {
            for j in 0..h {
                if ut[j] > lif.v_th {
                    spk_idx.push(j as u32);
                    v[j] = lif.v_reset;
                    counts[j] += R::ONE;
                } else {
                    v[j] = ut[j];
                }
            }
            spk_off.push(spk_idx.len() as u32);
        }
    }
    let (h64, n64, s64) = (h as u64, net.inputs as u64, steps as u64);
    c.forward.dense_mac += s64 * (n64 * h64 + h64 * h64);
    if SOFT {
        c.forward.mac += s64.saturating_sub(1) * h64 * h64;
    } else {
        c.forward.spike_acc += (input_rows + recurrent_rows) * h64;
        c.synaptic_events += (input_rows + recurrent_rows) * h64;
    }
    // Membrane update: decay * v, gain * I (2 mul), two additions, the
    // bias initialisation (counted as additions), one threshold test.
    c.forward.mul += 2 * s64 * h64;
    c.forward.add += (2 + u64::from(net.bias.is_some())) * s64 * h64;
    c.forward.compare += s64 * h64;
    c.neuron_updates += s64 * h64;
    c.input_spikes += input_rows;
    c.hidden_spikes += spk_idx.len() as u64;
}

/// Gradient with respect to the hidden spikes that does not come through
/// the recurrence (from the head).
pub(crate) enum Direct<'a, R> {
    /// `dL/dr_j(t) = g[j]` at every step (a head on the spike counts).
    Constant(&'a [R]),
    /// `dL/dr_j(t) = w[j, :] . d_io(t)` (a spiking readout whose input
    /// current gradient of step `t` is `d_io[t * classes..]`).
    Readout {
        w: &'a [R],
        classes: usize,
        d_io: &'a [R],
    },
}

/// Backpropagation through time of the layer given the gradients that
/// reach its spikes from the head; adds the parameter gradients to `g`.
///
/// With `d(t) = dL/du(t)` (pre-reset potential) and `e(t) = dL/dv(t) =
/// decay * d(t+1)`:
///
/// ```text
/// dL/dr_j(t) = direct_j(t) + gain * sum_m W_rec[j, m] d_m(t+1)
///              + e_j(t) * (v_reset - u_j(t))          (unless detach_reset)
/// d_j(t)     = dL/dr_j(t) * S'(u_j(t) - v_th) + e_j(t) * (1 - r_j(t))
/// dW_in[i, :] += gain d(t) for active inputs i;  dW_rec[k, :] += gain d(t)
/// for neurons k that fired at t-1;  db += gain d(t)
/// ```
///
/// `dL/dr_j(t)` is only formed where `S'` is nonzero (the rectangular
/// window): the recurrent product is `|window| x hidden` per step, and the
/// weight gradients touch only active rows.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn backward<R: Real, const SOFT: bool, S: SpikeSteps + ?Sized>(
    net: &SrnnNet<'_, R>,
    seq: &S,
    tr: &mut SrnnTrace<R>,
    direct: &Direct<'_, R>,
    g: &mut SrnnGrad<'_, R>,
    c: &mut TrainingCounts,
) {
    let h = net.hidden;
    let steps = tr.steps;
    let lif = net.lif;
    for b in [&mut tr.du_next, &mut tr.di_next, &mut tr.du, &mut tr.di] {
        b.clear();
        b.resize(h, R::ZERO);
    }
    let mut window_total = 0u64;
    let mut window_with_future = 0u64;
    let mut grad_rows = 0u64;
    for t in (0..steps).rev() {
        let last = t + 1 == steps;
        let ut = &tr.u[t * h..(t + 1) * h];
        let rt: &[R] = if SOFT { &tr.r[t * h..(t + 1) * h] } else { &[] };
        let mut window = 0u64;
        for j in 0..h {
            let uj = ut[j];
            let sd = net.sg.deriv(uj - lif.v_th);
            let rj = if SOFT {
                rt[j]
            } else if uj > lif.v_th {
                R::ONE
            } else {
                R::ZERO
            };
            let e = lif.decay * tr.du_next[j];
            let mut d = e * (R::ONE - rj);
            if sd != R::ZERO {
                window += 1;
                let mut dr = match direct {
                    Direct::Constant(gv) => gv[j],
                    Direct::Readout { w, classes, d_io } => dot(
                        &w[j * classes..(j + 1) * classes],
                        &d_io[t * classes..(t + 1) * classes],
                    ),
                };
                if !last {
                    dr += dot(&net.w_rec[j * h..(j + 1) * h], &tr.di_next);
                }
                if !net.detach_reset {
                    dr += e * (lif.v_reset - uj);
                }
                d += dr * sd;
            }
            tr.du[j] = d;
            tr.di[j] = lif.gain * d;
        }
        window_total += window;
        if !last {
            window_with_future += window;
        }
        let di = &tr.di;
        if let Some(gb) = g.bias.as_deref_mut() {
            acc(gb, di);
        }
        let active = seq.step(t);
        grad_rows += active.len() as u64;
        for &i in active {
            let i = i as usize;
            acc(&mut g.w_in[i * h..(i + 1) * h], di);
        }
        if t > 0 {
            if SOFT {
                let prev = &tr.r[(t - 1) * h..t * h];
                for (k, &rk) in prev.iter().enumerate() {
                    axpy(&mut g.w_rec[k * h..(k + 1) * h], rk, di);
                }
            } else {
                let prev = &tr.spk_idx[tr.spk_off[t - 1] as usize..tr.spk_off[t] as usize];
                grad_rows += prev.len() as u64;
                for &k in prev {
                    let k = k as usize;
                    acc(&mut g.w_rec[k * h..(k + 1) * h], di);
                }
            }
        }
        std::mem::swap(&mut tr.du_next, &mut tr.du);
        std::mem::swap(&mut tr.di_next, &mut tr.di);
    }
    let (h64, n64, s64) = (h as u64, net.inputs as u64, steps as u64);
    // Dense equivalent: input-weight gradient, recurrent-weight gradient and
    // the recurrent input gradient, every step.
    c.backward.dense_mac += s64 * (n64 * h64 + 2 * h64 * h64);
    c.backward.mac += window_with_future * h64;
    if let Direct::Readout { classes, .. } = direct {
        c.backward.mac += window_total * *classes as u64;
    }
    if SOFT {
        c.backward.mac += s64.saturating_sub(1) * h64 * h64;
        c.backward.spike_acc += grad_rows * h64;
    } else {
        c.backward.spike_acc += grad_rows * h64;
    }
    // Per neuron and step: decay * d(t+1), e * (1 - r), gain * d (3 mul,
    // 2 add); in the window also dL/dr * S', the reset term (2 mul, 3 add);
    // the bias gradient (1 add).
    c.backward.mul += 3 * s64 * h64 + 2 * window_total;
    c.backward.add += (2 + u64::from(net.bias.is_some())) * s64 * h64 + 3 * window_total;
}

/// Where the parameters of a spiking readout sit in a flat vector.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SnnHeadLayout {
    pub(crate) hidden: usize,
    pub(crate) classes: usize,
    /// `hidden x classes`, row `k` the fan-out of hidden neuron `k`.
    pub(crate) w: Range<usize>,
    pub(crate) bias: Option<Range<usize>>,
}

impl SnnHeadLayout {
    pub(crate) fn new(hidden: usize, classes: usize, bias: bool, offset: usize) -> SnnHeadLayout {
        let a = offset + hidden * classes;
        SnnHeadLayout {
            hidden,
            classes,
            w: offset..a,
            bias: bias.then_some(a..a + classes),
        }
    }

    pub(crate) fn end(&self) -> usize {
        self.bias.as_ref().map_or(self.w.end, |b| b.end)
    }
}

/// Forward trace and scratch of a spiking readout.
#[derive(Clone, Debug, Default)]
pub(crate) struct SnnHeadTrace<R> {
    steps: usize,
    classes: usize,
    /// Pre-reset potentials, `steps x classes`.
    u: Vec<R>,
    /// Soft output spikes, `steps x classes` (soft mode only).
    o: Vec<R>,
    /// Output spikes summed over the steps.
    pub(crate) counts: Vec<R>,
    /// Input-current gradients, `steps x classes`.
    pub(crate) d_io: Vec<R>,
    cur: Vec<R>,
    v: Vec<R>,
    du_next: Vec<R>,
}

/// Spiking readout over borrowed weights.
pub(crate) struct SnnHeadNet<'a, R> {
    pub(crate) classes: usize,
    pub(crate) w: &'a [R],
    pub(crate) bias: Option<&'a [R]>,
    pub(crate) lif: Lif<R>,
    pub(crate) sg: Sg<R>,
    pub(crate) detach_reset: bool,
}

/// Forward pass of the spiking readout on the hidden layer's trace.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn head_forward<R: Real, const SOFT: bool>(
    net: &SnnHeadNet<'_, R>,
    hid: &SrnnTrace<R>,
    tr: &mut SnnHeadTrace<R>,
    c: &mut TrainingCounts,
) {
    let nc = net.classes;
    let steps = hid.steps;
    tr.steps = steps;
    tr.classes = nc;
    tr.u.clear();
    tr.u.resize(steps * nc, R::ZERO);
    tr.o.clear();
    if SOFT {
        tr.o.resize(steps * nc, R::ZERO);
    }
    for b in [&mut tr.counts, &mut tr.cur, &mut tr.v] {
        b.clear();
        b.resize(nc, R::ZERO);
    }
    let lif = net.lif;
    tr.v.fill(lif.v_init);
    let mut rows = 0u64;
    let mut fired = 0u64;
    for t in 0..steps {
        match net.bias {
            Some(b) => tr.cur.copy_from_slice(b),
            None => tr.cur.fill(R::ZERO),
        }
        if SOFT {
            for (k, &rk) in hid.soft(t).iter().enumerate() {
                axpy(&mut tr.cur, rk, &net.w[k * nc..(k + 1) * nc]);
            }
        } else {
            let s = hid.spikes(t);
            rows += s.len() as u64;
            for &k in s {
                let k = k as usize;
                acc(&mut tr.cur, &net.w[k * nc..(k + 1) * nc]);
            }
        }
        for j in 0..nc {
            let u = lif.decay * tr.v[j] + lif.gain * tr.cur[j] + lif.c_rest;
            tr.u[t * nc + j] = u;
            if SOFT {
                let s = net.sg.prim(u - lif.v_th);
                tr.o[t * nc + j] = s;
                tr.v[j] = u * (R::ONE - s) + lif.v_reset * s;
                tr.counts[j] += s;
            } else if u > lif.v_th {
                tr.v[j] = lif.v_reset;
                tr.counts[j] += R::ONE;
                fired += 1;
            } else {
                tr.v[j] = u;
            }
        }
    }
    let (h64, c64, s64) = (hid.hidden as u64, nc as u64, steps as u64);
    c.forward.dense_mac += s64 * h64 * c64;
    if SOFT {
        c.forward.mac += s64 * h64 * c64;
    } else {
        c.forward.spike_acc += rows * c64;
        c.synaptic_events += rows * c64;
    }
    c.forward.mul += 2 * s64 * c64;
    c.forward.add += (3 + u64::from(net.bias.is_some())) * s64 * c64;
    c.forward.compare += s64 * c64;
    c.neuron_updates += s64 * c64;
    c.output_spikes += fired;
}

/// Backward pass of the spiking readout given `g = dL/dy` with
/// `y = counts / steps`; fills `tr.d_io` (for the hidden layer's backward
/// pass) and adds the readout's gradients to `gw` and `gb`.
#[allow(clippy::too_many_arguments)]
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq",
    "x86_64+avx2+avx",
    "x86_64+sse4.1",
    "aarch64+neon"
))]
pub(crate) fn head_backward<R: Real, const SOFT: bool>(
    net: &SnnHeadNet<'_, R>,
    hid: &SrnnTrace<R>,
    tr: &mut SnnHeadTrace<R>,
    g: &[R],
    gw: &mut [R],
    mut gb: Option<&mut [R]>,
    c: &mut TrainingCounts,
) {
    let nc = net.classes;
    let steps = tr.steps;
    let lif = net.lif;
    let inv_t = R::ONE / R::from_f64(steps as f64);
    tr.d_io.clear();
    tr.d_io.resize(steps * nc, R::ZERO);
    tr.du_next.clear();
    tr.du_next.resize(nc, R::ZERO);
    let mut rows = 0u64;
    for t in (0..steps).rev() {
        for (j, &gj) in g.iter().enumerate().take(nc) {
            let u = tr.u[t * nc + j];
            let sd = net.sg.deriv(u - lif.v_th);
            let o = if SOFT {
                tr.o[t * nc + j]
            } else if u > lif.v_th {
                R::ONE
            } else {
                R::ZERO
            };
            let e = lif.decay * tr.du_next[j];
            let mut dr = gj * inv_t;
            if !net.detach_reset {
                dr += e * (lif.v_reset - u);
            }
            let d = e * (R::ONE - o) + dr * sd;
            tr.du_next[j] = d;
            tr.d_io[t * nc + j] = lif.gain * d;
        }
        let dio = &tr.d_io[t * nc..(t + 1) * nc];
        if let Some(gb) = gb.as_deref_mut() {
            acc(gb, dio);
        }
        if SOFT {
            for (k, &rk) in hid.soft(t).iter().enumerate() {
                axpy(&mut gw[k * nc..(k + 1) * nc], rk, dio);
            }
        } else {
            let s = hid.spikes(t);
            rows += s.len() as u64;
            for &k in s {
                let k = k as usize;
                acc(&mut gw[k * nc..(k + 1) * nc], dio);
            }
        }
    }
    let (h64, c64, s64) = (hid.hidden as u64, nc as u64, steps as u64);
    // Dense equivalent: weight gradient and the gradient into the hidden
    // spikes, every step.
    c.backward.dense_mac += 2 * s64 * h64 * c64;
    if SOFT {
        c.backward.mac += s64 * h64 * c64;
    } else {
        c.backward.spike_acc += rows * c64;
    }
    c.backward.mul += 5 * s64 * c64;
    c.backward.add += (4 + u64::from(net.bias.is_some())) * s64 * c64;
}

/// Mean firing probability per hidden neuron and step of the layer in
/// `theta` over `seqs` (first `window` steps of each).
pub(crate) fn firing_rate<S: SpikeSteps>(
    layout: &SrnnLayout,
    p: &crate::params::SrnnParams,
    window: Option<usize>,
    theta: &[f32],
    seqs: &[S],
) -> f64 {
    use rayon::prelude::*;
    let net = layout.view(
        theta,
        Lif::new(&p.lif),
        Sg::new(&p.surrogate),
        p.detach_reset,
    );
    let (spikes, steps) = seqs
        .par_iter()
        .map_init(SrnnTrace::<f32>::default, |tr, s| {
            let steps = window.map_or(s.steps(), |w| w.min(s.steps()));
            forward::<f32, false, _>(&net, s, steps, tr, &mut TrainingCounts::default());
            (tr.spk_idx.len() as u64, steps as u64)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    if steps == 0 {
        0.0
    } else {
        spikes as f64 / (steps as f64 * layout.hidden as f64)
    }
}

/// Sequences used by the input-scale calibration.
pub(crate) const CALIBRATION_SEQS: usize = 128;

/// Finds, by bisection on `ln s` over `[1e-3, 1e4]` (40 halvings), the
/// factor `s` at which `rate(s)` crosses `target` (`rate` assumed to grow
/// with `s`).
pub(crate) fn bisect_scale(target: f64, mut rate: impl FnMut(f64) -> f64) -> f64 {
    let (mut lo, mut hi) = (1e-3f64.ln(), 1e4f64.ln());
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if rate(mid.exp()) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

/// Multiplies `theta[ranges]` by `s`, reading the unscaled values from
/// `base`.
pub(crate) fn scale_ranges(theta: &mut [f32], base: &[f32], ranges: &[Range<usize>], s: f64) {
    for r in ranges {
        for (o, &b) in theta[r.clone()].iter_mut().zip(&base[r.clone()]) {
            *o = b * s as f32;
        }
    }
}

/// Multiplies the input weights and hidden biases in `theta` by the factor
/// that brings the untrained layer's firing probability on (up to) the
/// first [`CALIBRATION_SEQS`] of `seqs` to `target` (bisection on the log
/// of the factor over `[1e-3, 1e4]`, 40 halvings). Returns the factor.
pub(crate) fn calibrate_input_scale<S: SpikeSteps>(
    layout: &SrnnLayout,
    p: &crate::params::SrnnParams,
    window: Option<usize>,
    theta: &mut [f32],
    seqs: &[S],
    target: f64,
) -> f64 {
    let sample = &seqs[..seqs.len().min(CALIBRATION_SEQS)];
    let base: Vec<f32> = theta.to_vec();
    let mut ranges = vec![layout.w_in.clone()];
    ranges.extend(layout.bias.clone());
    let mut work = base.clone();
    let s = bisect_scale(target, |s| {
        scale_ranges(&mut work, &base, &ranges, s);
        firing_rate(layout, p, window, &work, sample)
    });
    scale_ranges(theta, &base, &ranges, s);
    s
}
