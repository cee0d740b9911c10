//! The programmed macro: derived per-partition data and the reads.

// Index loops over several parallel arrays read like the equations.
#![allow(clippy::needless_range_loop)]

use param_guard::ParamGuard;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use costmodel::{DAC_CONVERSIONS_PER_ANALOGUE_ROW, DAC_CONVERSIONS_PER_SPIKE_ROW, OpCounts};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use rram_device::{ConductanceMap, DeviceParams, NoiseModel, Program, ReadNoiseParams};
use seeds::{Purpose, Seeds};

use crate::aligned::{Aligned, round_up};
use crate::error::{Error, Result, ensure};
use crate::fastrng::FastRng;
use crate::ir::{Geometry, IrWork};
use crate::kernels::{
    AdcTransfer, Transfer, add_noise, signal_plus_noise, sum_rows_f32, sum_rows_f64,
    sum_rows_weighted_f32, sum_rows_weighted_f64, transfer,
};
use crate::layout::PartitionLayout;
use crate::params::{Feedback, MacroParams, Sensing};
use crate::stateful::CellStates;
use crate::weights::{StdAlgorithm, differential_weights, welford};

/// Identifies macros, so a handle or scratch of one is refused by another.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A handle to a partition of one [`Macro`]: cheap to copy, checked at
/// every use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Partition {
    macro_id: u64,
    index: u32,
    rows: u32,
    cols: u32,
}

impl Partition {
    /// Logical rows (inputs of a read).
    pub fn rows(&self) -> usize {
        self.rows as usize
    }

    /// Differential outputs (column pairs).
    pub fn cols(&self) -> usize {
        self.cols as usize
    }

    /// Position in the layout.
    pub fn index(&self) -> usize {
        self.index as usize
    }
}

/// Periphery constants resolved when the macro was programmed.
#[derive(Clone, Debug, PartialEq)]
pub struct Periphery {
    /// Voltage a spike applies to its row, V: the read voltage rounded to
    /// the nearest DAC code (exactly `read.v_read_v` with an ideal DAC).
    pub v_spike_v: f64,
    /// One DAC step, V.
    pub dac_lsb_v: f64,
    /// TIA feedback resistance, Ohm.
    pub r_f_ohm: f64,
    /// Sensed current that reaches the ADC's full scale, `v_fs / R_f`, A.
    pub i_full_scale_a: f64,
    /// One ADC step, V.
    pub adc_lsb_v: f64,
    /// Smallest ADC code.
    pub adc_code_min: i64,
    /// Largest ADC code.
    pub adc_code_max: i64,
    /// Rows driven per cycle.
    pub parallel_rows: usize,
    /// How pairs are sensed.
    pub sensing: Sensing,
}

/// Derived data of one partition.
#[derive(Clone, Debug)]
struct PartData {
    layout: PartitionLayout,
    rows: usize,
    cols: usize,
    g_scale_s: f64,
    /// TIA output volts per weight unit, `g_scale V_spike R_f`.
    k_v: f64,
    /// Weights `(G+ - G-) / g_scale`, rows padded to `stride_w`.
    stride_w: usize,
    w64: Aligned<f64>,
    /// Sensed channels per read cycle (`cols`, or `2 cols` under digital
    /// sensing: plus columns then minus columns).
    sensed: usize,
    stride_s: usize,
    /// Sensed conductances in weight units, digital sensing only (the
    /// analogue channels are `w64`).
    s64: Option<Aligned<f64>>,
    /// The same in `f32` and the per-channel read-noise variance in weight
    /// units squared, when Gaussian read noise is on.
    s32: Option<Aligned<f32>>,
    v32: Option<Aligned<f32>>,
    /// Sum of the conductances of the partition's cells of each row, S.
    row_g_sum_s: Vec<f64>,
    /// ADC codes per volt and offset codes of each sensed channel.
    codes_per_v: Vec<f64>,
    offset_codes: Vec<f64>,
    /// Partition columns sorted by physical index, with their channel and
    /// sign (for the IR-drop network).
    ir_cols: Vec<u32>,
    ir_chan: Vec<(u32, f64)>,
}

impl PartData {
    fn sensed64(&self) -> (&[f64], usize) {
        match &self.s64 {
            Some(s) => (s.as_slice(), self.stride_s),
            None => (self.w64.as_slice(), self.stride_w),
        }
    }
}

/// The programmed 1T1R macro: a formed array, its periphery and its
/// partitions. Reads take `&self`; per-sample state lives in a
/// [`ReadScratch`] and every random draw comes from the caller's stream.
#[derive(Clone, Debug)]
pub struct Macro {
    id: u64,
    params: MacroParams,
    read_noise: ReadNoiseParams,
    /// Gaussian read noise is on (enabled and not zero).
    gaussian: bool,
    /// Telegraph / 1/f model when enabled.
    stateful: Option<NoiseModel>,
    map: ConductanceMap,
    periphery: Periphery,
    parts: Vec<PartData>,
    /// The experiment seed the macro was built with.
    seeds: Seeds,
    /// A free label naming the device preset (empty unless given).
    device_preset: String,
}

/// Where a read's rows come from.
#[derive(Clone, Copy)]
enum Drive<'a> {
    Events(&'a [u32]),
    Dense(&'a [f64]),
}

impl Macro {
    /// Forms the array with `rram-device` and builds the macro: forming
    /// draws from [`Purpose::DeviceForming`], faults from
    /// [`Purpose::DeviceFaults`], drift (when the device enables it and
    /// `array.age_s > 0`) from [`Purpose::Drift`], converter errors from
    /// [`Purpose::Converters`].
    pub fn program(
        params: &MacroParams,
        device: &DeviceParams,
        program: &Program,
        seeds: Seeds,
    ) -> Result<Macro> {
        params.validate()?;
        let (rows, cols) = (params.array.rows as usize, params.array.cols as usize);
        let mut map = ConductanceMap::form_seeded(rows, cols, device, program, seeds)?;
        if device.drift.enabled && params.array.age_s > 0.0 {
            map = map.drifted(
                &device.drift,
                params.array.age_s,
                &mut seeds.stream(Purpose::Drift),
            )?;
        }
        Macro::from_map(params, map, &device.read_noise, seeds)
    }

    /// Builds the macro on a given conductance map (a formed, measured or
    /// hand-made array of `array.rows x array.cols` cells); converter errors
    /// draw from `seeds`' [`Purpose::Converters`] stream.
    pub fn from_map(
        params: &MacroParams,
        map: ConductanceMap,
        read_noise: &ReadNoiseParams,
        seeds: Seeds,
    ) -> Result<Macro> {
        params.validate()?;
        read_noise.validate()?;
        let (rows, cols) = (params.array.rows as usize, params.array.cols as usize);
        ensure(
            map.rows() == rows && map.cols() == cols,
            "array.rows",
            format!("{} x {} (map {} x {})", rows, cols, map.rows(), map.cols()),
            "the size of the conductance map",
        )?;
        let layouts = params
            .layout
            .resolve(params.array.rows, params.array.cols)?;
        let converters = ConverterErrors::draw(params, seeds);
        let periphery = Periphery::resolve(params, &map, &layouts)?;
        let gaussian = params.read.read_noise && (read_noise.s0_us > 0.0 || read_noise.s1 > 0.0);
        let stateful = if params.read.read_noise && read_noise.is_stateful() {
            Some(NoiseModel::new(read_noise)?)
        } else {
            None
        };
        let derive = Derive {
            params,
            map: &map,
            read_noise,
            gaussian,
            periphery: &periphery,
            converters: &converters,
        };
        let parts = layouts
            .into_iter()
            .map(|layout| derive.part(layout))
            .collect::<Result<Vec<_>>>()?;
        Ok(Macro {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            params: params.clone(),
            read_noise: read_noise.clone(),
            gaussian,
            stateful,
            map,
            periphery,
            parts,
            seeds,
            device_preset: String::new(),
        })
    }

    /// The experiment seed the macro was built with: its converter errors
    /// are drawn from this seed's [`Purpose::Converters`] stream (and, when
    /// it was programmed, the array from its forming streams). A saved chip
    /// file stores it ([`Macro::save`]).
    pub fn seeds(&self) -> Seeds {
        self.seeds
    }

    /// The label naming the device preset the array was formed with (e.g.
    /// `"paper"`), empty unless attached with [`Macro::with_device_preset`].
    pub fn device_preset(&self) -> &str {
        &self.device_preset
    }

    /// The same macro labelled with the device preset it was formed with; a
    /// free text kept in saved chip files for people and manifests. It does
    /// not change a single read.
    pub fn with_device_preset(mut self, name: impl Into<String>) -> Macro {
        self.device_preset = name.into();
        self
    }

    /// The parameters the macro was built with.
    pub fn params(&self) -> &MacroParams {
        &self.params
    }

    /// The read-noise model of the cells.
    pub fn read_noise(&self) -> &ReadNoiseParams {
        &self.read_noise
    }

    /// The formed array.
    pub fn map(&self) -> &ConductanceMap {
        &self.map
    }

    /// The resolved periphery constants.
    pub fn periphery(&self) -> &Periphery {
        &self.periphery
    }

    /// Every partition, in layout order.
    pub fn partitions(&self) -> Vec<Partition> {
        (0..self.parts.len()).map(|i| self.handle(i)).collect()
    }

    fn handle(&self, i: usize) -> Partition {
        let d = &self.parts[i];
        Partition {
            macro_id: self.id,
            index: i as u32,
            rows: d.rows as u32,
            cols: d.cols as u32,
        }
    }

    /// The partition called `name`.
    pub fn partition(&self, name: &str) -> Result<Partition> {
        match self.parts.iter().position(|d| d.layout.name == name) {
            Some(i) => Ok(self.handle(i)),
            None => Err(Error::UnknownPartition {
                name: name.to_owned(),
                available: self
                    .parts
                    .iter()
                    .map(|d| d.layout.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    fn part(&self, p: &Partition) -> Result<&PartData> {
        match self.parts.get(p.index as usize) {
            Some(d) if p.macro_id == self.id => Ok(d),
            _ => Err(Error::ForeignHandle {
                what: "partition handle",
                partition: format!("#{}", p.index),
            }),
        }
    }

    /// The physical rows and column pairs of a partition.
    pub fn layout_of(&self, p: &Partition) -> Result<&PartitionLayout> {
        Ok(&self.part(p)?.layout)
    }

    /// The conductance of one weight unit of a partition, S.
    pub fn g_scale_s(&self, p: &Partition) -> Result<f64> {
        Ok(self.part(p)?.g_scale_s)
    }

    /// One ADC step of one cycle, in the partition's weight units.
    pub fn adc_lsb_weight(&self, p: &Partition) -> Result<f64> {
        let d = self.part(p)?;
        Ok(self.periphery.adc_lsb_v / d.k_v)
    }

    /// The noise-free differential weights `(G+ - G-) / g_scale`,
    /// `rows x cols` row-major (fan-out order: row `i` holds the weights
    /// from logical row `i` to every output), in weight units.
    pub fn effective_weights(&self, p: &Partition) -> Result<Vec<f64>> {
        let d = self.part(p)?;
        let w = d.w64.as_slice();
        Ok((0..d.rows)
            .flat_map(|i| w[i * d.stride_w..i * d.stride_w + d.cols].iter().copied())
            .collect())
    }

    /// Fresh per-sample state for reads of `p` (buffers; telegraph and 1/f
    /// states when enabled, which start unset and are drawn at a row's
    /// first read; the IR-drop workspace when enabled). Cheap when those
    /// are off.
    pub fn new_scratch(&self, p: &Partition) -> Result<ReadScratch> {
        let d = self.part(p)?;
        let width = d.stride_w.max(d.stride_s);
        let prow = self.periphery.parallel_rows.min(d.rows);
        let states = match &self.stateful {
            Some(model) => Some(CellStates::new(
                model,
                d.rows,
                d.cols,
                self.params.read.read_interval_s,
            )?),
            None => None,
        };
        Ok(ReadScratch {
            macro_id: self.id,
            partition: p.index,
            rows: vec![0; d.rows],
            x: vec![0.0; d.rows],
            x32: vec![0.0; d.rows],
            x2_32: vec![0.0; d.rows],
            acc: vec![0.0; width],
            sig32: vec![0.0; d.stride_s],
            z: vec![0.0; d.stride_s],
            var32: vec![0.0; d.stride_s],
            cycle: Vec::with_capacity(prow),
            cycle_rows: vec![0; prow],
            cycle_v: vec![0.0; prow],
            ir: self
                .params
                .ir_drop
                .enabled
                .then(|| IrWork::new(prow, 2 * d.cols)),
            states,
            last_ir_sweeps: 0,
        })
    }

    /// One event-driven read: `active_rows` (partition rows, strictly
    /// ascending) receive the spike voltage, the other rows are off.
    /// Writes one value per output into `out` (length `cols`), in weight
    /// units: with [`MacroParams::ideal`] exactly `sum_{i active} w_ij`
    /// (added in ascending row order in `f64`). Adds the operations to
    /// `ops`. Draws from `rng` only when read noise is on. No allocation.
    ///
    /// An empty `active_rows` is no read at all: `out` is zero and nothing
    /// is counted.
    pub fn read_events<R: Rng + ?Sized>(
        &self,
        p: &Partition,
        active_rows: &[u32],
        out: &mut [f64],
        scratch: &mut ReadScratch,
        rng: &mut R,
        ops: &mut OpCounts,
    ) -> Result<()> {
        self.read(p, Drive::Events(active_rows), out, scratch, rng, ops)
    }

    /// One read with analogue inputs: row `i` is driven at
    /// `inputs[i] * V_spike` (quantised by the DAC), `inputs[i]` in
    /// `[0, 1]`; rows at 0 are not driven. Writes `sum_i x_i w_ij` in
    /// weight units (a spike is `x = 1`).
    pub fn read_dense<R: Rng + ?Sized>(
        &self,
        p: &Partition,
        inputs: &[f64],
        out: &mut [f64],
        scratch: &mut ReadScratch,
        rng: &mut R,
        ops: &mut OpCounts,
    ) -> Result<()> {
        self.read(p, Drive::Dense(inputs), out, scratch, rng, ops)
    }

    /// Noise-free currents into the plus and minus column of every pair, A,
    /// when rows are driven at `row_voltages_v` (all driven rows at once,
    /// whatever `read.parallel_rows`; rows at 0 V are off), solving the
    /// IR-drop network when it is enabled. For analysis and tests.
    pub fn column_currents_a(
        &self,
        p: &Partition,
        row_voltages_v: &[f64],
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let d = self.part(p)?;
        let name = || d.layout.name.clone();
        if row_voltages_v.len() != d.rows {
            return Err(Error::Length {
                what: "row_voltages_v",
                expected: d.rows,
                found: row_voltages_v.len(),
            });
        }
        let vmax = self.params.dac.v_max_v;
        let mut driven = Vec::new();
        for (i, &v) in row_voltages_v.iter().enumerate() {
            if !(v.is_finite() && (0.0..=vmax).contains(&v)) {
                return Err(Error::BadInput {
                    partition: name(),
                    what: "row voltage",
                    index: i,
                    value: v.to_string(),
                    allowed: format!("in [0, dac.v_max_v = {vmax}] V"),
                });
            }
            if v > 0.0 {
                driven.push((d.layout.rows[i], i, v));
            }
        }
        let (mut plus, mut minus) = (vec![0.0; d.cols], vec![0.0; d.cols]);
        if driven.is_empty() {
            return Ok((plus, minus));
        }
        driven.sort_unstable_by_key(|t| t.0);
        let cols = self.params.array.cols as usize;
        let g = self.map.conductances_s();
        if self.params.ir_drop.enabled {
            let n = d.ir_cols.len();
            let mut work = IrWork::new(driven.len(), n);
            let r_acc = self.params.ir_drop.r_access_ohm;
            for (a, &(r, _, _)) in driven.iter().enumerate() {
                for (m, &c) in d.ir_cols.iter().enumerate() {
                    let gc = g[r as usize * cols + c as usize];
                    work.g[a * n + m] = gc / (1.0 + gc * r_acc);
                }
            }
            let rows: Vec<u32> = driven.iter().map(|t| t.0).collect();
            let v: Vec<f64> = driven.iter().map(|t| t.2).collect();
            let geo = Geometry {
                cols: &d.ir_cols,
                array_rows: self.params.array.rows,
                params: &self.params.ir_drop,
            };
            work.solve(&geo, &rows, &v)?;
            for (m, &c) in d.ir_cols.iter().enumerate() {
                if let Some(j) = d.layout.plus.iter().position(|&x| x == c) {
                    plus[j] = work.currents[m];
                } else if let Some(j) = d.layout.minus.iter().position(|&x| x == c) {
                    minus[j] = work.currents[m];
                }
            }
        } else {
            for &(r, _, v) in &driven {
                for j in 0..d.cols {
                    plus[j] += v * g[r as usize * cols + d.layout.plus[j] as usize];
                    minus[j] += v * g[r as usize * cols + d.layout.minus[j] as usize];
                }
            }
        }
        Ok((plus, minus))
    }

    /// Checks the inputs and gathers the active rows into the scratch;
    /// returns their number.
    fn gather(&self, d: &PartData, drive: Drive<'_>, s: &mut ReadScratch) -> Result<usize> {
        let bad = |what, index, value: String, allowed: String| Error::BadInput {
            partition: d.layout.name.clone(),
            what,
            index,
            value,
            allowed,
        };
        match drive {
            Drive::Events(rows) => {
                let mut prev: Option<u32> = None;
                for (i, &r) in rows.iter().enumerate() {
                    if r as usize >= d.rows || prev.is_some_and(|q| r <= q) {
                        return Err(bad(
                            "active row",
                            i,
                            r.to_string(),
                            format!(
                                "< {} and strictly ascending{}",
                                d.rows,
                                prev.map_or(String::new(), |q| format!(" (after {q})"))
                            ),
                        ));
                    }
                    prev = Some(r);
                }
                // Strictly ascending and below `d.rows`: fits the buffer.
                s.rows[..rows.len()].copy_from_slice(rows);
                Ok(rows.len())
            }
            Drive::Dense(x) => {
                if x.len() != d.rows {
                    return Err(Error::Length {
                        what: "inputs",
                        expected: d.rows,
                        found: x.len(),
                    });
                }
                let quantise = !self.params.dac.ideal;
                let (v_s, lsb) = (self.periphery.v_spike_v, self.periphery.dac_lsb_v);
                let mut k = 0;
                for (i, &xi) in x.iter().enumerate() {
                    if !(xi.is_finite() && (0.0..=1.0).contains(&xi)) {
                        return Err(bad("input", i, xi.to_string(), "in [0, 1]".into()));
                    }
                    let xq = if quantise {
                        // The row voltage on the DAC grid, relative to the
                        // spike level (itself a DAC code, so x = 1 stays 1).
                        (xi * v_s / lsb).round() * lsb / v_s
                    } else {
                        xi
                    };
                    if xq > 0.0 {
                        s.rows[k] = i as u32;
                        s.x[k] = xq;
                        s.x32[k] = xq as f32;
                        s.x2_32[k] = (xq * xq) as f32;
                        k += 1;
                    }
                }
                Ok(k)
            }
        }
    }

    fn read<R: Rng + ?Sized>(
        &self,
        p: &Partition,
        drive: Drive<'_>,
        out: &mut [f64],
        s: &mut ReadScratch,
        rng: &mut R,
        ops: &mut OpCounts,
    ) -> Result<()> {
        let d = self.part(p)?;
        self.check_read(d, p, out.len(), s)?;
        let k = self.gather(d, drive, s)?;
        if k == 0 {
            out.fill(0.0);
            return Ok(());
        }
        let dense = matches!(drive, Drive::Dense(_));
        let pr = &self.params;
        let per = self.periphery.parallel_rows;
        let cycles = k.div_ceil(per);
        self.count(d, k, cycles, dense, s, ops);

        let ir = pr.ir_drop.enabled;
        let converters = !(pr.tia.ideal && pr.adc.ideal);
        let stateful = self.stateful.as_ref();

        // Transparent read: one pass over all rows in f64.
        if !self.gaussian && stateful.is_none() && !ir && !converters {
            s.sum_transparent(d, k, dense, out);
            return Ok(());
        }

        let mut fast = (self.gaussian || stateful.is_some()).then(|| FastRng::from_parent(rng));
        if let (Some(model), Some(states), Some(fr)) = (stateful, s.states.as_mut(), fast.as_mut())
        {
            self.touch_states(d, model, states, &s.rows[..k], fr)?;
        }

        let transfer_params = self.transfer_params(d);
        let sn = d.sensed;
        for c in 0..cycles {
            let lo = c * per;
            let hi = (lo + per).min(k);
            let mut noise_done = false;
            if ir {
                // Leaves the solved currents in `s.acc`.
                self.ir_cycle(d, dense, lo, hi, s)?;
            } else if self.gaussian && stateful.is_none() {
                s.sum_gaussian(d, dense, lo, hi, fast.as_mut());
                noise_done = true;
            } else {
                s.sum_f64(d, pr.read.sensing, dense, lo, hi);
            }
            if self.gaussian && !noise_done {
                s.add_read_noise(d, dense, lo, hi, fast.as_mut());
            }
            transfer(&mut s.acc[..sn], &transfer_params);
            accumulate_cycle(out, &s.acc, d.cols, pr.read.sensing, c == 0);
        }
        Ok(())
    }

    /// Refuses a scratch of another macro or partition and an `out` of the
    /// wrong length.
    #[inline]
    fn check_read(
        &self,
        d: &PartData,
        p: &Partition,
        out_len: usize,
        s: &ReadScratch,
    ) -> Result<()> {
        if s.macro_id != self.id || s.partition != p.index {
            return Err(Error::ForeignHandle {
                what: "read scratch",
                partition: d.layout.name.clone(),
            });
        }
        if out_len != d.cols {
            return Err(Error::Length {
                what: "out",
                expected: d.cols,
                found: out_len,
            });
        }
        Ok(())
    }

    /// Advances the telegraph / 1/f states of the cells of the scratch
    /// `rows` of this read, drawing from `fr`.
    #[inline]
    fn touch_states(
        &self,
        d: &PartData,
        model: &NoiseModel,
        states: &mut CellStates,
        rows: &[u32],
        fr: &mut FastRng,
    ) -> Result<()> {
        let pr = &self.params;
        states.begin_read();
        let cols = pr.array.cols as usize;
        let g = self.map.conductances_s();
        for &r in rows {
            let pr_row = d.layout.rows[r as usize] as usize;
            states.touch_row(
                model,
                r as usize,
                pr.read.read_interval_s,
                |j, minus| {
                    let c = if minus {
                        d.layout.minus[j]
                    } else {
                        d.layout.plus[j]
                    };
                    g[pr_row * cols + c as usize]
                },
                fr,
            )?;
        }
        Ok(())
    }

    /// The TIA and ADC transfer of the partition's channels.
    #[inline]
    fn transfer_params<'a>(&self, d: &'a PartData) -> Transfer<'a> {
        let pr = &self.params;
        Transfer {
            k_v: d.k_v,
            v_sat: (!pr.tia.ideal).then_some(pr.tia.v_sat_v),
            adc: (!pr.adc.ideal).then_some(AdcTransfer {
                codes_per_v: &d.codes_per_v,
                offset_codes: &d.offset_codes,
                code_min: self.periphery.adc_code_min as f64,
                code_max: self.periphery.adc_code_max as f64,
                weight_per_code: self.periphery.adc_lsb_v / d.k_v,
            }),
        }
    }

    /// Solves the IR-drop network of one cycle (scratch rows `lo..hi`) and
    /// leaves the noise-free sensed signals in weight units in `s.acc`.
    fn ir_cycle(
        &self,
        d: &PartData,
        dense: bool,
        lo: usize,
        hi: usize,
        s: &mut ReadScratch,
    ) -> Result<()> {
        let pr = &self.params;
        let cols = pr.array.cols as usize;
        let g = self.map.conductances_s();
        let v_s = self.periphery.v_spike_v;
        s.cycle.clear();
        for i in lo..hi {
            let r = s.rows[i];
            let x = if dense { s.x[i] } else { 1.0 };
            s.cycle.push((d.layout.rows[r as usize], r, x * v_s));
        }
        s.cycle.sort_unstable_by_key(|t| t.0);
        let kc = s.cycle.len();
        let Some(work) = s.ir.as_mut() else {
            return Ok(());
        };
        let n = d.ir_cols.len();
        let r_acc = pr.ir_drop.r_access_ohm;
        for (a, &(phys, logical, v)) in s.cycle.iter().enumerate() {
            s.cycle_rows[a] = phys;
            s.cycle_v[a] = v;
            for (m, &c) in d.ir_cols.iter().enumerate() {
                let mut gc = g[phys as usize * cols + c as usize];
                if let Some(states) = s.states.as_ref() {
                    let j = d.ir_chan[m].0 as usize % d.cols;
                    let (op, om) = states.offsets_s(logical as usize, j);
                    let is_plus = d.layout.plus[j] == c;
                    gc = (gc + if is_plus { op } else { om }).max(0.0);
                }
                work.g[a * n + m] = gc / (1.0 + gc * r_acc);
            }
        }
        let geo = Geometry {
            cols: &d.ir_cols,
            array_rows: pr.array.rows,
            params: &pr.ir_drop,
        };
        s.last_ir_sweeps = work.solve(&geo, &s.cycle_rows[..kc], &s.cycle_v[..kc])?;
        let scale = 1.0 / (v_s * d.g_scale_s);
        s.acc[..d.sensed].fill(0.0);
        for (m, &(ch, sign)) in d.ir_chan.iter().enumerate() {
            s.acc[ch as usize] += sign * work.currents[m] * scale;
        }
        Ok(())
    }

    /// Adds a read's operations (see the crate docs for what is counted).
    fn count(
        &self,
        d: &PartData,
        k: usize,
        cycles: usize,
        dense: bool,
        s: &ReadScratch,
        ops: &mut OpCounts,
    ) {
        let (k, cycles, cols) = (k as u64, cycles as u64, d.cols as u64);
        let sensed = d.sensed as u64;
        ops.macro_cycles += cycles;
        ops.tia_activations += cycles * sensed;
        ops.adc_conversions += cycles * sensed;
        ops.cell_reads += k * 2 * cols;
        // Each cycle's codes are scaled to weight units, and the cycles'
        // partial results added, in fp32 on the controller.
        ops.mul_fp32 += cycles * cols;
        ops.add_fp32 += (cycles - 1) * cols;
        if self.params.read.sensing == Sensing::DigitalDifference {
            // Plus code minus minus code, per pair and cycle.
            ops.add_int += cycles * cols;
        }
        // The workspace's DAC rule (costmodel): a spike row is switched onto
        // the held DC read level, an analogue row needs its own conversion.
        let rows = &s.rows[..k as usize];
        if dense {
            ops.dac_conversions += k * DAC_CONVERSIONS_PER_ANALOGUE_ROW;
            ops.cell_conductance_sum_s += rows
                .iter()
                .zip(&s.x)
                .map(|(&r, &x)| x * x * d.row_g_sum_s[r as usize])
                .sum::<f64>();
        } else {
            ops.row_drives += k;
            ops.dac_conversions += k * DAC_CONVERSIONS_PER_SPIKE_ROW;
            ops.cell_conductance_sum_s +=
                rows.iter().map(|&r| d.row_g_sum_s[r as usize]).sum::<f64>();
        }
    }
}

/// Per-sample mutable state of reads of one partition: buffers, the
/// telegraph / 1/f cell states when enabled, the IR-drop workspace when
/// enabled. Make one per thread or per sample with [`Macro::new_scratch`].
#[derive(Clone, Debug)]
pub struct ReadScratch {
    macro_id: u64,
    partition: u32,
    rows: Vec<u32>,
    x: Vec<f64>,
    x32: Vec<f32>,
    x2_32: Vec<f32>,
    acc: Vec<f64>,
    sig32: Vec<f32>,
    z: Vec<f64>,
    var32: Vec<f32>,
    cycle: Vec<(u32, u32, f64)>,
    cycle_rows: Vec<u32>,
    cycle_v: Vec<f64>,
    ir: Option<IrWork>,
    states: Option<CellStates>,
    last_ir_sweeps: usize,
}

impl ReadScratch {
    /// Forgets the telegraph and 1/f states (the next read starts an
    /// independent sample); buffers are kept.
    pub fn reset(&mut self) {
        if let Some(s) = self.states.as_mut() {
            s.reset();
        }
    }

    /// Sweeps the IR-drop solver needed in the last cycle it solved (0
    /// before any).
    pub fn last_ir_sweeps(&self) -> usize {
        self.last_ir_sweeps
    }
}

impl ReadScratch {
    /// The transparent read: the weights of the `k` gathered rows (scaled
    /// by their inputs when `dense`) summed in `f64` in one pass, into `out`.
    #[inline]
    fn sum_transparent(&mut self, d: &PartData, k: usize, dense: bool, out: &mut [f64]) {
        let acc = &mut self.acc[..d.stride_w];
        if dense {
            sum_rows_weighted_f64(
                d.w64.as_slice(),
                d.stride_w,
                &self.rows[..k],
                &self.x[..k],
                acc,
            );
        } else {
            sum_rows_f64(d.w64.as_slice(), d.stride_w, &self.rows[..k], acc);
        }
        out.copy_from_slice(&acc[..d.cols]);
    }

    /// The fast noisy path for scratch rows `lo..hi`: `f32` sums of signal
    /// and variance, one normal per channel from `fast`, the noisy sensed
    /// signals in `self.acc`.
    #[inline]
    fn sum_gaussian(
        &mut self,
        d: &PartData,
        dense: bool,
        lo: usize,
        hi: usize,
        fast: Option<&mut FastRng>,
    ) {
        let sn = d.sensed;
        let rows = &self.rows[lo..hi];
        let (s32, v32) = match (&d.s32, &d.v32) {
            (Some(a), Some(b)) => (a.as_slice(), b.as_slice()),
            _ => (&[][..], &[][..]),
        };
        let (sig, var) = (&mut self.sig32[..d.stride_s], &mut self.var32[..d.stride_s]);
        if dense {
            sum_rows_weighted_f32(s32, d.stride_s, rows, &self.x32[lo..hi], sig);
            sum_rows_weighted_f32(v32, d.stride_s, rows, &self.x2_32[lo..hi], var);
        } else {
            sum_rows_f32(s32, d.stride_s, rows, sig);
            sum_rows_f32(v32, d.stride_s, rows, var);
        }
        if let Some(fr) = fast {
            fr.fill_normals(&mut self.z[..sn]);
        }
        signal_plus_noise(&sig[..sn], &var[..sn], &self.z[..sn], &mut self.acc[..sn]);
    }

    /// The noise-free sensed signals of scratch rows `lo..hi` in `f64`, with
    /// the telegraph / 1/f offsets when those states are on, in `self.acc`.
    #[inline]
    fn sum_f64(&mut self, d: &PartData, sensing: Sensing, dense: bool, lo: usize, hi: usize) {
        let rows = &self.rows[lo..hi];
        let (w, stride) = d.sensed64();
        let acc = &mut self.acc[..stride];
        if dense {
            sum_rows_weighted_f64(w, stride, rows, &self.x[lo..hi], acc);
        } else {
            sum_rows_f64(w, stride, rows, acc);
        }
        if let Some(states) = self.states.as_ref() {
            let inv = 1.0 / d.g_scale_s;
            for (i, &r) in rows.iter().enumerate() {
                let x = if dense { self.x[lo + i] } else { 1.0 };
                for j in 0..d.cols {
                    let (op, om) = states.offsets_s(r as usize, j);
                    match sensing {
                        Sensing::AnalogueDifference => {
                            self.acc[j] += x * (op - om) * inv;
                        }
                        Sensing::DigitalDifference => {
                            self.acc[j] += x * op * inv;
                            self.acc[d.cols + j] += x * om * inv;
                        }
                    }
                }
            }
        }
    }

    /// Adds Gaussian read noise to the sensed signals in `self.acc`: the
    /// `f32` variance sums of scratch rows `lo..hi`, one normal per channel
    /// from `fast`.
    #[inline]
    fn add_read_noise(
        &mut self,
        d: &PartData,
        dense: bool,
        lo: usize,
        hi: usize,
        fast: Option<&mut FastRng>,
    ) {
        let sn = d.sensed;
        let rows = &self.rows[lo..hi];
        let v32 = d.v32.as_ref().map_or(&[][..], |v| v.as_slice());
        let var = &mut self.var32[..d.stride_s];
        if dense {
            sum_rows_weighted_f32(v32, d.stride_s, rows, &self.x2_32[lo..hi], var);
        } else {
            sum_rows_f32(v32, d.stride_s, rows, var);
        }
        if let Some(fr) = fast {
            fr.fill_normals(&mut self.z[..sn]);
        }
        add_noise(&var[..sn], &self.z[..sn], &mut self.acc[..sn]);
    }
}

/// Adds one cycle's converted channels `acc` to the read's `cols` outputs
/// (writes them on the `first` cycle); under digital sensing an output is
/// its plus channel minus its minus channel.
#[inline]
fn accumulate_cycle(out: &mut [f64], acc: &[f64], cols: usize, sensing: Sensing, first: bool) {
    match (sensing, first) {
        (Sensing::AnalogueDifference, true) => out.copy_from_slice(&acc[..cols]),
        (Sensing::AnalogueDifference, false) => {
            for (o, a) in out.iter_mut().zip(&acc[..cols]) {
                *o += a;
            }
        }
        (Sensing::DigitalDifference, first) => {
            let (pl, mi) = acc[..2 * cols].split_at(cols);
            for ((o, a), b) in out.iter_mut().zip(pl).zip(mi) {
                if first {
                    *o = a - b;
                } else {
                    *o += a - b;
                }
            }
        }
    }
}

/// Gain factor and offset (in codes) of each physical column's TIA and ADC.
struct ConverterErrors {
    gain: Vec<f64>,
    offset_codes: Vec<f64>,
}

impl ConverterErrors {
    /// Two normals per physical column from [`Purpose::Converters`], always
    /// drawn (gain first, then offset), so the stream does not depend on
    /// the error sizes.
    fn draw(params: &MacroParams, seeds: Seeds) -> ConverterErrors {
        let cols = params.array.cols as usize;
        let mut conv = seeds.stream(Purpose::Converters);
        let (mut gain, mut offset) = (Vec::with_capacity(cols), Vec::with_capacity(cols));
        for _ in 0..cols {
            let zg: f64 = conv.sample(StandardNormal);
            let zo: f64 = conv.sample(StandardNormal);
            gain.push(1.0 + params.adc.gain_error_sigma * zg);
            offset.push(params.adc.offset_sigma_lsb * zo);
        }
        ConverterErrors {
            gain,
            offset_codes: offset,
        }
    }
}

impl Periphery {
    /// Resolves the spike voltage on the DAC grid, the ADC grid and the
    /// feedback resistor of the macro built on `map` with `layouts`.
    fn resolve(
        params: &MacroParams,
        map: &ConductanceMap,
        layouts: &[PartitionLayout],
    ) -> Result<Periphery> {
        let sensing = params.read.sensing;
        // The spike voltage: the read voltage on the DAC's grid.
        let dac_lsb = params.dac.lsb_v();
        let v_spike = if params.dac.ideal {
            params.read.v_read_v
        } else {
            (params.read.v_read_v / dac_lsb).round() * dac_lsb
        };
        ensure(
            v_spike > 0.0,
            "read.v_read_v",
            params.read.v_read_v,
            &format!(">= half a DAC step ({dac_lsb:e} V / 2)"),
        )?;

        // ADC grid.
        let bits = params.adc.bits;
        let (adc_lsb, code_min, code_max) = match sensing {
            Sensing::AnalogueDifference => (
                2.0 * params.adc.v_fs_v / (1u64 << bits) as f64,
                -(1i64 << (bits - 1)),
                (1i64 << (bits - 1)) - 1,
            ),
            Sensing::DigitalDifference => (
                params.adc.v_fs_v / (1u64 << bits) as f64,
                0,
                (1i64 << bits) - 1,
            ),
        };
        let r_f = feedback_resistance(params, map, layouts, v_spike)?;
        Ok(Periphery {
            v_spike_v: v_spike,
            dac_lsb_v: dac_lsb,
            r_f_ohm: r_f,
            i_full_scale_a: params.adc.v_fs_v / r_f,
            adc_lsb_v: adc_lsb,
            adc_code_min: code_min,
            adc_code_max: code_max,
            parallel_rows: params.read.parallel_rows as usize,
            sensing,
        })
    }
}

/// The TIA feedback resistance, Ohm: the given one, or (auto) the one that
/// puts `headroom_sigma` standard deviations above the mean sensed current
/// of a full cycle of spikes at the ADC's full scale.
fn feedback_resistance(
    params: &MacroParams,
    map: &ConductanceMap,
    layouts: &[PartitionLayout],
    v_spike: f64,
) -> Result<f64> {
    let headroom_sigma = match &params.tia.r_f {
        Feedback::Given { r_f_ohm } => return Ok(*r_f_ohm),
        Feedback::Auto { headroom_sigma } => *headroom_sigma,
    };
    let p_max = layouts.iter().map(|l| l.rows.len()).max().unwrap_or(1);
    let p_eff = (params.read.parallel_rows as usize).min(p_max) as f64;
    let (mu, sigma) = sensed_conductance_stats(map, layouts, params.read.sensing);
    let i_max = v_spike * (mu.abs() * p_eff + headroom_sigma * sigma * p_eff.sqrt());
    ensure(
        i_max > 0.0 && i_max.is_finite(),
        "tia.r_f.mode",
        "auto",
        "a given resistor: the array's sensed conductances are all zero",
    )?;
    Ok(params.adc.v_fs_v / i_max)
}

/// Mean and standard deviation (Welford) of the sensed conductances of
/// every partition, S: the pair differences under analogue sensing, the
/// single cells under digital sensing; a cell or pair shared by partitions
/// counts once.
fn sensed_conductance_stats(
    map: &ConductanceMap,
    layouts: &[PartitionLayout],
    sensing: Sensing,
) -> (f64, f64) {
    let (g, cols) = (map.conductances_s(), map.cols());
    let cell = |r: u32, c: u32| g[r as usize * cols + c as usize];
    match sensing {
        Sensing::AnalogueDifference => {
            let mut seen = HashSet::new();
            let mut d = Vec::new();
            for l in layouts {
                for &r in &l.rows {
                    for (&p, &m) in l.plus.iter().zip(&l.minus) {
                        if seen.insert((r, p, m)) {
                            d.push(cell(r, p) - cell(r, m));
                        }
                    }
                }
            }
            welford(d.into_iter())
        }
        Sensing::DigitalDifference => {
            let mut seen = HashSet::new();
            let mut v = Vec::new();
            for l in layouts {
                for &r in &l.rows {
                    for &c in l.plus.iter().chain(&l.minus) {
                        if seen.insert((r, c)) {
                            v.push(cell(r, c));
                        }
                    }
                }
            }
            welford(v.into_iter())
        }
    }
}

/// What deriving a partition's data needs from the macro being built.
struct Derive<'a> {
    params: &'a MacroParams,
    map: &'a ConductanceMap,
    read_noise: &'a ReadNoiseParams,
    gaussian: bool,
    periphery: &'a Periphery,
    converters: &'a ConverterErrors,
}

impl Derive<'_> {
    /// The derived data of the partition laid out as `layout`.
    fn part(&self, layout: PartitionLayout) -> Result<PartData> {
        let sensing = self.params.read.sensing;
        let (nr, nc) = (layout.rows.len(), layout.plus.len());
        let (weights, g_scale_s) = differential_weights(
            self.map,
            &layout,
            &self.params.weights,
            StdAlgorithm::Welford,
        )?;
        let stride_w = round_up(nc, 8);
        let sensed = match sensing {
            Sensing::AnalogueDifference => nc,
            Sensing::DigitalDifference => 2 * nc,
        };
        let stride_s = round_up(sensed, 16);
        let s64 = match sensing {
            Sensing::AnalogueDifference => None,
            Sensing::DigitalDifference => Some(Aligned::zeros(nr * stride_s)),
        };
        let (s32, v32) = if self.gaussian {
            (
                Some(Aligned::zeros(nr * stride_s)),
                Some(Aligned::zeros(nr * stride_s)),
            )
        } else {
            (None, None)
        };
        let (codes_per_v, offset_codes) = self.channel_converters(&layout, sensed);
        let (ir_cols, ir_chan) = ir_columns(&layout, sensing);
        let per = self.periphery;
        let mut d = PartData {
            rows: nr,
            cols: nc,
            g_scale_s,
            k_v: g_scale_s * per.v_spike_v * per.r_f_ohm,
            stride_w,
            w64: Aligned::zeros(nr * stride_w),
            sensed,
            stride_s,
            s64,
            s32,
            v32,
            row_g_sum_s: Vec::with_capacity(nr),
            codes_per_v,
            offset_codes,
            ir_cols,
            ir_chan,
            layout,
        };
        self.fill_cells(&mut d, &weights);
        Ok(d)
    }

    /// Writes the weights, the sensed conductances and read-noise variances
    /// (in weight units) and the row conductance sums of `d` from the map;
    /// `weights` is `rows x cols` row-major.
    fn fill_cells(&self, d: &mut PartData, weights: &[f64]) {
        let (g, cols) = (self.map.conductances_s(), self.map.cols());
        let cell = |r: u32, c: u32| g[r as usize * cols + c as usize];
        let PartData {
            layout,
            cols: nc,
            g_scale_s,
            stride_w,
            w64,
            stride_s,
            s64,
            s32,
            v32,
            row_g_sum_s,
            ..
        } = d;
        let (nc, stride_w, stride_s, g_scale_s) = (*nc, *stride_w, *stride_s, *g_scale_s);
        let var = |g_s: f64| {
            let s = self.read_noise.sigma(g_s) / g_scale_s;
            s * s
        };
        let sensing = self.params.read.sensing;
        let w64 = w64.as_mut_slice();
        let mut s64 = s64.as_mut().map(|s| s.as_mut_slice());
        let mut s32 = s32.as_mut().map(|s| s.as_mut_slice());
        let mut v32 = v32.as_mut().map(|v| v.as_mut_slice());
        for (i, &r) in layout.rows.iter().enumerate() {
            let mut sum = 0.0;
            for (j, (&p, &m)) in layout.plus.iter().zip(&layout.minus).enumerate() {
                let (gp, gm) = (cell(r, p), cell(r, m));
                sum += gp + gm;
                let w = weights[i * nc + j];
                w64[i * stride_w + j] = w;
                match sensing {
                    Sensing::AnalogueDifference => {
                        if let (Some(s), Some(v)) = (s32.as_deref_mut(), v32.as_deref_mut()) {
                            s[i * stride_s + j] = w as f32;
                            v[i * stride_s + j] = (var(gp) + var(gm)) as f32;
                        }
                    }
                    Sensing::DigitalDifference => {
                        let (sp, sm) = (gp / g_scale_s, gm / g_scale_s);
                        if let Some(s) = s64.as_deref_mut() {
                            s[i * stride_s + j] = sp;
                            s[i * stride_s + nc + j] = sm;
                        }
                        if let (Some(s), Some(v)) = (s32.as_deref_mut(), v32.as_deref_mut()) {
                            s[i * stride_s + j] = sp as f32;
                            s[i * stride_s + nc + j] = sm as f32;
                            v[i * stride_s + j] = var(gp) as f32;
                            v[i * stride_s + nc + j] = var(gm) as f32;
                        }
                    }
                }
            }
            row_g_sum_s.push(sum);
        }
    }

    /// ADC codes per volt and offset codes of each of the `sensed` channels
    /// of `layout`: channel `j`'s TIA and ADC are those of its column (the
    /// plus column, or under digital sensing the minus column of pair
    /// `j - cols` for `j >= cols`).
    fn channel_converters(&self, layout: &PartitionLayout, sensed: usize) -> (Vec<f64>, Vec<f64>) {
        let nc = layout.plus.len();
        let chan_col = |ch: usize| -> usize {
            if ch < nc {
                layout.plus[ch] as usize
            } else {
                layout.minus[ch - nc] as usize
            }
        };
        let (gain, offset) = (&self.converters.gain, &self.converters.offset_codes);
        let adc_lsb = self.periphery.adc_lsb_v;
        let codes_per_v: Vec<f64> = (0..sensed).map(|ch| gain[chan_col(ch)] / adc_lsb).collect();
        let offset_codes: Vec<f64> = (0..sensed).map(|ch| offset[chan_col(ch)]).collect();
        (codes_per_v, offset_codes)
    }
}

/// The partition's columns sorted by physical index (for the IR-drop
/// network) and, for each, its sensed channel and the sign it enters it with.
fn ir_columns(layout: &PartitionLayout, sensing: Sensing) -> (Vec<u32>, Vec<(u32, f64)>) {
    let nc = layout.plus.len();
    let mut cols_sorted: Vec<(u32, u32, f64)> = Vec::with_capacity(2 * nc);
    for j in 0..nc {
        let (pc, mc) = (layout.plus[j], layout.minus[j]);
        match sensing {
            Sensing::AnalogueDifference => {
                cols_sorted.push((pc, j as u32, 1.0));
                cols_sorted.push((mc, j as u32, -1.0));
            }
            Sensing::DigitalDifference => {
                cols_sorted.push((pc, j as u32, 1.0));
                cols_sorted.push((mc, (nc + j) as u32, 1.0));
            }
        }
    }
    cols_sorted.sort_unstable_by_key(|c| c.0);
    (
        cols_sorted.iter().map(|c| c.0).collect(),
        cols_sorted.iter().map(|c| (c.1, c.2)).collect(),
    )
}
