//! Events to rasters: the binning of N-MNIST-shaped samples with the
//! paper's Fig. 2 settings (16 x 16 centre crop, polarities merged, 50
//! binary steps). `one_sample` is one stream on one thread; `batch_2000`
//! bins 2,000 streams in parallel on the global rayon pool, so 30 times its
//! time is the binning of N-MNIST's 60,000 training samples. Run with
//! `cargo bench -p events --bench binning`.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use events::{VisionBinning, VisionEvent, VisionSensor, VisionStream};
use rayon::prelude::*;

/// A deterministic stream shaped like a real N-MNIST sample: 4,325 events
/// over about 0.31 s on the 34 x 34 sensor, concentrated on the centre
/// (where a digit's edges are) so the crop keeps about half of them.
fn sample(seed: u64) -> VisionStream {
    let mut state = 0x2545_f491_4f6c_dd1du64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let events = (0..4325u64)
        .map(|i| {
            let r = next();
            // Sum of two uniforms on 0..17: a triangle centred on the sensor.
            let x = (r % 18 + (r >> 8) % 17) as u16;
            let y = ((r >> 16) % 18 + (r >> 24) % 17) as u16;
            VisionEvent {
                t_us: 654 + i * 72,
                x,
                y,
                on: (r >> 32) & 1 == 1,
            }
        })
        .collect();
    VisionStream::new(VisionSensor::NMNIST, events).unwrap()
}

fn bench(c: &mut Criterion) {
    let binning = VisionBinning::default();
    let mut group = c.benchmark_group("binning");
    let one = sample(0);
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_sample", |b| {
        b.iter(|| binning.bin(black_box(&one)).unwrap())
    });
    let batch: Vec<VisionStream> = (0..2000).map(sample).collect();
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.sample_size(20);
    group.bench_function("batch_2000", |b| {
        b.iter(|| {
            black_box(&batch)
                .par_iter()
                .map(|s| binning.bin(s).unwrap())
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
