//! Fig. 3 of the paper: N-TIDIGITS classification with the LSM on ideal
//! weights (software) and on the simulated chip (hardware).

use crate::error::{Result, ensure};
use costmodel::paper::Task as CostTask;
use events::{AudioBinning, AudioLabels};
use seeds::Seeds;

use crate::baselines::BaselineSettings;
use crate::context::{Ctx, FigureOutput};
use crate::supervised::{self, SupervisedPreset, Task};

/// The N-TIDIGITS task as the paper reports it (11 classes: "oh", 1-9,
/// "zero", in tonic's label order).
pub const TASK: Task = Task {
    title: "Fig. 3: N-TIDIGITS classification with the RRAM liquid state machine",
    dataset: "N-TIDIGITS",
    paper_accuracy: (70.79, 70.11),
    paper_baselines: &[("SRNN-ANN", 82.62), ("SRNN-SNN", 63.75), ("RNN-ANN", 75.54)],
    baseline_settings: BaselineSettings::ntidigits,
    cost_task: CostTask::Ntidigits,
    tsne_dims: 3,
    classes: 11,
    class_name: word_name,
};

fn word_name(k: usize) -> String {
    match k {
        0 => "oh".to_owned(),
        10 => "zero".to_owned(),
        k => k.to_string(),
    }
}

/// Runs Fig. 3.
pub fn run(ctx: &mut Ctx<'_>) -> Result<FigureOutput<supervised::SupervisedPanels>> {
    let (preset, path) = ctx.preset::<SupervisedPreset<AudioBinning>>(Some("data"))?;
    preset.validate(&path)?;
    ensure!(
        preset.data.audio_labels == AudioLabels::Tonic,
        "Fig. 3 uses tonic's 11-class labels (oh = 0, 1-9, zero = 10): set data.audio_labels = \"tonic\""
    );
    let seeds = Seeds::new(preset.seed);
    let data = ctx
        .stages
        .run("open data", || Ok(preset.data.audio(seeds)?))?;
    supervised::run(ctx, preset, data, &TASK)
}
