//! The sweep spec (TOML), its resolution against the base preset, and the
//! expansion into points and runs. See `docs/sweeps.md` for the format.

use param_guard::ParamGuard;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Context, Result, bail, ensure, err};
use events::{AudioBinning, InputNoise, VisionBinning};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use toml::{Table, Value};

use crate::fig4::Fig4Preset;
use crate::preset;
use crate::supervised::SupervisedPreset;

/// Version tag of the result files; part of every spec hash.
pub const FORMAT: &str = "rram-lsm-sweep/1";

/// The sweep-level section holding [`InputNoise`] in a point's table (it is
/// not part of the reproductions' presets; the sweep applies it to the
/// events before binning).
pub const INPUT_NOISE: &str = "input_noise";

/// A reservoir backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// Ideal float weights drawn from the device model ("software").
    Software,
    /// The simulated macro with its read noise, converters, IR drop ("hardware").
    Hardware,
}

impl Backend {
    /// Both backends, software first.
    pub const BOTH: [Backend; 2] = [Backend::Software, Backend::Hardware];

    /// `software` or `hardware`, the suffix of metric names.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Software => "software",
            Backend::Hardware => "hardware",
        }
    }
}

fn both_backends() -> Vec<Backend> {
    Backend::BOTH.to_vec()
}

/// How axes combine into points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Design {
    /// Every combination of the axes' values (first axis slowest).
    #[default]
    Grid,
    /// The base point, then each axis alone through its values with every
    /// other axis at the base preset's value.
    OneAtATime,
}

/// The task a sweep runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// N-MNIST supervised classification (Fig. 2).
    Nmnist,
    /// N-TIDIGITS supervised classification (Fig. 3).
    Ntidigits,
    /// Zero-shot audio-image retrieval (Fig. 4).
    ZeroShot,
}

impl TaskKind {
    /// The metric columns this task can record: (name, per backend).
    pub fn metrics(self) -> &'static [(&'static str, bool)] {
        match self {
            TaskKind::Nmnist | TaskKind::Ntidigits => &[
                ("test_accuracy", true),
                ("macro_f1", true),
                ("mean_rate", true),
                ("silent_fraction", true),
                ("selected_epoch", true),
                ("spectral_radius", true),
                ("separation_ratio", true),
                ("kernel_rank", true),
                ("convex_test_accuracy", true),
                ("convex_cv_accuracy", true),
                ("convex_c", true),
                ("convex_time_bins_test_accuracy", true),
                ("convex_time_bins_cv_accuracy", true),
                ("convex_time_bins_c", true),
                ("control_input_totals_test_accuracy", false),
                ("control_input_totals_cv_accuracy", false),
                ("control_input_totals_c", false),
                ("control_input_time_bins_test_accuracy", false),
                ("control_input_time_bins_cv_accuracy", false),
                ("control_input_time_bins_c", false),
                ("input_events_per_sample", false),
                ("train_samples", false),
                ("test_samples", false),
            ],
            TaskKind::ZeroShot => &[
                ("a2i_seen", true),
                ("a2i_unseen", true),
                ("i2a_seen", true),
                ("i2a_unseen", true),
                ("mean_rate_image", true),
                ("mean_rate_audio", true),
                ("spectral_radius_image", true),
                ("separation_ratio_image", true),
                ("kernel_rank_image", true),
                ("spectral_radius_audio", true),
                ("separation_ratio_audio", true),
                ("kernel_rank_audio", true),
                ("input_events_per_image", false),
                ("input_events_per_audio", false),
            ],
        }
    }
}

/// Where the data come from (the same choices as `reproduce`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// `synthetic`, `emulated` or `real` (default: what the paths imply,
    /// else the base preset's source).
    pub kind: Option<DataKindSpec>,
    /// Real N-MNIST root or zips.
    pub nmnist: Option<PathBuf>,
    /// Real N-TIDIGITS HDF5 file.
    pub ntidigits: Option<PathBuf>,
    /// Emulated vision: a folder of MNIST IDX files.
    pub mnist: Option<PathBuf>,
    /// Emulated audio: a folder of WAV recordings.
    pub wav: Option<PathBuf>,
}

/// A data-source kind (the same kinds a reproduction names).
pub use crate::context::DataKind as DataKindSpec;

/// A numeric range of axis values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    /// First value.
    pub start: Value,
    /// Last value (included when the steps land on it).
    pub stop: Value,
    /// Number of evenly spaced values from `start` to `stop` inclusive.
    pub steps: Option<usize>,
    /// Ratio of consecutive values (a geometric range up to `stop`).
    pub factor: Option<f64>,
}

/// One axis of the sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    /// Dotted path of the preset field (array elements by index:
    /// `binning.crop.0`).
    pub path: String,
    /// More paths set to the same value at every point.
    #[serde(default)]
    pub also: Vec<String>,
    /// Column name in the results (default: the path).
    pub name: Option<String>,
    /// Axis label of plots, with unit (default: the name).
    pub label: Option<String>,
    /// The values.
    pub values: Option<Vec<Value>>,
    /// Or a range of values.
    pub range: Option<RangeSpec>,
    /// Backends run at this axis's points (default: the sweep's).
    pub backends: Option<Vec<Backend>>,
    /// Fixed settings (dotted path = value) at this axis's points.
    #[serde(default)]
    pub set: Table,
    /// Plot this axis on a log scale (default: true for `factor` ranges).
    pub log_x: Option<bool>,
}

/// A sweep spec file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Name of the sweep (default: the file stem); the default output
    /// directory is `results/sweeps/<name>/`.
    pub name: Option<String>,
    /// What the sweep asks, for people.
    pub description: Option<String>,
    /// `fig2`, `fig3`, `fig4` or a preset file (relative to the spec).
    pub base: String,
    /// The task (required when `base` is a file; else implied).
    pub task: Option<TaskKind>,
    /// Apply the base preset's `[quick]` table (`quick = true` at the top
    /// of a spec means the same when the spec has no `[quick]` table).
    #[serde(default)]
    pub base_quick: bool,
    /// Experiment seed whose children seed the repeats (default: the
    /// preset's).
    pub seed: Option<u64>,
    /// Repeats per point, each with its own derived seed.
    #[serde(default = "one")]
    pub repeats: usize,
    /// Backends run at every point (default: both).
    #[serde(default = "both_backends")]
    pub backends: Vec<Backend>,
    /// Metrics recorded (a name with a `_software` / `_hardware` suffix is
    /// one column; without, one column per backend).
    pub metrics: Vec<String>,
    /// How axes combine.
    #[serde(default)]
    pub design: Design,
    /// Data source.
    #[serde(default)]
    pub data: DataSpec,
    /// Fixed settings over the base preset (dotted path = value).
    #[serde(default)]
    pub set: Table,
    /// Fields computed at every point from others (dotted path =
    /// expression), e.g. `"reservoir.n_in" = "binning.crop.0 * binning.crop.1"`.
    #[serde(default)]
    pub derived: BTreeMap<String, String>,
    /// The axes.
    pub axes: Vec<AxisSpec>,
}

fn one() -> usize {
    1
}

/// Command-line choices that change the plan.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// Merge the spec's `[quick]` table.
    pub quick: bool,
    /// Override of the data source kind.
    pub data: Option<DataKindSpec>,
    /// Dataset paths (override the spec's).
    pub nmnist: Option<PathBuf>,
    /// Real N-TIDIGITS.
    pub ntidigits: Option<PathBuf>,
    /// Emulated vision.
    pub mnist: Option<PathBuf>,
    /// Emulated audio.
    pub wav: Option<PathBuf>,
    /// Override of the seed.
    pub seed: Option<u64>,
}

/// An axis after expansion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AxisInfo {
    /// Column name.
    pub name: String,
    /// Plot label.
    pub label: String,
    /// Dotted path.
    pub path: String,
    /// Values (JSON).
    pub values: Vec<serde_json::Value>,
    /// Plot on a log scale.
    pub log_x: bool,
}

/// One point of the sweep.
#[derive(Clone, Debug)]
pub struct Point {
    /// Index in the plan.
    pub index: usize,
    /// The value of each axis at this point (the base value when not varied).
    pub values: Vec<serde_json::Value>,
    /// One-at-a-time: the axis varied at this point (`None`: the base point).
    pub varied: Option<usize>,
    /// The resolved preset table of the point (seed still the base's).
    pub table: Table,
    /// Backends run at this point.
    pub backends: Vec<Backend>,
}

/// A resolved sweep: everything needed to run, hash and report it.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Sweep name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Task.
    pub task: TaskKind,
    /// Design.
    pub design: Design,
    /// Seed whose children seed the repeats.
    pub base_seed: u64,
    /// Repeats per point.
    pub repeats: usize,
    /// The axes.
    pub axes: Vec<AxisInfo>,
    /// The points.
    pub points: Vec<Point>,
    /// Metric columns, in order.
    pub columns: Vec<String>,
    /// The spec after `--quick`, for the record.
    pub spec: Spec,
    /// The base preset after the spec's settings, fully resolved.
    pub base: Table,
    /// Hash of everything that determines the results (hex).
    pub hash: String,
}

impl Plan {
    /// Number of runs (points x repeats).
    pub fn runs(&self) -> usize {
        self.points.len() * self.repeats
    }

    /// `(point, repeat)` of run `run`.
    pub fn run_of(&self, run: usize) -> (usize, usize) {
        (run / self.repeats, run % self.repeats)
    }

    /// The seed of repeat `r`: `Seeds::new(base_seed).child(Purpose::Sweep, r)`,
    /// the same at every point (common random numbers).
    pub fn repeat_seed(&self, repeat: usize) -> seeds::Seeds {
        seeds::Seeds::new(self.base_seed).child(seeds::Purpose::Sweep, repeat as u64)
    }

    /// Whether column `c` belongs to a backend run at point `p`.
    pub fn column_applies(&self, column: &str, point: &Point) -> bool {
        match column_backend(column) {
            Some(b) => point.backends.contains(&b),
            None => true,
        }
    }
}

/// The backend a metric column belongs to, from its suffix.
pub fn column_backend(column: &str) -> Option<Backend> {
    Backend::BOTH
        .into_iter()
        .find(|b| column.ends_with(&format!("_{}", b.name())))
}

/// The metric name of a column without its backend suffix.
pub fn column_metric(column: &str) -> &str {
    match column_backend(column) {
        Some(b) => &column[..column.len() - b.name().len() - 1],
        None => column,
    }
}

/// Reads a spec file, merges its `[quick]` table when asked, and resolves
/// it against its base preset.
pub fn load(path: &Path, options: &PlanOptions) -> Result<Plan> {
    let mut table = preset::read_table(path)
        .with_context(|| format!("reading sweep spec {}", path.display()))?;
    // `quick = true` (a boolean) is the base-preset flag `base_quick`; a
    // `[quick]` table is the spec's own quick scale.
    if let Some(Value::Boolean(b)) = table.get("quick").cloned() {
        table.remove("quick");
        ensure!(
            !table.contains_key("base_quick"),
            "sweep spec {}: give `quick = true` or `base_quick`, not both",
            path.display()
        );
        table.insert("base_quick".into(), Value::Boolean(b));
    }
    preset::apply_quick(&mut table, options.quick)
        .with_context(|| format!("sweep spec {}", path.display()))?;
    let spec: Spec = Spec::deserialize(table)
        .with_context(|| format!("sweep spec {} is not a valid spec", path.display()))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".to_owned());
    let dir = path.parent().unwrap_or(Path::new("."));
    resolve(spec, &stem, dir, options).with_context(|| format!("sweep spec {}", path.display()))
}

/// Resolves a parsed spec (`stem` names it by default; relative preset
/// paths are taken from `dir`).
pub fn resolve(spec: Spec, stem: &str, dir: &Path, options: &PlanOptions) -> Result<Plan> {
    let (task, base_path) = base_task(&spec, dir)?;
    let backends = check_shape(&spec)?;
    let (base, base_seed) = base_preset(&spec, task, &base_path, options)?;
    let axes = resolve_axes(&spec, &base, task, &backends)?;
    check_derived(&spec, &base, task)?;
    let columns = metric_columns(&spec.metrics, task, &backends)?;
    let points = expand_points(&spec, &base, task, &axes, &backends)?;
    let name = spec.name.clone().unwrap_or_else(|| stem.to_owned());
    ensure!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "`name` must be non-empty ASCII letters, digits, `-` and `_`: {name:?}"
    );
    let mut plan = Plan {
        name,
        description: spec.description.clone().unwrap_or_default(),
        task,
        design: spec.design,
        base_seed,
        repeats: spec.repeats,
        axes,
        points,
        columns,
        spec,
        base,
        hash: String::new(),
    };
    plan.hash = hash_plan(&plan)?;
    Ok(plan)
}

/// The task of `spec` and its base preset file (`fig2`, `fig3`, `fig4`, or
/// a file relative to `dir` whose task the spec names).
fn base_task(spec: &Spec, dir: &Path) -> Result<(TaskKind, PathBuf)> {
    let (task, base_path) = match spec.base.as_str() {
        "fig2" => (TaskKind::Nmnist, preset::default_path("fig2")),
        "fig3" => (TaskKind::Ntidigits, preset::default_path("fig3")),
        "fig4" => (TaskKind::ZeroShot, preset::default_path("fig4")),
        other => {
            let task = spec.task.ok_or_else(|| {
                err!(
                    "`base = \"{other}\"` is a preset file: say which task it is with `task = \"nmnist\"`, \"ntidigits\" or \"zero-shot\""
                )
            })?;
            let p = PathBuf::from(other);
            (task, if p.is_absolute() { p } else { dir.join(p) })
        }
    };
    if let Some(t) = spec.task {
        ensure!(
            t == task,
            "`task = {t:?}` contradicts `base = \"{}\"`",
            spec.base
        );
    }
    Ok((task, base_path))
}

/// Checks the repeats, axes, backends and metrics are there; returns the
/// backends sorted and without repeats.
fn check_shape(spec: &Spec) -> Result<Vec<Backend>> {
    ensure!(spec.repeats >= 1, "`repeats` must be at least 1");
    ensure!(
        !spec.axes.is_empty(),
        "a sweep needs at least one axis (`[[axes]]`)"
    );
    ensure!(!spec.backends.is_empty(), "`backends` must not be empty");
    ensure!(!spec.metrics.is_empty(), "`metrics` must not be empty");
    let mut backends = spec.backends.clone();
    backends.sort();
    backends.dedup();
    Ok(backends)
}

/// The base preset with its quick scale, the data source, the default
/// input noise and the spec's `[set]`, fully resolved; and the seed whose
/// children seed the repeats.
fn base_preset(
    spec: &Spec,
    task: TaskKind,
    base_path: &Path,
    options: &PlanOptions,
) -> Result<(Table, u64)> {
    let mut table = preset::read_table(base_path)?;
    preset::apply_quick(&mut table, spec.base_quick)?;
    apply_data(&mut table, &spec.data, options)?;
    if !table.contains_key(INPUT_NOISE) {
        table.insert(
            INPUT_NOISE.to_owned(),
            Value::Table(Table::try_from(InputNoise::default())?),
        );
    }
    let base_seed = match options.seed.or(spec.seed) {
        Some(s) => s,
        None => table
            .get("seed")
            .and_then(Value::as_integer)
            .and_then(|s| u64::try_from(s).ok())
            .ok_or_else(|| err!("the base preset has no non-negative integer `seed`"))?,
    };
    for (path, value) in &spec.set {
        check_path(&table, path, value, task, "[set]")?;
        set_value(&mut table, path, value.clone())?;
    }
    let base = resolved_table(task, &table).context("the base preset with the spec's [set]")?;
    Ok((base, base_seed))
}

/// Checks every axis against the base preset (paths, values, settings,
/// backends, unique names) and describes it.
fn resolve_axes(
    spec: &Spec,
    base: &Table,
    task: TaskKind,
    backends: &[Backend],
) -> Result<Vec<AxisInfo>> {
    let mut axes = Vec::new();
    for (k, a) in spec.axes.iter().enumerate() {
        let what = format!("axis {} (`{}`)", k + 1, a.path);
        ensure!(
            a.path.split('.').next() != Some("seed"),
            "{what}: `seed` cannot be an axis; use `repeats` (each repeat has its own seed)"
        );
        let values = axis_values(a).with_context(|| what.clone())?;
        ensure!(!values.is_empty(), "{what}: no values");
        for path in std::iter::once(&a.path).chain(&a.also) {
            check_path(base, path, &values[0], task, &what)?;
        }
        for (path, value) in &a.set {
            check_path(base, path, value, task, &format!("{what} [set]"))?;
        }
        if let Some(b) = &a.backends {
            for x in b {
                ensure!(
                    backends.contains(x),
                    "{what}: backend `{}` is not among the sweep's backends",
                    x.name()
                );
            }
        }
        let name = a.name.clone().unwrap_or_else(|| a.path.clone());
        ensure!(
            axes.iter().all(|x: &AxisInfo| x.name != name),
            "{what}: two axes are named `{name}`"
        );
        axes.push(AxisInfo {
            label: a.label.clone().unwrap_or_else(|| name.clone()),
            name,
            path: a.path.clone(),
            values: values.iter().map(json).collect::<Result<_>>()?,
            log_x: a
                .log_x
                .unwrap_or(a.range.as_ref().is_some_and(|r| r.factor.is_some())),
        });
    }
    Ok(axes)
}

/// Checks every `[derived]` field: a known target path, an expression that
/// parses, and operands that are preset fields or axes.
fn check_derived(spec: &Spec, base: &Table, task: TaskKind) -> Result<()> {
    for (path, expr) in &spec.derived {
        check_path(base, path, &Value::Integer(1), task, "[derived]")?;
        let e = Expr::parse(expr).with_context(|| format!("[derived] `{path}` = \"{expr}\""))?;
        for p in e.paths() {
            ensure!(
                get_path(base, p).is_some() || spec.axes.iter().any(|a| a.path == p),
                "[derived] `{path}`: unknown field path `{p}` in \"{expr}\""
            );
        }
    }
    Ok(())
}

/// The metric columns, in order: a per-backend metric without a suffix
/// gives one column per backend.
fn metric_columns(metrics: &[String], task: TaskKind, backends: &[Backend]) -> Result<Vec<String>> {
    let known = task.metrics();
    let mut columns = Vec::new();
    for m in metrics {
        let (metric, only) = match column_backend(m) {
            Some(b) => (column_metric(m), Some(b)),
            None => (m.as_str(), None),
        };
        let Some(&(_, per_backend)) = known.iter().find(|(n, _)| *n == metric) else {
            bail!(
                "unknown metric `{m}`; this task records: {}",
                known
                    .iter()
                    .map(|(n, per)| if *per {
                        format!("{n}[_software|_hardware]")
                    } else {
                        (*n).to_owned()
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let cols: Vec<String> = match (per_backend, only) {
            (false, None) => vec![metric.to_owned()],
            (false, Some(_)) => bail!("metric `{metric}` has no backend suffix"),
            (true, Some(b)) => {
                ensure!(
                    backends.contains(&b),
                    "metric `{m}` needs the {} backend, which `backends` does not list",
                    b.name()
                );
                vec![m.clone()]
            }
            (true, None) => backends
                .iter()
                .map(|b| format!("{metric}_{}", b.name()))
                .collect(),
        };
        for c in cols {
            if !columns.contains(&c) {
                columns.push(c);
            }
        }
    }
    Ok(columns)
}

/// One point's choice of value per axis (`None`: the base value) and the
/// axis varied alone (one-at-a-time designs).
type Combo = (Vec<Option<usize>>, Option<usize>);

/// The design's combinations of axis values, in point order.
fn combos(design: Design, value_lists: &[Vec<Value>]) -> Result<Vec<Combo>> {
    let n_axes = value_lists.len();
    let mut combos: Vec<Combo> = Vec::new();
    match design {
        Design::Grid => {
            let total: usize = value_lists.iter().map(Vec::len).product();
            ensure!(
                total <= 1_000_000,
                "the grid has {total} points, more than 1000000"
            );
            for n in 0..total {
                // Mixed radix, the last axis fastest.
                let mut rest = n;
                let mut choice = vec![None; n_axes];
                for k in (0..n_axes).rev() {
                    let len = value_lists[k].len();
                    choice[k] = Some(rest % len);
                    rest /= len;
                }
                combos.push((choice, None));
            }
        }
        Design::OneAtATime => {
            combos.push((vec![None; n_axes], None));
            for (k, vals) in value_lists.iter().enumerate() {
                for i in 0..vals.len() {
                    let mut c = vec![None; n_axes];
                    c[k] = Some(i);
                    combos.push((c, Some(k)));
                }
            }
        }
    }
    Ok(combos)
}

/// Every point of the design, each checked to parse as the task's preset
/// and to keep at least one backend.
fn expand_points(
    spec: &Spec,
    base: &Table,
    task: TaskKind,
    axes: &[AxisInfo],
    backends: &[Backend],
) -> Result<Vec<Point>> {
    let value_lists: Vec<Vec<Value>> = spec.axes.iter().map(axis_values).collect::<Result<_>>()?;
    let base_values: Vec<serde_json::Value> = spec
        .axes
        .iter()
        .map(|a| get_path(base, &a.path).map_or(Ok(serde_json::Value::Null), json))
        .collect::<Result<_>>()?;
    let combos = combos(spec.design, &value_lists)?;
    let mut points = Vec::with_capacity(combos.len());
    for (index, (choice, varied)) in combos.into_iter().enumerate() {
        let mut t = base.clone();
        let mut values = base_values.clone();
        let mut point_backends = backends.to_vec();
        for (k, c) in choice.iter().enumerate() {
            let Some(i) = *c else { continue };
            let a = &spec.axes[k];
            let v = &value_lists[k][i];
            for path in std::iter::once(&a.path).chain(&a.also) {
                set_value(&mut t, path, v.clone())?;
            }
            for (path, value) in &a.set {
                set_value(&mut t, path, value.clone())?;
            }
            values[k] = json(v)?;
            if let Some(b) = &a.backends {
                point_backends.retain(|x| b.contains(x));
            }
        }
        apply_derived(&spec.derived, index, &mut t)?;
        // Deserialise now: a bad value is a spec error, named with its point.
        parse_point(task, &t).with_context(|| {
            format!("point {index} ({})", describe_values(axes, &values, varied))
        })?;
        ensure!(
            !point_backends.is_empty(),
            "point {index}: no backend left (the axes' `backends` do not intersect)"
        );
        points.push(Point {
            index,
            values,
            varied,
            table: t,
            backends: point_backends,
        });
    }
    Ok(points)
}

/// Evaluates the `[derived]` fields on point `index`'s table and sets
/// them: integers where the field (or, for a new field, every operand) is
/// an integer.
fn apply_derived(derived: &BTreeMap<String, String>, index: usize, t: &mut Table) -> Result<()> {
    for (path, expr) in derived {
        let e = Expr::parse(expr)?;
        let x = e
            .eval(t)
            .with_context(|| format!("point {index}: [derived] `{path}`"))?;
        let integer = match get_path(t, path) {
            Some(Value::Integer(_)) => true,
            Some(_) => false,
            None => e.integer_operands(t),
        };
        let v = if integer {
            ensure!(
                (x - x.round()).abs() < 1e-9 && x.abs() < 9.0e15,
                "point {index}: [derived] `{path}` = {x} must be an integer"
            );
            Value::Integer(x.round() as i64)
        } else {
            Value::Float(x)
        };
        set_value(t, path, v)?;
    }
    Ok(())
}

/// The values an axis takes.
pub fn axis_values(a: &AxisSpec) -> Result<Vec<Value>> {
    match (&a.values, &a.range) {
        (Some(v), None) => Ok(v.clone()),
        (None, Some(r)) => range_values(r),
        (Some(_), Some(_)) => bail!("give either `values` or `range`, not both"),
        (None, None) => {
            bail!("give `values = [...]` or `range = {{ start, stop, steps | factor }}`")
        }
    }
}

fn number(v: &Value, field: &str) -> Result<f64> {
    match v {
        Value::Integer(i) => Ok(*i as f64),
        Value::Float(f) if f.is_finite() => Ok(*f),
        other => bail!("range `{field}` must be a finite number, found {other}"),
    }
}

fn range_values(r: &RangeSpec) -> Result<Vec<Value>> {
    let (a, b) = (number(&r.start, "start")?, number(&r.stop, "stop")?);
    let integer = matches!(r.start, Value::Integer(_)) && matches!(r.stop, Value::Integer(_));
    let xs: Vec<f64> = match (r.steps, r.factor) {
        (Some(n), None) => {
            ensure!(
                (1..=10_000).contains(&n),
                "range `steps` = {n} must be in 1..=10000"
            );
            if n == 1 {
                vec![a]
            } else {
                (0..n)
                    .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
                    .collect()
            }
        }
        (None, Some(f)) => {
            ensure!(
                f.is_finite() && f > 1.0,
                "range `factor` = {f} must be above 1"
            );
            ensure!(
                a > 0.0 && b >= a,
                "a geometric range needs 0 < start <= stop (start {a}, stop {b})"
            );
            let mut out = Vec::new();
            let mut x = a;
            while x <= b * (1.0 + 1e-12) {
                out.push(x);
                x *= f;
                ensure!(out.len() <= 10_000, "the range has more than 10000 values");
            }
            out
        }
        _ => bail!("a range needs exactly one of `steps` and `factor`"),
    };
    if integer {
        let ints: Vec<i64> = xs.iter().map(|x| x.round() as i64).collect();
        for w in ints.windows(2) {
            ensure!(
                w[0] != w[1],
                "the integer range repeats {} after rounding; use fewer steps",
                w[0]
            );
        }
        Ok(ints.into_iter().map(Value::Integer).collect())
    } else {
        Ok(xs.into_iter().map(Value::Float).collect())
    }
}

/// A TOML value as JSON.
pub fn json(v: &Value) -> Result<serde_json::Value> {
    serde_json::to_value(v).context("converting a TOML value to JSON")
}

/// `name = value, ...` of a point, for messages.
pub fn describe_values(
    axes: &[AxisInfo],
    values: &[serde_json::Value],
    varied: Option<usize>,
) -> String {
    let parts: Vec<String> = axes
        .iter()
        .zip(values)
        .enumerate()
        .filter(|(k, _)| varied.is_none_or(|v| v == *k))
        .map(|(_, (a, v))| format!("{} = {v}", a.name))
        .collect();
    if parts.is_empty() {
        "the base point".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Sets the data source of a preset table from the spec and the command line.
fn apply_data(table: &mut Table, spec: &DataSpec, o: &PlanOptions) -> Result<()> {
    let pick = |cli: &Option<PathBuf>, s: &Option<PathBuf>| cli.clone().or_else(|| s.clone());
    let cli_paths =
        o.nmnist.is_some() || o.ntidigits.is_some() || o.mnist.is_some() || o.wav.is_some();
    let (nmnist, ntidigits, mnist, wav) = if cli_paths {
        (
            o.nmnist.clone(),
            o.ntidigits.clone(),
            o.mnist.clone(),
            o.wav.clone(),
        )
    } else {
        (
            pick(&o.nmnist, &spec.nmnist),
            pick(&o.ntidigits, &spec.ntidigits),
            pick(&o.mnist, &spec.mnist),
            pick(&o.wav, &spec.wav),
        )
    };
    let real = nmnist.is_some() || ntidigits.is_some();
    let emulated = mnist.is_some() || wav.is_some();
    ensure!(
        !(real && emulated),
        "give either real dataset paths (nmnist, ntidigits) or emulator inputs (mnist, wav), not both"
    );
    let kind = o.data.or(spec.kind).or(if real {
        Some(DataKindSpec::Real)
    } else if emulated {
        Some(DataKindSpec::Emulated)
    } else {
        None
    });
    let path_value = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| Value::String(p.to_string_lossy().into_owned()))
    };
    let mut source = Table::new();
    match kind {
        None => return Ok(()),
        Some(DataKindSpec::Synthetic) => {
            ensure!(
                !real && !emulated,
                "dataset paths do not fit the synthetic data source"
            );
            let current = get_path(table, "data.source.kind").and_then(Value::as_str);
            if current == Some("synthetic") {
                return Ok(());
            }
            source.insert("kind".into(), Value::String("synthetic".into()));
        }
        Some(DataKindSpec::Real) => {
            ensure!(!emulated, "emulator inputs do not fit the real data source");
            source.insert("kind".into(), Value::String("real".into()));
            for (k, v) in [
                ("nmnist", path_value(&nmnist)),
                ("ntidigits", path_value(&ntidigits)),
            ] {
                if let Some(v) = v {
                    source.insert(k.into(), v);
                }
            }
        }
        Some(DataKindSpec::Emulated) => {
            ensure!(
                !real,
                "real dataset paths do not fit the emulated data source"
            );
            source.insert("kind".into(), Value::String("emulated".into()));
            for (k, v) in [("mnist", path_value(&mnist)), ("wav", path_value(&wav))] {
                if let Some(v) = v {
                    source.insert(k.into(), v);
                }
            }
        }
    }
    preset::set_path(table, "data.source", Value::Table(source))
}

/// The value at a dotted path (`a.b.0.c`: a numeric component indexes an
/// array).
pub fn get_path<'a>(table: &'a Table, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut cur = table.get(parts.next()?)?;
    for part in parts {
        cur = match cur {
            Value::Table(t) => t.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Sets the value at a dotted path, creating missing tables; a table value
/// is merged key by key into an existing table (so `[set] classifier =
/// { epochs = 5 }` keeps the other classifier fields).
pub fn set_value(table: &mut Table, path: &str, value: Value) -> Result<()> {
    let parts: Vec<&str> = path.split('.').collect();
    ensure!(
        parts.iter().all(|p| !p.is_empty()),
        "empty component in path `{path}`"
    );
    fn walk(cur: &mut Value, rest: &[&str], value: Value, path: &str) -> Result<()> {
        let Some((head, tail)) = rest.split_first() else {
            match (cur, value) {
                (Value::Table(b), Value::Table(o)) => preset::deep_merge(b, &o),
                (slot, v) => *slot = v,
            }
            return Ok(());
        };
        match cur {
            Value::Table(t) => {
                let next = t
                    .entry((*head).to_owned())
                    .or_insert_with(|| Value::Table(Table::new()));
                walk(next, tail, value, path)
            }
            Value::Array(a) => {
                let i: usize = head
                    .parse()
                    .map_err(|_| err!("`{head}` of `{path}` indexes an array: use a number"))?;
                let len = a.len();
                let next = a
                    .get_mut(i)
                    .ok_or_else(|| err!("index {i} of `{path}` is outside the array's 0..{len}"))?;
                walk(next, tail, value, path)
            }
            other => bail!(
                "`{head}` of `{path}` is inside a {}, not a table or array",
                other.type_str()
            ),
        }
    }
    let mut root = Value::Table(std::mem::take(table));
    let result = walk(&mut root, &parts, value, path);
    if let Value::Table(t) = root {
        *table = t;
    }
    result
}

/// Checks that `path` names a field of the task's preset: present in the
/// resolved table, or accepted by the preset's `deny_unknown_fields`
/// deserialisation when set to `probe` (an optional field that is unset).
fn check_path(base: &Table, path: &str, probe: &Value, task: TaskKind, what: &str) -> Result<()> {
    if get_path(base, path).is_some() {
        return Ok(());
    }
    let mut t = base.clone();
    let set = set_value(&mut t, path, probe.clone());
    match set.and_then(|()| parse_point(task, &t).map(|_| ())) {
        Ok(()) => Ok(()),
        Err(e) => Err(err!(
            "{what}: unknown field path `{path}`: it is not a field of the base preset ({})",
            e.chain()
        )),
    }
}

/// A point's preset, parsed.
#[derive(Clone, Debug)]
pub enum PointPreset {
    /// N-MNIST.
    Vision(Box<SupervisedPreset<VisionBinning>>, InputNoise),
    /// N-TIDIGITS.
    Audio(Box<SupervisedPreset<AudioBinning>>, InputNoise),
    /// Zero-shot.
    ZeroShot(Box<Fig4Preset>, InputNoise),
}

fn split_noise(table: &Table) -> Result<(Table, InputNoise)> {
    let mut t = table.clone();
    let noise = match t.remove(INPUT_NOISE) {
        Some(v) => InputNoise::deserialize(v).context("`input_noise`")?,
        None => InputNoise::default(),
    };
    noise.validate()?;
    Ok((t, noise))
}

fn typed<T: DeserializeOwned>(t: Table) -> Result<T> {
    T::deserialize(t).map_err(|e| err!("{e}"))
}

/// Deserialises a point's table into its task's preset and input noise.
pub fn parse_point(task: TaskKind, table: &Table) -> Result<PointPreset> {
    let (t, noise) = split_noise(table)?;
    Ok(match task {
        TaskKind::Nmnist => PointPreset::Vision(Box::new(typed(t)?), noise),
        TaskKind::Ntidigits => PointPreset::Audio(Box::new(typed(t)?), noise),
        TaskKind::ZeroShot => PointPreset::ZeroShot(Box::new(typed(t)?), noise),
    })
}

/// The table with every default spelt out: parsed into the preset and
/// written back.
fn resolved_table(task: TaskKind, table: &Table) -> Result<Table> {
    let mut out = match parse_point(task, table)? {
        PointPreset::Vision(p, _) => Table::try_from(&*p)?,
        PointPreset::Audio(p, _) => Table::try_from(&*p)?,
        PointPreset::ZeroShot(p, _) => Table::try_from(&*p)?,
    };
    let (_, noise) = split_noise(table)?;
    out.insert(
        INPUT_NOISE.to_owned(),
        Value::Table(Table::try_from(noise)?),
    );
    Ok(out)
}

/// FNV-1a, 64 bits: a stable hash (no dependency on the standard library's
/// randomised hasher), enough to tell specs apart.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn hash_plan(plan: &Plan) -> Result<String> {
    let points: Vec<serde_json::Value> = plan
        .points
        .iter()
        .map(|p| {
            Ok(serde_json::json!({
                "table": serde_json::to_value(&p.table)?,
                "backends": p.backends,
                "varied": p.varied,
            }))
        })
        .collect::<Result<_>>()?;
    let v = serde_json::json!({
        "format": FORMAT,
        "task": plan.task,
        "design": plan.design,
        "base_seed": plan.base_seed,
        "repeats": plan.repeats,
        "axes": plan.axes,
        "columns": plan.columns,
        "points": points,
    });
    let text = serde_json::to_string(&v)?;
    Ok(format!("{:016x}", fnv1a(text.as_bytes())))
}

/// A `[derived]` expression: numbers, field paths, `+ - * /`, parentheses.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number.
    Num(f64),
    /// A field path.
    Path(String),
    /// A negation.
    Neg(Box<Expr>),
    /// A binary operation.
    Bin(char, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Parses an expression.
    pub fn parse(text: &str) -> Result<Expr> {
        let tokens = tokenize(text)?;
        let mut pos = 0;
        let e = parse_sum(&tokens, &mut pos)?;
        ensure!(
            pos == tokens.len(),
            "unexpected `{}` in \"{text}\"",
            tokens[pos]
        );
        Ok(e)
    }

    /// The field paths it reads.
    pub fn paths(&self) -> Vec<&str> {
        match self {
            Expr::Num(_) => vec![],
            Expr::Path(p) => vec![p.as_str()],
            Expr::Neg(e) => e.paths(),
            Expr::Bin(_, a, b) => {
                let mut v = a.paths();
                v.extend(b.paths());
                v
            }
        }
    }

    /// Evaluates against a point's table.
    pub fn eval(&self, t: &Table) -> Result<f64> {
        Ok(match self {
            Expr::Num(x) => *x,
            Expr::Path(p) => match get_path(t, p) {
                Some(Value::Integer(i)) => *i as f64,
                Some(Value::Float(f)) => *f,
                Some(other) => bail!("`{p}` is a {}, not a number", other.type_str()),
                None => bail!("unknown field path `{p}`"),
            },
            Expr::Neg(e) => -e.eval(t)?,
            Expr::Bin(op, a, b) => {
                let (x, y) = (a.eval(t)?, b.eval(t)?);
                match op {
                    '+' => x + y,
                    '-' => x - y,
                    '*' => x * y,
                    _ => {
                        ensure!(y != 0.0, "division by zero");
                        x / y
                    }
                }
            }
        })
    }

    /// Whether every operand is an integer and no division occurs.
    fn integer_operands(&self, t: &Table) -> bool {
        match self {
            Expr::Num(x) => x.fract() == 0.0,
            Expr::Path(p) => matches!(get_path(t, p), Some(Value::Integer(_))),
            Expr::Neg(e) => e.integer_operands(t),
            Expr::Bin(op, a, b) => *op != '/' && a.integer_operands(t) && b.integer_operands(t),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "+-*/()".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == '.'
                    // exponent sign of a number like 1e-3
                    || ((chars[i] == '-' || chars[i] == '+')
                        && i > start
                        && (chars[i - 1] == 'e' || chars[i - 1] == 'E')
                        && chars[start].is_ascii_digit()))
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            bail!("unexpected character `{c}` in \"{text}\"");
        }
    }
    Ok(out)
}

fn parse_sum(t: &[String], pos: &mut usize) -> Result<Expr> {
    let mut e = parse_product(t, pos)?;
    while let Some(op) = t.get(*pos).filter(|s| *s == "+" || *s == "-") {
        let op = op.chars().next().unwrap_or('+');
        *pos += 1;
        e = Expr::Bin(op, Box::new(e), Box::new(parse_product(t, pos)?));
    }
    Ok(e)
}

fn parse_product(t: &[String], pos: &mut usize) -> Result<Expr> {
    let mut e = parse_atom(t, pos)?;
    while let Some(op) = t.get(*pos).filter(|s| *s == "*" || *s == "/") {
        let op = op.chars().next().unwrap_or('*');
        *pos += 1;
        e = Expr::Bin(op, Box::new(e), Box::new(parse_atom(t, pos)?));
    }
    Ok(e)
}

fn parse_atom(t: &[String], pos: &mut usize) -> Result<Expr> {
    let tok = t
        .get(*pos)
        .ok_or_else(|| err!("the expression ends early"))?;
    *pos += 1;
    match tok.as_str() {
        "(" => {
            let e = parse_sum(t, pos)?;
            ensure!(t.get(*pos).map(String::as_str) == Some(")"), "missing `)`");
            *pos += 1;
            Ok(e)
        }
        "-" => Ok(Expr::Neg(Box::new(parse_atom(t, pos)?))),
        s if s.starts_with(|c: char| c.is_ascii_digit()) => Ok(Expr::Num(
            s.parse().map_err(|_| err!("`{s}` is not a number"))?,
        )),
        s if s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') => {
            Ok(Expr::Path(s.to_owned()))
        }
        s => bail!("unexpected `{s}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn paths_index_arrays_and_set_merges_tables() {
        let mut t = table("[binning]\ncrop = [16, 16]\n[c]\na = 1\nb = 2\n");
        assert_eq!(get_path(&t, "binning.crop.1"), Some(&Value::Integer(16)));
        set_value(&mut t, "binning.crop.0", Value::Integer(8)).unwrap();
        assert_eq!(get_path(&t, "binning.crop.0"), Some(&Value::Integer(8)));
        set_value(&mut t, "c", Value::Table(table("b = 5"))).unwrap();
        assert_eq!(t["c"], Value::Table(table("a = 1\nb = 5")));
        let err = set_value(&mut t, "binning.crop.2", Value::Integer(1)).unwrap_err();
        assert!(err.to_string().contains("0..2"), "{err}");
        assert!(set_value(&mut t, "c.a.x", Value::Integer(1)).is_err());
    }

    #[test]
    fn ranges_expand_linearly_and_geometrically() {
        let r = |s: &str| -> RangeSpec { toml::from_str(s).unwrap() };
        assert_eq!(
            range_values(&r("start = 50\nstop = 800\nfactor = 2.0")).unwrap(),
            [50, 100, 200, 400, 800].map(Value::Integer).to_vec()
        );
        assert_eq!(
            range_values(&r("start = 0.0\nstop = 1.0\nsteps = 5")).unwrap(),
            [0.0, 0.25, 0.5, 0.75, 1.0].map(Value::Float).to_vec()
        );
        assert_eq!(
            range_values(&r("start = 4\nstop = 14\nsteps = 6")).unwrap(),
            [4, 6, 8, 10, 12, 14].map(Value::Integer).to_vec()
        );
        assert!(range_values(&r("start = 1\nstop = 3\nsteps = 9")).is_err());
        assert!(range_values(&r("start = 1\nstop = 3")).is_err());
        assert!(range_values(&r("start = 1\nstop = 3\nsteps = 2\nfactor = 2.0")).is_err());
    }

    #[test]
    fn expressions_follow_precedence_and_read_paths() {
        let t = table("[b]\ncrop = [12, 10]\nx = 2.5\n");
        let e = Expr::parse("b.crop.0 * b.crop.1 + 2 * (1 - -1)").unwrap();
        assert_eq!(e.eval(&t).unwrap(), 124.0);
        assert!(e.integer_operands(&t));
        assert_eq!(Expr::parse("b.x / 2e-1").unwrap().eval(&t).unwrap(), 12.5);
        assert_eq!(e.paths(), ["b.crop.0", "b.crop.1"]);
        assert!(Expr::parse("1 +").is_err());
        assert!(Expr::parse("(1").is_err());
        assert!(Expr::parse("a $ b").is_err());
        let err = Expr::parse("b.nope").unwrap().eval(&t).unwrap_err();
        assert!(err.to_string().contains("b.nope"), "{err}");
    }

    #[test]
    fn metric_columns_know_their_backend() {
        assert_eq!(
            column_backend("test_accuracy_hardware"),
            Some(Backend::Hardware)
        );
        assert_eq!(column_metric("test_accuracy_hardware"), "test_accuracy");
        assert_eq!(column_backend("input_events_per_sample"), None);
        assert_eq!(column_metric("mean_rate_image_software"), "mean_rate_image");
    }
}
