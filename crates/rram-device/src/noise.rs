//! Read noise with state: random telegraph noise and 1/f noise per cell.
//!
//! The Gaussian part of the read noise needs no state
//! ([`ReadNoiseParams::sigma`], [`ReadNoiseParams::sample`]). Telegraph and
//! 1/f noise remember their past, so each cell carries a small
//! [`CellNoise`] (48 bytes) that the caller advances between reads with a
//! [`NoiseStep`] (the transition constants for one time step, derived once)
//! and samples with [`CellNoise::offset_s`].

use param_guard::ParamGuard;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::error::{Result, ensure};
use crate::params::{FLICKER_COMPONENTS_MAX, ReadNoiseParams};

/// The read-noise model with its derived constants (built from checked
/// parameters).
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseModel {
    params: ReadNoiseParams,
    /// Stationary occupation probability of a telegraph trap.
    p_occupied: f64,
    /// Corner frequencies of the 1/f components, Hz.
    corners_hz: [f64; FLICKER_COMPONENTS_MAX],
    /// Number of 1/f components in use.
    components: usize,
    /// Standard deviation of one 1/f component per siemens of conductance,
    /// `q sqrt(ln r)`.
    component_sd_per_s: f64,
}

impl NoiseModel {
    /// Checks the parameters and derives the constants.
    pub fn new(params: &ReadNoiseParams) -> Result<NoiseModel> {
        params.validate()?;
        let f = &params.flicker;
        let mut corners_hz = [0.0; FLICKER_COMPONENTS_MAX];
        for (c, v) in corners_hz.iter_mut().zip(f.corner_frequencies_hz()) {
            *c = v;
        }
        Ok(NoiseModel {
            params: params.clone(),
            p_occupied: params.telegraph.occupied_probability(),
            corners_hz,
            components: f.components as usize,
            component_sd_per_s: f.q * f.ln_spacing().sqrt(),
        })
    }

    /// The parameters.
    pub fn params(&self) -> &ReadNoiseParams {
        &self.params
    }

    /// Gaussian read-noise standard deviation `s0 + s1 G`, S.
    #[inline]
    pub fn sigma(&self, g_s: f64) -> f64 {
        self.params.sigma(g_s)
    }

    /// True when telegraph or 1/f noise is enabled (reads carry state).
    pub fn is_stateful(&self) -> bool {
        self.params.is_stateful()
    }

    /// A cell's noise state drawn from the stationary distribution: whether it
    /// has a trap (probability `cell_fraction`), whether the trap is occupied
    /// (probability `r_c / (r_c + r_e)`), and the 1/f components (standard
    /// normal). Disabled mechanisms draw nothing.
    pub fn init_cell<R: Rng + ?Sized>(&self, g_s: f64, rng: &mut R) -> CellNoise {
        let mut cell = CellNoise::default();
        let t = &self.params.telegraph;
        if t.enabled && rng.random::<f64>() < t.cell_fraction {
            let step = t.step_s(g_s);
            cell.trap = true;
            cell.occupied = rng.random::<f64>() < self.p_occupied;
            cell.rtn_occupied_s = (-step * (1.0 - self.p_occupied)) as f32;
            cell.rtn_empty_s = (step * self.p_occupied) as f32;
        }
        if self.params.flicker.enabled {
            cell.flicker_sd_s = (self.component_sd_per_s * g_s.abs()) as f32;
            for x in cell.flicker.iter_mut().take(self.components) {
                *x = rng.sample(StandardNormal);
            }
        }
        cell
    }

    /// The transition constants for advancing every cell by `dt_s` seconds.
    ///
    /// Telegraph: the exact two-state transition probabilities
    /// `P(empty -> occupied) = p (1 - exp(-(r_c + r_e) dt))` and
    /// `P(occupied -> empty) = (1 - p) (1 - exp(-(r_c + r_e) dt))`.
    /// 1/f: each unit Ornstein-Uhlenbeck component is updated exactly,
    /// `x <- a x + sqrt(1 - a^2) z` with `a = exp(-2 pi f_k dt)`.
    pub fn step(&self, dt_s: f64) -> Result<NoiseStep> {
        ensure(
            dt_s.is_finite() && dt_s > 0.0,
            "dt_s",
            dt_s,
            "finite and > 0",
        )?;
        let t = &self.params.telegraph;
        let switch = -(-(t.capture_rate_hz + t.emission_rate_hz) * dt_s).exp_m1();
        let mut decay = [0.0f32; FLICKER_COMPONENTS_MAX];
        let mut kick = [0.0f32; FLICKER_COMPONENTS_MAX];
        for k in 0..self.components {
            let x = -2.0 * std::f64::consts::PI * self.corners_hz[k] * dt_s;
            let a = x.exp();
            decay[k] = a as f32;
            // 1 - a^2 = -expm1(2x), accurate when a is close to 1.
            kick[k] = (-(2.0 * x).exp_m1()).sqrt() as f32;
        }
        Ok(NoiseStep {
            p_capture: self.p_occupied * switch,
            p_emit: (1.0 - self.p_occupied) * switch,
            decay,
            kick,
            components: if self.params.flicker.enabled {
                self.components
            } else {
                0
            },
        })
    }

    /// One read of a cell: `G + offset + sigma(G) Z` (the state is not
    /// advanced).
    #[inline]
    pub fn read<R: Rng + ?Sized>(&self, g_s: f64, cell: &CellNoise, rng: &mut R) -> f64 {
        let z: f64 = rng.sample(StandardNormal);
        g_s + cell.offset_s() + self.sigma(g_s) * z
    }
}

/// Transition constants for one time step (see [`NoiseModel::step`]).
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseStep {
    p_capture: f64,
    p_emit: f64,
    decay: [f32; FLICKER_COMPONENTS_MAX],
    kick: [f32; FLICKER_COMPONENTS_MAX],
    components: usize,
}

impl NoiseStep {
    /// Probability that an empty trap is occupied one step later.
    pub fn capture_probability(&self) -> f64 {
        self.p_capture
    }

    /// Probability that an occupied trap is empty one step later.
    pub fn emission_probability(&self) -> f64 {
        self.p_emit
    }

    /// Advances one cell by one step. A cell without a trap draws no
    /// telegraph number; disabled 1/f draws nothing.
    #[inline]
    pub fn advance<R: Rng + ?Sized>(&self, cell: &mut CellNoise, rng: &mut R) {
        if cell.trap {
            let u: f64 = rng.random();
            if cell.occupied {
                cell.occupied = u >= self.p_emit;
            } else {
                cell.occupied = u < self.p_capture;
            }
        }
        for k in 0..self.components {
            let z: f32 = rng.sample(StandardNormal);
            cell.flicker[k] = self.decay[k] * cell.flicker[k] + self.kick[k] * z;
        }
    }
}

/// The telegraph and 1/f state of one cell (48 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CellNoise {
    trap: bool,
    occupied: bool,
    /// Telegraph offset while the trap is occupied, `-dG (1 - p)`, S.
    rtn_occupied_s: f32,
    /// Telegraph offset while the trap is empty, `dG p`, S.
    rtn_empty_s: f32,
    /// Standard deviation of one 1/f component, S.
    flicker_sd_s: f32,
    /// Unit-variance 1/f components.
    flicker: [f32; FLICKER_COMPONENTS_MAX],
}

impl CellNoise {
    /// Whether the cell has an active telegraph trap.
    pub fn has_trap(&self) -> bool {
        self.trap
    }

    /// Whether the trap is occupied now.
    pub fn trap_occupied(&self) -> bool {
        self.trap && self.occupied
    }

    /// The telegraph part of the offset, S.
    pub fn telegraph_offset_s(&self) -> f64 {
        match (self.trap, self.occupied) {
            (false, _) => 0.0,
            (true, true) => f64::from(self.rtn_occupied_s),
            (true, false) => f64::from(self.rtn_empty_s),
        }
    }

    /// The 1/f part of the offset, S.
    pub fn flicker_offset_s(&self) -> f64 {
        let sum: f32 = self.flicker.iter().sum();
        f64::from(self.flicker_sd_s) * f64::from(sum)
    }

    /// The current conductance offset from telegraph and 1/f noise, S (add
    /// the Gaussian part with [`ReadNoiseParams::sigma`]).
    #[inline]
    pub fn offset_s(&self) -> f64 {
        self.telegraph_offset_s() + self.flicker_offset_s()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seeds::{Purpose, Seeds};

    #[test]
    fn cell_state_is_compact() {
        assert!(size_of::<CellNoise>() <= 48);
    }

    #[test]
    fn disabled_noise_has_zero_offset() {
        let m = NoiseModel::new(&ReadNoiseParams::default()).unwrap();
        let mut rng = Seeds::new(1).stream(Purpose::ReadNoise);
        let mut c = m.init_cell(14e-6, &mut rng);
        let s = m.step(1e-3).unwrap();
        s.advance(&mut c, &mut rng);
        assert_eq!(c.offset_s(), 0.0);
        assert!(!c.has_trap());
        assert!(m.step(0.0).is_err());
    }

    #[test]
    fn telegraph_probabilities_are_exact_for_long_steps() {
        // For dt >> 1 / (r_c + r_e) the chain forgets its state: the
        // transition probabilities tend to the stationary p and 1 - p.
        let mut p = ReadNoiseParams::default();
        p.telegraph.enabled = true;
        let m = NoiseModel::new(&p).unwrap();
        let s = m.step(10.0).unwrap();
        assert!((s.capture_probability() - 0.25).abs() < 1e-12);
        assert!((s.emission_probability() - 0.75).abs() < 1e-12);
    }
}
