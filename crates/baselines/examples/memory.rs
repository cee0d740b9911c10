//! Delayed order recall: SRNN-ANN, SRNN-SNN and RNN-ANN against
//! feed-forward readouts of the input (last step, or spike counts).
#![allow(clippy::unwrap_used)]

use baselines::tasks::{DelayedRecallParams, delayed_recall};
use baselines::*;
use readout::OptimizerParams;
use seeds::Seeds;

fn main() {
    let task = DelayedRecallParams::default();
    let (train_x, train_y) = delayed_recall(&task, 1024, Seeds::new(1)).unwrap();
    let (test_x, test_y) = delayed_recall(&task, 1024, Seeds::new(2)).unwrap();
    let train = LabeledSeqs {
        seqs: &train_x,
        labels: &train_y,
    };
    let test = LabeledSeqs {
        seqs: &test_x,
        labels: &test_y,
    };
    let training = TrainingParams {
        epochs: 30,
        batch_size: 32,
        optimizer: OptimizerParams::adam(1e-2),
        chunk_size: 8,
    };
    let srnn = SrnnParams {
        inputs: task.channels(),
        hidden: 32,
        lif: LifParams::new(0.8, 1.0, 0.5),
        ..SrnnParams::default()
    };
    let p = SrnnClassifierParams {
        srnn,
        head: SrnnHead::Ann(AnnHeadParams::default()),
        loss: Loss::CrossEntropy,
        training,
        bin_steps: task.steps(),
        time_window: None,
    };
    let t0 = std::time::Instant::now();
    let fit = SrnnClassifier::fit(&p, train, None, 2, Seeds::new(3)).unwrap();
    for r in &fit.history {
        println!("{:?}", r);
    }
    println!(
        "SRNN-ANN test {:.3} in {:?}",
        fit.model.evaluate(test).unwrap().accuracy,
        t0.elapsed()
    );
    for (gain, sg) in [
        (0.3, Surrogate::default()),
        (0.1, Surrogate::default()),
        (0.3, Surrogate::FastSigmoid { slope: 5.0 }),
        (1.0, Surrogate::FastSigmoid { slope: 5.0 }),
    ] {
        let mut p2 = SrnnClassifierParams {
            head: SrnnHead::Snn(SnnHeadParams {
                lif: LifParams::new(0.8, gain, 0.5),
                ..SnnHeadParams::default()
            }),
            ..p.clone()
        };
        p2.srnn.surrogate = sg;
        let fit = SrnnClassifier::fit(&p2, train, None, 2, Seeds::new(3)).unwrap();
        for r in fit.history.iter().step_by(10) {
            println!("{:?}", r);
        }
        println!(
            "SRNN-SNN gain {gain} {sg:?} test {:.3}",
            fit.model.evaluate(test).unwrap().accuracy
        );
    }
    let pr = RnnClassifierParams {
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
    let fit = RnnClassifier::fit(&pr, train, None, 2, Seeds::new(3)).unwrap();
    for r in fit.history.iter().step_by(5) {
        println!("{:?}", r);
    }
    println!("RNN test {:.3}", fit.model.evaluate(test).unwrap().accuracy);
}
