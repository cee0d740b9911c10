//! Classifiers on spike sequences: SRNN-ANN, SRNN-SNN and RNN-ANN, their
//! parameters and the authors' presets.

use nalgebra::DMatrix;
use param_guard::ParamGuard;
use rayon::prelude::*;
use readout::{ClassificationReport, OptimizerParams, check_labels};
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};
use spikes::SpikeSteps;

use crate::counts::TrainingCounts;
use crate::error::{Error, Result, invalid};
use crate::head::{MlpCache, MlpLayout, argmax, loss_grad};
use crate::params::{
    AnnHeadParams, InitParams, LifParams, Loss, SnnHeadParams, SrnnParams, TrainingParams,
    validate_window,
};
use crate::real::Real;
use crate::rnn::{self, RnnParams, RnnReadout, RnnTrace};
use crate::seq::check_steps;
use crate::srnn::{
    self, Direct, Lif, Sg, SnnHeadLayout, SnnHeadNet, SnnHeadTrace, SrnnLayout, SrnnTrace,
};
use crate::streams::{RNN_ANN, SRNN_ANN, SRNN_SNN, model_stream};
use crate::train::{EpochRecord, Fit, LabeledSeqs, SampleModel, fit_loop, predict_all};

/// The head of an SRNN classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SrnnHead {
    /// SRNN-ANN: a dense head on the hidden spike counts divided by the
    /// number of processed steps (rates in [0, 1]).
    Ann(AnnHeadParams),
    /// SRNN-SNN: a spiking readout whose output spike counts divided by
    /// the number of steps are the outputs. The prediction is the class
    /// with most output spikes, the lowest index on ties (`torch.max`, the
    /// authors' evaluation).
    Snn(SnnHeadParams),
}

/// Everything that defines an SRNN classifier and its training.
///
/// `bin_steps` is read by whoever bins the events into [`SpikeRaster`](crate::SpikeRaster)s (the
/// reproduction pipeline); the model itself processes the first
/// `time_window` steps of each sequence (all of them if `None` or if the
/// sequence is shorter), so sequences of any length are accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrnnClassifierParams {
    /// The spiking recurrent layer.
    pub srnn: SrnnParams,
    /// The head.
    pub head: SrnnHead,
    /// Loss on the head's outputs.
    pub loss: Loss,
    /// The training loop.
    pub training: TrainingParams,
    /// Time steps each sample should be binned into, >= 1 (for the
    /// orchestrator; see the presets for how the authors binned).
    pub bin_steps: usize,
    /// Steps processed per sample, in `1..=bin_steps`; `None`: all.
    pub time_window: Option<usize>,
}

impl Default for SrnnClassifierParams {
    fn default() -> Self {
        SrnnClassifierParams::nmnist_srnn_ann()
    }
}

/// The presets' initialisation: PyTorch bounds, input scale calibrated to
/// an initial firing probability of 5 % (our choice; see [`InitParams`]).
pub(crate) fn calibrated() -> InitParams {
    InitParams {
        target_rate: Some(0.05),
        ..InitParams::default()
    }
}

/// The authors' spiking layer: `inputs` -> 200 hidden neurons with `lif`,
/// the calibrated initialisation, other settings at their defaults.
pub(crate) fn authors_layer(inputs: usize, lif: LifParams) -> SrnnParams {
    SrnnParams {
        inputs,
        hidden: 200,
        lif,
        init: calibrated(),
        ..SrnnParams::default()
    }
}

pub(crate) fn training(epochs: usize, batch_size: usize, lr: f64) -> TrainingParams {
    TrainingParams {
        epochs,
        batch_size,
        optimizer: OptimizerParams::adam(lr),
        chunk_size: 8,
        patience: None,
    }
}

impl SrnnClassifierParams {
    /// The authors' N-MNIST SRNN-ANN (paper: 96.96 %).
    ///
    /// | setting | value | source (`MrLinNing/MemristorLSM`) |
    /// |---|---|---|
    /// | inputs, hidden, classes | 256, 200, 10 | `LSM-NMNIST/train_srnn_ann.py` (`ARCHI`) |
    /// | decay, gain, `v_th` | 0.9, 0.03, 0.3 | `run_srnn_ann.sh` (`--const 0.03 --Vth 0.3`), `Decay_lsm` default |
    /// | surrogate | rectangle, half-width 0.25, height 1 | `lens=0.25`; height of the STBP code (see [`crate::Surrogate`]) |
    /// | initialisation | PyTorch bounds, input scale calibrated to 5 % initial firing | our choice (unpublished; see [`InitParams`]) |
    /// | head | linear 200 -> 10 | `Read_ANN` (model file unpublished; linear assumed) |
    /// | loss | MSE on one-hot targets | `nn.MSELoss()` |
    /// | optimiser | Adam, lr 1e-4, batch 80, 100 epochs | script defaults |
    /// | `bin_steps` | 50 | `--Tw 50`: the `.mat` frames, 50 per sample |
    pub fn nmnist_srnn_ann() -> SrnnClassifierParams {
        SrnnClassifierParams {
            srnn: authors_layer(256, LifParams::new(0.9, 0.03, 0.3)),
            head: SrnnHead::Ann(AnnHeadParams::default()),
            loss: Loss::Mse,
            training: training(100, 80, 1e-4),
            bin_steps: 50,
            time_window: None,
        }
    }

    /// The authors' N-MNIST SRNN-SNN (paper: 93.93 %): as
    /// [`SrnnClassifierParams::nmnist_srnn_ann`] with a spiking readout of
    /// decay 0.9 (`--Decay` default, `LSM-NMNIST/train_srnn_snn.py`); its
    /// gain and threshold are assumed equal to the hidden layer's (0.03,
    /// 0.3), its weight scale calibrated to 5 % initial output firing (our
    /// choice: uncalibrated, no output neuron ever fires and the readout
    /// gets no gradient).
    pub fn nmnist_srnn_snn() -> SrnnClassifierParams {
        SrnnClassifierParams {
            head: SrnnHead::Snn(SnnHeadParams {
                lif: LifParams::new(0.9, 0.03, 0.3),
                target_rate: Some(0.05),
                ..SnnHeadParams::default()
            }),
            ..SrnnClassifierParams::nmnist_srnn_ann()
        }
    }

    /// The authors' N-TIDIGITS SRNN-ANN (paper: 82.62 %).
    ///
    /// | setting | value | source (`LSM-NTIDIGITS/`) |
    /// |---|---|---|
    /// | inputs, hidden, classes | 64, 200, 11 | `train_srnn_ann.py` (`ARCHI 64,200,11`) |
    /// | decay, gain, `v_th` | 0.9, 1.0, 0.6 | `run_srnn_ann.sh` (`--const 1.0 --Vth 0.6 --Decay_lsm 0.9`) |
    /// | loss | cross-entropy | `nn.CrossEntropyLoss()` |
    /// | optimiser | Adam, lr 5e-4, batch 100, 100 epochs | script defaults |
    /// | `bin_steps` | 90 | `--ts 90 --Tw 90` |
    ///
    /// The authors' binning: events at 10 ms resolution (`--Dt` default
    /// 10), the recording's duration split into `ts` equal chunks
    /// (`torch.chunk`), a channel active in a step if it had an event in its
    /// chunk; shorter recordings padded with empty steps.
    pub fn ntidigits_srnn_ann() -> SrnnClassifierParams {
        SrnnClassifierParams {
            srnn: authors_layer(64, LifParams::new(0.9, 1.0, 0.6)),
            head: SrnnHead::Ann(AnnHeadParams::default()),
            loss: Loss::CrossEntropy,
            training: training(100, 100, 5e-4),
            bin_steps: 90,
            time_window: None,
        }
    }

    /// The authors' N-TIDIGITS SRNN-SNN (paper: 63.75 %; the script's
    /// comment reports 67.41 %).
    ///
    /// | setting | value | source (`LSM-NTIDIGITS/run_srnn_snn.sh`) |
    /// |---|---|---|
    /// | decay, gain, `v_th` | 0.9, 1.0, 0.3 | `--Decay_lsm 0.9 --const 1.0 --Vth 0.3` |
    /// | readout decay | 0.99 | `--Decay 0.99` (gain, threshold assumed as the hidden layer's; scale calibrated to 5 % firing) |
    /// | loss | cross-entropy on the output rates | `nn.CrossEntropyLoss()` |
    /// | optimiser | Adam, lr 2e-4, batch 128, 100 epochs | `--lr 0.0002 --batch 128` |
    /// | `bin_steps` | 70 | `--ts 70 --Tw 70`, events at 1 ms (`--Dt` default 1), chunked as for SRNN-ANN |
    pub fn ntidigits_srnn_snn() -> SrnnClassifierParams {
        SrnnClassifierParams {
            srnn: authors_layer(64, LifParams::new(0.9, 1.0, 0.3)),
            head: SrnnHead::Snn(SnnHeadParams {
                lif: LifParams::new(0.99, 1.0, 0.3),
                target_rate: Some(0.05),
                ..SnnHeadParams::default()
            }),
            loss: Loss::CrossEntropy,
            training: training(100, 128, 2e-4),
            bin_steps: 70,
            time_window: None,
        }
    }
}

impl ParamGuard for SrnnClassifierParams {
    type Error = Error;

    /// Checks every field; errors name the field and its allowed range.
    fn validate(&self) -> Result<()> {
        self.srnn.validate("srnn")?;
        match &self.head {
            SrnnHead::Ann(h) => h.validate("head")?,
            SrnnHead::Snn(h) => h.validate("head")?,
        }
        self.training.validate("training")?;
        validate_window("srnn_classifier", self.bin_steps, self.time_window)
    }
}

/// Everything that defines an RNN-ANN classifier and its training (see
/// [`SrnnClassifierParams`] for `bin_steps` and `time_window`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RnnClassifierParams {
    /// The tanh recurrent layer.
    pub rnn: RnnParams,
    /// Which hidden state the head reads.
    pub readout: RnnReadout,
    /// The dense head.
    pub head: AnnHeadParams,
    /// Loss on the head's outputs.
    pub loss: Loss,
    /// The training loop.
    pub training: TrainingParams,
    /// Time steps each sample should be binned into, >= 1.
    pub bin_steps: usize,
    /// Steps processed per sample, in `1..=bin_steps`; `None`: all.
    pub time_window: Option<usize>,
}

impl Default for RnnClassifierParams {
    fn default() -> Self {
        RnnClassifierParams::nmnist()
    }
}

impl RnnClassifierParams {
    /// The authors' N-MNIST RNN (paper: 96.23 %): 256 -> 200 tanh -> 10,
    /// MSE loss, Adam lr 5e-4, batch 80, 100 epochs, 50 steps
    /// (`LSM-NMNIST/train_rnn.py`, `run_rnn.sh`). The head reads the last
    /// state (the model file is unpublished; the usual choice).
    pub fn nmnist() -> RnnClassifierParams {
        RnnClassifierParams {
            rnn: RnnParams::default(),
            readout: RnnReadout::LastState,
            head: AnnHeadParams::default(),
            loss: Loss::Mse,
            training: training(100, 80, 5e-4),
            bin_steps: 50,
            time_window: None,
        }
    }

    /// The authors' N-TIDIGITS RNN (paper: 75.54 %): 64 -> 200 -> 11,
    /// cross-entropy, Adam lr 9e-4, batch 256, 100 epochs
    /// (`LSM-NTIDIGITS/train_rnn.py`); events at 1 ms binned into 50 steps
    /// (`--ts` default 50) of which the network runs the first 30
    /// (`run_rnn.sh`: `--Tw 30`).
    pub fn ntidigits() -> RnnClassifierParams {
        RnnClassifierParams {
            rnn: RnnParams {
                inputs: 64,
                ..RnnParams::default()
            },
            readout: RnnReadout::LastState,
            head: AnnHeadParams::default(),
            loss: Loss::CrossEntropy,
            training: training(100, 256, 9e-4),
            bin_steps: 50,
            time_window: Some(30),
        }
    }
}

impl ParamGuard for RnnClassifierParams {
    type Error = Error;

    /// Checks every field; errors name the field and its allowed range.
    fn validate(&self) -> Result<()> {
        self.rnn.validate("rnn")?;
        self.head.validate("head")?;
        self.training.validate("training")?;
        validate_window("rnn_classifier", self.bin_steps, self.time_window)
    }
}

/// Steps processed of `seq`.
fn processed<S: SpikeSteps + ?Sized>(window: Option<usize>, seq: &S) -> usize {
    window.map_or(seq.steps(), |w| w.min(seq.steps()))
}

/// Checks sequences against a model's input width: at least one, each of
/// `inputs` channels with at least one step, every step keeping the
/// [`SpikeSteps`] contract.
pub(crate) fn check_seqs<S: SpikeSteps>(what: &str, seqs: &[S], inputs: usize) -> Result<()> {
    if seqs.is_empty() {
        return Err(Error::Empty {
            what: what.into(),
            why: "needs at least one sequence".into(),
        });
    }
    for (i, s) in seqs.iter().enumerate() {
        if s.channels() != inputs {
            return Err(Error::ShapeMismatch {
                what: format!("{what}, sequence {i}"),
                expected: format!("{inputs} channels (the model's inputs)"),
                found: format!("{} channels", s.channels()),
            });
        }
        if s.steps() == 0 {
            return Err(Error::Empty {
                what: format!("{what}, sequence {i}"),
                why: "has no time step".into(),
            });
        }
        check_steps(&format!("{what}, sequence {i}"), s)?;
    }
    Ok(())
}

/// Checks labelled sequences: [`check_seqs`] and `readout`'s label check.
pub(crate) fn check_data<S: SpikeSteps>(
    what: &str,
    d: LabeledSeqs<'_, S>,
    inputs: usize,
    n_classes: usize,
) -> Result<()> {
    check_seqs(what, d.seqs, inputs)?;
    Ok(check_labels(what, d.labels, d.seqs.len(), n_classes)?)
}

fn check_classes(n_classes: usize) -> Result<()> {
    if n_classes < 2 {
        return Err(invalid("n_classes", n_classes, ">= 2"));
    }
    Ok(())
}

// ---------------------------------------------------------------- SRNN

/// Mean firing probability per output neuron and step of a spiking head.
fn output_rate<S: SpikeSteps>(arch: &SrnnArch, theta: &[f32], seqs: &[S]) -> f64 {
    let (spikes, steps) = seqs
        .par_iter()
        .map_init(SrnnWs::default, |ws, s| {
            let mut c = TrainingCounts::default();
            srnn_sample::<f32, false, _>(arch, theta, s, None, ws, &mut c);
            (c.output_spikes, c.time_steps)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    if steps == 0 {
        0.0
    } else {
        spikes as f64 / (steps as f64 * arch.classes as f64)
    }
}

/// Layout of an SRNN classifier's parameters.
#[derive(Clone, Debug)]
pub(crate) struct SrnnArch {
    pub(crate) params: SrnnClassifierParams,
    pub(crate) srnn: SrnnLayout,
    pub(crate) head: HeadLayout,
    pub(crate) classes: usize,
}

#[derive(Clone, Debug)]
pub(crate) enum HeadLayout {
    Ann(MlpLayout),
    Snn(SnnHeadLayout, SnnHeadParams),
}

impl SrnnArch {
    pub(crate) fn new(params: &SrnnClassifierParams, classes: usize) -> SrnnArch {
        let p = &params.srnn;
        let srnn = SrnnLayout::new(p.inputs, p.hidden, p.bias, 0);
        let head = match &params.head {
            SrnnHead::Ann(h) => HeadLayout::Ann(MlpLayout::new(p.hidden, h, classes, srnn.end())),
            SrnnHead::Snn(h) => HeadLayout::Snn(
                SnnHeadLayout::new(p.hidden, classes, h.bias, srnn.end()),
                *h,
            ),
        };
        SrnnArch {
            params: params.clone(),
            srnn,
            head,
            classes,
        }
    }

    pub(crate) fn n_params(&self) -> usize {
        match &self.head {
            HeadLayout::Ann(m) => m.end(),
            HeadLayout::Snn(l, _) => l.end(),
        }
    }

    /// The scope of the model's random streams: SRNN-ANN or SRNN-SNN.
    pub(crate) fn stream_scope(&self) -> u16 {
        match self.head {
            HeadLayout::Ann(_) => SRNN_ANN,
            HeadLayout::Snn(..) => SRNN_SNN,
        }
    }

    pub(crate) fn init(&self, seeds: Seeds) -> Vec<f32> {
        let mut theta = vec![0.0; self.n_params()];
        let mut rng = model_stream(seeds, Purpose::ModelInit, self.stream_scope(), 0);
        let p = &self.params.srnn;
        self.srnn.init(
            &mut theta,
            p.init.input_scale / (p.inputs as f64).sqrt(),
            p.init.recurrent_scale / (p.hidden as f64).sqrt(),
            &mut rng,
        );
        match &self.head {
            HeadLayout::Ann(m) => m.init(&mut theta, 1.0, &mut rng),
            HeadLayout::Snn(l, h) => {
                let bound = h.init_scale / (p.hidden as f64).sqrt();
                srnn::uniform(&mut theta[l.w.clone()], bound, &mut rng);
                if let Some(b) = &l.bias {
                    srnn::uniform(&mut theta[b.clone()], bound, &mut rng);
                }
            }
        }
        theta
    }
}

/// Buffers of one SRNN sample.
#[derive(Clone, Debug, Default)]
pub(crate) struct SrnnWs<R> {
    pub(crate) tr: SrnnTrace<R>,
    htr: SnnHeadTrace<R>,
    mlp: MlpCache<R>,
    rates: Vec<R>,
    pub(crate) y: Vec<R>,
    g: Vec<R>,
    gx: Vec<R>,
}

/// Forward (and, with a target, backward) pass of one sample: returns the
/// loss (0 without target) and the predicted class; outputs in `ws.y`.
pub(crate) fn srnn_sample<R: Real, const SOFT: bool, S: SpikeSteps + ?Sized>(
    arch: &SrnnArch,
    theta: &[R],
    seq: &S,
    target: Option<(usize, &mut [R])>,
    ws: &mut SrnnWs<R>,
    c: &mut TrainingCounts,
) -> (f64, usize) {
    let p = &arch.params.srnn;
    let steps = processed(arch.params.time_window, seq);
    let sg = Sg::new(&p.surrogate);
    let net = arch.srnn.view(theta, Lif::new(&p.lif), sg, p.detach_reset);
    srnn::forward::<R, SOFT, _>(&net, seq, steps, &mut ws.tr, c);
    c.time_steps += steps as u64;
    let inv_t = R::ONE / R::from_f64(steps as f64);
    let nc = arch.classes;
    let snn_net = |lay: &SnnHeadLayout, h: &SnnHeadParams| SnnHeadNet {
        classes: nc,
        w: &theta[lay.w.clone()],
        bias: lay.bias.as_ref().map(|b| &theta[b.clone()]),
        lif: Lif::new(&h.lif),
        sg,
        detach_reset: p.detach_reset,
    };
    ws.y.clear();
    let pred = match &arch.head {
        HeadLayout::Ann(mlp) => {
            ws.rates.clear();
            ws.rates.extend(ws.tr.counts.iter().map(|&v| v * inv_t));
            mlp.forward(theta, &ws.rates, &mut ws.mlp, c);
            ws.y.extend_from_slice(ws.mlp.output());
            argmax(&ws.y)
        }
        HeadLayout::Snn(lay, h) => {
            let hn = snn_net(lay, h);
            srnn::head_forward::<R, SOFT>(&hn, &ws.tr, &mut ws.htr, c);
            ws.y.extend(ws.htr.counts.iter().map(|&v| v * inv_t));
            argmax(&ws.y)
        }
    };
    let Some((label, grad)) = target else {
        return (0.0, pred);
    };
    let loss = loss_grad(arch.params.loss, &ws.y, label, &mut ws.g);
    match &arch.head {
        HeadLayout::Ann(mlp) => {
            mlp.backward(theta, &mut ws.mlp, &ws.g, grad, &mut ws.gx, c);
            for v in &mut ws.gx {
                *v *= inv_t;
            }
            c.backward.mul += ws.gx.len() as u64;
            let mut gv = arch.srnn.grad_view(grad);
            srnn::backward::<R, SOFT, _>(
                &net,
                seq,
                &mut ws.tr,
                &Direct::Constant(&ws.gx),
                &mut gv,
                c,
            );
        }
        HeadLayout::Snn(lay, h) => {
            let hn = snn_net(lay, h);
            let (gw, gb) = grad[lay.w.start..lay.end()].split_at_mut(lay.w.len());
            let gb = lay.bias.as_ref().map(|_| gb);
            srnn::head_backward::<R, SOFT>(&hn, &ws.tr, &mut ws.htr, &ws.g, gw, gb, c);
            let mut gv = arch.srnn.grad_view(grad);
            let direct = Direct::Readout {
                w: hn.w,
                classes: nc,
                d_io: &ws.htr.d_io,
            };
            srnn::backward::<R, SOFT, _>(&net, seq, &mut ws.tr, &direct, &mut gv, c);
        }
    }
    (loss, pred)
}

impl SampleModel for SrnnArch {
    type Ws = SrnnWs<f32>;

    fn loss_grad<S: SpikeSteps + ?Sized>(
        &self,
        theta: &[f32],
        seq: &S,
        label: usize,
        ws: &mut Self::Ws,
        grad: &mut [f32],
        c: &mut TrainingCounts,
    ) -> (f64, usize) {
        srnn_sample::<f32, false, S>(self, theta, seq, Some((label, grad)), ws, c)
    }

    fn predict<S: SpikeSteps + ?Sized>(&self, theta: &[f32], seq: &S, ws: &mut Self::Ws) -> usize {
        srnn_sample::<f32, false, S>(self, theta, seq, None, ws, &mut TrainingCounts::default()).1
    }

    fn spiking_hidden(&self) -> Option<usize> {
        Some(self.params.srnn.hidden)
    }

    fn scope(&self) -> u16 {
        self.stream_scope()
    }
}

/// A spiking recurrent network with an ANN or a spiking head (SRNN-ANN,
/// SRNN-SNN), trained by backpropagation through time with surrogate
/// gradients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SrnnClassifierRepr")]
pub struct SrnnClassifier {
    params: SrnnClassifierParams,
    n_classes: usize,
    /// Every parameter, flat: input weights (`inputs x hidden`, row-major),
    /// recurrent weights (`hidden x hidden`), hidden biases, then the head.
    theta: Vec<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SrnnClassifierRepr {
    params: SrnnClassifierParams,
    n_classes: usize,
    theta: Vec<f32>,
}

impl TryFrom<SrnnClassifierRepr> for SrnnClassifier {
    type Error = Error;

    fn try_from(r: SrnnClassifierRepr) -> Result<SrnnClassifier> {
        r.params.validate()?;
        check_classes(r.n_classes)?;
        let n = SrnnArch::new(&r.params, r.n_classes).n_params();
        check_theta(&r.theta, n)?;
        Ok(SrnnClassifier {
            params: r.params,
            n_classes: r.n_classes,
            theta: r.theta,
        })
    }
}

fn check_theta(theta: &[f32], n: usize) -> Result<()> {
    if theta.len() != n {
        return Err(Error::BadModel {
            why: format!(
                "{} parameters stored, the architecture has {n}",
                theta.len()
            ),
        });
    }
    if let Some((i, v)) = theta.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::BadModel {
            why: format!("parameter {i} is {v}"),
        });
    }
    Ok(())
}

/// Borrowed weights of a recurrent layer.
#[derive(Clone, Copy, Debug)]
pub struct RecurrentWeights<'a> {
    /// Input weights, `inputs x hidden`, row `i` the fan-out of input `i`.
    pub input: &'a [f32],
    /// Recurrent weights, `hidden x hidden`, row `k` the fan-out of unit `k`.
    pub recurrent: &'a [f32],
    /// Hidden biases, if the layer has them.
    pub bias: Option<&'a [f32]>,
}

impl SrnnClassifier {
    /// A freshly initialised (untrained) classifier for `n_classes` classes;
    /// weights from the `ModelInit` stream of `seeds` (scope
    /// [`crate::streams::SRNN_ANN`] or [`crate::streams::SRNN_SNN`]).
    pub fn new(
        params: &SrnnClassifierParams,
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<SrnnClassifier> {
        params.validate()?;
        check_classes(n_classes)?;
        let theta = SrnnArch::new(params, n_classes).init(seeds);
        Ok(SrnnClassifier {
            params: params.clone(),
            n_classes,
            theta,
        })
    }

    /// The classifier training starts from: [`SrnnClassifier::new`], then,
    /// if `params.srnn.init.target_rate` is set, the input scale calibrated
    /// on `train` (see [`crate::InitParams`]).
    pub fn initialized<S: SpikeSteps>(
        params: &SrnnClassifierParams,
        n_classes: usize,
        train: &[S],
        seeds: Seeds,
    ) -> Result<SrnnClassifier> {
        let mut model = SrnnClassifier::new(params, n_classes, seeds)?;
        let arch = SrnnArch::new(params, n_classes);
        if let Some(target) = params.srnn.init.target_rate {
            check_seqs("calibration sequences", train, params.srnn.inputs)?;
            srnn::calibrate_input_scale(
                &arch.srnn,
                &params.srnn,
                params.time_window,
                &mut model.theta,
                train,
                target,
            );
        }
        if let HeadLayout::Snn(lay, h) = &arch.head
            && let Some(target) = h.target_rate
        {
            check_seqs("calibration sequences", train, params.srnn.inputs)?;
            let sample = &train[..train.len().min(srnn::CALIBRATION_SEQS)];
            let base = model.theta.clone();
            let mut ranges = vec![lay.w.clone()];
            ranges.extend(lay.bias.clone());
            let mut work = base.clone();
            let s = srnn::bisect_scale(target, |s| {
                srnn::scale_ranges(&mut work, &base, &ranges, s);
                output_rate(&arch, &work, sample)
            });
            srnn::scale_ranges(&mut model.theta, &base, &ranges, s);
        }
        Ok(model)
    }

    /// Trains a classifier on labelled sequences (any [`SpikeSteps`]
    /// storage); with a validation set the epoch of best validation
    /// accuracy is kept, otherwise the last. Random streams (scope
    /// [`crate::streams::SRNN_ANN`] or [`crate::streams::SRNN_SNN`]):
    /// `ModelInit` (weights), `DataShuffle` keyed by epoch (sample order).
    pub fn fit<S: SpikeSteps>(
        params: &SrnnClassifierParams,
        train: LabeledSeqs<'_, S>,
        validation: Option<LabeledSeqs<'_, S>>,
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<Fit<SrnnClassifier>> {
        SrnnClassifier::fit_with_observer(params, train, validation, n_classes, seeds, &mut |_| {})
    }

    /// [`SrnnClassifier::fit`], calling `observer` after every epoch (for
    /// progress reports).
    pub fn fit_with_observer<S: SpikeSteps>(
        params: &SrnnClassifierParams,
        train: LabeledSeqs<'_, S>,
        validation: Option<LabeledSeqs<'_, S>>,
        n_classes: usize,
        seeds: Seeds,
        observer: &mut dyn FnMut(&EpochRecord),
    ) -> Result<Fit<SrnnClassifier>> {
        params.validate()?;
        check_inputs(params.srnn.inputs, n_classes, train, validation)?;
        let model = SrnnClassifier::initialized(params, n_classes, train.seqs, seeds)?;
        model.continue_training(train, validation, seeds, observer)
    }

    /// The head's outputs, samples x classes (ANN head: its output layer;
    /// spiking head: output spike counts / steps).
    pub fn outputs<S: SpikeSteps>(&self, seqs: &[S]) -> Result<DMatrix<f64>> {
        self.per_sample(seqs, |ws| &ws.y, self.n_classes)
    }

    /// Hidden spike counts divided by the processed steps, samples x hidden
    /// (the SRNN's features, e.g. for t-SNE).
    pub fn hidden_rates<S: SpikeSteps>(&self, seqs: &[S]) -> Result<DMatrix<f64>> {
        let h = self.params.srnn.hidden;
        let rows = self.per_sample_rows(seqs, |ws, steps| {
            ws.tr
                .counts
                .iter()
                .map(|&v| f64::from(v) / steps as f64)
                .collect()
        })?;
        Ok(DMatrix::from_fn(rows.len(), h, |i, j| rows[i][j]))
    }

    /// Operations of one forward pass (inference) over `seqs`.
    pub fn forward_counts<S: SpikeSteps>(&self, seqs: &[S]) -> Result<TrainingCounts> {
        check_seqs("sequences", seqs, self.params.srnn.inputs)?;
        let arch = self.arch();
        let counts: Vec<TrainingCounts> = seqs
            .par_iter()
            .map_init(SrnnWs::default, |ws, s| {
                let mut c = TrainingCounts::default();
                srnn_sample::<f32, false, S>(&arch, &self.theta, s, None, ws, &mut c);
                c.samples = 1;
                c
            })
            .collect();
        Ok(counts
            .into_iter()
            .fold(TrainingCounts::default(), |a, b| a + b))
    }

    fn per_sample_rows<S: SpikeSteps>(
        &self,
        seqs: &[S],
        f: impl Fn(&SrnnWs<f32>, usize) -> Vec<f64> + Sync,
    ) -> Result<Vec<Vec<f64>>> {
        check_seqs("sequences", seqs, self.params.srnn.inputs)?;
        let arch = self.arch();
        Ok(seqs
            .par_iter()
            .map_init(SrnnWs::default, |ws, s| {
                srnn_sample::<f32, false, S>(
                    &arch,
                    &self.theta,
                    s,
                    None,
                    ws,
                    &mut TrainingCounts::default(),
                );
                f(ws, processed(self.params.time_window, s))
            })
            .collect())
    }

    fn per_sample<S: SpikeSteps>(
        &self,
        seqs: &[S],
        pick: impl Fn(&SrnnWs<f32>) -> &Vec<f32> + Sync,
        width: usize,
    ) -> Result<DMatrix<f64>> {
        let rows = self.per_sample_rows(seqs, |ws, _| {
            pick(ws).iter().map(|&v| f64::from(v)).collect()
        })?;
        Ok(DMatrix::from_fn(rows.len(), width, |i, j| rows[i][j]))
    }
}

// ------------------------------------------------- shared by both models

/// What the SRNN and the RNN classifier share: an architecture over one
/// flat `f32` parameter vector, trained by [`fit_loop`].
pub(crate) trait FlatClassifier: Sized {
    /// The per-sample forward and backward passes.
    type Arch: SampleModel;
    /// The architecture of the model's parameters.
    fn arch(&self) -> Self::Arch;
    /// Input channels.
    fn inputs(&self) -> usize;
    /// Number of classes.
    fn classes(&self) -> usize;
    /// The training-loop parameters.
    fn training(&self) -> TrainingParams;
    /// The flat parameters, to train.
    fn theta_mut(&mut self) -> &mut Vec<f32>;
}

/// Checks the training and the validation data of a fit.
fn check_inputs<S: SpikeSteps>(
    inputs: usize,
    n_classes: usize,
    train: LabeledSeqs<'_, S>,
    validation: Option<LabeledSeqs<'_, S>>,
) -> Result<()> {
    check_data("training data", train, inputs, n_classes)?;
    if let Some(v) = validation {
        check_data("validation data", v, inputs, n_classes)?;
    }
    Ok(())
}

/// Trains `model` further from its current weights (fresh optimiser).
fn continue_training<M: FlatClassifier, S: SpikeSteps>(
    mut model: M,
    train: LabeledSeqs<'_, S>,
    validation: Option<LabeledSeqs<'_, S>>,
    seeds: Seeds,
    observer: &mut dyn FnMut(&EpochRecord),
) -> Result<Fit<M>> {
    check_inputs(model.inputs(), model.classes(), train, validation)?;
    let arch = model.arch();
    let tp = model.training();
    let (history, selected_epoch, counts) = fit_loop(
        &arch,
        model.theta_mut(),
        &tp,
        train,
        validation,
        seeds,
        observer,
    )?;
    Ok(Fit {
        model,
        history,
        selected_epoch,
        counts,
    })
}

impl<'a> RecurrentWeights<'a> {
    /// The recurrent layer `l` of the flat parameters `theta`.
    fn of(l: &SrnnLayout, theta: &'a [f32]) -> RecurrentWeights<'a> {
        RecurrentWeights {
            input: &theta[l.w_in.clone()],
            recurrent: &theta[l.w_rec.clone()],
            bias: l.bias.clone().map(|b| &theta[b]),
        }
    }
}

// ----------------------------------------------------------------- RNN

/// Layout of an RNN classifier's parameters.
#[derive(Clone, Debug)]
pub(crate) struct RnnArch {
    pub(crate) params: RnnClassifierParams,
    pub(crate) rnn: SrnnLayout,
    pub(crate) head: MlpLayout,
}

impl RnnArch {
    pub(crate) fn new(params: &RnnClassifierParams, classes: usize) -> RnnArch {
        let p = &params.rnn;
        let rnn = SrnnLayout::new(p.inputs, p.hidden, p.bias, 0);
        let head = MlpLayout::new(p.hidden, &params.head, classes, rnn.end());
        RnnArch {
            params: params.clone(),
            rnn,
            head,
        }
    }

    pub(crate) fn init(&self, seeds: Seeds) -> Vec<f32> {
        let mut theta = vec![0.0; self.head.end()];
        let mut rng = model_stream(seeds, Purpose::ModelInit, RNN_ANN, 0);
        let p = &self.params.rnn;
        let bound = p.init_scale / (p.hidden as f64).sqrt();
        self.rnn.init(&mut theta, bound, bound, &mut rng);
        self.head.init(&mut theta, 1.0, &mut rng);
        theta
    }
}

/// Buffers of one RNN sample.
#[derive(Clone, Debug, Default)]
pub(crate) struct RnnWs<R> {
    tr: RnnTrace<R>,
    mlp: MlpCache<R>,
    pub(crate) y: Vec<R>,
    g: Vec<R>,
    gx: Vec<R>,
}

/// Forward (and, with a target, backward) pass of one RNN sample.
pub(crate) fn rnn_sample<R: Real, S: SpikeSteps + ?Sized>(
    arch: &RnnArch,
    theta: &[R],
    seq: &S,
    target: Option<(usize, &mut [R])>,
    ws: &mut RnnWs<R>,
    c: &mut TrainingCounts,
) -> (f64, usize) {
    let steps = processed(arch.params.time_window, seq);
    let net = arch.rnn.rnn_view(theta);
    let ro = arch.params.readout;
    rnn::forward(&net, seq, steps, ro, &mut ws.tr, c);
    c.time_steps += steps as u64;
    arch.head.forward(theta, &ws.tr.feature, &mut ws.mlp, c);
    ws.y.clear();
    ws.y.extend_from_slice(ws.mlp.output());
    let pred = argmax(&ws.y);
    let Some((label, grad)) = target else {
        return (0.0, pred);
    };
    let loss = loss_grad(arch.params.loss, &ws.y, label, &mut ws.g);
    arch.head
        .backward(theta, &mut ws.mlp, &ws.g, grad, &mut ws.gx, c);
    let mut gv = arch.rnn.grad_view(grad);
    rnn::backward(&net, seq, ro, &mut ws.tr, &ws.gx, &mut gv, c);
    (loss, pred)
}

impl SampleModel for RnnArch {
    type Ws = RnnWs<f32>;

    fn loss_grad<S: SpikeSteps + ?Sized>(
        &self,
        theta: &[f32],
        seq: &S,
        label: usize,
        ws: &mut Self::Ws,
        grad: &mut [f32],
        c: &mut TrainingCounts,
    ) -> (f64, usize) {
        rnn_sample::<f32, S>(self, theta, seq, Some((label, grad)), ws, c)
    }

    fn predict<S: SpikeSteps + ?Sized>(&self, theta: &[f32], seq: &S, ws: &mut Self::Ws) -> usize {
        rnn_sample::<f32, S>(self, theta, seq, None, ws, &mut TrainingCounts::default()).1
    }

    fn spiking_hidden(&self) -> Option<usize> {
        None
    }

    fn scope(&self) -> u16 {
        RNN_ANN
    }
}

/// A tanh recurrent network with a dense head (RNN-ANN), trained by
/// backpropagation through time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RnnClassifierRepr")]
pub struct RnnClassifier {
    params: RnnClassifierParams,
    n_classes: usize,
    /// Every parameter, flat: input weights (`inputs x hidden`), recurrent
    /// weights (`hidden x hidden`), biases, then the head.
    theta: Vec<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RnnClassifierRepr {
    params: RnnClassifierParams,
    n_classes: usize,
    theta: Vec<f32>,
}

impl TryFrom<RnnClassifierRepr> for RnnClassifier {
    type Error = Error;

    fn try_from(r: RnnClassifierRepr) -> Result<RnnClassifier> {
        r.params.validate()?;
        check_classes(r.n_classes)?;
        check_theta(&r.theta, RnnArch::new(&r.params, r.n_classes).head.end())?;
        Ok(RnnClassifier {
            params: r.params,
            n_classes: r.n_classes,
            theta: r.theta,
        })
    }
}

impl RnnClassifier {
    /// A freshly initialised (untrained) classifier (weights from the
    /// `ModelInit` stream, scope [`crate::streams::RNN_ANN`]).
    pub fn new(
        params: &RnnClassifierParams,
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<RnnClassifier> {
        params.validate()?;
        check_classes(n_classes)?;
        let theta = RnnArch::new(params, n_classes).init(seeds);
        Ok(RnnClassifier {
            params: params.clone(),
            n_classes,
            theta,
        })
    }

    /// Trains a classifier (see [`SrnnClassifier::fit`]; streams of scope
    /// [`crate::streams::RNN_ANN`]).
    pub fn fit<S: SpikeSteps>(
        params: &RnnClassifierParams,
        train: LabeledSeqs<'_, S>,
        validation: Option<LabeledSeqs<'_, S>>,
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<Fit<RnnClassifier>> {
        RnnClassifier::fit_with_observer(params, train, validation, n_classes, seeds, &mut |_| {})
    }

    /// [`RnnClassifier::fit`], calling `observer` after every epoch.
    pub fn fit_with_observer<S: SpikeSteps>(
        params: &RnnClassifierParams,
        train: LabeledSeqs<'_, S>,
        validation: Option<LabeledSeqs<'_, S>>,
        n_classes: usize,
        seeds: Seeds,
        observer: &mut dyn FnMut(&EpochRecord),
    ) -> Result<Fit<RnnClassifier>> {
        params.validate()?;
        check_inputs(params.rnn.inputs, n_classes, train, validation)?;
        RnnClassifier::new(params, n_classes, seeds)?
            .continue_training(train, validation, seeds, observer)
    }

    /// The head's outputs, samples x classes.
    pub fn outputs<S: SpikeSteps>(&self, seqs: &[S]) -> Result<DMatrix<f64>> {
        check_seqs("sequences", seqs, self.params.rnn.inputs)?;
        let arch = self.arch();
        let rows: Vec<Vec<f64>> = seqs
            .par_iter()
            .map_init(RnnWs::default, |ws, s| {
                rnn_sample::<f32, S>(
                    &arch,
                    &self.theta,
                    s,
                    None,
                    ws,
                    &mut TrainingCounts::default(),
                );
                ws.y.iter().map(|&v| f64::from(v)).collect()
            })
            .collect();
        Ok(DMatrix::from_fn(rows.len(), self.n_classes, |i, j| {
            rows[i][j]
        }))
    }
}

/// The parts of the SRNN and the RNN classifier that differ only in names:
/// their [`FlatClassifier`] implementation and the inherent methods they
/// share (training continued from the current weights, accessors,
/// prediction, evaluation), written once.
macro_rules! flat_classifier {
    ($model:ident, $arch:ident, $params:ident, $layer:ident) => {
        impl FlatClassifier for $model {
            type Arch = $arch;

            fn arch(&self) -> $arch {
                $arch::new(&self.params, self.n_classes)
            }

            fn inputs(&self) -> usize {
                self.params.$layer.inputs
            }

            fn classes(&self) -> usize {
                self.n_classes
            }

            fn training(&self) -> TrainingParams {
                self.params.training
            }

            fn theta_mut(&mut self) -> &mut Vec<f32> {
                &mut self.theta
            }
        }

        impl $model {
            /// Trains this model further with its own parameters (`training`,
            /// `loss`, ...), starting from its current weights with a fresh
            /// optimiser state: resumes a run, fine-tunes, or trains a model
            /// built without training (`new`, or `initialized` for the SRNN).
            pub fn continue_training<S: SpikeSteps>(
                self,
                train: LabeledSeqs<'_, S>,
                validation: Option<LabeledSeqs<'_, S>>,
                seeds: Seeds,
                observer: &mut dyn FnMut(&EpochRecord),
            ) -> Result<Fit<$model>> {
                continue_training(self, train, validation, seeds, observer)
            }

            /// The parameters the classifier was built with.
            pub fn params(&self) -> &$params {
                &self.params
            }

            /// Replaces the training-loop parameters used by
            /// `continue_training` (e.g. fewer epochs, another learning
            /// rate); errors if they are invalid.
            pub fn set_training(&mut self, training: TrainingParams) -> Result<()> {
                training.validate("training")?;
                self.params.training = training;
                Ok(())
            }

            /// Number of classes.
            pub fn n_classes(&self) -> usize {
                self.n_classes
            }

            /// Number of trainable parameters.
            pub fn n_params(&self) -> usize {
                self.theta.len()
            }

            /// Every parameter in its flat storage order (see the field docs).
            pub fn parameters(&self) -> &[f32] {
                &self.theta
            }

            /// The recurrent layer's weights.
            pub fn recurrent_weights(&self) -> RecurrentWeights<'_> {
                RecurrentWeights::of(&self.arch().$layer, &self.theta)
            }

            /// Predicted classes, one per sequence (in parallel, order kept).
            pub fn predict<S: SpikeSteps>(&self, seqs: &[S]) -> Result<Vec<usize>> {
                check_seqs("sequences to classify", seqs, self.inputs())?;
                Ok(predict_all(&self.arch(), &self.theta, seqs))
            }

            /// Accuracy, per-class accuracy, F1 and confusion on labelled data.
            pub fn evaluate<S: SpikeSteps>(
                &self,
                data: LabeledSeqs<'_, S>,
            ) -> Result<ClassificationReport> {
                check_labels(
                    "evaluation data",
                    data.labels,
                    data.seqs.len(),
                    self.n_classes,
                )?;
                let p = self.predict(data.seqs)?;
                Ok(ClassificationReport::new(data.labels, &p, self.n_classes)?)
            }
        }
    };
}

flat_classifier!(SrnnClassifier, SrnnArch, SrnnClassifierParams, srnn);
flat_classifier!(RnnClassifier, RnnArch, RnnClassifierParams, rnn);
