//! Invariants of pricing and parsing over many generated cases.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use costmodel::{OpCounts, TableSet, TechTable, TechTables};
use proptest::prelude::*;

fn tables() -> TechTables {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/tech"));
    TechTables::load_set(&dir, TableSet::Literature).unwrap()
}

fn counts() -> impl Strategy<Value = OpCounts> {
    (
        prop::array::uniform16(0u64..1_000_000),
        prop::array::uniform8(0u64..1_000_000),
        0.0f64..10.0,
    )
        .prop_map(|(a, b, g)| OpCounts {
            mac_fp32: a[0],
            mac_fp16: a[1],
            mac_int8: a[2],
            mac_int16: a[3],
            add_fp32: a[4],
            add_fp16: a[5],
            add_int: a[6],
            mul_fp32: a[7],
            mul_fp16: a[8],
            compare: a[9],
            neuron_updates: a[10],
            input_spikes: a[11],
            recurrent_spikes: a[12],
            synaptic_events: a[13],
            sram_reads: a[14],
            sram_writes: a[15],
            dram_reads: b[0],
            dram_writes: b[1],
            row_drives: b[2],
            dac_conversions: b[3],
            adc_conversions: b[4],
            tia_activations: b[5],
            macro_cycles: b[6],
            cell_reads: b[7],
            cell_conductance_sum_s: g,
        })
}

fn close(a: f64, b: f64) -> bool {
    // Sums of up to ~25 products in f64: relative 1e-12 is far above rounding.
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-30)
}

#[test]
fn zero_work_costs_zero_energy() {
    let e = tables().price(&OpCounts::default());
    assert_eq!((e.digital_j, e.analogue_j), (0.0, 0.0));
}

proptest! {
    #[test]
    fn doubling_every_count_doubles_energy(c in counts()) {
        let t = tables();
        let (e1, e2) = (t.price(&c), t.price(&(c + c)));
        prop_assert!(close(e2.digital_j, 2.0 * e1.digital_j));
        prop_assert!(close(e2.analogue_j, 2.0 * e1.analogue_j));
        let s = t.price(&c.scaled(2.0));
        prop_assert!(close(s.total_j(), 2.0 * e1.total_j()));
    }

    #[test]
    fn energy_is_additive_and_non_negative(a in counts(), b in counts()) {
        let t = tables();
        let (ea, eb, eab) = (t.price(&a), t.price(&b), t.price(&(a + b)));
        prop_assert!(ea.digital_j >= 0.0 && ea.analogue_j >= 0.0);
        prop_assert!(close(eab.total_j(), ea.total_j() + eb.total_j()));
        // Events alone are never priced.
        prop_assert_eq!(t.price(&a.event_part()).total_j(), 0.0);
        prop_assert!(close(t.price(&a.digital_part()).total_j(), ea.digital_j));
    }

    #[test]
    fn table_parser_never_panics(text in "\\PC{0,400}") {
        let _ = TechTable::from_toml_str(&text, "fuzz.toml");
    }

    #[test]
    fn table_parser_never_panics_on_near_valid_tables(
        value in prop::num::f64::ANY,
        unit in "[a-zA-Z1]{0,4}",
    ) {
        let text = format!(
            "[table]\nname = \"x\"\nclass = \"analogue\"\n[entries.v_read]\nvalue = {value:?}\nunit = \"{unit}\"\nsource = \"s\"\n"
        );
        let _ = TechTable::from_toml_str(&text, "fuzz.toml");
        let _ = costmodel::units::parse_unit(&unit);
    }
}
