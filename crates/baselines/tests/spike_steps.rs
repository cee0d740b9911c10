//! Any `SpikeSteps` storage trains and evaluates exactly like `SpikeRaster`
//! (so a caller's own rasters need no copy), a storage that breaks the
//! trait's contract is an error, and models given one seed draw from their
//! own streams.
#![allow(clippy::unwrap_used)]

use baselines::tasks::{DelayedRecallParams, delayed_recall};
use baselines::{
    AnnHeadParams, Error, LabeledSeqs, LifParams, Loss, RnnClassifier, RnnClassifierParams,
    RnnParams, SnnHeadParams, SpikeRaster, SpikeSteps, SrnnClassifier, SrnnClassifierParams,
    SrnnHead, SrnnParams, TrainingParams,
};
use readout::OptimizerParams;
use seeds::Seeds;

/// Someone else's storage: one channel list per step, borrowed.
struct Foreign<'a> {
    steps: &'a [Vec<u32>],
    channels: usize,
}

impl SpikeSteps for Foreign<'_> {
    fn channels(&self) -> usize {
        self.channels
    }
    fn steps(&self) -> usize {
        self.steps.len()
    }
    fn step(&self, t: usize) -> &[u32] {
        &self.steps[t]
    }
}

/// The steps of every sequence, copied into plain vectors.
fn raw(x: &[SpikeRaster]) -> Vec<Vec<Vec<u32>>> {
    x.iter()
        .map(|s| s.iter_steps().map(<[u32]>::to_vec).collect())
        .collect()
}

/// Borrowed views of `raw` as foreign storage.
fn foreign(raw: &[Vec<Vec<u32>>], channels: usize) -> Vec<Foreign<'_>> {
    raw.iter()
        .map(|steps| Foreign { steps, channels })
        .collect()
}

fn srnn(head: SrnnHead, task: &DelayedRecallParams) -> SrnnClassifierParams {
    SrnnClassifierParams {
        srnn: SrnnParams {
            inputs: task.channels(),
            hidden: 16,
            lif: LifParams::new(0.8, 1.0, 0.5),
            ..SrnnParams::default()
        },
        head,
        loss: Loss::CrossEntropy,
        training: TrainingParams {
            epochs: 2,
            batch_size: 16,
            optimizer: OptimizerParams::adam(1e-2),
            chunk_size: 8,
            patience: None,
        },
        bin_steps: task.steps(),
        time_window: None,
    }
}

fn rnn(task: &DelayedRecallParams) -> RnnClassifierParams {
    RnnClassifierParams {
        rnn: RnnParams {
            inputs: task.channels(),
            hidden: 16,
            ..RnnParams::default()
        },
        training: srnn(SrnnHead::Ann(AnnHeadParams::default()), task).training,
        bin_steps: task.steps(),
        ..RnnClassifierParams::nmnist()
    }
}

#[test]
fn foreign_storage_trains_bit_for_bit_like_sparse_seq() {
    let task = DelayedRecallParams::default();
    let (x, y) = delayed_recall(&task, 48, Seeds::new(1)).unwrap();
    let raw = raw(&x);
    let foreign = foreign(&raw, task.channels());
    let own = LabeledSeqs {
        seqs: &x,
        labels: &y,
    };
    let theirs = LabeledSeqs {
        seqs: &foreign,
        labels: &y,
    };
    for head in [
        SrnnHead::Ann(AnnHeadParams::default()),
        SrnnHead::Snn(SnnHeadParams::default()),
    ] {
        let p = srnn(head, &task);
        let a = SrnnClassifier::fit(&p, own, Some(own), 2, Seeds::new(3)).unwrap();
        let b = SrnnClassifier::fit(&p, theirs, Some(theirs), 2, Seeds::new(3)).unwrap();
        assert_eq!(a.model, b.model);
        assert_eq!(a.history, b.history);
        assert_eq!(a.counts, b.counts);
        assert_eq!(
            a.model.outputs(&x).unwrap(),
            b.model.outputs(&foreign).unwrap()
        );
        assert_eq!(
            a.model.evaluate(own).unwrap(),
            b.model.evaluate(theirs).unwrap()
        );
    }
    let p = rnn(&task);
    let a = RnnClassifier::fit(&p, own, None, 2, Seeds::new(3)).unwrap();
    let b = RnnClassifier::fit(&p, theirs, None, 2, Seeds::new(3)).unwrap();
    assert_eq!(a.model, b.model);
    assert_eq!(
        a.model.predict(&x).unwrap(),
        b.model.predict(&foreign).unwrap()
    );
}

#[test]
fn storage_that_breaks_the_contract_is_an_error_not_a_panic() {
    let task = DelayedRecallParams::default();
    let (x, y) = delayed_recall(&task, 8, Seeds::new(1)).unwrap();
    let p = srnn(SrnnHead::Ann(AnnHeadParams::default()), &task);
    let c = task.channels() as u32;
    let mut raw = raw(&x);
    for (bad, what) in [(vec![c], "channel"), (vec![2, 1], "2 then 1")] {
        raw[5][3] = bad;
        let foreign = foreign(&raw, task.channels());
        let d = LabeledSeqs {
            seqs: &foreign,
            labels: &y,
        };
        let err = SrnnClassifier::fit(&p, d, None, 2, Seeds::new(1)).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::ShapeMismatch { .. }), "{msg}");
        assert!(
            msg.contains("sequence 5") && msg.contains("step 3") && msg.contains(what),
            "{msg}"
        );
        let m = SrnnClassifier::new(&p, 2, Seeds::new(1)).unwrap();
        assert!(m.predict(&foreign).is_err());
    }
}

#[test]
fn models_given_one_seed_draw_their_own_weights() {
    // Each model keys its streams by its own scope: the same seed gives the
    // ANN- and the SNN-headed SRNN different recurrent layers (they used to
    // share one `ModelInit` stream, and so identical layers).
    let task = DelayedRecallParams::default();
    let ann = SrnnClassifier::new(
        &srnn(SrnnHead::Ann(AnnHeadParams::default()), &task),
        2,
        Seeds::new(5),
    )
    .unwrap();
    let snn = SrnnClassifier::new(
        &srnn(SrnnHead::Snn(SnnHeadParams::default()), &task),
        2,
        Seeds::new(5),
    )
    .unwrap();
    let (a, b) = (ann.recurrent_weights(), snn.recurrent_weights());
    assert_eq!(a.input.len(), b.input.len());
    assert!(a.input.iter().zip(b.input).all(|(p, q)| p != q));
    // Same seed, same model: still deterministic.
    let again = SrnnClassifier::new(
        &srnn(SrnnHead::Ann(AnnHeadParams::default()), &task),
        2,
        Seeds::new(5),
    )
    .unwrap();
    assert_eq!(ann, again);
    // SpikeRaster is itself a SpikeSteps.
    let s = SpikeRaster::from_steps(4, [vec![3, 1]]).unwrap();
    assert_eq!(SpikeSteps::channels(&s), 4);
    assert_eq!(SpikeSteps::step(&s, 0), &[1, 3]);
}
