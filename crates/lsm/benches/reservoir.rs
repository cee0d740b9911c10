//! Throughput of the reservoir on the standard workload (256 inputs, 200
//! neurons, 100 steps, input density 0.05), one sample per iteration, for
//! the ideal backend in f32 and f64 and the macro backend (read noise and
//! 14-bit ADC on every step).
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{Macro, MacroParams};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lsm::{MacroSynapses, Real, Reservoir, Synapses, workload};
use rand::SeedableRng;
use seeds::{ChaCha8Rng, Seeds};

fn bench_backend<F: Real, S: Synapses<F>>(
    c: &mut Criterion,
    name: &str,
    reservoir: &Reservoir<F, S>,
) {
    let inputs = workload::inputs(Seeds::new(1234), 64).unwrap();
    let mut ws = reservoir.workspace().unwrap();
    let mut counts = vec![0u32; workload::N_RES];
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut group = c.benchmark_group("reservoir");
    group.throughput(Throughput::Elements(1));
    let mut k = 0;
    group.bench_function(name, |b| {
        b.iter(|| {
            k = (k + 1) % inputs.len();
            reservoir
                .run(&inputs[k], &mut ws, &mut rng, &mut counts, None)
                .unwrap()
        })
    });
    group.finish();
}

fn reservoirs(c: &mut Criterion) {
    let (params, w) = workload::reservoir(Seeds::new(1234)).unwrap();
    let r32 = Reservoir::new(params.clone(), w.convert::<f32>()).unwrap();
    bench_backend(c, "ideal_f32_sample", &r32);
    let r64 = Reservoir::new(params.clone(), w).unwrap();
    bench_backend(c, "ideal_f64_sample", &r64);
    let chip = Macro::program(
        &MacroParams::default(),
        &DeviceParams::default(),
        &Program::default(),
        Seeds::new(1234),
    )
    .unwrap();
    let synapses = MacroSynapses::new(Arc::new(chip), "nmnist", workload::N_IN).unwrap();
    let hw = Reservoir::<f32, _>::new(workload::macro_params(&params), synapses).unwrap();
    bench_backend(c, "macro_f32_sample", &hw);
}

criterion_group!(benches, reservoirs);
criterion_main!(benches);
