//! Event data: types, dataset formats, transforms, binning and datasets.
//!
//! (Crate documentation is completed below.)

pub mod binning;
mod dataset;
mod error;
mod event;
pub mod idx;
pub mod nmnist;
pub mod npy;
pub mod ntidigits;
mod raster;
pub mod stats;
pub mod summary;
pub mod transform;

pub use binning::{AudioBinning, BinSpec, PolarityMode, TimeBins, TimeOrigin, VisionBinning};
pub use dataset::{
    Dataset, DatasetFormat, EventSource, InMemorySource, SampleInfo, Split, pair_by_label,
};
pub use error::{Error, IN_MEMORY, Result};
pub use event::{
    AudioEvent, AudioSensor, AudioStream, Event, EventStream, VisionEvent, VisionSensor,
    VisionStream,
};
pub use nmnist::{NmnistDirWriter, NmnistOptions, NmnistSource, NmnistZipWriter};
pub use ntidigits::{LabelMap, NtidigitsKey, NtidigitsOptions, NtidigitsSource, NtidigitsWriter};
pub use raster::SpikeRaster;
pub use summary::{Summary, summarize};
