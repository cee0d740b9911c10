//! Dataset summaries, as printed by `cargo xtask events summary PATH`.
//!
//! Every sample is decoded once, one at a time; only its event count,
//! duration and ON count are kept. Durations are `t_max - t_min` of a
//! sample. N-TIDIGITS files are summarised with every sample (isolated
//! digits and sequences alike; sequences count as unlabelled) and the
//! default [`crate::ntidigits::LabelMap`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::dataset::{EventSource, Split};
use crate::error::{Error, Result, display};
use crate::event::{Event, EventStream};
use crate::format::{DatasetFormat, zips_in};
use crate::nmnist::{NmnistOptions, NmnistSource};
use crate::ntidigits::{NtidigitsOptions, NtidigitsSource};

/// A dataset summary. Serialised (e.g. with `serde_json`) it is one object
/// whose keys include `format`, `samples`, `per_class`, `events_min`,
/// `events_median`, `events_max`, `duration_us_max` and `on_fraction`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// The format read (`nmnist-bin`, `nmnist-dir`, `nmnist-zip`, `ntidigits-h5`).
    pub format: String,
    /// The path read.
    pub path: String,
    /// Number of samples.
    pub samples: usize,
    /// Samples per split (`train`, `test`, `none`).
    pub per_split: BTreeMap<String, usize>,
    /// Samples per class label (labelled samples only).
    pub per_class: BTreeMap<String, usize>,
    /// Samples per split and class label.
    pub per_split_class: BTreeMap<String, BTreeMap<String, usize>>,
    /// Samples without a class label.
    pub unlabelled: usize,
    /// Events over all samples.
    pub events_total: u64,
    /// Fewest events in a sample.
    pub events_min: u64,
    /// Median events per sample (mean of the two middle ones for an even
    /// number of samples).
    pub events_median: f64,
    /// Most events in a sample.
    pub events_max: u64,
    /// Shortest sample duration, microseconds.
    pub duration_us_min: u64,
    /// Median sample duration, microseconds.
    pub duration_us_median: f64,
    /// Longest sample duration, microseconds.
    pub duration_us_max: u64,
    /// Latest timestamp of any sample, microseconds.
    pub t_max_us: u64,
    /// Fraction of ON events over all samples (vision only; `None` for audio).
    pub on_fraction: Option<f64>,
}

/// Summarises the dataset at `path`, in `format` or the detected one (see
/// [`DatasetFormat::detect`]).
pub fn summarize(path: impl AsRef<Path>, format: Option<DatasetFormat>) -> Result<Summary> {
    let path = path.as_ref();
    let format = match format {
        Some(f) => f,
        None => DatasetFormat::detect(path)?,
    };
    let options = NmnistOptions::default();
    match format {
        DatasetFormat::NmnistBin => summarize_source(
            &NmnistSource::open_file(path, options)?,
            format,
            on_count_vision,
        ),
        DatasetFormat::NmnistDir => summarize_source(
            &NmnistSource::open_dir(path, options)?,
            format,
            on_count_vision,
        ),
        DatasetFormat::NmnistZip => {
            let source = if path.is_dir() {
                let zips = zips_in(path)?;
                if zips.is_empty() {
                    return Err(Error::NoDataset {
                        path: display(path),
                        message: "no Train.zip / Test.zip in this folder".into(),
                    });
                }
                NmnistSource::open_zips(&zips, options)?
            } else {
                NmnistSource::open_zip(path, options)?
            };
            summarize_source(&source, format, on_count_vision)
        }
        DatasetFormat::NtidigitsH5 => {
            let options = NtidigitsOptions {
                single_digits_only: false,
                ..NtidigitsOptions::default()
            };
            summarize_source(&NtidigitsSource::open(path, options)?, format, |_| None)
        }
    }
}

fn on_count_vision(stream: &crate::event::VisionStream) -> Option<usize> {
    Some(stream.on_count())
}

/// Summarises any source; `on_count` gives a sample's ON events (or `None`
/// for audio).
pub fn summarize_source<S: EventSource>(
    source: &S,
    format: DatasetFormat,
    on_count: impl Fn(&EventStream<S::Event>) -> Option<usize>,
) -> Result<Summary> {
    let mut per_split: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_class: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_split_class: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut unlabelled = 0;
    let mut counts = Vec::with_capacity(source.len());
    let mut durations = Vec::with_capacity(source.len());
    let mut t_max_us = 0;
    let mut on_total: Option<u64> = None;
    for (i, info) in source.samples().iter().enumerate() {
        let split = info.split.map_or("none", Split::name).to_owned();
        *per_split.entry(split.clone()).or_insert(0) += 1;
        match info.label {
            Some(l) => {
                *per_class.entry(l.to_string()).or_insert(0) += 1;
                *per_split_class
                    .entry(split)
                    .or_default()
                    .entry(l.to_string())
                    .or_insert(0) += 1;
            }
            None => unlabelled += 1,
        }
        let stream = source.load(i)?;
        counts.push(stream.len() as u64);
        durations.push(stream.duration_us());
        t_max_us = t_max_us.max(stream.events().iter().map(Event::t_us).max().unwrap_or(0));
        if let Some(n) = on_count(&stream) {
            *on_total.get_or_insert(0) += n as u64;
        }
    }
    let events_total: u64 = counts.iter().sum();
    let (events_min, events_median, events_max) = min_median_max(&mut counts);
    let (duration_us_min, duration_us_median, duration_us_max) = min_median_max(&mut durations);
    Ok(Summary {
        format: format.name().to_owned(),
        path: source.name().to_owned(),
        samples: source.len(),
        per_split,
        per_class,
        per_split_class,
        unlabelled,
        events_total,
        events_min,
        events_median,
        events_max,
        duration_us_min,
        duration_us_median,
        duration_us_max,
        t_max_us,
        on_fraction: on_total.map(|on| {
            if events_total == 0 {
                0.0
            } else {
                on as f64 / events_total as f64
            }
        }),
    })
}

/// Min, median and max (zeros for no values).
fn min_median_max(values: &mut [u64]) -> (u64, f64, u64) {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => (0, 0.0, 0),
        _ => {
            let median = if n % 2 == 1 {
                values[n / 2] as f64
            } else {
                (values[n / 2 - 1] as f64 + values[n / 2] as f64) / 2.0
            };
            (values[0], median, values[n - 1])
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "format        {}", self.format)?;
        writeln!(f, "path          {}", self.path)?;
        let splits: Vec<String> = self
            .per_split
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        writeln!(f, "samples       {} ({})", self.samples, splits.join(", "))?;
        if !self.per_class.is_empty() {
            writeln!(f, "per class")?;
            let mut classes: Vec<&String> = self.per_class.keys().collect();
            classes.sort_by_key(|c| (c.len(), c.to_string()));
            write!(f, "  {:<8}", "split")?;
            for c in &classes {
                write!(f, " {c:>7}")?;
            }
            writeln!(f)?;
            for (split, row) in &self.per_split_class {
                write!(f, "  {split:<8}")?;
                for c in &classes {
                    write!(f, " {:>7}", row.get(*c).copied().unwrap_or(0))?;
                }
                writeln!(f)?;
            }
        }
        if self.unlabelled > 0 {
            writeln!(f, "unlabelled    {}", self.unlabelled)?;
        }
        writeln!(
            f,
            "events        total {}, per sample min {} / median {} / max {}",
            self.events_total, self.events_min, self.events_median, self.events_max
        )?;
        writeln!(
            f,
            "duration (us) min {} / median {} / max {} (latest timestamp {})",
            self.duration_us_min, self.duration_us_median, self.duration_us_max, self.t_max_us
        )?;
        if let Some(on) = self.on_fraction {
            writeln!(f, "ON fraction   {:.4}", on)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_median_max_by_hand() {
        assert_eq!(min_median_max(&mut []), (0, 0.0, 0));
        assert_eq!(min_median_max(&mut [5]), (5, 5.0, 5));
        assert_eq!(min_median_max(&mut [9, 1, 4]), (1, 4.0, 9));
        assert_eq!(min_median_max(&mut [9, 1, 4, 2]), (1, 3.0, 9));
    }
}
