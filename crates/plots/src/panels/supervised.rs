//! The panels of the supervised figures (Fig. 2 and Fig. 3): the example
//! sample's input, its reservoir spikes and membrane potentials, the t-SNE of
//! the test features, the confusion matrices, the accuracy beside the
//! baselines, the training cost and the inference energy; each with its CSV.

use experiments::supervised::SupervisedPanels;

use crate::{
    Artifacts, BarChart, BarSeries, ColourScale, FrameGrid, HeatFrame, Heatmap, LegendPosition,
    LinePlot, RasterPlot, Result, ScatterPlot, ScatterPlot3d, Series,
};

/// Draws every panel of a supervised figure.
pub fn supervised(p: &SupervisedPanels) -> Result<Artifacts> {
    let mut art = Artifacts::default();
    input_panels(p, &mut art);
    reservoir_panels(p, &mut art);
    tsne_csv(p, &mut art);
    confusion_csvs(p, &mut art);
    let names: Vec<String> = (0..p.task.classes).map(p.task.class_name).collect();
    confusion_panels(p, &names, &mut art);
    tsne_panel(p, &names, &mut art);
    accuracy_panel(p, &mut art);
    training_macs_panel(p, &mut art);
    energy_panel(p, &mut art);
    cost_csvs(p, &mut art);
    Ok(art)
}

/// The example sample's input events as CSV, drawn as frames (vision,
/// a square number of channels) or as a channel-time raster (audio).
fn input_panels(p: &SupervisedPanels, art: &mut Artifacts) {
    let raster = &p.example_raster;
    let steps = raster.steps();
    art.csv(
        "input_events.csv",
        &["step", "channel"],
        (0..steps).flat_map(|t| {
            raster
                .step(t)
                .iter()
                .map(move |&c| vec![t.to_string(), c.to_string()])
        }),
    );
    let channels = raster.channels();
    let side = (channels as f64).sqrt().round() as usize;
    if side * side == channels as usize && p.frames > 0 {
        input_frames(p, side, art);
    } else {
        input_raster(p, art);
    }
}

/// The example's input events summed over `p.frames` groups of steps, on a
/// `side` x `side` grid.
fn input_frames(p: &SupervisedPanels, side: usize, art: &mut Artifacts) {
    let name = (p.task.class_name)(p.example_label);
    let raster = &p.example_raster;
    let steps = raster.steps();
    let per = steps.div_ceil(p.frames).max(1);
    let frames: Vec<HeatFrame> = (0..steps.div_ceil(per))
        .map(|k| {
            let mut values = vec![0.0; side * side];
            for t in k * per..((k + 1) * per).min(steps) {
                for &c in raster.step(t) {
                    values[c as usize] += 1.0;
                }
            }
            HeatFrame {
                title: format!("steps {}-{}", k * per, ((k + 1) * per).min(steps) - 1),
                width: side,
                height: side,
                values,
            }
        })
        .collect();
    let max = frames
        .iter()
        .flat_map(|f| f.values.iter().copied())
        .fold(1.0, f64::max);
    let columns = frames.len().min(5);
    art.figure("input_frames",
        &format!(
            "Input events of one test sample (digit {name}), binned into {steps} steps, summed over groups of {per} steps"
        ),
        FrameGrid {
            title: format!("{}: input events of a test sample ({name})", p.task.dataset),
            frames,
            columns,
            scale: ColourScale::Sequential { min: 0.0, max },
            colour_label: "active steps".into(),
            size: (1000, 520),
        });
}

/// The example's input spikes per channel and time step.
fn input_raster(p: &SupervisedPanels, art: &mut Artifacts) {
    let name = (p.task.class_name)(p.example_label);
    let raster = &p.example_raster;
    let steps = raster.steps();
    let points = (0..steps)
        .flat_map(|t| raster.step(t).iter().map(move |&c| (t as f64, c, 0)))
        .collect();
    art.figure(
        "input_raster",
        &format!("Input spikes of one test sample ({name}) per cochlea channel and time step"),
        RasterPlot {
            title: format!("{}: input spikes of a test sample ({name})", p.task.dataset),
            x_label: "time step".into(),
            y_label: "channel (low to high frequency)".into(),
            channels: raster.channels(),
            points,
            groups: Vec::new(),
            x_range: Some((0.0, steps as f64)),
            size: (900, 500),
        },
    );
}

/// Reservoir spike raster and membrane potentials of the example, each with
/// its CSV, where the trace holds them.
fn reservoir_panels(p: &SupervisedPanels, art: &mut Artifacts) {
    if let Some(spikes) = &p.trace.spikes {
        let points: Vec<(f64, u32, usize)> = (0..spikes.steps())
            .flat_map(|t| spikes.step(t).iter().map(move |&c| (t as f64, c, 0)))
            .collect();
        art.csv(
            "lsm_spikes.csv",
            &["step", "neuron"],
            points
                .iter()
                .map(|(t, c, _)| vec![t.to_string(), c.to_string()]),
        );
        art.figure(
            "lsm_raster",
            &format!(
                "Spikes of the {} reservoir neurons for the same sample (software reservoir)",
                spikes.channels()
            ),
            RasterPlot {
                title: "Reservoir spikes".into(),
                x_label: "time step".into(),
                y_label: "neuron".into(),
                channels: spikes.channels(),
                points,
                groups: Vec::new(),
                x_range: Some((0.0, spikes.steps() as f64)),
                size: (900, 500),
            },
        );
    }
    if !p.trace.neurons.is_empty() {
        membrane_panel(p, art);
    }
}

/// Membrane potentials of the traced neurons, with their CSV.
fn membrane_panel(p: &SupervisedPanels, art: &mut Artifacts) {
    let mut series: Vec<Series> = p
        .trace
        .neurons
        .iter()
        .zip(&p.trace.potentials)
        .map(|(n, v)| Series {
            label: format!("neuron {n}"),
            points: v.iter().enumerate().map(|(t, &x)| (t as f64, x)).collect(),
        })
        .collect();
    art.csv(
        "membrane.csv",
        &["step", "neuron", "v"],
        series.iter().flat_map(|s| {
            s.points
                .iter()
                .map(move |(t, v)| vec![t.to_string(), s.label.clone(), format!("{v}")])
        }),
    );
    // The threshold as a line over the traced steps (a neuron fires and
    // resets when its potential would cross it).
    let steps = p.trace.potentials.iter().map(Vec::len).max().unwrap_or(0);
    if steps > 0 {
        series.push(Series {
            label: format!("threshold v_th = {}", p.v_th),
            points: vec![(0.0, p.v_th), ((steps - 1) as f64, p.v_th)],
        });
    }
    art.figure(
        "membrane",
        "Membrane potentials of a few reservoir neurons for the same sample (after reset), with the firing threshold",
        LinePlot {
            title: "Membrane potential".into(),
            x_label: "time step".into(),
            y_label: "v (membrane units)".into(),
            series,
            y_range: None,
            size: (900, 450),
        },
    );
}

/// The t-SNE coordinates (up to three) and class of each test sample.
fn tsne_csv(p: &SupervisedPanels, art: &mut Artifacts) {
    art.csv(
        "tsne.csv",
        &["x", "y", "z", "label"],
        (0..p.embedding.nrows()).map(|i| {
            let c = |k: usize| {
                if k < p.embedding.ncols() {
                    format!("{}", p.embedding[(i, k)])
                } else {
                    String::new()
                }
            };
            vec![c(0), c(1), c(2), (p.task.class_name)(p.embedding_labels[i])]
        }),
    );
}

/// The software and the hardware confusion counts as CSV.
fn confusion_csvs(p: &SupervisedPanels, art: &mut Artifacts) {
    for (stem, r) in [
        ("confusion_software", &p.confusion_software),
        ("confusion_hardware", &p.confusion_hardware),
    ] {
        let n = r.confusion.n_classes;
        art.csv(
            &format!("{stem}.csv"),
            &["true", "predicted", "count"],
            (0..n)
                .flat_map(|t| (0..n).map(move |q| (t, q)))
                .map(|(t, q)| {
                    vec![
                        (p.task.class_name)(t),
                        (p.task.class_name)(q),
                        r.confusion.count(t, q).to_string(),
                    ]
                }),
        );
    }
}

/// The software and the hardware confusion matrices, rows normalised to
/// the true class's count; `names` label the classes.
fn confusion_panels(p: &SupervisedPanels, names: &[String], art: &mut Artifacts) {
    for (stem, label, r) in [
        ("confusion_software", "software", &p.confusion_software),
        ("confusion_hardware", "hardware", &p.confusion_hardware),
    ] {
        let n = r.confusion.n_classes;
        // Rows normalised to the true class's count: recall per cell, in percent.
        let values: Vec<f64> = (0..n)
            .flat_map(|t| {
                let total: u64 = (0..n).map(|q| r.confusion.count(t, q)).sum();
                (0..n).map(move |q| {
                    if total > 0 {
                        100.0 * r.confusion.count(t, q) as f64 / total as f64
                    } else {
                        f64::NAN
                    }
                })
            })
            .collect();
        art.figure(stem,
            &format!(
                "Confusion matrix of the {label} LSM on the test set (row-normalised, percent); accuracy {:.2} %",
                100.0 * r.accuracy
            ),
            Heatmap {
                title: format!(
                    "{}: confusion, {label} LSM ({:.2} %)",
                    p.task.dataset,
                    100.0 * r.accuracy
                ),
                x_label: "predicted class".into(),
                y_label: "true class".into(),
                rows: n,
                cols: n,
                values,
                scale: ColourScale::Sequential {
                    min: 0.0,
                    max: 100.0,
                },
                colour_label: "% of the true class".into(),
                x_extent: None,
                y_extent: None,
                x_ticks: names.to_vec(),
                y_ticks: names.to_vec(),
                annotate: Some(0),
                size: (720, 640),
            });
    }
}

/// The t-SNE of the test features in 3-D or 2-D (none for other
/// dimensions); `names` label the classes.
fn tsne_panel(p: &SupervisedPanels, names: &[String], art: &mut Artifacts) {
    let classes: Vec<usize> = p.embedding_labels.to_vec();
    if p.embedding.ncols() >= 3 {
        art.figure(
            "tsne",
            &format!(
                "3-D t-SNE of the software LSM's scaled spike counts for {} test samples",
                p.embedding.nrows()
            ),
            ScatterPlot3d {
                title: format!("{}: t-SNE of LSM features", p.task.dataset),
                axis_labels: ["t-SNE 1".into(), "t-SNE 2".into(), "t-SNE 3".into()],
                points: (0..p.embedding.nrows())
                    .map(|i| {
                        [
                            p.embedding[(i, 0)],
                            p.embedding[(i, 1)],
                            p.embedding[(i, 2)],
                        ]
                    })
                    .collect(),
                classes,
                class_names: names.to_vec(),
                shapes: Vec::new(),
                shape_names: Vec::new(),
                point_size: 3,
                size: (900, 760),
            },
        );
    } else if p.embedding.ncols() == 2 {
        art.figure(
            "tsne",
            &format!(
                "2-D t-SNE of the software LSM's scaled spike counts for {} test samples",
                p.embedding.nrows()
            ),
            ScatterPlot {
                title: format!("{}: t-SNE of LSM features", p.task.dataset),
                x_label: "t-SNE 1".into(),
                y_label: "t-SNE 2".into(),
                points: (0..p.embedding.nrows())
                    .map(|i| (p.embedding[(i, 0)], p.embedding[(i, 1)]))
                    .collect(),
                classes,
                class_names: names.to_vec(),
                shapes: Vec::new(),
                shape_names: Vec::new(),
                point_size: 3,
                size: (860, 720),
            },
        );
    }
}

/// A bar series without error bars or stacking.
fn plain_bars(label: &str, values: Vec<f64>) -> BarSeries {
    BarSeries {
        label: label.to_owned(),
        values,
        errors: Vec::new(),
        stack: None,
    }
}

/// Accuracy, with its CSV: ours (measured) beside the paper's; baselines
/// only where measured.
fn accuracy_panel(p: &SupervisedPanels, art: &mut Artifacts) {
    let (psw, phw) = p.task.paper_accuracy;
    let mut categories = vec!["LSM-ANN software".to_owned(), "LSM-ANN hardware".to_owned()];
    let mut ours = vec![
        100.0 * p.confusion_software.accuracy,
        100.0 * p.confusion_hardware.accuracy,
    ];
    let mut paper = vec![psw, phw];
    for (name, acc) in p.task.paper_baselines {
        categories.push((*name).to_owned());
        ours.push(
            p.baselines
                .iter()
                .find(|(n, _)| n == name)
                .map_or(f64::NAN, |(_, a)| *a),
        );
        paper.push(*acc);
    }
    art.csv(
        "accuracy.csv",
        &["model", "ours_percent", "paper_percent"],
        categories
            .iter()
            .zip(&ours)
            .zip(&paper)
            .map(|((c, o), q)| vec![c.clone(), format!("{o}"), format!("{q}")]),
    );
    art.figure(
        "accuracy",
        "Test accuracy: this run beside the paper (n/a: not measured in this run)",
        BarChart {
            title: format!("{}: test accuracy", p.task.dataset),
            x_label: "model".into(),
            y_label: "test accuracy (%)".into(),
            categories,
            series: vec![plain_bars("this run", ours), plain_bars("paper", paper)],
            log_y: false,
            value_labels: true,
            // From 0 to the data, with room above for the legend (which
            // would otherwise cover a bar).
            y_range: None,
            legend: LegendPosition::UpperRight,
            size: (900, 520),
        },
    );
}

/// Training cost per sample (paper convention), log scale.
fn training_macs_panel(p: &SupervisedPanels, art: &mut Artifacts) {
    art.figure(
        "training_macs",
        "Training multiply-accumulates per sample under the paper's convention (docs/costmodel.md)",
        BarChart {
            title: format!("{}: training cost per sample", p.task.dataset),
            x_label: "model".into(),
            y_label: "MACs per training sample".into(),
            categories: p.costs.training.iter().map(|(m, _)| m.clone()).collect(),
            series: vec![plain_bars(
                "",
                p.costs.training.iter().map(|(_, v)| *v).collect(),
            )],
            log_y: true,
            value_labels: true,
            y_range: None,
            legend: LegendPosition::Hidden,
            size: (800, 500),
        },
    );
}

/// Inference energy per sample, per layer, digital against hybrid (counted
/// events).
fn energy_panel(p: &SupervisedPanels, art: &mut Artifacts) {
    let layer_series: Vec<BarSeries> = p
        .costs
        .layers
        .iter()
        .map(|(name, d, h)| BarSeries {
            label: name.clone(),
            values: vec![d * 1e6, h * 1e6],
            errors: Vec::new(),
            stack: Some(0),
        })
        .collect();
    let c = &p.costs;
    let ratios = format!(
        "digital / hybrid: counted events {:.2}x; dense, the paper's convention, {:.2}x (paper {:.2}x)",
        c.counted.0 / c.counted.1,
        c.dense.0 / c.dense.1,
        c.paper.2
    );
    art.figure("energy",
        &format!("Inference energy per sample from this run's counted events, per layer: all-digital (event-driven) versus the hybrid system (crossbar read every step). Ratios {ratios}: the dense estimate assumes every input row and neuron active every step"),
        BarChart {
            title: format!("{}: inference energy per sample (counted events)", p.task.dataset),
            x_label: format!("system ({ratios})"),
            y_label: "energy per sample (uJ)".into(),
            categories: vec!["digital".into(), "hybrid".into()],
            series: layer_series,
            log_y: false,
            value_labels: true,
            y_range: None,
            legend: LegendPosition::UpperRight,
            size: (760, 520),
        });
}

/// The training cost and the per-layer energy as CSV.
fn cost_csvs(p: &SupervisedPanels, art: &mut Artifacts) {
    art.csv(
        "training_macs.csv",
        &["model", "macs_per_sample_paper_convention"],
        p.costs
            .training
            .iter()
            .map(|(m, v)| vec![m.clone(), format!("{v}")]),
    );
    art.csv(
        "energy_layers.csv",
        &["layer", "digital_uj", "hybrid_uj"],
        p.costs
            .layers
            .iter()
            .map(|(l, d, h)| vec![l.clone(), format!("{}", d * 1e6), format!("{}", h * 1e6)]),
    );
}
