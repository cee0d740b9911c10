//! Fig. 1 of the paper: the device and the macro.
//!
//! Everything here is a library call: the macro is formed by
//! [`cim_macro::Macro::program`] (which forms its array with
//! [`rram_device::ConductanceMap::form_seeded`]); statistics, reads, closed
//! forms and scans come from [`rram_device`]. This module chooses what to
//! compute, draws it and compares it with the paper.
//!
//! # Panels (each a PNG, an SVG and a CSV of the plotted data)
//!
//! | file stem | what |
//! |---|---|
//! | `conductance_map` | conductance of the 456 x 402 cells of the differential sub-array (uS) |
//! | `differential_map` | `G+ - G-` of its 456 x 201 pairs (uS) |
//! | `conductance_histogram` | formed cells of the whole array, with the fitted normal and the published one (ESGNN: 14.25 +- 2.46 uS) |
//! | `weight_histogram` | the sub-array's weights `(G+ - G-) / g_scale` with the fitted normal |
//! | `read_sigma_histogram` | per-cell standard deviation over `read_cycles` reads, with the paper's 0.14 uS |
//! | `read_sigma_map` | the same per cell |
//! | `read_traces` | repeated reads of `trace_cells` random cells of the sub-array |
//! | `voltage_formed_fraction` | formed fraction against the pulse amplitude and the sweep's stop voltage: closed form (lines) and simulation (markers) |
//! | `voltage_weight_histograms` | weight distributions at some sweep stop voltages (log y): the quasi-normal core and the pristine pairs |
//! | `compliance_scan` | mean and standard deviation of formed conductances against the compliance current: closed form and simulation (+- 1 std bars) |
//! | `compliance_histograms` | formed conductances at every compliance current |
//! | `breakdown_voltage` | breakdown voltages under the ESGNN sweep (3 V up in 0.05 V steps): simulation and the closed-form step probabilities |
//!
//! # Choices where the paper is silent
//!
//! * The 456 x 201 differential sub-array is rows 0-455 and physical
//!   columns 0-401 of the formed macro: the paper's layout uses rows 0-455
//!   (256 input + 200 recurrent) and the 200 pairs of columns 0-399; the
//!   201st pair (columns 400-401) completes the figure's 201 columns. Pairs
//!   are adjacent columns, plus = even.
//! * Weights are `(G+ - G-) / g_scale` with the device's `g_scale_us`
//!   (1 uS by default), i.e. in uS; the macro's own unit-variance scale of
//!   the `nmnist` partition is reported as `macro_g_scale_us`.
//! * The paper's "read variance below 0.14 uS" is read as a standard
//!   deviation (rram-device's docs explain why). With Gaussian read noise
//!   only (the default), the per-cell mean and standard deviation of
//!   `read_cycles` reads are drawn exactly from their sampling
//!   distributions ([`rram_device::ConductanceMap::repeated_read_stats`]),
//!   so 30,000 cycles cost no more than 30; with telegraph or 1/f noise on
//!   every read is simulated.
//! * Scans form a fresh `scan_rows x scan_cols` array per point with the
//!   experiment's seed: common random numbers, so the points differ only by
//!   the program (a stronger program forms a superset of cells). The pulse
//!   scan changes the preset pulse's amplitude (the default pulse if the
//!   preset programs with a sweep); the sweep scan changes the stop voltage
//!   of ESGNN's sweep; the compliance scan changes the preset program's
//!   compliance current. All keep the preset program's other settings.
//! * Pristine statistics come from the cells left unformed in the scan
//!   point with the most of them (the default pulse forms every cell).
//! * Random streams: forming and faults from the seed's
//!   `DeviceForming`/`DeviceFaults` streams (through the libraries), the
//!   read statistics from [`Draw::ReadStatistics`] (`ReadNoise` keyed 0),
//!   the traces from [`Draw::ReadTraces`] (`ReadNoise` keyed 1), and the
//!   choice of traced cells ([`seeds::shuffle`] of the cell indices) from
//!   [`Draw::TraceChoice`] (`Analysis` keyed 1).

use crate::error::{Context, Result, ensure, err};
use cim_macro::{Macro, MacroParams};
use param_guard::ParamGuard;
use rayon::prelude::*;
use rram_device::{
    CellState, Compliance, ConductanceMap, DeviceParams, MapSummary, Moments, NoiseModel,
    PUBLISHED_G_MEAN_US, PUBLISHED_G_STD_US, Prediction, Program, PulseProgram, ReadStats,
    SweepDistribution, SweepProgram, normal_cdf, predict,
};
use seeds::Seeds;
use serde::{Deserialize, Serialize};

use crate::context::{Ctx, FigureOutput};
use crate::report::{Report, Row, Summary, format_tick, pct};
use crate::streams::Draw;

/// The paper's read-noise bound: "below 0.14 uS for most cells".
pub const PAPER_READ_SIGMA_US: f64 = 0.14;
/// Pristine (as-deposited) resistance reported by ESGNN, MOhm.
pub const PAPER_PRISTINE_MOHM: f64 = 10.0;

/// The preset of Fig. 1 (`data/presets/fig1.toml`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fig1Preset {
    /// Experiment seed.
    pub seed: u64,
    /// Device physics.
    #[serde(default)]
    pub device: DeviceParams,
    /// How every cell of the macro is formed.
    #[serde(default)]
    pub program: Program,
    /// The macro (array size and partition layout).
    #[serde(default, rename = "macro")]
    pub macro_params: MacroParams,
    /// What the figure shows.
    #[serde(default)]
    pub fig1: Fig1Settings,
}

/// Settings of the figure (`[fig1]` in the preset).
///
/// | key | unit | default | source |
/// |---|---|---|---|
/// | `sub_rows`, `sub_pairs` | - | 456, 201 | paper: a 456 x 201 differential sub-array |
/// | `read_cycles` | - | 30000 | paper: 30,000 read cycles |
/// | `read_dt_s` | s | 1e-3 | assumed (matters only with telegraph or 1/f noise) |
/// | `trace_cells` | - | 40 | paper: 40 random cells |
/// | `trace_plot_points` | - | 500 | reads drawn per trace (evenly spaced; statistics use every read) |
/// | `histogram_bins` | - | 60 | chosen |
/// | `scan_rows`, `scan_cols` | - | 256, 256 | chosen: 65,536 cells per scan point |
/// | `pulse_v_scan_v` | V | 2.6 to 4.2 in 0.1 | around the default pulse's 50 % point (3.3 V) |
/// | `sweep_stop_v_scan_v` | V | 3.0 to 4.0 in 0.05 | ESGNN's sweep steps, around the mean breakdown voltage 3.5 V |
/// | `sweep_histogram_stops_v` | V | 3.3, 3.5, 3.7, 4.0 | chosen from the sweep scan |
/// | `compliance_scan_ua` | uA | 2 to 12 (with 5.7) | around the default 5.7 uA |
/// | `closed_form_points` | - | 161 | resolution of the closed-form curves |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fig1Settings {
    /// Rows of the differential sub-array.
    pub sub_rows: usize,
    /// Column pairs of the differential sub-array.
    pub sub_pairs: usize,
    /// Reads per cell for the read-noise statistics and the traces.
    pub read_cycles: usize,
    /// Time between reads, s.
    pub read_dt_s: f64,
    /// Cells traced over repeated reads.
    pub trace_cells: usize,
    /// Reads drawn per trace.
    pub trace_plot_points: usize,
    /// Bins of every histogram.
    pub histogram_bins: usize,
    /// Rows of each scan array.
    pub scan_rows: usize,
    /// Columns of each scan array.
    pub scan_cols: usize,
    /// Pulse amplitudes to scan, V.
    pub pulse_v_scan_v: Vec<f64>,
    /// Stop voltages of ESGNN's sweep to scan, V.
    pub sweep_stop_v_scan_v: Vec<f64>,
    /// Stop voltages whose weight histograms are drawn (each must be in
    /// `sweep_stop_v_scan_v`), V.
    pub sweep_histogram_stops_v: Vec<f64>,
    /// Compliance currents to scan, uA.
    pub compliance_scan_ua: Vec<f64>,
    /// Points of each closed-form curve.
    pub closed_form_points: usize,
}

impl Default for Fig1Settings {
    fn default() -> Self {
        let steps = |a: f64, b: f64, d: f64| {
            let n = ((b - a) / d).round() as usize;
            (0..=n)
                .map(|k| ((a + d * k as f64) * 1000.0).round() / 1000.0)
                .collect()
        };
        Fig1Settings {
            sub_rows: 456,
            sub_pairs: 201,
            read_cycles: 30_000,
            read_dt_s: 1e-3,
            trace_cells: 40,
            trace_plot_points: 500,
            histogram_bins: 60,
            scan_rows: 256,
            scan_cols: 256,
            pulse_v_scan_v: steps(2.6, 4.2, 0.1),
            sweep_stop_v_scan_v: steps(3.0, 4.0, 0.05),
            sweep_histogram_stops_v: vec![3.3, 3.5, 3.7, 4.0],
            compliance_scan_ua: vec![2.0, 3.0, 4.0, 5.7, 7.0, 8.5, 10.0, 12.0],
            closed_form_points: 161,
        }
    }
}

impl Fig1Settings {
    /// Checks the settings against the macro's array.
    pub fn validate(&self, macro_params: &MacroParams) -> Result<()> {
        let (rows, cols) = (
            macro_params.array.rows as usize,
            macro_params.array.cols as usize,
        );
        ensure!(
            (1..=rows).contains(&self.sub_rows),
            "fig1.sub_rows = {}: must be in 1..={rows} (the macro's rows)",
            self.sub_rows
        );
        ensure!(
            (1..=cols / 2).contains(&self.sub_pairs),
            "fig1.sub_pairs = {}: must be in 1..={} (half the macro's columns)",
            self.sub_pairs,
            cols / 2
        );
        ensure!(
            (2..=10_000_000).contains(&self.read_cycles),
            "fig1.read_cycles = {}: must be in 2..=10000000",
            self.read_cycles
        );
        ensure!(
            self.read_dt_s.is_finite() && self.read_dt_s > 0.0,
            "fig1.read_dt_s = {}: must be finite and > 0",
            self.read_dt_s
        );
        let cells = self.sub_rows * self.sub_pairs * 2;
        ensure!(
            (1..=cells.min(1000)).contains(&self.trace_cells),
            "fig1.trace_cells = {}: must be in 1..={} (at most the sub-array's cells and 1000)",
            self.trace_cells,
            cells.min(1000)
        );
        ensure!(
            (2..=100_000).contains(&self.trace_plot_points),
            "fig1.trace_plot_points = {}: must be in 2..=100000",
            self.trace_plot_points
        );
        ensure!(
            (1..=10_000).contains(&self.histogram_bins),
            "fig1.histogram_bins = {}: must be in 1..=10000",
            self.histogram_bins
        );
        for (field, v) in [("scan_rows", self.scan_rows), ("scan_cols", self.scan_cols)] {
            ensure!(
                (2..=4096).contains(&v),
                "fig1.{field} = {v}: must be in 2..=4096"
            );
        }
        ensure!(
            (2..=100_000).contains(&self.closed_form_points),
            "fig1.closed_form_points = {}: must be in 2..=100000",
            self.closed_form_points
        );
        for (field, list, max) in [
            ("pulse_v_scan_v", &self.pulse_v_scan_v, 100.0),
            ("sweep_stop_v_scan_v", &self.sweep_stop_v_scan_v, 100.0),
            ("compliance_scan_ua", &self.compliance_scan_ua, 1e4),
        ] {
            ensure!(
                (1..=200).contains(&list.len()),
                "fig1.{field} lists {} values: give 1 to 200",
                list.len()
            );
            if let Some((i, v)) = list
                .iter()
                .enumerate()
                .find(|(_, v)| !(v.is_finite() && **v > 0.0 && **v <= max))
            {
                return Err(err!(
                    "fig1.{field}[{i}] = {v}: must be finite, > 0 and <= {max}"
                ));
            }
        }
        for (i, v) in self.sweep_histogram_stops_v.iter().enumerate() {
            ensure!(
                self.sweep_stop_v_scan_v
                    .iter()
                    .any(|s| (s - v).abs() < 1e-9),
                "fig1.sweep_histogram_stops_v[{i}] = {v}: must be one of sweep_stop_v_scan_v"
            );
        }
        Ok(())
    }
}

/// One point of the programming scans.
#[derive(Clone, Debug)]
pub enum ScanKind {
    /// A pulse of this amplitude, V.
    Pulse(f64),
    /// ESGNN's sweep stopped at this voltage, V.
    SweepStop(f64),
    /// The preset program with this compliance current, uA.
    Compliance(f64),
    /// ESGNN's full sweep, for the breakdown voltages.
    Breakdown,
}

/// What a scan point keeps of its array.
#[derive(Clone, Debug)]
pub struct ScanPoint {
    /// The scan point.
    pub kind: ScanKind,
    /// Summary of the formed array.
    pub summary: MapSummary,
    /// Weights of adjacent column pairs, uS (sweep histograms only).
    pub weights_us: Vec<f64>,
    /// Conductances of formed cells, uS (compliance scan only).
    pub formed_us: Vec<f64>,
    /// Breakdown voltages, V (breakdown point only).
    pub breakdown_v: Vec<f64>,
    /// Conductances of pristine (unformed, healthy or stuck) cells, uS.
    pub pristine_us: Vec<f64>,
}

/// Everything the panels of Fig. 1 show: the preset and the statistics of
/// the formed macro, the repeated reads and the programming scans.
#[derive(Debug)]
pub struct Fig1Panels {
    /// The resolved preset.
    pub preset: Fig1Preset,
    /// The formed macro's statistics.
    pub array: ArrayStats,
    /// The repeated reads.
    pub reads: Reads,
    /// The programming scans.
    pub scans: Vec<ScanPoint>,
    /// The device's weight scale, S.
    pub g_scale_s: f64,
}

/// Runs Fig. 1.
pub fn run(ctx: &mut Ctx<'_>) -> Result<FigureOutput<Fig1Panels>> {
    let (preset, path) = ctx.preset::<Fig1Preset>(None)?;
    let origin = path.display().to_string();
    preset
        .device
        .validate()
        .with_context(|| format!("preset {origin}: [device]"))?;
    preset
        .program
        .validate(&preset.device)
        .with_context(|| format!("preset {origin}: [program]"))?;
    preset
        .macro_params
        .validate()
        .with_context(|| format!("preset {origin}: [macro]"))?;
    preset
        .fig1
        .validate(&preset.macro_params)
        .with_context(|| format!("preset {origin}"))?;
    let p = &preset;
    let seeds = Seeds::new(p.seed);
    let g_scale_s = p.device.differential.g_scale_s();

    let chip = ctx.stages.run("program the macro", || {
        Ok(Macro::program(
            &p.macro_params,
            &p.device,
            &p.program,
            seeds,
        )?)
    })?;

    let array = ctx
        .stages
        .run("array statistics", || array_stats(p, &chip))?;

    let reads = ctx
        .stages
        .run("repeated reads", || repeated_reads(p, &array.sub, seeds))?;

    let scans = ctx
        .stages
        .run("programming scans", || programming_scans(p, seeds))?;

    let mut summary = Summary::default();
    let mut report = Report {
        title: "Fig. 1: the RRAM device and the 512 x 512 macro".into(),
        data_source: "none (device and macro simulation, no event data)".into(),
        ..Report::default()
    };
    fill_summary(p, &array, &reads, &scans, &mut summary)?;
    fill_report(p, &summary, &mut report);

    Ok(FigureOutput {
        summary,
        report,
        resolved: serde_json::to_value(&preset)?,
        seed: preset.seed,
        data_source: "none".into(),
        panels: Fig1Panels {
            preset: preset.clone(),
            array,
            reads,
            scans,
            g_scale_s,
        },
        stages: ctx.finish(),
    })
}

/// The formed macro's statistics.
#[derive(Clone, Debug)]
pub struct ArrayStats {
    /// Summary of the whole array.
    pub whole: MapSummary,
    /// Closed-form prediction for the preset program.
    pub predicted: Prediction,
    /// Conductances of the whole array's formed cells, uS.
    pub formed_us: Vec<f64>,
    /// The differential sub-array (`sub_rows x 2 sub_pairs` cells).
    pub sub: ConductanceMap,
    /// `G+ - G-` of the sub-array's pairs, uS, row-major.
    pub diff_us: Vec<f64>,
    /// Weights `(G+ - G-) / g_scale` of the sub-array's pairs.
    pub weights: Vec<f64>,
    /// Their moments.
    pub weight_moments: Option<Moments>,
    /// Kolmogorov-Smirnov distance of the weights from the fitted normal.
    pub weight_ks: f64,
    /// The macro's weight scale of its first partition, S, with its name.
    pub macro_scale: Option<(String, f64)>,
}

fn array_stats(p: &Fig1Preset, chip: &Macro) -> Result<ArrayStats> {
    let map = chip.map();
    let g_scale_s = p.device.differential.g_scale_s();
    let whole = map.summary(g_scale_s);
    let predicted = predict(&p.device, &p.program)?;
    let formed_us: Vec<f64> = map
        .conductances_s()
        .iter()
        .zip(map.states())
        .filter(|(_, st)| **st == CellState::Formed)
        .map(|(g, _)| g * 1e6)
        .collect();
    let (rows, cols) = (p.fig1.sub_rows, 2 * p.fig1.sub_pairs);
    let mut g = Vec::with_capacity(rows * cols);
    let mut states = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        let start = r * map.cols();
        g.extend_from_slice(&map.conductances_s()[start..start + cols]);
        states.extend_from_slice(&map.states()[start..start + cols]);
    }
    let sub = ConductanceMap::from_parts(rows, cols, g, states)?;
    let diff_us = sub.column_pair_weights(1e-6);
    let weights = sub.column_pair_weights(g_scale_s);
    let weight_moments = Moments::of(&weights);
    let weight_ks = weight_moments.map_or(f64::NAN, |m| ks_normal(&weights, m.mean, m.std));
    let macro_scale = match chip.partition("nmnist") {
        Ok(part) => Some(("nmnist".to_owned(), chip.g_scale_s(&part)?)),
        Err(_) => match chip.partitions().first() {
            Some(part) => Some((chip.layout_of(part)?.name.clone(), chip.g_scale_s(part)?)),
            None => None,
        },
    };
    Ok(ArrayStats {
        whole,
        predicted,
        formed_us,
        sub,
        diff_us,
        weights,
        weight_moments,
        weight_ks,
        macro_scale,
    })
}

/// Kolmogorov-Smirnov distance `sup |F_n(x) - Phi((x - mean) / std)|`.
fn ks_normal(values: &[f64], mean: f64, std: f64) -> f64 {
    if values.is_empty() || std.is_nan() || std <= 0.0 {
        return f64::NAN;
    }
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    v.iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = normal_cdf((x - mean) / std);
            (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
        })
        .fold(0.0, f64::max)
}

/// Repeated reads of the sub-array.
#[derive(Clone, Debug)]
pub struct Reads {
    /// Statistics of the repeated reads.
    pub stats: ReadStats,
    /// Traced cells `(row, col)` of the sub-array.
    pub cells: Vec<(usize, usize)>,
    /// Reads of each traced cell, S.
    pub traces: Vec<Vec<f64>>,
    /// Fraction of cells whose noise model's sigma is below 0.14 uS.
    pub model_below: f64,
}

fn repeated_reads(p: &Fig1Preset, sub: &ConductanceMap, seeds: Seeds) -> Result<Reads> {
    let s = &p.fig1;
    let model = NoiseModel::new(&p.device.read_noise)?;
    let stats = sub.repeated_read_stats(
        s.read_cycles,
        s.read_dt_s,
        &model,
        &mut Draw::ReadStatistics.rng(seeds),
    )?;
    // Distinct random cells: the first of the cell indices in the order of
    // the workspace's seeded shuffle.
    let n = sub.len();
    let mut idx: Vec<usize> = (0..n).collect();
    seeds::shuffle(&mut idx, &mut Draw::TraceChoice.rng(seeds));
    let cells: Vec<(usize, usize)> = idx[..s.trace_cells]
        .iter()
        .map(|&i| (i / sub.cols(), i % sub.cols()))
        .collect();
    let traces = sub.read_traces(
        &cells,
        s.read_cycles,
        s.read_dt_s,
        &model,
        &mut Draw::ReadTraces.rng(seeds),
    )?;
    let below = sub
        .conductances_s()
        .iter()
        .filter(|&&g| model.sigma(g) < PAPER_READ_SIGMA_US * 1e-6)
        .count();
    Ok(Reads {
        stats,
        cells,
        traces,
        model_below: below as f64 / n as f64,
    })
}

/// The preset's pulse (or the default pulse) with the preset's compliance.
pub fn base_pulse(p: &Fig1Preset) -> PulseProgram {
    match &p.program {
        Program::Pulse(pulse) => pulse.clone(),
        Program::Sweep(sweep) => PulseProgram {
            compliance: sweep.compliance.clone(),
            ..PulseProgram::default()
        },
    }
}

/// ESGNN's sweep with the preset's compliance.
pub fn base_sweep(p: &Fig1Preset) -> SweepProgram {
    SweepProgram {
        compliance: p.program.compliance().clone(),
        ..SweepProgram::default()
    }
}

/// The program of one scan point.
pub fn scan_program(p: &Fig1Preset, kind: &ScanKind) -> Program {
    match *kind {
        ScanKind::Pulse(v) => Program::Pulse(PulseProgram {
            v_v: v,
            ..base_pulse(p)
        }),
        ScanKind::SweepStop(v) => Program::Sweep(SweepProgram {
            v_stop_v: v,
            ..base_sweep(p)
        }),
        ScanKind::Compliance(i) => {
            let compliance = Compliance::Current { i_c_ua: i };
            match &p.program {
                Program::Pulse(x) => Program::Pulse(PulseProgram {
                    compliance,
                    ..x.clone()
                }),
                Program::Sweep(x) => Program::Sweep(SweepProgram {
                    compliance,
                    ..x.clone()
                }),
            }
        }
        ScanKind::Breakdown => Program::Sweep(base_sweep(p)),
    }
}

fn programming_scans(p: &Fig1Preset, seeds: Seeds) -> Result<Vec<ScanPoint>> {
    let s = &p.fig1;
    let mut kinds: Vec<ScanKind> = Vec::new();
    kinds.extend(s.pulse_v_scan_v.iter().map(|&v| ScanKind::Pulse(v)));
    kinds.extend(
        s.sweep_stop_v_scan_v
            .iter()
            .map(|&v| ScanKind::SweepStop(v)),
    );
    kinds.extend(
        s.compliance_scan_ua
            .iter()
            .map(|&i| ScanKind::Compliance(i)),
    );
    kinds.push(ScanKind::Breakdown);
    let bar = crate::progress::bar(kinds.len() as u64, "fig1 scans");
    let g_scale_s = p.device.differential.g_scale_s();
    let keep_weights = |v: f64| {
        s.sweep_histogram_stops_v
            .iter()
            .any(|h| (h - v).abs() < 1e-9)
    };
    // Every point forms its own array with the same seed (common random
    // numbers); the points are independent, so they run in parallel and
    // are collected in order.
    let points = kinds
        .into_par_iter()
        .map(|kind| {
            let program = scan_program(p, &kind);
            let map =
                ConductanceMap::form_seeded(s.scan_rows, s.scan_cols, &p.device, &program, seeds)
                    .with_context(|| format!("scan point {kind:?}"))?;
            let summary = map.summary(g_scale_s);
            let weights_us = match kind {
                ScanKind::SweepStop(v) if keep_weights(v) => map.column_pair_weights(1e-6),
                _ => Vec::new(),
            };
            let of_state = |f: fn(CellState) -> bool| -> Vec<f64> {
                map.conductances_s()
                    .iter()
                    .zip(map.states())
                    .filter(|(_, st)| f(**st))
                    .map(|(g, _)| g * 1e6)
                    .collect()
            };
            let formed_us = match kind {
                ScanKind::Compliance(_) => of_state(|st| st == CellState::Formed),
                _ => Vec::new(),
            };
            let breakdown_v = match kind {
                ScanKind::Breakdown => map
                    .breakdown_voltages_v()
                    .map(|b| {
                        b.iter()
                            .filter(|v| !v.is_nan())
                            .map(|&v| f64::from(v))
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let pristine_us = of_state(|st| !st.has_filament());
            bar.inc(1);
            Ok(ScanPoint {
                kind,
                summary,
                weights_us,
                formed_us,
                breakdown_v,
                pristine_us,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    bar.finish();
    Ok(points)
}

/// Median of the finite values (NaN for none).
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Quantile `q` (nearest rank) of the finite values.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let k = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[k - 1]
}

/// First x where the piecewise-linear curve through `points` (sorted by x)
/// crosses `level` upwards (NaN if it never does).
pub fn crossing(points: &[(f64, f64)], level: f64) -> f64 {
    points
        .windows(2)
        .find(|w| w[0].1 < level && w[1].1 >= level)
        .map_or(f64::NAN, |w| {
            let t = (level - w[0].1) / (w[1].1 - w[0].1);
            w[0].0 + t * (w[1].0 - w[0].0)
        })
}

/// Least-squares slope of y on x.
pub fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return f64::NAN;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}

/// `(x, formed fraction)` of the simulated scan points of one kind.
pub fn simulated_fractions(scans: &[ScanPoint], pulse: bool) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = scans
        .iter()
        .filter_map(|sp| match sp.kind {
            ScanKind::Pulse(v) if pulse => Some((v, sp.summary.formed_fraction)),
            ScanKind::SweepStop(v) if !pulse => Some((v, sp.summary.formed_fraction)),
            _ => None,
        })
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts
}

/// Closed-form formed fraction over `n` voltages spanning `range`.
pub fn predicted_fractions(
    p: &Fig1Preset,
    pulse: bool,
    (lo, hi): (f64, f64),
    n: usize,
) -> Result<Vec<(f64, f64)>> {
    (0..n)
        .map(|k| {
            let v = lo + (hi - lo) * k as f64 / (n - 1) as f64;
            let kind = if pulse {
                ScanKind::Pulse(v)
            } else {
                ScanKind::SweepStop(v)
            };
            let pred = predict(&p.device, &scan_program(p, &kind))?;
            Ok((v, pred.fractions.formed))
        })
        .collect()
}

/// Smallest and largest value (0, 1 when empty).
pub fn span(values: &[f64]) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    }
}

/// Writes the figure's numbers into `summary.json`'s map.
fn fill_summary(
    p: &Fig1Preset,
    a: &ArrayStats,
    r: &Reads,
    scans: &[ScanPoint],
    out: &mut Summary,
) -> Result<()> {
    summarise_array(p, a, out);
    summarise_reads(&p.fig1, a, r, out);
    summarise_pristine(p, a, scans, out);
    summarise_voltage_scans(p, scans, out)?;
    summarise_compliance(p, scans, out);
    summarise_breakdown(p, scans, out);
    Ok(())
}

/// The whole array's forming statistics, the sub-array's conductances and
/// its weights, each beside its closed form.
fn summarise_array(p: &Fig1Preset, a: &ArrayStats, out: &mut Summary) {
    let s = &p.fig1;
    let w = &a.whole;
    out.int("array_rows", w.rows as u64);
    out.int("array_cols", w.cols as u64);
    out.int("sub_rows", s.sub_rows as u64);
    out.int("sub_pairs", s.sub_pairs as u64);
    out.num("formed_fraction", w.formed_fraction);
    out.num("formed_fraction_predicted", a.predicted.fractions.formed);
    out.int("formed_cells", w.counts.formed as u64);
    out.int(
        "stuck_cells",
        (w.counts.stuck_pristine + w.counts.stuck_high) as u64,
    );
    let formed = w.formed_g.map(|m| m.scaled(1e6));
    let nan = f64::NAN;
    out.num("formed_g_mean_us", formed.map_or(nan, |m| m.mean));
    out.num("formed_g_std_us", formed.map_or(nan, |m| m.std));
    out.num("formed_g_skewness", formed.map_or(nan, |m| m.skewness));
    out.num(
        "formed_g_excess_kurtosis",
        formed.map_or(nan, |m| m.excess_kurtosis),
    );
    out.num("formed_g_min_us", formed.map_or(nan, |m| m.min));
    out.num("formed_g_max_us", formed.map_or(nan, |m| m.max));
    let pf = a.predicted.formed_g.scaled(1e6);
    out.num("formed_g_mean_predicted_us", pf.mean);
    out.num("formed_g_std_predicted_us", pf.std);
    out.num("formed_g_skewness_predicted", pf.skewness);
    out.num("formed_g_excess_kurtosis_predicted", pf.excess_kurtosis);

    // The sub-array.
    let sub_g: Vec<f64> = a.sub.conductances_s().iter().map(|g| g * 1e6).collect();
    let sub_m = Moments::of(&sub_g);
    out.num("sub_g_mean_us", sub_m.map_or(nan, |m| m.mean));
    out.num("sub_g_std_us", sub_m.map_or(nan, |m| m.std));
    let diff = Moments::of(&a.diff_us);
    out.num("diff_g_mean_us", diff.map_or(nan, |m| m.mean));
    out.num("diff_g_std_us", diff.map_or(nan, |m| m.std));
    out.num("weight_g_scale_us", p.device.differential.g_scale_us);
    let wm = a.weight_moments;
    out.num("weight_mean", wm.map_or(nan, |m| m.mean));
    out.num("weight_std", wm.map_or(nan, |m| m.std));
    out.num("weight_skewness", wm.map_or(nan, |m| m.skewness));
    out.num(
        "weight_excess_kurtosis",
        wm.map_or(nan, |m| m.excess_kurtosis),
    );
    out.num("weight_ks_distance", a.weight_ks);
    out.num("weight_std_predicted", a.predicted.weight.std);
    out.num(
        "weight_excess_kurtosis_predicted",
        a.predicted.weight.excess_kurtosis,
    );
    out.num(
        "macro_g_scale_us",
        a.macro_scale.as_ref().map_or(nan, |m| m.1 * 1e6),
    );
}

/// The repeated reads of the sub-array: per-cell read sigma, the offset of
/// the read means, and the traced cells.
fn summarise_reads(s: &Fig1Settings, a: &ArrayStats, r: &Reads, out: &mut Summary) {
    let nan = f64::NAN;
    let sigma_us: Vec<f64> = r.stats.std_s.iter().map(|v| v * 1e6).collect();
    let sm = Moments::of(&sigma_us);
    out.int("read_cycles", s.read_cycles as u64);
    out.num("read_sigma_mean_us", sm.map_or(nan, |m| m.mean));
    out.num("read_sigma_median_us", median(&sigma_us));
    out.num("read_sigma_p95_us", quantile(&sigma_us, 0.95));
    out.num("read_sigma_max_us", sm.map_or(nan, |m| m.max));
    out.num(
        "read_sigma_below_0_14_us_fraction",
        r.stats.fraction_std_below(PAPER_READ_SIGMA_US * 1e-6),
    );
    out.num("read_sigma_below_0_14_us_fraction_model", r.model_below);
    let offsets: Vec<f64> = r
        .stats
        .mean_s
        .iter()
        .zip(a.sub.conductances_s())
        .map(|(m, g)| (m - g) * 1e6)
        .collect();
    out.num(
        "read_mean_offset_rms_us",
        (offsets.iter().map(|d| d * d).sum::<f64>() / offsets.len().max(1) as f64).sqrt(),
    );
    out.int("trace_cells", r.traces.len() as u64);
    let trace_stats: Vec<(f64, f64)> = r
        .traces
        .iter()
        .map(|t| {
            let us: Vec<f64> = t.iter().map(|g| g * 1e6).collect();
            let m = Moments::of(&us);
            let mean = m.map_or(nan, |m| m.mean);
            let dev = us.iter().map(|g| (g - mean).abs()).fold(0.0, f64::max);
            (m.map_or(nan, |m| m.std), dev)
        })
        .collect();
    out.num(
        "trace_sigma_mean_us",
        trace_stats.iter().map(|t| t.0).sum::<f64>() / trace_stats.len().max(1) as f64,
    );
    out.num(
        "trace_max_deviation_us",
        trace_stats.iter().map(|t| t.1).fold(0.0, f64::max),
    );
    let trace_means: Vec<f64> = r
        .traces
        .iter()
        .map(|t| t.iter().sum::<f64>() / t.len().max(1) as f64 * 1e6)
        .collect();
    let tm = Moments::of(&trace_means);
    out.num("trace_g_min_us", tm.map_or(nan, |m| m.min));
    out.num("trace_g_max_us", tm.map_or(nan, |m| m.max));
}

/// Pristine cells: those of the scan point with the most of them.
fn summarise_pristine(p: &Fig1Preset, a: &ArrayStats, scans: &[ScanPoint], out: &mut Summary) {
    let pristine = scans
        .iter()
        .max_by_key(|sp| sp.pristine_us.len())
        .map(|sp| sp.pristine_us.as_slice())
        .unwrap_or(&[]);
    out.int("pristine_cells", pristine.len() as u64);
    let pm = median(pristine);
    out.num("pristine_g_median_us", pm);
    out.num("pristine_r_median_mohm", 1.0 / pm);
    out.num(
        "pristine_g_mean_predicted_us",
        a.predicted.pristine_g.mean * 1e6,
    );
    out.num(
        "pristine_r_median_predicted_mohm",
        1.0 / p.device.pristine.g_median_us,
    );
}

/// The pulse and sweep-stop scans: 50 % voltages and the largest error of
/// the closed-form formed fraction.
fn summarise_voltage_scans(p: &Fig1Preset, scans: &[ScanPoint], out: &mut Summary) -> Result<()> {
    let s = &p.fig1;
    let n = s.closed_form_points;
    for (pulse, key) in [(true, "pulse"), (false, "sweep_stop")] {
        let sim = simulated_fractions(scans, pulse);
        let volts: Vec<f64> = sim.iter().map(|p| p.0).collect();
        let pred = predicted_fractions(p, pulse, span(&volts), n)?;
        out.int(&format!("{key}_scan_points"), sim.len() as u64);
        out.num(&format!("{key}_v50_v"), crossing(&sim, 0.5));
        out.num(&format!("{key}_v50_predicted_v"), crossing(&pred, 0.5));
        let max_err = sim
            .iter()
            .map(|&(v, f)| {
                let kind = if pulse {
                    ScanKind::Pulse(v)
                } else {
                    ScanKind::SweepStop(v)
                };
                predict(&p.device, &scan_program(p, &kind)).map(|x| (x.fractions.formed - f).abs())
            })
            .collect::<rram_device::Result<Vec<f64>>>()?
            .into_iter()
            .fold(0.0, f64::max);
        out.num(&format!("{key}_formed_fraction_max_error"), max_err);
    }
    out.int("scan_cells", (s.scan_rows * s.scan_cols) as u64);
    Ok(())
}

/// The compliance scan: the slope of the mean formed conductance and the
/// coefficient of variation, beside the closed forms.
fn summarise_compliance(p: &Fig1Preset, scans: &[ScanPoint], out: &mut Summary) {
    let comp: Vec<&ScanPoint> = scans
        .iter()
        .filter(|sp| matches!(sp.kind, ScanKind::Compliance(_)))
        .collect();
    let means: Vec<(f64, f64)> = comp
        .iter()
        .filter_map(|sp| match sp.kind {
            ScanKind::Compliance(i) => sp.summary.formed_g.map(|m| (i, m.mean * 1e6)),
            _ => None,
        })
        .collect();
    out.int("compliance_scan_points", comp.len() as u64);
    out.num("compliance_slope_us_per_ua", slope(&means));
    out.num(
        "compliance_slope_predicted_us_per_ua",
        1.0 / p.device.compliance.v_c_v,
    );
    let cvs: Vec<f64> = comp
        .iter()
        .filter_map(|sp| sp.summary.formed_g.map(|m| m.std / m.mean))
        .collect();
    out.num(
        "compliance_cv_mean",
        cvs.iter().sum::<f64>() / cvs.len().max(1) as f64,
    );
    out.num("compliance_cv_predicted", p.device.compliance.cv());
}

/// Breakdown voltages under ESGNN's sweep and their closed-form moments.
fn summarise_breakdown(p: &Fig1Preset, scans: &[ScanPoint], out: &mut Summary) {
    let nan = f64::NAN;
    let bd = scans
        .iter()
        .find(|sp| matches!(sp.kind, ScanKind::Breakdown));
    let bm = bd.and_then(|sp| Moments::of(&sp.breakdown_v));
    out.num("breakdown_v_mean_v", bm.map_or(nan, |m| m.mean));
    out.num("breakdown_v_std_v", bm.map_or(nan, |m| m.std));
    out.num("breakdown_v_skewness", bm.map_or(nan, |m| m.skewness));
    out.num(
        "breakdown_v_excess_kurtosis",
        bm.map_or(nan, |m| m.excess_kurtosis),
    );
    let dist = SweepDistribution::new(&p.device.forming, &base_sweep(p)).breakdown_moments();
    out.num("breakdown_v_mean_predicted_v", dist.map_or(nan, |m| m.mean));
    out.num("breakdown_v_std_predicted_v", dist.map_or(nan, |m| m.std));
    out.num(
        "breakdown_v_skewness_predicted",
        dist.map_or(nan, |m| m.skewness),
    );
    out.num(
        "breakdown_v_excess_kurtosis_predicted",
        dist.map_or(nan, |m| m.excess_kurtosis),
    );
}

/// A summary number (NaN when absent).
fn get(s: &Summary, key: &str) -> f64 {
    s.get_f64(key).unwrap_or(f64::NAN)
}

/// `x` with `d` decimals, or `-` when it is not finite.
fn fixed(x: f64, d: usize) -> String {
    if x.is_finite() {
        format!("{x:.d$}")
    } else {
        "-".to_owned()
    }
}

/// Writes the comparison with the paper into `report`.
fn fill_report(p: &Fig1Preset, s: &Summary, report: &mut Report) {
    forming_rows(p, s, &mut report.rows);
    read_rows(p, s, &mut report.rows);
    distribution_rows(s, &mut report.rows);
    let g = |k: &str| get(s, k);
    report.notes.push(format!(
        "The {} x {} differential sub-array is rows 0-{} and columns 0-{} of the formed {} x {} macro (pairs of adjacent columns, plus = even). Read statistics over {} cycles per cell are drawn exactly from their sampling distributions when the read noise is Gaussian only. Scans use {} x {} arrays formed with the same seed (common random numbers).",
        p.fig1.sub_rows,
        p.fig1.sub_pairs,
        p.fig1.sub_rows - 1,
        2 * p.fig1.sub_pairs - 1,
        g("array_rows"),
        g("array_cols"),
        p.fig1.read_cycles,
        p.fig1.scan_rows,
        p.fig1.scan_cols,
    ));
}

/// The formed conductances (mean, spread, shape) and the formed fraction.
fn forming_rows(p: &Fig1Preset, s: &Summary, rows: &mut Vec<Row>) {
    let g = |k: &str| get(s, k);
    let i_c_ua = p.program.compliance().current_a(&p.device.compliance) * 1e6;
    let program = match &p.program {
        Program::Pulse(x) => format!(
            "a {} V, {} ms pulse",
            format_tick(x.v_v),
            format_tick(x.width_s * 1e3)
        ),
        Program::Sweep(x) => format!(
            "a sweep from {} V to {} V in {} V steps",
            format_tick(x.v_start_v),
            format_tick(x.v_stop_v),
            format_tick(x.v_step_v)
        ),
    };
    rows.push(Row::new(
        "formed conductance, mean",
        format!(
            "{} uS (closed form {})",
            fixed(g("formed_g_mean_us"), 2),
            fixed(g("formed_g_mean_predicted_us"), 2)
        ),
        &format!("{PUBLISHED_G_MEAN_US} uS (ESGNN fit)"),
        &format!(
            "The compliance current sets the mean, I_C / V_C = {} uA / {} V; the difference is sampling error of the {} formed cells.",
            format_tick(i_c_ua),
            format_tick(p.device.compliance.v_c_v),
            g("formed_cells")
        ),
    ));
    rows.push(Row::new(
        "formed conductance, standard deviation",
        format!(
            "{} uS (closed form {})",
            fixed(g("formed_g_std_us"), 2),
            fixed(g("formed_g_std_predicted_us"), 2)
        ),
        &format!("{PUBLISHED_G_STD_US} uS (ESGNN fit)"),
        "The log-normal spread is calibrated to the published coefficient of variation, so only sampling error separates them.",
    ));
    rows.push(Row::new(
        "formed conductance, shape",
        format!(
            "skewness {}, excess kurtosis {}",
            fixed(g("formed_g_skewness"), 3),
            fixed(g("formed_g_excess_kurtosis"), 3)
        ),
        "quasi-normal (fitted with a Gaussian)",
        "A log-normal with a 17 % coefficient of variation is slightly right-skewed, close enough to a Gaussian to be fitted by one.",
    ));
    rows.push(Row::new(
        "formed fraction of the array",
        pct(100.0 * g("formed_fraction")),
        "-",
        &format!(
            "Every cell receives the same program ({program}), which leaves a fraction {:.2e} unformed in closed form; the paper does not report unformed cells.",
            1.0 - g("formed_fraction_predicted")
        ),
    ));
}

/// The read noise: the fraction below the paper's bound, the median and
/// the traced cells.
fn read_rows(p: &Fig1Preset, s: &Summary, rows: &mut Vec<Row>) {
    let g = |k: &str| get(s, k);
    rows.push(Row::new(
        "read sigma below 0.14 uS",
        format!(
            "{} of cells ({} reads; model {})",
            pct(100.0 * g("read_sigma_below_0_14_us_fraction")),
            p.fig1.read_cycles,
            pct(100.0 * g("read_sigma_below_0_14_us_fraction_model"))
        ),
        "most cells (30,000 reads)",
        &format!(
            "The read-noise model sigma = {} uS + {} G is calibrated so that most formed cells (95 % with the defaults) stay below 0.14 uS, read as a standard deviation; the model column counts cells whose true sigma is below it.",
            format_tick(p.device.read_noise.s0_us),
            format_tick(p.device.read_noise.s1)
        ),
    ));
    rows.push(Row::new(
        "read sigma, median",
        format!("{} uS", fixed(g("read_sigma_median_us"), 3)),
        "-",
        "The paper gives only the bound; the median follows from the model at the median conductance.",
    ));
    rows.push(Row::new(
        "repeated reads of random cells",
        format!(
            "{} cells: mean sigma {} uS, largest deviation {} uS",
            g("trace_cells"),
            fixed(g("trace_sigma_mean_us"), 3),
            fixed(g("trace_max_deviation_us"), 3)
        ),
        "40 cells stable over repeated reads",
        &format!(
            "Reads scatter around each cell's conductance by its read noise ({}); the largest deviation is the extreme of {} reads.",
            if p.device.read_noise.is_stateful() {
                "Gaussian plus telegraph and/or 1/f noise, as configured"
            } else {
                "Gaussian only: telegraph and 1/f noise are off by default, as the paper reports stable reads"
            },
            g("trace_cells") * p.fig1.read_cycles as f64
        ),
    ));
}

/// The weights' shape, the pristine resistance, the breakdown voltage and
/// the compliance scan.
fn distribution_rows(s: &Summary, rows: &mut Vec<Row>) {
    let g = |k: &str| get(s, k);
    rows.push(Row::new(
        "weights (G+ - G-), shape",
        format!(
            "std {} uS, skewness {}, excess kurtosis {}, KS distance {}",
            fixed(g("weight_std"), 3),
            fixed(g("weight_skewness"), 3),
            fixed(g("weight_excess_kurtosis"), 3),
            fixed(g("weight_ks_distance"), 4)
        ),
        "quasi-normal random weights",
        "The difference of two independent log-normal cells is symmetric with half a cell's excess kurtosis: closer to normal than the cells themselves.",
    ));
    rows.push(Row::new(
        "pristine resistance, median",
        format!(
            "{} MOhm ({} unformed cells of the scans)",
            fixed(g("pristine_r_median_mohm"), 2),
            g("pristine_cells")
        ),
        &format!("about {PAPER_PRISTINE_MOHM} MOhm (ESGNN)"),
        "The pristine median is a parameter (0.1 uS); unformed cells of the low-voltage scan points measure it.",
    ));
    rows.push(Row::new(
        "breakdown voltage (ESGNN sweep)",
        format!(
            "{} +- {} V, skewness {}",
            fixed(g("breakdown_v_mean_v"), 3),
            fixed(g("breakdown_v_std_v"), 3),
            fixed(g("breakdown_v_skewness"), 3)
        ),
        "quasi-normal (ESGNN, no numbers given)",
        "The Weibull parameters were chosen for a quasi-normal breakdown voltage with an assumed 3.5 V mean.",
    ));
    rows.push(Row::new(
        "mean conductance per compliance current",
        format!(
            "{} uS/uA (closed form {})",
            fixed(g("compliance_slope_us_per_ua"), 3),
            fixed(g("compliance_slope_predicted_us_per_ua"), 3)
        ),
        "tunable by the programming conditions",
        "The formed conductance scales with the compliance current, I_C / V_C, with a constant relative spread.",
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_helpers_match_hand_values() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        // Nearest rank: the 95th percentile of 1..=20 is the 19th value.
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.95), 19.0);
        // y = 2x + 1 exactly.
        let line: Vec<(f64, f64)> = (0..5)
            .map(|i| (f64::from(i), 2.0 * f64::from(i) + 1.0))
            .collect();
        assert!((slope(&line) - 2.0).abs() < 1e-12);
        // Crossing 0.5 between (1, 0.2) and (2, 0.8): at 1.5.
        assert!((crossing(&[(0.0, 0.0), (1.0, 0.2), (2.0, 0.8)], 0.5) - 1.5).abs() < 1e-12);
        assert!(crossing(&[(0.0, 0.0), (1.0, 0.2)], 0.5).is_nan());
    }

    #[test]
    fn ks_distance_is_small_for_normal_quantiles_and_large_for_a_shift() {
        // Values at the normal quantiles (i + 0.5) / n: the distance is
        // exactly 0.5 / n (each step of the empirical CDF straddles Phi).
        let n = 1000;
        let q: Vec<f64> = (0..n)
            .map(|i| {
                let p = (f64::from(i) + 0.5) / f64::from(n);
                // Invert the normal CDF by bisection.
                let (mut lo, mut hi) = (-10.0, 10.0);
                for _ in 0..100 {
                    let mid = 0.5 * (lo + hi);
                    if normal_cdf(mid) < p {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                0.5 * (lo + hi)
            })
            .collect();
        assert!((ks_normal(&q, 0.0, 1.0) - 0.5 / f64::from(n)).abs() < 1e-9);
        // Shifted by one standard deviation: sup |Phi(x) - Phi(x - 1)| =
        // 2 Phi(0.5) - 1 = 0.3829.
        let d = ks_normal(&q, 1.0, 1.0);
        assert!((d - 0.3829).abs() < 2e-3, "{d}");
    }

    #[test]
    fn settings_are_checked_against_the_macro() {
        let m = MacroParams::default();
        Fig1Settings::default().validate(&m).unwrap();
        let bad = Fig1Settings {
            sub_pairs: 300,
            ..Fig1Settings::default()
        };
        let err = bad.validate(&m).unwrap_err().to_string();
        assert!(err.contains("fig1.sub_pairs = 300"), "{err}");
        let bad = Fig1Settings {
            sweep_histogram_stops_v: vec![3.33],
            ..Fig1Settings::default()
        };
        let err = bad.validate(&m).unwrap_err().to_string();
        assert!(err.contains("sweep_histogram_stops_v[0] = 3.33"), "{err}");
        let bad = Fig1Settings {
            compliance_scan_ua: vec![5.0, f64::NAN],
            ..Fig1Settings::default()
        };
        let err = bad.validate(&m).unwrap_err().to_string();
        assert!(err.contains("compliance_scan_ua[1] = NaN"), "{err}");
    }

    /// Fig. 1 at the quick scale on `threads` threads (`None`: the global
    /// pool); returns the summary as JSON bytes.
    fn quick_summary(threads: Option<usize>) -> Vec<u8> {
        let options = crate::RunOptions {
            quick: true,
            ..crate::RunOptions::default()
        };
        let run = || crate::run_figure(crate::Figure::Fig1, &options).unwrap();
        let out = match threads {
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
                .install(run),
            None => run(),
        };
        serde_json::to_vec(&out.summary).unwrap()
    }

    #[test]
    fn quick_runs_give_identical_summaries_with_any_thread_count() {
        let a = quick_summary(None);
        let b = quick_summary(None);
        assert_eq!(a, b, "two runs with the same seed and preset");
        assert_eq!(a, quick_summary(Some(1)), "one thread");
        assert_eq!(a, quick_summary(Some(2)), "two threads");
        // The quick run still measures the device: the sub-array and the
        // whole array keep their full size, so the formed moments are
        // within sampling error of the calibrated 14.25 +- 2.46 uS (the
        // standard error of the mean of 262,144 cells is 0.005 uS; 0.05
        // allows for any seed).
        let s: serde_json::Value = serde_json::from_slice(&a).unwrap();
        let get = |k: &str| s[k].as_f64().unwrap_or_else(|| panic!("{k} missing"));
        assert!((get("formed_g_mean_us") - 14.25).abs() < 0.05);
        assert!((get("formed_g_std_us") - 2.46).abs() < 0.05);
        assert_eq!(get("formed_fraction"), 1.0);
        // About 95 % of the cells read below 0.14 uS by construction of the
        // noise model; with few reads the sample sigma scatters around it.
        let below = get("read_sigma_below_0_14_us_fraction");
        assert!((0.85..=0.99).contains(&below), "{below}");
        // The compliance sets the mean conductance: 1 / V_C = 2.5 uS/uA.
        assert!((get("compliance_slope_us_per_ua") - 2.5).abs() < 0.05);
    }

    #[test]
    fn the_committed_preset_parses_and_matches_the_defaults() {
        let path = crate::preset::default_path("fig1");
        let mut table = crate::preset::read_table(&path).unwrap();
        crate::preset::apply_quick(&mut table, false).unwrap();
        let p: Fig1Preset = crate::preset::parse(table, &path).unwrap();
        assert_eq!(p.seed, 10);
        assert_eq!(p.fig1, Fig1Settings::default());
        assert_eq!(p.device, DeviceParams::default());
        assert_eq!(p.program, Program::default());
        let mut quick = crate::preset::read_table(&path).unwrap();
        crate::preset::apply_quick(&mut quick, true).unwrap();
        let q: Fig1Preset = crate::preset::parse(quick, &path).unwrap();
        assert!(q.fig1.read_cycles < p.fig1.read_cycles);
        q.fig1.validate(&q.macro_params).unwrap();
    }
}
