//! Errors of this crate.

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A spike raster was given a channel outside its range.
    #[error("raster step {step}: channel {channel} is outside 0..{channels}")]
    ChannelOutOfRange {
        /// Time step of the entry.
        step: usize,
        /// The offending channel.
        channel: u32,
        /// Number of channels of the raster.
        channels: u32,
    },
    /// A step given as sorted entries is not strictly increasing, or its
    /// counts do not match its channels.
    #[error("raster step {step}: {what}")]
    UnsortedStep {
        /// Time step of the entry.
        step: usize,
        /// What is wrong.
        what: String,
    },
    /// A raster has more entries than its 32-bit offsets can index.
    #[error("raster has {entries} entries, more than 2^32 - 1")]
    RasterTooLarge {
        /// Number of entries.
        entries: usize,
    },
    /// A dense array does not hold `steps x channels` values.
    #[error(
        "dense spike array: expected {steps} steps x {channels} channels, found {values} values"
    )]
    DenseShape {
        /// Steps asked for.
        steps: usize,
        /// Channels asked for.
        channels: u32,
        /// Values given.
        values: usize,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
