//! Lines and markers with optional error bars: [`SweepPlot`], and the
//! engine that also draws [`super::LinePlot`].

use crate::error::invalid;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{
    Figure, LegendPosition, check_range, draw_legend, draw_no_data, finite_range, format_log_tick,
    format_tick, padded, plot_err, series_colour, title_font, widen, y_label_count,
};

/// One series of a [`SweepPlot`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepSeries {
    /// Legend entry (empty: none).
    pub label: String,
    /// The points, in drawing order; a non-finite coordinate breaks the line.
    pub points: Vec<(f64, f64)>,
    /// Half-width of the y error bar of each point (empty: no error bars).
    pub y_err: Vec<f64>,
    /// Join the points with a line.
    pub line: bool,
    /// Draw a marker at each point.
    pub markers: bool,
    /// Colour index (`None`: the series' index), so a closed form and its
    /// simulation can share a colour: [`super::PALETTE`] when the plot uses
    /// at most 6 indices, else [`super::CLASS_PALETTE`].
    pub colour: Option<usize>,
}

impl SweepSeries {
    /// A plain line.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        SweepSeries {
            label: label.into(),
            points,
            line: true,
            ..SweepSeries::default()
        }
    }

    /// Markers with error bars `y +- y_err` (pass an empty vector for none).
    pub fn markers(label: impl Into<String>, points: Vec<(f64, f64)>, y_err: Vec<f64>) -> Self {
        SweepSeries {
            label: label.into(),
            points,
            y_err,
            markers: true,
            ..SweepSeries::default()
        }
    }

    /// The same series in palette colour `k`.
    pub fn colour(mut self, k: usize) -> Self {
        self.colour = Some(k);
        self
    }
}

/// Series of points drawn as lines and/or markers, with optional y error
/// bars: parameter sweeps, closed forms beside simulations. This is the
/// [`super::LinePlot`] with error bars (whose fields stay as they are for
/// its existing users).
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPlot {
    /// Figure title.
    pub title: String,
    /// x-axis label with unit.
    pub x_label: String,
    /// y-axis label with unit.
    pub y_label: String,
    /// The series.
    pub series: Vec<SweepSeries>,
    /// The x range (`None`: the data's).
    pub x_range: Option<(f64, f64)>,
    /// The y range (`None`: the data's, error bars included, plus 5 % on
    /// both sides).
    pub y_range: Option<(f64, f64)>,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Where the legend goes.
    pub legend: LegendPosition,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

impl Default for SweepPlot {
    fn default() -> Self {
        SweepPlot {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            x_range: None,
            y_range: None,
            log_y: false,
            legend: LegendPosition::default(),
            size: (800, 500),
        }
    }
}

/// A series as the engine sees it.
pub(super) struct Line<'a> {
    pub(super) label: &'a str,
    pub(super) points: &'a [(f64, f64)],
    pub(super) y_err: &'a [f64],
    pub(super) line: bool,
    pub(super) markers: bool,
    pub(super) colour: RGBColor,
}

/// Axes and texts of a line chart.
pub(super) struct Axes<'a> {
    pub(super) title: &'a str,
    pub(super) x_label: &'a str,
    pub(super) y_label: &'a str,
    pub(super) log_y: bool,
    pub(super) legend: LegendPosition,
}

impl Figure for SweepPlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> crate::Result<()> {
        check_range("x_range", self.x_range)?;
        check_range("y_range", self.y_range)?;
        if self.log_y
            && let Some((lo, _)) = self.y_range
            && lo <= 0.0
        {
            return Err(invalid!(
                "y_range starts at {lo}: a log axis needs a positive range"
            ));
        }
        let colours = self
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| s.colour.unwrap_or(k))
            .max()
            .map_or(0, |m| m + 1);
        let lines: Vec<Line<'_>> = self
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| Line {
                label: &s.label,
                points: &s.points,
                y_err: &s.y_err,
                line: s.line,
                markers: s.markers,
                colour: series_colour(s.colour.unwrap_or(k), colours),
            })
            .collect();
        check_errors(&lines)?;
        // Markers and error bars at the ends of the data stay inside.
        let pad = if lines.iter().any(|l| l.markers || !l.y_err.is_empty()) {
            0.03
        } else {
            0.0
        };
        let x = self
            .x_range
            .unwrap_or_else(|| padded(widen(finite_range(lines.iter().flat_map(|l| xs(l)))), pad));
        let y = match self.y_range {
            Some((lo, hi)) if self.log_y => (lo.log10(), hi.log10()),
            Some(r) => r,
            None => {
                let ys = lines.iter().flat_map(|l| y_extremes(l, self.log_y));
                padded(widen(finite_range(ys)), 0.05)
            }
        };
        let axes = Axes {
            title: &self.title,
            x_label: &self.x_label,
            y_label: &self.y_label,
            log_y: self.log_y,
            legend: self.legend,
        };
        draw_lines(root, &axes, &lines, x, y)
    }
}

fn xs<'a>(l: &'a Line<'_>) -> impl Iterator<Item = f64> + 'a {
    l.points.iter().map(|p| p.0)
}

/// The y values a series needs to show (points and error-bar ends), in
/// plotted coordinates (log10 on a log axis, non-positive values dropped).
fn y_extremes<'a>(l: &'a Line<'_>, log_y: bool) -> impl Iterator<Item = f64> + 'a {
    l.points.iter().enumerate().flat_map(move |(i, &(_, y))| {
        let e = l.y_err.get(i).copied().unwrap_or(0.0).abs();
        let e = if e.is_finite() { e } else { 0.0 };
        [y - e, y, y + e].map(|v| to_axis(v, log_y))
    })
}

/// A y value in plotted coordinates (NaN when it cannot be shown).
fn to_axis(y: f64, log_y: bool) -> f64 {
    if !log_y {
        y
    } else if y > 0.0 {
        y.log10()
    } else {
        f64::NAN
    }
}

pub(super) fn check_errors(lines: &[Line<'_>]) -> crate::Result<()> {
    for (k, l) in lines.iter().enumerate() {
        if !l.y_err.is_empty() && l.y_err.len() != l.points.len() {
            return Err(invalid!(
                "series {k} (`{}`): {} error bars for {} points (give one per point or none)",
                l.label,
                l.y_err.len(),
                l.points.len()
            ));
        }
    }
    Ok(())
}

/// Clips the segment `a`-`b` to the rectangle `x` by `y` (Liang-Barsky).
fn clip(
    a: (f64, f64),
    b: (f64, f64),
    x: (f64, f64),
    y: (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - x.0),
        (dx, x.1 - a.0),
        (-dy, a.1 - y.0),
        (dy, y.1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then_some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

/// The parts of a line inside the axes: `pts` (plotted coordinates)
/// clipped to `x` by `y`, broken at non-finite points.
fn clipped_segments(pts: &[(f64, f64)], x: (f64, f64), y: (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let mut segments: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for w in pts.windows(2) {
        if !(finite(&w[0]) && finite(&w[1])) {
            if current.len() > 1 {
                segments.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        match clip(w[0], w[1], x, y) {
            Some((a, b)) => {
                if current.last() != Some(&a) {
                    if current.len() > 1 {
                        segments.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(a);
                }
                current.push(b);
            }
            None => {
                if current.len() > 1 {
                    segments.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() > 1 {
        segments.push(current);
    }
    segments
}

/// The chart lines are drawn on, in plotted coordinates.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The title, the axes and the mesh of a line chart over `x` by `y`.
fn draw_axes<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    axes: &Axes<'_>,
    x: (f64, f64),
    y: (f64, f64),
) -> crate::Result<Chart<'a, DB>> {
    let mut chart = ChartBuilder::on(root)
        .caption(axes.title, title_font(20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(65)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(plot_err)?;
    let y_fmt = |v: &f64| {
        if axes.log_y {
            format_log_tick(*v)
        } else {
            format_tick(*v)
        }
    };
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .x_desc(axes.x_label)
        .y_desc(axes.y_label)
        .x_label_formatter(&|v| format_tick(*v))
        .y_label_formatter(&y_fmt)
        .y_labels(y_label_count(axes.log_y, (y.0, y.1)))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()
        .map_err(plot_err)?;
    Ok(chart)
}

/// The legend entry of a line: a short line and/or a marker (the part not
/// drawn is transparent).
fn legend_entry<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    l: &Line<'_>,
) -> crate::Result<()> {
    let colour = l.colour;
    let line_style = if l.line || !l.markers {
        colour.stroke_width(2)
    } else {
        colour.mix(0.0).stroke_width(2)
    };
    let marker_style = if l.markers {
        colour.filled()
    } else {
        colour.mix(0.0).filled()
    };
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
        .map_err(plot_err)?
        .label(l.label)
        .legend(move |(lx, ly)| {
            EmptyElement::at((lx, ly))
                + PathElement::new(vec![(0, 0), (18, 0)], line_style)
                + Circle::new((9, 0), 4, marker_style)
        });
    Ok(())
}

/// One line's segments, error bars and markers inside `x` by `y`; returns
/// whether anything was drawn.
fn draw_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    l: &Line<'_>,
    log_y: bool,
    x: (f64, f64),
    y: (f64, f64),
) -> crate::Result<bool> {
    let inside = |p: (f64, f64)| p.0 >= x.0 && p.0 <= x.1 && p.1 >= y.0 && p.1 <= y.1;
    let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let colour = l.colour;
    let mut drawn_any = false;
    let pts: Vec<(f64, f64)> = l
        .points
        .iter()
        .map(|&(px, py)| (px, to_axis(py, log_y)))
        .collect();
    let segments = if l.line {
        clipped_segments(&pts, x, y)
    } else {
        Vec::new()
    };
    for seg in segments {
        drawn_any = true;
        chart
            .draw_series(LineSeries::new(seg, colour.stroke_width(2)))
            .map_err(plot_err)?;
    }
    if !l.y_err.is_empty() {
        let bars: Vec<_> = pts
            .iter()
            .zip(l.points)
            .zip(l.y_err)
            .filter(|((p, _), _)| finite(p) && inside(**p))
            .map(|((p, raw), e)| {
                let e = if e.is_finite() { e.abs() } else { 0.0 };
                let lo = to_axis(raw.1 - e, log_y);
                let lo = if lo.is_finite() { lo.max(y.0) } else { y.0 };
                let hi = to_axis(raw.1 + e, log_y).min(y.1);
                ErrorBar::new_vertical(p.0, lo, p.1, hi, colour.stroke_width(1), 8)
            })
            .collect();
        drawn_any |= !bars.is_empty();
        chart.draw_series(bars).map_err(plot_err)?;
    }
    if l.markers {
        let marks: Vec<_> = pts
            .iter()
            .filter(|p| finite(p) && inside(**p))
            .map(|&p| Circle::new(p, 4, colour.filled()))
            .collect();
        drawn_any |= !marks.is_empty();
        chart.draw_series(marks).map_err(plot_err)?;
    }
    Ok(drawn_any)
}

/// Draws `lines` on axes `x` by `y` (plotted coordinates: log10 on a log
/// axis).
pub(super) fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    axes: &Axes<'_>,
    lines: &[Line<'_>],
    x: (f64, f64),
    y: (f64, f64),
) -> crate::Result<()> {
    root.fill(&WHITE).map_err(plot_err)?;
    let mut chart = draw_axes(root, axes, x, y)?;
    let mut drawn_any = false;
    let mut labelled = false;
    for l in lines {
        drawn_any |= draw_line(&mut chart, l, axes.log_y, x, y)?;
        if !l.label.is_empty() {
            labelled = true;
            legend_entry(&mut chart, l)?;
        }
    }
    if !drawn_any {
        draw_no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    if labelled {
        draw_legend(&mut chart, axes.legend)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_inside_parts_only() {
        let r = (0.0, 1.0);
        assert_eq!(
            clip((0.2, 0.2), (0.8, 0.8), r, r),
            Some(((0.2, 0.2), (0.8, 0.8)))
        );
        // Crossing the right edge at x = 1, y = 0.5 (by hand).
        let c = clip((0.0, 0.0), (2.0, 1.0), r, r).unwrap();
        assert!(
            (c.1.0 - 1.0).abs() < 1e-12 && (c.1.1 - 0.5).abs() < 1e-12,
            "{c:?}"
        );
        assert_eq!(clip((2.0, 2.0), (3.0, 3.0), r, r), None);
    }
}
