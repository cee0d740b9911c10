//! The liquid state machine: a leaky integrate-and-fire reservoir with fixed
//! random synapses, on ideal weights or on the simulated RRAM chip.
//!
//! Input spikes drive `n_res` recurrent LIF neurons (200 in the paper)
//! through fixed random input weights `W_in` and recurrent weights `W_rec`;
//! nothing here is ever trained. The feature of a sample is each neuron's
//! spike count over the sample's time steps.
//!
//! # Model
//!
//! One step `t` (in this order: input layer, synaptic currents, integrate,
//! test, reset):
//!
//! ```text
//! I_j(t) = sum_{i in s_in(t)} W_in[i, j] + sum_{k in r(t-1)} W_rec[k, j]
//! v_j   <- decay * v_j + gain * I_j(t) + (1 - decay) * v_rest
//! r_j(t) = [v_j > v_th]                     (strict)
//! v_j   <- v_reset where r_j(t) = 1         (or v_j - v_th: reset = "subtract")
//! ```
//!
//! With `v_rest = v_reset = 0` this is the authors' discrete form
//! `v = decay * v * (1 - r) + const * I`. A spike at step `t` reaches the
//! other neurons at `t + 1` (the reset is not delayed, unlike snnTorch's
//! recurrent leaky neuron; there is no bias; input of step `t` is integrated
//! before the threshold test of step `t`). Optional refractory steps hold a
//! neuron silent after a spike. The input layer is either pass-through (an
//! active channel is a spike on its input row) or a LIF population of its own
//! ([`InputLayer`]). Parameters: [`NeuronParams`] (with its table of units,
//! defaults and sources) and [`ReservoirParams`]; presets
//! [`ReservoirParams::nmnist`] (256 inputs, decay 0.9, `V_th` 5.0, gain 0.07)
//! and [`ReservoirParams::ntidigits`] (64 inputs, decay 0.97, `V_th` 5.3,
//! gain 0.08), from the authors' scripts.
//!
//! # Synapse backends
//!
//! [`Synapses`] computes a step's currents; every backend runs through the
//! same simulation code:
//!
//! * [`DenseSynapses`] ("ideal", the paper's software reservoir): fixed
//!   floating-point weights, drawn from the device model's differential
//!   weight distribution ([`device_weights`]), copied from a formed chip
//!   without noise ([`digital_twin`]), Gaussian ([`DenseSynapses::gaussian`])
//!   or given.
//! * [`MacroSynapses`] ("macro", the paper's hardware reservoir): each step is
//!   one event-driven read of a [`cim_macro`] partition (rows: the inputs,
//!   then the recurrent neurons; columns: differential pairs), with read noise,
//!   DAC, TIA, 14-bit ADC and optional IR drop as configured there. With
//!   `MacroParams::ideal()` it gives exactly the spike counts of its digital
//!   twin in `f64`.
//!
//! # Entry points
//!
//! * [`Reservoir::new`]`(params, synapses)`, generic over the simulation type
//!   `f32` (fast, default) or `f64` (reference) and the backend; in `f32`,
//!   [`Reservoir::on_macro`]`(params, chip, partition)` (hardware) and
//!   [`Reservoir::ideal`]`(params, device, program, scale, seeds)`
//!   (software). The backends alone: [`MacroSynapses::for_reservoir`],
//!   [`DenseSynapses::from_device`].
//! * [`Reservoir::run`] one sample into a reusable [`Workspace`] (reset per
//!   sample costs a few hundred stores), optionally recording a [`Trace`]
//!   (membrane potentials, spike raster, first spikes).
//! * [`Reservoir::encode`] / [`Reservoir::encode_with`] a whole dataset in
//!   parallel (rayon) into [`Features`] with operation counts; sample `i`
//!   draws read noise from `seeds.keyed(Purpose::ReadNoise, key_offset + i)`,
//!   and counts are summed in sample order, so results are identical for any
//!   number of threads.
//! * [`analysis`]: spectral radius and scaling, firing statistics,
//!   separation, kernel and generalisation rank.
//! * [`conformance`]: run a reference fixture (weights, inputs, expected
//!   counts) in `f64` and `f32`.
//! * [`roofline`]: the row-add limit of an event-driven step, measured in
//!   the same process as the backends it bounds (`cargo xtask bench lsm`
//!   prints each backend as a fraction of it).
//!
//! # Speed
//!
//! An event-driven step touches only the fan-out rows of the active inputs
//! and of the last step's spikes: rows are contiguous, padded to 16 elements
//! and 64-byte aligned, and summed in registers by a kernel compiled for
//! AVX-512, AVX2 and SSE4.1 and chosen at run time; the LIF update is
//! vectorised; nothing allocates in the step loop. Only additions and
//! multiplications are used (never fused multiply-adds) and every neuron's
//! inputs are added in one fixed order, so results are bit-identical on every
//! instruction set.
//!
//! Measured with `cargo xtask bench lsm` on the standard workload (256
//! inputs, 200 neurons, 100 steps, input density 0.05, `W_in ~ N(0, 0.12)`,
//! `W_rec ~ N(0, 0.9/sqrt(200))`, decay 0.9, threshold 1, about 416,000
//! synaptic events per sample) on one core of the 2-core development machine,
//! in the same sitting as the NumPy reference (`../shared/bench`,
//! `OPENBLAS_NUM_THREADS=1`), with the other core busy:
//!
//! | implementation | samples/s | synaptic events/s |
//! |---|---|---|
//! | NumPy float32, batched | 4,528 | about 2.0e9 |
//! | ideal backend, f32 | 47,695 (10.5x NumPy) | 1.99e10 |
//! | macro backend, read noise + 14-bit ADC every step | 9,437 (0.20x ideal) | 3.9e9 |
//!
//! The macro backend runs the workload with gain [`workload::MACRO_GAIN`]
//! (its weights have unit variance) at the same firing rate. Each of its
//! steps is a full simulated read (200 differential columns, one Gaussian
//! draw each, TIA and ADC transfer), which is why it stays at a fifth of the
//! ideal rate rather than the quarter we aimed for.
//!
//! A note on the shared row-add roofline program (`rowadd_roofline.c`): it
//! prints only `acc[7]`, which lets the compiler drop 12 of its 13
//! accumulator chains (its 1.2e11 to 1.6e11 "adds/s" count work that is
//! never done); with a checksum over all accumulators it measures about
//! 4.2e10 adds per second on this machine, the real ceiling of the row sums
//! alone. The ideal backend's whole step (row sums, LIF update, spike
//! bookkeeping, counting) runs at about half of that.
//!
//! # What this crate must not know
//!
//! Nothing of how features are used (training lives in `readout`) and nothing
//! of energy: it reports [`costmodel::OpCounts`] (input and recurrent spikes,
//! synaptic events, neuron updates and their arithmetic, plus the macro's
//! converter and cell-read counts), which `costmodel` prices.

pub mod analysis;
pub mod conformance;
mod encode;
mod error;
mod hardware;
mod params;
mod real;
mod reservoir;
pub mod roofline;
mod synapses;
pub mod workload;

pub use encode::{EncodeOptions, Features, Split};
pub use error::{Error, Result};
pub use hardware::{MacroScratch, MacroSynapses, device_weights, digital_twin};
pub use param_guard::{ParamError, ParamGuard};
pub use params::{InputLayer, MAX_DIM, NeuronParams, ReservoirParams, ResetMode};
pub use real::{ROW_ALIGN, Real, padded};
pub use reservoir::{Reservoir, Trace, Workspace};
pub use synapses::{DenseSynapses, Synapses};
