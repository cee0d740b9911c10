//! Runs a figure of the paper by name and returns its output with the data of
//! its panels in one enum, for callers that handle every figure alike.

use crate::context::{Ctx, Figure, FigureOutput, RunOptions};
use crate::error::Result;
use crate::output::Stages;
use crate::report::{Report, Summary};

/// The data of a figure's panels, for the `plots` crate to draw.
#[derive(Debug)]
pub enum Panels {
    /// Fig. 1: the device and macro statistics.
    Fig1(Box<crate::fig1::Fig1Panels>),
    /// Fig. 2 or Fig. 3: the supervised panels.
    Supervised(Box<crate::supervised::SupervisedPanels>),
    /// Fig. 4: the zero-shot panels.
    Fig4(Box<crate::fig4::Fig4Panels>),
}

/// Runs `figure` with `options` (in the current rayon pool) and returns
/// what it produced; writes nothing.
pub fn run_figure(figure: Figure, options: &RunOptions) -> Result<FigureOutput<Panels>> {
    let mut ctx = Ctx {
        options,
        figure,
        stages: Stages::default(),
    };
    let boxed = |p| Panels::Supervised(Box::new(p));
    let mut out = match figure {
        Figure::Fig1 => crate::fig1::run(&mut ctx)?.map_panels(|p| Panels::Fig1(Box::new(p))),
        Figure::Fig2 => crate::fig2::run(&mut ctx)?.map_panels(boxed),
        Figure::Fig3 => crate::fig3::run(&mut ctx)?.map_panels(boxed),
        Figure::Fig4 => crate::fig4::run(&mut ctx)?.map_panels(|p| Panels::Fig4(Box::new(p))),
    };
    label_scale(options.quick, &mut out.summary, &mut out.report);
    Ok(out)
}

/// The label a quick run carries on its report, summary and figures.
pub const QUICK_LABEL: &str = "quick scale: not comparable with the paper";

/// Records the run's scale: `scale` in the summary (`"quick"` for
/// `--quick`, `"preset"` for the preset's own sample counts and epochs) and,
/// for a quick run, a title suffix and "not comparable: quick scale" before
/// every comparison with a paper number.
pub fn label_scale(quick: bool, summary: &mut Summary, report: &mut Report) {
    summary.text("scale", if quick { "quick" } else { "preset" });
    if !quick {
        return;
    }
    report.title = format!("{} ({QUICK_LABEL})", report.title);
    for row in &mut report.rows {
        if row.paper.trim() != "-" && !row.paper.is_empty() {
            row.comment = format!("not comparable: quick scale; {}", row.comment);
        }
    }
    report.notes.insert(
        0,
        "This is a quick run (`--quick`): a few hundred samples and a few epochs, to check that the pipeline works. Its numbers are not estimates of the paper's, and the differences listed are not findings.".to_owned(),
    );
}
