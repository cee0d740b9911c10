//! The conductance map of a formed array: forming, reading, drift, summary
//! statistics and differential pairs.

use param_guard::ParamGuard;
use std::fmt;

use rand::{Rng, RngExt};
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, ensure};
use crate::forming::SweepDistribution;
use crate::noise::NoiseModel;
use crate::params::{DeviceParams, DriftParams, Program, ReadNoiseParams};
use crate::stats::{Histogram, Moments};
use param_guard::ParamError;

/// Largest number of cells of one map (2^28, a 16384 x 16384 array).
pub const CELLS_MAX: usize = 1 << 28;

/// What happened to a cell when the array was formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[repr(u8)]
pub enum CellState {
    /// Healthy, did not break down: pristine conductance.
    Pristine,
    /// Healthy, broke down: conductance set by the compliance.
    Formed,
    /// Stuck at pristine (failed to form whatever the programming).
    StuckPristine,
    /// Stuck at a high conductance.
    StuckHigh,
}

impl CellState {
    /// Whether the cell conducts through a filament (formed or stuck high).
    pub fn has_filament(self) -> bool {
        matches!(self, CellState::Formed | CellState::StuckHigh)
    }

    /// Whether the cell is faulty.
    pub fn is_stuck(self) -> bool {
        matches!(self, CellState::StuckPristine | CellState::StuckHigh)
    }
}

/// The conductances of a `rows x cols` array after forming, row-major, with
/// the state of every cell.
#[derive(Clone, Debug, PartialEq)]
pub struct ConductanceMap {
    rows: usize,
    cols: usize,
    g_s: Vec<f64>,
    states: Vec<CellState>,
    /// Breakdown voltage of each cell under a sweep (NaN where none).
    breakdown_v: Option<Vec<f32>>,
}

/// How a program decides breakdown, derived once per forming.
///
/// A cell's exponential threshold `E = -ln(1 - U)` reaches a cumulative
/// hazard `H` iff `U <= 1 - exp(-H)`, so the uniform is compared with the
/// cumulative probabilities directly (no logarithm per cell).
enum Rule {
    /// Breaks down iff `U <= 1 - exp(-(t / eta(V))^beta)`.
    Pulse { formed_probability: f64 },
    /// First step `k` with `U <= 1 - exp(-H_k)`.
    Sweep {
        dist: SweepDistribution,
        cumulative: Vec<f64>,
    },
}

fn check_shape(rows: usize, cols: usize) -> Result<usize> {
    ensure(rows > 0, "rows", rows, ">= 1")?;
    ensure(cols > 0, "cols", cols, ">= 1")?;
    let n = rows.saturating_mul(cols);
    ensure(
        n <= CELLS_MAX,
        "cols",
        cols,
        "such that rows x cols <= 2^28",
    )?;
    Ok(n)
}

impl ConductanceMap {
    /// Forms a `rows x cols` array: every cell receives `program`.
    ///
    /// Each cell, in row-major order, draws exactly three numbers from `rng`:
    /// a normal for its pristine conductance, a uniform `U` for its breakdown
    /// threshold, a normal for its formed conductance, whatever the program
    /// (so two programs applied with the same stream see the same cells:
    /// common random numbers). Then one uniform per cell decides faults. A
    /// cell breaks down when its exponential threshold `E = -ln(1 - U)` is at
    /// most the program's cumulative hazard `H` (equivalently
    /// `U <= 1 - exp(-H)`), which happens with exactly the Weibull
    /// probability; under a sweep it breaks down at the first step where this
    /// holds.
    pub fn form<R: Rng + ?Sized>(
        rows: usize,
        cols: usize,
        params: &DeviceParams,
        program: &Program,
        rng: &mut R,
    ) -> Result<ConductanceMap> {
        let (mut map, pristine) = Self::forming_pass(rows, cols, params, program, rng)?;
        map.fault_pass(params, &pristine, rng);
        Ok(map)
    }

    /// Forms with the experiment's streams: forming draws from
    /// [`Purpose::DeviceForming`], faults from [`Purpose::DeviceFaults`], so
    /// changing the fault fractions leaves every healthy cell unchanged.
    pub fn form_seeded(
        rows: usize,
        cols: usize,
        params: &DeviceParams,
        program: &Program,
        seeds: Seeds,
    ) -> Result<ConductanceMap> {
        Self::form_with(
            rows,
            cols,
            params,
            program,
            &mut seeds.stream(Purpose::DeviceForming),
            &mut seeds.stream(Purpose::DeviceFaults),
        )
    }

    /// Forms with separate streams for forming and faults.
    pub fn form_with<R1, R2>(
        rows: usize,
        cols: usize,
        params: &DeviceParams,
        program: &Program,
        forming_rng: &mut R1,
        fault_rng: &mut R2,
    ) -> Result<ConductanceMap>
    where
        R1: Rng + ?Sized,
        R2: Rng + ?Sized,
    {
        let (mut map, pristine) = Self::forming_pass(rows, cols, params, program, forming_rng)?;
        map.fault_pass(params, &pristine, fault_rng);
        Ok(map)
    }

    /// Draws every cell; returns the map and each cell's pristine
    /// conductance when faults need it.
    fn forming_pass<R: Rng + ?Sized>(
        rows: usize,
        cols: usize,
        params: &DeviceParams,
        program: &Program,
        rng: &mut R,
    ) -> Result<(ConductanceMap, Vec<f64>)> {
        let n = check_shape(rows, cols)?;
        params.validate()?;
        program.validate(params)?;
        let rule = match program {
            Program::Pulse(p) => Rule::Pulse {
                formed_probability: params.forming.pulse_formed_probability(p.v_v, p.width_s),
            },
            Program::Sweep(s) => {
                let dist = SweepDistribution::new(&params.forming, s);
                let cumulative = dist
                    .cumulative_hazards()
                    .iter()
                    .map(|h| -(-h).exp_m1())
                    .collect();
                Rule::Sweep { dist, cumulative }
            }
        };
        let g_median = params.pristine.g_median_us * 1e-6;
        let s_p = params.pristine.sigma_ln;
        let s_f = params.compliance.sigma_ln;
        let i_c = program.compliance().current_a(&params.compliance);
        // Median of the formed log-normal: mean * exp(-sigma^2 / 2).
        let g_formed_median = params.compliance.g_mean_s(i_c) * (-0.5 * s_f * s_f).exp();
        let quantum = params.compliance.quantum_step_s();
        let keep_pristine = params.faults.stuck_pristine_fraction > 0.0;

        let mut g_s = Vec::with_capacity(n);
        let mut states = Vec::with_capacity(n);
        let mut pristine = if keep_pristine {
            Vec::with_capacity(n)
        } else {
            Vec::new()
        };
        let mut breakdown_v = match rule {
            Rule::Sweep { .. } => Some(Vec::with_capacity(n)),
            Rule::Pulse { .. } => None,
        };
        for _ in 0..n {
            let z_p: f64 = rng.sample(StandardNormal);
            let u: f64 = rng.random();
            let z_f: f64 = rng.sample(StandardNormal);
            let step = match &rule {
                Rule::Pulse { formed_probability } => (u <= *formed_probability).then_some(0),
                Rule::Sweep { cumulative, .. } => {
                    let k = cumulative.partition_point(|&f| f < u);
                    (k < cumulative.len()).then_some(k)
                }
            };
            if let (Some(bv), Rule::Sweep { dist, .. }) = (breakdown_v.as_mut(), &rule) {
                bv.push(step.map_or(f32::NAN, |k| dist.voltages_v()[k] as f32));
            }
            let formed = step.is_some();
            // The pristine conductance is computed only where it is used.
            let g_p = if !formed || keep_pristine {
                g_median * (s_p * z_p).exp()
            } else {
                0.0
            };
            if formed {
                let mut g = g_formed_median * (s_f * z_f).exp();
                if let Some(q) = quantum {
                    g = (g / q).round().max(1.0) * q;
                }
                g_s.push(g);
                states.push(CellState::Formed);
            } else {
                g_s.push(g_p);
                states.push(CellState::Pristine);
            }
            if keep_pristine {
                pristine.push(g_p);
            }
        }
        Ok((
            ConductanceMap {
                rows,
                cols,
                g_s,
                states,
                breakdown_v,
            },
            pristine,
        ))
    }

    /// One uniform per cell: below `f_sp` stuck at pristine, below
    /// `f_sp + f_sh` stuck high.
    fn fault_pass<R: Rng + ?Sized>(
        &mut self,
        params: &DeviceParams,
        pristine: &[f64],
        rng: &mut R,
    ) {
        let f = &params.faults;
        let (a, b) = (
            f.stuck_pristine_fraction,
            f.stuck_pristine_fraction + f.stuck_high_fraction,
        );
        let g_high = f.g_stuck_high_us * 1e-6;
        for i in 0..self.g_s.len() {
            let u: f64 = rng.random();
            let stuck = if u < a {
                // `pristine` holds every cell whenever a > 0.
                self.g_s[i] = pristine[i];
                CellState::StuckPristine
            } else if u < b {
                self.g_s[i] = g_high;
                CellState::StuckHigh
            } else {
                continue;
            };
            self.states[i] = stuck;
            if let Some(bv) = self.breakdown_v.as_mut() {
                bv[i] = f32::NAN;
            }
        }
    }

    /// A map from given conductances (S, row-major) and states, e.g. a
    /// measured array.
    pub fn from_parts(
        rows: usize,
        cols: usize,
        g_s: Vec<f64>,
        states: Vec<CellState>,
    ) -> Result<ConductanceMap> {
        let n = check_shape(rows, cols)?;
        for (what, len) in [("conductances", g_s.len()), ("states", states.len())] {
            if len != n {
                return Err(Error::ShapeMismatch {
                    what: what.into(),
                    expected: format!("{rows} x {cols} = {n} values"),
                    found: format!("{len} values"),
                });
            }
        }
        if let Some(i) = g_s.iter().position(|g| !(g.is_finite() && *g >= 0.0)) {
            ensure(false, &format!("g_s[{i}]"), g_s[i], "finite and >= 0")?;
        }
        Ok(ConductanceMap {
            rows,
            cols,
            g_s,
            states,
            breakdown_v: None,
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.g_s.len()
    }

    /// Always false (a map has at least one cell).
    pub fn is_empty(&self) -> bool {
        self.g_s.is_empty()
    }

    /// The conductances, S, row-major.
    pub fn conductances_s(&self) -> &[f64] {
        &self.g_s
    }

    /// The conductances as `f32` siemens, row-major (for a simulation hot
    /// path).
    pub fn conductances_f32_s(&self) -> Vec<f32> {
        self.g_s.iter().map(|&g| g as f32).collect()
    }

    /// The cell states, row-major.
    pub fn states(&self) -> &[CellState] {
        &self.states
    }

    /// Conductance of cell `(row, col)`, S.
    pub fn g_s(&self, row: usize, col: usize) -> Option<f64> {
        (row < self.rows && col < self.cols).then(|| self.g_s[row * self.cols + col])
    }

    /// State of cell `(row, col)`.
    pub fn state(&self, row: usize, col: usize) -> Option<CellState> {
        (row < self.rows && col < self.cols).then(|| self.states[row * self.cols + col])
    }

    /// Per-cell formed flag (healthy and broken down), row-major.
    pub fn formed_flags(&self) -> Vec<bool> {
        self.states
            .iter()
            .map(|s| *s == CellState::Formed)
            .collect()
    }

    /// Breakdown voltage of each cell (NaN where it did not break down),
    /// when the map was formed with a sweep.
    pub fn breakdown_voltages_v(&self) -> Option<&[f32]> {
        self.breakdown_v.as_deref()
    }

    /// The same map with the breakdown voltage of every cell attached (V,
    /// row-major, NaN where a cell did not break down), as a sweep forming
    /// records them; e.g. to restore a saved map exactly. The values are
    /// kept as given.
    pub fn with_breakdown_voltages_v(mut self, breakdown_v: Vec<f32>) -> Result<ConductanceMap> {
        if breakdown_v.len() != self.g_s.len() {
            return Err(Error::ShapeMismatch {
                what: "breakdown voltages".into(),
                expected: format!("{} x {} = {} values", self.rows, self.cols, self.g_s.len()),
                found: format!("{} values", breakdown_v.len()),
            });
        }
        self.breakdown_v = Some(breakdown_v);
        Ok(self)
    }

    /// Fraction of cells in state [`CellState::Formed`].
    pub fn formed_fraction(&self) -> f64 {
        self.states
            .iter()
            .filter(|s| **s == CellState::Formed)
            .count() as f64
            / self.len() as f64
    }

    fn cell_index(&self, row: usize, col: usize) -> Result<usize> {
        ensure(row < self.rows, "row", row, &format!("< {}", self.rows))?;
        ensure(col < self.cols, "col", col, &format!("< {}", self.cols))?;
        Ok(row * self.cols + col)
    }

    /// One read of every cell with Gaussian noise, S, row-major.
    pub fn read<R: Rng + ?Sized>(&self, noise: &ReadNoiseParams, rng: &mut R) -> Vec<f64> {
        self.g_s.iter().map(|&g| noise.sample(g, rng)).collect()
    }

    /// One read of every cell with Gaussian noise into `out`.
    pub fn read_into<R: Rng + ?Sized>(
        &self,
        noise: &ReadNoiseParams,
        rng: &mut R,
        out: &mut [f64],
    ) -> Result<()> {
        if out.len() != self.len() {
            return Err(Error::ShapeMismatch {
                what: "read_into output".into(),
                expected: format!("{} values", self.len()),
                found: format!("{} values", out.len()),
            });
        }
        for (o, &g) in out.iter_mut().zip(&self.g_s) {
            *o = noise.sample(g, rng);
        }
        Ok(())
    }

    /// `reads` consecutive reads of each listed cell, `dt_s` apart, with the
    /// full noise model (telegraph and 1/f state start stationary): the data
    /// of a read-stability plot.
    pub fn read_traces<R: Rng + ?Sized>(
        &self,
        cells: &[(usize, usize)],
        reads: usize,
        dt_s: f64,
        model: &NoiseModel,
        rng: &mut R,
    ) -> Result<Vec<Vec<f64>>> {
        let step = model.step(dt_s)?;
        let idx = cells
            .iter()
            .map(|&(r, c)| self.cell_index(r, c))
            .collect::<Result<Vec<_>>>()?;
        Ok(idx
            .into_iter()
            .map(|i| {
                let g = self.g_s[i];
                let mut cell = model.init_cell(g, rng);
                (0..reads)
                    .map(|k| {
                        if k > 0 {
                            step.advance(&mut cell, rng);
                        }
                        model.read(g, &cell, rng)
                    })
                    .collect()
            })
            .collect())
    }

    /// Mean and standard deviation of `reads` reads of every cell (the
    /// read-variance map).
    ///
    /// With Gaussian noise only, the result is drawn exactly from the
    /// distribution of the statistics instead of simulating every read: the
    /// sample mean is `N(G, sigma^2 / n)` and, independently, the sample
    /// variance is `sigma^2 chi^2_{n-1} / (n - 1)`. With telegraph or 1/f
    /// noise, every read is simulated (`dt_s` apart).
    pub fn repeated_read_stats<R: Rng + ?Sized>(
        &self,
        reads: usize,
        dt_s: f64,
        model: &NoiseModel,
        rng: &mut R,
    ) -> Result<ReadStats> {
        if model.is_stateful() {
            return self.repeated_read_stats_explicit(reads, dt_s, model, rng);
        }
        ensure(reads >= 2, "reads", reads, ">= 2")?;
        let n = reads as f64;
        let chi = ChiSquared::new(n - 1.0).map_err(|_| {
            Error::InvalidParameter(ParamError {
                field: "reads".into(),
                value: reads.to_string(),
                allowed: ">= 2".into(),
            })
        })?;
        let mut mean_s = Vec::with_capacity(self.len());
        let mut std_s = Vec::with_capacity(self.len());
        for &g in &self.g_s {
            let sigma = model.sigma(g);
            let z: f64 = rng.sample(StandardNormal);
            mean_s.push(g + sigma / n.sqrt() * z);
            let c: f64 = chi.sample(rng);
            std_s.push(sigma * (c / (n - 1.0)).sqrt());
        }
        Ok(ReadStats {
            reads,
            mean_s,
            std_s,
        })
    }

    /// Like [`ConductanceMap::repeated_read_stats`] but always simulates every
    /// read (cost: cells x reads draws).
    pub fn repeated_read_stats_explicit<R: Rng + ?Sized>(
        &self,
        reads: usize,
        dt_s: f64,
        model: &NoiseModel,
        rng: &mut R,
    ) -> Result<ReadStats> {
        ensure(reads >= 2, "reads", reads, ">= 2")?;
        let step = model.step(dt_s)?;
        let mut mean_s = Vec::with_capacity(self.len());
        let mut std_s = Vec::with_capacity(self.len());
        for &g in &self.g_s {
            let mut cell = model.init_cell(g, rng);
            // Welford's update on the deviation from G (exact and stable).
            let (mut m, mut s2) = (0.0, 0.0);
            for k in 0..reads {
                if k > 0 {
                    step.advance(&mut cell, rng);
                }
                let x = model.read(g, &cell, rng) - g;
                let d = x - m;
                m += d / (k + 1) as f64;
                s2 += d * (x - m);
            }
            mean_s.push(g + m);
            std_s.push((s2 / (reads - 1) as f64).sqrt());
        }
        Ok(ReadStats {
            reads,
            mean_s,
            std_s,
        })
    }

    /// The map after retention drift for `t_s` seconds (see
    /// [`DriftParams`]); unchanged when drift is disabled.
    ///
    /// One standard normal per cell is drawn from `rng` (all cells, in
    /// row-major order), so calling this for several times with a fresh copy
    /// of the same stream (e.g. `seeds.stream(Purpose::Drift)`) gives one
    /// consistent trajectory per cell. Only formed cells drift; the result is
    /// clamped at 0.
    pub fn drifted<R: Rng + ?Sized>(
        &self,
        drift: &DriftParams,
        t_s: f64,
        rng: &mut R,
    ) -> Result<ConductanceMap> {
        drift.validate()?;
        ensure(t_s.is_finite() && t_s >= 0.0, "t_s", t_s, "finite and >= 0")?;
        let mut out = self.clone();
        if !drift.enabled {
            return Ok(out);
        }
        let l = drift.log_time(t_s);
        let (m, s) = (drift.mean_shift_us * 1e-6 * l, drift.spread_us * 1e-6 * l);
        for (g, st) in out.g_s.iter_mut().zip(&self.states) {
            let z: f64 = rng.sample(StandardNormal);
            if *st == CellState::Formed {
                *g = (*g + m + s * z).max(0.0);
            }
        }
        Ok(out)
    }

    /// Weights `(G(r, 2j) - G(r, 2j + 1)) / g_scale` of the adjacent column
    /// pairs of every row (an odd last column is left out), row-major.
    pub fn column_pair_weights(&self, g_scale_s: f64) -> Vec<f64> {
        let pairs = self.cols / 2;
        let mut w = Vec::with_capacity(self.rows * pairs);
        for row in self.g_s.chunks_exact(self.cols) {
            for p in row.chunks_exact(2) {
                w.push((p[0] - p[1]) / g_scale_s);
            }
        }
        w
    }

    /// Histogram of the conductances over `[lo_s, hi_s)`.
    pub fn histogram(&self, lo_s: f64, hi_s: f64, bins: usize) -> Result<Histogram> {
        Histogram::new(&self.g_s, lo_s, hi_s, bins)
    }

    /// Summary statistics, with differential weights from adjacent column
    /// pairs scaled by `g_scale_s`.
    pub fn summary(&self, g_scale_s: f64) -> MapSummary {
        let mut counts = StateCounts::default();
        for s in &self.states {
            match s {
                CellState::Pristine => counts.pristine += 1,
                CellState::Formed => counts.formed += 1,
                CellState::StuckPristine => counts.stuck_pristine += 1,
                CellState::StuckHigh => counts.stuck_high += 1,
            }
        }
        let of_state = |f: fn(CellState) -> bool| {
            Moments::of_iter(
                self.g_s
                    .iter()
                    .zip(&self.states)
                    .filter(move |(_, s)| f(**s))
                    .map(|(g, _)| *g),
            )
        };
        let mut pair_kinds = [0usize; 3];
        for row in self.states.chunks_exact(self.cols) {
            for p in row.chunks_exact(2) {
                pair_kinds[usize::from(p[0].has_filament()) + usize::from(p[1].has_filament())] +=
                    1;
            }
        }
        let pairs = self.rows * (self.cols / 2);
        let frac = |k: usize| {
            if pairs > 0 {
                k as f64 / pairs as f64
            } else {
                0.0
            }
        };
        let breakdown_v = self.breakdown_v.as_ref().and_then(|b| {
            Moments::of_iter(b.iter().filter(|v| !v.is_nan()).map(|&v| f64::from(v)))
        });
        MapSummary {
            rows: self.rows,
            cols: self.cols,
            formed_fraction: counts.formed as f64 / self.len() as f64,
            counts,
            // The map is never empty, so the moments exist.
            all_g: Moments::of(&self.g_s).unwrap_or(Moments {
                n: 0,
                mean: f64::NAN,
                std: f64::NAN,
                skewness: f64::NAN,
                excess_kurtosis: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            }),
            formed_g: of_state(|s| s == CellState::Formed),
            pristine_g: of_state(|s| !s.has_filament()),
            differential: DifferentialSummary {
                pairs,
                both_filament: frac(pair_kinds[2]),
                one_filament: frac(pair_kinds[1]),
                no_filament: frac(pair_kinds[0]),
                g_scale_s,
                weights: Moments::of(&self.column_pair_weights(g_scale_s)),
            },
            breakdown_v,
        }
    }
}

/// Weights `(G+ - G-) / g_scale` of two maps of the same shape, row-major.
pub fn differential_weights(
    plus: &ConductanceMap,
    minus: &ConductanceMap,
    g_scale_s: f64,
) -> Result<Vec<f64>> {
    ensure(
        g_scale_s.is_finite() && g_scale_s > 0.0,
        "g_scale_s",
        g_scale_s,
        "finite and > 0",
    )?;
    if (plus.rows, plus.cols) != (minus.rows, minus.cols) {
        return Err(Error::ShapeMismatch {
            what: "differential pair".into(),
            expected: format!("{} x {}", plus.rows, plus.cols),
            found: format!("{} x {}", minus.rows, minus.cols),
        });
    }
    Ok(plus
        .g_s
        .iter()
        .zip(&minus.g_s)
        .map(|(a, b)| (a - b) / g_scale_s)
        .collect())
}

/// Per-cell statistics of repeated reads.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadStats {
    /// Reads per cell.
    pub reads: usize,
    /// Sample mean per cell, S.
    pub mean_s: Vec<f64>,
    /// Sample standard deviation per cell, S.
    pub std_s: Vec<f64>,
}

impl ReadStats {
    /// Fraction of cells whose read standard deviation is below
    /// `threshold_s`.
    pub fn fraction_std_below(&self, threshold_s: f64) -> f64 {
        if self.std_s.is_empty() {
            return 0.0;
        }
        self.std_s.iter().filter(|s| **s < threshold_s).count() as f64 / self.std_s.len() as f64
    }
}

/// Number of cells in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    /// Healthy, not broken down.
    pub pristine: usize,
    /// Healthy, broken down.
    pub formed: usize,
    /// Stuck at pristine.
    pub stuck_pristine: usize,
    /// Stuck high.
    pub stuck_high: usize,
}

/// Statistics of the differential weights of adjacent column pairs: a
/// mixture of filament-filament pairs (the quasi-normal core),
/// filament-pristine pairs (about `+-G_formed / g_scale`) and
/// pristine-pristine pairs (about 0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DifferentialSummary {
    /// Number of pairs.
    pub pairs: usize,
    /// Fraction of pairs with a filament in both cells.
    pub both_filament: f64,
    /// Fraction of pairs with a filament in exactly one cell.
    pub one_filament: f64,
    /// Fraction of pairs with no filament.
    pub no_filament: f64,
    /// Conductance of unit weight, S.
    pub g_scale_s: f64,
    /// Moments of the weights (weight units); `None` for a single column.
    pub weights: Option<Moments>,
}

/// Summary statistics of a map (conductances in S).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapSummary {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Cells per state.
    pub counts: StateCounts,
    /// Fraction of cells in state formed.
    pub formed_fraction: f64,
    /// Every cell.
    pub all_g: Moments,
    /// Formed cells (healthy, broken down).
    pub formed_g: Option<Moments>,
    /// Cells without a filament (pristine and stuck at pristine).
    pub pristine_g: Option<Moments>,
    /// Differential weights of adjacent column pairs.
    pub differential: DifferentialSummary,
    /// Breakdown voltages, V (sweeps only).
    pub breakdown_v: Option<Moments>,
}

impl fmt::Display for MapSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        writeln!(
            f,
            "array {} x {} ({} cells)",
            self.rows,
            self.cols,
            self.rows * self.cols
        )?;
        writeln!(
            f,
            "states: formed {} ({:.4} %), pristine {}, stuck-pristine {}, stuck-high {}",
            c.formed,
            100.0 * self.formed_fraction,
            c.pristine,
            c.stuck_pristine,
            c.stuck_high
        )?;
        writeln!(f, "all cells, uS:      {}", self.all_g.scaled(1e6))?;
        if let Some(m) = &self.formed_g {
            writeln!(f, "formed cells, uS:   {}", m.scaled(1e6))?;
        }
        if let Some(m) = &self.pristine_g {
            writeln!(f, "no filament, uS:    {}", m.scaled(1e6))?;
        }
        if let Some(m) = &self.breakdown_v {
            writeln!(f, "breakdown, V:       {m}")?;
        }
        let d = &self.differential;
        writeln!(
            f,
            "differential pairs (columns 2j - 2j+1, g_scale {} uS): {} pairs; filament in both {:.4}, one {:.4}, none {:.4}",
            d.g_scale_s * 1e6,
            d.pairs,
            d.both_filament,
            d.one_filament,
            d.no_filament
        )?;
        if let Some(m) = &d.weights {
            writeln!(f, "weights:            {m}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{PulseProgram, SweepProgram};

    fn small(program: &Program) -> ConductanceMap {
        ConductanceMap::form_seeded(8, 10, &DeviceParams::default(), program, Seeds::new(3))
            .unwrap()
    }

    #[test]
    fn shape_and_accessors() {
        let m = small(&Program::default());
        assert_eq!((m.rows(), m.cols(), m.len()), (8, 10, 80));
        assert_eq!(m.g_s(7, 9), Some(m.conductances_s()[79]));
        assert_eq!(m.g_s(8, 0), None);
        assert!(m.breakdown_voltages_v().is_none());
        assert_eq!(m.column_pair_weights(1e-6).len(), 40);
        assert!(
            ConductanceMap::form_seeded(
                0,
                3,
                &DeviceParams::default(),
                &Program::default(),
                Seeds::new(1)
            )
            .is_err()
        );
    }

    #[test]
    fn sweep_records_breakdown_voltages_on_the_grid() {
        let m = small(&Program::Sweep(SweepProgram::default()));
        let bv = m.breakdown_voltages_v().unwrap();
        for (&v, s) in bv.iter().zip(m.states()) {
            if *s == CellState::Formed {
                let k = (f64::from(v) - 3.0) / 0.05;
                assert!(
                    (k - k.round()).abs() < 1e-4 && (3.0..=5.0).contains(&v),
                    "{v}"
                );
            } else {
                assert!(v.is_nan());
            }
        }
    }

    #[test]
    fn a_map_rebuilt_from_its_parts_and_breakdown_voltages_is_equal() {
        let m = small(&Program::Sweep(SweepProgram::default()));
        let bv = m.breakdown_voltages_v().unwrap().to_vec();
        let parts = ConductanceMap::from_parts(
            m.rows(),
            m.cols(),
            m.conductances_s().to_vec(),
            m.states().to_vec(),
        )
        .unwrap();
        assert!(parts.breakdown_voltages_v().is_none());
        assert!(matches!(
            parts.clone().with_breakdown_voltages_v(vec![0.0; 3]),
            Err(Error::ShapeMismatch { .. })
        ));
        // Compared as bits: the NaN of a cell that did not break down is
        // unequal to itself.
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let back = parts.with_breakdown_voltages_v(bv).unwrap();
        assert_eq!(
            bits(back.breakdown_voltages_v().unwrap()),
            bits(m.breakdown_voltages_v().unwrap())
        );
        assert_eq!(back.conductances_s(), m.conductances_s());
        assert_eq!(back.states(), m.states());
    }

    #[test]
    fn a_weak_pulse_leaves_cells_pristine() {
        let weak = Program::Pulse(PulseProgram {
            v_v: 1.0,
            width_s: 1e-9,
            ..PulseProgram::default()
        });
        let m = small(&weak);
        assert!(m.states().iter().all(|s| *s == CellState::Pristine));
        assert!(m.conductances_s().iter().all(|g| *g < 1e-6));
    }

    #[test]
    fn from_parts_checks_shape_and_values() {
        let ok = ConductanceMap::from_parts(1, 2, vec![1e-6, 2e-6], vec![CellState::Formed; 2]);
        assert!(ok.is_ok());
        assert!(matches!(
            ConductanceMap::from_parts(1, 2, vec![1e-6], vec![CellState::Formed; 2]),
            Err(Error::ShapeMismatch { .. })
        ));
        let e = ConductanceMap::from_parts(1, 2, vec![1e-6, -1.0], vec![CellState::Formed; 2])
            .unwrap_err()
            .to_string();
        assert!(e.contains("g_s[1]"), "{e}");
    }

    #[test]
    fn drift_off_is_identity_and_on_moves_formed_cells_only() {
        let m = small(&Program::default());
        let mut d = DriftParams::default();
        let mut rng = Seeds::new(1).stream(Purpose::Drift);
        assert_eq!(m.drifted(&d, 1e4, &mut rng).unwrap(), m);
        d.enabled = true;
        let later = m.drifted(&d, 1e4, &mut rng).unwrap();
        assert_ne!(later, m);
        assert!(m.drifted(&d, -1.0, &mut rng).is_err());
    }
}
