//! Early stopping: training ends `patience` epochs after the best
//! validation accuracy, the best weights are restored, and the epochs that
//! ran are exactly those of the run without patience (same seed).
#![allow(clippy::unwrap_used)]

use baselines::tasks::{DelayedRecallParams, delayed_recall};
use baselines::{AnnHeadParams, LabeledSeqs, RnnClassifier, RnnClassifierParams, RnnParams};
use readout::OptimizerParams;
use seeds::Seeds;

fn params(task: &DelayedRecallParams, patience: Option<usize>) -> RnnClassifierParams {
    let mut p = RnnClassifierParams {
        rnn: RnnParams {
            inputs: task.channels(),
            hidden: 24,
            ..RnnParams::default()
        },
        head: AnnHeadParams::default(),
        bin_steps: task.steps(),
        ..RnnClassifierParams::nmnist()
    };
    p.training.epochs = 40;
    p.training.batch_size = 20;
    p.training.optimizer = OptimizerParams::adam(1e-2);
    p.training.patience = patience;
    p
}

#[test]
fn training_stops_after_patience_epochs_without_improvement() {
    let task = DelayedRecallParams::default();
    let (x, y) = delayed_recall(&task, 160, Seeds::new(1)).unwrap();
    let train = LabeledSeqs {
        seqs: &x[..120],
        labels: &y[..120],
    };
    let valid = LabeledSeqs {
        seqs: &x[120..],
        labels: &y[120..],
    };
    let fit = |patience| {
        RnnClassifier::fit(
            &params(&task, patience),
            train,
            Some(valid),
            2,
            Seeds::new(3),
        )
        .unwrap()
    };
    let (early, full) = (fit(Some(3)), fit(None));
    assert_eq!(full.history.len(), 40);
    let ran = early.history.len();
    assert!(ran < 40, "stopped at epoch {ran} of 40");
    // The epochs that ran are the full run's first ones, bit for bit.
    assert_eq!(early.history[..], full.history[..ran]);
    // It stopped exactly 3 epochs after the best one, which it restored.
    let acc = |e: usize| early.history[e].validation_accuracy.unwrap();
    assert_eq!(early.selected_epoch, ran - 1 - 3);
    let best = (0..ran).map(acc).fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(acc(early.selected_epoch), best);
    assert!((0..early.selected_epoch).all(|e| acc(e) < best));
    // The restored weights are those of the selected epoch, which the full
    // run selects too unless a later epoch beat it.
    if full.selected_epoch == early.selected_epoch {
        assert_eq!(early.model.parameters(), full.model.parameters());
    }
}

#[test]
fn patience_without_a_validation_set_is_an_error() {
    let task = DelayedRecallParams::default();
    let (x, y) = delayed_recall(&task, 40, Seeds::new(1)).unwrap();
    let train = LabeledSeqs {
        seqs: &x,
        labels: &y,
    };
    let err = RnnClassifier::fit(&params(&task, Some(2)), train, None, 2, Seeds::new(3))
        .unwrap_err()
        .to_string();
    assert!(err.contains("training.patience"), "{err}");
    assert!(
        RnnClassifier::fit(&params(&task, Some(0)), train, None, 2, Seeds::new(3)).is_err(),
        "patience 0 is rejected"
    );
}
