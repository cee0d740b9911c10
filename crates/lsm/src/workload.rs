//! The standard benchmark workload, shared by the benchmarks and tests.
//!
//! 256 inputs, 200 LIF neurons, 100 steps, Bernoulli input density 0.05,
//! `W_in ~ N(0, 0.12)`, `W_rec ~ N(0, 0.9 / sqrt(200))`, decay 0.9,
//! threshold 1.0 (strict), gain 1, reset to zero: the workload of the NumPy
//! reference benchmark and of the conformance fixture (about 441,000
//! synaptic events per sample).

use rand::RngExt;
use seeds::{Purpose, Seeds};
use spikes::SpikeRaster;

use crate::error::Result;
use crate::params::ReservoirParams;
use crate::synapses::DenseSynapses;

/// Input channels of the standard workload.
pub const N_IN: usize = 256;
/// Reservoir neurons of the standard workload.
pub const N_RES: usize = 200;
/// Time steps per sample.
pub const STEPS: usize = 100;
/// Probability that an input channel is active in a step.
pub const DENSITY: f64 = 0.05;
/// Standard deviation of the input weights.
pub const SIGMA_IN: f64 = 0.12;

/// Standard deviation of the recurrent weights, `0.9 / sqrt(200)`.
pub fn sigma_rec() -> f64 {
    0.9 / (N_RES as f64).sqrt()
}

/// The workload's reservoir parameters and weights, drawn from `seeds`.
pub fn reservoir(seeds: Seeds) -> Result<(ReservoirParams, DenseSynapses<f64>)> {
    let mut rng = seeds.stream(Purpose::Benchmark);
    let w = DenseSynapses::gaussian(N_IN, N_RES, SIGMA_IN, sigma_rec(), &mut rng)?;
    Ok((ReservoirParams::standard_workload(), w))
}

/// `samples` Bernoulli input rasters; sample `i` is drawn from its own
/// keyed stream, so any prefix of the set is the same for any `samples`.
pub fn inputs(seeds: Seeds, samples: usize) -> Result<Vec<SpikeRaster>> {
    let mut out = Vec::with_capacity(samples);
    let mut active = Vec::with_capacity(N_IN);
    for i in 0..samples {
        let mut rng = seeds.keyed(Purpose::Benchmark, i as u64);
        let mut raster = SpikeRaster::new(N_IN as u32);
        for _ in 0..STEPS {
            active.clear();
            active.extend((0..N_IN as u32).filter(|_| rng.random_bool(DENSITY)));
            raster.push_step(&active)?;
        }
        out.push(raster);
    }
    Ok(out)
}

/// Gain of the standard workload on a macro partition (see [`macro_params`]).
pub const MACRO_GAIN: f64 = 0.09;

/// Reservoir parameters for running the standard workload on a macro
/// partition, whose weights have unit variance ([`cim_macro::WeightScale::Auto`]):
/// with a gain of [`MACRO_GAIN`] the reservoir fires at about the standard
/// workload's rate (0.04 to 0.05 spikes per neuron and step), so that
/// samples per second of the two backends compare like for like.
pub fn macro_params(params: &ReservoirParams) -> ReservoirParams {
    let mut p = params.clone();
    p.neuron.gain = MACRO_GAIN;
    p
}
