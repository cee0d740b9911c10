//! Read noise against its closed forms: Gaussian sigma(G), telegraph dwell
//! times, 1/f variances.
//!
//! Tolerances are 5 standard errors unless a comment says otherwise.
#![allow(clippy::unwrap_used)]

use rram_device::{ConductanceMap, DeviceParams, NoiseModel, Program, ReadNoiseParams, normal_cdf};
use seeds::{Purpose, Seeds};

const READS: usize = 30_000;

fn formed_map(rows: usize, cols: usize, seed: u64) -> ConductanceMap {
    ConductanceMap::form_seeded(
        rows,
        cols,
        &DeviceParams::default(),
        &Program::default(),
        Seeds::new(seed),
    )
    .unwrap()
}

#[test]
fn thirty_thousand_reads_match_sigma_of_g() {
    let d = DeviceParams::default();
    let map = formed_map(4, 10, 1);
    let model = NoiseModel::new(&d.read_noise).unwrap();
    let cells: Vec<(usize, usize)> = (0..4).flat_map(|r| (0..10).map(move |c| (r, c))).collect();
    let traces = map
        .read_traces(
            &cells,
            READS,
            1e-3,
            &model,
            &mut Seeds::new(1).stream(Purpose::ReadNoise),
        )
        .unwrap();
    let n = READS as f64;
    for (&(r, c), trace) in cells.iter().zip(&traces) {
        let g = map.g_s(r, c).unwrap();
        let sigma = d.read_noise.sigma(g);
        let m = rram_device::Moments::of(trace).unwrap();
        // se(mean) = sigma / sqrt(n); se(std) = sigma / sqrt(2 (n - 1)).
        assert!((m.mean - g).abs() < 5.0 * sigma / n.sqrt());
        assert!(
            (m.std / sigma - 1.0).abs() < 5.0 / (2.0 * (n - 1.0)).sqrt(),
            "{} vs {sigma}",
            m.std
        );
        // Gaussian: excess kurtosis 0 +- sqrt(24 / n).
        assert!(m.excess_kurtosis.abs() < 5.0 * (24.0 / n).sqrt());
    }
    // The explicit repeated-read statistics agree with sigma(G) as well.
    let stats = map
        .repeated_read_stats_explicit(
            READS,
            1e-3,
            &model,
            &mut Seeds::new(2).stream(Purpose::ReadNoise),
        )
        .unwrap();
    for (g, s) in map.conductances_s().iter().zip(&stats.std_s) {
        assert!((s / d.read_noise.sigma(*g) - 1.0).abs() < 5.0 / (2.0 * (n - 1.0)).sqrt());
    }
}

#[test]
fn exact_shortcut_has_the_law_of_explicit_reads() {
    // Over 4096 cells the ratio s / sigma of `reads` = 200 reads has mean
    // c4 ~ 1 - 1 / (4 n) and variance ~ 1 / (2 (n - 1)); both the shortcut
    // and the explicit simulation must match.
    let d = DeviceParams::default();
    let map = formed_map(64, 64, 3);
    let model = NoiseModel::new(&d.read_noise).unwrap();
    let reads = 200usize;
    let nr = reads as f64;
    let fast = map
        .repeated_read_stats(
            reads,
            1e-3,
            &model,
            &mut Seeds::new(4).stream(Purpose::ReadNoise),
        )
        .unwrap();
    let slow = map
        .repeated_read_stats_explicit(
            reads,
            1e-3,
            &model,
            &mut Seeds::new(5).stream(Purpose::ReadNoise),
        )
        .unwrap();
    for stats in [&fast, &slow] {
        let ratios: Vec<f64> = stats
            .std_s
            .iter()
            .zip(map.conductances_s())
            .map(|(s, g)| s / d.read_noise.sigma(*g))
            .collect();
        let m = rram_device::Moments::of(&ratios).unwrap();
        let cells = ratios.len() as f64;
        let sd = (1.0 / (2.0 * (nr - 1.0))).sqrt();
        assert!(
            (m.mean - (1.0 - 1.0 / (4.0 * nr))).abs() < 5.0 * sd / cells.sqrt(),
            "{}",
            m.mean
        );
        // se of a variance ~ var sqrt(2 / cells).
        assert!(
            (m.std * m.std / (sd * sd) - 1.0).abs() < 5.0 * (2.0 / cells).sqrt(),
            "{}",
            m.std
        );
        // Means: (mean - G) / (sigma / sqrt(reads)) is standard normal.
        let z: Vec<f64> = stats
            .mean_s
            .iter()
            .zip(map.conductances_s())
            .map(|(m, g)| (m - g) / (d.read_noise.sigma(*g) / nr.sqrt()))
            .collect();
        let zm = rram_device::Moments::of(&z).unwrap();
        assert!(
            zm.mean.abs() < 5.0 / cells.sqrt() && (zm.std - 1.0).abs() < 5.0 / (2.0 * cells).sqrt()
        );
    }
}

#[test]
fn most_cells_read_with_sigma_below_0_14_us() {
    // sigma(G) < 0.14 uS iff G < (0.14 - s0) / s1 = 18.571 uS, which for the
    // formed log-normal has probability Phi((ln(18.571 / 14.25) + s^2 / 2) / s)
    // = 0.9486. The estimated std over 30,000 reads carries a 0.4 % error that
    // blurs the edge symmetrically (second-order effect), so the binomial
    // tolerance applies.
    let d = DeviceParams::default();
    let map = formed_map(256, 256, 6);
    let model = NoiseModel::new(&d.read_noise).unwrap();
    let stats = map
        .repeated_read_stats(
            READS,
            1e-3,
            &model,
            &mut Seeds::new(6).stream(Purpose::ReadNoise),
        )
        .unwrap();
    let got = stats.fraction_std_below(0.14e-6);
    let s = d.compliance.sigma_ln;
    let g_edge = (0.14 - d.read_noise.s0_us) / d.read_noise.s1;
    let want = normal_cdf(((g_edge / 14.25).ln() + 0.5 * s * s) / s);
    assert!((want - 0.9486).abs() < 1e-3, "{want}");
    let n = map.len() as f64;
    assert!(
        (got - want).abs() < 5.0 * (want * (1.0 - want) / n).sqrt(),
        "{got} vs {want}"
    );
}

/// Run lengths of the occupied flag of one trapped cell over `steps` steps.
fn dwell_runs(
    params: &ReadNoiseParams,
    dt: f64,
    steps: usize,
    seed: u64,
) -> (Vec<usize>, Vec<usize>, f64) {
    let model = NoiseModel::new(params).unwrap();
    let step = model.step(dt).unwrap();
    let mut rng = Seeds::new(seed).stream(Purpose::TelegraphNoise);
    let mut cell = model.init_cell(14.25e-6, &mut rng);
    assert!(cell.has_trap());
    let (mut empty, mut occupied) = (Vec::new(), Vec::new());
    let mut state = cell.trap_occupied();
    let mut run = 0usize;
    let mut first = true;
    let mut occupied_steps = 0usize;
    for _ in 0..steps {
        step.advance(&mut cell, &mut rng);
        let s = cell.trap_occupied();
        occupied_steps += usize::from(s);
        run += 1;
        if s != state {
            // The first run is censored at its start: drop it.
            if !first {
                if state {
                    occupied.push(run)
                } else {
                    empty.push(run)
                }
            }
            first = false;
            run = 0;
            state = s;
        }
    }
    (empty, occupied, occupied_steps as f64 / steps as f64)
}

#[test]
fn telegraph_dwell_times_match_the_rates() {
    let mut p = ReadNoiseParams::default();
    p.telegraph.enabled = true;
    p.telegraph.cell_fraction = 1.0;
    p.telegraph.capture_rate_hz = 10.0;
    p.telegraph.emission_rate_hz = 30.0;
    // Exact geometric law for a coarse step: run lengths are geometric with
    // the one-step switching probabilities, mean 1 / p_switch.
    let dt = 2e-3;
    let model = NoiseModel::new(&p).unwrap();
    let step = model.step(dt).unwrap();
    let (empty, occupied, frac) = dwell_runs(&p, dt, 2_000_000, 1);
    for (runs, p_switch) in [
        (&empty, step.capture_probability()),
        (&occupied, step.emission_probability()),
    ] {
        let n = runs.len() as f64;
        let mean = runs.iter().sum::<usize>() as f64 / n;
        let want = 1.0 / p_switch;
        // Geometric: sd = sqrt(1 - p) / p.
        let se = (1.0 - p_switch).sqrt() / p_switch / n.sqrt();
        assert!((mean - want).abs() < 5.0 * se, "{mean} vs {want} steps");
    }
    // Occupied fraction r_c / (r_c + r_e) = 0.25; the chain is correlated over
    // about 1 / ((r_c + r_e) dt) = 12.5 steps, so the effective sample count
    // is steps / (2 x 12.5).
    let neff = 2_000_000.0 / 25.0;
    assert!(
        (frac - 0.25).abs() < 5.0 * (0.25f64 * 0.75 / neff).sqrt(),
        "{frac}"
    );

    // Continuous-time limit: with (r_c + r_e) dt = 4e-4 the mean dwell in
    // seconds is 1 / r_c and 1 / r_e up to a discretisation bias of
    // (r_c + r_e) dt / 2 = 0.02 %, far below the statistical tolerance.
    let dt = 1e-5;
    let (empty, occupied, _) = dwell_runs(&p, dt, 20_000_000, 2);
    for (runs, rate) in [(&empty, 10.0), (&occupied, 30.0)] {
        let n = runs.len() as f64;
        let mean_s = runs.iter().sum::<usize>() as f64 / n * dt;
        // Exponential: sd = mean.
        let want = 1.0 / rate;
        assert!(
            (mean_s / want - 1.0).abs() < 5.0 / n.sqrt() + 2e-4,
            "{mean_s} vs {want} s ({n} dwells)"
        );
    }
}

#[test]
fn telegraph_offsets_are_centred_with_the_configured_step() {
    let mut p = ReadNoiseParams::default();
    p.telegraph.enabled = true;
    p.telegraph.cell_fraction = 1.0;
    let model = NoiseModel::new(&p).unwrap();
    let g = 14.25e-6 / 4.0;
    // dG = a G (G_ref / G)^gamma = 0.01 x 3.5625 uS x 4^0.5.
    let step = p.telegraph.step_s(g);
    assert!((step - 0.01 * g * 2.0).abs() < 1e-18);
    let mut rng = Seeds::new(3).stream(Purpose::TelegraphNoise);
    let cell = model.init_cell(g, &mut rng);
    let s = model.step(1e-3).unwrap();
    let mut c = cell;
    let (mut sum, n) = (0.0, 200_000);
    let mut values = std::collections::BTreeSet::new();
    for _ in 0..n {
        s.advance(&mut c, &mut rng);
        sum += c.offset_s();
        values.insert((c.offset_s() * 1e15).round() as i64);
    }
    // Two levels, dG apart (f32 storage: relative 1e-6).
    assert_eq!(values.len(), 2);
    let lv: Vec<i64> = values.into_iter().collect();
    assert!(((lv[1] - lv[0]) as f64 * 1e-15 - step).abs() < 1e-6 * step + 1e-15);
    // Mean 0: the offset has sd dG sqrt(p (1 - p)) and is correlated over
    // 1 / ((r_c + r_e) dt) = 2.5 steps; allow 5 se with n / 5 effective samples.
    let mean = sum / n as f64;
    let se = step * (0.25f64 * 0.75).sqrt() / (n as f64 / 5.0).sqrt();
    assert!(mean.abs() < 5.0 * se, "{mean}");
}

#[test]
fn flicker_variances_match_the_lorentzian_sums() {
    let mut p = ReadNoiseParams::default();
    p.flicker.enabled = true;
    p.flicker.q = 0.01;
    let model = NoiseModel::new(&p).unwrap();
    let g = 14.25e-6;
    let cells = 20_000;
    let lag = 0.01;
    let step = model.step(lag).unwrap();
    let mut rng = Seeds::new(4).stream(Purpose::TelegraphNoise);
    let (mut x0, mut dx) = (Vec::with_capacity(cells), Vec::with_capacity(cells));
    for _ in 0..cells {
        let mut c = model.init_cell(g, &mut rng);
        let a = c.offset_s();
        step.advance(&mut c, &mut rng);
        x0.push(a);
        dx.push(c.offset_s() - a);
    }
    // Stationary variance: components x (q G)^2 ln r.
    let stat = 8.0 * p.flicker.component_variance_s2(g);
    let inc = p.flicker.increment_variance_s2(g, lag);
    let tol = 5.0 * (2.0 / cells as f64).sqrt();
    let v0 = rram_device::Moments::of(&x0).unwrap().std.powi(2);
    let vd = rram_device::Moments::of(&dx).unwrap().std.powi(2);
    assert!((v0 / stat - 1.0).abs() < tol, "{v0} vs {stat}");
    assert!((vd / inc - 1.0).abs() < tol, "{vd} vs {inc}");
}

#[test]
fn flicker_increments_grow_like_log_time() {
    // Within the band, Var[x(t + tau) - x(t)] grows by 2 (q G)^2 ln(tau2 / tau1)
    // between two lags: the 1/f signature. With one component per 1.32
    // decades the sum of Lorentzians ripples; 15 % covers it.
    let mut p = ReadNoiseParams::default();
    p.flicker.enabled = true;
    let g = 10e-6;
    let a2 = (p.flicker.q * g).powi(2);
    let (t1, t2) = (1e-3, 1.0);
    let growth = p.flicker.increment_variance_s2(g, t2) - p.flicker.increment_variance_s2(g, t1);
    let want = 2.0 * a2 * (t2 / t1).ln();
    assert!((growth / want - 1.0).abs() < 0.15, "{growth} vs {want}");
}
