//! [`ScatterPlot`] and [`ScatterPlot3d`]: points coloured by class.

use crate::error::invalid;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    CLASS_PALETTE, Figure, draw_no_data, finite_range, format_tick, padded, plot_err, title_font,
    widen,
};

/// Points in the plane coloured by class (e.g. a 2-D t-SNE), with a
/// second attribute shown by the marker shape (e.g. seen and unseen
/// classes, or two modalities). The legend sits in a strip on the right,
/// outside the data.
#[derive(Clone, Debug, PartialEq)]
pub struct ScatterPlot {
    /// Figure title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// The points; those with a non-finite coordinate are skipped.
    pub points: Vec<(f64, f64)>,
    /// Class of each point (empty: all class 0); colour
    /// `CLASS_PALETTE[class % 10]`.
    pub classes: Vec<usize>,
    /// Legend names of the classes (empty: no class legend).
    pub class_names: Vec<String>,
    /// Marker of each point (empty: all circles): 0 circle, 1 triangle,
    /// 2 square, 3 cross, then repeating.
    pub shapes: Vec<usize>,
    /// Legend names of the shapes (empty: no shape legend).
    pub shape_names: Vec<String>,
    /// Marker radius in pixels.
    pub point_size: u32,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

impl Default for ScatterPlot {
    fn default() -> Self {
        ScatterPlot {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            points: Vec::new(),
            classes: Vec::new(),
            class_names: Vec::new(),
            shapes: Vec::new(),
            shape_names: Vec::new(),
            point_size: 3,
            size: (800, 650),
        }
    }
}

/// Points in 3-D coloured by class (e.g. a 3-D t-SNE), drawn as a 2 x 2
/// panel: a perspective view (plotters' 3-D chart, axes named at their
/// ends) and the three 2-D projections (axes 1-2, 1-3, 2-3), with the
/// legend in a strip on the right.
#[derive(Clone, Debug, PartialEq)]
pub struct ScatterPlot3d {
    /// Figure title.
    pub title: String,
    /// Names of the three axes.
    pub axis_labels: [String; 3],
    /// The points; those with a non-finite coordinate are skipped.
    pub points: Vec<[f64; 3]>,
    /// Class of each point (empty: all class 0).
    pub classes: Vec<usize>,
    /// Legend names of the classes.
    pub class_names: Vec<String>,
    /// Marker of each point (empty: all circles), as in [`ScatterPlot`].
    pub shapes: Vec<usize>,
    /// Legend names of the shapes.
    pub shape_names: Vec<String>,
    /// Marker radius in pixels.
    pub point_size: u32,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

impl Default for ScatterPlot3d {
    fn default() -> Self {
        ScatterPlot3d {
            title: String::new(),
            axis_labels: [
                "dimension 1".into(),
                "dimension 2".into(),
                "dimension 3".into(),
            ],
            points: Vec::new(),
            classes: Vec::new(),
            class_names: Vec::new(),
            shapes: Vec::new(),
            shape_names: Vec::new(),
            point_size: 3,
            size: (1100, 900),
        }
    }
}

fn check_attributes(n: usize, classes: &[usize], shapes: &[usize]) -> crate::Result<()> {
    for (field, v) in [("classes", classes), ("shapes", shapes)] {
        if !v.is_empty() && v.len() != n {
            return Err(invalid!(
                "scatter plot: {} {field} for {n} points (give one per point or none)",
                v.len()
            ));
        }
    }
    Ok(())
}

/// Draws `(coordinate, class, shape)` points on a chart, one series per
/// marker shape: 0 circle, 1 triangle, 2 square, 3 cross, then repeating.
macro_rules! draw_markers {
    ($chart:expr, $pts:expr, $r:expr) => {{
        let r: i32 = $r;
        let pts = $pts;
        $chart
            .draw_series(pts.iter().filter(|p| p.2 % 4 == 0).map(|p| {
                EmptyElement::at(p.0) + Circle::new((0, 0), r, class_colour(p.1).filled())
            }))
            .map_err(plot_err)?;
        $chart
            .draw_series(pts.iter().filter(|p| p.2 % 4 == 1).map(|p| {
                EmptyElement::at(p.0)
                    + TriangleMarker::new((0, 0), r + 1, class_colour(p.1).filled())
            }))
            .map_err(plot_err)?;
        $chart
            .draw_series(pts.iter().filter(|p| p.2 % 4 == 2).map(|p| {
                EmptyElement::at(p.0)
                    + Rectangle::new([(-r, -r), (r, r)], class_colour(p.1).filled())
            }))
            .map_err(plot_err)?;
        $chart
            .draw_series(pts.iter().filter(|p| p.2 % 4 == 3).map(|p| {
                EmptyElement::at(p.0) + Cross::new((0, 0), r, class_colour(p.1).stroke_width(2))
            }))
            .map_err(plot_err)?;
    }};
}

/// One legend marker of `shape` at pixel `(x, y)` of `area`.
fn legend_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    shape: usize,
    colour: RGBAColor,
) -> crate::Result<()> {
    let r = 5;
    let fill = colour.filled();
    match shape % 4 {
        0 => area.draw(&Circle::new((x, y), r, fill)),
        1 => area.draw(&TriangleMarker::new((x, y), r + 1, fill)),
        2 => area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], fill)),
        _ => area.draw(&Cross::new((x, y), r, colour.stroke_width(2))),
    }
    .map_err(plot_err)
}

fn class_colour(class: usize) -> RGBAColor {
    CLASS_PALETTE[class % CLASS_PALETTE.len()].mix(0.8)
}

/// The legend strip: classes (coloured circles), then shapes (grey).
fn draw_side_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    class_names: &[String],
    shape_names: &[String],
) -> crate::Result<()> {
    let style = ("sans-serif", 13)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut y = 50;
    for (k, name) in class_names.iter().enumerate() {
        legend_marker(
            area,
            (14, y),
            0,
            CLASS_PALETTE[k % CLASS_PALETTE.len()].to_rgba(),
        )?;
        area.draw(&Text::new(name.clone(), (26, y), style.clone()))
            .map_err(plot_err)?;
        y += 20;
    }
    if !shape_names.is_empty() {
        y += 10;
    }
    let grey = RGBColor(0x50, 0x50, 0x50).to_rgba();
    for (k, name) in shape_names.iter().enumerate() {
        legend_marker(area, (14, y), k, grey)?;
        area.draw(&Text::new(name.clone(), (26, y), style.clone()))
            .map_err(plot_err)?;
        y += 20;
    }
    Ok(())
}

fn legend_width(class_names: &[String], shape_names: &[String]) -> u32 {
    let longest = class_names
        .iter()
        .chain(shape_names)
        .map(|n| n.chars().count())
        .max();
    longest.map_or(0, |n| (n as u32 * 8 + 40).clamp(80, 260))
}

/// A 2-D scatter panel of `(x, y, class, shape)` points.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x_label: &str,
    y_label: &str,
    points: &[(f64, f64, usize, usize)],
    r: i32,
    caption_size: u32,
) -> crate::Result<()> {
    let x = padded(widen(finite_range(points.iter().map(|p| p.0))), 0.04);
    let y = padded(widen(finite_range(points.iter().map(|p| p.1))), 0.04);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, title_font(caption_size))
        .margin(10)
        .x_label_area_size(42)
        .y_label_area_size(60)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.06))
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|v| format_tick(*v))
        .y_label_formatter(&|v| format_tick(*v))
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 14))
        .draw()
        .map_err(plot_err)?;
    let pts: Vec<((f64, f64), usize, usize)> =
        points.iter().map(|&(x, y, c, s)| ((x, y), c, s)).collect();
    draw_markers!(chart, &pts, r);
    if points.is_empty() {
        draw_no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    Ok(())
}

impl Figure for ScatterPlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> crate::Result<()> {
        check_attributes(self.points.len(), &self.classes, &self.shapes)?;
        root.fill(&WHITE).map_err(plot_err)?;
        let body = root.titled(&self.title, title_font(20)).map_err(plot_err)?;
        let lw = legend_width(&self.class_names, &self.shape_names);
        let (w, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(w.saturating_sub(lw));
        let pts: Vec<(f64, f64, usize, usize)> = self
            .points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.0.is_finite() && p.1.is_finite())
            .map(|(i, p)| {
                (
                    p.0,
                    p.1,
                    self.classes.get(i).copied().unwrap_or(0),
                    self.shapes.get(i).copied().unwrap_or(0),
                )
            })
            .collect();
        let r = self.point_size.clamp(1, 20) as i32;
        draw_panel(&plot, "", &self.x_label, &self.y_label, &pts, r, 14)?;
        if lw > 0 {
            draw_side_legend(&legend, &self.class_names, &self.shape_names)?;
        }
        Ok(())
    }
}

impl Figure for ScatterPlot3d {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> crate::Result<()> {
        check_attributes(self.points.len(), &self.classes, &self.shapes)?;
        root.fill(&WHITE).map_err(plot_err)?;
        let body = root.titled(&self.title, title_font(20)).map_err(plot_err)?;
        let lw = legend_width(&self.class_names, &self.shape_names);
        let (w, _) = body.dim_in_pixel();
        let (grid, legend) = body.split_horizontally(w.saturating_sub(lw));
        let pts: Vec<([f64; 3], usize, usize)> = self
            .points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.iter().all(|v| v.is_finite()))
            .map(|(i, p)| {
                (
                    *p,
                    self.classes.get(i).copied().unwrap_or(0),
                    self.shapes.get(i).copied().unwrap_or(0),
                )
            })
            .collect();
        let r = self.point_size.clamp(1, 20) as i32;
        let cells = grid.split_evenly((2, 2));
        let range = |d: usize| padded(widen(finite_range(pts.iter().map(|p| p.0[d]))), 0.04);
        let (xr, yr, zr) = (range(0), range(1), range(2));
        // Perspective view: plotters' y axis is the vertical one, so the
        // third dimension goes up.
        {
            let mut chart = ChartBuilder::on(&cells[0])
                .caption("3-D view", title_font(15))
                .margin(16)
                .margin_left(40)
                .build_cartesian_3d(xr.0..xr.1, zr.0..zr.1, yr.0..yr.1)
                .map_err(plot_err)?;
            chart.with_projection(|mut pb| {
                pb.yaw = 0.7;
                pb.pitch = 0.35;
                pb.scale = 0.8;
                pb.into_matrix()
            });
            chart
                .configure_axes()
                .light_grid_style(BLACK.mix(0.06))
                .bold_grid_style(BLACK.mix(0.12))
                .max_light_lines(2)
                .x_formatter(&|v| format_tick(*v))
                .y_formatter(&|v| format_tick(*v))
                .z_formatter(&|v| format_tick(*v))
                .label_style(("sans-serif", 10))
                .draw()
                .map_err(plot_err)?;
            let in3d: Vec<((f64, f64, f64), usize, usize)> = pts
                .iter()
                .map(|&(p, c, s)| ((p[0], p[2], p[1]), c, s))
                .collect();
            draw_markers!(chart, &in3d, r);
            // Axis names beside the middle of the edges that carry the
            // ticks with this projection (front-bottom x, right-bottom
            // depth, front-left vertical), pushed away from the box centre.
            let mid = |r: (f64, f64)| 0.5 * (r.0 + r.1);
            let spec = chart.as_coord_spec().clone();
            let centre = spec.translate(&(mid(xr), mid(zr), mid(yr)));
            let base = cells[0].get_base_pixel();
            let axis_style = ("sans-serif", 13)
                .into_font()
                .color(&RGBColor(0x20, 0x20, 0x60))
                .pos(Pos::new(HPos::Center, VPos::Center));
            for (at, label) in [
                ((mid(xr), zr.0, yr.1), &self.axis_labels[0]),
                ((xr.1, zr.0, mid(yr)), &self.axis_labels[1]),
                ((xr.0, mid(zr), yr.1), &self.axis_labels[2]),
            ] {
                let p = spec.translate(&at);
                let (dx, dy) = (f64::from(p.0 - centre.0), f64::from(p.1 - centre.1));
                let norm = dx.hypot(dy).max(1.0);
                let push = 40.0;
                let q = (
                    p.0 + (push * dx / norm) as i32 - base.0,
                    p.1 + (push * dy / norm) as i32 - base.1,
                );
                cells[0]
                    .draw(&Text::new(label.clone(), q, axis_style.clone()))
                    .map_err(plot_err)?;
            }
            if pts.is_empty() {
                draw_no_data(&chart.plotting_area().strip_coord_spec())?;
            }
        }
        let l = &self.axis_labels;
        for (cell, (a, b)) in cells[1..].iter().zip([(0, 1), (0, 2), (1, 2)]) {
            let proj: Vec<(f64, f64, usize, usize)> =
                pts.iter().map(|&(p, c, s)| (p[a], p[b], c, s)).collect();
            let caption = format!("{} vs {}", l[b], l[a]);
            draw_panel(cell, &caption, &l[a], &l[b], &proj, r, 15)?;
        }
        if lw > 0 {
            draw_side_legend(&legend, &self.class_names, &self.shape_names)?;
        }
        Ok(())
    }
}
