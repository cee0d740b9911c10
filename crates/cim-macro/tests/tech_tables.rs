//! The macro and the committed technology tables of `costmodel` describe
//! the same chip: the read voltage and converter resolutions agree, and a
//! counted read priced by `costmodel` costs what its dense estimate charges.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use cim_macro::MacroParams;
use common::{chip, read_rng};
use costmodel::{
    CrossbarMapping, DAC_CONVERSIONS_PER_ANALOGUE_ROW, DigitalBaseline, Head, LayerKind, LsmShape,
    OpCounts, TableSet, TechTables, dense_hybrid,
};

fn tables(set: TableSet) -> TechTables {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/tech"));
    TechTables::load_set(&dir, set).unwrap()
}

/// `data/tech/rram-40nm.toml` (and the paper-fit table built on it) prices
/// the chip that `MacroParams::default()` simulates: same read voltage,
/// same DAC and ADC resolutions. Both are the paper's converters (16-bit
/// DAC, 14-bit ADC) and the same assumed 0.2 V read; this test keeps the two
/// copies from drifting apart.
#[test]
fn macro_defaults_match_the_technology_tables() {
    let p = MacroParams::default();
    for set in TableSet::ALL {
        let a = tables(set).analogue;
        assert_eq!(p.read.v_read_v, a.v_read_v, "{set:?}: read voltage");
        assert_eq!(p.dac.bits, a.dac_bits, "{set:?}: DAC bits");
        assert_eq!(p.adc.bits, a.adc_bits, "{set:?}: ADC bits");
    }
}

/// A read of every row of the N-MNIST partition (256 input + 200 recurrent
/// rows, 200 outputs), in one cycle, counted by the macro and priced by
/// `costmodel`, costs exactly what `dense_hybrid` charges for one step of
/// the same geometry, given the partition's mean cell conductance: the two
/// count DAC conversions, row drives, cells, conversions and cycles by the
/// same rule. Tolerance 1e-10 relative: the only difference is the order in
/// which 182,400 conductances are summed (at most n * eps = 4e-11).
#[test]
fn a_dense_spike_read_costs_what_the_dense_estimate_charges() {
    let mut params = MacroParams::default();
    // The dense estimate reads all rows of a step at once.
    params.read.parallel_rows = 456;
    let c = chip(&params, 5);
    let part = c.partition("nmnist").unwrap();
    assert_eq!((part.rows(), part.cols()), (456, 200));
    let all: Vec<u32> = (0..456).collect();
    let mut s = c.new_scratch(&part).unwrap();
    let mut out = vec![0.0; 200];
    let mut ops = OpCounts::default();
    c.read_events(&part, &all, &mut out, &mut s, &mut read_rng(0), &mut ops)
        .unwrap();
    let counted = ops.analogue_part();

    // The partition's mean conductance, from the map and the layout.
    let l = c.layout_of(&part).unwrap();
    let g = c.map().conductances_s();
    let cols = c.map().cols();
    let mut sum = 0.0;
    for &r in &l.rows {
        for &col in l.plus.iter().chain(&l.minus) {
            sum += g[r as usize * cols + col as usize];
        }
    }
    let mapping = CrossbarMapping {
        g_mean_s: sum / (456.0 * 400.0),
        ..CrossbarMapping::default()
    };
    let shape = LsmShape {
        inputs: 256,
        neurons: 200,
        steps: 1,
    };
    let dense = dense_hybrid(&shape, Head::None, &DigitalBaseline::default(), &mapping).unwrap();
    let estimated = [LayerKind::Input, LayerKind::Recurrent]
        .iter()
        .flat_map(|&k| dense.layers.iter().filter(move |l| l.kind == k))
        .map(|l| l.counts.analogue_part())
        .sum::<OpCounts>();

    // The integer counts agree exactly (no DAC conversion for spikes).
    let ints = |o: &OpCounts| {
        (
            o.row_drives,
            o.dac_conversions,
            o.adc_conversions,
            o.tia_activations,
            o.macro_cycles,
            o.cell_reads,
        )
    };
    assert_eq!(ints(&counted), (456, 0, 200, 200, 1, 182_400));
    assert_eq!(ints(&counted), ints(&estimated));
    let rel = |a: f64, b: f64| (a / b - 1.0).abs();
    assert!(
        rel(
            counted.cell_conductance_sum_s,
            estimated.cell_conductance_sum_s
        ) < 1e-10,
        "{} vs {}",
        counted.cell_conductance_sum_s,
        estimated.cell_conductance_sum_s
    );
    for set in TableSet::ALL {
        let t = tables(set);
        let (a, b) = (t.price(&counted).analogue_j, t.price(&estimated).analogue_j);
        assert!(
            rel(a, b) < 1e-10,
            "{set:?}: counted {a:e} J vs dense {b:e} J"
        );
    }

    // The same rows driven as analogue values (x = 1, exactly a DAC code):
    // one conversion per row instead of a row drive, nothing else changes.
    let mut dense_ops = OpCounts::default();
    c.read_dense(
        &part,
        &[1.0; 456],
        &mut out,
        &mut s,
        &mut read_rng(1),
        &mut dense_ops,
    )
    .unwrap();
    let analogue = dense_ops.analogue_part();
    assert_eq!(
        analogue.dac_conversions,
        456 * DAC_CONVERSIONS_PER_ANALOGUE_ROW
    );
    assert_eq!(analogue.row_drives, 0);
    assert_eq!(
        OpCounts {
            dac_conversions: 0,
            row_drives: 456,
            ..analogue
        },
        counted
    );
}
