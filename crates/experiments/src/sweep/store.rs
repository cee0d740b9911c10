//! Result files: one JSON file (the record, read back to resume and merge)
//! and one CSV file (the same rows for spreadsheets and pandas) per
//! unsharded run or shard, written atomically after every chunk.
//!
//! Files carry the hash of the resolved plan; rows are sorted by run. The
//! JSON and CSV of a merged set of shards are byte for byte those of the
//! unsharded run: nothing in them depends on timing, threads or shards
//! (timings and provenance go to `manifest.json`).
//!
//! Numbers: JSON is written by `serde_json` (shortest representation that
//! reads back to the same `f64`) and read back with its `float_roundtrip`
//! parser (enabled for the whole build by `readout`; the unit test
//! `metrics_round_trip_bit_for_bit` guards it), so resumed rows keep their
//! bits. CSV cells use Rust's shortest round-trip `Display` of `f64`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};

use super::spec::{AxisInfo, FORMAT, Plan};
use crate::output::{csv_line, write_atomic};

/// A shard of a sweep: runs with `run % count == index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, from 0.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` (K from 0 to N - 1).
    pub fn parse(text: &str) -> Result<Shard> {
        let (k, n) = text
            .split_once('/')
            .with_context(|| format!("--shard {text}: expected K/N, e.g. 0/4"))?;
        let index: usize = k
            .trim()
            .parse()
            .with_context(|| format!("--shard {text}: K = `{k}` is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .with_context(|| format!("--shard {text}: N = `{n}` is not a number"))?;
        ensure!(count >= 1, "--shard {text}: N must be at least 1");
        ensure!(
            index < count,
            "--shard {text}: K must be in 0..{count} (shards are numbered from 0)"
        );
        Ok(Shard { index, count })
    }

    /// Whether `run` belongs to this shard.
    pub fn owns(&self, run: usize) -> bool {
        run % self.count == self.index
    }

    /// The file stem of this shard's results.
    pub fn stem(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

/// One finished (or failed) run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// Run index: `point * repeats + repeat`.
    pub run: usize,
    /// Point index.
    pub point: usize,
    /// Repeat index.
    pub repeat: usize,
    /// The run's experiment seed.
    pub seed: u64,
    /// One-at-a-time designs: the axis varied at this point (`None`: the
    /// base point, or a grid).
    pub varied: Option<String>,
    /// The value of each axis (in `axes` order).
    pub values: Vec<serde_json::Value>,
    /// The value of each metric column (in `columns` order; `null`: not
    /// applicable at this point, or failed).
    pub metrics: Vec<Option<f64>>,
    /// Why the run failed (it is retried by the next invocation).
    pub error: Option<String>,
}

/// A result file (`results.json` or `shard-K-of-N.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultFile {
    /// [`FORMAT`].
    pub format: String,
    /// Sweep name.
    pub name: String,
    /// What the sweep asks.
    pub description: String,
    /// Hash of the resolved plan (hex).
    pub spec_hash: String,
    /// The shard this file holds (`None`: the whole sweep).
    pub shard: Option<Shard>,
    /// `grid` or `one-at-a-time`.
    pub design: super::spec::Design,
    /// Task.
    pub task: super::spec::TaskKind,
    /// Repeats per point.
    pub repeats: usize,
    /// Points of the whole sweep.
    pub points: usize,
    /// The axes.
    pub axes: Vec<AxisInfo>,
    /// Metric columns.
    pub columns: Vec<String>,
    /// Rows, sorted by run.
    pub rows: Vec<Row>,
    /// The spec after `--quick` and the fully resolved base preset, for
    /// the record.
    pub resolved: serde_json::Value,
}

impl ResultFile {
    /// An empty file for `plan` (and `shard`).
    pub fn new(plan: &Plan, shard: Option<Shard>) -> Result<ResultFile> {
        Ok(ResultFile {
            format: FORMAT.to_owned(),
            name: plan.name.clone(),
            description: plan.description.clone(),
            spec_hash: plan.hash.clone(),
            shard,
            design: plan.design,
            task: plan.task,
            repeats: plan.repeats,
            points: plan.points.len(),
            axes: plan.axes.clone(),
            columns: plan.columns.clone(),
            rows: Vec::new(),
            resolved: serde_json::json!({
                "spec": plan.spec,
                "base": plan.base,
                "base_seed": plan.base_seed,
            }),
        })
    }

    /// Total runs of the whole sweep.
    pub fn total_runs(&self) -> usize {
        self.points * self.repeats
    }

    /// The runs this file should hold.
    pub fn expected_runs(&self) -> Vec<usize> {
        (0..self.total_runs())
            .filter(|&r| self.shard.is_none_or(|s| s.owns(r)))
            .collect()
    }

    /// Inserts or replaces rows, keeping them sorted by run.
    pub fn upsert(&mut self, rows: impl IntoIterator<Item = Row>) {
        let mut by_run: BTreeMap<usize, Row> = self.rows.drain(..).map(|r| (r.run, r)).collect();
        for r in rows {
            by_run.insert(r.run, r);
        }
        self.rows = by_run.into_values().collect();
    }

    /// The finished (not failed) runs.
    pub fn finished(&self) -> BTreeSet<usize> {
        self.rows
            .iter()
            .filter(|r| r.error.is_none())
            .map(|r| r.run)
            .collect()
    }

    /// Reads a result file.
    pub fn read(path: &Path) -> Result<ResultFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let f: ResultFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a sweep result file", path.display()))?;
        ensure!(
            f.format == FORMAT,
            "{}: format `{}`, expected `{FORMAT}`",
            path.display(),
            f.format
        );
        Ok(f)
    }

    /// The CSV text: `run, point, repeat, seed, varied, <axes>, <columns>, error`.
    pub fn csv(&self) -> String {
        let mut header: Vec<String> = ["run", "point", "repeat", "seed", "varied"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        header.extend(self.axes.iter().map(|a| a.name.clone()));
        header.extend(self.columns.iter().cloned());
        header.push("error".to_owned());
        let mut s = csv_line(&header);
        for r in &self.rows {
            let mut cells = vec![
                r.run.to_string(),
                r.point.to_string(),
                r.repeat.to_string(),
                r.seed.to_string(),
                r.varied.clone().unwrap_or_default(),
            ];
            cells.extend(r.values.iter().map(value_cell));
            cells.extend(
                r.metrics
                    .iter()
                    .map(|m| m.map(|x| x.to_string()).unwrap_or_default()),
            );
            cells.push(r.error.clone().unwrap_or_default());
            s.push_str(&csv_line(&cells));
        }
        s
    }

    /// Writes `<dir>/<stem>.json` and `<dir>/<stem>.csv` atomically.
    pub fn write(&self, dir: &Path, stem: &str) -> Result<(PathBuf, PathBuf)> {
        let json = dir.join(format!("{stem}.json"));
        let csv = dir.join(format!("{stem}.csv"));
        let mut text = serde_json::to_string_pretty(self).context("serialising results")?;
        text.push('\n');
        write_atomic(&json, text.as_bytes())?;
        write_atomic(&csv, self.csv().as_bytes())?;
        Ok((json, csv))
    }
}

/// An axis value as a CSV cell: numbers and strings plain, others as JSON.
pub fn value_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => x.to_string(),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The result files of a directory: `results.json` and every
/// `shard-K-of-N.json`, sorted by name.
pub fn result_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    for e in entries {
        let p = e?.path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shard = name
            .strip_prefix("shard-")
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.split_once("-of-"))
            .is_some_and(|(k, n)| k.parse::<usize>().is_ok() && n.parse::<usize>().is_ok());
        if name == "results.json" || shard {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Combines complete shard files into the unsharded result. Refuses files
/// of different specs (hash), different shard counts, missing shards, and
/// shards with unfinished or failed runs.
pub fn merge(files: &[ResultFile]) -> Result<ResultFile> {
    let Some(first) = files.first() else {
        bail!("no shard files to merge")
    };
    let count = first
        .shard
        .map(|s| s.count)
        .context("the first file is not a shard (it has no `shard`)")?;
    let mut seen = vec![false; count];
    for f in files {
        ensure!(
            f.spec_hash == first.spec_hash,
            "shard files of different specs: {} has spec hash {} but {} has {}; merge only shards of one spec",
            describe(first),
            first.spec_hash,
            describe(f),
            f.spec_hash
        );
        let s = f
            .shard
            .with_context(|| format!("{} is not a shard", describe(f)))?;
        ensure!(
            s.count == count,
            "shard counts differ: {} and {}",
            describe(first),
            describe(f)
        );
        ensure!(!seen[s.index], "shard {} is given twice", s.index);
        seen[s.index] = true;
        let expected = f.expected_runs();
        let finished = f.finished();
        let missing: Vec<usize> = expected
            .iter()
            .copied()
            .filter(|r| !finished.contains(r))
            .collect();
        ensure!(
            missing.is_empty(),
            "{} is incomplete: {} of its {} runs are not finished (runs {}); rerun that shard",
            describe(f),
            missing.len(),
            expected.len(),
            abbreviate(&missing)
        );
        ensure!(
            f.rows.iter().all(|r| s.owns(r.run)),
            "{} holds runs of another shard",
            describe(f)
        );
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| !**s)
        .map(|(k, _)| format!("{}", k))
        .collect();
    ensure!(
        missing.is_empty(),
        "missing shard(s) {} of {count}: run `cargo xtask sweep --shard K/{count}` for each",
        missing.join(", ")
    );
    let mut out = first.clone();
    out.shard = None;
    out.rows.clear();
    out.upsert(files.iter().flat_map(|f| f.rows.iter().cloned()));
    Ok(out)
}

fn describe(f: &ResultFile) -> String {
    match f.shard {
        Some(s) => format!("shard {}/{} of `{}`", s.index, s.count, f.name),
        None => format!("the unsharded results of `{}`", f.name),
    }
}

fn abbreviate(runs: &[usize]) -> String {
    let mut s: Vec<String> = runs.iter().take(10).map(usize::to_string).collect();
    if runs.len() > 10 {
        s.push("...".to_owned());
    }
    s.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_runs() {
        let s = Shard::parse("1/3").unwrap();
        assert_eq!(s, Shard { index: 1, count: 3 });
        assert!(s.owns(4) && !s.owns(3));
        assert_eq!(s.stem(), "shard-1-of-3");
        for bad in ["3/3", "1", "a/2", "0/0", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metrics_round_trip_bit_for_bit() {
        // serde_json's default float parser is not always correctly rounded;
        // the workspace enables `float_roundtrip` (through readout). Values
        // chosen to need all 17 significant digits.
        let xs: [f64; 5] = [
            0.1 + 0.2,
            1.0 / 3.0,
            87.123_456_789_012_34,
            2.225_073_858_507_201_4e-308,
            0.032_710_000_000_000_01,
        ];
        for x in xs {
            let text = serde_json::to_string(&x).unwrap();
            let back: f64 = serde_json::from_str(&text).unwrap();
            assert_eq!(back.to_bits(), x.to_bits(), "{text}");
            let cell: f64 = x.to_string().parse().unwrap();
            assert_eq!(cell.to_bits(), x.to_bits());
        }
    }
}
