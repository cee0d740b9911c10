//! [`BarChart`]: grouped and stacked bars over categories.

use crate::error::invalid;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Figure, LegendPosition, check_range, draw_category_labels, draw_legend, draw_no_data,
    finite_range, format_log_tick, format_tick, plot_err, series_colour, title_font, y_label_count,
};

/// One series of a [`BarChart`]: a value per category.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarSeries {
    /// Legend entry (empty: none).
    pub label: String,
    /// One value per category (non-finite: no bar, and `n/a` as its label).
    pub values: Vec<f64>,
    /// Half-width of the error bar per category (empty: none).
    pub errors: Vec<f64>,
    /// Series with the same `Some(k)` are stacked on one bar, in series
    /// order, bottom up; `None`: a bar of its own.
    pub stack: Option<usize>,
}

/// Bars over categories: one slot per series (or per stack of series) in
/// each category, side by side.
///
/// Error bars sit on the top of their own segment. With `value_labels`,
/// each bar (or each stack's total) has its value written above it. On a
/// log axis a bar starts at the bottom of the axis; values that are not
/// positive are not drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    /// Figure title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label with unit.
    pub y_label: String,
    /// Category labels along x.
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<BarSeries>,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Write the value above each bar (stacks: their total).
    pub value_labels: bool,
    /// The y range (`None`: from 0, or the data's minimum if negative, to
    /// the maximum plus room for the labels; on a log axis the positive
    /// data's decades).
    pub y_range: Option<(f64, f64)>,
    /// Where the legend goes.
    pub legend: LegendPosition,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

impl Default for BarChart {
    fn default() -> Self {
        BarChart {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            categories: Vec::new(),
            series: Vec::new(),
            log_y: false,
            value_labels: false,
            y_range: None,
            legend: LegendPosition::default(),
            size: (800, 500),
        }
    }
}

/// One drawn segment: category, slot, value range, series.
struct Segment {
    category: usize,
    slot: usize,
    bottom: f64,
    top: f64,
    series: usize,
}

impl BarChart {
    fn check(&self) -> crate::Result<()> {
        check_range("y_range", self.y_range)?;
        if self.log_y
            && let Some((lo, _)) = self.y_range
            && lo <= 0.0
        {
            return Err(invalid!(
                "bar chart `{}`: y_range starts at {lo}; a log axis needs a positive range",
                self.title
            ));
        }
        let n = self.categories.len();
        for (k, s) in self.series.iter().enumerate() {
            if s.values.len() != n {
                return Err(invalid!(
                    "bar chart `{}`: series {k} (`{}`) has {} values for {n} categories",
                    self.title,
                    s.label,
                    s.values.len()
                ));
            }
            if !s.errors.is_empty() && s.errors.len() != n {
                return Err(invalid!(
                    "bar chart `{}`: series {k} (`{}`) has {} error bars for {n} categories",
                    self.title,
                    s.label,
                    s.errors.len()
                ));
            }
        }
        Ok(())
    }

    /// Slot of each series and the number of slots per category.
    fn slots(&self) -> (Vec<usize>, usize) {
        let mut slot_of = Vec::with_capacity(self.series.len());
        let mut next = 0;
        let mut stack_slot: Vec<(usize, usize)> = Vec::new();
        for s in &self.series {
            match s.stack {
                Some(key) => match stack_slot.iter().find(|(k, _)| *k == key) {
                    Some(&(_, slot)) => slot_of.push(slot),
                    None => {
                        stack_slot.push((key, next));
                        slot_of.push(next);
                        next += 1;
                    }
                },
                None => {
                    slot_of.push(next);
                    next += 1;
                }
            }
        }
        (slot_of, next.max(1))
    }

    /// Segments in data units (stacked segments accumulate from 0).
    fn segments(&self, slot_of: &[usize]) -> Vec<Segment> {
        let mut out = Vec::new();
        for c in 0..self.categories.len() {
            let mut level: Vec<(usize, f64)> = Vec::new();
            for (k, s) in self.series.iter().enumerate() {
                let v = s.values[c];
                if !v.is_finite() {
                    continue;
                }
                let slot = slot_of[k];
                let bottom = if s.stack.is_some() {
                    match level.iter_mut().find(|(sl, _)| *sl == slot) {
                        Some((_, l)) => {
                            let b = *l;
                            *l += v;
                            b
                        }
                        None => {
                            level.push((slot, v));
                            0.0
                        }
                    }
                } else {
                    0.0
                };
                out.push(Segment {
                    category: c,
                    slot,
                    bottom,
                    top: bottom + v,
                    series: k,
                });
            }
        }
        out
    }
}

/// The chart the bars are drawn on: categories along x, plotted values
/// (log10 on a log axis) along y.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Where the bars go: slots per category and the plotted y range.
#[derive(Clone, Copy)]
struct Layout {
    slots: usize,
    y0: f64,
    y1: f64,
}

impl Layout {
    /// The x range of `slot` in category `c`.
    fn slot_x(&self, c: usize, slot: usize) -> (f64, f64) {
        let width = 0.8 / self.slots as f64;
        let a = c as f64 + 0.1 + width * slot as f64;
        (a, a + width)
    }

    /// `v` clamped into the y range.
    fn clamp(&self, v: f64) -> f64 {
        v.clamp(self.y0, self.y1)
    }
}

impl BarChart {
    /// The error bar's half-width of a segment (0 without one).
    fn error_of(&self, s: &Segment) -> f64 {
        self.series[s.series]
            .errors
            .get(s.category)
            .copied()
            .filter(|e| e.is_finite())
            .map_or(0.0, f64::abs)
    }

    /// A value in plotted coordinates: log10 on a log axis (NaN where not
    /// positive).
    fn to_axis(&self, v: f64) -> f64 {
        if !self.log_y {
            v
        } else if v > 0.0 {
            v.log10()
        } else {
            f64::NAN
        }
    }

    /// The plotted y range in data units (what `y_range` would have to be
    /// to draw the same axes).
    pub(crate) fn plotted_range(&self) -> (f64, f64) {
        let (slot_of, _) = self.slots();
        let (lo, hi) = self.plotted_y(&self.segments(&slot_of));
        if self.log_y {
            (10f64.powf(lo), 10f64.powf(hi))
        } else {
            (lo, hi)
        }
    }

    /// The plotted y range: `y_range`, or one that holds every segment, its
    /// error bar, (with `value_labels`) room for the labels and, with the
    /// legend in an upper corner, room above the data for the legend box.
    fn plotted_y(&self, segments: &[Segment]) -> (f64, f64) {
        let (lo, hi) = self.data_y(segments);
        if self.y_range.is_some() {
            return (lo, hi);
        }
        let entries = self.series.iter().filter(|s| !s.label.is_empty()).count();
        let upper = matches!(
            self.legend,
            LegendPosition::UpperLeft | LegendPosition::UpperRight
        );
        if !upper || entries == 0 {
            return (lo, hi);
        }
        (
            lo,
            crate::top_with_legend_room((lo, hi), entries, self.size.1),
        )
    }

    /// The y range that holds the data (and the labels), or `y_range`.
    fn data_y(&self, segments: &[Segment]) -> (f64, f64) {
        match self.y_range {
            Some((a, b)) => (self.to_axis(a), self.to_axis(b)),
            None if self.log_y => {
                let vals = segments
                    .iter()
                    .flat_map(|s| [s.top, s.top + self.error_of(s)]);
                match finite_range(vals.filter(|v| *v > 0.0).map(f64::log10)) {
                    Some((a, b)) => {
                        // Bars need room below their value to be seen.
                        let lo = (a - 0.3).floor();
                        (lo, (b + 0.25).max(lo + 1.0))
                    }
                    None => (0.0, 1.0),
                }
            }
            None => {
                let vals = segments.iter().flat_map(|s| {
                    let e = self.error_of(s);
                    [s.bottom, s.top, s.top + e, s.top - e]
                });
                match finite_range(vals) {
                    Some((a, b)) => {
                        let (a, b) = (a.min(0.0), b.max(0.0));
                        let span = if b > a { b - a } else { 1.0 };
                        let room = if self.value_labels { 0.12 } else { 0.05 };
                        (
                            if a < 0.0 { a - room * span } else { 0.0 },
                            if b > 0.0 {
                                b + room * span
                            } else {
                                span * room
                            },
                        )
                    }
                    None => (0.0, 1.0),
                }
            }
        }
    }

    /// The title, the axes and the y mesh.
    fn draw_axes<'a, DB: DrawingBackend>(
        &self,
        root: &'a DrawingArea<DB, Shift>,
        (y0, y1): (f64, f64),
    ) -> crate::Result<Chart<'a, DB>> {
        let n = self.categories.len().max(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_font(20))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..n, y0..y1)
            .map_err(plot_err)?;
        let y_fmt = |v: &f64| {
            if self.log_y {
                format_log_tick(*v)
            } else {
                format_tick(*v)
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_labels(0)
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .y_label_formatter(&y_fmt)
            .y_labels(y_label_count(self.log_y, (y0, y1)))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(plot_err)?;
        Ok(chart)
    }

    /// The plotted bottom of a segment's bar (the axis' bottom on a log
    /// axis when the segment starts at or below 0).
    fn bar_bottom(&self, s: &Segment, layout: Layout) -> f64 {
        if self.log_y {
            if s.bottom > 0.0 {
                self.to_axis(s.bottom)
            } else {
                layout.y0
            }
        } else {
            s.bottom
        }
    }

    /// The bars and error bars of every series, with legend entries; returns
    /// whether any bar was drawn and whether any series has a label.
    fn draw_bars<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart<'a, DB>,
        segments: &[Segment],
        layout: Layout,
    ) -> crate::Result<(bool, bool)> {
        let ty = |v: f64| self.to_axis(v);
        let clamp = |v: f64| layout.clamp(v);
        let mut any = false;
        let mut labelled = false;
        for (k, series) in self.series.iter().enumerate() {
            let colour = series_colour(k, self.series.len());
            let mine: Vec<&Segment> = segments
                .iter()
                .filter(|s| s.series == k && ty(s.top).is_finite())
                .collect();
            any |= !mine.is_empty();
            let anno = chart
                .draw_series(mine.iter().map(|s| {
                    let (xa, xb) = layout.slot_x(s.category, s.slot);
                    Rectangle::new(
                        [
                            (xa, clamp(self.bar_bottom(s, layout))),
                            (xb, clamp(ty(s.top))),
                        ],
                        colour.mix(0.85).filled(),
                    )
                }))
                .map_err(plot_err)?;
            if !series.label.is_empty() {
                labelled = true;
                anno.label(&series.label).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.mix(0.85).filled())
                });
            }
            if !series.errors.is_empty() {
                chart
                    .draw_series(mine.iter().filter(|s| self.error_of(s) > 0.0).map(|s| {
                        let (xa, xb) = layout.slot_x(s.category, s.slot);
                        let e = self.error_of(s);
                        let lo = ty(s.top - e);
                        let lo = if lo.is_finite() { clamp(lo) } else { layout.y0 };
                        ErrorBar::new_vertical(
                            0.5 * (xa + xb),
                            lo,
                            clamp(ty(s.top)),
                            clamp(ty(s.top + e)),
                            BLACK.stroke_width(1),
                            8,
                        )
                    }))
                    .map_err(plot_err)?;
            }
        }
        Ok((any, labelled))
    }

    /// The value above each slot: a lone bar's, or a stack's total.
    fn draw_value_labels<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart<'a, DB>,
        segments: &[Segment],
        layout: Layout,
    ) -> crate::Result<()> {
        let Layout { y0, y1, .. } = layout;
        // The top of each slot: a lone bar, or a stack's total.
        let mut tops: Vec<(usize, usize, f64, f64)> = Vec::new();
        for s in segments {
            let e = self.error_of(s);
            match tops.iter_mut().find(|t| t.0 == s.category && t.1 == s.slot) {
                Some(t) => {
                    t.2 = s.top;
                    t.3 = e;
                }
                None => tops.push((s.category, s.slot, s.top, e)),
            }
        }
        let style = ("sans-serif", 12)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        let px_per_unit = {
            let (_, py) = chart.plotting_area().get_pixel_range();
            f64::from(py.end - py.start) / (y1 - y0)
        };
        chart
            .draw_series(tops.iter().map(|&(c, slot, v, e)| {
                let (xa, xb) = layout.slot_x(c, slot);
                let anchor = layout.clamp(self.to_axis(v + e.max(0.0)));
                let anchor = if anchor.is_finite() { anchor } else { y0 };
                // 3 pixels above the bar or its error bar.
                let y = (anchor + 3.0 / px_per_unit).min(y1);
                Text::new(format_tick(v), (0.5 * (xa + xb), y), style.clone())
            }))
            .map_err(plot_err)?;
        Ok(())
    }

    /// `n/a` at the foot of each slot whose value is not finite.
    fn draw_missing<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart<'a, DB>,
        slot_of: &[usize],
        layout: Layout,
    ) -> crate::Result<()> {
        for c in 0..self.categories.len() {
            for (k, s) in self.series.iter().enumerate() {
                if !s.values[c].is_finite() {
                    let (xa, xb) = layout.slot_x(c, slot_of[k]);
                    let style = ("sans-serif", 12)
                        .into_font()
                        .color(&RGBColor(0x70, 0x70, 0x70))
                        .pos(Pos::new(HPos::Center, VPos::Bottom));
                    let y = layout.y0 + 0.02 * (layout.y1 - layout.y0);
                    chart
                        .draw_series(std::iter::once(Text::new(
                            "n/a",
                            (0.5 * (xa + xb), y),
                            style,
                        )))
                        .map_err(plot_err)?;
                }
            }
        }
        Ok(())
    }
}

impl Figure for BarChart {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> crate::Result<()> {
        self.check()?;
        root.fill(&WHITE).map_err(plot_err)?;
        let (slot_of, slots) = self.slots();
        let segments = self.segments(&slot_of);
        let (y0, y1) = self.plotted_y(&segments);
        let layout = Layout { slots, y0, y1 };
        let mut chart = self.draw_axes(root, (y0, y1))?;
        let (any, labelled) = self.draw_bars(&mut chart, &segments, layout)?;
        if self.value_labels {
            self.draw_value_labels(&mut chart, &segments, layout)?;
        }
        self.draw_missing(&mut chart, &slot_of, layout)?;
        if !self.log_y && y0 < 0.0 && y1 > 0.0 {
            let n = self.categories.len().max(1) as f64;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, 0.0), (n, 0.0)],
                    BLACK.stroke_width(1),
                )))
                .map_err(plot_err)?;
        }
        let labels = self
            .categories
            .iter()
            .enumerate()
            .map(|(c, l)| (c as f64 + 0.5, l.clone()));
        draw_category_labels(root, &chart, y0, labels)?;
        if !any {
            draw_no_data(&chart.plotting_area().strip_coord_spec())?;
        }
        if labelled {
            draw_legend(&mut chart, self.legend)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod legend_tests {
    use super::*;

    /// True when the legend of `chart` covers a data mark: the chart is
    /// drawn with its legend and again over the same y range without one;
    /// the pixels that differ are the legend box, and none of them may be
    /// a mark of the legend-free drawing.
    fn legend_covers_data(chart: &BarChart) -> bool {
        let range = chart.plotted_range();
        let with = crate::render_rgb(&BarChart {
            y_range: Some(range),
            ..chart.clone()
        })
        .unwrap();
        let without = crate::render_rgb(&BarChart {
            y_range: Some(range),
            legend: LegendPosition::Hidden,
            ..chart.clone()
        })
        .unwrap();
        crate::covered_marks(&with, &without).unwrap() > 0
    }

    fn accuracy_like(legend: LegendPosition, y_range: Option<(f64, f64)>) -> BarChart {
        let bars = |label: &str, values: Vec<f64>| BarSeries {
            label: label.into(),
            values,
            ..BarSeries::default()
        };
        BarChart {
            title: "test accuracy".into(),
            categories: ["a", "b", "c", "d", "e"].map(String::from).to_vec(),
            series: vec![
                bars("this run", vec![73.5, 69.0, 11.0, 10.0, 56.0]),
                bars("paper", vec![89.1, 89.7, 97.0, 93.9, 96.2]),
            ],
            value_labels: true,
            y_range,
            legend,
            size: (900, 520),
            ..BarChart::default()
        }
    }

    #[test]
    fn an_upper_legend_gets_room_above_the_bars_and_a_misplaced_one_is_caught() {
        for legend in [LegendPosition::UpperRight, LegendPosition::UpperLeft] {
            assert!(
                !legend_covers_data(&accuracy_like(legend, None)),
                "{legend:?}"
            );
        }
        // The old layout of the accuracy panel: a fixed 0-105 % axis with the
        // legend in the lower right, over the last bar.
        assert!(legend_covers_data(&accuracy_like(
            LegendPosition::LowerRight,
            Some((0.0, 105.0))
        )));
    }
}
