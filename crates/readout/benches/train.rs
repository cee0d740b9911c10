//! Training throughput of the linear readout (the budget: 60,000 x 200
//! features, 100 epochs, 200 -> 10, well under a minute on one core). The
//! benchmark runs five epochs of that workload plus the one-off setup (input
//! checks and one transposition, about 0.1 s). Measured on the development
//! machine: about 40 ms per epoch, so 100 epochs take about 4 s.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use readout::{Classifier, ClassifierParams, Selection, synthetic};
use seeds::Seeds;

fn one_epoch(c: &mut Criterion) {
    let (x, y) = synthetic::gaussian_blobs(60_000, 200, 10, 3.0, Seeds::new(1));
    let params = ClassifierParams {
        epochs: 5,
        validation_fraction: 0.0,
        selection: Selection::LastEpoch,
        ..ClassifierParams::nmnist()
    };
    let mut g = c.benchmark_group("readout");
    g.sample_size(10);
    g.bench_function("linear_200x10_60k_five_epochs_batch100", |b| {
        b.iter(|| Classifier::fit(&params, &x, &y, 10, Seeds::new(2)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, one_epoch);
criterion_main!(benches);
