//! `cargo xtask costs`: the report it builds from the committed tables, its
//! JSON keys, its text, and the pricing of a counted run.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use xtask::costs::{CostsArgs, PrecisionArg, render, report};

fn args() -> CostsArgs {
    CostsArgs {
        json: true,
        tech: None,
        precision: PrecisionArg::Fp32,
        weight_reads: false,
        counts: None,
        steps: None,
        columns: 200,
    }
}

#[test]
fn json_report_has_the_documented_keys() {
    let v = serde_json::to_value(report(&args()).unwrap()).unwrap();
    for key in [
        "training",
        "inference",
        "training_convention",
        "notes",
        "run",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let clip = v["training"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["model"] == "SRNN-CLIP")
        .unwrap();
    assert_eq!(clip["paper_ratio"], 152.83);
    assert!(clip["ratio_of_ratios"].as_f64().unwrap() > 0.9);
    // Three tasks x two table sets.
    assert_eq!(v["inference"].as_array().unwrap().len(), 6);
    assert!(v["run"].is_null());
}

#[test]
fn text_report_names_every_task_and_model() {
    let text = render(&report(&args()).unwrap());
    for s in [
        "SRNN-SNN",
        "SRNN-ANN",
        "RNN-ANN",
        "SRNN-CLIP",
        "SRNN-ProtoNet",
        "LSM-ANN",
        "nmnist",
        "ntidigits",
        "zero_shot",
        "paper_fit",
        "817.95",
    ] {
        assert!(text.contains(s), "text lacks {s}");
    }
}

#[test]
fn counted_run_is_priced_in_both_views() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("xtask-costs-run.json");
    let run = costmodel::Workload::new()
        .with(
            "input",
            costmodel::LayerKind::Input,
            costmodel::OpCounts {
                input_spikes: 10,
                synaptic_events: 2000,
                ..Default::default()
            },
        )
        .with(
            "neurons",
            costmodel::LayerKind::Neurons,
            costmodel::OpCounts {
                mul_fp32: 100,
                ..Default::default()
            },
        );
    std::fs::write(&path, serde_json::to_string(&run).unwrap()).unwrap();
    let r = report(&CostsArgs {
        counts: Some(path),
        steps: Some(5),
        ..args()
    })
    .unwrap();
    let priced = r.run.as_ref().unwrap();
    // All-digital: 2000 fp32 additions + 100 fp32 multiplications.
    let s = 0.889e-12;
    let digital = 2000.0 * 0.9 * s + 100.0 * 3.7 * s;
    assert!((priced.digital.total.total_j() / digital - 1.0).abs() < 1e-9);
    // Hybrid: the input block's row side only (the column side of a shared
    // read is booked to the recurrent layer, absent here).
    assert!(priced.hybrid.total.analogue_j > 0.0);
    assert!(render(&r).contains("Counted run"));
}

#[test]
fn a_missing_table_directory_is_an_error_naming_it() {
    let err = report(&CostsArgs {
        tech: Some(PathBuf::from("/nonexistent/tech")),
        ..args()
    })
    .expect_err("no tables there");
    let msg = format!("{err:#}");
    assert!(msg.contains("/nonexistent/tech"), "{msg}");
}
