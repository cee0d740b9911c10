//! `cargo xtask reproduce` writes every figure's files (summary, report,
//! manifest, Fig. 1's figures and data), and the `summary.json` it writes is
//! the library's.
//!
//! The numbers themselves, their thread independence and re-blessing are
//! tested in `crates/experiments/tests/golden_quick.rs`, which runs every
//! figure at the quick scale. Here Fig. 1 (a fraction of a second) runs at
//! the quick scale and is compared with the goldens; Fig. 2, 3 and 4, written
//! by the same code path, run from a smaller preset
//! ([`experiments::preset::smaller_quick`]), only to check the files written.
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

/// The figure's preset at a still smaller quick scale: `per_class`
/// training and test samples per class in the data source and limits, and
/// `extra` replacements.
fn smaller_preset(
    dir: &Path,
    figure: Figure,
    per_class: (i64, i64),
    extra: &[(&str, i64)],
) -> PathBuf {
    let (train, test) = per_class;
    let mut replace: Vec<(&str, toml::Value)> = vec![
        ("data.source.train_per_class", train.into()),
        ("data.source.test_per_class", test.into()),
    ];
    replace.extend(extra.iter().map(|&(k, v)| (k, v.into())));
    let path = dir.join(format!("{}-smaller.toml", figure.name()));
    preset::smaller_quick(figure.name(), &replace, &path).unwrap();
    path
}

#[test]
fn the_quick_fig1_writes_its_files_and_its_summary_matches_the_golden() {
    let dir = tempfile::tempdir().unwrap();
    let mut current = Golden::new();
    run_figure(Figure::Fig1, &options(dir.path(), None)).unwrap();
    assert_wrote_the_files(dir.path(), Figure::Fig1);
    current.insert("fig1".to_owned(), summary(dir.path(), "fig1"));
    for stem in ["conductance_map", "read_traces", "breakdown_voltage"] {
        for ext in ["png", "svg", "csv"] {
            let f = dir.path().join("fig1").join(format!("{stem}.{ext}"));
            assert!(f.is_file(), "{} missing", f.display());
        }
    }

    let mut goldens = golden::load_quick().unwrap();
    goldens.retain(|figure, _| current.contains_key(figure));
    assert_eq!(goldens.len(), 1, "the goldens lack fig1");
    let failures = golden::compare(&goldens, &current);
    assert!(
        failures.is_empty(),
        "the written summaries depart from the goldens:\n{}",
        failures.join("\n")
    );
}

/// The replacements of Fig. 2 and Fig. 3 beyond the data source.
const SUPERVISED_SMALLER: &[(&str, i64)] = &[
    ("limits.train_per_class", 8),
    ("limits.test_per_class", 4),
    ("classifier.epochs", 3),
    ("panels.tsne_samples", 30),
    ("baselines.epochs", 1),
];

#[test]
fn figures_2_to_4_write_their_files_from_a_smaller_preset() {
    let dir = tempfile::tempdir().unwrap();
    let fig2 = smaller_preset(dir.path(), Figure::Fig2, (8, 4), SUPERVISED_SMALLER);
    let fig3 = smaller_preset(dir.path(), Figure::Fig3, (8, 4), SUPERVISED_SMALLER);
    let fig4 = smaller_preset(
        dir.path(),
        Figure::Fig4,
        (10, 6),
        &[
            ("protocol.train_per_class", 10),
            ("protocol.test_per_class", 6),
            ("contrastive.epochs", 3),
            ("protonet.epochs", 1),
            ("panels.tsne_samples", 30),
            ("srnn_clip.epochs", 1),
        ],
    );
    for (f, preset, key) in [
        (Figure::Fig2, fig2, "test_accuracy_software"),
        (Figure::Fig3, fig3, "test_accuracy_software"),
        (Figure::Fig4, fig4, "a2i_unseen_software"),
    ] {
        run_figure(f, &options(dir.path(), Some(preset)))
            .unwrap_or_else(|e| panic!("{} failed: {e:#}", f.name()));
        assert_wrote_the_files(dir.path(), f);
        let s = summary(dir.path(), f.name());
        let accuracy = s[key].as_f64().unwrap();
        assert!(
            (0.0..=100.0).contains(&accuracy),
            "{}: {key} {accuracy}",
            f.name()
        );
    }
}

#[test]
fn repeats_write_every_repeat_and_the_spread_of_the_headline_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let fig3 = smaller_preset(dir.path(), Figure::Fig3, (8, 4), SUPERVISED_SMALLER);
    let mut o = options(dir.path(), Some(fig3));
    o.repeats = 2;
    run_figure(Figure::Fig3, &o).unwrap();
    let s = summary(dir.path(), "fig3");
    let text = fs::read_to_string(dir.path().join("fig3/repeats.json")).unwrap();
    let repeats: Value = serde_json::from_str(&text).unwrap();
    let manifest = fs::read_to_string(dir.path().join("fig3/manifest.json")).unwrap();
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    let seed = manifest["seed"].as_u64().unwrap();
    assert_eq!(repeats["seeds"], serde_json::json!([seed, seed + 1]));
    assert_eq!(s["repeats"].as_u64(), Some(2));
    // The spread is computed from the two repeats' own summaries: other
    // seeds, other chips and splits, so the reservoirs differ.
    let key = "convex_software_test_accuracy";
    let each: Vec<f64> = repeats["summaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_f64().unwrap())
        .collect();
    assert_eq!(each.len(), 2);
    assert_eq!(
        each[0],
        s[key].as_f64().unwrap(),
        "repeat 0 is the run itself"
    );
    let mean = (each[0] + each[1]) / 2.0;
    let std = (each[0] - each[1]).abs() / std::f64::consts::SQRT_2;
    let close = |k: &str, want: f64| {
        let got = s[k].as_f64().unwrap_or_else(|| panic!("{k} missing"));
        assert!((got - want).abs() < 1e-9, "{k}: {got} vs {want}");
    };
    close(&format!("{key}_repeat_mean"), mean);
    close(&format!("{key}_repeat_std"), std);
    close(&format!("{key}_repeat_min"), each[0].min(each[1]));
    let rates: Vec<f64> = repeats["summaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["mean_rate_software"].as_f64().unwrap())
        .collect();
    assert_ne!(rates[0], rates[1], "the repeats ran the same reservoir");
    // The paper's number is placed inside or outside the spread.
    let verdict = s["test_accuracy_software_paper_in_spread"]
        .as_str()
        .unwrap();
    assert!(verdict == "inside" || verdict == "outside", "{verdict}");
    let report = fs::read_to_string(dir.path().join("fig3/report.md")).unwrap();
    assert!(report.contains("over 2 repeats"), "{report}");
}

#[test]
fn a_run_logs_to_a_file_and_a_failed_run_keeps_its_log_and_the_earlier_results() {
    xtask::init_logging();
    let dir = tempfile::tempdir().unwrap();
    let ok = xtask::reproduce::run_with(xtask::reproduce::Figure::Fig1, &options(dir.path(), None))
        .unwrap();
    assert_eq!(ok, std::process::ExitCode::SUCCESS);
    let log = fs::read_to_string(dir.path().join("reproduce.log")).unwrap();
    assert!(
        log.contains("programming scans"),
        "the log lacks the stages:\n{log}"
    );
    assert!(!dir.path().join(".reproduce.partial.log").exists());
    let before = fs::read(dir.path().join("fig1").join("summary.json")).unwrap();

    let missing = dir.path().join("no-such-preset.toml");
    let failed = xtask::reproduce::run_with(
        xtask::reproduce::Figure::Fig1,
        &options(dir.path(), Some(missing)),
    );
    assert_eq!(failed.unwrap(), std::process::ExitCode::FAILURE);
    let partial = fs::read_to_string(dir.path().join(".reproduce.partial.log")).unwrap();
    assert!(
        partial.contains("fig1: failed") && partial.contains("no-such-preset.toml"),
        "the partial log does not say what failed:\n{partial}"
    );
    let after = fs::read(dir.path().join("fig1").join("summary.json")).unwrap();
    assert_eq!(before, after, "a failed run changed the earlier results");
}
