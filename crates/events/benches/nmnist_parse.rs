//! N-MNIST parse throughput in events per second (criterion reports it as
//! "elem/s"): decoding one sample's bytes, the hot path of reading 70,000
//! files. Run with `cargo bench -p events --bench nmnist_parse`.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use events::nmnist::{NmnistOptions, decode_nmnist, encode_nmnist};
use events::{VisionEvent, VisionSensor, VisionStream};

/// A deterministic sample shaped like a real one: 4,325 events over about
/// 0.31 s, coordinates and polarities spread over the 34 x 34 sensor.
fn synthetic_sample() -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let events = (0..4325u64)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            VisionEvent {
                t_us: 654 + i * 72,
                x: (state % 34) as u16,
                y: ((state >> 8) % 34) as u16,
                on: (state >> 16) & 1 == 1,
            }
        })
        .collect();
    encode_nmnist(&VisionStream::new(VisionSensor::NMNIST, events).unwrap()).unwrap()
}

fn bench(c: &mut Criterion) {
    let options = NmnistOptions::default();
    let mut group = c.benchmark_group("nmnist_parse");
    let synthetic = synthetic_sample();
    group.throughput(Throughput::Elements((synthetic.len() / 5) as u64));
    group.bench_function("synthetic_4325_events", |b| {
        b.iter(|| decode_nmnist(black_box(&synthetic), &options, "bench").unwrap())
    });
    // The real sample, when the shared data sit beside the checkout.
    let real = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/nmnist-sample/sample_nmnist.bin"
    );
    if let Ok(bytes) = std::fs::read(real) {
        group.throughput(Throughput::Elements((bytes.len() / 5) as u64));
        group.bench_function("real_sample", |b| {
            b.iter(|| decode_nmnist(black_box(&bytes), &options, "bench").unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
