//! Forming statistics against independent closed forms.
//!
//! Tolerances are statistical: `5 x` the standard error of the estimate
//! (a false alarm about once in 1.7 million runs per check), unless a comment
//! says otherwise.
#![allow(clippy::unwrap_used)]

use rram_device::{
    CellState, Compliance, ConductanceMap, DeviceParams, G0_S, Program, PulseProgram,
    SweepDistribution, SweepProgram, differential_weights, predict,
};
use seeds::{Purpose, Seeds};

/// 200,000 cells, as the issue asks.
const ROWS: usize = 400;
const COLS: usize = 500;

fn pulse(v_v: f64, width_s: f64) -> Program {
    Program::Pulse(PulseProgram {
        v_v,
        width_s,
        compliance: Compliance::default(),
    })
}

#[test]
fn pulse_formed_fraction_matches_weibull_cdf() {
    let d = DeviceParams::default();
    let f = &d.forming;
    let width = 1e-3;
    let n = 256 * 256;
    for (i, target) in [0.02, 0.3, 0.5, 0.8, 0.97].into_iter().enumerate() {
        // Voltage for the target from F = 1 - exp(-(t/eta)^beta), eta = eta0 (V/V0)^-n,
        // written out here rather than taken from the library.
        let eta = width / (-(1.0f64 - target).ln()).powf(1.0 / f.beta);
        let v = f.v0_v * (f.eta0_s / eta).powf(1.0 / f.accel_exponent);
        let expected =
            1.0 - (-(width / (f.eta0_s * (v / f.v0_v).powf(-f.accel_exponent))).powf(f.beta)).exp();
        assert!((expected - target).abs() < 1e-12);
        let map =
            ConductanceMap::form_seeded(256, 256, &d, &pulse(v, width), Seeds::new(100 + i as u64))
                .unwrap();
        let got = map.formed_fraction();
        // Binomial standard error sqrt(p (1 - p) / N).
        let tol = 5.0 * (expected * (1.0 - expected) / n as f64).sqrt();
        assert!(
            (got - expected).abs() < tol,
            "V {v:.3}: formed {got}, Weibull {expected}, tol {tol}"
        );
    }
}

/// The staircase closed form written independently of the library: the
/// hazard of each step given survival, then the breakdown-voltage moments
/// summed over the steps.
fn staircase_moments(d: &DeviceParams, s: &SweepProgram) -> (f64, f64, f64, Vec<f64>) {
    let f = &d.forming;
    let mut damage = 0.0f64;
    let mut surv = 1.0f64;
    let mut q = Vec::new();
    let mut volts = Vec::new();
    let mut k = 0;
    loop {
        let v = s.v_start_v + k as f64 * s.v_step_v;
        if v > s.v_stop_v + 1e-9 {
            break;
        }
        // Exposure of one step at constant voltage, integrated with the
        // midpoint rule over 16 sub-intervals (exact for a constant, a check
        // on the bookkeeping rather than on quadrature).
        let sub = s.step_width_s / 16.0;
        let step_damage: f64 = (0..16)
            .map(|_| sub / (f.eta0_s * (v / f.v0_v).powf(-f.accel_exponent)))
            .sum();
        let before = damage.powf(f.beta);
        damage += step_damage;
        let hazard = 1.0 - (-(damage.powf(f.beta) - before)).exp();
        q.push(surv * hazard);
        volts.push(v);
        surv *= 1.0 - hazard;
        k += 1;
    }
    let total: f64 = q.iter().sum();
    let mean = q.iter().zip(&volts).map(|(q, v)| q * v).sum::<f64>() / total;
    let var = q
        .iter()
        .zip(&volts)
        .map(|(q, v)| q * (v - mean).powi(2))
        .sum::<f64>()
        / total;
    (total, mean, var.sqrt(), q)
}

#[test]
fn sweep_breakdown_voltages_match_the_staircase_closed_form() {
    let d = DeviceParams::default();
    let s = SweepProgram::default();
    let (total, mean, std, q) = staircase_moments(&d, &s);
    // The library's closed form agrees with the independent one.
    let lib = SweepDistribution::new(&d.forming, &s);
    let m = lib.breakdown_moments().unwrap();
    assert!((m.mean - mean).abs() < 1e-12 && (m.std - std).abs() < 1e-12);
    assert!((lib.formed_fraction() - total).abs() < 1e-12);

    let map =
        ConductanceMap::form_seeded(ROWS, COLS, &d, &Program::Sweep(s.clone()), Seeds::new(7))
            .unwrap();
    let sum = map.summary(1e-6);
    let bv = sum.breakdown_v.unwrap();
    let n = bv.n as f64;
    assert_eq!(bv.n, ROWS * COLS, "every cell breaks down by 5 V");
    // Standard error of the mean sigma / sqrt(n); of the standard deviation
    // sigma sqrt((2 + excess kurtosis) / (4 n)).
    assert!(
        (bv.mean - mean).abs() < 5.0 * std / n.sqrt(),
        "{} vs {mean}",
        bv.mean
    );
    let se_std = std * ((2.0 + m.excess_kurtosis) / (4.0 * n)).sqrt();
    assert!((bv.std - std).abs() < 5.0 * se_std, "{} vs {std}", bv.std);

    // Per-step counts against q_k: Pearson chi-square over the steps with an
    // expected count of at least 20 (the rest pooled). The statistic has mean
    // df and standard deviation sqrt(2 df); allow df + 5 sqrt(2 df).
    let bvs = map.breakdown_voltages_v().unwrap();
    let mut counts = vec![0usize; q.len()];
    for &v in bvs {
        let k = ((f64::from(v) - s.v_start_v) / s.v_step_v).round() as usize;
        counts[k] += 1;
    }
    let (mut chi2, mut df, mut pool_e, mut pool_o) = (0.0, 0usize, 0.0, 0.0);
    for (qk, &c) in q.iter().zip(&counts) {
        let e = qk * n;
        if e >= 20.0 {
            chi2 += (c as f64 - e).powi(2) / e;
            df += 1;
        } else {
            pool_e += e;
            pool_o += c as f64;
        }
    }
    if pool_e > 0.0 {
        chi2 += (pool_o - pool_e).powi(2) / pool_e;
        df += 1;
    }
    let df = (df - 1) as f64;
    assert!(chi2 < df + 5.0 * (2.0 * df).sqrt(), "chi2 {chi2} df {df}");
}

#[test]
fn truncated_sweep_forms_the_closed_form_fraction() {
    let d = DeviceParams::default();
    let s = SweepProgram {
        v_stop_v: 3.45,
        ..SweepProgram::default()
    };
    let (total, ..) = staircase_moments(&d, &s);
    let map = ConductanceMap::form_seeded(256, 256, &d, &Program::Sweep(s), Seeds::new(8)).unwrap();
    let n = map.len() as f64;
    let tol = 5.0 * (total * (1.0 - total) / n).sqrt();
    assert!(
        (map.formed_fraction() - total).abs() < tol,
        "{} vs {total}",
        map.formed_fraction()
    );
}

#[test]
fn formed_conductance_mean_and_std_within_two_percent_of_target() {
    let d = DeviceParams::default();
    let map =
        ConductanceMap::form_seeded(ROWS, COLS, &d, &Program::default(), Seeds::new(11)).unwrap();
    let s = map.summary(1e-6);
    let g = s.formed_g.unwrap().scaled(1e6);
    assert_eq!(g.n, ROWS * COLS);
    // The acceptance: within 2 %.
    assert!((g.mean / 14.25 - 1.0).abs() < 0.02, "{}", g.mean);
    assert!((g.std / 2.46 - 1.0).abs() < 0.02, "{}", g.std);
    // And the statistical bound, much tighter: se(mean) = 2.46 / sqrt(n),
    // se(std) = 2.46 sqrt((2 + 0.490) / (4 n)) with the log-normal's excess
    // kurtosis 0.490.
    let n = g.n as f64;
    assert!((g.mean - 14.25).abs() < 5.0 * 2.46 / n.sqrt(), "{}", g.mean);
    assert!(
        (g.std - 2.46).abs() < 5.0 * 2.46 * (2.49 / (4.0 * n)).sqrt(),
        "{}",
        g.std
    );
    // Log-normal skewness (e^s2 + 2) sqrt(e^s2 - 1) = 0.523; the standard
    // error of the sample skewness is about sqrt(6 / n) = 0.0055 for a
    // normal and larger for a skewed law, so allow 0.05.
    assert!((g.skewness - 0.523).abs() < 0.05, "{}", g.skewness);
}

#[test]
fn differential_weights_have_mean_zero_and_std_sqrt2_sigma() {
    let d = DeviceParams::default();
    let seeds = Seeds::new(12);
    let form = |key| {
        ConductanceMap::form_with(
            ROWS,
            COLS,
            &d,
            &Program::default(),
            &mut seeds.keyed(Purpose::DeviceForming, key),
            &mut seeds.keyed(Purpose::DeviceFaults, key),
        )
        .unwrap()
    };
    let (plus, minus) = (form(0), form(1));
    let w = differential_weights(&plus, &minus, 1e-6).unwrap();
    let m = rram_device::Moments::of(&w).unwrap();
    let n = w.len() as f64;
    let sigma_w = 2f64.sqrt() * 2.46;
    assert!(m.mean.abs() < 5.0 * sigma_w / n.sqrt(), "{}", m.mean);
    // se(std) with the weight's excess kurtosis 0.490 / 2.
    assert!(
        (m.std - sigma_w).abs() < 5.0 * sigma_w * (2.245 / (4.0 * n)).sqrt(),
        "{}",
        m.std
    );
    assert!(
        m.skewness.abs() < 5.0 * (6.0 / n).sqrt() * 1.2,
        "{}",
        m.skewness
    );
    // Column pairs within one map have the same law.
    let pairs = plus.summary(1e-6).differential.weights.unwrap();
    let np = pairs.n as f64;
    assert!((pairs.std - sigma_w).abs() < 5.0 * sigma_w * (2.245 / (4.0 * np)).sqrt());
}

#[test]
fn partially_formed_array_is_the_predicted_mixture() {
    let d = DeviceParams::default();
    // A pulse that forms about half the cells.
    let p_target: f64 = 0.5;
    let f = &d.forming;
    let eta = 1e-3 / (-(1.0 - p_target).ln()).powf(1.0 / f.beta);
    let v = f.v0_v * (f.eta0_s / eta).powf(1.0 / f.accel_exponent);
    let prog = pulse(v, 1e-3);
    let pred = predict(&d, &prog).unwrap();
    assert!((pred.formed_probability - 0.5).abs() < 1e-12);
    let map = ConductanceMap::form_seeded(ROWS, COLS, &d, &prog, Seeds::new(13)).unwrap();
    let s = map.summary(1e-6);
    let dsum = &s.differential;
    let np = dsum.pairs as f64;
    let p = pred.formed_probability;
    for (got, want) in [
        (dsum.both_filament, p * p),
        (dsum.one_filament, 2.0 * p * (1.0 - p)),
        (dsum.no_filament, (1.0 - p) * (1.0 - p)),
    ] {
        assert!(
            (got - want).abs() < 5.0 * (want * (1.0 - want) / np).sqrt(),
            "{got} vs {want}"
        );
    }
    let w = dsum.weights.unwrap();
    // The mixture's std and (negative) excess kurtosis from the closed form.
    // The weights are far from normal here; se(std) uses the predicted
    // kurtosis, and 10 % covers the sampling error of the kurtosis itself.
    let se = pred.weight.std * ((2.0 + pred.weight.excess_kurtosis) / (4.0 * np)).sqrt();
    assert!(
        (w.std - pred.weight.std).abs() < 5.0 * se,
        "{} vs {}",
        w.std,
        pred.weight.std
    );
    assert!(
        (w.excess_kurtosis - pred.weight.excess_kurtosis).abs() < 0.1,
        "{} vs {}",
        w.excess_kurtosis,
        pred.weight.excess_kurtosis
    );
    let all = s.all_g;
    let se_mean = pred.cell_g.std / (s.all_g.n as f64).sqrt();
    assert!((all.mean - pred.cell_g.mean).abs() < 5.0 * se_mean);
}

#[test]
fn same_seed_same_map_and_different_seed_different_map() {
    let d = DeviceParams::default();
    for prog in [Program::default(), Program::Sweep(SweepProgram::default())] {
        let a = ConductanceMap::form_seeded(64, 64, &d, &prog, Seeds::new(5)).unwrap();
        let b = ConductanceMap::form_seeded(64, 64, &d, &prog, Seeds::new(5)).unwrap();
        let c = ConductanceMap::form_seeded(64, 64, &d, &prog, Seeds::new(6)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.conductances_s(), c.conductances_s());
        let mut r1 = Seeds::new(5).stream(Purpose::DeviceForming);
        let mut r2 = Seeds::new(5).stream(Purpose::DeviceForming);
        assert_eq!(
            ConductanceMap::form(16, 16, &d, &prog, &mut r1).unwrap(),
            ConductanceMap::form(16, 16, &d, &prog, &mut r2).unwrap()
        );
    }
}

#[test]
fn fault_stream_is_independent_of_forming_stream() {
    let mut d = DeviceParams::default();
    let clean =
        ConductanceMap::form_seeded(128, 128, &d, &Program::default(), Seeds::new(9)).unwrap();
    d.faults.stuck_pristine_fraction = 0.02;
    d.faults.stuck_high_fraction = 0.03;
    let faulty =
        ConductanceMap::form_seeded(128, 128, &d, &Program::default(), Seeds::new(9)).unwrap();
    let n = clean.len() as f64;
    let (mut sp, mut sh) = (0usize, 0usize);
    for ((g0, g1), s) in clean
        .conductances_s()
        .iter()
        .zip(faulty.conductances_s())
        .zip(faulty.states())
    {
        match s {
            CellState::StuckPristine => {
                sp += 1;
                assert!(*g1 < 1e-6, "stuck-pristine cell at {g1} S");
            }
            CellState::StuckHigh => {
                sh += 1;
                assert!((g1 - 100e-6).abs() < 1e-18, "{g1}");
            }
            // Healthy cells are untouched by the fault settings.
            _ => assert_eq!(g0, g1),
        }
    }
    for (count, f) in [(sp, 0.02), (sh, 0.03)] {
        let tol = 5.0 * (f * (1.0 - f) / n).sqrt();
        assert!((count as f64 / n - f).abs() < tol, "{count}");
    }
}

#[test]
fn read_noise_stream_is_uncorrelated_with_forming() {
    // The formed conductance's standardised deviation and the read-noise
    // residual of the same cell, drawn from the ReadNoise stream of the same
    // seed, have correlation 0 +- 1 / sqrt(n).
    let d = DeviceParams::default();
    let seeds = Seeds::new(21);
    let map = ConductanceMap::form_seeded(256, 256, &d, &Program::default(), seeds).unwrap();
    let reads = map.read(&d.read_noise, &mut seeds.stream(Purpose::ReadNoise));
    let s = d.compliance.sigma_ln;
    let mu = (14.25e-6f64).ln() - 0.5 * s * s;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (g, r) in map.conductances_s().iter().zip(&reads) {
        let x = (g.ln() - mu) / s;
        let y = (r - g) / d.read_noise.sigma(*g);
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    let corr = sxy / (sxx * syy).sqrt();
    assert!(corr.abs() < 5.0 / (map.len() as f64).sqrt(), "{corr}");
}

#[test]
fn stronger_programs_form_a_superset_of_cells() {
    // Common random numbers: with one stream, a cell formed by a weaker pulse
    // is formed by a stronger one, with the same conductance.
    let d = DeviceParams::default();
    let weak = ConductanceMap::form_seeded(64, 64, &d, &pulse(3.6, 1e-3), Seeds::new(4)).unwrap();
    let strong = ConductanceMap::form_seeded(64, 64, &d, &pulse(4.0, 1e-3), Seeds::new(4)).unwrap();
    assert!(strong.formed_fraction() > weak.formed_fraction());
    for i in 0..weak.len() {
        if weak.states()[i] == CellState::Formed {
            assert_eq!(strong.states()[i], CellState::Formed);
            assert_eq!(strong.conductances_s()[i], weak.conductances_s()[i]);
        }
    }
}

#[test]
fn quantised_filaments_sit_on_the_grid() {
    let mut d = DeviceParams::default();
    d.compliance.quantum_k = Some(3);
    let step = G0_S / 8.0;
    let map = ConductanceMap::form_seeded(32, 32, &d, &Program::default(), Seeds::new(2)).unwrap();
    for g in map.conductances_s() {
        let k = g / step;
        assert!((k - k.round()).abs() < 1e-9 && k.round() >= 1.0, "{g}");
    }
}

#[test]
fn gate_compliance_sets_the_transistor_current() {
    let d = DeviceParams::default();
    let vg = d.compliance.gate_voltage_for_current_v(2.0 * 5.7e-6);
    let prog = Program::Pulse(PulseProgram {
        compliance: Compliance::Gate { v_g_v: vg },
        ..PulseProgram::default()
    });
    let map = ConductanceMap::form_seeded(128, 128, &d, &prog, Seeds::new(3)).unwrap();
    let g = map.summary(1e-6).formed_g.unwrap().scaled(1e6);
    // Twice the current, twice the mean conductance (28.5 uS).
    let se = 2.0 * 2.46 / (g.n as f64).sqrt();
    assert!((g.mean - 28.5).abs() < 5.0 * se, "{}", g.mean);
}

#[test]
fn drift_moves_mean_and_spread_with_log_time() {
    // G(t) = G + m L + s L Z with L = ln(1 + t / t0): the mean moves by m L
    // and the variance grows by (s L)^2 (Z independent of G).
    let mut d = DeviceParams::default();
    d.drift.enabled = true;
    d.drift.mean_shift_us = -0.2;
    d.drift.spread_us = 0.1;
    // Shift -1.8 uS, spread 0.9 uS at t = 1e4 s: no cell comes near the clamp at 0.
    let map =
        ConductanceMap::form_seeded(256, 256, &d, &Program::default(), Seeds::new(30)).unwrap();
    let t = 1e4;
    let later = map
        .drifted(&d.drift, t, &mut Seeds::new(30).stream(Purpose::Drift))
        .unwrap();
    // One trajectory per cell: the same stream gives the same drifted map.
    assert_eq!(
        later,
        map.drifted(&d.drift, t, &mut Seeds::new(30).stream(Purpose::Drift))
            .unwrap()
    );
    let l = (1.0f64 + t).ln();
    let diffs: Vec<f64> = later
        .conductances_s()
        .iter()
        .zip(map.conductances_s())
        .map(|(a, b)| (a - b) * 1e6)
        .collect();
    let m = rram_device::Moments::of(&diffs).unwrap();
    let n = diffs.len() as f64;
    let s = 0.1 * l;
    assert!(
        (m.mean - (-0.2 * l)).abs() < 5.0 * s / n.sqrt(),
        "{}",
        m.mean
    );
    assert!(
        (m.std / s - 1.0).abs() < 5.0 / (2.0 * n).sqrt(),
        "{}",
        m.std
    );
}
