//! Every figure at the quick scale gives the golden numbers of
//! `golden/quick.json` (within [`experiments::golden::tolerance`]), learns
//! something, and (Fig. 4 at a still smaller scale) gives the same summary
//! on one thread as on the default pool.
//!
//! Re-bless deliberately, never silently:
//! `BLESS=1 cargo test -p experiments --test golden_quick` rewrites
//! `golden/quick.json` from the current run (then review the diff).
#![allow(clippy::unwrap_used)]

use experiments::golden::{self, FIGURES, Golden};
use experiments::{Figure, RunOptions, run_figure};

#[test]
fn quick_runs_match_the_goldens_and_do_not_depend_on_the_thread_count() {
    let options = RunOptions {
        quick: true,
        ..RunOptions::default()
    };
    let mut current = Golden::new();
    for f in FIGURES {
        let out = run_figure(f, &options).unwrap_or_else(|e| panic!("{} failed: {e}", f.name()));
        current.insert(f.name().to_owned(), golden::entry(&out.summary));
    }

    // Thread independence on Fig. 4 (both backends, readouts, projections
    // and baselines) at a still smaller scale, default pool against one
    // thread.
    let dir = tempfile::tempdir().unwrap();
    let smaller = dir.path().join("fig4.toml");
    experiments::preset::smaller_quick(
        "fig4",
        &[
            ("data.source.train_per_class", 10.into()),
            ("data.source.test_per_class", 6.into()),
            ("protocol.train_per_class", 10.into()),
            ("protocol.test_per_class", 6.into()),
            ("contrastive.epochs", 5.into()),
            ("protonet.epochs", 2.into()),
            ("srnn_clip.epochs", 2.into()),
        ],
        &smaller,
    )
    .unwrap();
    let small = RunOptions {
        preset: Some(smaller),
        ..options.clone()
    };
    let pooled = run_figure(Figure::Fig4, &small).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let single = one.install(|| run_figure(Figure::Fig4, &small)).unwrap();
    assert_eq!(
        golden::entry(&single.summary),
        golden::entry(&pooled.summary),
        "fig4 at a smaller quick scale differs between the default pool and one thread"
    );

    if std::env::var_os("BLESS").is_some() {
        golden::bless_quick(&current).unwrap();
        return;
    }
    let failures = golden::compare(&golden::load_quick().unwrap(), &current);
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
