//! Training operation counts: the dense-equivalent multiply-accumulates
//! measured while training equal `costmodel`'s analytic count of the same
//! model under its `backprop` convention, exactly; the event-driven
//! implementation performs fewer weight operations than that.
#![allow(clippy::unwrap_used)]

use baselines::tasks::{DelayedRecallParams, delayed_recall};
use baselines::{
    AnnHeadParams, EncoderParams, LabeledSeqs, LifParams, Loss, RnnClassifier, RnnClassifierParams,
    RnnParams, SnnHeadParams, SrnnClassifier, SrnnClassifierParams, SrnnClip, SrnnClipParams,
    SrnnHead, SrnnParams, TrainingParams,
};
use costmodel::training::{self, EncoderSizes, TrainingConvention};
use readout::OptimizerParams;
use seeds::Seeds;

const HIDDEN: usize = 16;

fn setup() -> (DelayedRecallParams, LabeledSeqsOwned) {
    let task = DelayedRecallParams::default();
    let (x, y) = delayed_recall(&task, 40, Seeds::new(1)).unwrap();
    (task, LabeledSeqsOwned { x, y })
}

struct LabeledSeqsOwned {
    x: Vec<baselines::SpikeRaster>,
    y: Vec<usize>,
}

impl LabeledSeqsOwned {
    fn view(&self) -> LabeledSeqs<'_> {
        LabeledSeqs {
            seqs: &self.x,
            labels: &self.y,
        }
    }
}

fn training(batch: usize) -> TrainingParams {
    TrainingParams {
        epochs: 2,
        batch_size: batch,
        optimizer: OptimizerParams::adam(1e-2),
        chunk_size: 4,
        patience: None,
    }
}

fn sizes(task: &DelayedRecallParams) -> EncoderSizes {
    EncoderSizes {
        inputs: task.channels() as u64,
        hidden: HIDDEN as u64,
        steps: task.steps() as u64,
    }
}

#[test]
fn srnn_and_rnn_dense_counts_equal_the_analytic_backprop_count() {
    let (task, d) = setup();
    let conv = TrainingConvention::backprop();
    let srnn = |head| SrnnClassifierParams {
        srnn: SrnnParams {
            inputs: task.channels(),
            hidden: HIDDEN,
            lif: LifParams::new(0.8, 1.0, 0.5),
            ..SrnnParams::default()
        },
        head,
        loss: Loss::CrossEntropy,
        training: training(8),
        bin_steps: task.steps(),
        time_window: None,
    };
    let ann = SrnnClassifier::fit(
        &srnn(SrnnHead::Ann(AnnHeadParams::default())),
        d.view(),
        None,
        2,
        Seeds::new(2),
    )
    .unwrap();
    let snn = SrnnClassifier::fit(
        &srnn(SrnnHead::Snn(SnnHeadParams {
            lif: LifParams::new(0.8, 0.3, 0.5),
            ..SnnHeadParams::default()
        })),
        d.view(),
        None,
        2,
        Seeds::new(2),
    )
    .unwrap();
    let rnn = RnnClassifier::fit(
        &RnnClassifierParams {
            rnn: RnnParams {
                inputs: task.channels(),
                hidden: HIDDEN,
                ..RnnParams::default()
            },
            loss: Loss::CrossEntropy,
            training: training(8),
            bin_steps: task.steps(),
            ..RnnClassifierParams::nmnist()
        },
        d.view(),
        None,
        2,
        Seeds::new(2),
    )
    .unwrap();
    let e = sizes(&task);
    for (name, counts, model) in [
        ("SRNN-ANN", ann.counts, training::srnn_ann(e, 2)),
        ("SRNN-SNN", snn.counts, training::srnn_snn(e, 2)),
        ("RNN-ANN", rnn.counts, training::rnn_ann(e, 2)),
    ] {
        // 2 epochs x 40 samples.
        assert_eq!(counts.samples, 80, "{name}");
        assert_eq!(counts.time_steps, 80 * task.steps() as u64, "{name}");
        assert_eq!(
            counts.dense_mac_per_sample(),
            model.training_cost(&conv),
            "{name}"
        );
        assert_eq!(
            counts.dense_op_counts().mac_fp32,
            counts.forward.dense_mac + counts.backward.dense_mac
        );
        // Adam: 10 mul + 4 add per parameter and step; 5 steps per epoch.
        let params = ann.model.n_params() as u64;
        if name == "SRNN-ANN" {
            assert_eq!(counts.optimizer_steps, 10);
            assert_eq!(counts.optimizer_mul, 10 * 10 * params);
            assert_eq!(counts.optimizer_add, 10 * 4 * params);
        }
        let ops = counts.op_counts();
        assert_eq!(ops.mac_fp32, counts.forward.mac + counts.backward.mac);
        assert_eq!(ops.input_spikes, counts.input_spikes);
        println!(
            "{name}: dense {:.0} / performed {:.0} weight operations per sample",
            counts.dense_mac_per_sample(),
            counts.performed_per_sample()
        );
    }
    // Spikes are sparse: the event-driven SRNN does a fraction of the
    // dense work (measured 21 % for SRNN-ANN, 13 % for SRNN-SNN).
    for c in [ann.counts, snn.counts] {
        assert!(c.performed_per_sample() < 0.8 * c.dense_mac_per_sample());
        assert!(c.hidden_spikes > 0 && c.synaptic_events > 0);
    }
}

#[test]
fn clip_dense_counts_equal_the_analytic_count_plus_the_stated_extras() {
    let (task, d) = setup();
    let enc = EncoderParams {
        srnn: SrnnParams {
            inputs: task.channels(),
            hidden: HIDDEN,
            lif: LifParams::new(0.8, 1.0, 0.5),
            ..SrnnParams::default()
        },
        bin_steps: task.steps(),
        time_window: None,
    };
    let (n, dim) = (8u64, 6u64);
    let p = SrnnClipParams {
        image: enc,
        audio: enc,
        embedding_dim: dim as usize,
        training: TrainingParams {
            epochs: 1,
            ..training(n as usize)
        },
        ..SrnnClipParams::paper()
    };
    let fit = SrnnClip::fit(&p, d.view(), d.view(), None, 2, Seeds::new(3)).unwrap();
    let pairs = fit.counts.samples;
    assert!(
        pairs >= 32 && pairs.is_multiple_of(n),
        "{pairs} pairs in full batches"
    );
    let analytic = training::srnn_clip(sizes(&task), sizes(&task), dim, n)
        .training_cost(&TrainingConvention::backprop());
    // `costmodel` counts the similarity products once forward and once
    // backward (2 N D per pair); we count both backward products (dA and
    // dB: one more N D) and the normalisations (D forward and 2 D backward
    // per embedding, two embeddings per pair).
    let extra = (n * dim + 6 * dim) as f64;
    assert_eq!(fit.counts.dense_mac_per_sample(), analytic + extra);
}
