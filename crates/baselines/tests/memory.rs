//! A task that needs memory (delayed order recall, see `baselines::tasks`):
//! the trained recurrent networks learn it; feed-forward readouts of the
//! last step's input or of the input spike counts cannot beat chance,
//! because neither contains the order of the two cues.
#![allow(clippy::unwrap_used)]

use baselines::tasks::{DelayedRecallParams, delayed_recall};
use baselines::{
    AnnHeadParams, LabeledSeqs, LifParams, Loss, RnnClassifier, RnnClassifierParams, RnnParams,
    RnnReadout, SnnHeadParams, SpikeRaster, SrnnClassifier, SrnnClassifierParams, SrnnHead,
    SrnnParams, TrainingParams,
};
use readout::nalgebra::DMatrix;
use readout::{Classifier, ClassifierParams, HiddenLayerParams, OptimizerParams, Selection};
use seeds::Seeds;

struct Data {
    task: DelayedRecallParams,
    train: (Vec<SpikeRaster>, Vec<usize>),
    test: (Vec<SpikeRaster>, Vec<usize>),
}

fn data() -> Data {
    let task = DelayedRecallParams::default();
    Data {
        task,
        train: delayed_recall(&task, 512, Seeds::new(1)).unwrap(),
        test: delayed_recall(&task, 512, Seeds::new(2)).unwrap(),
    }
}

fn training() -> TrainingParams {
    TrainingParams {
        epochs: 20,
        batch_size: 32,
        optimizer: OptimizerParams::adam(1e-2),
        chunk_size: 8,
        patience: None,
    }
}

fn srnn_params(task: &DelayedRecallParams, head: SrnnHead) -> SrnnClassifierParams {
    SrnnClassifierParams {
        srnn: SrnnParams {
            inputs: task.channels(),
            hidden: 32,
            lif: LifParams::new(0.8, 1.0, 0.5),
            ..SrnnParams::default()
        },
        head,
        loss: Loss::CrossEntropy,
        training: training(),
        bin_steps: task.steps(),
        time_window: None,
    }
}

// Chance is 50 %; with 512 test samples its standard deviation is 2.2 %.
// The recurrent networks must reach 90 % (measured with these seeds:
// SRNN-ANN 99.8 %, SRNN-SNN 99.8 %, RNN-ANN 100 %); the feed-forward
// readouts must stay below 60 % (4.5 sigma above chance; measured: last
// step 48.8 %, spike counts 47.7 %).
const LEARNED: f64 = 0.9;
const CHANCE_BOUND: f64 = 0.6;

fn test_set(d: &Data) -> LabeledSeqs<'_> {
    LabeledSeqs {
        seqs: &d.test.0,
        labels: &d.test.1,
    }
}

fn train_set(d: &Data) -> LabeledSeqs<'_> {
    LabeledSeqs {
        seqs: &d.train.0,
        labels: &d.train.1,
    }
}

#[test]
fn srnn_ann_learns_delayed_recall() {
    let d = data();
    let p = srnn_params(&d.task, SrnnHead::Ann(AnnHeadParams::default()));
    let fit = SrnnClassifier::fit(&p, train_set(&d), None, 2, Seeds::new(3)).unwrap();
    let acc = fit.model.evaluate(test_set(&d)).unwrap().accuracy;
    println!("SRNN-ANN delayed recall: {acc}");
    assert!(acc > LEARNED, "SRNN-ANN test accuracy {acc}");
}

#[test]
fn srnn_snn_learns_delayed_recall() {
    let d = data();
    // The spiking readout's scale is calibrated to 5 % initial output
    // firing, as the presets do: uncalibrated, half of the initial draws
    // (seeds 3 and 5 of 3-6) give a readout that never fires and never
    // learns; calibrated, seeds 3-8 all reach 98.8-100 %.
    let head = SrnnHead::Snn(SnnHeadParams {
        lif: LifParams::new(0.8, 0.3, 0.5),
        target_rate: Some(0.05),
        ..SnnHeadParams::default()
    });
    let p = srnn_params(&d.task, head);
    let fit = SrnnClassifier::fit(&p, train_set(&d), None, 2, Seeds::new(3)).unwrap();
    let acc = fit.model.evaluate(test_set(&d)).unwrap().accuracy;
    println!("SRNN-SNN delayed recall: {acc}");
    assert!(acc > LEARNED, "SRNN-SNN test accuracy {acc}");
}

#[test]
fn rnn_learns_delayed_recall() {
    let d = data();
    let p = RnnClassifierParams {
        rnn: RnnParams {
            inputs: d.task.channels(),
            hidden: 32,
            ..RnnParams::default()
        },
        readout: RnnReadout::LastState,
        head: AnnHeadParams::default(),
        loss: Loss::CrossEntropy,
        training: training(),
        bin_steps: d.task.steps(),
        time_window: None,
    };
    let fit = RnnClassifier::fit(&p, train_set(&d), None, 2, Seeds::new(3)).unwrap();
    let acc = fit.model.evaluate(test_set(&d)).unwrap().accuracy;
    println!("RNN-ANN delayed recall: {acc}");
    assert!(acc > LEARNED, "RNN-ANN test accuracy {acc}");
}

/// Features of each sequence: the last step's input, or the spike count
/// of every channel over the whole sequence.
fn features(seqs: &[SpikeRaster], last_step: bool) -> DMatrix<f64> {
    let c = seqs[0].channels() as usize;
    DMatrix::from_fn(seqs.len(), c, |i, j| {
        let s = &seqs[i];
        let steps: Vec<usize> = if last_step {
            vec![s.steps() - 1]
        } else {
            (0..s.steps()).collect()
        };
        steps
            .iter()
            .filter(|&&t| s.step(t).contains(&(j as u32)))
            .count() as f64
    })
}

#[test]
fn feed_forward_readouts_of_the_input_stay_at_chance() {
    let d = data();
    // A one-hidden-layer MLP (32 ReLU), trained to fit: it has every chance
    // to use whatever the features contain.
    let p = ClassifierParams {
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
    for (name, last) in [("last step", true), ("spike counts", false)] {
        let xtr = features(&d.train.0, last);
        let xte = features(&d.test.0, last);
        let fit = Classifier::fit(&p, &xtr, &d.train.1, 2, Seeds::new(4)).unwrap();
        let pred = fit.model.predict(&xte).unwrap();
        let acc = readout::accuracy(&d.test.1, &pred).unwrap();
        println!("feed-forward on {name}: {acc}");
        assert!(acc < CHANCE_BOUND, "{name}: {acc}");
    }
}
