//! The command-line options that `reproduce` and `sweep` share: where the
//! data come from, the seed, the thread count, the output directory and the
//! quick scale.

use std::path::PathBuf;

use anyhow::{Result, bail};
use experiments::{DataKind, DataOverrides};

/// Which data a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataArg {
    /// Built-in synthetic digits and speech through the emulators.
    Synthetic,
    /// MNIST IDX digits and WAV recordings through the emulators.
    Emulated,
    /// The real N-MNIST and N-TIDIGITS datasets.
    Real,
}

impl From<DataArg> for DataKind {
    fn from(d: DataArg) -> Self {
        match d {
            DataArg::Synthetic => DataKind::Synthetic,
            DataArg::Emulated => DataKind::Emulated,
            DataArg::Real => DataKind::Real,
        }
    }
}

/// Data-source options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DataArgs {
    /// Data source (default: what the dataset paths imply, else the preset's or spec's).
    #[arg(long, value_enum)]
    pub data: Option<DataArg>,
    /// Real N-MNIST: a root with Train/ and Test/, the original zips, or a folder of them.
    #[arg(long)]
    pub nmnist: Option<PathBuf>,
    /// Real N-TIDIGITS: the HDF5 file.
    #[arg(long)]
    pub ntidigits: Option<PathBuf>,
    /// Emulated vision: a folder of MNIST IDX files.
    #[arg(long)]
    pub mnist_idx: Option<PathBuf>,
    /// Emulated audio: a folder of `{digit}_{speaker}_{index}.wav` recordings.
    #[arg(long)]
    pub speech_wav: Option<PathBuf>,
}

impl DataArgs {
    /// The library's data overrides.
    pub fn overrides(&self) -> DataOverrides {
        DataOverrides {
            kind: self.data.map(DataKind::from),
            nmnist: self.nmnist.clone(),
            ntidigits: self.ntidigits.clone(),
            mnist_idx: self.mnist_idx.clone(),
            speech_wav: self.speech_wav.clone(),
        }
    }
}

/// Options of every run: data, scale, seed, threads, output.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// Small sample counts and epochs (the preset's or spec's `[quick]` table).
    #[arg(long)]
    pub quick: bool,
    /// Where the data come from.
    #[command(flatten)]
    pub data: DataArgs,
    /// Experiment seed (default: the preset's or spec's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory (default: `results/`, or `results/sweeps/<name>/` for a sweep).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl RunArgs {
    /// A thread pool of `--threads` threads (`None`: the global pool).
    pub fn pool(&self) -> Result<Option<rayon::ThreadPool>> {
        match self.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => Ok(Some(
                rayon::ThreadPoolBuilder::new().num_threads(n).build()?,
            )),
            None => Ok(None),
        }
    }
}
