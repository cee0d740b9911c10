//! The figures of a sweep: line plots with error bars for one axis (one
//! panel per axis in a one-at-a-time design), heat maps of the mean for two
//! axes (one per metric column).

use experiments::sweep::spec::{AxisInfo, Design, column_backend, column_metric};
use experiments::sweep::store::{ResultFile, value_cell};
use experiments::sweep::summary::{Stat, aggregate, point_info};

use crate::{
    Artifacts, ColourScale, Heatmap, LegendPosition, PanelGrid, Result, SweepPlot, SweepSeries,
};

/// Size of one line-plot panel, pixels (a figure holds up to three panels
/// side by side).
const PANEL: (u32, u32) = (560, 400);

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

/// The figures of a sweep's results (none for a grid of more than two axes).
pub fn sweep(file: &ResultFile) -> Result<Artifacts> {
    let stats = aggregate(file);
    let info = point_info(file);
    let mut art = Artifacts::default();
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
                let fig = PanelGrid {
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
                art.figure(&metric, &fig.title.clone(), fig);
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
                art.figure(column, &fig.title.clone(), fig);
            }
        }
        _ => {}
    }
    Ok(art)
}
