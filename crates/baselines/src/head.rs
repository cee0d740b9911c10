//! Dense (ANN) heads and the classification losses.

use std::ops::Range;

use readout::Activation;

use crate::counts::TrainingCounts;
use crate::params::{AnnHeadParams, Loss};
use crate::real::{Real, axpy, dot};
use crate::srnn::uniform;

/// One dense layer `y = x W + b` in a flat parameter vector; `W` is
/// `inputs x outputs`, row `i` the fan-out of input `i`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DenseLayout {
    pub(crate) inputs: usize,
    pub(crate) outputs: usize,
    pub(crate) activation: Option<Activation>,
    pub(crate) w: Range<usize>,
    pub(crate) b: Range<usize>,
}

/// A stack of dense layers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MlpLayout {
    pub(crate) layers: Vec<DenseLayout>,
}

impl MlpLayout {
    /// `inputs -> hidden layers -> outputs` starting at `offset`.
    pub(crate) fn new(
        inputs: usize,
        params: &AnnHeadParams,
        outputs: usize,
        offset: usize,
    ) -> MlpLayout {
        let mut layers = Vec::new();
        let mut at = offset;
        let mut fan_in = inputs;
        let widths = params
            .hidden_layers
            .iter()
            .map(|l| (l.width, Some(l.activation)))
            .chain(std::iter::once((outputs, None)));
        for (width, activation) in widths {
            let w = at..at + fan_in * width;
            let b = w.end..w.end + width;
            at = b.end;
            layers.push(DenseLayout {
                inputs: fan_in,
                outputs: width,
                activation,
                w,
                b,
            });
            fan_in = width;
        }
        MlpLayout { layers }
    }

    /// A single linear or activated layer (projection heads).
    pub(crate) fn single(
        inputs: usize,
        outputs: usize,
        activation: Option<Activation>,
        offset: usize,
    ) -> MlpLayout {
        let w = offset..offset + inputs * outputs;
        let b = w.end..w.end + outputs;
        MlpLayout {
            layers: vec![DenseLayout {
                inputs,
                outputs,
                activation,
                w,
                b,
            }],
        }
    }

    pub(crate) fn end(&self) -> usize {
        self.layers.last().map_or(0, |l| l.b.end)
    }

    /// PyTorch `nn.Linear` initialisation, bound `scale / sqrt(inputs)`;
    /// layer by layer, weights row by row then biases.
    pub(crate) fn init<Rg: rand::Rng + ?Sized>(&self, theta: &mut [f32], scale: f64, rng: &mut Rg) {
        for l in &self.layers {
            let bound = scale / (l.inputs as f64).sqrt();
            uniform(&mut theta[l.w.clone()], bound, rng);
            uniform(&mut theta[l.b.clone()], bound, rng);
        }
    }

    /// Forward pass of one sample: `cache.pre[l]`, `cache.post[l]` per layer;
    /// the output is `cache.output()`.
    pub(crate) fn forward<R: Real>(
        &self,
        theta: &[R],
        x: &[R],
        cache: &mut MlpCache<R>,
        c: &mut TrainingCounts,
    ) {
        let n = self.layers.len();
        cache.input.clear();
        cache.input.extend_from_slice(x);
        cache.pre.resize(n, Vec::new());
        cache.post.resize(n, Vec::new());
        for (li, l) in self.layers.iter().enumerate() {
            let (done, rest) = cache.post.split_at_mut(li);
            let input: &[R] = if li == 0 { &cache.input } else { &done[li - 1] };
            let pre = &mut cache.pre[li];
            pre.clear();
            pre.extend_from_slice(&theta[l.b.clone()]);
            let w = &theta[l.w.clone()];
            for (i, &xi) in input.iter().enumerate() {
                axpy(pre, xi, &w[i * l.outputs..(i + 1) * l.outputs]);
            }
            let post = &mut rest[0];
            post.clear();
            match l.activation {
                Some(a) => post.extend(pre.iter().map(|&p| R::from_f64(a.apply(p.to_f64())))),
                None => post.extend_from_slice(pre),
            }
            let m = (l.inputs * l.outputs) as u64;
            c.forward.dense_mac += m;
            c.forward.mac += m;
            c.forward.add += l.outputs as u64;
        }
    }

    /// Backward pass: `g` is `dL/d output` (consumed); adds the parameter
    /// gradients to `grad` and writes `dL/dx` into `gx`.
    pub(crate) fn backward<R: Real>(
        &self,
        theta: &[R],
        cache: &mut MlpCache<R>,
        g: &[R],
        grad: &mut [R],
        gx: &mut Vec<R>,
        c: &mut TrainingCounts,
    ) {
        let mut cur: Vec<R> = g.to_vec();
        for (li, l) in self.layers.iter().enumerate().rev() {
            if let Some(a) = l.activation {
                for (gv, &p) in cur.iter_mut().zip(&cache.pre[li]) {
                    *gv *= R::from_f64(a.derivative(p.to_f64()));
                }
                c.backward.mul += l.outputs as u64;
            }
            let input: &[R] = if li == 0 {
                &cache.input
            } else {
                &cache.post[li - 1]
            };
            for (gb, &gv) in grad[l.b.clone()].iter_mut().zip(&cur) {
                *gb += gv;
            }
            let gw = &mut grad[l.w.clone()];
            for (i, &xi) in input.iter().enumerate() {
                axpy(&mut gw[i * l.outputs..(i + 1) * l.outputs], xi, &cur);
            }
            let w = &theta[l.w.clone()];
            let mut next = vec![R::ZERO; l.inputs];
            for (i, nv) in next.iter_mut().enumerate() {
                *nv = dot(&w[i * l.outputs..(i + 1) * l.outputs], &cur);
            }
            let m = (l.inputs * l.outputs) as u64;
            c.backward.dense_mac += 2 * m;
            c.backward.mac += 2 * m;
            c.backward.add += l.outputs as u64;
            cur = next;
        }
        gx.clear();
        gx.extend_from_slice(&cur);
    }
}

/// Activations of a dense stack for one sample.
#[derive(Clone, Debug, Default)]
pub(crate) struct MlpCache<R> {
    input: Vec<R>,
    pre: Vec<Vec<R>>,
    post: Vec<Vec<R>>,
}

impl<R: Real> MlpCache<R> {
    pub(crate) fn output(&self) -> &[R] {
        self.post.last().map_or(&[], |v| v.as_slice())
    }
}

/// Loss of outputs `y` against class `label`, with `dL/dy` in `g`.
pub(crate) fn loss_grad<R: Real>(loss: Loss, y: &[R], label: usize, g: &mut Vec<R>) -> f64 {
    g.clear();
    let n = y.len();
    match loss {
        Loss::Mse => {
            let inv = 1.0 / n as f64;
            let mut l = 0.0;
            for (k, &yk) in y.iter().enumerate() {
                let d = yk.to_f64() - if k == label { 1.0 } else { 0.0 };
                l += d * d * inv;
                g.push(R::from_f64(2.0 * d * inv));
            }
            l
        }
        Loss::CrossEntropy => {
            let m = y
                .iter()
                .map(|v| v.to_f64())
                .fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = y.iter().map(|v| (v.to_f64() - m).exp()).sum();
            let lse = m + s.ln();
            for (k, &yk) in y.iter().enumerate() {
                let p = (yk.to_f64() - lse).exp();
                g.push(R::from_f64(p - if k == label { 1.0 } else { 0.0 }));
            }
            lse - y[label].to_f64()
        }
    }
}

/// Index of the largest value, the first on ties (as `torch.max`).
pub(crate) fn argmax<R: Real>(y: &[R]) -> usize {
    let mut best = 0;
    for k in 1..y.len() {
        if y[k] > y[best] {
            best = k;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::HiddenLayer;

    #[test]
    fn losses_match_hand_values_and_finite_differences() {
        // MSE of y = (0.5, 0.2) against class 0: ((0.5-1)^2 + 0.2^2) / 2.
        let mut g = Vec::new();
        let l = loss_grad(Loss::Mse, &[0.5f64, 0.2], 0, &mut g);
        assert!((l - 0.145).abs() < 1e-15);
        assert_eq!(g, vec![-0.5, 0.2]);
        // CE of equal logits over 4 classes: ln 4.
        let l = loss_grad(Loss::CrossEntropy, &[1.0f64; 4], 2, &mut g);
        assert!((l - 4f64.ln()).abs() < 1e-15);
        // Central differences (h = 1e-6, smooth, O(1) values: 1e-8).
        let y = [0.3f64, -1.2, 2.0];
        for loss in [Loss::Mse, Loss::CrossEntropy] {
            loss_grad(loss, &y, 1, &mut g);
            for k in 0..3 {
                let mut a = y;
                let mut b = y;
                a[k] += 1e-6;
                b[k] -= 1e-6;
                let fd = (loss_grad(loss, &a, 1, &mut Vec::new())
                    - loss_grad(loss, &b, 1, &mut Vec::new()))
                    / 2e-6;
                assert!((fd - g[k]).abs() < 1e-8, "{loss:?} {k}");
            }
        }
        assert_eq!(argmax(&[1.0f64, 3.0, 3.0]), 1);
        assert_eq!(argmax(&[1.0f64, 0.0, 3.0]), 2);
    }

    #[test]
    fn mlp_gradients_match_finite_differences() {
        let p = AnnHeadParams {
            hidden_layers: vec![HiddenLayer {
                width: 4,
                activation: Activation::Gelu,
            }],
        };
        let lay = MlpLayout::new(3, &p, 2, 0);
        let mut theta32 = vec![0f32; lay.end()];
        lay.init(
            &mut theta32,
            1.0,
            &mut seeds::Seeds::new(1).stream(seeds::Purpose::ModelInit),
        );
        let theta: Vec<f64> = theta32.iter().map(|&v| f64::from(v)).collect();
        let x = [0.4f64, -0.3, 0.9];
        let f = |th: &[f64], x: &[f64]| {
            let mut c = MlpCache::default();
            lay.forward(th, x, &mut c, &mut TrainingCounts::default());
            loss_grad(Loss::CrossEntropy, c.output(), 1, &mut Vec::new())
        };
        let mut cache = MlpCache::default();
        let mut cnt = TrainingCounts::default();
        lay.forward(&theta, &x, &mut cache, &mut cnt);
        let mut g = Vec::new();
        loss_grad(Loss::CrossEntropy, cache.output(), 1, &mut g);
        let mut grad = vec![0.0; theta.len()];
        let mut gx = Vec::new();
        lay.backward(&theta, &mut cache, &g, &mut grad, &mut gx, &mut cnt);
        // h = 1e-6 on an O(1) smooth loss: error ~1e-10; bound 1e-7.
        let h = 1e-6;
        for k in 0..theta.len() {
            let (mut a, mut b) = (theta.clone(), theta.clone());
            a[k] += h;
            b[k] -= h;
            let fd = (f(&a, &x) - f(&b, &x)) / (2.0 * h);
            assert!(
                (fd - grad[k]).abs() < 1e-7,
                "param {k}: {fd} vs {}",
                grad[k]
            );
        }
        for k in 0..3 {
            let (mut a, mut b) = (x, x);
            a[k] += h;
            b[k] -= h;
            let fd = (f(&theta, &a) - f(&theta, &b)) / (2.0 * h);
            assert!((fd - gx[k]).abs() < 1e-7, "input {k}");
        }
        // Dense MACs: forward 3x4 + 4x2 = 20, backward twice that.
        assert_eq!(cnt.forward.dense_mac, 20);
        assert_eq!(cnt.backward.dense_mac, 40);
    }
}
