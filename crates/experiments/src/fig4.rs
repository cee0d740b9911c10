//! Fig. 4 of the paper: zero-shot audio-image retrieval. One LSM (one
//! formed macro: the image and audio partitions share the recurrent block)
//! encodes both modalities; two projections are trained with the
//! contrastive loss on digits 1-7 only; retrieval is evaluated on test
//! samples of the seen digits (1-7) and of the unseen digits (8, 9).

use std::sync::Arc;

use crate::error::{Context, Result, ensure};
use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{Macro, MacroParams};
use costmodel::paper::{Task as CostTask, TrainingRow, inference_row, run_energy, training_rows};
use costmodel::{CrossbarMapping, DigitalBaseline, ReadGeometry, TableSet, TrainingConvention};
use events::{AudioBinning, AudioLabels, DataConfig, Dataset, EventSource, Split, VisionBinning};
use lsm::{
    DenseSynapses, Features, MacroSynapses, Reservoir, ReservoirParams, Synapses, device_weights,
};
use nalgebra::DMatrix;
use readout::{
    ContrastiveModel, ContrastiveParams, CrossModalEmbedder, LabeledSet, ProtoNet, ProtoNetParams,
    Scaler, ScalingParams, ZeroShotReport, zero_shot_report,
};
use seeds::Seeds;
use serde::{Deserialize, Serialize};

use crate::baselines::{ClipResult, Modality, SrnnClipPreset, train_clip};
use crate::report::{Report, Row, Summary, pct};
use crate::run::{Ctx, FigureOutput, Panels as FigurePanels};
use crate::streams::{Draw, Stream};
use crate::supervised::{cap_per_class, encode, per_sample_workload, rasters, snake, tech_tables};

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
    /// Test samples per digit and modality (at most).
    pub test_per_class: usize,
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
/// modalities then holding that many; test samples of every digit capped
/// per digit (the `Draw::ZeroShot*` streams). Every split must be
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
    let splits = ZeroShotSplits {
        aud_train: aud_all
            .subsample_to_counts(&counts, &mut Draw::ZeroShotAudioTrain.rng(seeds))?,
        img_train: img_all
            .subsample_to_counts(&counts, &mut Draw::ZeroShotImageTrain.rng(seeds))?,
        img_test: cap_per_class(
            &vision.split(Split::Test).filter_classes(&all),
            p.test_per_class,
            seeds,
            Draw::ZeroShotImageTest,
        )?,
        aud_test: cap_per_class(
            &audio.split(Split::Test).filter_classes(&all),
            p.test_per_class,
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
}

/// Paper numbers (percent): audio-search-image top-1, seen / unseen.
const PAPER_LSM_SOFTWARE: (f64, f64) = (66.1, 88.0);
const PAPER_LSM_HARDWARE: (f64, f64) = (67.42, 87.5);
const PAPER_SRNN_CLIP: (f64, f64) = (82.28, 74.0);
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
struct Scaled {
    train: DMatrix<f64>,
    test: DMatrix<f64>,
}

fn scale(params: &ScalingParams, train: &Features, test: &Features) -> Result<Scaled> {
    let (scaler, train) = Scaler::fit_transform(params, &train.to_matrix())?;
    Ok(Scaled {
        train,
        test: scaler.transform(&test.to_matrix())?,
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

/// Runs Fig. 4.
pub fn run(ctx: &mut Ctx<'_>) -> Result<FigureOutput> {
    let (preset, _) = ctx.preset::<Fig4Preset>(Some("data"))?;
    preset.data.validate()?;
    preset.image.binning.validate()?;
    preset.audio.binning.validate()?;
    preset.image.reservoir.validate()?;
    preset.audio.reservoir.validate()?;
    ensure!(
        preset.data.audio_labels == AudioLabels::Digits,
        "Fig. 4 pairs spoken and written digits by value: set data.audio_labels = \"digits\""
    );
    let p = &preset.protocol;
    p.validate()?;
    let seeds = Seeds::new(preset.seed);
    let source = preset.data.source.kind().to_owned();
    let resolved = serde_json::to_value(&preset)?;

    // Data: training on seen digits, N-MNIST subsampled to the audio count
    // per class; test samples of every digit of the protocol.
    let (vision, audio) = ctx.stages.run("open data", || {
        Ok((preset.data.vision(seeds)?, preset.data.audio(seeds)?))
    })?;
    let ZeroShotSplits {
        img_train,
        aud_train,
        img_test,
        aud_test,
    } = ctx
        .stages
        .run("split", || zero_shot_splits(&vision, &audio, p, seeds))?;
    tracing::info!(
        "zero-shot data: {} image / {} audio training samples (digits {:?}), {} image / {} audio test samples",
        img_train.len(),
        aud_train.len(),
        p.seen,
        img_test.len(),
        aud_test.len()
    );
    let (r_img_train, r_img_test, r_aud_train, r_aud_test) =
        ctx.stages.run("bin events", || {
            Ok((
                rasters(&img_train, &preset.image.binning, "binning image train")?,
                rasters(&img_test, &preset.image.binning, "binning image test")?,
                rasters(&aud_train, &preset.audio.binning, "binning audio train")?,
                rasters(&aud_test, &preset.audio.binning, "binning audio test")?,
            ))
        })?;

    // One macro, two partitions sharing the recurrent block; software
    // weights from the device model with the same sharing.
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
    let sw_img = Reservoir::new(img_ir.clone(), sw_img_w)?;
    let sw_aud = Reservoir::new(aud_ir.clone(), sw_aud_w)?;
    let hw_img = Reservoir::<f32, _>::new(
        img_ir.clone(),
        MacroSynapses::new(chip.clone(), &preset.image.partition, img_ir.n_in)?,
    )?;
    let hw_aud = Reservoir::<f32, _>::new(
        aud_ir.clone(),
        MacroSynapses::new(chip, &preset.audio.partition, aud_ir.n_in)?,
    )?;

    // Distinct key ranges per modality and split.
    let opt = |s: Stream| s.options(seeds);
    let (train_i, test_i) = (opt(Stream::TrainImages), opt(Stream::TestImages));
    let (train_a, test_a) = (opt(Stream::TrainAudio), opt(Stream::TestAudio));
    let sw = ctx.stages.run("reservoir (software)", || {
        Ok([
            encode(&sw_img, &r_img_train, train_i, "software image train")?,
            encode(&sw_img, &r_img_test, test_i, "software image test")?,
            encode(&sw_aud, &r_aud_train, train_a, "software audio train")?,
            encode(&sw_aud, &r_aud_test, test_a, "software audio test")?,
        ])
    })?;
    let hw = ctx.stages.run("reservoir (hardware)", || {
        Ok([
            encode(&hw_img, &r_img_train, train_i, "hardware image train")?,
            encode(&hw_img, &r_img_test, test_i, "hardware image test")?,
            encode(&hw_aud, &r_aud_train, train_a, "hardware audio train")?,
            encode(&hw_aud, &r_aud_test, test_a, "hardware audio test")?,
        ])
    })?;

    let y_img_train = usize_labels(img_train.labels());
    let y_aud_train = usize_labels(aud_train.labels());
    let y_img_test = usize_labels(img_test.labels());
    let y_aud_test = usize_labels(aud_test.labels());
    let classes = 10;
    let evaluate = |model: &dyn CrossModalEmbedder,
                    img: &DMatrix<f64>,
                    aud: &DMatrix<f64>|
     -> Result<ZeroShotReport> {
        Ok(zero_shot_report(
            model,
            LabeledSet {
                features: img,
                labels: &y_img_test,
            },
            LabeledSet {
                features: aud,
                labels: &y_aud_test,
            },
            &p.seen,
            &p.unseen,
            classes,
            &p.ks,
        )?)
    };
    let fit_clip =
        |f: &[Features; 4]| -> Result<(ContrastiveModel, ZeroShotReport, f64, Scaled, Scaled)> {
            let img = scale(&preset.image.scaling, &f[0], &f[1])?;
            let aud = scale(&preset.audio.scaling, &f[2], &f[3])?;
            let fit = ContrastiveModel::fit(
                &preset.contrastive,
                &img.train,
                &y_img_train,
                &aud.train,
                &y_aud_train,
                classes,
                seeds,
            )?;
            let report = evaluate(&fit.model, &img.test, &aud.test)?;
            let macs = fit.cost.op_counts().mac_fp32 as f64;
            Ok((fit.model, report, macs, img, aud))
        };
    let (clip_sw, zs_sw, clip_macs, img_sw, aud_sw) =
        ctx.stages.run("projections (software)", || fit_clip(&sw))?;
    let (_, zs_hw, _, _, _) = ctx.stages.run("projections (hardware)", || fit_clip(&hw))?;
    let (zs_proto, proto_macs) = ctx.stages.run("prototypical baseline", || {
        let fit = ProtoNet::fit(
            &preset.protonet,
            &img_sw.train,
            &y_img_train,
            &aud_sw.train,
            &y_aud_train,
            classes,
            seeds,
        )?;
        let report = evaluate(&fit.model as &ProtoNet, &img_sw.test, &aud_sw.test)?;
        Ok((report, fit.cost.op_counts().mac_fp32 as f64))
    })?;
    let srnn_clip: Option<ClipResult> = if preset.srnn_clip.enabled {
        let m = |rasters, labels| Modality { rasters, labels };
        let r = ctx.stages.run("baseline SRNN-CLIP", || {
            train_clip(
                &preset.srnn_clip,
                (m(&r_img_train, &y_img_train), m(&r_aud_train, &y_aud_train)),
                (m(&r_img_test, &y_img_test), m(&r_aud_test, &y_aud_test)),
                &p.seen,
                &p.unseen,
                classes,
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
        Some(r)
    } else {
        None
    };

    // t-SNE of the projected test embeddings of both modalities.
    let (n_i, n_a) = (
        preset.panels.tsne_samples.min(img_sw.test.nrows()),
        preset.panels.tsne_samples.min(aud_sw.test.nrows()),
    );
    let embedding = ctx.stages.run("t-SNE", || {
        let ei = clip_sw.embed_image(&img_sw.test.rows(0, n_i).into_owned())?;
        let ea = clip_sw.embed_audio(&aud_sw.test.rows(0, n_a).into_owned())?;
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
        Ok(readout::tsne(&both, 2, perplexity, preset.seed)?)
    })?;

    // Costs: training (paper convention) and inference per image / audio sample.
    let costs = ctx.stages.run("costs", || {
        let (pc, bc) = (TrainingConvention::paper(), TrainingConvention::backprop());
        let rows = training_rows(CostTask::ZeroShot, &pc, &bc);
        let tables = tech_tables(TableSet::Literature)?;
        let (baseline, mapping) = (DigitalBaseline::default(), CrossbarMapping::default());
        let dim = preset.contrastive.embedding_dim;
        let per = |f: &Features, n_in_steps: u64| -> Result<(f64, f64)> {
            let w = per_sample_workload(&f.ops, f.samples, f.n_res, dim);
            let geo = ReadGeometry {
                columns: f.n_res as u64,
                steps: n_in_steps,
            };
            let e = run_energy(&w, TableSet::Literature, &tables, &baseline, &mapping, geo)?;
            Ok((e.digital.total.total_j(), e.hybrid.total.total_j()))
        };
        let steps = |f: &Features| u64::from(f.steps.first().copied().unwrap_or(0));
        let image = per(&sw[1], steps(&sw[1]))?;
        let audio = per(&sw[3], steps(&sw[3]))?;
        let dense = inference_row(
            CostTask::ZeroShot,
            TableSet::Literature,
            &tables,
            &baseline,
            &mapping,
        )?;
        Ok((rows, image, audio, dense))
    })?;
    let (training, e_image, e_audio, dense) = costs;

    // Summary.
    let mut s = Summary::default();
    s.text("data_source", &source);
    s.int("train_image_samples", img_train.len() as u64);
    s.int("train_audio_samples", aud_train.len() as u64);
    s.int("test_image_samples", img_test.len() as u64);
    s.int("test_audio_samples", aud_test.len() as u64);
    let mut measured = vec![
        ("software", &zs_sw),
        ("hardware", &zs_hw),
        ("protonet", &zs_proto),
    ];
    if let Some(c) = &srnn_clip {
        measured.push(("srnn_clip", &c.report));
        s.int("srnn_clip_epochs", c.epochs as u64);
        s.int("srnn_clip_selected_epoch", c.selected_epoch as u64);
        s.num("srnn_clip_training_macs_total", c.training_macs as f64);
    }
    for (tag, z) in measured {
        s.num(
            &format!("a2i_seen_{tag}"),
            100.0 * z.seen.audio_to_image.top1(),
        );
        s.num(
            &format!("a2i_unseen_{tag}"),
            100.0 * z.unseen.audio_to_image.top1(),
        );
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
    s.num("projection_training_macs_total", clip_macs);
    s.num("protonet_training_macs_total", proto_macs);
    for r in &training {
        s.num(&format!("training_macs_{}", snake(&r.model)), r.cost);
        if let Some(pr) = r.paper_ratio {
            s.num(&format!("mac_ratio_{}_ours", snake(&r.model)), r.ratio);
            s.num(&format!("mac_ratio_{}_paper", snake(&r.model)), pr);
        }
    }
    s.num("energy_image_counted_digital_uj", e_image.0 * 1e6);
    s.num("energy_image_counted_hybrid_uj", e_image.1 * 1e6);
    s.num("energy_audio_counted_digital_uj", e_audio.0 * 1e6);
    s.num("energy_audio_counted_hybrid_uj", e_audio.1 * 1e6);
    s.num("energy_dense_digital_uj", dense.digital_j * 1e6);
    s.num("energy_dense_hybrid_uj", dense.hybrid_j * 1e6);
    s.num("energy_dense_ratio", dense.ratio);

    // Report.
    let mut report = Report {
        title: "Fig. 4: zero-shot audio-image retrieval with one RRAM liquid state machine".into(),
        data_source: format!(
            "{source}, {} image / {} audio training samples of digits {:?}, {} image / {} audio test samples",
            img_train.len(),
            aud_train.len(),
            p.seen,
            img_test.len(),
            aud_test.len()
        ),
        ..Report::default()
    };
    let row = |name: &str, ours: f64, paper: f64, chance: f64| {
        Row::new(
            name,
            pct(ours),
            &pct(paper),
            &format!("{:+.2} points; chance is {:.1} %", ours - paper, chance),
        )
    };
    let (cs, cu) = (100.0 / p.seen.len() as f64, 100.0 / p.unseen.len() as f64);
    let a2i = |z: &ZeroShotReport| {
        (
            100.0 * z.seen.audio_to_image.top1(),
            100.0 * z.unseen.audio_to_image.top1(),
        )
    };
    let (sw_s, sw_u) = a2i(&zs_sw);
    let (hw_s, hw_u) = a2i(&zs_hw);
    let (pr_s, pr_u) = a2i(&zs_proto);
    report.rows.push(row(
        "audio-search-image top-1, seen digits, LSM software",
        sw_s,
        PAPER_LSM_SOFTWARE.0,
        cs,
    ));
    report.rows.push(row(
        "audio-search-image top-1, unseen digits, LSM software",
        sw_u,
        PAPER_LSM_SOFTWARE.1,
        cu,
    ));
    report.rows.push(row(
        "audio-search-image top-1, seen digits, LSM hardware",
        hw_s,
        PAPER_LSM_HARDWARE.0,
        cs,
    ));
    report.rows.push(row(
        "audio-search-image top-1, unseen digits, LSM hardware",
        hw_u,
        PAPER_LSM_HARDWARE.1,
        cu,
    ));
    report.rows.push(Row::new(
        "image-search-audio top-1, seen / unseen, LSM software",
        format!(
            "{} / {}",
            pct(100.0 * zs_sw.seen.image_to_audio.top1()),
            pct(100.0 * zs_sw.unseen.image_to_audio.top1())
        ),
        "-",
        "the paper reports this direction in a figure only",
    ));
    report.rows.push(Row::new(
        "audio-search-image top-1, seen / unseen, prototypical network",
        format!("{} / {}", pct(pr_s), pct(pr_u)),
        &format!("{} / {} (SRNN-ProtoNet)", pct(PAPER_SRNN_PROTONET.0), pct(PAPER_SRNN_PROTONET.1)),
        "ours trains the prototypical loss on the LSM features (a linear backbone per modality); the paper's backbone is a trained SRNN",
    ));
    let paper_clip = format!("{} / {}", pct(PAPER_SRNN_CLIP.0), pct(PAPER_SRNN_CLIP.1));
    report.rows.push(match &srnn_clip {
        Some(c) => {
            let (cs_, cu_) = a2i(&c.report);
            Row::new(
                "audio-search-image top-1, seen / unseen, SRNN-CLIP (trained baseline, same rasters and splits)",
                format!("{} / {}", pct(cs_), pct(cu_)),
                &paper_clip,
                &format!(
                    "{:+.2} / {:+.2} points; {} epochs (epoch {} selected on validation); LSM software minus SRNN-CLIP on unseen digits: {:+.2} points here, {:+.2} in the paper",
                    cs_ - PAPER_SRNN_CLIP.0,
                    cu_ - PAPER_SRNN_CLIP.1,
                    c.epochs,
                    c.selected_epoch,
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
    for r in &training {
        if let Some(pr) = r.paper_ratio {
            report.rows.push(Row::new(
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
    report.rows.push(Row::new(
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
    report.rows.push(Row::new(
        "inference energy, hybrid, per image / per audio sample (this run's counted events)",
        format!("{:.3} / {:.3} uJ", e_image.1 * 1e6, e_audio.1 * 1e6),
        "0.383 / 0.162 uJ",
        "the crossbar is read every step, so the hybrid cost follows the step count (50 image, 129 audio steps)",
    ));

    let panels = Fig4Panels {
        embedding,
        labels: y_img_test[..n_i]
            .iter()
            .chain(&y_aud_test[..n_a])
            .copied()
            .collect(),
        modality_split: n_i,
        unseen: p.unseen.clone(),
        software: zs_sw,
        hardware: zs_hw,
        protonet: zs_proto,
        srnn_clip: srnn_clip.map(|c| c.report),
        training,
    };

    Ok(FigureOutput {
        summary: s,
        report,
        resolved,
        seed: preset.seed,
        data_source: source,
        panels: FigurePanels::Fig4(Box::new(panels)),
        stages: ctx.finish(),
    })
}
