//! Fig. 4 of the paper: zero-shot audio-image retrieval. One LSM (one
//! formed macro: the image and audio partitions share the recurrent block)
//! encodes both modalities; two projections are trained with the
//! contrastive loss on digits 1-7 only; retrieval is evaluated on test
//! samples of the seen digits (1-7) and of the unseen digits (8, 9).

use param_guard::ParamGuard;
use std::sync::Arc;

use crate::error::{Context, Result, ensure};
use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{Macro, MacroParams};
use costmodel::paper::{
    InferenceRow, Task as CostTask, TrainingLayerRow, TrainingRow, inference_row, run_energy,
    training_layer_rows, training_rows,
};
use costmodel::{CrossbarMapping, DigitalBaseline, ReadGeometry, TableSet, TrainingConvention};
use events::{
    AudioBinning, AudioLabels, DataConfig, Dataset, EventSource, SpikeRaster, Split, VisionBinning,
};
use lsm::{
    DenseSynapses, Features, MacroSynapses, Reservoir, ReservoirParams, Synapses,
    analysis::{FiringStats, firing_stats},
    device_weights,
};
use nalgebra::DMatrix;
use readout::{
    ContrastiveModel, ContrastiveParams, CrossModalEmbedder, LabeledSet, ProtoNet, ProtoNetParams,
    Scaler, ScalingParams, ZeroShotReport, zero_shot_report,
};
use seeds::Seeds;
use serde::{Deserialize, Serialize};

use crate::baselines::{ClipResult, Modality, SrnnClipPreset, train_clip};
use crate::context::{Ctx, FigureOutput};
use crate::controls::{event_totals, time_binned};
use crate::report::{Report, Row, Summary, pct};
use crate::streams::{Draw, Stream};
use crate::supervised::{
    Analysis, analyse, cap_each_class, encode, per_sample_workload, rasters, snake, tech_tables,
};
use crate::zero_shot_checks::{self, ZeroShotControlSettings, ZeroShotControls};

/// One modality's encoder settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Encoder<B> {
    /// Events -> spike raster.
    pub binning: B,
    /// Macro partition of this modality's input rows (and the shared recurrent rows).
    pub partition: String,
    /// The reservoir's neurons for this modality.
    pub reservoir: ReservoirParams,
    /// Feature scaling before the projection.
    pub scaling: ScalingParams,
}

/// The zero-shot protocol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// Digits trained on.
    pub seen: Vec<usize>,
    /// Digits never trained on.
    pub unseen: Vec<usize>,
    /// Test samples per seen digit and modality (at most).
    pub test_per_class: usize,
    /// Test samples per unseen digit and modality (at most; absent: every
    /// test sample of the unseen digits, so the unseen-digit result rests
    /// on all the queries the data hold).
    #[serde(default)]
    pub unseen_test_per_class: Option<usize>,
    /// Training samples per seen digit (at most; the audio count, which the
    /// images are subsampled to).
    pub train_per_class: usize,
    /// Retrieval depths reported.
    pub ks: Vec<usize>,
}

impl Protocol {
    /// Checks the seen and unseen digits: non-empty, disjoint, 0-9.
    pub fn validate(&self) -> Result<()> {
        ensure!(
            !self.seen.is_empty() && !self.unseen.is_empty(),
            "protocol.seen and protocol.unseen must not be empty"
        );
        ensure!(
            self.seen.iter().all(|c| !self.unseen.contains(c)),
            "protocol.seen and protocol.unseen must be disjoint"
        );
        ensure!(
            self.seen.iter().chain(&self.unseen).all(|&c| c < 10),
            "protocol digits must be 0-9"
        );
        Ok(())
    }
}

/// The four datasets of the zero-shot protocol.
pub struct ZeroShotSplits<V: EventSource, A: EventSource> {
    /// Images of the seen digits for training.
    pub img_train: Dataset<V>,
    /// Audio of the seen digits for training.
    pub aud_train: Dataset<A>,
    /// Test images of every digit of the protocol.
    pub img_test: Dataset<V>,
    /// Test audio of every digit of the protocol.
    pub aud_test: Dataset<A>,
}

/// The zero-shot splits: per seen digit the audio training count (capped
/// by `train_per_class`), never more than the images available, both
/// modalities then holding that many; test samples of the seen digits
/// capped per digit by `test_per_class`, of the unseen digits by
/// `unseen_test_per_class` (default: all of them) (the `Draw::ZeroShot*`
/// streams). Every split must be
/// non-empty.
pub fn zero_shot_splits<V: EventSource, A: EventSource>(
    vision: &Dataset<V>,
    audio: &Dataset<A>,
    p: &Protocol,
    seeds: Seeds,
) -> Result<ZeroShotSplits<V, A>> {
    p.validate()?;
    let all: Vec<u16> = p.seen.iter().chain(&p.unseen).map(|&c| c as u16).collect();
    let seen16: Vec<u16> = p.seen.iter().map(|&c| c as u16).collect();
    let aud_all = audio.split(Split::Train).filter_classes(&seen16);
    let img_all = vision.split(Split::Train).filter_classes(&seen16);
    let images = img_all.class_counts();
    let counts = aud_all
        .class_counts()
        .into_iter()
        .map(|(c, n)| {
            (
                c,
                n.min(p.train_per_class)
                    .min(images.get(&c).copied().unwrap_or(0)),
            )
        })
        .collect();
    let test_cap = |c: u16| {
        if p.unseen.contains(&usize::from(c)) {
            p.unseen_test_per_class.unwrap_or(usize::MAX)
        } else {
            p.test_per_class
        }
    };
    let splits = ZeroShotSplits {
        aud_train: aud_all
            .subsample_to_counts(&counts, &mut Draw::ZeroShotAudioTrain.rng(seeds))?,
        img_train: img_all
            .subsample_to_counts(&counts, &mut Draw::ZeroShotImageTrain.rng(seeds))?,
        img_test: cap_each_class(
            &vision.split(Split::Test).filter_classes(&all),
            test_cap,
            seeds,
            Draw::ZeroShotImageTest,
        )?,
        aud_test: cap_each_class(
            &audio.split(Split::Test).filter_classes(&all),
            test_cap,
            seeds,
            Draw::ZeroShotAudioTest,
        )?,
    };
    for (what, n) in [
        ("image train", splits.img_train.len()),
        ("audio train", splits.aud_train.len()),
        ("image test", splits.img_test.len()),
        ("audio test", splits.aud_test.len()),
    ] {
        ensure!(n > 0, "the {what} split is empty");
    }
    Ok(splits)
}

/// Panel settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Panels {
    /// Test samples per modality embedded by t-SNE.
    pub tsne_samples: usize,
    /// t-SNE perplexity.
    pub tsne_perplexity: f64,
}

impl Default for Panels {
    fn default() -> Self {
        Self {
            tsne_samples: 400,
            tsne_perplexity: 30.0,
        }
    }
}

/// The preset of Fig. 4 (`data/presets/fig4.toml`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig4Preset {
    /// Experiment seed.
    pub seed: u64,
    /// Data of both modalities (audio labels must be `digits`).
    pub data: DataConfig,
    /// Seen and unseen digits, test sizes.
    pub protocol: Protocol,
    /// The image encoder.
    pub image: Encoder<VisionBinning>,
    /// The audio encoder.
    pub audio: Encoder<AudioBinning>,
    /// Device model.
    #[serde(default)]
    pub device: DeviceParams,
    /// Forming program.
    #[serde(default)]
    pub program: Program,
    /// The macro.
    #[serde(rename = "macro", default)]
    pub chip: MacroParams,
    /// The contrastive projections.
    pub contrastive: ContrastiveParams,
    /// The prototypical-network baseline on the same features.
    pub protonet: ProtoNetParams,
    /// The trained SRNN-CLIP baseline on the same rasters.
    #[serde(default)]
    pub srnn_clip: SrnnClipPreset,
    /// Panels.
    #[serde(default)]
    pub panels: Panels,
    /// The input-only controls.
    #[serde(default)]
    pub controls: ZeroShotControlSettings,
}

/// Paper numbers (percent): audio-search-image top-1, seen / unseen.
const PAPER_LSM_SOFTWARE: (f64, f64) = (66.1, 88.0);
const PAPER_LSM_HARDWARE: (f64, f64) = (67.42, 87.5);
const PAPER_SRNN_CLIP: (f64, f64) = (82.28, 74.0);

/// The paper's LSM audio-search-image top-1 accuracies, percent: (seen,
/// unseen) for software and for hardware.
pub fn paper_lsm() -> ((f64, f64), (f64, f64)) {
    (PAPER_LSM_SOFTWARE, PAPER_LSM_HARDWARE)
}
const PAPER_SRNN_PROTONET: (f64, f64) = (50.25, 82.14);

fn usize_labels(l: &[u16]) -> Vec<usize> {
    l.iter().map(|&x| usize::from(x)).collect()
}

/// Software weights of the audio reservoir that mirror the macro's layout:
/// the audio input rows are the first `n_in` image input rows and the
/// recurrent block is the image reservoir's, so one LSM serves both.
pub fn shared_audio_weights(
    image: &DenseSynapses<f32>,
    n_in_image: usize,
    n_in_audio: usize,
) -> Result<DenseSynapses<f32>> {
    let n_res = Synapses::<f32>::n_res(image);
    ensure!(
        n_in_audio <= n_in_image,
        "the audio inputs ({n_in_audio}) must fit in the image input rows ({n_in_image})"
    );
    let w = Synapses::<f32>::dense_weights(image);
    Ok(DenseSynapses::from_fn(n_in_audio, n_res, |r, c| {
        let row = if r < n_in_audio {
            r
        } else {
            n_in_image + (r - n_in_audio)
        };
        w[row * n_res + c]
    })?)
}

/// Scaled train and test features of one modality.
pub(crate) struct Scaled {
    /// Training features, scaled by the scaler fitted on them.
    pub(crate) train: DMatrix<f64>,
    /// Test features, scaled by the same scaler.
    pub(crate) test: DMatrix<f64>,
}

fn scale(params: &ScalingParams, train: &DMatrix<f64>, test: &DMatrix<f64>) -> Result<Scaled> {
    let (scaler, train) = Scaler::fit_transform(params, train)?;
    Ok(Scaled {
        train,
        test: scaler.transform(test)?,
    })
}

/// Everything the panels of Fig. 4 show.
#[derive(Debug)]
pub struct Fig4Panels {
    /// t-SNE of projected test embeddings: images first, then audio.
    pub embedding: DMatrix<f64>,
    /// Digit of each embedded sample.
    pub labels: Vec<usize>,
    /// Rows before this index are images, the rest audio.
    pub modality_split: usize,
    /// The unseen digits.
    pub unseen: Vec<usize>,
    /// Retrieval with the software LSM's projections.
    pub software: ZeroShotReport,
    /// Retrieval with the hardware LSM's projections.
    pub hardware: ZeroShotReport,
    /// Retrieval with the prototypical baseline.
    pub protonet: ZeroShotReport,
    /// Retrieval with the trained SRNN-CLIP baseline, if it ran.
    pub srnn_clip: Option<ZeroShotReport>,
    /// Training cost rows of the zero-shot task.
    pub training: Vec<TrainingRow>,
}

/// Digits 0-9: the classes of both modalities.
const CLASSES: usize = 10;

/// Runs Fig. 4: open and split the data, bin it, encode it on both
/// reservoirs, fit the projections and the baselines, embed, price, and
/// summarise.
pub fn run(ctx: &mut Ctx<'_>) -> Result<FigureOutput<Fig4Panels>> {
    let preset = load_preset(ctx)?;
    let seeds = Seeds::new(preset.seed);
    let source = preset.data.source.kind().to_owned();
    let resolved = serde_json::to_value(&preset)?;
    let data = prepare(ctx, &preset, seeds)?;
    let lsm = reservoirs(ctx, &preset, seeds)?;
    let sw = ctx.stages.run("reservoir (software)", || {
        encode_all(&lsm.sw_image, &lsm.sw_audio, &data, seeds, "software")
    })?;
    let hw = ctx.stages.run("reservoir (hardware)", || {
        encode_all(&lsm.hw_image, &lsm.hw_audio, &data, seeds, "hardware")
    })?;
    let software = ctx.stages.run("projections (software)", || {
        fit_projections(&preset, &data, &sw, seeds)
    })?;
    let hardware = ctx.stages.run("projections (hardware)", || {
        fit_projections(&preset, &data, &hw, seeds)
    })?;
    let centred = ctx
        .stages
        .run("transductive centring (labelled diagnostic)", || {
            Ok(zero_shot_checks::Centred {
                software: centred_retrieval(&preset.protocol, &data, &software)?,
                hardware: centred_retrieval(&preset.protocol, &data, &hardware)?,
            })
        })?;
    let controls = ctx.stages.run("input-only controls", || {
        fit_controls(&preset, &data, seeds)
    })?;
    let protonet = ctx.stages.run("prototypical baseline", || {
        fit_protonet(&preset, &data, &software, seeds)
    })?;
    let analysis = ctx.stages.run("reservoir analysis", || {
        let (si, sa) = analyse_backend(&lsm.sw_image, &lsm.sw_audio, &sw, &data)?;
        let (hi, ha) = analyse_backend(&lsm.hw_image, &lsm.hw_audio, &hw, &data)?;
        Ok(Fig4Analysis {
            image: (si, hi),
            audio: (sa, ha),
        })
    })?;
    let srnn_clip = run_srnn_clip(ctx, &preset, &data, seeds)?;
    let tsne = ctx.stages.run("t-SNE", || embed(&preset, &software))?;
    let costs = ctx.stages.run("costs", || costs(&preset, &sw))?;
    let outcome = Outcome {
        analysis,
        controls,
        centred,
        software,
        hardware: hardware.report,
        protonet,
        srnn_clip,
        costs,
    };
    let p = &preset.protocol;
    let summary = summarise(&source, &data, p, &outcome);
    let report = report(&source, &data, p, &outcome);
    let panels = Fig4Panels {
        embedding: tsne.points,
        labels: data.y_img_test[..tsne.images]
            .iter()
            .chain(&data.y_aud_test[..tsne.audio])
            .copied()
            .collect(),
        modality_split: tsne.images,
        unseen: p.unseen.clone(),
        software: outcome.software.report,
        hardware: outcome.hardware,
        protonet: outcome.protonet.report,
        srnn_clip: outcome.srnn_clip.map(|c| c.report),
        training: outcome.costs.training,
    };
    Ok(FigureOutput {
        summary,
        report,
        resolved,
        seed: preset.seed,
        data_source: source,
        panels,
        stages: ctx.finish(),
    })
}

/// Loads the preset and checks it: data, binnings, reservoirs, digit
/// labels and the protocol.
fn load_preset(ctx: &mut Ctx<'_>) -> Result<Fig4Preset> {
    let (preset, path) = ctx.preset::<Fig4Preset>(Some("data"))?;
    let at = |table: &str| format!("preset {}: [{table}]", path.display());
    preset.data.validate().with_context(|| at("data"))?;
    preset
        .image
        .binning
        .validate()
        .with_context(|| at("image.binning"))?;
    preset
        .audio
        .binning
        .validate()
        .with_context(|| at("audio.binning"))?;
    preset
        .image
        .reservoir
        .validate()
        .with_context(|| at("image.reservoir"))?;
    preset
        .audio
        .reservoir
        .validate()
        .with_context(|| at("audio.reservoir"))?;
    ensure!(
        preset.data.audio_labels == AudioLabels::Digits,
        "Fig. 4 pairs spoken and written digits by value: set data.audio_labels = \"digits\""
    );
    preset.protocol.validate()?;
    Ok(preset)
}

/// Rasters and labels of the four zero-shot splits.
pub(crate) struct ZeroShotData {
    /// Training image rasters (seen digits).
    pub(crate) img_train: Vec<SpikeRaster>,
    /// Test image rasters (every digit of the protocol).
    pub(crate) img_test: Vec<SpikeRaster>,
    /// Training audio rasters (seen digits).
    pub(crate) aud_train: Vec<SpikeRaster>,
    /// Test audio rasters (every digit of the protocol).
    pub(crate) aud_test: Vec<SpikeRaster>,
    /// Digits of the training images.
    pub(crate) y_img_train: Vec<usize>,
    /// Digits of the test images.
    pub(crate) y_img_test: Vec<usize>,
    /// Digits of the training audio.
    pub(crate) y_aud_train: Vec<usize>,
    /// Digits of the test audio.
    pub(crate) y_aud_test: Vec<usize>,
}

/// Opens both modalities, draws the zero-shot splits (training on seen
/// digits, N-MNIST subsampled to the audio count per class; test samples
/// of every digit of the protocol) and bins every sample.
fn prepare(ctx: &mut Ctx<'_>, preset: &Fig4Preset, seeds: Seeds) -> Result<ZeroShotData> {
    let p = &preset.protocol;
    let (vision, audio) = ctx.stages.run("open data", || {
        Ok((preset.data.vision(seeds)?, preset.data.audio(seeds)?))
    })?;
    let splits = ctx
        .stages
        .run("split", || zero_shot_splits(&vision, &audio, p, seeds))?;
    tracing::info!(
        "zero-shot data: {} image / {} audio training samples (digits {:?}), {} image / {} audio test samples",
        splits.img_train.len(),
        splits.aud_train.len(),
        p.seen,
        splits.img_test.len(),
        splits.aud_test.len()
    );
    let (ib, ab) = (&preset.image.binning, &preset.audio.binning);
    ctx.stages.run("bin events", || {
        Ok(ZeroShotData {
            img_train: rasters(&splits.img_train, ib, "binning image train")?,
            img_test: rasters(&splits.img_test, ib, "binning image test")?,
            aud_train: rasters(&splits.aud_train, ab, "binning audio train")?,
            aud_test: rasters(&splits.aud_test, ab, "binning audio test")?,
            y_img_train: usize_labels(splits.img_train.labels()),
            y_img_test: usize_labels(splits.img_test.labels()),
            y_aud_train: usize_labels(splits.aud_train.labels()),
            y_aud_test: usize_labels(splits.aud_test.labels()),
        })
    })
}

/// The four reservoirs of one LSM: the image and audio partitions of one
/// macro ("hardware") and software weights from the device model with the
/// same sharing of the recurrent block.
struct Reservoirs {
    sw_image: Reservoir<f32, DenseSynapses<f32>>,
    sw_audio: Reservoir<f32, DenseSynapses<f32>>,
    hw_image: Reservoir<f32, MacroSynapses>,
    hw_audio: Reservoir<f32, MacroSynapses>,
}

/// Forms the macro and builds both modalities' reservoirs on it and on
/// the device model's software weights.
fn reservoirs(ctx: &mut Ctx<'_>, preset: &Fig4Preset, seeds: Seeds) -> Result<Reservoirs> {
    let (img_ir, aud_ir) = (&preset.image.reservoir, &preset.audio.reservoir);
    ensure!(
        img_ir.n_res == aud_ir.n_res,
        "the two modalities share one reservoir: n_res must agree"
    );
    let chip = ctx.stages.run("form the macro", || {
        Ok(Arc::new(
            Macro::program(&preset.chip, &preset.device, &preset.program, seeds)
                .context("forming the macro")?,
        ))
    })?;
    let sw_img_w = device_weights::<f32>(
        img_ir.n_in,
        img_ir.n_res,
        &preset.device,
        &preset.program,
        &preset.chip.weights,
        seeds,
    )?;
    let sw_aud_w = shared_audio_weights(&sw_img_w, img_ir.n_in, aud_ir.n_in)?;
    Ok(Reservoirs {
        sw_image: Reservoir::new(img_ir.clone(), sw_img_w)?,
        sw_audio: Reservoir::new(aud_ir.clone(), sw_aud_w)?,
        hw_image: Reservoir::new(
            img_ir.clone(),
            MacroSynapses::new(chip.clone(), &preset.image.partition, img_ir.n_in)?,
        )?,
        hw_audio: Reservoir::new(
            aud_ir.clone(),
            MacroSynapses::new(chip, &preset.audio.partition, aud_ir.n_in)?,
        )?,
    })
}

/// Encodes the four splits on one backend's image and audio reservoirs,
/// each split with its own [`Stream`] of read-noise keys; the features
/// are in [`Stream::ZERO_SHOT`] order.
fn encode_all<S: Synapses<f32>>(
    image: &Reservoir<f32, S>,
    audio: &Reservoir<f32, S>,
    d: &ZeroShotData,
    seeds: Seeds,
    backend: &str,
) -> Result<[Features; 4]> {
    let opt = |s: Stream| s.options(seeds);
    Ok([
        encode(
            image,
            &d.img_train,
            opt(Stream::TrainImages),
            &format!("{backend} image train"),
        )?,
        encode(
            image,
            &d.img_test,
            opt(Stream::TestImages),
            &format!("{backend} image test"),
        )?,
        encode(
            audio,
            &d.aud_train,
            opt(Stream::TrainAudio),
            &format!("{backend} audio train"),
        )?,
        encode(
            audio,
            &d.aud_test,
            opt(Stream::TestAudio),
            &format!("{backend} audio test"),
        )?,
    ])
}

/// A reservoir's analysis metrics and firing statistics on its test
/// features.
type Measures = (Analysis, FiringStats);

/// The reservoir analysis of both modalities, software and hardware.
struct Fig4Analysis {
    /// Image reservoir: software, hardware.
    image: (Measures, Measures),
    /// Audio reservoir: software, hardware.
    audio: (Measures, Measures),
}

/// One backend's image and audio reservoirs measured on their test
/// features (`f` in [`Stream::ZERO_SHOT`] order).
fn analyse_backend<S: Synapses<f32>>(
    image: &Reservoir<f32, S>,
    audio: &Reservoir<f32, S>,
    f: &[Features; 4],
    d: &ZeroShotData,
) -> Result<(Measures, Measures)> {
    Ok((
        (analyse(image, &f[1], &d.y_img_test)?, firing_stats(&f[1])),
        (analyse(audio, &f[3], &d.y_aud_test)?, firing_stats(&f[3])),
    ))
}

/// Zero-shot retrieval of `model` on the scaled test features.
fn evaluate(
    p: &Protocol,
    d: &ZeroShotData,
    model: &dyn CrossModalEmbedder,
    img: &DMatrix<f64>,
    aud: &DMatrix<f64>,
) -> Result<ZeroShotReport> {
    Ok(zero_shot_report(
        model,
        LabeledSet {
            features: img,
            labels: &d.y_img_test,
        },
        LabeledSet {
            features: aud,
            labels: &d.y_aud_test,
        },
        &p.seen,
        &p.unseen,
        CLASSES,
        &p.ks,
    )?)
}

/// Retrieval with `proj`'s projections and each modality's test embeddings
/// centred on their own mean ([`readout::BatchCentred`], transductive).
fn centred_retrieval(p: &Protocol, d: &ZeroShotData, proj: &Projections) -> Result<ZeroShotReport> {
    evaluate(
        p,
        d,
        &readout::BatchCentred(&proj.model),
        &proj.img.test,
        &proj.aud.test,
    )
}

/// The contrastive projections of one backend and their retrieval.
pub(crate) struct Projections {
    /// The trained projections.
    pub(crate) model: ContrastiveModel,
    /// Retrieval on the test samples.
    pub(crate) report: ZeroShotReport,
    /// Training MACs of the projections, total.
    pub(crate) macs: f64,
    /// The scaled image features.
    pub(crate) img: Scaled,
    /// The scaled audio features.
    pub(crate) aud: Scaled,
}

/// Scales each modality's features (fitted on its training split), trains
/// the contrastive projections on the seen digits and evaluates retrieval;
/// `f` is in [`Stream::ZERO_SHOT`] order.
pub(crate) fn fit_projections(
    preset: &Fig4Preset,
    d: &ZeroShotData,
    f: &[Features; 4],
    seeds: Seeds,
) -> Result<Projections> {
    fit_projections_on(preset, d, f.each_ref().map(Features::to_matrix), seeds)
}

/// [`fit_projections`] on any features of the four splits (samples x
/// features, in [`Stream::ZERO_SHOT`] order): the reservoir's or an
/// input-only control's.
pub(crate) fn fit_projections_on(
    preset: &Fig4Preset,
    d: &ZeroShotData,
    f: [DMatrix<f64>; 4],
    seeds: Seeds,
) -> Result<Projections> {
    let img = scale(&preset.image.scaling, &f[0], &f[1])?;
    let aud = scale(&preset.audio.scaling, &f[2], &f[3])?;
    let fit = ContrastiveModel::fit(
        &preset.contrastive,
        &img.train,
        &d.y_img_train,
        &aud.train,
        &d.y_aud_train,
        CLASSES,
        seeds,
    )?;
    let report = evaluate(&preset.protocol, d, &fit.model, &img.test, &aud.test)?;
    Ok(Projections {
        model: fit.model,
        report,
        macs: fit.cost.op_counts().mac_fp32 as f64,
        img,
        aud,
    })
}

/// Trains the contrastive projections on both controls' features of the
/// zero-shot splits and evaluates their retrieval.
fn fit_controls(preset: &Fig4Preset, d: &ZeroShotData, seeds: Seeds) -> Result<ZeroShotControls> {
    let settings = preset.controls.clone();
    ensure!(
        settings.time_bins >= 1,
        "invalid parameter `controls.time_bins` = {}: must be >= 1",
        settings.time_bins
    );
    let (ci, ca) = (preset.image.reservoir.n_in, preset.audio.reservoir.n_in);
    let totals = fit_projections_on(
        preset,
        d,
        [
            event_totals(&d.img_train, ci),
            event_totals(&d.img_test, ci),
            event_totals(&d.aud_train, ca),
            event_totals(&d.aud_test, ca),
        ],
        seeds,
    )?;
    let k = settings.time_bins;
    let binned = fit_projections_on(
        preset,
        d,
        [
            time_binned(&d.img_train, ci, k),
            time_binned(&d.img_test, ci, k),
            time_binned(&d.aud_train, ca, k),
            time_binned(&d.aud_test, ca, k),
        ],
        seeds,
    )?;
    Ok(ZeroShotControls {
        settings,
        totals: totals.report,
        binned: binned.report,
    })
}

/// The prototypical baseline's retrieval and training MACs.
struct ProtoNetResult {
    report: ZeroShotReport,
    macs: f64,
}

/// Trains the prototypical network on the software LSM's scaled features.
fn fit_protonet(
    preset: &Fig4Preset,
    d: &ZeroShotData,
    sw: &Projections,
    seeds: Seeds,
) -> Result<ProtoNetResult> {
    let fit = ProtoNet::fit(
        &preset.protonet,
        &sw.img.train,
        &d.y_img_train,
        &sw.aud.train,
        &d.y_aud_train,
        CLASSES,
        seeds,
    )?;
    let report = evaluate(
        &preset.protocol,
        d,
        &fit.model as &ProtoNet,
        &sw.img.test,
        &sw.aud.test,
    )?;
    Ok(ProtoNetResult {
        report,
        macs: fit.cost.op_counts().mac_fp32 as f64,
    })
}

/// Trains the SRNN-CLIP baseline on the same rasters and splits, if the
/// preset enables it.
fn run_srnn_clip(
    ctx: &mut Ctx<'_>,
    preset: &Fig4Preset,
    d: &ZeroShotData,
    seeds: Seeds,
) -> Result<Option<ClipResult>> {
    if !preset.srnn_clip.enabled {
        return Ok(None);
    }
    let p = &preset.protocol;
    let m = |rasters, labels| Modality { rasters, labels };
    let r = ctx.stages.run("baseline SRNN-CLIP", || {
        train_clip(
            &preset.srnn_clip,
            (
                m(&d.img_train, &d.y_img_train),
                m(&d.aud_train, &d.y_aud_train),
            ),
            (m(&d.img_test, &d.y_img_test), m(&d.aud_test, &d.y_aud_test)),
            &p.seen,
            &p.unseen,
            CLASSES,
            &p.ks,
            seeds,
        )
    })?;
    tracing::info!(
        "SRNN-CLIP: audio-search-image top-1 {:.2} % seen, {:.2} % unseen ({:.1} s)",
        100.0 * r.report.seen.audio_to_image.top1(),
        100.0 * r.report.unseen.audio_to_image.top1(),
        r.seconds
    );
    Ok(Some(r))
}

/// The t-SNE of the first projected test embeddings of both modalities.
struct Embedding {
    /// Images first, then audio.
    points: DMatrix<f64>,
    /// Embedded images.
    images: usize,
    /// Embedded audio samples.
    audio: usize,
}

/// Embeds the first `panels.tsne_samples` test samples of each modality
/// with the software projections and runs t-SNE on them together.
fn embed(preset: &Fig4Preset, sw: &Projections) -> Result<Embedding> {
    let (n_i, n_a) = (
        preset.panels.tsne_samples.min(sw.img.test.nrows()),
        preset.panels.tsne_samples.min(sw.aud.test.nrows()),
    );
    let ei = sw
        .model
        .embed_image(&sw.img.test.rows(0, n_i).into_owned())?;
    let ea = sw
        .model
        .embed_audio(&sw.aud.test.rows(0, n_a).into_owned())?;
    let both = DMatrix::from_fn(n_i + n_a, ei.ncols(), |r, c| {
        if r < n_i {
            ei[(r, c)]
        } else {
            ea[(r - n_i, c)]
        }
    });
    let perplexity = preset
        .panels
        .tsne_perplexity
        .min(((n_i + n_a).max(2) - 1) as f64 / 3.0);
    Ok(Embedding {
        points: readout::tsne(&both, 2, perplexity, preset.seed)?,
        images: n_i,
        audio: n_a,
    })
}

/// Training and inference costs of the zero-shot task.
struct Fig4Costs {
    /// Training cost rows (paper convention).
    training: Vec<TrainingRow>,
    /// The same costs per model and layer.
    training_layers: Vec<TrainingLayerRow>,
    /// Counted inference energy per test image: digital, hybrid (joules).
    image: (f64, f64),
    /// Counted inference energy per test audio sample: digital, hybrid (joules).
    audio: (f64, f64),
    /// The dense estimate per image + audio pair.
    dense: InferenceRow,
}

/// Prices training (paper convention) and inference per image and audio
/// sample of the software run's test encodings.
fn costs(preset: &Fig4Preset, sw: &[Features; 4]) -> Result<Fig4Costs> {
    let (pc, bc) = (TrainingConvention::paper(), TrainingConvention::backprop());
    let training = training_rows(CostTask::ZeroShot, &pc, &bc);
    let tables = tech_tables(TableSet::Literature)?;
    let (baseline, mapping) = (DigitalBaseline::default(), CrossbarMapping::default());
    let dim = preset.contrastive.embedding_dim;
    let per = |f: &Features| -> Result<(f64, f64)> {
        let w = per_sample_workload(&f.ops, f.samples, f.n_res, dim);
        let geo = ReadGeometry {
            columns: f.n_res as u64,
            steps: u64::from(f.steps.first().copied().unwrap_or(0)),
        };
        let e = run_energy(&w, TableSet::Literature, &tables, &baseline, &mapping, geo)?;
        Ok((e.digital.total.total_j(), e.hybrid.total.total_j()))
    };
    let image = per(&sw[1])?;
    let audio = per(&sw[3])?;
    let dense = inference_row(
        CostTask::ZeroShot,
        TableSet::Literature,
        &tables,
        &baseline,
        &mapping,
    )?;
    Ok(Fig4Costs {
        training,
        training_layers: training_layer_rows(CostTask::ZeroShot, &pc, &bc),
        image,
        audio,
        dense,
    })
}

/// What the run measured, for the summary, the report and the panels.
struct Outcome {
    analysis: Fig4Analysis,
    controls: ZeroShotControls,
    centred: zero_shot_checks::Centred,
    software: Projections,
    hardware: ZeroShotReport,
    protonet: ProtoNetResult,
    srnn_clip: Option<ClipResult>,
    costs: Fig4Costs,
}

/// Audio-search-image top-1 accuracy, seen and unseen digits, percent.
fn a2i(z: &ZeroShotReport) -> (f64, f64) {
    (
        100.0 * z.seen.audio_to_image.top1(),
        100.0 * z.unseen.audio_to_image.top1(),
    )
}

/// The flat numbers of `summary.json`.
fn summarise(source: &str, d: &ZeroShotData, p: &Protocol, o: &Outcome) -> Summary {
    let mut s = Summary::default();
    s.text("data_source", source);
    s.int("train_image_samples", d.y_img_train.len() as u64);
    s.int("train_audio_samples", d.y_aud_train.len() as u64);
    s.int("test_image_samples", d.y_img_test.len() as u64);
    s.int("test_audio_samples", d.y_aud_test.len() as u64);
    let mut measured = vec![
        ("software", &o.software.report),
        ("hardware", &o.hardware),
        ("protonet", &o.protonet.report),
    ];
    if let Some(c) = &o.srnn_clip {
        measured.push(("srnn_clip", &c.report));
        s.int("srnn_clip_epochs", c.epochs as u64);
        s.int("srnn_clip_max_epochs", c.max_epochs as u64);
        s.text("srnn_clip_stopping", c.stopping.name());
        s.int("srnn_clip_selected_epoch", c.selected_epoch as u64);
        s.num("srnn_clip_training_macs_total", c.training_macs as f64);
    }
    for (tag, z) in &measured {
        retrieval_depths(tag, z, &mut s);
    }
    for (tag, z) in &measured[..2] {
        collapse_keys(tag, z, &mut s);
    }
    analysis_keys(&o.analysis, &mut s);
    zero_shot_checks::summarise(&o.software.report, &o.hardware, &o.controls, &mut s);
    zero_shot_checks::centred_summarise((&o.software.report, &o.hardware), &o.centred, &mut s);
    for (tag, z) in measured {
        let (seen, unseen) = a2i(z);
        s.num(&format!("a2i_seen_{tag}"), seen);
        s.num(&format!("a2i_unseen_{tag}"), unseen);
        s.num(
            &format!("i2a_seen_{tag}"),
            100.0 * z.seen.image_to_audio.top1(),
        );
        s.num(
            &format!("i2a_unseen_{tag}"),
            100.0 * z.unseen.image_to_audio.top1(),
        );
    }
    s.num("chance_seen", 100.0 / p.seen.len() as f64);
    s.num("chance_unseen", 100.0 / p.unseen.len() as f64);
    s.num("projection_training_macs_total", o.software.macs);
    s.num("protonet_training_macs_total", o.protonet.macs);
    let c = &o.costs;
    crate::training_cost::summarise(&c.training_layers, &mut s);
    for r in &c.training {
        s.num(&format!("training_macs_{}", snake(&r.model)), r.cost);
        if let Some(pr) = r.paper_ratio {
            s.num(&format!("mac_ratio_{}_ours", snake(&r.model)), r.ratio);
            s.num(&format!("mac_ratio_{}_paper", snake(&r.model)), pr);
        }
    }
    s.num("energy_image_counted_digital_uj", c.image.0 * 1e6);
    s.num("energy_image_counted_hybrid_uj", c.image.1 * 1e6);
    s.num("energy_audio_counted_digital_uj", c.audio.0 * 1e6);
    s.num("energy_audio_counted_hybrid_uj", c.audio.1 * 1e6);
    s.num("energy_dense_digital_uj", c.dense.digital_j * 1e6);
    s.num("energy_dense_hybrid_uj", c.dense.hybrid_j * 1e6);
    s.num("energy_dense_ratio", c.dense.ratio);
    s
}

/// Top-k beyond top-1 (`a2i_seen_<model>_top3`, ...) for every evaluated
/// depth, both directions, seen and unseen digits.
fn retrieval_depths(tag: &str, z: &ZeroShotReport, s: &mut Summary) {
    for (set, b) in [("seen", &z.seen), ("unseen", &z.unseen)] {
        for (dir, r) in [("a2i", &b.audio_to_image), ("i2a", &b.image_to_audio)] {
            for (&k, &acc) in r.ks.iter().zip(&r.top_k) {
                if k != 1 {
                    s.num(&format!("{dir}_{set}_{tag}_top{k}"), 100.0 * acc);
                }
            }
        }
    }
}

/// The collapse diagnostic of one model: per direction and digit set the
/// share of queries retrieving the most retrieved digit, that digit, the
/// share a perfect retrieval would give, and how many queries retrieved
/// each digit of the set.
fn collapse_keys(tag: &str, z: &ZeroShotReport, s: &mut Summary) {
    for (set, b, classes) in [
        ("seen", &z.seen, &z.seen_classes),
        ("unseen", &z.unseen, &z.unseen_classes),
    ] {
        for (dir, r) in [("a2i", &b.audio_to_image), ("i2a", &b.image_to_audio)] {
            let Some(c) = r.collapse() else { continue };
            let key = format!("{dir}_{set}_{tag}");
            s.num(&format!("{key}_collapse_share"), 100.0 * c.share);
            s.int(&format!("{key}_collapse_digit"), c.class as u64);
            s.num(
                &format!("{key}_collapse_share_perfect"),
                100.0 * c.largest_query_class,
            );
            let counts = r.retrieved_counts();
            for &d in classes.iter() {
                s.int(&format!("{key}_retrieved_{d}"), counts[d]);
            }
            if let Some(h) = r.hubness() {
                s.num(&format!("{key}_hub_share"), 100.0 * h.share);
                s.int(
                    &format!("{key}_hub_distinct_items"),
                    h.distinct_items as u64,
                );
                s.int(&format!("{key}_gallery_items"), h.n_gallery as u64);
            }
        }
    }
}

/// Reservoir analysis of both modalities on both backends.
fn analysis_keys(a: &Fig4Analysis, s: &mut Summary) {
    for (name, x) in [
        ("image_software", &a.image.0),
        ("image_hardware", &a.image.1),
        ("audio_software", &a.audio.0),
        ("audio_hardware", &a.audio.1),
    ] {
        s.num(&format!("spectral_radius_{name}"), x.0.spectral_radius);
        s.num(&format!("separation_ratio_{name}"), x.0.separation_ratio);
        s.int(&format!("kernel_rank_{name}"), x.0.kernel_rank as u64);
        s.num(&format!("mean_rate_{name}"), x.1.mean_rate);
        s.num(&format!("silent_fraction_{name}"), x.1.silent_fraction);
    }
}

/// `report.md`: our numbers beside the paper's.
fn report(source: &str, d: &ZeroShotData, p: &Protocol, o: &Outcome) -> Report {
    let mut report = Report {
        title: "Fig. 4: zero-shot audio-image retrieval with one RRAM liquid state machine".into(),
        data_source: format!(
            "{source}, {} image / {} audio training samples of digits {:?}, {} image / {} audio test samples",
            d.y_img_train.len(),
            d.y_aud_train.len(),
            p.seen,
            d.y_img_test.len(),
            d.y_aud_test.len()
        ),
        ..Report::default()
    };
    lsm_rows(p, o, &mut report.rows);
    zero_shot_checks::report_rows(
        &o.software.report,
        &o.hardware,
        &o.controls,
        &mut report.rows,
    );
    collapse_rows(o, &mut report.rows);
    zero_shot_checks::centred_rows(
        (&o.software.report, &o.hardware),
        &o.centred,
        &mut report.rows,
    );
    baseline_rows(o, &mut report.rows);
    cost_rows(&o.costs, &mut report.rows);
    let a = &o.analysis;
    let words = |(x, f): &Measures| {
        format!(
            "spectral radius {:.3}, separation ratio {:.3}, kernel rank {}, mean rate {:.4}, silent {:.1} %",
            x.spectral_radius,
            x.separation_ratio,
            x.kernel_rank,
            f.mean_rate,
            100.0 * f.silent_fraction
        )
    };
    report.notes.push(format!(
        "Reservoir analysis on the test samples. Image, software: {}; hardware: {}. Audio, software: {}; hardware: {}.",
        words(&a.image.0),
        words(&a.image.1),
        words(&a.audio.0),
        words(&a.audio.1)
    ));
    report
}

/// The collapse diagnostic of the LSM's retrieval: per backend, direction
/// and digit set, which digit most queries retrieve and how often, beside
/// what a perfect retrieval gives; with the top-3 accuracy.
fn collapse_rows(o: &Outcome, rows: &mut Vec<Row>) {
    for (backend, z) in [("software", &o.software.report), ("hardware", &o.hardware)] {
        for (set, b, classes) in [
            ("seen", &z.seen, &z.seen_classes),
            ("unseen", &z.unseen, &z.unseen_classes),
        ] {
            for (dir, r) in [
                ("audio-search-image", &b.audio_to_image),
                ("image-search-audio", &b.image_to_audio),
            ] {
                let Some(c) = r.collapse() else { continue };
                let counts = r.retrieved_counts();
                let spread = classes
                    .iter()
                    .map(|&d| format!("{d}: {}", counts[d]))
                    .collect::<Vec<_>>()
                    .join(", ");
                let top3 = r
                    .at(3)
                    .map_or_else(String::new, |t| format!("; top-3 {}", pct(100.0 * t)));
                rows.push(Row::new(
                    &format!("collapse diagnostic, {dir}, {set} digits, LSM {backend}"),
                    format!(
                        "{:.1} % of {} queries retrieve digit {}",
                        100.0 * c.share,
                        r.n_queries,
                        c.class
                    ),
                    "-",
                    &format!(
                        "a perfect retrieval gives {:.1} %, balanced chance {:.1} %; top-1 retrieved per digit: {spread}{top3}{}",
                        100.0 * c.largest_query_class,
                        100.0 * c.chance,
                        r.hubness().map_or_else(String::new, |h| format!(
                            "; hubness: {:.1} % of queries retrieve one gallery item, {} of {} items are some query's nearest",
                            100.0 * h.share,
                            h.distinct_items,
                            h.n_gallery
                        ))
                    ),
                ));
            }
        }
    }
}

/// The LSM's retrieval rows, software and hardware.
fn lsm_rows(p: &Protocol, o: &Outcome, rows: &mut Vec<Row>) {
    let row = |name: &str, ours: f64, paper: f64, chance: f64| {
        Row::new(
            name,
            pct(ours),
            &pct(paper),
            &format!("{:+.2} points; chance is {:.1} %", ours - paper, chance),
        )
    };
    let (cs, cu) = (100.0 / p.seen.len() as f64, 100.0 / p.unseen.len() as f64);
    let zs_sw = &o.software.report;
    let (sw_s, sw_u) = a2i(zs_sw);
    let (hw_s, hw_u) = a2i(&o.hardware);
    rows.push(row(
        "audio-search-image top-1, seen digits, LSM software",
        sw_s,
        PAPER_LSM_SOFTWARE.0,
        cs,
    ));
    rows.push(row(
        "audio-search-image top-1, unseen digits, LSM software",
        sw_u,
        PAPER_LSM_SOFTWARE.1,
        cu,
    ));
    rows.push(row(
        "audio-search-image top-1, seen digits, LSM hardware",
        hw_s,
        PAPER_LSM_HARDWARE.0,
        cs,
    ));
    rows.push(row(
        "audio-search-image top-1, unseen digits, LSM hardware",
        hw_u,
        PAPER_LSM_HARDWARE.1,
        cu,
    ));
    rows.push(Row::new(
        "image-search-audio top-1, seen / unseen, LSM software",
        format!(
            "{} / {}",
            pct(100.0 * zs_sw.seen.image_to_audio.top1()),
            pct(100.0 * zs_sw.unseen.image_to_audio.top1())
        ),
        "-",
        "the paper reports this direction in a figure only",
    ));
}

/// The baselines' retrieval rows: the prototypical network and SRNN-CLIP.
fn baseline_rows(o: &Outcome, rows: &mut Vec<Row>) {
    let (pr_s, pr_u) = a2i(&o.protonet.report);
    rows.push(Row::new(
        "audio-search-image top-1, seen / unseen, prototypical network",
        format!("{} / {}", pct(pr_s), pct(pr_u)),
        &format!("{} / {} (SRNN-ProtoNet)", pct(PAPER_SRNN_PROTONET.0), pct(PAPER_SRNN_PROTONET.1)),
        "ours trains the prototypical loss on the LSM features (a linear backbone per modality); the paper's backbone is a trained SRNN",
    ));
    let paper_clip = format!("{} / {}", pct(PAPER_SRNN_CLIP.0), pct(PAPER_SRNN_CLIP.1));
    let (_, sw_u) = a2i(&o.software.report);
    rows.push(match &o.srnn_clip {
        Some(c) => {
            let (cs_, cu_) = a2i(&c.report);
            Row::new(
                "audio-search-image top-1, seen / unseen, SRNN-CLIP (trained baseline, same rasters and splits)",
                format!("{} / {}", pct(cs_), pct(cu_)),
                &paper_clip,
                &format!(
                    "{:+.2} / {:+.2} points; {} of at most {} epochs ({}; epoch {} selected on validation); LSM software minus SRNN-CLIP on unseen digits: {:+.2} points here, {:+.2} in the paper",
                    cs_ - PAPER_SRNN_CLIP.0,
                    cu_ - PAPER_SRNN_CLIP.1,
                    c.epochs,
                    c.max_epochs,
                    c.stopping.name(),
                    c.selected_epoch + 1,
                    sw_u - cu_,
                    PAPER_LSM_SOFTWARE.1 - PAPER_SRNN_CLIP.1
                ),
            )
        }
        None => Row::new(
            "audio-search-image top-1, seen / unseen, SRNN-CLIP",
            "not run".into(),
            &paper_clip,
            "disabled in the preset's [srnn_clip]; no number is invented",
        ),
    });
}

/// The training-MAC ratios and the inference energies.
fn cost_rows(c: &Fig4Costs, rows: &mut Vec<Row>) {
    crate::training_cost::report_rows(&c.training_layers, rows);
    for r in &c.training {
        if let Some(pr) = r.paper_ratio {
            rows.push(Row::new(
                &format!("training MACs, {} / LSM projections (per pair)", r.model),
                format!("{:.2}x", r.ratio),
                &format!("{pr:.2}x"),
                &format!(
                    "ratio of ratios {:.3} under the paper convention (docs/costmodel.md)",
                    r.ratio / pr
                ),
            ));
        }
    }
    let dense = &c.dense;
    rows.push(Row::new(
        "inference energy, digital / hybrid, per image + audio pair (dense estimate)",
        format!(
            "{:.3} / {:.3} uJ ({:.2}x)",
            dense.digital_j * 1e6,
            dense.hybrid_j * 1e6,
            dense.ratio
        ),
        &format!(
            "{:.3} / {:.3} uJ ({:.2}x)",
            dense.paper.digital_j * 1e6,
            dense.paper.hybrid_j * 1e6,
            dense.paper.ratio
        ),
        "literature technology tables (data/tech)",
    ));
    rows.push(Row::new(
        "inference energy, hybrid, per image / per audio sample (this run's counted events)",
        format!("{:.3} / {:.3} uJ", c.image.1 * 1e6, c.audio.1 * 1e6),
        "0.383 / 0.162 uJ",
        "the crossbar is read every step, so the hybrid cost follows the step count (50 image, 129 audio steps)",
    ));
}
