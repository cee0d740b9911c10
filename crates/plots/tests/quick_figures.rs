//! Every figure of a quick reproduction, checked as a reader would look at
//! it: no legend covers a data mark (the figure drawn with and without its
//! legend over the same ranges; see `plots::legend_covered_marks`), and the
//! channel ticks of every raster are whole numbers (read from the SVG).
#![allow(clippy::unwrap_used)]

use experiments::golden::FIGURES;
use experiments::{RunOptions, run_figure};
use plots::{AnyFigure, legend_covered_marks};

/// The text of every y-axis tick label (right-aligned text) in an SVG.
fn y_tick_labels(svg: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut lines = svg.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("<text")
            && line.contains("text-anchor=\"end\"")
            && let Some(text) = lines.next()
        {
            labels.push(text.trim().to_owned());
        }
    }
    labels
}

#[test]
fn quick_figures_have_no_legend_over_data_and_integer_raster_ticks() {
    let options = RunOptions {
        quick: true,
        ..RunOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    let mut rasters = 0;
    let mut offenders = Vec::new();
    for f in FIGURES {
        let out = run_figure(f, &options).unwrap();
        let art = plots::panels::figure(&out.panels).unwrap();
        for panel in &art.panels {
            let name = format!("{}/{}", f.name(), panel.stem);
            if let Some(covered) = legend_covered_marks(&panel.figure).unwrap() {
                checked += 1;
                if covered > 0 {
                    offenders.push(format!("{name}: {covered} px"));
                }
            }
            if let AnyFigure::Raster(r) = &panel.figure {
                let stem = dir.path().join(&panel.stem);
                let (_, svg) = plots::save_png_and_svg(r, &stem).unwrap();
                let labels = y_tick_labels(&std::fs::read_to_string(svg).unwrap());
                assert!(!labels.is_empty(), "{name}: no y tick labels found");
                for l in labels.iter().filter(|l| !l.is_empty()) {
                    assert!(
                        l.parse::<i64>().is_ok(),
                        "{name}: channel tick {l:?} is not a whole number"
                    );
                }
                rasters += 1;
            }
        }
    }
    eprintln!("checked {checked} legends, {rasters} rasters");
    assert!(
        checked >= 8,
        "only {checked} figures with legends were checked"
    );
    assert!(rasters >= 2, "only {rasters} rasters were checked");
    assert!(
        offenders.is_empty(),
        "legends cover data marks in: {}",
        offenders.join(", ")
    );
}
