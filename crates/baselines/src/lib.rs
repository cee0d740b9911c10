//! Trainable recurrent baselines for the liquid state machine.
//!
//! The paper's claim is that a fixed random reservoir plus a trained readout
//! comes close to fully trained recurrent networks at a tiny fraction of the
//! training cost. This crate provides those trained networks, with
//! hand-written backpropagation through time (BPTT), event-driven kernels
//! that exploit spike sparsity, deterministic data-parallel training, and
//! counted training operations:
//!
//! * **SRNN-ANN** and **SRNN-SNN** ([`SrnnClassifier`]): a spiking recurrent
//!   layer of LIF neurons with the reservoir's discrete dynamics, all weights
//!   trained with a surrogate gradient, with a dense head on the spike rates
//!   ([`SrnnHead::Ann`]) or a spiking readout whose output spikes are counted
//!   ([`SrnnHead::Snn`]).
//! * **RNN-ANN** ([`RnnClassifier`]): a tanh (Elman) recurrent network.
//! * **SRNN-CLIP** ([`SrnnClip`]): an image and an audio SRNN encoder with
//!   projections, trained end to end with the symmetric contrastive loss,
//!   evaluated with `readout`'s zero-shot retrieval protocol.
//!
//! # Inputs
//!
//! Any storage of binary spike sequences that implements [`SpikeSteps`]
//! (channels, steps, the sorted active channels of a step; the `spikes`
//! crate's trait, re-exported here): every training and evaluation entry
//! point is generic over it, so a caller hands over its own storage without
//! copying. The entry points check every step against the trait's
//! contract. [`SpikeRaster`] (also `spikes`'s, the raster `events` bins
//! into and `lsm` reads) implements it and is the default; a raster that
//! keeps event counts reads as binary (a channel is active in a step or
//! not, as in the authors' binning). Labels are `usize` in
//! `0..n_classes`; [`LabeledSeqs`] pairs both.
//! Outputs that are matrices ([`SrnnClassifier::outputs`],
//! [`SrnnClassifier::hidden_rates`], embeddings) are `nalgebra::DMatrix<f64>`
//! with one row per sample, as in `readout`.
//!
//! # Models and equations
//!
//! **Spiking layer** ([`SrnnParams`], [`LifParams`]); per step `t`, with
//! `s(t)` the input spikes and `r(t-1)` the layer's spikes of the last step:
//!
//! ```text
//! I(t) = W_in^T s(t) + W_rec^T r(t-1) + b
//! u(t) = decay * v(t-1) + gain * I(t) + (1 - decay) * v_rest
//! r(t) = [u(t) > v_th]                       (strict)
//! v(t) = u(t) (1 - r(t)) + v_reset r(t),     v(-1) = v_rest
//! ```
//!
//! (with `v_rest = v_reset = 0` this is the authors' form
//! `decay * v * (1 - spike) + const * I`). The forward pass adds the weight rows of the active inputs and of
//! last step's spiking neurons: no multiplication, `(|s(t)| + |r(t-1)|) H`
//! additions per step.
//!
//! **Surrogate gradient** ([`Surrogate`]): the backward pass replaces
//! `dr/du` by `S'(u - v_th)`: a rectangle of height `h` for
//! `|u - v_th| < a` (default `a = 0.25`, the authors' `lens=0.25` read as
//! STBP's half-width, and `h = 1`, the public STBP code's; the unit-area
//! `h = 1/(2a)` is a parameter away, and not equivalent: the height
//! compounds over the recurrent backward steps, see [`Surrogate`]) or a
//! fast sigmoid `1/(1 + k|x|)^2`.
//!
//! **BPTT** (hand-written, [`SrnnParams::detach_reset`] chooses whether the
//! reset path carries gradient; default: it does, as in STBP and the
//! authors' code family). With `d(t) = dL/du(t)` and `e(t) = decay d(t+1)`:
//!
//! ```text
//! dL/dr_j(t) = direct_j(t) + gain sum_m W_rec[j,m] d_m(t+1) + e_j(t) (v_reset - u_j(t))
//! d_j(t)     = dL/dr_j(t) S'(u_j(t) - v_th) + e_j(t) (1 - r_j(t))
//! dW_in[i,:] += gain d(t) (active i),  dW_rec[k,:] += gain d(t) (k fired at t-1),  db += gain d(t)
//! ```
//!
//! `direct` is the head's gradient. `dL/dr_j(t)` is formed only where
//! `S' != 0` (with the rectangle, the neurons near threshold), and weight
//! gradients touch only the rows of active inputs and spiking neurons.
//!
//! **Heads.** ANN ([`AnnHeadParams`]): dense layers on the rates
//! `f = sum_t r(t) / T` (default one linear layer), so `direct_j(t) =
//! dL/df_j / T`. SNN ([`SnnHeadParams`]): one LIF neuron per class with the
//! same dynamics and surrogate, driven by `r(t)`; output `y = count / T`;
//! prediction `argmax y`, the lowest class on ties (`torch.max`, the
//! authors' evaluation). **Losses** ([`Loss`]): MSE against one-hot targets
//! (the authors' N-MNIST scripts) or cross-entropy (N-TIDIGITS).
//!
//! **RNN** ([`RnnParams`], [`RnnReadout`]): `h(t) = tanh(W_in^T s(t) +
//! W_rec^T h(t-1) + b)`, head on `h(T-1)` (default) or the mean state.
//!
//! **SRNN-CLIP** ([`SrnnClipParams`]): `a_i = normalize(act(f^img_i W + b))`,
//! likewise `b_j`; `Z = A B^T / tau`; multi-positive targets `T_ij = [y_i =
//! y_j] / #{k: y_k = y_i}`; `L = 1/2 (mean_i CE(T_i., softmax Z_i.) + mean_j
//! CE(T_.j, softmax Z_.j))`: `readout::contrastive_loss`, the loss of
//! `readout`'s contrastive projections. Evaluation: [`SrnnClip::zero_shot_report`] runs
//! `readout::zero_shot_report` on the encoders' features through
//! [`ClipProjections`] (a `readout::CrossModalEmbedder`).
//!
//! # Entry points
//!
//! ```
//! use baselines::tasks::{delayed_recall, DelayedRecallParams};
//! use baselines::{LabeledSeqs, LifParams, SrnnClassifier, SrnnClassifierParams, SrnnParams};
//! use seeds::Seeds;
//!
//! let task = DelayedRecallParams::default();
//! let (x, y) = delayed_recall(&task, 64, Seeds::new(1))?;
//! let mut p = SrnnClassifierParams::nmnist_srnn_ann(); // the authors' preset ...
//! p.srnn = SrnnParams { inputs: task.channels(), hidden: 16, lif: LifParams::new(0.8, 1.0, 0.5), ..p.srnn };
//! p.bin_steps = task.steps();
//! p.training.epochs = 2; // ... shrunk for the example
//! let data = LabeledSeqs { seqs: &x, labels: &y };
//! let fit = SrnnClassifier::fit(&p, data, None, 2, Seeds::new(2))?;
//! let report = fit.model.evaluate(data)?; // readout::ClassificationReport
//! let macs = fit.counts.dense_op_counts().mac_fp32; // costmodel::OpCounts
//! assert!(report.accuracy >= 0.0 && macs > 0);
//! # Ok::<(), baselines::Error>(())
//! ```
//!
//! * Classifiers: [`SrnnClassifier::fit`] / [`RnnClassifier::fit`]
//!   `(params, train, validation, n_classes, seeds) -> Fit { model, history,
//!   selected_epoch, counts }`; `fit_with_observer` for progress;
//!   `predict`, `outputs`, `evaluate`, `hidden_rates`, `forward_counts`;
//!   `continue_training` to resume.
//! * Contrastive: [`SrnnClip::fit`]`(params, images, audio, validation,
//!   n_classes, seeds) -> ClipFit`; `zero_shot_report(test_images,
//!   test_audio, seen, unseen, n_classes, ks)`, `retrieval`,
//!   `embed_images`, `embed_audio`, `image_features`, `audio_features`.
//! * Models serialise with serde (checked on load).
//!
//! # Presets (authors' scripts, `MrLinNing/MemristorLSM`)
//!
//! | preset | dynamics (decay, gain, `v_th`) | loss, optimiser | `bin_steps` / window | paper |
//! |---|---|---|---|---|
//! | [`SrnnClassifierParams::nmnist_srnn_ann`] | 0.9, 0.03, 0.3 | MSE, Adam 1e-4, batch 80 | 50 | 96.96 % |
//! | [`SrnnClassifierParams::nmnist_srnn_snn`] | same; readout decay 0.9 | MSE, Adam 1e-4, batch 80 | 50 | 93.93 % |
//! | [`RnnClassifierParams::nmnist`] | tanh | MSE, Adam 5e-4, batch 80 | 50 | 96.23 % |
//! | [`SrnnClassifierParams::ntidigits_srnn_ann`] | 0.9, 1.0, 0.6 | CE, Adam 5e-4, batch 100 | 90 | 82.62 % |
//! | [`SrnnClassifierParams::ntidigits_srnn_snn`] | 0.9, 1.0, 0.3; readout decay 0.99 | CE, Adam 2e-4, batch 128 | 70 | 63.75 % |
//! | [`RnnClassifierParams::ntidigits`] | tanh | CE, Adam 9e-4, batch 256 | 50 / first 30 | 75.54 % |
//! | [`SrnnClipParams::paper`] | image 0.9, 0.5, 5.0; audio 0.97, 0.5, 5.3 | contrastive, Adam 1e-3, batch 8 | 50 and 129 | 82.28 / 74.0 % |
//!
//! All train 100 epochs, 200 hidden units. `bin_steps` is how many steps
//! the orchestrator should bin each sample into; the models process the
//! first `time_window` steps (all if `None`). Each preset's docs cite its
//! script lines and describe the authors' binning.
//!
//! # Training
//!
//! Minibatches in a seeded order (`DataShuffle` keyed by epoch), Adam or
//! SGD with momentum configured by `readout::OptimizerParams` and applied
//! in `f32` by `readout::Optimizer` with PyTorch's rules
//! ([`TrainingParams`]). Samples run in
//! parallel (rayon) in fixed chunks of `chunk_size`; per-sample gradients
//! are summed within a chunk in sample order and the chunks in chunk order,
//! so weights are identical bit for bit whatever the number of threads
//! (tested with 1 and 2). Weights from `ModelInit`; CLIP pairings from
//! `Minibatch` keyed by epoch (`seeds::pair_by_label`; orders by
//! `seeds::shuffle`). Every model keys its streams by its own scope
//! ([`streams`]: SRNN-ANN 16, SRNN-SNN 17, RNN-ANN 18, SRNN-CLIP 19, beside
//! `readout`'s 1-3), so one seed given to several models gives them
//! independent weights and batch orders. With a validation set the best epoch is kept
//! (never the test set), otherwise the last. Training is `f32`; the kernels
//! are generic and the tests run them in `f64`. The recurrent layers'
//! forward and backward passes and the spiking readout are compiled for
//! AVX-512, AVX2, SSE4.1 and NEON and the best the CPU has is chosen at run
//! time; multiplications and additions are never fused and partial sums
//! keep their order, so a wider instruction set changes the speed, not the
//! bits (the quick golden summaries are identical at full precision with
//! AVX-512 and with the x86-64 baseline).
//!
//! # Training cost
//!
//! [`TrainingCounts`] records, per pass, the dense-equivalent MACs (equal,
//! exactly, to `costmodel::training`'s `backprop` convention: tested), the
//! multiply-accumulates and spike-driven accumulations actually performed,
//! element-wise work, optimiser work and spike events;
//! [`TrainingCounts::op_counts`] and [`TrainingCounts::dense_op_counts`]
//! turn them into `costmodel::OpCounts`. See [`TrainingCounts`] for the
//! convention.
//!
//! # Speed
//!
//! `cargo bench -p baselines` trains one epoch of 800 N-MNIST-sized samples
//! (256 -> 200 -> 10, 50 steps, 27 of 256 inputs active per step as in the
//! real N-MNIST sample, 5 % initial hidden firing). Measured on the
//! development machine, 2 cores shared with other jobs (load average 2.3
//! in the faster run, 5.5 in the slower): SRNN-ANN 2,500-3,400 samples/s,
//! SRNN-SNN 2,800-2,900, RNN-ANN 900-1,400 (forward + backward + Adam);
//! inference 13,000-17,800 samples/s. One N-MNIST epoch (60,000 samples)
//! thus takes about 18-24 s (SRNN-ANN), 21 s (SRNN-SNN) and 43-65 s
//! (RNN-ANN); the authors' 100 epochs about 30-40, 35 and 70-110 minutes.
//! The SRNNs' cost grows with the hidden firing rate, which training
//! changes. The sparse SRNN performs about 12 % of the dense
//! weight operations at that firing (1.3 M of 11.1 M per sample).
//!
//! # Choices where the paper and scripts are silent
//!
//! * The authors' model file is unpublished: linear heads, PyTorch
//!   initialisation, the SNN readout's gain and threshold equal to the
//!   hidden layer's, the RNN's head on its last state, GELU projections
//!   for SRNN-CLIP are our reading.
//! * Initialisation: with the N-MNIST dynamics PyTorch's bounds give no
//!   spike at all (neither hidden nor output), so the presets calibrate the
//!   input scale to 5 % initial hidden firing on the training data
//!   ([`InitParams::target_rate`]) and the spiking readout's scale to 5 %
//!   initial output firing ([`SnnHeadParams::target_rate`]); without that,
//!   the N-MNIST SRNN-SNN never leaves its initial state.
//! * Rectangle half-width 0.25 (not full width) and height 1 (not unit
//!   area): see [`Surrogate`].
//! * Spiking-readout ties go to the lowest class (as `torch.max`).
//!
//! # What it ignores
//!
//! Refractory periods, synaptic delays, learning-rate schedules, weight
//! decay, dropout, gradient clipping, GPU execution, the ProtoNet variant
//! (`readout::ProtoNet` covers the prototypical loss on fixed features).
//!
//! # What this crate must not know
//!
//! Where its input spike sequences came from (it takes sparse per-step
//! active-channel lists, not dataset files), and nothing of devices.

mod classifier;
mod clip;
mod counts;
mod error;
#[cfg(test)]
mod gradcheck;
mod head;
mod optim;
mod params;
mod real;
mod rnn;
mod seq;
mod srnn;
pub mod streams;
pub mod tasks;
mod train;

pub use classifier::{
    RecurrentWeights, RnnClassifier, RnnClassifierParams, SrnnClassifier, SrnnClassifierParams,
    SrnnHead,
};
pub use clip::{
    ClipEpoch, ClipFit, ClipProjections, ClipValidation, EncoderParams, SrnnClip, SrnnClipParams,
};
pub use counts::{PassCounts, TrainingCounts};
pub use error::{Error, Result};
pub use param_guard::{ParamError, ParamGuard};
pub use params::{
    AnnHeadParams, HiddenLayer, InitParams, LifParams, Loss, SnnHeadParams, SrnnParams, Surrogate,
    TrainingParams,
};
pub use rnn::{RnnParams, RnnReadout};
pub use spikes::{SpikeRaster, SpikeSteps};
pub use train::{EpochRecord, Fit, LabeledSeqs};
