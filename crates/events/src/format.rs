//! The on-disk formats this crate reads, and how a path is recognised as one.
//!
//! Recognition looks only at the path itself (a folder's subfolders and zip
//! files, a file's first bytes); the readers in [`crate::nmnist`] and
//! [`crate::ntidigits`] build on it, never the other way round.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::dataset::Split;
use crate::error::{Error, Result, display, io_error};
use param_guard::ParamError;

/// The first 8 bytes of every HDF5 file.
pub const HDF5_SIGNATURE: &[u8] = b"\x89HDF\r\n\x1a\n";

/// The on-disk formats this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetFormat {
    /// One N-MNIST `.bin` file.
    NmnistBin,
    /// An N-MNIST root with `Train/<d>/*.bin` and `Test/<d>/*.bin`.
    NmnistDir,
    /// The original `Train.zip` / `Test.zip` (one zip, or a folder holding them).
    NmnistZip,
    /// The N-TIDIGITS HDF5 file.
    NtidigitsH5,
}

impl DatasetFormat {
    /// Every format, in the order of their names.
    pub const ALL: [DatasetFormat; 4] = [
        DatasetFormat::NmnistBin,
        DatasetFormat::NmnistDir,
        DatasetFormat::NmnistZip,
        DatasetFormat::NtidigitsH5,
    ];

    /// The command-line name: `nmnist-bin`, `nmnist-dir`, `nmnist-zip`,
    /// `ntidigits-h5`.
    pub fn name(self) -> &'static str {
        match self {
            DatasetFormat::NmnistBin => "nmnist-bin",
            DatasetFormat::NmnistDir => "nmnist-dir",
            DatasetFormat::NmnistZip => "nmnist-zip",
            DatasetFormat::NtidigitsH5 => "ntidigits-h5",
        }
    }

    /// Whether the samples are vision events.
    pub fn is_vision(self) -> bool {
        !matches!(self, DatasetFormat::NtidigitsH5)
    }

    /// Guesses the format of `path`: a directory with `Train`/`Test` (or
    /// digit) subfolders is `nmnist-dir`, one holding `Train.zip` /
    /// `Test.zip` is `nmnist-zip`; a file starting with the HDF5 signature is
    /// `ntidigits-h5`, one starting with the zip signature is `nmnist-zip`,
    /// anything else `nmnist-bin`.
    pub fn detect(path: &Path) -> Result<Self> {
        use std::io::Read;
        let meta = std::fs::metadata(path).map_err(io_error(path))?;
        if meta.is_dir() {
            if looks_like_nmnist_dir(path)? {
                return Ok(DatasetFormat::NmnistDir);
            }
            if !zips_in(path)?.is_empty() {
                return Ok(DatasetFormat::NmnistZip);
            }
            return Err(Error::NoDataset {
                path: display(path),
                message: "expected an N-MNIST root (Train/<digit>/*.bin, Test/<digit>/*.bin) or a folder holding Train.zip / Test.zip".into(),
            });
        }
        let mut head = [0u8; 8];
        let mut file = std::fs::File::open(path).map_err(io_error(path))?;
        let n = file.read(&mut head).map_err(io_error(path))?;
        let head = &head[..n];
        if head.starts_with(HDF5_SIGNATURE) {
            Ok(DatasetFormat::NtidigitsH5)
        } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Ok(DatasetFormat::NmnistZip)
        } else {
            Ok(DatasetFormat::NmnistBin)
        }
    }
}

impl fmt::Display for DatasetFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DatasetFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        DatasetFormat::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                Error::InvalidParameter(ParamError {
                    field: "format".into(),
                    value: s.to_owned(),
                    allowed: "one of nmnist-bin, nmnist-dir, nmnist-zip, ntidigits-h5".into(),
                })
            })
    }
}

/// Whether `dir` looks like an N-MNIST root or split folder: it has a
/// `Train` or `Test` subfolder, or numbered class subfolders.
pub(crate) fn looks_like_nmnist_dir(dir: &Path) -> Result<bool> {
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir()
            && (Split::from_name(&name).is_some() || name.parse::<u16>().is_ok())
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The zips in `dir` named like a split (`Train.zip`, `test.zip`), sorted.
pub(crate) fn zips_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut zips = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        let is_zip = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        if path.is_file() && is_zip && stem.is_some_and(|s| Split::from_name(&s).is_some()) {
            zips.push(path);
        }
    }
    zips.sort();
    Ok(zips)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in DatasetFormat::ALL {
            assert_eq!(f.name().parse::<DatasetFormat>().unwrap(), f);
        }
        assert!("nmnist".parse::<DatasetFormat>().is_err());
    }
}
