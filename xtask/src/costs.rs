//! `cargo xtask costs [--json]`: training cost and inference energy of the
//! paper's models at the paper's sizes, ours beside the paper's.
//!
//! Every number comes from `costmodel` ([`costmodel::paper::paper_report`]);
//! this module loads the committed technology tables, optionally prices a
//! counted run, and formats.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use costmodel::paper::{CostReport, InferenceRow, paper_report, run_energy};
use costmodel::{
    CrossbarMapping, DigitalBaseline, FloatPrecision, ReadGeometry, TableSet, TechTables, Workload,
};

/// Floating-point precision of the digital baseline, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrecisionArg {
    /// 32-bit floats (the simulation's precision).
    Fp32,
    /// 16-bit floats.
    Fp16,
}

/// Options of `cargo xtask costs`.
#[derive(Debug, clap::Args)]
pub struct CostsArgs {
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Directory of the technology tables (default: `data/tech` of the
    /// workspace).
    #[arg(long, value_name = "DIR")]
    pub tech: Option<PathBuf>,
    /// Floating-point precision of the digital baseline.
    #[arg(long, value_enum, default_value = "fp32")]
    pub precision: PrecisionArg,
    /// Count one SRAM read per weight use in the digital baseline.
    #[arg(long)]
    pub weight_reads: bool,
    /// A counted run to price in both views: a JSON `costmodel::Workload`
    /// (per sample, or divide first).
    #[arg(long, value_name = "FILE", requires = "steps")]
    pub counts: Option<PathBuf>,
    /// Time steps covered by `--counts` (read cycles in the hybrid view of
    /// synapse layers without macro counts).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Output neurons per read for `--counts`.
    #[arg(long, default_value_t = costmodel::paper::HIDDEN)]
    pub columns: u64,
}

/// Builds the report the command prints.
pub fn report(args: &CostsArgs) -> anyhow::Result<CostReport> {
    let dir = args
        .tech
        .clone()
        .unwrap_or_else(|| costmodel::tech_dir(&crate::workspace_root()));
    let mut sets = Vec::new();
    for set in TableSet::ALL {
        let tables = TechTables::load_set(&dir, set)
            .with_context(|| format!("loading the {} tables from {}", set.name(), dir.display()))?;
        sets.push((set, tables));
    }
    let baseline = DigitalBaseline {
        precision: match args.precision {
            PrecisionArg::Fp32 => FloatPrecision::Fp32,
            PrecisionArg::Fp16 => FloatPrecision::Fp16,
        },
        weight_reads: args.weight_reads,
    };
    let mapping = CrossbarMapping::default();
    let mut report = paper_report(&sets, &baseline, &mapping)?;
    if let (Some(path), Some(steps)) = (&args.counts, args.steps) {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading counts {}", path.display()))?;
        let run: Workload = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a costmodel Workload", path.display()))?;
        let geometry = ReadGeometry {
            columns: args.columns,
            steps,
        };
        let (set, tables) = &sets[0];
        report.run = Some(run_energy(
            &run, *set, tables, &baseline, &mapping, geometry,
        )?);
    }
    Ok(report)
}

/// Runs the command.
pub fn run(args: &CostsArgs) -> anyhow::Result<ExitCode> {
    let report = report(args)?;
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        render(&report)
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

use experiments::report::count;

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "-".to_owned(), f)
}

fn uj(j: f64) -> String {
    format!("{:.3}", j * 1e6)
}

/// The report as text tables.
pub fn render(r: &CostReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Training cost per training sample\n  paper convention: SRNN/RNN = 2 x dense forward MACs over \
         all steps; trained head = 6 x weights\n  backprop convention: forward + weight gradients + \
         needed input gradients, MACs\n"
    );
    let _ = writeln!(
        s,
        "{:<10} {:<14} {:>10} {:>10} {:>9} {:>9} {:>8}   {:>10} {:>9}",
        "task", "model", "cost", "paper", "ratio", "paper", "ours/pp", "backprop", "ratio"
    );
    for t in &r.training {
        let _ = writeln!(
            s,
            "{:<10} {:<14} {:>10} {:>10} {:>9.2} {:>9} {:>8}   {:>10} {:>9.2}",
            t.task.name(),
            t.model,
            count(t.cost),
            opt(t.paper_cost, count),
            t.ratio,
            opt(t.paper_ratio, |x| format!("{x:.2}")),
            opt(t.ratio_of_ratios, |x| format!("{x:.3}")),
            count(t.cost_backprop),
            t.ratio_backprop,
        );
    }
    let _ = writeln!(
        s,
        "\nTraining cost per training sample and layer\n{:<10} {:<14} {:<18} {:>10} {:>12} {:>6}   {:>10}",
        "task", "model", "layer", "weights", "cost", "share", "backprop"
    );
    for l in &r.training_layers {
        let _ = writeln!(
            s,
            "{:<10} {:<14} {:<18} {:>10} {:>12} {:>5.1}%   {:>10}",
            l.task.name(),
            l.model,
            l.layer,
            l.weights,
            count(l.cost),
            100.0 * l.share,
            count(l.cost_backprop),
        );
    }
    let _ = writeln!(
        s,
        "\nInference energy per sample, dense estimate (uJ; digital baseline {:?}, weight reads {})",
        r.baseline.precision, r.baseline.weight_reads
    );
    let _ = writeln!(
        s,
        "{:<10} {:<11} {:>9} {:>8} {:>7}   {:>9} {:>8} {:>7} {:>8}  {:>12}",
        "task",
        "tables",
        "digital",
        "hybrid",
        "ratio",
        "paper dig",
        "hybrid",
        "ratio",
        "ours/pp",
        "xbar nJ/step"
    );
    for i in &r.inference {
        let _ = writeln!(
            s,
            "{:<10} {:<11} {:>9} {:>8} {:>7.2}   {:>9} {:>8} {:>7.2} {:>8.3}  {:>12.3}",
            i.task.name(),
            i.tables.name(),
            uj(i.digital_j),
            uj(i.hybrid_j),
            i.ratio,
            uj(i.paper.digital_j),
            uj(i.paper.hybrid_j),
            i.paper.ratio,
            i.ratio_of_ratios,
            i.crossbar_per_step_j * 1e9,
        );
    }
    for i in &r.inference {
        s += &breakdown(i);
    }
    if let Some(run) = &r.run {
        let _ = writeln!(
            s,
            "\nCounted run ({} tables): all-digital {} uJ, hybrid {} uJ, ratio {:.2}",
            run.tables.name(),
            uj(run.digital.total.total_j()),
            uj(run.hybrid.total.total_j()),
            run.ratio
        );
        for (d, h) in run.digital.layers.iter().zip(&run.hybrid.layers) {
            let _ = writeln!(
                s,
                "  {:<22} digital {:>9}   hybrid: digital {:>9} analogue {:>9}",
                d.name,
                uj(d.energy.total_j()),
                uj(h.energy.digital_j),
                uj(h.energy.analogue_j)
            );
        }
    }
    let _ = writeln!(s, "\nNotes:");
    for n in &r.notes {
        let _ = writeln!(s, "  - {n}");
    }
    s
}

fn breakdown(i: &InferenceRow) -> String {
    let mut s = format!(
        "\n{} / {}: per layer (uJ)   all-digital | hybrid digital  hybrid analogue\n",
        i.task.name(),
        i.tables.name()
    );
    for d in &i.digital.layers {
        let h = i.hybrid.layers.iter().find(|h| h.name == d.name);
        let _ = writeln!(
            s,
            "  {:<22} {:>11} | {:>14} {:>16}",
            d.name,
            uj(d.energy.total_j()),
            h.map_or_else(|| "-".into(), |h| uj(h.energy.digital_j)),
            h.map_or_else(|| "-".into(), |h| uj(h.energy.analogue_j)),
        );
    }
    s
}
