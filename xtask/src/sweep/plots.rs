//! Aggregates over repeats (mean and sample standard deviation), the
//! summary table (`summary.csv`, `report.md`) and the figures: line plots
//! with error bars for one axis (one panel per axis in a one-at-a-time
//! design), heat maps of the mean for two axes (one per metric column).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::spec::{AxisInfo, Design, column_backend, column_metric};
use super::store::{ResultFile, value_cell};
use crate::plot::{self, ColourScale, Figure, Heatmap, LegendPosition, SweepPlot, SweepSeries};
use crate::results::write_atomic;

/// Mean, sample standard deviation (`n - 1`; 0 for one value) and count of
/// one metric column at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    /// Mean over the repeats with a value.
    pub mean: f64,
    /// Sample standard deviation (0 with one repeat).
    pub std: f64,
    /// Repeats with a value.
    pub n: usize,
}

/// Per point, per column: the statistics over repeats (`None`: no value).
pub fn aggregate(file: &ResultFile) -> Vec<Vec<Option<Stat>>> {
    let mut values: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); file.columns.len()]; file.points];
    for r in file.rows.iter().filter(|r| r.error.is_none()) {
        for (c, m) in r.metrics.iter().enumerate() {
            if let (Some(x), Some(p)) = (m, values.get_mut(r.point)) {
                p[c].push(*x);
            }
        }
    }
    values
        .into_iter()
        .map(|cols| {
            cols.into_iter()
                .map(|xs| {
                    let n = xs.len();
                    (n > 0).then(|| {
                        let mean = xs.iter().sum::<f64>() / n as f64;
                        let std = if n > 1 {
                            (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64)
                                .sqrt()
                        } else {
                            0.0
                        };
                        Stat { mean, std, n }
                    })
                })
                .collect()
        })
        .collect()
}

/// The axis values of every point and which axis it varies, from the rows.
fn point_info(file: &ResultFile) -> Vec<Option<(Vec<serde_json::Value>, Option<String>)>> {
    let mut out = vec![None; file.points];
    for r in &file.rows {
        if let Some(slot) = out.get_mut(r.point)
            && slot.is_none()
        {
            *slot = Some((r.values.clone(), r.varied.clone()));
        }
    }
    out
}

/// Formats a number for tables: about four significant digits.
pub fn fmt_num(x: f64) -> String {
    let a = x.abs();
    if !x.is_finite() {
        "-".to_owned()
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.01 || a == 0.0 {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}

fn cell(s: Option<Stat>) -> String {
    match s {
        Some(s) if s.n > 1 => format!("{} ± {}", fmt_num(s.mean), fmt_num(s.std)),
        Some(s) => fmt_num(s.mean),
        None => "-".to_owned(),
    }
}

/// The Markdown tables of a result: one per axis (one-at-a-time) or one
/// for all points (grid), means +- sample standard deviations.
pub fn markdown_tables(file: &ResultFile) -> String {
    let stats = aggregate(file);
    let info = point_info(file);
    let mut s = String::new();
    let header = |s: &mut String, first: &[String]| {
        let cols: Vec<String> = first
            .iter()
            .cloned()
            .chain(file.columns.iter().cloned())
            .collect();
        let _ = writeln!(s, "| {} |", cols.join(" | "));
        let _ = writeln!(s, "|{}", "---|".repeat(cols.len()));
    };
    let row = |s: &mut String, first: Vec<String>, p: usize| {
        let cells: Vec<String> = first
            .into_iter()
            .chain(stats[p].iter().map(|x| cell(*x)))
            .collect();
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    };
    match file.design {
        Design::OneAtATime => {
            for (k, a) in file.axes.iter().enumerate() {
                let _ = writeln!(s, "**{}** (`{}`)\n", a.label, a.path);
                header(&mut s, std::slice::from_ref(&a.name));
                for (p, i) in info.iter().enumerate() {
                    let Some((values, varied)) = i else { continue };
                    match varied {
                        None => row(
                            &mut s,
                            vec![format!("{} (base)", value_cell(&values[k]))],
                            p,
                        ),
                        Some(v) if *v == a.name => row(&mut s, vec![value_cell(&values[k])], p),
                        _ => {}
                    }
                }
                s.push('\n');
            }
        }
        Design::Grid => {
            let names: Vec<String> = file.axes.iter().map(|a| a.name.clone()).collect();
            header(&mut s, &names);
            for (p, i) in info.iter().enumerate() {
                if let Some((values, _)) = i {
                    row(&mut s, values.iter().map(value_cell).collect(), p);
                }
            }
            s.push('\n');
        }
    }
    let _ = writeln!(
        s,
        "Mean ± sample standard deviation over {} repeat(s) (each with its own seed, the same seeds at every point); accuracies in percent; `-`: not applicable at that point.",
        file.repeats
    );
    s
}

/// `summary.csv`: point, axis values, then mean, std and n per column.
pub fn summary_csv(file: &ResultFile) -> String {
    let stats = aggregate(file);
    let info = point_info(file);
    let mut header = vec!["point".to_owned(), "varied".to_owned()];
    header.extend(file.axes.iter().map(|a| a.name.clone()));
    for c in &file.columns {
        header.extend([format!("{c}_mean"), format!("{c}_std"), format!("{c}_n")]);
    }
    let quote = |c: &str| {
        if c.contains([',', '"', '\n']) {
            format!("\"{}\"", c.replace('"', "\"\""))
        } else {
            c.to_owned()
        }
    };
    let mut s = header
        .iter()
        .map(|h| quote(h))
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    for (p, i) in info.iter().enumerate() {
        let Some((values, varied)) = i else { continue };
        let mut cells = vec![p.to_string(), varied.clone().unwrap_or_default()];
        cells.extend(values.iter().map(value_cell));
        for st in &stats[p] {
            match st {
                Some(x) => cells.extend([x.mean.to_string(), x.std.to_string(), x.n.to_string()]),
                None => cells.extend([String::new(), String::new(), "0".to_owned()]),
            }
        }
        s.push_str(&cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
        s.push('\n');
    }
    s
}

/// Several line plots side by side in one figure, under a title.
struct Panels {
    title: String,
    panels: Vec<SweepPlot>,
    cols: usize,
    panel: (u32, u32),
}

const TITLE_HEIGHT: u32 = 44;

/// Size of one line-plot panel, pixels (a figure holds up to three panels
/// side by side).
const PANEL: (u32, u32) = (560, 400);

impl Figure for Panels {
    fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(self.cols).max(1) as u32;
        (
            self.cols as u32 * self.panel.0,
            rows * self.panel.1 + TITLE_HEIGHT,
        )
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> plots::Result<()> {
        area.fill(&WHITE)
            .map_err(|e| plots::Error::Backend(format!("{e:?}")))?;
        let (top, rest) = area.split_vertically(TITLE_HEIGHT);
        top.draw_text(
            &self.title,
            &("sans-serif", 22).into_font().color(&BLACK),
            (12, 10),
        )
        .map_err(|e| plots::Error::Backend(format!("{e:?}")))?;
        let rows = self.panels.len().div_ceil(self.cols).max(1);
        let areas = rest.split_evenly((rows, self.cols));
        for (p, a) in self.panels.iter().zip(&areas) {
            p.draw(a)?;
        }
        Ok(())
    }
}

/// x coordinates of axis values: the numbers (log10 when the axis is
/// logarithmic), or the value's index when a value is not a number.
fn xs(axis: &AxisInfo, values: &[&serde_json::Value]) -> (Vec<f64>, String) {
    let numeric: Option<Vec<f64>> = values.iter().map(|v| v.as_f64()).collect();
    match numeric {
        Some(x) if axis.log_x && x.iter().all(|v| *v > 0.0) => (
            x.iter().map(|v| v.log10()).collect(),
            format!("log10 of {}", axis.label),
        ),
        Some(x) => (x, axis.label.clone()),
        None => (
            (0..values.len()).map(|i| i as f64).collect(),
            format!(
                "{} (0 = {})",
                axis.label,
                values.first().map(|v| value_cell(v)).unwrap_or_default()
            ),
        ),
    }
}

/// The base metrics of the columns in order, each with its columns.
fn metric_groups(columns: &[String]) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let m = column_metric(c).to_owned();
        match out.iter_mut().find(|(n, _)| *n == m) {
            Some((_, v)) => v.push(i),
            None => out.push((m, vec![i])),
        }
    }
    out
}

/// The y label of a metric, with its unit where it has one.
fn metric_label(metric: &str) -> String {
    let unit = match metric {
        "test_accuracy" | "macro_f1" | "a2i_seen" | "a2i_unseen" | "i2a_seen" | "i2a_unseen" => {
            " (%)"
        }
        "mean_rate" | "mean_rate_image" | "mean_rate_audio" => " (spikes / neuron / step)",
        _ => "",
    };
    format!("{}{unit}", metric.replace('_', " "))
}

fn series_label(column: &str) -> String {
    column_backend(column).map_or_else(|| column.to_owned(), |b| b.name().to_owned())
}

/// One line plot of `metric` along axis `k` over `points`.
fn line_plot(
    file: &ResultFile,
    stats: &[Vec<Option<Stat>>],
    info: &[Option<(Vec<serde_json::Value>, Option<String>)>],
    k: usize,
    points: &[usize],
    metric: &str,
    cols: &[usize],
) -> SweepPlot {
    let axis = &file.axes[k];
    let title = axis.label.clone();
    let values: Vec<&serde_json::Value> = points
        .iter()
        .filter_map(|&p| info[p].as_ref().map(|(v, _)| &v[k]))
        .collect();
    let (x, x_label) = xs(axis, &values);
    // A backend not run along this axis (chip-only axes) has no series:
    // no empty legend entry. Colours stay tied to the column, so a backend
    // has the same colour in every panel.
    let series = cols
        .iter()
        .enumerate()
        .filter(|&(_, &c)| points.iter().any(|&p| stats[p][c].is_some()))
        .map(|(s, &c)| {
            let (pts, err): (Vec<(f64, f64)>, Vec<f64>) = points
                .iter()
                .zip(&x)
                .map(|(&p, &x)| match stats[p][c] {
                    Some(st) => ((x, st.mean), st.std),
                    None => ((x, f64::NAN), 0.0),
                })
                .unzip();
            let mut ser = SweepSeries::markers(series_label(&file.columns[c]), pts, err).colour(s);
            ser.line = true;
            ser
        })
        .collect();
    SweepPlot {
        title,
        x_label,
        y_label: metric_label(metric),
        series,
        legend: LegendPosition::LowerLeft,
        size: PANEL,
        ..SweepPlot::default()
    }
}

/// Writes the figures of `file` into `dir`; returns (caption, PNG file name).
pub fn figures(file: &ResultFile, dir: &Path) -> Result<Vec<(String, String)>> {
    let stats = aggregate(file);
    let info = point_info(file);
    let mut out = Vec::new();
    let repeats = file.repeats;
    match (file.design, file.axes.len()) {
        (Design::OneAtATime, _) | (Design::Grid, 1) => {
            for (metric, cols) in metric_groups(&file.columns) {
                let panels: Vec<SweepPlot> = (0..file.axes.len())
                    .map(|k| {
                        let points: Vec<usize> = (0..file.points)
                            .filter(|&p| match (&info[p], file.design) {
                                (Some((_, varied)), Design::OneAtATime) => {
                                    varied.as_deref() == Some(file.axes[k].name.as_str())
                                }
                                (Some(_), Design::Grid) => true,
                                (None, _) => false,
                            })
                            .collect();
                        line_plot(file, &stats, &info, k, &points, &metric, &cols)
                    })
                    .collect();
                let fig = Panels {
                    title: format!(
                        "{}: {} (mean ± std over {repeats} repeat{})",
                        file.name,
                        metric.replace('_', " "),
                        if repeats == 1 { "" } else { "s" }
                    ),
                    cols: panels.len().clamp(1, 3),
                    panels,
                    panel: PANEL,
                };
                let stem = dir.join(&metric);
                plot::save_png_and_svg(&fig, &stem)?;
                out.push((fig.title.clone(), format!("{metric}.png")));
            }
        }
        (Design::Grid, 2) => {
            let (a0, a1) = (&file.axes[0], &file.axes[1]);
            let (rows, ncols) = (a0.values.len(), a1.values.len());
            for (c, column) in file.columns.iter().enumerate() {
                let values: Vec<f64> = (0..rows * ncols)
                    .map(|p| stats.get(p).and_then(|s| s[c]).map_or(f64::NAN, |s| s.mean))
                    .collect();
                let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
                let scale = match Heatmap::auto_scale(&finite) {
                    ColourScale::Diverging { limit } => ColourScale::Sequential {
                        min: -limit,
                        max: limit,
                    },
                    s => s,
                };
                let fig = Heatmap {
                    title: format!("{}: {column} (mean over {repeats})", file.name),
                    x_label: a1.label.clone(),
                    y_label: a0.label.clone(),
                    rows,
                    cols: ncols,
                    values,
                    scale,
                    colour_label: column.replace('_', " "),
                    x_ticks: a1.values.iter().map(value_cell).collect(),
                    y_ticks: a0.values.iter().map(value_cell).collect(),
                    annotate: Some(1),
                    ..Heatmap::default()
                };
                plot::save_png_and_svg(&fig, &dir.join(column))?;
                out.push((fig.title.clone(), format!("{column}.png")));
            }
        }
        _ => {}
    }
    Ok(out)
}

/// Writes `summary.csv`, the figures and `report.md` for a complete result.
pub fn write_report(file: &ResultFile, dir: &Path, data_source: &str) -> Result<String> {
    write_atomic(&dir.join("summary.csv"), summary_csv(file).as_bytes())?;
    let figs = figures(file, dir)?;
    let mut s = format!("# Sweep `{}`\n\n", file.name);
    if !file.description.is_empty() {
        let _ = writeln!(s, "{}\n", file.description);
    }
    let failed = file.rows.iter().filter(|r| r.error.is_some()).count();
    let _ = writeln!(
        s,
        "Task {:?}, design {:?}, {} points x {} repeats = {} runs ({} failed); data: {data_source}; spec hash `{}`.\n",
        file.task,
        file.design,
        file.points,
        file.repeats,
        file.total_runs(),
        failed,
        file.spec_hash
    );
    s.push_str(&markdown_tables(file));
    s.push('\n');
    if figs.is_empty() && file.axes.len() > 2 && file.design == Design::Grid {
        s.push_str("No figure for a grid of more than two axes: see `summary.csv`.\n\n");
    }
    for (caption, png) in &figs {
        let _ = writeln!(s, "![{caption}]({png})\n");
    }
    write_atomic(&dir.join("report.md"), s.as_bytes())?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_to_about_four_digits() {
        assert_eq!(fmt_num(89.114), "89.11");
        assert_eq!(fmt_num(0.04321), "0.0432");
        assert_eq!(fmt_num(123.45), "123.5");
        assert_eq!(fmt_num(0.0), "0.0000");
        assert_eq!(fmt_num(f64::NAN), "-");
    }
}
