//! Operation counts, training multiply-accumulates and inference energy.
//!
//! The compute crates count what they did (digital multiply-accumulates,
//! additions, converter conversions, crossbar cell reads, spike events); this
//! crate turns counts into costs with technology tables (energy per operation,
//! with units and sources) and provides the analytical training cost of the
//! paper's models, with the counting convention stated explicitly.
//!
//! # What this crate must not know
//!
//! How the counted work was done: it holds counts and tables, nothing of
//! devices, spikes or training.

mod counts;
mod error;

pub use counts::OpCounts;
pub use error::{Error, Result};
