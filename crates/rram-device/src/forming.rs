//! Closed forms of forming: breakdown under a pulse or a staircase sweep,
//! and the predicted moments of the formed array.

use param_guard::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::params::{DeviceParams, FormingParams, Program, SweepProgram};
use crate::stats::{DistMoments, RawMoments};

/// Breakdown statistics of a staircase sweep, in closed form.
///
/// With the cumulative-exposure model, the damage after step `k` is
/// `D_k = sum_{j <= k} t_step / eta(V_j)` (exact for a staircase: the voltage
/// is constant within a step) and the probability of having broken down by
/// then is `F_k = 1 - exp(-D_k^beta)`. The probability of breaking down at
/// step `k` given survival to it is `h_k = 1 - exp(-(D_k^beta - D_{k-1}^beta))`,
/// and the unconditional probability is `q_k = S_{k-1} h_k` with
/// `S_k = exp(-D_k^beta)`. The breakdown-voltage moments are the sums
/// `sum_k V_k^m q_k / (1 - S_last)` over the steps (no approximation beyond
/// floating point).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepDistribution {
    voltages_v: Vec<f64>,
    /// Cumulative hazard `H_k = D_k^beta` after step `k`.
    cumulative_hazard: Vec<f64>,
}

impl SweepDistribution {
    /// The distribution for a device and a sweep (both assumed valid).
    pub fn new(forming: &FormingParams, sweep: &SweepProgram) -> SweepDistribution {
        let voltages_v = sweep.voltages_v();
        let mut damage = 0.0;
        let cumulative_hazard = voltages_v
            .iter()
            .map(|&v| {
                damage += forming.damage(v, sweep.step_width_s);
                damage.powf(forming.beta)
            })
            .collect();
        SweepDistribution {
            voltages_v,
            cumulative_hazard,
        }
    }

    /// The step voltages, V.
    pub fn voltages_v(&self) -> &[f64] {
        &self.voltages_v
    }

    /// Cumulative hazards `H_k = D_k^beta`.
    pub fn cumulative_hazards(&self) -> &[f64] {
        &self.cumulative_hazard
    }

    /// Probability of breaking down at each step given survival to it.
    pub fn hazards(&self) -> Vec<f64> {
        let mut prev = 0.0;
        self.cumulative_hazard
            .iter()
            .map(|&h| {
                let p = -(-(h - prev)).exp_m1();
                prev = h;
                p
            })
            .collect()
    }

    /// Unconditional probability of breaking down at each step.
    pub fn step_probabilities(&self) -> Vec<f64> {
        let mut prev = 0.0f64;
        self.cumulative_hazard
            .iter()
            .map(|&h| {
                let q = (-prev).exp() * -(-(h - prev)).exp_m1();
                prev = h;
                q
            })
            .collect()
    }

    /// Fraction of cells broken down by the end of the sweep.
    pub fn formed_fraction(&self) -> f64 {
        self.cumulative_hazard
            .last()
            .map_or(0.0, |h| -(-h).exp_m1())
    }

    /// Fraction broken down if the sweep is stopped after the last step at or
    /// below `v_v` (the cumulative distribution of the breakdown voltage).
    pub fn formed_fraction_at(&self, v_v: f64) -> f64 {
        let k = self.voltages_v.partition_point(|&v| v <= v_v + 1e-12);
        if k == 0 {
            0.0
        } else {
            -(-self.cumulative_hazard[k - 1]).exp_m1()
        }
    }

    /// Mean, standard deviation, skewness and excess kurtosis of the
    /// breakdown voltage of the cells that break down; `None` if none can.
    pub fn breakdown_moments(&self) -> Option<DistMoments> {
        let q = self.step_probabilities();
        let total: f64 = q.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mean = q
            .iter()
            .zip(&self.voltages_v)
            .map(|(q, v)| q * v)
            .sum::<f64>()
            / total;
        let mut m = [0.0; 3];
        for (q, v) in q.iter().zip(&self.voltages_v) {
            let d = v - mean;
            m[0] += q * d * d;
            m[1] += q * d * d * d;
            m[2] += q * d * d * d * d;
        }
        let [m2, m3, m4] = m.map(|x| x / total);
        let (skewness, excess_kurtosis) = if m2 > 0.0 {
            (m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
        } else {
            (0.0, 0.0)
        };
        Some(DistMoments {
            mean,
            std: m2.sqrt(),
            skewness,
            excess_kurtosis,
        })
    }
}

/// Fractions of cells in each state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateFractions {
    /// Healthy cells that did not break down.
    pub pristine: f64,
    /// Healthy cells that broke down (formed).
    pub formed: f64,
    /// Cells stuck at pristine.
    pub stuck_pristine: f64,
    /// Cells stuck at high conductance.
    pub stuck_high: f64,
}

/// The closed-form statistics of an array formed with a device and a
/// program (quantisation of formed conductances ignored).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Probability that a healthy cell breaks down under the program.
    pub formed_probability: f64,
    /// Expected fraction of cells in each state.
    pub fractions: StateFractions,
    /// Conductance of formed cells (log-normal), S.
    pub formed_g: DistMoments,
    /// Conductance of pristine cells (log-normal), S.
    pub pristine_g: DistMoments,
    /// Conductance of any cell (the mixture of all states), S.
    pub cell_g: DistMoments,
    /// Differential weight `(G+ - G-) / g_scale` of two independent cells
    /// (weight units): mean 0, `std = sqrt(2) std(cell G) / g_scale`, excess
    /// kurtosis half that of a cell.
    pub weight: DistMoments,
}

/// Probability that a healthy cell breaks down under `program`.
pub fn formed_probability(params: &DeviceParams, program: &Program) -> f64 {
    match program {
        Program::Pulse(p) => params.forming.pulse_formed_probability(p.v_v, p.width_s),
        Program::Sweep(s) => SweepDistribution::new(&params.forming, s).formed_fraction(),
    }
}

/// Raw moments of the log-normal formed conductance for a compliance current.
pub(crate) fn formed_raw(params: &DeviceParams, i_c_a: f64) -> RawMoments {
    let s = params.compliance.sigma_ln;
    let mean = params.compliance.g_mean_s(i_c_a);
    RawMoments::lognormal(mean.ln() - 0.5 * s * s, s)
}

/// Raw moments of the pristine conductance.
pub(crate) fn pristine_raw(params: &DeviceParams) -> RawMoments {
    RawMoments::lognormal(params.pristine.mu_ln(), params.pristine.sigma_ln)
}

/// State fractions for a formed probability `p`.
pub(crate) fn state_fractions(params: &DeviceParams, p: f64) -> StateFractions {
    let f = &params.faults;
    let healthy = 1.0 - f.stuck_pristine_fraction - f.stuck_high_fraction;
    StateFractions {
        pristine: healthy * (1.0 - p),
        formed: healthy * p,
        stuck_pristine: f.stuck_pristine_fraction,
        stuck_high: f.stuck_high_fraction,
    }
}

/// Raw moments of any cell (mixture of states).
pub(crate) fn cell_raw(params: &DeviceParams, p: f64, i_c_a: f64) -> RawMoments {
    let fr = state_fractions(params, p);
    RawMoments::mixture(&[
        (fr.pristine + fr.stuck_pristine, pristine_raw(params)),
        (fr.formed, formed_raw(params, i_c_a)),
        (
            fr.stuck_high,
            RawMoments::constant(params.faults.g_stuck_high_us * 1e-6),
        ),
    ])
}

/// Closed-form statistics of an array formed with `params` and `program`.
pub fn predict(params: &DeviceParams, program: &Program) -> Result<Prediction> {
    params.validate()?;
    program.validate(params)?;
    let p = formed_probability(params, program);
    let i_c = program.compliance().current_a(&params.compliance);
    let cell_g = cell_raw(params, p, i_c).central();
    Ok(Prediction {
        formed_probability: p,
        fractions: state_fractions(params, p),
        formed_g: formed_raw(params, i_c).central(),
        pristine_g: pristine_raw(params).central(),
        cell_g,
        weight: DistMoments::difference(&cell_g, &cell_g, params.differential.g_scale_s()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_sweep_is_quasi_normal_as_documented() {
        // The crate docs state these numbers for the default sweep; this test
        // keeps the docs honest (4-digit agreement with the closed form).
        let d = SweepDistribution::new(&FormingParams::default(), &SweepProgram::default());
        let m = d.breakdown_moments().unwrap();
        assert!((m.mean - 3.500).abs() < 5e-4, "{m:?}");
        assert!((m.std - 0.2256).abs() < 5e-4, "{m:?}");
        assert!((m.skewness - 0.017).abs() < 5e-3, "{m:?}");
        assert!((m.excess_kurtosis + 0.537).abs() < 5e-3, "{m:?}");
        assert!(1.0 - d.formed_fraction() < 1e-12);
        let first = d.step_probabilities()[0];
        assert!((first - 0.0084).abs() < 1e-4, "{first}");
    }

    #[test]
    fn step_probabilities_sum_to_formed_fraction() {
        let sweep = SweepProgram {
            v_stop_v: 3.4,
            ..SweepProgram::default()
        };
        let d = SweepDistribution::new(&FormingParams::default(), &sweep);
        let sum: f64 = d.step_probabilities().iter().sum();
        assert!((sum - d.formed_fraction()).abs() < 1e-12);
        assert!((d.formed_fraction_at(3.4) - d.formed_fraction()).abs() < 1e-15);
        assert_eq!(d.formed_fraction_at(2.9), 0.0);
    }

    #[test]
    fn memoryless_sweep_matches_product_of_step_survivals() {
        // With beta = 1 the Weibull is exponential: each step is survived with
        // probability exp(-t/eta(V_k)) independently of the past, so
        // S_K = prod_k exp(-t/eta(V_k)), computed here step by step.
        let f = FormingParams {
            beta: 1.0,
            ..FormingParams::default()
        };
        let s = SweepProgram::default();
        let d = SweepDistribution::new(&f, &s);
        let mut surv = 1.0;
        for (k, &v) in s.voltages_v().iter().enumerate() {
            let h = 1.0 - (-s.step_width_s / f.eta_s(v)).exp();
            assert!((d.hazards()[k] - h).abs() < 1e-12);
            surv *= 1.0 - h;
        }
        assert!(((1.0 - d.formed_fraction()) - surv).abs() < 1e-12);
    }

    #[test]
    fn prediction_of_defaults() {
        let p = predict(&DeviceParams::default(), &Program::default()).unwrap();
        assert!((p.formed_g.mean - 14.25e-6).abs() < 1e-15);
        assert!((p.formed_g.std - 2.46e-6).abs() < 1e-12);
        assert!((p.pristine_g.mean / (1e-7 * (0.045f64).exp()) - 1.0).abs() < 1e-12);
        // Almost every cell formed: the weight std is sqrt(2) x 2.46 uS / 1 uS.
        assert!(
            (p.weight.std - 2f64.sqrt() * 2.46).abs() < 1e-6,
            "{}",
            p.weight.std
        );
        assert!(p.weight.mean.abs() < 1e-12);
    }
}
