//! Fig. 2 of the paper: N-MNIST classification with the LSM on ideal
//! weights (software) and on the simulated chip (hardware).

use crate::error::Result;
use costmodel::paper::Task as CostTask;
use events::VisionBinning;
use seeds::Seeds;

use crate::baselines::BaselineSettings;
use crate::context::{Ctx, FigureOutput};
use crate::supervised::{self, SupervisedPreset, Task};

/// The N-MNIST task as the paper reports it.
pub const TASK: Task = Task {
    title: "Fig. 2: N-MNIST classification with the RRAM liquid state machine",
    dataset: "N-MNIST",
    paper_accuracy: (89.11, 89.66),
    paper_baselines: &[("SRNN-ANN", 96.96), ("SRNN-SNN", 93.93), ("RNN-ANN", 96.23)],
    baseline_settings: BaselineSettings::nmnist,
    cost_task: CostTask::Nmnist,
    tsne_dims: 2,
    classes: 10,
    class_name: digit_name,
};

fn digit_name(k: usize) -> String {
    k.to_string()
}

/// Runs Fig. 2.
pub fn run(ctx: &mut Ctx<'_>) -> Result<FigureOutput<supervised::SupervisedPanels>> {
    let (preset, path) = ctx.preset::<SupervisedPreset<VisionBinning>>(Some("data"))?;
    preset.validate(&path)?;
    let seeds = Seeds::new(preset.seed);
    let data = ctx
        .stages
        .run("open data", || Ok(preset.data.vision(seeds)?))?;
    supervised::run(ctx, preset, data, &TASK)
}
