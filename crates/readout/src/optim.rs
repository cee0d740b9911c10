//! Optimisers: Adam and SGD with momentum, with PyTorch's update rules.

use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid};

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
struct Slot {
    m: Vec<f64>,
    v: Vec<f64>,
}

/// Optimiser state over a fixed list of parameter tensors (slots).
#[derive(Clone, Debug)]
pub(crate) struct Optimizer {
    params: OptimizerParams,
    slots: Vec<Slot>,
    t: u64,
    /// Parameter updates performed (for the cost record).
    pub(crate) updates: u64,
}

impl Optimizer {
    /// State for tensors of the given sizes.
    pub(crate) fn new(params: OptimizerParams, sizes: &[usize]) -> Optimizer {
        let slots = sizes
            .iter()
            .map(|&n| Slot {
                m: vec![0.0; n],
                v: match params {
                    OptimizerParams::Adam { .. } => vec![0.0; n],
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

    /// Starts a step (advances Adam's time step).
    pub(crate) fn begin_step(&mut self) {
        self.t += 1;
    }

    /// Updates tensor `slot` in place from its gradient.
    pub(crate) fn update(&mut self, slot: usize, p: &mut [f64], g: &[f64]) {
        let s = &mut self.slots[slot];
        debug_assert_eq!(p.len(), g.len());
        debug_assert_eq!(p.len(), s.m.len());
        self.updates += p.len() as u64;
        match self.params {
            OptimizerParams::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                let t = self.t.min(i32::MAX as u64) as i32;
                let c1 = 1.0 / (1.0 - beta1.powi(t));
                let c2 = 1.0 / (1.0 - beta2.powi(t));
                for (((pv, &gv), m), v) in p.iter_mut().zip(g).zip(&mut s.m).zip(&mut s.v) {
                    *m = beta1 * *m + (1.0 - beta1) * gv;
                    *v = beta2 * *v + (1.0 - beta2) * gv * gv;
                    *pv -= lr * (*m * c1) / ((*v * c2).sqrt() + eps);
                }
            }
            OptimizerParams::SgdMomentum {
                lr,
                momentum,
                nesterov,
            } => {
                for ((pv, &gv), u) in p.iter_mut().zip(g).zip(&mut s.m) {
                    *u = momentum * *u + gv;
                    let step = if nesterov { gv + momentum * *u } else { *u };
                    *pv -= lr * step;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_first_step_moves_by_lr_times_sign() {
        // With bias correction the first Adam step is lr * g / (|g| + eps).
        let mut o = Optimizer::new(OptimizerParams::adam(0.1), &[2]);
        let mut p = [1.0, 1.0];
        o.begin_step();
        o.update(0, &mut p, &[3.0, -0.5]);
        assert!(
            (p[0] - 0.9).abs() < 1e-8 && (p[1] - 1.1).abs() < 1e-7,
            "{p:?}"
        );
        assert_eq!(o.updates, 2);
    }

    #[test]
    fn sgd_momentum_accumulates() {
        let mut o = Optimizer::new(OptimizerParams::sgd_momentum(0.5, 0.9), &[1]);
        let mut p = [0.0];
        o.begin_step();
        o.update(0, &mut p, &[1.0]); // u = 1, p = -0.5
        o.begin_step();
        o.update(0, &mut p, &[1.0]); // u = 1.9, p = -0.5 - 0.95
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
