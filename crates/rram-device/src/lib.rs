//! Physics of 1T1R TaOx resistive-memory cells: random conductances from
//! stochastic forming under current compliance, and what the cells do when
//! read.
//!
//! The random synaptic weights of the reservoir are made physically: every
//! as-deposited cell of the array receives the same forming pulse under a
//! current compliance set by its access transistor, and stochastic dielectric
//! breakdown leaves each cell at a random conductance (Lin et al., Nature
//! Computational Science 2025; the device statistics come from the same
//! group's echo-state graph network paper on the same 40 nm process, Nature
//! Machine Intelligence 2023, called "ESGNN" below). This crate models:
//!
//! * pristine (unformed) cells, a high-resistance state near 10 MOhm;
//! * forming under a pulse or a staircase sweep, with a Weibull time to
//!   breakdown whose scale is voltage-accelerated;
//! * the compliance current of the access transistor, which sets the formed
//!   conductance;
//! * read noise (Gaussian, random telegraph, 1/f), retention drift and stuck
//!   cells;
//! * differential pairs, whose conductance difference is a signed weight;
//! * inverse design (programming conditions for a wanted weight distribution)
//!   and fitting the model to measured conductances.
//!
//! Device-to-device variability (pristine spread, which cells break down,
//! the formed spread) is drawn once, when the array is formed; cycle-to-cycle
//! variability (read noise) is drawn at every read. The two are separate
//! parameter groups and separate random streams.
//!
//! All quantities are SI (siemens, volts, seconds, amperes) in code;
//! configuration keys carry their unit when it is not SI or not obvious
//! (`g_median_us`, `i_c_ua`, `v_v`, `width_s`).
//!
//! # Entry points
//!
//! | what | call |
//! |---|---|
//! | parameters | [`DeviceParams`] (groups [`PristineParams`], [`FormingParams`], [`ComplianceParams`], [`ReadNoiseParams`], [`DriftParams`], [`FaultParams`], [`DifferentialParams`]); `validate()` names the bad field |
//! | programming | [`Program`]: [`PulseProgram`] or [`SweepProgram`], each with a [`Compliance`] |
//! | form an array | [`ConductanceMap::form_seeded`], [`ConductanceMap::form`], [`ConductanceMap::form_with`] |
//! | statistics | [`ConductanceMap::summary`] ([`MapSummary`]), [`ConductanceMap::histogram`], closed forms [`predict`], [`SweepDistribution`] |
//! | reads | [`ReadNoiseParams::sigma`], [`ConductanceMap::read`], [`ConductanceMap::read_traces`], [`ConductanceMap::repeated_read_stats`], per-cell state [`NoiseModel`], [`NoiseStep`], [`CellNoise`] |
//! | drift | [`ConductanceMap::drifted`] |
//! | weights | [`differential_weights`], [`ConductanceMap::column_pair_weights`] |
//! | inverse design | [`design_weights`] + [`verify_weights`], [`design_formed`] + [`verify_formed`] |
//! | fitting | [`read_conductances_us`], [`parse_conductances_us`], [`fit_conductances`] |
//!
//! ```
//! use rram_device::{ConductanceMap, DeviceParams, Program};
//! use seeds::Seeds;
//!
//! let params = DeviceParams::default();
//! let map = ConductanceMap::form_seeded(64, 64, &params, &Program::default(), Seeds::new(1))?;
//! let s = map.summary(params.differential.g_scale_s());
//! let formed = s.formed_g.expect("the default pulse forms every cell");
//! assert!((formed.mean * 1e6 - 14.25).abs() < 0.3);
//! # Ok::<(), rram_device::Error>(())
//! ```
//!
//! ## For a crossbar simulator
//!
//! A macro forms its array once and reads it many times:
//!
//! * `ConductanceMap::form_seeded(rows, cols, &DeviceParams, &Program, Seeds) -> Result<ConductanceMap>`,
//!   then `map.conductances_s() -> &[f64]` (row-major, S),
//!   `map.states() -> &[CellState]`, `map.formed_flags() -> Vec<bool>`.
//! * Gaussian read noise as a plain function of the conductance:
//!   `ReadNoiseParams::sigma(&self, g_s: f64) -> f64` (`s0 + s1 G`, S).
//!   Reads of different cells are independent, so a column current
//!   `I = sum_i V_i G_i` read once carries Gaussian noise of variance
//!   `sum_i V_i^2 sigma(G_i)^2`, which can be drawn once per column.
//! * Telegraph and 1/f noise carry state: `NoiseModel::new(&ReadNoiseParams) -> Result<NoiseModel>`,
//!   `model.init_cell(g_s, rng) -> CellNoise` once per cell,
//!   `model.step(dt_s) -> Result<NoiseStep>` once per time step size,
//!   `step.advance(&mut CellNoise, rng)` between reads, and
//!   `cell.offset_s() -> f64` (add to `G` before the Gaussian part).
//!   `model.is_stateful()` says whether any of it is enabled.
//! * Drift: `map.drifted(&DriftParams, t_s, rng) -> Result<ConductanceMap>`.
//! * Weights: `differential_weights(&plus, &minus, g_scale_s) -> Result<Vec<f64>>`.
//!
//! # Models and equations
//!
//! ## Pristine cell
//!
//! `G_p = g_median exp(sigma_p Z)`, `Z ~ N(0, 1)`: log-normal with median
//! 0.1 uS (10 MOhm), mean `g_median exp(sigma_p^2 / 2)` = 0.1046 uS and
//! standard deviation 0.032 uS with the defaults.
//!
//! ## Forming: Weibull breakdown
//!
//! Under a constant voltage `V` the time to breakdown is Weibull,
//! `F(t) = 1 - exp(-(t / eta(V))^beta)`, with the power-law voltage
//! acceleration `eta(V) = eta0 (V / V0)^(-n)`. Under a varying voltage the
//! cumulative-exposure model applies: a cell breaks down once the damage
//! `D = integral dt / eta(V(t))` reaches its own threshold `W ~ Weibull(beta, 1)`,
//! so `F = 1 - exp(-D^beta)`.
//!
//! * **Pulse** of amplitude `V` and width `t`: `P(formed) = 1 - exp(-(t / eta(V))^beta)`.
//! * **Staircase sweep** `V_k = V_start + k dV` held `t_step` each:
//!   `D_k = sum_{j <= k} t_step / eta(V_j)` (exact, the voltage is constant
//!   within a step). The probability of breaking down at step `k` given
//!   survival to it is `h_k = 1 - exp(-(D_k^beta - D_{k-1}^beta))`; the
//!   breakdown voltage `V_BD` is `V_k` with probability
//!   `q_k = h_k prod_{j<k} (1 - h_j)`; its moments are sums over the steps
//!   ([`SweepDistribution`]). Stopping the sweep at `V` forms the fraction
//!   `P(V_BD <= V)`, the knob ESGNN used to set the sparsity.
//!
//! Cells that do not break down stay pristine.
//!
//! ## Compliance and formed conductance
//!
//! The access transistor caps the forming current at `I_C`, given directly
//! or from its gate voltage in saturation, `I_C = k / 2 (V_G - V_T)^2`. The
//! filament grows until it carries `I_C` at about `V_C`, so
//! `G = I_C / V_C * M` with a mean-one log-normal spread
//! `M = exp(sigma_f Z - sigma_f^2 / 2)`. Hence `E[G] = I_C / V_C` and
//! `std G = E[G] sqrt(exp(sigma_f^2) - 1)`. Optionally `G` snaps to the
//! nearest positive multiple of `G0 / 2^k` (`G0 = 2 e^2 / h = 77.48 uS`), the
//! conductance quantisation of atom-sized filaments.
//!
//! ## Differential weights and the mixture
//!
//! `w = (G+ - G-) / g_scale`. When every cell forms, `w` has mean
//! `(E[G+] - E[G-]) / g_scale`, standard deviation `sqrt(2) sigma_G / g_scale`
//! for independent, identically programmed pairs, skewness 0 and half the
//! excess kurtosis of one cell (0.245 with the defaults). When the program
//! leaves a fraction `1 - p` of cells pristine, a cell's conductance is a
//! mixture (formed log-normal with weight `p`, pristine log-normal with
//! weight `1 - p`, plus stuck cells), and the weights are a mixture of
//! formed-formed pairs (the quasi-normal core, probability `p^2`),
//! formed-pristine pairs (`+-G_formed`, probability `2 p (1 - p)`) and
//! pristine-pristine pairs (about 0). [`MapSummary`] reports the three pair
//! fractions and the moments of the whole mixture; [`predict`] gives the same
//! in closed form (mixture raw moments).
//!
//! ## Read noise
//!
//! Each read returns `G + offset + sigma(G) Z` with a fresh `Z` per read and
//! `sigma(G) = s0 + s1 G`. The optional `offset` carries state:
//!
//! * random telegraph noise: one two-state trap in a fraction of cells,
//!   captured at rate `r_c`, emitted at `r_e`, moving the conductance by
//!   `dG = a G (G_ref / G)^gamma` (relative amplitude growing with
//!   resistance); centred so `G` stays the time average. Dwell times are
//!   exponential with means `1 / r_c` and `1 / r_e`; sampled every `dt`, the
//!   chain moves with the exact two-state transition probabilities.
//! * 1/f noise: a sum of Ornstein-Uhlenbeck components with corner
//!   frequencies evenly spaced in log between `f_min` and `f_max`, each of
//!   variance `(q G)^2 ln r` (`r` the corner ratio), so that the spectrum is
//!   `(q G)^2 / f` in the band and the variance of the change over a lag
//!   `tau` grows as `2 (q G)^2 ln(2 pi f_max tau)`.
//!
//! ## Drift
//!
//! `G(t) = max(0, G + m L + s L Z)` with `L = ln(1 + t / t0)` and one `Z` per
//! cell: mean shift and spread both grow with log-time. Only formed cells
//! drift.
//!
//! ## Faults
//!
//! Decided per cell when the array is formed: stuck at pristine (failed to
//! form; keeps its pristine conductance) with probability `f_sp`, stuck at
//! `g_stuck_high` with probability `f_sh`. A state flag per cell
//! ([`CellState`]) records it.
//!
//! # Parameters
//!
//! | name | unit | default | source |
//! |---|---|---|---|
//! | `pristine.g_median_us` | uS | 0.1 | ESGNN Ext. Data Fig. 1: pristine cells "~10 MOhm" |
//! | `pristine.sigma_ln` | 1 | 0.3 | assumed: 99 % within a factor 2.2 of 10 MOhm |
//! | `forming.beta` | 1 | 1.5 | chosen for a quasi-normal sweep histogram (below) |
//! | `forming.accel_exponent` (`n`) | 1 | 7 | same |
//! | `forming.v0_v` | V | 3.5 | reference voltage at the assumed mean breakdown voltage |
//! | `forming.eta0_s` | s | 8.2e-3 | solved so the default sweep's mean breakdown voltage is 3.50 V |
//! | `compliance.v_c_v` | V | 0.4 | "a few hundred mV" (Ielmini's filament-growth picture) |
//! | `compliance.sigma_ln` | 1 | 0.17137 | `sqrt(ln(1 + (2.46 / 14.25)^2))`: the published spread (below) |
//! | `compliance.v_t_v` | V | 0.45 | assumed 40 nm core transistor |
//! | `compliance.k_a_per_v2` | A/V^2 | 2e-4 | assumed |
//! | `compliance.quantum_k` | - | none | off (quantisation is optional) |
//! | `read_noise.s0_us` | uS | 0.01 | assumed floor |
//! | `read_noise.s1` | 1 | 0.007 | paper: read sigma "below 0.14 uS for most cells" (below) |
//! | `read_noise.telegraph.*` | - | off; 10 % of cells, `a` = 0.01 at 14.25 uS, `gamma` 0.5, 100 Hz / 300 Hz | assumed; the paper reports stable reads |
//! | `read_noise.flicker.*` | - | off; `q` = 0.002, 0.01 Hz to 100 kHz, 8 components | assumed |
//! | `drift.*` | - | off; `t0` 1 s, -0.09 uS and 0.04 uS per unit `ln` | an HfOx fit quoted in the anchors; no TaOx data |
//! | `faults.*` | - | 0, 0, 100 uS | the paper reports no faults; 100 uS (1.3 `G0`) assumed |
//! | `differential.g_scale_us` | uS | 1 | weights in uS; the reservoir scales them itself |
//! | pulse `v_v`, `width_s` | V, s | 4.5, 0.01 | forms a fraction `1 - 6.5e-9`: every cell of 512 x 512 |
//! | pulse / sweep `compliance` | uA | `i_c_ua` = 5.7 | `14.25 uS x 0.4 V` (below) |
//! | sweep `v_start_v`, `v_step_v` | V | 3.0, 0.05 | ESGNN Ext. Data Fig. 1 |
//! | sweep `v_stop_v` | V | 5.0 | the DAC's 0-5 V range |
//! | sweep `step_width_s` | s | 1e-3 | not reported; a typical DC-sweep dwell |
//!
//! ## How the defaults were chosen
//!
//! * **Formed conductance.** ESGNN fitted a Gaussian of mean 14.25 uS and
//!   standard deviation 2.46 uS to the formed cells (the authors' code:
//!   14.2473, 2.4624). With `V_C = 0.4 V` the compliance
//!   `I_C = 14.25 uS x 0.4 V = 5.7 uA` gives `E[G] = I_C / V_C = 14.25 uS`
//!   (gate voltage 0.689 V with the default transistor). A log-normal's mean
//!   `exp(mu + sigma^2 / 2)` and standard deviation
//!   `exp(mu + sigma^2 / 2) sqrt(exp(sigma^2) - 1)` both depend on `mu` and
//!   `sigma`, but their ratio, the coefficient of variation, depends on
//!   `sigma` alone: `CV^2 = exp(sigma^2) - 1`, so
//!   `sigma = sqrt(ln(1 + CV^2)) = sqrt(ln(1 + (2.46 / 14.25)^2)) = 0.17137`,
//!   and then `mu = ln(14.25 uS) - sigma^2 / 2` (median 14.04 uS). The spread
//!   factor is normalised to mean one, so the mean is exactly `I_C / V_C`.
//!   The resulting law has skewness 0.52 and excess kurtosis 0.49, close
//!   enough to a Gaussian to have been fitted by one.
//! * **Weibull parameters.** ESGNN swept 3 V upward in 0.05 V steps and found
//!   quasi-normal breakdown voltages but gives no mean or spread in the text;
//!   we assume a mean of 3.5 V (8 nm TaOx forms at 3-4 V, and the mean must
//!   sit well above the 3 V start). Under a staircase the skewness of `V_BD`
//!   is set by `beta (n + 1)` and by the distance of the mean from the start
//!   voltage: a classical TDDB exponent (`n` = 20-40) gives skewness -0.5 to
//!   -0.9, visibly not normal. Scanning the exact staircase closed form over
//!   `beta` in {1, 1.5, 2, 2.5} and `n`, `beta = 1.5`, `n = 7` gives a
//!   quasi-normal `V_BD`: mean 3.500 V, standard deviation 0.226 V, skewness
//!   +0.017, excess kurtosis -0.54, with 0.84 % of cells breaking down at the
//!   first step (a unit test checks these numbers). `eta0 = 8.2 ms` at
//!   `V0 = 3.5 V` is the value that puts the mean at 3.50 V with 1 ms steps.
//! * **The "formed = R < 20 kOhm" criterion.** ESGNN defines the breakdown
//!   voltage as the smallest sweep voltage that brings the cell below
//!   20 kOhm. In this model breakdown is a discrete event, and a
//!   resistance threshold anywhere between the pristine band (10 MOhm) and
//!   the formed band identifies the same cells. 20 kOhm (50 uS) itself does
//!   not lie between the bands of the 14.25 uS formed cells (70 kOhm), which
//!   shows that ESGNN's characterisation sweep ran at a higher compliance
//!   than the weight programming (or measured during the sweep rather than
//!   at a low read voltage); we therefore do not use 20 kOhm as a read
//!   threshold. [`fit_conductances`] splits measured cells at 1 uS instead
//!   (configurable).
//! * **Read noise.** The paper reports the read "variance" over 30,000
//!   cycles as below 0.14 uS for most cells. We read 0.14 uS as a standard
//!   deviation: it is quoted in uS, the unit of a standard deviation (a
//!   variance would carry uS^2), and per-cell "variance maps" commonly plot
//!   the spread. We read "most" as 95 %: with `s0 = 0.01 uS`, `s1 = 0.007`,
//!   `sigma(G) < 0.14 uS` for `G < 18.57 uS`, which is 94.9 % of the default
//!   formed cells; `sigma` = 0.110 uS at the mean. Read as a variance
//!   (0.14 uS^2) the standard deviation would be 0.37 uS; ESGNN's simulation
//!   used 2 % multiplicative noise (0.285 uS at the mean), between the two
//!   readings: set `s0_us = 0`, `s1 = 0.02` for that.
//!
//! # Randomness
//!
//! [`ConductanceMap::form_seeded`] draws forming from
//! [`seeds::Purpose::DeviceForming`] and faults from
//! [`seeds::Purpose::DeviceFaults`]; reads take whatever stream the caller
//! passes (by convention [`seeds::Purpose::ReadNoise`],
//! [`seeds::Purpose::TelegraphNoise`], [`seeds::Purpose::Drift`]). Every
//! cell draws exactly three numbers while forming whatever the program, so
//! two programs applied with one stream see the same cells (a stronger
//! program forms a superset of cells, at the same conductances).
//!
//! # What this crate ignores
//!
//! * Any link between the breakdown voltage or time and the formed
//!   conductance (overshoot currents before the compliance engages).
//! * Spatial correlation (wafer or array gradients), IR drop and sneak paths
//!   during forming (every cell sees the full programming voltage), and
//!   disturb of neighbouring cells.
//! * SET/RESET switching after forming, temperature, read disturb, and the
//!   non-linear current-voltage curve of a cell (reads are ohmic).
//! * The closed forms ignore conductance quantisation.
//!
//! # What this crate must not know
//!
//! Nothing of spikes, neurons, datasets or energy: it turns programming
//! conditions into conductances and reads them.

mod design;
mod error;
mod fit;
mod forming;
mod map;
mod noise;
mod params;
mod stats;

pub use design::{
    DESIGN_V_MAX_V, FormedDesign, FormedTarget, FormedVerification, Knob, WeightDesign,
    WeightTarget, WeightVerification, design_formed, design_weights, verify_formed, verify_weights,
};
pub use error::{Error, Result};
pub use fit::{
    Column, Fit, FitOptions, LogNormalFit, fit_conductances, parse_conductances_us,
    read_conductances_us,
};
pub use forming::{Prediction, StateFractions, SweepDistribution, formed_probability, predict};
pub use map::{
    CELLS_MAX, CellState, ConductanceMap, DifferentialSummary, MapSummary, ReadStats, StateCounts,
    differential_weights,
};
pub use noise::{CellNoise, NoiseModel, NoiseStep};
pub use param_guard::{ParamError, ParamGuard};
pub use params::{
    Compliance, ComplianceParams, DeviceParams, DifferentialParams, DriftParams,
    FLICKER_COMPONENTS_MAX, FaultParams, FlickerParams, FormingParams, G0_S, PUBLISHED_G_MEAN_US,
    PUBLISHED_G_STD_US, PristineParams, Program, PulseProgram, ReadNoiseParams, SWEEP_STEPS_MAX,
    SweepProgram, TelegraphParams, lognormal_sigma_for_cv,
};
pub use stats::{DistMoments, Histogram, Moments, RawMoments, normal_cdf};
