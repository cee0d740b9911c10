//! Prototypical-network baseline (Snell et al. 2017), cross-modal: class
//! prototypes are mean embeddings of one modality's support samples, queries
//! come from the other modality.

use nalgebra::DMatrix;
use param_guard::ParamGuard;
use rand::seq::index::sample;
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};

use crate::contrastive::PairPools;
use crate::cost::{TrainingCost, dense_step, optimizer_ops};
use crate::data::{Op, check_features, check_labels, gather_columns, gemm};
use crate::error::{Error, Result, invalid};
use crate::nn::{Activation, DenseGrad, slot_sizes, update_layers};
use crate::optim::{Optimizer, OptimizerParams};
use crate::projection::{ProjCache, Projection};
use crate::retrieval::{CrossModalEmbedder, Similarity};
use crate::streams::{PROTONET, model_stream};

/// Training parameters of the prototypical baseline.
///
/// | field | unit | default | source |
/// |---|---|---|---|
/// | `embedding_dim` | - | 64 | same space as the contrastive projections |
/// | `activation` | - | none (linear backbone) | the issue (a trainable linear backbone per modality) |
/// | `optimizer` | - | Adam, lr 1e-3 | same as the contrastive projections |
/// | `epochs` | - | 100 | same as the contrastive projections |
/// | `episodes_per_epoch` | - | 100 | our choice |
/// | `n_way` | classes | all trained classes | our choice |
/// | `n_support`, `n_query` | samples per class | 5, 5 | Snell et al. (5-shot) |
/// | `l2` | 1 | 0 | no paper value |
///
/// Each episode draws `n_way` classes and, per class and modality,
/// `n_support + n_query` distinct samples. Direction image->audio: prototypes
/// `c_k` are the means of the first `n_support` image embeddings, the
/// queries are `n_query` audio embeddings; direction audio->image swaps the
/// roles (using the remaining samples). Loss: the mean over the two
/// directions of `mean_q CE(softmax_k(-|e_q - c_k|^2), y_q)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProtoNetParams {
    /// Embedding width, >= 1.
    pub embedding_dim: usize,
    /// Optional activation after each backbone's linear layer.
    pub activation: Option<Activation>,
    /// Optimiser and learning rate.
    pub optimizer: OptimizerParams,
    /// Epochs, >= 1.
    pub epochs: usize,
    /// Episodes (optimiser steps) per epoch, >= 1.
    pub episodes_per_epoch: usize,
    /// Classes per episode, >= 2 (`None`: every trained class).
    pub n_way: Option<usize>,
    /// Support samples per class and modality, >= 1.
    pub n_support: usize,
    /// Query samples per class and modality, >= 1.
    pub n_query: usize,
    /// L2 coefficient on the backbone weights, finite, >= 0.
    pub l2: f64,
}

impl Default for ProtoNetParams {
    fn default() -> Self {
        ProtoNetParams {
            embedding_dim: 64,
            activation: None,
            optimizer: OptimizerParams::adam(1e-3),
            epochs: 100,
            episodes_per_epoch: 100,
            n_way: None,
            n_support: 5,
            n_query: 5,
            l2: 0.0,
        }
    }
}

impl ParamGuard for ProtoNetParams {
    type Error = Error;

    /// Checks every field; errors name the field and its allowed range.
    fn validate(&self) -> Result<()> {
        self.optimizer.validate("protonet.optimizer")?;
        for (name, v) in [
            ("protonet.embedding_dim", self.embedding_dim),
            ("protonet.epochs", self.epochs),
            ("protonet.episodes_per_epoch", self.episodes_per_epoch),
            ("protonet.n_support", self.n_support),
            ("protonet.n_query", self.n_query),
        ] {
            if v == 0 {
                return Err(invalid(name, 0, ">= 1"));
            }
        }
        if let Some(w) = self.n_way
            && w < 2
        {
            return Err(invalid("protonet.n_way", w, ">= 2 or absent"));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(invalid("protonet.l2", self.l2, "finite and >= 0"));
        }
        Ok(())
    }
}

/// Two trained linear backbones; retrieval uses minus the squared Euclidean
/// distance, the metric the prototypical loss trains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtoNet {
    pub(crate) image: Projection,
    pub(crate) audio: Projection,
}

/// The result of [`ProtoNet::fit`].
#[derive(Clone, Debug)]
pub struct ProtoNetFit {
    /// The trained model (last epoch).
    pub model: ProtoNet,
    /// Mean episode loss per epoch.
    pub epoch_loss: Vec<f64>,
    /// Classes trained on.
    pub trained_classes: Vec<usize>,
    /// Operations counted over the whole run.
    pub cost: TrainingCost,
}

/// One episode: per modality, the sampled columns and their class slots.
pub(crate) struct Episode {
    /// Image batch (features x (way * (s + q))), class-major: class k's
    /// samples are columns `k*(s+q) .. (k+1)*(s+q)`, support first.
    pub(crate) xi: DMatrix<f64>,
    /// Audio batch, same layout.
    pub(crate) xa: DMatrix<f64>,
    pub(crate) way: usize,
    pub(crate) s: usize,
    pub(crate) q: usize,
}

#[derive(Default)]
pub(crate) struct Workspace {
    ci: ProjCache,
    ca: ProjCache,
    gi: DMatrix<f64>,
    ga: DMatrix<f64>,
}

pub(crate) struct Grads {
    pub(crate) image: DenseGrad,
    pub(crate) audio: DenseGrad,
}

impl ProtoNet {
    /// Freshly initialised backbones.
    pub fn new<R: rand::Rng + ?Sized>(
        image_features: usize,
        audio_features: usize,
        params: &ProtoNetParams,
        rng: &mut R,
    ) -> ProtoNet {
        let d = params.embedding_dim;
        ProtoNet {
            image: Projection::new(image_features, d, params.activation, false, rng),
            audio: Projection::new(audio_features, d, params.activation, false, rng),
        }
    }

    /// Trains both backbones with cross-modal episodes.
    ///
    /// Random streams (scope [`crate::streams::PROTONET`]): `ModelInit`
    /// (weights), `Minibatch` keyed by the global episode index (classes and
    /// samples of the episode).
    pub fn fit(
        params: &ProtoNetParams,
        images: &DMatrix<f64>,
        image_labels: &[usize],
        audio: &DMatrix<f64>,
        audio_labels: &[usize],
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<ProtoNetFit> {
        params.validate()?;
        check_features("protonet image features", images)?;
        check_features("protonet audio features", audio)?;
        check_labels(
            "protonet image labels",
            image_labels,
            images.nrows(),
            n_classes,
        )?;
        check_labels(
            "protonet audio labels",
            audio_labels,
            audio.nrows(),
            n_classes,
        )?;
        let all_i: Vec<usize> = (0..image_labels.len()).collect();
        let all_a: Vec<usize> = (0..audio_labels.len()).collect();
        let pools = PairPools::new(&all_i, image_labels, &all_a, audio_labels, n_classes);
        let need = params.n_support + params.n_query;
        let (ip, ap) = pools.pools();
        let classes: Vec<usize> = pools
            .classes
            .iter()
            .copied()
            .filter(|&c| ip[c].len() >= need && ap[c].len() >= need)
            .collect();
        let way = params.n_way.unwrap_or(classes.len());
        if classes.len() < 2 || way > classes.len() {
            return Err(Error::InsufficientData {
                what: "prototypical episodes".into(),
                why: format!(
                    "{} classes have >= {need} samples (n_support + n_query) in both modalities; {way} needed per episode (at least 2)",
                    classes.len()
                ),
            });
        }
        let mut model = ProtoNet::new(
            images.ncols(),
            audio.ncols(),
            params,
            &mut model_stream(seeds, Purpose::ModelInit, PROTONET, 0),
        );
        let xit = images.transpose();
        let xat = audio.transpose();
        let sizes = slot_sizes([&model.image.layer, &model.audio.layer]);
        let mut opt = Optimizer::new(params.optimizer, &sizes);
        let mut grads = model.zero_grads();
        let mut ws = Workspace::default();
        let mut cost = TrainingCost::default();
        let decayed = if params.l2 > 0.0 {
            (model.image.layer.w.len() + model.audio.layer.w.len()) as u64
        } else {
            0
        };
        let mut ep = Episode {
            xi: DMatrix::zeros(0, 0),
            xa: DMatrix::zeros(0, 0),
            way,
            s: params.n_support,
            q: params.n_query,
        };
        let mut epoch_loss = Vec::with_capacity(params.epochs);
        for epoch in 0..params.epochs {
            let mut sum = 0.0;
            for e in 0..params.episodes_per_epoch {
                let key = (epoch * params.episodes_per_epoch + e) as u64;
                let mut rng = model_stream(seeds, Purpose::Minibatch, PROTONET, key);
                let chosen: Vec<usize> = sample(&mut rng, classes.len(), way)
                    .into_iter()
                    .map(|k| classes[k])
                    .collect();
                let mut ii = Vec::with_capacity(way * need);
                let mut ai = Vec::with_capacity(way * need);
                for &c in &chosen {
                    ii.extend(
                        sample(&mut rng, ip[c].len(), need)
                            .into_iter()
                            .map(|k| ip[c][k]),
                    );
                    ai.extend(
                        sample(&mut rng, ap[c].len(), need)
                            .into_iter()
                            .map(|k| ap[c][k]),
                    );
                }
                gather_columns(&xit, &ii, &mut ep.xi);
                gather_columns(&xat, &ai, &mut ep.xa);
                let loss = model.loss_grad(&ep, params.l2, &mut grads, &mut ws);
                if !loss.is_finite() {
                    return Err(Error::Diverged {
                        epoch,
                        what: "prototypical loss".into(),
                        value: loss,
                    });
                }
                sum += loss;
                let before = opt.updates();
                opt.begin_step();
                update_layers(
                    &mut opt,
                    [
                        (&mut model.image.layer, &grads.image),
                        (&mut model.audio.layer, &grads.audio),
                    ],
                )?;
                model.count_step(&mut cost, &ep);
                optimizer_ops(
                    &mut cost,
                    &params.optimizer,
                    opt.updates() - before,
                    decayed,
                );
            }
            epoch_loss.push(sum / params.episodes_per_epoch as f64);
        }
        Ok(ProtoNetFit {
            model,
            epoch_loss,
            trained_classes: classes,
            cost,
        })
    }

    pub(crate) fn zero_grads(&self) -> Grads {
        Grads {
            image: DenseGrad::zeros_like(&self.image.layer),
            audio: DenseGrad::zeros_like(&self.audio.layer),
        }
    }

    /// The episode loss with gradients of `loss + l2/2 |W|^2` in `grads`;
    /// returns the loss without L2.
    pub(crate) fn loss_grad(
        &self,
        ep: &Episode,
        l2: f64,
        grads: &mut Grads,
        ws: &mut Workspace,
    ) -> f64 {
        self.image.forward_train(&ep.xi, &mut ws.ci);
        self.audio.forward_train(&ep.xa, &mut ws.ca);
        let (ei, ea) = (&ws.ci.out, &ws.ca.out);
        ws.gi = DMatrix::zeros(ei.nrows(), ei.ncols());
        ws.ga = DMatrix::zeros(ea.nrows(), ea.ncols());
        // Image prototypes, audio queries; then audio prototypes, image queries.
        let l1 = proto_direction(ei, ea, ep, &mut ws.gi, &mut ws.ga);
        let l2dir = proto_direction(ea, ei, ep, &mut ws.ga, &mut ws.gi);
        self.image
            .backward(&ep.xi, &ws.ci, &mut ws.gi, &mut grads.image);
        self.audio
            .backward(&ep.xa, &ws.ca, &mut ws.ga, &mut grads.audio);
        grads.image.add_l2(&self.image.layer, l2);
        grads.audio.add_l2(&self.audio.layer, l2);
        0.5 * (l1 + l2dir)
    }

    fn count_step(&self, cost: &mut TrainingCost, ep: &Episode) {
        let n = ep.way * (ep.s + ep.q);
        let d = self.image.dim();
        cost.steps += 1;
        cost.samples += 2 * n as u64;
        dense_step(cost, n, self.image.inputs(), d, false);
        dense_step(cost, n, self.audio.inputs(), d, false);
        // Per direction: distances (way*q*way*d, plus query and prototype
        // squared norms), gradients (2 * way*q*way*d for dE and dC).
        let nq = ep.way * ep.q;
        let dist = (nq * ep.way * d) as u64;
        let norms = ((nq + ep.way) * d) as u64;
        cost.forward_mac += 2 * (dist + norms);
        cost.backward_mac += 2 * (2 * dist);
    }

    pub(crate) fn check(&self) -> Result<()> {
        self.image.check("protonet image backbone")?;
        self.audio.check("protonet audio backbone")?;
        if self.image.dim() != self.audio.dim() {
            return Err(Error::BadModelFile {
                source_name: "protonet".into(),
                why: "backbone widths differ".into(),
            });
        }
        Ok(())
    }
}

/// One direction of the episode loss. `es`: embeddings of the support
/// modality, `eq`: of the query modality (rows class-major as in [`Episode`]).
/// Adds `0.5 * dL/d(es)` and `0.5 * dL/d(eq)` into `gs`, `gq`; returns the loss.
fn proto_direction(
    es: &DMatrix<f64>,
    eq: &DMatrix<f64>,
    ep: &Episode,
    gs: &mut DMatrix<f64>,
    gq: &mut DMatrix<f64>,
) -> f64 {
    let (way, s, q) = (ep.way, ep.s, ep.q);
    let per = s + q;
    let d = es.ncols();
    // Support rows of class k: k*per .. k*per + s; query rows: k*per + s .. (k+1)*per.
    let mut protos = DMatrix::zeros(way, d);
    for k in 0..way {
        for r in 0..s {
            let row = es.row(k * per + r);
            let mut p = protos.row_mut(k);
            p += row / s as f64;
        }
    }
    let qrows: Vec<usize> = (0..way)
        .flat_map(|k| (k * per + s)..((k + 1) * per))
        .collect();
    let queries = eq.select_rows(&qrows);
    let nq = qrows.len();
    // logits = -(|e|^2 + |c|^2 - 2 e.c)
    let mut logits = DMatrix::zeros(0, 0);
    gemm(&mut logits, 2.0, Op::N(&queries), Op::T(&protos));
    for i in 0..nq {
        let en = queries.row(i).norm_squared();
        for k in 0..way {
            logits[(i, k)] -= en + protos.row(k).norm_squared();
        }
    }
    let y: Vec<usize> = (0..way).flat_map(|k| std::iter::repeat_n(k, q)).collect();
    let loss = crate::classifier::softmax_ce_grad(&mut logits, &y);
    let g = logits; // dL/dlogits, (nq x way), rows sum to 0
    // dE = 2 G C ; dC = 2 G^T E - 2 diag(colsum G) C
    let mut de = DMatrix::zeros(0, 0);
    gemm(&mut de, 2.0, Op::N(&g), Op::N(&protos));
    let mut dc = DMatrix::zeros(0, 0);
    gemm(&mut dc, 2.0, Op::T(&g), Op::N(&queries));
    for k in 0..way {
        let cs: f64 = g.column(k).sum();
        let pk = protos.row(k).clone_owned();
        let mut r = dc.row_mut(k);
        r -= pk * (2.0 * cs);
    }
    for (i, &r) in qrows.iter().enumerate() {
        let mut row = gq.row_mut(r);
        row += de.row(i) * 0.5;
    }
    for k in 0..way {
        for r in 0..s {
            let mut row = gs.row_mut(k * per + r);
            row += dc.row(k) * (0.5 / s as f64);
        }
    }
    loss
}

impl CrossModalEmbedder for ProtoNet {
    fn embed_image(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        self.image.embed(x)
    }

    fn embed_audio(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        self.audio.embed(x)
    }

    fn similarity(&self) -> Similarity {
        Similarity::NegSquaredEuclidean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_grad_close, central_difference, gaussian_blobs};

    #[test]
    fn prototypical_loss_gradients_match_finite_differences() {
        let seeds = Seeds::new(21);
        let params = ProtoNetParams {
            embedding_dim: 3,
            activation: Some(Activation::Gelu),
            ..ProtoNetParams::default()
        };
        let model = ProtoNet::new(5, 4, &params, &mut seeds.stream(Purpose::ModelInit));
        // 3 classes x (2 support + 2 query) per modality, class-major.
        let (xi, _) = gaussian_blobs(12, 5, 3, 1.0, seeds);
        let (xa, _) = gaussian_blobs(12, 4, 3, 1.0, Seeds::new(22));
        let ep = Episode {
            xi: xi.transpose(),
            xa: xa.transpose(),
            way: 3,
            s: 2,
            q: 2,
        };
        let l2 = 0.05;
        let loss = |m: &ProtoNet| {
            let mut g = m.zero_grads();
            m.loss_grad(&ep, l2, &mut g, &mut Workspace::default())
                + 0.5 * l2 * (m.image.layer.w.norm_squared() + m.audio.layer.w.norm_squared())
        };
        let mut g = model.zero_grads();
        model.loss_grad(&ep, l2, &mut g, &mut Workspace::default());
        for which in 0..2 {
            let (layer, grad) = if which == 0 {
                (&model.image.layer, &g.image)
            } else {
                (&model.audio.layer, &g.audio)
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
                            loss(&m)
                        },
                        1e-5,
                    );
                    assert_grad_close(grad.w[(i, j)], fd, &format!("backbone {which} w[{i},{j}]"));
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
                        loss(&m)
                    },
                    1e-5,
                );
                assert_grad_close(grad.b[j], fd, &format!("backbone {which} b[{j}]"));
            }
        }
    }
}
