//! Invariants over many seeded cases: retrieval and metrics never panic on
//! valid input, accuracies stay in [0, 1], top-k never decreases with k,
//! model files never panic on corrupted text.
#![allow(clippy::unwrap_used, missing_docs)]

use proptest::prelude::*;
use readout::nalgebra::DMatrix;
use readout::{ClassificationReport, Classifier, LabeledSet, Persist, Similarity, retrieve};

fn labelled(
    rows: usize,
    dims: usize,
    classes: usize,
) -> impl Strategy<Value = (DMatrix<f64>, Vec<usize>)> {
    (
        prop::collection::vec(-3.0f64..3.0, rows * dims),
        prop::collection::vec(0..classes, rows),
    )
        .prop_map(move |(v, l)| (DMatrix::from_row_slice(rows, dims, &v), l))
}

proptest! {
    #[test]
    fn top_k_is_monotone_and_bounded(
        (q, ql) in labelled(9, 3, 4),
        (g, gl) in labelled(12, 3, 4),
        euclid in any::<bool>(),
    ) {
        let sim = if euclid { Similarity::NegSquaredEuclidean } else { Similarity::Cosine };
        let ks: Vec<usize> = (1..=12).collect();
        let r = retrieve(
            LabeledSet { features: &q, labels: &ql },
            LabeledSet { features: &g, labels: &gl },
            4, &ks, sim,
        ).unwrap();
        for w in r.top_k.windows(2) {
            prop_assert!(w[0] <= w[1]);
        }
        prop_assert!(r.top_k.iter().all(|a| (0.0..=1.0).contains(a)));
        // With the whole gallery, a query is a hit iff its class is in the gallery.
        let expect = ql.iter().filter(|c| gl.contains(c)).count() as f64 / ql.len() as f64;
        prop_assert_eq!(r.top_k[11], expect);
        prop_assert_eq!(r.confusion.total(), 9);
        prop_assert_eq!(r.top1(), r.confusion.accuracy());
    }

    #[test]
    fn report_is_consistent(truth in prop::collection::vec(0usize..5, 1..40), seed in any::<u64>()) {
        let pred: Vec<usize> = truth.iter().enumerate().map(|(i, &t)| {
            if (seed >> (i % 64)) & 1 == 1 { t } else { (t + 1) % 5 }
        }).collect();
        let r = ClassificationReport::new(&truth, &pred, 5).unwrap();
        prop_assert!((0.0..=1.0).contains(&r.accuracy));
        prop_assert!((0.0..=1.0).contains(&r.macro_f1));
        prop_assert_eq!(r.confusion.total() as usize, truth.len());
        if r.accuracy == 1.0 {
            prop_assert_eq!(r.macro_f1, 1.0);
        }
    }

    #[test]
    fn corrupted_model_files_are_errors(text in ".{0,200}", cut in 0usize..400) {
        let _ = Classifier::from_json(&text);
        let valid = r#"{"format":"readout-model","version":1,"kind":"classifier","model":{"n_features":2,"n_classes":2,"hidden":null,"activation":null,"output":{"inputs":2,"outputs":2,"weights":[1.0,0.0,0.0,1.0],"bias":[0.0,0.0]}}}"#;
        prop_assert!(Classifier::from_json(valid).is_ok());
        let truncated = &valid[..cut.min(valid.len())];
        if cut < valid.len() {
            prop_assert!(Classifier::from_json(truncated).is_err());
        }
    }
}

#[test]
fn inconsistent_model_file_is_rejected() {
    // Declares 3 features but the layer has 2 inputs.
    let bad = r#"{"format":"readout-model","version":1,"kind":"classifier","model":{"n_features":3,"n_classes":2,"hidden":null,"activation":null,"output":{"inputs":2,"outputs":2,"weights":[1.0,0.0,0.0,1.0],"bias":[0.0,0.0]}}}"#;
    let e = Classifier::from_json(bad).unwrap_err().to_string();
    assert!(e.contains("3 features"), "{e}");
}
