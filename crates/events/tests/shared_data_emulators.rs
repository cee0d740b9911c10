//! The emulators on the real data in `../shared/data` beside the repository
//! (present in development and CI, not in a user's clone): run with
//! `cargo test -p events --features shared-data -- shared_data`.
//!
//! * All 8,000 MNIST test digits through the DVS emulator: events per
//!   sample, ON fraction and the three saccade bursts in the range of the
//!   real N-MNIST sample; a linear classifier on event counts.
//! * All 2,500 FSDD recordings through the cochlea emulator: event rates
//!   during speech in N-TIDIGITS' range; a linear classifier on binned
//!   counts, with a stratified and a speaker-disjoint split.
#![cfg(feature = "shared-data")]
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use events::nmnist::{NmnistOptions, read_nmnist_file};
use events::stats::{Spread, bursts, rate_histogram, window_counts};
use events::{
    AudioBinning, DataConfig, DataSource, EventSource, PolarityMode, SpikeRaster, Split, TimeBins,
    VisionBinning,
};
use readout::{Classifier, ClassifierParams, OptimizerParams, Scaler, ScalingParams, Selection};
use seeds::Seeds;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/");

fn path(rel: &str) -> PathBuf {
    PathBuf::from(DATA).join(rel)
}

/// Dense count features of rasters (one row per sample), row-major.
fn features(rasters: &[SpikeRaster]) -> (usize, Vec<f64>) {
    let width = rasters[0].channels() as usize * rasters[0].steps();
    let mut x = vec![0.0; rasters.len() * width];
    for (r, raster) in rasters.iter().enumerate() {
        for t in 0..raster.steps() {
            let counts = raster.step_counts(t).unwrap();
            for (&c, &n) in raster.step(t).iter().zip(counts) {
                // log(1 + n): counts span two orders of magnitude.
                x[r * width + t * raster.channels() as usize + c as usize] = f64::from(n).ln_1p();
            }
        }
    }
    (width, x)
}

/// Test accuracy of a linear softmax classifier (standardised inputs, Adam,
/// 30 epochs, the last epoch's weights).
fn linear_accuracy(
    train: &[SpikeRaster],
    y_train: &[usize],
    test: &[SpikeRaster],
    y_test: &[usize],
    classes: usize,
) -> f64 {
    let (w, xtr) = features(train);
    let (_, xte) = features(test);
    let xtr = readout::matrix_from_rows(train.len(), w, &xtr).unwrap();
    let xte = readout::matrix_from_rows(test.len(), w, &xte).unwrap();
    let scaler = Scaler::fit(
        &ScalingParams {
            divide_by: 1.0,
            standardize: true,
        },
        &xtr,
    )
    .unwrap();
    let (xtr, xte) = (
        scaler.transform(&xtr).unwrap(),
        scaler.transform(&xte).unwrap(),
    );
    let params = ClassifierParams {
        optimizer: OptimizerParams::adam(1e-3),
        batch_size: 64,
        epochs: 30,
        l2: 1e-3,
        validation_fraction: 0.0,
        selection: Selection::LastEpoch,
        ..ClassifierParams::nmnist()
    };
    let fit = Classifier::fit(&params, &xtr, y_train, classes, Seeds::new(1)).unwrap();
    let predicted = fit.model.predict(&xte).unwrap();
    readout::accuracy(y_test, &predicted).unwrap()
}

#[test]
fn shared_data_dvs_emulation_of_the_mnist_digits_matches_nmnist_and_is_separable() {
    let config = DataConfig::with_source(DataSource::Emulated {
        mnist: Some(path("mnist")),
        wav: None,
    });
    let data = config.vision(Seeds::new(1)).unwrap();
    assert_eq!(data.len(), 8000);
    // Only test digits are present: a seeded stratified 80/20 split,
    // round(0.2 n_c) of every class.
    let expected: usize = data
        .class_counts()
        .values()
        .map(|&n| (n as f64 * 0.2).round() as usize)
        .sum();
    assert_eq!(data.split(Split::Test).len(), expected);

    // One pass: statistics and a 17 x 17 x 2 polarity count image per
    // sample (2 x 2 pooling of the 34 x 34 sensor, whole recording).
    let per_sample = data
        .par_map(|_, _, s| {
            let h = rate_histogram(&s, 10_000);
            let thirds = window_counts(&s, 105_000, 3);
            let mut pooled = events::VisionStream::empty(events::VisionSensor {
                width: 17,
                height: 17,
            });
            let evs: Vec<_> = s
                .events()
                .iter()
                .map(|e| events::VisionEvent {
                    x: e.x / 2,
                    y: e.y / 2,
                    ..*e
                })
                .collect();
            pooled = events::VisionStream::new(*pooled.sensor(), evs).unwrap_or(pooled);
            let binning = VisionBinning {
                crop: None,
                polarity: PolarityMode::Separate,
                bins: TimeBins::Steps { steps: 1 },
                counts: true,
                ..VisionBinning::default()
            };
            Ok((
                s.len() as f64,
                s.on_fraction(),
                bursts(&h, 0.25).len(),
                thirds,
                binning.bin(&pooled)?,
            ))
        })
        .unwrap();
    let counts = Spread::of(&per_sample.iter().map(|p| p.0).collect::<Vec<_>>());
    let on = Spread::of(&per_sample.iter().map(|p| p.1).collect::<Vec<_>>());
    let three_bursts = per_sample.iter().filter(|p| p.2 == 3).count();
    let saccade_share: Vec<f64> = (0..3)
        .map(|k| {
            per_sample.iter().map(|p| p.3[k] as f64).sum::<f64>()
                / per_sample.iter().map(|p| p.0).sum::<f64>()
        })
        .collect();
    // The real sample (one digit): 4,325 events, 49.6 % ON, saccades
    // 1,391 / 1,343 / 1,591 (32 / 31 / 37 %). Emulated over 8,000 digits
    // (measured with seed 1: mean 4,362, median 4,403, min 873, max 8,082;
    // ON 50.8 %; 39 / 30 / 31 %; three bursts in 98.2 %). The
    // reference is one digit and N-MNIST's typical count about 4,300, so
    // the mean must be within 10 % of 4,325; every saccade between 25 and
    // 42 % of the events (the (+3.5, +7) one crosses MNIST's right-slanted
    // strokes most); the ON fraction within 2 points of one half; three
    // bursts in at least 95 % of the samples.
    println!(
        "events per sample {counts:?}, ON {on:?}, saccade shares {saccade_share:?}, three bursts {three_bursts}"
    );
    assert!((counts.mean - 4325.0).abs() < 0.1 * 4325.0, "{counts:?}");
    assert!(counts.min > 500.0 && counts.max < 15_000.0, "{counts:?}");
    assert!((on.mean - 0.5).abs() < 0.02, "{on:?}");
    assert!(
        saccade_share.iter().all(|&f| (0.25..0.42).contains(&f)),
        "{saccade_share:?}"
    );
    assert!(three_bursts as f64 >= 0.95 * 8000.0, "{three_bursts}");
    let real = read_nmnist_file(
        path("nmnist-sample/sample_nmnist.bin"),
        &NmnistOptions::default(),
    )
    .unwrap();
    assert!((counts.min..=counts.max).contains(&(real.len() as f64)));

    // Linear classifier on the pooled counts, trained on the 6,400 training
    // digits, tested on the 1,602 others. Chance is 10 %; measured 90.6 %.
    let rasters: Vec<SpikeRaster> = per_sample.into_iter().map(|p| p.4).collect();
    let (mut tr, mut te, mut ytr, mut yte) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, r) in rasters.into_iter().enumerate() {
        if data.info(i).split == Some(Split::Train) {
            tr.push(r);
            ytr.push(usize::from(data.label(i)));
        } else {
            te.push(r);
            yte.push(usize::from(data.label(i)));
        }
    }
    let acc = linear_accuracy(&tr, &ytr, &te, &yte, 10);
    let total: u64 = tr.iter().map(SpikeRaster::total_events).sum();
    println!(
        "DVS linear accuracy {acc} ({} train rasters, {total} events)",
        tr.len()
    );
    assert!(acc > 0.75, "accuracy {acc}");
}

#[test]
fn shared_data_cochlea_emulation_of_fsdd_is_in_range_and_separable() {
    let mut config = DataConfig::with_source(DataSource::Emulated {
        mnist: None,
        wav: Some(path("fsdd/recordings")),
    });
    config.audio_labels = events::AudioLabels::Digits;
    let data = config.audio(Seeds::new(1)).unwrap();
    assert_eq!(data.len(), 2500);
    assert_eq!(
        data.class_counts().values().copied().collect::<Vec<_>>(),
        vec![250; 10]
    );
    let binning = AudioBinning {
        bins: TimeBins::Steps { steps: 8 },
        counts: true,
        ..AudioBinning::default()
    };
    let per_sample = data
        .par_map(|i, _, s| {
            let audio = data.source().audio(data.source_index(i))?.unwrap();
            // Speech = the 10 ms frames within 30 dB of the loudest.
            let frame = 80;
            let energy: Vec<f64> = audio
                .samples
                .chunks(frame)
                .map(|c| c.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / c.len() as f64)
                .collect();
            let loudest = energy.iter().copied().fold(0.0, f64::max);
            let speech: Vec<bool> = energy.iter().map(|&e| e >= 1e-3 * loudest).collect();
            let in_speech = s
                .events()
                .iter()
                .filter(|e| {
                    speech
                        .get((e.t_us / 10_000) as usize)
                        .copied()
                        .unwrap_or(false)
                })
                .count();
            let speech_s = speech.iter().filter(|&&b| b).count() as f64 * 0.01;
            Ok((in_speech as f64, speech_s, s.len() as f64, binning.bin(&s)?))
        })
        .unwrap();
    let rate =
        per_sample.iter().map(|p| p.0).sum::<f64>() / per_sample.iter().map(|p| p.1).sum::<f64>();
    let counts = Spread::of(&per_sample.iter().map(|p| p.2).collect::<Vec<_>>());
    // N-TIDIGITS: about 1e4-1e5 events/s during speech. Measured with seed
    // 1: 1.31e4 events/s; events per recording mean 4,889, median 4,682,
    // min 1,421, max 14,261.
    println!("events/s during speech {rate:.0}, events per recording {counts:?}");
    assert!((1e4..1e5).contains(&rate), "{rate}");
    assert!(counts.min > 100.0, "{counts:?}");

    let rasters: Vec<SpikeRaster> = per_sample.into_iter().map(|p| p.3).collect();
    let split_accuracy = |is_test: &dyn Fn(usize) -> bool| {
        let (mut tr, mut te, mut ytr, mut yte) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, r) in rasters.iter().enumerate() {
            if is_test(i) {
                te.push(r.clone());
                yte.push(usize::from(data.label(i)));
            } else {
                tr.push(r.clone());
                ytr.push(usize::from(data.label(i)));
            }
        }
        linear_accuracy(&tr, &ytr, &te, &yte, 10)
    };
    // Stratified 80/20 split (seeded): chance 10 %, measured 96 %.
    let stratified = split_accuracy(&|i| data.info(i).split == Some(Split::Test));
    println!("cochlea linear accuracy, stratified split: {stratified}");
    assert!(stratified > 0.6, "{stratified}");

    // Speaker-disjoint: one held-out speaker, never heard in training.
    let mut disjoint = config.clone();
    disjoint.split.speaker_disjoint = true;
    disjoint.split.test_speakers = vec!["theo".into()];
    let by_speaker = disjoint.audio(Seeds::new(1)).unwrap();
    let (test_view, train_view) = (
        by_speaker.split(Split::Test),
        by_speaker.split(Split::Train),
    );
    let test_speakers: BTreeSet<&str> = test_view.speakers().into_iter().collect();
    let train_speakers: BTreeSet<&str> = train_view.speakers().into_iter().collect();
    assert_eq!(test_speakers, BTreeSet::from(["theo"]));
    assert_eq!(train_speakers.len(), 4);
    assert_eq!(by_speaker.split(Split::Test).len(), 500);
    // Same sample order in both configurations (sorted file names).
    assert_eq!(
        by_speaker.source().samples()[7].key,
        data.source().samples()[7].key
    );
    let unseen =
        split_accuracy(&|i| by_speaker.source().meta(i).speaker.as_deref() == Some("theo"));
    println!("cochlea linear accuracy, unseen speaker theo: {unseen}");
    // An unseen voice is harder for a linear model on raw counts: chance
    // 10 %, measured 84 %.
    assert!(unseen > 0.5, "{unseen}");
}
