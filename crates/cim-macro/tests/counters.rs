//! Operation counts: cycles, conversions, cell reads and conductance sums
//! against hand counts.
#![allow(clippy::unwrap_used)]

mod common;

use cim_macro::{MacroParams, Sensing};
use common::{chip, random_sets, read_rng};
use costmodel::OpCounts;

/// The conductance sum of the partition's cells on `rows`, from the map.
fn g_sum(c: &cim_macro::Macro, part: &cim_macro::Partition, rows: &[(u32, f64)]) -> f64 {
    let l = c.layout_of(part).unwrap();
    let g = c.map().conductances_s();
    rows.iter()
        .map(|&(r, x)| {
            let pr = l.rows[r as usize] as usize;
            x * x
                * l.plus
                    .iter()
                    .chain(&l.minus)
                    .map(|&col| g[pr * 512 + col as usize])
                    .sum::<f64>()
        })
        .sum()
}

#[test]
fn event_reads_count_cycles_conversions_and_cells() {
    for sensing in [Sensing::AnalogueDifference, Sensing::DigitalDifference] {
        for p in [64u32, 8, 7, 1] {
            for ideal in [true, false] {
                let mut params = if ideal {
                    MacroParams::ideal()
                } else {
                    MacroParams::default()
                };
                params.read.parallel_rows = p;
                params.read.sensing = sensing;
                let c = chip(&params, 61);
                let part = c.partition("nmnist").unwrap();
                let mut s = c.new_scratch(&part).unwrap();
                let mut out = vec![0.0; 200];
                for k in [1usize, 7, 8, 30, 64, 65, 200] {
                    let rows = &random_sets(456, k, 1, k as u64)[0];
                    let mut ops = OpCounts::default();
                    c.read_events(&part, rows, &mut out, &mut s, &mut read_rng(0), &mut ops)
                        .unwrap();
                    let (k64, p64) = (k as u64, u64::from(p));
                    let cycles = k64.div_ceil(p64);
                    let sensed = match sensing {
                        Sensing::AnalogueDifference => 200,
                        Sensing::DigitalDifference => 400,
                    };
                    let expected = OpCounts {
                        macro_cycles: cycles,
                        adc_conversions: cycles * sensed,
                        tia_activations: cycles * sensed,
                        row_drives: k64,
                        cell_reads: k64 * 400,
                        mul_fp32: cycles * 200,
                        add_fp32: (cycles - 1) * 200,
                        add_int: if sensing == Sensing::DigitalDifference {
                            cycles * 200
                        } else {
                            0
                        },
                        cell_conductance_sum_s: ops.cell_conductance_sum_s,
                        ..OpCounts::default()
                    };
                    assert_eq!(ops, expected, "{sensing:?} p {p} k {k}");
                    let x: Vec<(u32, f64)> = rows.iter().map(|&r| (r, 1.0)).collect();
                    let gs = g_sum(&c, &part, &x);
                    assert!((ops.cell_conductance_sum_s - gs).abs() < 1e-12 * gs);
                }
            }
        }
    }
}

#[test]
fn dense_reads_count_dac_conversions_of_driven_rows() {
    let c = chip(&MacroParams::default(), 62);
    let part = c.partition("ntidigits").unwrap();
    let mut s = c.new_scratch(&part).unwrap();
    let mut out = vec![0.0; 200];
    let mut x = vec![0.0; part.rows()];
    let mut driven = Vec::new();
    for i in (0..part.rows()).step_by(3) {
        x[i] = 0.5;
        driven.push((i as u32, c.periphery().v_spike_v * 0.5));
    }
    let k = driven.len() as u64; // 88 rows: two cycles of 64
    let mut ops = OpCounts::default();
    c.read_dense(&part, &x, &mut out, &mut s, &mut read_rng(0), &mut ops)
        .unwrap();
    assert_eq!(
        (ops.macro_cycles, ops.dac_conversions, ops.row_drives),
        (2, k, 0)
    );
    assert_eq!((ops.adc_conversions, ops.cell_reads), (400, k * 400));
    // Each row's sum weighted by (V / V_s)^2 (here 0.5 on the DAC grid).
    let xq = (0.5 * c.periphery().v_spike_v / c.periphery().dac_lsb_v).round()
        * c.periphery().dac_lsb_v
        / c.periphery().v_spike_v;
    let rows: Vec<(u32, f64)> = driven.iter().map(|&(r, _)| (r, xq)).collect();
    let gs = g_sum(&c, &part, &rows);
    assert!((ops.cell_conductance_sum_s - gs).abs() < 1e-12 * gs);
}

#[test]
fn an_empty_read_does_nothing() {
    let c = chip(&MacroParams::default(), 63);
    let part = c.partition("nmnist").unwrap();
    let mut s = c.new_scratch(&part).unwrap();
    let mut out = vec![1.0; 200];
    let mut ops = OpCounts::default();
    c.read_events(&part, &[], &mut out, &mut s, &mut read_rng(0), &mut ops)
        .unwrap();
    assert!(out.iter().all(|&v| v == 0.0));
    c.read_dense(
        &part,
        &vec![0.0; 456],
        &mut out,
        &mut s,
        &mut read_rng(0),
        &mut ops,
    )
    .unwrap();
    assert!(ops.is_zero());
}
