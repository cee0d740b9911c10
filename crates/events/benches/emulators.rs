//! Emulator throughput on one core: the DVS saccade emulator per digit
//! image and the cochlea per second of audio. Run with
//! `cargo bench -p events --bench emulators`; criterion prints the time per
//! iteration (digits/s = 1 / time; audio speed = time per second of sound).
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use events::emulate::cochlea::{CochleaEmulator, CochleaParams};
use events::emulate::dvs::{DvsEmulator, DvsParams};
use events::emulate::{Audio, GreyImage};
use seeds::Seeds;

/// A ring of ink (a zero-like digit) on a 28 x 28 image.
fn ring() -> GreyImage {
    let mut px = vec![0u8; 784];
    for y in 0..28 {
        for x in 0..28 {
            let (dx, dy) = (x as f32 - 13.5, (y as f32 - 13.5) * 0.7);
            let r = (dx * dx + dy * dy).sqrt();
            px[y * 28 + x] = (255.0 * (1.5 - (r - 7.0).abs()).clamp(0.0, 1.0)) as u8;
        }
    }
    GreyImage::new(28, 28, px).unwrap()
}

/// One second of a vowel-like sound at 8 kHz: harmonics of 120 Hz under
/// two formant peaks.
fn vowel() -> Audio {
    let fs = 8000.0f64;
    let samples = (0..8000)
        .map(|i| {
            let t = i as f64 / fs;
            let mut s = 0.0;
            for h in 1..30 {
                let f = 120.0 * h as f64;
                let gain = (-((f - 700.0) / 150.0).powi(2)).exp()
                    + 0.5 * (-((f - 1200.0) / 200.0).powi(2)).exp()
                    + 0.02;
                s += gain * (2.0 * std::f64::consts::PI * f * t).sin();
            }
            (0.1 * s) as f32
        })
        .collect();
    Audio {
        rate_hz: 8000,
        samples,
    }
}

fn bench(c: &mut Criterion) {
    let dvs = DvsEmulator::new(DvsParams::default(), Seeds::new(1)).unwrap();
    let image = ring();
    c.bench_function("dvs_saccades_one_digit", |b| {
        let mut key = 0u64;
        b.iter(|| {
            key += 1;
            dvs.emulate_sample(black_box(&image), key)
        })
    });
    let cochlea = CochleaEmulator::new(CochleaParams::default(), Seeds::new(1)).unwrap();
    let audio = vowel();
    c.bench_function("cochlea_one_second_8khz", |b| {
        b.iter(|| cochlea.emulate_sample(black_box(&audio), 0).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
