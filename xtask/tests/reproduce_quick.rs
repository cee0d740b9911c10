//! `cargo xtask reproduce` writes every figure's files (summary, report,
//! manifest, Fig. 1's figures and data), and the `summary.json` it writes is
//! the library's, inside the goldens that `experiments::golden` holds.
//!
//! The numbers themselves, their thread independence and re-blessing are
//! tested in `crates/experiments/tests/golden_quick.rs`, which runs every
//! figure at the quick scale. Here Fig. 1 and Fig. 4 run at the quick scale
//! and are compared with the goldens; Fig. 2 and Fig. 3 (the slowest at the
//! quick scale, written by the same code path) run from a smaller preset,
//! only to check the files written.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use experiments::golden::{self, Golden};
use experiments::{Figure, preset};
use serde_json::Value;
use xtask::args::RunArgs;
use xtask::reproduce::{ReproduceOptions, run_figure};

fn summary(dir: &Path, figure: &str) -> BTreeMap<String, Value> {
    let text = fs::read_to_string(dir.join(figure).join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn options(out: &Path, preset: Option<PathBuf>) -> ReproduceOptions {
    ReproduceOptions {
        preset,
        run: RunArgs {
            quick: true,
            out: Some(out.to_path_buf()),
            ..RunArgs::default()
        },
        ..ReproduceOptions::default()
    }
}

fn assert_wrote_the_files(dir: &Path, figure: Figure) {
    for file in ["summary.json", "report.md", "manifest.json"] {
        assert!(
            dir.join(figure.name()).join(file).is_file(),
            "{} wrote no {file}",
            figure.name()
        );
    }
}

/// The figure's preset with its `[quick]` values replaced by smaller ones;
/// every value replaced must be present, so a changed preset fails here
/// rather than silently running at the full quick scale.
fn smaller_preset(dir: &Path, figure: Figure, replace: &[(&str, &str)]) -> PathBuf {
    let text = fs::read_to_string(preset::default_path(figure.name())).unwrap();
    let at = text.find("[quick").expect("the preset has a [quick] table");
    let (full, mut quick) = (&text[..at], text[at..].to_owned());
    for (from, to) in replace {
        assert!(
            quick.contains(from),
            "{}: no `{from}` in [quick]",
            figure.name()
        );
        quick = quick.replace(from, to);
    }
    let path = dir.join(format!("{}-smaller.toml", figure.name()));
    fs::write(&path, format!("{full}{quick}")).unwrap();
    path
}

#[test]
fn quick_reproductions_write_their_files_and_their_summaries_match_the_goldens() {
    let dir = tempfile::tempdir().unwrap();
    let mut current = Golden::new();
    for f in [Figure::Fig1, Figure::Fig4] {
        run_figure(f, &options(dir.path(), None))
            .unwrap_or_else(|e| panic!("{} failed: {e:#}", f.name()));
        assert_wrote_the_files(dir.path(), f);
        current.insert(f.name().to_owned(), summary(dir.path(), f.name()));
    }
    for stem in ["conductance_map", "read_traces", "breakdown_voltage"] {
        for ext in ["png", "svg", "csv"] {
            let f = dir.path().join("fig1").join(format!("{stem}.{ext}"));
            assert!(f.is_file(), "{} missing", f.display());
        }
    }

    let mut goldens = golden::load_quick().unwrap();
    goldens.retain(|figure, _| current.contains_key(figure));
    assert_eq!(goldens.len(), 2, "the goldens lack fig1 or fig4");
    let failures = golden::compare(&goldens, &current);
    assert!(
        failures.is_empty(),
        "the written summaries depart from the goldens:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_supervised_figures_write_their_files_from_a_smaller_preset() {
    let dir = tempfile::tempdir().unwrap();
    let fig2 = smaller_preset(
        dir.path(),
        Figure::Fig2,
        &[
            ("train_per_class = 40", "train_per_class = 12"),
            ("test_per_class = 20", "test_per_class = 5"),
            ("epochs = 30", "epochs = 3"),
            ("tsne_samples = 150", "tsne_samples = 40"),
            ("epochs = 10", "epochs = 1"),
        ],
    );
    let fig3 = smaller_preset(
        dir.path(),
        Figure::Fig3,
        &[
            ("train_per_class = 30", "train_per_class = 12"),
            ("test_per_class = 12", "test_per_class = 5"),
            ("epochs = 40", "epochs = 3"),
            ("tsne_samples = 120", "tsne_samples = 40"),
            ("epochs = 10", "epochs = 1"),
        ],
    );
    for (f, preset) in [(Figure::Fig2, fig2), (Figure::Fig3, fig3)] {
        run_figure(f, &options(dir.path(), Some(preset)))
            .unwrap_or_else(|e| panic!("{} failed: {e:#}", f.name()));
        assert_wrote_the_files(dir.path(), f);
        let s = summary(dir.path(), f.name());
        let accuracy = s["test_accuracy_software"].as_f64().unwrap();
        assert!(
            (0.0..=100.0).contains(&accuracy),
            "{}: test accuracy {accuracy}",
            f.name()
        );
    }
}
