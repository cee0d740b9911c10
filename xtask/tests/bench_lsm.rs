//! `cargo xtask bench lsm --json`: the roofline, both backends as fractions
//! of it, the macro/ideal ratio and the peak memory, all from one process.
#![allow(clippy::unwrap_used)]

use xtask::lsm_cmd::bench_lsm;

#[test]
fn the_report_has_the_roofline_both_backends_and_their_ratios() {
    let r = bench_lsm(16).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    for key in [
        "workload",
        "roofline",
        "backends",
        "macro_over_ideal",
        "peak_rss_bytes",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert!(!r.roofline.is_empty());
    assert!(
        r.roofline
            .iter()
            .all(|x| x.adds_per_s > 0.0 && x.checksum.is_finite())
    );
    // Ideal and macro at each thread count measured.
    assert_eq!(r.backends.len(), 2 * r.roofline.len());
    for b in &r.backends {
        let roof = r.roofline.iter().find(|x| x.threads == b.threads).unwrap();
        let want = b.synaptic_events_per_s / b.threads as f64 / roof.adds_per_s;
        assert!((b.fraction_of_roofline - want).abs() <= 1e-12 * want.abs());
        assert!(b.fraction_of_roofline > 0.0 && b.mean_rate > 0.0);
    }
    for (threads, ratio) in &r.macro_over_ideal {
        let sps = |name: &str| {
            r.backends
                .iter()
                .find(|b| b.backend == name && b.threads == *threads)
                .unwrap()
                .samples_per_s
        };
        assert!((ratio - sps("macro") / sps("ideal")).abs() <= 1e-12 * ratio);
    }
    if cfg!(target_os = "linux") {
        assert!(r.peak_rss_bytes.unwrap() > 1_000_000);
    }
}
