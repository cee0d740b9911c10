//! Reads per second of the N-MNIST partition (456 rows x 200 outputs) with
//! 30 active rows: ideal, default (read noise + 14-bit ADC), digital
//! sensing, IR drop on, and a dense analogue read.
//!
//! `cargo bench -p cim-macro`
#![allow(missing_docs, clippy::unwrap_used)]

use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{Macro, MacroParams, Sensing};
use costmodel::OpCounts;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use seeds::{Purpose, Seeds};
use std::hint::black_box;

const ACTIVE: usize = 30;
const SETS: usize = 256;

fn active_sets(rows: u32, seeds: Seeds) -> Vec<Vec<u32>> {
    let mut pick = seeds.stream(Purpose::Benchmark);
    (0..SETS)
        .map(|_| {
            let mut s: Vec<u32> = Vec::with_capacity(ACTIVE);
            while s.len() < ACTIVE {
                let r = pick.random_range(0..rows);
                if !s.contains(&r) {
                    s.push(r);
                }
            }
            s.sort_unstable();
            s
        })
        .collect()
}

fn bench_events(c: &mut Criterion, name: &str, params: &MacroParams) {
    let seeds = Seeds::new(1);
    let chip =
        Macro::program(params, &DeviceParams::default(), &Program::default(), seeds).unwrap();
    let part = chip.partition("nmnist").unwrap();
    let sets = active_sets(part.rows() as u32, seeds);
    let mut scratch = chip.new_scratch(&part).unwrap();
    let mut rng = seeds.keyed(Purpose::ReadNoise, 0);
    let mut out = vec![0.0; part.cols()];
    let mut ops = OpCounts::default();
    let mut group = c.benchmark_group("read_events_nmnist_30_rows");
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function(name, |b| {
        b.iter(|| {
            i = (i + 1) % SETS;
            chip.read_events(&part, &sets[i], &mut out, &mut scratch, &mut rng, &mut ops)
                .unwrap();
            black_box(&out);
        })
    });
    group.finish();
}

fn reads(c: &mut Criterion) {
    bench_events(c, "ideal", &MacroParams::ideal());
    bench_events(c, "noise+adc14", &MacroParams::default());
    let mut digital = MacroParams::default();
    digital.read.sensing = Sensing::DigitalDifference;
    bench_events(c, "noise+adc14 digital sensing", &digital);
    let mut ir = MacroParams::default();
    ir.ir_drop.enabled = true;
    bench_events(c, "noise+adc14+ir-drop", &ir);

    // Dense read: every row driven with an analogue value (8 cycles).
    let seeds = Seeds::new(1);
    let chip = Macro::program(
        &MacroParams::default(),
        &DeviceParams::default(),
        &Program::default(),
        seeds,
    )
    .unwrap();
    let part = chip.partition("nmnist").unwrap();
    let mut pick = seeds.stream(Purpose::Benchmark);
    let x: Vec<f64> = (0..part.rows()).map(|_| pick.random::<f64>()).collect();
    let mut scratch = chip.new_scratch(&part).unwrap();
    let mut rng = seeds.keyed(Purpose::ReadNoise, 0);
    let mut out = vec![0.0; part.cols()];
    let mut ops = OpCounts::default();
    let mut group = c.benchmark_group("read_dense_nmnist_456_rows");
    group.throughput(Throughput::Elements(1));
    group.bench_function("noise+adc14", |b| {
        b.iter(|| {
            chip.read_dense(&part, &x, &mut out, &mut scratch, &mut rng, &mut ops)
                .unwrap();
            black_box(&out);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = reads
}
criterion_main!(benches);
