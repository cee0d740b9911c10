//! Training cost: multiply-accumulates and other operations, counted as the
//! training runs and reported as [`costmodel::OpCounts`].

use costmodel::OpCounts;
use serde::{Deserialize, Serialize};

/// Operations performed while training a model, counted step by step.
///
/// Convention (stated once, used by every trainer of this crate):
///
/// * `forward_mac`: multiply-accumulates of the forward passes of training
///   steps: every matrix product (`batch x inputs x outputs` per dense layer),
///   and for the contrastive and prototypical losses the similarity or
///   distance products and the squared norms of the L2 normalisation.
/// * `backward_mac`: multiply-accumulates of the gradients: weight gradients
///   (`batch x inputs x outputs` per layer), input gradients where they are
///   needed (every layer but the first), the similarity and normalisation
///   gradients. The first layer's input gradient is never computed.
/// * `bias_add`: additions of biases in the forward pass and the sums of the
///   bias gradients (`batch x outputs` each per layer).
/// * `optimizer_mul`, `optimizer_add`: per-parameter optimiser updates
///   (see [`crate::OptimizerParams::ops_per_update`]) including the L2 term
///   (one multiply-accumulate per decayed weight, counted in `optimizer_mul`
///   and `optimizer_add`).
/// * Not counted: activations (GELU, ReLU), exponentials and logarithms of the
///   softmax, divisions by norms, data shuffling and copying.
/// * `validation_mac`: forward multiply-accumulates spent on the validation
///   split for model selection. It is reported but **not** part of
///   [`TrainingCost::op_counts`], which is the cost of the training steps
///   alone (what the paper compares).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingCost {
    /// Forward multiply-accumulates of training steps.
    pub forward_mac: u64,
    /// Backward (gradient) multiply-accumulates of training steps.
    pub backward_mac: u64,
    /// Bias additions and bias-gradient accumulations.
    pub bias_add: u64,
    /// Optimiser multiplications (including L2 weight decay).
    pub optimizer_mul: u64,
    /// Optimiser additions (including L2 weight decay).
    pub optimizer_add: u64,
    /// Optimiser steps taken (minibatches or episodes).
    pub steps: u64,
    /// Training samples processed (summed over steps; a contrastive pair counts once).
    pub samples: u64,
    /// Forward multiply-accumulates spent on model selection (not in `op_counts`).
    pub validation_mac: u64,
}

impl TrainingCost {
    /// The training steps' operations as the shared count record:
    /// `mac_fp32 = forward_mac + backward_mac`,
    /// `add_fp32 = bias_add + optimizer_add`, `mul_fp32 = optimizer_mul`.
    pub fn op_counts(&self) -> OpCounts {
        OpCounts {
            mac_fp32: self.forward_mac + self.backward_mac,
            add_fp32: self.bias_add + self.optimizer_add,
            mul_fp32: self.optimizer_mul,
            ..OpCounts::default()
        }
    }

    /// Training multiply-accumulates per training sample
    /// (`(forward_mac + backward_mac) / samples`; 0 if no sample).
    pub fn mac_per_sample(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            (self.forward_mac + self.backward_mac) as f64 / self.samples as f64
        }
    }
}

/// Adds a dense layer's training-step cost for `batch` samples.
pub(crate) fn dense_step(
    cost: &mut TrainingCost,
    batch: usize,
    inputs: usize,
    outputs: usize,
    input_grad: bool,
) {
    let mac = (batch * inputs * outputs) as u64;
    cost.forward_mac += mac;
    cost.backward_mac += if input_grad { 2 * mac } else { mac };
    cost.bias_add += 2 * (batch * outputs) as u64;
}

/// Adds optimiser costs of `updates` parameter updates, `decayed` of which
/// carry an L2 term.
pub(crate) fn optimizer_ops(
    cost: &mut TrainingCost,
    params: &crate::OptimizerParams,
    updates: u64,
    decayed: u64,
) {
    let (m, a) = params.ops_per_update();
    cost.optimizer_mul += m * updates + decayed;
    cost.optimizer_add += a * updates + decayed;
}
