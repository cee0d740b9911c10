//! One optimiser step over the flat `f32` parameter vector of a model:
//! `readout`'s [`readout::Optimizer`] (Adam or SGD with momentum, PyTorch's
//! rules) in `f32`, with its work counted.

use readout::OptimizerParams;

use crate::counts::TrainingCounts;
use crate::error::Result;

/// Optimiser state of one parameter vector.
#[derive(Clone, Debug)]
pub(crate) struct Optimizer {
    inner: readout::Optimizer<f32>,
}

impl Optimizer {
    pub(crate) fn new(params: OptimizerParams, n: usize) -> Optimizer {
        Optimizer {
            inner: readout::Optimizer::new(params, &[n]),
        }
    }

    /// One update of `p` from its gradient `g`, counted in `c`.
    pub(crate) fn step(&mut self, p: &mut [f32], g: &[f32], c: &mut TrainingCounts) -> Result<()> {
        self.inner.begin_step();
        self.inner.update(0, p, g)?;
        let (mul, add) = self.inner.params().ops_per_update();
        c.optimizer_mul += mul * p.len() as u64;
        c.optimizer_add += add * p.len() as u64;
        c.optimizer_steps += 1;
        Ok(())
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
        o.step(&mut p, &[3.0, -0.5], &mut c).unwrap();
        assert!(
            (p[0] - 0.9).abs() < 1e-6 && (p[1] - 1.1).abs() < 1e-6,
            "{p:?}"
        );
        assert_eq!((c.optimizer_mul, c.optimizer_add), (20, 8));
        let mut o = Optimizer::new(OptimizerParams::sgd_momentum(0.5, 0.9), 1);
        let mut p = [0.0f32];
        o.step(&mut p, &[1.0], &mut c).unwrap();
        o.step(&mut p, &[1.0], &mut c).unwrap();
        // u = 1 then 1.9: p = -0.5 - 0.95.
        assert!((p[0] + 1.45).abs() < 1e-6);
        // A gradient of the wrong length is an error, not a panic.
        assert!(o.step(&mut p, &[1.0, 2.0], &mut c).is_err());
    }
}
