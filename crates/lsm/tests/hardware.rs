//! The reservoir on the simulated chip: the macro backend against its
//! digital twin, and weights drawn from the device model.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cim_macro::rram_device::{ConductanceMap, DeviceParams, Program};
use cim_macro::{Macro, MacroParams, WeightScale};
use lsm::{
    DenseSynapses, EncodeOptions, MacroSynapses, Reservoir, ReservoirParams, Synapses,
    device_weights, digital_twin, workload,
};
use seeds::{Purpose, Seeds};

fn chip(params: &MacroParams) -> Arc<Macro> {
    Arc::new(
        Macro::program(
            params,
            &DeviceParams::default(),
            &Program::default(),
            Seeds::new(7),
        )
        .unwrap(),
    )
}

#[test]
fn ideal_macro_equals_its_digital_twin_bit_for_bit_in_f64() {
    // The ideal macro read adds the same f64 weights in the same (ascending
    // row) order as the float kernel, so spike counts must be identical.
    let seeds = Seeds::new(21);
    let synapses = MacroSynapses::new(chip(&MacroParams::ideal()), "nmnist", 256).unwrap();
    let twin = digital_twin::<f64>(&synapses).unwrap();
    let params = workload::macro_params(&ReservoirParams::standard_workload());
    let hw = Reservoir::<f64, _>::new(params.clone(), synapses).unwrap();
    let sw = Reservoir::new(params, twin).unwrap();
    let inputs = workload::inputs(seeds, 40).unwrap();
    let a = hw.encode(&inputs, EncodeOptions::new(seeds)).unwrap();
    let b = sw.encode(&inputs, EncodeOptions::new(seeds)).unwrap();
    assert_eq!(a.counts, b.counts);
    assert_eq!(a.ops.recurrent_spikes, b.ops.recurrent_spikes);
    assert!(
        a.ops.recurrent_spikes > 100,
        "the workload must be active: {}",
        a.ops.recurrent_spikes
    );
    // The macro counts its periphery; the float backend its digital adds.
    assert!(a.ops.adc_conversions > 0 && a.ops.macro_cycles > 0);
    assert_eq!(b.ops.adc_conversions, 0);
}

#[test]
fn noisy_macro_is_deterministic_across_threads_and_close_to_the_twin() {
    let seeds = Seeds::new(22);
    let synapses = MacroSynapses::new(chip(&MacroParams::default()), "nmnist", 256).unwrap();
    let twin = digital_twin::<f32>(&synapses).unwrap();
    let params = workload::macro_params(&ReservoirParams::standard_workload());
    let hw = Reservoir::<f32, _>::new(params.clone(), synapses).unwrap();
    let sw = Reservoir::new(params, twin).unwrap();
    let inputs = workload::inputs(seeds, 60).unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| hw.encode(&inputs, EncodeOptions::new(seeds)).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    // Another key offset draws other read noise.
    let shifted = hw
        .encode(
            &inputs,
            EncodeOptions {
                seeds,
                key_offset: 1 << 32,
            },
        )
        .unwrap();
    assert_ne!(one.counts, shifted.counts);
    // Read noise (about 0.25 weight units per read) and 14-bit converters
    // perturb the dynamics, but the total activity stays within 20 % of the
    // noise-free twin's.
    let ideal = sw.encode(&inputs, EncodeOptions::new(seeds)).unwrap();
    let (n, m) = (
        one.ops.recurrent_spikes as f64,
        ideal.ops.recurrent_spikes as f64,
    );
    assert!((n / m - 1.0).abs() < 0.2, "macro {n} vs twin {m}");
}

#[test]
fn device_weights_have_unit_variance_and_come_from_their_own_stream() {
    let seeds = Seeds::new(5);
    let device = DeviceParams::default();
    let w = device_weights::<f64>(
        256,
        200,
        &device,
        &Program::default(),
        &WeightScale::Auto,
        seeds,
    )
    .unwrap();
    let dense = Synapses::<f64>::dense_weights(&w);
    let n = dense.len() as f64;
    let mean = dense.iter().sum::<f64>() / n;
    let std = (dense.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    // Auto scale: the population std of exactly these weights is 1 (to
    // rounding); their mean is 0 within 5 standard errors (1 / sqrt(91,200)).
    assert!((std - 1.0).abs() < 1e-9, "{std}");
    assert!(mean.abs() < 5.0 / n.sqrt(), "{mean}");
    // Same seed, same weights; and not the chip's weights (another stream).
    let again = device_weights::<f64>(
        256,
        200,
        &device,
        &Program::default(),
        &WeightScale::Auto,
        seeds,
    )
    .unwrap();
    assert_eq!(Synapses::<f64>::dense_weights(&again), dense);
    let synapses = MacroSynapses::new(chip(&MacroParams::ideal()), "nmnist", 256).unwrap();
    let chip_w = Synapses::<f64>::dense_weights(&synapses);
    assert_eq!(chip_w.len(), dense.len());
    assert_ne!(chip_w, dense);
    // A given scale of 1 uS: weights are conductance differences in uS, std
    // sqrt(2) x 2.46 uS = 3.48 (within 2 %).
    let us = device_weights::<f64>(
        256,
        200,
        &device,
        &Program::default(),
        &WeightScale::Given { g_scale_us: 1.0 },
        seeds,
    )
    .unwrap();
    let d = Synapses::<f64>::dense_weights(&us);
    let s = (d.iter().map(|x| x * x).sum::<f64>() / n).sqrt();
    assert!((s / (2f64.sqrt() * 2.46) - 1.0).abs() < 0.02, "{s}");
}

#[test]
fn a_partition_of_the_wrong_shape_is_named() {
    let err = MacroSynapses::new(chip(&MacroParams::ideal()), "nmnist", 64).unwrap_err();
    assert!(
        err.to_string().contains("`nmnist`") && err.to_string().contains("64 inputs"),
        "{err}"
    );
    let err = MacroSynapses::new(chip(&MacroParams::ideal()), "no-such-partition", 64).unwrap_err();
    assert!(err.to_string().contains("no-such-partition"), "{err}");
}

#[test]
fn device_weights_keep_their_two_pass_scale_bit_for_bit() {
    // The rule as `device_weights` wrote it before it moved to
    // `cim_macro::differential_weights`: mean by a plain sum, then the mean
    // squared deviation, then one division per weight.
    let (n_in, n_res, seeds) = (64, 200, Seeds::new(8));
    let (device, program) = (DeviceParams::default(), Program::default());
    let rows = n_in + n_res;
    let mut rng = seeds.stream(Purpose::ReservoirWiring);
    let map = ConductanceMap::form(rows, 2 * n_res, &device, &program, &mut rng).unwrap();
    let g = map.conductances_s();
    let diff: Vec<f64> = (0..rows)
        .flat_map(|r| (0..n_res).map(move |j| (r, j)))
        .map(|(r, j)| g[r * 2 * n_res + 2 * j] - g[r * 2 * n_res + 2 * j + 1])
        .collect();
    let n = diff.len() as f64;
    let mean = diff.iter().sum::<f64>() / n;
    let g_scale = (diff.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n).sqrt();
    let expected: Vec<u64> = diff.iter().map(|d| (d / g_scale).to_bits()).collect();
    let w =
        device_weights::<f64>(n_in, n_res, &device, &program, &WeightScale::Auto, seeds).unwrap();
    let got: Vec<u64> = Synapses::<f64>::dense_weights(&w)
        .iter()
        .map(|x| x.to_bits())
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn the_backend_constructors_equal_the_hand_built_reservoirs() {
    // What a reproduction built by hand: a macro partition with its input
    // count, and `device_weights` with the chip's weight scale.
    let (device, program, chip_params) = (
        DeviceParams::default(),
        Program::default(),
        MacroParams::default(),
    );
    let (params, seeds) = (ReservoirParams::ntidigits(), Seeds::new(12));
    let formed = Arc::new(Macro::program(&chip_params, &device, &program, seeds).unwrap());
    let by_hand_hw = MacroSynapses::new(formed.clone(), "ntidigits", params.n_in).unwrap();
    let by_hand_sw = device_weights::<f32>(
        params.n_in,
        params.n_res,
        &device,
        &program,
        &chip_params.weights,
        seeds,
    )
    .unwrap();
    let hw = Reservoir::on_macro(params.clone(), formed.clone(), "ntidigits").unwrap();
    let sw = Reservoir::ideal(
        params.clone(),
        &device,
        &program,
        &chip_params.weights,
        seeds,
    )
    .unwrap();
    assert_eq!(sw.synapses(), &by_hand_sw);
    assert_eq!(hw.synapses().partition(), by_hand_hw.partition());
    assert_eq!(
        Synapses::<f32>::dense_weights(hw.synapses()),
        Synapses::<f32>::dense_weights(&by_hand_hw)
    );
    let from_device =
        DenseSynapses::<f32>::from_device(&params, &device, &program, &chip_params.weights, seeds)
            .unwrap();
    assert_eq!(from_device, by_hand_sw);
    // A reservoir of the wrong size names what does not fit.
    let mut wide = params.clone();
    wide.n_res = 100;
    let err = MacroSynapses::for_reservoir(formed.clone(), "ntidigits", &wide).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("n_res") && msg.contains("200") && msg.contains("`ntidigits`"),
        "{msg}"
    );
    let err = Reservoir::on_macro(ReservoirParams::nmnist(), formed, "ntidigits").unwrap_err();
    assert!(matches!(err, lsm::Error::PartitionShape { .. }), "{err:?}");
}
