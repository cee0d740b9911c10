//! Trains a classifier and a contrastive pair on synthetic features and
//! prints accuracy, zero-shot retrieval accuracy and training MAC counts.
//!
//! `cargo run -p readout --example synthetic`
#![allow(clippy::unwrap_used)]

use readout::synthetic::{TwoModalityParams, gaussian_blobs, two_modalities};
use readout::{
    ClassificationReport, Classifier, ClassifierParams, ContrastiveModel, ContrastiveParams,
    LabeledSet, OptimizerParams, ProtoNet, ProtoNetParams, Scaler, ScalingParams, select_classes,
    zero_shot_report,
};
use seeds::Seeds;

fn main() -> readout::Result<()> {
    // 1. A 200 -> 10 linear readout on 6,000 noisy samples.
    let (x, y) = gaussian_blobs(7000, 200, 10, 12.0, Seeds::new(1));
    let train: Vec<usize> = (0..6000).collect();
    let test: Vec<usize> = (6000..7000).collect();
    let pick = |idx: &[usize]| idx.iter().map(|&i| y[i]).collect::<Vec<_>>();
    let (scaler, xtr) = Scaler::fit_transform(&ScalingParams::default(), &x.select_rows(&train))?;
    let xte = scaler.transform(&x.select_rows(&test))?;
    let params = ClassifierParams {
        epochs: 20,
        optimizer: OptimizerParams::adam(1e-3),
        ..ClassifierParams::nmnist()
    };
    let fit = Classifier::fit(&params, &xtr, &pick(&train), 10, Seeds::new(2))?;
    let pred = fit.model.predict(&xte)?;
    let report = ClassificationReport::new(&pick(&test), &pred, 10)?;
    println!(
        "classifier (200 -> 10, {} epochs, selected epoch {}):",
        params.epochs, fit.selected_epoch
    );
    println!(
        "  test accuracy {:.2} %, macro F1 {:.3}",
        100.0 * report.accuracy,
        report.macro_f1
    );
    let ops = fit.cost.op_counts();
    println!(
        "  training: {} MACs ({:.0} per sample), {} optimiser mul, {} add; validation MACs {}",
        ops.mac_fp32,
        fit.cost.mac_per_sample(),
        ops.mul_fp32,
        ops.add_fp32,
        fit.cost.validation_mac
    );

    // 2. Contrastive projections on two modalities, seen classes 1-7, unseen 8-9.
    let world = Seeds::new(100);
    let shape = TwoModalityParams {
        latent_noise: 0.6,
        feature_noise: 1.0,
        ..TwoModalityParams::default()
    };
    let tr = two_modalities(&shape, world, Seeds::new(3));
    let te = two_modalities(&shape, world, Seeds::new(4));
    let seen: Vec<usize> = (1..=7).collect();
    let unseen = [8, 9];
    let (xi, yi, _) = select_classes(&tr.images, &tr.image_labels, &seen)?;
    let (xa, ya, _) = select_classes(&tr.audio, &tr.audio_labels, &seen)?;
    let (si, xi) = Scaler::fit_transform(&ScalingParams::default(), &xi)?;
    let (sa, xa) = Scaler::fit_transform(&ScalingParams::default(), &xa)?;
    let (tei, tea) = (si.transform(&te.images)?, sa.transform(&te.audio)?);
    let images = LabeledSet {
        features: &tei,
        labels: &te.image_labels,
    };
    let audio = LabeledSet {
        features: &tea,
        labels: &te.audio_labels,
    };
    let cp = ContrastiveParams {
        epochs: 30,
        ..ContrastiveParams::paper()
    };
    let cfit = ContrastiveModel::fit(&cp, &xi, &yi, &xa, &ya, 10, Seeds::new(5))?;
    let z = zero_shot_report(&cfit.model, images, audio, &seen, &unseen, 10, &[1, 3])?;
    println!(
        "contrastive projections (200 -> 64 + GELU, {} epochs):",
        cp.epochs
    );
    println!(
        "  audio-search-image top-1: seen {:.1} % (chance 14.3), unseen {:.1} % (chance 50)",
        100.0 * z.seen.audio_to_image.top1(),
        100.0 * z.unseen.audio_to_image.top1()
    );
    println!(
        "  image-search-audio top-1: seen {:.1} %, unseen {:.1} %",
        100.0 * z.seen.image_to_audio.top1(),
        100.0 * z.unseen.image_to_audio.top1()
    );
    println!("  training: {} MACs", cfit.cost.op_counts().mac_fp32);

    let pfit = ProtoNet::fit(
        &ProtoNetParams {
            epochs: 20,
            ..ProtoNetParams::default()
        },
        &xi,
        &yi,
        &xa,
        &ya,
        10,
        Seeds::new(6),
    )?;
    let zp = zero_shot_report(&pfit.model, images, audio, &seen, &unseen, 10, &[1])?;
    println!(
        "prototypical baseline: audio-search-image seen {:.1} %, unseen {:.1} %; training {} MACs",
        100.0 * zp.seen.audio_to_image.top1(),
        100.0 * zp.unseen.audio_to_image.top1(),
        pfit.cost.op_counts().mac_fp32
    );
    Ok(())
}
