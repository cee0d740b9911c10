//! [`Heatmap`]: one matrix on axes, with a colour bar.

use crate::error::invalid;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    ColourScale, Figure, MISSING, check_range, draw_category_labels, draw_colour_bar, draw_no_data,
    format_tick, plot_err, text_colour_on, title_font,
};

/// One matrix drawn cell by cell on axes, with a colour bar: conductance
/// maps, confusion matrices, 2-axis sweeps.
///
/// Row 0 is drawn at the top. The axes are numeric by default (cell
/// indices, or the values given by `x_extent` and `y_extent`) or
/// categorical (`x_ticks`, `y_ticks`: one label per column or row, at the
/// cell centres). Non-finite values are drawn grey.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    /// Figure title.
    pub title: String,
    /// x-axis label with unit.
    pub x_label: String,
    /// y-axis label with unit.
    pub y_label: String,
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows * cols` values, row-major, row 0 at the top.
    pub values: Vec<f64>,
    /// How values map to colours (see [`Heatmap::auto_scale`]).
    pub scale: ColourScale,
    /// Label of the colour bar (quantity and unit).
    pub colour_label: String,
    /// x values at the left edge of column 0 and the right edge of the last
    /// column (`None`: `(0, cols)`, the column index).
    pub x_extent: Option<(f64, f64)>,
    /// y values at the top edge of row 0 and the bottom edge of the last row
    /// (`None`: `(0, rows)`, the row index growing downwards; give
    /// `(high, low)` for a y axis growing upwards).
    pub y_extent: Option<(f64, f64)>,
    /// One label per column, drawn at the column centres (empty: numeric
    /// axis).
    pub x_ticks: Vec<String>,
    /// One label per row (empty: numeric axis).
    pub y_ticks: Vec<String>,
    /// Write each cell's value with this many decimals (only when the cells
    /// are large enough for text; `None`: no values).
    pub annotate: Option<usize>,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

impl Default for Heatmap {
    fn default() -> Self {
        Heatmap {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            rows: 0,
            cols: 0,
            values: Vec::new(),
            scale: ColourScale::Sequential { min: 0.0, max: 1.0 },
            colour_label: String::new(),
            x_extent: None,
            y_extent: None,
            x_ticks: Vec::new(),
            y_ticks: Vec::new(),
            annotate: None,
            size: (800, 600),
        }
    }
}

impl Heatmap {
    /// Matrices with more cells than this are drawn as one bitmap (an
    /// embedded PNG in SVG files) instead of one rectangle per cell.
    pub const VECTOR_CELLS_MAX: usize = 4096;

    /// A sequential scale over the finite values' range, or a diverging one
    /// symmetric about 0 when they take both signs (`(0, 1)` without finite
    /// values).
    pub fn auto_scale(values: &[f64]) -> ColourScale {
        match super::finite_range(values.iter().copied()) {
            Some((lo, hi)) if lo < 0.0 && hi > 0.0 => ColourScale::Diverging {
                limit: lo.abs().max(hi),
            },
            Some((lo, hi)) if hi > lo => ColourScale::Sequential { min: lo, max: hi },
            Some((v, _)) => ColourScale::Sequential {
                min: v - 0.5,
                max: v + 0.5,
            },
            None => ColourScale::Sequential { min: 0.0, max: 1.0 },
        }
    }

    fn check(&self) -> crate::Result<()> {
        if self.values.len() != self.rows.saturating_mul(self.cols) {
            return Err(invalid!(
                "heat map `{}`: {} values for {} x {} cells",
                self.title,
                self.values.len(),
                self.rows,
                self.cols
            ));
        }
        for (field, ticks, n) in [
            ("x_ticks", &self.x_ticks, self.cols),
            ("y_ticks", &self.y_ticks, self.rows),
        ] {
            if !ticks.is_empty() && ticks.len() != n {
                return Err(invalid!(
                    "heat map `{}`: {} {field} for {n} cells along the axis",
                    self.title,
                    ticks.len()
                ));
            }
        }
        let (lo, hi) = self.scale.range();
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Err(invalid!(
                "heat map `{}`: colour scale ({lo}, {hi}) must be finite and increasing",
                self.title
            ));
        }
        for (field, e) in [("x_extent", self.x_extent), ("y_extent", self.y_extent)] {
            if let Some((a, b)) = e {
                let sorted = Some((a.min(b), a.max(b)));
                check_range(field, sorted)?;
            }
        }
        Ok(())
    }
}

/// The chart a heat map is drawn on, in extent coordinates (y negated for
/// a downward extent).
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Where a heat map's cells go, in chart coordinates.
#[derive(Clone, Copy)]
struct Geometry {
    rows: usize,
    cols: usize,
    /// x at the left edge of column 0 and the right edge of the last one.
    xa: f64,
    xb: f64,
    /// Plotted y at the top edge of row 0 and the bottom edge of the last.
    ya: f64,
    yb: f64,
    /// -1 when the y extent grows downwards (drawn negated), else 1.
    flip: f64,
    /// The chart's x and y ranges.
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Geometry {
    /// The x range of column `c`.
    fn cell_x(&self, c: usize) -> (f64, f64) {
        let f = |k: usize| self.xa + (self.xb - self.xa) * k as f64 / self.cols as f64;
        (f(c), f(c + 1))
    }

    /// The plotted y range of row `r`.
    fn cell_y(&self, r: usize) -> (f64, f64) {
        let f = |k: usize| self.ya + (self.yb - self.ya) * k as f64 / self.rows as f64;
        (f(r), f(r + 1))
    }
}

impl Heatmap {
    /// The cells' placement from the extents.
    fn geometry(&self) -> Geometry {
        let (rows, cols) = (self.rows.max(1), self.cols.max(1));
        let (xa, xb) = self.x_extent.unwrap_or((0.0, cols as f64));
        // The y axis grows upwards in plotters; a matrix's row index grows
        // downwards, so a downward extent is drawn on negated coordinates
        // and labelled with the negation.
        let (top, bottom) = self.y_extent.unwrap_or((0.0, rows as f64));
        let flip = if bottom > top { -1.0 } else { 1.0 };
        let (ya, yb) = (flip * top, flip * bottom);
        Geometry {
            rows,
            cols,
            xa,
            xb,
            ya,
            yb,
            flip,
            x0: xa.min(xb),
            x1: xa.max(xb),
            y0: ya.min(yb),
            y1: ya.max(yb),
        }
    }

    /// The colour of a value (grey when not finite).
    fn colour_of(&self, v: f64) -> RGBColor {
        if v.is_finite() {
            self.scale.colour(v)
        } else {
            MISSING
        }
    }

    /// The axes with numeric labels where the axis has no category ticks.
    fn draw_axes<'a, DB: DrawingBackend>(
        &self,
        plot_area: &'a DrawingArea<DB, Shift>,
        g: &Geometry,
    ) -> crate::Result<Chart<'a, DB>> {
        let x_cat = !self.x_ticks.is_empty();
        let y_cat = !self.y_ticks.is_empty();
        let y_label_width = if y_cat {
            let longest = self.y_ticks.iter().map(|t| t.chars().count()).max();
            (longest.unwrap_or(1) as u32 * 8 + 30).clamp(45, 200)
        } else {
            65
        };
        let mut chart = ChartBuilder::on(plot_area)
            .margin(10)
            .x_label_area_size(if x_cat { 50 } else { 45 })
            .y_label_area_size(y_label_width)
            .build_cartesian_2d(g.x0..g.x1, g.y0..g.y1)
            .map_err(plot_err)?;
        let flip = g.flip;
        let y_fmt = |v: &f64| format_tick(flip * v);
        let mut mesh = chart.configure_mesh();
        mesh.disable_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|v| format_tick(*v))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14));
        if x_cat {
            mesh.x_labels(0);
        }
        if y_cat {
            mesh.y_labels(0);
        } else {
            mesh.y_label_formatter(&y_fmt);
        }
        mesh.draw().map_err(plot_err)?;
        Ok(chart)
    }

    /// The cells as one bitmap over the plotting area, nearest cell per
    /// pixel.
    fn draw_bitmap<DB: DrawingBackend>(
        &self,
        chart: &Chart<'_, DB>,
        g: &Geometry,
    ) -> crate::Result<()> {
        let Geometry {
            rows,
            cols,
            xa,
            xb,
            ya,
            yb,
            x0,
            x1,
            y0,
            y1,
            ..
        } = *g;
        let (px, py) = chart.plotting_area().get_pixel_range();
        let (pw, ph) = ((px.end - px.start).max(1), (py.end - py.start).max(1));
        let mut buf = vec![0u8; pw as usize * ph as usize * 3];
        for j in 0..ph {
            for i in 0..pw {
                // Pixel centre in chart coordinates.
                let cx = x0 + (x1 - x0) * (f64::from(i) + 0.5) / f64::from(pw);
                let cy = y1 - (y1 - y0) * (f64::from(j) + 0.5) / f64::from(ph);
                let c = ((cx - xa) / (xb - xa) * cols as f64).floor();
                let r = ((cy - ya) / (yb - ya) * rows as f64).floor();
                let v = if (0.0..cols as f64).contains(&c) && (0.0..rows as f64).contains(&r) {
                    self.values[r as usize * self.cols + c as usize]
                } else {
                    f64::NAN
                };
                let col = self.colour_of(v);
                let k = (j as usize * pw as usize + i as usize) * 3;
                buf[k..k + 3].copy_from_slice(&[col.0, col.1, col.2]);
            }
        }
        let element = BitMapElement::with_owned_buffer((0, 0), (pw as u32, ph as u32), buf)
            .ok_or_else(|| invalid!("heat map bitmap of {pw} x {ph} pixels"))?;
        chart
            .plotting_area()
            .strip_coord_spec()
            .draw(&element)
            .map_err(plot_err)?;
        Ok(())
    }

    /// The cells as one rectangle each.
    fn draw_rectangles<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart<'a, DB>,
        g: &Geometry,
    ) -> crate::Result<()> {
        let rects = (0..self.rows).flat_map(|r| {
            (0..self.cols).map(move |c| {
                let (xa, xb) = g.cell_x(c);
                let (ya, yb) = g.cell_y(r);
                Rectangle::new(
                    [(xa, ya), (xb, yb)],
                    self.colour_of(self.values[r * self.cols + c]).filled(),
                )
            })
        });
        chart.draw_series(rects).map_err(plot_err)?;
        Ok(())
    }

    /// Each cell's value with `decimals` decimals, where the cells are drawn
    /// as rectangles and are large enough for text.
    fn draw_values<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart<'a, DB>,
        g: &Geometry,
        decimals: usize,
    ) -> crate::Result<()> {
        let (px, py) = chart.plotting_area().get_pixel_range();
        let cw = f64::from(px.end - px.start) / g.cols as f64;
        let ch = f64::from(py.end - py.start) / g.rows as f64;
        let font = (ch * 0.4).min(cw / 4.0).min(16.0);
        if font >= 8.0 && self.rows * self.cols <= Self::VECTOR_CELLS_MAX {
            let texts = (0..self.rows).flat_map(|r| {
                (0..self.cols).map(move |c| {
                    let v = self.values[r * self.cols + c];
                    let (xa, xb) = g.cell_x(c);
                    let (ya, yb) = g.cell_y(r);
                    let text = if v.is_finite() {
                        format!("{v:.decimals$}")
                    } else {
                        "-".to_owned()
                    };
                    let style = ("sans-serif", font)
                        .into_font()
                        .color(&text_colour_on(self.colour_of(v)))
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    Text::new(text, (0.5 * (xa + xb), 0.5 * (ya + yb)), style)
                })
            });
            chart.draw_series(texts).map_err(plot_err)?;
        }
        Ok(())
    }

    /// The category labels of the axes that have them.
    fn draw_ticks<DB: DrawingBackend>(
        &self,
        plot_area: &DrawingArea<DB, Shift>,
        chart: &Chart<'_, DB>,
        g: &Geometry,
    ) -> crate::Result<()> {
        if !self.x_ticks.is_empty() {
            let labels = self
                .x_ticks
                .iter()
                .enumerate()
                .map(|(c, t)| (0.5 * (g.cell_x(c).0 + g.cell_x(c).1), t.clone()));
            draw_category_labels(plot_area, chart, g.y0, labels)?;
        }
        if !self.y_ticks.is_empty() {
            let base = plot_area.get_base_pixel();
            let style = ("sans-serif", 13)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Right, VPos::Center));
            for (r, t) in self.y_ticks.iter().enumerate() {
                let (ya, yb) = g.cell_y(r);
                let (px, py) = chart.backend_coord(&(g.x0, 0.5 * (ya + yb)));
                plot_area
                    .draw(&Text::new(
                        t.clone(),
                        (px - base.0 - 6, py - base.1),
                        style.clone(),
                    ))
                    .map_err(plot_err)?;
            }
        }
        Ok(())
    }
}

impl Figure for Heatmap {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> crate::Result<()> {
        self.check()?;
        root.fill(&WHITE).map_err(plot_err)?;
        let body = root.titled(&self.title, title_font(20)).map_err(plot_err)?;
        let (w, _) = body.dim_in_pixel();
        let (plot_area, bar) = body.split_horizontally(w.saturating_sub(105));
        let g = self.geometry();
        let mut chart = self.draw_axes(&plot_area, &g)?;
        let cells = self.rows * self.cols;
        if cells > Self::VECTOR_CELLS_MAX {
            self.draw_bitmap(&chart, &g)?;
        } else {
            self.draw_rectangles(&mut chart, &g)?;
        }
        if cells == 0 {
            draw_no_data(&chart.plotting_area().strip_coord_spec())?;
        }
        if let Some(decimals) = self.annotate {
            self.draw_values(&mut chart, &g, decimals)?;
        }
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(g.x0, g.y0), (g.x1, g.y1)],
                BLACK.stroke_width(1),
            )))
            .map_err(plot_err)?;
        self.draw_ticks(&plot_area, &chart, &g)?;
        draw_colour_bar(&bar, &self.scale, &self.colour_label)
    }
}
