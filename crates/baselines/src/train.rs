//! The minibatch loop shared by the classifiers: per-sample gradients summed
//! per fixed chunk of samples in parallel, chunk sums reduced in chunk
//! order (deterministic for any number of threads), then one optimiser
//! step.

use rayon::prelude::*;
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};
use spikes::{SpikeRaster, SpikeSteps};

use crate::counts::TrainingCounts;
use crate::error::{Error, Result};
use crate::optim::Optimizer;
use crate::params::TrainingParams;
use crate::real::acc;
use crate::streams::model_stream;

/// Labelled spike sequences: any [`SpikeSteps`] storage, [`SpikeRaster`] by
/// default.
#[derive(Debug)]
pub struct LabeledSeqs<'a, S = SpikeRaster> {
    /// One sequence per sample.
    pub seqs: &'a [S],
    /// One class index per sample.
    pub labels: &'a [usize],
}

impl<S> Clone for LabeledSeqs<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for LabeledSeqs<'_, S> {}

/// One epoch of training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch index, from 0.
    pub epoch: usize,
    /// Mean training loss over the epoch's samples (weights changing
    /// during the epoch, as usual).
    pub train_loss: f64,
    /// Fraction of the epoch's training samples classified correctly by the
    /// forward pass that computed their gradient.
    pub train_accuracy: f64,
    /// Accuracy on the validation set after the epoch, if one was given.
    pub validation_accuracy: Option<f64>,
    /// Mean firing probability of the hidden spiking neurons per step
    /// during the epoch's training forward passes (`None` for the RNN).
    pub hidden_rate: Option<f64>,
}

/// The result of training a model.
#[derive(Clone, Debug)]
pub struct Fit<M> {
    /// The selected model: the epoch of best validation accuracy (the
    /// earliest on ties) if a validation set was given, else the last.
    pub model: M,
    /// One record per epoch.
    pub history: Vec<EpochRecord>,
    /// Epoch whose weights were selected.
    pub selected_epoch: usize,
    /// Operations counted over all training steps (validation excluded).
    pub counts: TrainingCounts,
}

/// A model trained one sample at a time on spike sequences.
pub(crate) trait SampleModel: Sync {
    type Ws: Default + Send + Sync;

    /// Forward and backward pass of one sample: adds `dL/dtheta` to `grad`,
    /// returns the loss and the predicted class.
    fn loss_grad<S: SpikeSteps + ?Sized>(
        &self,
        theta: &[f32],
        seq: &S,
        label: usize,
        ws: &mut Self::Ws,
        grad: &mut [f32],
        c: &mut TrainingCounts,
    ) -> (f64, usize);

    /// The predicted class of one sample.
    fn predict<S: SpikeSteps + ?Sized>(&self, theta: &[f32], seq: &S, ws: &mut Self::Ws) -> usize;

    /// The scope of the model's random streams ([`crate::streams`]).
    fn scope(&self) -> u16;

    /// Hidden spiking neurons (for the firing rate), if any.
    fn spiking_hidden(&self) -> Option<usize>;
}

struct ChunkState<W> {
    grad: Vec<f32>,
    ws: W,
    counts: TrainingCounts,
    loss: f64,
    correct: usize,
}

/// Elements per block of the parallel chunk reduction.
const REDUCE_BLOCK: usize = 4096;

/// Sums the gradients of `states` into `states[0].grad` in state order,
/// scaled by `scale`, in parallel over element blocks.
fn reduce_chunks<W: Send + Sync>(states: &mut [ChunkState<W>], scale: f32) {
    let Some((first, rest)) = states.split_first_mut() else {
        return;
    };
    let rest = &*rest;
    first
        .grad
        .par_chunks_mut(REDUCE_BLOCK)
        .enumerate()
        .for_each(|(bi, blk)| {
            let start = bi * REDUCE_BLOCK;
            for st in rest {
                acc(blk, &st.grad[start..start + blk.len()]);
            }
            for v in blk.iter_mut() {
                *v *= scale;
            }
        });
}

/// `out += sum of parts`, the parts added in order, in parallel over
/// element blocks (deterministic for any number of threads).
pub(crate) fn reduce_into<R: crate::real::Real>(out: &mut [R], parts: &[Vec<R>]) {
    out.par_chunks_mut(REDUCE_BLOCK)
        .enumerate()
        .for_each(|(bi, blk)| {
            let start = bi * REDUCE_BLOCK;
            for p in parts {
                acc(blk, &p[start..start + blk.len()]);
            }
        });
}

/// Per-sample predictions in parallel (order preserved).
pub(crate) fn predict_all<M: SampleModel, S: SpikeSteps>(
    model: &M,
    theta: &[f32],
    seqs: &[S],
) -> Vec<usize> {
    seqs.par_iter()
        .map_init(M::Ws::default, |ws, s| model.predict(theta, s, ws))
        .collect()
}

/// Trains `theta` in place; returns the history, the selected epoch and
/// the counts, with `theta` set to the selected weights.
/// True when `patience` epochs after the best one (`best_epoch`) have
/// passed by the end of `epoch` without a better validation accuracy.
pub(crate) fn stop_early(patience: Option<usize>, best_epoch: Option<usize>, epoch: usize) -> bool {
    matches!((patience, best_epoch), (Some(p), Some(b)) if epoch - b >= p)
}

/// Early stopping without a validation set is an error (it could never
/// stop, so the setting would be silently ignored).
pub(crate) fn check_patience(tp: &TrainingParams, has_validation: bool) -> Result<()> {
    match tp.patience {
        Some(p) if !has_validation => Err(crate::error::invalid(
            "training.patience",
            p,
            "absent when no validation set is given (early stopping needs one)",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn fit_loop<M: SampleModel, S: SpikeSteps>(
    model: &M,
    theta: &mut Vec<f32>,
    tp: &TrainingParams,
    train: LabeledSeqs<'_, S>,
    validation: Option<LabeledSeqs<'_, S>>,
    seeds: Seeds,
    observer: &mut dyn FnMut(&EpochRecord),
) -> Result<(Vec<EpochRecord>, usize, TrainingCounts)> {
    check_patience(tp, validation.is_some())?;
    let n = train.seqs.len();
    let np = theta.len();
    let mut opt = Optimizer::new(tp.optimizer, np);
    let scope = model.scope();
    let max_chunks = tp.batch_size.div_ceil(tp.chunk_size);
    let mut states: Vec<ChunkState<M::Ws>> = (0..max_chunks.min(n.div_ceil(tp.chunk_size)))
        .map(|_| ChunkState {
            grad: vec![0.0; np],
            ws: M::Ws::default(),
            counts: TrainingCounts::default(),
            loss: 0.0,
            correct: 0,
        })
        .collect();
    let mut global = TrainingCounts::default();
    let mut history = Vec::with_capacity(tp.epochs);
    let mut best: Option<(f64, usize, Vec<f32>)> = None;
    let mut order: Vec<usize> = (0..n).collect();
    for epoch in 0..tp.epochs {
        order.sort_unstable();
        let mut rng = model_stream(seeds, Purpose::DataShuffle, scope, epoch as u64);
        seeds::shuffle(&mut order, &mut rng);
        let before: TrainingCounts = states.iter().map(|s| s.counts).fold(global, |a, b| a + b);
        let mut loss_sum = 0.0;
        let mut correct = 0usize;
        for batch in order.chunks(tp.batch_size) {
            let chunks: Vec<&[usize]> = batch.chunks(tp.chunk_size).collect();
            let nc = chunks.len();
            let th: &[f32] = theta;
            states[..nc]
                .par_iter_mut()
                .zip(chunks.par_iter())
                .for_each(|(st, idx)| {
                    st.grad.fill(0.0);
                    st.loss = 0.0;
                    st.correct = 0;
                    for &i in *idx {
                        let y = train.labels[i];
                        let (l, p) = model.loss_grad(
                            th,
                            &train.seqs[i],
                            y,
                            &mut st.ws,
                            &mut st.grad,
                            &mut st.counts,
                        );
                        st.loss += l;
                        st.correct += usize::from(p == y);
                    }
                });
            let batch_loss: f64 = states[..nc].iter().map(|s| s.loss).sum();
            if !batch_loss.is_finite() {
                return Err(Error::Diverged {
                    epoch,
                    what: "training loss".into(),
                    value: batch_loss,
                });
            }
            loss_sum += batch_loss;
            correct += states[..nc].iter().map(|s| s.correct).sum::<usize>();
            reduce_chunks(&mut states[..nc], 1.0 / batch.len() as f32);
            opt.step(theta, &states[0].grad, &mut global)?;
            global.samples += batch.len() as u64;
        }
        if let Some((i, v)) = theta.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::Diverged {
                epoch,
                what: format!("parameter {i}"),
                value: f64::from(*v),
            });
        }
        let after: TrainingCounts = states.iter().map(|s| s.counts).fold(global, |a, b| a + b);
        let hidden_rate = model.spiking_hidden().map(|h| {
            let spikes = after.hidden_spikes - before.hidden_spikes;
            let steps = after.time_steps - before.time_steps;
            if steps == 0 {
                0.0
            } else {
                spikes as f64 / (steps as f64 * h as f64)
            }
        });
        let validation_accuracy = validation.map(|v| {
            let p = predict_all(model, theta, v.seqs);
            let hits = p.iter().zip(v.labels).filter(|(a, b)| a == b).count();
            hits as f64 / v.labels.len().max(1) as f64
        });
        let rec = EpochRecord {
            epoch,
            train_loss: loss_sum / n as f64,
            train_accuracy: correct as f64 / n as f64,
            validation_accuracy,
            hidden_rate,
        };
        if let Some(acc) = validation_accuracy
            && best.as_ref().is_none_or(|(b, _, _)| acc > *b)
        {
            best = Some((acc, epoch, theta.clone()));
        }
        observer(&rec);
        history.push(rec);
        if stop_early(tp.patience, best.as_ref().map(|b| b.1), epoch) {
            break;
        }
    }
    let counts = states.iter().map(|s| s.counts).fold(global, |a, b| a + b);
    let selected = match best {
        Some((_, e, th)) => {
            *theta = th;
            e
        }
        None => history.len() - 1,
    };
    Ok((history, selected, counts))
}
