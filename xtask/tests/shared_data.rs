//! A quick emulated reproduction on the real plain data in `../shared/data`
//! (MNIST test digits through the DVS emulator, FSDD recordings through the
//! cochlea emulator). The data sit beside the repository in development and
//! CI, not in a user's clone: run with `--features shared-data`.
#![cfg(feature = "shared-data")]
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use experiments::Figure;
use serde_json::Value;
use xtask::args::{DataArgs, RunArgs};
use xtask::reproduce::{ReproduceOptions, run_figure};

fn shared(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")).join(path)
}

#[test]
fn shared_data_quick_emulated_reproduction_learns_both_modalities() {
    let dir = tempfile::tempdir().unwrap();
    let options = ReproduceOptions {
        run: RunArgs {
            quick: true,
            data: DataArgs {
                mnist_idx: Some(shared("mnist")),
                speech_wav: Some(shared("fsdd/recordings")),
                ..DataArgs::default()
            },
            out: Some(dir.path().to_path_buf()),
            ..RunArgs::default()
        },
        ..ReproduceOptions::default()
    };
    let mut s: BTreeMap<&str, BTreeMap<String, Value>> = BTreeMap::new();
    for f in [Figure::Fig2, Figure::Fig3, Figure::Fig4] {
        run_figure(f, &options).unwrap_or_else(|e| panic!("{}: {e:#}", f.name()));
        let text = std::fs::read_to_string(dir.path().join(f.name()).join("summary.json")).unwrap();
        s.insert(f.name(), serde_json::from_str(&text).unwrap());
    }
    let num = |f: &str, k: &str| {
        s[f][k]
            .as_f64()
            .unwrap_or_else(|| panic!("{f}.{k} missing"))
    };
    assert_eq!(s["fig2"]["data_source"], "emulated");
    // Quick scale: 40 training and 20 test digits per class, 30 readout
    // epochs. Chance is 10 % for the 10 digits; measured 34.5 % (software)
    // and 26 % (hardware) with seed 10: require clearly above chance.
    assert!(num("fig2", "test_accuracy_software") > 20.0);
    assert!(num("fig2", "test_accuracy_hardware") > 17.0);
    // FSDD: 10 spoken digits (tonic labels 1-10), 30 training and 12 test
    // recordings per class; chance 10 %; measured 55.8 % / 45.8 %.
    assert!(num("fig3", "test_accuracy_software") > 30.0);
    assert!(num("fig3", "test_accuracy_hardware") > 25.0);
    // Zero-shot: seen retrieval among 7 digits (chance 14.3 %); measured
    // 78.1 % (software) and 71.4 % (hardware).
    assert!(num("fig4", "a2i_seen_software") > 35.0);
    assert!(num("fig4", "a2i_seen_hardware") > 35.0);
}
