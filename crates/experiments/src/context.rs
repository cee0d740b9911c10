//! What every figure's run shares: which figure, the options that resolve
//! its preset, the stage timings, and what it produced.
//!
//! [`crate::run_figure`] loads the figure's preset (`data/presets/<figure>.toml`
//! or [`RunOptions::preset`]), applies the `[quick]` scale and the seed and
//! data overrides, validates it, runs the pipeline stage by stage and
//! returns a [`FigureOutput`]: the flat numbers of `summary.json`, the
//! report, the resolved preset and the data the figure's panels show
//! ([`crate::Panels`], drawn by the `plots` crate). Nothing here writes a file.

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use toml::Value;

use crate::error::{Result, bail, err};
use crate::output::Stages;
use crate::preset;
use crate::report::{Report, Summary};

/// A figure of the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Figure {
    /// Device and macro: forming statistics, read noise, stability.
    Fig1,
    /// N-MNIST supervised classification.
    Fig2,
    /// N-TIDIGITS supervised classification.
    Fig3,
    /// Zero-shot audio-image retrieval.
    Fig4,
}

impl Figure {
    /// The four figures, in order.
    pub const EACH: [Figure; 4] = [Figure::Fig1, Figure::Fig2, Figure::Fig3, Figure::Fig4];

    /// The figure's name as written on the command line and as its
    /// results folder.
    pub fn name(self) -> &'static str {
        match self {
            Figure::Fig1 => "fig1",
            Figure::Fig2 => "fig2",
            Figure::Fig3 => "fig3",
            Figure::Fig4 => "fig4",
        }
    }

    /// What the figure shows.
    pub fn title(self) -> &'static str {
        match self {
            Figure::Fig1 => "device and macro: forming statistics, read noise, stability",
            Figure::Fig2 => "N-MNIST supervised classification",
            Figure::Fig3 => "N-TIDIGITS supervised classification",
            Figure::Fig4 => "zero-shot audio-image retrieval",
        }
    }
}

/// Which data a reproduction or a sweep runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataKind {
    /// Built-in synthetic data.
    Synthetic,
    /// MNIST IDX and WAV recordings through the emulators.
    Emulated,
    /// The real datasets.
    Real,
}

impl DataKind {
    /// The name used in presets and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DataKind::Synthetic => "synthetic",
            DataKind::Emulated => "emulated",
            DataKind::Real => "real",
        }
    }
}

/// Where a run's data come from when the command line overrides the
/// preset's `data.source` (all `None`: the preset decides).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataOverrides {
    /// Data source kind (default: what the paths imply, else the preset's).
    pub kind: Option<DataKind>,
    /// Real N-MNIST: a root with Train/ and Test/, the original zips, or a folder of them.
    pub nmnist: Option<PathBuf>,
    /// Real N-TIDIGITS: the HDF5 file.
    pub ntidigits: Option<PathBuf>,
    /// Emulated vision: a folder of MNIST IDX files.
    pub mnist_idx: Option<PathBuf>,
    /// Emulated audio: a folder of `{digit}_{speaker}_{index}.wav` recordings.
    pub speech_wav: Option<PathBuf>,
}

/// How a figure's preset is resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Preset file (default: `data/presets/<figure>.toml`).
    pub preset: Option<PathBuf>,
    /// Merge the preset's `[quick]` table (small sample counts and epochs).
    pub quick: bool,
    /// Experiment seed (default: the preset's).
    pub seed: Option<u64>,
    /// Data source overrides.
    pub data: DataOverrides,
    /// Which trained baselines run, overriding the presets (`None`: the
    /// presets' choice; empty: none). Names as in [`BASELINE_NAMES`]; Fig. 2
    /// and 3 train the classifiers named, Fig. 4 trains SRNN-CLIP when
    /// `srnn-clip` is named.
    pub baselines: Option<Vec<String>>,
}

/// The trained baselines a run can select: the classifiers of Figs. 2 and 3
/// and the contrastive baseline of Fig. 4.
pub const BASELINE_NAMES: [&str; 4] = ["srnn-ann", "srnn-snn", "rnn-ann", "srnn-clip"];

/// Writes the baseline selection `names` into a preset table: the
/// `[baselines] models` of Figs. 2 and 3, `[srnn_clip] enabled` of Fig. 4.
/// An unknown name is an error naming it and the known ones.
pub fn apply_baseline_selection(
    figure: Figure,
    names: &[String],
    table: &mut toml::Table,
) -> Result<()> {
    if let Some(bad) = names.iter().find(|n| !BASELINE_NAMES.contains(&n.as_str())) {
        bail!(
            "unknown baseline `{bad}` (--baselines takes a comma-separated list of {})",
            BASELINE_NAMES.join(", ")
        );
    }
    match figure {
        Figure::Fig2 | Figure::Fig3 => {
            let models = names
                .iter()
                .filter(|n| n.as_str() != "srnn-clip")
                .map(|n| Value::String(n.clone()))
                .collect();
            preset::set_path(table, "baselines.models", Value::Array(models))
        }
        Figure::Fig4 => preset::set_path(
            table,
            "srnn_clip.enabled",
            Value::Boolean(names.iter().any(|n| n == "srnn-clip")),
        ),
        Figure::Fig1 => Ok(()),
    }
}

impl RunOptions {
    /// The preset file of `figure` these options use.
    pub fn preset_path(&self, figure: Figure) -> PathBuf {
        self.preset
            .clone()
            .unwrap_or_else(|| preset::default_path(figure.name()))
    }
}

/// What one figure produced; `P` is the data of its panels ([`crate::Panels`]
/// for any figure).
#[derive(Debug)]
pub struct FigureOutput<P> {
    /// Flat numbers (`summary.json`).
    pub summary: Summary,
    /// The report (`report.md`); the command layer adds the figure files.
    pub report: Report,
    /// The resolved preset, for the manifest.
    pub resolved: serde_json::Value,
    /// The seed used.
    pub seed: u64,
    /// The data source kind (`synthetic`, `emulated`, `real`, or `none`).
    pub data_source: String,
    /// What the panels show.
    pub panels: P,
    /// Wall time per stage.
    pub stages: Stages,
}

/// The run of one figure: options and stage timings.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The options.
    pub options: &'a RunOptions,
    /// The figure.
    pub figure: Figure,
    /// Wall time per stage.
    pub stages: Stages,
}

impl<P> FigureOutput<P> {
    /// The same output with its panel data mapped by `f`.
    pub fn map_panels<Q>(self, f: impl FnOnce(P) -> Q) -> FigureOutput<Q> {
        FigureOutput {
            summary: self.summary,
            report: self.report,
            resolved: self.resolved,
            seed: self.seed,
            data_source: self.data_source,
            panels: f(self.panels),
            stages: self.stages,
        }
    }
}

impl Ctx<'_> {
    /// Loads the figure's preset with the quick scale and the seed and data
    /// overrides applied; `data_path` is the dotted path of the preset's
    /// data configuration (`None` for figures without data).
    pub fn preset<P: DeserializeOwned>(&self, data_path: Option<&str>) -> Result<(P, PathBuf)> {
        let path = self.options.preset_path(self.figure);
        let mut table = preset::read_table(&path)?;
        preset::apply_quick(&mut table, self.options.quick)?;
        if let Some(seed) = self.options.seed {
            let seed = i64::try_from(seed)
                .map_err(|_| err!("seed {seed} must be below 2^63 (TOML integers are signed)"))?;
            preset::set_path(&mut table, "seed", Value::Integer(seed))?;
        }
        if let Some(names) = &self.options.baselines {
            apply_baseline_selection(self.figure, names, &mut table)?;
        }
        if let Some(data) = data_path {
            apply_data_overrides(&self.options.data, &mut table, data)?;
        }
        Ok((preset::parse(table, &path)?, path))
    }

    /// The figure's stage timings and output, packed.
    pub(crate) fn finish(&mut self) -> Stages {
        std::mem::take(&mut self.stages)
    }
}

/// Writes the data overrides `o` into the preset table at `data.source`.
pub fn apply_data_overrides(o: &DataOverrides, table: &mut toml::Table, data: &str) -> Result<()> {
    let real_paths = o.nmnist.is_some() || o.ntidigits.is_some();
    let emulated_paths = o.mnist_idx.is_some() || o.speech_wav.is_some();
    let kind = match (o.kind, real_paths, emulated_paths) {
        (_, true, true) => bail!(
            "give either real dataset paths (--nmnist, --ntidigits) or emulator inputs (--mnist-idx, --speech-wav), not both"
        ),
        (Some(DataKind::Real), _, true)
        | (Some(DataKind::Emulated), true, _)
        | (Some(DataKind::Synthetic), true, _)
        | (Some(DataKind::Synthetic), _, true) => {
            bail!(
                "the dataset paths given do not fit --data {}",
                o.kind.map(DataKind::name).unwrap_or_default()
            )
        }
        (Some(kind), _, _) => Some(kind),
        (None, true, false) => Some(DataKind::Real),
        (None, false, true) => Some(DataKind::Emulated),
        (None, false, false) => None,
    };
    let source = format!("{data}.source");
    let path_value = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| Value::String(p.to_string_lossy().into_owned()))
    };
    let mut t = toml::Table::new();
    match kind {
        None => return Ok(()),
        Some(DataKind::Synthetic) => {
            let current = table
                .get(data.split('.').next().unwrap_or(data))
                .and_then(|d| d.get("source"))
                .and_then(|s| s.get("kind"))
                .and_then(Value::as_str);
            if current == Some("synthetic") {
                return Ok(());
            }
            t.insert("kind".into(), Value::String("synthetic".into()));
        }
        Some(DataKind::Real) => {
            t.insert("kind".into(), Value::String("real".into()));
            if let Some(v) = path_value(&o.nmnist) {
                t.insert("nmnist".into(), v);
            }
            if let Some(v) = path_value(&o.ntidigits) {
                t.insert("ntidigits".into(), v);
            }
        }
        Some(DataKind::Emulated) => {
            t.insert("kind".into(), Value::String("emulated".into()));
            if let Some(v) = path_value(&o.mnist_idx) {
                t.insert("mnist".into(), v);
            }
            if let Some(v) = path_value(&o.speech_wav) {
                t.insert("wav".into(), v);
            }
        }
    }
    preset::set_path(table, &source, Value::Table(t))
}
