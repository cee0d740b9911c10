//! Trainable recurrent baselines (docs completed below).

mod classifier;
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
mod train;

pub use classifier::{
    RecurrentWeights, RnnClassifier, RnnClassifierParams, SrnnClassifier, SrnnClassifierParams,
    SrnnHead,
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
