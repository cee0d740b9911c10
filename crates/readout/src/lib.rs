//! Digital learning on reservoir features.
//!
//! Everything trained in the system is digital and small: a softmax classifier
//! on spike-count features (supervised N-MNIST and N-TIDIGITS), and two linear
//! projections trained with a CLIP-style symmetric contrastive loss so that
//! image and audio features of the same digit meet in one embedding space
//! (zero-shot retrieval of unseen digits). Gradients are written by hand and
//! checked against finite differences. Training reports its multiply-accumulate
//! counts as [`costmodel`] operation counts.
//!
//! # What this crate must not know
//!
//! Where the features came from: it takes feature matrices and labels, nothing
//! of spikes, devices or datasets.

mod error;

pub use error::{Error, Result};
