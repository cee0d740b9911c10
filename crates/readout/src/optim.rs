//! Optimisers: Adam and SGD with momentum, with PyTorch's update rules,
//! over `f64` (this crate) or `f32` (the `baselines` networks).

use scalar::Real;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, invalid};

/// Which optimiser and its hyper-parameters.
///
/// | variant / field | default | source |
/// |---|---|---|
/// | `adam.lr` | 1e-4 | paper's N-MNIST readout (authors' scripts) |
/// | `adam.beta1`, `adam.beta2` | 0.9, 0.999 | PyTorch `torch.optim.Adam` defaults |
/// | `adam.eps` | 1e-8 | PyTorch default |
/// | `sgd-momentum.momentum` | 0.9 | common choice (no paper value) |
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum OptimizerParams {
    /// Adam (Kingma & Ba 2015) with bias correction:
    /// `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g^2`,
    /// `p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)`.
    Adam {
        /// Learning rate (step size), > 0.
        lr: f64,
        /// First-moment decay, in [0, 1).
        beta1: f64,
        /// Second-moment decay, in [0, 1).
        beta2: f64,
        /// Denominator offset, > 0.
        eps: f64,
    },
    /// SGD with (heavy-ball or Nesterov) momentum, PyTorch's form:
    /// `u = mu u + g`, `p -= lr u` (Nesterov: `p -= lr (g + mu u)`).
    SgdMomentum {
        /// Learning rate, > 0.
        lr: f64,
        /// Momentum `mu`, in [0, 1).
        momentum: f64,
        /// Nesterov's variant.
        nesterov: bool,
    },
}

impl Default for OptimizerParams {
    fn default() -> Self {
        OptimizerParams::adam(1e-4)
    }
}

impl OptimizerParams {
    /// Adam with learning rate `lr` and PyTorch's other defaults.
    pub const fn adam(lr: f64) -> Self {
        OptimizerParams::Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }

    /// SGD with heavy-ball momentum.
    pub const fn sgd_momentum(lr: f64, momentum: f64) -> Self {
        OptimizerParams::SgdMomentum {
            lr,
            momentum,
            nesterov: false,
        }
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        match *self {
            OptimizerParams::Adam { lr, .. } | OptimizerParams::SgdMomentum { lr, .. } => lr,
        }
    }

    /// Checks ranges; `prefix` names the parameter path in errors.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        let pos = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(invalid(&format!("{prefix}.{name}"), v, "finite and > 0"))
            }
        };
        let unit = |name: &str, v: f64| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(invalid(&format!("{prefix}.{name}"), v, "in [0, 1)"))
            }
        };
        match *self {
            OptimizerParams::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                pos("lr", lr)?;
                unit("beta1", beta1)?;
                unit("beta2", beta2)?;
                pos("eps", eps)
            }
            OptimizerParams::SgdMomentum { lr, momentum, .. } => {
                pos("lr", lr)?;
                unit("momentum", momentum)
            }
        }
    }

    /// Floating-point multiplications and additions per parameter update, as
    /// counted in [`crate::TrainingCost`] (square roots and divisions are
    /// counted as multiplications).
    ///
    /// Adam: `m` (2 mul, 1 add), `v` (3 mul, 1 add), bias corrections (2 mul),
    /// square root and division (2 mul), `eps` (1 add), step (1 mul, 1 add):
    /// 10 mul + 4 add. SGD with momentum: `u` (1 mul, 1 add), step (1 mul,
    /// 1 add): 2 mul + 2 add (Nesterov: 3 mul + 3 add).
    pub fn ops_per_update(&self) -> (u64, u64) {
        match *self {
            OptimizerParams::Adam { .. } => (10, 4),
            OptimizerParams::SgdMomentum { nesterov, .. } => {
                if nesterov {
                    (3, 3)
                } else {
                    (2, 2)
                }
            }
        }
    }
}

/// Moment buffers of one parameter tensor.
#[derive(Clone, Debug)]
struct Slot<T> {
    m: Vec<T>,
    v: Vec<T>,
}

/// Optimiser state over a fixed list of parameter tensors (slots), with
/// PyTorch's update rules (see [`OptimizerParams`]).
///
/// A training step is [`Optimizer::begin_step`] (advances Adam's time step)
/// followed by one [`Optimizer::update`] per slot. The hyper-parameters are
/// converted to `T` once per step and the arithmetic runs in `T`; the bias
/// corrections `1 / (1 - beta^t)` are computed in `f64` and converted.
///
/// ```
/// use readout::{Optimizer, OptimizerParams};
/// let mut opt = Optimizer::<f32>::new(OptimizerParams::adam(0.1), &[2]);
/// let mut p = [1.0f32, 1.0];
/// opt.begin_step();
/// opt.update(0, &mut p, &[3.0, -0.5]).unwrap();
/// // The first Adam step is lr * g / (|g| + eps).
/// assert!((p[0] - 0.9).abs() < 1e-6 && (p[1] - 1.1).abs() < 1e-6);
/// assert_eq!(opt.updates(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Optimizer<T = f64> {
    params: OptimizerParams,
    slots: Vec<Slot<T>>,
    t: u64,
    updates: u64,
}

impl<T: Real> Optimizer<T> {
    /// Fresh state (zero moments) for tensors of the given sizes.
    pub fn new(params: OptimizerParams, sizes: &[usize]) -> Optimizer<T> {
        let slots = sizes
            .iter()
            .map(|&n| Slot {
                m: vec![T::default(); n],
                v: match params {
                    OptimizerParams::Adam { .. } => vec![T::default(); n],
                    OptimizerParams::SgdMomentum { .. } => Vec::new(),
                },
            })
            .collect();
        Optimizer {
            params,
            slots,
            t: 0,
            updates: 0,
        }
    }

    /// The hyper-parameters.
    pub fn params(&self) -> &OptimizerParams {
        &self.params
    }

    /// Parameter values updated so far (one per element per
    /// [`Optimizer::update`]), for operation counts.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// Starts a step (advances Adam's time step).
    pub fn begin_step(&mut self) {
        self.t += 1;
    }

    /// Updates tensor `slot` in place from its gradient. Errors (and changes
    /// nothing) if `slot` does not exist or `p`, `g` and the slot differ in
    /// length.
    pub fn update(&mut self, slot: usize, p: &mut [T], g: &[T]) -> Result<()> {
        let n_slots = self.slots.len();
        let Some(s) = self.slots.get_mut(slot) else {
            return Err(invalid(
                "optimizer slot",
                slot,
                &format!("below the {n_slots} slots the optimiser was built with"),
            ));
        };
        if p.len() != g.len() || p.len() != s.m.len() {
            return Err(Error::ShapeMismatch {
                what: format!("optimizer slot {slot}"),
                expected: format!("{} parameters and gradients", s.m.len()),
                found: format!("{} parameters, {} gradients", p.len(), g.len()),
            });
        }
        self.updates += p.len() as u64;
        let one = T::from_f64(1.0);
        match self.params {
            OptimizerParams::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                let t = self.t.min(i32::MAX as u64) as i32;
                let c1 = T::from_f64(1.0 / (1.0 - beta1.powi(t)));
                let c2 = T::from_f64(1.0 / (1.0 - beta2.powi(t)));
                let (b1, b2) = (T::from_f64(beta1), T::from_f64(beta2));
                let (lr, eps) = (T::from_f64(lr), T::from_f64(eps));
                for (((pv, &gv), m), v) in p.iter_mut().zip(g).zip(&mut s.m).zip(&mut s.v) {
                    *m = b1 * *m + (one - b1) * gv;
                    *v = b2 * *v + (one - b2) * gv * gv;
                    *pv -= lr * (*m * c1) / ((*v * c2).sqrt() + eps);
                }
            }
            OptimizerParams::SgdMomentum {
                lr,
                momentum,
                nesterov,
            } => {
                let (lr, mu) = (T::from_f64(lr), T::from_f64(momentum));
                for ((pv, &gv), u) in p.iter_mut().zip(g).zip(&mut s.m) {
                    *u = mu * *u + gv;
                    let step = if nesterov { gv + mu * *u } else { *u };
                    *pv -= lr * step;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_first_step_moves_by_lr_times_sign() {
        // With bias correction the first Adam step is lr * g / (|g| + eps).
        let mut o = Optimizer::<f64>::new(OptimizerParams::adam(0.1), &[2]);
        let mut p = [1.0, 1.0];
        o.begin_step();
        o.update(0, &mut p, &[3.0, -0.5]).unwrap();
        assert!(
            (p[0] - 0.9).abs() < 1e-8 && (p[1] - 1.1).abs() < 1e-7,
            "{p:?}"
        );
        assert_eq!(o.updates(), 2);
    }

    #[test]
    fn f32_and_f64_take_the_same_steps_to_f32_precision() {
        // Three Adam steps of the same gradients in both types: the f32
        // state rounds each operation to 2^-24 relative, so 1e-5 absolute
        // on values of order 1 bounds a few dozen roundings.
        let mut a = Optimizer::<f64>::new(OptimizerParams::adam(0.05), &[3]);
        let mut b = Optimizer::<f32>::new(OptimizerParams::adam(0.05), &[3]);
        let (mut pa, mut pb) = ([0.5f64, -1.0, 2.0], [0.5f32, -1.0, 2.0]);
        for g in [[0.3, -2.0, 1e-3], [0.1, 0.5, -0.2], [-1.0, 0.0, 0.7]] {
            a.begin_step();
            b.begin_step();
            a.update(0, &mut pa, &g).unwrap();
            b.update(0, &mut pb, &g.map(|x| x as f32)).unwrap();
        }
        for (x, y) in pa.iter().zip(&pb) {
            assert!((x - f64::from(*y)).abs() < 1e-5, "{pa:?} {pb:?}");
        }
    }

    #[test]
    fn bad_slots_and_lengths_are_errors() {
        let mut o = Optimizer::<f64>::new(OptimizerParams::adam(0.1), &[2]);
        o.begin_step();
        let mut p = [1.0, 1.0];
        assert!(o.update(1, &mut p, &[0.0, 0.0]).is_err());
        assert!(o.update(0, &mut p, &[0.0]).is_err());
        assert!(o.update(0, &mut p[..1], &[0.0]).is_err());
        assert_eq!((p, o.updates()), ([1.0, 1.0], 0));
    }

    #[test]
    fn sgd_momentum_accumulates() {
        let mut o = Optimizer::<f64>::new(OptimizerParams::sgd_momentum(0.5, 0.9), &[1]);
        let mut p = [0.0];
        o.begin_step();
        o.update(0, &mut p, &[1.0]).unwrap(); // u = 1, p = -0.5
        o.begin_step();
        o.update(0, &mut p, &[1.0]).unwrap(); // u = 1.9, p = -0.5 - 0.95
        assert!((p[0] + 1.45).abs() < 1e-15);
    }

    #[test]
    fn validate_names_field_and_serde_is_tagged() {
        let e = OptimizerParams::adam(-1.0).validate("opt").unwrap_err();
        assert!(e.to_string().contains("opt.lr"), "{e}");
        let p: OptimizerParams = serde_json::from_str(
            r#"{"kind":"sgd-momentum","lr":0.1,"momentum":0.9,"nesterov":true}"#,
        )
        .unwrap();
        assert!(matches!(
            p,
            OptimizerParams::SgdMomentum { nesterov: true, .. }
        ));
        assert!(
            serde_json::from_str::<OptimizerParams>(
                r#"{"kind":"adam","lr":0.1,"beta1":0.9,"beta2":0.99,"eps":1e-8,"x":1}"#
            )
            .is_err()
        );
    }
}
