//! Adam and SGD with momentum over one flat `f32` parameter vector, with
//! PyTorch's update rules (configured by `readout::OptimizerParams`; the
//! `readout` crate keeps its own optimiser private and in `f64`).

use readout::OptimizerParams;

use crate::counts::TrainingCounts;

/// Optimiser state.
#[derive(Clone, Debug)]
pub(crate) struct Optimizer {
    params: OptimizerParams,
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
}

impl Optimizer {
    pub(crate) fn new(params: OptimizerParams, n: usize) -> Optimizer {
        let v = match params {
            OptimizerParams::Adam { .. } => vec![0.0; n],
            OptimizerParams::SgdMomentum { .. } => Vec::new(),
        };
        Optimizer {
            params,
            m: vec![0.0; n],
            v,
            t: 0,
        }
    }

    /// One update of `p` from its gradient `g`.
    pub(crate) fn step(&mut self, p: &mut [f32], g: &[f32], c: &mut TrainingCounts) {
        self.t = self.t.saturating_add(1);
        match self.params {
            OptimizerParams::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                let c1 = (1.0 / (1.0 - beta1.powi(self.t))) as f32;
                let c2 = (1.0 / (1.0 - beta2.powi(self.t))) as f32;
                let (b1, b2, lr, eps) = (beta1 as f32, beta2 as f32, lr as f32, eps as f32);
                for (((pv, &gv), m), v) in p.iter_mut().zip(g).zip(&mut self.m).zip(&mut self.v) {
                    *m = b1 * *m + (1.0 - b1) * gv;
                    *v = b2 * *v + (1.0 - b2) * gv * gv;
                    *pv -= lr * (*m * c1) / ((*v * c2).sqrt() + eps);
                }
            }
            OptimizerParams::SgdMomentum {
                lr,
                momentum,
                nesterov,
            } => {
                let (lr, mu) = (lr as f32, momentum as f32);
                for ((pv, &gv), u) in p.iter_mut().zip(g).zip(&mut self.m) {
                    *u = mu * *u + gv;
                    let s = if nesterov { gv + mu * *u } else { *u };
                    *pv -= lr * s;
                }
            }
        }
        let (mul, add) = self.params.ops_per_update();
        c.optimizer_mul += mul * p.len() as u64;
        c.optimizer_add += add * p.len() as u64;
        c.optimizer_steps += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_adam_step_is_lr_times_sign_and_sgd_accumulates() {
        // With bias correction the first Adam step is lr * g / (|g| + eps).
        let mut o = Optimizer::new(OptimizerParams::adam(0.1), 2);
        let mut p = [1.0f32, 1.0];
        let mut c = TrainingCounts::default();
        o.step(&mut p, &[3.0, -0.5], &mut c);
        assert!(
            (p[0] - 0.9).abs() < 1e-6 && (p[1] - 1.1).abs() < 1e-6,
            "{p:?}"
        );
        assert_eq!((c.optimizer_mul, c.optimizer_add), (20, 8));
        let mut o = Optimizer::new(OptimizerParams::sgd_momentum(0.5, 0.9), 1);
        let mut p = [0.0f32];
        o.step(&mut p, &[1.0], &mut c);
        o.step(&mut p, &[1.0], &mut c);
        // u = 1 then 1.9: p = -0.5 - 0.95.
        assert!((p[0] + 1.45).abs() < 1e-6);
    }
}
