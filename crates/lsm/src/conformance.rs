//! Conformance against an independent reference implementation.
//!
//! A fixture directory holds the weights, inputs and expected spike counts of
//! an independent implementation of the same dynamics (for example the NumPy
//! reference in `../shared/fixtures/lsm-reference`):
//!
//! | file | shape, dtype | meaning |
//! |---|---|---|
//! | `params.json` | object | `n_in`, `n_res`, `steps`, `decay`, `threshold`, `gain` (other keys ignored) |
//! | `w_in.npy` | (n_res, n_in) float64 | input weights, row = receiving neuron |
//! | `w_rec.npy` | (n_res, n_res) float64 | recurrent weights, row = receiving neuron |
//! | `inputs.npy` | (samples, steps, n_in) bool | input spikes |
//! | `counts.npy` | (samples, n_res) int64 | expected spike counts |
//! | `first_spike_step.npy` | (samples, n_res) int64, optional | first step a neuron fired, -1 if never |
//!
//! [`check_fixture`] runs every sample in `f64` and in `f32` and reports the
//! fraction of spike counts (and first-spike steps) that match exactly.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use spikes::SpikeRaster;

use crate::error::{Error, Result};
use crate::params::{InputLayer, NeuronParams, ReservoirParams};
use crate::real::Real;
use crate::reservoir::{Reservoir, Trace};
use crate::synapses::DenseSynapses;

/// The settings a fixture's `params.json` must provide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixtureParams {
    /// Input channels.
    pub n_in: usize,
    /// Reservoir neurons.
    pub n_res: usize,
    /// Time steps per sample.
    pub steps: usize,
    /// Membrane decay per step.
    pub decay: f64,
    /// Firing threshold (strict).
    pub threshold: f64,
    /// Input gain.
    pub gain: f64,
}

/// A loaded fixture.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// Its settings.
    pub params: FixtureParams,
    /// `n_res x n_in`, row = receiving neuron.
    pub w_in: Vec<f64>,
    /// `n_res x n_res`, row = receiving neuron.
    pub w_rec: Vec<f64>,
    /// One raster per sample.
    pub inputs: Vec<SpikeRaster>,
    /// `samples x n_res` expected counts.
    pub counts: Vec<i64>,
    /// `samples x n_res` expected first-spike steps, if present.
    pub first_spike: Option<Vec<i64>>,
}

/// Agreement of this implementation with a fixture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConformanceReport {
    /// Samples in the fixture.
    pub samples: usize,
    /// Fraction of (sample, neuron) spike counts identical in `f64`.
    pub f64_match: f64,
    /// Fraction of spike counts identical in `f32`.
    pub f32_match: f64,
    /// Fraction of first-spike steps identical in `f64` (if the fixture has them).
    pub f64_first_spike_match: Option<f64>,
    /// Fraction of first-spike steps identical in `f32` (if the fixture has them).
    pub f32_first_spike_match: Option<f64>,
    /// Mean firing rate of the `f64` run (spikes per neuron per step).
    pub mean_rate: f64,
}

fn fixture_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Fixture {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn read_npy<T: npyz::Deserialize>(dir: &Path, name: &str, shape: &[u64]) -> Result<Vec<T>> {
    let path = dir.join(name);
    let file = File::open(&path).map_err(|e| fixture_error(&path, e.to_string()))?;
    let npy = npyz::NpyFile::new(BufReader::new(file))
        .map_err(|e| fixture_error(&path, e.to_string()))?;
    if npy.shape() != shape {
        return Err(fixture_error(
            &path,
            format!("shape {:?}, expected {shape:?}", npy.shape()),
        ));
    }
    npy.into_vec::<T>()
        .map_err(|e| fixture_error(&path, e.to_string()))
}

impl Fixture {
    /// Loads a fixture directory, checking every array's shape.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let params_path = dir.join("params.json");
        let text = std::fs::read_to_string(&params_path)
            .map_err(|e| fixture_error(&params_path, e.to_string()))?;
        let params: FixtureParams =
            serde_json::from_str(&text).map_err(|e| fixture_error(&params_path, e.to_string()))?;
        let (n_in, n_res, steps) = (params.n_in as u64, params.n_res as u64, params.steps as u64);
        let w_in = read_npy::<f64>(dir, "w_in.npy", &[n_res, n_in])?;
        let w_rec = read_npy::<f64>(dir, "w_rec.npy", &[n_res, n_res])?;
        let inputs_path = dir.join("inputs.npy");
        let samples = {
            let file =
                File::open(&inputs_path).map_err(|e| fixture_error(&inputs_path, e.to_string()))?;
            let npy = npyz::NpyFile::new(BufReader::new(file))
                .map_err(|e| fixture_error(&inputs_path, e.to_string()))?;
            npy.shape().first().copied().unwrap_or(0)
        };
        let flat = read_npy::<bool>(dir, "inputs.npy", &[samples, steps, n_in])?;
        let counts = read_npy::<i64>(dir, "counts.npy", &[samples, n_res])?;
        let first_spike = if dir.join("first_spike_step.npy").exists() {
            Some(read_npy::<i64>(
                dir,
                "first_spike_step.npy",
                &[samples, n_res],
            )?)
        } else {
            None
        };
        let (n_in, steps) = (params.n_in, params.steps);
        let mut inputs = Vec::with_capacity(samples as usize);
        for s in 0..samples as usize {
            let mut raster = SpikeRaster::new(n_in as u32);
            let mut active = Vec::new();
            for t in 0..steps {
                active.clear();
                let base = (s * steps + t) * n_in;
                active.extend((0..n_in).filter(|&c| flat[base + c]).map(|c| c as u32));
                raster.push_step(&active)?;
            }
            inputs.push(raster);
        }
        Ok(Self {
            params,
            w_in,
            w_rec,
            inputs,
            counts,
            first_spike,
        })
    }

    /// The reservoir parameters of the fixture's dynamics.
    pub fn reservoir_params(&self) -> ReservoirParams {
        ReservoirParams {
            n_in: self.params.n_in,
            n_res: self.params.n_res,
            neuron: NeuronParams {
                decay: self.params.decay,
                v_th: self.params.threshold,
                gain: self.params.gain,
                ..NeuronParams::nmnist()
            },
            input_layer: InputLayer::PassThrough,
        }
    }

    /// Runs every sample in `F`; returns counts and first-spike steps, both
    /// `samples x n_res`.
    pub fn run<F: Real>(&self) -> Result<(Vec<i64>, Vec<i64>)> {
        let p = &self.params;
        let synapses =
            DenseSynapses::<F>::from_receiver_major(p.n_in, p.n_res, &self.w_in, &self.w_rec)?;
        let reservoir = Reservoir::new(self.reservoir_params(), synapses)?;
        let mut ws = reservoir.workspace()?;
        let mut rng = seeds::ChaCha8Rng::seed_from_u64(0);
        let mut counts = vec![0u32; p.n_res];
        let (mut all_counts, mut all_first) = (Vec::new(), Vec::new());
        for raster in &self.inputs {
            let mut trace = Trace {
                record_first_spike: true,
                ..Trace::default()
            };
            reservoir.run(raster, &mut ws, &mut rng, &mut counts, Some(&mut trace))?;
            all_counts.extend(counts.iter().map(|&c| i64::from(c)));
            all_first.extend_from_slice(&trace.first_spike);
        }
        Ok((all_counts, all_first))
    }
}

fn agreement(a: &[i64], b: &[i64]) -> f64 {
    if a.is_empty() {
        return 1.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}

/// Runs a fixture directory in `f64` and `f32` and reports the agreement.
pub fn check_fixture(dir: impl AsRef<Path>) -> Result<ConformanceReport> {
    let fixture = Fixture::load(dir)?;
    let (c64, f64_first) = fixture.run::<f64>()?;
    let (c32, f32_first) = fixture.run::<f32>()?;
    let total_spikes: i64 = c64.iter().sum();
    let cells = (fixture.inputs.len() * fixture.params.n_res * fixture.params.steps).max(1);
    Ok(ConformanceReport {
        samples: fixture.inputs.len(),
        f64_match: agreement(&c64, &fixture.counts),
        f32_match: agreement(&c32, &fixture.counts),
        f64_first_spike_match: fixture
            .first_spike
            .as_ref()
            .map(|f| agreement(&f64_first, f)),
        f32_first_spike_match: fixture
            .first_spike
            .as_ref()
            .map(|f| agreement(&f32_first, f)),
        mean_rate: total_spikes as f64 / cells as f64,
    })
}

/// The default location of the reference fixture: `../shared/fixtures/lsm-reference`
/// beside the repository root.
pub fn shared_fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/lsm-reference")
}
