//! Trainable recurrent baselines (docs completed below).

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
pub use params::{
    AnnHeadParams, HiddenLayer, InitParams, LifParams, Loss, SnnHeadParams, SrnnParams, Surrogate,
    TrainingParams,
};
pub use rnn::{RnnParams, RnnReadout};
pub use seq::SparseSeq;
pub use train::{EpochRecord, Fit, LabeledSeqs};
