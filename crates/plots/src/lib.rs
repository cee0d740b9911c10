//! Reusable figures on plotters, written as PNG and SVG.
//!
//! Text never depends on the system's fonts: DejaVu Sans
//! (`crates/plots/assets/DejaVuSans.ttf`, licence in `crates/plots/assets/README.md`) is
//! embedded with `include_bytes!` and registered as plotters' `sans-serif`
//! family on first use (plotters' `ab_glyph` backend). SVG files name the
//! family `sans-serif` and leave the glyphs to the viewer.
//!
//! ```
//! use plots::{Histogram, HistogramSet, render_rgb};
//! let h = Histogram {
//!     title: "conductance".into(),
//!     x_label: "G (uS)".into(),
//!     sets: vec![HistogramSet { label: "formed".into(), values: vec![13.0, 14.2, 14.9, 15.5], ..Default::default() }],
//!     ..Histogram::default()
//! };
//! let rgb = render_rgb(&h).unwrap(); // or plots::save_png_and_svg(&h, stem)
//! assert_eq!(rgb.len(), (h.size.0 * h.size.1 * 3) as usize);
//! ```
//!
//! Figures ([`Figure`]):
//!
//! | type | what | typical use |
//! |---|---|---|
//! | [`FrameGrid`] | a grid of heat-map frames on one colour scale, with a colour bar | event counts per pixel in successive time windows |
//! | [`RasterPlot`] | a spike raster, time on x and channel on y, points coloured by group | input events, reservoir spikes |
//! | [`LinePlot`] | lines of `(x, y)` points with a legend | rate profiles, membrane potentials |
//! | [`SweepPlot`] | lines and/or markers with optional per-point y error bars, optional log y | parameter sweeps, closed form beside simulation (a [`LinePlot`] with error bars) |
//! | [`Heatmap`] | one matrix with axes and a colour bar; numeric or category ticks; optional per-cell values | conductance maps, confusion matrices, 2-axis sweeps |
//! | [`Histogram`] | binned counts or densities of several data sets overlaid, overlay curves, reference lines, optional log y | conductance and weight distributions with a fitted normal |
//! | [`BarChart`] | grouped and/or stacked bars with category labels, error bars, value labels, optional log y | accuracies, training MACs, energy per layer |
//! | [`ScatterPlot`] | 2-D points coloured by class, marker shape by a second attribute | t-SNE |
//! | [`ScatterPlot3d`] | 3-D points: a perspective view and the three 2-D projections | 3-D t-SNE |
//!
//! Every figure has a title, axis labels (with units: the caller writes them
//! into the label, e.g. `conductance (uS)`) and a size in pixels; the new
//! types implement [`Default`] so a caller names only what it sets
//! (`Histogram { title, sets, ..Default::default() }`). [`save`] picks PNG
//! or SVG by the file extension and writes atomically (a temporary file in
//! the same directory, then a rename); [`save_png_and_svg`] writes both;
//! [`render_rgb`] draws into memory (for tests).
//!
//! Conventions shared by the figures:
//!
//! * Non-finite values (NaN, infinities) are skipped when binning and
//!   scaling, drawn as grey cells in heat maps, and left out of lines
//!   (a line breaks at them). Shape mismatches (a value vector of the wrong
//!   length, error bars not matching points) are errors naming the field;
//!   an empty figure draws its axes and "no data".
//! * Log y axes plot `log10(y)` on a linear axis whose ticks are labelled
//!   with `10^v` (non-positive values cannot be shown and are skipped).
//! * Colours: [`PALETTE`] for series (6 colours), or [`CLASS_PALETTE`]
//!   (10 colours, Tableau 10) when a figure needs more distinct colours
//!   ([`series_colour`]; both cycle beyond); [`CLASS_PALETTE`] for classes;
//!   [`ColourScale`] for heat maps.
//! * Large heat maps (more than [`Heatmap::VECTOR_CELLS_MAX`] cells) are
//!   drawn as one bitmap resampled to the plotting area; in SVG files it is
//!   embedded as a PNG image (plotters-svg's `bitmap_encoder`, enabled
//!   through plotters' `evcxr_bitmap` feature), so a 456 x 402 map stays a
//!   few hundred kilobytes instead of 180,000 rectangles.
//!
//! [`ScatterPlot3d`] draws a perspective 3-D view (plotters' 3-D Cartesian
//! chart) beside the three 2-D projections (1-2, 1-3, 2-3): a static 3-D
//! view hides points behind others, and the projections keep every point
//! and every axis readable.

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod artifacts;
mod bars;
mod error;
mod heatmap;
mod histogram;
pub mod panels;
mod scatter;
mod sweep;

pub use artifacts::{
    AnyFigure, Artifacts, Panel, PanelGrid, STAMP_STRIP_PX, Stamped, Table, csv_text,
};
pub use bars::{BarChart, BarSeries};
use error::invalid;
pub use error::{Error, Result};
pub use heatmap::Heatmap;
pub use histogram::{Binned, Histogram, HistogramSet, HistogramStyle};
pub use scatter::{ScatterPlot, ScatterPlot3d};
pub use sweep::{SweepPlot, SweepSeries};

/// DejaVu Sans, embedded (see `crates/plots/assets/README.md`).
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

static FONTS: Once = Once::new();

/// Registers the embedded font as the `sans-serif` family (once).
pub fn register_fonts() {
    FONTS.call_once(|| {
        // The embedded file is a valid TrueType font (checked by the
        // `font_is_embedded_and_registers` test); a failure would only
        // leave plotters without text, never corrupt a figure.
        if plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS).is_err() {
            tracing::warn!("the embedded DejaVu Sans font did not load; figures will lack text");
        }
    });
}

/// How values map to colours.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColourScale {
    /// Viridis-like from `min` (dark purple) to `max` (yellow).
    Sequential {
        /// Value of the darkest colour.
        min: f64,
        /// Value of the brightest colour.
        max: f64,
    },
    /// Blue (`-limit`) through white (0) to red (`+limit`).
    Diverging {
        /// Magnitude of the saturated colours.
        limit: f64,
    },
}

impl ColourScale {
    /// The value range `(low, high)`.
    pub fn range(&self) -> (f64, f64) {
        match *self {
            ColourScale::Sequential { min, max } => (min, max),
            ColourScale::Diverging { limit } => (-limit, limit),
        }
    }

    /// The colour of `value` (clamped to the range).
    pub fn colour(&self, value: f64) -> RGBColor {
        let (lo, hi) = self.range();
        let t = if hi > lo {
            ((value - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            0.5
        };
        let stops: &[(u8, u8, u8)] = match self {
            ColourScale::Sequential { .. } => &[
                (0x44, 0x01, 0x54),
                (0x3b, 0x52, 0x8b),
                (0x21, 0x91, 0x8c),
                (0x5e, 0xc9, 0x62),
                (0xfd, 0xe7, 0x25),
            ],
            ColourScale::Diverging { .. } => {
                &[(0x21, 0x66, 0xac), (0xf7, 0xf7, 0xf7), (0xb2, 0x18, 0x2b)]
            }
        };
        let x = t * (stops.len() - 1) as f64;
        let k = (x.floor() as usize).min(stops.len() - 2);
        let f = x - k as f64;
        let mix = |a: u8, b: u8| (f64::from(a) + f * (f64::from(b) - f64::from(a))).round() as u8;
        let (a, b) = (stops[k], stops[k + 1]);
        RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}

/// A figure that can be drawn on any plotters backend.
pub trait Figure {
    /// Size in pixels (width, height).
    fn size(&self) -> (u32, u32);

    /// Draws the figure on `area` (already sized).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>;
}

pub(crate) fn plot_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Backend(format!("{e:?}"))
}

/// Smallest and largest figure side accepted, pixels.
pub const FIGURE_SIDE_RANGE: (u32, u32) = (64, 16_384);

fn check_size(size: (u32, u32)) -> Result<()> {
    let (lo, hi) = FIGURE_SIDE_RANGE;
    if (lo..=hi).contains(&size.0) && (lo..=hi).contains(&size.1) {
        Ok(())
    } else {
        Err(invalid!(
            "figure size {} x {} pixels is outside {lo}..={hi} per side",
            size.0,
            size.1
        ))
    }
}

/// Distinguishes temporary files of concurrent saves in one process.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `figure` to `path`: PNG for `.png`, SVG for `.svg`. The file is
/// written under a temporary name in the same directory and renamed over
/// `path`, so a reader never sees half a figure.
pub fn save(figure: &impl Figure, path: &Path) -> Result<()> {
    register_fonts();
    check_size(figure.size())?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        what: "creating".into(),
        path: dir.to_path_buf(),
        source,
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext != "png" && ext != "svg" {
        return Err(invalid!(
            "{}: unknown figure format `{ext}` (use .png or .svg)",
            path.display()
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}.{ext}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| -> Result<()> {
        if ext == "png" {
            let area = BitMapBackend::new(&tmp, figure.size()).into_drawing_area();
            figure.draw(&area)?;
            area.present().map_err(plot_err)?;
        } else {
            let area = SVGBackend::new(&tmp, figure.size()).into_drawing_area();
            figure.draw(&area)?;
            area.present().map_err(plot_err)?;
        }
        std::fs::rename(&tmp, path).map_err(|source| Error::Io {
            what: format!("moving {} to", tmp.display()),
            path: path.to_path_buf(),
            source,
        })
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}

/// Writes `stem.png` and `stem.svg` and returns their paths.
pub fn save_png_and_svg(figure: &impl Figure, stem: &Path) -> Result<(PathBuf, PathBuf)> {
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    save(figure, &png)?;
    save(figure, &svg)?;
    Ok((png, svg))
}

/// Draws `figure` into an RGB buffer (3 bytes per pixel, row-major).
pub fn render_rgb(figure: &impl Figure) -> Result<Vec<u8>> {
    register_fonts();
    check_size(figure.size())?;
    let (w, h) = figure.size();
    let mut buffer = vec![0u8; w as usize * h as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        figure.draw(&area)?;
        area.present().map_err(plot_err)?;
    }
    Ok(buffer)
}

/// A tick label on an axis of whole numbers (channels, steps): the number
/// without decimals, or nothing where the axis would put a fraction.
pub fn integer_tick(v: &f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

fn title_font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
}

/// Where a figure's legend goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LegendPosition {
    /// Inside the plotting area, top right (default).
    #[default]
    UpperRight,
    /// Inside, top left.
    UpperLeft,
    /// Inside, bottom right.
    LowerRight,
    /// Inside, bottom left.
    LowerLeft,
    /// No legend.
    Hidden,
}

impl LegendPosition {
    fn plotters(self) -> Option<SeriesLabelPosition> {
        match self {
            LegendPosition::UpperRight => Some(SeriesLabelPosition::UpperRight),
            LegendPosition::UpperLeft => Some(SeriesLabelPosition::UpperLeft),
            LegendPosition::LowerRight => Some(SeriesLabelPosition::LowerRight),
            LegendPosition::LowerLeft => Some(SeriesLabelPosition::LowerLeft),
            LegendPosition::Hidden => None,
        }
    }
}

/// Colours of classes (Tableau 10), e.g. the ten digits of a t-SNE plot.
pub const CLASS_PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// Colour `k` of a figure that needs `n` distinct colours: [`PALETTE`]
/// when it has enough, else [`CLASS_PALETTE`] (both cycle beyond).
pub fn series_colour(k: usize, n: usize) -> RGBColor {
    if n <= PALETTE.len() {
        PALETTE[k % PALETTE.len()]
    } else {
        CLASS_PALETTE[k % CLASS_PALETTE.len()]
    }
}

/// Grey of missing (non-finite) values.
const MISSING: RGBColor = RGBColor(0xc8, 0xc8, 0xc8);

pub use experiments::report::format_tick;

/// How many y labels to ask plotters for: on a log axis spanning at least
/// two decades, one per decade (so ticks fall on powers of ten).
fn y_label_count(log_y: bool, (y0, y1): (f64, f64)) -> usize {
    let decades = y1.floor() - y0.ceil() + 1.0;
    if log_y && (2.0..=12.0).contains(&decades) {
        decades as usize
    } else {
        10
    }
}

/// Tick label of a log10 axis coordinate.
fn format_log_tick(v: f64) -> String {
    format_tick(10f64.powf(v))
}

/// Smallest and largest finite value, if any.
fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A drawable range: `(lo, hi)` when `hi > lo`, a range around a constant,
/// `(0, 1)` without data.
fn widen(range: Option<(f64, f64)>) -> (f64, f64) {
    match range {
        Some((lo, hi)) if lo.is_finite() && hi.is_finite() && hi > lo => (lo, hi),
        Some((v, _)) if v.is_finite() => {
            let d = if v.abs() < 1e-300 { 1.0 } else { v.abs() * 0.1 };
            (v - d, v + d)
        }
        _ => (0.0, 1.0),
    }
}

/// `(lo, hi)` padded by `frac` of its width on both sides.
fn padded((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    let d = (hi - lo) * frac;
    (lo - d, hi + d)
}

/// Checks a range given by the caller.
fn check_range(field: &str, range: Option<(f64, f64)>) -> Result<()> {
    match range {
        Some((lo, hi)) if !(lo.is_finite() && hi.is_finite() && hi > lo) => Err(invalid!(
            "{field} = ({lo}, {hi}): must be finite with the second above the first"
        )),
        _ => Ok(()),
    }
}

/// Black or white, whichever reads better on `bg`.
fn text_colour_on(bg: RGBColor) -> RGBColor {
    let l = 0.299 * f64::from(bg.0) + 0.587 * f64::from(bg.1) + 0.114 * f64::from(bg.2);
    if l > 140.0 { BLACK } else { WHITE }
}

/// Writes "no data" in the middle of `area`.
fn draw_no_data<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let style = ("sans-serif", 16)
        .into_font()
        .color(&RGBColor(0x70, 0x70, 0x70))
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new("no data", (w as i32 / 2, h as i32 / 2), style))
        .map_err(plot_err)
}

/// The legend of a chart whose series carry labels.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: LegendPosition,
) -> Result<()> {
    if let Some(pos) = position.plotters() {
        chart
            .configure_series_labels()
            .position(pos)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
    }
    Ok(())
}

/// Text labels under the x axis at category centres `(x, label)`, drawn on
/// `root` below the chart's plotting area.
fn draw_category_labels<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    y_bottom: f64,
    labels: impl IntoIterator<Item = (f64, String)>,
) -> Result<()> {
    let base = root.get_base_pixel();
    let style = ("sans-serif", 13)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (x, label) in labels {
        let (px, py) = chart.backend_coord(&(x, y_bottom));
        root.draw(&Text::new(
            label,
            (px - base.0, py - base.1 + 6),
            style.clone(),
        ))
        .map_err(plot_err)?;
    }
    Ok(())
}

/// One heat-map frame: `width x height` values, row-major, row 0 at the top.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatFrame {
    /// Caption above the frame.
    pub title: String,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width * height` values.
    pub values: Vec<f64>,
}

/// A grid of [`HeatFrame`]s on one colour scale with a colour bar.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameGrid {
    /// Figure title.
    pub title: String,
    /// The frames, filled row by row.
    pub frames: Vec<HeatFrame>,
    /// Frames per row.
    pub columns: usize,
    /// Colour scale shared by the frames.
    pub scale: ColourScale,
    /// Label of the colour bar (quantity and unit).
    pub colour_label: String,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

impl Figure for FrameGrid {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(plot_err)?;
        let body = root.titled(&self.title, title_font(20)).map_err(plot_err)?;
        let (w, _) = body.dim_in_pixel();
        let (grid, bar) = body.split_horizontally(w.saturating_sub(110));
        let columns = self.columns.max(1);
        let rows = self.frames.len().div_ceil(columns).max(1);
        for (frame, cell) in self.frames.iter().zip(grid.split_evenly((rows, columns))) {
            let mut chart = ChartBuilder::on(&cell)
                .caption(&frame.title, title_font(14))
                .margin(4)
                .build_cartesian_2d(0.0..frame.width as f64, 0.0..frame.height as f64)
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .disable_axes()
                .draw()
                .map_err(plot_err)?;
            // One bitmap per frame (nearest neighbour to the plotting
            // area's pixels): a blit in bitmaps, one embedded PNG image in
            // SVG instead of a rectangle per value.
            let (pw, ph) = chart.plotting_area().dim_in_pixel();
            if pw > 0 && ph > 0 && frame.width > 0 && frame.height > 0 {
                let mut buffer = vec![0u8; pw as usize * ph as usize * 3];
                for py in 0..ph as usize {
                    let y = py * frame.height / ph as usize;
                    for px in 0..pw as usize {
                        let x = px * frame.width / pw as usize;
                        let v = frame
                            .values
                            .get(y * frame.width + x)
                            .copied()
                            .unwrap_or(0.0);
                        let c = self.scale.colour(v);
                        let k = 3 * (py * pw as usize + px);
                        buffer[k..k + 3].copy_from_slice(&[c.0, c.1, c.2]);
                    }
                }
                // The buffer has exactly pw * ph * 3 bytes, so this is Some.
                if let Some(image) =
                    BitMapElement::with_owned_buffer((0.0, frame.height as f64), (pw, ph), buffer)
                {
                    chart
                        .draw_series(std::iter::once(image))
                        .map_err(plot_err)?;
                }
            }
            // A thin frame border.
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, 0.0), (frame.width as f64, frame.height as f64)],
                    BLACK.stroke_width(1),
                )))
                .map_err(plot_err)?;
        }
        draw_colour_bar(&bar, &self.scale, &self.colour_label)
    }
}

fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scale: &ColourScale,
    label: &str,
) -> Result<()> {
    let (lo, hi) = scale.range();
    let mut chart = ChartBuilder::on(area)
        .margin_top(30)
        .margin_bottom(30)
        .margin_right(10)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(label)
        .y_labels(6)
        .y_label_formatter(&|v| format_tick(*v))
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .draw()
        .map_err(plot_err)?;
    let steps = 64;
    chart
        .draw_series((0..steps).map(|k| {
            let a = lo + (hi - lo) * k as f64 / steps as f64;
            let b = lo + (hi - lo) * (k + 1) as f64 / steps as f64;
            Rectangle::new([(0.0, a), (1.0, b)], scale.colour(0.5 * (a + b)).filled())
        }))
        .map_err(plot_err)?;
    Ok(())
}

/// The top of a y axis over data spanning `lo..hi` that leaves room above
/// the data for a legend of `entries` rows in an upper corner of a figure
/// `height_px` tall. The legend box is 20 px per entry plus 16 px of
/// padding, over a plotting area about 130 px shorter than the figure
/// (title, tick labels, axis label); the top is raised until the data's top
/// lies below the box: `(top - hi) / (top - lo) >= box / plot`.
pub(crate) fn top_with_legend_room((lo, hi): (f64, f64), entries: usize, height_px: u32) -> f64 {
    let box_px = 16.0 + 20.0 * entries as f64;
    let plot_px = (f64::from(height_px) - 130.0).max(box_px * 2.0);
    let share = box_px / plot_px;
    (hi - share * lo) / (1.0 - share)
}

/// Pixels that belong to data marks: saturated colours (bars, lines,
/// points) or dark ones (value labels), in an RGB buffer.
fn mark_pixels(rgb: &[u8]) -> Vec<bool> {
    rgb.chunks(3)
        .map(|p| match (p.iter().max(), p.iter().min()) {
            (Some(&hi), Some(&lo)) => hi - lo > 60 || hi < 100,
            _ => false,
        })
        .collect()
}

/// The number of data-mark pixels of `without` (a chart drawn without its
/// legend) that `with` (the same chart over the same ranges, with its
/// legend) changes: the pixels that differ are the legend box. `None` when
/// the two differ in too few pixels (500) for a legend to have been drawn.
pub fn covered_marks(with: &[u8], without: &[u8]) -> Option<usize> {
    let legend_px = with
        .chunks(3)
        .zip(without.chunks(3))
        .filter(|(a, b)| a != b)
        .count();
    if legend_px <= 500 || with.len() != without.len() {
        return None;
    }
    let data = mark_pixels(without);
    let differs = with.chunks(3).zip(without.chunks(3)).map(|(a, b)| a != b);
    Some(differs.zip(&data).filter(|(d, m)| *d && **m).count())
}

/// How many data-mark pixels the legend of `figure` covers: the figure is
/// drawn with its legend and again, over the same ranges, without it (see
/// [`covered_marks`]). `Ok(None)` for figures without a legend and for the
/// kinds this check does not cover (heat maps, rasters and frames have no
/// legend; scatter plots and panel grids are not checked).
pub fn legend_covered_marks(figure: &AnyFigure) -> Result<Option<usize>> {
    let pair = |with: Vec<u8>, without: Vec<u8>| Ok(covered_marks(&with, &without));
    match figure {
        AnyFigure::Bars(b) => {
            let range = b.plotted_range();
            let with = BarChart {
                y_range: Some(range),
                ..b.clone()
            };
            let without = BarChart {
                legend: LegendPosition::Hidden,
                ..with.clone()
            };
            pair(render_rgb(&with)?, render_rgb(&without)?)
        }
        AnyFigure::Line(l) => {
            let (_, y) = l.ranges();
            let with = LinePlot {
                y_range: Some(y),
                ..l.clone()
            };
            let mut without = with.clone();
            for s in &mut without.series {
                s.label.clear();
            }
            pair(render_rgb(&with)?, render_rgb(&without)?)
        }
        AnyFigure::Sweep(s) => {
            let without = SweepPlot {
                legend: LegendPosition::Hidden,
                ..s.clone()
            };
            pair(render_rgb(s)?, render_rgb(&without)?)
        }
        AnyFigure::Hist(h) => {
            let without = Histogram {
                legend: LegendPosition::Hidden,
                ..h.clone()
            };
            pair(render_rgb(h)?, render_rgb(&without)?)
        }
        _ => Ok(None),
    }
}

/// A spike raster: points `(time, channel)`, optionally in groups.
#[derive(Clone, Debug, PartialEq)]
pub struct RasterPlot {
    /// Figure title.
    pub title: String,
    /// x-axis label with unit, e.g. `time (ms)`.
    pub x_label: String,
    /// y-axis label, e.g. `cochlea channel (low to high frequency)`.
    pub y_label: String,
    /// Number of channels (the y range is `0..channels`).
    pub channels: u32,
    /// `(time, channel, group)` points; the group picks the colour.
    pub points: Vec<(f64, u32, usize)>,
    /// Name of each group for the legend (empty: no legend).
    pub groups: Vec<String>,
    /// The x range (`None`: the points' range).
    pub x_range: Option<(f64, f64)>,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

/// Colours of groups in raster and line plots.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0x1f, 0x4e, 0x9c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x55, 0x55, 0x55),
];

impl Figure for RasterPlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(plot_err)?;
        let (x0, x1) = self.x_range.unwrap_or_else(|| {
            let lo = self
                .points
                .iter()
                .map(|p| p.0)
                .fold(f64::INFINITY, f64::min);
            let hi = self
                .points
                .iter()
                .map(|p| p.0)
                .fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() && hi > lo {
                (lo, hi)
            } else {
                (0.0, 1.0)
            }
        });
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_font(20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, 0.0..f64::from(self.channels.max(1)))
            .map_err(plot_err)?;
        // Steps (whole times) get whole tick labels; times in ms keep theirs.
        let whole_times = self.points.iter().all(|p| p.0.fract() == 0.0);
        let x_tick = |v: &f64| {
            if whole_times {
                integer_tick(v)
            } else {
                format_tick(*v)
            }
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .y_label_formatter(&integer_tick)
            .x_label_formatter(&x_tick)
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(plot_err)?;
        let groups = self.points.iter().map(|p| p.2).max().map_or(0, |g| g + 1);
        for g in 0..groups {
            let colour = PALETTE[g % PALETTE.len()];
            let dx = (x1 - x0) / f64::from(self.size.0.max(1));
            let series = chart
                .draw_series(self.points.iter().filter(|p| p.2 == g).map(|&(t, c, _)| {
                    let y = f64::from(c);
                    Rectangle::new([(t, y + 0.1), (t + 1.5 * dx, y + 0.9)], colour.filled())
                }))
                .map_err(plot_err)?;
            if let Some(name) = self.groups.get(g) {
                series.label(name).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 4), (x + 10, y + 4)], colour.filled())
                });
            }
        }
        if !self.groups.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 13))
                .draw()
                .map_err(plot_err)?;
        }
        Ok(())
    }
}

/// One line of a [`LinePlot`].
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend entry (empty: none; without any entry there is no legend).
    pub label: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// Lines of `(x, y)` points with a legend. For markers, error bars, a log
/// axis or a chosen legend position use [`SweepPlot`].
#[derive(Clone, Debug, PartialEq)]
pub struct LinePlot {
    /// Figure title.
    pub title: String,
    /// x-axis label with unit.
    pub x_label: String,
    /// y-axis label with unit.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// The y range (`None`: from 0, or the data's minimum if negative, to
    /// the maximum plus 5 %, raised so the legend in the upper right covers
    /// no line).
    pub y_range: Option<(f64, f64)>,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

impl LinePlot {
    /// The plotted x and y ranges.
    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let (mut x0, mut x1, mut y0, mut y1) =
            (f64::INFINITY, f64::NEG_INFINITY, 0.0f64, f64::NEG_INFINITY);
        for &(x, y) in self.series.iter().flat_map(|s| s.points.iter()) {
            if x.is_finite() && y.is_finite() {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
        if !(x0.is_finite() && x1 > x0) {
            (x0, x1) = widen(x0.is_finite().then_some((x0, x1)));
        }
        if !(y1.is_finite() && y1 > y0) {
            y1 = y0 + 1.0;
        }
        // The legend sits in the upper right: the top is raised so that it
        // covers no line.
        let entries = self.series.iter().filter(|s| !s.label.is_empty()).count();
        let y = self.y_range.unwrap_or_else(|| {
            let top = y1 + 0.05 * (y1 - y0);
            match entries {
                0 => (y0, top),
                n => (y0, top_with_legend_room((y0, top), n, self.size.1)),
            }
        });
        ((x0, x1), y)
    }
}

impl Figure for LinePlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        check_range("y_range", self.y_range)?;
        let ((x0, x1), y) = self.ranges();
        let lines: Vec<sweep::Line<'_>> = self
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| sweep::Line {
                label: &s.label,
                points: &s.points,
                y_err: &[],
                line: true,
                markers: false,
                colour: PALETTE[k % PALETTE.len()],
            })
            .collect();
        let axes = sweep::Axes {
            title: &self.title,
            x_label: &self.x_label,
            y_label: &self.y_label,
            log_y: false,
            legend: LegendPosition::UpperRight,
        };
        sweep::draw_lines(root, &axes, &lines, (x0, x1), y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A membrane-like chart: four traces and a threshold line at the top,
    /// where the upper-right legend sits.
    fn membrane_like(y_range: Option<(f64, f64)>) -> LinePlot {
        let trace = |k: usize| Series {
            label: format!("neuron {k}"),
            points: (0..50)
                .map(|t| {
                    (
                        t as f64,
                        4.6 - 0.3 * k as f64 - 0.1 * ((t * (k + 3)) % 7) as f64,
                    )
                })
                .collect(),
        };
        let mut series: Vec<Series> = (0..4).map(trace).collect();
        series.push(Series {
            label: "threshold v_th = 5".into(),
            points: vec![(0.0, 5.0), (49.0, 5.0)],
        });
        LinePlot {
            title: "Membrane potential".into(),
            x_label: "time step".into(),
            y_label: "v".into(),
            series,
            y_range,
            size: (900, 450),
        }
    }

    /// The line pixels the legend of `plot` covers ([`legend_covered_marks`]).
    fn line_legend_covers(plot: &LinePlot) -> usize {
        legend_covered_marks(&AnyFigure::Line(plot.clone()))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn line_plot_legend_gets_room_above_the_lines() {
        assert_eq!(line_legend_covers(&membrane_like(None)), 0);
        // The check can fail: the old range (data top + 5 %) puts the
        // legend over the threshold line and the traces.
        assert!(line_legend_covers(&membrane_like(Some((0.0, 5.25)))) > 0);
    }

    #[test]
    fn integer_axes_label_only_whole_numbers() {
        let labels: Vec<String> = [0.0, 2.5, 5.0, 7.5, 10.0, 255.0]
            .iter()
            .map(integer_tick)
            .collect();
        assert_eq!(labels, ["0", "", "5", "", "10", "255"]);
    }

    /// Pixels that differ from white.
    fn inked(rgb: &[u8]) -> usize {
        rgb.chunks(3).filter(|p| p != &[255, 255, 255]).count()
    }

    /// Width and height from a PNG's IHDR chunk (bytes 16-23, big-endian).
    fn png_size(path: &Path) -> (u32, u32) {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let be =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        (be(16), be(20))
    }

    fn grid() -> FrameGrid {
        FrameGrid {
            title: "test frames".into(),
            frames: (0..4)
                .map(|k| HeatFrame {
                    title: format!("{k} ms"),
                    width: 8,
                    height: 6,
                    values: (0..48)
                        .map(|i| f64::from(i % 7) - 3.0 + f64::from(k))
                        .collect(),
                })
                .collect(),
            columns: 2,
            scale: ColourScale::Diverging { limit: 4.0 },
            colour_label: "ON - OFF events".into(),
            size: (500, 400),
        }
    }

    #[test]
    fn font_is_embedded_and_registers() {
        // A TrueType file starts with version 0x00010000.
        assert_eq!(&DEJAVU_SANS[..4], &[0, 1, 0, 0]);
        register_fonts();
        let font: FontDesc<'_> = ("sans-serif", 12).into_font();
        let (w, _) = font.box_size("Hello").unwrap();
        assert!(w > 10, "text width {w}");
    }

    #[test]
    fn colour_scales_hit_their_ends() {
        let s = ColourScale::Sequential { min: 0.0, max: 1.0 };
        assert_eq!(s.colour(-5.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(s.colour(1.0), RGBColor(0xfd, 0xe7, 0x25));
        let d = ColourScale::Diverging { limit: 2.0 };
        assert_eq!(d.colour(0.0), RGBColor(0xf7, 0xf7, 0xf7));
        assert_eq!(d.colour(-2.0), RGBColor(0x21, 0x66, 0xac));
        assert_eq!(d.colour(9.0), RGBColor(0xb2, 0x18, 0x2b));
    }

    #[test]
    fn figures_render_to_png_and_svg_of_the_given_size() {
        let dir = tempfile::tempdir().unwrap();
        let g = grid();
        let (png, svg) = save_png_and_svg(&g, &dir.path().join("frames")).unwrap();
        assert_eq!(png_size(&png), (500, 400));
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("<svg") && text.contains("test frames"));
        // Frames are embedded images, not a rectangle per value.
        assert_eq!(text.matches("<image").count(), 4, "one image per frame");
        // The frames fill a good part of the picture: more than 10 % of the
        // pixels are not white (the frames alone cover about a third).
        let rgb = render_rgb(&g).unwrap();
        assert_eq!(rgb.len(), 500 * 400 * 3);
        assert!(inked(&rgb) > 500 * 400 / 10, "{} inked", inked(&rgb));
        // The title is drawn with the embedded font: the top 30 rows hold
        // dark pixels.
        let dark_top = rgb[..500 * 30 * 3]
            .chunks(3)
            .filter(|p| p.iter().all(|&c| c < 100))
            .count();
        assert!(dark_top > 50, "{dark_top} dark pixels in the title band");

        let raster = RasterPlot {
            title: "raster".into(),
            x_label: "time (ms)".into(),
            y_label: "channel".into(),
            channels: 64,
            points: (0..500)
                .map(|i| (f64::from(i), (i % 64) as u32, (i % 2) as usize))
                .collect(),
            groups: vec!["ON".into(), "OFF".into()],
            x_range: None,
            size: (400, 300),
        };
        let path = dir.path().join("raster.png");
        save(&raster, &path).unwrap();
        assert_eq!(png_size(&path), (400, 300));
        assert!(inked(&render_rgb(&raster).unwrap()) > 2000);

        let lines = LinePlot {
            title: "lines".into(),
            x_label: "time (ms)".into(),
            y_label: "events per ms".into(),
            series: vec![Series {
                label: "a".into(),
                points: (0..50).map(|i| (f64::from(i), f64::from(i * i))).collect(),
            }],
            y_range: None,
            size: (300, 200),
        };
        assert!(inked(&render_rgb(&lines).unwrap()) > 1000);
        let err = save(&lines, &dir.path().join("x.jpg"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown figure format"), "{err}");
    }

    /// Pixels that are neither white nor one of the frame's greys: data ink.
    fn coloured(rgb: &[u8]) -> usize {
        rgb.chunks(3)
            .filter(|p| {
                let (mx, mn) = (p.iter().max().unwrap(), p.iter().min().unwrap());
                mx - mn > 30
            })
            .count()
    }

    /// Renders `figure` and checks its size and ink. Set `PLOT_DUMP_DIR` to
    /// a folder to look at the test figures (PNG and SVG).
    fn check_renders(figure: &impl Figure, min_coloured: usize) {
        if let Ok(d) = std::env::var("PLOT_DUMP_DIR") {
            static N: AtomicU64 = AtomicU64::new(0);
            let k = N.fetch_add(1, Ordering::Relaxed);
            save_png_and_svg(figure, &Path::new(&d).join(format!("fig{k:02}"))).unwrap();
        }
        let (w, h) = figure.size();
        let rgb = render_rgb(figure).unwrap();
        assert_eq!(rgb.len(), w as usize * h as usize * 3);
        assert!(inked(&rgb) > min_coloured, "{} inked pixels", inked(&rgb));
        assert!(
            coloured(&rgb) >= min_coloured,
            "{} coloured pixels, expected at least {min_coloured}",
            coloured(&rgb)
        );
    }

    fn confusion() -> Heatmap {
        let classes: Vec<String> = (0..10).map(|d| d.to_string()).collect();
        Heatmap {
            title: "confusion".into(),
            x_label: "predicted".into(),
            y_label: "true".into(),
            rows: 10,
            cols: 10,
            values: (0..100)
                .map(|i| if i % 11 == 0 { 0.9 } else { 0.01 })
                .collect(),
            scale: ColourScale::Sequential { min: 0.0, max: 1.0 },
            colour_label: "fraction".into(),
            x_ticks: classes.clone(),
            y_ticks: classes,
            annotate: Some(2),
            size: (700, 600),
            ..Heatmap::default()
        }
    }

    #[test]
    fn ticks_are_compact() {
        for (v, s) in [
            (0.0, "0"),
            (1.0, "1"),
            (0.30000000000000004, "0.3"),
            (14.25, "14.25"),
            (-2.5, "-2.5"),
            (12345.0, "12345"),
            (1e6, "1e6"),
            (2.5e-5, "2.5e-5"),
            (f64::NAN, ""),
        ] {
            assert_eq!(format_tick(v), s, "{v}");
        }
        assert_eq!(format_log_tick(4.0), "10000");
        assert_eq!(format_log_tick(8.0), "1e8");
    }

    #[test]
    fn heatmaps_draw_small_matrices_as_cells_and_large_ones_as_a_bitmap() {
        let c = confusion();
        check_renders(&c, 20_000);
        let dir = tempfile::tempdir().unwrap();
        let (_, svg) = save_png_and_svg(&c, &dir.path().join("confusion")).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        // Per-cell values and class ticks are text in the SVG.
        assert!(
            text.contains("\n0.90\n") && text.contains("\n0.01\n"),
            "annotations"
        );
        assert!(
            text.matches("<rect").count() >= 100,
            "one rectangle per cell"
        );

        // A 456 x 402 map: one embedded PNG, no rectangle per cell.
        let (rows, cols) = (456, 402);
        let values: Vec<f64> = (0..rows * cols)
            .map(|i| ((i % cols) as f64 - 200.0) / 20.0)
            .collect();
        let big = Heatmap {
            title: "conductance map".into(),
            x_label: "column".into(),
            y_label: "row".into(),
            rows,
            cols,
            scale: Heatmap::auto_scale(&values),
            values,
            colour_label: "G (uS)".into(),
            size: (900, 800),
            ..Heatmap::default()
        };
        assert_eq!(big.scale, ColourScale::Diverging { limit: 10.05 });
        check_renders(&big, 200_000);
        let (_, svg) = save_png_and_svg(&big, &dir.path().join("big")).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("<image"), "the map is an embedded image");
        assert!(text.matches("<rect").count() < 500);
        // The map varies along x only: a gradient image compresses well.
        assert!(text.len() < 2_000_000, "{} bytes", text.len());
        // Left columns are blue (negative), right columns red (positive):
        // sample the middle row of the bitmap at 20 % and 80 % of the width.
        let rgb = render_rgb(&big).unwrap();
        let px = |x: usize, y: usize| {
            let k = (y * 900 + x) * 3;
            (rgb[k], rgb[k + 1], rgb[k + 2])
        };
        let (l, r) = (px(200, 420), px(600, 420));
        assert!(l.2 > l.0 + 40, "left {l:?} should be blue");
        assert!(r.0 > r.2 + 40, "right {r:?} should be red");
    }

    #[test]
    fn heatmap_shapes_are_checked_and_missing_values_are_grey() {
        let mut h = confusion();
        h.values.pop();
        let err = render_rgb(&h).unwrap_err().to_string();
        assert!(err.contains("99 values for 10 x 10"), "{err}");
        let mut h = confusion();
        h.x_ticks.pop();
        assert!(render_rgb(&h).unwrap_err().to_string().contains("x_ticks"));
        let mut h = confusion();
        h.values = vec![f64::NAN; 100];
        h.scale = Heatmap::auto_scale(&h.values);
        check_renders(&h, 0);
        let rgb = render_rgb(&h).unwrap();
        let grey = rgb.chunks(3).filter(|p| p == &[0xc8, 0xc8, 0xc8]).count();
        assert!(grey > 50_000, "{grey} grey pixels");
        // Constant and empty matrices draw.
        let constant = Heatmap {
            rows: 3,
            cols: 4,
            values: vec![2.0; 12],
            scale: Heatmap::auto_scale(&[2.0; 12]),
            ..Heatmap::default()
        };
        check_renders(&constant, 1000);
        check_renders(&Heatmap::default(), 0);
        // An upward y extent (a sweep heat map) also draws.
        let sweep = Heatmap {
            y_extent: Some((1.0, 0.0)),
            x_extent: Some((3.0, 5.0)),
            ..constant
        };
        check_renders(&sweep, 1000);
    }

    #[test]
    fn histograms_bin_by_hand_counts() {
        let h = Histogram {
            sets: vec![HistogramSet {
                label: "a".into(),
                values: vec![0.0, 0.5, 1.0, 1.5, 2.0, 7.0, f64::NAN],
            }],
            bins: 2,
            range: Some((0.0, 2.0)),
            density: true,
            ..Histogram::default()
        };
        let b = h.binned().unwrap();
        assert_eq!(b.edges, vec![0.0, 1.0, 2.0]);
        // [0, 1): 0 and 0.5; [1, 2]: 1, 1.5 and 2 (the last bin is closed).
        assert_eq!(b.counts, vec![vec![2, 3]]);
        assert_eq!((b.outside[0], b.non_finite[0]), (1, 1));
        // Densities over the 6 finite values and unit-wide bins.
        assert_eq!(b.heights, vec![vec![2.0 / 6.0, 3.0 / 6.0]]);
        let csv = b.csv(&["a".into()]);
        assert_eq!(
            csv,
            "bin_lo,bin_hi,a count,a height\n0,1,2,0.3333333333333333\n1,2,3,0.5\n"
        );
        let zero = Histogram {
            bins: 0,
            ..h.clone()
        };
        assert!(zero.binned().unwrap_err().to_string().contains("bins"));
    }

    #[test]
    fn histograms_overlay_sets_curves_and_lines() {
        let normal = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let values: Vec<f64> = (0..2000)
            .map(|i| {
                let u = (f64::from(i) + 0.5) / 2000.0;
                // A deterministic spread of values (a logit of u).
                (u / (1.0 - u)).ln() * 0.6
            })
            .collect();
        let mut h = Histogram {
            title: "weights".into(),
            x_label: "w".into(),
            y_label: "density".into(),
            sets: vec![
                HistogramSet {
                    label: "a".into(),
                    values: values.clone(),
                },
                HistogramSet {
                    label: "b".into(),
                    values: values.iter().map(|v| v + 1.0).collect(),
                },
            ],
            bins: 40,
            range: Some((-4.0, 5.0)),
            density: true,
            curves: vec![Series {
                label: "normal".into(),
                points: (0..200)
                    .map(|i| {
                        let x = -4.0 + 9.0 * f64::from(i) / 199.0;
                        (x, normal(x))
                    })
                    .collect(),
            }],
            vlines: vec![(0.14, "threshold".into())],
            ..Histogram::default()
        };
        check_renders(&h, 10_000);
        h.style = HistogramStyle::Outline;
        h.log_y = true;
        check_renders(&h, 2_000);
    }

    #[test]
    fn bar_charts_group_stack_and_span_decades() {
        let bars = BarChart {
            title: "accuracy".into(),
            x_label: "model".into(),
            y_label: "accuracy (%)".into(),
            categories: vec!["LSM sw".into(), "LSM hw".into(), "SRNN".into()],
            series: vec![BarSeries {
                label: "test".into(),
                values: vec![91.0, 89.5, f64::NAN],
                errors: vec![0.5, 0.7, 0.0],
                stack: None,
            }],
            value_labels: true,
            ..BarChart::default()
        };
        check_renders(&bars, 10_000);
        let macs = BarChart {
            title: "training MACs".into(),
            y_label: "MACs".into(),
            categories: vec!["readout".into(), "projection".into(), "SRNN".into()],
            series: vec![
                BarSeries {
                    label: "layer 1".into(),
                    values: vec![1e4, 3e5, 4e7],
                    stack: Some(0),
                    ..BarSeries::default()
                },
                BarSeries {
                    label: "layer 2".into(),
                    values: vec![2e4, 1e5, 6e7],
                    stack: Some(0),
                    ..BarSeries::default()
                },
                BarSeries {
                    label: "paper".into(),
                    values: vec![3e4, 4e5, 1e8],
                    ..BarSeries::default()
                },
            ],
            log_y: true,
            value_labels: true,
            ..BarChart::default()
        };
        check_renders(&macs, 10_000);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("macs.svg");
        save(&macs, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\n1e8\n") && text.contains("\n10000\n"),
            "log ticks"
        );
        let mut bad = macs.clone();
        bad.series[0].values.pop();
        let err = render_rgb(&bad).unwrap_err().to_string();
        assert!(err.contains("2 values for 3 categories"), "{err}");
    }

    #[test]
    fn sweeps_draw_error_bars_and_check_them() {
        let sweep = SweepPlot {
            title: "compliance".into(),
            x_label: "I_C (uA)".into(),
            y_label: "G (uS)".into(),
            series: vec![
                SweepSeries::line("closed form", vec![(2.0, 5.0), (10.0, 25.0)]),
                SweepSeries::markers(
                    "simulated",
                    vec![(2.0, 5.1), (6.0, 15.0), (10.0, 24.8)],
                    vec![0.9, 2.6, 4.3],
                )
                .colour(0),
            ],
            ..SweepPlot::default()
        };
        check_renders(&sweep, 1_000);
        let mut bad = sweep.clone();
        bad.series[1].y_err.pop();
        let err = render_rgb(&bad).unwrap_err().to_string();
        assert!(err.contains("2 error bars for 3 points"), "{err}");
        let log = SweepPlot {
            log_y: true,
            y_range: Some((1.0, 100.0)),
            ..sweep
        };
        check_renders(&log, 1_000);
        let bad_range = SweepPlot {
            y_range: Some((0.0, 1.0)),
            ..log
        };
        assert!(render_rgb(&bad_range).is_err());
    }

    #[test]
    fn scatter_plots_colour_classes_in_two_and_three_dimensions() {
        let pts: Vec<[f64; 3]> = (0..300)
            .map(|i| {
                let c = f64::from(i % 10);
                let t = f64::from(i) * 0.1;
                [
                    c * 3.0 + t.sin(),
                    c + t.cos(),
                    (c - 5.0) * 2.0 + (0.3 * t).sin(),
                ]
            })
            .collect();
        let classes: Vec<usize> = (0..300).map(|i| i % 10).collect();
        let names: Vec<String> = (0..10).map(|d| format!("digit {d}")).collect();
        let flat = ScatterPlot {
            title: "t-SNE".into(),
            x_label: "t-SNE 1".into(),
            y_label: "t-SNE 2".into(),
            points: pts.iter().map(|p| (p[0], p[1])).collect(),
            classes: classes.clone(),
            class_names: names.clone(),
            shapes: (0..300).map(|i| usize::from(i % 10 >= 7)).collect(),
            shape_names: vec!["seen".into(), "unseen".into()],
            ..ScatterPlot::default()
        };
        check_renders(&flat, 5_000);
        let cube = ScatterPlot3d {
            title: "3-D t-SNE".into(),
            points: pts,
            classes,
            class_names: names,
            ..ScatterPlot3d::default()
        };
        check_renders(&cube, 10_000);
        let mut bad = flat.clone();
        bad.classes.pop();
        assert!(
            render_rgb(&bad)
                .unwrap_err()
                .to_string()
                .contains("classes")
        );
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        let nan = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
        let constant = vec![3.0; 5];
        for data in [Vec::new(), nan.clone(), constant.clone()] {
            let h = Histogram {
                sets: vec![HistogramSet {
                    label: "x".into(),
                    values: data.clone(),
                }],
                ..Histogram::default()
            };
            render_rgb(&h).unwrap();
            let h = Histogram { log_y: true, ..h };
            render_rgb(&h).unwrap();
            let pts: Vec<(f64, f64)> = data.iter().map(|&v| (v, v)).collect();
            let s = SweepPlot {
                series: vec![SweepSeries::markers("x", pts.clone(), vec![1.0; pts.len()])],
                ..SweepPlot::default()
            };
            render_rgb(&s).unwrap();
            let l = LinePlot {
                title: String::new(),
                x_label: String::new(),
                y_label: String::new(),
                series: vec![Series {
                    label: String::new(),
                    points: pts.clone(),
                }],
                y_range: None,
                size: (300, 200),
            };
            render_rgb(&l).unwrap();
            let b = BarChart {
                categories: data.iter().map(|v| v.to_string()).collect(),
                series: vec![BarSeries {
                    values: data.clone(),
                    ..BarSeries::default()
                }],
                value_labels: true,
                ..BarChart::default()
            };
            render_rgb(&b).unwrap();
            render_rgb(&BarChart { log_y: true, ..b }).unwrap();
            let sc = ScatterPlot {
                points: pts,
                ..ScatterPlot::default()
            };
            render_rgb(&sc).unwrap();
            let s3 = ScatterPlot3d {
                points: data.iter().map(|&v| [v, v, v]).collect(),
                ..ScatterPlot3d::default()
            };
            render_rgb(&s3).unwrap();
            let hm = Heatmap {
                rows: 1,
                cols: data.len(),
                scale: Heatmap::auto_scale(&data),
                values: data,
                annotate: Some(1),
                ..Heatmap::default()
            };
            render_rgb(&hm).unwrap();
        }
        // The smallest figures draw (or fail cleanly); sizes outside the
        // accepted range are errors, not panics.
        let tiny = (64, 64);
        let _ = render_rgb(&Heatmap {
            size: tiny,
            ..confusion()
        });
        let _ = render_rgb(&Histogram {
            size: tiny,
            ..Histogram::default()
        });
        let _ = render_rgb(&ScatterPlot3d {
            size: tiny,
            points: vec![[0.0, 1.0, 2.0]],
            ..ScatterPlot3d::default()
        });
        let _ = render_rgb(&BarChart {
            size: tiny,
            categories: vec!["a".into()],
            series: vec![BarSeries {
                values: vec![1.0],
                ..BarSeries::default()
            }],
            ..BarChart::default()
        });
        let err = render_rgb(&Histogram {
            size: (10, 500),
            ..Histogram::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("10 x 500"), "{err}");
    }

    #[test]
    fn saving_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        save_png_and_svg(&confusion(), &dir.path().join("c")).unwrap();
        let err = save(&confusion(), &dir.path().join("c.jpg"));
        assert!(err.is_err());
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["c.png", "c.svg"]);
    }
}
