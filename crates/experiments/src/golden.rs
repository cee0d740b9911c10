//! Golden numbers: what the `--quick` reproductions must give.
//!
//! `golden/quick.json` (beside this crate's `Cargo.toml`) holds, per figure,
//! every number of its `summary.json` at the quick scale of the shipped
//! presets. [`compare`] checks a run against it with [`tolerance`]: the
//! quick runs are bit-reproducible on one machine, but other platforms'
//! floating-point libraries (`exp`, `ln`, `tanh`) may flip a few spikes, and
//! with them a few samples.
//!
//! Re-bless deliberately, never silently: `BLESS=1 cargo test -p experiments
//! --test golden_quick` rewrites the file from the current run; review the
//! diff and say in the commit why the numbers moved.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::error::{Context, Result};
use crate::{Figure, Summary};

/// Per figure name, the golden summary.
pub type Golden = BTreeMap<String, BTreeMap<String, Value>>;

/// The figures the goldens cover, in order.
pub const FIGURES: [Figure; 4] = [Figure::Fig1, Figure::Fig2, Figure::Fig3, Figure::Fig4];

/// Where the quick goldens live.
pub fn quick_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden/quick.json")
}

/// Reads the quick goldens.
pub fn load_quick() -> Result<Golden> {
    let path = quick_path();
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the goldens {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a golden file (figure -> key -> value)",
            path.display()
        )
    })
}

/// Writes `current` as the quick goldens (re-blessing).
pub fn bless_quick(current: &Golden) -> Result<()> {
    let text = serde_json::to_string_pretty(current)? + "\n";
    crate::output::write_atomic(&quick_path(), text.as_bytes())
}

/// A golden file's entry for one run's summary.
pub fn entry(summary: &Summary) -> BTreeMap<String, Value> {
    summary.0.clone()
}

/// How far a golden number may move: p-values anywhere in [0, 1], kernel
/// ranks by 2, spectral radii and separation ratios by 5 %,
/// differences of accuracies by 6 points, cross-validated `C` by one grid
/// step, accuracies and retrieval scores (percent) by 3 points, rates, fractions, energies, conductances and event
/// counts per sample by 5 %; counts and analytic numbers must match exactly.
pub fn tolerance(key: &str, value: f64) -> f64 {
    if key.contains("mcnemar_p") {
        // A p-value swings with a handful of flipped test samples.
        1.0
    } else if key.starts_with("kernel_rank") {
        // A singular value near the cut-off may cross it.
        2.0
    } else if key.starts_with("spectral_radius") || key.starts_with("separation_ratio") {
        0.05 * value.abs() + 1e-9
    } else if key.ends_with("_points") {
        // A difference of two accuracies.
        6.0
    } else if key.ends_with("_c") {
        // A cross-validated strength may move one grid step (x10).
        9.0 * value.abs()
    } else if key.contains("accuracy")
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

/// Every way `current` departs from `golden`, one line each (empty: it
/// matches): a figure or key missing from the run, a number outside its
/// tolerance, or a non-number that differs.
pub fn compare(golden: &Golden, current: &Golden) -> Vec<String> {
    let mut failures = Vec::new();
    for (figure, keys) in golden {
        let Some(got) = current.get(figure) else {
            failures.push(format!("no summary for {figure}"));
            continue;
        };
        for (key, want) in keys {
            let have = got.get(key);
            match (want.as_f64(), have.and_then(Value::as_f64)) {
                (Some(w), Some(h)) => {
                    let tol = tolerance(key, w);
                    if (w - h).abs() > tol {
                        failures.push(format!("{figure}.{key}: {h} outside {w} +- {tol}"));
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
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn golden(v: Value) -> Golden {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn compare_names_every_departure_and_accepts_the_tolerance() {
        let g =
            golden(json!({"fig2": {"test_accuracy_software": 60.0, "n_test": 100, "preset": "a"}}));
        let ok =
            golden(json!({"fig2": {"test_accuracy_software": 62.9, "n_test": 100, "preset": "a"}}));
        assert!(compare(&g, &ok).is_empty());
        let bad = golden(json!({"fig2": {"test_accuracy_software": 63.1, "n_test": 101}}));
        let f = compare(&g, &bad);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(f[0].starts_with("fig2.n_test: 101 outside 100"), "{f:?}");
        assert!(f[1].starts_with("fig2.preset: None"), "{f:?}");
        assert!(
            f[2].starts_with("fig2.test_accuracy_software: 63.1"),
            "{f:?}"
        );
        assert_eq!(compare(&g, &golden(json!({}))), vec!["no summary for fig2"]);
    }

    #[test]
    fn the_shipped_goldens_cover_every_figure() {
        let g = load_quick().unwrap();
        for f in FIGURES {
            assert!(!g[f.name()].is_empty(), "{} has no goldens", f.name());
        }
    }
}
