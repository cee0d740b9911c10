//! Device parameters (what the cell is) and programming conditions (what is
//! done to it), with their defaults, sources and validation.
//!
//! Every struct is `serde` with `deny_unknown_fields` and `default`, so a
//! configuration file names only what it changes. Units are in the key names
//! where they are not obvious; the code converts to SI.

use param_guard::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::error::{Result, ensure, finite, fraction, non_negative, positive};

/// The conductance quantum G0 = 2 e^2 / h, in siemens (77.48 uS).
pub const G0_S: f64 = 7.748_091_729e-5;

/// Largest number of Lorentzian components of the 1/f generator
/// ([`FlickerParams::components`]); it bounds the per-cell noise state.
pub const FLICKER_COMPONENTS_MAX: usize = 8;

/// Mean of the published Gaussian fit of formed conductances on this 40 nm
/// process (echo-state graph network paper, Nature Machine Intelligence 2023;
/// the authors' code states 14.2473), in uS.
pub const PUBLISHED_G_MEAN_US: f64 = 14.25;

/// Standard deviation of the same fit (the authors' code states 2.4624), in uS.
pub const PUBLISHED_G_STD_US: f64 = 2.46;

/// Log-normal shape `sigma` whose coefficient of variation is `cv`:
/// `sigma = sqrt(ln(1 + cv^2))` (from `CV^2 = exp(sigma^2) - 1`).
pub fn lognormal_sigma_for_cv(cv: f64) -> f64 {
    (cv * cv).ln_1p().sqrt()
}

/// All parameters of a cell population, grouped by mechanism.
///
/// Device-to-device variability lives in [`PristineParams`],
/// [`FormingParams`] and [`ComplianceParams`] (drawn once, when the array is
/// formed); cycle-to-cycle variability lives in [`ReadNoiseParams`] (drawn at
/// every read). See the crate docs for the full parameter table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeviceParams {
    /// The as-deposited (unformed) cell.
    pub pristine: PristineParams,
    /// Stochastic dielectric breakdown.
    pub forming: FormingParams,
    /// How the compliance current sets the formed conductance.
    pub compliance: ComplianceParams,
    /// Per-read noise.
    pub read_noise: ReadNoiseParams,
    /// Retention drift.
    pub drift: DriftParams,
    /// Stuck cells.
    pub faults: FaultParams,
    /// Differential pairs.
    pub differential: DifferentialParams,
}

impl ParamGuard for DeviceParams {
    type Error = crate::Error;

    /// Checks every field; the error names the first bad field (as a dotted
    /// path such as `forming.beta`) and its allowed range.
    fn validate(&self) -> Result<()> {
        self.pristine.validate()?;
        self.forming.validate()?;
        self.compliance.validate()?;
        self.read_noise.validate()?;
        self.drift.validate()?;
        self.faults.validate()?;
        self.differential.validate()
    }
}

/// The pristine (as-deposited, unformed) cell: a log-normal conductance.
///
/// `G = g_median * exp(sigma_ln * Z)`, `Z ~ N(0, 1)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PristineParams {
    /// Median conductance, uS. Default 0.1 uS: pristine cells are "about
    /// 10 MOhm" (echo-state graph paper, Extended Data Fig. 1).
    pub g_median_us: f64,
    /// Shape of the log-normal (standard deviation of `ln G`). Default 0.3:
    /// not reported; chosen so that 99 % of pristine cells lie within a factor
    /// 2.2 of the median ("about 10 MOhm").
    pub sigma_ln: f64,
}

impl Default for PristineParams {
    fn default() -> Self {
        Self {
            g_median_us: 0.1,
            sigma_ln: 0.3,
        }
    }
}

impl PristineParams {
    /// `mu` of `ln G` (siemens).
    pub fn mu_ln(&self) -> f64 {
        (self.g_median_us * 1e-6).ln()
    }
}

impl ParamGuard for PristineParams {
    type Error = crate::Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        positive("pristine.g_median_us", self.g_median_us)?;
        non_negative("pristine.sigma_ln", self.sigma_ln)?;
        ensure(
            self.sigma_ln <= 3.0,
            "pristine.sigma_ln",
            self.sigma_ln,
            "<= 3",
        )
    }
}

/// Time-dependent dielectric breakdown with a Weibull time to breakdown.
///
/// Under a constant voltage `V`, `F(t) = 1 - exp(-(t / eta(V))^beta)` with
/// `eta(V) = eta0 * (V / V0)^(-n)`. Under a time-varying voltage the
/// cumulative-exposure model applies: `F = 1 - exp(-D^beta)` with the damage
/// `D = integral dt / eta(V(t))`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FormingParams {
    /// Weibull shape (slope) `beta`. Default 1.5.
    pub beta: f64,
    /// Weibull scale `eta0` at the reference voltage, s. Default 8.2 ms.
    pub eta0_s: f64,
    /// Reference voltage `V0`, V. Default 3.5 V.
    pub v0_v: f64,
    /// Voltage-acceleration exponent `n` of the power law. Default 7.
    pub accel_exponent: f64,
}

impl Default for FormingParams {
    fn default() -> Self {
        Self {
            beta: 1.5,
            eta0_s: 8.2e-3,
            v0_v: 3.5,
            accel_exponent: 7.0,
        }
    }
}

impl FormingParams {
    /// Weibull scale `eta(V) = eta0 (V / V0)^(-n)`, s.
    pub fn eta_s(&self, v_v: f64) -> f64 {
        self.eta0_s * (v_v / self.v0_v).powf(-self.accel_exponent)
    }

    /// Damage `t / eta(V)` done by `width_s` seconds at `v_v` volts.
    pub fn damage(&self, v_v: f64, width_s: f64) -> f64 {
        width_s / self.eta_s(v_v)
    }

    /// Probability that a cell breaks down during a rectangular pulse:
    /// `1 - exp(-(t / eta(V))^beta)`.
    pub fn pulse_formed_probability(&self, v_v: f64, width_s: f64) -> f64 {
        -(-self.damage(v_v, width_s).powf(self.beta)).exp_m1()
    }
}

impl ParamGuard for FormingParams {
    type Error = crate::Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        positive("forming.beta", self.beta)?;
        ensure(
            (0.1..=50.0).contains(&self.beta),
            "forming.beta",
            self.beta,
            "in [0.1, 50]",
        )?;
        positive("forming.eta0_s", self.eta0_s)?;
        positive("forming.v0_v", self.v0_v)?;
        non_negative("forming.accel_exponent", self.accel_exponent)?;
        ensure(
            self.accel_exponent <= 200.0,
            "forming.accel_exponent",
            self.accel_exponent,
            "<= 200",
        )
    }
}

/// How the compliance current becomes a formed conductance.
///
/// `G = I_C / V_C * M`, with the multiplicative spread
/// `M = exp(sigma_ln Z - sigma_ln^2 / 2)` of mean one, so `E[G] = I_C / V_C`
/// and `std G = E[G] sqrt(exp(sigma_ln^2) - 1)`. With a gate-voltage
/// compliance, `I_C = k / 2 (V_G - V_T)^2` (saturated access transistor).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplianceParams {
    /// Voltage across the filament while the transistor holds the current at
    /// compliance, V. Default 0.4 V ("a few hundred mV" in Ielmini's
    /// filament-growth picture).
    pub v_c_v: f64,
    /// Log-normal shape of the multiplicative spread. Default
    /// `sqrt(ln(1 + (2.46 / 14.25)^2)) = 0.17137`, so that the coefficient of
    /// variation is that of the published fit (2.46 / 14.25 uS).
    pub sigma_ln: f64,
    /// Threshold voltage of the access transistor, V. Default 0.45 V (a
    /// typical 40 nm I/O-free core device; only used with a gate compliance).
    pub v_t_v: f64,
    /// Square-law constant `k = mu C_ox W / L` of the access transistor, A/V^2.
    /// Default 2e-4 A/V^2 (assumed; only used with a gate compliance).
    pub k_a_per_v2: f64,
    /// When set to `k`, formed conductances snap to the nearest positive
    /// multiple of `G0 / 2^k` (quantised small filaments). Default off.
    pub quantum_k: Option<u32>,
}

impl Default for ComplianceParams {
    fn default() -> Self {
        Self {
            v_c_v: 0.4,
            sigma_ln: lognormal_sigma_for_cv(PUBLISHED_G_STD_US / PUBLISHED_G_MEAN_US),
            v_t_v: 0.45,
            k_a_per_v2: 2e-4,
            quantum_k: None,
        }
    }
}

impl ComplianceParams {
    /// Mean formed conductance `I_C / V_C`, S.
    pub fn g_mean_s(&self, i_c_a: f64) -> f64 {
        i_c_a / self.v_c_v
    }

    /// The compliance current that gives a mean formed conductance `g_mean_s`.
    pub fn i_c_for_g_mean_a(&self, g_mean_s: f64) -> f64 {
        g_mean_s * self.v_c_v
    }

    /// Saturation current `k / 2 (V_G - V_T)^2` for a gate voltage (0 below
    /// threshold), A.
    pub fn transistor_current_a(&self, v_g_v: f64) -> f64 {
        let ov = (v_g_v - self.v_t_v).max(0.0);
        0.5 * self.k_a_per_v2 * ov * ov
    }

    /// Gate voltage `V_T + sqrt(2 I_C / k)` that sets a compliance current.
    pub fn gate_voltage_for_current_v(&self, i_c_a: f64) -> f64 {
        self.v_t_v + (2.0 * i_c_a.max(0.0) / self.k_a_per_v2).sqrt()
    }

    /// The quantisation step `G0 / 2^k`, when quantisation is on.
    pub fn quantum_step_s(&self) -> Option<f64> {
        self.quantum_k.map(|k| G0_S / f64::from(1u32 << k.min(20)))
    }

    /// Coefficient of variation of formed conductances,
    /// `sqrt(exp(sigma_ln^2) - 1)` (quantisation ignored).
    pub fn cv(&self) -> f64 {
        (self.sigma_ln * self.sigma_ln).exp_m1().sqrt()
    }
}

impl ParamGuard for ComplianceParams {
    type Error = crate::Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        positive("compliance.v_c_v", self.v_c_v)?;
        non_negative("compliance.sigma_ln", self.sigma_ln)?;
        ensure(
            self.sigma_ln <= 3.0,
            "compliance.sigma_ln",
            self.sigma_ln,
            "<= 3",
        )?;
        finite("compliance.v_t_v", self.v_t_v)?;
        positive("compliance.k_a_per_v2", self.k_a_per_v2)?;
        if let Some(k) = self.quantum_k {
            ensure(k <= 20, "compliance.quantum_k", k, "<= 20 (or absent)")?;
        }
        Ok(())
    }
}

/// Per-read (cycle-to-cycle) noise.
///
/// A read returns `G + sigma(G) Z` with `sigma(G) = s0 + s1 G`, fresh `Z` at
/// every read, plus the optional telegraph and 1/f terms, which carry state
/// from read to read (see [`crate::NoiseModel`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReadNoiseParams {
    /// State-independent part of the read-noise standard deviation, uS.
    /// Default 0.01 uS (a floor well below the formed cells' noise).
    pub s0_us: f64,
    /// Proportional part (dimensionless). Default 0.007: with the default
    /// formed distribution, 95 % of formed cells read with a standard
    /// deviation below 0.14 uS (the paper's "below 0.14 uS for most cells").
    pub s1: f64,
    /// Random telegraph noise.
    pub telegraph: TelegraphParams,
    /// 1/f (flicker) noise.
    pub flicker: FlickerParams,
}

impl Default for ReadNoiseParams {
    fn default() -> Self {
        Self {
            s0_us: 0.01,
            s1: 0.007,
            telegraph: TelegraphParams::default(),
            flicker: FlickerParams::default(),
        }
    }
}

impl ReadNoiseParams {
    /// Standard deviation of the Gaussian read noise of a cell of
    /// conductance `g_s`: `sigma(G) = s0 + s1 G`, S.
    ///
    /// Reads of different cells are independent, so the noise of a column
    /// current `sum_i V_i G_i` is Gaussian with variance
    /// `sum_i V_i^2 sigma(G_i)^2`.
    #[inline]
    pub fn sigma(&self, g_s: f64) -> f64 {
        self.s0_us * 1e-6 + self.s1 * g_s.abs()
    }

    /// One read of a cell with Gaussian noise only: `G + sigma(G) Z`.
    #[inline]
    pub fn sample<R: rand::Rng + ?Sized>(&self, g_s: f64, rng: &mut R) -> f64 {
        let z: f64 = rand::RngExt::sample(rng, rand_distr::StandardNormal);
        g_s + self.sigma(g_s) * z
    }

    /// True when reads carry state (telegraph or 1/f noise is enabled).
    pub fn is_stateful(&self) -> bool {
        self.telegraph.enabled || self.flicker.enabled
    }
}

impl ParamGuard for ReadNoiseParams {
    type Error = crate::Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        non_negative("read_noise.s0_us", self.s0_us)?;
        non_negative("read_noise.s1", self.s1)?;
        ensure(self.s1 <= 1.0, "read_noise.s1", self.s1, "<= 1")?;
        self.telegraph.validate()?;
        self.flicker.validate()
    }
}

/// Random telegraph noise: one two-state trap per affected cell.
///
/// The trap is captured (occupied) at rate `r_c` and emitted (empty) at rate
/// `r_e`; the occupied fraction is `p = r_c / (r_c + r_e)`. The trap moves
/// the conductance by `dG = a G (G_ref / G)^gamma` (capped at `G`), so the
/// relative amplitude grows with resistance. The contribution is centred,
/// `dG (p - s)` with `s = 1` when occupied, so `G` stays the time average.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegraphParams {
    /// Whether reads include telegraph noise. Default false (the paper reports
    /// none).
    pub enabled: bool,
    /// Fraction of cells with an active trap. Default 0.1 (assumed).
    pub cell_fraction: f64,
    /// Relative amplitude `a = dG / G` at `G = g_ref`. Default 0.01 (assumed).
    pub rel_amplitude: f64,
    /// Reference conductance of `rel_amplitude`, uS. Default 14.25 uS (the
    /// mean formed cell).
    pub g_ref_us: f64,
    /// Exponent `gamma` of the growth of `dG / G` with resistance. Default 0.5
    /// (assumed).
    pub resistance_exponent: f64,
    /// Capture rate `r_c` (empty to occupied), Hz. Default 100 Hz (assumed).
    pub capture_rate_hz: f64,
    /// Emission rate `r_e` (occupied to empty), Hz. Default 300 Hz (assumed).
    pub emission_rate_hz: f64,
}

impl Default for TelegraphParams {
    fn default() -> Self {
        Self {
            enabled: false,
            cell_fraction: 0.1,
            rel_amplitude: 0.01,
            g_ref_us: PUBLISHED_G_MEAN_US,
            resistance_exponent: 0.5,
            capture_rate_hz: 100.0,
            emission_rate_hz: 300.0,
        }
    }
}

impl TelegraphParams {
    /// Stationary probability that the trap is occupied, `r_c / (r_c + r_e)`.
    pub fn occupied_probability(&self) -> f64 {
        self.capture_rate_hz / (self.capture_rate_hz + self.emission_rate_hz)
    }

    /// Telegraph step `dG` of a cell of conductance `g_s`, S.
    pub fn step_s(&self, g_s: f64) -> f64 {
        let g = g_s.abs();
        if g == 0.0 {
            return 0.0;
        }
        let rel = self.rel_amplitude * (self.g_ref_us * 1e-6 / g).powf(self.resistance_exponent);
        g * rel.min(1.0)
    }

    /// Mean dwell time in the empty state, `1 / r_c`, s.
    pub fn mean_empty_dwell_s(&self) -> f64 {
        1.0 / self.capture_rate_hz
    }

    /// Mean dwell time in the occupied state, `1 / r_e`, s.
    pub fn mean_occupied_dwell_s(&self) -> f64 {
        1.0 / self.emission_rate_hz
    }
}

impl ParamGuard for TelegraphParams {
    type Error = crate::Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        fraction("read_noise.telegraph.cell_fraction", self.cell_fraction)?;
        non_negative("read_noise.telegraph.rel_amplitude", self.rel_amplitude)?;
        ensure(
            self.rel_amplitude <= 1.0,
            "read_noise.telegraph.rel_amplitude",
            self.rel_amplitude,
            "<= 1",
        )?;
        positive("read_noise.telegraph.g_ref_us", self.g_ref_us)?;
        non_negative(
            "read_noise.telegraph.resistance_exponent",
            self.resistance_exponent,
        )?;
        ensure(
            self.resistance_exponent <= 2.0,
            "read_noise.telegraph.resistance_exponent",
            self.resistance_exponent,
            "<= 2",
        )?;
        positive("read_noise.telegraph.capture_rate_hz", self.capture_rate_hz)?;
        positive(
            "read_noise.telegraph.emission_rate_hz",
            self.emission_rate_hz,
        )
    }
}

/// 1/f (flicker) noise: a sum of Ornstein-Uhlenbeck (Lorentzian) processes
/// with corner frequencies spaced evenly in log between `f_min` and `f_max`.
///
/// Each component has variance `(q G)^2 ln r`, where `r` is the ratio of
/// neighbouring corner frequencies, so the one-sided spectrum is
/// `S(f) ~ (q G)^2 / f` between the corners and the variance of the change
/// over a lag `tau` grows like `2 (q G)^2 ln(2 pi f_max tau)`: the
/// `sqrt(ln t)` accumulation of 1/f noise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlickerParams {
    /// Whether reads include 1/f noise. Default false (the paper reports
    /// stable reads over 30,000 cycles).
    pub enabled: bool,
    /// Relative amplitude `q` (spectrum `(q G)^2 / f`). Default 0.002
    /// (assumed; gives about 1 % over the full band).
    pub q: f64,
    /// Lowest corner frequency, Hz. Default 0.01 Hz.
    pub f_min_hz: f64,
    /// Highest corner frequency, Hz. Default 100 kHz.
    pub f_max_hz: f64,
    /// Number of Lorentzian components, 2 to 8. Default 8.
    pub components: u32,
}

impl Default for FlickerParams {
    fn default() -> Self {
        Self {
            enabled: false,
            q: 0.002,
            f_min_hz: 0.01,
            f_max_hz: 1e5,
            components: 8,
        }
    }
}

impl FlickerParams {
    /// Corner frequencies of the components, Hz.
    pub fn corner_frequencies_hz(&self) -> Vec<f64> {
        let k = self.components.max(2) as usize;
        let ratio = (self.f_max_hz / self.f_min_hz).ln() / (k - 1) as f64;
        (0..k)
            .map(|i| self.f_min_hz * (ratio * i as f64).exp())
            .collect()
    }

    /// `ln r`, the log-ratio of neighbouring corner frequencies.
    pub fn ln_spacing(&self) -> f64 {
        (self.f_max_hz / self.f_min_hz).ln() / (self.components.max(2) - 1) as f64
    }

    /// Variance of one component of a cell of conductance `g_s`, S^2.
    pub fn component_variance_s2(&self, g_s: f64) -> f64 {
        let a = self.q * g_s;
        a * a * self.ln_spacing()
    }

    /// Exact variance of the change of the 1/f term over a lag `tau_s`:
    /// `sum_k 2 var_k (1 - exp(-2 pi f_k tau))`, S^2.
    pub fn increment_variance_s2(&self, g_s: f64, tau_s: f64) -> f64 {
        let v = self.component_variance_s2(g_s);
        self.corner_frequencies_hz()
            .iter()
            .map(|f| 2.0 * v * -(-2.0 * std::f64::consts::PI * f * tau_s).exp_m1())
            .sum()
    }
}

impl ParamGuard for FlickerParams {
    type Error = crate::Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        non_negative("read_noise.flicker.q", self.q)?;
        ensure(self.q <= 1.0, "read_noise.flicker.q", self.q, "<= 1")?;
        positive("read_noise.flicker.f_min_hz", self.f_min_hz)?;
        positive("read_noise.flicker.f_max_hz", self.f_max_hz)?;
        ensure(
            self.f_max_hz > self.f_min_hz,
            "read_noise.flicker.f_max_hz",
            self.f_max_hz,
            "> read_noise.flicker.f_min_hz",
        )?;
        ensure(
            (2..=FLICKER_COMPONENTS_MAX as u32).contains(&self.components),
            "read_noise.flicker.components",
            self.components,
            "in [2, 8]",
        )
    }
}

/// Retention drift, logarithmic in time.
///
/// A formed cell's conductance at time `t` after forming is
/// `G(t) = G + m L + s L Z` with `L = ln(1 + t / t0)` and one `Z ~ N(0, 1)`
/// per cell (its drift direction, fixed for the cell's life), clamped at 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DriftParams {
    /// Whether drift is applied. Default false (the paper reports none).
    pub enabled: bool,
    /// Time constant `t0`, s. Default 1 s.
    pub t0_s: f64,
    /// Mean shift per unit of `L`, uS. Default -0.09 uS (an HfOx fit quoted
    /// by the anchors; no TaOx data in the paper).
    pub mean_shift_us: f64,
    /// Spread growth per unit of `L`, uS. Default 0.04 uS (same fit).
    pub spread_us: f64,
}

impl Default for DriftParams {
    fn default() -> Self {
        Self {
            enabled: false,
            t0_s: 1.0,
            mean_shift_us: -0.09,
            spread_us: 0.04,
        }
    }
}

impl DriftParams {
    /// `L = ln(1 + t / t0)`.
    pub fn log_time(&self, t_s: f64) -> f64 {
        (t_s.max(0.0) / self.t0_s).ln_1p()
    }
}

impl ParamGuard for DriftParams {
    type Error = crate::Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        positive("drift.t0_s", self.t0_s)?;
        finite("drift.mean_shift_us", self.mean_shift_us)?;
        non_negative("drift.spread_us", self.spread_us)
    }
}

/// Stuck cells, decided once per cell when the array is formed.
///
/// A cell is stuck at pristine (failed to form: it keeps its pristine
/// conductance whatever the programming) with probability `f_sp`, stuck at a
/// high conductance (over-formed, compliance failed) with probability `f_sh`,
/// and healthy otherwise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultParams {
    /// Fraction of cells stuck at pristine. Default 0 (the paper reports
    /// none).
    pub stuck_pristine_fraction: f64,
    /// Fraction of cells stuck at high conductance. Default 0.
    pub stuck_high_fraction: f64,
    /// Conductance of a stuck-high cell, uS. Default 100 uS (about 1.3 G0, an
    /// uncontrolled filament; assumed).
    pub g_stuck_high_us: f64,
}

impl Default for FaultParams {
    fn default() -> Self {
        Self {
            stuck_pristine_fraction: 0.0,
            stuck_high_fraction: 0.0,
            g_stuck_high_us: 100.0,
        }
    }
}

impl ParamGuard for FaultParams {
    type Error = crate::Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        fraction(
            "faults.stuck_pristine_fraction",
            self.stuck_pristine_fraction,
        )?;
        fraction("faults.stuck_high_fraction", self.stuck_high_fraction)?;
        ensure(
            self.stuck_pristine_fraction + self.stuck_high_fraction <= 1.0,
            "faults.stuck_high_fraction",
            self.stuck_high_fraction,
            "<= 1 - faults.stuck_pristine_fraction",
        )?;
        positive("faults.g_stuck_high_us", self.g_stuck_high_us)
    }
}

/// Differential pairs: `w = (G+ - G-) / g_scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DifferentialParams {
    /// Conductance that maps to a weight of one, uS. Default 1 uS (weights
    /// in uS); the reservoir applies its own weight scale.
    pub g_scale_us: f64,
}

impl Default for DifferentialParams {
    fn default() -> Self {
        Self { g_scale_us: 1.0 }
    }
}

impl DifferentialParams {
    /// `g_scale` in siemens.
    pub fn g_scale_s(&self) -> f64 {
        self.g_scale_us * 1e-6
    }
}

impl ParamGuard for DifferentialParams {
    type Error = crate::Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        positive("differential.g_scale_us", self.g_scale_us)
    }
}

/// How the compliance current is set during forming.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Compliance {
    /// The current limit, given directly.
    Current {
        /// Compliance current, uA.
        i_c_ua: f64,
    },
    /// The gate voltage of the access transistor; the limit is its saturation
    /// current `k / 2 (V_G - V_T)^2`.
    Gate {
        /// Gate voltage, V.
        v_g_v: f64,
    },
}

impl Default for Compliance {
    /// 5.7 uA: with `V_C = 0.4 V`, `I_C / V_C = 14.25 uS`, the published mean.
    fn default() -> Self {
        Compliance::Current {
            i_c_ua: PUBLISHED_G_MEAN_US * 0.4,
        }
    }
}

impl Compliance {
    /// Checks the setting against the device (a gate voltage must exceed
    /// the threshold).
    pub fn validate(&self, prefix: &str, device: &ComplianceParams) -> Result<()> {
        match *self {
            Compliance::Current { i_c_ua } => positive(&format!("{prefix}.i_c_ua"), i_c_ua),
            Compliance::Gate { v_g_v } => {
                finite(&format!("{prefix}.v_g_v"), v_g_v)?;
                ensure(
                    v_g_v > device.v_t_v && v_g_v - device.v_t_v <= 10.0,
                    &format!("{prefix}.v_g_v"),
                    v_g_v,
                    "in (compliance.v_t_v, compliance.v_t_v + 10]",
                )
            }
        }
    }

    /// The compliance current, A.
    pub fn current_a(&self, device: &ComplianceParams) -> f64 {
        match *self {
            Compliance::Current { i_c_ua } => i_c_ua * 1e-6,
            Compliance::Gate { v_g_v } => device.transistor_current_a(v_g_v),
        }
    }
}

/// One rectangular forming pulse applied to every cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PulseProgram {
    /// Pulse amplitude, V. Default 4.5 V.
    pub v_v: f64,
    /// Pulse width, s. Default 10 ms.
    pub width_s: f64,
    /// Current compliance.
    pub compliance: Compliance,
}

impl Default for PulseProgram {
    /// 4.5 V for 10 ms forms a fraction `1 - 6.5e-9` of healthy cells with
    /// the default Weibull parameters: every cell of a 512 x 512 array.
    fn default() -> Self {
        Self {
            v_v: 4.5,
            width_s: 10e-3,
            compliance: Compliance::default(),
        }
    }
}

/// A staircase voltage sweep: `V_k = v_start + k v_step` for `k = 0, 1, ...`
/// while `V_k <= v_stop`, each step held for `step_width`. A cell is no longer
/// stressed once it has broken down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SweepProgram {
    /// First step, V. Default 3 V (echo-state graph paper, Extended Data
    /// Fig. 1).
    pub v_start_v: f64,
    /// Step height, V. Default 0.05 V (same source).
    pub v_step_v: f64,
    /// Last voltage applied (inclusive), V. Default 5 V (the DAC's full scale).
    pub v_stop_v: f64,
    /// Duration of each step, s. Default 1 ms (not reported; a typical
    /// DC-sweep dwell).
    pub step_width_s: f64,
    /// Current compliance.
    pub compliance: Compliance,
}

impl Default for SweepProgram {
    fn default() -> Self {
        Self {
            v_start_v: 3.0,
            v_step_v: 0.05,
            v_stop_v: 5.0,
            step_width_s: 1e-3,
            compliance: Compliance::default(),
        }
    }
}

/// Largest number of steps a sweep may have.
pub const SWEEP_STEPS_MAX: usize = 100_000;

impl SweepProgram {
    /// The step voltages, V.
    pub fn voltages_v(&self) -> Vec<f64> {
        let n = self.step_count();
        (0..n)
            .map(|k| self.v_start_v + k as f64 * self.v_step_v)
            .collect()
    }

    /// Number of steps (the last one within `v_stop` up to a 1e-9 V rounding
    /// allowance).
    pub fn step_count(&self) -> usize {
        let span = (self.v_stop_v - self.v_start_v) / self.v_step_v;
        if span.is_finite() && span >= 0.0 {
            (span + 1e-9).floor() as usize + 1
        } else {
            0
        }
    }
}

/// What is done to every cell of the array to form it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Program {
    /// One rectangular pulse.
    Pulse(PulseProgram),
    /// A staircase sweep.
    Sweep(SweepProgram),
}

impl Default for Program {
    fn default() -> Self {
        Program::Pulse(PulseProgram::default())
    }
}

impl Program {
    /// Checks the programming conditions (and the compliance against the
    /// device's transistor). Fields are named `program.<field>`.
    pub fn validate(&self, device: &DeviceParams) -> Result<()> {
        match self {
            Program::Pulse(p) => {
                positive("program.v_v", p.v_v)?;
                positive("program.width_s", p.width_s)?;
                p.compliance
                    .validate("program.compliance", &device.compliance)
            }
            Program::Sweep(s) => {
                positive("program.v_start_v", s.v_start_v)?;
                positive("program.v_step_v", s.v_step_v)?;
                finite("program.v_stop_v", s.v_stop_v)?;
                ensure(
                    s.v_stop_v >= s.v_start_v,
                    "program.v_stop_v",
                    s.v_stop_v,
                    ">= program.v_start_v",
                )?;
                ensure(
                    s.step_count() <= SWEEP_STEPS_MAX,
                    "program.v_step_v",
                    s.v_step_v,
                    "large enough for at most 100000 steps",
                )?;
                positive("program.step_width_s", s.step_width_s)?;
                s.compliance
                    .validate("program.compliance", &device.compliance)
            }
        }
    }

    /// The compliance setting.
    pub fn compliance(&self) -> &Compliance {
        match self {
            Program::Pulse(p) => &p.compliance,
            Program::Sweep(s) => &s.compliance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        DeviceParams::default().validate().unwrap();
        Program::default()
            .validate(&DeviceParams::default())
            .unwrap();
        Program::Sweep(SweepProgram::default())
            .validate(&DeviceParams::default())
            .unwrap();
    }

    #[test]
    fn default_compliance_gives_published_moments() {
        // E[G] = I_C / V_C and std = E[G] sqrt(exp(sigma^2) - 1), closed form.
        let d = DeviceParams::default();
        let i_c = Compliance::default().current_a(&d.compliance);
        let mean = d.compliance.g_mean_s(i_c);
        assert!((mean - 14.25e-6).abs() < 1e-15, "{mean}");
        let std = mean * d.compliance.cv();
        assert!((std - 2.46e-6).abs() < 1e-12, "{std}");
    }

    #[test]
    fn default_pulse_forms_every_cell() {
        let f = FormingParams::default();
        let p = f.pulse_formed_probability(4.5, 10e-3);
        assert!(1.0 - p < 1e-8 && 1.0 - p > 1e-9, "{p}");
    }

    #[test]
    fn transistor_round_trip() {
        let c = ComplianceParams::default();
        let vg = c.gate_voltage_for_current_v(5.7e-6);
        assert!((c.transistor_current_a(vg) - 5.7e-6).abs() < 1e-18);
        assert_eq!(c.transistor_current_a(c.v_t_v - 0.1), 0.0);
    }

    #[test]
    fn sweep_steps_include_the_stop_voltage() {
        let s = SweepProgram::default();
        let v = s.voltages_v();
        assert_eq!(v.len(), 41);
        assert!((v[40] - 5.0).abs() < 1e-12);
    }

    #[test]
    fn cross_field_rules_name_the_field() {
        let mut d = DeviceParams::default();
        d.faults.stuck_pristine_fraction = 0.6;
        d.faults.stuck_high_fraction = 0.6;
        let e = d.validate().unwrap_err().to_string();
        assert!(e.contains("faults.stuck_high_fraction"), "{e}");
        let mut d = DeviceParams::default();
        d.read_noise.flicker.f_max_hz = d.read_noise.flicker.f_min_hz;
        let e = d.validate().unwrap_err().to_string();
        assert!(e.contains("read_noise.flicker.f_max_hz"), "{e}");
        let s = Program::Sweep(SweepProgram {
            v_stop_v: 2.0,
            ..SweepProgram::default()
        });
        let e = s
            .validate(&DeviceParams::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("program.v_stop_v"), "{e}");
        let g = Program::Pulse(PulseProgram {
            compliance: Compliance::Gate { v_g_v: 0.3 },
            ..PulseProgram::default()
        });
        let e = g
            .validate(&DeviceParams::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("program.compliance.v_g_v"), "{e}");
    }
}
