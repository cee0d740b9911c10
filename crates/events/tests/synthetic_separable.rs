//! The built-in synthetic data are learnable but not trivial: a linear
//! softmax classifier on synthetic digit pixels, and on binned cochlea
//! events of synthetic speech, is far above chance and below perfect.
#![allow(clippy::unwrap_used)]

use events::synthetic::{DigitStyle, digit_image};
use events::{
    AudioBinning, DataConfig, DataSource, Split, SyntheticSpec, SyntheticWords, TimeBins,
};
use readout::{Classifier, ClassifierParams, OptimizerParams, Scaler, ScalingParams, Selection};
use seeds::Seeds;

fn linear_accuracy(
    train: &[Vec<f64>],
    y_train: &[usize],
    test: &[Vec<f64>],
    y_test: &[usize],
    classes: usize,
) -> f64 {
    let w = train[0].len();
    let flat = |rows: &[Vec<f64>]| rows.iter().flatten().copied().collect::<Vec<f64>>();
    let xtr = readout::matrix_from_rows(train.len(), w, &flat(train)).unwrap();
    let xte = readout::matrix_from_rows(test.len(), w, &flat(test)).unwrap();
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
    readout::accuracy(y_test, &fit.model.predict(&xte).unwrap()).unwrap()
}

#[test]
fn synthetic_digit_pixels_are_linearly_separable_but_not_trivially() {
    // 2,000 training and 1,000 test images (200 and 100 per digit), one
    // keyed stream each. Linear models reach about 92 % on MNIST pixels;
    // measured here with seed 11: 94.3 %. Bounds: far above chance (10 %)
    // and short of perfect, so the data keep some difficulty.
    let seeds = Seeds::new(11);
    let style = DigitStyle::default();
    let make = |from: u64, n: u64| {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in from..from + n {
            let digit = (i % 10) as u8;
            let img = digit_image(seeds, i, digit, &style);
            x.push(img.pixels.iter().map(|&p| f64::from(p) / 255.0).collect());
            y.push(usize::from(digit));
        }
        (x, y)
    };
    let (xtr, ytr) = make(0, 2000);
    let (xte, yte) = make(10_000, 1000);
    let acc = linear_accuracy(&xtr, &ytr, &xte, &yte, 10);
    println!("synthetic digits, linear on pixels: {acc}");
    assert!((0.7..0.995).contains(&acc), "{acc}");
}

#[test]
fn synthetic_speech_events_are_linearly_separable_for_unseen_speakers() {
    // 11 words x 12 training rounds by 8 speakers, 11 x 6 test rounds by 2
    // other speakers, through the cochlea emulator; features log(1 + n)
    // counts in 64 channels x 8 time steps. Chance is 1/11 = 9 %; measured
    // with seed 5: 92.4 % (FSDD's unseen speaker reaches 84 % in the
    // shared-data test).
    let mut config = DataConfig::with_source(DataSource::Synthetic(SyntheticSpec {
        train_per_class: 12,
        test_per_class: 6,
        speakers: 10,
        test_speakers: 2,
        audio_words: SyntheticWords::Tidigits,
    }));
    config.split.speaker_disjoint = true;
    let data = config.audio(Seeds::new(5)).unwrap();
    let binning = AudioBinning {
        bins: TimeBins::Steps { steps: 8 },
        counts: true,
        ..AudioBinning::default()
    };
    let rasters = data.rasters(&binning).unwrap();
    let features = |i: usize| {
        let r = &rasters[i];
        let mut f = vec![0.0; 64 * 8];
        for t in 0..r.steps() {
            for (&c, &n) in r.step(t).iter().zip(r.step_counts(t).unwrap()) {
                f[t * 64 + c as usize] = f64::from(n).ln_1p();
            }
        }
        f
    };
    let (mut xtr, mut ytr, mut xte, mut yte) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..data.len() {
        if data.info(i).split == Some(Split::Test) {
            xte.push(features(i));
            yte.push(usize::from(data.label(i)));
        } else {
            xtr.push(features(i));
            ytr.push(usize::from(data.label(i)));
        }
    }
    assert_eq!((xtr.len(), xte.len()), (132, 66));
    let acc = linear_accuracy(&xtr, &ytr, &xte, &yte, 11);
    println!("synthetic speech, linear on binned events, unseen speakers: {acc}");
    assert!((0.5..=1.0).contains(&acc), "{acc}");
}
