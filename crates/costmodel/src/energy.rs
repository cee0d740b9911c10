//! Energy = counts x table, per layer and per circuit class.

use serde::{Deserialize, Serialize};

use crate::counts::{FieldClass, OpCounts};
use crate::tech::TechTables;

/// What part of the network a layer's counts belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// The input synapses `W_in` (a crossbar block in the hybrid system).
    Input,
    /// The recurrent synapses `W_rec` (a crossbar block in the hybrid
    /// system). With a shared read, the column side of the read (cycles,
    /// TIAs, ADCs) is booked here.
    Recurrent,
    /// The LIF neuron state updates (digital in both systems).
    Neurons,
    /// The spike counters that form the feature vector.
    Counters,
    /// A trained classifier readout.
    Readout,
    /// A trained projection (contrastive or prototypical embedding).
    Projection,
    /// Anything else.
    Other,
}

impl LayerKind {
    /// True for the synapse layers a crossbar can carry.
    pub fn is_synapses(self) -> bool {
        matches!(self, LayerKind::Input | LayerKind::Recurrent)
    }
}

/// The counts of one layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerCounts {
    /// A name, unique in its workload (e.g. `image/input`).
    pub name: String,
    /// What the layer is.
    pub kind: LayerKind,
    /// What it did.
    pub counts: OpCounts,
}

/// The counts of a whole run (or one sample), attributed to layers.
///
/// Adding counts under an existing name accumulates them; layers keep the
/// order in which they first appeared.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// The layers, in order of first appearance.
    pub layers: Vec<LayerCounts>,
}

impl Workload {
    /// An empty workload.
    pub fn new() -> Workload {
        Workload::default()
    }

    /// Adds `counts` to the layer `name` (created with `kind` if new; an
    /// existing layer keeps its kind).
    pub fn add(&mut self, name: &str, kind: LayerKind, counts: OpCounts) {
        match self.layers.iter_mut().find(|l| l.name == name) {
            Some(layer) => layer.counts += counts,
            None => self.layers.push(LayerCounts {
                name: name.to_owned(),
                kind,
                counts,
            }),
        }
    }

    /// Builder form of [`Workload::add`].
    pub fn with(mut self, name: &str, kind: LayerKind, counts: OpCounts) -> Workload {
        self.add(name, kind, counts);
        self
    }

    /// Adds every layer of `other`, layer by layer.
    pub fn merge(&mut self, other: &Workload) {
        for l in &other.layers {
            self.add(&l.name, l.kind, l.counts);
        }
    }

    /// The same layers with every name prefixed by `prefix/` (e.g. a
    /// modality).
    pub fn prefixed(&self, prefix: &str) -> Workload {
        Workload {
            layers: self
                .layers
                .iter()
                .map(|l| LayerCounts {
                    name: format!("{prefix}/{}", l.name),
                    ..l.clone()
                })
                .collect(),
        }
    }

    /// Every count multiplied by `k` (e.g. a total divided by the number of
    /// samples, `k = 1 / n`).
    pub fn scaled(&self, k: f64) -> Workload {
        Workload {
            layers: self
                .layers
                .iter()
                .map(|l| LayerCounts {
                    counts: l.counts.scaled(k),
                    ..l.clone()
                })
                .collect(),
        }
    }

    /// The sum over layers.
    pub fn total(&self) -> OpCounts {
        self.layers.iter().map(|l| &l.counts).sum()
    }

    /// The layer called `name`, if any.
    pub fn layer(&self, name: &str) -> Option<&LayerCounts> {
        self.layers.iter().find(|l| l.name == name)
    }
}

/// Energy split by circuit class, in joules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Energy {
    /// Energy of digital operations.
    pub digital_j: f64,
    /// Energy of analogue operations.
    pub analogue_j: f64,
}

impl Energy {
    /// Digital plus analogue.
    pub fn total_j(&self) -> f64 {
        self.digital_j + self.analogue_j
    }
}

impl std::ops::Add for Energy {
    type Output = Energy;
    fn add(self, rhs: Energy) -> Energy {
        Energy {
            digital_j: self.digital_j + rhs.digital_j,
            analogue_j: self.analogue_j + rhs.analogue_j,
        }
    }
}

impl std::ops::AddAssign for Energy {
    fn add_assign(&mut self, rhs: Energy) {
        *self = *self + rhs;
    }
}

/// The energy of one counted field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldEnergy {
    /// The field of [`OpCounts`].
    pub field: String,
    /// Its circuit class.
    pub class: FieldClass,
    /// The count (for `cell_conductance_sum_s`, siemens).
    pub count: f64,
    /// Its energy, joules.
    pub energy_j: f64,
}

/// The energy of one layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerEnergy {
    /// The layer's name.
    pub name: String,
    /// The layer's kind.
    pub kind: LayerKind,
    /// Its energy by class.
    pub energy: Energy,
}

/// The energy of a workload, per layer and in total.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EnergyBreakdown {
    /// Per layer, in the workload's order.
    pub layers: Vec<LayerEnergy>,
    /// The sum.
    pub total: Energy,
}

impl EnergyBreakdown {
    /// The summed energy of every layer of `kind`.
    pub fn by_kind(&self, kind: LayerKind) -> Energy {
        self.layers
            .iter()
            .filter(|l| l.kind == kind)
            .fold(Energy::default(), |acc, l| acc + l.energy)
    }
}

impl TechTables {
    /// The energy of every priced field of `counts` (fields with a zero count
    /// included). Logical event fields are not priced: their arithmetic is in
    /// the digital fields. `cell_reads` is priced through
    /// `cell_conductance_sum_s` (`V^2 * sum(G) * t`), so its own entry is 0.
    pub fn price_fields(&self, counts: &OpCounts) -> Vec<FieldEnergy> {
        let d = &self.digital;
        let a = &self.analogue;
        counts
            .entries()
            .into_iter()
            .filter_map(|(field, count)| {
                let class = OpCounts::field_class(field)?;
                let per_op = match field {
                    "mac_fp32" => d.mac_fp32_j,
                    "mac_fp16" => d.mac_fp16_j,
                    "mac_int8" => d.mac_int8_j,
                    "mac_int16" => d.mac_int16_j,
                    "add_fp32" => d.add_fp32_j,
                    "add_fp16" => d.add_fp16_j,
                    "add_int" => d.add_int_j,
                    "mul_fp32" => d.mul_fp32_j,
                    "mul_fp16" => d.mul_fp16_j,
                    "compare" => d.compare_j,
                    "sram_reads" => d.sram_read_j,
                    "sram_writes" => d.sram_write_j,
                    "dram_reads" => d.dram_read_j,
                    "dram_writes" => d.dram_write_j,
                    "row_drives" => a.row_drive_j,
                    "dac_conversions" => a.dac_conversion_j(),
                    "adc_conversions" => a.adc_conversion_j(),
                    "tia_activations" => a.tia_j,
                    "macro_cycles" => a.macro_cycle_j,
                    "cell_reads" => 0.0,
                    "cell_conductance_sum_s" => a.array_j(1.0),
                    _ => return None,
                };
                Some(FieldEnergy {
                    field: field.to_owned(),
                    class,
                    count,
                    energy_j: count * per_op,
                })
            })
            .collect()
    }

    /// The energy of `counts`, by circuit class.
    pub fn price(&self, counts: &OpCounts) -> Energy {
        self.price_fields(counts)
            .iter()
            .fold(Energy::default(), |mut e, f| {
                match f.class {
                    FieldClass::Digital => e.digital_j += f.energy_j,
                    FieldClass::Analogue => e.analogue_j += f.energy_j,
                    FieldClass::Event => {}
                }
                e
            })
    }

    /// The energy of a workload, per layer and in total.
    pub fn price_workload(&self, workload: &Workload) -> EnergyBreakdown {
        let layers: Vec<LayerEnergy> = workload
            .layers
            .iter()
            .map(|l| LayerEnergy {
                name: l.name.clone(),
                kind: l.kind,
                energy: self.price(&l.counts),
            })
            .collect();
        let total = layers
            .iter()
            .fold(Energy::default(), |acc, l| acc + l.energy);
        EnergyBreakdown { layers, total }
    }
}
