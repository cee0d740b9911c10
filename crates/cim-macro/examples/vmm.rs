//! Event-driven vector-matrix products on the default macro: the error of a
//! noisy 14-bit read against the ideal product, and what the reads cost.
//!
//! `cargo run -p cim-macro --example vmm`
#![allow(clippy::unwrap_used)]

use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{Macro, MacroParams};
use costmodel::OpCounts;
use rand::RngExt;
use seeds::{Purpose, Seeds};

/// Reads per configuration.
const READS: usize = 2000;
/// Active rows per read (about an N-MNIST step: ~25 input events plus a
/// few recurrent spikes).
const ACTIVE: usize = 30;

struct Errors {
    rms: f64,
    max: f64,
}

fn errors(
    chip: &Macro,
    sets: &[Vec<u32>],
    w: &[f64],
    seeds: Seeds,
) -> Result<(Errors, OpCounts), cim_macro::Error> {
    let part = chip.partition("nmnist")?;
    let c = part.cols();
    let mut scratch = chip.new_scratch(&part)?;
    let mut rng = seeds.keyed(Purpose::ReadNoise, 0);
    let mut ops = OpCounts::default();
    let mut out = vec![0.0; c];
    let (mut sq, mut max, mut n) = (0.0f64, 0.0f64, 0usize);
    for rows in sets {
        chip.read_events(&part, rows, &mut out, &mut scratch, &mut rng, &mut ops)?;
        for (j, y) in out.iter().enumerate() {
            let ideal: f64 = rows.iter().map(|&r| w[r as usize * c + j]).sum();
            let e = y - ideal;
            sq += e * e;
            max = max.max(e.abs());
            n += 1;
        }
    }
    Ok((
        Errors {
            rms: (sq / n as f64).sqrt(),
            max,
        },
        ops,
    ))
}

fn main() -> Result<(), cim_macro::Error> {
    let seeds = Seeds::new(2025);
    let device = DeviceParams::default();
    let program = Program::default();
    let params = MacroParams::default();
    let chip = Macro::program(&params, &device, &program, seeds)?;
    let part = chip.partition("nmnist")?;
    let w = chip.effective_weights(&part)?;
    let per = chip.periphery();
    let lsb_w = chip.adc_lsb_weight(&part)?;
    let g_scale = chip.g_scale_s(&part)?;

    println!(
        "cim-macro vmm: default macro, partition `nmnist` ({} rows x {} outputs)",
        part.rows(),
        part.cols()
    );
    println!(
        "  spike voltage        {:.6} V (read voltage 0.2 V on the 16-bit DAC grid)",
        per.v_spike_v
    );
    println!(
        "  g_scale (auto)       {:.4} uS per weight unit",
        g_scale * 1e6
    );
    println!(
        "  TIA R_f (auto)       {:.1} kOhm, full scale {:.2} uA",
        per.r_f_ohm * 1e-3,
        per.i_full_scale_a * 1e6
    );
    println!(
        "  ADC LSB              {:.1} uV = {:.5} weight units",
        per.adc_lsb_v * 1e6,
        lsb_w
    );

    // Random sets of active rows, the same for every configuration.
    let mut pick = seeds.stream(Purpose::Benchmark);
    let sets: Vec<Vec<u32>> = (0..READS)
        .map(|_| {
            let mut rows: Vec<u32> = Vec::with_capacity(ACTIVE);
            while rows.len() < ACTIVE {
                let r = pick.random_range(0..part.rows() as u32);
                if !rows.contains(&r) {
                    rows.push(r);
                }
            }
            rows.sort_unstable();
            rows
        })
        .collect();

    // Expected read-noise standard deviation of one output (rram-device's
    // sigma(G) summed over the active cells of both columns).
    let noise = chip.read_noise();
    let layout = chip.layout_of(&part)?;
    let g = chip.map().conductances_s();
    let cols = chip.map().cols();
    let mut var_sum = 0.0;
    for rows in &sets[..100] {
        for j in 0..part.cols() {
            let mut v = 0.0;
            for &r in rows {
                let pr = layout.rows[r as usize] as usize;
                for c in [layout.plus[j], layout.minus[j]] {
                    let s = noise.sigma(g[pr * cols + c as usize]) / g_scale;
                    v += s * s;
                }
            }
            var_sum += v;
        }
    }
    let noise_rms = (var_sum / (100 * part.cols()) as f64).sqrt();

    let mut quiet = params.clone();
    quiet.read.read_noise = false;
    let quiet_chip = Macro::program(&quiet, &device, &program, seeds)?;

    println!(
        "\nerror against the ideal product sum_i w_ij over {READS} reads of {ACTIVE} active rows:"
    );
    println!(
        "  {:<28} {:>12} {:>12} {:>10} {:>10}",
        "configuration", "RMS (w)", "max (w)", "RMS (LSB)", "max (LSB)"
    );
    for (name, c) in [
        ("read noise + 14-bit ADC", &chip),
        ("14-bit ADC only", &quiet_chip),
    ] {
        let (e, _) = errors(c, &sets, &w, seeds)?;
        println!(
            "  {:<28} {:>12.5} {:>12.5} {:>10.2} {:>10.2}",
            name,
            e.rms,
            e.max,
            e.rms / lsb_w,
            e.max / lsb_w
        );
    }
    println!(
        "  expected: read noise {:.5} w RMS, quantisation {:.5} w RMS (LSB / sqrt 12)",
        noise_rms,
        lsb_w / 12f64.sqrt()
    );
    let signal_rms = (ACTIVE as f64).sqrt();
    println!("  (signal: about {signal_rms:.2} w RMS, the weights having unit variance)");

    let (_, ops) = errors(&chip, &sets, &w, seeds)?;
    println!("\noperation counts for the {READS} reads (per read):");
    for (name, v) in ops.entries() {
        if v != 0.0 {
            println!("  {name:<24} {v:>16.6e} ({:.6e})", v / READS as f64);
        }
    }
    Ok(())
}
