//! Results depend on the seed only: identical weights with 1 and 2 threads
//! (per-sample gradients are summed in fixed chunks, in order), identical
//! for the same seed, different for another seed.
#![allow(clippy::unwrap_used)]

use baselines::tasks::{DelayedRecallParams, delayed_recall};
use baselines::{
    AnnHeadParams, ClipValidation, EncoderParams, LabeledSeqs, LifParams, Loss, RnnClassifier,
    RnnClassifierParams, RnnParams, SnnHeadParams, SpikeRaster, SrnnClassifier,
    SrnnClassifierParams, SrnnClip, SrnnClipParams, SrnnHead, SrnnParams, TrainingParams,
};
use readout::OptimizerParams;
use seeds::Seeds;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn data() -> (DelayedRecallParams, Vec<SpikeRaster>, Vec<usize>) {
    let task = DelayedRecallParams::default();
    let (x, y) = delayed_recall(&task, 100, Seeds::new(1)).unwrap();
    (task, x, y)
}

fn training() -> TrainingParams {
    TrainingParams {
        epochs: 2,
        // 37 = 4 chunks of 8 and one of 5: uneven chunks and a short last
        // batch (100 = 2 x 37 + 26).
        batch_size: 37,
        optimizer: OptimizerParams::adam(1e-2),
        chunk_size: 8,
        patience: None,
    }
}

fn srnn(head: SrnnHead, task: &DelayedRecallParams) -> SrnnClassifierParams {
    SrnnClassifierParams {
        srnn: SrnnParams {
            inputs: task.channels(),
            hidden: 24,
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

#[test]
fn srnn_weights_are_identical_with_one_and_two_threads() {
    let (task, x, y) = data();
    let d = LabeledSeqs {
        seqs: &x,
        labels: &y,
    };
    let mut snn = srnn(
        SrnnHead::Snn(SnnHeadParams {
            lif: LifParams::new(0.8, 0.3, 0.5),
            ..SnnHeadParams::default()
        }),
        &task,
    );
    // Also exercise the input-scale calibration.
    snn.srnn.init.target_rate = Some(0.1);
    for p in [srnn(SrnnHead::Ann(AnnHeadParams::default()), &task), snn] {
        let run = |threads: usize, seed: u64| {
            pool(threads).install(|| SrnnClassifier::fit(&p, d, None, 2, Seeds::new(seed)).unwrap())
        };
        let (a, b) = (run(1, 5), run(2, 5));
        assert_eq!(a.model.parameters(), b.model.parameters());
        assert_eq!(a.counts, b.counts);
        assert_eq!(a.history, b.history);
        assert_eq!(run(2, 5).model.parameters(), a.model.parameters());
        assert_ne!(run(2, 6).model.parameters(), a.model.parameters());
    }
}

#[test]
fn rnn_weights_are_identical_with_one_and_two_threads() {
    let (task, x, y) = data();
    let p = RnnClassifierParams {
        rnn: RnnParams {
            inputs: task.channels(),
            hidden: 24,
            ..RnnParams::default()
        },
        head: AnnHeadParams::default(),
        loss: Loss::Mse,
        training: training(),
        bin_steps: task.steps(),
        ..RnnClassifierParams::nmnist()
    };
    let d = LabeledSeqs {
        seqs: &x,
        labels: &y,
    };
    let run = |threads: usize| {
        pool(threads).install(|| RnnClassifier::fit(&p, d, None, 2, Seeds::new(5)).unwrap())
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.model.parameters(), b.model.parameters());
    assert_eq!(a.counts, b.counts);
}

#[test]
fn clip_weights_are_identical_with_one_and_two_threads() {
    let (task, x, y) = data();
    let enc = |hidden| EncoderParams {
        srnn: SrnnParams {
            inputs: task.channels(),
            hidden,
            lif: LifParams::new(0.8, 1.0, 0.5),
            ..SrnnParams::default()
        },
        bin_steps: task.steps(),
        time_window: None,
    };
    let mut p = SrnnClipParams {
        image: enc(16),
        audio: enc(12),
        embedding_dim: 8,
        training: TrainingParams {
            epochs: 2,
            batch_size: 16,
            optimizer: OptimizerParams::adam(1e-2),
            chunk_size: 5,
            patience: None,
        },
        ..SrnnClipParams::paper()
    };
    p.audio.srnn.init.target_rate = Some(0.1);
    let d = LabeledSeqs {
        seqs: &x,
        labels: &y,
    };
    let v = ClipValidation {
        images: d,
        audio: d,
    };
    let run = |threads: usize| {
        pool(threads).install(|| SrnnClip::fit(&p, d, d, Some(v), 2, Seeds::new(5)).unwrap())
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.model.parameters(), b.model.parameters());
    assert_eq!(a.counts, b.counts);
    assert_eq!(a.history, b.history);
}
