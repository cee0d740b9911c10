//! The encode step on its own: a formed chip (for example one saved with
//! `Macro::save` and loaded with `Macro::load`) and a figure's preset turn
//! the figure's data into spike-count features, on the chip ("hardware":
//! read noise, converters, as the macro is set up) and on its digital twin
//! ("software": the very same weights, read ideally), with the labels and
//! the split of every sample.
//!
//! The files [`EncodedData::write_npy`] writes, readable by `numpy.load`:
//!
//! | file | dtype | shape | what |
//! |---|---|---|---|
//! | `features_software.npy` | `<u4` | (samples, n_res) | spike counts on the digital twin |
//! | `features_hardware.npy` | `<u4` | (samples, n_res) | spike counts on the macro |
//! | `labels.npy` | `<u2` | (samples,) | class of each sample |
//! | `split.npy` | `u1` | (samples,) | 0 for a training sample, 1 for a test sample |
//!
//! Training samples come first, then test samples, each in the order of the
//! figure's seeded split. Sample `i` of a split draws its read noise from the
//! chip's seed keyed by [`lsm::Split`], so two encodes of the same data on the
//! same chip are byte-identical, with any number of threads.

use param_guard::ParamGuard;
use std::path::Path;
use std::sync::Arc;

use cim_macro::Macro;
use events::{AudioBinning, Binner, DataConfig, Dataset, EventSource, VisionBinning};
use lsm::{EncodeOptions, Features, MacroSynapses, Reservoir, Split, digital_twin};

use crate::context::{Ctx, Figure, RunOptions};
use crate::controls::{ControlSettings, convex_readout, test_accuracy_per_c};
use crate::error::{Context, Result, bail, ensure};
use crate::output::Stages;
use crate::supervised::{Prepared, SupervisedPreset, Task, encode, prepare};
use nalgebra::DMatrix;
use seeds::Seeds;
use serde::Serialize;

/// Features of a figure's data on a chip and on its digital twin.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedData {
    /// Counts on the digital twin (ideal reads of the chip's weights).
    pub software: Features,
    /// Counts on the macro.
    pub hardware: Features,
    /// Class of each sample.
    pub labels: Vec<u16>,
    /// 0 for a training sample, 1 for a test sample.
    pub split: Vec<u8>,
}

impl EncodedData {
    /// Writes the four `.npy` files of the module's table into `dir`
    /// (created if needed).
    pub fn write_npy(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let n = self.labels.len();
        for (name, f) in [
            ("features_software.npy", &self.software),
            ("features_hardware.npy", &self.hardware),
        ] {
            events::npy::write_npy(dir.join(name), &[f.samples, f.n_res], &f.counts)?;
        }
        events::npy::write_npy(dir.join("labels.npy"), &[n], &self.labels)?;
        events::npy::write_npy(dir.join("split.npy"), &[n], &self.split)?;
        Ok(())
    }
}

/// The arrays of [`EncodedData::write_npy`] read back (by another run, or
/// after another tool wrote arrays of the same layout): what the readout
/// needs, without the per-sample steps and counters the files do not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedFiles {
    /// Neurons (features per sample).
    pub n_res: usize,
    /// `samples x n_res` counts on the digital twin, row-major.
    pub software: Vec<u32>,
    /// `samples x n_res` counts on the macro, row-major.
    pub hardware: Vec<u32>,
    /// Class of each sample.
    pub labels: Vec<u16>,
    /// 0 for a training sample, 1 for a test sample.
    pub split: Vec<u8>,
}

/// Training and test features with their labels.
pub type SplitMatrices = ((DMatrix<f64>, Vec<usize>), (DMatrix<f64>, Vec<usize>));

impl EncodedFiles {
    /// Reads the four files from `dir`. Errors name the file: missing,
    /// another dtype, shapes that disagree, a split value other than 0 or 1.
    pub fn read(dir: &Path) -> Result<EncodedFiles> {
        let matrix = |name: &str| -> Result<(usize, usize, Vec<u32>)> {
            let path = dir.join(name);
            let (shape, v) = events::npy::read_npy::<u32>(&path)?;
            match shape[..] {
                [n, f] => Ok((n, f, v)),
                _ => bail!(
                    "{}: shape {shape:?}, expected (samples, neurons)",
                    path.display()
                ),
            }
        };
        let (n, f, software) = matrix("features_software.npy")?;
        let (nh, fh, hardware) = matrix("features_hardware.npy")?;
        ensure!(
            (nh, fh) == (n, f),
            "{}: shape ({nh}, {fh}) differs from features_software.npy's ({n}, {f})",
            dir.join("features_hardware.npy").display()
        );
        let labels = read_vector::<u16>(dir, "labels.npy", n)?;
        let split = read_vector::<u8>(dir, "split.npy", n)?;
        if let Some(i) = split.iter().position(|&s| s > 1) {
            bail!(
                "{}: sample {i}: split = {} is invalid: must be 0 (train) or 1 (test)",
                dir.join("split.npy").display(),
                split[i]
            );
        }
        Ok(EncodedFiles {
            n_res: f,
            software,
            hardware,
            labels,
            split,
        })
    }

    /// The training and test features of one backend (`hardware`: the
    /// macro's, else the digital twin's) as `f64` matrices, with labels.
    pub fn splits(&self, hardware: bool) -> SplitMatrices {
        let counts = if hardware {
            &self.hardware
        } else {
            &self.software
        };
        let part = |which: u8| {
            let rows: Vec<usize> = (0..self.split.len())
                .filter(|&i| self.split[i] == which)
                .collect();
            let x = DMatrix::from_fn(rows.len(), self.n_res, |r, c| {
                f64::from(counts[rows[r] * self.n_res + c])
            });
            let y = rows.iter().map(|&i| usize::from(self.labels[i])).collect();
            (x, y)
        };
        (part(0), part(1))
    }
}

/// One `C` of [`FileReadout::per_c`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerC {
    /// The strength.
    pub c: f64,
    /// Cross-validated accuracy on the training split, in %.
    pub cv_accuracy: f64,
    /// Test accuracy of the refit on the whole training split, in %
    /// (reported for comparisons at equal `C`, never used for selection).
    pub test_accuracy: f64,
    /// The refit's objective (scikit-learn's scale).
    pub objective: f64,
}

/// The convex readout of one backend's features read from files.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReadout {
    /// `software` or `hardware`.
    pub backend: &'static str,
    /// Classes (largest label + 1).
    pub classes: usize,
    /// Training samples.
    pub train_samples: usize,
    /// Test samples.
    pub test_samples: usize,
    /// `C` chosen by cross-validation on the training split.
    pub c: f64,
    /// Its cross-validated accuracy, in %.
    pub cv_accuracy: f64,
    /// Test accuracy at the chosen `C`, in %.
    pub test_accuracy: f64,
    /// 95 % Wilson interval of the test accuracy, in %.
    pub test_accuracy_ci: (f64, f64),
    /// The refit at the chosen `C` reached the tolerance.
    pub converged: bool,
    /// Every `C` of the grid.
    pub per_c: Vec<PerC>,
}

/// The convex readout on the files of `cargo xtask encode` (both
/// backends): `C` chosen by cross-validation on the training samples, the
/// test accuracy there, and every `C`'s test accuracy beside it for
/// comparisons with other implementations on the same arrays.
pub fn readout_encoded(
    settings: &ControlSettings,
    files: &EncodedFiles,
    seeds: Seeds,
) -> Result<Vec<FileReadout>> {
    let classes = files.labels.iter().max().map_or(0, |&l| usize::from(l) + 1);
    [("software", false), ("hardware", true)]
        .into_iter()
        .map(|(backend, hw)| {
            let ((xtr, ytr), (xte, yte)) = files.splits(hw);
            ensure!(
                !ytr.is_empty() && !yte.is_empty(),
                "the files hold {} training and {} test samples; both splits are needed",
                ytr.len(),
                yte.len()
            );
            let r = convex_readout(settings, (&xtr, &ytr), (&xte, &yte), classes, seeds)?;
            let per_c = test_accuracy_per_c(settings, (&xtr, &ytr), (&xte, &yte), classes)?
                .into_iter()
                .zip(&r.candidates)
                .map(|((c, test, objective), cand)| PerC {
                    c,
                    cv_accuracy: 100.0 * cand.validation_accuracy,
                    test_accuracy: 100.0 * test,
                    objective,
                })
                .collect();
            Ok(FileReadout {
                backend,
                classes,
                train_samples: ytr.len(),
                test_samples: yte.len(),
                c: r.c,
                cv_accuracy: 100.0 * r.cv_accuracy(),
                test_accuracy: 100.0 * r.test.accuracy,
                test_accuracy_ci: r.interval_pct(),
                converged: r.converged,
                per_c,
            })
        })
        .collect()
}

/// A one-dimensional array of `n` values from `dir/name`.
fn read_vector<T: npyz::Deserialize>(dir: &Path, name: &str, n: usize) -> Result<Vec<T>> {
    let path = dir.join(name);
    let (shape, v) = events::npy::read_npy::<T>(&path)?;
    ensure!(
        shape == [n],
        "{}: shape {shape:?}, expected ({n},) as the features",
        path.display()
    );
    Ok(v)
}

/// Encodes the data of `figure` (Fig. 2: N-MNIST, Fig. 3: N-TIDIGITS, from
/// the source the options give) on partition `partition` of `chip` (the
/// preset's partition when `None`), with the preset's binning, splits, caps
/// and reservoir. The chip's own seed keys the read noise.
pub fn encode_figure_data(
    figure: Figure,
    options: &RunOptions,
    chip: Arc<Macro>,
    partition: Option<&str>,
) -> Result<EncodedData> {
    let mut ctx = Ctx {
        options,
        figure,
        stages: Stages::default(),
    };
    match figure {
        Figure::Fig2 => {
            let (preset, _) = ctx.preset::<SupervisedPreset<VisionBinning>>(Some("data"))?;
            let prepared = prepare_data(&mut ctx, &preset, DataConfig::vision, &crate::fig2::TASK)?;
            on_chip(&preset, &prepared, chip, partition)
        }
        Figure::Fig3 => {
            let (preset, _) = ctx.preset::<SupervisedPreset<AudioBinning>>(Some("data"))?;
            let prepared = prepare_data(&mut ctx, &preset, DataConfig::audio, &crate::fig3::TASK)?;
            on_chip(&preset, &prepared, chip, partition)
        }
        other => bail!(
            "{} has no event data to encode: use fig2 (N-MNIST) or fig3 (N-TIDIGITS)",
            other.name()
        ),
    }
}

/// Opens the preset's data with `open`, splits, caps and bins it.
fn prepare_data<B, S>(
    ctx: &mut Ctx<'_>,
    preset: &SupervisedPreset<B>,
    open: impl FnOnce(&DataConfig, Seeds) -> events::Result<Dataset<S>>,
    task: &Task,
) -> Result<Prepared>
where
    S: EventSource,
    B: Binner<S::Event>,
{
    preset.data.validate()?;
    let seeds = Seeds::new(preset.seed);
    let data = open(&preset.data, seeds)?;
    prepare(
        &mut ctx.stages,
        &data,
        &preset.binning,
        &preset.limits,
        task,
        seeds,
    )
}

fn on_chip<B>(
    preset: &SupervisedPreset<B>,
    prepared: &Prepared,
    chip: Arc<Macro>,
    partition: Option<&str>,
) -> Result<EncodedData> {
    preset.reservoir.validate()?;
    let seeds = chip.seeds();
    let partition = partition.unwrap_or(&preset.partition);
    let hardware = Reservoir::<f32, _>::new(
        preset.reservoir.clone(),
        MacroSynapses::for_reservoir(chip, partition, &preset.reservoir)?,
    )?;
    let software = Reservoir::new(
        preset.reservoir.clone(),
        digital_twin::<f32>(hardware.synapses())?,
    )?;
    let both = |split: Split, rasters| -> Result<(Features, Features)> {
        let o = EncodeOptions::for_split(seeds, split);
        Ok((
            encode(&software, rasters, o, "software")?,
            encode(&hardware, rasters, o, "hardware")?,
        ))
    };
    let (sw_train, hw_train) = both(Split::Train, &prepared.train_r)?;
    let (sw_test, hw_test) = both(Split::Test, &prepared.test_r)?;
    let join = |a: Features, b: Features| Features {
        samples: a.samples + b.samples,
        n_res: a.n_res,
        counts: [a.counts, b.counts].concat(),
        steps: [a.steps, b.steps].concat(),
        ops: a.ops + b.ops,
    };
    let labels = prepared
        .train_y
        .iter()
        .chain(&prepared.test_y)
        .map(|&l| {
            u16::try_from(l).map_err(|_| crate::error::err!("label {l} does not fit 16 bits"))
        })
        .collect::<Result<_>>()?;
    let split = std::iter::repeat_n(0u8, prepared.train_y.len())
        .chain(std::iter::repeat_n(1u8, prepared.test_y.len()))
        .collect();
    Ok(EncodedData {
        software: join(sw_train, sw_test),
        hardware: join(hw_train, hw_test),
        labels,
        split,
    })
}
