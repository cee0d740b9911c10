//! The liquid state machine: a leaky integrate-and-fire reservoir with fixed
//! random synapses.
//!
//! Input spikes drive 200 recurrent LIF neurons through fixed random input
//! weights `W_in` and recurrent weights `W_rec`; one step is
//!
//! ```text
//! I(t) = W_in s_in(t) + W_rec r(t-1)
//! v(t) = v_rest + decay (v(t-1) - v_rest) + gain I(t)
//! r(t) = [v(t) > v_th],   then v <- v_reset where r(t) = 1
//! ```
//!
//! and the feature of a sample is each neuron's spike count over the window.
//! The synapses are a backend: ideal floating-point weights (the paper's
//! "software" reservoir) or event-driven reads of a simulated crossbar from
//! [`cim_macro`] (the paper's "hardware" reservoir), behind one code path.
//!
//! # What this crate must not know
//!
//! Nothing of how features are used (training lives in `readout`) and nothing
//! of energy (it reports [`costmodel`] operation counts).

pub mod analysis;
pub mod conformance;
mod encode;
mod error;
mod hardware;
mod params;
mod real;
mod reservoir;
mod synapses;
pub mod workload;

pub use encode::{EncodeOptions, Features};
pub use error::{Error, Result};
pub use hardware::{MacroScratch, MacroSynapses, device_weights, digital_twin};
pub use params::{InputLayer, MAX_DIM, NeuronParams, ReservoirParams, ResetMode};
pub use real::{ROW_ALIGN, Real, padded};
pub use reservoir::{Reservoir, Trace, Workspace};
pub use synapses::{DenseSynapses, Synapses};
