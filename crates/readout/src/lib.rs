//! Digital learning on reservoir features.
//!
//! Everything trained in the system is digital and small: a softmax classifier
//! on spike-count features (supervised N-MNIST and N-TIDIGITS, paper Figs. 2
//! and 3), and two projections trained with a CLIP-style symmetric
//! contrastive loss so that image and audio features of the same digit meet
//! in one embedding space (zero-shot retrieval of unseen digits, Fig. 4).
//! Gradients are written by hand and checked against central finite
//! differences. Training reports its operations as [`costmodel::OpCounts`]
//! through [`TrainingCost`].
//!
//! ```
//! use readout::{Classifier, ClassifierParams, OptimizerParams, nalgebra::DMatrix};
//! // Two separable classes of 40 samples: class 0 is active on feature 0,
//! // class 1 on feature 1.
//! let y: Vec<usize> = (0..80).map(|i| usize::from(i >= 40)).collect();
//! let x = DMatrix::from_fn(80, 2, |i, j| if y[i] == j { 1.0 } else { 0.0 });
//! let params = ClassifierParams {
//!     epochs: 50,
//!     optimizer: OptimizerParams::adam(0.05),
//!     ..ClassifierParams::default()
//! };
//! let fit = Classifier::fit(&params, &x, &y, 2, seeds::Seeds::new(1)).unwrap();
//! let predicted = fit.model.predict(&x).unwrap();
//! let acc = readout::accuracy(&y, &predicted).unwrap();
//! assert!(acc > 0.9, "{acc}");
//! ```
//!
//! # Inputs
//!
//! Features are `nalgebra::DMatrix<f64>` (re-exported as [`nalgebra`]) with
//! **one row per sample**; labels are `usize` class indices in
//! `0..n_classes`. We train in `f64`: at these sizes it costs little (a
//! 200 -> 10 readout on 60,000 samples for 100 epochs is about 2.4e10
//! multiply-accumulates, a few seconds through the blocked GEMM kernel of
//! `matrixmultiply`), and it makes finite-difference checks and bit-exact
//! reproducibility easy. [`matrix_from_rows`] builds a matrix from row-major
//! `u32`, `f32` or `f64` data. Minibatches are gathered into a
//! features x batch copy of the (transposed once) training matrix and every
//! product goes through GEMM on whole batches.
//!
//! # Models and equations
//!
//! * **Scaling** ([`Scaler`], [`ScalingParams`]): `x' = (x / T - mu) / sigma`,
//!   `mu`, `sigma` per feature fitted on the training split only; `T` the
//!   time window (counts / T is the authors' choice).
//! * **Classifier** ([`Classifier`], [`ClassifierParams`]): `z = x W + b`
//!   (or `z = act(x W1 + b1) W2 + b2`), loss
//!   `mean_i [logsumexp(z_i) - z_i,y_i] + l2/2 sum W^2`. Adam or SGD with
//!   momentum, minibatches in a seeded shuffled order, model selection and
//!   early stopping on a stratified validation split carved from the training
//!   data (never the test set), or on an explicit validation set
//!   ([`Classifier::fit_with_validation`], so a caller can fit its scaler
//!   on the training part only and share the split with other models). Linear probing is this classifier on frozen
//!   features.
//! * **Convex readout** ([`LogisticRegression`], [`LogisticParams`],
//!   [`select_c`]): multinomial logistic regression minimising
//!   `C sum_i CE_i + 0.5 ||W||_F^2` (scikit-learn's objective, unpenalised
//!   biases) by L-BFGS until every gradient component of the per-sample
//!   objective is below a stated tolerance; `C` chosen by seeded stratified
//!   k-fold cross-validation on the training data. No learning rate, epoch
//!   count or seed changes the fit, so a result says what the features
//!   support rather than how long the optimiser ran. Checked against
//!   scikit-learn on this project's reservoir features
//!   (`crates/readout/tests/shared_data.rs`).
//! * **Contrastive projections** ([`ContrastiveModel`], [`ContrastiveParams`];
//!   paper Eqs. 5-7): `a_i = normalize(act(x^img_i W_img + b_img))`,
//!   `b_i = normalize(act(x^aud_i W_aud + b_aud))`, `Z = A B^T / tau`;
//!   targets `T_ij = [y_i = y_j] / #{k : y_k = y_i}` (every same-class pair
//!   of the minibatch is a positive); loss
//!   `1/2 (mean_i CE(T_i., softmax(Z_i.)) + mean_j CE(T_.j, softmax(Z_.j)))`.
//!   `tau` fixed (1.0) or learned as `ln tau`.
//! * **Zero-shot retrieval** ([`retrieve`], [`zero_shot_report`]): for each
//!   query embedding, the `k` most similar gallery embeddings (cosine); a hit
//!   if one has the query's class. Audio-search-image and image-search-audio,
//!   on seen and unseen classes separately; a confusion matrix of query class
//!   versus the class of the top-1 item. Query and gallery sets are explicit
//!   inputs. Diagnostics: the collapse onto one class
//!   ([`RetrievalReport::collapse`]), hubness, the share of queries whose
//!   top-1 is one gallery item ([`RetrievalReport::hubness`]), and
//!   [`BatchCentred`], a transductive centring of each modality's
//!   embeddings that removes hubs from a shared direction.
//! * **Prototypical baseline** ([`ProtoNet`], [`ProtoNetParams`]; Snell et
//!   al. 2017): linear backbones per modality, cross-modal episodes,
//!   `CE(softmax_k(-|e_q - c_k|^2))` with prototypes `c_k` the mean support
//!   embeddings; retrieval with minus the squared Euclidean distance.
//! * **Metrics** ([`ConfusionMatrix`], [`ClassificationReport`], [`accuracy`]):
//!   accuracy, per-class accuracy (recall), confusion, macro F1.
//! * **t-SNE** ([`tsne`], [`tsne_with`], [`TsneParams`]): 2-D or 3-D, exact
//!   for small sets, Barnes-Hut (bhtsne) for large ones, seeded and
//!   deterministic.
//! * **Persistence** ([`Persist`]): versioned JSON of every trained model.
//!
//! # Random streams
//!
//! Trainers take a [`seeds::Seeds`] and draw from their own purposes:
//! `DataSplit` (validation split), `ModelInit` (weights), `DataShuffle` keyed
//! by epoch (minibatch order), `Minibatch` keyed by epoch or episode
//! (contrastive pairings, prototypical episodes), `Embedding` (t-SNE
//! initialisation). Each model keys these streams by its own scope
//! ([`streams`]: classifier 1, contrastive projections 2, prototypical
//! network 3, through [`seeds::scoped_key`]), so one seed given to several
//! models gives them independent weights, splits and batch orders, and the
//! validation carve never repeats the `seeds.stream(DataSplit)` draw of a
//! dataset split. Shuffles, stratified splits and pairings are `seeds`'
//! ([`seeds::shuffle`], [`seeds::stratified_split`],
//! [`seeds::pair_by_label`]). Training runs on one thread; results are
//! identical bit for bit for a given seed whatever the caller's thread pool.
//!
//! # Training cost
//!
//! See [`TrainingCost`] for the counting convention. In short, per training
//! sample a dense layer `in -> out` costs `in * out` forward MACs and
//! `in * out` backward MACs (weight gradient), plus another `in * out` when
//! its input gradient is needed (every layer but the first). A linear
//! 200 -> 10 readout thus costs `2 * 2000` MACs per sample per epoch. The
//! contrastive step on `N` pairs with embedding width `D` adds `N^2 D`
//! forward and `2 N^2 D` backward MACs for the similarity matrix, and
//! `N D` forward and `2 N D` backward per modality for the normalisation.
//!
//! # Parameters
//!
//! Each trainer has a serde parameter struct (`deny_unknown_fields`, a
//! `validate()` naming the bad field and its range) whose docs carry a table
//! of name, unit, default and source: [`ScalingParams`], [`ClassifierParams`]
//! (presets [`ClassifierParams::nmnist`], [`ClassifierParams::ntidigits`]),
//! [`ContrastiveParams`] (preset [`ContrastiveParams::paper`]),
//! [`ProtoNetParams`], [`OptimizerParams`], [`TsneParams`].
//!
//! Choices where the paper is silent: a stratified 10 % validation split and
//! selection by validation accuracy for the classifier (the authors pick
//! checkpoints by test accuracy; we never look at the test set); 100 epochs
//! for N-TIDIGITS; contrastive minibatches of 128 pairs, pairs redrawn every
//! epoch within each class (image and audio samples of a class are shuffled
//! and zipped, as many pairs as the smaller modality has), the last epoch
//! kept; PyTorch's `nn.Linear` initialisation and Adam defaults (the authors
//! used PyTorch); the prototypical baseline as cross-modal 7-way 5-shot
//! 5-query episodes with linear backbones, retrieval by squared Euclidean
//! distance; t-SNE with a random Gaussian start (sd 1e-4), exact up to 1,500
//! samples.
//!
//! # What it ignores
//!
//! Learning-rate schedules, dropout, data augmentation, mixed precision and
//! multi-threaded training (the models are tiny; determinism matters more).
//!
//! # What this crate must not know
//!
//! Where the features came from: it takes feature matrices and labels, nothing
//! of spikes, devices or datasets.

mod classifier;
mod contrastive;
mod cost;
mod data;
mod error;
mod lbfgs;
mod logistic;
mod metrics;
mod nn;
mod optim;
mod persist;
mod projection;
mod protonet;
mod retrieval;
mod scale;
pub mod streams;
pub mod synthetic;
#[cfg(test)]
mod testutil;
mod tsne;

pub use nalgebra;
pub use param_guard::{ParamError, ParamGuard};

pub use classifier::{
    Classifier, ClassifierFit, ClassifierParams, EpochRecord, HiddenLayerParams, Selection,
};
pub use contrastive::{
    ContrastiveEpoch, ContrastiveFit, ContrastiveLoss, ContrastiveModel, ContrastiveParams,
    TEMPERATURE_RANGE, contrastive_loss,
};
pub use cost::TrainingCost;
pub use data::{check_labels, matrix_from_rows, select_classes, select_rows};
pub use error::{Error, Result};
pub use logistic::{
    CSelection, CandidateScore, LogisticFit, LogisticParams, LogisticRegression, select_c,
};
pub use metrics::{
    ClassificationReport, ConfusionMatrix, McNemar, accuracy, mcnemar, wilson_interval,
};
pub use nn::Activation;
pub use optim::{Optimizer, OptimizerParams};
pub use persist::{FORMAT_TAG, FORMAT_VERSION, Persist};
pub use projection::Projection;
pub use protonet::{ProtoNet, ProtoNetFit, ProtoNetParams};
pub use retrieval::{
    BatchCentred, BidirectionalReport, Collapse, CrossModalEmbedder, Direction, Hubness,
    LabeledSet, RetrievalReport, Similarity, ZeroShotReport, cross_modal_retrieval, retrieve,
    similarity_matrix, zero_shot_report,
};
pub use scalar::Real;
pub use scale::{Scaler, ScalingParams};
pub use tsne::{AUTO_EXACT_MAX, EXACT_MAX, TsneMethod, TsneParams, tsne, tsne_with};
