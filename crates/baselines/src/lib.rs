//! Trainable recurrent baselines for the liquid state machine.
//!
//! The paper's claim is that a fixed random reservoir plus a trained readout
//! comes close to fully trained recurrent networks at a tiny fraction of the
//! training cost. This crate provides those trained networks: a spiking
//! recurrent network (SRNN) of LIF neurons with the reservoir's discrete
//! dynamics, trained by backpropagation through time with a surrogate
//! gradient for the spike, with an ANN head on its spike counts (SRNN-ANN) or
//! a spiking readout (SRNN-SNN); a non-spiking tanh RNN (RNN-ANN); and two
//! SRNN encoders trained end to end with the contrastive loss (SRNN-CLIP).
//! Training reports its multiply-accumulates as [`costmodel`] counts.
//!
//! # What this crate must not know
//!
//! Where its input spike sequences came from (it takes sparse per-step
//! active-channel lists, not dataset files), and nothing of devices.

mod error;

pub use error::{Error, Result};
