//! Delayed order recall (see `baselines::tasks`): trains SRNN-ANN, SRNN-SNN
//! and RNN-ANN, compares them with feed-forward readouts of the input, and
//! prints accuracies and the counted training operations.
//!
//! `cargo run --release -p baselines --example memory`
#![allow(clippy::unwrap_used)]

use baselines::tasks::{DelayedRecallParams, delayed_recall};
use baselines::{
    AnnHeadParams, Fit, LabeledSeqs, LifParams, Loss, RnnClassifier, RnnClassifierParams,
    RnnParams, RnnReadout, SnnHeadParams, SpikeRaster, SrnnClassifier, SrnnClassifierParams,
    SrnnHead, SrnnParams, TrainingCounts, TrainingParams,
};
use readout::nalgebra::DMatrix;
use readout::{Classifier, ClassifierParams, HiddenLayerParams, OptimizerParams, Selection};
use seeds::Seeds;

fn report<M>(name: &str, fit: &Fit<M>, accuracy: f64) {
    let c: &TrainingCounts = &fit.counts;
    let per = |n: u64| n as f64 / c.samples as f64;
    println!(
        "{name:<9} test accuracy {:>6.2} % | training MACs per sample: dense-equivalent {:>6.0}, \
         performed {:>6.0} (multiply-accumulates {:>6.0} + spike-driven accumulations {:>6.0}) | \
         final hidden firing {}",
        100.0 * accuracy,
        c.dense_mac_per_sample(),
        c.performed_per_sample(),
        per(c.forward.mac + c.backward.mac),
        per(c.forward.spike_acc + c.backward.spike_acc),
        fit.history
            .last()
            .and_then(|r| r.hidden_rate)
            .map_or("-".into(), |r| format!("{:.1} %", 100.0 * r)),
    );
}

fn input_features(seqs: &[SpikeRaster], last_step: bool) -> DMatrix<f64> {
    let c = seqs[0].channels() as usize;
    DMatrix::from_fn(seqs.len(), c, |i, j| {
        let s = &seqs[i];
        let range = if last_step {
            s.steps() - 1..s.steps()
        } else {
            0..s.steps()
        };
        range.filter(|&t| s.step(t).contains(&(j as u32))).count() as f64
    })
}

fn main() {
    let task = DelayedRecallParams::default();
    let (xtr, ytr) = delayed_recall(&task, 1024, Seeds::new(1)).unwrap();
    let (xte, yte) = delayed_recall(&task, 1024, Seeds::new(2)).unwrap();
    let train = LabeledSeqs {
        seqs: &xtr,
        labels: &ytr,
    };
    let test = LabeledSeqs {
        seqs: &xte,
        labels: &yte,
    };
    println!(
        "delayed order recall: {} channels, {} steps (cue {} / delay {} / cue {} / tail {}), \
         1024 training and 1024 test samples, chance 50 %",
        task.channels(),
        task.steps(),
        task.cue_steps,
        task.delay_steps,
        task.cue_steps,
        task.tail_steps
    );
    let training = TrainingParams {
        epochs: 30,
        batch_size: 32,
        optimizer: OptimizerParams::adam(1e-2),
        chunk_size: 8,
        patience: None,
    };
    let srnn = |head| SrnnClassifierParams {
        srnn: SrnnParams {
            inputs: task.channels(),
            hidden: 32,
            lif: LifParams::new(0.8, 1.0, 0.5),
            ..SrnnParams::default()
        },
        head,
        loss: Loss::CrossEntropy,
        training,
        bin_steps: task.steps(),
        time_window: None,
    };
    for (name, head) in [
        ("SRNN-ANN", SrnnHead::Ann(AnnHeadParams::default())),
        (
            "SRNN-SNN",
            SrnnHead::Snn(SnnHeadParams {
                lif: LifParams::new(0.8, 0.3, 0.5),
                ..SnnHeadParams::default()
            }),
        ),
    ] {
        let fit = SrnnClassifier::fit(&srnn(head), train, None, 2, Seeds::new(3)).unwrap();
        let acc = fit.model.evaluate(test).unwrap().accuracy;
        report(name, &fit, acc);
    }
    let rnn = RnnClassifierParams {
        rnn: RnnParams {
            inputs: task.channels(),
            hidden: 32,
            ..RnnParams::default()
        },
        readout: RnnReadout::LastState,
        head: AnnHeadParams::default(),
        loss: Loss::CrossEntropy,
        training,
        bin_steps: task.steps(),
        time_window: None,
    };
    let fit = RnnClassifier::fit(&rnn, train, None, 2, Seeds::new(3)).unwrap();
    let acc = fit.model.evaluate(test).unwrap().accuracy;
    report("RNN-ANN", &fit, acc);

    let mlp = ClassifierParams {
        hidden: Some(HiddenLayerParams {
            units: 32,
            activation: readout::Activation::Relu,
        }),
        optimizer: OptimizerParams::adam(1e-2),
        batch_size: 32,
        epochs: 100,
        validation_fraction: 0.0,
        selection: Selection::LastEpoch,
        ..ClassifierParams::default()
    };
    for (name, last) in [
        ("feed-forward MLP on the last step's input", true),
        ("feed-forward MLP on the input spike counts", false),
    ] {
        let fit =
            Classifier::fit(&mlp, &input_features(&xtr, last), &ytr, 2, Seeds::new(4)).unwrap();
        let pred = fit.model.predict(&input_features(&xte, last)).unwrap();
        let acc = readout::accuracy(&yte, &pred).unwrap();
        println!("{name}: test accuracy {:.2} %", 100.0 * acc);
    }
}
