//! Training throughput at N-MNIST size: 256 inputs -> 200 hidden -> 10
//! classes, 50 steps per sample, batch 80, Adam (the authors' settings).
//!
//! Inputs are random binary rasters with 27 of 256 channels active per step
//! on average: the density of one polarity of the real N-MNIST sample in
//! `../shared/data/nmnist-sample` cropped to 16x16 and binned into 50 steps
//! (27.4 ON / 26.9 OFF events per step). The SRNNs start from the presets'
//! calibrated initialisation (5 % of neuron-steps firing). Each benchmark
//! is one epoch over 800 samples, forward + backward + Adam, so the
//! reported element throughput is training samples per second; one
//! N-MNIST epoch (60,000 samples) takes 60,000 / that.
#![allow(clippy::unwrap_used, missing_docs)]

use baselines::{
    LabeledSeqs, RnnClassifier, RnnClassifierParams, SpikeRaster, SrnnClassifier,
    SrnnClassifierParams, TrainingParams,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use seeds::{Purpose, Seeds};

const SAMPLES: usize = 800;

fn nmnist_like(n: usize) -> (Vec<SpikeRaster>, Vec<usize>) {
    let mut rng = Seeds::new(1).stream(Purpose::Benchmark);
    let p = 27.0 / 256.0;
    let seqs = (0..n)
        .map(|_| {
            SpikeRaster::from_steps(
                256,
                (0..50).map(|_| {
                    (0..256u32)
                        .filter(|_| rng.random::<f64>() < p)
                        .collect::<Vec<_>>()
                }),
            )
            .unwrap()
        })
        .collect();
    (seqs, (0..n).map(|i| i % 10).collect())
}

fn one_epoch(training: TrainingParams) -> TrainingParams {
    TrainingParams {
        epochs: 1,
        ..training
    }
}

fn train(c: &mut Criterion) {
    let (x, y) = nmnist_like(SAMPLES);
    let data = LabeledSeqs {
        seqs: &x,
        labels: &y,
    };
    let mut g = c.benchmark_group("train_nmnist_size");
    g.sample_size(10);
    g.throughput(Throughput::Elements(SAMPLES as u64));
    for (name, params) in [
        (
            "srnn_ann_epoch_800",
            SrnnClassifierParams::nmnist_srnn_ann(),
        ),
        (
            "srnn_snn_epoch_800",
            SrnnClassifierParams::nmnist_srnn_snn(),
        ),
    ] {
        let mut model = SrnnClassifier::initialized(&params, 10, &x, Seeds::new(2)).unwrap();
        model.set_training(one_epoch(params.training)).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| {
                model
                    .clone()
                    .continue_training(data, None, Seeds::new(3), &mut |_| {})
                    .unwrap()
            })
        });
    }
    let params = RnnClassifierParams::nmnist();
    let mut rnn = RnnClassifier::new(&params, 10, Seeds::new(2)).unwrap();
    rnn.set_training(one_epoch(params.training)).unwrap();
    g.bench_function("rnn_ann_epoch_800", |b| {
        b.iter(|| {
            rnn.clone()
                .continue_training(data, None, Seeds::new(3), &mut |_| {})
                .unwrap()
        })
    });
    let srnn = SrnnClassifier::initialized(
        &SrnnClassifierParams::nmnist_srnn_ann(),
        10,
        &x,
        Seeds::new(2),
    )
    .unwrap();
    g.bench_function("srnn_ann_inference_800", |b| {
        b.iter(|| srnn.predict(&x).unwrap())
    });
    g.finish();
}

criterion_group!(benches, train);
criterion_main!(benches);
