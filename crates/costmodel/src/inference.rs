//! Inference workloads: the dense estimate from sizes alone, and the two views
//! (all-digital hardware, hybrid analogue-digital system) of counted runs.

use param_guard::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::counts::{FloatPrecision, OpCounts};
use crate::energy::{LayerKind, Workload};
use crate::error::{Error, Result};
use param_guard::ParamError;

/// Sizes of one reservoir, per sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LsmShape {
    /// Input channels (rows of `W_in`).
    pub inputs: u64,
    /// Reservoir neurons (columns of `W_in`, rows and columns of `W_rec`).
    pub neurons: u64,
    /// Time steps per sample.
    pub steps: u64,
}

/// The trained head on the spike-count features.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Head {
    /// A linear classifier with this many classes.
    Readout {
        /// Number of classes.
        classes: u64,
    },
    /// A linear projection to an embedding of this dimension.
    Projection {
        /// Embedding dimension.
        dim: u64,
    },
    /// No head (the features are the output).
    None,
}

/// How the digital hardware is assumed to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigitalBaseline {
    /// Precision of all floating-point arithmetic (default fp32, what the
    /// simulation and the authors' PyTorch code compute in).
    pub precision: FloatPrecision,
    /// Whether every weight use also reads the weight from on-chip SRAM
    /// (default false: arithmetic only, the convention that matches the
    /// paper's digital totals best).
    pub weight_reads: bool,
}

impl Default for DigitalBaseline {
    fn default() -> Self {
        DigitalBaseline {
            precision: FloatPrecision::Fp32,
            weight_reads: false,
        }
    }
}

impl DigitalBaseline {
    /// 32-bit SRAM words holding `weights` weights at this precision.
    fn weight_words(&self, weights: u64) -> u64 {
        if !self.weight_reads {
            return 0;
        }
        match self.precision {
            FloatPrecision::Fp32 => weights,
            FloatPrecision::Fp16 => weights.div_ceil(2),
        }
    }
}

/// DAC conversions per spike row and read cycle: 0.
///
/// The counting rule of the whole workspace (the macro counts its reads
/// with it, [`CrossbarMapping`] prices mapped and dense runs with it). A DAC
/// conversion is a new code loaded into a DAC channel. The paper's
/// periphery has an 8-channel 16-bit DAC giving 64 parallel analogue inputs,
/// and applies spikes as a DC read voltage routed to the rows through a
/// multiplexer: the read level is converted once and held, and a spike only
/// switches its row onto it (a [`OpCounts::row_drives`] count). Setting the
/// level once per run is not counted. So a binary spike row costs no
/// conversion, whatever the number of DAC channels.
pub const DAC_CONVERSIONS_PER_SPIKE_ROW: u64 = 0;

/// DAC conversions per analogue-valued row and read cycle: 1.
///
/// An analogue input needs its own level on its row in every cycle it is
/// read, so each driven row is one conversion (the 8 channels times the
/// multiplexer's 8 lines are how the chip drives 64 such rows in
/// parallel; the count is per row, not per channel). See
/// [`DAC_CONVERSIONS_PER_SPIKE_ROW`].
pub const DAC_CONVERSIONS_PER_ANALOGUE_ROW: u64 = 1;

/// How synapse layers map onto the crossbar macro when a run did not count
/// the macro's operations itself (ideal backend) and for the dense estimate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossbarMapping {
    /// Cells per signed weight (2: a differential pair `G+ - G-`; paper).
    pub cells_per_weight: u64,
    /// Converted columns per output neuron per read (1: the pair's currents
    /// are subtracted before the TIA/ADC, "a 200-column read" per step as the
    /// paper's constant per-step cost implies; 2: both columns converted).
    pub sensed_per_output: u64,
    /// Mean cell conductance, siemens (14.25 uS: the Gaussian fitted to the
    /// same group's 40 nm TaOx cells, PAPER.md).
    pub g_mean_s: f64,
    /// Whether the input and recurrent blocks are read together in one cycle
    /// per step (true: their currents sum on the same columns, Eq. 1; the
    /// column side is then booked to the recurrent layer). If false, each
    /// block has its own read (cycles, TIAs, ADCs and DAC conversions).
    pub shared_read: bool,
}

impl Default for CrossbarMapping {
    fn default() -> Self {
        CrossbarMapping {
            cells_per_weight: 2,
            sensed_per_output: 1,
            g_mean_s: 14.25e-6,
            shared_read: true,
        }
    }
}

impl CrossbarMapping {
    /// Analogue counts of the column side of `cycles` reads of `columns`
    /// output neurons: cycles, TIA activations, ADC conversions.
    pub fn column_side(&self, cycles: u64, columns: u64) -> OpCounts {
        OpCounts {
            macro_cycles: cycles,
            tia_activations: cycles * columns * self.sensed_per_output,
            adc_conversions: cycles * columns * self.sensed_per_output,
            ..OpCounts::default()
        }
    }

    /// Analogue counts of the row side: `rows` spike rows driven (row
    /// drives, and [`DAC_CONVERSIONS_PER_SPIKE_ROW`] conversions each) and
    /// the cells of `synaptic_events` weights read with their conductance
    /// sum.
    pub fn row_side(&self, rows: u64, synaptic_events: u64) -> OpCounts {
        let cells = synaptic_events * self.cells_per_weight;
        OpCounts {
            row_drives: rows,
            dac_conversions: rows * DAC_CONVERSIONS_PER_SPIKE_ROW,
            cell_reads: cells,
            cell_conductance_sum_s: cells as f64 * self.g_mean_s,
            ..OpCounts::default()
        }
    }

    /// The analogue counts of one synapse layer from its logical events:
    /// rows driven = the spikes arriving at the layer (`input_spikes` for
    /// the input layer, `recurrent_spikes` for the recurrent one), cells
    /// read = synaptic events x cells per weight, and one read of `columns`
    /// outputs per step (booked to the recurrent layer when the read is
    /// shared). Every step is read, as on the chip: a silent step still
    /// costs its cycle.
    pub fn layer_counts(&self, kind: LayerKind, events: &OpCounts, geo: ReadGeometry) -> OpCounts {
        let rows = match kind {
            LayerKind::Input => events.input_spikes,
            LayerKind::Recurrent => events.recurrent_spikes,
            _ => 0,
        };
        let mut out = self.row_side(rows, events.synaptic_events);
        let books_columns = match kind {
            LayerKind::Recurrent => true,
            LayerKind::Input => !self.shared_read,
            _ => false,
        };
        if books_columns {
            out += self.column_side(geo.steps, geo.columns);
        }
        out
    }
}

impl ParamGuard for CrossbarMapping {
    type Error = Error;

    /// Checks the mapping; errors name the field.
    fn validate(&self) -> Result<()> {
        let bad = |field: &str, value: String, allowed: &str| {
            Error::InvalidParameter(ParamError {
                field: format!("crossbar_mapping.{field}"),
                value,
                allowed: allowed.to_owned(),
            })
        };
        if !(1..=2).contains(&self.cells_per_weight) {
            return Err(bad(
                "cells_per_weight",
                self.cells_per_weight.to_string(),
                "1 or 2",
            ));
        }
        if !(1..=2).contains(&self.sensed_per_output) {
            return Err(bad(
                "sensed_per_output",
                self.sensed_per_output.to_string(),
                "1 or 2",
            ));
        }
        if !(self.g_mean_s.is_finite() && self.g_mean_s >= 0.0 && self.g_mean_s < 1e-2) {
            return Err(bad(
                "g_mean_s",
                self.g_mean_s.to_string(),
                "in [0, 0.01) siemens",
            ));
        }
        Ok(())
    }
}

/// The read geometry of one reservoir: outputs per read and reads per
/// sample (or per run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadGeometry {
    /// Output neurons (differential columns) per read.
    pub columns: u64,
    /// Read cycles (time steps) covered by the counts.
    pub steps: u64,
}

/// LIF arithmetic per neuron update in the authors' discrete form
/// `v = decay * v * (1 - r) + const * I`: one multiplication (the leak), one
/// addition (integration), one comparison (threshold). The input gain `const`
/// is folded into the weights and the reset is a select, so neither costs an
/// operation.
pub const LIF_OPS: (u64, u64, u64) = (1, 1, 1);

/// Logical events of a dense sample: every input row and every neuron active
/// at every step (the worst case a dense implementation pays for).
pub fn dense_events(shape: &LsmShape) -> Workload {
    let (n_in, h, t) = (shape.inputs, shape.neurons, shape.steps);
    Workload::new()
        .with(
            "input",
            LayerKind::Input,
            OpCounts {
                input_spikes: t * n_in,
                synaptic_events: t * n_in * h,
                ..OpCounts::default()
            },
        )
        .with(
            "recurrent",
            LayerKind::Recurrent,
            OpCounts {
                recurrent_spikes: t * h,
                synaptic_events: t * h * h,
                ..OpCounts::default()
            },
        )
}

/// Digital work of the non-synapse layers of a dense sample: LIF updates
/// every step, counters incremented every step, the head once.
fn dense_digital_rest(shape: &LsmShape, head: Head, b: &DigitalBaseline) -> Workload {
    let (h, t) = (shape.neurons, shape.steps);
    let (muls, adds, cmps) = LIF_OPS;
    let mut w = Workload::new()
        .with(
            "neurons",
            LayerKind::Neurons,
            OpCounts {
                neuron_updates: t * h,
                compare: cmps * t * h,
                ..OpCounts::float_ops(b.precision, adds * t * h, muls * t * h)
            },
        )
        .with(
            "counters",
            LayerKind::Counters,
            OpCounts {
                add_int: t * h,
                ..OpCounts::default()
            },
        );
    let head_layer = match head {
        Head::Readout { classes } => Some(("readout", LayerKind::Readout, h * classes)),
        Head::Projection { dim } => Some(("projection", LayerKind::Projection, h * dim)),
        Head::None => None,
    };
    if let Some((name, kind, weights)) = head_layer {
        w.add(
            name,
            kind,
            OpCounts {
                sram_reads: b.weight_words(weights),
                ..OpCounts::macs(b.precision, weights)
            },
        );
    }
    w
}

/// The dense estimate on digital hardware: input and recurrent matrix-vector
/// products every step (`T * n_in * H` and `T * H * H` multiply-accumulates,
/// whatever the spikes), LIF updates and counters every step, the head once.
pub fn dense_digital(shape: &LsmShape, head: Head, baseline: &DigitalBaseline) -> Workload {
    let (n_in, h, t) = (shape.inputs, shape.neurons, shape.steps);
    let synapses = |macs: u64, events: OpCounts| OpCounts {
        sram_reads: baseline.weight_words(macs),
        ..OpCounts::macs(baseline.precision, macs) + events
    };
    let events = dense_events(shape);
    let ev = |name: &str| events.layer(name).map(|l| l.counts).unwrap_or_default();
    let mut w = Workload::new()
        .with(
            "input",
            LayerKind::Input,
            synapses(t * n_in * h, ev("input")),
        )
        .with(
            "recurrent",
            LayerKind::Recurrent,
            synapses(t * h * h, ev("recurrent")),
        );
    w.merge(&dense_digital_rest(shape, head, baseline));
    w
}

/// The dense estimate on the hybrid system: input and recurrent blocks on
/// the crossbar with every row driven every step (one read per step,
/// [`CrossbarMapping`]), LIF updates, counters and the head digital.
pub fn dense_hybrid(
    shape: &LsmShape,
    head: Head,
    baseline: &DigitalBaseline,
    mapping: &CrossbarMapping,
) -> Result<Workload> {
    let geo = ReadGeometry {
        columns: shape.neurons,
        steps: shape.steps,
    };
    let mut w = hybrid_view(&dense_events(shape), baseline, mapping, geo)?;
    w.merge(&dense_digital_rest(shape, head, baseline));
    Ok(w)
}

/// A counted run (or sample) on all-digital hardware, event-driven: each
/// synaptic event of a synapse layer becomes one addition at the baseline's
/// precision (a spike adds a weight; no multiplication) plus a weight read
/// if the baseline reads weights; whatever the synapse layers counted
/// otherwise (crossbar operations, or the simulation's own float additions
/// for the same events) is replaced. Other layers keep their digital counts
/// (float work at the baseline's precision); analogue counts outside synapse
/// layers are dropped. Logical events are kept everywhere.
pub fn all_digital_view(run: &Workload, baseline: &DigitalBaseline) -> Workload {
    let mut out = Workload::new();
    for l in &run.layers {
        let events = l.counts.event_part();
        let counts = if l.kind.is_synapses() {
            let se = events.synaptic_events;
            OpCounts {
                sram_reads: baseline.weight_words(se),
                ..OpCounts::float_ops(baseline.precision, se, 0) + events
            }
        } else {
            l.counts.digital_part().retarget_float(baseline.precision) + events
        };
        out.add(&l.name, l.kind, counts);
    }
    out
}

/// A counted run (or sample) on the hybrid system: synapse layers on the
/// crossbar, the rest digital. A synapse layer that carries analogue counts
/// (the macro backend counted its reads) is taken as counted, digital
/// post-processing included; one without (the ideal backend) is mapped from
/// its logical events with `mapping` and `geometry`. Other layers keep their
/// digital counts at the baseline's precision.
pub fn hybrid_view(
    run: &Workload,
    baseline: &DigitalBaseline,
    mapping: &CrossbarMapping,
    geometry: ReadGeometry,
) -> Result<Workload> {
    mapping.validate()?;
    let mut out = Workload::new();
    for l in &run.layers {
        let events = l.counts.event_part();
        let digital = l.counts.digital_part().retarget_float(baseline.precision);
        let counts = if l.kind.is_synapses() {
            let analogue = l.counts.analogue_part();
            if analogue.is_zero() {
                mapping.layer_counts(l.kind, &events, geometry) + events
            } else {
                analogue + digital + events
            }
        } else {
            digital + events
        };
        out.add(&l.name, l.kind, counts);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: LsmShape = LsmShape {
        inputs: 3,
        neurons: 2,
        steps: 5,
    };

    #[test]
    fn dense_digital_matches_hand_count() {
        let w = dense_digital(
            &TINY,
            Head::Readout { classes: 4 },
            &DigitalBaseline::default(),
        );
        // 5 steps x 3 inputs x 2 neurons; 5 x 2 x 2; 2 x 4 once.
        assert_eq!(w.layer("input").map(|l| l.counts.mac_fp32), Some(30));
        assert_eq!(w.layer("recurrent").map(|l| l.counts.mac_fp32), Some(20));
        assert_eq!(w.layer("readout").map(|l| l.counts.mac_fp32), Some(8));
        let n = w.layer("neurons").map(|l| l.counts).unwrap_or_default();
        assert_eq!(
            (n.neuron_updates, n.mul_fp32, n.add_fp32, n.compare),
            (10, 10, 10, 10)
        );
        assert_eq!(w.layer("counters").map(|l| l.counts.add_int), Some(10));
        assert_eq!(w.total().sram_reads, 0);
        let with_reads = dense_digital(
            &TINY,
            Head::None,
            &DigitalBaseline {
                precision: FloatPrecision::Fp16,
                weight_reads: true,
            },
        );
        // fp16: two weights per 32-bit word; 30 -> 15, 20 -> 10.
        assert_eq!(with_reads.total().sram_reads, 25);
        assert_eq!(with_reads.total().mac_fp16, 50);
        assert!(with_reads.layer("readout").is_none());
    }

    #[test]
    fn dense_hybrid_matches_hand_count() {
        let m = CrossbarMapping::default();
        let w = dense_hybrid(
            &TINY,
            Head::Projection { dim: 3 },
            &DigitalBaseline::default(),
            &m,
        )
        .expect("valid mapping");
        let input = w.layer("input").map(|l| l.counts).unwrap_or_default();
        // 5 steps x 3 rows; 30 weights x 2 cells.
        assert_eq!((input.row_drives, input.cell_reads), (15, 60));
        assert_eq!(input.macro_cycles, 0, "shared read booked to recurrent");
        assert_eq!(input.mac_fp32, 0);
        let rec = w.layer("recurrent").map(|l| l.counts).unwrap_or_default();
        assert_eq!((rec.row_drives, rec.cell_reads), (10, 40));
        // Spike rows: no DAC conversion (DAC_CONVERSIONS_PER_SPIKE_ROW).
        assert_eq!(
            (
                rec.macro_cycles,
                rec.dac_conversions,
                rec.adc_conversions,
                rec.tia_activations
            ),
            (5, 0, 10, 10)
        );
        assert_eq!(input.dac_conversions, 0);
        assert!((rec.cell_conductance_sum_s - 40.0 * 14.25e-6).abs() < 1e-15);
        assert_eq!(w.layer("projection").map(|l| l.counts.mac_fp32), Some(6));
        let split = CrossbarMapping {
            shared_read: false,
            ..m
        };
        let w2 = dense_hybrid(&TINY, Head::None, &DigitalBaseline::default(), &split)
            .expect("valid mapping");
        assert_eq!(w2.total().macro_cycles, 10, "one read per block per step");
    }

    #[test]
    fn views_of_a_sparse_run() {
        let run = Workload::new()
            .with(
                "input",
                LayerKind::Input,
                OpCounts {
                    input_spikes: 4,
                    synaptic_events: 8,
                    add_fp32: 8,
                    ..OpCounts::default()
                },
            )
            .with(
                "recurrent",
                LayerKind::Recurrent,
                OpCounts {
                    recurrent_spikes: 1,
                    synaptic_events: 2,
                    add_fp32: 2,
                    ..OpCounts::default()
                },
            )
            .with(
                "neurons",
                LayerKind::Neurons,
                OpCounts {
                    neuron_updates: 10,
                    mul_fp32: 10,
                    ..OpCounts::default()
                },
            );
        let d = all_digital_view(&run, &DigitalBaseline::default());
        assert_eq!(d.total().add_fp32, 10);
        assert_eq!(d.total().mul_fp32, 10);
        assert!(d.total().analogue_part().is_zero());
        let geo = ReadGeometry {
            columns: 2,
            steps: 5,
        };
        let h = hybrid_view(
            &run,
            &DigitalBaseline::default(),
            &CrossbarMapping::default(),
            geo,
        )
        .expect("valid");
        let t = h.total();
        assert_eq!(t.add_fp32, 0, "accumulation happens in the array");
        assert_eq!((t.row_drives, t.cell_reads, t.adc_conversions), (5, 20, 10));
        assert_eq!(t.mul_fp32, 10);
        // A run whose synapse layers carry macro counts is taken as counted.
        let counted = run.clone().with(
            "recurrent",
            LayerKind::Recurrent,
            OpCounts {
                adc_conversions: 3,
                ..OpCounts::default()
            },
        );
        let h2 = hybrid_view(
            &counted,
            &DigitalBaseline::default(),
            &CrossbarMapping::default(),
            geo,
        )
        .expect("valid");
        let rec = h2.layer("recurrent").map(|l| l.counts).unwrap_or_default();
        assert_eq!((rec.adc_conversions, rec.macro_cycles), (3, 0));
        assert_eq!(rec.add_fp32, 2, "digital post-processing kept as counted");
    }

    #[test]
    fn mapping_validation_names_the_field() {
        let m = CrossbarMapping {
            cells_per_weight: 3,
            ..CrossbarMapping::default()
        };
        let err = m.validate().expect_err("3 cells per weight");
        assert!(err.to_string().contains("cells_per_weight"), "{err}");
        let m = CrossbarMapping {
            g_mean_s: f64::NAN,
            ..CrossbarMapping::default()
        };
        assert!(m.validate().is_err());
    }
}
