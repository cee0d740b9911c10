//! Small reusable figures on plotters, written as PNG and SVG.
//!
//! Text never depends on the system's fonts: DejaVu Sans
//! (`xtask/assets/DejaVuSans.ttf`, licence in `xtask/assets/README.md`) is
//! embedded with `include_bytes!` and registered as plotters' `sans-serif`
//! family on first use (plotters' `ab_glyph` backend). SVG files name the
//! family `sans-serif` and leave the glyphs to the viewer.
//!
//! Figures ([`Figure`]):
//!
//! * [`FrameGrid`]: a grid of heat-map frames (e.g. event counts per pixel
//!   in successive time windows) on one colour scale, with a colour bar.
//!   Each frame is one bitmap (in SVG an embedded PNG image), so large
//!   frames stay small.
//! * [`RasterPlot`]: a spike raster, time on x and channel on y, points
//!   coloured by group (e.g. polarity).
//! * [`LinePlot`]: one or more series of `(x, y)` points with a legend.
//!
//! Every figure has a title, axis labels with units where it has axes, and
//! a size in pixels. [`save`] picks PNG or SVG by the file extension;
//! [`save_png_and_svg`] writes both; [`render_rgb`] draws into memory (for
//! tests).

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::{Context, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

/// DejaVu Sans, embedded (see `xtask/assets/README.md`).
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
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()>;
}

fn plot_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("plotting failed: {e:?}")
}

/// Writes `figure` to `path`: PNG for `.png`, SVG for `.svg`.
pub fn save(figure: &impl Figure, path: &Path) -> anyhow::Result<()> {
    register_fonts();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "png" => {
            let area = BitMapBackend::new(path, figure.size()).into_drawing_area();
            figure.draw(&area)?;
            area.present()
                .map_err(plot_err)
                .with_context(|| format!("writing {}", path.display()))
        }
        "svg" => {
            let area = SVGBackend::new(path, figure.size()).into_drawing_area();
            figure.draw(&area)?;
            area.present()
                .map_err(plot_err)
                .with_context(|| format!("writing {}", path.display()))
        }
        other => Err(anyhow!(
            "{}: unknown figure format `{other}` (use .png or .svg)",
            path.display()
        )),
    }
}

/// Writes `stem.png` and `stem.svg` and returns their paths.
pub fn save_png_and_svg(figure: &impl Figure, stem: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    save(figure, &png)?;
    save(figure, &svg)?;
    Ok((png, svg))
}

/// Draws `figure` into an RGB buffer (3 bytes per pixel, row-major).
pub fn render_rgb(figure: &impl Figure) -> anyhow::Result<Vec<u8>> {
    register_fonts();
    let (w, h) = figure.size();
    let mut buffer = vec![0u8; w as usize * h as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        figure.draw(&area)?;
        area.present().map_err(plot_err)?;
    }
    Ok(buffer)
}

fn title_font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
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

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
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
) -> anyhow::Result<()> {
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

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
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
        chart
            .configure_mesh()
            .disable_mesh()
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
    /// Legend entry.
    pub label: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// Lines of `(x, y)` points with a legend.
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
    /// the maximum plus 5 %).
    pub y_range: Option<(f64, f64)>,
    /// Size of the figure in pixels.
    pub size: (u32, u32),
}

impl Figure for LinePlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        root.fill(&WHITE).map_err(plot_err)?;
        let all = self.series.iter().flat_map(|s| s.points.iter());
        let (mut x0, mut x1, mut y0, mut y1) =
            (f64::INFINITY, f64::NEG_INFINITY, 0.0f64, f64::NEG_INFINITY);
        for &(x, y) in all {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if !(x0.is_finite() && x1 > x0) {
            (x0, x1) = (0.0, 1.0);
        }
        if !(y1.is_finite() && y1 > y0) {
            y1 = y0 + 1.0;
        }
        let (y0, y1) = self.y_range.unwrap_or((y0, y1 + 0.05 * (y1 - y0)));
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_font(20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(plot_err)?;
        for (k, s) in self.series.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().copied(),
                    colour.stroke_width(2),
                ))
                .map_err(plot_err)?
                .label(&s.label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(plot_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
