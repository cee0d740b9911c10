//! What a sceptical reviewer asks of a supervised accuracy: is the readout
//! converged, what does the reservoir add over its own input, and which
//! differences are larger than the test set's noise.
//!
//! * **Convex readout**: the paper's Adam readout stops after a fixed number
//!   of epochs, so its accuracy mixes what the features support with how far
//!   the optimiser got. Beside it every supervised figure fits
//!   [`readout::LogisticRegression`] (L2 multinomial logistic regression
//!   solved to a gradient tolerance, `C` chosen by cross-validation on the
//!   training split only) on the same scaled features.
//! * **Input-only controls**, on the same splits with the same convex
//!   readout: (a) each input channel's event total over the sample (the
//!   binned raster the reservoir reads, summed over steps); (b) the same
//!   counts in `time_bins` equal time bins, which keeps coarse timing. A
//!   reservoir that does not beat (b) adds nothing a linear readout of its
//!   input could not get.
//! * **Uncertainty**: every accuracy with its 95 % Wilson interval, and each
//!   paired difference (hardware vs software, reservoir vs control) with
//!   McNemar's exact test on the same test samples.

use events::SpikeRaster;
use lsm::{EncodeOptions, Features, Reservoir, Synapses, Trace};
use nalgebra::DMatrix;
use readout::{
    CandidateScore, ClassificationReport, LogisticParams, LogisticRegression, McNemar, Scaler,
    ScalingParams, mcnemar, select_c, wilson_interval,
};
use seeds::Seeds;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::report::{Report, Row, Summary, pct};

/// Settings of the convex readout and the input-only controls
/// (`[controls]` in a supervised preset; every field has a default).
///
/// | field | default | meaning |
/// |---|---|---|
/// | `c_grid` | 0.001, 0.01, 0.1, 1 | candidate inverse L2 strengths |
/// | `folds` | 3 | stratified cross-validation folds on the training split |
/// | `tol` | 1e-6 | gradient tolerance of the per-sample objective |
/// | `time_bins` | 5 | time bins of control (b) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControlSettings {
    /// Candidate `C` values.
    pub c_grid: Vec<f64>,
    /// Cross-validation folds.
    pub folds: usize,
    /// Solver tolerance.
    pub tol: f64,
    /// Time bins of the binned-input control.
    pub time_bins: usize,
}

impl Default for ControlSettings {
    fn default() -> Self {
        ControlSettings {
            c_grid: vec![0.001, 0.01, 0.1, 1.0],
            folds: 3,
            tol: 1e-6,
            time_bins: 5,
        }
    }
}

/// One convex fit and its test evaluation.
#[derive(Clone, Debug)]
pub struct ConvexResult {
    /// The cross-validated `C`.
    pub c: f64,
    /// Test metrics.
    pub test: ClassificationReport,
    /// Predicted test labels.
    pub predicted: Vec<usize>,
    /// Correct test predictions.
    pub correct: usize,
    /// The final fit reached the tolerance.
    pub converged: bool,
    /// Cross-validated accuracy of every candidate `C` on the training
    /// split, in grid order (the selection's evidence; no test data).
    pub candidates: Vec<CandidateScore>,
}

impl ConvexResult {
    /// The cross-validated accuracy of the chosen `C`, in [0, 1].
    pub fn cv_accuracy(&self) -> f64 {
        self.candidates
            .iter()
            .find(|s| s.c == self.c)
            .map_or(f64::NAN, |s| s.validation_accuracy)
    }

    /// The 95 % Wilson interval of the test accuracy, in percent.
    pub fn interval_pct(&self) -> (f64, f64) {
        let (lo, hi) = wilson_interval(self.correct, self.predicted.len());
        (100.0 * lo, 100.0 * hi)
    }
}

/// Standardises on the training split, chooses `C` by cross-validation on
/// it, refits, and evaluates on the test split.
pub fn convex_readout(
    settings: &ControlSettings,
    (train, train_y): (&DMatrix<f64>, &[usize]),
    (test, test_y): (&DMatrix<f64>, &[usize]),
    classes: usize,
    seeds: Seeds,
) -> Result<ConvexResult> {
    let (scaler, x) = Scaler::fit_transform(&ScalingParams::default(), train)?;
    let params = LogisticParams {
        tol: settings.tol,
        ..LogisticParams::default()
    };
    let sel = select_c(
        &params,
        &settings.c_grid,
        settings.folds,
        &x,
        train_y,
        classes,
        seeds,
    )?;
    let predicted = sel.fit.model.predict(&scaler.transform(test)?)?;
    let test_report = ClassificationReport::new(test_y, &predicted, classes)?;
    let correct = predicted.iter().zip(test_y).filter(|(p, y)| p == y).count();
    Ok(ConvexResult {
        c: sel.c,
        test: test_report,
        predicted,
        correct,
        converged: sel.fit.converged,
        candidates: sel.candidates,
    })
}

/// The test accuracy of a fit at each `C` of the grid, in grid order:
/// `(C, test accuracy in [0, 1], objective)`. For comparisons with another
/// implementation at equal `C` (e.g. scikit-learn's); never a selection
/// criterion, which [`convex_readout`] takes from the training split alone.
pub fn test_accuracy_per_c(
    settings: &ControlSettings,
    (train, train_y): (&DMatrix<f64>, &[usize]),
    (test, test_y): (&DMatrix<f64>, &[usize]),
    classes: usize,
) -> Result<Vec<(f64, f64, f64)>> {
    let (scaler, x) = Scaler::fit_transform(&ScalingParams::default(), train)?;
    let test = scaler.transform(test)?;
    settings
        .c_grid
        .iter()
        .map(|&c| {
            let params = LogisticParams {
                c,
                tol: settings.tol,
                ..LogisticParams::default()
            };
            let fit = LogisticRegression::fit(&params, &x, train_y, classes)?;
            let predicted = fit.model.predict(&test)?;
            let correct = predicted.iter().zip(test_y).filter(|(p, y)| p == y).count();
            Ok((
                c,
                correct as f64 / test_y.len().max(1) as f64,
                fit.objective,
            ))
        })
        .collect()
}

/// Control (a): each channel's active steps over the sample, samples x
/// channels.
pub fn event_totals(rasters: &[SpikeRaster], channels: usize) -> DMatrix<f64> {
    time_binned(rasters, channels, 1)
}

/// Control (b): each channel's active steps in `bins` equal time bins (the
/// last bins take one step fewer when the steps do not divide), samples x
/// (bins x channels), bin-major.
pub fn time_binned(rasters: &[SpikeRaster], channels: usize, bins: usize) -> DMatrix<f64> {
    let bins = bins.max(1);
    let mut x = DMatrix::zeros(rasters.len(), channels * bins);
    for (i, r) in rasters.iter().enumerate() {
        let steps = r.steps().max(1);
        for (t, active) in r.iter_steps().enumerate() {
            let b = t * bins / steps;
            for &ch in active {
                let ch = ch as usize;
                if ch < channels {
                    x[(i, b * channels + ch)] += 1.0;
                }
            }
        }
    }
    x
}

/// The reservoir's own spikes in `bins` equal time bins (the layout of
/// [`time_binned`], with neurons as channels): the readout of control (b)
/// applied to the reservoir's output instead of its input, so the two
/// compare like with like. Every sample reruns with the read-noise stream
/// [`lsm::Reservoir::encode`] gives it under `options`, so the bins sum to
/// the encoding's counts. Parallel over samples, identical for any number
/// of threads.
pub fn reservoir_time_binned<S: Synapses<f32>>(
    reservoir: &Reservoir<f32, S>,
    rasters: &[SpikeRaster],
    options: EncodeOptions,
    bins: usize,
) -> Result<DMatrix<f64>> {
    use rayon::prelude::*;
    let n_res = reservoir.params().n_res;
    let spikes: Vec<SpikeRaster> = rasters
        .par_iter()
        .enumerate()
        .map_init(
            || reservoir.workspace(),
            |ws, (i, raster)| -> Result<SpikeRaster> {
                let ws = ws.as_mut().map_err(|e| crate::error::err!("{e}"))?;
                let mut trace = Trace {
                    record_spikes: true,
                    ..Trace::default()
                };
                let mut counts = vec![0; n_res];
                let mut rng = crate::streams::sample_rng(options, i);
                reservoir.run(raster, ws, &mut rng, &mut counts, Some(&mut trace))?;
                trace
                    .spikes
                    .ok_or_else(|| crate::error::err!("sample {i}: no spikes recorded"))
            },
        )
        .collect::<Result<_>>()?;
    Ok(time_binned(&spikes, n_res, bins))
}

/// The convex readouts of both reservoirs and of both input-only controls,
/// with the paired tests between them.
#[derive(Clone, Debug)]
pub struct Controls {
    /// The settings used.
    pub settings: ControlSettings,
    /// Convex readout on the software reservoir's features.
    pub software: ConvexResult,
    /// Convex readout on the hardware reservoir's features.
    pub hardware: ConvexResult,
    /// Control (a): input event totals.
    pub totals: ConvexResult,
    /// Control (b): input counts in time bins.
    pub binned: ConvexResult,
    /// The software reservoir's spikes in the same time bins (a readout of
    /// ours, not the paper's: like with like against control (b)).
    pub software_time_bins: ConvexResult,
    /// The hardware reservoir's spikes in the same time bins.
    pub hardware_time_bins: ConvexResult,
    /// Hardware vs software (convex readouts).
    pub hw_vs_sw: McNemar,
    /// Software reservoir vs control (b).
    pub reservoir_vs_binned: McNemar,
    /// The software reservoir read in time bins vs control (b).
    pub reservoir_bins_vs_binned: McNemar,
}

/// Inputs of [`run_controls`]: the two reservoirs' features and the
/// rasters they were encoded from, on one split.
pub struct ControlInputs<'a> {
    /// Software reservoir features: train, test.
    pub software: (&'a Features, &'a Features),
    /// Hardware reservoir features: train, test.
    pub hardware: (&'a Features, &'a Features),
    /// Software reservoir spikes in `time_bins` bins
    /// ([`reservoir_time_binned`]): train, test.
    pub software_time_bins: (&'a DMatrix<f64>, &'a DMatrix<f64>),
    /// Hardware reservoir spikes in `time_bins` bins: train, test.
    pub hardware_time_bins: (&'a DMatrix<f64>, &'a DMatrix<f64>),
    /// Binned input rasters: train, test.
    pub rasters: (&'a [SpikeRaster], &'a [SpikeRaster]),
    /// Labels: train, test.
    pub labels: (&'a [usize], &'a [usize]),
    /// Input channels.
    pub channels: usize,
    /// Classes.
    pub classes: usize,
}

/// Fits the four convex readouts and the paired tests.
pub fn run_controls(
    settings: &ControlSettings,
    inputs: &ControlInputs<'_>,
    seeds: Seeds,
) -> Result<Controls> {
    crate::error::ensure!(
        settings.time_bins >= 1,
        "invalid parameter `controls.time_bins` = {}: must be >= 1",
        settings.time_bins
    );
    let (ytr, yte) = inputs.labels;
    let fit = |train: &DMatrix<f64>, test: &DMatrix<f64>| {
        convex_readout(settings, (train, ytr), (test, yte), inputs.classes, seeds)
    };
    let software = fit(
        &inputs.software.0.to_matrix(),
        &inputs.software.1.to_matrix(),
    )?;
    let hardware = fit(
        &inputs.hardware.0.to_matrix(),
        &inputs.hardware.1.to_matrix(),
    )?;
    let (rtr, rte) = inputs.rasters;
    let ch = inputs.channels;
    let totals = fit(&event_totals(rtr, ch), &event_totals(rte, ch))?;
    let k = settings.time_bins;
    let binned = fit(&time_binned(rtr, ch, k), &time_binned(rte, ch, k))?;
    let software_time_bins = fit(inputs.software_time_bins.0, inputs.software_time_bins.1)?;
    let hardware_time_bins = fit(inputs.hardware_time_bins.0, inputs.hardware_time_bins.1)?;
    let hw_vs_sw = mcnemar(yte, &hardware.predicted, &software.predicted)?;
    let reservoir_vs_binned = mcnemar(yte, &software.predicted, &binned.predicted)?;
    let reservoir_bins_vs_binned = mcnemar(yte, &software_time_bins.predicted, &binned.predicted)?;
    Ok(Controls {
        settings: settings.clone(),
        software,
        hardware,
        totals,
        binned,
        software_time_bins,
        hardware_time_bins,
        hw_vs_sw,
        reservoir_vs_binned,
        reservoir_bins_vs_binned,
    })
}

/// Writes one convex result's keys: `<name>_test_accuracy`, its interval,
/// the chosen `C` and whether the fit converged.
fn put(summary: &mut Summary, name: &str, r: &ConvexResult) {
    let (lo, hi) = r.interval_pct();
    summary.num(&format!("{name}_test_accuracy"), 100.0 * r.test.accuracy);
    summary.num(&format!("{name}_test_accuracy_ci_low"), lo);
    summary.num(&format!("{name}_test_accuracy_ci_high"), hi);
    summary.num(&format!("{name}_c"), r.c);
    summary.int(&format!("{name}_converged"), u64::from(r.converged));
}

impl Controls {
    /// The summary keys (listed in `docs/results-format.md`).
    pub fn summarise(&self, summary: &mut Summary) {
        put(summary, "convex_software", &self.software);
        put(summary, "convex_hardware", &self.hardware);
        put(summary, "control_input_totals", &self.totals);
        put(summary, "control_input_time_bins", &self.binned);
        summary.int("control_time_bins", self.settings.time_bins as u64);
        summary.num("convex_mcnemar_p_hw_sw", self.hw_vs_sw.p_value);
        summary.num(
            "reservoir_minus_input_totals_points",
            100.0 * (self.software.test.accuracy - self.totals.test.accuracy),
        );
        summary.num(
            "reservoir_minus_input_time_bins_points",
            100.0 * (self.software.test.accuracy - self.binned.test.accuracy),
        );
        summary.num(
            "mcnemar_p_reservoir_vs_input_time_bins",
            self.reservoir_vs_binned.p_value,
        );
        put(
            summary,
            "convex_software_time_bins",
            &self.software_time_bins,
        );
        put(
            summary,
            "convex_hardware_time_bins",
            &self.hardware_time_bins,
        );
        summary.num(
            "reservoir_time_bins_minus_input_time_bins_points",
            100.0 * (self.software_time_bins.test.accuracy - self.binned.test.accuracy),
        );
        summary.num(
            "mcnemar_p_reservoir_time_bins_vs_input_time_bins",
            self.reservoir_bins_vs_binned.p_value,
        );
    }

    /// Report rows: the converged readouts, the controls and a plain
    /// statement of what the reservoir adds.
    pub fn report_rows(&self, report: &mut Report) {
        let row = |r: &ConvexResult| {
            let (lo, hi) = r.interval_pct();
            format!("{} [{lo:.1}, {hi:.1}]", pct(100.0 * r.test.accuracy))
        };
        let conv = |r: &ConvexResult| {
            if r.converged {
                format!(
                    "C = {} by {}-fold cross-validation on the training split; converged",
                    r.c, self.settings.folds
                )
            } else {
                format!("C = {}; the solver stopped before its tolerance", r.c)
            }
        };
        report.rows.push(Row::new(
            "converged readout (L2 logistic regression), software",
            row(&self.software),
            "-",
            &conv(&self.software),
        ));
        report.rows.push(Row::new(
            "converged readout (L2 logistic regression), hardware",
            row(&self.hardware),
            "-",
            &format!(
                "hardware minus software {:+.2} points, McNemar exact p = {:.3} ({} vs {} discordant test samples)",
                100.0 * (self.hardware.test.accuracy - self.software.test.accuracy),
                self.hw_vs_sw.p_value,
                self.hw_vs_sw.first_only,
                self.hw_vs_sw.second_only
            ),
        ));
        report.rows.push(Row::new(
            "input-only control (a): input event totals per channel",
            row(&self.totals),
            "-",
            "same splits and readout, no reservoir",
        ));
        report.rows.push(Row::new(
            &format!(
                "input-only control (b): input counts in {} time bins",
                self.settings.time_bins
            ),
            row(&self.binned),
            "-",
            "same splits and readout, no reservoir",
        ));
        for (backend, r) in [
            ("software", &self.software_time_bins),
            ("hardware", &self.hardware_time_bins),
        ] {
            report.rows.push(Row::new(
                &format!(
                    "converged readout of the {backend} reservoir's spikes in {} time bins (ours, not the paper's readout)",
                    self.settings.time_bins
                ),
                row(r),
                "-",
                "the readout of control (b) applied to the reservoir's output",
            ));
        }
        report.notes.push(self.verdict());
    }

    /// What the reservoir adds over its own input, in words.
    pub fn verdict(&self) -> String {
        let d_a = 100.0 * (self.software.test.accuracy - self.totals.test.accuracy);
        let d_b = 100.0 * (self.software.test.accuracy - self.binned.test.accuracy);
        let p = self.reservoir_vs_binned.p_value;
        let reading = if p >= 0.05 {
            "the difference from control (b) is within the test set's noise (McNemar p >= 0.05): on this data the reservoir adds nothing a linear readout of its binned input does not get"
        } else if d_b > 0.0 {
            "the reservoir beats control (b) beyond the test set's noise (McNemar p < 0.05): it adds something a linear readout of its binned input does not get"
        } else {
            "control (b) beats the reservoir beyond the test set's noise (McNemar p < 0.05): on this data a linear readout of the binned input is better than the reservoir"
        };
        let d_t = 100.0 * (self.software_time_bins.test.accuracy - self.binned.test.accuracy);
        let p_t = self.reservoir_bins_vs_binned.p_value;
        let like = if p_t >= 0.05 {
            "within the test set's noise"
        } else if d_t > 0.0 {
            "ahead beyond the test set's noise"
        } else {
            "behind beyond the test set's noise"
        };
        format!(
            "What the reservoir adds (converged readouts on the same splits): software reservoir minus input event totals {d_a:+.2} points, minus input counts in {k} time bins {d_b:+.2} points (McNemar exact p = {p:.3}); {reading}. Read like with like, the reservoir's own spikes in {k} time bins minus the input counts in {k} time bins: {d_t:+.2} points (McNemar exact p = {p_t:.3}), {like}.",
            k = self.settings.time_bins
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binned_counts_split_the_steps_evenly_and_totals_sum_them() {
        let r = SpikeRaster::from_steps(3, [vec![0u32, 2], vec![2], vec![], vec![1, 2], vec![0]])
            .unwrap();
        let t = event_totals(std::slice::from_ref(&r), 3);
        assert_eq!(
            t.row(0).iter().copied().collect::<Vec<_>>(),
            [2.0, 1.0, 3.0]
        );
        // 5 steps in 2 bins: steps 0-2 (t * 2 / 5 = 0) and 3-4.
        let b = time_binned(std::slice::from_ref(&r), 3, 2);
        assert_eq!(
            b.row(0).iter().copied().collect::<Vec<_>>(),
            [1.0, 0.0, 2.0, 1.0, 1.0, 1.0]
        );
        let sums: Vec<f64> = (0..3).map(|c| b[(0, c)] + b[(0, 3 + c)]).collect();
        assert_eq!(sums, [2.0, 1.0, 3.0]);
    }

    /// The reservoir's time bins rerun every sample with the noise the
    /// encoding gave it: on the macro (read noise and ADC on) the bins sum
    /// to the encoded counts exactly, sample by sample.
    #[test]
    fn reservoir_time_bins_sum_to_the_encoded_counts_on_the_noisy_macro() {
        let seeds = Seeds::new(4);
        let chip = std::sync::Arc::new(
            cim_macro::Macro::program(
                &cim_macro::MacroParams::default(),
                &rram_device::DeviceParams::default(),
                &rram_device::Program::default(),
                seeds,
            )
            .unwrap(),
        );
        let mut params = lsm::ReservoirParams::nmnist();
        params.neuron.v_th = 0.5;
        let r = Reservoir::on_macro(params, chip, "nmnist").unwrap();
        // About 9 % of the inputs active, a different pattern per sample.
        let rasters: Vec<SpikeRaster> = (0..6u32)
            .map(|i| {
                let steps = (0..20u32).map(|t| {
                    (0..256u32)
                        .filter(|c| (c * 7 + t * 13 + i * 31) % 11 == 0)
                        .collect::<Vec<_>>()
                });
                SpikeRaster::from_steps(256, steps).unwrap()
            })
            .collect();
        let options = EncodeOptions::for_split(seeds, lsm::Split::Test);
        let counts = r.encode(&rasters, options).unwrap();
        assert!(counts.counts.iter().any(|&c| c > 0), "nothing fired");
        let bins = reservoir_time_binned(&r, &rasters, options, 3).unwrap();
        assert_eq!((bins.nrows(), bins.ncols()), (6, 3 * 200));
        for i in 0..6 {
            for j in 0..200 {
                let sum: f64 = (0..3).map(|b| bins[(i, b * 200 + j)]).sum();
                assert_eq!(sum, f64::from(counts.row(i)[j]), "sample {i} neuron {j}");
            }
        }
    }
}
