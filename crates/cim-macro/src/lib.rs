//! The 1T1R compute-in-memory crossbar macro and its periphery, read event
//! by event.
//!
//! A 512 x 512 array of 1T1R cells is formed once with [`rram_device`] and
//! split into named logical partitions (rows of inputs, pairs of columns
//! forming signed differential weights). A read works the way the paper's
//! chip reads (Lin et al., Nature Computational Science 2025, Fig. 1 and
//! Methods): the DAC drives the selected rows through the multiplexer, the
//! column currents `I_j = sum_i V_i G_ij` (with per-read noise) flow into
//! trans-impedance amplifiers, an ADC digitises them, and the controller
//! scales the codes back to weight units and adds the partial results of
//! the multiplexed cycles. Wire resistance (IR drop) is an option. Reads
//! are event driven: the caller names the active rows (the spikes of one
//! time step) and receives one value per differential column; an analogue
//! (dense) read takes one input per row. Every read reports what it did as
//! [`costmodel::OpCounts`]; this crate never computes energy.
//!
//! # Entry points
//!
//! | what | call |
//! |---|---|
//! | parameters | [`MacroParams`] (groups [`ArrayParams`], [`Layout`], [`ReadParams`], [`WeightScale`], [`DacParams`], [`TiaParams`], [`AdcParams`], [`IrDropParams`]); [`MacroParams::ideal`]; `validate()` names the bad field |
//! | program | [`Macro::program`]`(&MacroParams, &DeviceParams, &Program, Seeds)`, or [`Macro::from_map`] on a given [`rram_device::ConductanceMap`] |
//! | partitions | [`Macro::partition`]`("nmnist")` -> [`Partition`] (`rows()`, `cols()`); [`Macro::layout_of`]; the paper's layout [`Layout::paper`] (TOML in `layouts/paper.toml`) |
//! | reads | [`Macro::new_scratch`] -> [`ReadScratch`]; [`Macro::read_events`], [`Macro::read_dense`] |
//! | chip files | [`Macro::save`]`(path)` / [`Macro::load`]`(path)` (atomic write; checked read), [`Macro::with_device_preset`], [`ChipHeader::read`]; byte variants [`Macro::write_chip`], [`Macro::read_chip`], [`Macro::to_chip_bytes`], [`Macro::from_chip_bytes`] (see "Chip files" below) |
//! | weights | [`differential_weights`]`(&map, &PartitionLayout, &WeightScale, StdAlgorithm)`: the one rule for `(G+ - G-) / g_scale` and the automatic `g_scale`, also used outside the macro (`lsm`'s software reservoir) |
//! | analysis | [`Macro::effective_weights`], [`Macro::g_scale_s`], [`Macro::adc_lsb_weight`], [`Macro::periphery`] ([`Periphery`]), [`Macro::column_currents_a`] |
//!
//! ```
//! use cim_macro::rram_device::{DeviceParams, Program};
//! use cim_macro::{Macro, MacroParams};
//! use costmodel::OpCounts;
//! use seeds::{Purpose, Seeds};
//!
//! let seeds = Seeds::new(1);
//! let chip = Macro::program(&MacroParams::ideal(), &DeviceParams::default(), &Program::default(), seeds)?;
//! let part = chip.partition("nmnist")?;
//! let w = chip.effective_weights(&part)?;
//! let mut scratch = chip.new_scratch(&part)?;
//! let mut rng = seeds.keyed(Purpose::ReadNoise, 0);
//! let (mut out, mut ops) = (vec![0.0; part.cols()], OpCounts::default());
//! chip.read_events(&part, &[3, 17, 300], &mut out, &mut scratch, &mut rng, &mut ops)?;
//! // The ideal macro adds the active rows' weights, in row order, in f64.
//! let c = part.cols();
//! assert_eq!(out[5], 0.0 + w[3 * c + 5] + w[17 * c + 5] + w[300 * c + 5]);
//! assert_eq!((ops.macro_cycles, ops.adc_conversions, ops.row_drives), (1, 200, 3));
//! # Ok::<(), cim_macro::Error>(())
//! ```
//!
//! # Models and equations
//!
//! ## Array, partitions and weights
//!
//! The array is `rows x cols` cells (default 512 x 512) formed by
//! [`rram_device::ConductanceMap::form_seeded`] (streams
//! [`seeds::Purpose::DeviceForming`] and [`seeds::Purpose::DeviceFaults`];
//! optional retention drift to `array.age_s` from [`seeds::Purpose::Drift`]).
//! A partition is a list of physical rows and a list of column pairs
//! `(plus_j, minus_j)`, written in TOML ([`Layout`]). Its weights are
//!
//! `w_ij = (G(row_i, plus_j) - G(row_i, minus_j)) / g_scale`,
//!
//! with `g_scale` given ([`WeightScale::Given`]) or, by default,
//! [`WeightScale::Auto`]: the population standard deviation of the
//! partition's differential conductances, so its weights have unit
//! variance whatever the programming (about 3.48 uS with the default
//! device: `sqrt(2) x 2.46 uS`). The reservoir then applies its own gains.
//! [`differential_weights`] computes both; the macro accumulates the
//! standard deviation in one pass ([`StdAlgorithm::Welford`]).
//!
//! The paper's layout ([`Layout::paper`]): `nmnist` = physical rows 0-255
//! (image inputs) then 256-455 (recurrent); `ntidigits` = rows 0-63 (audio
//! inputs, the same cells as the first 64 image inputs) then 256-455 (the
//! shared recurrent block); `zeroshot` = the `nmnist` rows, for one
//! reservoir receiving both modalities (audio channels on its first 64
//! inputs). All three read the 200 pairs of adjacent columns 0-399. A
//! layout is checked against the array: rows and columns in range, no row
//! repeated within a partition, no column used twice by a partition's pairs.
//!
//! ## Row drive: DAC and multiplexer
//!
//! A spike applies the spike voltage `V_s` to its row: `read.v_read_v`
//! rounded to the DAC grid (`LSB_DAC = v_max / (2^bits - 1)`, 76.3 uV for
//! 16 bits over 5 V; default 0.2 V becomes 0.19997 V). A dense input
//! `x in [0, 1]` drives its row at `Q(x V_s)`, the nearest DAC code, and
//! counts as `x' = Q(x V_s) / V_s` (so `x = 1` is exactly a spike). Rows at
//! zero are not driven. At most `p = read.parallel_rows` rows (default 64:
//! 8 DAC channels x 8 lines of the multiplexer's shift register) are driven
//! at once; `k` active rows take `ceil(k / p)` cycles over consecutive
//! groups of `p` rows in ascending order, each sensed and converted on its
//! own. With an ideal DAC, `V_s = v_read` and `x' = x`.
//!
//! ## Column currents and read noise
//!
//! In one cycle column `c` collects `I_c = sum_i V_i (G_ic + dG_ic)` where
//! `dG` is the read noise of [`rram_device`]: Gaussian with standard
//! deviation `sigma(G) = s0 + s1 G`, fresh at every read
//! ([`rram_device::ReadNoiseParams::sigma`]), plus the telegraph and 1/f
//! offsets when the device enables them. Reads of different cells are
//! independent, and a sum of independent Gaussians is Gaussian: the
//! Gaussian part of a sensed current is drawn **once per sensed column**
//! with the summed variance `sum_i V_i^2 sigma(G_ic)^2` (for a pair under
//! analogue sensing, the sum over both columns). This is exact, not an
//! approximation, and needs one normal per output instead of one per cell.
//! In weight units the per-cycle signal of output `j` is
//! `y_j = sum_i x_i w_ij + sqrt(sum_i x_i^2 (sigma(G+)^2 + sigma(G-)^2)) / g_scale * Z_j`.
//!
//! Telegraph and 1/f states live in the [`ReadScratch`] (per sample): a
//! row's cells are drawn from the stationary law at the row's first read
//! and advanced exactly over the time since its previous read, reads being
//! `read.read_interval_s` apart.
//!
//! ## Sensing: TIA and ADC
//!
//! [`Sensing::AnalogueDifference`] (default, as Sandia CrossSim's balanced
//! cores): the minus current is subtracted from the plus current at the
//! summing node of one TIA per pair; one bipolar conversion per pair per
//! cycle. [`Sensing::DigitalDifference`]: one TIA and one unipolar
//! conversion per column, the codes subtracted digitally.
//!
//! TIA: `V = -I R_f`, clipped to `[-v_sat, v_sat]`. The inversion is
//! undone by the ADC's input polarity, so below `V = I R_f`. `R_f` is
//! given or automatic: `R_f = v_fs / I_max` with
//! `I_max = V_s (|mu| p + h sigma sqrt(p))`, `mu` and `sigma` the mean and
//! standard deviation of the sensed conductance (pair difference, or one
//! column under digital sensing) over all partitions' cells, `h` the
//! headroom (default 4). With the defaults: `I_max` = 22.3 uA,
//! `R_f` = 112 kOhm (analogue sensing).
//!
//! ADC: `b` bits over `[-v_fs, v_fs)` (analogue sensing, LSB `2 v_fs / 2^b`)
//! or `[0, v_fs)` (digital, LSB `v_fs / 2^b`); channel `c` sees its input
//! with a gain error and an offset drawn once per physical column from
//! [`seeds::Purpose::Converters`] (`(1 + e_c) V + o_c LSB`,
//! `e_c ~ N(0, gain_error_sigma)`, `o_c ~ N(0, offset_sigma_lsb)`; both off
//! by default; a pair uses its plus column's channel), and outputs
//! `code = clamp(round_half_even(((1 + e_c) V) / LSB + o_c), code_min, code_max)`.
//! The controller scales codes back with the nominal chain,
//! `y' = code LSB / (g_scale V_s R_f)`, and adds the cycles' results. One
//! LSB is `LSB / (g_scale V_s R_f)` weight units ([`Macro::adc_lsb_weight`];
//! 0.0039 with the defaults, where a 64-row full scale is 32 weight units).
//!
//! Error of a noiseless read with converters on: at most half an LSB per
//! cycle (plus clipping), and for dense inputs additionally
//! `sum_i |w_ij| LSB_DAC / (2 V_s)` from the DAC.
//!
//! [`MacroParams::ideal`] turns read noise and IR drop off and makes DAC,
//! TIA and ADC transparent (explicit `ideal = true` flags, not zero bits).
//! Its event-driven read adds the precomputed `f64` weights of the active
//! rows in ascending row order starting from `+0.0`, so it agrees bit for
//! bit with a float reservoir adding the same weights in the same order.
//!
//! ## IR drop
//!
//! Off by default. When on, each cycle solves the nodal equations of its
//! live sub-network: in 1T1R only the driven rows conduct, so the network
//! is the `k` rows of the cycle by the partition's `2n` columns (columns
//! outside the partition are disconnected from the sense amplifiers and,
//! at equal row voltages, carry no current). Row `a` is driven from the
//! left edge through `r_source`; the cell in physical column `c` sits
//! `c + 1` row-wire segments (`r_row` each) from its driver. Column wires
//! (`r_col` per segment) end at the bottom edge in the TIAs' virtual ground,
//! `rows - r` segments from the cell in physical row `r`. Each cell, `G` in
//! series with `r_access`, joins its row node to its column node. Unknowns
//! are the row-wire and column-wire voltages at every live cell;
//! Kirchhoff's current law gives a symmetric positive-definite M-matrix.
//!
//! Solver: block Gauss-Seidel by lines. Given the column voltages, every
//! row wire is a tridiagonal system (Thomas algorithm); given the row
//! voltages, every column wire is one. Alternating the two is block
//! Gauss-Seidel on an SPD matrix, which converges from any start; it stops
//! when no node moved more than `tolerance_v` in a sweep (default 1e-10 V;
//! 8 sweeps for a 30-row N-MNIST cycle with the default wires). The
//! tridiagonal factors are computed once per cycle; all rows (and all
//! columns) are solved in lockstep so the inner loops vectorise. A zero
//! row-wire resistance collapses a row to one node, a zero column-wire
//! resistance pins a column at 0 V; with every resistance zero the result
//! is the ideal `I = sum V G`. The TIA current is
//! `I_c = sum_a g_ac (U_ac - W_ac)`. Tests check 1 x 1 and 2 x 2 networks
//! against hand solutions and random networks against a dense LU solve of
//! the same equations (1e-9 relative).
//!
//! Read noise is added to the solved currents with the nominal
//! `V_s^2 sum sigma^2` (first order: the noise is a few per cent of a
//! cell's current). [`Macro::column_currents_a`] exposes the noise-free
//! currents of any row drive.
//!
//! # Chip files
//!
//! A formed chip is saved with [`Macro::save`] and loaded with
//! [`Macro::load`]. Loading rebuilds the macro with [`Macro::from_map`] on
//! the stored conductance map, parameters, read-noise model and seed: every
//! derived table (weights, `g_scale`, feedback resistor, converter errors
//! redrawn from the seed's [`seeds::Purpose::Converters`] stream) comes out
//! bit for bit as in the saved macro, so reads with the same `rng` agree bit
//! for bit. Nothing else of a macro is random or stateful (per-sample
//! telegraph and 1/f states live in the caller's [`ReadScratch`]).
//!
//! Format version 1, all integers little-endian:
//!
//! | offset | bytes | field | content |
//! |---|---|---|---|
//! | 0 | 8 | magic | ASCII `RRAMCHIP` ([`CHIP_MAGIC`]) |
//! | 8 | 4 | format version | `u32`, [`CHIP_FORMAT_VERSION`] = 1; a newer version is refused ([`Error::ChipVersion`]) |
//! | 12 | 4 | header length `H` | `u32`, bytes of the header |
//! | 16 | `H` | header | UTF-8 JSON object, [`ChipHeader`]: `device_preset` (free label, e.g. `"paper"`), `seed` (`u64`), `params` ([`MacroParams`]), `read_noise` ([`rram_device::ReadNoiseParams`]), `rows`, `cols`, `breakdown_voltages` (bool); unknown keys are refused |
//! | 16 + `H` | 8 | body length `B` | `u64`: `rows x cols x 9`, or `x 13` with breakdown voltages |
//! | 24 + `H` | `8 N` | conductances | `N = rows x cols` `f64` bit patterns, S, row-major |
//! | 24 + `H` + `8 N` | `N` | states | one byte per cell: 0 pristine, 1 formed, 2 stuck pristine, 3 stuck high |
//! | 24 + `H` + `9 N` | `4 N` | breakdown voltages | only when `breakdown_voltages`: `f32` bit patterns, V (NaN where a cell did not break down) |
//! | 24 + `H` + `B` | 8 | checksum | `u64`, FNV-1a 64 of every byte before it |
//!
//! The file ends after the checksum. Floats in the JSON header are written
//! in shortest round-trip form and parsed exactly (serde_json
//! `float_roundtrip`). A file that is cut short ([`Error::ChipTruncated`]),
//! has the wrong magic, a corrupt byte (checksum), an inconsistent length or
//! an invalid cell value ([`Error::ChipFile`], with field and byte offset)
//! or a rejected chip ([`Error::ChipInvalid`]) is an error that names the
//! file; loading never panics. [`Macro::save`] writes a temporary file
//! beside the target and renames it into place (an existing file at the
//! given path is replaced). A 512 x 512 chip file is about 2.4 MB.
//!
//! # Counted operations
//!
//! Per read with `k` driven rows, `c = ceil(k / p)` cycles, `n` outputs and
//! `S` sensed channels (`S = n`, or `2n` under digital sensing):
//!
//! | field | count |
//! |---|---|
//! | `macro_cycles` | `c` |
//! | `tia_activations`, `adc_conversions` | `c S` |
//! | `row_drives` (spikes: the DAC level already exists) | `k` |
//! | `dac_conversions` (spikes / dense inputs) | `0` / `k` |
//! | `cell_reads` | `2 n k` |
//! | `cell_conductance_sum_s` | `sum_i x_i^2 sum_{c in partition} G_ic` (so `V_s^2` times it is the read power) |
//! | `mul_fp32` (codes to weight units) | `c n` |
//! | `add_fp32` (adding the cycles' partial results) | `(c - 1) n` |
//! | `add_int` (digital sensing: plus code - minus code) | `c n` |
//!
//! A read with no active row does nothing: zero outputs, nothing counted.
//!
//! DAC conversions follow the workspace's one rule, the constants
//! [`costmodel::DAC_CONVERSIONS_PER_SPIKE_ROW`] (0: a spike row is switched
//! by the multiplexer onto the DC read level the DAC holds) and
//! [`costmodel::DAC_CONVERSIONS_PER_ANALOGUE_ROW`] (1: an analogue input
//! needs its own level), so counted reads and `costmodel`'s dense and mapped
//! estimates price the same work the same way. A dense read of every row
//! of a partition with `read.parallel_rows` at least its rows costs exactly
//! what [`costmodel::dense_hybrid`] charges per step (a test prices both);
//! with the default 64 parallel rows it takes `ceil(rows / 64)` cycles, each
//! with its own TIA and ADC conversions, where the dense estimate assumes
//! one read per step.
//!
//! # Parameters
//!
//! | name | unit | default | source |
//! |---|---|---|---|
//! | `array.rows`, `array.cols` | - | 512, 512 | paper: 512 x 512 macro |
//! | `array.age_s` | s | 0 | read right after forming |
//! | `layout` | - | [`Layout::paper`] | paper: groups of 256 + 200 and 64 + 200 rows, 200 outputs |
//! | `read.v_read_v` | V | 0.2 | assumed: a typical non-disturbing RRAM read; not in the paper |
//! | `read.parallel_rows` | - | 64 | paper: 64 parallel analogue inputs |
//! | `read.sensing` | - | analogue-difference | CrossSim's default; the paper does not say |
//! | `read.read_noise` | - | true | device noise model of [`rram_device`] |
//! | `read.read_interval_s` | s | 1e-3 | assumed: the order of a reservoir step |
//! | `weights` | - | auto (unit-variance weights) | chosen here (see above) |
//! | `dac.ideal`, `dac.bits`, `dac.v_max_v` | -, -, V | false, 16, 5.0 | paper: 16-bit DAC, 0-5 V |
//! | `tia.ideal`, `tia.r_f`, `tia.v_sat_v` | -, -, V | false, auto (headroom 4 sigma), 3.0 | assumed |
//! | `adc.ideal`, `adc.bits`, `adc.v_fs_v` | -, -, V | false, 14, 2.5 | paper: 14-bit ADC; range assumed |
//! | `adc.gain_error_sigma`, `adc.offset_sigma_lsb` | 1, LSB | 0, 0 | off |
//! | `ir_drop.enabled` | - | false | off by default (issue) |
//! | `ir_drop.r_row_ohm`, `r_col_ohm` | Ohm | 1.0, 1.0 | 0.5-1.5 Ohm estimated for a 40 nm 1T1R pitch |
//! | `ir_drop.r_source_ohm` | Ohm | 10 | assumed analogue-switch on-resistance |
//! | `ir_drop.r_access_ohm` | Ohm | 0 | measured 1T1R conductances include the transistor |
//! | `ir_drop.tolerance_v`, `max_iterations` | V, - | 1e-10, 1000 | chosen |
//!
//! # Performance
//!
//! The macro stores per row, contiguous and padded to cache lines, the
//! `f64` weights and, when read noise is on, the `f32` sensed conductances
//! and read-noise variances in weight units. A read sums the active rows
//! column-wise in registers (dispatched at run time to AVX-512, AVX2 or
//! SSE4.1), draws one normal per sensed channel with a vectorised ziggurat
//! from eight xoshiro256++ lanes seeded by two words of the caller's stream,
//! and converts. Per-row conductance sums are precomputed for the counters.
//! `cargo bench -p cim-macro` measures reads of the N-MNIST partition with
//! 30 active rows; on the development machine (a shared 2-core Xeon,
//! AVX-512) the default read (noise + 14-bit ADC) takes about 0.9-1.1 us
//! of CPU time, the ideal read 0.4-0.6 us, a read with IR drop about
//! 0.5 ms.
//!
//! # Randomness
//!
//! Reads draw only from the `rng` passed in (by convention a per-sample
//! [`seeds::Seeds::keyed`] stream of [`seeds::Purpose::ReadNoise`]), two
//! 64-bit words per noisy read; a noiseless read draws nothing. Forming,
//! faults, drift and converter errors are fixed when the macro is
//! programmed. Results never depend on threads.
//!
//! # What this crate ignores
//!
//! * Sneak currents through floating columns outside the partition, wire
//!   capacitance and settling, TIA and ADC noise beyond quantisation, DAC
//!   non-linearity and errors, ADC non-linearity (INL / DNL).
//! * The non-linear current-voltage curve of a cell (reads are ohmic) and
//!   read disturb.
//! * The effect of a cell's read noise on the other node voltages under IR
//!   drop (first order only).
//!
//! # What this crate must not know
//!
//! Nothing of neurons, datasets or training; it never computes energy
//! itself (it counts operations, [`costmodel`] prices them).

mod aligned;
mod array;
mod chipfile;
mod error;
mod fastrng;
mod ir;
mod kernels;
mod layout;
mod params;
mod stateful;
mod weights;

pub use param_guard::{ParamError, ParamGuard};
pub use rram_device;

pub use array::{Macro, Partition, Periphery, ReadScratch};
pub use chipfile::{CHIP_FORMAT_VERSION, CHIP_MAGIC, ChipHeader};
pub use error::{Error, Result};
pub use layout::{
    ColumnSpec, Layout, PAPER_LAYOUT_TOML, PartitionLayout, PartitionSpec, RowSegment,
};
pub use params::{
    ARRAY_DIM_MAX, AdcParams, ArrayParams, CONVERTER_BITS_MAX, DacParams, Feedback, IrDropParams,
    MacroParams, ReadParams, Sensing, TiaParams, WeightScale,
};
pub use weights::{StdAlgorithm, differential_weights};
