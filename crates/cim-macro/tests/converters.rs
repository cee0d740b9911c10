//! DAC, TIA and ADC: error bounds, clipping, saturation and channel errors.
#![allow(clippy::unwrap_used)]

mod common;

use cim_macro::{Feedback, MacroParams, Sensing};
use common::{chip, matvec, random_sets, read_rng, spikes};
use costmodel::OpCounts;
use rand::RngExt;
use seeds::{Purpose, Seeds};

/// Noise off, converters on.
fn quiet(sensing: Sensing) -> MacroParams {
    let mut p = MacroParams::default();
    p.read.read_noise = false;
    p.read.sensing = sensing;
    p
}

#[test]
fn event_reads_are_within_half_an_lsb_per_cycle() {
    for sensing in [Sensing::AnalogueDifference, Sensing::DigitalDifference] {
        // Headroom 6 sigma keeps clipping (tested below) out of this test:
        // at 4 sigma a full 64-row cycle clips with probability 6e-5 per
        // channel, and this test converts about 1e4 full-cycle channels.
        let mut p = quiet(sensing);
        p.tia.r_f = Feedback::Auto {
            headroom_sigma: 6.0,
        };
        let c = chip(&p, 7);
        let part = c.partition("nmnist").unwrap();
        let w = c.effective_weights(&part).unwrap();
        let lsb = c.adc_lsb_weight(&part).unwrap();
        // Analogue sensing: one conversion per output and cycle; digital:
        // two (plus and minus column), each off by at most half an LSB.
        let per_cycle = match sensing {
            Sensing::AnalogueDifference => 0.5 * lsb,
            Sensing::DigitalDifference => lsb,
        };
        let n = part.cols();
        let mut s = c.new_scratch(&part).unwrap();
        let mut out = vec![0.0; n];
        let mut ops = OpCounts::default();
        let mut worst: f64 = 0.0;
        for k in [1usize, 10, 30, 64, 100, 200] {
            let cycles = k.div_ceil(64) as f64;
            for rows in random_sets(part.rows() as u32, k, 10, 100 + k as u64) {
                c.read_events(&part, &rows, &mut out, &mut s, &mut read_rng(0), &mut ops)
                    .unwrap();
                let y = matvec(&w, n, &spikes(part.rows(), &rows));
                for j in 0..n {
                    let e = (out[j] - y[j]).abs();
                    // 1e-9 weight units of rounding slack in the float
                    // arithmetic around the exact bound.
                    assert!(
                        e <= cycles * per_cycle + 1e-9,
                        "{sensing:?} k {k}: {e} > {}",
                        cycles * per_cycle
                    );
                    worst = worst.max(e / (cycles * per_cycle));
                }
            }
        }
        // The bound is reached, not loose: quantisation errors spread over
        // the whole half LSB.
        assert!(worst > 0.9, "{sensing:?}: worst error {worst} of the bound");
    }
}

#[test]
fn dense_reads_add_the_dac_error_bound() {
    let c = chip(&quiet(Sensing::AnalogueDifference), 8);
    let part = c.partition("nmnist").unwrap();
    let w = c.effective_weights(&part).unwrap();
    let lsb = c.adc_lsb_weight(&part).unwrap();
    let per = c.periphery();
    let dac_rel = per.dac_lsb_v / (2.0 * per.v_spike_v);
    let n = part.cols();
    let mut s = c.new_scratch(&part).unwrap();
    let mut out = vec![0.0; n];
    let mut ops = OpCounts::default();
    let mut pick = Seeds::new(8).stream(Purpose::Benchmark);
    for density in [0.02, 0.1, 0.3] {
        let x: Vec<f64> = (0..part.rows())
            .map(|_| {
                if pick.random::<f64>() < density {
                    pick.random::<f64>()
                } else {
                    0.0
                }
            })
            .collect();
        let k = x.iter().filter(|v| **v > 0.0).count();
        let cycles = k.div_ceil(64) as f64;
        c.read_dense(&part, &x, &mut out, &mut s, &mut read_rng(0), &mut ops)
            .unwrap();
        let y = matvec(&w, n, &x);
        for j in 0..n {
            let dac_bound: f64 = (0..part.rows())
                .filter(|&i| x[i] > 0.0)
                .map(|i| w[i * n + j].abs() * dac_rel)
                .sum();
            let e = (out[j] - y[j]).abs();
            assert!(e <= cycles * 0.5 * lsb + dac_bound + 1e-9, "{e}");
        }
    }
}

#[test]
fn the_adc_clips_at_its_end_codes() {
    // A feedback resistor 20 x the automatic one: full scale at 1/20 of the
    // expected current, so large sums clip. TIA saturation stays above the
    // ADC range (3 V > 2.5 V).
    let auto = chip(&quiet(Sensing::AnalogueDifference), 9);
    let mut p = quiet(Sensing::AnalogueDifference);
    p.tia.r_f = Feedback::Given {
        r_f_ohm: 20.0 * auto.periphery().r_f_ohm,
    };
    let c = chip(&p, 9);
    let part = c.partition("nmnist").unwrap();
    let w = c.effective_weights(&part).unwrap();
    let lsb = c.adc_lsb_weight(&part).unwrap();
    let per = c.periphery();
    assert_eq!((per.adc_code_min, per.adc_code_max), (-8192, 8191));
    let (hi, lo) = (8191.0 * lsb, -8192.0 * lsb);
    let n = part.cols();
    let mut s = c.new_scratch(&part).unwrap();
    let mut out = vec![0.0; n];
    let mut ops = OpCounts::default();
    let (mut clipped_hi, mut clipped_lo) = (0, 0);
    for rows in random_sets(part.rows() as u32, 60, 20, 9) {
        c.read_events(&part, &rows, &mut out, &mut s, &mut read_rng(0), &mut ops)
            .unwrap();
        let y = matvec(&w, n, &spikes(part.rows(), &rows));
        for j in 0..n {
            if y[j] >= hi + 0.5 * lsb {
                assert_eq!(out[j], hi, "{j}");
                clipped_hi += 1;
            } else if y[j] <= lo - 0.5 * lsb {
                assert_eq!(out[j], lo, "{j}");
                clipped_lo += 1;
            } else {
                assert!((out[j] - y[j]).abs() <= 0.5 * lsb + 1e-12);
            }
        }
    }
    assert!(
        clipped_hi > 100 && clipped_lo > 100,
        "{clipped_hi} {clipped_lo}"
    );
}

#[test]
fn the_tia_saturates_before_the_adc_when_its_rails_are_lower() {
    let auto = chip(&quiet(Sensing::AnalogueDifference), 10);
    let mut p = quiet(Sensing::AnalogueDifference);
    p.tia.r_f = Feedback::Given {
        r_f_ohm: 20.0 * auto.periphery().r_f_ohm,
    };
    p.tia.v_sat_v = 1.0;
    let c = chip(&p, 10);
    let part = c.partition("nmnist").unwrap();
    let w = c.effective_weights(&part).unwrap();
    let lsb_v = c.periphery().adc_lsb_v;
    let lsb = c.adc_lsb_weight(&part).unwrap();
    // 1 V is round(1 / LSB) codes.
    let sat_codes = (1.0 / lsb_v).round_ties_even();
    let n = part.cols();
    let mut s = c.new_scratch(&part).unwrap();
    let mut out = vec![0.0; n];
    let mut ops = OpCounts::default();
    let mut saturated = 0;
    for rows in random_sets(part.rows() as u32, 60, 10, 10) {
        c.read_events(&part, &rows, &mut out, &mut s, &mut read_rng(0), &mut ops)
            .unwrap();
        let y = matvec(&w, n, &spikes(part.rows(), &rows));
        for j in 0..n {
            let v = y[j] / lsb * lsb_v; // TIA output, V
            if v.abs() > 1.0 + lsb_v {
                assert_eq!(out[j], sat_codes * lsb * v.signum(), "{j}");
                saturated += 1;
            }
        }
    }
    assert!(saturated > 100, "{saturated}");
}

#[test]
fn channel_gain_and_offset_errors_have_their_spread() {
    // Gain error 1 %: the relative error of large outputs spreads over the
    // channels with a standard deviation of 0.01; 200 channels estimate it
    // to 5 % (1 / sqrt(2 x 200)), so 25 % is five standard errors.
    let mut p = quiet(Sensing::AnalogueDifference);
    p.adc.gain_error_sigma = 0.01;
    let c = chip(&p, 11);
    let part = c.partition("nmnist").unwrap();
    let w = c.effective_weights(&part).unwrap();
    let n = part.cols();
    let rows: Vec<u32> = (0..64).collect();
    let y = matvec(&w, n, &spikes(part.rows(), &rows));
    let mut s = c.new_scratch(&part).unwrap();
    let mut out = vec![0.0; n];
    let mut ops = OpCounts::default();
    c.read_events(&part, &rows, &mut out, &mut s, &mut read_rng(0), &mut ops)
        .unwrap();
    let rel: Vec<f64> = (0..n)
        .filter(|&j| y[j].abs() > 5.0)
        .map(|j| out[j] / y[j] - 1.0)
        .collect();
    assert!(rel.len() > 50);
    let m = rel.iter().sum::<f64>() / rel.len() as f64;
    let sd = (rel.iter().map(|r| (r - m).powi(2)).sum::<f64>() / (rel.len() - 1) as f64).sqrt();
    let tol = 5.0 / (2.0 * rel.len() as f64).sqrt();
    assert!((sd / 0.01 - 1.0).abs() < tol, "gain spread {sd}");

    // Offsets of 3 LSB: errors in LSB spread as sqrt(9 + 1/12) (offset plus
    // uniform quantisation).
    let mut p = quiet(Sensing::AnalogueDifference);
    p.adc.offset_sigma_lsb = 3.0;
    let c = chip(&p, 12);
    let lsb = c.adc_lsb_weight(&part_of(&c)).unwrap();
    let part = part_of(&c);
    let w = c.effective_weights(&part).unwrap();
    let y = matvec(&w, n, &spikes(part.rows(), &rows));
    let mut s = c.new_scratch(&part).unwrap();
    c.read_events(&part, &rows, &mut out, &mut s, &mut read_rng(0), &mut ops)
        .unwrap();
    let e: Vec<f64> = (0..n).map(|j| (out[j] - y[j]) / lsb).collect();
    let sd = (e.iter().map(|x| x * x).sum::<f64>() / n as f64).sqrt();
    let expected = (9.0f64 + 1.0 / 12.0).sqrt();
    assert!(
        (sd / expected - 1.0).abs() < 5.0 / (2.0 * n as f64).sqrt(),
        "offset spread {sd}"
    );
    // Drawn once: a second read of the same rows gives the same codes.
    let first = out.clone();
    c.read_events(&part, &rows, &mut out, &mut s, &mut read_rng(1), &mut ops)
        .unwrap();
    assert_eq!(first, out);
}

fn part_of(c: &cim_macro::Macro) -> cim_macro::Partition {
    c.partition("nmnist").unwrap()
}

#[test]
fn automatic_feedback_maps_the_expected_current_to_full_scale() {
    // I_max = V_s (|mu| p + 4 sigma sqrt(p)) over the partitions' pairs;
    // R_f = 2.5 V / I_max. Recomputed here from the map (the three paper
    // partitions cover the cells of `nmnist`).
    let c = chip(&quiet(Sensing::AnalogueDifference), 13);
    let part = c.partition("nmnist").unwrap();
    let l = c.layout_of(&part).unwrap();
    let g = c.map().conductances_s();
    let d: Vec<f64> = l
        .rows
        .iter()
        .flat_map(|&r| {
            l.plus.iter().zip(&l.minus).map(move |(&p, &m)| {
                g[r as usize * 512 + p as usize] - g[r as usize * 512 + m as usize]
            })
        })
        .collect();
    let mu = d.iter().sum::<f64>() / d.len() as f64;
    let sd = (d.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / d.len() as f64).sqrt();
    let per = c.periphery();
    let i_max = per.v_spike_v * (mu.abs() * 64.0 + 4.0 * sd * 8.0);
    assert!((per.r_f_ohm - 2.5 / i_max).abs() < 1e-9 * per.r_f_ohm);
    assert!((per.i_full_scale_a - i_max).abs() < 1e-9 * i_max);
    // The documented default numbers.
    assert!((per.v_spike_v - 2621.0 * 5.0 / 65535.0).abs() < 1e-15);
    assert!((per.r_f_ohm / 1e3 - 112.0).abs() < 3.0, "{}", per.r_f_ohm);
}
