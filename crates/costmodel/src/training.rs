//! Analytical training cost of the paper's models, under an explicit
//! counting convention.
//!
//! A model is a list of weight matrices, each used a number of times per
//! training sample (once per time step for the synapses of a recurrent
//! network, once for a head), plus the parameter-free products of its loss
//! (similarities, distances to prototypes). A convention says what one
//! forward multiply-accumulate costs (1 for MACs, 2 for FLOPs) and which
//! backward products are counted:
//!
//! ```text
//! cost = per_mac * [ sum_m uses_m * (in_m + bias) * out_m * (1 + bw * (1 + ig_m))
//!                    + loss_head * loss_macs * (1 + bw) ]
//! ```
//!
//! with `bw` = 1 if the model family's backward pass is counted (weight
//! gradients, one product per forward product) and `ig_m` = 1 if the
//! gradient with respect to the matrix's input is counted (always for inputs
//! that are activations of the trained network; for inputs that are data or
//! fixed features only if `data_input_grad`).
//!
//! Costs are **per training sample** (one sample, or one image-audio pair,
//! through one training step); multiply by samples per epoch and epochs for
//! totals. The paper's "about 13 K" for the N-TIDIGITS readout (6 x 2,200
//! weights = 13,200) and 22.7 M for SRNN-CLIP (22.79 M by the paper
//! convention below, per pair) are per-sample numbers: per epoch they would
//! be thousands of times larger.

use serde::{Deserialize, Serialize};

/// How training was done, which decides which backward products exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelFamily {
    /// The whole network, encoder included, trained end to end (through
    /// time for recurrent encoders): SRNN-ANN, SRNN-SNN, RNN, SRNN-CLIP,
    /// SRNN-ProtoNet.
    EndToEnd,
    /// Only a feed-forward head trained on fixed features (the LSM models:
    /// the reservoir's forward pass runs once per sample on the analogue
    /// macro, is inference, and is not a training cost).
    Head,
}

/// One weight matrix of a model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    /// What it is (e.g. `input`, `recurrent`, `readout`).
    pub name: String,
    /// Inputs (rows).
    pub inputs: u64,
    /// Outputs (columns).
    pub outputs: u64,
    /// Uses per training sample (time steps for recurrent synapses).
    pub uses: u64,
    /// Whether its input is data or fixed features (no gradient needed).
    pub input_is_data: bool,
}

impl Matrix {
    /// A matrix `inputs x outputs` used `uses` times per sample.
    pub fn new(name: &str, inputs: u64, outputs: u64, uses: u64, input_is_data: bool) -> Matrix {
        Matrix {
            name: name.to_owned(),
            inputs,
            outputs,
            uses,
            input_is_data,
        }
    }

    /// Its weights (with the bias column if `biases`).
    pub fn weights(&self, biases: bool) -> u64 {
        (self.inputs + u64::from(biases)) * self.outputs
    }
}

/// A model whose training cost is counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainedModel {
    /// Its name as the paper writes it (e.g. `SRNN-SNN`).
    pub name: String,
    /// How it is trained.
    pub family: ModelFamily,
    /// Its weight matrices.
    pub matrices: Vec<Matrix>,
    /// Parameter-free multiply-accumulates of its loss per sample
    /// (similarities with the batch, distances to prototypes).
    pub loss_macs: u64,
}

/// A counting convention for training cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingConvention {
    /// A short name.
    pub name: String,
    /// Cost of one multiply-accumulate: 1 (count MACs) or 2 (count FLOPs).
    pub per_mac: f64,
    /// Count the backward pass of end-to-end trained models.
    pub end_to_end_backward: bool,
    /// Count the backward pass of heads trained on fixed features.
    pub head_backward: bool,
    /// Count the input gradient of matrices fed by data or fixed features.
    pub data_input_grad: bool,
    /// Count biases as weights.
    pub biases: bool,
    /// Count the loss's parameter-free products.
    pub loss_head: bool,
}

impl TrainingConvention {
    /// The convention that comes closest to the paper's ratios: spiking and
    /// recurrent baselines counted as their forward FLOPs over all time steps
    /// (2 x dense forward MACs, no backward), trained heads as the "6 N" rule
    /// (2 FLOPs per MAC x [forward + weight gradient + input gradient], i.e.
    /// 6 x weights, even though the input gradient of a head on fixed
    /// features is never computed); no biases, no loss products. It is not
    /// self-consistent (backward counted on one side only), which is why the
    /// paper's ratios are about 3x smaller than a consistent count gives.
    pub fn paper() -> TrainingConvention {
        TrainingConvention {
            name: "paper".into(),
            per_mac: 2.0,
            end_to_end_backward: false,
            head_backward: true,
            data_input_grad: true,
            biases: false,
            loss_head: false,
        }
    }

    /// The self-consistent count of backpropagation MACs (what the `readout`
    /// crate measures): forward + weight gradients + input gradients where
    /// they are needed (never for data or fixed features), the loss's products
    /// forward and backward; no biases (the `readout` crate counts them as
    /// additions).
    pub fn backprop() -> TrainingConvention {
        TrainingConvention {
            name: "backprop".into(),
            per_mac: 1.0,
            end_to_end_backward: true,
            head_backward: true,
            data_input_grad: false,
            biases: false,
            loss_head: true,
        }
    }
}

impl TrainedModel {
    /// Forward multiply-accumulates per sample (loss products excluded).
    pub fn forward_macs(&self, biases: bool) -> u64 {
        self.matrices
            .iter()
            .map(|m| m.uses * m.weights(biases))
            .sum()
    }

    /// Trainable parameters (each matrix once).
    pub fn parameters(&self, biases: bool) -> u64 {
        self.matrices.iter().map(|m| m.weights(biases)).sum()
    }

    /// Training cost per sample under `conv` (in MACs if `per_mac` is 1,
    /// FLOPs if 2): the sum of [`TrainedModel::layer_costs`].
    pub fn training_cost(&self, conv: &TrainingConvention) -> f64 {
        self.layer_costs(conv).iter().map(|l| l.cost).sum()
    }

    /// Training cost per sample under `conv`, one entry per weight matrix
    /// (in the model's order) and, if the convention counts it and the
    /// model has one, a last entry `loss` for the loss's parameter-free
    /// products. The entries sum to [`TrainedModel::training_cost`].
    pub fn layer_costs(&self, conv: &TrainingConvention) -> Vec<LayerCost> {
        let backward = match self.family {
            ModelFamily::EndToEnd => conv.end_to_end_backward,
            ModelFamily::Head => conv.head_backward,
        };
        let bw = u64::from(backward);
        let mut layers: Vec<LayerCost> = self
            .matrices
            .iter()
            .map(|m| {
                let ig = u64::from(!m.input_is_data || conv.data_input_grad);
                let forward = m.uses * m.weights(conv.biases);
                LayerCost {
                    layer: m.name.clone(),
                    weights: m.weights(conv.biases),
                    forward_macs: forward,
                    cost: conv.per_mac * (forward * (1 + bw * (1 + ig))) as f64,
                }
            })
            .collect();
        if conv.loss_head && self.loss_macs > 0 {
            layers.push(LayerCost {
                layer: "loss".into(),
                weights: 0,
                forward_macs: self.loss_macs,
                cost: conv.per_mac * (self.loss_macs * (1 + bw)) as f64,
            });
        }
        layers
    }
}

/// One layer's share of a model's training cost per sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerCost {
    /// The matrix's name (e.g. `input`, `recurrent`, `readout`), or `loss`.
    pub layer: String,
    /// Its trainable weights (0 for the loss).
    pub weights: u64,
    /// Its forward multiply-accumulates per sample (all its uses).
    pub forward_macs: u64,
    /// Its training cost per sample under the convention.
    pub cost: f64,
}

/// Sizes of one recurrent encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderSizes {
    /// Input channels.
    pub inputs: u64,
    /// Hidden neurons.
    pub hidden: u64,
    /// Time steps per sample.
    pub steps: u64,
}

fn encoder(prefix: &str, e: EncoderSizes) -> [Matrix; 2] {
    [
        Matrix::new(&format!("{prefix}input"), e.inputs, e.hidden, e.steps, true),
        Matrix::new(
            &format!("{prefix}recurrent"),
            e.hidden,
            e.hidden,
            e.steps,
            false,
        ),
    ]
}

/// LSM-ANN: only the linear readout `hidden -> classes` on the spike counts
/// is trained.
pub fn lsm_ann(hidden: u64, classes: u64) -> TrainedModel {
    TrainedModel {
        name: "LSM-ANN".into(),
        family: ModelFamily::Head,
        matrices: vec![Matrix::new("readout", hidden, classes, 1, true)],
        loss_macs: 0,
    }
}

/// SRNN-ANN: a spiking recurrent encoder trained end to end through time
/// (surrogate gradients) with a non-spiking linear readout applied once to
/// its output.
pub fn srnn_ann(e: EncoderSizes, classes: u64) -> TrainedModel {
    let [i, r] = encoder("", e);
    TrainedModel {
        name: "SRNN-ANN".into(),
        family: ModelFamily::EndToEnd,
        matrices: vec![i, r, Matrix::new("readout", e.hidden, classes, 1, false)],
        loss_macs: 0,
    }
}

/// SRNN-SNN: as SRNN-ANN, but the readout is a spiking layer run at every
/// time step.
pub fn srnn_snn(e: EncoderSizes, classes: u64) -> TrainedModel {
    let [i, r] = encoder("", e);
    TrainedModel {
        name: "SRNN-SNN".into(),
        family: ModelFamily::EndToEnd,
        matrices: vec![
            i,
            r,
            Matrix::new("readout", e.hidden, classes, e.steps, false),
        ],
        loss_macs: 0,
    }
}

/// RNN-ANN: a vanilla (Elman, tanh) recurrent network with a linear readout
/// once; the same matrices as SRNN-ANN (the authors' model file is not
/// published; activations are not counted).
pub fn rnn_ann(e: EncoderSizes, classes: u64) -> TrainedModel {
    TrainedModel {
        name: "RNN-ANN".into(),
        ..srnn_ann(e, classes)
    }
}

/// The contrastive loss of a batch of `batch` pairs in `dim` dimensions:
/// per pair one row of the similarity matrix (`batch * dim`).
pub fn clip_loss_macs(batch: u64, dim: u64) -> u64 {
    batch * dim
}

/// The prototypical loss per sample pair: each modality's query against the
/// `classes` prototypes (`classes * dim`) and its share of the prototype mean
/// (`dim`).
pub fn protonet_loss_macs(classes: u64, dim: u64) -> u64 {
    2 * (classes * dim + dim)
}

/// SRNN-CLIP: two spiking recurrent encoders (image, audio) and two linear
/// projections to `dim`, trained end to end with the contrastive loss; one
/// sample is one image-audio pair.
pub fn srnn_clip(image: EncoderSizes, audio: EncoderSizes, dim: u64, batch: u64) -> TrainedModel {
    TrainedModel {
        name: "SRNN-CLIP".into(),
        family: ModelFamily::EndToEnd,
        matrices: two_encoders_and_projections(image, audio, dim, false),
        loss_macs: clip_loss_macs(batch, dim),
    }
}

/// LSM-CLIP (the paper's system): two linear projections `hidden -> dim`
/// on fixed reservoir features, trained with the contrastive loss.
pub fn lsm_clip(hidden_image: u64, hidden_audio: u64, dim: u64, batch: u64) -> TrainedModel {
    TrainedModel {
        name: "LSM-CLIP".into(),
        family: ModelFamily::Head,
        matrices: projections(hidden_image, hidden_audio, dim, true),
        loss_macs: clip_loss_macs(batch, dim),
    }
}

/// SRNN-ProtoNet: the SRNN-CLIP encoders and projections trained with a
/// prototypical loss over `classes` seen classes.
pub fn srnn_protonet(
    image: EncoderSizes,
    audio: EncoderSizes,
    dim: u64,
    classes: u64,
) -> TrainedModel {
    TrainedModel {
        name: "SRNN-ProtoNet".into(),
        family: ModelFamily::EndToEnd,
        matrices: two_encoders_and_projections(image, audio, dim, false),
        loss_macs: protonet_loss_macs(classes, dim),
    }
}

/// LSM-ProtoNet: projections on fixed reservoir features with a
/// prototypical loss.
pub fn lsm_protonet(hidden_image: u64, hidden_audio: u64, dim: u64, classes: u64) -> TrainedModel {
    TrainedModel {
        name: "LSM-ProtoNet".into(),
        family: ModelFamily::Head,
        matrices: projections(hidden_image, hidden_audio, dim, true),
        loss_macs: protonet_loss_macs(classes, dim),
    }
}

fn projections(hidden_image: u64, hidden_audio: u64, dim: u64, data: bool) -> Vec<Matrix> {
    vec![
        Matrix::new("image/projection", hidden_image, dim, 1, data),
        Matrix::new("audio/projection", hidden_audio, dim, 1, data),
    ]
}

fn two_encoders_and_projections(
    image: EncoderSizes,
    audio: EncoderSizes,
    dim: u64,
    data: bool,
) -> Vec<Matrix> {
    let mut m: Vec<Matrix> = encoder("image/", image).into();
    m.extend(encoder("audio/", audio));
    m.extend(projections(image.hidden, audio.hidden, dim, data));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: EncoderSizes = EncoderSizes {
        inputs: 3,
        hidden: 2,
        steps: 4,
    };

    #[test]
    fn forward_macs_equal_hand_counts() {
        // 4 steps x (3x2 + 2x2) + 2x5 once = 40 + 10.
        assert_eq!(srnn_ann(E, 5).forward_macs(false), 50);
        // Readout every step: 40 + 4 x 10.
        assert_eq!(srnn_snn(E, 5).forward_macs(false), 80);
        // With biases: 4 x ((3+1)x2 + (2+1)x2) + (2+1)x5 = 56 + 15.
        assert_eq!(srnn_ann(E, 5).forward_macs(true), 71);
        assert_eq!(lsm_ann(2, 5).forward_macs(false), 10);
        assert_eq!(rnn_ann(E, 5).forward_macs(false), 50);
        assert_eq!(srnn_ann(E, 5).parameters(false), 6 + 4 + 10);
    }

    #[test]
    fn paper_convention_is_two_x_forward_and_six_x_weights() {
        let p = TrainingConvention::paper();
        assert_eq!(srnn_ann(E, 5).training_cost(&p), 100.0);
        assert_eq!(srnn_snn(E, 5).training_cost(&p), 160.0);
        assert_eq!(lsm_ann(2, 5).training_cost(&p), 60.0);
        // Two encoders (4 x 10 each), two projections 2x3 = 6 each.
        let clip = srnn_clip(E, E, 3, 8);
        assert_eq!(clip.training_cost(&p), 2.0 * (80.0 + 12.0));
        assert_eq!(lsm_clip(2, 2, 3, 8).training_cost(&p), 6.0 * 12.0);
    }

    #[test]
    fn backprop_convention_equals_hand_count() {
        let b = TrainingConvention::backprop();
        // Input matrix (fed by data): fwd 24 + wgrad 24; recurrent: 16 x 3;
        // readout: 10 x 3.
        assert_eq!(srnn_ann(E, 5).training_cost(&b), 48.0 + 48.0 + 30.0);
        // Head on fixed features: forward + weight gradient.
        assert_eq!(lsm_ann(2, 5).training_cost(&b), 20.0);
        // Loss products: 8 x 3 per pair, forward and backward.
        assert_eq!(
            lsm_clip(2, 2, 3, 8).training_cost(&b),
            2.0 * 12.0 + 2.0 * 24.0
        );
        assert_eq!(protonet_loss_macs(7, 3), 2 * (21 + 3));
        let proto = lsm_protonet(2, 2, 3, 7);
        assert_eq!(proto.training_cost(&b), 24.0 + 2.0 * 48.0);
    }

    #[test]
    fn layer_costs_are_hand_counts_and_sum_to_the_model() {
        let (p, b) = (TrainingConvention::paper(), TrainingConvention::backprop());
        let layers = srnn_ann(E, 5).layer_costs(&b);
        let names: Vec<&str> = layers.iter().map(|l| l.layer.as_str()).collect();
        assert_eq!(names, ["input", "recurrent", "readout"]);
        // Input (data): forward 24 + weight gradient 24; recurrent 16 x 3;
        // readout 10 x 3.
        let costs: Vec<f64> = layers.iter().map(|l| l.cost).collect();
        assert_eq!(costs, [48.0, 48.0, 30.0]);
        assert_eq!(layers[1].weights, 4);
        assert_eq!(layers[1].forward_macs, 16);
        // The loss is its own row under backprop, absent under the paper's.
        let clip = lsm_clip(2, 2, 3, 8);
        let lb = clip.layer_costs(&b);
        assert_eq!(
            lb.last().map(|l| (l.layer.as_str(), l.cost)),
            Some(("loss", 48.0))
        );
        assert!(clip.layer_costs(&p).iter().all(|l| l.layer != "loss"));
        for m in [
            srnn_ann(E, 5),
            srnn_snn(E, 5),
            clip,
            lsm_protonet(2, 2, 3, 7),
        ] {
            for conv in [&p, &b] {
                let sum: f64 = m.layer_costs(conv).iter().map(|l| l.cost).sum();
                assert_eq!(sum, m.training_cost(conv), "{} {}", m.name, conv.name);
            }
        }
    }

    #[test]
    fn doubling_sizes_scales_costs() {
        let p = TrainingConvention::paper();
        let e2 = EncoderSizes { steps: 8, ..E };
        // Twice the steps: twice the recurrent-network cost with a per-step readout.
        assert_eq!(
            srnn_snn(e2, 5).training_cost(&p),
            2.0 * srnn_snn(E, 5).training_cost(&p)
        );
    }
}
