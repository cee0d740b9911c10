//! Inverse design: programming conditions for a wanted weight or
//! conductance distribution, solved on the closed forms and verified by
//! simulation.
//!
//! # Method
//!
//! The programming conditions act on two separate things: the voltage and
//! duration of the stress set the probability `p` that a healthy cell breaks
//! down, and the compliance current sets the formed conductance
//! `G = I_C / V_C * M`. So the design is solved in two stages.
//!
//! 1. Formed fraction `p` (a 1-D problem). For a pulse it is inverted in
//!    closed form: `(t / eta(V))^beta = -ln(1 - p)`, so
//!    `V = V0 (eta0 / eta)^(1/n)` for a given width, or `t = eta(V) (-ln(1 - p))^(1/beta)`
//!    for a given voltage. For a sweep whose stop voltage is the knob, `p` can
//!    only take the values `1 - exp(-H_k)` of the steps: the search walks the
//!    steps and keeps the one closest to the target; the rest of the design
//!    then uses that achieved `p`.
//! 2. Compliance currents `I_C+` and `I_C-` (a 2-D problem on closed forms).
//!    A cell's conductance is a mixture: formed with weight `a = h p` (`h` the
//!    healthy fraction), otherwise pristine or stuck; its raw moments are
//!    `E[G] = a m + O1`, `E[G^2] = a (1 + c^2) m^2 + O2` with `m = I_C / V_C`,
//!    `c^2 = exp(sigma^2) - 1` and `O1`, `O2` the other components' parts, so
//!    `Var G(m) = A m^2 - B m + C` with `A = a (1 + c^2 - a)`, `B = 2 a O1`,
//!    `C = O2 - O1^2`. The weight mean fixes the difference
//!    `d = m+ - m- = mean_w g / a`; the weight variance
//!    `Var G(m- + d) + Var G(m-) = (std_w g)^2` is then a quadratic in `m-`,
//!    solved exactly (larger root). No iteration is needed.
//!
//! The design is verified by forming two arrays and measuring the weights
//! ([`verify_weights`]); the closed forms ignore conductance quantisation.

use param_guard::ParamGuard;
use serde::{Deserialize, Serialize};

use seeds::{Purpose, Seeds};

use crate::error::{Error, Result, ensure, finite, positive};
use crate::forming::{
    SweepDistribution, cell_raw, formed_probability, formed_raw, state_fractions,
};
use crate::map::{CellState, ConductanceMap, differential_weights};
use crate::params::{Compliance, DeviceParams, Program, PulseProgram, SweepProgram};
use crate::stats::{DistMoments, Moments, RawMoments};

/// Which programming knob sets the formed fraction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "knob", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Knob {
    /// A pulse of this width; solve its voltage.
    PulseVoltage {
        /// Pulse width, s.
        width_s: f64,
    },
    /// A pulse of this voltage; solve its width.
    PulseWidth {
        /// Pulse amplitude, V.
        v_v: f64,
    },
    /// A staircase sweep; solve its stop voltage (discrete steps).
    SweepStop {
        /// First step, V.
        v_start_v: f64,
        /// Step height, V.
        v_step_v: f64,
        /// Step duration, s.
        step_width_s: f64,
        /// Highest stop voltage allowed, V.
        v_stop_max_v: f64,
    },
}

impl Default for Knob {
    /// A 10 ms pulse (the default pulse width).
    fn default() -> Self {
        Knob::PulseVoltage { width_s: 10e-3 }
    }
}

/// Largest voltage a designed pulse may use, V (the 5 V full scale of the
/// paper's DAC).
pub const DESIGN_V_MAX_V: f64 = 5.0;

/// The programs that give a formed fraction `p` with `compliance`, and the
/// fraction they achieve.
fn programs_for_fraction(
    params: &DeviceParams,
    p: f64,
    knob: &Knob,
    compliance: Compliance,
) -> Result<(Program, f64)> {
    let f = &params.forming;
    // -ln(1 - p) = (t / eta)^beta.
    let h = -(-p).ln_1p();
    match *knob {
        Knob::PulseVoltage { width_s } => {
            positive("knob.width_s", width_s)?;
            ensure(
                f.accel_exponent > 0.0,
                "forming.accel_exponent",
                f.accel_exponent,
                "> 0 to design by voltage",
            )?;
            let eta = width_s / h.powf(1.0 / f.beta);
            let v = f.v0_v * (f.eta0_s / eta).powf(1.0 / f.accel_exponent);
            if !(v.is_finite() && v > 0.0 && v <= DESIGN_V_MAX_V) {
                return Err(Error::Infeasible {
                    reason: format!(
                        "formed fraction {p} with a {width_s} s pulse needs {v:.3} V, above {DESIGN_V_MAX_V} V; use a longer pulse"
                    ),
                });
            }
            let prog = Program::Pulse(PulseProgram {
                v_v: v,
                width_s,
                compliance,
            });
            let achieved = formed_probability(params, &prog);
            Ok((prog, achieved))
        }
        Knob::PulseWidth { v_v } => {
            positive("knob.v_v", v_v)?;
            let t = f.eta_s(v_v) * h.powf(1.0 / f.beta);
            if !(t.is_finite() && t > 0.0 && t <= 1e3) {
                return Err(Error::Infeasible {
                    reason: format!(
                        "formed fraction {p} at {v_v} V needs a {t:.3e} s pulse; choose a higher voltage"
                    ),
                });
            }
            let prog = Program::Pulse(PulseProgram {
                v_v,
                width_s: t,
                compliance,
            });
            let achieved = formed_probability(params, &prog);
            Ok((prog, achieved))
        }
        Knob::SweepStop {
            v_start_v,
            v_step_v,
            step_width_s,
            v_stop_max_v,
        } => {
            let full = SweepProgram {
                v_start_v,
                v_step_v,
                v_stop_v: v_stop_max_v,
                step_width_s,
                compliance: compliance.clone(),
            };
            Program::Sweep(full.clone()).validate(params)?;
            let d = SweepDistribution::new(&params.forming, &full);
            // 1-D search over the discrete stop steps.
            let mut best: Option<(usize, f64)> = None;
            for (k, &hk) in d.cumulative_hazards().iter().enumerate() {
                let pk = -(-hk).exp_m1();
                if best.is_none_or(|(_, b)| (pk - p).abs() < (b - p).abs()) {
                    best = Some((k, pk));
                }
            }
            let Some((k, pk)) = best else {
                return Err(Error::Infeasible {
                    reason: "the sweep has no step".into(),
                });
            };
            let prog = Program::Sweep(SweepProgram {
                v_stop_v: d.voltages_v()[k],
                ..full
            });
            Ok((prog, pk))
        }
    }
}

/// The wanted distribution of differential weights `(G+ - G-) / g_scale`
/// (with `g_scale` from [`crate::DifferentialParams`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeightTarget {
    /// Mean weight (weight units).
    pub mean: f64,
    /// Standard deviation of the weights (weight units).
    pub std: f64,
    /// Probability that a healthy cell breaks down, in (0, 1).
    pub formed_fraction: f64,
    /// The knob that sets the formed fraction.
    pub knob: Knob,
}

impl Default for WeightTarget {
    /// The paper's setting: symmetric weights with the spread of two formed
    /// cells, `sqrt(2) x 2.46` uS, essentially every cell formed.
    fn default() -> Self {
        Self {
            mean: 0.0,
            std: 2f64.sqrt() * 2.46,
            formed_fraction: 0.999_999,
            knob: Knob::default(),
        }
    }
}

/// A solved weight design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightDesign {
    /// Program of the `G+` array.
    pub plus: Program,
    /// Program of the `G-` array.
    pub minus: Program,
    /// Compliance current of the `G+` array, A.
    pub i_c_plus_a: f64,
    /// Compliance current of the `G-` array, A.
    pub i_c_minus_a: f64,
    /// Gate voltages that set those currents through the access transistor, V.
    pub v_g_plus_v: f64,
    /// Gate voltage of the `G-` array, V.
    pub v_g_minus_v: f64,
    /// Formed probability the programs achieve.
    pub formed_probability: f64,
    /// Predicted weight distribution (closed form).
    pub predicted: DistMoments,
}

/// Solves programming conditions for a weight distribution (see the module
/// docs for the method).
pub fn design_weights(params: &DeviceParams, target: &WeightTarget) -> Result<WeightDesign> {
    params.validate()?;
    finite("target.mean", target.mean)?;
    positive("target.std", target.std)?;
    ensure(
        target.formed_fraction > 0.0 && target.formed_fraction < 1.0,
        "target.formed_fraction",
        target.formed_fraction,
        "in (0, 1)",
    )?;
    let (_, p) = programs_for_fraction(
        params,
        target.formed_fraction,
        &target.knob,
        Compliance::default(),
    )?;
    let g = params.differential.g_scale_s();
    let fr = state_fractions(params, p);
    let a = fr.formed;
    if a <= 0.0 {
        return Err(Error::Infeasible {
            reason: "no healthy cell can form (faults take every cell)".into(),
        });
    }
    // Parts of the mixture that do not depend on the compliance.
    let others = RawMoments::mixture(&[
        (
            fr.pristine + fr.stuck_pristine,
            RawMoments::lognormal(params.pristine.mu_ln(), params.pristine.sigma_ln),
        ),
        (
            fr.stuck_high,
            RawMoments::constant(params.faults.g_stuck_high_us * 1e-6),
        ),
    ]);
    let [o1, o2, _, _] = others.0;
    let c2 = (params.compliance.sigma_ln * params.compliance.sigma_ln).exp_m1();
    let big_a = a * (1.0 + c2 - a);
    let big_b = 2.0 * a * o1;
    let big_c = o2 - o1 * o1;
    let d = target.mean * g / a;
    let var_target = (target.std * g).powi(2);
    // 2A m^2 + (2A d - 2B) m + (A d^2 - B d + 2C - var) = 0.
    let qa = 2.0 * big_a;
    let qb = 2.0 * big_a * d - 2.0 * big_b;
    let qc = big_a * d * d - big_b * d + 2.0 * big_c - var_target;
    let disc = qb * qb - 4.0 * qa * qc;
    let m_minus = if qa > 0.0 && disc >= 0.0 {
        (-qb + disc.sqrt()) / (2.0 * qa)
    } else {
        f64::NAN
    };
    let m_plus = m_minus + d;
    if !(m_minus > 0.0 && m_plus > 0.0) {
        // The smallest variance, reached when the lower array's mean is 0.
        let floor = {
            let v = |m: f64| big_a * m * m - big_b * m + big_c;
            (v(d.abs()) + v(0.0)).max(0.0).sqrt() / g
        };
        return Err(Error::Infeasible {
            reason: format!(
                "weight std {} with mean {} at formed fraction {p:.6} needs a negative compliance; the smallest std reachable with this mean is about {floor:.4}",
                target.std, target.mean
            ),
        });
    }
    let v_c = params.compliance.v_c_v;
    let (i_plus, i_minus) = (m_plus * v_c, m_minus * v_c);
    let (plus, _) = programs_for_fraction(
        params,
        target.formed_fraction,
        &target.knob,
        Compliance::Current {
            i_c_ua: i_plus * 1e6,
        },
    )?;
    let (minus, _) = programs_for_fraction(
        params,
        target.formed_fraction,
        &target.knob,
        Compliance::Current {
            i_c_ua: i_minus * 1e6,
        },
    )?;
    let x = cell_raw(params, p, i_plus).central();
    let y = cell_raw(params, p, i_minus).central();
    Ok(WeightDesign {
        plus,
        minus,
        i_c_plus_a: i_plus,
        i_c_minus_a: i_minus,
        v_g_plus_v: params.compliance.gate_voltage_for_current_v(i_plus),
        v_g_minus_v: params.compliance.gate_voltage_for_current_v(i_minus),
        formed_probability: p,
        predicted: DistMoments::difference(&x, &y, g),
    })
}

/// What a simulated design achieved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightVerification {
    /// Weights simulated.
    pub weights: usize,
    /// Predicted weight distribution.
    pub predicted: DistMoments,
    /// Measured weight statistics.
    pub achieved: Moments,
    /// Predicted formed fraction of healthy cells.
    pub formed_probability: f64,
    /// Measured fraction of cells formed (both arrays).
    pub formed_fraction: f64,
}

/// Forms the two arrays of a design (`rows x cols` each) and measures the
/// weights. The `G+` array draws from `seeds.keyed(DeviceForming, 0)` and
/// `seeds.keyed(DeviceFaults, 0)`, the `G-` array from key 1.
pub fn verify_weights(
    params: &DeviceParams,
    design: &WeightDesign,
    rows: usize,
    cols: usize,
    seeds: Seeds,
) -> Result<WeightVerification> {
    let form = |program: &Program, key: u64| {
        ConductanceMap::form_with(
            rows,
            cols,
            params,
            program,
            &mut seeds.keyed(Purpose::DeviceForming, key),
            &mut seeds.keyed(Purpose::DeviceFaults, key),
        )
    };
    let plus = form(&design.plus, 0)?;
    let minus = form(&design.minus, 1)?;
    let w = differential_weights(&plus, &minus, params.differential.g_scale_s())?;
    let formed = plus
        .states()
        .iter()
        .chain(minus.states())
        .filter(|s| **s == CellState::Formed)
        .count();
    let achieved = Moments::of(&w).ok_or(Error::InsufficientData {
        what: "weight statistics".into(),
        needed: 1,
        found: 0,
    })?;
    Ok(WeightVerification {
        weights: w.len(),
        predicted: design.predicted,
        achieved,
        formed_probability: design.formed_probability,
        formed_fraction: formed as f64 / (2 * plus.len()) as f64,
    })
}

/// The wanted distribution of formed conductances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FormedTarget {
    /// Mean formed conductance, uS.
    pub g_mean_us: f64,
    /// Standard deviation of formed conductances, uS, if it matters. The
    /// relative spread `sqrt(exp(sigma^2) - 1)` is a property of the device
    /// (`compliance.sigma_ln`), which programming cannot change: a target that
    /// differs from it by more than 1 % is reported as infeasible.
    pub g_std_us: Option<f64>,
    /// Probability that a healthy cell breaks down, in (0, 1).
    pub formed_fraction: f64,
    /// The knob that sets the formed fraction.
    pub knob: Knob,
}

impl Default for FormedTarget {
    /// The published fit: 14.25 uS mean, 2.46 uS standard deviation.
    fn default() -> Self {
        Self {
            g_mean_us: 14.25,
            g_std_us: Some(2.46),
            formed_fraction: 0.999_999,
            knob: Knob::default(),
        }
    }
}

/// A solved formed-conductance design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormedDesign {
    /// The program.
    pub program: Program,
    /// Compliance current, A.
    pub i_c_a: f64,
    /// Gate voltage that sets it, V.
    pub v_g_v: f64,
    /// Formed probability achieved.
    pub formed_probability: f64,
    /// Predicted formed conductance distribution, S.
    pub predicted_formed_g: DistMoments,
}

/// Solves programming conditions for a formed-conductance distribution:
/// `I_C = mean V_C`, and the knob from the formed fraction.
pub fn design_formed(params: &DeviceParams, target: &FormedTarget) -> Result<FormedDesign> {
    params.validate()?;
    positive("target.g_mean_us", target.g_mean_us)?;
    ensure(
        target.formed_fraction > 0.0 && target.formed_fraction < 1.0,
        "target.formed_fraction",
        target.formed_fraction,
        "in (0, 1)",
    )?;
    let cv = params.compliance.cv();
    if let Some(std) = target.g_std_us {
        positive("target.g_std_us", std)?;
        let reachable = cv * target.g_mean_us;
        if (std / reachable - 1.0).abs() > 0.01 {
            return Err(Error::Infeasible {
                reason: format!(
                    "formed std {std} uS at mean {} uS: this device's relative spread is {cv:.4} (compliance.sigma_ln = {:.4}), so the std is {reachable:.4} uS; fit or set compliance.sigma_ln = {:.4} for the wanted spread",
                    target.g_mean_us,
                    params.compliance.sigma_ln,
                    crate::params::lognormal_sigma_for_cv(std / target.g_mean_us)
                ),
            });
        }
    }
    let i_c = params.compliance.i_c_for_g_mean_a(target.g_mean_us * 1e-6);
    let (program, p) = programs_for_fraction(
        params,
        target.formed_fraction,
        &target.knob,
        Compliance::Current { i_c_ua: i_c * 1e6 },
    )?;
    Ok(FormedDesign {
        program,
        i_c_a: i_c,
        v_g_v: params.compliance.gate_voltage_for_current_v(i_c),
        formed_probability: p,
        predicted_formed_g: formed_raw(params, i_c).central(),
    })
}

/// What a simulated formed-conductance design achieved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormedVerification {
    /// Predicted formed conductance, S.
    pub predicted: DistMoments,
    /// Measured formed conductance, S (`None` if no cell formed).
    pub achieved: Option<Moments>,
    /// Predicted formed probability of healthy cells.
    pub formed_probability: f64,
    /// Measured formed fraction.
    pub formed_fraction: f64,
}

/// Forms one `rows x cols` array with the design and measures it.
pub fn verify_formed(
    params: &DeviceParams,
    design: &FormedDesign,
    rows: usize,
    cols: usize,
    seeds: Seeds,
) -> Result<FormedVerification> {
    let map = ConductanceMap::form_seeded(rows, cols, params, &design.program, seeds)?;
    let s = map.summary(params.differential.g_scale_s());
    Ok(FormedVerification {
        predicted: design.predicted_formed_g,
        achieved: s.formed_g,
        formed_probability: design.formed_probability,
        formed_fraction: s.formed_fraction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulse_voltage_inversion_round_trips() {
        let d = DeviceParams::default();
        for p in [0.01, 0.5, 0.9, 0.999] {
            let (prog, achieved) =
                programs_for_fraction(&d, p, &Knob::default(), Compliance::default()).unwrap();
            assert!((achieved - p).abs() < 1e-12, "{p} {achieved}");
            let (prog2, a2) =
                programs_for_fraction(&d, p, &Knob::PulseWidth { v_v: 4.0 }, Compliance::default())
                    .unwrap();
            assert!((a2 - p).abs() < 1e-12);
            assert!(matches!(prog, Program::Pulse(_)) && matches!(prog2, Program::Pulse(_)));
        }
    }

    #[test]
    fn sweep_stop_search_picks_the_closest_step() {
        let d = DeviceParams::default();
        let knob = Knob::SweepStop {
            v_start_v: 3.0,
            v_step_v: 0.05,
            step_width_s: 1e-3,
            v_stop_max_v: 5.0,
        };
        let (prog, p) = programs_for_fraction(&d, 0.5, &knob, Compliance::default()).unwrap();
        let Program::Sweep(s) = prog else {
            panic!("expected a sweep")
        };
        let dist = SweepDistribution::new(
            &d.forming,
            &SweepProgram {
                v_stop_v: 5.0,
                ..s.clone()
            },
        );
        // No step is closer to 0.5 than the chosen one.
        for &h in dist.cumulative_hazards() {
            assert!((-(-h).exp_m1() - 0.5).abs() >= (p - 0.5).abs() - 1e-15);
        }
        assert!((dist.formed_fraction_at(s.v_stop_v) - p).abs() < 1e-15);
    }

    #[test]
    fn default_weight_target_gives_the_default_compliance() {
        // sqrt(2) x 2.46 uS with (almost) every cell formed is the default
        // device: both compliances come out near 5.7 uA.
        let d = DeviceParams::default();
        let w = design_weights(&d, &WeightTarget::default()).unwrap();
        assert!(
            (w.i_c_plus_a / 5.7e-6 - 1.0).abs() < 1e-3,
            "{}",
            w.i_c_plus_a
        );
        assert!((w.i_c_minus_a - w.i_c_plus_a).abs() < 1e-15);
        assert!((w.predicted.std - WeightTarget::default().std).abs() < 1e-9);
    }

    #[test]
    fn unreachable_targets_are_infeasible() {
        let d = DeviceParams::default();
        let t = WeightTarget {
            mean: 10.0,
            std: 0.1,
            ..WeightTarget::default()
        };
        assert!(matches!(
            design_weights(&d, &t),
            Err(Error::Infeasible { .. })
        ));
        let f = FormedTarget {
            g_std_us: Some(5.0),
            ..FormedTarget::default()
        };
        assert!(matches!(
            design_formed(&d, &f),
            Err(Error::Infeasible { .. })
        ));
        let v = FormedTarget {
            knob: Knob::PulseVoltage { width_s: 1e-12 },
            ..FormedTarget::default()
        };
        assert!(matches!(
            design_formed(&d, &v),
            Err(Error::Infeasible { .. })
        ));
    }
}
