//! The panels of Fig. 4: the t-SNE of the shared embedding, retrieval
//! accuracy on seen and unseen digits beside the baselines, the retrieval
//! confusion, and the training cost; each with its CSV.

use experiments::fig4::Fig4Panels;
use readout::ZeroShotReport;

use crate::{
    Artifacts, BarChart, BarSeries, ColourScale, Heatmap, LegendPosition, Result, ScatterPlot,
};

/// Draws every panel of Fig. 4.
pub fn fig4(p: &Fig4Panels) -> Result<Artifacts> {
    let mut art = Artifacts::default();
    tsne(p, &mut art);
    retrieval_panels(p, &mut art);
    confusion_panels(p, &mut art);
    training_macs_panel(p, &mut art);
    retrieval_csv(p, &mut art);
    confusion_csvs(p, &mut art);
    training_macs_csv(p, &mut art);
    Ok(art)
}

/// The t-SNE of the projected test embeddings, with its CSV: colour =
/// digit, marker = modality.
fn tsne(p: &Fig4Panels, art: &mut Artifacts) {
    art.csv(
        "tsne.csv",
        &["x", "y", "digit", "modality", "seen"],
        (0..p.embedding.nrows()).map(|i| {
            vec![
                format!("{}", p.embedding[(i, 0)]),
                format!("{}", p.embedding[(i, 1)]),
                p.labels[i].to_string(),
                if i < p.modality_split {
                    "image"
                } else {
                    "audio"
                }
                .to_owned(),
                (!p.unseen.contains(&p.labels[i])).to_string(),
            ]
        }),
    );
    let digits: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    art.figure("tsne",
        "t-SNE of the projected test embeddings (software LSM): colour = digit, marker = modality; digits 8 and 9 were never trained on",
        ScatterPlot {
            title: "Zero-shot embeddings (t-SNE)".into(),
            x_label: "t-SNE 1".into(),
            y_label: "t-SNE 2".into(),
            points: (0..p.embedding.nrows())
                .map(|i| (p.embedding[(i, 0)], p.embedding[(i, 1)]))
                .collect(),
            classes: p.labels.clone(),
            class_names: digits,
            shapes: (0..p.embedding.nrows())
                .map(|i| usize::from(i >= p.modality_split))
                .collect(),
            shape_names: vec!["image".into(), "audio".into()],
            point_size: 4,
            size: (900, 760),
        });
}

/// Audio-search-image top-1 accuracy on seen and unseen digits, percent.
fn audio_to_image(z: &ZeroShotReport) -> [f64; 2] {
    [
        100.0 * z.seen.audio_to_image.top1(),
        100.0 * z.unseen.audio_to_image.top1(),
    ]
}

/// Image-search-audio top-1 accuracy on seen and unseen digits, percent.
fn image_to_audio(z: &ZeroShotReport) -> [f64; 2] {
    [
        100.0 * z.seen.image_to_audio.top1(),
        100.0 * z.unseen.image_to_audio.top1(),
    ]
}

/// A bar series of seen and unseen accuracies.
fn series(label: &str, v: [f64; 2]) -> BarSeries {
    BarSeries {
        label: label.into(),
        values: v.to_vec(),
        errors: Vec::new(),
        stack: None,
    }
}

/// Retrieval accuracy (top-1) in both directions; audio-search-image
/// beside the paper's.
fn retrieval_panels(p: &Fig4Panels, art: &mut Artifacts) {
    let categories = vec![
        "seen digits (1-7)".to_owned(),
        "unseen digits (8, 9)".to_owned(),
    ];
    art.figure("retrieval",
        "Audio-search-image top-1 accuracy: this run's LSM (software, hardware), prototypical network and trained SRNN-CLIP beside the paper's LSM and SRNN-CLIP",
        BarChart {
            title: "Zero-shot audio-search-image (top-1)".into(),
            x_label: "test classes".into(),
            y_label: "top-1 accuracy (%)".into(),
            categories: categories.clone(),
            series: [
                series("LSM software (this run)", audio_to_image(&p.software)),
                series("LSM hardware (this run)", audio_to_image(&p.hardware)),
                series("prototypical (this run)", audio_to_image(&p.protonet)),
            ]
            .into_iter()
            .chain(p.srnn_clip.as_ref().map(|c| series("SRNN-CLIP (this run)", audio_to_image(c))))
            .chain([
                series("LSM software (paper)", [66.1, 88.0]),
                series("LSM hardware (paper)", [67.42, 87.5]),
                series("SRNN-CLIP (paper)", [82.28, 74.0]),
            ])
            .collect(),
            log_y: false,
            value_labels: true,
            // From 0 to the data, with room above for the legend.
            y_range: None,
            legend: LegendPosition::UpperLeft,
            size: (1000, 560),
        });
    art.figure(
        "retrieval_image_to_audio",
        "Image-search-audio top-1 accuracy of this run",
        BarChart {
            title: "Zero-shot image-search-audio (top-1)".into(),
            x_label: "test classes".into(),
            y_label: "top-1 accuracy (%)".into(),
            categories,
            series: [
                series("LSM software", image_to_audio(&p.software)),
                series("LSM hardware", image_to_audio(&p.hardware)),
                series("prototypical", image_to_audio(&p.protonet)),
            ]
            .into_iter()
            .chain(
                p.srnn_clip
                    .as_ref()
                    .map(|c| series("SRNN-CLIP", image_to_audio(c))),
            )
            .collect(),
            log_y: false,
            value_labels: true,
            // From 0 to the data, with room above for the legend.
            y_range: None,
            legend: LegendPosition::UpperLeft,
            size: (900, 520),
        },
    );
}

/// The software LSM's audio-to-image retrieval confusion on seen and on
/// unseen digits, over the digits present, rows normalised.
fn confusion_panels(p: &Fig4Panels, art: &mut Artifacts) {
    for (stem, label, b) in [
        ("retrieval_confusion_seen_map", "seen", &p.software.seen),
        (
            "retrieval_confusion_unseen_map",
            "unseen",
            &p.software.unseen,
        ),
    ] {
        let c = &b.audio_to_image.confusion;
        let present: Vec<usize> = (0..c.n_classes)
            .filter(|&t| (0..c.n_classes).any(|q| c.count(t, q) > 0 || c.count(q, t) > 0))
            .collect();
        let n = present.len();
        let values: Vec<f64> = present
            .iter()
            .flat_map(|&t| {
                let total: u64 = (0..c.n_classes).map(|q| c.count(t, q)).sum();
                present.iter().map(move |&q| {
                    if total > 0 {
                        100.0 * c.count(t, q) as f64 / total as f64
                    } else {
                        f64::NAN
                    }
                })
            })
            .collect();
        let ticks: Vec<String> = present.iter().map(|d| d.to_string()).collect();
        art.figure(stem,
            &format!(
                "Retrieval confusion, {label} digits, software LSM: query digit (audio) versus the digit of the nearest image (row-normalised, percent)"
            ),
            Heatmap {
                title: format!("Audio query vs retrieved image digit ({label})"),
                x_label: "digit of the nearest image".into(),
                y_label: "spoken digit (query)".into(),
                rows: n,
                cols: n,
                values,
                scale: ColourScale::Sequential {
                    min: 0.0,
                    max: 100.0,
                },
                colour_label: "% of the queries".into(),
                x_extent: None,
                y_extent: None,
                x_ticks: ticks.clone(),
                y_ticks: ticks,
                annotate: Some(0),
                size: (640, 560),
            });
    }
}

/// Training cost per image-audio pair (paper convention), log scale.
fn training_macs_panel(p: &Fig4Panels, art: &mut Artifacts) {
    art.figure("training_macs",
        "Training multiply-accumulates per image-audio pair under the paper's convention (docs/costmodel.md)",
        BarChart {
            title: "Zero-shot training cost per pair".into(),
            x_label: "model".into(),
            y_label: "MACs per training pair".into(),
            categories: p.training.iter().map(|r| r.model.clone()).collect(),
            series: vec![BarSeries {
                label: String::new(),
                values: p.training.iter().map(|r| r.cost).collect(),
                errors: Vec::new(),
                stack: None,
            }],
            log_y: true,
            value_labels: true,
            y_range: None,
            legend: LegendPosition::Hidden,
            size: (800, 500),
        });
}

/// Top-k retrieval accuracy of every model, class split and direction.
fn retrieval_csv(p: &Fig4Panels, art: &mut Artifacts) {
    let mut rows = Vec::new();
    let models = [
        ("lsm_software", &p.software),
        ("lsm_hardware", &p.hardware),
        ("protonet", &p.protonet),
    ]
    .into_iter()
    .chain(p.srnn_clip.as_ref().map(|c| ("srnn_clip", c)));
    for (model, z) in models {
        for (split, b) in [("seen", &z.seen), ("unseen", &z.unseen)] {
            for (dir, r) in [
                ("audio_to_image", &b.audio_to_image),
                ("image_to_audio", &b.image_to_audio),
            ] {
                for (k, acc) in r.ks.iter().zip(&r.top_k) {
                    rows.push(vec![
                        model.to_owned(),
                        split.to_owned(),
                        dir.to_owned(),
                        k.to_string(),
                        format!("{}", 100.0 * acc),
                    ]);
                }
            }
        }
    }
    art.csv(
        "retrieval.csv",
        &["model", "classes", "direction", "k", "accuracy_percent"],
        rows,
    );
}

/// The non-zero counts of the software LSM's retrieval confusions.
fn confusion_csvs(p: &Fig4Panels, art: &mut Artifacts) {
    for (split, b) in [("seen", &p.software.seen), ("unseen", &p.software.unseen)] {
        let c = &b.audio_to_image.confusion;
        let n = c.n_classes;
        art.csv(
            &format!("retrieval_confusion_{split}.csv"),
            &["query_digit", "retrieved_digit", "count"],
            (0..n)
                .flat_map(|t| (0..n).map(move |q| (t, q)))
                .filter(|&(t, q)| c.count(t, q) > 0)
                .map(|(t, q)| vec![t.to_string(), q.to_string(), c.count(t, q).to_string()]),
        );
    }
}

/// Training cost per pair with our and the paper's ratios.
fn training_macs_csv(p: &Fig4Panels, art: &mut Artifacts) {
    art.csv(
        "training_macs.csv",
        &[
            "model",
            "macs_per_pair_paper_convention",
            "ratio_ours",
            "ratio_paper",
        ],
        p.training.iter().map(|r| {
            vec![
                r.model.clone(),
                format!("{}", r.cost),
                format!("{}", r.ratio),
                r.paper_ratio.map_or(String::new(), |x| format!("{x}")),
            ]
        }),
    );
}
