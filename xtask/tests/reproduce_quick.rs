//! `cargo xtask reproduce all --quick` runs in the test suite: every figure
//! writes its files (summary, report, manifest, Fig. 1's figures and data),
//! and the `summary.json` written is the library's, inside the goldens that
//! `experiments::golden` holds (the numbers themselves, their thread
//! independence and re-blessing are tested in
//! `crates/experiments/tests/golden_quick.rs`).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use experiments::golden::{self, FIGURES, Golden};
use serde_json::Value;
use xtask::args::RunArgs;
use xtask::reproduce::{ReproduceOptions, run_figure};

fn summary(dir: &Path, figure: &str) -> BTreeMap<String, Value> {
    let text = fs::read_to_string(dir.join(figure).join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn quick_reproduction_of_every_figure_writes_its_files_inside_the_golden_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let options = ReproduceOptions {
        run: RunArgs {
            quick: true,
            out: Some(dir.path().to_path_buf()),
            ..RunArgs::default()
        },
        ..ReproduceOptions::default()
    };
    let mut current = Golden::new();
    for f in FIGURES {
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

    let failures = golden::compare(&golden::load_quick().unwrap(), &current);
    assert!(
        failures.is_empty(),
        "the written summaries depart from the goldens:\n{}",
        failures.join("\n")
    );
}
