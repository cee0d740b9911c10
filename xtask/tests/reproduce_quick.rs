//! `cargo xtask reproduce all --quick` runs in the test suite: every figure
//! writes its files, the summary numbers sit inside the golden ranges of
//! `tests/golden/quick.json`, and a rerun with another number of threads
//! gives a byte-identical `summary.json`.
//!
//! Re-bless the golden values deliberately, never silently:
//! `BLESS=1 cargo test -p xtask --test reproduce_quick` rewrites
//! `tests/golden/quick.json` from the current run (then review the diff).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use experiments::Figure;
use serde_json::Value;
use xtask::args::RunArgs;
use xtask::reproduce::{ReproduceOptions, run_figure};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/quick.json");

/// Tolerance of a golden number: accuracies (percent) may move by a few
/// points between platforms (floating-point library differences flip a few
/// spikes and samples), rates and energies by a few percent; counts and
/// analytic numbers must match exactly.
fn tolerance(key: &str, value: f64) -> f64 {
    if key.contains("accuracy")
        || key.starts_with("a2i_")
        || key.starts_with("i2a_")
        || key.contains("f1")
    {
        3.0
    } else if key.contains("rate")
        || key.contains("fraction")
        || key.contains("energy")
        || key.contains("_us")
        || key.contains("weight_")
        || key.contains("events_per")
    {
        0.05 * value.abs() + 1e-9
    } else {
        0.0
    }
}

fn summary(dir: &Path, figure: &str) -> BTreeMap<String, Value> {
    let text = fs::read_to_string(dir.join(figure).join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn quick_reproduction_of_every_figure_is_inside_the_golden_ranges_and_thread_independent() {
    let dir = tempfile::tempdir().unwrap();
    let options = ReproduceOptions {
        run: RunArgs {
            quick: true,
            out: Some(dir.path().to_path_buf()),
            ..RunArgs::default()
        },
        ..ReproduceOptions::default()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let figures = [Figure::Fig1, Figure::Fig2, Figure::Fig3, Figure::Fig4];
    let mut current: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for f in figures {
        run_figure(f, &options).unwrap_or_else(|e| panic!("{} failed: {e:#}", f.name()));
        for file in ["summary.json", "report.md", "manifest.json"] {
            assert!(
                dir.path().join(f.name()).join(file).is_file(),
                "{} wrote no {file}",
                f.name()
            );
        }
        current.insert(f.name().to_owned(), summary(dir.path(), f.name()));
    }
    for stem in ["conductance_map", "read_traces", "breakdown_voltage"] {
        for ext in ["png", "svg", "csv"] {
            let f = dir.path().join("fig1").join(format!("{stem}.{ext}"));
            assert!(f.is_file(), "{} missing", f.display());
        }
    }

    // Thread independence: Fig. 2 again on one thread, byte-identical summary.
    let other = tempfile::tempdir().unwrap();
    let mut options1 = options.clone();
    options1.run.out = Some(other.path().to_path_buf());
    one.install(|| run_figure(Figure::Fig2, &options1)).unwrap();
    assert_eq!(
        fs::read(dir.path().join("fig2/summary.json")).unwrap(),
        fs::read(other.path().join("fig2/summary.json")).unwrap(),
        "fig2 --quick differs between the default pool and one thread"
    );

    if std::env::var_os("BLESS").is_some() {
        fs::write(
            GOLDEN,
            serde_json::to_string_pretty(&current).unwrap() + "\n",
        )
        .unwrap();
        return;
    }
    let golden: BTreeMap<String, BTreeMap<String, Value>> = serde_json::from_str(
        &fs::read_to_string(GOLDEN).expect("tests/golden/quick.json (bless with BLESS=1)"),
    )
    .unwrap();
    let mut failures = Vec::new();
    for (figure, keys) in &golden {
        let got = current
            .get(figure)
            .unwrap_or_else(|| panic!("no summary for {figure}"));
        for (key, want) in keys {
            let have = got.get(key);
            match (want.as_f64(), have.and_then(Value::as_f64)) {
                (Some(w), Some(h)) => {
                    if (w - h).abs() > tolerance(key, w) {
                        failures.push(format!(
                            "{figure}.{key}: {h} outside {w} +- {}",
                            tolerance(key, w)
                        ));
                    }
                }
                _ => {
                    if have != Some(want) {
                        failures.push(format!("{figure}.{key}: {have:?} != {want}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches (re-bless deliberately with BLESS=1):\n{}",
        failures.join("\n")
    );

    // Beyond the goldens: the quick runs learn something.
    let f2 = &current["fig2"];
    assert!(
        f2["test_accuracy_software"].as_f64().unwrap() > 20.0,
        "fig2 software accuracy at chance"
    );
    let f4 = &current["fig4"];
    assert!(
        f4["a2i_unseen_software"].as_f64().unwrap() > 55.0,
        "fig4 unseen retrieval at chance (50 %)"
    );
}
