//! Inverse design verified by simulation; fitting recovers known parameters.
//!
//! Tolerances are 5 standard errors unless a comment says otherwise.
#![allow(clippy::unwrap_used)]

use param_guard::ParamGuard;
use std::io::Write;

use proptest::prelude::*;
use rram_device::{
    Column, Compliance, ConductanceMap, DeviceParams, Error, FitOptions, FormedTarget, Knob,
    Program, PulseProgram, SweepProgram, WeightTarget, design_formed, design_weights,
    fit_conductances, parse_conductances_us, read_conductances_us, verify_formed, verify_weights,
};
use seeds::Seeds;

#[test]
fn weight_designs_reach_their_targets_in_simulation() {
    let d = DeviceParams::default();
    let targets = [
        // Symmetric, wider than the default.
        WeightTarget {
            mean: 0.0,
            std: 5.0,
            ..WeightTarget::default()
        },
        // Biased weights: the two arrays get different compliances.
        WeightTarget {
            mean: 2.0,
            std: 4.0,
            ..WeightTarget::default()
        },
        // A sparse array (70 % formed) set by the pulse width at 4 V: the
        // weights are a mixture, solved exactly all the same.
        WeightTarget {
            mean: 0.0,
            std: 6.0,
            formed_fraction: 0.7,
            knob: Knob::PulseWidth { v_v: 4.0 },
        },
        // Stop voltage of a sweep (discrete): the design uses the achieved p.
        WeightTarget {
            mean: 0.5,
            std: 3.0,
            formed_fraction: 0.5,
            knob: Knob::SweepStop {
                v_start_v: 3.0,
                v_step_v: 0.05,
                step_width_s: 1e-3,
                v_stop_max_v: 5.0,
            },
        },
    ];
    for (i, t) in targets.iter().enumerate() {
        let design = design_weights(&d, t).unwrap();
        // The closed form hits the target exactly.
        assert!(
            (design.predicted.mean - t.mean).abs() < 1e-9,
            "{i}: {:?}",
            design.predicted
        );
        assert!(
            (design.predicted.std - t.std).abs() < 1e-9,
            "{i}: {:?}",
            design.predicted
        );
        let v = verify_weights(&d, &design, 256, 256, Seeds::new(40 + i as u64)).unwrap();
        let n = v.weights as f64;
        let se_mean = t.std / n.sqrt();
        let se_std = t.std * ((2.0 + design.predicted.excess_kurtosis) / (4.0 * n)).sqrt();
        assert!(
            (v.achieved.mean - t.mean).abs() < 5.0 * se_mean,
            "{i}: {:?}",
            v.achieved
        );
        assert!(
            (v.achieved.std - t.std).abs() < 5.0 * se_std,
            "{i}: {:?}",
            v.achieved
        );
        let p = v.formed_probability;
        assert!((v.formed_fraction - p).abs() < 5.0 * (p * (1.0 - p) / (2.0 * n)).sqrt() + 1e-9);
        if let Knob::SweepStop { .. } = t.knob {
            // The nearest step to 50 %: within one step's probability.
            assert!((p - 0.5).abs() < 0.1, "{p}");
        } else {
            assert!((p - t.formed_fraction).abs() < 1e-9);
        }
        assert!(design.v_g_plus_v > d.compliance.v_t_v);
    }
}

#[test]
fn formed_design_reaches_its_mean() {
    let d = DeviceParams::default();
    let t = FormedTarget {
        g_mean_us: 20.0,
        g_std_us: None,
        formed_fraction: 0.9,
        knob: Knob::PulseVoltage { width_s: 5e-3 },
    };
    let design = design_formed(&d, &t).unwrap();
    assert!((design.i_c_a - 8e-6).abs() < 1e-15, "{}", design.i_c_a);
    let v = verify_formed(&d, &design, 256, 256, Seeds::new(50)).unwrap();
    let g = v.achieved.unwrap().scaled(1e6);
    let std = 20.0 * d.compliance.cv();
    assert!(
        (g.mean - 20.0).abs() < 5.0 * std / (g.n as f64).sqrt(),
        "{}",
        g.mean
    );
    let n = 65536.0;
    assert!((v.formed_fraction - 0.9).abs() < 5.0 * (0.09f64 / n).sqrt());
}

/// A measured array simulated with known parameters, written as a CSV file.
fn measured_csv(
    d: &DeviceParams,
    prog: &Program,
    seed: u64,
) -> (tempfile::NamedTempFile, ConductanceMap) {
    let map = ConductanceMap::form_seeded(200, 250, d, prog, Seeds::new(seed)).unwrap();
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "row,col,g_us").unwrap();
    for (i, g) in map.conductances_s().iter().enumerate() {
        writeln!(f, "{},{},{:.6}", i / 250, i % 250, g * 1e6).unwrap();
    }
    f.flush().unwrap();
    (f, map)
}

#[test]
fn fit_recovers_the_generating_parameters() {
    let mut truth = DeviceParams::default();
    truth.compliance.sigma_ln = 0.22;
    truth.pristine.g_median_us = 0.2;
    truth.pristine.sigma_ln = 0.4;
    truth.forming.eta0_s = 5e-3;
    // 60 % formed at 20 uS mean.
    let (width, p_true) = (1e-3, 0.6f64);
    let f = &truth.forming;
    let eta = width / (-(1.0 - p_true).ln()).powf(1.0 / f.beta);
    let v = f.v0_v * (f.eta0_s / eta).powf(1.0 / f.accel_exponent);
    let prog = Program::Pulse(PulseProgram {
        v_v: v,
        width_s: width,
        compliance: Compliance::Current { i_c_ua: 8.0 },
    });
    let (file, _) = measured_csv(&truth, &prog, 60);
    let values = read_conductances_us(file.path(), &Column::Name("g_us".into())).unwrap();
    assert_eq!(values.len(), 50_000);
    // Start from the defaults: the fit must move them to the truth.
    let base = DeviceParams::default();
    let fit = fit_conductances(
        &values,
        &base,
        &FitOptions {
            program: Some(prog.clone()),
            ..FitOptions::default()
        },
    )
    .unwrap();
    let n = 50_000.0;
    assert!((fit.formed_fraction - p_true).abs() < 5.0 * (p_true * (1.0 - p_true) / n).sqrt());
    let fm = fit.formed;
    assert!(
        (fm.sigma_ln - 0.22).abs() < 5.0 * fm.sigma_ln_stderr,
        "{fm:?}"
    );
    // Mean 20 uS: se of exp(mu + s^2/2) ~ mean sqrt(s^2/n (1 + s^2/2)).
    let se = 20.0 * (0.22f64 * 0.22 / fm.n as f64 * (1.0 + 0.0242)).sqrt();
    assert!((fm.mean_us - 20.0).abs() < 5.0 * se, "{fm:?}");
    assert!((fit.i_c_a - 8e-6).abs() < 5.0 * se * 1e-6 * 0.4);
    let pr = fit.pristine.unwrap();
    assert!(
        (pr.median_us.ln() - 0.2f64.ln()).abs() < 5.0 * pr.mu_ln_stderr,
        "{pr:?}"
    );
    assert!(
        (pr.sigma_ln - 0.4).abs() < 5.0 * pr.sigma_ln_stderr,
        "{pr:?}"
    );
    // eta0 ~ H^(-1/beta), H = -ln(1 - p): relative se (1/beta) se(p) / ((1 - p) H).
    let h = -(1.0 - p_true).ln();
    let rel = (1.0 / f.beta) * (p_true * (1.0 - p_true) / n).sqrt() / ((1.0 - p_true) * h);
    let eta0 = fit.eta0_s.unwrap();
    assert!((eta0 / 5e-3 - 1.0).abs() < 5.0 * rel, "{eta0}");
    // The log-normal describes log-normal data better than a normal does.
    assert!(fm.ks_distance < fit.formed_normal_ks_distance);
    // Applying the fit sets the fitted fields.
    let applied = fit.apply(&base);
    assert_eq!(applied.compliance.sigma_ln, fm.sigma_ln);
    assert_eq!(applied.forming.eta0_s, eta0);
    applied.validate().unwrap();
}

#[test]
fn fit_recovers_eta0_from_a_truncated_sweep() {
    let mut truth = DeviceParams::default();
    truth.forming.eta0_s = 12e-3;
    let sweep = Program::Sweep(SweepProgram {
        v_stop_v: 3.6,
        ..SweepProgram::default()
    });
    let map = ConductanceMap::form_seeded(200, 250, &truth, &sweep, Seeds::new(61)).unwrap();
    let values: Vec<f64> = map.conductances_s().iter().map(|g| g * 1e6).collect();
    let fit = fit_conductances(
        &values,
        &DeviceParams::default(),
        &FitOptions {
            program: Some(sweep),
            ..FitOptions::default()
        },
    )
    .unwrap();
    // With a sweep the fraction depends on eta0 through the step sums; a
    // 5-sigma error of p (sd sqrt(p(1-p)/n) ~ 0.0022) moves eta0 by a few
    // per cent, so allow 8 %.
    let eta0 = fit.eta0_s.unwrap();
    assert!(
        (eta0 / 12e-3 - 1.0).abs() < 0.08,
        "{eta0} (p = {})",
        fit.formed_fraction
    );
}

#[test]
fn fit_errors_are_clear() {
    let d = DeviceParams::default();
    let e = fit_conductances(&[0.1, 0.2, 0.1], &d, &FitOptions::default()).unwrap_err();
    assert!(matches!(e, Error::InsufficientData { found: 0, .. }), "{e}");
    let e = fit_conductances(&[14.0, -1.0], &d, &FitOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("values_us[1]"), "{e}");
    let e = read_conductances_us("/nonexistent/g.csv", &Column::Auto)
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/g.csv"), "{e}");
    let mut f = tempfile::NamedTempFile::new().unwrap();
    write!(f, "g\n14.2\n15.1\n1e400\n").unwrap();
    let e = read_conductances_us(f.path(), &Column::Auto).unwrap_err();
    let Error::Parse {
        file, line, value, ..
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!(
        (file.as_str(), *line, value.as_str()),
        (f.path().display().to_string().as_str(), 4, "1e400")
    );
}

proptest! {
    #[test]
    fn parser_never_panics(text in "\\PC{0,200}", idx in 0usize..4, name in "[a-z]{0,3}") {
        for column in [Column::Auto, Column::Index(idx), Column::Name(name.clone())] {
            if let Ok(values) = parse_conductances_us(&text, "fuzz", &column) {
                prop_assert!(values.iter().all(|v| v.is_finite() && *v > 0.0));
            }
        }
    }

    #[test]
    fn written_values_parse_back(values in proptest::collection::vec(1e-6..1e6f64, 1..50), csv in any::<bool>()) {
        let text: String = if csv {
            values.iter().map(|v| format!("x,{v}\n")).collect()
        } else {
            values.iter().map(|v| format!("{v} ")).collect()
        };
        let column = if csv { Column::Index(1) } else { Column::Auto };
        prop_assert_eq!(parse_conductances_us(&text, "t", &column).unwrap(), values);
    }
}
