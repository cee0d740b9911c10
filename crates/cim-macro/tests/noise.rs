//! Read-noise statistics of repeated reads against `rram-device`'s model.
#![allow(clippy::unwrap_used)]

mod common;

use cim_macro::rram_device::{DeviceParams, Program, ReadNoiseParams};
use cim_macro::{Macro, MacroParams, Partition, Sensing};
use common::{chip, read_rng};
use costmodel::OpCounts;
use rand::Rng;
use seeds::Seeds;

/// Noise on, converters transparent (so only the noise is measured).
fn noisy(sensing: Sensing) -> MacroParams {
    let mut p = MacroParams::ideal();
    p.read.read_noise = true;
    p.read.sensing = sensing;
    p
}

/// Expected mean (weight units) and variance (weight units squared) of each
/// output for row weights `x`, from the map and `sigma(G)` of rram-device.
fn expected(
    c: &Macro,
    part: &Partition,
    x: &[(u32, f64)],
    noise: &ReadNoiseParams,
) -> (Vec<f64>, Vec<f64>) {
    let l = c.layout_of(part).unwrap();
    let g = c.map().conductances_s();
    let cols = c.map().cols();
    let gs = c.g_scale_s(part).unwrap();
    let mut mean = vec![0.0; part.cols()];
    let mut var = vec![0.0; part.cols()];
    for &(r, xi) in x {
        let pr = l.rows[r as usize] as usize;
        for j in 0..part.cols() {
            let (gp, gm) = (
                g[pr * cols + l.plus[j] as usize],
                g[pr * cols + l.minus[j] as usize],
            );
            mean[j] += xi * (gp - gm) / gs;
            var[j] += xi * xi * (noise.sigma(gp).powi(2) + noise.sigma(gm).powi(2)) / (gs * gs);
        }
    }
    (mean, var)
}

/// Sample means and variances of `n` repeated reads.
fn repeated(
    c: &Macro,
    part: &Partition,
    n: usize,
    mut read: impl FnMut(&mut Vec<f64>, &mut cim_macro::ReadScratch, &mut seeds::ChaCha8Rng),
) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
    let mut s = c.new_scratch(part).unwrap();
    let mut rng = read_rng(3);
    let mut out = vec![0.0; part.cols()];
    let mut samples = vec![Vec::new(); part.cols()];
    for _ in 0..n {
        read(&mut out, &mut s, &mut rng);
        for (j, v) in out.iter().enumerate() {
            samples[j].push(*v);
        }
    }
    let mean: Vec<f64> = samples
        .iter()
        .map(|s| s.iter().sum::<f64>() / n as f64)
        .collect();
    let var: Vec<f64> = samples
        .iter()
        .zip(&mean)
        .map(|(s, m)| s.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64)
        .collect();
    (mean, var, samples)
}

/// Means within 5 standard errors, variances within 5 standard errors of
/// the chi-square law (relative sd sqrt(2 / (n - 1))), and the average
/// variance ratio over all outputs within 5 of its (smaller) standard error.
fn check(mean: &[f64], var: &[f64], e_mean: &[f64], e_var: &[f64], n: usize) {
    let rel_sd = (2.0 / (n - 1) as f64).sqrt();
    let mut ratio_sum = 0.0;
    for j in 0..mean.len() {
        let se = (e_var[j] / n as f64).sqrt();
        assert!(
            (mean[j] - e_mean[j]).abs() < 5.0 * se,
            "mean {j}: {} vs {}",
            mean[j],
            e_mean[j]
        );
        let ratio = var[j] / e_var[j];
        assert!(
            (ratio - 1.0).abs() < 5.0 * rel_sd,
            "variance {j}: ratio {ratio}"
        );
        ratio_sum += ratio;
    }
    let avg = ratio_sum / mean.len() as f64;
    assert!(
        (avg - 1.0).abs() < 5.0 * rel_sd / (mean.len() as f64).sqrt(),
        "average ratio {avg}"
    );
}

#[test]
fn event_reads_carry_the_device_read_noise() {
    for sensing in [Sensing::AnalogueDifference, Sensing::DigitalDifference] {
        let c = chip(&noisy(sensing), 21);
        let part = c.partition("nmnist").unwrap();
        let rows: Vec<u32> = (0..30).map(|i| i * 15).collect();
        let x: Vec<(u32, f64)> = rows.iter().map(|&r| (r, 1.0)).collect();
        let (e_mean, e_var) = expected(&c, &part, &x, &DeviceParams::default().read_noise);
        let n = 10_000;
        let mut ops = OpCounts::default();
        let (mean, var, samples) = repeated(&c, &part, n, |out, s, rng| {
            c.read_events(&part, &rows, out, s, rng, &mut ops).unwrap();
        });
        check(&mean, &var, &e_mean, &e_var, n);
        // Outputs are independent: correlation of neighbours ~ N(0, 1/n).
        let corr = |a: &[f64], b: &[f64], ma: f64, mb: f64, va: f64, vb: f64| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - ma) * (y - mb))
                .sum::<f64>()
                / ((n - 1) as f64 * (va * vb).sqrt())
        };
        for j in [0usize, 57, 198] {
            let r = corr(
                &samples[j],
                &samples[j + 1],
                mean[j],
                mean[j + 1],
                var[j],
                var[j + 1],
            );
            assert!(
                r.abs() < 5.0 / (n as f64).sqrt(),
                "{sensing:?} correlation {j}: {r}"
            );
        }
    }
}

#[test]
fn dense_reads_scale_the_noise_with_the_inputs() {
    let c = chip(&noisy(Sensing::AnalogueDifference), 22);
    let part = c.partition("nmnist").unwrap();
    let mut inputs = vec![0.0; part.rows()];
    let mut x = Vec::new();
    for i in 0..40u32 {
        let v = 0.1 + 0.9 * f64::from(i) / 39.0;
        inputs[(i * 11) as usize] = v;
        x.push((i * 11, v));
    }
    let (e_mean, e_var) = expected(&c, &part, &x, &DeviceParams::default().read_noise);
    let n = 10_000;
    let mut ops = OpCounts::default();
    let (mean, var, _) = repeated(&c, &part, n, |out, s, rng| {
        c.read_dense(&part, &inputs, out, s, rng, &mut ops).unwrap();
    });
    check(&mean, &var, &e_mean, &e_var, n);
}

#[test]
fn noiseless_reads_draw_nothing_and_noisy_reads_draw_two_words() {
    let part_rows: Vec<u32> = vec![1, 2, 3];
    let mut ops = OpCounts::default();
    for (params, words) in [(MacroParams::ideal(), 0), (MacroParams::default(), 2)] {
        let c = chip(&params, 23);
        let part = c.partition("nmnist").unwrap();
        let mut s = c.new_scratch(&part).unwrap();
        let mut out = vec![0.0; part.cols()];
        let mut rng = read_rng(0);
        let mut reference = read_rng(0);
        c.read_events(&part, &part_rows, &mut out, &mut s, &mut rng, &mut ops)
            .unwrap();
        for _ in 0..words {
            reference.next_u64();
        }
        assert_eq!(rng.next_u64(), reference.next_u64(), "{words}");
    }
}

/// A macro whose only read noise is the given stateful kind.
fn stateful_chip(device: &DeviceParams, interval_s: f64) -> Macro {
    let mut p = noisy(Sensing::AnalogueDifference);
    p.read.read_interval_s = interval_s;
    Macro::program(&p, device, &Program::default(), Seeds::new(31)).unwrap()
}

fn no_gaussian() -> DeviceParams {
    let mut d = DeviceParams::default();
    d.read_noise.s0_us = 0.0;
    d.read_noise.s1 = 0.0;
    d
}

#[test]
fn telegraph_noise_has_its_stationary_variance_and_persists_between_close_reads() {
    let mut device = no_gaussian();
    device.read_noise.telegraph.enabled = true;
    device.read_noise.telegraph.cell_fraction = 0.5;
    device.read_noise.telegraph.rel_amplitude = 0.05;
    let t = device.read_noise.telegraph.clone();
    let (p, frac) = (t.occupied_probability(), t.cell_fraction);
    let c = stateful_chip(&device, 1e-12);
    let part = c.partition("nmnist").unwrap();
    let rows: Vec<u32> = (0..10).map(|i| i * 40).collect();
    let l = c.layout_of(&part).unwrap();
    let g = c.map().conductances_s();
    let gs = c.g_scale_s(&part).unwrap();
    let w = c.effective_weights(&part).unwrap();
    let n_out = part.cols();
    // Stationary variance of a cell: f dG^2 p (1 - p).
    let e_var: Vec<f64> = (0..n_out)
        .map(|j| {
            rows.iter()
                .map(|&r| {
                    let pr = l.rows[r as usize] as usize;
                    [l.plus[j], l.minus[j]]
                        .iter()
                        .map(|&col| {
                            frac * t.step_s(g[pr * 512 + col as usize]).powi(2) * p * (1.0 - p)
                        })
                        .sum::<f64>()
                        / (gs * gs)
                })
                .sum()
        })
        .collect();
    let e_mean: Vec<f64> = (0..n_out)
        .map(|j| rows.iter().map(|&r| w[r as usize * n_out + j]).sum())
        .collect();
    // Each sample: a reset scratch (independent stationary draw), two
    // reads 1 ps apart, which must agree (no transition in 1 ps: the
    // switching probability per cell is 4e-10).
    let n = 4000;
    let mut s = c.new_scratch(&part).unwrap();
    let (mut a, mut b) = (vec![0.0; n_out], vec![0.0; n_out]);
    let mut ops = OpCounts::default();
    let mut samples = vec![Vec::new(); n_out];
    for k in 0..n {
        s.reset();
        let mut rng = read_rng(k as u64);
        c.read_events(&part, &rows, &mut a, &mut s, &mut rng, &mut ops)
            .unwrap();
        c.read_events(&part, &rows, &mut b, &mut s, &mut rng, &mut ops)
            .unwrap();
        assert_eq!(a, b);
        for j in 0..n_out {
            samples[j].push(a[j]);
        }
    }
    let mean: Vec<f64> = samples
        .iter()
        .map(|s| s.iter().sum::<f64>() / n as f64)
        .collect();
    let var: Vec<f64> = samples
        .iter()
        .zip(&mean)
        .map(|(s, m)| s.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64)
        .collect();
    // A sum of ~20 two-point variables is close enough to normal for the
    // per-output 5-sigma bounds; the average over outputs is checked with
    // the exact variance of a sample variance (kurtosis included) being at
    // most 3x the normal one here.
    let rel_sd = (2.0 / (n - 1) as f64).sqrt();
    let mut avg = 0.0;
    for j in 0..n_out {
        assert!(
            (mean[j] - e_mean[j]).abs() < 5.0 * (e_var[j] / n as f64).sqrt(),
            "mean {j}"
        );
        avg += var[j] / e_var[j] / n_out as f64;
    }
    assert!(
        (avg - 1.0).abs() < 3.0 * 5.0 * rel_sd / (n_out as f64).sqrt(),
        "average variance ratio {avg}"
    );
}

#[test]
fn flicker_increments_follow_the_exact_law_across_skipped_reads() {
    // Read rows A, then rows B, then A again: A's cells move over two read
    // intervals, and the change of an output has variance
    // sum over cells of increment_variance(G, 2 dt) / g_scale^2.
    let mut device = no_gaussian();
    device.read_noise.flicker.enabled = true;
    device.read_noise.flicker.q = 0.01;
    let f = device.read_noise.flicker.clone();
    let dt = 1e-4;
    let c = stateful_chip(&device, dt);
    let part = c.partition("nmnist").unwrap();
    let rows_a: Vec<u32> = (0..8).map(|i| i * 50).collect();
    let rows_b: Vec<u32> = vec![1, 2];
    let l = c.layout_of(&part).unwrap();
    let g = c.map().conductances_s();
    let gs = c.g_scale_s(&part).unwrap();
    let n_out = 50;
    let e_var: Vec<f64> = (0..n_out)
        .map(|j| {
            rows_a
                .iter()
                .map(|&r| {
                    let pr = l.rows[r as usize] as usize;
                    [l.plus[j], l.minus[j]]
                        .iter()
                        .map(|&col| f.increment_variance_s2(g[pr * 512 + col as usize], 2.0 * dt))
                        .sum::<f64>()
                        / (gs * gs)
                })
                .sum()
        })
        .collect();
    let n = 3000;
    let mut s = c.new_scratch(&part).unwrap();
    let (mut a1, mut a2, mut bb) = (vec![0.0; 200], vec![0.0; 200], vec![0.0; 200]);
    let mut ops = OpCounts::default();
    let mut d = vec![Vec::new(); n_out];
    for k in 0..n {
        s.reset();
        let mut rng = read_rng(1000 + k as u64);
        c.read_events(&part, &rows_a, &mut a1, &mut s, &mut rng, &mut ops)
            .unwrap();
        c.read_events(&part, &rows_b, &mut bb, &mut s, &mut rng, &mut ops)
            .unwrap();
        c.read_events(&part, &rows_a, &mut a2, &mut s, &mut rng, &mut ops)
            .unwrap();
        for j in 0..n_out {
            d[j].push(a2[j] - a1[j]);
        }
    }
    let rel_sd = (2.0 / (n - 1) as f64).sqrt();
    let mut avg = 0.0;
    for j in 0..n_out {
        let m = d[j].iter().sum::<f64>() / n as f64;
        let v = d[j].iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        // Increments are Gaussian (sums of Ornstein-Uhlenbeck steps).
        assert!(
            m.abs() < 5.0 * (e_var[j] / n as f64).sqrt(),
            "mean increment {j}"
        );
        assert!(
            (v / e_var[j] - 1.0).abs() < 5.0 * rel_sd,
            "increment variance {j}: {}",
            v / e_var[j]
        );
        avg += v / e_var[j] / n_out as f64;
    }
    assert!(
        (avg - 1.0).abs() < 5.0 * rel_sd / (n_out as f64).sqrt(),
        "{avg}"
    );
}
