//! SRNN-CLIP: two spiking recurrent encoders (image, audio) and two
//! projections trained end to end with the symmetric contrastive loss, and
//! the paper's zero-shot evaluation.

use nalgebra::DMatrix;
use param_guard::ParamGuard;
use rayon::prelude::*;
use readout::{
    Activation, CrossModalEmbedder, Direction, LabeledSet, OptimizerParams, RetrievalReport,
    Similarity, ZeroShotReport,
};
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};
use spikes::{SpikeRaster, SpikeSteps};

use crate::classifier::{authors_layer, check_data, check_seqs};
use crate::counts::TrainingCounts;
use crate::error::{Error, Result, invalid};
use crate::head::MlpLayout;
use crate::optim::Optimizer;
use crate::params::{LifParams, SrnnParams, TrainingParams, validate_window};
use crate::real::Real;
use crate::srnn::{self, Direct, Lif, Sg, SrnnLayout, SrnnTrace};
use crate::streams::{SRNN_CLIP, model_stream};
use crate::train::{LabeledSeqs, reduce_into};

/// One encoder of SRNN-CLIP: a spiking recurrent layer whose hidden spike
/// counts divided by the processed steps feed the projection.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderParams {
    /// The spiking recurrent layer.
    pub srnn: SrnnParams,
    /// Time steps each sample should be binned into, >= 1 (for the
    /// orchestrator).
    pub bin_steps: usize,
    /// Steps processed per sample, in `1..=bin_steps`; `None`: all.
    pub time_window: Option<usize>,
}

impl EncoderParams {
    fn validate(&self, prefix: &str) -> Result<()> {
        self.srnn.validate(&format!("{prefix}.srnn"))?;
        validate_window(prefix, self.bin_steps, self.time_window)
    }
}

/// Everything that defines SRNN-CLIP and its training.
///
/// Loss (as `readout`'s contrastive projections, paper Eqs. 5-7): with
/// `a_i = normalize(act(f^img_i W_img + b_img))`, `b_j` likewise for audio
/// and `Z = A B^T / tau`, targets `T_ij = [y_i = y_j] / #{k : y_k = y_i}`
/// (every same-class pair of the minibatch is a positive),
/// `L = 1/2 (mean_i CE(T_i., softmax(Z_i.)) + mean_j CE(T_.j, softmax(Z_.j)))`.
/// The temperature is fixed.
///
/// Pairs: each epoch (or once, with `resample_pairs = false`), for every
/// class present in both modalities the image and audio samples are
/// shuffled and zipped (`pairs_per_class`, default the smaller count, as
/// the authors subsample N-MNIST to the N-TIDIGITS count), then all pairs
/// are shuffled (`Minibatch` stream keyed by epoch; `DataShuffle` keyed by
/// epoch reorders fixed pairs). A last minibatch of a single pair (nothing
/// to contrast) is skipped.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrnnClipParams {
    /// Image encoder.
    pub image: EncoderParams,
    /// Audio encoder.
    pub audio: EncoderParams,
    /// Width of the shared embedding space, >= 1.
    pub embedding_dim: usize,
    /// Activation after each projection's linear layer (`None`: linear).
    pub activation: Option<Activation>,
    /// Softmax temperature `tau`, in [0.01, 100].
    pub temperature: f64,
    /// The training loop (`batch_size` counts pairs, >= 2).
    pub training: TrainingParams,
    /// Pairs per class and epoch (`None`: the smaller modality's count).
    pub pairs_per_class: Option<usize>,
    /// Draw new pairings every epoch.
    pub resample_pairs: bool,
}

impl Default for SrnnClipParams {
    fn default() -> Self {
        SrnnClipParams::paper()
    }
}

impl SrnnClipParams {
    /// The authors' trainable zero-shot model (paper: audio-search-image
    /// 82.28 % seen / 74.0 % unseen).
    ///
    /// | setting | value | source (`LSM-CLIP-ATV/`) |
    /// |---|---|---|
    /// | image encoder | 256 -> 200, decay 0.9, gain 0.5, `v_th` 5.0, 50 steps | `zero_shot_train.py` defaults (`img_decay`, `img_const`, `img_vth`) |
    /// | audio encoder | 64 -> 200, decay 0.97, gain 0.5, `v_th` 5.3, 129 steps | same (`aud_*`, `--ts 129`, `--Dt 1` ms) |
    /// | projections | 1 FC + GELU, dim 64 | `--pd 64`; GELU as `readout`'s projections |
    /// | temperature | 1.0 | `--tp 1.0` |
    /// | optimiser | Adam, lr 1e-3, batch 8 pairs, 100 epochs | `run_zero_shot_trainable.sh` |
    /// | surrogate, init | rectangle half-width 0.25, height 1; calibrated to 5 % firing | our choice (model file unpublished; height of the STBP code) |
    pub fn paper() -> SrnnClipParams {
        let enc = |inputs, decay, v_th, bin_steps| EncoderParams {
            srnn: authors_layer(inputs, LifParams::new(decay, 0.5, v_th)),
            bin_steps,
            time_window: None,
        };
        SrnnClipParams {
            image: enc(256, 0.9, 5.0, 50),
            audio: enc(64, 0.97, 5.3, 129),
            embedding_dim: 64,
            activation: Some(Activation::Gelu),
            temperature: 1.0,
            training: TrainingParams {
                epochs: 100,
                batch_size: 8,
                optimizer: OptimizerParams::adam(1e-3),
                chunk_size: 8,
                patience: None,
            },
            pairs_per_class: None,
            resample_pairs: true,
        }
    }
}

impl ParamGuard for SrnnClipParams {
    type Error = Error;

    /// Checks every field; errors name the field and its allowed range.
    fn validate(&self) -> Result<()> {
        self.image.validate("clip.image")?;
        self.audio.validate("clip.audio")?;
        if self.embedding_dim == 0 {
            return Err(invalid("clip.embedding_dim", 0, ">= 1"));
        }
        if !(0.01..=100.0).contains(&self.temperature) {
            return Err(invalid(
                "clip.temperature",
                self.temperature,
                "in [0.01, 100]",
            ));
        }
        self.training.validate("clip.training")?;
        if self.training.batch_size < 2 {
            return Err(invalid(
                "clip.training.batch_size",
                self.training.batch_size,
                ">= 2 (pairs to contrast)",
            ));
        }
        if self.pairs_per_class == Some(0) {
            return Err(invalid("clip.pairs_per_class", 0, ">= 1 or absent"));
        }
        Ok(())
    }
}

/// Parameter layout of SRNN-CLIP.
#[derive(Clone, Debug)]
pub(crate) struct ClipArch {
    pub(crate) params: SrnnClipParams,
    pub(crate) img: SrnnLayout,
    pub(crate) aud: SrnnLayout,
    pub(crate) pimg: MlpLayout,
    pub(crate) paud: MlpLayout,
}

impl ClipArch {
    pub(crate) fn new(params: &SrnnClipParams) -> ClipArch {
        let (i, a) = (&params.image.srnn, &params.audio.srnn);
        let img = SrnnLayout::new(i.inputs, i.hidden, i.bias, 0);
        let aud = SrnnLayout::new(a.inputs, a.hidden, a.bias, img.end());
        let d = params.embedding_dim;
        let pimg = MlpLayout::single(i.hidden, d, params.activation, aud.end());
        let paud = MlpLayout::single(a.hidden, d, params.activation, pimg.end());
        ClipArch {
            params: *params,
            img,
            aud,
            pimg,
            paud,
        }
    }

    pub(crate) fn n_params(&self) -> usize {
        self.paud.end()
    }

    /// Draw order: image encoder, audio encoder, image projection, audio
    /// projection (all from the `ModelInit` stream, scope
    /// [`crate::streams::SRNN_CLIP`]).
    pub(crate) fn init(&self, seeds: Seeds) -> Vec<f32> {
        let mut theta = vec![0.0; self.n_params()];
        let mut rng = model_stream(seeds, Purpose::ModelInit, SRNN_CLIP, 0);
        for (lay, p) in [
            (&self.img, &self.params.image.srnn),
            (&self.aud, &self.params.audio.srnn),
        ] {
            lay.init(
                &mut theta,
                p.init.input_scale / (p.inputs as f64).sqrt(),
                p.init.recurrent_scale / (p.hidden as f64).sqrt(),
                &mut rng,
            );
        }
        self.pimg.init(&mut theta, 1.0, &mut rng);
        self.paud.init(&mut theta, 1.0, &mut rng);
        theta
    }

    fn encoder(&self, image: bool) -> (&SrnnLayout, &EncoderParams) {
        if image {
            (&self.img, &self.params.image)
        } else {
            (&self.aud, &self.params.audio)
        }
    }
}

/// Buffers of one encoded sample.
#[derive(Clone, Debug, Default)]
pub(crate) struct EncWs<R> {
    tr: SrnnTrace<R>,
    steps: usize,
    rates: Vec<f64>,
    direct: Vec<R>,
    counts: TrainingCounts,
}

/// Buffers of one contrastive step.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClipState<R> {
    ws: Vec<EncWs<R>>,
    chunk_grads: Vec<Vec<R>>,
    /// Hidden spikes and sample steps of the image and the audio encoder
    /// since the last reset.
    tally: [(u64, u64); 2],
}

/// Forward pass of one encoder on `seq`: rates into `w.rates`.
fn encode<R: Real, const SOFT: bool, S: SpikeSteps + ?Sized>(
    lay: &SrnnLayout,
    enc: &EncoderParams,
    theta: &[R],
    seq: &S,
    w: &mut EncWs<R>,
) {
    let p = &enc.srnn;
    let net = lay.view(
        theta,
        Lif::new(&p.lif),
        Sg::new(&p.surrogate),
        p.detach_reset,
    );
    let steps = enc.time_window.map_or(seq.steps(), |t| t.min(seq.steps()));
    w.counts = TrainingCounts::default();
    srnn::forward::<R, SOFT, _>(&net, seq, steps, &mut w.tr, &mut w.counts);
    w.counts.time_steps += steps as u64;
    w.steps = steps;
    w.rates.clear();
    w.rates
        .extend(w.tr.counts.iter().map(|v| v.to_f64() / steps as f64));
}

/// Projection of one modality for a batch: `pre`, `post`, normalised `e`
/// (row-major, `n x d`) and the row norms.
struct Proj {
    pre: Vec<f64>,
    e: Vec<f64>,
    norm: Vec<f64>,
}

fn project<R: Real>(
    lay: &MlpLayout,
    theta: &[R],
    rates: &[&[f64]],
    act: Option<Activation>,
) -> Proj {
    let l = &lay.layers[0];
    let (h, d) = (l.inputs, l.outputs);
    let w = &theta[l.w.clone()];
    let b = &theta[l.b.clone()];
    let n = rates.len();
    let mut pre = vec![0.0; n * d];
    for (i, f) in rates.iter().enumerate() {
        let row = &mut pre[i * d..(i + 1) * d];
        for (r, bv) in row.iter_mut().zip(b) {
            *r = bv.to_f64();
        }
        for (j, &fj) in f.iter().enumerate().take(h) {
            if fj != 0.0 {
                for (r, wv) in row.iter_mut().zip(&w[j * d..(j + 1) * d]) {
                    *r += fj * wv.to_f64();
                }
            }
        }
    }
    let mut e: Vec<f64> = match act {
        Some(a) => pre.iter().map(|&p| a.apply(p)).collect(),
        None => pre.clone(),
    };
    let mut norm = vec![0.0; n];
    for i in 0..n {
        let row = &mut e[i * d..(i + 1) * d];
        let nr = row.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
        norm[i] = nr;
        for v in row.iter_mut() {
            *v /= nr;
        }
    }
    Proj { pre, e, norm }
}

/// Backward pass of a projection: `g` is `dL/de` (`n x d`); adds the
/// weight gradients to `grad` and returns `dL/df` per sample.
#[allow(clippy::too_many_arguments)]
fn project_back<R: Real>(
    lay: &MlpLayout,
    theta: &[R],
    rates: &[&[f64]],
    act: Option<Activation>,
    pr: &Proj,
    mut g: Vec<f64>,
    grad: &mut [R],
) -> Vec<Vec<f64>> {
    let l = &lay.layers[0];
    let (h, d) = (l.inputs, l.outputs);
    let n = rates.len();
    for i in 0..n {
        let e = &pr.e[i * d..(i + 1) * d];
        let gi = &mut g[i * d..(i + 1) * d];
        let dotp: f64 = e.iter().zip(gi.iter()).map(|(a, b)| a * b).sum();
        for ((gv, ev), pre) in gi.iter_mut().zip(e).zip(&pr.pre[i * d..(i + 1) * d]) {
            *gv = (*gv - ev * dotp) / pr.norm[i];
            if let Some(a) = act {
                *gv *= a.derivative(*pre);
            }
        }
    }
    let w = &theta[l.w.clone()];
    let mut gw = vec![0.0; h * d];
    let mut gb = vec![0.0; d];
    let mut gf = Vec::with_capacity(n);
    for (i, f) in rates.iter().enumerate() {
        let gi = &g[i * d..(i + 1) * d];
        for (a, b) in gb.iter_mut().zip(gi) {
            *a += b;
        }
        let mut gfi = vec![0.0; h];
        for j in 0..h {
            let wr = &w[j * d..(j + 1) * d];
            gfi[j] = wr.iter().zip(gi).map(|(a, b)| a.to_f64() * b).sum();
            if f[j] != 0.0 {
                for (a, b) in gw[j * d..(j + 1) * d].iter_mut().zip(gi) {
                    *a += f[j] * b;
                }
            }
        }
        gf.push(gfi);
    }
    for (a, b) in grad[l.w.clone()].iter_mut().zip(&gw) {
        *a += R::from_f64(*b);
    }
    for (a, b) in grad[l.b.clone()].iter_mut().zip(&gb) {
        *a += R::from_f64(*b);
    }
    gf
}

/// Symmetric multi-positive contrastive loss of normalised embeddings `a`,
/// `b` (`n x d`, row-major); gradients `dL/da`, `dL/db` (row-major):
/// `readout::contrastive_loss`, the loss of `readout`'s projections.
pub(crate) fn contrastive(
    a: &[f64],
    b: &[f64],
    n: usize,
    d: usize,
    y: &[usize],
    tau: f64,
) -> (f64, Vec<f64>, Vec<f64>) {
    let (am, bm) = (
        DMatrix::from_row_slice(n, d, a),
        DMatrix::from_row_slice(n, d, b),
    );
    match readout::contrastive_loss(&am, &bm, y, tau) {
        // Row-major storage of an n x d matrix is the column-major storage
        // of its transpose.
        Ok(l) => (
            l.loss,
            l.grad_a.transpose().as_slice().to_vec(),
            l.grad_b.transpose().as_slice().to_vec(),
        ),
        // Unreachable: both embeddings are n x d with n = y.len() >= 2 and
        // tau was validated; a NaN loss would end training as divergence.
        Err(_) => (f64::NAN, vec![0.0; n * d], vec![0.0; n * d]),
    }
}

/// One contrastive minibatch: forward both encoders (in parallel), the
/// projections and the loss; with `grad`, the backward pass (encoders in
/// parallel over fixed chunks, reduced in chunk order) adds `dL/dtheta`
/// to `grad`. Returns the loss.
#[allow(clippy::too_many_arguments)]
pub(crate) fn clip_batch<R: Real, const SOFT: bool, S: SpikeSteps>(
    arch: &ClipArch,
    theta: &[R],
    images: &[&S],
    audio: &[&S],
    labels: &[usize],
    st: &mut ClipState<R>,
    grad: Option<&mut [R]>,
    c: &mut TrainingCounts,
) -> f64 {
    let n = labels.len();
    let p = &arch.params;
    if st.ws.len() < 2 * n {
        st.ws.resize_with(2 * n, EncWs::default);
    }
    st.ws[..2 * n]
        .par_iter_mut()
        .enumerate()
        .for_each(|(k, w)| {
            let image = k < n;
            let (lay, enc) = arch.encoder(image);
            let seq = if image { images[k] } else { audio[k - n] };
            encode::<R, SOFT, S>(lay, enc, theta, seq, w);
        });
    let ri: Vec<&[f64]> = st.ws[..n].iter().map(|w| w.rates.as_slice()).collect();
    let ra: Vec<&[f64]> = st.ws[n..2 * n].iter().map(|w| w.rates.as_slice()).collect();
    let pi = project(&arch.pimg, theta, &ri, p.activation);
    let pa = project(&arch.paud, theta, &ra, p.activation);
    let d = p.embedding_dim;
    let (loss, ga, gb) = contrastive(&pi.e, &pa.e, n, d, labels, p.temperature);
    // Counts of the projections and the loss (dense = performed).
    let (n64, d64) = (n as u64, d as u64);
    let (hi, ha) = (p.image.srnn.hidden as u64, p.audio.srnn.hidden as u64);
    let fwd = n64 * d64 * (hi + ha) + 2 * n64 * d64 + n64 * n64 * d64;
    c.forward.dense_mac += fwd;
    c.forward.mac += fwd;
    let Some(grad) = grad else {
        tally(st, n, c);
        return loss;
    };
    let bwd = 2 * n64 * d64 * (hi + ha) + 4 * n64 * d64 + 2 * n64 * n64 * d64;
    c.backward.dense_mac += bwd;
    c.backward.mac += bwd;
    let gfi = project_back(&arch.pimg, theta, &ri, p.activation, &pi, ga, grad);
    let gfa = project_back(&arch.paud, theta, &ra, p.activation, &pa, gb, grad);
    for (w, gf) in st.ws[..2 * n].iter_mut().zip(gfi.iter().chain(&gfa)) {
        let inv = 1.0 / w.steps as f64;
        w.direct.clear();
        w.direct.extend(gf.iter().map(|&v| R::from_f64(v * inv)));
    }
    let chunk = p.training.chunk_size;
    let nch = (2 * n).div_ceil(chunk);
    let np = theta.len();
    if st.chunk_grads.len() < nch {
        st.chunk_grads.resize_with(nch, Vec::new);
    }
    st.ws[..2 * n]
        .par_chunks_mut(chunk)
        .zip(st.chunk_grads[..nch].par_iter_mut())
        .enumerate()
        .for_each(|(ci, (wc, g))| {
            g.clear();
            g.resize(np, R::ZERO);
            for (off, w) in wc.iter_mut().enumerate() {
                let k = ci * chunk + off;
                let image = k < n;
                let (lay, enc) = arch.encoder(image);
                let seq = if image { images[k] } else { audio[k - n] };
                let sp = &enc.srnn;
                let net = lay.view(
                    theta,
                    Lif::new(&sp.lif),
                    Sg::new(&sp.surrogate),
                    sp.detach_reset,
                );
                let EncWs {
                    tr, direct, counts, ..
                } = w;
                let mut gv = lay.grad_view(g);
                srnn::backward::<R, SOFT, S>(
                    &net,
                    seq,
                    tr,
                    &Direct::Constant(direct),
                    &mut gv,
                    counts,
                );
            }
        });
    reduce_into(grad, &st.chunk_grads[..nch]);
    tally(st, n, c);
    loss
}

/// Adds the samples' counts to `c` and the per-modality firing tallies.
fn tally<R>(st: &mut ClipState<R>, n: usize, c: &mut TrainingCounts) {
    for (k, w) in st.ws[..2 * n].iter().enumerate() {
        *c += w.counts;
        let m = usize::from(k >= n);
        st.tally[m].0 += w.counts.hidden_spikes;
        st.tally[m].1 += w.counts.time_steps;
    }
}

/// Validation sets of a contrastive run (model selection by
/// audio-search-image top-1).
#[derive(Debug)]
pub struct ClipValidation<'a, S = SpikeRaster> {
    /// Validation images.
    pub images: LabeledSeqs<'a, S>,
    /// Validation audio.
    pub audio: LabeledSeqs<'a, S>,
}

impl<S> Clone for ClipValidation<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for ClipValidation<'_, S> {}

/// One epoch of contrastive training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipEpoch {
    /// Epoch index, from 0.
    pub epoch: usize,
    /// Mean loss of the epoch's minibatches, weighted by pairs.
    pub train_loss: f64,
    /// Validation audio-search-image top-1 after the epoch.
    pub validation_top1: Option<f64>,
    /// Mean firing probability of the image encoder during the epoch.
    pub image_hidden_rate: f64,
    /// Mean firing probability of the audio encoder during the epoch.
    pub audio_hidden_rate: f64,
}

/// The result of [`SrnnClip::fit`].
#[derive(Clone, Debug)]
pub struct ClipFit {
    /// The selected model (best validation top-1, else the last epoch).
    pub model: SrnnClip,
    /// One record per epoch.
    pub history: Vec<ClipEpoch>,
    /// Epoch whose weights were selected.
    pub selected_epoch: usize,
    /// Classes trained on (present in both modalities).
    pub trained_classes: Vec<usize>,
    /// Operations counted over all training steps (one sample = one pair).
    pub counts: TrainingCounts,
}

/// Two trained spiking encoders and their projections into one normalised
/// embedding space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SrnnClipRepr")]
pub struct SrnnClip {
    params: SrnnClipParams,
    /// Every parameter, flat: image encoder (input, recurrent, bias), audio
    /// encoder, image projection (`hidden x dim`, bias), audio projection.
    theta: Vec<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SrnnClipRepr {
    params: SrnnClipParams,
    theta: Vec<f32>,
}

impl TryFrom<SrnnClipRepr> for SrnnClip {
    type Error = Error;

    fn try_from(r: SrnnClipRepr) -> Result<SrnnClip> {
        r.params.validate()?;
        let n = ClipArch::new(&r.params).n_params();
        if r.theta.len() != n || r.theta.iter().any(|v| !v.is_finite()) {
            return Err(Error::BadModel {
                why: format!(
                    "{} parameters stored (the architecture has {n}) or a non-finite value",
                    r.theta.len()
                ),
            });
        }
        Ok(SrnnClip {
            params: r.params,
            theta: r.theta,
        })
    }
}

/// The two projections of a trained [`SrnnClip`], acting on encoder
/// features (hidden spike rates): `readout`'s retrieval functions take it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClipProjections {
    image_w: DMatrix<f64>,
    image_b: Vec<f64>,
    audio_w: DMatrix<f64>,
    audio_b: Vec<f64>,
    activation: Option<Activation>,
}

impl ClipProjections {
    fn embed(
        &self,
        w: &DMatrix<f64>,
        b: &[f64],
        x: &DMatrix<f64>,
    ) -> readout::Result<DMatrix<f64>> {
        if x.ncols() != w.nrows() {
            return Err(readout::Error::ShapeMismatch {
                what: "features to embed".into(),
                expected: format!("{} features (columns)", w.nrows()),
                found: format!("{} features", x.ncols()),
            });
        }
        let mut e = x * w;
        for (j, mut col) in e.column_iter_mut().enumerate() {
            for v in col.iter_mut() {
                let p = *v + b[j];
                *v = self.activation.map_or(p, |a| a.apply(p));
            }
        }
        for mut row in e.row_iter_mut() {
            let nr = row.norm().max(1e-12);
            row /= nr;
        }
        Ok(e)
    }
}

impl CrossModalEmbedder for ClipProjections {
    fn embed_image(&self, x: &DMatrix<f64>) -> readout::Result<DMatrix<f64>> {
        self.embed(&self.image_w, &self.image_b, x)
    }

    fn embed_audio(&self, x: &DMatrix<f64>) -> readout::Result<DMatrix<f64>> {
        self.embed(&self.audio_w, &self.audio_b, x)
    }

    fn similarity(&self) -> Similarity {
        Similarity::Cosine
    }
}

/// (image index, audio index, class)
type Pair = (usize, usize, usize);

/// The pairs of one epoch ([`seeds::pair_by_label`]) in a seeded order,
/// from the `Minibatch` stream keyed by `key` (scope
/// [`crate::streams::SRNN_CLIP`]).
fn draw_pairs(
    image_labels: &[usize],
    audio_labels: &[usize],
    per_class: Option<usize>,
    seeds: Seeds,
    key: u64,
) -> Vec<Pair> {
    let mut rng = model_stream(seeds, Purpose::Minibatch, SRNN_CLIP, key);
    let mut pairs: Vec<Pair> =
        seeds::pair_by_label(image_labels, audio_labels, per_class, &mut rng)
            .into_iter()
            .map(|(i, a)| (i, a, image_labels[i]))
            .collect();
    seeds::shuffle(&mut pairs, &mut rng);
    pairs
}

impl SrnnClip {
    /// A freshly initialised model (no calibration).
    pub fn new(params: &SrnnClipParams, seeds: Seeds) -> Result<SrnnClip> {
        params.validate()?;
        Ok(SrnnClip {
            params: *params,
            theta: ClipArch::new(params).init(seeds),
        })
    }

    /// Trains both encoders and projections end to end on class-paired
    /// samples (see [`SrnnClipParams`] for pairing and loss). Classes
    /// present in both modalities are trained on; pass only the seen
    /// classes' samples for the zero-shot protocol. Sequences may be any
    /// [`SpikeSteps`] storage. Random streams (scope
    /// [`crate::streams::SRNN_CLIP`]): `ModelInit`, `Minibatch` and
    /// `DataShuffle` keyed by epoch.
    pub fn fit<S: SpikeSteps>(
        params: &SrnnClipParams,
        images: LabeledSeqs<'_, S>,
        audio: LabeledSeqs<'_, S>,
        validation: Option<ClipValidation<'_, S>>,
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<ClipFit> {
        SrnnClip::fit_with_observer(
            params,
            images,
            audio,
            validation,
            n_classes,
            seeds,
            &mut |_| {},
        )
    }

    /// [`SrnnClip::fit`], calling `observer` after every epoch.
    pub fn fit_with_observer<S: SpikeSteps>(
        params: &SrnnClipParams,
        images: LabeledSeqs<'_, S>,
        audio: LabeledSeqs<'_, S>,
        validation: Option<ClipValidation<'_, S>>,
        n_classes: usize,
        seeds: Seeds,
        observer: &mut dyn FnMut(&ClipEpoch),
    ) -> Result<ClipFit> {
        let trained_classes = check_fit_inputs(params, images, audio, validation, n_classes)?;
        crate::train::check_patience(&params.training, validation.is_some())?;
        let arch = ClipArch::new(params);
        let mut model = SrnnClip::new(params, seeds)?;
        calibrate_input_scales(&arch, params, &mut model.theta, images, audio);
        let mut run = ClipRun {
            arch: &arch,
            opt: Optimizer::new(params.training.optimizer, model.theta.len()),
            grad: vec![0f32; model.theta.len()],
            st: ClipState::<f32>::default(),
            counts: TrainingCounts::default(),
        };
        let fixed =
            (!params.resample_pairs).then(|| draw_pairs_for(params, images, audio, seeds, 0));
        let mut history = Vec::with_capacity(params.training.epochs);
        let mut best: Option<(f64, usize, Vec<f32>)> = None;
        for epoch in 0..params.training.epochs {
            let pairs = epoch_pairs(params, images, audio, seeds, fixed.as_deref(), epoch);
            let train_loss = run.epoch(params, &mut model.theta, images, audio, &pairs, epoch)?;
            let validation_top1 = match validation {
                Some(v) => Some(
                    model
                        .retrieval(Direction::AudioToImage, v.images, v.audio, n_classes, &[1])?
                        .top1(),
                ),
                None => None,
            };
            let rec = ClipEpoch {
                epoch,
                train_loss,
                validation_top1,
                image_hidden_rate: hidden_rate(run.st.tally[0], params.image.srnn.hidden),
                audio_hidden_rate: hidden_rate(run.st.tally[1], params.audio.srnn.hidden),
            };
            if let Some(t) = validation_top1
                && best.as_ref().is_none_or(|(b, _, _)| t > *b)
            {
                best = Some((t, epoch, model.theta.clone()));
            }
            observer(&rec);
            history.push(rec);
            if crate::train::stop_early(params.training.patience, best.as_ref().map(|b| b.1), epoch)
            {
                break;
            }
        }
        let selected_epoch = match best {
            Some((_, e, th)) => {
                model.theta = th;
                e
            }
            None => history.len() - 1,
        };
        Ok(ClipFit {
            model,
            history,
            selected_epoch,
            trained_classes,
            counts: run.counts,
        })
    }

    /// The parameters the model was built with.
    pub fn params(&self) -> &SrnnClipParams {
        &self.params
    }

    /// Every parameter in its flat storage order.
    pub fn parameters(&self) -> &[f32] {
        &self.theta
    }

    fn features<S: SpikeSteps>(&self, image: bool, seqs: &[S]) -> Result<DMatrix<f64>> {
        let arch = ClipArch::new(&self.params);
        let (lay, enc) = arch.encoder(image);
        check_seqs(
            if image { "images" } else { "audio" },
            seqs,
            enc.srnn.inputs,
        )?;
        let rows: Vec<Vec<f64>> = seqs
            .par_iter()
            .map_init(EncWs::<f32>::default, |w, s| {
                encode::<f32, false, S>(lay, enc, &self.theta, s, w);
                w.rates.clone()
            })
            .collect();
        let h = enc.srnn.hidden;
        Ok(DMatrix::from_fn(rows.len(), h, |i, j| rows[i][j]))
    }

    /// Image encoder features (hidden spike rates), samples x hidden.
    pub fn image_features<S: SpikeSteps>(&self, seqs: &[S]) -> Result<DMatrix<f64>> {
        self.features(true, seqs)
    }

    /// Audio encoder features (hidden spike rates), samples x hidden.
    pub fn audio_features<S: SpikeSteps>(&self, seqs: &[S]) -> Result<DMatrix<f64>> {
        self.features(false, seqs)
    }

    /// The projections, for `readout`'s retrieval functions on features.
    pub fn projections(&self) -> ClipProjections {
        let arch = ClipArch::new(&self.params);
        let mat = |lay: &MlpLayout| {
            let l = &lay.layers[0];
            let w = &self.theta[l.w.clone()];
            (
                DMatrix::from_fn(l.inputs, l.outputs, |i, j| f64::from(w[i * l.outputs + j])),
                self.theta[l.b.clone()]
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect(),
            )
        };
        let (image_w, image_b) = mat(&arch.pimg);
        let (audio_w, audio_b) = mat(&arch.paud);
        ClipProjections {
            image_w,
            image_b,
            audio_w,
            audio_b,
            activation: self.params.activation,
        }
    }

    /// Normalised image embeddings, samples x dim.
    pub fn embed_images<S: SpikeSteps>(&self, seqs: &[S]) -> Result<DMatrix<f64>> {
        Ok(self
            .projections()
            .embed_image(&self.image_features(seqs)?)?)
    }

    /// Normalised audio embeddings, samples x dim.
    pub fn embed_audio<S: SpikeSteps>(&self, seqs: &[S]) -> Result<DMatrix<f64>> {
        Ok(self
            .projections()
            .embed_audio(&self.audio_features(seqs)?)?)
    }

    /// Retrieval in one direction on labelled test sets (cosine
    /// similarity, top-k for each k in `ks`).
    pub fn retrieval<S: SpikeSteps>(
        &self,
        direction: Direction,
        images: LabeledSeqs<'_, S>,
        audio: LabeledSeqs<'_, S>,
        n_classes: usize,
        ks: &[usize],
    ) -> Result<RetrievalReport> {
        let fi = self.image_features(images.seqs)?;
        let fa = self.audio_features(audio.seqs)?;
        Ok(readout::cross_modal_retrieval(
            &self.projections(),
            direction,
            LabeledSet {
                features: &fi,
                labels: images.labels,
            },
            LabeledSet {
                features: &fa,
                labels: audio.labels,
            },
            n_classes,
            ks,
        )?)
    }

    /// The paper's zero-shot evaluation (`readout::zero_shot_report` on the
    /// encoders' features): seen and unseen classes separately, both
    /// directions, top-k for each k in `ks`.
    pub fn zero_shot_report<S: SpikeSteps>(
        &self,
        test_images: LabeledSeqs<'_, S>,
        test_audio: LabeledSeqs<'_, S>,
        seen_classes: &[usize],
        unseen_classes: &[usize],
        n_classes: usize,
        ks: &[usize],
    ) -> Result<ZeroShotReport> {
        let fi = self.image_features(test_images.seqs)?;
        let fa = self.audio_features(test_audio.seqs)?;
        Ok(readout::zero_shot_report(
            &self.projections(),
            LabeledSet {
                features: &fi,
                labels: test_images.labels,
            },
            LabeledSet {
                features: &fa,
                labels: test_audio.labels,
            },
            seen_classes,
            unseen_classes,
            n_classes,
            ks,
        )?)
    }
}

/// Checks the parameters and every data set against the encoders' input
/// widths and `n_classes`, and returns the classes present in both
/// training modalities (the classes the contrastive loss can pair).
fn check_fit_inputs<S: SpikeSteps>(
    params: &SrnnClipParams,
    images: LabeledSeqs<'_, S>,
    audio: LabeledSeqs<'_, S>,
    validation: Option<ClipValidation<'_, S>>,
    n_classes: usize,
) -> Result<Vec<usize>> {
    params.validate()?;
    let (ni, na) = (params.image.srnn.inputs, params.audio.srnn.inputs);
    check_data("training images", images, ni, n_classes)?;
    check_data("training audio", audio, na, n_classes)?;
    if let Some(v) = validation {
        check_data("validation images", v.images, ni, n_classes)?;
        check_data("validation audio", v.audio, na, n_classes)?;
    }
    let trained_classes: Vec<usize> = (0..n_classes)
        .filter(|c| images.labels.contains(c) && audio.labels.contains(c))
        .collect();
    if trained_classes.is_empty() {
        return Err(Error::Empty {
            what: "contrastive training data".into(),
            why: "no class has samples in both modalities".into(),
        });
    }
    Ok(trained_classes)
}

/// Scales each encoder's input weights toward its target hidden rate on
/// its training sequences, where the preset asks for it.
fn calibrate_input_scales<S: SpikeSteps>(
    arch: &ClipArch,
    params: &SrnnClipParams,
    theta: &mut [f32],
    images: LabeledSeqs<'_, S>,
    audio: LabeledSeqs<'_, S>,
) {
    for (lay, enc, seqs) in [
        (&arch.img, &params.image, images.seqs),
        (&arch.aud, &params.audio, audio.seqs),
    ] {
        if let Some(target) = enc.srnn.init.target_rate {
            srnn::calibrate_input_scale(lay, &enc.srnn, enc.time_window, theta, seqs, target);
        }
    }
}

/// The (image, audio, class) pairs drawn for pair-draw `key`.
fn draw_pairs_for<S: SpikeSteps>(
    params: &SrnnClipParams,
    images: LabeledSeqs<'_, S>,
    audio: LabeledSeqs<'_, S>,
    seeds: Seeds,
    key: u64,
) -> Vec<Pair> {
    draw_pairs(
        images.labels,
        audio.labels,
        params.pairs_per_class,
        seeds,
        key,
    )
}

/// One epoch's pairs: the fixed draw reshuffled with the epoch's stream, or
/// a fresh draw keyed by the epoch when the preset resamples pairs.
fn epoch_pairs<S: SpikeSteps>(
    params: &SrnnClipParams,
    images: LabeledSeqs<'_, S>,
    audio: LabeledSeqs<'_, S>,
    seeds: Seeds,
    fixed: Option<&[Pair]>,
    epoch: usize,
) -> Vec<Pair> {
    match fixed {
        Some(p) => {
            let mut p = p.to_vec();
            let e = epoch as u64;
            seeds::shuffle(
                &mut p,
                &mut model_stream(seeds, Purpose::DataShuffle, SRNN_CLIP, e),
            );
            p
        }
        None => draw_pairs_for(params, images, audio, seeds, epoch as u64),
    }
}

/// Hidden spikes per neuron per step, 0 when no step ran.
fn hidden_rate((spikes, steps): (u64, u64), hidden: usize) -> f64 {
    if steps == 0 {
        0.0
    } else {
        spikes as f64 / (steps as f64 * hidden as f64)
    }
}

/// The state of one contrastive training run carried across epochs.
struct ClipRun<'a> {
    arch: &'a ClipArch,
    opt: Optimizer,
    grad: Vec<f32>,
    st: ClipState<f32>,
    counts: TrainingCounts,
}

impl ClipRun<'_> {
    /// Trains one epoch over `pairs` in mini-batches (a batch of fewer than
    /// two pairs has no negatives and is skipped) and returns the mean
    /// training loss per pair; a non-finite loss or parameter is an error
    /// naming the epoch.
    fn epoch<S: SpikeSteps>(
        &mut self,
        params: &SrnnClipParams,
        theta: &mut [f32],
        images: LabeledSeqs<'_, S>,
        audio: LabeledSeqs<'_, S>,
        pairs: &[Pair],
        epoch: usize,
    ) -> Result<f64> {
        self.st.tally = [(0, 0); 2];
        let mut loss_sum = 0.0;
        let mut n_pairs = 0usize;
        for batch in pairs.chunks(params.training.batch_size) {
            if batch.len() < 2 {
                continue;
            }
            let im: Vec<&S> = batch.iter().map(|p| &images.seqs[p.0]).collect();
            let au: Vec<&S> = batch.iter().map(|p| &audio.seqs[p.1]).collect();
            let y: Vec<usize> = batch.iter().map(|p| p.2).collect();
            self.grad.fill(0.0);
            let loss = clip_batch::<f32, false, S>(
                self.arch,
                theta,
                &im,
                &au,
                &y,
                &mut self.st,
                Some(&mut self.grad),
                &mut self.counts,
            );
            if !loss.is_finite() {
                return Err(Error::Diverged {
                    epoch,
                    what: "contrastive loss".into(),
                    value: loss,
                });
            }
            loss_sum += loss * batch.len() as f64;
            n_pairs += batch.len();
            self.opt.step(theta, &self.grad, &mut self.counts)?;
            self.counts.samples += batch.len() as u64;
        }
        if let Some((i, v)) = theta.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::Diverged {
                epoch,
                what: format!("parameter {i}"),
                value: f64::from(*v),
            });
        }
        Ok(if n_pairs == 0 {
            0.0
        } else {
            loss_sum / n_pairs as f64
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrastive_matches_closed_form_and_finite_differences() {
        // Aligned orthonormal pairs, one per class: each row has logit 1/tau
        // on the diagonal and 0 elsewhere: loss = ln(1 + (n-1) e^{-1/tau}).
        let n = 4;
        let eye: Vec<f64> = (0..n * n)
            .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
            .collect();
        let y: Vec<usize> = (0..n).collect();
        let (l, _, _) = contrastive(&eye, &eye, n, n, &y, 0.5);
        assert!((l - (1.0 + 3.0 * (-2.0f64).exp()).ln()).abs() < 1e-12);
        // Multi-positive labels, random embeddings: central differences,
        // h = 1e-6 on an O(1) smooth function: 1e-8.
        let a: Vec<f64> = (0..12).map(|k| ((k * 7 % 5) as f64 - 2.0) * 0.3).collect();
        let b: Vec<f64> = (0..12).map(|k| ((k * 3 % 7) as f64 - 3.0) * 0.2).collect();
        let y = [0, 1, 0, 2];
        let (_, ga, gb) = contrastive(&a, &b, 4, 3, &y, 0.7);
        for k in 0..12 {
            for (which, g) in [(0, &ga), (1, &gb)] {
                let f = |d: f64| {
                    let (mut a2, mut b2) = (a.clone(), b.clone());
                    if which == 0 {
                        a2[k] += d;
                    } else {
                        b2[k] += d;
                    }
                    contrastive(&a2, &b2, 4, 3, &y, 0.7).0
                };
                let fd = (f(1e-6) - f(-1e-6)) / 2e-6;
                assert!((fd - g[k]).abs() < 1e-8, "{which} {k}: {fd} vs {}", g[k]);
            }
        }
    }
}
