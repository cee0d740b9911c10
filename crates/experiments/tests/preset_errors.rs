//! A bad value in a preset is reported with the preset's file, its table
//! and its key, before any work starts.
#![allow(clippy::unwrap_used)]

use experiments::{Figure, RunOptions, run_figure};

/// The committed preset of `figure` with `from` replaced by `to`, written to
/// a temporary file.
fn edited(figure: &str, from: &str, to: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let text = std::fs::read_to_string(experiments::preset::default_path(figure)).unwrap();
    assert!(
        text.contains(from),
        "{figure}.toml no longer holds `{from}`"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{figure}-edited.toml"));
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    (dir, path)
}

fn error_of(figure: Figure, preset: &std::path::Path) -> String {
    let options = RunOptions {
        preset: Some(preset.to_path_buf()),
        quick: true,
        ..RunOptions::default()
    };
    run_figure(figure, &options).unwrap_err().chain()
}

#[test]
fn a_negative_decay_names_the_preset_file_table_and_key() {
    let (_dir, path) = edited("fig2", "decay = 0.9", "decay = -0.5");
    let err = error_of(Figure::Fig2, &path);
    assert!(err.contains("fig2-edited.toml"), "{err}");
    assert!(
        err.contains("[reservoir]") && err.contains("neuron.decay"),
        "{err}"
    );
    assert!(err.contains("-0.5"), "{err}");
}

#[test]
fn a_zero_patience_and_an_unknown_stopping_rule_are_named() {
    let (_dir, path) = edited("fig3", "patience = 5", "patience = 0");
    let err = error_of(Figure::Fig3, &path);
    assert!(
        err.contains("fig3-edited.toml") && err.contains("baselines.patience"),
        "{err}"
    );
    let (_dir, path) = edited("fig2", "stopping = \"early\"", "stopping = \"never\"");
    let err = error_of(Figure::Fig2, &path);
    assert!(
        err.contains("fig2-edited.toml") && err.contains("never"),
        "{err}"
    );
}
