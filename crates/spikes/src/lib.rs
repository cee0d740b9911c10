//! Binned spike data: the active channels of each time step.
//!
//! An event sensor's output, once binned into `T` time steps over `C`
//! channels (pixels and polarities, or cochlea bands), is a spike raster: for
//! each step the set of channels that fired, optionally with how many events
//! fell into each (channel, step) bin. That is exactly what an event-driven
//! network consumes: at step `t` it adds the fan-out of the active channels
//! and touches nothing else, so the cost of a step is proportional to its
//! activity, not to `C`.
//!
//! This crate holds the data types that the event readers (`events`), the
//! reservoir (`lsm`) and the trained baselines (`baselines`) share, so none
//! of them needs another for its input type:
//!
//! | type | what |
//! |---|---|
//! | [`SpikeRaster`] | `T` steps x `C` channels, stored sparse (compressed rows): the sorted, distinct active channels of each step, optional event counts |
//! | [`SpikeSteps`] | the view a network reads: `channels()`, `steps()`, `step(t) -> &[u32]`; implemented by [`SpikeRaster`] and by references |
//!
//! Channels are `u32` indices in `0..C`; steps are counted from 0 and carry
//! no unit (the binning that made them decides their width). A raster is
//! built step by step ([`SpikeRaster::push_step`]), from per-step lists
//! ([`SpikeRaster::from_steps`]) or from a dense array
//! ([`SpikeRaster::from_dense`]); channels out of range are an [`Error`],
//! never a panic. It serialises with serde, and deserialisation checks the
//! stored form, so a crafted file cannot make [`SpikeRaster::step`] panic.
//!
//! ```
//! use spikes::{SpikeRaster, SpikeSteps};
//!
//! // Two steps over 4 channels; the lists may be unsorted, a repeat is
//! // counted when the raster keeps counts.
//! let mut raster = SpikeRaster::with_counts(4);
//! raster.push_step(&[3, 1, 3])?;
//! raster.push_step(&[])?;
//! assert_eq!(raster.step(0), &[1, 3]);
//! assert_eq!(raster.step_counts(0), Some(&[1, 2][..]));
//! assert_eq!(raster.total_events(), 3);
//! assert_eq!(raster.to_dense(), vec![0, 1, 0, 2, 0, 0, 0, 0]);
//!
//! // What a network reads: the active channels of each step, no counts.
//! fn activity<S: SpikeSteps>(s: &S) -> usize {
//!     (0..s.steps()).map(|t| s.step(t).len()).sum()
//! }
//! assert_eq!(activity(&raster), 2);
//!
//! // Channel 4 does not exist in a 4-channel raster.
//! assert!(raster.push_step(&[4]).is_err());
//! # Ok::<(), spikes::Error>(())
//! ```
//!
//! What it ignores: event times within a step, polarity as anything but a
//! channel, and where the events came from (files, emulators and binning
//! live in `events`).

mod error;
mod raster;
mod steps;

pub use error::{Error, Result};
pub use raster::SpikeRaster;
pub use steps::SpikeSteps;
