//! Running the runs of a plan: data and rasters per data configuration,
//! features per reservoir configuration, readouts per readout
//! configuration, each computed once and shared by every run that needs it.
//!
//! A run is one point at one repeat. Its keys are canonical JSON texts of
//! everything that determines a stage's output:
//!
//! * raster key: data configuration, sample limits (or zero-shot protocol),
//!   binning, input noise, seed;
//! * chip key (hardware): device, program, macro parameters (after any
//!   growth of the array), seed;
//! * feature key: the raster key, device, program, the weight scale
//!   (software) or the macro and partition (hardware), the reservoir, the
//!   backend;
//! * readout key: the feature key, scaling, classifier (or the contrastive
//!   projections and the protocol).
//!
//! Runs are processed in groups that share a raster key (in run order of
//! their first run), each group in chunks of a few runs: the chunk's missing
//! chips, then features, then readouts are computed in parallel (rayon,
//! with the library calls' own parallelism nested), and the chunk's
//! results go to the caller, which writes them. Every computation depends
//! only on its key, so results do not depend on the number of threads or
//! on which other runs share the process.

use param_guard::ParamGuard;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::error::{Context, Result, ensure, err};
use cim_macro::rram_device::{DeviceParams, Program};
use cim_macro::{ColumnSpec, Macro, MacroParams, PartitionSpec, RowSegment};
use events::{
    AudioBinning, DataConfig, Dataset, EventSource, InputNoise, NoiseEvent, SpikeRaster,
    VisionBinning, noisy_rasters,
};
use lsm::{EncodeOptions, Features, MacroSynapses, Reservoir, Synapses, device_weights};
use rayon::prelude::*;
use seeds::Seeds;
use serde::Serialize;
use serde_json::json;

/// A stage computed in parallel: its value, or the error text to report.
type Computed<T> = std::result::Result<Arc<T>, String>;

use super::spec::{Backend, Plan, PointPreset, column_backend, column_metric, parse_point};
use crate::controls;
use crate::fig4::{
    Fig4Preset, ZeroShotData, ZeroShotSplits, fit_projections, shared_audio_weights,
    zero_shot_splits,
};
use crate::streams::{NoiseStream, Stream};
use crate::supervised::{self, Encoded, Limits, Prepared, SupervisedPreset};

/// What one run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOutput {
    /// Run index (point x repeats + repeat).
    pub run: usize,
    /// Value of each metric column (`None`: not applicable at this point).
    pub metrics: Vec<Option<f64>>,
    /// Why the run failed, if it did.
    pub error: Option<String>,
}

/// Runs `runs` of `plan`, handing each chunk's outputs to `sink` in the
/// order they finish.
pub fn execute(
    plan: &Plan,
    runs: &[usize],
    sink: &mut dyn FnMut(Vec<RunOutput>) -> Result<()>,
) -> Result<()> {
    match plan.task {
        super::spec::TaskKind::Nmnist => {
            drive(plan, runs, &SupervisedTask::<VisionBinning>::new(10), sink)
        }
        super::spec::TaskKind::Ntidigits => {
            drive(plan, runs, &SupervisedTask::<AudioBinning>::new(11), sink)
        }
        super::spec::TaskKind::ZeroShot => drive(plan, runs, &ZeroShotTask, sink),
    }
}

/// Metric values by metric name (no backend suffix).
type Metrics = BTreeMap<&'static str, f64>;

/// The stages of one task, each a pure function of its inputs.
trait Task: Sync {
    type Preset: Clone + Send + Sync;
    type Prepared: Send + Sync;
    type Features: Send + Sync;

    /// The preset of a point (the seed is set by the driver).
    fn preset(&self, p: PointPreset) -> Result<(Self::Preset, InputNoise)>;
    /// Sets the run's seed.
    fn set_seed(&self, p: &mut Self::Preset, seed: u64);
    /// Everything the rasters depend on (seed included by the driver).
    fn raster_key(&self, p: &Self::Preset) -> serde_json::Value;
    /// The device model and forming program of the cells.
    fn device<'a>(&self, p: &'a Self::Preset) -> (&'a DeviceParams, &'a Program);
    /// The macro a hardware run forms (parameters after growth), if any.
    fn chip_params(&self, p: &Self::Preset) -> Result<MacroParams>;
    /// Everything the features depend on beyond the rasters and the chip.
    fn feature_key(&self, p: &Self::Preset, backend: Backend) -> Result<serde_json::Value>;
    /// Everything the readout depends on beyond the features.
    fn readout_key(&self, p: &Self::Preset) -> serde_json::Value;
    /// Data, split and rasters.
    fn prepare(&self, p: &Self::Preset, noise: &InputNoise, seeds: Seeds)
    -> Result<Self::Prepared>;
    /// Backend-free metrics of the data (the costly ones, e.g. input-only
    /// controls, only when `wanted` names them).
    fn data_metrics(
        &self,
        p: &Self::Preset,
        prepared: &Self::Prepared,
        wanted: &Wanted<'_>,
        seeds: Seeds,
    ) -> Result<Metrics>;
    /// Features on one backend (`chip` given for hardware; the costly
    /// extra features only when `wanted` names their metrics).
    fn features(
        &self,
        p: &Self::Preset,
        prepared: &Self::Prepared,
        backend: Backend,
        chip: Option<Arc<Macro>>,
        wanted: &Wanted<'_>,
        seeds: Seeds,
    ) -> Result<Self::Features>;
    /// Per-backend metrics of the features alone.
    fn feature_metrics(&self, f: &Self::Features) -> Metrics;
    /// Trains and evaluates the readout (the costly extra readouts only when
    /// `wanted` names their metrics).
    fn readout(
        &self,
        p: &Self::Preset,
        prepared: &Self::Prepared,
        f: &Self::Features,
        wanted: &Wanted<'_>,
        seeds: Seeds,
    ) -> Result<Metrics>;
}

/// The metrics a sweep records, by name without the backend suffix.
pub struct Wanted<'a>(&'a [String]);

impl Wanted<'_> {
    /// The sweep records metric `name` on some backend (or as data).
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|c| column_metric(c) == name)
    }
}

/// One run and its keys.
struct Job<P> {
    run: usize,
    preset: P,
    noise: InputNoise,
    seeds: Seeds,
    raster_key: String,
    parts: Vec<Part>,
}

/// One backend of a run.
struct Part {
    backend: Backend,
    chip_key: Option<String>,
    chip: Option<MacroParams>,
    feature_key: String,
    readout_key: String,
}

fn key(v: &serde_json::Value) -> String {
    // serde_json writes maps in key order (no `preserve_order`), so equal
    // configurations give equal texts.
    v.to_string()
}

fn err_text(e: &crate::Error) -> String {
    e.chain()
}

/// Runs `runs` of `plan` on `task`: the keys of every run, then the
/// groups of runs that share rasters, each group chunk by chunk (chips,
/// features, readouts, then the chunk's outputs to `sink`).
fn drive<T: Task>(
    plan: &Plan,
    runs: &[usize],
    task: &T,
    sink: &mut dyn FnMut(Vec<RunOutput>) -> Result<()>,
) -> Result<()> {
    // Keys of every run (a run whose keys cannot be made fails alone).
    let mut jobs: Vec<Job<T::Preset>> = Vec::new();
    let mut early: Vec<RunOutput> = Vec::new();
    for &run in runs {
        match make_job(plan, run, task) {
            Ok(j) => jobs.push(j),
            Err(e) => early.push(failed(plan, run, &e)),
        }
    }
    if !early.is_empty() {
        sink(early)?;
    }
    let mut cache = Cache::default();
    let wanted = Wanted(&plan.columns);
    let chunk = (2 * rayon::current_num_threads()).max(2);
    for members in raster_groups(&jobs) {
        let first = &jobs[members[0]];
        // The group's data and data metrics; a failure fails the group.
        let group = task
            .prepare(&first.preset, &first.noise, first.seeds)
            .map_err(|e| e.context("preparing the data"))
            .and_then(|prepared| {
                task.data_metrics(&first.preset, &prepared, &wanted, first.seeds)
                    .map(|m| (prepared, m))
                    .map_err(|e| e.context("the data metrics"))
            });
        let (prepared, data_metrics) = match group {
            Ok(g) => g,
            Err(e) => {
                sink(
                    members
                        .iter()
                        .map(|&i| failed(plan, jobs[i].run, &e))
                        .collect(),
                )?;
                continue;
            }
        };
        let mut features: HashMap<String, Computed<T::Features>> = HashMap::new();
        for chunk_members in members.chunks(chunk) {
            let chunk_jobs: Vec<&Job<T::Preset>> =
                chunk_members.iter().map(|&i| &jobs[i]).collect();
            let chip_errors = form_chips(task, &chunk_jobs, &mut cache.chips);
            let computed = compute_features(
                task,
                &chunk_jobs,
                &prepared,
                (&cache.chips, &chip_errors),
                &wanted,
                &features,
            );
            features.extend(computed);
            let readout_errors = train_readouts(
                task,
                &chunk_jobs,
                &prepared,
                &features,
                &wanted,
                &mut cache.readouts,
            );
            let out = chunk_jobs
                .iter()
                .map(|j| {
                    let done = Done {
                        features: &features,
                        readouts: &cache.readouts,
                        readout_errors: &readout_errors,
                        data_metrics: &data_metrics,
                    };
                    assemble(plan, task, j, &done)
                })
                .collect();
            sink(out)?;
        }
    }
    Ok(())
}

/// The keys of run `run` (its point's preset with the repeat's seed).
fn make_job<T: Task>(plan: &Plan, run: usize, task: &T) -> Result<Job<T::Preset>> {
    let (point, repeat) = plan.run_of(run);
    let pt = &plan.points[point];
    let seeds = plan.repeat_seed(repeat);
    let (mut preset, noise) = task.preset(parse_point(plan.task, &pt.table)?)?;
    task.set_seed(&mut preset, seeds.seed());
    let raster_key = key(&json!({
        "data": task.raster_key(&preset),
        "noise": noise,
        "seed": seeds.seed(),
    }));
    let parts = pt
        .backends
        .iter()
        .map(|&backend| make_part(task, &preset, backend, &raster_key, seeds))
        .collect::<Result<_>>()?;
    Ok(Job {
        run,
        preset,
        noise,
        seeds,
        raster_key,
        parts,
    })
}

/// The chip, feature and readout keys of one backend of a run.
fn make_part<T: Task>(
    task: &T,
    preset: &T::Preset,
    backend: Backend,
    raster_key: &str,
    seeds: Seeds,
) -> Result<Part> {
    let (chip_key, chip) = if backend == Backend::Hardware {
        let c = task.chip_params(preset)?;
        let (device, program) = task.device(preset);
        let chip_key = key(&json!({
            "chip": c, "device": device, "program": program, "seed": seeds.seed(),
        }));
        (Some(chip_key), Some(c))
    } else {
        (None, None)
    };
    let feature_key = key(&json!({
        "rasters": raster_key,
        "chip": chip_key,
        "reservoir": task.feature_key(preset, backend)?,
        "backend": backend,
    }));
    let readout_key = key(&json!({
        "features": feature_key,
        "readout": task.readout_key(preset),
    }));
    Ok(Part {
        backend,
        chip_key,
        chip,
        feature_key,
        readout_key,
    })
}

/// Indices of the jobs that share a raster key, group by group in order
/// of each group's first job.
fn raster_groups<P>(jobs: &[Job<P>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, j) in jobs.iter().enumerate() {
        let g = *index.entry(j.raster_key.as_str()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    groups
}

/// Stages kept across raster groups: formed chips (a few at a time) and
/// readout metrics.
#[derive(Default)]
struct Cache {
    chips: HashMap<String, Arc<Macro>>,
    readouts: HashMap<String, Metrics>,
}

/// Most chips kept at once; the cache is emptied before it would hold more.
const MAX_CHIPS: usize = 8;

/// Forms the chunk's chips that are not in `chips` yet, in parallel, and
/// adds them; returns the error text of each chip that failed.
fn form_chips<T: Task>(
    task: &T,
    chunk_jobs: &[&Job<T::Preset>],
    chips: &mut HashMap<String, Arc<Macro>>,
) -> HashMap<String, String> {
    let mut need: Vec<(&String, &MacroParams, &Job<T::Preset>)> = Vec::new();
    for j in chunk_jobs {
        for p in &j.parts {
            if let (Some(k), Some(c)) = (&p.chip_key, &p.chip)
                && !chips.contains_key(k)
                && !need.iter().any(|(x, _, _)| *x == k)
            {
                need.push((k, c, j));
            }
        }
    }
    let formed: Vec<(String, Result<Arc<Macro>>)> = need
        .par_iter()
        .map(|(k, c, j)| {
            let r = form_chip(task, &j.preset, c, j.seeds);
            ((*k).clone(), r)
        })
        .collect();
    let mut errors: HashMap<String, String> = HashMap::new();
    if chips.len() + formed.len() > MAX_CHIPS {
        chips.clear();
    }
    for (k, r) in formed {
        match r {
            Ok(c) => {
                chips.insert(k, c);
            }
            Err(e) => {
                errors.insert(k, err_text(&e.context("forming the macro")));
            }
        }
    }
    errors
}

/// Computes, in parallel, the chunk's features that are not in `features`
/// yet (a hardware part whose chip failed gets the chip's error).
fn compute_features<T: Task>(
    task: &T,
    chunk_jobs: &[&Job<T::Preset>],
    prepared: &T::Prepared,
    (chips, chip_errors): (&HashMap<String, Arc<Macro>>, &HashMap<String, String>),
    wanted: &Wanted<'_>,
    features: &HashMap<String, Computed<T::Features>>,
) -> Vec<(String, Computed<T::Features>)> {
    let mut need: Vec<(&Part, &Job<T::Preset>)> = Vec::new();
    for j in chunk_jobs {
        for p in &j.parts {
            if !features.contains_key(&p.feature_key)
                && !need.iter().any(|(x, _)| x.feature_key == p.feature_key)
            {
                need.push((p, j));
            }
        }
    }
    need.par_iter()
        .map(|(p, j)| {
            let chip = p.chip_key.as_ref().map(|k| {
                chips
                    .get(k)
                    .cloned()
                    .ok_or_else(|| chip_errors.get(k).cloned().unwrap_or_default())
            });
            let r = match chip.transpose() {
                Err(e) => Err(e),
                Ok(chip) => task
                    .features(&j.preset, prepared, p.backend, chip, wanted, j.seeds)
                    .map(Arc::new)
                    .map_err(|e| err_text(&e.context(format!("{} reservoir", p.backend.name())))),
            };
            (p.feature_key.clone(), r)
        })
        .collect()
}

/// Trains, in parallel, the chunk's readouts that are not in `readouts`
/// yet and whose features exist, and adds them; returns the error text of
/// each readout that failed.
fn train_readouts<T: Task>(
    task: &T,
    chunk_jobs: &[&Job<T::Preset>],
    prepared: &T::Prepared,
    features: &HashMap<String, Computed<T::Features>>,
    wanted: &Wanted<'_>,
    readouts: &mut HashMap<String, Metrics>,
) -> HashMap<String, String> {
    let mut need: Vec<(&Part, &Job<T::Preset>)> = Vec::new();
    for j in chunk_jobs {
        for p in &j.parts {
            if !readouts.contains_key(&p.readout_key)
                && !need.iter().any(|(x, _)| x.readout_key == p.readout_key)
                && matches!(features.get(&p.feature_key), Some(Ok(_)))
            {
                need.push((p, j));
            }
        }
    }
    let trained: Vec<(String, std::result::Result<Metrics, String>)> = need
        .par_iter()
        .map(|(p, j)| {
            let r = match features.get(&p.feature_key) {
                Some(Ok(f)) => task
                    .readout(&j.preset, prepared, f, wanted, j.seeds)
                    .map_err(|e| err_text(&e.context(format!("{} readout", p.backend.name())))),
                _ => Err("features missing".to_owned()),
            };
            (p.readout_key.clone(), r)
        })
        .collect();
    let mut errors: HashMap<String, String> = HashMap::new();
    for (k, r) in trained {
        match r {
            Ok(m) => {
                readouts.insert(k, m);
            }
            Err(e) => {
                errors.insert(k, e);
            }
        }
    }
    errors
}

/// What a chunk computed, for assembling its runs' outputs.
struct Done<'a, F> {
    features: &'a HashMap<String, Computed<F>>,
    readouts: &'a HashMap<String, Metrics>,
    readout_errors: &'a HashMap<String, String>,
    data_metrics: &'a Metrics,
}

/// The output of one run: every column's metric from its backend's
/// features and readout (or the data), or the first error of its parts.
fn assemble<T: Task>(
    plan: &Plan,
    task: &T,
    j: &Job<T::Preset>,
    done: &Done<'_, T::Features>,
) -> RunOutput {
    let mut per_backend: BTreeMap<Backend, Metrics> = BTreeMap::new();
    let mut error = None;
    for p in &j.parts {
        let f = match done.features.get(&p.feature_key) {
            Some(Ok(f)) => f,
            Some(Err(e)) => {
                error.get_or_insert_with(|| e.clone());
                continue;
            }
            None => {
                error.get_or_insert_with(|| "features were not computed".to_owned());
                continue;
            }
        };
        let mut m = task.feature_metrics(f);
        match done.readouts.get(&p.readout_key) {
            Some(r) => m.extend(r.iter().map(|(k, v)| (*k, *v))),
            None => {
                error.get_or_insert_with(|| {
                    done.readout_errors
                        .get(&p.readout_key)
                        .cloned()
                        .unwrap_or_else(|| "readout missing".to_owned())
                });
            }
        }
        per_backend.insert(p.backend, m);
    }
    match error {
        Some(e) => RunOutput {
            run: j.run,
            metrics: vec![None; plan.columns.len()],
            error: Some(e),
        },
        None => RunOutput {
            run: j.run,
            metrics: plan
                .columns
                .iter()
                .map(|c| {
                    let name = column_metric(c);
                    match column_backend(c) {
                        Some(b) => per_backend.get(&b).and_then(|m| m.get(name).copied()),
                        None => done.data_metrics.get(name).copied(),
                    }
                })
                .collect(),
            error: None,
        },
    }
}

fn failed(plan: &Plan, run: usize, e: &crate::Error) -> RunOutput {
    RunOutput {
        run,
        metrics: vec![None; plan.columns.len()],
        error: Some(err_text(e)),
    }
}

fn form_chip<T: Task>(
    task: &T,
    preset: &T::Preset,
    chip: &MacroParams,
    seeds: Seeds,
) -> Result<Arc<Macro>> {
    let (device, program) = task.device(preset);
    Ok(Arc::new(Macro::program(chip, device, program, seeds)?))
}

/// The macro parameters and partition names that hold reservoirs of
/// `n_res` neurons with each of `inputs` (name, `n_in`): the preset's own
/// when every named partition has exactly `n_in + n_res` rows and `n_res`
/// pairs, else the array grown to at least `max(n_in) + n_res` rows and
/// `2 n_res` columns with generated partitions `sweep-<name>`: input rows
/// `0..n_in` (smaller inputs overlay the first rows of larger ones, as the
/// paper's audio rows overlay its image rows), then one shared recurrent
/// block, then `n_res` interleaved column pairs from column 0.
pub fn fit_chip(
    chip: &MacroParams,
    inputs: &[(&str, usize)],
    n_res: usize,
) -> Result<(MacroParams, Vec<String>)> {
    let parts = chip.layout.resolve(chip.array.rows, chip.array.cols)?;
    let fits = inputs.iter().all(|(name, n_in)| {
        parts
            .iter()
            .find(|p| p.name == *name)
            .is_some_and(|p| p.rows.len() == n_in + n_res && p.plus.len() == n_res)
    });
    if fits {
        return Ok((
            chip.clone(),
            inputs.iter().map(|(n, _)| (*n).to_owned()).collect(),
        ));
    }
    for (name, _) in inputs {
        ensure!(
            parts.iter().any(|p| p.name == *name),
            "the macro layout has no partition `{name}`"
        );
    }
    let max_in = inputs.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let to_u32 = |x: usize, what: &str| {
        u32::try_from(x).map_err(|_| err!("{what} = {x} does not fit a macro"))
    };
    let (n_res32, max_in32) = (to_u32(n_res, "n_res")?, to_u32(max_in, "n_in")?);
    let mut c = chip.clone();
    c.array.rows = c.array.rows.max(max_in32 + n_res32);
    c.array.cols = c.array.cols.max(2 * n_res32);
    let mut names = Vec::new();
    for (name, n_in) in inputs {
        let generated = format!("sweep-{name}");
        c.layout.partitions.retain(|p| p.name != generated);
        c.layout.partitions.push(PartitionSpec {
            name: generated.clone(),
            description: format!(
                "generated by the sweep: {n_in} input rows and {n_res} recurrent rows, {n_res} differential pairs"
            ),
            rows: vec![
                RowSegment {
                    start: 0,
                    count: to_u32(*n_in, "n_in")?,
                    label: "inputs".into(),
                },
                RowSegment {
                    start: max_in32,
                    count: n_res32,
                    label: "recurrent".into(),
                },
            ],
            columns: ColumnSpec::Interleaved {
                start: 0,
                pairs: n_res32,
            },
        });
        names.push(generated);
    }
    c.validate()
        .context("the macro grown for the sweep's reservoir shape")?;
    Ok((c, names))
}

fn encode<S: Synapses<f32>>(
    reservoir: &Reservoir<f32, S>,
    rasters: &[SpikeRaster],
    options: EncodeOptions,
) -> Result<Features> {
    Ok(reservoir.encode_with(rasters.len(), |i| Ok(&rasters[i]), options, &|_| {})?)
}

fn events_per_sample(r: &[SpikeRaster]) -> f64 {
    r.iter().map(SpikeRaster::total_events).sum::<u64>() as f64 / r.len().max(1) as f64
}

// ---------------------------------------------------------------------
// Supervised (Fig. 2 and Fig. 3).

struct SupervisedTask<B> {
    classes: usize,
    _binning: std::marker::PhantomData<B>,
}

impl<B> SupervisedTask<B> {
    fn new(classes: usize) -> Self {
        Self {
            classes,
            _binning: std::marker::PhantomData,
        }
    }
}

/// The modality of a supervised task: how to open its data.
trait Modality: Clone + Serialize + Send + Sync + 'static {
    type Source: EventSource<Event = Self::Event>;
    type Event: NoiseEvent;
    fn open(data: &DataConfig, seeds: Seeds) -> Result<Dataset<Self::Source>>;
    fn bin(&self) -> &dyn events::Binner<Self::Event>;
    fn unpack(p: PointPreset) -> Result<(SupervisedPreset<Self>, InputNoise)>;
}

impl Modality for VisionBinning {
    type Source = events::VisionSource;
    type Event = events::VisionEvent;
    fn open(data: &DataConfig, seeds: Seeds) -> Result<Dataset<Self::Source>> {
        Ok(data.vision(seeds)?)
    }
    fn bin(&self) -> &dyn events::Binner<Self::Event> {
        self
    }
    fn unpack(p: PointPreset) -> Result<(SupervisedPreset<Self>, InputNoise)> {
        match p {
            PointPreset::Vision(p, n) => Ok((*p, n)),
            _ => Err(err!("not an N-MNIST preset")),
        }
    }
}

impl Modality for AudioBinning {
    type Source = events::AudioSource;
    type Event = events::AudioEvent;
    fn open(data: &DataConfig, seeds: Seeds) -> Result<Dataset<Self::Source>> {
        Ok(data.audio(seeds)?)
    }
    fn bin(&self) -> &dyn events::Binner<Self::Event> {
        self
    }
    fn unpack(p: PointPreset) -> Result<(SupervisedPreset<Self>, InputNoise)> {
        match p {
            PointPreset::Audio(p, n) => Ok((*p, n)),
            _ => Err(err!("not an N-TIDIGITS preset")),
        }
    }
}

/// A binner behind a reference to a trait object.
struct DynBinner<'a, E: events::Event>(&'a dyn events::Binner<E>);

impl<E: events::Event> events::Binner<E> for DynBinner<'_, E> {
    fn bin_stream(&self, stream: &events::EventStream<E>) -> events::Result<SpikeRaster> {
        self.0.bin_stream(stream)
    }
}

/// Features of one backend with their firing statistics and reservoir
/// analysis.
struct SupFeatures {
    encoded: Encoded,
    mean_rate: f64,
    silent_fraction: f64,
    analysis: supervised::Analysis,
    /// The reservoir's spikes in `controls.time_bins` bins (train, test),
    /// when a `convex_time_bins_*` metric is recorded.
    time_bins: Option<(nalgebra::DMatrix<f64>, nalgebra::DMatrix<f64>)>,
}

/// The metric keys of the converged readout on the reservoir's spikes in
/// time bins.
const TIME_BIN_KEYS: [&str; 3] = [
    "convex_time_bins_test_accuracy",
    "convex_time_bins_cv_accuracy",
    "convex_time_bins_c",
];

impl<B: Modality> Task for SupervisedTask<B> {
    type Preset = SupervisedPreset<B>;
    type Prepared = Prepared;
    type Features = SupFeatures;

    fn preset(&self, p: PointPreset) -> Result<(Self::Preset, InputNoise)> {
        B::unpack(p)
    }

    fn set_seed(&self, p: &mut Self::Preset, seed: u64) {
        p.seed = seed;
    }

    fn raster_key(&self, p: &Self::Preset) -> serde_json::Value {
        // The controls are data metrics, computed once per raster group.
        json!({"data": p.data, "limits": p.limits, "binning": p.binning, "controls": p.controls})
    }

    fn device<'a>(&self, p: &'a Self::Preset) -> (&'a DeviceParams, &'a Program) {
        (&p.device, &p.program)
    }

    fn chip_params(&self, p: &Self::Preset) -> Result<MacroParams> {
        Ok(fit_chip(
            &p.chip,
            &[(&p.partition, p.reservoir.n_in)],
            p.reservoir.n_res,
        )?
        .0)
    }

    fn feature_key(&self, p: &Self::Preset, backend: Backend) -> Result<serde_json::Value> {
        Ok(match backend {
            // The time bins the reservoir's spikes are read in belong to
            // the features too.
            Backend::Software => json!({
                "device": p.device, "program": p.program, "weights": p.chip.weights,
                "reservoir": p.reservoir, "time_bins": p.controls.time_bins,
            }),
            Backend::Hardware => json!({
                "device": p.device, "program": p.program,
                "partition": fit_chip(&p.chip, &[(&p.partition, p.reservoir.n_in)], p.reservoir.n_res)?.1,
                "reservoir": p.reservoir, "time_bins": p.controls.time_bins,
            }),
        })
    }

    fn readout_key(&self, p: &Self::Preset) -> serde_json::Value {
        json!({
            "scaling": p.scaling, "classifier": p.classifier, "classes": self.classes,
            "controls": p.controls,
        })
    }

    fn prepare(&self, p: &Self::Preset, noise: &InputNoise, seeds: Seeds) -> Result<Prepared> {
        p.data.validate()?;
        p.reservoir.validate()?;
        let data = B::open(&p.data, seeds).context("opening the data")?;
        prepare_supervised(
            &data,
            &DynBinner(p.binning.bin()),
            &p.limits,
            noise,
            self.classes,
            seeds,
        )
    }

    fn data_metrics(
        &self,
        p: &Self::Preset,
        prepared: &Prepared,
        wanted: &Wanted<'_>,
        seeds: Seeds,
    ) -> Result<Metrics> {
        let mut m = Metrics::from([
            (
                "input_events_per_sample",
                events_per_sample(&prepared.test_r),
            ),
            ("train_samples", prepared.train_y.len() as f64),
            ("test_samples", prepared.test_y.len() as f64),
        ]);
        let (ytr, yte) = (&prepared.train_y[..], &prepared.test_y[..]);
        let (rtr, rte) = (&prepared.train_r, &prepared.test_r);
        let ch = p.reservoir.n_in;
        let k = p.controls.time_bins;
        let controls = [
            (
                1,
                [
                    "control_input_totals_test_accuracy",
                    "control_input_totals_cv_accuracy",
                    "control_input_totals_c",
                ],
            ),
            (
                k,
                [
                    "control_input_time_bins_test_accuracy",
                    "control_input_time_bins_cv_accuracy",
                    "control_input_time_bins_c",
                ],
            ),
        ];
        for (bins, keys) in controls {
            if !keys.iter().any(|k| wanted.has(k)) {
                continue;
            }
            let r = controls::convex_readout(
                &p.controls,
                (&controls::time_binned(rtr, ch, bins), ytr),
                (&controls::time_binned(rte, ch, bins), yte),
                self.classes,
                seeds,
            )
            .with_context(|| format!("the input-only control of {bins} time bins"))?;
            put_convex(&mut m, keys, &r);
        }
        Ok(m)
    }

    fn features(
        &self,
        p: &Self::Preset,
        prepared: &Prepared,
        backend: Backend,
        chip: Option<Arc<Macro>>,
        wanted: &Wanted<'_>,
        seeds: Seeds,
    ) -> Result<SupFeatures> {
        let r = &p.reservoir;
        supervised::check_inputs(&prepared.train_r, r, std::path::Path::new("the binning"))?;
        let bins = TIME_BIN_KEYS
            .iter()
            .any(|k| wanted.has(k))
            .then_some(p.controls.time_bins);
        match (backend, chip) {
            (Backend::Software, _) => {
                let w = device_weights::<f32>(
                    r.n_in,
                    r.n_res,
                    &p.device,
                    &p.program,
                    &p.chip.weights,
                    seeds,
                )?;
                sup_features(&Reservoir::new(r.clone(), w)?, prepared, bins, seeds)
            }
            (Backend::Hardware, Some(chip)) => {
                let name = fit_chip(&p.chip, &[(&p.partition, r.n_in)], r.n_res)?
                    .1
                    .remove(0);
                let syn = MacroSynapses::new(chip, &name, r.n_in)?;
                sup_features(&Reservoir::new(r.clone(), syn)?, prepared, bins, seeds)
            }
            (Backend::Hardware, None) => Err(err!("no macro for the hardware backend")),
        }
    }

    fn feature_metrics(&self, f: &SupFeatures) -> Metrics {
        let a = &f.analysis;
        Metrics::from([
            ("mean_rate", f.mean_rate),
            ("silent_fraction", f.silent_fraction),
            ("spectral_radius", a.spectral_radius),
            ("separation_ratio", a.separation_ratio),
            ("kernel_rank", a.kernel_rank as f64),
        ])
    }

    fn readout(
        &self,
        p: &Self::Preset,
        prepared: &Prepared,
        f: &SupFeatures,
        wanted: &Wanted<'_>,
        seeds: Seeds,
    ) -> Result<Metrics> {
        let r = supervised::evaluate(
            &p.scaling,
            &p.classifier,
            &f.encoded,
            prepared,
            self.classes,
            seeds,
        )?;
        let mut m = Metrics::from([
            ("test_accuracy", 100.0 * r.test.accuracy),
            ("macro_f1", 100.0 * r.test.macro_f1),
            ("selected_epoch", r.selected_epoch as f64),
        ]);
        if let Some((train, test)) = &f.time_bins {
            let c = controls::convex_readout(
                &p.controls,
                (train, &prepared.train_y),
                (test, &prepared.test_y),
                self.classes,
                seeds,
            )
            .context("the converged readout of the reservoir's time bins")?;
            put_convex(&mut m, TIME_BIN_KEYS, &c);
        }
        let keys = ["convex_test_accuracy", "convex_cv_accuracy", "convex_c"];
        if keys.iter().any(|k| wanted.has(k)) {
            let c = controls::convex_readout(
                &p.controls,
                (&f.encoded.train.to_matrix(), &prepared.train_y),
                (&f.encoded.test.to_matrix(), &prepared.test_y),
                self.classes,
                seeds,
            )
            .context("the converged readout")?;
            put_convex(&mut m, keys, &c);
        }
        Ok(m)
    }
}

/// Encodes both splits on `reservoir`, measures it, and (with `bins`) reads
/// its spikes in that many time bins.
fn sup_features<S: Synapses<f32>>(
    reservoir: &Reservoir<f32, S>,
    prepared: &Prepared,
    bins: Option<usize>,
    seeds: Seeds,
) -> Result<SupFeatures> {
    let encoded = supervised_encode(reservoir, prepared, seeds)?;
    let analysis = supervised::analyse(reservoir, &encoded.test, &prepared.test_y)?;
    let time_bins = bins
        .map(|k| supervised::split_time_bins(reservoir, prepared, seeds, k))
        .transpose()?;
    let stats = lsm::analysis::firing_stats(&encoded.test);
    Ok(SupFeatures {
        mean_rate: stats.mean_rate,
        silent_fraction: stats.silent_fraction,
        analysis,
        time_bins,
        encoded,
    })
}

/// The metrics of one convex fit under `keys`: its test accuracy, its
/// accuracy cross-validated on the training split (the only fair selection
/// criterion), both in %, and the chosen `C`.
fn put_convex(m: &mut Metrics, keys: [&'static str; 3], r: &controls::ConvexResult) {
    m.insert(keys[0], 100.0 * r.test.accuracy);
    m.insert(keys[1], 100.0 * r.cv_accuracy());
    m.insert(keys[2], r.c);
}

/// Encodes both splits with the keys of `supervised::encode_splits` (each
/// split keyed by its [`lsm::Split`]), without progress bars.
fn supervised_encode<S: Synapses<f32>>(
    reservoir: &Reservoir<f32, S>,
    prepared: &Prepared,
    seeds: Seeds,
) -> Result<Encoded> {
    Ok(Encoded {
        train: encode(
            reservoir,
            &prepared.train_r,
            EncodeOptions::for_split(seeds, lsm::Split::Train),
        )?,
        test: encode(
            reservoir,
            &prepared.test_r,
            EncodeOptions::for_split(seeds, lsm::Split::Test),
        )?,
    })
}

/// `supervised::prepare` with input noise: the same split (the same
/// `DataSplit` keys, so a noiseless point equals the reproduction's data),
/// then the events of every sample through [`InputNoise`] before binning.
fn prepare_supervised<S>(
    data: &Dataset<S>,
    binning: &DynBinner<'_, S::Event>,
    limits: &Limits,
    noise: &InputNoise,
    classes: usize,
    seeds: Seeds,
) -> Result<Prepared>
where
    S: EventSource,
    S::Event: NoiseEvent,
{
    let (train, test) = supervised::split_capped(data, limits, classes, "the task", seeds)?;
    let keys = NoiseStream::Supervised.key_offset();
    let train_r = noisy_rasters(&train, binning, noise, seeds, keys)?;
    let test_r = noisy_rasters(&test, binning, noise, seeds, keys)?;
    Ok(Prepared {
        train_y: train.labels_usize(),
        test_y: test.labels_usize(),
        steps: train_r.first().map_or(0, SpikeRaster::steps),
        train_r,
        test_r,
    })
}

// ---------------------------------------------------------------------
// Zero-shot (Fig. 4).

struct ZeroShotTask;

/// Zero-shot features: image train, image test, audio train, audio test.
struct ZsFeatures {
    f: [Features; 4],
    /// Reservoir analysis on the test features: image, audio.
    analysis: [supervised::Analysis; 2],
}

fn zs_partitions(p: &Fig4Preset) -> Result<(MacroParams, Vec<String>)> {
    ensure!(
        p.image.reservoir.n_res == p.audio.reservoir.n_res,
        "the two modalities share one reservoir: image.reservoir.n_res and audio.reservoir.n_res must agree"
    );
    fit_chip(
        &p.chip,
        &[
            (&p.image.partition, p.image.reservoir.n_in),
            (&p.audio.partition, p.audio.reservoir.n_in),
        ],
        p.image.reservoir.n_res,
    )
}

impl Task for ZeroShotTask {
    type Preset = Fig4Preset;
    type Prepared = ZeroShotData;
    type Features = ZsFeatures;

    fn preset(&self, p: PointPreset) -> Result<(Fig4Preset, InputNoise)> {
        match p {
            PointPreset::ZeroShot(p, n) => Ok((*p, n)),
            _ => Err(err!("not a zero-shot preset")),
        }
    }

    fn set_seed(&self, p: &mut Fig4Preset, seed: u64) {
        p.seed = seed;
    }

    fn raster_key(&self, p: &Fig4Preset) -> serde_json::Value {
        json!({
            "data": p.data, "protocol": p.protocol,
            "image": p.image.binning, "audio": p.audio.binning,
        })
    }

    fn device<'a>(&self, p: &'a Fig4Preset) -> (&'a DeviceParams, &'a Program) {
        (&p.device, &p.program)
    }

    fn chip_params(&self, p: &Fig4Preset) -> Result<MacroParams> {
        Ok(zs_partitions(p)?.0)
    }

    fn feature_key(&self, p: &Fig4Preset, backend: Backend) -> Result<serde_json::Value> {
        let reservoirs = json!({"image": p.image.reservoir, "audio": p.audio.reservoir});
        Ok(match backend {
            Backend::Software => json!({
                "device": p.device, "program": p.program, "weights": p.chip.weights,
                "reservoir": reservoirs,
            }),
            Backend::Hardware => json!({
                "device": p.device, "program": p.program,
                "partition": zs_partitions(p)?.1, "reservoir": reservoirs,
            }),
        })
    }

    fn readout_key(&self, p: &Fig4Preset) -> serde_json::Value {
        json!({
            "image": p.image.scaling, "audio": p.audio.scaling,
            "contrastive": p.contrastive, "protocol": p.protocol,
        })
    }

    fn prepare(&self, p: &Fig4Preset, noise: &InputNoise, seeds: Seeds) -> Result<ZeroShotData> {
        p.data.validate()?;
        p.image.reservoir.validate()?;
        p.audio.reservoir.validate()?;
        ensure!(
            p.data.audio_labels == events::AudioLabels::Digits,
            "zero-shot pairs spoken and written digits by value: set data.audio_labels = \"digits\""
        );
        let vision = p.data.vision(seeds)?;
        let audio = p.data.audio(seeds)?;
        // The splits of Fig. 4, the same `DataSplit` keys.
        let ZeroShotSplits {
            img_train,
            aud_train,
            img_test,
            aud_test,
        } = zero_shot_splits(&vision, &audio, &p.protocol, seeds)?;
        let (ib, ab) = (&p.image.binning, &p.audio.binning);
        let (ik, ak) = (
            NoiseStream::ZeroShotImages.key_offset(),
            NoiseStream::ZeroShotAudio.key_offset(),
        );
        Ok(ZeroShotData {
            img_train: noisy_rasters(&img_train, ib, noise, seeds, ik)?,
            img_test: noisy_rasters(&img_test, ib, noise, seeds, ik)?,
            aud_train: noisy_rasters(&aud_train, ab, noise, seeds, ak)?,
            aud_test: noisy_rasters(&aud_test, ab, noise, seeds, ak)?,
            y_img_train: img_train.labels_usize(),
            y_img_test: img_test.labels_usize(),
            y_aud_train: aud_train.labels_usize(),
            y_aud_test: aud_test.labels_usize(),
        })
    }

    fn data_metrics(
        &self,
        _: &Fig4Preset,
        d: &ZeroShotData,
        _: &Wanted<'_>,
        _: Seeds,
    ) -> Result<Metrics> {
        Ok(Metrics::from([
            ("input_events_per_image", events_per_sample(&d.img_test)),
            ("input_events_per_audio", events_per_sample(&d.aud_test)),
        ]))
    }

    fn features(
        &self,
        p: &Fig4Preset,
        d: &ZeroShotData,
        backend: Backend,
        chip: Option<Arc<Macro>>,
        _: &Wanted<'_>,
        seeds: Seeds,
    ) -> Result<ZsFeatures> {
        let (ir, ar) = (&p.image.reservoir, &p.audio.reservoir);
        // Fig. 4's key ranges: one per modality and split.
        fn run<S: Synapses<f32>>(
            ri: &Reservoir<f32, S>,
            ra: &Reservoir<f32, S>,
            d: &ZeroShotData,
            seeds: Seeds,
        ) -> Result<ZsFeatures> {
            let f = [
                encode(ri, &d.img_train, Stream::TrainImages.options(seeds))?,
                encode(ri, &d.img_test, Stream::TestImages.options(seeds))?,
                encode(ra, &d.aud_train, Stream::TrainAudio.options(seeds))?,
                encode(ra, &d.aud_test, Stream::TestAudio.options(seeds))?,
            ];
            let analysis = [
                supervised::analyse(ri, &f[1], &d.y_img_test)?,
                supervised::analyse(ra, &f[3], &d.y_aud_test)?,
            ];
            Ok(ZsFeatures { f, analysis })
        }
        match (backend, chip) {
            (Backend::Software, _) => {
                let w = device_weights::<f32>(
                    ir.n_in,
                    ir.n_res,
                    &p.device,
                    &p.program,
                    &p.chip.weights,
                    seeds,
                )?;
                let wa = shared_audio_weights(&w, ir.n_in, ar.n_in)?;
                let (ri, ra) = (
                    Reservoir::new(ir.clone(), w)?,
                    Reservoir::new(ar.clone(), wa)?,
                );
                run(&ri, &ra, d, seeds)
            }
            (Backend::Hardware, Some(chip)) => {
                let names = zs_partitions(p)?.1;
                let ri = Reservoir::<f32, _>::new(
                    ir.clone(),
                    MacroSynapses::new(chip.clone(), &names[0], ir.n_in)?,
                )?;
                let ra = Reservoir::<f32, _>::new(
                    ar.clone(),
                    MacroSynapses::new(chip, &names[1], ar.n_in)?,
                )?;
                run(&ri, &ra, d, seeds)
            }
            (Backend::Hardware, None) => Err(err!("no macro for the hardware backend")),
        }
    }

    fn feature_metrics(&self, f: &ZsFeatures) -> Metrics {
        Metrics::from([
            (
                "mean_rate_image",
                lsm::analysis::firing_stats(&f.f[1]).mean_rate,
            ),
            (
                "mean_rate_audio",
                lsm::analysis::firing_stats(&f.f[3]).mean_rate,
            ),
            ("spectral_radius_image", f.analysis[0].spectral_radius),
            ("separation_ratio_image", f.analysis[0].separation_ratio),
            ("kernel_rank_image", f.analysis[0].kernel_rank as f64),
            ("spectral_radius_audio", f.analysis[1].spectral_radius),
            ("separation_ratio_audio", f.analysis[1].separation_ratio),
            ("kernel_rank_audio", f.analysis[1].kernel_rank as f64),
        ])
    }

    fn readout(
        &self,
        p: &Fig4Preset,
        d: &ZeroShotData,
        f: &ZsFeatures,
        _: &Wanted<'_>,
        seeds: Seeds,
    ) -> Result<Metrics> {
        let z = fit_projections(p, d, &f.f, seeds)?.report;
        Ok(Metrics::from([
            ("a2i_seen", 100.0 * z.seen.audio_to_image.top1()),
            ("a2i_unseen", 100.0 * z.unseen.audio_to_image.top1()),
            ("i2a_seen", 100.0 * z.seen.image_to_audio.top1()),
            ("i2a_unseen", 100.0 * z.unseen.image_to_audio.top1()),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paper_partition_is_kept_when_the_shape_fits_and_grown_otherwise() {
        let chip = MacroParams::default();
        let (same, names) = fit_chip(&chip, &[("nmnist", 256)], 200).unwrap();
        assert_eq!(same, chip);
        assert_eq!(names, ["nmnist"]);
        // 34 x 34 inputs and 800 neurons: 1,956 rows, 1,600 columns.
        let (grown, names) = fit_chip(&chip, &[("nmnist", 1156)], 800).unwrap();
        assert_eq!((grown.array.rows, grown.array.cols), (1956, 1600));
        assert_eq!(names, ["sweep-nmnist"]);
        let parts = grown.layout.resolve(1956, 1600).unwrap();
        let p = parts.iter().find(|p| p.name == "sweep-nmnist").unwrap();
        assert_eq!(p.rows.len(), 1956);
        assert_eq!((p.rows[1155], p.rows[1156]), (1155, 1156));
        assert_eq!((p.plus[799], p.minus[799]), (1598, 1599));
        // Zero-shot: audio rows overlay the first image rows; one recurrent block.
        let (_, names) = fit_chip(&chip, &[("nmnist", 256), ("ntidigits", 64)], 50).unwrap();
        assert_eq!(names, ["sweep-nmnist", "sweep-ntidigits"]);
        assert!(fit_chip(&chip, &[("nope", 10)], 50).is_err());
    }
}
