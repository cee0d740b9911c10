//! Softmax classifier (linear, or one hidden layer) trained with minibatch
//! cross-entropy, Adam or SGD with momentum, L2, seeded shuffles and model
//! selection on a validation split carved from the training data.

use nalgebra::DMatrix;
use param_guard::ParamGuard;
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};

use crate::cost::{TrainingCost, dense_step, optimizer_ops};
use crate::data::{
    Op, check_features, check_labels, check_width, gather_columns, validation_split,
};
use crate::error::{Error, Result, invalid};
use crate::nn::{
    Activation, Dense, DenseGrad, activate, activation_backward, input_grad, slot_sizes,
    update_layers,
};
use crate::optim::{Optimizer, OptimizerParams};
use crate::streams::{CLASSIFIER, model_stream};

/// The optional hidden layer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HiddenLayerParams {
    /// Number of hidden units, >= 1.
    pub units: usize,
    /// Non-linearity after the hidden layer.
    pub activation: Activation,
}

/// Which epoch's weights the fit returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// The epoch with the highest validation accuracy (the earliest on ties).
    ValidationAccuracy,
    /// The epoch with the lowest validation cross-entropy (the earliest on ties).
    ValidationLoss,
    /// The last epoch trained (needs no validation split).
    LastEpoch,
}

/// Training parameters of the softmax classifier.
///
/// | field | unit | default | source |
/// |---|---|---|---|
/// | `hidden` | - | none (linear readout) | paper (a linear layer on the 200 counts) |
/// | `optimizer` | - | Adam, lr 1e-4 | authors' N-MNIST script |
/// | `batch_size` | samples | 100 | authors' N-MNIST script |
/// | `epochs` | - | 100 | authors' N-MNIST script |
/// | `l2` | 1 | 0 | no paper value (PyTorch default weight decay 0) |
/// | `validation_fraction` | 1 | 0.1 | our choice (the authors select by test accuracy; we never do) |
/// | `selection` | - | validation-accuracy | our choice |
/// | `patience` | epochs | none (train all epochs) | our choice |
///
/// The loss is `mean_i CE(softmax(z_i), y_i) + l2/2 * sum W^2` over the
/// weights (biases are not decayed), the same as PyTorch's `weight_decay = l2`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifierParams {
    /// Optional hidden layer; `None` is the paper's linear readout.
    pub hidden: Option<HiddenLayerParams>,
    /// Optimiser and learning rate.
    pub optimizer: OptimizerParams,
    /// Minibatch size (the last batch of an epoch may be smaller), >= 1.
    pub batch_size: usize,
    /// Passes over the training split, >= 1.
    pub epochs: usize,
    /// L2 coefficient on the weights, finite, >= 0.
    pub l2: f64,
    /// Fraction of each class moved from the training data to the validation
    /// split (stratified, seeded), in [0, 0.9].
    pub validation_fraction: f64,
    /// Which epoch's weights to return.
    pub selection: Selection,
    /// Early stopping: stop after this many epochs without improvement of the
    /// selection metric (`None`: train all epochs). Needs a validation split.
    pub patience: Option<usize>,
}

impl Default for ClassifierParams {
    fn default() -> Self {
        ClassifierParams::nmnist()
    }
}

impl ClassifierParams {
    /// The authors' N-MNIST readout: linear, Adam lr 1e-4, batch 100, 100 epochs.
    pub const fn nmnist() -> Self {
        ClassifierParams {
            hidden: None,
            optimizer: OptimizerParams::adam(1e-4),
            batch_size: 100,
            epochs: 100,
            l2: 0.0,
            validation_fraction: 0.1,
            selection: Selection::ValidationAccuracy,
            patience: None,
        }
    }

    /// The authors' N-TIDIGITS readout: linear, Adam lr 6e-4, batch 256;
    /// 100 epochs (the scripts do not fix the epoch count; our choice).
    pub const fn ntidigits() -> Self {
        ClassifierParams {
            optimizer: OptimizerParams::adam(6e-4),
            batch_size: 256,
            ..ClassifierParams::nmnist()
        }
    }

    /// Whether training evaluates a validation set (selection by validation
    /// or early stopping).
    fn uses_validation(&self) -> bool {
        self.selection != Selection::LastEpoch || self.patience.is_some()
    }

    /// Every check but those of `validation_fraction` (which an explicit
    /// validation set makes moot).
    fn validate_training(&self) -> Result<()> {
        self.optimizer.validate("classifier.optimizer")?;
        if let Some(h) = self.hidden
            && h.units == 0
        {
            return Err(invalid("classifier.hidden.units", 0, ">= 1"));
        }
        if self.batch_size == 0 {
            return Err(invalid("classifier.batch_size", 0, ">= 1"));
        }
        if self.epochs == 0 {
            return Err(invalid("classifier.epochs", 0, ">= 1"));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(invalid("classifier.l2", self.l2, "finite and >= 0"));
        }
        if self.patience == Some(0) {
            return Err(invalid("classifier.patience", 0, ">= 1 or absent"));
        }
        if self.patience.is_some() && self.selection == Selection::LastEpoch {
            return Err(invalid(
                "classifier.patience",
                format!("{:?}", self.patience),
                "absent when selection = last-epoch",
            ));
        }
        Ok(())
    }
}

impl ParamGuard for ClassifierParams {
    type Error = Error;

    /// Checks every field; errors name the field and its allowed range.
    fn validate(&self) -> Result<()> {
        self.validate_training()?;
        if !(0.0..=0.9).contains(&self.validation_fraction) {
            return Err(invalid(
                "classifier.validation_fraction",
                self.validation_fraction,
                "in [0, 0.9]",
            ));
        }
        if self.uses_validation() && self.validation_fraction == 0.0 {
            return Err(invalid(
                "classifier.validation_fraction",
                0,
                "> 0 when selection is by validation or patience is set (or use selection = last-epoch)",
            ));
        }
        Ok(())
    }
}

/// A trained softmax classifier: `z = act(x W1 + b1) W2 + b2` or `z = x W + b`,
/// class probabilities `softmax(z)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classifier {
    n_features: usize,
    n_classes: usize,
    hidden: Option<Dense>,
    activation: Option<Activation>,
    output: Dense,
}

/// One epoch of training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch index, from 0.
    pub epoch: usize,
    /// Mean cross-entropy of the training minibatches during the epoch
    /// (without the L2 term).
    pub train_loss: f64,
    /// Cross-entropy on the validation split after the epoch.
    pub validation_loss: Option<f64>,
    /// Accuracy on the validation split after the epoch, in [0, 1].
    pub validation_accuracy: Option<f64>,
}

/// The result of [`Classifier::fit`].
#[derive(Clone, Debug)]
pub struct ClassifierFit {
    /// The selected model.
    pub model: Classifier,
    /// One record per epoch trained.
    pub history: Vec<EpochRecord>,
    /// Epoch whose weights were selected.
    pub selected_epoch: usize,
    /// True when early stopping ended training before `epochs`.
    pub stopped_early: bool,
    /// Indices (into the training data) of the samples trained on
    /// ([`Classifier::fit_with_validation`]: `0..` its training rows).
    pub train_indices: Vec<usize>,
    /// Indices (into the training data) of the validation split
    /// ([`Classifier::fit_with_validation`]: `0..` its validation rows).
    pub validation_indices: Vec<usize>,
    /// Operations counted over the whole training run.
    pub cost: TrainingCost,
}

/// Reusable buffers of one forward/backward pass.
#[derive(Default)]
pub(crate) struct Workspace {
    pre: DMatrix<f64>,
    hid: DMatrix<f64>,
    logits: DMatrix<f64>,
    dhid: DMatrix<f64>,
}

/// Rows per chunk when evaluating many samples.
const EVAL_CHUNK: usize = 4096;

impl Classifier {
    /// A freshly initialised network (PyTorch `nn.Linear` initialisation,
    /// drawn from `rng`).
    pub fn new<R: rand::Rng + ?Sized>(
        n_features: usize,
        n_classes: usize,
        hidden: Option<HiddenLayerParams>,
        rng: &mut R,
    ) -> Classifier {
        match hidden {
            Some(h) => Classifier {
                n_features,
                n_classes,
                hidden: Some(Dense::init(n_features, h.units, rng)),
                activation: Some(h.activation),
                output: Dense::init(h.units, n_classes, rng),
            },
            None => Classifier {
                n_features,
                n_classes,
                hidden: None,
                activation: None,
                output: Dense::init(n_features, n_classes, rng),
            },
        }
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Weights (inputs x outputs) and biases of each layer, input layer first.
    pub fn layer_parameters(&self) -> Vec<(&DMatrix<f64>, &nalgebra::DVector<f64>)> {
        self.layers().into_iter().map(|d| (&d.w, &d.b)).collect()
    }

    /// Number of trainable parameters (weights and biases).
    pub fn n_params(&self) -> usize {
        self.hidden.as_ref().map_or(0, Dense::n_params) + self.output.n_params()
    }

    /// Multiply-accumulates of one inference (forward pass of one sample).
    pub fn inference_mac_per_sample(&self) -> u64 {
        let h = self.hidden.as_ref().map_or(0, |d| d.inputs() * d.outputs());
        (h + self.output.inputs() * self.output.outputs()) as u64
    }

    /// Trains on `x` (samples x features) with labels in `0..n_classes`,
    /// carving a stratified validation split of `params.validation_fraction`
    /// from `x` itself (every class keeps at least one training sample).
    ///
    /// To fit a feature scaler on the training part only, or to give the
    /// same validation samples to other models, carve the split yourself and
    /// call [`Classifier::fit_with_validation`]; this function is that call
    /// after its own carve.
    ///
    /// Random streams (from `seeds`, scope [`crate::streams::CLASSIFIER`]):
    /// `DataSplit` for the validation split, `ModelInit` for the initial
    /// weights, `DataShuffle` keyed by epoch for the minibatch order. Same
    /// seed, same weights, bit for bit.
    pub fn fit(
        params: &ClassifierParams,
        x: &DMatrix<f64>,
        labels: &[usize],
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<ClassifierFit> {
        params.validate()?;
        check_features("classifier training features", x)?;
        check_classes(n_classes)?;
        check_labels("classifier training labels", labels, x.nrows(), n_classes)?;

        let (train_idx, val_idx) = if params.validation_fraction > 0.0 {
            let mut rng = model_stream(seeds, Purpose::DataSplit, CLASSIFIER, 0);
            validation_split(labels, params.validation_fraction, &mut rng)
        } else {
            ((0..labels.len()).collect(), Vec::new())
        };
        if params.uses_validation() && val_idx.is_empty() {
            return Err(Error::InsufficientData {
                what: "classifier validation split".into(),
                why: format!(
                    "validation_fraction {} of {} samples leaves no validation sample",
                    params.validation_fraction,
                    labels.len()
                ),
            });
        }
        let pick = |idx: &[usize]| -> Vec<usize> { idx.iter().map(|&i| labels[i]).collect() };
        let mut fit = Classifier::train(
            params,
            &x.select_rows(&train_idx),
            &pick(&train_idx),
            &x.select_rows(&val_idx),
            &pick(&val_idx),
            n_classes,
            seeds,
        )?;
        fit.train_indices = train_idx;
        fit.validation_indices = val_idx;
        Ok(fit)
    }

    /// Trains on `train_x` / `train_y` and selects the epoch (and stops
    /// early) on the explicit validation set `val_x` / `val_y`, which may be
    /// empty (zero rows) when `params.selection` is
    /// [`Selection::LastEpoch`] and no patience is set.
    /// `params.validation_fraction` is not used. In the result,
    /// `train_indices` and `validation_indices` are `0..` the rows of
    /// `train_x` and `val_x`.
    ///
    /// This lets an orchestrator carve one validation split, fit a
    /// [`crate::Scaler`] on the remaining training part only, and give the
    /// same split to other models. Random streams as [`Classifier::fit`]
    /// (without the split's).
    pub fn fit_with_validation(
        params: &ClassifierParams,
        train_x: &DMatrix<f64>,
        train_y: &[usize],
        val_x: &DMatrix<f64>,
        val_y: &[usize],
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<ClassifierFit> {
        params.validate_training()?;
        check_features("classifier training features", train_x)?;
        check_classes(n_classes)?;
        check_labels(
            "classifier training labels",
            train_y,
            train_x.nrows(),
            n_classes,
        )?;
        check_labels(
            "classifier validation labels",
            val_y,
            val_x.nrows(),
            n_classes,
        )?;
        if val_x.nrows() > 0 {
            check_features("classifier validation features", val_x)?;
            check_width("classifier validation features", val_x, train_x.ncols())?;
        } else if params.uses_validation() {
            return Err(Error::InsufficientData {
                what: "classifier validation set".into(),
                why: format!(
                    "is empty, but selection {:?} / patience {:?} needs one",
                    params.selection, params.patience
                ),
            });
        }
        let mut fit = Classifier::train(params, train_x, train_y, val_x, val_y, n_classes, seeds)?;
        fit.train_indices = (0..train_y.len()).collect();
        fit.validation_indices = (0..val_y.len()).collect();
        Ok(fit)
    }

    /// The training loop on checked inputs (an empty validation set is not
    /// evaluated); the index fields of the result are left empty.
    fn train(
        params: &ClassifierParams,
        x: &DMatrix<f64>,
        labels: &[usize],
        x_val: &DMatrix<f64>,
        y_val: &[usize],
        n_classes: usize,
        seeds: Seeds,
    ) -> Result<ClassifierFit> {
        // Training data stored features x samples: a minibatch is a gather of
        // contiguous columns.
        let xt = x.transpose();
        let mut model = Classifier::new(
            x.ncols(),
            n_classes,
            params.hidden,
            &mut model_stream(seeds, Purpose::ModelInit, CLASSIFIER, 0),
        );
        let mut opt = Optimizer::new(params.optimizer, &slot_sizes(model.layers()));
        let mut grads = model.zero_grads();
        let mut ws = Workspace::default();
        let mut xb = DMatrix::zeros(0, 0);
        let mut yb = Vec::with_capacity(params.batch_size);
        let mut cost = TrainingCost::default();
        let decayed = if params.l2 > 0.0 {
            model.n_weights() as u64
        } else {
            0
        };

        let mut history = Vec::with_capacity(params.epochs);
        let mut best: Option<(f64, usize, Classifier)> = None;
        let mut since_best = 0;
        let mut stopped_early = false;
        let mut order: Vec<usize> = (0..labels.len()).collect();
        for epoch in 0..params.epochs {
            order.sort_unstable();
            let mut rng = model_stream(seeds, Purpose::DataShuffle, CLASSIFIER, epoch as u64);
            seeds::shuffle(&mut order, &mut rng);
            let mut loss_sum = 0.0;
            for batch in order.chunks(params.batch_size) {
                gather_columns(&xt, batch, &mut xb);
                yb.clear();
                yb.extend(batch.iter().map(|&i| labels[i]));
                let data_loss = model.loss_grad(&xb, &yb, params.l2, &mut grads, &mut ws);
                if !data_loss.is_finite() {
                    return Err(Error::Diverged {
                        epoch,
                        what: "training loss".into(),
                        value: data_loss,
                    });
                }
                loss_sum += data_loss * batch.len() as f64;
                let before = opt.updates();
                opt.begin_step();
                update_layers(&mut opt, model.layers_mut().into_iter().zip(&grads))?;
                model.count_step(&mut cost, batch.len());
                optimizer_ops(
                    &mut cost,
                    &params.optimizer,
                    opt.updates() - before,
                    decayed,
                );
            }
            let train_loss = loss_sum / order.len() as f64;
            let mut rec = EpochRecord {
                epoch,
                train_loss,
                validation_loss: None,
                validation_accuracy: None,
            };
            if !y_val.is_empty() {
                let (vl, va) = model.loss_and_accuracy(x_val, y_val)?;
                cost.validation_mac += model.inference_mac_per_sample() * y_val.len() as u64;
                rec.validation_loss = Some(vl);
                rec.validation_accuracy = Some(va);
            }
            history.push(rec);
            // Higher is better: accuracy, or minus the loss.
            let score = match params.selection {
                Selection::ValidationAccuracy => rec.validation_accuracy,
                Selection::ValidationLoss => rec.validation_loss.map(|l| -l),
                Selection::LastEpoch => None,
            };
            if let Some(s) = score {
                if best.as_ref().is_none_or(|(b, _, _)| s > *b) {
                    best = Some((s, epoch, model.clone()));
                    since_best = 0;
                } else {
                    since_best += 1;
                }
                if params.patience.is_some_and(|p| since_best >= p) && epoch + 1 < params.epochs {
                    stopped_early = true;
                    break;
                }
            }
        }
        let last_epoch = history.len() - 1;
        let (selected_epoch, model) = match best {
            Some((_, e, m)) => (e, m),
            None => (last_epoch, model),
        };
        Ok(ClassifierFit {
            model,
            history,
            selected_epoch,
            stopped_early,
            train_indices: Vec::new(),
            validation_indices: Vec::new(),
            cost,
        })
    }

    /// Logits (samples x classes).
    pub fn logits(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        check_width("features to classify", x, self.n_features)?;
        let mut out = DMatrix::zeros(x.nrows(), self.n_classes);
        let mut ws = Workspace::default();
        let mut start = 0;
        while start < x.nrows() {
            let len = EVAL_CHUNK.min(x.nrows() - start);
            let chunk = x.rows(start, len).clone_owned();
            self.forward(Op::N(&chunk), &mut ws);
            out.rows_mut(start, len).copy_from(&ws.logits);
            start += len;
        }
        Ok(out)
    }

    /// Class probabilities (samples x classes), rows summing to 1.
    pub fn predict_proba(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        let mut z = self.logits(x)?;
        for i in 0..z.nrows() {
            let m = z.row(i).max();
            let mut s = 0.0;
            for j in 0..z.ncols() {
                let e = (z[(i, j)] - m).exp();
                z[(i, j)] = e;
                s += e;
            }
            for j in 0..z.ncols() {
                z[(i, j)] /= s;
            }
        }
        Ok(z)
    }

    /// Predicted class of every sample (the largest logit; the lowest class
    /// index on ties).
    pub fn predict(&self, x: &DMatrix<f64>) -> Result<Vec<usize>> {
        let z = self.logits(x)?;
        Ok((0..z.nrows()).map(|i| argmax_row(&z, i)).collect())
    }

    /// Mean cross-entropy and accuracy on labelled data.
    pub fn loss_and_accuracy(&self, x: &DMatrix<f64>, labels: &[usize]) -> Result<(f64, f64)> {
        check_labels("labels to evaluate", labels, x.nrows(), self.n_classes)?;
        if x.nrows() == 0 {
            return Err(Error::Empty {
                what: "evaluation set".into(),
                why: "a loss needs at least one sample".into(),
            });
        }
        let z = self.logits(x)?;
        let mut loss = 0.0;
        let mut correct = 0usize;
        for (i, &y) in labels.iter().enumerate() {
            let m = z.row(i).max();
            let lse = m + z.row(i).iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            loss += lse - z[(i, y)];
            correct += usize::from(argmax_row(&z, i) == y);
        }
        let n = labels.len() as f64;
        Ok((loss / n, correct as f64 / n))
    }

    fn forward(&self, x: Op<'_>, ws: &mut Workspace) {
        match &self.hidden {
            Some(h) => {
                h.forward(x, &mut ws.pre);
                activate(self.activation, &ws.pre, &mut ws.hid);
                self.output.forward(Op::N(&ws.hid), &mut ws.logits);
            }
            None => self.output.forward(x, &mut ws.logits),
        }
    }

    /// Mean cross-entropy of a minibatch given as features x batch, with the
    /// gradients of `CE + l2/2 |W|^2` written into `grads`. Returns the data
    /// loss (without the L2 term).
    pub(crate) fn loss_grad(
        &self,
        xb: &DMatrix<f64>,
        yb: &[usize],
        l2: f64,
        grads: &mut [DenseGrad],
        ws: &mut Workspace,
    ) -> f64 {
        self.forward(Op::T(xb), ws);
        let loss = softmax_ce_grad(&mut ws.logits, yb);
        let g = &ws.logits; // now holds dL/dz
        match &self.hidden {
            Some(h) => {
                grads[1].set_from_rows(&ws.hid, g);
                grads[1].add_l2(&self.output, l2);
                input_grad(&self.output, g, &mut ws.dhid);
                activation_backward(self.activation, &ws.pre, &mut ws.dhid);
                grads[0].set_from_cols(xb, &ws.dhid);
                grads[0].add_l2(h, l2);
            }
            None => {
                grads[0].set_from_cols(xb, g);
                grads[0].add_l2(&self.output, l2);
            }
        }
        loss
    }

    fn layers_mut(&mut self) -> Vec<&mut Dense> {
        let mut v: Vec<&mut Dense> = Vec::with_capacity(2);
        if let Some(h) = self.hidden.as_mut() {
            v.push(h);
        }
        v.push(&mut self.output);
        v
    }

    fn layers(&self) -> Vec<&Dense> {
        let mut v: Vec<&Dense> = Vec::with_capacity(2);
        if let Some(h) = self.hidden.as_ref() {
            v.push(h);
        }
        v.push(&self.output);
        v
    }

    fn n_weights(&self) -> usize {
        self.layers().iter().map(|d| d.w.len()).sum()
    }

    pub(crate) fn zero_grads(&self) -> Vec<DenseGrad> {
        self.layers()
            .into_iter()
            .map(DenseGrad::zeros_like)
            .collect()
    }

    fn count_step(&self, cost: &mut TrainingCost, batch: usize) {
        cost.steps += 1;
        cost.samples += batch as u64;
        match &self.hidden {
            Some(h) => {
                dense_step(cost, batch, h.inputs(), h.outputs(), false);
                dense_step(
                    cost,
                    batch,
                    self.output.inputs(),
                    self.output.outputs(),
                    true,
                );
            }
            None => dense_step(
                cost,
                batch,
                self.output.inputs(),
                self.output.outputs(),
                false,
            ),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        let bad = |why: String| Error::BadModelFile {
            source_name: "classifier".into(),
            why,
        };
        let first_in = self.layers()[0].inputs();
        if first_in != self.n_features || self.output.outputs() != self.n_classes {
            return Err(bad(format!(
                "layers map {first_in} -> {} but the model declares {} features and {} classes",
                self.output.outputs(),
                self.n_features,
                self.n_classes
            )));
        }
        if let Some(h) = &self.hidden
            && (h.outputs() != self.output.inputs() || self.activation.is_none())
        {
            return Err(bad("hidden layer does not feed the output layer".into()));
        }
        Ok(())
    }
}

/// At least two classes.
fn check_classes(n_classes: usize) -> Result<()> {
    if n_classes < 2 {
        return Err(invalid("n_classes", n_classes, ">= 2"));
    }
    Ok(())
}

fn argmax_row(z: &DMatrix<f64>, i: usize) -> usize {
    let mut best = 0;
    for j in 1..z.ncols() {
        if z[(i, j)] > z[(i, best)] {
            best = j;
        }
    }
    best
}

/// Replaces logits `z` (batch x classes) by `dL/dz = (softmax(z) - onehot) / batch`
/// and returns the mean cross-entropy `L`.
pub(crate) fn softmax_ce_grad(z: &mut DMatrix<f64>, y: &[usize]) -> f64 {
    let (n, k) = z.shape();
    let inv_n = 1.0 / n as f64;
    let mut loss = 0.0;
    for (i, &yi) in y.iter().enumerate() {
        let mut m = f64::NEG_INFINITY;
        for j in 0..k {
            m = m.max(z[(i, j)]);
        }
        let mut s = 0.0;
        for j in 0..k {
            s += (z[(i, j)] - m).exp();
        }
        let lse = m + s.ln();
        loss += lse - z[(i, yi)];
        for j in 0..k {
            let p = (z[(i, j)] - lse).exp();
            z[(i, j)] = (p - if j == yi { 1.0 } else { 0.0 }) * inv_n;
        }
    }
    loss * inv_n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_grad_close, gaussian_blobs};

    fn full_loss(m: &Classifier, xb: &DMatrix<f64>, y: &[usize], l2: f64) -> f64 {
        let mut g = m.zero_grads();
        let mut ws = Workspace::default();
        let data = m.loss_grad(xb, y, l2, &mut g, &mut ws);
        let wsq: f64 = m.layers().iter().map(|d| d.w.norm_squared()).sum();
        data + 0.5 * l2 * wsq
    }

    fn check_gradients(hidden: Option<HiddenLayerParams>) {
        let seeds = Seeds::new(5);
        let (x, y) = gaussian_blobs(13, 7, 4, 1.0, seeds);
        let model = Classifier::new(7, 4, hidden, &mut seeds.stream(Purpose::ModelInit));
        let xb = x.transpose();
        let l2 = 0.03;
        let mut g = model.zero_grads();
        let mut ws = Workspace::default();
        model.loss_grad(&xb, &y, l2, &mut g, &mut ws);
        for (k, gk) in g.iter().enumerate() {
            let (rows, cols) = model.layers()[k].w.shape();
            for i in 0..rows {
                for j in 0..cols {
                    let analytic = gk.w[(i, j)];
                    let fd = crate::testutil::central_difference(
                        |d| {
                            let mut m = model.clone();
                            m.layers_mut()[k].w[(i, j)] += d;
                            full_loss(&m, &xb, &y, l2)
                        },
                        1e-5,
                    );
                    assert_grad_close(analytic, fd, &format!("layer {k} w[{i},{j}]"));
                }
            }
            for j in 0..model.layers()[k].b.len() {
                let fd = crate::testutil::central_difference(
                    |d| {
                        let mut m = model.clone();
                        m.layers_mut()[k].b[j] += d;
                        full_loss(&m, &xb, &y, l2)
                    },
                    1e-5,
                );
                assert_grad_close(gk.b[j], fd, &format!("layer {k} b[{j}]"));
            }
        }
    }

    #[test]
    fn softmax_ce_gradient_matches_finite_differences() {
        check_gradients(None);
    }

    #[test]
    fn hidden_layer_gradients_match_finite_differences() {
        check_gradients(Some(HiddenLayerParams {
            units: 5,
            activation: Activation::Gelu,
        }));
        check_gradients(Some(HiddenLayerParams {
            units: 5,
            activation: Activation::Relu,
        }));
    }

    #[test]
    fn params_validate_and_reject_unknown_fields() {
        ClassifierParams::nmnist().validate().unwrap();
        ClassifierParams::ntidigits().validate().unwrap();
        let p = ClassifierParams {
            batch_size: 0,
            ..ClassifierParams::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("classifier.batch_size")
        );
        let p = ClassifierParams {
            validation_fraction: 0.0,
            ..ClassifierParams::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("validation_fraction")
        );
        let json = serde_json::to_string(&ClassifierParams::ntidigits()).unwrap();
        let back: ClassifierParams = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ClassifierParams::ntidigits());
        assert!(serde_json::from_str::<ClassifierParams>(r#"{"epochz": 3}"#).is_err());
        let partial: ClassifierParams = serde_json::from_str(r#"{"epochs": 3}"#).unwrap();
        assert_eq!(partial.batch_size, 100);
    }
}
