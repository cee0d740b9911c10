//! [`Histogram`]: binned counts or densities of data sets, overlaid.

use crate::error::invalid;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{
    Figure, LegendPosition, Series, check_range, draw_legend, draw_no_data, finite_range,
    format_log_tick, format_tick, plot_err, series_colour, title_font, widen, y_label_count,
};

/// One data set of a [`Histogram`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistogramSet {
    /// Legend entry (empty: none).
    pub label: String,
    /// The raw values; non-finite ones are skipped.
    pub values: Vec<f64>,
}

/// How the bars of a [`Histogram`] are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HistogramStyle {
    /// Semi-transparent filled bars with a solid edge (default).
    #[default]
    Filled,
    /// A step outline along the bin tops, no fill.
    Outline,
}

/// Binned counts or densities of one or more data sets on shared bins,
/// overlaid, with optional overlay curves (e.g. a fitted normal density)
/// and vertical reference lines.
///
/// Bins are `bins` equal intervals over `range` (`None`: the finite values'
/// range), closed on the left, the last also on the right. With `density`,
/// a bin's height is `count / (n * width)` where `n` counts every finite
/// value of the set (in range or not), so a density curve of the whole
/// population overlays directly; otherwise the height is the count.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Figure title.
    pub title: String,
    /// x-axis label with unit.
    pub x_label: String,
    /// y-axis label (e.g. `cells` or `density (1/uS)`).
    pub y_label: String,
    /// The data sets, in drawing order.
    pub sets: Vec<HistogramSet>,
    /// Number of bins (at least 1).
    pub bins: usize,
    /// Range of the bins (`None`: the finite values' range).
    pub range: Option<(f64, f64)>,
    /// Densities instead of counts.
    pub density: bool,
    /// Filled or outlined bars.
    pub style: HistogramStyle,
    /// Curves drawn over the bars, in the units of the y axis (colours after
    /// the sets').
    pub curves: Vec<Series>,
    /// Vertical reference lines `(x, legend entry)`, dashed grey.
    pub vlines: Vec<(f64, String)>,
    /// Logarithmic y axis (empty bins are not drawn).
    pub log_y: bool,
    /// Where the legend goes.
    pub legend: LegendPosition,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            sets: Vec::new(),
            bins: 50,
            range: None,
            density: false,
            style: HistogramStyle::default(),
            curves: Vec::new(),
            vlines: Vec::new(),
            log_y: false,
            legend: LegendPosition::default(),
            size: (800, 500),
        }
    }
}

/// The bins of a [`Histogram`], as drawn (write them as the figure's CSV).
#[derive(Clone, Debug, PartialEq)]
pub struct Binned {
    /// `bins + 1` bin edges.
    pub edges: Vec<f64>,
    /// Counts per set and bin.
    pub counts: Vec<Vec<u64>>,
    /// Bar heights per set and bin (counts, or densities).
    pub heights: Vec<Vec<f64>>,
    /// Finite values of each set outside the range.
    pub outside: Vec<u64>,
    /// Non-finite values of each set (skipped).
    pub non_finite: Vec<u64>,
}

impl Binned {
    /// The bins as CSV: `bin_lo,bin_hi,<label>_count,<label>_height,...`
    /// (sets without a label are called `set<k>`).
    pub fn csv(&self, labels: &[String]) -> String {
        use std::fmt::Write as _;
        let names: Vec<String> = (0..self.counts.len())
            .map(|k| match labels.get(k) {
                Some(l) if !l.is_empty() => l.replace([',', '\n'], " "),
                _ => format!("set{k}"),
            })
            .collect();
        let mut s = String::from("bin_lo,bin_hi");
        for n in &names {
            let _ = write!(s, ",{n} count,{n} height");
        }
        s.push('\n');
        for b in 0..self.edges.len().saturating_sub(1) {
            let _ = write!(s, "{},{}", self.edges[b], self.edges[b + 1]);
            for k in 0..self.counts.len() {
                let _ = write!(s, ",{},{}", self.counts[k][b], self.heights[k][b]);
            }
            s.push('\n');
        }
        s
    }
}

impl Histogram {
    /// Bins the sets (what [`Figure::draw`] draws).
    pub fn binned(&self) -> crate::Result<Binned> {
        if self.bins == 0 {
            return Err(invalid!(
                "histogram `{}`: bins must be at least 1",
                self.title
            ));
        }
        check_range("range", self.range)?;
        let (lo, hi) = self.range.unwrap_or_else(|| {
            widen(finite_range(
                self.sets.iter().flat_map(|s| s.values.iter().copied()),
            ))
        });
        let n = self.bins;
        let width = (hi - lo) / n as f64;
        let edges: Vec<f64> = (0..=n).map(|k| lo + width * k as f64).collect();
        let mut out = Binned {
            edges,
            counts: Vec::new(),
            heights: Vec::new(),
            outside: Vec::new(),
            non_finite: Vec::new(),
        };
        for set in &self.sets {
            let mut counts = vec![0u64; n];
            let (mut outside, mut bad, mut finite) = (0u64, 0u64, 0u64);
            for &v in &set.values {
                if !v.is_finite() {
                    bad += 1;
                    continue;
                }
                finite += 1;
                if v < lo || v > hi {
                    outside += 1;
                    continue;
                }
                let k = (((v - lo) / width).floor() as usize).min(n - 1);
                counts[k] += 1;
            }
            let heights = counts
                .iter()
                .map(|&c| {
                    if self.density {
                        if finite > 0 {
                            c as f64 / (finite as f64 * width)
                        } else {
                            0.0
                        }
                    } else {
                        c as f64
                    }
                })
                .collect();
            out.counts.push(counts);
            out.heights.push(heights);
            out.outside.push(outside);
            out.non_finite.push(bad);
        }
        Ok(out)
    }
}

/// The chart a histogram is drawn on: values along x, plotted heights
/// (log10 on a log axis) along y.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The chart's ranges: binned values along x, plotted heights along y.
#[derive(Clone, Copy)]
struct Ranges {
    lo: f64,
    hi: f64,
    y0: f64,
    y1: f64,
}

/// What a drawing step drew: anything visible, and any legend entry.
#[derive(Clone, Copy, Default)]
struct Drawn {
    any: bool,
    labelled: bool,
}

impl Histogram {
    /// A height in plotted coordinates (log10 on a log axis).
    fn to_axis(&self, v: f64) -> f64 {
        if self.log_y { v.log10() } else { v }
    }

    /// The x range of the bins and a y range that holds every bar and the
    /// parts of the curves inside the bins.
    fn ranges(&self, binned: &Binned) -> Ranges {
        let (lo, hi) = (binned.edges[0], binned.edges[binned.edges.len() - 1]);
        let curve_ys = self
            .curves
            .iter()
            .flat_map(|c| c.points.iter())
            .filter(|p| p.0 >= lo && p.0 <= hi)
            .map(|p| p.1);
        let heights = binned.heights.iter().flatten().copied();
        let all = heights.chain(curve_ys);
        let (y0, y1) = if self.log_y {
            let pos = finite_range(all.filter(|&v| v > 0.0).map(f64::log10));
            match pos {
                Some((a, b)) => (a - 0.3, b + 0.3),
                None => (0.0, 1.0),
            }
        } else {
            let top = finite_range(all).map_or(1.0, |r| r.1);
            (0.0, if top > 0.0 { top * 1.08 } else { 1.0 })
        };
        Ranges { lo, hi, y0, y1 }
    }

    /// The title, the axes and the mesh.
    fn draw_axes<'a, DB: DrawingBackend>(
        &self,
        root: &'a DrawingArea<DB, Shift>,
        r: Ranges,
    ) -> crate::Result<Chart<'a, DB>> {
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_font(20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(r.lo..r.hi, r.y0..r.y1)
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
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|v| format_tick(*v))
            .y_label_formatter(&y_fmt)
            .y_labels(y_label_count(self.log_y, (r.y0, r.y1)))
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(plot_err)?;
        Ok(chart)
    }

    /// The bars (or outlines) of every data set, with legend entries.
    fn draw_sets<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart<'a, DB>,
        binned: &Binned,
        r: Ranges,
    ) -> crate::Result<Drawn> {
        let y0 = r.y0;
        let ty = |v: f64| self.to_axis(v);
        let mut drawn = Drawn::default();
        let colours = self.sets.len() + self.curves.len();
        for (k, set) in self.sets.iter().enumerate() {
            let colour = series_colour(k, colours);
            let h = &binned.heights[k];
            let e = &binned.edges;
            let visible = |v: f64| v > 0.0 && ty(v).is_finite();
            drawn.any |= h.iter().any(|&v| visible(v));
            let anno = match self.style {
                HistogramStyle::Filled => {
                    let fill = colour.mix(if self.sets.len() > 1 { 0.35 } else { 0.55 });
                    chart
                        .draw_series((0..h.len()).filter(|&b| visible(h[b])).map(|b| {
                            Rectangle::new([(e[b], y0), (e[b + 1], ty(h[b]))], fill.filled())
                        }))
                        .map_err(plot_err)?;
                    chart
                        .draw_series((0..h.len()).filter(|&b| visible(h[b])).map(|b| {
                            Rectangle::new(
                                [(e[b], y0), (e[b + 1], ty(h[b]))],
                                colour.stroke_width(1),
                            )
                        }))
                        .map_err(plot_err)?
                }
                HistogramStyle::Outline => {
                    // A step line along the bin tops (down to the axis at
                    // empty bins on a log axis).
                    let mut path = vec![(e[0], y0)];
                    for b in 0..h.len() {
                        let top = if visible(h[b]) { ty(h[b]) } else { y0 };
                        path.push((e[b], top));
                        path.push((e[b + 1], top));
                    }
                    path.push((e[h.len()], y0));
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            path,
                            colour.stroke_width(2),
                        )))
                        .map_err(plot_err)?
                }
            };
            if !set.label.is_empty() {
                drawn.labelled = true;
                let style = self.style;
                anno.label(&set.label).legend(move |(x, y)| match style {
                    HistogramStyle::Filled => {
                        Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.mix(0.55).filled())
                    }
                    HistogramStyle::Outline => {
                        Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.stroke_width(2))
                    }
                });
            }
        }
        Ok(drawn)
    }

    /// The overlay curves inside the bins, clamped to the y range.
    fn draw_curves<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart<'a, DB>,
        r: Ranges,
    ) -> crate::Result<Drawn> {
        let Ranges { lo, hi, y0, y1 } = r;
        let mut drawn = Drawn::default();
        let colours = self.sets.len() + self.curves.len();
        let n = self.curves.len();
        for (j, c) in self.curves.iter().enumerate() {
            let colour = series_colour(self.sets.len() + j, colours);
            // Earlier curves are drawn wider, so a curve that a later one
            // lies on (a fit on its published value) still shows beside it.
            let width = 2 + 2 * (n - 1 - j).min(2) as u32;
            let pts: Vec<(f64, f64)> = c
                .points
                .iter()
                .filter(|p| p.0 >= lo && p.0 <= hi && p.1.is_finite())
                .map(|p| (p.0, self.to_axis(p.1)))
                .filter(|p| p.1.is_finite())
                .map(|p| (p.0, p.1.clamp(y0, y1)))
                .collect();
            drawn.any |= pts.len() > 1;
            let anno = chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(width)))
                .map_err(plot_err)?;
            if !c.label.is_empty() {
                drawn.labelled = true;
                anno.label(&c.label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(width))
                });
            }
        }
        Ok(drawn)
    }

    /// The dashed reference lines inside the bins; returns whether any has
    /// a legend entry.
    fn draw_vlines<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut Chart<'a, DB>,
        r: Ranges,
    ) -> crate::Result<bool> {
        let Ranges { lo, hi, y0, y1 } = r;
        let mut labelled = false;
        let grey = RGBColor(0x40, 0x40, 0x40);
        for (x, label) in &self.vlines {
            if !(x.is_finite() && *x >= lo && *x <= hi) {
                continue;
            }
            // Dashes of 2 % of the height.
            let step = (y1 - y0) / 50.0;
            let dashes = (0..25).map(|k| {
                let a = y0 + 2.0 * k as f64 * step;
                PathElement::new(
                    vec![(*x, a), (*x, (a + step).min(y1))],
                    grey.stroke_width(2),
                )
            });
            let anno = chart.draw_series(dashes).map_err(plot_err)?;
            if !label.is_empty() {
                labelled = true;
                anno.label(label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 6, y)], grey.stroke_width(2))
                });
            }
        }
        Ok(labelled)
    }
}

impl Figure for Histogram {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> crate::Result<()> {
        let binned = self.binned()?;
        root.fill(&WHITE).map_err(plot_err)?;
        let r = self.ranges(&binned);
        let mut chart = self.draw_axes(root, r)?;
        let sets = self.draw_sets(&mut chart, &binned, r)?;
        let curves = self.draw_curves(&mut chart, r)?;
        let vlines = self.draw_vlines(&mut chart, r)?;
        if !(sets.any || curves.any) {
            draw_no_data(&chart.plotting_area().strip_coord_spec())?;
        }
        if sets.labelled || curves.labelled || vlines {
            draw_legend(&mut chart, self.legend)?;
        }
        Ok(())
    }
}
