//! Dense layers and activations shared by the classifier, the projections and
//! the prototypical baseline. Activations are stored one row per sample.

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::data::{Op, gemm};
use crate::optim::Optimizer;

/// A pointwise non-linearity after a hidden or projection layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// `max(0, x)` (derivative 0 at 0).
    Relu,
    /// Exact Gaussian error linear unit `x Phi(x)` (PyTorch's `nn.GELU()`
    /// default), `Phi` the standard normal CDF.
    Gelu,
}

impl Activation {
    /// `f(x)`.
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Activation::Relu => x.max(0.0),
            Activation::Gelu => x * std_normal_cdf(x),
        }
    }

    /// `f'(x)`.
    pub fn derivative(self, x: f64) -> f64 {
        match self {
            Activation::Relu => {
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Gelu => {
                let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
                std_normal_cdf(x) + x * pdf
            }
        }
    }
}

/// The standard normal CDF, for GELU. `rram-device` has its own
/// (`rram_device::normal_cdf`, statrs) for formation probabilities; the two
/// stay apart on purpose: no crate both depend on may hold it (`readout`
/// depends on `costmodel` and `seeds` only, neither of which is a numerics
/// crate), and the needs differ: the exact GELU and its finite-difference
/// checks want libm's erfc (about 1 ulp), where statrs 0.19 is off by
/// 1.4e-11 at 1, which is immaterial for a formed fraction.
fn std_normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// A fully connected layer `y = x W + b` (one row per sample), `W` stored
/// inputs x outputs so that a sample's fan-out is contiguous.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Dense {
    pub(crate) w: DMatrix<f64>,
    pub(crate) b: DVector<f64>,
}

impl Dense {
    /// PyTorch's `nn.Linear` initialisation: weights and biases uniform in
    /// `[-1/sqrt(inputs), 1/sqrt(inputs)]`.
    pub(crate) fn init<R: Rng + ?Sized>(inputs: usize, outputs: usize, rng: &mut R) -> Dense {
        let bound = 1.0 / (inputs.max(1) as f64).sqrt();
        let mut draw = || bound * (2.0 * rng.random::<f64>() - 1.0);
        // Draw order: weights column by column (output by output), then biases.
        let w = DMatrix::from_fn(inputs, outputs, |_, _| draw());
        let b = DVector::from_fn(outputs, |_, _| draw());
        Dense { w, b }
    }

    pub(crate) fn inputs(&self) -> usize {
        self.w.nrows()
    }

    pub(crate) fn outputs(&self) -> usize {
        self.w.ncols()
    }

    pub(crate) fn n_params(&self) -> usize {
        self.w.len() + self.b.len()
    }

    /// `out = x W + 1 b^T` for `x` (batch x inputs, possibly given transposed),
    /// into `out` (batch x outputs).
    pub(crate) fn forward(&self, x: Op<'_>, out: &mut DMatrix<f64>) {
        gemm(out, 1.0, x, Op::N(&self.w));
        for (j, mut col) in out.column_iter_mut().enumerate() {
            col.add_scalar_mut(self.b[j]);
        }
    }
}

/// Optimiser slot sizes of dense layers: layer `k` owns slots `2k`
/// (weights) and `2k + 1` (bias).
pub(crate) fn slot_sizes<'a>(layers: impl IntoIterator<Item = &'a Dense>) -> Vec<usize> {
    layers
        .into_iter()
        .flat_map(|d| [d.w.len(), d.b.len()])
        .collect()
}

/// One optimiser update of dense layers from their gradients, layer `k` in
/// slots `2k` and `2k + 1` (see [`slot_sizes`]); the caller begins the step.
pub(crate) fn update_layers<'a>(
    opt: &mut Optimizer,
    layers: impl IntoIterator<Item = (&'a mut Dense, &'a DenseGrad)>,
) -> crate::Result<()> {
    for (k, (layer, g)) in layers.into_iter().enumerate() {
        opt.update(2 * k, layer.w.as_mut_slice(), g.w.as_slice())?;
        opt.update(2 * k + 1, layer.b.as_mut_slice(), g.b.as_slice())?;
    }
    Ok(())
}

/// Gradients of one dense layer.
#[derive(Clone, Debug)]
pub(crate) struct DenseGrad {
    pub(crate) w: DMatrix<f64>,
    pub(crate) b: DVector<f64>,
}

impl DenseGrad {
    pub(crate) fn zeros_like(d: &Dense) -> DenseGrad {
        DenseGrad {
            w: DMatrix::zeros(d.w.nrows(), d.w.ncols()),
            b: DVector::zeros(d.b.len()),
        }
    }

    /// Weight and bias gradients from the layer input given as an
    /// inputs x batch matrix `x_cols` (the input transposed) and the output
    /// gradient `g` (batch x outputs): `dW = x^T g`, `db = 1^T g`.
    pub(crate) fn set_from_cols(&mut self, x_cols: &DMatrix<f64>, g: &DMatrix<f64>) {
        gemm(&mut self.w, 1.0, Op::N(x_cols), Op::N(g));
        self.set_bias(g);
    }

    /// Same, with the layer input given as batch x inputs.
    pub(crate) fn set_from_rows(&mut self, x_rows: &DMatrix<f64>, g: &DMatrix<f64>) {
        gemm(&mut self.w, 1.0, Op::T(x_rows), Op::N(g));
        self.set_bias(g);
    }

    fn set_bias(&mut self, g: &DMatrix<f64>) {
        for (j, col) in g.column_iter().enumerate() {
            self.b[j] = col.sum();
        }
    }

    /// Adds `l2 * W` (the gradient of `l2/2 |W|^2`; biases are not decayed).
    pub(crate) fn add_l2(&mut self, layer: &Dense, l2: f64) {
        if l2 != 0.0 {
            self.w.zip_apply(&layer.w, |g, w| *g += l2 * w);
        }
    }
}

/// Input gradient `dx = g W^T` (batch x inputs) of a dense layer.
pub(crate) fn input_grad(layer: &Dense, g: &DMatrix<f64>, dx: &mut DMatrix<f64>) {
    gemm(dx, 1.0, Op::N(g), Op::T(&layer.w));
}

/// Applies `act` in place (if any).
pub(crate) fn activate(act: Option<Activation>, pre: &DMatrix<f64>, out: &mut DMatrix<f64>) {
    match act {
        Some(a) => {
            if out.shape() != pre.shape() {
                *out = DMatrix::zeros(pre.nrows(), pre.ncols());
            }
            out.zip_apply(pre, |o, p| *o = a.apply(p));
        }
        None => out.clone_from(pre),
    }
}

/// Multiplies the gradient `g` in place by `act'(pre)`.
pub(crate) fn activation_backward(
    act: Option<Activation>,
    pre: &DMatrix<f64>,
    g: &mut DMatrix<f64>,
) {
    if let Some(a) = act {
        g.zip_apply(pre, |gv, p| *gv *= a.derivative(p));
    }
}

/// Row-wise L2 normalisation with its cache for the backward pass.
pub(crate) struct RowNorm {
    /// Norms of the rows (clamped at `NORM_FLOOR`).
    pub(crate) norms: Vec<f64>,
}

/// Smallest norm divided by: keeps an all-zero row finite.
pub(crate) const NORM_FLOOR: f64 = 1e-12;

impl RowNorm {
    /// `out_i = u_i / |u_i|`.
    pub(crate) fn forward(u: &DMatrix<f64>, out: &mut DMatrix<f64>) -> RowNorm {
        let n = u.nrows();
        let mut sq = vec![0.0; n];
        for col in u.column_iter() {
            for (s, v) in sq.iter_mut().zip(col.iter()) {
                *s += v * v;
            }
        }
        let norms: Vec<f64> = sq.iter().map(|s| s.sqrt().max(NORM_FLOOR)).collect();
        out.clone_from(u);
        for mut col in out.column_iter_mut() {
            for (v, nrm) in col.iter_mut().zip(&norms) {
                *v /= nrm;
            }
        }
        RowNorm { norms }
    }

    /// Turns `g` (gradient with respect to the normalised rows `a`) into the
    /// gradient with respect to `u`: `(g_i - a_i (a_i . g_i)) / |u_i|`.
    pub(crate) fn backward(&self, a: &DMatrix<f64>, g: &mut DMatrix<f64>) {
        let n = a.nrows();
        let mut dots = vec![0.0; n];
        for (ca, cg) in a.column_iter().zip(g.column_iter()) {
            for ((d, x), y) in dots.iter_mut().zip(ca.iter()).zip(cg.iter()) {
                *d += x * y;
            }
        }
        for (ca, mut cg) in a.column_iter().zip(g.column_iter_mut()) {
            for (((gv, av), d), nrm) in cg.iter_mut().zip(ca.iter()).zip(&dots).zip(&self.norms) {
                *gv = (*gv - av * d) / nrm;
            }
        }
    }
}

/// Stored form of a dense layer: shapes and row-major weights (input by input).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DenseRepr {
    pub(crate) inputs: usize,
    pub(crate) outputs: usize,
    /// `weights[i * outputs + j]` is the weight from input `i` to output `j`.
    pub(crate) weights: Vec<f64>,
    pub(crate) bias: Vec<f64>,
}

impl From<&Dense> for DenseRepr {
    fn from(d: &Dense) -> DenseRepr {
        let (inputs, outputs) = (d.inputs(), d.outputs());
        let mut weights = Vec::with_capacity(inputs * outputs);
        for i in 0..inputs {
            for j in 0..outputs {
                weights.push(d.w[(i, j)]);
            }
        }
        DenseRepr {
            inputs,
            outputs,
            weights,
            bias: d.b.iter().copied().collect(),
        }
    }
}

impl TryFrom<DenseRepr> for Dense {
    type Error = String;

    fn try_from(r: DenseRepr) -> Result<Dense, String> {
        if Some(r.weights.len()) != r.inputs.checked_mul(r.outputs) || r.bias.len() != r.outputs {
            return Err(format!(
                "layer of {} inputs x {} outputs has {} weights and {} biases",
                r.inputs,
                r.outputs,
                r.weights.len(),
                r.bias.len()
            ));
        }
        if r.weights.iter().chain(&r.bias).any(|v| !v.is_finite()) {
            return Err("layer has a non-finite weight or bias".into());
        }
        Ok(Dense {
            w: DMatrix::from_row_slice(r.inputs, r.outputs, &r.weights),
            b: DVector::from_vec(r.bias),
        })
    }
}

impl Serialize for Dense {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DenseRepr::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Dense {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Dense, D::Error> {
        let r = DenseRepr::deserialize(d)?;
        Dense::try_from(r).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_derivatives_match_finite_differences() {
        // Central differences with h = 1e-5 have truncation error ~h^2 f'''
        // ~ 1e-10 and rounding ~1e-16/h ~ 1e-11: 1e-8 is a safe bound.
        for a in [Activation::Relu, Activation::Gelu] {
            for &x in &[-3.0, -0.7, -0.01, 0.2, 1.3, 4.0] {
                let h = 1e-5;
                let fd = (a.apply(x + h) - a.apply(x - h)) / (2.0 * h);
                assert!((fd - a.derivative(x)).abs() < 1e-8, "{a:?} at {x}");
            }
        }
        // GELU closed-form points: GELU(0) = 0, GELU(1) = Phi(1) = 0.841344746...
        // (tabulated to 16 digits); libm's erfc (musl) is good to about
        // 1 ulp, hence 1e-15.
        assert_eq!(Activation::Gelu.apply(0.0), 0.0);
        let g1 = Activation::Gelu.apply(1.0);
        assert!((g1 - 0.841_344_746_068_542_9).abs() < 1e-15, "{g1}");
    }

    #[test]
    fn dense_round_trips_through_its_stored_form() {
        let mut rng = seeds::Seeds::new(3).stream(seeds::Purpose::ModelInit);
        let d = Dense::init(4, 3, &mut rng);
        let back = Dense::try_from(DenseRepr::from(&d)).unwrap();
        assert_eq!(back, d);
        let bad = DenseRepr {
            inputs: 2,
            outputs: 2,
            weights: vec![0.0; 3],
            bias: vec![0.0; 2],
        };
        assert!(Dense::try_from(bad).unwrap_err().contains("3 weights"));
    }
}
