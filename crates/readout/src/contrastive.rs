//! CLIP-style contrastive projections (paper Eqs. 5-7) with multi-positive
//! targets for same-class pairs.

use nalgebra::DMatrix;
use param_guard::ParamGuard;
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};

use crate::cost::{TrainingCost, dense_step, optimizer_ops};
use crate::data::{Op, check_features, check_labels, gather_columns, gemm, validation_split};
use crate::error::{Error, Result, invalid};
use crate::nn::{Activation, DenseGrad, slot_sizes, update_layers};
use crate::optim::{Optimizer, OptimizerParams};
use crate::projection::{ProjCache, Projection};
use crate::retrieval::{
    CrossModalEmbedder, Direction, LabeledSet, Similarity, cross_modal_retrieval,
};
use crate::streams::{CONTRASTIVE, model_stream};

/// Smallest and largest temperature a learned temperature may reach (CLIP
/// clamps its logit scale the same way, at 100).
pub const TEMPERATURE_RANGE: (f64, f64) = (0.01, 100.0);

/// Training parameters of the contrastive projections.
///
/// | field | unit | default | source |
/// |---|---|---|---|
/// | `embedding_dim` | - | 64 | authors' scripts |
/// | `activation` | - | GELU | authors' scripts (1 FC + GELU) |
/// | `optimizer` | - | Adam, lr 1e-3 | authors' scripts |
/// | `epochs` | - | 100 | authors' scripts |
/// | `batch_size` | pairs | 128 | our choice (not stated) |
/// | `temperature` | 1 | 1.0 | authors' scripts |
/// | `learn_temperature` | - | false | paper (fixed) |
/// | `l2` | 1 | 0 | no paper value |
/// | `pairs_per_class` | pairs | min(images, audio) of the class | paper (N-MNIST subsampled to the N-TIDIGITS count per class) |
/// | `resample_pairs` | - | true | our choice |
/// | `validation_fraction` | 1 | 0 (train all epochs, keep the last) | paper trains 100 epochs |
/// | `patience` | epochs | none | our choice |
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContrastiveParams {
    /// Width of the shared embedding space, >= 1.
    pub embedding_dim: usize,
    /// Activation after each projection's linear layer (`None`: linear).
    pub activation: Option<Activation>,
    /// Optimiser and learning rate.
    pub optimizer: OptimizerParams,
    /// Passes over the training pairs, >= 1.
    pub epochs: usize,
    /// Pairs per minibatch, >= 2 (a batch of one pair has nothing to contrast).
    pub batch_size: usize,
    /// Softmax temperature `tau` (initial value when learned), in [0.01, 100].
    pub temperature: f64,
    /// Learn `log tau` with the projections (clamped to [0.01, 100]).
    pub learn_temperature: bool,
    /// L2 coefficient on the projection weights, finite, >= 0.
    pub l2: f64,
    /// Pairs drawn per class and epoch (`None`: the smaller of the class's
    /// image and audio counts; more than that reuses samples cyclically).
    pub pairs_per_class: Option<usize>,
    /// Draw new (image, audio) pairings every epoch; `false` draws them once
    /// and only reshuffles their order.
    pub resample_pairs: bool,
    /// Fraction of each class and modality held out for model selection by
    /// validation audio-search-image top-1, in [0, 0.9]; 0 keeps the last epoch.
    pub validation_fraction: f64,
    /// Early stopping patience in epochs (needs a validation split).
    pub patience: Option<usize>,
}

impl Default for ContrastiveParams {
    fn default() -> Self {
        ContrastiveParams::paper()
    }
}

impl ContrastiveParams {
    /// The authors' zero-shot projections: 1 FC + GELU, dim 64, Adam lr 1e-3,
    /// 100 epochs, temperature 1.0 (fixed).
    pub const fn paper() -> Self {
        ContrastiveParams {
            embedding_dim: 64,
            activation: Some(Activation::Gelu),
            optimizer: OptimizerParams::adam(1e-3),
            epochs: 100,
            batch_size: 128,
            temperature: 1.0,
            learn_temperature: false,
            l2: 0.0,
            pairs_per_class: None,
            resample_pairs: true,
            validation_fraction: 0.0,
            patience: None,
        }
    }
}

impl ParamGuard for ContrastiveParams {
    type Error = Error;

    /// Checks every field; errors name the field and its allowed range.
    fn validate(&self) -> Result<()> {
        self.optimizer.validate("contrastive.optimizer")?;
        if self.embedding_dim == 0 {
            return Err(invalid("contrastive.embedding_dim", 0, ">= 1"));
        }
        if self.epochs == 0 {
            return Err(invalid("contrastive.epochs", 0, ">= 1"));
        }
        if self.batch_size < 2 {
            return Err(invalid("contrastive.batch_size", self.batch_size, ">= 2"));
        }
        let (lo, hi) = TEMPERATURE_RANGE;
        if !(lo..=hi).contains(&self.temperature) {
            return Err(invalid(
                "contrastive.temperature",
                self.temperature,
                "in [0.01, 100]",
            ));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(invalid("contrastive.l2", self.l2, "finite and >= 0"));
        }
        if self.pairs_per_class == Some(0) {
            return Err(invalid("contrastive.pairs_per_class", 0, ">= 1 or absent"));
        }
        if !(0.0..=0.9).contains(&self.validation_fraction) {
            return Err(invalid(
                "contrastive.validation_fraction",
                self.validation_fraction,
                "in [0, 0.9]",
            ));
        }
        match self.patience {
            Some(0) => return Err(invalid("contrastive.patience", 0, ">= 1 or absent")),
            Some(p) if self.validation_fraction == 0.0 => {
                return Err(invalid(
                    "contrastive.patience",
                    p,
                    "absent when validation_fraction = 0",
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Two trained projections into one normalised embedding space and the
/// temperature of their logits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContrastiveModel {
    /// Image projection.
    pub(crate) image: Projection,
    /// Audio projection.
    pub(crate) audio: Projection,
    /// `ln tau`.
    pub(crate) log_temperature: f64,
}

/// One epoch of contrastive training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContrastiveEpoch {
    /// Epoch index, from 0.
    pub epoch: usize,
    /// Mean symmetric loss of the epoch's minibatches (without L2).
    pub train_loss: f64,
    /// Temperature after the epoch.
    pub temperature: f64,
    /// Validation audio-search-image top-1 after the epoch.
    pub validation_top1: Option<f64>,
}

/// The result of [`ContrastiveModel::fit`].
#[derive(Clone, Debug)]
pub struct ContrastiveFit {
    /// The selected model.
    pub model: ContrastiveModel,
    /// One record per epoch trained.
    pub history: Vec<ContrastiveEpoch>,
    /// Epoch whose weights were selected.
    pub selected_epoch: usize,
    /// True when early stopping ended training before `epochs`.
    pub stopped_early: bool,
    /// Classes trained on (present in both modalities' training splits).
    pub trained_classes: Vec<usize>,
    /// Operations counted over the whole run.
    pub cost: TrainingCost,
}

/// Forward/backward buffers of one contrastive step.
#[derive(Default)]
pub(crate) struct Workspace {
    ci: ProjCache,
    ca: ProjCache,
    logits: DMatrix<f64>,
    g: DMatrix<f64>,
    ga: DMatrix<f64>,
    gb: DMatrix<f64>,
}

/// Gradients of one contrastive step.
pub(crate) struct Grads {
    pub(crate) image: DenseGrad,
    pub(crate) audio: DenseGrad,
    pub(crate) log_temperature: f64,
}

impl ContrastiveModel {
    /// Freshly initialised projections (PyTorch `nn.Linear` initialisation).
    pub fn new<R: rand::Rng + ?Sized>(
        image_features: usize,
        audio_features: usize,
        params: &ContrastiveParams,
        rng: &mut R,
    ) -> ContrastiveModel {
        let d = params.embedding_dim;
        ContrastiveModel {
            image: Projection::new(image_features, d, params.activation, true, rng),
            audio: Projection::new(audio_features, d, params.activation, true, rng),
            log_temperature: params.temperature.ln(),
        }
    }

    /// The current temperature `tau`.
    pub fn temperature(&self) -> f64 {
        self.log_temperature.exp()
    }

    /// The image projection.
    pub fn image_projection(&self) -> &Projection {
        &self.image
    }

    /// The audio projection.
    pub fn audio_projection(&self) -> &Projection {
        &self.audio
    }

    /// Trains the projections on class-paired samples.
    ///
    /// `images`/`image_labels` and `audio`/`audio_labels` are the training
    /// features (samples x features) of the two modalities; classes present in
    /// both are paired (image i and audio i of a minibatch share a class), the
    /// others are ignored. Random streams (scope
    /// [`crate::streams::CONTRASTIVE`]): `DataSplit` (validation split),
    /// `ModelInit` (weights), `Minibatch` keyed by epoch (pairing, by
    /// [`seeds::pair_by_label`], and pair order), `DataShuffle` keyed by
    /// epoch (pair order when pairs are not resampled).
    pub fn fit(
        params: &ContrastiveParams,
        images: &DMatrix<f64>,
        image_labels: &[usize],
        audio: &DMatrix<f64>,
        audio_labels: &[usize],
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<ContrastiveFit> {
        params.validate()?;
        check_fit_inputs(images, image_labels, audio, audio_labels, n_classes)?;
        let split = Split::draw(params, image_labels, audio_labels, seeds);
        let pools = PairPools::new(
            &split.image_train,
            image_labels,
            &split.audio_train,
            audio_labels,
            n_classes,
        );
        let pairing = Pairing::new(
            &split.image_train,
            image_labels,
            &split.audio_train,
            audio_labels,
        );
        if pools.classes.is_empty() {
            return Err(Error::InsufficientData {
                what: "contrastive training".into(),
                why: "no class has training samples in both modalities".into(),
            });
        }
        let validation =
            Validation::new(params, &split, images, image_labels, audio, audio_labels)?;

        let mut model = ContrastiveModel::new(
            images.ncols(),
            audio.ncols(),
            params,
            &mut model_stream(seeds, Purpose::ModelInit, CONTRASTIVE, 0),
        );
        let xit = images.transpose();
        let xat = audio.transpose();
        let mut trainer = Trainer::new(params, &model);
        let fixed_pairs =
            (!params.resample_pairs).then(|| pairing.draw(params.pairs_per_class, seeds, 0));

        let mut history = Vec::with_capacity(params.epochs);
        let mut selection = Selection::default();
        let mut stopped_early = false;
        for epoch in 0..params.epochs {
            let pairs = pairing.epoch(fixed_pairs.as_deref(), params.pairs_per_class, seeds, epoch);
            let loss_sum = trainer.epoch(&mut model, &pairs, &xit, &xat, epoch)?;
            let mut rec = ContrastiveEpoch {
                epoch,
                train_loss: loss_sum / pairs.len() as f64,
                temperature: model.temperature(),
                validation_top1: None,
            };
            if let Some(v) = &validation {
                let top1 = v.top1(&model, n_classes, params.embedding_dim, &mut trainer.cost)?;
                rec.validation_top1 = Some(top1);
                selection.observe(top1, epoch, &model);
            }
            history.push(rec);
            if params.patience.is_some_and(|p| selection.since_best >= p)
                && epoch + 1 < params.epochs
            {
                stopped_early = true;
                break;
            }
        }
        let last = history.len() - 1;
        let (selected_epoch, model) = match selection.best {
            Some((_, e, m)) => (e, m),
            None => (last, model),
        };
        Ok(ContrastiveFit {
            model,
            history,
            selected_epoch,
            stopped_early,
            trained_classes: pools.classes.clone(),
            cost: trainer.cost,
        })
    }

    pub(crate) fn zero_grads(&self) -> Grads {
        Grads {
            image: DenseGrad::zeros_like(&self.image.layer),
            audio: DenseGrad::zeros_like(&self.audio.layer),
            log_temperature: 0.0,
        }
    }

    /// Symmetric contrastive loss of one minibatch of pairs (image batch and
    /// audio batch given as features x batch, shared labels `y`), with the
    /// gradients of `loss + l2/2 |W|^2` in `grads`. Returns the loss without L2.
    ///
    /// `Z = A B^T / tau`; `T_ij = [y_i = y_j] / #{k: y_k = y_i}`;
    /// `L = 1/2 (mean_i CE(T_i., softmax(Z_i.)) + mean_j CE(T_.j, softmax(Z_.j)))`.
    pub(crate) fn loss_grad(
        &self,
        xi: &DMatrix<f64>,
        xa: &DMatrix<f64>,
        y: &[usize],
        l2: f64,
        grads: &mut Grads,
        ws: &mut Workspace,
    ) -> f64 {
        self.image.forward_train(xi, &mut ws.ci);
        self.audio.forward_train(xa, &mut ws.ca);
        let scale = (-self.log_temperature).exp();
        let (a, b) = (&ws.ci.out, &ws.ca.out);
        let loss = embedding_loss_grad(
            a,
            b,
            y,
            scale,
            &mut ws.logits,
            &mut ws.g,
            &mut ws.ga,
            &mut ws.gb,
        );
        // dL/d(ln tau) = -sum dZ .* Z.
        grads.log_temperature = -ws.g.dot(&ws.logits);
        self.image
            .backward(xi, &ws.ci, &mut ws.ga, &mut grads.image);
        self.audio
            .backward(xa, &ws.ca, &mut ws.gb, &mut grads.audio);
        grads.image.add_l2(&self.image.layer, l2);
        grads.audio.add_l2(&self.audio.layer, l2);
        loss
    }

    fn count_step(&self, cost: &mut TrainingCost, n: usize, learn_temperature: bool) {
        cost.steps += 1;
        cost.samples += n as u64;
        let d = self.image.dim();
        for p in [&self.image, &self.audio] {
            dense_step(cost, n, p.inputs(), d, false);
            let (f, b) = p.norm_macs(n);
            cost.forward_mac += f;
            cost.backward_mac += b;
        }
        let nnd = (n * n * d) as u64;
        cost.forward_mac += nnd;
        cost.backward_mac += 2 * nnd + if learn_temperature { (n * n) as u64 } else { 0 };
    }

    pub(crate) fn check(&self) -> Result<()> {
        self.image.check("contrastive image projection")?;
        self.audio.check("contrastive audio projection")?;
        if self.image.dim() != self.audio.dim() || !self.log_temperature.is_finite() {
            return Err(Error::BadModelFile {
                source_name: "contrastive model".into(),
                why: format!(
                    "projection widths {} and {} differ or log temperature {} is not finite",
                    self.image.dim(),
                    self.audio.dim(),
                    self.log_temperature
                ),
            });
        }
        Ok(())
    }
}

/// The symmetric contrastive loss of one minibatch and its gradients (see
/// [`contrastive_loss`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ContrastiveLoss {
    /// The loss.
    pub loss: f64,
    /// `dL/dA`, the shape of `a`.
    pub grad_a: DMatrix<f64>,
    /// `dL/dB`, the shape of `b`.
    pub grad_b: DMatrix<f64>,
    /// `dL/d(ln tau)`.
    pub grad_log_temperature: f64,
}

/// The symmetric multi-positive contrastive loss (paper Eqs. 5-7) of
/// embeddings `a` and `b` (`n x d`, one row per pair, used as given: L2-
/// normalise them first for the paper's cosine logits) with shared labels
/// `labels`, and its gradients:
///
/// `Z = A B^T / tau`; `T_ij = [y_i = y_j] / #{k: y_k = y_i}`;
/// `L = 1/2 (mean_i CE(T_i., softmax(Z_i.)) + mean_j CE(T_.j, softmax(Z_.j)))`.
///
/// The loss of [`ContrastiveModel`] and of the `baselines` SRNN-CLIP.
/// Errors if the shapes disagree, `n = 0` or `temperature` is not finite
/// and positive.
pub fn contrastive_loss(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    labels: &[usize],
    temperature: f64,
) -> Result<ContrastiveLoss> {
    let n = labels.len();
    if a.shape() != b.shape() || a.nrows() != n {
        return Err(Error::ShapeMismatch {
            what: "contrastive embeddings".into(),
            expected: format!("two {n} x d matrices (one row per label)"),
            found: format!("{:?} and {:?}", a.shape(), b.shape()),
        });
    }
    if n == 0 {
        return Err(Error::Empty {
            what: "contrastive minibatch".into(),
            why: "a loss needs at least one pair".into(),
        });
    }
    if !(temperature.is_finite() && temperature > 0.0) {
        return Err(invalid("temperature", temperature, "finite and > 0"));
    }
    let (mut z, mut g) = (DMatrix::zeros(0, 0), DMatrix::zeros(0, 0));
    let (mut grad_a, mut grad_b) = (DMatrix::zeros(0, 0), DMatrix::zeros(0, 0));
    let loss = embedding_loss_grad(
        a,
        b,
        labels,
        1.0 / temperature,
        &mut z,
        &mut g,
        &mut grad_a,
        &mut grad_b,
    );
    Ok(ContrastiveLoss {
        loss,
        grad_a,
        grad_b,
        grad_log_temperature: -g.dot(&z),
    })
}

/// The loss of embeddings `a`, `b` (`n x d`) at logit scale `scale =
/// 1 / tau`, leaving the logits in `z`, `dL/dZ` in `g`, `dL/dA` in `ga` and
/// `dL/dB` in `gb` (buffers resized as needed). Shapes are the caller's to
/// check.
#[allow(clippy::too_many_arguments)]
fn embedding_loss_grad(
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    y: &[usize],
    scale: f64,
    z: &mut DMatrix<f64>,
    g: &mut DMatrix<f64>,
    ga: &mut DMatrix<f64>,
    gb: &mut DMatrix<f64>,
) -> f64 {
    let n = y.len();
    gemm(z, scale, Op::N(a), Op::T(b));
    if g.shape() != (n, n) {
        *g = DMatrix::zeros(n, n);
    }
    let z = &*z;
    // Targets: row i spreads unit mass over the same-class columns.
    let counts: Vec<f64> = y
        .iter()
        .map(|yi| y.iter().filter(|yj| *yj == yi).count() as f64)
        .collect();
    let target = |i: usize, j: usize| if y[i] == y[j] { 1.0 / counts[i] } else { 0.0 };
    let inv_n = 1.0 / n as f64;
    let mut loss = 0.0;
    g.fill(0.0);
    // Row softmax (image -> audio).
    for i in 0..n {
        let m = (0..n).map(|j| z[(i, j)]).fold(f64::NEG_INFINITY, f64::max);
        let lse = m + (0..n).map(|j| (z[(i, j)] - m).exp()).sum::<f64>().ln();
        for j in 0..n {
            let t = target(i, j);
            loss -= 0.5 * inv_n * t * (z[(i, j)] - lse);
            g[(i, j)] += 0.5 * inv_n * ((z[(i, j)] - lse).exp() - t);
        }
    }
    // Column softmax (audio -> image); the targets are symmetric.
    for j in 0..n {
        let col = z.column(j);
        let m = col.max();
        let lse = m + col.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        for i in 0..n {
            let t = target(j, i);
            loss -= 0.5 * inv_n * t * (z[(i, j)] - lse);
            g[(i, j)] += 0.5 * inv_n * ((z[(i, j)] - lse).exp() - t);
        }
    }
    // dA = s dZ B, dB = s dZ^T A.
    gemm(ga, scale, Op::N(g), Op::N(b));
    gemm(gb, scale, Op::T(g), Op::N(a));
    loss
}

impl CrossModalEmbedder for ContrastiveModel {
    fn embed_image(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        self.image.embed(x)
    }

    fn embed_audio(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        self.audio.embed(x)
    }

    fn similarity(&self) -> Similarity {
        Similarity::Cosine
    }
}

fn pick(labels: &[usize], idx: &[usize]) -> Vec<usize> {
    idx.iter().map(|&i| labels[i]).collect()
}

/// (image index, audio index, class)
type Pair = (usize, usize, usize);

/// The training samples of both modalities, for pairing by label.
struct Pairing {
    images: Vec<usize>,
    image_labels: Vec<usize>,
    audio: Vec<usize>,
    audio_labels: Vec<usize>,
}

impl Pairing {
    fn new(
        image_idx: &[usize],
        image_labels: &[usize],
        audio_idx: &[usize],
        audio_labels: &[usize],
    ) -> Pairing {
        Pairing {
            images: image_idx.to_vec(),
            image_labels: pick(image_labels, image_idx),
            audio: audio_idx.to_vec(),
            audio_labels: pick(audio_labels, audio_idx),
        }
    }

    /// The pairs of one epoch ([`seeds::pair_by_label`]), in a seeded
    /// random order (the same `Minibatch` stream, keyed by `key`).
    fn draw(&self, per_class: Option<usize>, seeds: Seeds, key: u64) -> Vec<Pair> {
        let mut rng = model_stream(seeds, Purpose::Minibatch, CONTRASTIVE, key);
        let mut pairs: Vec<Pair> =
            seeds::pair_by_label(&self.image_labels, &self.audio_labels, per_class, &mut rng)
                .into_iter()
                .map(|(i, a)| (self.images[i], self.audio[a], self.image_labels[i]))
                .collect();
        seeds::shuffle(&mut pairs, &mut rng);
        pairs
    }

    /// The pairs of epoch `epoch`: the `fixed` pairs reshuffled by the
    /// `DataShuffle` stream keyed by epoch, or a fresh draw.
    fn epoch(
        &self,
        fixed: Option<&[Pair]>,
        per_class: Option<usize>,
        seeds: Seeds,
        epoch: usize,
    ) -> Vec<Pair> {
        match fixed {
            Some(p) => {
                let mut p = p.to_vec();
                let e = epoch as u64;
                let mut rng = model_stream(seeds, Purpose::DataShuffle, CONTRASTIVE, e);
                seeds::shuffle(&mut p, &mut rng);
                p
            }
            None => self.draw(per_class, seeds, epoch as u64),
        }
    }
}

/// Checks the features and labels of both modalities given to
/// [`ContrastiveModel::fit`].
fn check_fit_inputs(
    images: &DMatrix<f64>,
    image_labels: &[usize],
    audio: &DMatrix<f64>,
    audio_labels: &[usize],
    n_classes: usize,
) -> Result<()> {
    check_features("contrastive image features", images)?;
    check_features("contrastive audio features", audio)?;
    check_labels(
        "contrastive image labels",
        image_labels,
        images.nrows(),
        n_classes,
    )?;
    check_labels(
        "contrastive audio labels",
        audio_labels,
        audio.nrows(),
        n_classes,
    )
}

/// Training and validation sample indices of both modalities.
struct Split {
    image_train: Vec<usize>,
    image_val: Vec<usize>,
    audio_train: Vec<usize>,
    audio_val: Vec<usize>,
}

impl Split {
    /// Holds out `validation_fraction` of each class and modality (images
    /// first, then audio, from one `DataSplit` stream); with no fraction
    /// every sample trains.
    fn draw(
        params: &ContrastiveParams,
        image_labels: &[usize],
        audio_labels: &[usize],
        seeds: Seeds,
    ) -> Split {
        if params.validation_fraction > 0.0 {
            let mut rng = model_stream(seeds, Purpose::DataSplit, CONTRASTIVE, 0);
            let (it, iv) = validation_split(image_labels, params.validation_fraction, &mut rng);
            let (at, av) = validation_split(audio_labels, params.validation_fraction, &mut rng);
            Split {
                image_train: it,
                image_val: iv,
                audio_train: at,
                audio_val: av,
            }
        } else {
            Split {
                image_train: (0..image_labels.len()).collect(),
                image_val: Vec::new(),
                audio_train: (0..audio_labels.len()).collect(),
                audio_val: Vec::new(),
            }
        }
    }
}

/// The held-out samples of both modalities, scored by audio-search-image
/// top-1 after every epoch.
struct Validation {
    images: DMatrix<f64>,
    image_labels: Vec<usize>,
    audio: DMatrix<f64>,
    audio_labels: Vec<usize>,
}

impl Validation {
    /// The validation sets of `split`, or `None` when nothing is held out;
    /// errors when a modality's held-out set is empty.
    fn new(
        params: &ContrastiveParams,
        split: &Split,
        images: &DMatrix<f64>,
        image_labels: &[usize],
        audio: &DMatrix<f64>,
        audio_labels: &[usize],
    ) -> Result<Option<Validation>> {
        if params.validation_fraction <= 0.0 {
            return Ok(None);
        }
        let (iv, av) = (&split.image_val, &split.audio_val);
        if iv.is_empty() || av.is_empty() {
            return Err(Error::InsufficientData {
                what: "contrastive validation split".into(),
                why: format!(
                    "{} validation images and {} validation audio samples",
                    iv.len(),
                    av.len()
                ),
            });
        }
        Ok(Some(Validation {
            images: images.select_rows(iv),
            image_labels: pick(image_labels, iv),
            audio: audio.select_rows(av),
            audio_labels: pick(audio_labels, av),
        }))
    }

    /// Audio-search-image top-1 of `model` on the held-out sets; adds the
    /// embedding and similarity multiply-accumulates to `cost`.
    fn top1(
        &self,
        model: &ContrastiveModel,
        n_classes: usize,
        embedding_dim: usize,
        cost: &mut TrainingCost,
    ) -> Result<f64> {
        let (xiv, xav) = (&self.images, &self.audio);
        let r = cross_modal_retrieval(
            model,
            Direction::AudioToImage,
            LabeledSet {
                features: xiv,
                labels: &self.image_labels,
            },
            LabeledSet {
                features: xav,
                labels: &self.audio_labels,
            },
            n_classes,
            &[1],
        )?;
        let d = embedding_dim as u64;
        cost.validation_mac += (xiv.nrows() * xiv.ncols() + xav.nrows() * xav.ncols()) as u64 * d
            + (xiv.nrows() * xav.nrows()) as u64 * d;
        Ok(r.top1())
    }
}

/// Model selection by validation score: the best epoch so far and the
/// epochs since it.
#[derive(Default)]
struct Selection {
    best: Option<(f64, usize, ContrastiveModel)>,
    since_best: usize,
}

impl Selection {
    /// Keeps `model` when `score` beats the best so far.
    fn observe(&mut self, score: f64, epoch: usize, model: &ContrastiveModel) {
        if self.best.as_ref().is_none_or(|(b, _, _)| score > *b) {
            self.best = Some((score, epoch, model.clone()));
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
    }
}

/// The optimiser, buffers and operation counts of one training run.
struct Trainer<'p> {
    params: &'p ContrastiveParams,
    opt: Optimizer,
    grads: Grads,
    ws: Workspace,
    xbi: DMatrix<f64>,
    xba: DMatrix<f64>,
    yb: Vec<usize>,
    cost: TrainingCost,
    /// Weights under L2 decay (0 without L2), for the optimiser's count.
    decayed: u64,
}

impl<'p> Trainer<'p> {
    /// A fresh optimiser over both projections and `ln tau`, and empty
    /// buffers.
    fn new(params: &'p ContrastiveParams, model: &ContrastiveModel) -> Trainer<'p> {
        // Slots 0-3: the projections' weights and biases; 4: ln tau.
        let mut sizes = slot_sizes([&model.image.layer, &model.audio.layer]);
        sizes.push(1);
        let decayed = if params.l2 > 0.0 {
            (model.image.layer.w.len() + model.audio.layer.w.len()) as u64
        } else {
            0
        };
        Trainer {
            params,
            opt: Optimizer::new(params.optimizer, &sizes),
            grads: model.zero_grads(),
            ws: Workspace::default(),
            xbi: DMatrix::zeros(0, 0),
            xba: DMatrix::zeros(0, 0),
            yb: Vec::new(),
            cost: TrainingCost::default(),
            decayed,
        }
    }

    /// One pass over `pairs` in minibatches (`xit`, `xat`: features x
    /// samples); returns the sum over pairs of the batch losses.
    fn epoch(
        &mut self,
        model: &mut ContrastiveModel,
        pairs: &[Pair],
        xit: &DMatrix<f64>,
        xat: &DMatrix<f64>,
        epoch: usize,
    ) -> Result<f64> {
        let mut loss_sum = 0.0;
        for batch in pairs.chunks(self.params.batch_size) {
            let ii: Vec<usize> = batch.iter().map(|p| p.0).collect();
            let ai: Vec<usize> = batch.iter().map(|p| p.1).collect();
            gather_columns(xit, &ii, &mut self.xbi);
            gather_columns(xat, &ai, &mut self.xba);
            self.yb.clear();
            self.yb.extend(batch.iter().map(|p| p.2));
            let loss = model.loss_grad(
                &self.xbi,
                &self.xba,
                &self.yb,
                self.params.l2,
                &mut self.grads,
                &mut self.ws,
            );
            if !loss.is_finite() {
                return Err(Error::Diverged {
                    epoch,
                    what: "contrastive loss".into(),
                    value: loss,
                });
            }
            loss_sum += loss * batch.len() as f64;
            self.update(model, batch.len())?;
        }
        Ok(loss_sum)
    }

    /// One optimiser step of the projections (and of `ln tau` when it is
    /// learned) with the gradients of the last minibatch of `n` pairs.
    fn update(&mut self, model: &mut ContrastiveModel, n: usize) -> Result<()> {
        let params = self.params;
        let opt = &mut self.opt;
        let before = opt.updates();
        opt.begin_step();
        update_layers(
            opt,
            [
                (&mut model.image.layer, &self.grads.image),
                (&mut model.audio.layer, &self.grads.audio),
            ],
        )?;
        if params.learn_temperature {
            let mut lt = [model.log_temperature];
            opt.update(4, &mut lt, &[self.grads.log_temperature])?;
            let (lo, hi) = TEMPERATURE_RANGE;
            model.log_temperature = lt[0].clamp(lo.ln(), hi.ln());
        }
        model.count_step(&mut self.cost, n, params.learn_temperature);
        optimizer_ops(
            &mut self.cost,
            &params.optimizer,
            opt.updates() - before,
            self.decayed,
        );
        Ok(())
    }
}

/// Per-class pools of training indices of both modalities.
pub(crate) struct PairPools {
    pub(crate) classes: Vec<usize>,
    images: Vec<Vec<usize>>,
    audio: Vec<Vec<usize>>,
}

impl PairPools {
    pub(crate) fn new(
        image_idx: &[usize],
        image_labels: &[usize],
        audio_idx: &[usize],
        audio_labels: &[usize],
        n_classes: usize,
    ) -> PairPools {
        let mut images = vec![Vec::new(); n_classes];
        for &i in image_idx {
            images[image_labels[i]].push(i);
        }
        let mut audio = vec![Vec::new(); n_classes];
        for &i in audio_idx {
            audio[audio_labels[i]].push(i);
        }
        let classes = (0..n_classes)
            .filter(|&c| !images[c].is_empty() && !audio[c].is_empty())
            .collect();
        PairPools {
            classes,
            images,
            audio,
        }
    }

    /// Pools indexed by class (all classes, possibly empty).
    pub(crate) fn pools(&self) -> (&[Vec<usize>], &[Vec<usize>]) {
        (&self.images, &self.audio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_grad_close, central_difference, gaussian_blobs};

    #[test]
    fn public_loss_matches_closed_form_and_finite_differences() {
        // Aligned orthonormal pairs, one per class: each row has logit 1/tau
        // on the diagonal and 0 elsewhere: loss = ln(1 + (n-1) e^{-1/tau}).
        let eye = DMatrix::<f64>::identity(4, 4);
        let l = contrastive_loss(&eye, &eye, &[0, 1, 2, 3], 0.5).unwrap();
        assert!((l.loss - (1.0 + 3.0 * (-2.0f64).exp()).ln()).abs() < 1e-12);
        // Multi-positive labels, arbitrary embeddings: central differences
        // for A, B and ln tau (assert_grad_close's tolerance).
        let a = DMatrix::from_fn(4, 3, |i, j| (((i * 3 + j) * 7 % 5) as f64 - 2.0) * 0.3);
        let b = DMatrix::from_fn(4, 3, |i, j| (((i * 3 + j) * 3 % 7) as f64 - 3.0) * 0.2);
        let y = [0, 1, 0, 2];
        let tau = 0.7;
        let g = contrastive_loss(&a, &b, &y, tau).unwrap();
        let at = |a: &DMatrix<f64>, b: &DMatrix<f64>, t: f64| {
            contrastive_loss(a, b, &y, t).map_or(f64::NAN, |l| l.loss)
        };
        for i in 0..4 {
            for j in 0..3 {
                let fa = central_difference(
                    |d| {
                        let mut a2 = a.clone();
                        a2[(i, j)] += d;
                        at(&a2, &b, tau)
                    },
                    1e-5,
                );
                assert_grad_close(g.grad_a[(i, j)], fa, &format!("a[{i},{j}]"));
                let fb = central_difference(
                    |d| {
                        let mut b2 = b.clone();
                        b2[(i, j)] += d;
                        at(&a, &b2, tau)
                    },
                    1e-5,
                );
                assert_grad_close(g.grad_b[(i, j)], fb, &format!("b[{i},{j}]"));
            }
        }
        let ft = central_difference(|d| at(&a, &b, (tau.ln() + d).exp()), 1e-5);
        assert_grad_close(g.grad_log_temperature, ft, "ln tau");
        // Shapes and temperature are checked.
        assert!(contrastive_loss(&a, &b, &y[..3], tau).is_err());
        assert!(contrastive_loss(&a, &b.columns(0, 2).clone_owned(), &y, tau).is_err());
        assert!(contrastive_loss(&a, &b, &y, 0.0).is_err());
    }

    fn full_loss(
        m: &ContrastiveModel,
        xi: &DMatrix<f64>,
        xa: &DMatrix<f64>,
        y: &[usize],
        l2: f64,
    ) -> f64 {
        let mut g = m.zero_grads();
        let mut ws = Workspace::default();
        let l = m.loss_grad(xi, xa, y, l2, &mut g, &mut ws);
        l + 0.5 * l2 * (m.image.layer.w.norm_squared() + m.audio.layer.w.norm_squared())
    }

    #[test]
    fn symmetric_loss_gradients_match_finite_differences() {
        let seeds = Seeds::new(11);
        // 9 pairs over 3 classes with unequal counts (multi-positive rows).
        let (xi, y) = gaussian_blobs(9, 6, 3, 1.0, seeds);
        let (xa, _) = gaussian_blobs(9, 5, 3, 1.0, Seeds::new(12));
        let y: Vec<usize> = y
            .iter()
            .enumerate()
            .map(|(i, &c)| if i == 8 { 0 } else { c })
            .collect();
        let params = ContrastiveParams {
            embedding_dim: 4,
            temperature: 0.7,
            learn_temperature: true,
            ..ContrastiveParams::paper()
        };
        let model = ContrastiveModel::new(6, 5, &params, &mut seeds.stream(Purpose::ModelInit));
        let (xi, xa) = (xi.transpose(), xa.transpose());
        let l2 = 0.02;
        let mut g = model.zero_grads();
        let mut ws = Workspace::default();
        model.loss_grad(&xi, &xa, &y, l2, &mut g, &mut ws);
        let h = 1e-5;
        for (which, grad) in [(0, &g.image), (1, &g.audio)] {
            let layer = if which == 0 {
                &model.image.layer
            } else {
                &model.audio.layer
            };
            for i in 0..layer.w.nrows() {
                for j in 0..layer.w.ncols() {
                    let fd = central_difference(
                        |d| {
                            let mut m = model.clone();
                            let p = if which == 0 {
                                &mut m.image
                            } else {
                                &mut m.audio
                            };
                            p.layer.w[(i, j)] += d;
                            full_loss(&m, &xi, &xa, &y, l2)
                        },
                        h,
                    );
                    assert_grad_close(grad.w[(i, j)], fd, &format!("proj {which} w[{i},{j}]"));
                }
            }
            for j in 0..layer.b.len() {
                let fd = central_difference(
                    |d| {
                        let mut m = model.clone();
                        let p = if which == 0 {
                            &mut m.image
                        } else {
                            &mut m.audio
                        };
                        p.layer.b[j] += d;
                        full_loss(&m, &xi, &xa, &y, l2)
                    },
                    h,
                );
                assert_grad_close(grad.b[j], fd, &format!("proj {which} b[{j}]"));
            }
        }
        let fd = central_difference(
            |d| {
                let mut m = model.clone();
                m.log_temperature += d;
                full_loss(&m, &xi, &xa, &y, l2)
            },
            h,
        );
        assert_grad_close(g.log_temperature, fd, "log temperature");
    }

    #[test]
    fn loss_of_perfectly_aligned_one_per_class_batch_is_small() {
        // Closed form: with orthonormal, aligned embeddings and tau, each row
        // has logit 1/tau on the diagonal and 0 elsewhere: CE = ln(1 + (n-1) e^{-1/tau}).
        // Built by hand through identity projections without activation.
        let n = 4;
        let params = ContrastiveParams {
            embedding_dim: n,
            activation: None,
            temperature: 0.5,
            ..ContrastiveParams::paper()
        };
        let mut m =
            ContrastiveModel::new(n, n, &params, &mut Seeds::new(1).stream(Purpose::ModelInit));
        for p in [&mut m.image, &mut m.audio] {
            p.layer.w = DMatrix::identity(n, n);
            p.layer.b.fill(0.0);
        }
        let x = DMatrix::identity(n, n);
        let y: Vec<usize> = (0..n).collect();
        let mut g = m.zero_grads();
        let l = m.loss_grad(&x, &x, &y, 0.0, &mut g, &mut Workspace::default());
        let expected = (1.0 + 3.0 * (-2.0f64).exp()).ln();
        assert!((l - expected).abs() < 1e-12, "{l} vs {expected}");
    }

    #[test]
    fn params_validate() {
        ContrastiveParams::paper().validate().unwrap();
        let p = ContrastiveParams {
            batch_size: 1,
            ..ContrastiveParams::paper()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("contrastive.batch_size")
        );
        let p = ContrastiveParams {
            patience: Some(3),
            ..ContrastiveParams::paper()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("contrastive.patience")
        );
        assert!(serde_json::from_str::<ContrastiveParams>(r#"{"temp": 1.0}"#).is_err());
    }
}
