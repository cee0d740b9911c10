//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{Macro, MacroParams, Partition};
use rand::RngExt;
use seeds::{ChaCha8Rng, Purpose, Seeds};

/// The macro formed with the default device and program.
pub(crate) fn chip(params: &MacroParams, seed: u64) -> Macro {
    Macro::program(
        params,
        &DeviceParams::default(),
        &Program::default(),
        Seeds::new(seed),
    )
    .unwrap()
}

/// The weights of a partition computed here from the map and the layout
/// (not from the macro's own tables), `rows x cols`, and the population
/// standard deviation of its differential conductances (S).
pub(crate) fn independent_weights(
    chip: &Macro,
    part: &Partition,
    g_scale_s: Option<f64>,
) -> (Vec<f64>, f64) {
    let l = chip.layout_of(part).unwrap();
    let g = chip.map().conductances_s();
    let cols = chip.map().cols();
    let mut d = Vec::new();
    for &r in &l.rows {
        for (&p, &m) in l.plus.iter().zip(&l.minus) {
            d.push(g[r as usize * cols + p as usize] - g[r as usize * cols + m as usize]);
        }
    }
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let std = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let scale = g_scale_s.unwrap_or(std);
    (d.iter().map(|x| x / scale).collect(), std)
}

/// `n` sorted sets of `k` distinct rows below `rows`.
pub(crate) fn random_sets(rows: u32, k: usize, n: usize, seed: u64) -> Vec<Vec<u32>> {
    let mut rng = Seeds::new(seed).stream(Purpose::Benchmark);
    (0..n)
        .map(|_| {
            let mut s: Vec<u32> = Vec::with_capacity(k);
            while s.len() < k {
                let r = rng.random_range(0..rows);
                if !s.contains(&r) {
                    s.push(r);
                }
            }
            s.sort_unstable();
            s
        })
        .collect()
}

/// The per-sample read stream of sample `key`.
pub(crate) fn read_rng(key: u64) -> ChaCha8Rng {
    Seeds::new(99).keyed(Purpose::ReadNoise, key)
}

/// `y_j = sum_i x_i w_ij` for a `rows x cols` row-major `w`.
pub(crate) fn matvec(w: &[f64], cols: usize, x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; cols];
    for (i, xi) in x.iter().enumerate() {
        for j in 0..cols {
            y[j] += xi * w[i * cols + j];
        }
    }
    y
}

/// The spike vector of a set of active rows.
pub(crate) fn spikes(rows: usize, active: &[u32]) -> Vec<f64> {
    let mut x = vec![0.0; rows];
    for &r in active {
        x[r as usize] = 1.0;
    }
    x
}
