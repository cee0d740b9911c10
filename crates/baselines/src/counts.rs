//! Operations counted while training, in two views: what the sparse,
//! event-driven implementation performed, and what a dense implementation
//! of the same training would have performed.

use std::ops::{Add, AddAssign};

use costmodel::OpCounts;
use serde::{Deserialize, Serialize};

/// Operations of one pass (forward or backward) of training.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassCounts {
    /// Dense-equivalent multiply-accumulates: every weight matrix used in
    /// full (`inputs x outputs` per use), as a dense framework computes it.
    pub dense_mac: u64,
    /// Multiply-accumulates actually performed with two non-trivial
    /// operands (dot products of gradient rows, dense heads, tanh RNN
    /// products).
    pub mac: u64,
    /// Accumulations driven by a binary spike, actually performed: a weight
    /// row added to the input currents because an input or neuron spiked,
    /// or a gradient row added to a weight-gradient row because its
    /// presynaptic spike was 1. One per element; no multiplication.
    pub spike_acc: u64,
    /// Element-wise multiplications (membrane decay, gains, surrogate and
    /// activation derivatives).
    pub mul: u64,
    /// Element-wise additions (membrane updates, biases, bias gradients).
    pub add: u64,
    /// Threshold comparisons.
    pub compare: u64,
}

impl AddAssign for PassCounts {
    fn add_assign(&mut self, o: PassCounts) {
        self.dense_mac += o.dense_mac;
        self.mac += o.mac;
        self.spike_acc += o.spike_acc;
        self.mul += o.mul;
        self.add += o.add;
        self.compare += o.compare;
    }
}

/// Operations of a training run (or of one forward pass over a data set,
/// with the backward fields zero).
///
/// # Counting convention
///
/// Per training sample of `T` processed steps, `n` inputs, `H` hidden
/// neurons and `C` outputs:
///
/// * **Dense equivalent** (`forward.dense_mac`, `backward.dense_mac`; the
///   `backprop` convention of `costmodel::training`, biases excluded):
///   forward `T (n H + H H)` for the recurrent layer, `T H C` for a spiking
///   readout, `sum in x out` once for a dense head; backward the weight
///   gradients (one product per forward product) plus the input gradients
///   of every matrix whose input is not data: the recurrent matrix
///   (`T H H`), the spiking readout (`T H C`) and every dense head layer.
///   The input matrix has no input gradient. For the contrastive model the
///   similarity products `N D` forward and `2 N D` backward per pair and
///   the normalisations `D` forward, `2 D` backward per embedding are added.
/// * **Performed**: what this implementation executed. The forward input
///   and recurrent products of the spiking layers add one weight row per
///   active input or spiking neuron (`spike_acc`, `(|s(t)| + |r(t-1)|) H`
///   per step; the same number of `synaptic_events`); the backward pass adds
///   the current gradient to the rows of the same active inputs and
///   neurons (`spike_acc`) and forms `dL/dr` only for neurons whose
///   surrogate derivative is nonzero (`mac`, `|window(t)| H` per step).
///   Dense heads and the tanh RNN's recurrent products are counted as
///   `mac` in full. Element-wise work is counted per neuron and step as the
///   code does it (see the kernels' comments).
/// * **Optimiser**: per parameter and step, `readout::OptimizerParams::
///   ops_per_update` (Adam: 10 mul + 4 add).
///
/// [`TrainingCounts::op_counts`] gives the performed work as
/// `costmodel::OpCounts` (`mac_fp32` = performed `mac`, `add_fp32` =
/// `spike_acc` + element-wise and optimiser additions, ...);
/// [`TrainingCounts::dense_op_counts`] the dense-equivalent work
/// (`mac_fp32` = `dense_mac`), the number to compare with the paper's
/// analytic training cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingCounts {
    /// Training samples processed (a contrastive pair counts once).
    pub samples: u64,
    /// Sample time steps simulated (summed over samples and encoders).
    pub time_steps: u64,
    /// Optimiser steps (minibatches).
    pub optimizer_steps: u64,
    /// Forward passes.
    pub forward: PassCounts,
    /// Backward passes.
    pub backward: PassCounts,
    /// Optimiser multiplications.
    pub optimizer_mul: u64,
    /// Optimiser additions.
    pub optimizer_add: u64,
    /// Input spikes read.
    pub input_spikes: u64,
    /// Spikes of the hidden (recurrent) neurons.
    pub hidden_spikes: u64,
    /// Spikes of spiking readout neurons.
    pub output_spikes: u64,
    /// Neuron state updates (one per neuron per step, hidden and output).
    pub neuron_updates: u64,
    /// Weight rows applied because of a spike, element by element (forward).
    pub synaptic_events: u64,
}

impl AddAssign for TrainingCounts {
    fn add_assign(&mut self, o: TrainingCounts) {
        self.samples += o.samples;
        self.time_steps += o.time_steps;
        self.optimizer_steps += o.optimizer_steps;
        self.forward += o.forward;
        self.backward += o.backward;
        self.optimizer_mul += o.optimizer_mul;
        self.optimizer_add += o.optimizer_add;
        self.input_spikes += o.input_spikes;
        self.hidden_spikes += o.hidden_spikes;
        self.output_spikes += o.output_spikes;
        self.neuron_updates += o.neuron_updates;
        self.synaptic_events += o.synaptic_events;
    }
}

impl Add for TrainingCounts {
    type Output = TrainingCounts;

    fn add(mut self, o: TrainingCounts) -> TrainingCounts {
        self += o;
        self
    }
}

impl TrainingCounts {
    /// The performed work as the shared count record: `mac_fp32` = performed
    /// multiply-accumulates, `add_fp32` = spike-driven accumulations plus
    /// element-wise and optimiser additions, `mul_fp32` = element-wise and
    /// optimiser multiplications, `compare`, and the event fields.
    pub fn op_counts(&self) -> OpCounts {
        let (f, b) = (&self.forward, &self.backward);
        OpCounts {
            mac_fp32: f.mac + b.mac,
            add_fp32: f.spike_acc + b.spike_acc + f.add + b.add + self.optimizer_add,
            mul_fp32: f.mul + b.mul + self.optimizer_mul,
            compare: f.compare + b.compare,
            neuron_updates: self.neuron_updates,
            input_spikes: self.input_spikes,
            recurrent_spikes: self.hidden_spikes,
            synaptic_events: self.synaptic_events,
            ..OpCounts::default()
        }
    }

    /// The dense-equivalent work: `mac_fp32` = dense multiply-accumulates
    /// (forward + backward), optimiser operations as performed.
    pub fn dense_op_counts(&self) -> OpCounts {
        OpCounts {
            mac_fp32: self.forward.dense_mac + self.backward.dense_mac,
            add_fp32: self.optimizer_add,
            mul_fp32: self.optimizer_mul,
            ..OpCounts::default()
        }
    }

    /// Dense-equivalent multiply-accumulates per training sample (0 if none).
    pub fn dense_mac_per_sample(&self) -> f64 {
        per(
            self.forward.dense_mac + self.backward.dense_mac,
            self.samples,
        )
    }

    /// Weight-element operations actually performed per training sample:
    /// multiply-accumulates plus spike-driven accumulations (0 if none).
    pub fn performed_per_sample(&self) -> f64 {
        per(
            self.forward.mac + self.backward.mac + self.forward.spike_acc + self.backward.spike_acc,
            self.samples,
        )
    }
}

fn per(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}
