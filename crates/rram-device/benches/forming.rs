//! Throughput of forming and reading a 512 x 512 array.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use rram_device::{ConductanceMap, DeviceParams, NoiseModel, Program, SweepProgram};
use seeds::{Purpose, Seeds};

fn bench(c: &mut Criterion) {
    let d = DeviceParams::default();
    c.bench_function("form 512x512 pulse", |b| {
        b.iter(|| {
            ConductanceMap::form_seeded(512, 512, &d, &Program::default(), Seeds::new(1)).unwrap()
        })
    });
    let sweep = Program::Sweep(SweepProgram::default());
    c.bench_function("form 512x512 sweep", |b| {
        b.iter(|| ConductanceMap::form_seeded(512, 512, &d, &sweep, Seeds::new(1)).unwrap())
    });
    let map =
        ConductanceMap::form_seeded(512, 512, &d, &Program::default(), Seeds::new(1)).unwrap();
    let mut rng = Seeds::new(1).stream(Purpose::ReadNoise);
    let mut out = vec![0.0; map.len()];
    c.bench_function("read 512x512 gaussian", |b| {
        b.iter(|| map.read_into(&d.read_noise, &mut rng, &mut out).unwrap())
    });
    let mut p = d.read_noise.clone();
    p.telegraph.enabled = true;
    p.flicker.enabled = true;
    let model = NoiseModel::new(&p).unwrap();
    let mut cells: Vec<_> = map
        .conductances_s()
        .iter()
        .map(|&g| model.init_cell(g, &mut rng))
        .collect();
    let step = model.step(1e-3).unwrap();
    c.bench_function("advance 512x512 telegraph + 1/f", |b| {
        b.iter(|| {
            for cell in cells.iter_mut() {
                step.advance(cell, &mut rng);
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
