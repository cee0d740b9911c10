//! Operation counts: what a piece of work did, before it is priced.

use std::iter::Sum;
use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

macro_rules! op_counts {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty ),* $(,)?) => {
        /// A typed, additive record of the operations a run performed.
        ///
        /// Compute crates fill it (the reservoir counts spikes and synaptic
        /// events, the macro counts conversions and cell reads, the readout
        /// counts training MACs); this crate prices it. Counts are physical
        /// quantities, never energies. Every field is additive: the counts of
        /// two runs add field by field.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct OpCounts {
            $( $(#[$doc])* pub $field: $ty, )*
        }

        impl OpCounts {
            /// Names of the fields, in declaration order.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Every field as `(name, value)`, in declaration order (integer
            /// counts converted to `f64`).
            pub fn entries(&self) -> Vec<(&'static str, f64)> {
                vec![$((stringify!($field), self.$field as f64)),*]
            }

            /// Every count multiplied by `k` (e.g. per-sample counts times the
            /// number of samples). Integer counts are rounded to the nearest
            /// integer.
            pub fn scaled(&self, k: f64) -> OpCounts {
                OpCounts { $($field: scale_field(self.$field, k),)* }
            }

            /// Zeroes every field whose name fails `keep`.
            fn retain_fields(&mut self, keep: impl Fn(&str) -> bool) {
                $( if !keep(stringify!($field)) { self.$field = Default::default(); } )*
            }
        }

        impl AddAssign for OpCounts {
            fn add_assign(&mut self, rhs: OpCounts) {
                $( self.$field += rhs.$field; )*
            }
        }
    };
}

/// Scaling of one count field.
trait Scale: Copy {
    fn scale(self, k: f64) -> Self;
}

impl Scale for u64 {
    fn scale(self, k: f64) -> Self {
        // Counts are far below 2^53 in practice; the cast saturates otherwise.
        (self as f64 * k).round() as u64
    }
}

impl Scale for f64 {
    fn scale(self, k: f64) -> Self {
        self * k
    }
}

fn scale_field<T: Scale>(value: T, k: f64) -> T {
    value.scale(k)
}

op_counts! {
    /// Digital multiply-accumulates in 32-bit floating point.
    mac_fp32: u64,
    /// Digital multiply-accumulates in 16-bit floating point.
    mac_fp16: u64,
    /// Digital multiply-accumulates in 8-bit integer arithmetic.
    mac_int8: u64,
    /// Digital multiply-accumulates in 16-bit integer arithmetic.
    mac_int16: u64,
    /// Digital additions in 32-bit floating point (e.g. accumulating a weight
    /// into a neuron's input when a spike arrives).
    add_fp32: u64,
    /// Digital additions in 16-bit floating point.
    add_fp16: u64,
    /// Digital integer additions (e.g. spike counters).
    add_int: u64,
    /// Digital multiplications in 32-bit floating point (e.g. membrane decay).
    mul_fp32: u64,
    /// Digital multiplications in 16-bit floating point.
    mul_fp16: u64,
    /// Comparisons (e.g. threshold tests).
    compare: u64,
    /// Neuron state updates (one per neuron per time step simulated).
    neuron_updates: u64,
    /// Input spikes delivered to the reservoir.
    input_spikes: u64,
    /// Spikes emitted by reservoir neurons.
    recurrent_spikes: u64,
    /// Synaptic events: one weight applied to one neuron because a spike arrived.
    synaptic_events: u64,
    /// Reads of 32-bit words from on-chip SRAM.
    sram_reads: u64,
    /// Writes of 32-bit words to on-chip SRAM.
    sram_writes: u64,
    /// Reads of 32-bit words from off-chip DRAM.
    dram_reads: u64,
    /// Writes of 32-bit words to off-chip DRAM.
    dram_writes: u64,
    /// Digital-to-analogue conversions (one per driven row per cycle for
    /// analogue input values; a binary spike row switched onto a read level a
    /// DAC already provides is a `row_drives` count instead).
    dac_conversions: u64,
    /// Rows switched onto a read voltage that a DAC already provides (a
    /// binary spike routed through the multiplexer: no new conversion, only
    /// the row line is charged).
    row_drives: u64,
    /// Analogue-to-digital conversions (one per sensed column per cycle).
    adc_conversions: u64,
    /// Trans-impedance amplifier activations (one per sensed column per cycle).
    tia_activations: u64,
    /// Crossbar read cycles (one multiplexer setting of the selected rows).
    macro_cycles: u64,
    /// Crossbar cells read (one per selected cell per cycle).
    cell_reads: u64,
    /// Sum over all cell reads of the cell's conductance, in siemens; with the
    /// read voltage and pulse width of a technology table this gives the
    /// energy dissipated in the array (`V^2 * sum(G) * t`).
    cell_conductance_sum_s: f64,
}

impl Add for OpCounts {
    type Output = OpCounts;

    fn add(mut self, rhs: OpCounts) -> OpCounts {
        self += rhs;
        self
    }
}

impl Sum for OpCounts {
    fn sum<I: Iterator<Item = OpCounts>>(iter: I) -> OpCounts {
        iter.fold(OpCounts::default(), Add::add)
    }
}

impl<'a> Sum<&'a OpCounts> for OpCounts {
    fn sum<I: Iterator<Item = &'a OpCounts>>(iter: I) -> OpCounts {
        iter.copied().sum()
    }
}

impl OpCounts {
    /// True when no operation was counted.
    pub fn is_zero(&self) -> bool {
        self.entries().iter().all(|(_, v)| *v == 0.0)
    }

    /// The circuit class of a field, by name; `None` for a name that is not a
    /// field of this record.
    pub fn field_class(field: &str) -> Option<FieldClass> {
        use FieldClass::{Analogue, Digital, Event};
        Some(match field {
            "mac_fp32" | "mac_fp16" | "mac_int8" | "mac_int16" | "add_fp32" | "add_fp16"
            | "add_int" | "mul_fp32" | "mul_fp16" | "compare" | "sram_reads" | "sram_writes"
            | "dram_reads" | "dram_writes" => Digital,
            "row_drives"
            | "dac_conversions"
            | "adc_conversions"
            | "tia_activations"
            | "macro_cycles"
            | "cell_reads"
            | "cell_conductance_sum_s" => Analogue,
            "neuron_updates" | "input_spikes" | "recurrent_spikes" | "synaptic_events" => Event,
            _ => return None,
        })
    }

    /// Only the fields of one circuit class (the others zero).
    pub fn part(&self, class: FieldClass) -> OpCounts {
        let mut out = *self;
        out.retain_fields(|name| OpCounts::field_class(name) == Some(class));
        out
    }

    /// The digital operations only (arithmetic and memory traffic).
    pub fn digital_part(&self) -> OpCounts {
        self.part(FieldClass::Digital)
    }

    /// The analogue operations only (crossbar reads and their periphery).
    pub fn analogue_part(&self) -> OpCounts {
        self.part(FieldClass::Analogue)
    }

    /// The logical event counts only (spikes, synaptic events, neuron
    /// updates), which describe the work but are not priced themselves.
    pub fn event_part(&self) -> OpCounts {
        self.part(FieldClass::Event)
    }

    /// The same work with every floating-point operation carried out at
    /// `precision`: the fp32 and fp16 multiply-accumulates, additions and
    /// multiplications are moved into the fields of that precision. Use it to
    /// ask what the counted work (simulated in fp32) would cost on digital
    /// hardware of another precision. Integer and analogue counts are kept.
    pub fn retarget_float(&self, precision: FloatPrecision) -> OpCounts {
        let mac = self.mac_fp32 + self.mac_fp16;
        let add = self.add_fp32 + self.add_fp16;
        let mul = self.mul_fp32 + self.mul_fp16;
        let mut out = OpCounts {
            mac_fp32: 0,
            mac_fp16: 0,
            add_fp32: 0,
            add_fp16: 0,
            mul_fp32: 0,
            mul_fp16: 0,
            ..*self
        };
        match precision {
            FloatPrecision::Fp32 => {
                out.mac_fp32 = mac;
                out.add_fp32 = add;
                out.mul_fp32 = mul;
            }
            FloatPrecision::Fp16 => {
                out.mac_fp16 = mac;
                out.add_fp16 = add;
                out.mul_fp16 = mul;
            }
        }
        out
    }

    /// A record of `n` floating-point multiply-accumulates at `precision`.
    pub fn macs(precision: FloatPrecision, n: u64) -> OpCounts {
        match precision {
            FloatPrecision::Fp32 => OpCounts {
                mac_fp32: n,
                ..OpCounts::default()
            },
            FloatPrecision::Fp16 => OpCounts {
                mac_fp16: n,
                ..OpCounts::default()
            },
        }
    }

    /// A record of `adds` additions and `muls` multiplications at `precision`.
    pub fn float_ops(precision: FloatPrecision, adds: u64, muls: u64) -> OpCounts {
        match precision {
            FloatPrecision::Fp32 => OpCounts {
                add_fp32: adds,
                mul_fp32: muls,
                ..OpCounts::default()
            },
            FloatPrecision::Fp16 => OpCounts {
                add_fp16: adds,
                mul_fp16: muls,
                ..OpCounts::default()
            },
        }
    }
}

/// Which circuit a counted field belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldClass {
    /// Digital arithmetic and memory traffic, priced by the digital table.
    Digital,
    /// Crossbar reads and their periphery, priced by the analogue table.
    Analogue,
    /// Logical events (spikes, synaptic events, neuron updates): they describe
    /// the work and let a view rebuild it for another circuit, but are never
    /// priced themselves (their arithmetic is counted in the digital fields).
    Event,
}

/// Floating-point precision of digital arithmetic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloatPrecision {
    /// IEEE single precision (what the simulation computes in).
    #[default]
    Fp32,
    /// IEEE half precision.
    Fp16,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(k: u64) -> OpCounts {
        OpCounts {
            mac_fp32: 3 * k,
            add_fp32: 5 * k,
            synaptic_events: 7 * k,
            adc_conversions: 11 * k,
            cell_conductance_sum_s: 1e-5 * k as f64,
            ..OpCounts::default()
        }
    }

    #[test]
    fn counts_add_field_by_field() {
        let sum = sample(1) + sample(2);
        assert_eq!(sum.mac_fp32, 9);
        assert_eq!(sum.adc_conversions, 33);
        assert!((sum.cell_conductance_sum_s - 3e-5).abs() < 1e-18);
        let total: OpCounts = [sample(1), sample(2), sample(3)].iter().sum();
        assert_eq!(total.synaptic_events, 42);
    }

    #[test]
    fn default_is_zero_and_scaling_doubles() {
        assert!(OpCounts::default().is_zero());
        assert!(!sample(1).is_zero());
        let doubled = sample(1).scaled(2.0);
        assert_eq!(doubled.mac_fp32, sample(2).mac_fp32);
        assert_eq!(doubled.adc_conversions, sample(2).adc_conversions);
    }

    #[test]
    fn every_field_has_a_class_and_parts_partition_the_record() {
        for name in OpCounts::FIELDS {
            assert!(OpCounts::field_class(name).is_some(), "{name} unclassified");
        }
        assert_eq!(OpCounts::field_class("mac_fp33"), None);
        let all = OpCounts {
            mac_fp32: 1,
            neuron_updates: 2,
            adc_conversions: 3,
            cell_conductance_sum_s: 4e-6,
            ..OpCounts::default()
        };
        let parts = all.digital_part() + all.analogue_part() + all.event_part();
        assert_eq!(parts, all);
        assert_eq!(all.digital_part().mac_fp32, 1);
        assert_eq!(all.digital_part().adc_conversions, 0);
        assert_eq!(all.analogue_part().cell_conductance_sum_s, 4e-6);
        assert_eq!(all.event_part().neuron_updates, 2);
    }

    #[test]
    fn retargeting_moves_float_work_and_keeps_the_rest() {
        let c = OpCounts {
            mac_fp32: 10,
            add_fp32: 4,
            mul_fp32: 3,
            mac_fp16: 1,
            mac_int8: 7,
            adc_conversions: 5,
            ..OpCounts::default()
        };
        let h = c.retarget_float(FloatPrecision::Fp16);
        assert_eq!((h.mac_fp32, h.add_fp32, h.mul_fp32), (0, 0, 0));
        assert_eq!((h.mac_fp16, h.add_fp16, h.mul_fp16), (11, 4, 3));
        assert_eq!((h.mac_int8, h.adc_conversions), (7, 5));
        let back = h.retarget_float(FloatPrecision::Fp32);
        assert_eq!((back.mac_fp32, back.mac_fp16), (11, 0));
        assert_eq!(OpCounts::macs(FloatPrecision::Fp16, 9).mac_fp16, 9);
        assert_eq!(OpCounts::float_ops(FloatPrecision::Fp32, 2, 3).mul_fp32, 3);
    }

    #[test]
    fn entries_name_every_field() {
        assert_eq!(OpCounts::FIELDS.len(), sample(1).entries().len());
        assert_eq!(OpCounts::FIELDS[0], "mac_fp32");
    }

    #[test]
    fn serde_round_trip_and_unknown_field_rejected() {
        let json = serde_json::to_string(&sample(4)).expect("serialise");
        let back: OpCounts = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, sample(4));
        let err =
            serde_json::from_str::<OpCounts>(r#"{"mac_fp33": 1}"#).expect_err("unknown field");
        assert!(err.to_string().contains("mac_fp33"), "{err}");
    }
}
