//! The supervised pipeline shared by Fig. 2 (N-MNIST) and Fig. 3
//! (N-TIDIGITS): events -> spike rasters -> the reservoir on ideal weights
//! ("software") and on the simulated chip ("hardware") -> spike counts ->
//! a trained linear readout -> accuracy, confusion, t-SNE, costs.

use std::path::Path;
use std::sync::Arc;

use crate::error::{Context, Result, bail, ensure};
use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{Macro, MacroParams};
use costmodel::paper::{
    Task as CostTask, TrainingLayerRow, inference_row, run_energy, training_layer_rows,
    training_rows,
};
use costmodel::{
    CrossbarMapping, DigitalBaseline, LayerKind, OpCounts, ReadGeometry, TableSet, TechTables,
    TrainingConvention, Workload,
};
use events::{Binner, DataConfig, Dataset, EventSource, SpikeRaster, Split};
use lsm::{
    EncodeOptions, Features, MacroSynapses, Real, Reservoir, ReservoirParams, Synapses, Trace,
    analysis::FiringStats, device_weights,
};
use nalgebra::DMatrix;
use param_guard::ParamGuard;
use readout::{ClassificationReport, Classifier, ClassifierParams, Scaler, ScalingParams};
use seeds::Seeds;
use serde::{Deserialize, Serialize};

use crate::baselines::{
    self, BaselineData, BaselineResult, BaselineSettings, BaselinesPreset, StepBinning,
};
use crate::context::{Ctx, FigureOutput};
use crate::controls::{
    ControlInputs, ControlSettings, Controls, reservoir_time_binned, run_controls,
};
use crate::output::Stages;
use crate::report::{Report, Row, Summary, pct};
use crate::streams::{self, Draw};

/// Caps on the number of samples per class, for real and emulated data
/// (synthetic data are generated at the sizes of `data.source`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// At most this many training samples per class (`None`: all).
    pub train_per_class: Option<usize>,
    /// At most this many test samples per class (`None`: all).
    pub test_per_class: Option<usize>,
}

/// Settings of the figure's panels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PanelSettings {
    /// Test samples embedded by t-SNE (the first ones in test order).
    pub tsne_samples: usize,
    /// t-SNE perplexity.
    pub tsne_perplexity: f64,
    /// Neurons whose membrane potential is traced for the example sample.
    pub traced_neurons: usize,
    /// Frames of the example sample's input shown.
    pub frames: usize,
}

impl Default for PanelSettings {
    fn default() -> Self {
        Self {
            tsne_samples: 1000,
            tsne_perplexity: 30.0,
            traced_neurons: 4,
            frames: 10,
        }
    }
}

/// The preset of a supervised figure (`data/presets/fig2.toml`,
/// `data/presets/fig3.toml`): every setting of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisedPreset<B> {
    /// Experiment seed.
    pub seed: u64,
    /// Data source, emulators, splits, labels.
    pub data: DataConfig,
    /// Sample caps for real and emulated data.
    #[serde(default)]
    pub limits: Limits,
    /// Events -> spike raster.
    pub binning: B,
    /// Device model of the cells.
    #[serde(default)]
    pub device: DeviceParams,
    /// How the cells are formed.
    #[serde(default)]
    pub program: Program,
    /// The crossbar macro.
    #[serde(rename = "macro", default)]
    pub chip: MacroParams,
    /// The macro partition the reservoir runs on.
    pub partition: String,
    /// The reservoir.
    pub reservoir: ReservoirParams,
    /// Feature scaling before the readout.
    pub scaling: ScalingParams,
    /// The trained linear readout.
    pub classifier: ClassifierParams,
    /// Which checkpoint of that readout the headline accuracy reports.
    #[serde(default)]
    pub checkpoint: Checkpoint,
    /// The converged readout and the input-only controls beside the
    /// paper's readout.
    #[serde(default)]
    pub controls: ControlSettings,
    /// The trained recurrent baselines run beside the LSM.
    #[serde(default)]
    pub baselines: BaselinesPreset,
    /// Panel settings.
    #[serde(default)]
    pub panels: PanelSettings,
}

impl<B: ParamGuard<Error = events::Error>> SupervisedPreset<B> {
    /// Checks the data, binning, reservoir and baselines tables; an error
    /// names the preset file `path`, the table and the key.
    pub fn validate(&self, path: &Path) -> Result<()> {
        let at = |table: &str| format!("preset {}: [{table}]", path.display());
        self.data.validate().with_context(|| at("data"))?;
        self.binning.validate().with_context(|| at("binning"))?;
        self.reservoir.validate().with_context(|| at("reservoir"))?;
        self.baselines.validate().with_context(|| at("baselines"))
    }
}

/// Which epoch of the paper's Adam readout the headline test accuracy
/// (`test_accuracy_software` / `_hardware`) reports. Both are always
/// computed and reported; the difference is the optimism of selecting on
/// the test set (`checkpoint_optimism_*_points`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checkpoint {
    /// The epoch chosen on a validation split carved from the training
    /// data (the classifier's `validation_fraction`); the test set is
    /// touched once, at the end.
    #[default]
    Validation,
    /// The authors' protocol: train on all training samples and keep the
    /// epoch with the best test accuracy. Optimistic by construction;
    /// reports label it so.
    AuthorsTestSet,
}

impl Checkpoint {
    /// The name written to `summary.json` and the report.
    pub fn name(self) -> &'static str {
        match self {
            Checkpoint::Validation => "validation",
            Checkpoint::AuthorsTestSet => "authors-test-set",
        }
    }
}

/// What differs between the supervised figures.
#[derive(Debug)]
pub struct Task {
    /// Report title.
    pub title: &'static str,
    /// The dataset's name.
    pub dataset: &'static str,
    /// The paper's LSM accuracy, software and hardware, percent.
    pub paper_accuracy: (f64, f64),
    /// The paper's baselines: (name, accuracy in percent).
    pub paper_baselines: &'static [(&'static str, f64)],
    /// The authors' settings of the baselines for this dataset.
    pub baseline_settings: fn() -> BaselineSettings,
    /// The cost model's task.
    pub cost_task: CostTask,
    /// t-SNE dimensions (2 for Fig. 2, 3 for Fig. 3).
    pub tsne_dims: usize,
    /// Number of classes.
    pub classes: usize,
    /// Name of class `k` for axes and legends.
    pub class_name: fn(usize) -> String,
}

/// Everything the panels of a supervised figure show.
#[derive(Debug)]
pub struct SupervisedPanels {
    /// Which figure.
    pub task: &'static Task,
    /// The example sample's input raster (the first test sample).
    pub example_raster: SpikeRaster,
    /// Its label.
    pub example_label: usize,
    /// Input frames to show.
    pub frames: usize,
    /// The example's trace on the software reservoir.
    pub trace: Trace,
    /// The reservoir neurons' firing threshold, in the trace's units.
    pub v_th: f64,
    /// t-SNE of the software test features (rows = samples).
    pub embedding: DMatrix<f64>,
    /// Labels of the embedded samples.
    pub embedding_labels: Vec<usize>,
    /// Test metrics, software.
    pub confusion_software: ClassificationReport,
    /// Test metrics, hardware.
    pub confusion_hardware: ClassificationReport,
    /// Costs.
    pub costs: Costs,
    /// Measured baselines: (name as in the paper's list, test accuracy in percent).
    pub baselines: Vec<(String, f64)>,
}

fn labels_usize(labels: &[u16]) -> Vec<usize> {
    labels.iter().map(|&l| usize::from(l)).collect()
}

/// Bins every sample of `data` in parallel with a progress bar.
pub fn rasters<S, B>(data: &Dataset<S>, binning: &B, what: &str) -> Result<Vec<SpikeRaster>>
where
    S: EventSource,
    B: Binner<S::Event>,
{
    let bar = crate::progress::bar(data.len() as u64, what);
    let out = data.par_map(|_, _, stream| {
        let r = binning.bin_stream(&stream);
        bar.inc(1);
        r
    });
    bar.finish();
    Ok(out?)
}

/// Encodes rasters with a progress bar.
pub fn encode<F: Real, S: Synapses<F>>(
    reservoir: &Reservoir<F, S>,
    rasters: &[SpikeRaster],
    options: EncodeOptions,
    what: &str,
) -> Result<Features> {
    let bar = crate::progress::bar(rasters.len() as u64, what);
    let f = reservoir.encode_with(rasters.len(), |i| Ok(&rasters[i]), options, &|done| {
        bar.set_position(done as u64)
    });
    bar.finish();
    Ok(f?)
}

/// Both reservoirs of a figure: software (ideal weights from the device
/// model) and hardware (the simulated macro).
pub struct Reservoirs {
    /// Ideal weights drawn from the device distribution.
    pub software: Reservoir<f32, lsm::DenseSynapses<f32>>,
    /// The macro partition.
    pub hardware: Reservoir<f32, MacroSynapses>,
}

/// Builds both reservoirs from the preset's device, program, macro and
/// reservoir settings.
pub fn reservoirs(
    device: &DeviceParams,
    program: &Program,
    chip: &MacroParams,
    partition: &str,
    reservoir: &ReservoirParams,
    seeds: Seeds,
) -> Result<Reservoirs> {
    let formed =
        Arc::new(Macro::program(chip, device, program, seeds).context("forming the macro")?);
    let hw = MacroSynapses::new(formed, partition, reservoir.n_in)?;
    let sw = device_weights::<f32>(
        reservoir.n_in,
        reservoir.n_res,
        device,
        program,
        &chip.weights,
        seeds,
    )?;
    Ok(Reservoirs {
        software: Reservoir::new(reservoir.clone(), sw)?,
        hardware: Reservoir::new(reservoir.clone(), hw)?,
    })
}

/// One backend's readout result.
#[derive(Debug)]
pub struct ReadoutResult {
    /// Test metrics.
    pub test: ClassificationReport,
    /// Training cost of the readout (forward + backward MACs etc.), total.
    pub training_ops: OpCounts,
    /// Epoch selected on the validation split.
    pub selected_epoch: usize,
    /// Scaled test features (for t-SNE).
    pub test_scaled: DMatrix<f64>,
    /// Predicted test labels.
    pub predicted: Vec<usize>,
}

impl ReadoutResult {
    /// A fitted readout's predictions and metrics on the scaled test
    /// features.
    fn on_test(
        fit: &readout::ClassifierFit,
        test_scaled: DMatrix<f64>,
        test_labels: &[usize],
        classes: usize,
    ) -> Result<ReadoutResult> {
        let predicted = fit.model.predict(&test_scaled)?;
        Ok(ReadoutResult {
            test: ClassificationReport::new(test_labels, &predicted, classes)?,
            training_ops: fit.cost.op_counts(),
            selected_epoch: fit.selected_epoch,
            test_scaled,
            predicted,
        })
    }
}

/// Scales features (fitted on the training split only), trains the readout
/// (model selection on a validation split carved from the training data),
/// evaluates on the test split.
pub fn train_readout(
    scaling: &ScalingParams,
    classifier: &ClassifierParams,
    (train, train_labels): (&Features, &[usize]),
    (test, test_labels): (&Features, &[usize]),
    classes: usize,
    seeds: Seeds,
) -> Result<ReadoutResult> {
    let (scaler, x) = Scaler::fit_transform(scaling, &train.to_matrix())?;
    let fit = Classifier::fit(classifier, &x, train_labels, classes, seeds)?;
    let test_scaled = scaler.transform(&test.to_matrix())?;
    ReadoutResult::on_test(&fit, test_scaled, test_labels, classes)
}

/// The authors' checkpoint selection: scales on all training samples,
/// trains the readout on all of them and keeps the epoch with the best
/// accuracy on the test split itself (no validation split; no early
/// stopping). Optimistic by construction: the test set chose the model.
pub fn train_readout_selected_on_test(
    scaling: &ScalingParams,
    classifier: &ClassifierParams,
    (train, train_labels): (&Features, &[usize]),
    (test, test_labels): (&Features, &[usize]),
    classes: usize,
    seeds: Seeds,
) -> Result<ReadoutResult> {
    let (scaler, x) = Scaler::fit_transform(scaling, &train.to_matrix())?;
    let test_scaled = scaler.transform(&test.to_matrix())?;
    let params = ClassifierParams {
        selection: readout::Selection::ValidationAccuracy,
        patience: None,
        ..*classifier
    };
    let fit = Classifier::fit_with_validation(
        &params,
        &x,
        train_labels,
        &test_scaled,
        test_labels,
        classes,
        seeds,
    )?;
    ReadoutResult::on_test(&fit, test_scaled, test_labels, classes)
}

/// The reservoir's counted operations split into the cost model's layers,
/// per sample: input synapses, recurrent synapses, neurons, counters, and
/// the readout's inference (`n_res x classes` MACs).
pub fn per_sample_workload(
    ops: &OpCounts,
    samples: usize,
    n_res: usize,
    head_outputs: usize,
) -> Workload {
    let per = ops.scaled(1.0 / samples.max(1) as f64);
    let n = n_res as u64;
    let input_events = per.input_spikes * n;
    let recurrent_events = per.recurrent_spikes * n;
    let mut w = Workload::new();
    w.add(
        "input synapses",
        LayerKind::Input,
        OpCounts {
            input_spikes: per.input_spikes,
            synaptic_events: input_events,
            add_fp32: input_events,
            ..OpCounts::default()
        },
    );
    w.add(
        "recurrent synapses",
        LayerKind::Recurrent,
        OpCounts {
            recurrent_spikes: per.recurrent_spikes,
            synaptic_events: recurrent_events,
            add_fp32: recurrent_events,
            ..OpCounts::default()
        },
    );
    w.add(
        "neurons",
        LayerKind::Neurons,
        OpCounts {
            neuron_updates: per.neuron_updates,
            mul_fp32: per.mul_fp32,
            add_fp32: per.add_fp32.saturating_sub(input_events + recurrent_events),
            compare: per.compare,
            ..OpCounts::default()
        },
    );
    w.add(
        "counters",
        LayerKind::Counters,
        OpCounts {
            add_int: per.add_int,
            ..OpCounts::default()
        },
    );
    w.add(
        "readout",
        LayerKind::Readout,
        OpCounts {
            mac_fp32: (n_res * head_outputs) as u64,
            ..OpCounts::default()
        },
    );
    w
}

/// Loads the committed technology tables.
pub fn tech_tables(set: TableSet) -> Result<TechTables> {
    let dir = costmodel::tech_dir(&crate::workspace_root());
    TechTables::load_set(&dir, set)
        .with_context(|| format!("loading the technology tables in {}", dir.display()))
}

/// The prepared data of a supervised run: splits, labels, rasters.
pub struct Prepared {
    /// Training labels.
    pub train_y: Vec<usize>,
    /// Test labels.
    pub test_y: Vec<usize>,
    /// Training rasters.
    pub train_r: Vec<SpikeRaster>,
    /// Test rasters.
    pub test_r: Vec<SpikeRaster>,
    /// Time steps per sample.
    pub steps: usize,
}

/// Splits the data (with the preset's caps), checks the labels and bins
/// every sample.
pub fn prepare<S, B>(
    stages: &mut Stages,
    data: &Dataset<S>,
    binning: &B,
    limits: &Limits,
    task: &Task,
    seeds: Seeds,
) -> Result<Prepared>
where
    S: EventSource,
    B: Binner<S::Event>,
{
    let (train, test) = stages.run("split", || {
        split_capped(data, limits, task.classes, task.dataset, seeds)
    })?;
    tracing::info!("{} training and {} test samples", train.len(), test.len());
    let (train_r, test_r) = stages.run("bin events", || {
        Ok((
            rasters(&train, binning, "binning train")?,
            rasters(&test, binning, "binning test")?,
        ))
    })?;
    Ok(Prepared {
        train_y: labels_usize(train.labels()),
        test_y: labels_usize(test.labels()),
        steps: train_r.first().map_or(0, SpikeRaster::steps),
        train_r,
        test_r,
    })
}

/// The training and test splits of `data`, each capped per class by
/// `limits` ([`Draw::TrainCap`], [`Draw::TestCap`]), checked non-empty and
/// with every label below `classes` (`dataset` names them in errors).
pub fn split_capped<S: EventSource>(
    data: &Dataset<S>,
    limits: &Limits,
    classes: usize,
    dataset: &str,
    seeds: Seeds,
) -> Result<(Dataset<S>, Dataset<S>)> {
    let mut train = data.split(Split::Train);
    let mut test = data.split(Split::Test);
    if let Some(n) = limits.train_per_class {
        train = cap_per_class(&train, n, seeds, Draw::TrainCap)?;
    }
    if let Some(n) = limits.test_per_class {
        test = cap_per_class(&test, n, seeds, Draw::TestCap)?;
    }
    ensure!(
        !train.is_empty() && !test.is_empty(),
        "the data have {} training and {} test samples; both must be non-empty",
        train.len(),
        test.len()
    );
    if let Some(bad) = train
        .labels()
        .iter()
        .chain(test.labels())
        .find(|&&l| usize::from(l) >= classes)
    {
        bail!("label {bad} is outside the {classes} classes of {dataset}");
    }
    Ok((train, test))
}

/// At most `cap` samples of every class (all of a class that has fewer),
/// drawn from the stream of `draw`.
pub fn cap_per_class<S: EventSource>(
    data: &Dataset<S>,
    cap: usize,
    seeds: Seeds,
    draw: Draw,
) -> Result<Dataset<S>> {
    cap_each_class(data, |_| cap, seeds, draw)
}

/// [`cap_per_class`] with a cap per class (`usize::MAX`: every sample of
/// that class); the same random draw as [`cap_per_class`] where the caps
/// agree.
pub fn cap_each_class<S: EventSource>(
    data: &Dataset<S>,
    cap: impl Fn(u16) -> usize,
    seeds: Seeds,
    draw: Draw,
) -> Result<Dataset<S>> {
    let counts = data
        .class_counts()
        .into_iter()
        .map(|(c, n)| (c, n.min(cap(c))))
        .collect();
    Ok(data.subsample_to_counts(&counts, &mut draw.rng(seeds))?)
}

/// Spike-count features of both splits on one reservoir.
pub struct Encoded {
    /// Training features.
    pub train: Features,
    /// Test features.
    pub test: Features,
}

/// Encodes both splits, each keyed by its [`lsm::Split`] (training keys
/// from 0, test keys from 2^32).
pub fn encode_splits<S: Synapses<f32>>(
    reservoir: &Reservoir<f32, S>,
    prepared: &Prepared,
    seeds: Seeds,
    what: &str,
) -> Result<Encoded> {
    Ok(Encoded {
        train: encode(
            reservoir,
            &prepared.train_r,
            EncodeOptions::for_split(seeds, lsm::Split::Train),
            &format!("{what} train"),
        )?,
        test: encode(
            reservoir,
            &prepared.test_r,
            EncodeOptions::for_split(seeds, lsm::Split::Test),
            &format!("{what} test"),
        )?,
    })
}

/// A reservoir's spikes in `bins` time bins on both splits (train, test),
/// with the read noise of [`encode_splits`].
pub(crate) fn split_time_bins<S: Synapses<f32>>(
    reservoir: &Reservoir<f32, S>,
    prepared: &Prepared,
    seeds: Seeds,
    bins: usize,
) -> Result<(DMatrix<f64>, DMatrix<f64>)> {
    let run = |rasters: &[SpikeRaster], split| {
        reservoir_time_binned(
            reservoir,
            rasters,
            EncodeOptions::for_split(seeds, split),
            bins,
        )
    };
    Ok((
        run(&prepared.train_r, lsm::Split::Train)?,
        run(&prepared.test_r, lsm::Split::Test)?,
    ))
}

/// Trains and evaluates the readout on encoded features.
pub fn evaluate(
    scaling: &ScalingParams,
    classifier: &ClassifierParams,
    encoded: &Encoded,
    prepared: &Prepared,
    classes: usize,
    seeds: Seeds,
) -> Result<ReadoutResult> {
    train_readout(
        scaling,
        classifier,
        (&encoded.train, &prepared.train_y),
        (&encoded.test, &prepared.test_y),
        classes,
        seeds,
    )
}

/// The example sample of the panels: the first test sample.
const EXAMPLE: usize = 0;

/// Runs the whole supervised figure: split and bin the data, encode it on
/// both reservoirs, train the readouts and the baselines, embed, trace the
/// example sample, price, and summarise.
pub fn run<S, B>(
    ctx: &mut Ctx<'_>,
    preset: SupervisedPreset<B>,
    data: Dataset<S>,
    task: &'static Task,
) -> Result<FigureOutput<SupervisedPanels>>
where
    S: EventSource,
    B: Binner<S::Event> + StepBinning + Serialize,
{
    preset.baselines.validate()?;
    let seeds = Seeds::new(preset.seed);
    let source = preset.data.source.kind().to_owned();
    let resolved = serde_json::to_value(&preset)?;
    let prepared = prepare(
        &mut ctx.stages,
        &data,
        &preset.binning,
        &preset.limits,
        task,
        seeds,
    )?;
    let res = ctx.stages.run("form the macro", || {
        reservoirs(
            &preset.device,
            &preset.program,
            &preset.chip,
            &preset.partition,
            &preset.reservoir,
            seeds,
        )
    })?;
    let software = ctx.stages.run("reservoir (software)", || {
        encode_splits(&res.software, &prepared, seeds, "software")
    })?;
    let hardware = ctx.stages.run("reservoir (hardware)", || {
        encode_splits(&res.hardware, &prepared, seeds, "hardware")
    })?;
    let (sw, hw, other) = fit_readouts(
        &mut ctx.stages,
        &preset,
        (&software, &hardware),
        &prepared,
        task,
        seeds,
    )?;
    let controls = ctx
        .stages
        .run("converged readouts and input-only controls", || {
            let k = preset.controls.time_bins;
            let sw_bins = split_time_bins(&res.software, &prepared, seeds, k)?;
            let hw_bins = split_time_bins(&res.hardware, &prepared, seeds, k)?;
            run_controls(
                &preset.controls,
                &ControlInputs {
                    software: (&software.train, &software.test),
                    hardware: (&hardware.train, &hardware.test),
                    software_time_bins: (&sw_bins.0, &sw_bins.1),
                    hardware_time_bins: (&hw_bins.0, &hw_bins.1),
                    rasters: (&prepared.train_r, &prepared.test_r),
                    labels: (&prepared.train_y, &prepared.test_y),
                    channels: preset.reservoir.n_in,
                    classes: task.classes,
                },
                seeds,
            )
        })?;
    let baseline_results = run_baselines(ctx, &preset, &data, &prepared, task, seeds)?;
    let n_tsne = preset.panels.tsne_samples.min(prepared.test_y.len());
    let embedding = ctx.stages.run("t-SNE", || {
        embed(&preset.panels, &sw.test_scaled, n_tsne, task, preset.seed)
    })?;
    let trace = trace_example(&preset, &res.software, &prepared, seeds)?;
    let costs = ctx.stages.run("costs", || {
        costs(
            task,
            &preset.reservoir,
            &software.test,
            &hardware.test,
            &sw,
            prepared.train_y.len(),
            preset.classifier.epochs,
        )
    })?;
    let measured = Measured {
        prepared: &prepared,
        rates: (
            lsm::analysis::firing_stats(&software.test),
            lsm::analysis::firing_stats(&hardware.test),
        ),
        software_test: &software.test,
        sw: &sw,
        hw: &hw,
        checkpoint: preset.checkpoint,
        other_checkpoint: (&other.0, &other.1),
        analysis: ctx.stages.run("reservoir analysis", || -> Result<_> {
            Ok((
                analyse(&res.software, &software.test, &prepared.test_y)?,
                analyse(&res.hardware, &hardware.test, &prepared.test_y)?,
            ))
        })?,
        controls: &controls,
        baselines: &baseline_results,
        costs: &costs,
    };
    let summary = summarise(task, &source, &measured);
    let report = report(task, &preset, &source, &measured);
    let panels = SupervisedPanels {
        task,
        example_raster: prepared.test_r[EXAMPLE].clone(),
        example_label: prepared.test_y[EXAMPLE],
        frames: preset.panels.frames,
        trace,
        v_th: preset.reservoir.neuron.v_th,
        embedding,
        embedding_labels: prepared.test_y[..n_tsne].to_vec(),
        confusion_software: sw.test,
        confusion_hardware: hw.test,
        costs,
        baselines: baseline_results
            .iter()
            .map(|r| (r.model.name().to_owned(), 100.0 * r.test.accuracy))
            .collect(),
    };
    Ok(FigureOutput {
        summary,
        report,
        resolved,
        seed: preset.seed,
        data_source: source,
        panels,
        stages: ctx.finish(),
    })
}

/// Software, hardware, and the other selection's (software, hardware).
type Readouts = (ReadoutResult, ReadoutResult, (ReadoutResult, ReadoutResult));

/// The paper's readout on both backends, selected on validation and (the
/// authors' protocol) on the test set: `(software, hardware, the other
/// selection's (software, hardware))`, the first two by the preset's
/// checkpoint option.
fn fit_readouts<B>(
    stages: &mut Stages,
    preset: &SupervisedPreset<B>,
    (software, hardware): (&Encoded, &Encoded),
    prepared: &Prepared,
    task: &Task,
    seeds: Seeds,
) -> Result<Readouts> {
    let readout = |encoded: &Encoded| {
        evaluate(
            &preset.scaling,
            &preset.classifier,
            encoded,
            prepared,
            task.classes,
            seeds,
        )
    };
    let on_validation = (
        stages.run("readout (software)", || readout(software))?,
        stages.run("readout (hardware)", || readout(hardware))?,
    );
    let on_test = stages.run("readout, selected on test (authors' protocol)", || {
        let fit = |e: &Encoded| {
            train_readout_selected_on_test(
                &preset.scaling,
                &preset.classifier,
                (&e.train, &prepared.train_y),
                (&e.test, &prepared.test_y),
                task.classes,
                seeds,
            )
        };
        Ok((fit(software)?, fit(hardware)?))
    })?;
    Ok(match preset.checkpoint {
        Checkpoint::Validation => (on_validation.0, on_validation.1, on_test),
        Checkpoint::AuthorsTestSet => (on_test.0, on_test.1, on_validation),
    })
}

/// t-SNE of the first `n` scaled software test features.
fn embed(
    panels: &PanelSettings,
    test_scaled: &DMatrix<f64>,
    n: usize,
    task: &Task,
    seed: u64,
) -> Result<DMatrix<f64>> {
    let x = test_scaled.rows(0, n).into_owned();
    let perplexity = panels.tsne_perplexity.min(((n.max(2) - 1) as f64) / 3.0);
    Ok(readout::tsne(&x, task.tsne_dims, perplexity, seed)?)
}

/// The membrane potentials of the first `panels.traced_neurons` neurons
/// while the software reservoir runs the example sample, with the read
/// noise that sample had in the test encoding.
fn trace_example<B, S: Synapses<f32>>(
    preset: &SupervisedPreset<B>,
    reservoir: &Reservoir<f32, S>,
    prepared: &Prepared,
    seeds: Seeds,
) -> Result<Trace> {
    let n_res = preset.reservoir.n_res;
    let mut trace = Trace {
        record_first_spike: false,
        ..Trace::new((0..preset.panels.traced_neurons.min(n_res) as u32).collect())
    };
    let mut ws = reservoir.workspace()?;
    let mut counts = vec![0; n_res];
    let mut rng = streams::sample_rng(EncodeOptions::for_split(seeds, lsm::Split::Test), EXAMPLE);
    reservoir.run(
        &prepared.test_r[EXAMPLE],
        &mut ws,
        &mut rng,
        &mut counts,
        Some(&mut trace),
    )?;
    Ok(trace)
}

/// Reservoir analysis metrics of one backend, on its test features.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Analysis {
    /// Spectral radius of the recurrent weights.
    pub spectral_radius: f64,
    /// Mean between-class over mean within-class distance of the first
    /// [`ANALYSIS_SAMPLES`] test samples' spike counts.
    pub separation_ratio: f64,
    /// Kernel rank: singular values of the same samples' state matrix above
    /// 1e-3 times the largest.
    pub kernel_rank: usize,
}

/// Test samples the separation and kernel rank are measured on (all pairs
/// are compared, so the cost grows with its square).
pub const ANALYSIS_SAMPLES: usize = 500;

/// The analysis metrics of one reservoir's test features.
pub fn analyse<S: Synapses<f32>>(
    reservoir: &Reservoir<f32, S>,
    test: &Features,
    test_y: &[usize],
) -> Result<Analysis> {
    let m = ANALYSIS_SAMPLES.min(test.samples);
    let head = Features {
        samples: m,
        n_res: test.n_res,
        counts: test.counts[..m * test.n_res].to_vec(),
        steps: test.steps[..m].to_vec(),
        ops: test.ops,
    };
    let separation_ratio =
        lsm::analysis::separation(&head, &test_y[..m]).map_or(f64::NAN, |s| s.ratio);
    Ok(Analysis {
        spectral_radius: lsm::analysis::spectral_radius(reservoir.synapses()),
        separation_ratio,
        kernel_rank: lsm::analysis::effective_rank(&head, 1e-3)?,
    })
}

/// What a supervised run measured, for its summary and report.
struct Measured<'a> {
    prepared: &'a Prepared,
    /// Firing statistics of the test features: software, hardware.
    rates: (FiringStats, FiringStats),
    software_test: &'a Features,
    sw: &'a ReadoutResult,
    hw: &'a ReadoutResult,
    /// The checkpoint selection of `sw` and `hw`.
    checkpoint: Checkpoint,
    /// The readouts with the other checkpoint selection: software, hardware.
    other_checkpoint: (&'a ReadoutResult, &'a ReadoutResult),
    /// Reservoir analysis: software, hardware.
    analysis: (Analysis, Analysis),
    controls: &'a Controls,
    baselines: &'a [BaselineResult],
    costs: &'a Costs,
}

/// The flat numbers of `summary.json`.
fn summarise(task: &Task, source: &str, m: &Measured<'_>) -> Summary {
    let (train_len, test_len) = (m.prepared.train_y.len(), m.prepared.test_y.len());
    let (sw, hw) = (m.sw, m.hw);
    let mut summary = Summary::default();
    summary.text("data_source", source);
    summary.int("train_samples", train_len as u64);
    summary.int("test_samples", test_len as u64);
    summary.int("classes", task.classes as u64);
    summary.int("time_steps", m.prepared.steps as u64);
    summary.num("test_accuracy_software", 100.0 * sw.test.accuracy);
    summary.num("test_accuracy_hardware", 100.0 * hw.test.accuracy);
    summary.num("macro_f1_software", 100.0 * sw.test.macro_f1);
    summary.num("macro_f1_hardware", 100.0 * hw.test.macro_f1);
    summary.int("selected_epoch_software", sw.selected_epoch as u64);
    summary.int("selected_epoch_hardware", hw.selected_epoch as u64);
    summarise_checkpoints(m, &mut summary);
    let test_y = &m.prepared.test_y;
    for (name, r) in [("software", sw), ("hardware", hw)] {
        let (lo, hi) = interval_pct(r, test_y);
        summary.num(&format!("test_accuracy_{name}_ci_low"), lo);
        summary.num(&format!("test_accuracy_{name}_ci_high"), hi);
    }
    if let Ok(t) = readout::mcnemar(test_y, &hw.predicted, &sw.predicted) {
        summary.num("mcnemar_p_hw_sw", t.p_value);
    }
    for (name, a) in [("software", &m.analysis.0), ("hardware", &m.analysis.1)] {
        summary.num(&format!("spectral_radius_{name}"), a.spectral_radius);
        summary.num(&format!("separation_ratio_{name}"), a.separation_ratio);
        summary.int(&format!("kernel_rank_{name}"), a.kernel_rank as u64);
    }
    m.controls.summarise(&mut summary);
    let (rs, rh) = &m.rates;
    summary.num("mean_rate_software", rs.mean_rate);
    summary.num("mean_rate_hardware", rh.mean_rate);
    summary.num("silent_fraction_software", rs.silent_fraction);
    summary.num("silent_fraction_hardware", rh.silent_fraction);
    summary.num(
        "input_events_per_sample",
        m.software_test.ops.input_spikes as f64 / test_len as f64,
    );
    m.costs.summarise(&mut summary);
    baselines::summarise(m.baselines, &mut summary);
    summary
}

/// Both checkpoint selections of the paper's readout: which one the
/// headline reports, the other's accuracy, and the optimism of selecting
/// on the test set (test-selected minus validation-selected, points).
fn summarise_checkpoints(m: &Measured<'_>, summary: &mut Summary) {
    summary.text("checkpoint_selection", m.checkpoint.name());
    for (name, head, other) in [
        ("software", m.sw, m.other_checkpoint.0),
        ("hardware", m.hw, m.other_checkpoint.1),
    ] {
        let (on_val, on_test) = match m.checkpoint {
            Checkpoint::Validation => (head, other),
            Checkpoint::AuthorsTestSet => (other, head),
        };
        summary.num(
            &format!("test_accuracy_{name}_selected_on_validation"),
            100.0 * on_val.test.accuracy,
        );
        summary.num(
            &format!("test_accuracy_{name}_selected_on_test"),
            100.0 * on_test.test.accuracy,
        );
        summary.int(
            &format!("selected_on_test_epoch_{name}"),
            on_test.selected_epoch as u64,
        );
        summary.num(
            &format!("checkpoint_optimism_{name}_points"),
            100.0 * (on_test.test.accuracy - on_val.test.accuracy),
        );
    }
}

/// The 95 % Wilson interval of a readout's test accuracy, in percent.
fn interval_pct(r: &ReadoutResult, test_y: &[usize]) -> (f64, f64) {
    let correct = r
        .predicted
        .iter()
        .zip(test_y)
        .filter(|(p, y)| p == y)
        .count();
    let (lo, hi) = readout::wilson_interval(correct, test_y.len());
    (100.0 * lo, 100.0 * hi)
}

/// `report.md`: our numbers beside the paper's.
fn report<B>(task: &Task, preset: &SupervisedPreset<B>, source: &str, m: &Measured<'_>) -> Report {
    let (sw, hw) = (m.sw, m.hw);
    let mut report = Report {
        title: task.title.to_owned(),
        data_source: data_source_words(
            &preset.data,
            source,
            m.prepared.train_y.len(),
            m.prepared.test_y.len(),
        ),
        ..Report::default()
    };
    let (p_sw, p_hw) = task.paper_accuracy;
    let test_y = &m.prepared.test_y;
    let with_interval = |r: &ReadoutResult| {
        let (lo, hi) = interval_pct(r, test_y);
        format!("{} [{lo:.1}, {hi:.1}]", pct(100.0 * r.test.accuracy))
    };
    let p_hw_sw =
        readout::mcnemar(test_y, &hw.predicted, &sw.predicted).map_or(f64::NAN, |t| t.p_value);
    let selected = match m.checkpoint {
        Checkpoint::Validation => "epoch selected on validation",
        Checkpoint::AuthorsTestSet => {
            "epoch selected ON THE TEST SET, the authors' protocol: optimistic"
        }
    };
    report.rows.push(Row::new(
        &format!("LSM-ANN test accuracy, software (ideal weights from the device model; paper's Adam readout, {selected})"),
        with_interval(sw),
        &pct(p_sw),
        &accuracy_comment(source, 100.0 * sw.test.accuracy, p_sw),
    ));
    report.rows.push(Row::new(
        &format!("LSM-ANN test accuracy, hardware (simulated macro: read noise, 14-bit ADC; paper's Adam readout, {selected})"),
        with_interval(hw),
        &pct(p_hw),
        &format!(
            "hardware minus software: {:+.2} points here (McNemar exact p = {p_hw_sw:.3}), {:+.2} in the paper",
            100.0 * (hw.test.accuracy - sw.test.accuracy),
            p_hw - p_sw
        ),
    ));
    checkpoint_rows(m, &mut report);
    m.controls.report_rows(&mut report);
    baselines::report_rows(
        m.baselines,
        task.paper_baselines,
        (100.0 * sw.test.accuracy, p_sw),
        source,
        &mut report,
    );
    m.costs.report_rows(&mut report);
    let (rs, rh) = &m.rates;
    let r = &preset.reservoir;
    report.notes.push(format!(
        "Reservoir: {} inputs, {} LIF neurons, decay {}, threshold {}, gain {}, {} time steps; mean firing rate {:.4} (software) and {:.4} (hardware) spikes per neuron per step; {:.1} % (software) of the neurons never fired on the test set.",
        r.n_in,
        r.n_res,
        r.neuron.decay,
        r.neuron.v_th,
        r.neuron.gain,
        m.prepared.steps,
        rs.mean_rate,
        rh.mean_rate,
        100.0 * rs.silent_fraction
    ));
    let (a_s, a_h) = &m.analysis;
    report.notes.push(format!(
        "Reservoir analysis (software / hardware): spectral radius of the recurrent weights {:.3} / {:.3}; class separation ratio (between- over within-class distance of the test spike counts) {:.3} / {:.3}; kernel rank {} / {} of {} neurons.",
        a_s.spectral_radius,
        a_h.spectral_radius,
        a_s.separation_ratio,
        a_h.separation_ratio,
        a_s.kernel_rank,
        a_h.kernel_rank,
        r.n_res
    ));
    report
}

/// The optimism of the authors' test-set checkpoint selection, per backend.
fn checkpoint_rows(m: &Measured<'_>, report: &mut Report) {
    for (name, head, other) in [
        ("software", m.sw, m.other_checkpoint.0),
        ("hardware", m.hw, m.other_checkpoint.1),
    ] {
        let (on_val, on_test) = match m.checkpoint {
            Checkpoint::Validation => (head, other),
            Checkpoint::AuthorsTestSet => (other, head),
        };
        report.rows.push(Row::new(
            &format!("LSM-ANN test accuracy, {name}, epoch selected on the test set (the authors' protocol) / on validation (ours)"),
            format!(
                "{} / {}",
                pct(100.0 * on_test.test.accuracy),
                pct(100.0 * on_val.test.accuracy)
            ),
            "-",
            &format!(
                "optimism of selecting on the test set: {:+.2} points (epochs {} / {}; the test-selected readout also trains on the validation samples)",
                100.0 * (on_test.test.accuracy - on_val.test.accuracy),
                on_test.selected_epoch,
                on_val.selected_epoch
            ),
        ));
    }
}

/// Trains the preset's baselines on the figure's splits, binned at each
/// model's steps (the LSM's rasters when the steps agree).
fn run_baselines<S, B>(
    ctx: &mut Ctx<'_>,
    preset: &SupervisedPreset<B>,
    data: &Dataset<S>,
    prepared: &Prepared,
    task: &Task,
    seeds: Seeds,
) -> Result<Vec<BaselineResult>>
where
    S: EventSource,
    B: Binner<S::Event> + StepBinning,
{
    let settings = (task.baseline_settings)();
    let mut out = Vec::new();
    // Rasters re-binned at other step counts, shared by the models that use
    // the same count.
    let mut rebinned: Vec<(usize, Prepared)> = Vec::new();
    for &model in &preset.baselines.models {
        let steps = settings.bin_steps(model);
        let p = match preset.binning.with_steps(steps) {
            Some(binning) if steps != prepared.steps => {
                if !rebinned.iter().any(|(s, _)| *s == steps) {
                    let again =
                        prepare(&mut ctx.stages, data, &binning, &preset.limits, task, seeds)?;
                    // The same seeds draw the same splits: checked, not assumed.
                    ensure!(
                        again.train_y == prepared.train_y && again.test_y == prepared.test_y,
                        "re-binning for {} changed the splits",
                        model.name()
                    );
                    rebinned.push((steps, again));
                }
                rebinned
                    .iter()
                    .find_map(|(s, r)| (*s == steps).then_some(r))
                    .unwrap_or(prepared)
            }
            _ => prepared,
        };
        let result = ctx.stages.run(&format!("baseline {}", model.name()), || {
            baselines::train_one(
                model,
                &settings,
                &preset.baselines,
                &BaselineData {
                    train: &p.train_r,
                    train_y: &p.train_y,
                    test: &p.test_r,
                    test_y: &p.test_y,
                },
                task.classes,
                seeds,
            )
        })?;
        tracing::info!(
            "{}: {:.2} % test accuracy ({} steps, {:.1} s)",
            model.name(),
            100.0 * result.test.accuracy,
            result.steps,
            result.seconds
        );
        out.push(result);
    }
    Ok(out)
}

fn data_source_words(config: &DataConfig, kind: &str, train: usize, test: usize) -> String {
    let what = match &config.source {
        events::DataSource::Real { .. } => "real recordings".to_owned(),
        events::DataSource::Emulated { mnist, wav } => {
            let p = |x: &Option<std::path::PathBuf>| x.as_ref().map(|p| p.display().to_string());
            format!(
                "emulated from {}",
                [p(mnist), p(wav)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        }
        events::DataSource::Synthetic(_) => {
            "built-in synthetic digits and speech through the emulators".to_owned()
        }
    };
    format!("{kind} ({what}), {train} training and {test} test samples")
}

fn accuracy_comment(source: &str, ours: f64, paper: f64) -> String {
    let diff = ours - paper;
    match source {
        "real" => format!("{diff:+.2} points on the same dataset"),
        _ => format!(
            "{diff:+.2} points, but on {source} data: the number measures this pipeline on other data, not a replication of the paper's accuracy"
        ),
    }
}

/// Training and inference costs of a supervised figure.
#[derive(Debug)]
pub struct Costs {
    /// (model, training MACs per sample under the paper convention).
    pub training: Vec<(String, f64)>,
    /// The same costs per model and layer, both conventions.
    pub training_layers: Vec<TrainingLayerRow>,
    /// The paper's ratios (model, paper ratio, our ratio).
    pub ratios: Vec<(String, f64, f64)>,
    /// Our readout's measured training MACs per sample and epoch.
    pub readout_macs_per_sample_epoch: f64,
    /// Per-sample energy of the counted (sparse) run: digital and hybrid, joules, per layer.
    pub layers: Vec<(String, f64, f64)>,
    /// Totals of the counted run: digital, hybrid (joules per sample).
    pub counted: (f64, f64),
    /// The dense estimate: digital, hybrid (joules per sample).
    pub dense: (f64, f64),
    /// The paper's: digital, hybrid (joules per sample, its rounded
    /// "about" values) and its stated ratio (not their quotient).
    pub paper: (f64, f64, f64),
    /// Hybrid energy per sample with the macro's own counts (joules).
    pub macro_counted_hybrid: f64,
}

impl Costs {
    fn summarise(&self, s: &mut Summary) {
        for (model, macs) in &self.training {
            s.num(&format!("training_macs_{}", snake(model)), *macs);
        }
        crate::training_cost::summarise(&self.training_layers, s);
        for (model, paper, ours) in &self.ratios {
            s.num(&format!("mac_ratio_{}_ours", snake(model)), *ours);
            s.num(&format!("mac_ratio_{}_paper", snake(model)), *paper);
        }
        s.num(
            "readout_training_macs_per_sample_epoch",
            self.readout_macs_per_sample_epoch,
        );
        s.num("energy_counted_digital_uj", self.counted.0 * 1e6);
        s.num("energy_counted_hybrid_uj", self.counted.1 * 1e6);
        s.num("energy_counted_ratio", self.counted.0 / self.counted.1);
        s.num("energy_dense_digital_uj", self.dense.0 * 1e6);
        s.num("energy_dense_hybrid_uj", self.dense.1 * 1e6);
        s.num("energy_dense_ratio", self.dense.0 / self.dense.1);
        s.num(
            "energy_macro_counted_hybrid_uj",
            self.macro_counted_hybrid * 1e6,
        );
    }

    fn report_rows(&self, report: &mut Report) {
        crate::training_cost::report_rows(&self.training_layers, &mut report.rows);
        for (model, paper, ours) in &self.ratios {
            report.rows.push(Row::new(
                &format!("training MACs, {model} / LSM-ANN (per sample)"),
                format!("{ours:.2}x"),
                &format!("{paper:.2}x"),
                &format!(
                    "ratio of ratios {:.3} under the paper convention (docs/costmodel.md)",
                    ours / paper
                ),
            ));
        }
        report.rows.push(Row::new(
            "inference energy per sample, digital / hybrid (dense estimate)",
            format!("{:.3} / {:.3} uJ ({:.2}x)", self.dense.0 * 1e6, self.dense.1 * 1e6, self.dense.0 / self.dense.1),
            &format!("about {:.2} / {:.2} uJ ({:.2}x)", self.paper.0 * 1e6, self.paper.1 * 1e6, self.paper.2),
            &format!(
                "literature technology tables (data/tech); absolute values depend on assumed converter and read energies; the paper's ratio is the one it states ({:.2}x, as `cargo xtask costs`), not the quotient of its rounded totals ({:.2}x)",
                self.paper.2,
                self.paper.0 / self.paper.1
            ),
        ));
        report.rows.push(Row::new(
            "inference energy per sample, digital / hybrid (this run's counted events)",
            format!("{:.3} / {:.3} uJ ({:.2}x)", self.counted.0 * 1e6, self.counted.1 * 1e6, self.counted.0 / self.counted.1),
            "-",
            "event-driven digital adds only the weights of spikes that happened; the hybrid system reads every step",
        ));
    }
}

pub use crate::report::snake;

fn costs(
    task: &Task,
    reservoir: &ReservoirParams,
    sw_test: &Features,
    hw_test: &Features,
    sw: &ReadoutResult,
    train_samples: usize,
    epochs: usize,
) -> Result<Costs> {
    let (pc, bc) = (TrainingConvention::paper(), TrainingConvention::backprop());
    let rows = training_rows(task.cost_task, &pc, &bc);
    let mut training = Vec::new();
    let mut ratios = Vec::new();
    for r in &rows {
        training.push((r.model.clone(), r.cost));
        if let Some(p) = r.paper_ratio {
            ratios.push((r.model.clone(), p, r.ratio));
        }
    }
    let tables = tech_tables(TableSet::Literature)?;
    let baseline = DigitalBaseline::default();
    let mapping = CrossbarMapping::default();
    let steps = sw_test.steps.first().copied().unwrap_or(0) as u64;
    let geometry = ReadGeometry {
        columns: reservoir.n_res as u64,
        steps,
    };
    let workload =
        per_sample_workload(&sw_test.ops, sw_test.samples, reservoir.n_res, task.classes);
    let run = run_energy(
        &workload,
        TableSet::Literature,
        &tables,
        &baseline,
        &mapping,
        geometry,
    )?;
    let layers = run
        .digital
        .layers
        .iter()
        .zip(&run.hybrid.layers)
        .map(|(d, h)| (d.name.clone(), d.energy.total_j(), h.energy.total_j()))
        .collect();
    let dense = inference_row(
        task.cost_task,
        TableSet::Literature,
        &tables,
        &baseline,
        &mapping,
    )?;
    // The hardware run as the macro counted it: one synapse layer holding
    // the macro's analogue counts, the rest as in the software run.
    let per = hw_test.ops.scaled(1.0 / hw_test.samples.max(1) as f64);
    let mut hw_work =
        per_sample_workload(&hw_test.ops, hw_test.samples, reservoir.n_res, task.classes);
    hw_work.layers.retain(|l| !l.kind.is_synapses());
    hw_work.add(
        "synapses (macro-counted)",
        LayerKind::Recurrent,
        per.analogue_part() + per.event_part(),
    );
    let hw_priced = tables.price_workload(&costmodel::hybrid_view(
        &hw_work, &baseline, &mapping, geometry,
    )?);
    Ok(Costs {
        training,
        training_layers: training_layer_rows(task.cost_task, &pc, &bc),
        ratios,
        readout_macs_per_sample_epoch: sw.training_ops.mac_fp32 as f64
            / (train_samples.max(1) * epochs.max(1)) as f64,
        layers,
        counted: (run.digital.total.total_j(), run.hybrid.total.total_j()),
        dense: (dense.digital_j, dense.hybrid_j),
        paper: (
            dense.paper.digital_j,
            dense.paper.hybrid_j,
            dense.paper.ratio,
        ),
        macro_counted_hybrid: hw_priced.total.total_j(),
    })
}

/// Checks that the first raster's channel count fits the reservoir.
pub fn check_inputs(
    rasters: &[SpikeRaster],
    reservoir: &ReservoirParams,
    what: &Path,
) -> Result<()> {
    if let Some(r) = rasters.first() {
        ensure!(
            r.channels() as usize == reservoir.n_in,
            "{}: the binning gives {} channels but the reservoir has n_in = {}",
            what.display(),
            r.channels(),
            reservoir.n_in
        );
    }
    Ok(())
}
