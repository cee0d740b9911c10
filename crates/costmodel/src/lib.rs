//! Operation counts, training multiply-accumulates and inference energy.
//!
//! The compute crates count what they did (digital multiply-accumulates,
//! additions, converter conversions, crossbar cell reads, spike events) in an
//! [`OpCounts`] record, attributed to layers in a [`Workload`]; this crate
//! turns counts into costs with technology tables (energy per operation,
//! with units and sources, [`TechTables`]) and provides the analytical
//! training cost of the paper's models with the counting convention stated
//! explicitly ([`TrainingConvention`]). The full derivation, with every
//! constant's source, is in `docs/costmodel.md`.
//!
//! # Entry points
//!
//! * Producers (reservoir, macro, readout) fill [`OpCounts`] and add them to a
//!   [`Workload`] under a layer name and [`LayerKind`]:
//!   `workload.add("recurrent", LayerKind::Recurrent, counts)`.
//! * [`TechTables::load_set`]`(dir, TableSet::Literature)` loads the committed
//!   tables from `data/tech`; [`TechTables::price_workload`] gives an
//!   [`EnergyBreakdown`] per layer and per circuit class ([`Energy`]: digital
//!   and analogue joules).
//! * Two views of the same counted run: [`all_digital_view`] (every synaptic
//!   event becomes a digital addition) and [`hybrid_view`] (synapse layers on
//!   the crossbar, as the macro counted them, or mapped from the events with a
//!   [`CrossbarMapping`]); [`paper::run_energy`] prices both.
//! * The dense estimate from sizes alone: [`dense_digital`], [`dense_hybrid`].
//! * Training cost: [`training`] models ([`training::srnn_snn`], ...) priced
//!   with [`TrainingConvention::paper`] or [`TrainingConvention::backprop`].
//! * [`paper::paper_report`]: everything `cargo xtask costs` prints.
//!
//! ```
//! use costmodel::{LayerKind, OpCounts, TableSet, TechTables, Workload, tech_dir};
//! // A layer that did 1,000 fp32 additions and 200 comparisons.
//! let counts = OpCounts { add_fp32: 1_000, compare: 200, ..OpCounts::default() };
//! let workload = Workload::new().with("neurons", LayerKind::Neurons, counts);
//! // Price it with the committed literature tables.
//! let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
//! let tables = TechTables::load_set(&tech_dir(&root), TableSet::Literature).unwrap();
//! let energy = tables.price_workload(&workload);
//! assert!(energy.total.total_j() > 0.0);
//! // Zero work costs zero energy.
//! let idle = Workload::new().with("neurons", LayerKind::Neurons, OpCounts::default());
//! assert_eq!(tables.price_workload(&idle).total.total_j(), 0.0);
//! ```
//!
//! # Energy
//!
//! ```text
//! E = sum over digital fields   count * e_op                       (digital table)
//!   + row_drives * e_row + dac * e_fom_dac 2^b_dac + adc * e_fom_adc 2^b_adc
//!   + tia * e_tia + macro_cycles * e_cycle + V_read^2 * sum(G) * t_read   (analogue table)
//! ```
//!
//! Logical event fields (`neuron_updates`, `input_spikes`, `recurrent_spikes`,
//! `synaptic_events`) are never priced: their arithmetic is counted in the
//! digital fields, and the views use them to rebuild the synaptic work for the
//! other circuit. `cell_reads` is priced through `cell_conductance_sum_s`.
//! Units are SI throughout (joules, volts, seconds, siemens).
//!
//! # Conventions (the choices this crate makes)
//!
//! * Training cost is **per training sample**. The paper convention counts a
//!   trained recurrent network as 2 x its dense forward MACs over all steps
//!   and a trained head as 6 x its weights; the backprop convention counts
//!   forward + weight gradients + needed input gradients on both sides.
//! * LIF update: one multiplication, one addition, one comparison
//!   ([`LIF_OPS`]); counters add once per neuron per step in the dense
//!   estimate; the readout's division of the counts by `T` is folded into its
//!   weights and not counted.
//! * Dense digital: every weight used every step as a multiply-accumulate;
//!   weights read from SRAM only if [`DigitalBaseline::weight_reads`].
//! * Event-driven digital ([`all_digital_view`]): one addition per synaptic
//!   event.
//! * Hybrid: one shared read per time step ([`CrossbarMapping`]), two cells
//!   per signed weight, one conversion per output column, binary spike rows
//!   as row drives without DAC conversions
//!   ([`DAC_CONVERSIONS_PER_SPIKE_ROW`] = 0: the read level is a DC voltage
//!   the DAC holds and the multiplexer routes), one DAC conversion per
//!   analogue-valued row and cycle ([`DAC_CONVERSIONS_PER_ANALOGUE_ROW`]).
//!   `cim-macro` counts its reads with the same two constants.
//!
//! # Parameters
//!
//! | parameter | unit | default | source |
//! |---|---|---|---|
//! | [`DigitalBaseline::precision`] | - | fp32 | the simulation's and the authors' PyTorch precision |
//! | [`DigitalBaseline::weight_reads`] | - | false | arithmetic only, as the paper's digital totals imply |
//! | [`CrossbarMapping::cells_per_weight`] | cells | 2 | differential pairs `G+ - G-` (paper) |
//! | [`CrossbarMapping::sensed_per_output`] | conversions | 1 | "a 200-column read" per step, implied by the paper's constant per-step hybrid cost |
//! | [`DAC_CONVERSIONS_PER_SPIKE_ROW`] | conversions | 0 | paper: spikes are a DC read voltage routed by a multiplexer |
//! | [`DAC_CONVERSIONS_PER_ANALOGUE_ROW`] | conversions | 1 | paper: the 8-channel DAC gives 64 parallel analogue inputs, one level per row |
//! | [`CrossbarMapping::g_mean_s`] | S | 14.25e-6 | Gaussian fitted to the group's 40 nm TaOx cells (PAPER.md) |
//! | [`CrossbarMapping::shared_read`] | - | true | input and recurrent currents sum on the same columns (Eq. 1) |
//! | paper sizes ([`paper`]) | - | 256/64 in, 200 hidden, 10/11 classes, 50/129 steps, 64-d projections, 7 seen classes | paper and the authors' scripts |
//!
//! Technology values (energies, read voltage and pulse, converter resolutions
//! and figures of merit) live in the committed tables in `data/tech`, each
//! with its unit and source; `docs/costmodel.md` lists them.
//!
//! # What it ignores
//!
//! Control flow, instruction fetch and data movement beyond the counted SRAM
//! and DRAM words, leakage, activation functions and softmax in training, the
//! macro's forming energy, and the lab system's off-chip links.
//!
//! # What this crate must not know
//!
//! How the counted work was done: it holds counts and tables, nothing of
//! devices, spikes or training.

mod counts;
mod energy;
mod error;
mod inference;
pub mod paper;
mod tech;
pub mod training;
pub mod units;

pub use counts::{FieldClass, FloatPrecision, OpCounts};
pub use energy::{
    Energy, EnergyBreakdown, FieldEnergy, LayerCounts, LayerEnergy, LayerKind, Workload,
};
pub use error::{Error, Result};
pub use inference::{
    CrossbarMapping, DAC_CONVERSIONS_PER_ANALOGUE_ROW, DAC_CONVERSIONS_PER_SPIKE_ROW,
    DigitalBaseline, Head, LIF_OPS, LsmShape, ReadGeometry, all_digital_view, dense_digital,
    dense_events, dense_hybrid, hybrid_view,
};
pub use param_guard::{ParamError, ParamGuard};
pub use tech::{
    ANALOGUE_ENTRIES, AnalogueTech, DIGITAL_ENTRIES, DigitalTech, Entry, EntrySpec, TECH_DIR,
    TableClass, TableSet, TechTable, TechTables, tech_dir,
};
pub use training::{LayerCost, TrainedModel, TrainingConvention};
