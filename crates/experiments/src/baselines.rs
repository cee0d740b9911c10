//! The trained recurrent baselines of Figs. 2 and 3 (SRNN-ANN, SRNN-SNN,
//! RNN-ANN; `crates/baselines`) run on the same data and the same splits
//! as the liquid state machine.
//!
//! Each model starts from its authors' preset ([`SrnnClassifierParams`],
//! [`RnnClassifierParams`]: N-MNIST or N-TIDIGITS settings) and sees the
//! figure's training and test samples, binned by the figure's binning with
//! the number of steps the preset asks for (`bin_steps`; the N-MNIST
//! presets use the LSM's 50 steps, the N-TIDIGITS ones 90, 70 and 50
//! where the LSM uses 129). The epoch is selected on a validation split
//! carved from the training samples (stratified, `validation_fraction`),
//! never on the test set; the authors selected on the test set, which
//! flatters their numbers by the noise of that choice.
//!
//! The `[baselines]` table of a supervised preset:
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `models` | all three | which baselines run (`"srnn-ann"`, `"srnn-snn"`, `"rnn-ann"`) |
//! | `epochs` | the presets' 100 | most training epochs of every baseline |
//! | `validation_fraction` | 0.1 | share of each class held out for model selection |
//! | `stopping` | `"early"` | `"early"`: stop after `patience` epochs without a better validation accuracy (our default, so a paper-scale run finishes in an evening); `"authors-fixed-epochs"`: every epoch runs, as the authors trained |
//! | `patience` | 5 | epochs without improvement before an early stop |
//!
//! Either way the epoch of best validation accuracy is restored; early
//! stopping only skips the epochs after it that could not be selected
//! unless they beat it. The summary records the epochs that ran
//! (`baseline_<model>_epochs`) beside the most allowed (`_max_epochs`), and
//! the rule (`baselines_stopping`). The `[srnn_clip]` table of Fig. 4 takes
//! the same `stopping` and `patience` keys.

use std::time::Instant;

use crate::error::{Context, Result, ensure};
use baselines::{
    Fit, LabeledSeqs, RnnClassifier, RnnClassifierParams, SrnnClassifier, SrnnClassifierParams,
};
use events::{AudioBinning, SpikeRaster, TimeBins, VisionBinning};
use readout::ClassificationReport;
use seeds::Seeds;
use serde::{Deserialize, Serialize};

use crate::report::{Report, Row, Summary, pct};
use crate::streams::Draw;

/// A trained baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineModel {
    /// Spiking recurrent layer with a dense head on the spike rates.
    SrnnAnn,
    /// Spiking recurrent layer with a spiking readout.
    SrnnSnn,
    /// Tanh recurrent layer with a dense head.
    RnnAnn,
}

impl BaselineModel {
    /// All three, in the paper's order.
    pub const ALL: [BaselineModel; 3] = [
        BaselineModel::SrnnAnn,
        BaselineModel::SrnnSnn,
        BaselineModel::RnnAnn,
    ];

    /// The paper's name.
    pub fn name(self) -> &'static str {
        match self {
            BaselineModel::SrnnAnn => "SRNN-ANN",
            BaselineModel::SrnnSnn => "SRNN-SNN",
            BaselineModel::RnnAnn => "RNN-ANN",
        }
    }

    /// The summary key's stem (`srnn_ann` ...).
    pub fn key(self) -> &'static str {
        match self {
            BaselineModel::SrnnAnn => "srnn_ann",
            BaselineModel::SrnnSnn => "srnn_snn",
            BaselineModel::RnnAnn => "rnn_ann",
        }
    }
}

/// When a baseline's training ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stopping {
    /// After `patience` epochs without a better validation accuracy.
    #[default]
    Early,
    /// After every epoch (the authors' protocol: 100 epochs).
    AuthorsFixedEpochs,
}

impl Stopping {
    /// The name used in presets and summaries.
    pub fn name(self) -> &'static str {
        match self {
            Stopping::Early => "early",
            Stopping::AuthorsFixedEpochs => "authors-fixed-epochs",
        }
    }

    /// The patience handed to the training loop.
    fn patience(self, patience: usize) -> Option<usize> {
        match self {
            Stopping::Early => Some(patience),
            Stopping::AuthorsFixedEpochs => None,
        }
    }
}

/// The `[baselines]` table of a supervised preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BaselinesPreset {
    /// Which baselines run.
    pub models: Vec<BaselineModel>,
    /// Training epochs (`None`: the authors' presets, 100).
    pub epochs: Option<usize>,
    /// Fraction of each class moved from the training samples to the
    /// validation split that selects the epoch.
    pub validation_fraction: f64,
    /// When training ends.
    pub stopping: Stopping,
    /// Epochs without improvement before an early stop (`stopping = "early"`).
    pub patience: usize,
}

/// The default patience of early stopping, epochs.
pub const DEFAULT_PATIENCE: usize = 5;

impl Default for BaselinesPreset {
    fn default() -> Self {
        Self {
            models: BaselineModel::ALL.to_vec(),
            epochs: None,
            validation_fraction: 0.1,
            stopping: Stopping::Early,
            patience: DEFAULT_PATIENCE,
        }
    }
}

impl BaselinesPreset {
    /// Checks the fraction and epochs.
    pub fn validate(&self) -> Result<()> {
        ensure!(
            self.validation_fraction > 0.0 && self.validation_fraction < 1.0,
            "baselines.validation_fraction = {} must lie in (0, 1)",
            self.validation_fraction
        );
        ensure!(
            self.epochs != Some(0),
            "baselines.epochs = 0: at least one epoch is needed"
        );
        ensure!(
            self.patience >= 1,
            "baselines.patience = 0: at least one epoch without improvement is needed"
        );
        Ok(())
    }
}

/// The authors' settings of the three baselines for one dataset.
#[derive(Clone, Debug)]
pub struct BaselineSettings {
    /// SRNN with a dense head.
    pub srnn_ann: SrnnClassifierParams,
    /// SRNN with a spiking readout.
    pub srnn_snn: SrnnClassifierParams,
    /// Tanh RNN.
    pub rnn_ann: RnnClassifierParams,
}

impl BaselineSettings {
    /// The N-MNIST presets.
    pub fn nmnist() -> Self {
        Self {
            srnn_ann: SrnnClassifierParams::nmnist_srnn_ann(),
            srnn_snn: SrnnClassifierParams::nmnist_srnn_snn(),
            rnn_ann: RnnClassifierParams::nmnist(),
        }
    }

    /// The N-TIDIGITS presets.
    pub fn ntidigits() -> Self {
        Self {
            srnn_ann: SrnnClassifierParams::ntidigits_srnn_ann(),
            srnn_snn: SrnnClassifierParams::ntidigits_srnn_snn(),
            rnn_ann: RnnClassifierParams::ntidigits(),
        }
    }

    /// Steps the model's samples are binned into.
    pub fn bin_steps(&self, model: BaselineModel) -> usize {
        match model {
            BaselineModel::SrnnAnn => self.srnn_ann.bin_steps,
            BaselineModel::SrnnSnn => self.srnn_snn.bin_steps,
            BaselineModel::RnnAnn => self.rnn_ann.bin_steps,
        }
    }
}

/// A binning whose number of time steps can be changed, so the baselines
/// see the LSM's samples at the steps their presets ask for.
pub trait StepBinning: Sized {
    /// The same binning with `steps` equal steps over the sample, or `None`
    /// if its time bins are fixed windows (then it is used unchanged).
    fn with_steps(&self, steps: usize) -> Option<Self>;
}

fn steps_of(bins: TimeBins, steps: usize) -> Option<TimeBins> {
    match bins {
        TimeBins::Steps { .. } => Some(TimeBins::Steps { steps }),
        TimeBins::Window { .. } => None,
    }
}

impl StepBinning for VisionBinning {
    fn with_steps(&self, steps: usize) -> Option<Self> {
        steps_of(self.bins, steps).map(|bins| Self { bins, ..*self })
    }
}

impl StepBinning for AudioBinning {
    fn with_steps(&self, steps: usize) -> Option<Self> {
        steps_of(self.bins, steps).map(|bins| Self { bins, ..*self })
    }
}

/// Training and test samples of one binning.
pub struct BaselineData<'a> {
    /// Training rasters.
    pub train: &'a [SpikeRaster],
    /// Training labels.
    pub train_y: &'a [usize],
    /// Test rasters.
    pub test: &'a [SpikeRaster],
    /// Test labels.
    pub test_y: &'a [usize],
}

/// One trained baseline's measured numbers.
#[derive(Clone, Debug)]
pub struct BaselineResult {
    /// Which model.
    pub model: BaselineModel,
    /// Test metrics.
    pub test: ClassificationReport,
    /// Epoch selected on the validation split (from 0).
    pub selected_epoch: usize,
    /// Epochs trained (fewer than `max_epochs` after an early stop).
    pub epochs: usize,
    /// Most epochs allowed.
    pub max_epochs: usize,
    /// The stopping rule.
    pub stopping: Stopping,
    /// Time steps per sample.
    pub steps: usize,
    /// Dense-equivalent training MACs over all epochs (forward + backward).
    pub training_macs: u64,
    /// Training samples (after the validation carve).
    pub train_samples: usize,
    /// Wall time of training and evaluation, seconds.
    pub seconds: f64,
}

impl BaselineResult {
    /// Dense-equivalent training MACs per training sample and epoch.
    pub fn macs_per_sample(&self) -> f64 {
        self.training_macs as f64 / (self.train_samples * self.epochs).max(1) as f64
    }
}

/// Trains `model` with the validation split carved from `data.train` and
/// evaluates it on `data.test`.
pub fn train_one(
    model: BaselineModel,
    settings: &BaselineSettings,
    preset: &BaselinesPreset,
    data: &BaselineData<'_>,
    classes: usize,
    seeds: Seeds,
) -> Result<BaselineResult> {
    let start = Instant::now();
    // One validation carve for every baseline, from its own stream.
    let (valid_idx, train_idx) = seeds::stratified_split(
        data.train_y,
        preset.validation_fraction,
        1,
        &mut Draw::BaselineValidation.rng(seeds),
    );
    let train_set = Modality {
        rasters: data.train,
        labels: data.train_y,
    };
    let (tx, ty) = subset(train_set, &train_idx);
    let (vx, vy) = subset(train_set, &valid_idx);
    let test_x: Vec<&SpikeRaster> = data.test.iter().collect();
    let train = LabeledSeqs {
        seqs: &tx,
        labels: &ty,
    };
    let valid = (!vx.is_empty()).then_some(LabeledSeqs {
        seqs: &vx,
        labels: &vy,
    });
    let name = model.name();
    let max_epochs = preset.epochs.unwrap_or(match model {
        BaselineModel::SrnnAnn => settings.srnn_ann.training.epochs,
        BaselineModel::SrnnSnn => settings.srnn_snn.training.epochs,
        BaselineModel::RnnAnn => settings.rnn_ann.training.epochs,
    });
    let patience = preset.stopping.patience(preset.patience);
    let bar = crate::progress::bar(max_epochs as u64, &format!("{name} epochs"));
    let mut observe = |r: &baselines::EpochRecord| {
        bar.inc(1);
        tracing::info!(
            "{name} epoch {}/{max_epochs}: loss {:.4}, train {:.2} %, validation {}",
            r.epoch + 1,
            r.train_loss,
            100.0 * r.train_accuracy,
            r.validation_accuracy
                .map_or_else(|| "-".to_owned(), |a| format!("{:.2} %", 100.0 * a))
        );
    };
    let (predicted, selected_epoch, epochs, counts) = match model {
        BaselineModel::SrnnAnn | BaselineModel::SrnnSnn => {
            let mut p = if model == BaselineModel::SrnnAnn {
                settings.srnn_ann.clone()
            } else {
                settings.srnn_snn.clone()
            };
            p.training.epochs = max_epochs;
            p.training.patience = patience;
            let fit: Fit<SrnnClassifier> =
                SrnnClassifier::fit_with_observer(&p, train, valid, classes, seeds, &mut observe)
                    .with_context(|| format!("training {name}"))?;
            (
                fit.model.predict(&test_x)?,
                fit.selected_epoch,
                fit.history.len(),
                fit.counts,
            )
        }
        BaselineModel::RnnAnn => {
            let mut p = settings.rnn_ann.clone();
            p.training.epochs = max_epochs;
            p.training.patience = patience;
            let fit: Fit<RnnClassifier> =
                RnnClassifier::fit_with_observer(&p, train, valid, classes, seeds, &mut observe)
                    .with_context(|| format!("training {name}"))?;
            (
                fit.model.predict(&test_x)?,
                fit.selected_epoch,
                fit.history.len(),
                fit.counts,
            )
        }
    };
    bar.finish();
    Ok(BaselineResult {
        model,
        test: ClassificationReport::new(data.test_y, &predicted, classes)?,
        selected_epoch,
        epochs,
        max_epochs,
        stopping: preset.stopping,
        steps: data.train.first().map_or(0, SpikeRaster::steps),
        training_macs: counts.dense_op_counts().mac_fp32,
        train_samples: ty.len(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Summary keys of the measured baselines: `baseline_<model>_test_accuracy`,
/// `_macro_f1`, `_selected_epoch`, `_epochs`, `_time_steps`,
/// `_training_macs_per_sample_epoch`.
pub fn summarise(results: &[BaselineResult], summary: &mut Summary) {
    if let Some(r) = results.first() {
        summary.text("baselines_stopping", r.stopping.name());
    }
    for r in results {
        let k = |s: &str| format!("baseline_{}_{s}", r.model.key());
        summary.num(&k("test_accuracy"), 100.0 * r.test.accuracy);
        summary.num(&k("macro_f1"), 100.0 * r.test.macro_f1);
        summary.int(&k("selected_epoch"), r.selected_epoch as u64);
        summary.int(&k("epochs"), r.epochs as u64);
        summary.int(&k("max_epochs"), r.max_epochs as u64);
        summary.int(&k("time_steps"), r.steps as u64);
        summary.num(&k("training_macs_per_sample_epoch"), r.macs_per_sample());
    }
}

/// Report rows: every paper baseline, measured or marked as not run.
pub fn report_rows(
    results: &[BaselineResult],
    paper: &[(&str, f64)],
    (lsm_ours, lsm_paper): (f64, f64),
    source: &str,
    report: &mut Report,
) {
    for (name, acc) in paper {
        match results.iter().find(|r| r.model.name() == *name) {
            Some(r) => {
                let ours = 100.0 * r.test.accuracy;
                let data = if source == "real" {
                    "on the same dataset".to_owned()
                } else {
                    format!("on {source} data, not the paper's")
                };
                report.rows.push(Row::new(
                    &format!("{name} test accuracy (trained baseline, same splits as the LSM)"),
                    pct(ours),
                    &pct(*acc),
                    &format!(
                        "{:+.2} points {data}; {} of at most {} epochs ({}; epoch {} selected on validation), {} steps; LSM (software) minus baseline: {:+.2} points here, {:+.2} in the paper",
                        ours - acc,
                        r.epochs,
                        r.max_epochs,
                        r.stopping.name(),
                        r.selected_epoch + 1,
                        r.steps,
                        lsm_ours - ours,
                        lsm_paper - acc,
                    ),
                ));
            }
            None => report.rows.push(Row::new(
                &format!("{name} test accuracy"),
                "not run".to_owned(),
                &pct(*acc),
                "not selected (the preset's [baselines] models, or --baselines / --skip-baselines); no number is invented",
            )),
        }
    }
}

/// The `[srnn_clip]` table of the Fig. 4 preset: the trained SRNN-CLIP
/// baseline (`baselines::SrnnClipParams::paper`, the authors' settings),
/// on the LSM's rasters (50 image steps and 129 audio steps, as its
/// encoders ask).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SrnnClipPreset {
    /// Run it.
    pub enabled: bool,
    /// Training epochs (`None`: the authors' 100).
    pub epochs: Option<usize>,
    /// Fraction of each seen digit's training pairs moved to the
    /// validation split that selects the epoch (by audio-search-image top-1).
    pub validation_fraction: f64,
    /// When training ends.
    pub stopping: Stopping,
    /// Epochs without improvement before an early stop.
    pub patience: usize,
}

impl Default for SrnnClipPreset {
    fn default() -> Self {
        Self {
            enabled: true,
            epochs: None,
            validation_fraction: 0.1,
            stopping: Stopping::Early,
            patience: DEFAULT_PATIENCE,
        }
    }
}

/// One modality's labelled rasters.
#[derive(Clone, Copy)]
pub struct Modality<'a> {
    /// Rasters.
    pub rasters: &'a [SpikeRaster],
    /// Labels.
    pub labels: &'a [usize],
}

/// The trained SRNN-CLIP's measured numbers.
#[derive(Clone, Debug)]
pub struct ClipResult {
    /// Zero-shot retrieval on the test samples.
    pub report: readout::ZeroShotReport,
    /// Epoch selected on the validation split.
    pub selected_epoch: usize,
    /// Epochs trained (fewer than `max_epochs` after an early stop).
    pub epochs: usize,
    /// Most epochs allowed.
    pub max_epochs: usize,
    /// The stopping rule.
    pub stopping: Stopping,
    /// Dense-equivalent training MACs over all epochs (one sample = one pair).
    pub training_macs: u64,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// The rasters of `idx`.
fn subset<'a>(m: Modality<'a>, idx: &[usize]) -> (Vec<&'a SpikeRaster>, Vec<usize>) {
    idx.iter().map(|&i| (&m.rasters[i], m.labels[i])).unzip()
}

/// Trains SRNN-CLIP on the seen digits' training pairs (a stratified
/// validation split of each modality held out) and runs the zero-shot
/// protocol on the test samples.
#[allow(clippy::too_many_arguments)]
pub fn train_clip(
    preset: &SrnnClipPreset,
    (train_img, train_aud): (Modality<'_>, Modality<'_>),
    (test_img, test_aud): (Modality<'_>, Modality<'_>),
    seen: &[usize],
    unseen: &[usize],
    classes: usize,
    ks: &[usize],
    seeds: Seeds,
) -> Result<ClipResult> {
    ensure!(
        preset.validation_fraction > 0.0 && preset.validation_fraction < 1.0,
        "srnn_clip.validation_fraction = {} must lie in (0, 1)",
        preset.validation_fraction
    );
    ensure!(
        preset.epochs != Some(0),
        "srnn_clip.epochs = 0: at least one epoch is needed"
    );
    ensure!(
        preset.patience >= 1,
        "srnn_clip.patience = 0: at least one epoch without improvement is needed"
    );
    let start = Instant::now();
    let mut params = baselines::SrnnClipParams::paper();
    if let Some(e) = preset.epochs {
        params.training.epochs = e;
    }
    params.training.patience = preset.stopping.patience(preset.patience);
    let max_epochs = params.training.epochs;
    let carve = |m: Modality<'_>, draw: Draw| {
        seeds::stratified_split(
            m.labels,
            preset.validation_fraction,
            1,
            &mut draw.rng(seeds),
        )
    };
    let (vi, ti) = carve(train_img, Draw::ClipImageValidation);
    let (va, ta) = carve(train_aud, Draw::ClipAudioValidation);
    let (tix, tiy) = subset(train_img, &ti);
    let (tax, tay) = subset(train_aud, &ta);
    let (vix, viy) = subset(train_img, &vi);
    let (vax, vay) = subset(train_aud, &va);
    let validation = (!vix.is_empty() && !vax.is_empty()).then_some(baselines::ClipValidation {
        images: LabeledSeqs {
            seqs: &vix,
            labels: &viy,
        },
        audio: LabeledSeqs {
            seqs: &vax,
            labels: &vay,
        },
    });
    let bar = crate::progress::bar(max_epochs as u64, "SRNN-CLIP epochs");
    let fit = baselines::SrnnClip::fit_with_observer(
        &params,
        LabeledSeqs {
            seqs: &tix,
            labels: &tiy,
        },
        LabeledSeqs {
            seqs: &tax,
            labels: &tay,
        },
        validation,
        classes,
        seeds,
        &mut |e| {
            bar.inc(1);
            tracing::info!(
                "SRNN-CLIP epoch {}/{max_epochs}: loss {:.4}, validation top-1 {}",
                e.epoch + 1,
                e.train_loss,
                e.validation_top1
                    .map_or_else(|| "-".to_owned(), |a| format!("{:.2} %", 100.0 * a))
            );
        },
    )
    .context("training SRNN-CLIP")?;
    bar.finish();
    let xi: Vec<&SpikeRaster> = test_img.rasters.iter().collect();
    let xa: Vec<&SpikeRaster> = test_aud.rasters.iter().collect();
    let report = fit.model.zero_shot_report(
        LabeledSeqs {
            seqs: &xi,
            labels: test_img.labels,
        },
        LabeledSeqs {
            seqs: &xa,
            labels: test_aud.labels,
        },
        seen,
        unseen,
        classes,
        ks,
    )?;
    Ok(ClipResult {
        report,
        selected_epoch: fit.selected_epoch,
        epochs: fit.history.len(),
        max_epochs,
        stopping: preset.stopping,
        training_macs: fit.counts.dense_op_counts().mac_fp32,
        seconds: start.elapsed().as_secs_f64(),
    })
}
