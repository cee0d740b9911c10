//! Runs a figure of the paper by name and returns its output with the data of
//! its panels in one enum, for callers that handle every figure alike.

use crate::context::{Ctx, Figure, FigureOutput, RunOptions};
use crate::error::Result;
use crate::output::Stages;

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
    Ok(match figure {
        Figure::Fig1 => crate::fig1::run(&mut ctx)?.map_panels(|p| Panels::Fig1(Box::new(p))),
        Figure::Fig2 => crate::fig2::run(&mut ctx)?.map_panels(boxed),
        Figure::Fig3 => crate::fig3::run(&mut ctx)?.map_panels(boxed),
        Figure::Fig4 => crate::fig4::run(&mut ctx)?.map_panels(|p| Panels::Fig4(Box::new(p))),
    })
}
