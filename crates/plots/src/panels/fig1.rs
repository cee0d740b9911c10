//! The panels of Fig. 1: the formed macro's conductance and differential
//! maps, conductance and weight histograms with fitted normals, read-noise
//! statistics and traces, formed fraction against programming voltage,
//! conductance against compliance, and breakdown voltages; each with its CSV.

use std::fmt::Write as _;

use experiments::fig1::{
    ArrayStats, Fig1Panels, Fig1Preset, PAPER_READ_SIGMA_US, Reads, ScanKind, ScanPoint,
    base_pulse, base_sweep, predicted_fractions, scan_program, simulated_fractions, span,
};
use rram_device::{Moments, PUBLISHED_G_MEAN_US, PUBLISHED_G_STD_US, SweepDistribution, predict};

use crate::{
    AnyFigure, Artifacts, ColourScale, Heatmap, Histogram, HistogramSet, HistogramStyle,
    LegendPosition, Result, Series, SweepPlot, SweepSeries,
};

/// Draws every panel of Fig. 1.
pub fn fig1(p: &Fig1Panels) -> Result<Artifacts> {
    let mut art = Artifacts::default();
    for o in figures(&p.preset, &p.array, &p.reads, &p.scans, p.g_scale_s)? {
        art.text(&format!("{}.csv", o.stem), o.csv);
        art.figure(o.stem, &o.caption, o.panel);
    }
    Ok(art)
}

/// A panel with its file stem, caption and CSV text.
struct Output {
    stem: &'static str,
    caption: String,
    panel: AnyFigure,
    csv: String,
}

/// A matrix as CSV: one line per row, comma-separated values.
fn matrix_csv(cols: usize, values: &[f64], decimals: usize) -> String {
    let mut s = String::with_capacity(values.len() * (decimals + 4));
    for row in values.chunks(cols.max(1)) {
        for (c, v) in row.iter().enumerate() {
            if c > 0 {
                s.push(',');
            }
            let _ = write!(s, "{v:.decimals$}");
        }
        s.push('\n');
    }
    s
}

/// Normal density curve over `range`.
fn normal_curve(label: &str, mean: f64, std: f64, range: (f64, f64)) -> Series {
    let n = 241;
    Series {
        label: label.to_owned(),
        points: (0..n)
            .map(|k| {
                let x = range.0 + (range.1 - range.0) * k as f64 / (n - 1) as f64;
                let z = (x - mean) / std;
                (
                    x,
                    (-0.5 * z * z).exp() / (std * (2.0 * std::f64::consts::PI).sqrt()),
                )
            })
            .collect(),
    }
}

/// Histogram CSV with overlay curves evaluated at the bin centres.
fn histogram_csv(h: &Histogram, extra: &[(&str, &dyn Fn(f64) -> f64)]) -> Result<String> {
    let binned = h.binned()?;
    let labels: Vec<String> = h.sets.iter().map(|s| s.label.clone()).collect();
    let base = binned.csv(&labels);
    if extra.is_empty() {
        return Ok(base);
    }
    let mut out = String::with_capacity(base.len() * 2);
    for (i, line) in base.lines().enumerate() {
        out.push_str(line);
        if i == 0 {
            for (name, _) in extra {
                let _ = write!(out, ",{name}");
            }
        } else {
            let b = i - 1;
            let centre = 0.5 * (binned.edges[b] + binned.edges[b + 1]);
            for (_, f) in extra {
                let _ = write!(out, ",{}", f(centre));
            }
        }
        out.push('\n');
    }
    Ok(out)
}

fn normal_pdf(mean: f64, std: f64) -> impl Fn(f64) -> f64 {
    move |x| {
        let z = (x - mean) / std;
        (-0.5 * z * z).exp() / (std * (2.0 * std::f64::consts::PI).sqrt())
    }
}

/// `series,x,y,y_err` lines of sweep series.
fn sweep_csv(series: &[SweepSeries]) -> String {
    let mut s = String::from("series,x,y,y_err\n");
    for sr in series {
        for (i, &(x, y)) in sr.points.iter().enumerate() {
            let e = sr.y_err.get(i).copied().unwrap_or(0.0);
            let _ = writeln!(s, "{},{x},{y},{e}", sr.label.replace(',', " "));
        }
    }
    s
}

/// The figure's inputs and the settings the panels share.
struct Inputs<'a> {
    p: &'a Fig1Preset,
    a: &'a ArrayStats,
    r: &'a Reads,
    scans: &'a [ScanPoint],
    g_scale_s: f64,
    /// Rows and columns of the sub-array's cells.
    rows: usize,
    cols: usize,
}

impl Inputs<'_> {
    /// Bins of the histograms.
    fn bins(&self) -> usize {
        self.p.fig1.histogram_bins
    }

    /// Differential pairs of the sub-array.
    fn pairs(&self) -> usize {
        self.p.fig1.sub_pairs
    }
}

/// Every panel of Fig. 1, in file order.
fn figures(
    p: &Fig1Preset,
    a: &ArrayStats,
    r: &Reads,
    scans: &[ScanPoint],
    g_scale_s: f64,
) -> Result<Vec<Output>> {
    let fig = Inputs {
        p,
        a,
        r,
        scans,
        g_scale_s,
        rows: a.sub.rows(),
        cols: a.sub.cols(),
    };
    let sigma_us: Vec<f64> = r.stats.std_s.iter().map(|v| v * 1e6).collect();
    let compliance = compliance_points(scans);
    Ok(vec![
        conductance_map(&fig),
        differential_map(&fig),
        conductance_histogram(&fig)?,
        weight_histogram(&fig)?,
        read_sigma_histogram(&fig, &sigma_us)?,
        read_sigma_map(&fig, sigma_us),
        read_traces(&fig),
        voltage_formed_fraction(&fig)?,
        voltage_weight_histograms(&fig)?,
        compliance_scan(&fig, &compliance)?,
        compliance_histograms(&fig, &compliance)?,
        breakdown_voltage(&fig)?,
    ])
}

/// The largest of `values` and 0.
fn max_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

/// Conductance map of the sub-array's cells.
fn conductance_map(fig: &Inputs<'_>) -> Output {
    let (rows, cols, pairs) = (fig.rows, fig.cols, fig.pairs());
    let g_us: Vec<f64> = fig.a.sub.conductances_s().iter().map(|g| g * 1e6).collect();
    let g_max = max_of(&g_us);
    Output {
        stem: "conductance_map",
        caption: format!(
            "Conductance of the {rows} x {cols} cells of the {rows} x {pairs} differential sub-array"
        ),
        csv: matrix_csv(cols, &g_us, 4),
        panel: AnyFigure::Heat(Heatmap {
            title: format!("Formed conductances, {rows} x {cols} cells ({pairs} pairs)"),
            x_label: "physical column (pairs: plus = even, minus = odd)".into(),
            y_label: "row (0-255 inputs, 256-455 recurrent)".into(),
            rows,
            cols,
            values: g_us,
            scale: ColourScale::Sequential {
                min: 0.0,
                max: if g_max > 0.0 { g_max } else { 1.0 },
            },
            colour_label: "conductance G (uS)".into(),
            size: (1000, 900),
            ..Heatmap::default()
        }),
    }
}

/// Differential map of the sub-array's pairs.
fn differential_map(fig: &Inputs<'_>) -> Output {
    let (rows, pairs) = (fig.rows, fig.pairs());
    let d_std = Moments::of(&fig.a.diff_us).map_or(1.0, |m| m.std);
    let limit = if d_std > 0.0 {
        (4.0 * d_std).ceil()
    } else {
        1.0
    };
    Output {
        stem: "differential_map",
        caption: format!(
            "Differential conductance G+ - G- of the {rows} x {pairs} sub-array (colours saturate at 4 standard deviations)"
        ),
        csv: matrix_csv(pairs, &fig.a.diff_us, 4),
        panel: AnyFigure::Heat(Heatmap {
            title: format!("Differential conductance G+ - G-, {rows} x {pairs} pairs"),
            x_label: "differential column (pair)".into(),
            y_label: "row (0-255 inputs, 256-455 recurrent)".into(),
            rows,
            cols: pairs,
            values: fig.a.diff_us.clone(),
            scale: ColourScale::Diverging { limit },
            colour_label: "G+ - G- (uS)".into(),
            size: (900, 900),
            ..Heatmap::default()
        }),
    }
}

/// Mean and standard deviation of `m`, NaN when absent.
fn mean_std(m: Option<Moments>) -> (f64, f64) {
    m.map_or((f64::NAN, f64::NAN), |m| (m.mean, m.std))
}

/// Conductance histogram of the whole array's formed cells, with the
/// fitted and the published normal.
fn conductance_histogram(fig: &Inputs<'_>) -> Result<Output> {
    let a = fig.a;
    let (mean, std) = mean_std(Moments::of(&a.formed_us));
    let range = if std.is_finite() && std > 0.0 {
        ((mean - 5.0 * std).max(0.0), mean + 5.0 * std)
    } else {
        (0.0, 30.0)
    };
    let fitted = normal_pdf(mean, std);
    let published = normal_pdf(PUBLISHED_G_MEAN_US, PUBLISHED_G_STD_US);
    let mut h = Histogram {
        title: format!(
            "Formed conductances of the {} x {} array",
            a.whole.rows, a.whole.cols
        ),
        x_label: "conductance G (uS)".into(),
        y_label: "probability density (1/uS)".into(),
        sets: vec![HistogramSet {
            label: format!("{} formed cells", a.formed_us.len()),
            values: a.formed_us.clone(),
        }],
        bins: fig.bins(),
        range: Some(range),
        density: true,
        ..Histogram::default()
    };
    if std.is_finite() && std > 0.0 {
        h.curves.push(normal_curve(
            &format!("fitted normal ({mean:.2} ± {std:.2} uS)"),
            mean,
            std,
            range,
        ));
    }
    h.curves.push(normal_curve(
        &format!("published ({PUBLISHED_G_MEAN_US} ± {PUBLISHED_G_STD_US} uS)"),
        PUBLISHED_G_MEAN_US,
        PUBLISHED_G_STD_US,
        range,
    ));
    let csv = histogram_csv(
        &h,
        &[
            ("fitted normal density", &fitted),
            ("published normal density", &published),
        ],
    )?;
    Ok(Output {
        stem: "conductance_histogram",
        caption: "Formed conductances with the fitted normal and ESGNN's published fit".into(),
        csv,
        panel: AnyFigure::Hist(h),
    })
}

/// Histogram of the sub-array's differential weights with the fitted normal.
fn weight_histogram(fig: &Inputs<'_>) -> Result<Output> {
    let a = fig.a;
    let unit = if (fig.g_scale_s - 1e-6).abs() < 1e-15 {
        "uS".to_owned()
    } else {
        format!("{} uS", fig.p.device.differential.g_scale_us)
    };
    let (wmean, wstd) = mean_std(a.weight_moments);
    let wrange = if wstd.is_finite() && wstd > 0.0 {
        (wmean - 5.0 * wstd, wmean + 5.0 * wstd)
    } else {
        (-1.0, 1.0)
    };
    let wfit = normal_pdf(wmean, wstd);
    let mut h = Histogram {
        title: format!(
            "Weights (G+ - G-) / g_scale of the {} x {} sub-array",
            fig.rows,
            fig.pairs()
        ),
        x_label: format!("weight (units of {unit})"),
        y_label: format!("probability density (1/{unit})"),
        sets: vec![HistogramSet {
            label: format!("{} weights", a.weights.len()),
            values: a.weights.clone(),
        }],
        bins: fig.bins(),
        range: Some(wrange),
        density: true,
        ..Histogram::default()
    };
    if wstd.is_finite() && wstd > 0.0 {
        h.curves.push(normal_curve(
            &format!("fitted normal ({wmean:.2} ± {wstd:.2})"),
            wmean,
            wstd,
            wrange,
        ));
    }
    let csv = histogram_csv(&h, &[("fitted normal density", &wfit)])?;
    Ok(Output {
        stem: "weight_histogram",
        caption: "Differential weights with the fitted normal".into(),
        csv,
        panel: AnyFigure::Hist(h),
    })
}

/// Histogram of the per-cell read standard deviations (`sigma_us`, uS).
fn read_sigma_histogram(fig: &Inputs<'_>, sigma_us: &[f64]) -> Result<Output> {
    let s = &fig.p.fig1;
    let smax = max_of(sigma_us);
    let h = Histogram {
        title: format!(
            "Read noise: standard deviation of {} reads per cell ({} cells)",
            s.read_cycles,
            sigma_us.len()
        ),
        x_label: "read standard deviation per cell (uS)".into(),
        y_label: "cells".into(),
        sets: vec![HistogramSet {
            label: format!(
                "{:.1} % below 0.14 uS",
                100.0 * fig.r.stats.fraction_std_below(PAPER_READ_SIGMA_US * 1e-6)
            ),
            values: sigma_us.to_vec(),
        }],
        bins: fig.bins(),
        range: Some((0.0, (smax * 1.05).max(0.16))),
        vlines: vec![(PAPER_READ_SIGMA_US, "paper: 0.14 uS".into())],
        ..Histogram::default()
    };
    let csv = histogram_csv(&h, &[])?;
    Ok(Output {
        stem: "read_sigma_histogram",
        caption: format!(
            "Per-cell read standard deviation over {} reads; the paper reports below 0.14 uS for most cells",
            s.read_cycles
        ),
        csv,
        panel: AnyFigure::Hist(h),
    })
}

/// Map of the per-cell read standard deviations (`sigma_us`, uS).
fn read_sigma_map(fig: &Inputs<'_>, sigma_us: Vec<f64>) -> Output {
    let smax = max_of(&sigma_us);
    Output {
        stem: "read_sigma_map",
        caption: "Per-cell read standard deviation over the sub-array".into(),
        csv: matrix_csv(fig.cols, &sigma_us, 5),
        panel: AnyFigure::Heat(Heatmap {
            title: format!(
                "Read standard deviation per cell over {} reads",
                fig.p.fig1.read_cycles
            ),
            x_label: "physical column".into(),
            y_label: "row".into(),
            rows: fig.rows,
            cols: fig.cols,
            scale: ColourScale::Sequential {
                min: 0.0,
                max: if smax > 0.0 { smax } else { 1.0 },
            },
            values: sigma_us,
            colour_label: "read sigma (uS)".into(),
            size: (1000, 900),
            ..Heatmap::default()
        }),
    }
}

/// Read traces: every k-th read so that at most `trace_plot_points` are
/// drawn.
fn read_traces(fig: &Inputs<'_>) -> Output {
    let (s, r) = (&fig.p.fig1, fig.r);
    let reads = s.read_cycles;
    let stride = reads.div_ceil(s.trace_plot_points).max(1);
    let mut csv = String::from("cell,row,col,cycle,g_us\n");
    let mut series = Vec::new();
    for (k, (t, &(row, col))) in r.traces.iter().zip(&r.cells).enumerate() {
        let pts: Vec<(f64, f64)> = (0..t.len())
            .step_by(stride)
            .map(|i| (i as f64, t[i] * 1e6))
            .collect();
        for &(x, y) in &pts {
            let _ = writeln!(csv, "{k},{row},{col},{x},{y}");
        }
        series.push(SweepSeries::line("", pts));
    }
    Output {
        stem: "read_traces",
        caption: format!(
            "Repeated reads of {} random cells (every {stride}th of {reads} reads drawn)",
            r.traces.len()
        ),
        csv,
        panel: AnyFigure::Sweep(SweepPlot {
            title: format!("Repeated reads of {} random cells", r.traces.len()),
            x_label: "read cycle".into(),
            y_label: "read conductance (uS)".into(),
            series,
            legend: LegendPosition::Hidden,
            size: (1000, 550),
            ..SweepPlot::default()
        }),
    }
}

/// Formed fraction against the programming voltage: closed form and
/// simulation, for a pulse and for a stopped sweep.
fn voltage_formed_fraction(fig: &Inputs<'_>) -> Result<Output> {
    let p = fig.p;
    let n = p.fig1.closed_form_points;
    let mut series = Vec::new();
    for (pulse, name, colour) in [(true, "pulse amplitude", 0), (false, "sweep stop", 1)] {
        let sim = simulated_fractions(fig.scans, pulse);
        let volts: Vec<f64> = sim.iter().map(|p| p.0).collect();
        let pred = predicted_fractions(p, pulse, span(&volts), n)?;
        series.push(
            SweepSeries::line(
                format!("{name}, closed form"),
                pred.iter().map(|&(v, f)| (v, 100.0 * f)).collect(),
            )
            .colour(colour),
        );
        series.push(
            SweepSeries::markers(
                format!("{name}, simulated"),
                sim.iter().map(|&(v, f)| (v, 100.0 * f)).collect(),
                Vec::new(),
            )
            .colour(colour),
        );
    }
    let pulse = base_pulse(p);
    Ok(Output {
        stem: "voltage_formed_fraction",
        caption: format!(
            "Formed fraction against the programming voltage: a {} ms pulse and ESGNN's staircase sweep (3 V up in 0.05 V steps of 1 ms) stopped at the given voltage",
            pulse.width_s * 1e3
        ),
        csv: sweep_csv(&series),
        panel: AnyFigure::Sweep(SweepPlot {
            title: "Formed cells against the programming voltage".into(),
            x_label: "pulse amplitude or sweep stop voltage (V)".into(),
            y_label: "formed cells (%)".into(),
            series,
            y_range: Some((0.0, 105.0)),
            legend: LegendPosition::LowerRight,
            ..SweepPlot::default()
        }),
    })
}

/// Weight distributions at the sweep stop voltages.
fn voltage_weight_histograms(fig: &Inputs<'_>) -> Result<Output> {
    let sets: Vec<HistogramSet> = fig
        .scans
        .iter()
        .filter_map(|sp| match sp.kind {
            ScanKind::SweepStop(v) if !sp.weights_us.is_empty() => Some(HistogramSet {
                label: format!(
                    "stop {v:.2} V: {:.0} % formed",
                    100.0 * sp.summary.formed_fraction
                ),
                values: sp.weights_us.clone(),
            }),
            _ => None,
        })
        .collect();
    let h = Histogram {
        title: "Weights G+ - G- against the sweep stop voltage".into(),
        x_label: "G+ - G- (uS)".into(),
        y_label: "probability density (1/uS)".into(),
        sets,
        bins: fig.bins().max(2) * 2,
        range: Some((-25.0, 25.0)),
        density: true,
        style: HistogramStyle::Outline,
        log_y: true,
        ..Histogram::default()
    };
    let csv = histogram_csv(&h, &[])?;
    Ok(Output {
        stem: "voltage_weight_histograms",
        caption: "Weight distributions as the sweep stop voltage rises: pristine-pristine pairs at 0, formed-pristine pairs at +-G, the quasi-normal formed-formed core".into(),
        csv,
        panel: AnyFigure::Hist(h),
    })
}

/// The compliance scan's points and their compliance currents (uA).
struct Compliance<'a> {
    points: Vec<&'a ScanPoint>,
    currents: Vec<f64>,
}

fn compliance_points(scans: &[ScanPoint]) -> Compliance<'_> {
    let points: Vec<&ScanPoint> = scans
        .iter()
        .filter(|sp| matches!(sp.kind, ScanKind::Compliance(_)))
        .collect();
    let currents: Vec<f64> = points
        .iter()
        .filter_map(|sp| match sp.kind {
            ScanKind::Compliance(i) => Some(i),
            _ => None,
        })
        .collect();
    Compliance { points, currents }
}

/// Formed conductance against the compliance current: mean and standard
/// deviation, closed form and simulation.
fn compliance_scan(fig: &Inputs<'_>, comp: &Compliance<'_>) -> Result<Output> {
    let p = fig.p;
    let n = p.fig1.closed_form_points;
    let (lo, hi) = span(&comp.currents);
    let dense: Vec<f64> = (0..n)
        .map(|k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
        .collect();
    let closed = |i: f64| -> Result<(f64, f64)> {
        let pr = predict(&p.device, &scan_program(p, &ScanKind::Compliance(i)))?;
        Ok((pr.formed_g.mean * 1e6, pr.formed_g.std * 1e6))
    };
    let closed_pts = dense
        .iter()
        .map(|&i| closed(i).map(|c| (i, c)))
        .collect::<Result<Vec<_>>>()?;
    let sim: Vec<(f64, f64, f64)> = comp
        .points
        .iter()
        .zip(&comp.currents)
        .filter_map(|(sp, &i)| sp.summary.formed_g.map(|m| (i, m.mean * 1e6, m.std * 1e6)))
        .collect();
    let series = vec![
        SweepSeries::line(
            "mean, closed form I_C / V_C",
            closed_pts.iter().map(|&(i, (m, _))| (i, m)).collect(),
        )
        .colour(0),
        SweepSeries::markers(
            "mean ± std, simulated",
            sim.iter().map(|&(i, m, _)| (i, m)).collect(),
            sim.iter().map(|&(_, _, sd)| sd).collect(),
        )
        .colour(0),
        SweepSeries::line(
            "std, closed form",
            closed_pts.iter().map(|&(i, (_, sd))| (i, sd)).collect(),
        )
        .colour(1),
        SweepSeries::markers(
            "std, simulated",
            sim.iter().map(|&(i, _, sd)| (i, sd)).collect(),
            Vec::new(),
        )
        .colour(1),
    ];
    Ok(Output {
        stem: "compliance_scan",
        caption: "Formed conductance against the compliance current: mean and standard deviation, closed form and simulation".into(),
        csv: sweep_csv(&series),
        panel: AnyFigure::Sweep(SweepPlot {
            title: "Formed conductance against the compliance current".into(),
            x_label: "compliance current I_C (uA)".into(),
            y_label: "formed conductance (uS)".into(),
            series,
            legend: LegendPosition::UpperLeft,
            ..SweepPlot::default()
        }),
    })
}

/// Formed conductances at each compliance current.
fn compliance_histograms(fig: &Inputs<'_>, comp: &Compliance<'_>) -> Result<Output> {
    let max_g_us = comp
        .points
        .iter()
        .filter_map(|sp| sp.summary.formed_g.map(|m| (m.mean + 5.0 * m.std) * 1e6))
        .fold(1.0, f64::max);
    let h = Histogram {
        title: "Formed conductances at each compliance current".into(),
        x_label: "conductance G (uS)".into(),
        y_label: "probability density (1/uS)".into(),
        sets: comp
            .points
            .iter()
            .zip(&comp.currents)
            .map(|(sp, i)| HistogramSet {
                label: format!("I_C = {i} uA"),
                values: sp.formed_us.clone(),
            })
            .collect(),
        bins: fig.bins().max(2) * 2,
        range: Some((0.0, max_g_us)),
        density: true,
        style: HistogramStyle::Outline,
        ..Histogram::default()
    };
    let csv = histogram_csv(&h, &[])?;
    Ok(Output {
        stem: "compliance_histograms",
        caption: "Formed conductances at each compliance current".into(),
        csv,
        panel: AnyFigure::Hist(h),
    })
}

/// Breakdown voltages under the base sweep: simulation and the closed
/// form's step probabilities.
fn breakdown_voltage(fig: &Inputs<'_>) -> Result<Output> {
    let p = fig.p;
    let sweep = base_sweep(p);
    let dist = SweepDistribution::new(&p.device.forming, &sweep);
    let q = dist.step_probabilities();
    let total: f64 = q.iter().sum();
    let step = sweep.v_step_v;
    let bd = fig
        .scans
        .iter()
        .find(|sp| matches!(sp.kind, ScanKind::Breakdown))
        .map(|sp| sp.breakdown_v.clone())
        .unwrap_or_default();
    // Up to two steps past the last one a cell reaches with probability
    // above 1e-5 (the rest of the staircase is empty).
    let last = q
        .iter()
        .rposition(|&qk| total > 0.0 && qk / total > 1e-5)
        .unwrap_or(q.len().saturating_sub(1));
    let steps = (last + 3).min(sweep.step_count()).max(1);
    let range = (
        sweep.v_start_v - 0.5 * step,
        sweep.v_start_v + (steps as f64 - 0.5) * step,
    );
    let curve: Vec<(f64, f64)> = dist
        .voltages_v()
        .iter()
        .zip(&q)
        .take(steps)
        .map(|(&v, &qk)| (v, if total > 0.0 { qk / total / step } else { 0.0 }))
        .collect();
    let h = Histogram {
        title: "Breakdown voltages under ESGNN's sweep".into(),
        x_label: "breakdown voltage (V)".into(),
        y_label: "probability density (1/V)".into(),
        sets: vec![HistogramSet {
            label: format!("{} simulated cells", bd.len()),
            values: bd,
        }],
        bins: steps,
        range: Some(range),
        density: true,
        curves: vec![Series {
            label: "closed form (step probabilities)".into(),
            points: curve.clone(),
        }],
        ..Histogram::default()
    };
    let closed_at = move |x: f64| {
        curve
            .iter()
            .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))
            .map_or(f64::NAN, |c| c.1)
    };
    let csv = histogram_csv(&h, &[("closed form density", &closed_at)])?;
    Ok(Output {
        stem: "breakdown_voltage",
        caption: format!(
            "Breakdown voltages under a staircase from {} V in {} V steps of {} ms: simulation and closed form",
            sweep.v_start_v,
            sweep.v_step_v,
            sweep.step_width_s * 1e3
        ),
        csv,
        panel: AnyFigure::Hist(h),
    })
}
