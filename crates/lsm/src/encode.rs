//! Encoding whole datasets in parallel, reproducibly.

use std::borrow::Borrow;
use std::sync::atomic::{AtomicUsize, Ordering};

use costmodel::OpCounts;
use rayon::prelude::*;
use seeds::{Purpose, Seeds};
use spikes::SpikeRaster;

use crate::error::{Error, Result};
use crate::real::Real;
use crate::reservoir::Reservoir;
use crate::synapses::Synapses;

/// Samples are encoded in blocks of this many; operation counts are summed
/// per block and then over blocks in order, so totals (including the
/// floating-point conductance sums of a macro backend) do not depend on the
/// number of threads.
const BLOCK: usize = 64;

/// Counts, steps and operations of one block of samples.
type Block = (Vec<u32>, Vec<u32>, OpCounts);

/// How a dataset is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeOptions {
    /// The experiment's seeds; sample `i` draws its read noise from
    /// `seeds.keyed(Purpose::ReadNoise, key_offset + i)`.
    pub seeds: Seeds,
    /// Added to the sample index to key its random stream; give each split
    /// of a dataset its own offset (e.g. train 0, test `1 << 32`) so no two
    /// samples share noise.
    pub key_offset: u64,
}

/// Which split of a dataset a sample belongs to, for the keys of its
/// random streams: the training split's samples are keyed from 0, the test
/// split's from 2^32, so no training and test sample share read noise
/// however large the splits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    /// Keys from 0.
    Train,
    /// Keys from 2^32.
    Test,
}

impl Split {
    /// The key of the split's first sample.
    pub const fn key_offset(self) -> u64 {
        match self {
            Split::Train => 0,
            Split::Test => 1 << 32,
        }
    }
}

impl EncodeOptions {
    /// Options with the given seeds and key offset 0.
    pub fn new(seeds: Seeds) -> Self {
        Self {
            seeds,
            key_offset: 0,
        }
    }

    /// Options for the samples of `split`: keys from [`Split::key_offset`].
    ///
    /// ```
    /// use lsm::{EncodeOptions, Split};
    /// let o = EncodeOptions::for_split(seeds::Seeds::new(10), Split::Test);
    /// assert_eq!(o.key_offset, 1 << 32);
    /// ```
    pub fn for_split(seeds: Seeds, split: Split) -> Self {
        Self {
            seeds,
            key_offset: split.key_offset(),
        }
    }
}

/// Spike-count features of a dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    /// Number of samples.
    pub samples: usize,
    /// Number of neurons (features per sample).
    pub n_res: usize,
    /// `samples x n_res` spike counts, row-major.
    pub counts: Vec<u32>,
    /// Time steps of each sample (the readout may divide counts by it).
    pub steps: Vec<u32>,
    /// Operations of the whole encoding.
    pub ops: OpCounts,
}

impl Features {
    /// The counts of sample `i`.
    pub fn row(&self, i: usize) -> &[u32] {
        &self.counts[i * self.n_res..(i + 1) * self.n_res]
    }

    /// The counts as a dense `samples x n_res` matrix of `f64`, the readout's
    /// input.
    ///
    /// ```
    /// let f = lsm::Features {
    ///     samples: 2,
    ///     n_res: 3,
    ///     counts: vec![1, 0, 2, 0, 5, 0],
    ///     steps: vec![10, 10],
    ///     ops: Default::default(),
    /// };
    /// let m = f.to_matrix();
    /// assert_eq!((m.nrows(), m.ncols()), (2, 3));
    /// assert_eq!(m[(1, 1)], 5.0);
    /// ```
    pub fn to_matrix(&self) -> nalgebra::DMatrix<f64> {
        nalgebra::DMatrix::from_fn(self.samples, self.n_res, |i, j| {
            f64::from(self.counts[i * self.n_res + j])
        })
    }
}

impl<F: Real, S: Synapses<F>> Reservoir<F, S> {
    /// Encodes `n` samples produced by `load(i)` on the current rayon pool,
    /// calling `progress(done)` as samples finish. Results are identical for
    /// any number of threads: each sample has its own random stream keyed by
    /// its index, and counts are summed in sample order.
    pub fn encode_with<L, R>(
        &self,
        n: usize,
        load: L,
        options: EncodeOptions,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Features>
    where
        L: Fn(usize) -> Result<R> + Sync,
        R: Borrow<SpikeRaster>,
    {
        let n_res = self.params().n_res;
        let done = AtomicUsize::new(0);
        let blocks: Vec<Result<Block>> = (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .map_init(
                || self.workspace(),
                |ws, b| {
                    let ws = ws.as_mut().map_err(|e| Error::Workspace(e.to_string()))?;
                    let range = b * BLOCK..((b + 1) * BLOCK).min(n);
                    let mut counts = vec![0u32; range.len() * n_res];
                    let mut steps = Vec::with_capacity(range.len());
                    let mut ops = OpCounts::default();
                    for (k, i) in range.enumerate() {
                        let loaded = load(i)?;
                        let raster = loaded.borrow();
                        let mut rng = options
                            .seeds
                            .keyed(Purpose::ReadNoise, options.key_offset + i as u64);
                        let out = &mut counts[k * n_res..(k + 1) * n_res];
                        ops += self
                            .run(raster, ws, &mut rng, out, None)
                            .map_err(|e| with_sample(e, i))?;
                        steps.push(u32::try_from(raster.steps()).unwrap_or(u32::MAX));
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                    }
                    Ok((counts, steps, ops))
                },
            )
            .collect();
        let mut features = Features {
            samples: n,
            n_res,
            counts: Vec::with_capacity(n * n_res),
            steps: Vec::with_capacity(n),
            ops: OpCounts::default(),
        };
        for block in blocks {
            let (counts, steps, ops) = block?;
            features.counts.extend_from_slice(&counts);
            features.steps.extend_from_slice(&steps);
            features.ops += ops;
        }
        Ok(features)
    }

    /// Encodes rasters already in memory (see [`Reservoir::encode_with`]).
    pub fn encode(&self, rasters: &[SpikeRaster], options: EncodeOptions) -> Result<Features> {
        self.encode_with(rasters.len(), |i| Ok(&rasters[i]), options, &|_| {})
    }
}

fn with_sample(err: Error, sample: usize) -> Error {
    match err {
        Error::InputWidth {
            expected, found, ..
        } => Error::InputWidth {
            sample,
            expected,
            found,
        },
        other => other,
    }
}
