//! A figure's files before they are written: panels (drawn as PNG and SVG)
//! and the plotted data as CSV tables.
//!
//! The panel builders of the paper's figures ([`crate::panels`]) return an
//! [`Artifacts`] value; the caller chooses the directory and calls
//! [`Artifacts::save_figures`] (every file atomic, panels drawn in parallel)
//! and writes [`Artifacts::tables`] beside them.

use std::path::Path;

use experiments::output::csv_line;
use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use crate::{
    BarChart, Figure, FrameGrid, Heatmap, Histogram, LinePlot, RasterPlot, Result, ScatterPlot,
    ScatterPlot3d, SweepPlot, plot_err,
};

/// Any figure of this crate, so panels of different kinds share one list.
#[derive(Clone, Debug)]
pub enum AnyFigure {
    /// A grid of heat-map frames.
    Frames(FrameGrid),
    /// A spike raster.
    Raster(RasterPlot),
    /// Lines.
    Line(LinePlot),
    /// Lines with error bars.
    Sweep(SweepPlot),
    /// A heat map.
    Heat(Heatmap),
    /// Histograms.
    Hist(Histogram),
    /// Bars.
    Bars(BarChart),
    /// 2-D scatter.
    Scatter(ScatterPlot),
    /// 3-D scatter with projections.
    Scatter3d(ScatterPlot3d),
    /// Line plots side by side under one title.
    Grid(PanelGrid),
}

macro_rules! any_figure_from {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for AnyFigure {
            fn from(f: $ty) -> Self {
                AnyFigure::$variant(f)
            }
        })*
        impl Figure for AnyFigure {
            fn size(&self) -> (u32, u32) {
                match self {
                    $(AnyFigure::$variant(f) => f.size(),)*
                }
            }

            fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
                match self {
                    $(AnyFigure::$variant(f) => f.draw(area),)*
                }
            }
        }
    };
}

any_figure_from!(
    Frames(FrameGrid),
    Raster(RasterPlot),
    Line(LinePlot),
    Sweep(SweepPlot),
    Heat(Heatmap),
    Hist(Histogram),
    Bars(BarChart),
    Scatter(ScatterPlot),
    Scatter3d(ScatterPlot3d),
    Grid(PanelGrid),
);

/// Several line plots side by side (at most `cols` a row) under a title.
#[derive(Clone, Debug)]
pub struct PanelGrid {
    /// Title above the panels.
    pub title: String,
    /// The panels, row by row.
    pub panels: Vec<SweepPlot>,
    /// Panels per row.
    pub cols: usize,
    /// Size of one panel, pixels.
    pub panel: (u32, u32),
}

/// Height of a [`PanelGrid`]'s title band, pixels.
const TITLE_HEIGHT: u32 = 44;

impl Figure for PanelGrid {
    fn size(&self) -> (u32, u32) {
        let cols = self.cols.max(1);
        let rows = self.panels.len().div_ceil(cols).max(1) as u32;
        (
            cols as u32 * self.panel.0,
            rows * self.panel.1 + TITLE_HEIGHT,
        )
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        area.fill(&WHITE).map_err(plot_err)?;
        let (top, rest) = area.split_vertically(TITLE_HEIGHT);
        top.draw_text(
            &self.title,
            &("sans-serif", 22).into_font().color(&BLACK),
            (12, 10),
        )
        .map_err(plot_err)?;
        let cols = self.cols.max(1);
        let rows = self.panels.len().div_ceil(cols).max(1);
        let areas = rest.split_evenly((rows, cols));
        for (p, a) in self.panels.iter().zip(&areas) {
            p.draw(a)?;
        }
        Ok(())
    }
}

/// One panel: its file stem, its caption and the figure.
#[derive(Clone, Debug)]
pub struct Panel {
    /// File stem (`<stem>.png`, `<stem>.svg`).
    pub stem: String,
    /// One sentence saying what it shows.
    pub caption: String,
    /// The figure.
    pub figure: AnyFigure,
}

/// One data file (CSV text) beside the panels.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// File name, e.g. `accuracy.csv`.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// The panels and tables of a figure, in the order they were added.
#[derive(Clone, Debug, Default)]
pub struct Artifacts {
    /// Panels, each saved as PNG and SVG.
    pub panels: Vec<Panel>,
    /// Data files.
    pub tables: Vec<Table>,
    /// A label drawn in a strip below every panel (e.g. "quick scale: not
    /// comparable with the paper"), or `None`.
    pub stamp: Option<String>,
}

/// A figure with a one-line label in a strip of [`STAMP_STRIP_PX`] pixels
/// added below it.
#[derive(Clone, Debug)]
pub struct Stamped<'a, F> {
    /// The figure.
    pub figure: &'a F,
    /// The label.
    pub label: &'a str,
}

/// Height of the strip [`Stamped`] adds below a figure for its label.
pub const STAMP_STRIP_PX: u32 = 20;

impl<F: Figure> Figure for Stamped<'_, F> {
    fn size(&self) -> (u32, u32) {
        let (w, h) = self.figure.size();
        (w, h + STAMP_STRIP_PX)
    }

    /// The figure, then the label in a strip of its own below it, so the
    /// label never covers an axis label or data.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let (_, h) = self.figure.size();
        let (figure, strip) = area.split_vertically(h);
        self.figure.draw(&figure)?;
        strip.fill(&WHITE).map_err(plot_err)?;
        let style = ("sans-serif", 13).into_font().color(&RGBColor(178, 34, 34));
        strip
            .draw(&Text::new(self.label.to_owned(), (6, 3), style))
            .map_err(plot_err)?;
        Ok(())
    }
}

/// CSV text: a header and rows of already formatted cells.
pub fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut text = csv_line(header);
    for row in rows {
        text.push_str(&csv_line(&row));
    }
    text
}

impl Artifacts {
    /// Adds a panel.
    pub fn figure(&mut self, stem: &str, caption: &str, figure: impl Into<AnyFigure>) {
        self.panels.push(Panel {
            stem: stem.to_owned(),
            caption: caption.to_owned(),
            figure: figure.into(),
        });
    }

    /// Adds a CSV table of already formatted cells.
    pub fn csv(
        &mut self,
        name: &str,
        header: &[&str],
        rows: impl IntoIterator<Item = Vec<String>>,
    ) {
        self.tables.push(Table {
            name: name.to_owned(),
            text: csv_text(header, rows),
        });
    }

    /// Adds a data file with the given text.
    pub fn text(&mut self, name: &str, text: String) {
        self.tables.push(Table {
            name: name.to_owned(),
            text,
        });
    }

    /// (caption, PNG file name) of every panel, in order.
    pub fn captions(&self) -> Vec<(String, String)> {
        self.panels
            .iter()
            .map(|p| (p.caption.clone(), format!("{}.png", p.stem)))
            .collect()
    }

    /// Draws every panel into `dir` as `<stem>.png` and `<stem>.svg` (in
    /// parallel, each file atomically); the caller writes the tables.
    pub fn save_figures(&self, dir: &Path) -> Result<()> {
        self.panels
            .par_iter()
            .map(|p| {
                let stem = dir.join(&p.stem);
                match &self.stamp {
                    Some(label) => {
                        let f = Stamped {
                            figure: &p.figure,
                            label,
                        };
                        crate::save_png_and_svg(&f, &stem)
                    }
                    None => crate::save_png_and_svg(&p.figure, &stem),
                }
                .map(|_| ())
            })
            .collect::<Result<Vec<()>>>()?;
        Ok(())
    }
}
