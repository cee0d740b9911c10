//! Aggregates of a sweep's results over repeats (mean and sample standard
//! deviation), the summary table (`summary.csv`) and the report text.

use std::fmt::Write as _;

use super::spec::Design;
use super::store::{ResultFile, value_cell};
use crate::output::csv_line;

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

/// Per point: its axis values and varied axis, from the first row found
/// (`None`: no row of the point).
pub fn point_info(file: &ResultFile) -> Vec<Option<(Vec<serde_json::Value>, Option<String>)>> {
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
    let mut s = csv_line(&header);
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
        s.push_str(&csv_line(&cells));
    }
    s
}

/// `report.md` of a complete result: the design, the aggregate tables and
/// the figures `figs` (caption, PNG file name) drawn from it.
pub fn report_markdown(file: &ResultFile, data_source: &str, figs: &[(String, String)]) -> String {
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
    for (caption, png) in figs {
        let _ = writeln!(s, "![{caption}]({png})\n");
    }
    s
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
