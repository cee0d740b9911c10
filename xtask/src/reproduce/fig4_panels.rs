//! The panels of Fig. 4 (PNG + SVG + CSV each).

use anyhow::Result;
use costmodel::paper::TrainingRow;
use nalgebra::DMatrix;
use readout::ZeroShotReport;

use super::Ctx;
use super::report::Report;

/// Everything the panels show.
pub struct Panels<'a> {
    /// t-SNE of projected test embeddings: images first, then audio.
    pub embedding: &'a DMatrix<f64>,
    /// Digit of each embedded sample.
    pub labels: Vec<usize>,
    /// Rows before this index are images, the rest audio.
    pub modality_split: usize,
    /// The unseen digits.
    pub unseen: &'a [usize],
    /// Retrieval with the software LSM's projections.
    pub software: &'a ZeroShotReport,
    /// Retrieval with the hardware LSM's projections.
    pub hardware: &'a ZeroShotReport,
    /// Retrieval with the prototypical baseline.
    pub protonet: &'a ZeroShotReport,
    /// Training cost rows of the zero-shot task.
    pub training: &'a [TrainingRow],
}

/// Writes every panel's data (and figure) and adds captions to the report.
pub fn write(ctx: &Ctx<'_>, p: &Panels<'_>, _report: &mut Report) -> Result<()> {
    ctx.out.write_csv(
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
    )?;
    let mut rows = Vec::new();
    for (model, z) in [
        ("lsm_software", p.software),
        ("lsm_hardware", p.hardware),
        ("protonet", p.protonet),
    ] {
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
    ctx.out.write_csv(
        "retrieval.csv",
        &["model", "classes", "direction", "k", "accuracy_percent"],
        rows,
    )?;
    for (split, b) in [("seen", &p.software.seen), ("unseen", &p.software.unseen)] {
        let c = &b.audio_to_image.confusion;
        let n = c.n_classes;
        ctx.out.write_csv(
            &format!("retrieval_confusion_{split}.csv"),
            &["query_digit", "retrieved_digit", "count"],
            (0..n)
                .flat_map(|t| (0..n).map(move |q| (t, q)))
                .filter(|&(t, q)| c.count(t, q) > 0)
                .map(|(t, q)| vec![t.to_string(), q.to_string(), c.count(t, q).to_string()]),
        )?;
    }
    ctx.out.write_csv(
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
    )?;
    Ok(())
}
