//! The training cost per layer of every model of a task (the paper's
//! Supplementary tables break the per-sample cost down this way), as
//! summary keys and report rows.

use costmodel::paper::TrainingLayerRow;

use crate::report::{Row, Summary, count, snake};

/// `training_macs_<model>_<layer>` (paper convention, per sample) and
/// `training_macs_backprop_<model>_<layer>` for every layer row.
pub fn summarise(rows: &[TrainingLayerRow], s: &mut Summary) {
    for r in rows {
        let (m, l) = (snake(&r.model), snake(&r.layer));
        s.num(&format!("training_macs_{m}_{l}"), r.cost);
        s.num(&format!("training_macs_backprop_{m}_{l}"), r.cost_backprop);
    }
}

/// One report row per model: each layer's per-sample cost under the
/// paper convention with its share, and the backprop count beside it.
pub fn report_rows(rows: &[TrainingLayerRow], out: &mut Vec<Row>) {
    let mut models: Vec<&str> = Vec::new();
    for r in rows {
        if !models.contains(&r.model.as_str()) {
            models.push(&r.model);
        }
    }
    for model in models {
        let layers: Vec<&TrainingLayerRow> = rows.iter().filter(|r| r.model == model).collect();
        let paper = layers
            .iter()
            .filter(|r| r.cost > 0.0)
            .map(|r| format!("{} {} ({:.0} %)", r.layer, count(r.cost), 100.0 * r.share))
            .collect::<Vec<_>>()
            .join(", ");
        let backprop = layers
            .iter()
            .map(|r| format!("{} {}", r.layer, count(r.cost_backprop)))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Row::new(
            &format!("training cost per sample by layer, {model} (paper convention)"),
            paper,
            "-",
            &format!("backprop MACs: {backprop} (docs/costmodel.md)"),
        ));
    }
}
