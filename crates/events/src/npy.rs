//! Export to NumPy `.npy` files, for Python users, and [`read_npy`] to read
//! such arrays back.
//!
//! * Binned datasets: [`RasterNpyWriter`] streams rasters into one array of
//!   shape `(samples, steps, channels)` in C order, `uint8` (binary: 1 where a
//!   channel is active) or `uint16` (counts), one sample at a time, so a whole
//!   dataset never has to be dense in memory. `np.load(path)` reads it.
//! * Features and labels: [`write_features`] (`float32 (rows, cols)`) and
//!   [`write_labels`] (`uint16 (n,)`), or any array with [`write_npy`].

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use npyz::WriterBuilder;
use spikes::SpikeRaster;

use crate::error::{Error, Result, display, io_error};
use param_guard::ParamError;

/// Reads an array of element type `T` (its shape and its values in C
/// order). Errors name the file: unreadable, not an `.npy` file, a dtype
/// other than `T`'s, or Fortran order.
///
/// ```
/// let path = std::env::temp_dir().join("events-read-npy-doctest.npy");
/// events::npy::write_npy(&path, &[2, 3], &[1u32, 2, 3, 4, 5, 6])?;
/// let (shape, values) = events::npy::read_npy::<u32>(&path)?;
/// assert_eq!((shape, values), (vec![2, 3], vec![1, 2, 3, 4, 5, 6]));
/// // Another element type is an error naming the file and the dtype.
/// let err = events::npy::read_npy::<f32>(&path).unwrap_err().to_string();
/// assert!(err.contains("events-read-npy-doctest.npy") && err.contains("<u4"));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), events::Error>(())
/// ```
pub fn read_npy<T: npyz::Deserialize>(path: impl AsRef<Path>) -> Result<(Vec<usize>, Vec<T>)> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    let bad = |field: &str, value: String, allowed: &str| Error::BadValue {
        file: display(path),
        item: "header".into(),
        field: field.into(),
        value,
        allowed: allowed.into(),
    };
    let npy = npyz::NpyFile::new(&bytes[..]).map_err(|e| {
        bad(
            "magic or header",
            e.to_string(),
            "a NumPy .npy file (version 1-3)",
        )
    })?;
    if npy.order() == npyz::Order::Fortran {
        return Err(bad("fortran_order", "True".into(), "False (C order)"));
    }
    let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    let descr = npy.dtype().descr();
    let data = npy
        .into_vec::<T>()
        .map_err(|e| bad("descr", descr, &format!("the element type asked for ({e})")))?;
    Ok((shape, data))
}

/// Writes `data` as an array of `shape` (C order). The length must equal
/// the product of the shape.
pub fn write_npy<T>(path: impl AsRef<Path>, shape: &[usize], data: &[T]) -> Result<()>
where
    T: npyz::AutoSerialize + npyz::Serialize,
{
    let path = path.as_ref();
    let expected = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if expected != Some(data.len()) {
        return Err(Error::InvalidParameter(ParamError {
            field: "shape".into(),
            value: format!("{shape:?}"),
            allowed: format!(
                "dimensions whose product is the {} values given",
                data.len()
            ),
        }));
    }
    let file = File::create(path).map_err(io_error(path))?;
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    let mut writer = npyz::WriteOptions::<T>::new()
        .default_dtype()
        .shape(&shape)
        .writer(BufWriter::new(file))
        .begin_nd()
        .map_err(io_error(path))?;
    for v in data {
        writer.push(v).map_err(io_error(path))?;
    }
    writer.finish().map_err(io_error(path))
}

/// Writes a feature matrix (`rows x cols`, row-major) as `float32`.
pub fn write_features(
    path: impl AsRef<Path>,
    features: &[f32],
    rows: usize,
    cols: usize,
) -> Result<()> {
    write_npy(path, &[rows, cols], features)
}

/// Writes class labels as `uint16`.
pub fn write_labels(path: impl AsRef<Path>, labels: &[u16]) -> Result<()> {
    write_npy(path, &[labels.len()], labels)
}

enum Inner {
    Binary(npyz::NpyWriter<u8, BufWriter<File>>),
    Counts(npyz::NpyWriter<u16, BufWriter<File>>),
}

/// Streams rasters into an `(samples, steps, channels)` array: `uint8`
/// binary or `uint16` counts. Every raster must have the declared steps and
/// channels; [`RasterNpyWriter::finish`] checks that `samples` were pushed.
pub struct RasterNpyWriter {
    path: PathBuf,
    inner: Inner,
    samples: usize,
    steps: usize,
    channels: u32,
    pushed: usize,
}

impl std::fmt::Debug for RasterNpyWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RasterNpyWriter")
            .field("path", &self.path)
            .field("shape", &(self.samples, self.steps, self.channels))
            .field("pushed", &self.pushed)
            .finish()
    }
}

impl RasterNpyWriter {
    /// Creates the file for `samples` rasters of `steps x channels`;
    /// `counts` selects `uint16` counts over `uint8` binary values.
    pub fn create(
        path: impl AsRef<Path>,
        samples: usize,
        steps: usize,
        channels: u32,
        counts: bool,
    ) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let shape = [samples as u64, steps as u64, u64::from(channels)];
        let file = BufWriter::new(File::create(&path).map_err(io_error(&path))?);
        let inner = if counts {
            Inner::Counts(
                npyz::WriteOptions::new()
                    .default_dtype()
                    .shape(&shape)
                    .writer(file)
                    .begin_nd()
                    .map_err(io_error(&path))?,
            )
        } else {
            Inner::Binary(
                npyz::WriteOptions::new()
                    .default_dtype()
                    .shape(&shape)
                    .writer(file)
                    .begin_nd()
                    .map_err(io_error(&path))?,
            )
        };
        Ok(Self {
            path,
            inner,
            samples,
            steps,
            channels,
            pushed: 0,
        })
    }

    /// Appends the next sample.
    pub fn push(&mut self, raster: &SpikeRaster) -> Result<()> {
        let sample = self.pushed;
        let bad = |field: &str, value: String, allowed: String| Error::BadValue {
            file: display(&self.path),
            item: format!("sample {sample}"),
            field: field.into(),
            value,
            allowed,
        };
        if sample >= self.samples {
            return Err(bad(
                "samples",
                (sample + 1).to_string(),
                format!("at most the {} declared", self.samples),
            ));
        }
        if raster.steps() != self.steps || raster.channels() != self.channels {
            return Err(bad(
                "shape",
                format!("{} x {}", raster.steps(), raster.channels()),
                format!("{} steps x {} channels", self.steps, self.channels),
            ));
        }
        let dense = raster.to_dense();
        let path = &self.path;
        match &mut self.inner {
            Inner::Binary(w) => {
                for &v in &dense {
                    w.push(&u8::from(v > 0)).map_err(io_error(path))?;
                }
            }
            Inner::Counts(w) => {
                for (k, &v) in dense.iter().enumerate() {
                    let n = u16::try_from(v).map_err(|_| Error::BadValue {
                        file: display(path),
                        item: format!(
                            "sample {sample} step {} channel {}",
                            k / self.channels.max(1) as usize,
                            k % self.channels.max(1) as usize
                        ),
                        field: "count".into(),
                        value: v.to_string(),
                        allowed: "at most 65535 (uint16)".into(),
                    })?;
                    w.push(&n).map_err(io_error(path))?;
                }
            }
        }
        self.pushed += 1;
        Ok(())
    }

    /// Checks every declared sample was pushed and closes the file.
    pub fn finish(self) -> Result<()> {
        if self.pushed != self.samples {
            return Err(Error::BadValue {
                file: display(&self.path),
                item: "array".into(),
                field: "samples pushed".into(),
                value: self.pushed.to_string(),
                allowed: format!("exactly the {} declared", self.samples),
            });
        }
        let path = self.path;
        match self.inner {
            Inner::Binary(w) => w.finish(),
            Inner::Counts(w) => w.finish(),
        }
        .map_err(io_error(&path))
    }
}

/// Writes rasters (all of the first one's shape) in one call.
pub fn write_rasters(path: impl AsRef<Path>, rasters: &[SpikeRaster], counts: bool) -> Result<()> {
    let (steps, channels) = rasters
        .first()
        .map_or((0, 0), |r| (r.steps(), r.channels()));
    let mut w = RasterNpyWriter::create(path, rasters.len(), steps, channels, counts)?;
    for r in rasters {
        w.push(r)?;
    }
    w.finish()
}
