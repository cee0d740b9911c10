//! Event data: types, dataset formats, transforms and emulators.
//!
//! * Vision events `(t, x, y, polarity)` from a dynamic vision sensor, as in
//!   N-MNIST (34 x 34 pixels, two polarities, microsecond timestamps).
//! * Audio events `(t, channel)` from a dynamic audio sensor, as in N-TIDIGITS
//!   (64 cochlea channels).
//! * Readers and writers of the real dataset formats, transforms (crop,
//!   downsample, denoise, binning into time steps) and labelled datasets with
//!   seeded splits.
//! * Emulators that turn plain images and speech into such events.
//!
//! The binned spike raster (the active channels of each time step) is what the
//! reservoir consumes. Timestamps are integer microseconds.
//!
//! # What this crate must not know
//!
//! Nothing of reservoirs, devices or training; it never downloads anything.

mod error;
mod raster;

pub use error::{Error, Result};
pub use raster::SpikeRaster;
