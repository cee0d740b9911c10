//! A projection head: one dense layer, an optional activation and optional
//! L2 normalisation of the output rows.

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::data::{Op, check_width};
use crate::nn::{Activation, Dense, DenseGrad, RowNorm, activate, activation_backward};

/// `e = normalize(act(x W + b))` (normalisation and activation optional).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    pub(crate) layer: Dense,
    pub(crate) activation: Option<Activation>,
    pub(crate) normalize: bool,
}

/// Forward cache of a projection over one minibatch.
#[derive(Default)]
pub(crate) struct ProjCache {
    pre: DMatrix<f64>,
    post: DMatrix<f64>,
    /// The output embeddings (batch x dim).
    pub(crate) out: DMatrix<f64>,
    norm: Option<RowNorm>,
}

impl Projection {
    pub(crate) fn new<R: rand::Rng + ?Sized>(
        inputs: usize,
        dim: usize,
        activation: Option<Activation>,
        normalize: bool,
        rng: &mut R,
    ) -> Projection {
        Projection {
            layer: Dense::init(inputs, dim, rng),
            activation,
            normalize,
        }
    }

    /// Input width.
    pub fn inputs(&self) -> usize {
        self.layer.inputs()
    }

    /// Embedding width.
    pub fn dim(&self) -> usize {
        self.layer.outputs()
    }

    /// Weights (inputs x dim).
    pub fn weights(&self) -> &DMatrix<f64> {
        &self.layer.w
    }

    /// Biases (dim).
    pub fn bias(&self) -> &nalgebra::DVector<f64> {
        &self.layer.b
    }

    /// Embeds samples (samples x inputs) into samples x dim.
    pub fn embed(&self, x: &DMatrix<f64>) -> crate::Result<DMatrix<f64>> {
        check_width("features to embed", x, self.inputs())?;
        let mut pre = DMatrix::zeros(0, 0);
        self.layer.forward(Op::N(x), &mut pre);
        let mut post = DMatrix::zeros(0, 0);
        activate(self.activation, &pre, &mut post);
        if self.normalize {
            let mut out = DMatrix::zeros(0, 0);
            RowNorm::forward(&post, &mut out);
            Ok(out)
        } else {
            Ok(post)
        }
    }

    /// Forward pass of a minibatch given as inputs x batch.
    pub(crate) fn forward_train(&self, xb: &DMatrix<f64>, c: &mut ProjCache) {
        self.layer.forward(Op::T(xb), &mut c.pre);
        activate(self.activation, &c.pre, &mut c.post);
        if self.normalize {
            c.norm = Some(RowNorm::forward(&c.post, &mut c.out));
        } else {
            c.norm = None;
            c.out.clone_from(&c.post);
        }
    }

    /// Backward pass: `g` is dL/d(out) on entry (consumed); the weight and
    /// bias gradients go into `grad`.
    pub(crate) fn backward(
        &self,
        xb: &DMatrix<f64>,
        c: &ProjCache,
        g: &mut DMatrix<f64>,
        grad: &mut DenseGrad,
    ) {
        if let Some(n) = &c.norm {
            n.backward(&c.out, g);
        }
        activation_backward(self.activation, &c.pre, g);
        grad.set_from_cols(xb, g);
    }

    /// Multiply-accumulates of the training step's projection work beyond
    /// the dense layer: squared norms forward (`batch x dim`) and the
    /// normalisation gradient backward (`2 x batch x dim`).
    pub(crate) fn norm_macs(&self, batch: usize) -> (u64, u64) {
        if self.normalize {
            let bd = (batch * self.dim()) as u64;
            (bd, 2 * bd)
        } else {
            (0, 0)
        }
    }

    pub(crate) fn check(&self, name: &str) -> crate::Result<()> {
        if self.dim() == 0 || self.inputs() == 0 {
            return Err(crate::Error::BadModelFile {
                source_name: name.into(),
                why: "projection has zero width".into(),
            });
        }
        Ok(())
    }
}
