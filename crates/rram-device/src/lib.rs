//! Physics of 1T1R TaOx resistive-memory cells.
//!
//! The random synaptic weights of the reservoir are made physically: every
//! as-deposited cell of the array receives the same forming pulse under a
//! current compliance set by its access transistor, and stochastic dielectric
//! breakdown leaves each cell at a random conductance. This crate models that
//! process and what the cell does when it is read afterwards:
//!
//! * pristine (unformed) cells, a high-resistance state near 10 MOhm;
//! * forming under a pulse or a staircase sweep, with a Weibull time to
//!   breakdown whose scale is voltage-accelerated;
//! * the compliance current of the access transistor, which sets the formed
//!   conductance;
//! * read noise (Gaussian, random telegraph, 1/f), retention drift and stuck
//!   cells;
//! * differential pairs, whose conductance difference is a signed weight.
//!
//! All quantities are SI (siemens, volts, seconds) in code; configuration keys
//! carry their unit when it is not obvious (`g_mean_us`).
//!
//! # What this crate must not know
//!
//! Nothing of spikes, neurons, datasets or energy: it turns programming
//! conditions into conductances and reads them.

mod error;

pub use error::{Error, Result};
