//! The macro and the committed technology tables of `costmodel` describe
//! the same chip: the read voltage and converter resolutions agree.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use cim_macro::MacroParams;
use costmodel::{TableSet, TechTables};

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
