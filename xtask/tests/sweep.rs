//! `cargo xtask sweep` and `sweep-merge` end to end: shards merged equal the
//! unsharded run bit for bit, a resumed sweep equals an uninterrupted one,
//! unknown field paths are errors naming the path, mismatched or missing
//! shards are refused, the quick versions of the committed paper studies
//! run, and docs/sweeps.md's worked example and flags match the code.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use xtask::args::RunArgs;
use xtask::sweep::spec::{self, PlanOptions};
use xtask::sweep::store::ResultFile;
use xtask::sweep::{SweepArgs, SweepMergeArgs, merge_into, run_sweep};

/// A small grid: 2 thresholds x 2 learning rates (a readout-only axis),
/// 2 repeats, both backends, tiny synthetic data: 8 runs.
const SMALL: &str = r#"
name = "small"
base = "fig2"
quick = true
repeats = 2
metrics = ["test_accuracy", "mean_rate", "input_events_per_sample"]

[set]
"limits.train_per_class" = 5
"limits.test_per_class" = 3
"classifier.epochs" = 4

[[axes]]
path = "reservoir.neuron.v_th"
values = [3.0, 5.0]

[[axes]]
path = "classifier.optimizer.lr"
values = [1e-4, 1e-3]
"#;

fn write_spec(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn args(spec: &Path, out: &Path) -> SweepArgs {
    SweepArgs {
        spec: spec.to_owned(),
        run: RunArgs {
            out: Some(out.to_owned()),
            ..RunArgs::default()
        },
        ..SweepArgs::default()
    }
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn bytes(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn shards_merged_and_resumed_sweeps_equal_the_unsharded_run_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "small", SMALL);

    // The reference: unsharded, two threads.
    let whole = tmp.path().join("whole");
    let o = in_pool(2, || run_sweep(&args(&spec, &whole))).unwrap();
    assert_eq!((o.runs, o.skipped, o.failed), (8, 0, 0));
    let reference = ResultFile::read(&whole.join("results.json")).unwrap();
    assert_eq!(reference.rows.len(), 8);
    assert!(
        reference
            .rows
            .iter()
            .all(|r| r.metrics.iter().all(Option::is_some))
    );
    // A readout-only axis reuses the features: equal firing rates, per repeat.
    let rate = |run: usize| reference.rows[run].metrics[2];
    assert_eq!(rate(0), rate(2), "lr must not change the reservoir");
    assert_ne!(rate(0), rate(4), "v_th changes the reservoir");
    // Common random numbers: repeat r has the same seed at every point.
    assert_eq!(reference.rows[0].seed, reference.rows[6].seed);
    assert_ne!(reference.rows[0].seed, reference.rows[1].seed);

    // Three shards on one thread each, merged.
    let sharded = tmp.path().join("sharded");
    for k in 0..3 {
        let a = SweepArgs {
            shard: Some(format!("{k}/3")),
            ..args(&spec, &sharded)
        };
        let o = in_pool(1, || run_sweep(&a)).unwrap();
        assert_eq!(o.runs, if k < 2 { 3 } else { 2 });
    }
    merge_into(&SweepMergeArgs {
        inputs: vec![sharded.clone()],
        out: None,
    })
    .unwrap();
    assert_eq!(
        bytes(&sharded, "results.json"),
        bytes(&whole, "results.json")
    );
    assert_eq!(bytes(&sharded, "results.csv"), bytes(&whole, "results.csv"));
    assert_eq!(bytes(&sharded, "summary.csv"), bytes(&whole, "summary.csv"));

    // Interrupted after some runs (simulated by deleting rows), then rerun.
    let resumed = tmp.path().join("resumed");
    std::fs::create_dir_all(&resumed).unwrap();
    let mut partial = reference.clone();
    partial.rows.retain(|r| r.run % 3 == 1);
    partial.write(&resumed, "results").unwrap();
    let o = in_pool(2, || run_sweep(&args(&spec, &resumed))).unwrap();
    assert_eq!((o.runs, o.skipped), (8, 3));
    assert_eq!(
        bytes(&resumed, "results.json"),
        bytes(&whole, "results.json")
    );
    assert_eq!(bytes(&resumed, "results.csv"), bytes(&whole, "results.csv"));

    // A shard run first, then the whole sweep in the same directory: the
    // shard's runs are taken over, the rest is run.
    let mixed = tmp.path().join("mixed");
    let a = SweepArgs {
        shard: Some("1/2".into()),
        ..args(&spec, &mixed)
    };
    in_pool(2, || run_sweep(&a)).unwrap();
    let o = in_pool(2, || run_sweep(&args(&spec, &mixed))).unwrap();
    assert_eq!(o.skipped, 4);
    assert_eq!(bytes(&mixed, "results.json"), bytes(&whole, "results.json"));

    // A complete directory reruns nothing.
    let o = in_pool(2, || run_sweep(&args(&spec, &whole))).unwrap();
    assert_eq!((o.runs, o.skipped), (8, 8));
    assert_eq!(
        ResultFile::read(&whole.join("results.json")).unwrap(),
        reference
    );
    // Figures and the report exist: heat maps for two axes.
    for f in [
        "report.md",
        "test_accuracy_software.png",
        "mean_rate_hardware.svg",
    ] {
        assert!(whole.join(f).is_file(), "{f}");
    }
}

#[test]
fn merge_refuses_mismatched_specs_missing_and_incomplete_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = write_spec(tmp.path(), "small", SMALL);
    let other = write_spec(
        tmp.path(),
        "other",
        &SMALL.replace("values = [3.0, 5.0]", "values = [3.0, 6.0]"),
    );
    let dir = tmp.path().join("shards");
    let shard = |s: &Path, k: usize, out: &Path| {
        let a = SweepArgs {
            shard: Some(format!("{k}/2")),
            ..args(s, out)
        };
        in_pool(2, || run_sweep(&a)).unwrap();
    };
    shard(&spec, 0, &dir);
    let merge = |inputs: Vec<PathBuf>| {
        merge_into(&SweepMergeArgs {
            inputs,
            out: Some(tmp.path().join("merged")),
        })
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    let err = merge(vec![dir.clone()]);
    assert!(err.contains("missing shard(s) 1 of 2"), "{err}");
    // Shard 1 of another spec.
    let odir = tmp.path().join("other");
    shard(&other, 1, &odir);
    let err = merge(vec![
        dir.join("shard-0-of-2.json"),
        odir.join("shard-1-of-2.json"),
    ]);
    assert!(err.contains("different specs"), "{err}");
    // An incomplete shard (a run deleted).
    shard(&spec, 1, &dir);
    let path = dir.join("shard-1-of-2.json");
    let mut f = ResultFile::read(&path).unwrap();
    f.rows.pop();
    f.write(&dir, "shard-1-of-2").unwrap();
    let err = merge(vec![dir.clone()]);
    assert!(
        err.contains("shard 1/2") && err.contains("incomplete"),
        "{err}"
    );
    // The results of one spec are not overwritten by another's.
    let err = in_pool(2, || {
        run_sweep(&SweepArgs {
            shard: Some("1/2".into()),
            ..args(&other, &dir)
        })
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("another spec"), "{err}");
}

#[test]
fn unknown_field_paths_are_errors_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases = [
        (
            SMALL.replace("reservoir.neuron.v_th", "reservoir.neuron.vth"),
            "reservoir.neuron.vth",
        ),
        (
            SMALL.replace("\"classifier.epochs\"", "\"classifier.epoch\""),
            "classifier.epoch",
        ),
        (
            format!("{SMALL}\n[derived]\n\"reservoir.n_in\" = \"binning.crops.0 * 2\"\n"),
            "binning.crops.0",
        ),
        (
            SMALL.replace("\"input_events_per_sample\"", "\"input_events\""),
            "unknown metric `input_events`",
        ),
        (
            SMALL.replace("repeats = 2", "repeats = 2\nrepeat = 3"),
            "unknown field `repeat`",
        ),
    ];
    for (k, (text, needle)) in cases.iter().enumerate() {
        let spec = write_spec(tmp.path(), &format!("bad{k}"), text);
        let err = run_sweep(&args(&spec, &out)).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(needle), "case {k}: {msg}");
    }
    assert!(!out.join("results.json").exists());
}

fn quick_study(name: &str) -> ResultFile {
    let tmp = tempfile::tempdir().unwrap();
    let spec = xtask::workspace_root().join(format!("data/sweeps/{name}.toml"));
    let out = tmp.path().join(name);
    let mut a = args(&spec, &out);
    a.run.quick = true;
    let o = run_sweep(&a).unwrap();
    assert_eq!(o.failed, 0, "{name}");
    assert!(out.join("report.md").is_file());
    assert!(out.join("test_accuracy.png").is_file());
    ResultFile::read(&out.join("results.json")).unwrap()
}

fn column(f: &ResultFile, name: &str) -> usize {
    f.columns.iter().position(|c| c == name).unwrap()
}

fn at(f: &ResultFile, varied: &str, c: usize) -> Option<f64> {
    f.rows
        .iter()
        .find(|r| r.varied.as_deref() == Some(varied))
        .unwrap()
        .metrics[c]
}

#[test]
fn quick_noise_robustness_study_runs() {
    let f = quick_study("noise-robustness");
    let base = f.rows.iter().find(|r| r.varied.is_none()).unwrap();
    let events = column(&f, "input_events_per_sample");
    let sw = column(&f, "test_accuracy_software");
    let hw = column(&f, "test_accuracy_hardware");
    let e0 = base.metrics[events].unwrap();
    // Dropping half the events removes fewer than half of the active
    // (channel, step) cells (several events share a cell) but some;
    // spurious events add some.
    let dropped = at(&f, "drop", events).unwrap();
    assert!(dropped < e0 && dropped > 0.4 * e0, "{dropped} vs {e0}");
    assert!(at(&f, "spurious", events).unwrap() > e0);
    // Chip-only axes run the hardware backend alone.
    for axis in ["read_noise_us", "adc_bits", "wire_ohm"] {
        assert_eq!(at(&f, axis, sw), None, "{axis}");
        assert!(at(&f, axis, hw).is_some(), "{axis}");
    }
    assert!(at(&f, "stuck", sw).is_some());
    for r in &f.rows {
        for x in r.metrics.iter().flatten() {
            assert!(x.is_finite());
        }
    }
}

#[test]
fn quick_lsm_hyperparameter_study_runs() {
    let f = quick_study("lsm-hyperparameters");
    let rate = column(&f, "mean_rate_software");
    let hw = column(&f, "test_accuracy_hardware");
    // A lower threshold fires more (same inputs, same weights).
    let base = f.rows.iter().find(|r| r.varied.is_none()).unwrap();
    assert!(at(&f, "v_th", rate).unwrap() > base.metrics[rate].unwrap());
    // 800 neurons and 34 x 34 inputs run on the hardware backend too
    // (grown array), so every point has a hardware accuracy.
    assert!(f.rows.iter().all(|r| r.metrics[hw].is_some()));
    let crops: Vec<&serde_json::Value> = f
        .rows
        .iter()
        .filter(|r| r.varied.as_deref() == Some("crop"))
        .map(|r| &r.values[4])
        .collect();
    assert_eq!(crops, [&serde_json::json!(8), &serde_json::json!(34)]);
}

#[test]
fn quick_reservoir_tuning_study_records_controls_readouts_and_analysis() {
    let f = quick_study("reservoir-tuning");
    let base = f.rows.iter().find(|r| r.varied.is_none()).unwrap();
    let col = |name: &str| column(&f, name);
    let (b, t) = (
        col("control_input_time_bins_cv_accuracy"),
        col("control_input_totals_test_accuracy"),
    );
    // The controls read the rasters only: the gain point shares the base
    // point's rasters and controls, the pooled point has its own.
    assert_eq!(at(&f, "gain", b), base.metrics[b]);
    assert_eq!(at(&f, "gain", t), base.metrics[t]);
    assert_ne!(at(&f, "pool", t), base.metrics[t]);
    // The gain scales the drive, not the weights: same spectral radius,
    // more spikes.
    let radius = col("spectral_radius_software");
    assert_eq!(at(&f, "gain", radius), base.metrics[radius]);
    let rate = col("mean_rate_software");
    assert!(at(&f, "gain", rate).unwrap() > base.metrics[rate].unwrap());
    // The kernel rank is at most the neurons and the samples measured.
    let rank = col("kernel_rank_software");
    let samples: f64 = 10.0 * 10.0; // 10 test samples per class
    for r in &f.rows {
        let k = r.metrics[rank].unwrap();
        assert!(k >= 1.0 && k <= samples.min(200.0), "{k}");
        for name in [
            "convex_cv_accuracy_software",
            "convex_time_bins_test_accuracy_software",
            "control_input_totals_cv_accuracy",
        ] {
            let x = r.metrics[col(name)].unwrap();
            assert!((0.0..=100.0).contains(&x), "{name} {x}");
        }
    }
}

fn sweeps_doc() -> String {
    std::fs::read_to_string(xtask::workspace_root().join("docs/sweeps.md")).unwrap()
}

#[test]
fn the_documented_example_spec_resolves_to_the_documented_plan() {
    // The worked example of docs/sweeps.md: the first ```toml block that
    // names the sweep `adc-read-noise`. The doc says 24 points (4 x 6) and
    // 72 runs, and a geometric range from 0.035 to 1.12 by factor 2.
    let doc = sweeps_doc();
    let block = doc
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.contains("name = \"adc-read-noise\""))
        .expect("docs/sweeps.md has the worked example");
    let tmp = tempfile::tempdir().unwrap();
    let path = write_spec(tmp.path(), "adc-read-noise", block);
    let plan = spec::load(&path, &PlanOptions::default()).unwrap();
    assert_eq!((plan.points.len(), plan.runs()), (24, 72));
    assert_eq!(
        plan.axes[1].values,
        [0.035, 0.07, 0.14, 0.28, 0.56, 1.12].map(serde_json::Value::from)
    );
    assert!(plan.axes[1].log_x);
    assert_eq!(
        plan.columns,
        ["test_accuracy_hardware", "mean_rate_hardware"]
    );
    let quick = spec::load(
        &path,
        &PlanOptions {
            quick: true,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    assert_eq!(quick.runs(), 24);
    assert_ne!(quick.hash, plan.hash);
}

#[test]
fn every_documented_sweep_flag_exists() {
    use clap::Args as _;
    let long_names = |cmd: clap::Command| -> Vec<String> {
        cmd.get_arguments()
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .filter(|l| l != "--help")
            .collect()
    };
    let sweep = long_names(SweepArgs::augment_args(clap::Command::new("sweep")));
    let merge = long_names(SweepMergeArgs::augment_args(clap::Command::new("merge")));
    let doc = sweeps_doc();
    // The flag table of "Command line": rows starting with "| `--".
    let documented: Vec<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `--"))
        .map(|l| format!("--{}", l.split([' ', '`']).next().unwrap()))
        .collect();
    assert_eq!(documented.len(), sweep.len(), "{documented:?} vs {sweep:?}");
    for f in &documented {
        assert!(
            sweep.contains(f),
            "docs/sweeps.md documents {f}, not a sweep flag"
        );
    }
    // Every `--flag` mentioned anywhere in the doc is a flag of sweep or
    // sweep-merge, `--help`, or another tool's: cargo's, sbatch's, kubectl's.
    let foreign = [
        "--help",
        "--release",
        "--array",
        "--cpus-per-task",
        "--job-name",
        "--mem",
        "--output",
        "--time",
        "--parsable",
        "--dependency",
        "--for",
        "--timeout",
    ];
    for word in doc.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        if word.starts_with("--") && word[2..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            assert!(
                sweep.iter().chain(&merge).any(|f| f == word) || foreign.contains(&word),
                "docs/sweeps.md mentions {word}, which neither command has"
            );
        }
    }
}
