//! The paper report: training ratios beside the paper's, inference rows, and
//! the JSON keys `cargo xtask costs --json` prints.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use costmodel::paper::{Task, paper_report};
use costmodel::{CrossbarMapping, DigitalBaseline, TableSet, TechTables};

fn report() -> costmodel::paper::CostReport {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/tech"));
    let sets: Vec<_> = TableSet::ALL
        .iter()
        .map(|&s| (s, TechTables::load_set(&dir, s).unwrap()))
        .collect();
    paper_report(
        &sets,
        &DigitalBaseline::default(),
        &CrossbarMapping::default(),
    )
    .unwrap()
}

#[test]
fn training_ratios_come_within_six_percent_of_the_paper() {
    let r = report();
    let compared: Vec<_> = r
        .training
        .iter()
        .filter(|t| t.paper_ratio.is_some())
        .collect();
    assert_eq!(compared.len(), 5, "four supervised ratios and SRNN-CLIP");
    for t in compared {
        let q = t.ratio_of_ratios.unwrap();
        // The paper convention undershoots by 2.5-5.2 % (N-MNIST most); a
        // bound of 6 % fails if the convention or the sizes change.
        assert!(
            (0.94..0.98).contains(&q),
            "{} {}: {q}",
            t.task.name(),
            t.model
        );
        // The consistent backprop count gives ratios about 3-4x larger.
        assert!(t.ratio_backprop > 1.7 * t.ratio, "{}", t.model);
    }
}

#[test]
fn per_sample_costs_match_the_hand_counts() {
    let r = report();
    let cost = |task: Task, model: &str| {
        r.training
            .iter()
            .find(|t| t.task == task && t.model == model)
            .unwrap()
            .cost
    };
    // 6 x (200 x 11) and 6 x (200 x 10).
    assert_eq!(cost(Task::Ntidigits, "LSM-ANN"), 13_200.0);
    assert_eq!(cost(Task::Nmnist, "LSM-ANN"), 12_000.0);
    // 2 x [50 x (256 x 200 + 200^2) + 129 x (64 x 200 + 200^2) + 2 x 200 x 64].
    assert_eq!(cost(Task::ZeroShot, "SRNN-CLIP"), 22_793_600.0);
    // 2 x [50 x (256 x 200 + 200^2) + 50 x 200 x 10].
    assert_eq!(cost(Task::Nmnist, "SRNN-SNN"), 9_320_000.0);
}

#[test]
fn layer_rows_sum_to_the_model_rows_and_name_the_layers() {
    let r = report();
    for t in &r.training {
        let layers: Vec<_> = r
            .training_layers
            .iter()
            .filter(|l| l.task == t.task && l.model == t.model)
            .collect();
        assert!(!layers.is_empty(), "{} {}", t.task.name(), t.model);
        let (p, b): (f64, f64) = layers
            .iter()
            .fold((0.0, 0.0), |(p, b), l| (p + l.cost, b + l.cost_backprop));
        assert!(
            (p - t.cost).abs() <= 1e-9 * t.cost,
            "{}: {p} vs {}",
            t.model,
            t.cost
        );
        assert!((b - t.cost_backprop).abs() <= 1e-9 * t.cost_backprop);
        let share: f64 = layers.iter().map(|l| l.share).sum();
        assert!((share - 1.0).abs() < 1e-12, "{}", t.model);
    }
    // SRNN-SNN on N-MNIST, paper convention: 2 x 50 x (256 x 200) input,
    // 2 x 50 x 200^2 recurrent, 2 x 50 x 200 x 10 readout.
    let layer = |l: &str| {
        r.training_layers
            .iter()
            .find(|x| x.task == Task::Nmnist && x.model == "SRNN-SNN" && x.layer == l)
            .map(|x| x.cost)
    };
    assert_eq!(layer("input"), Some(5_120_000.0));
    assert_eq!(layer("recurrent"), Some(4_000_000.0));
    assert_eq!(layer("readout"), Some(200_000.0));
}

#[test]
fn inference_rows_cover_every_task_and_table_set() {
    let r = report();
    assert_eq!(r.inference.len(), 6);
    for i in &r.inference {
        assert!(i.digital_j > i.hybrid_j, "{:?}", i.task);
        let sum: f64 = i.digital.layers.iter().map(|l| l.energy.total_j()).sum();
        assert!((sum / i.digital_j - 1.0).abs() < 1e-12);
        // Digital view has no analogue energy.
        assert_eq!(i.digital.total.analogue_j, 0.0);
    }
    let zs = r
        .inference
        .iter()
        .find(|i| i.task == Task::ZeroShot)
        .unwrap();
    let names: Vec<&str> = zs.hybrid.layers.iter().map(|l| l.name.as_str()).collect();
    for n in [
        "image/input",
        "image/recurrent",
        "image/projection",
        "audio/counters",
    ] {
        assert!(names.contains(&n), "{names:?}");
    }
}

#[test]
fn json_has_the_documented_keys() {
    let v = serde_json::to_value(report()).unwrap();
    for key in [
        "training_convention",
        "backprop_convention",
        "training",
        "training_layers",
        "baseline",
        "mapping",
        "inference",
        "run",
        "notes",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let t = &v["training"][1];
    for key in [
        "task",
        "model",
        "versus",
        "cost",
        "cost_backprop",
        "ratio",
        "ratio_backprop",
        "paper_cost",
        "paper_ratio",
        "ratio_of_ratios",
    ] {
        assert!(t.get(key).is_some(), "training row lacks {key}");
    }
    let i = &v["inference"][0];
    for key in [
        "task",
        "tables",
        "digital_j",
        "hybrid_j",
        "ratio",
        "matmul_digital_j",
        "matmul_hybrid_j",
        "crossbar_per_step_j",
        "paper",
        "ratio_of_ratios",
        "digital",
        "hybrid",
    ] {
        assert!(i.get(key).is_some(), "inference row lacks {key}");
    }
    assert_eq!(i["task"], "nmnist");
    assert_eq!(i["tables"], "literature");
    assert!(i["hybrid"]["layers"][0]["energy"]["analogue_j"].is_f64());
}
