//! Parameters of the reservoir: neurons, input layer, sizes.

use param_guard::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use param_guard::ParamError;

/// How a neuron's membrane resets after it fires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResetMode {
    /// Set the membrane to `v_reset` (with `v_reset = 0` this is the authors'
    /// `decay * v * (1 - spike)` form).
    #[default]
    ToValue,
    /// Subtract the threshold from the membrane (keeps the excess).
    Subtract,
}

/// A population of leaky integrate-and-fire neurons in discrete time.
///
/// One step of neuron `j` with synaptic input `I_j(t)`:
///
/// ```text
/// v_j <- decay * v_j + gain * I_j(t) + (1 - decay) * v_rest      (integrate)
/// fires at t  iff  v_j > v_th                                     (test, strict)
/// v_j <- v_reset  (or v_j - v_th with reset = "subtract")         (reset)
/// ```
///
/// `v_rest + decay (v - v_rest) = decay v + (1 - decay) v_rest`, so with
/// `v_rest = 0` this is exactly the authors' discrete form. A refractory
/// neuron holds its potential and ignores input for `refractory_steps` steps
/// after a spike.
///
/// | field | unit | default | source |
/// |---|---|---|---|
/// | `decay` | 1 per step | 0.9 | authors' N-MNIST script |
/// | `v_th` | membrane units | 5.0 | authors' N-MNIST script |
/// | `gain` | membrane units per weight unit | 0.07 | authors' N-MNIST script ("const") |
/// | `v_rest` | membrane units | 0.0 | authors' form (no rest offset) |
/// | `v_reset` | membrane units | 0.0 | authors' form (reset to zero) |
/// | `reset` | - | `to-value` | authors' form |
/// | `refractory_steps` | steps | 0 | authors' form (none) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NeuronParams {
    /// Membrane decay factor per step, in (0, 1].
    pub decay: f64,
    /// Firing threshold (a neuron fires when its membrane is strictly above).
    pub v_th: f64,
    /// Gain from synaptic input to membrane (the authors' "const").
    pub gain: f64,
    /// Resting potential the membrane leaks towards.
    pub v_rest: f64,
    /// Potential after a spike (reset mode `to-value`).
    pub v_reset: f64,
    /// How the membrane resets after a spike.
    pub reset: ResetMode,
    /// Steps a neuron ignores input after a spike.
    pub refractory_steps: u16,
}

impl Default for NeuronParams {
    fn default() -> Self {
        Self::nmnist()
    }
}

impl NeuronParams {
    /// The authors' N-MNIST reservoir neurons: decay 0.9, threshold 5.0, gain 0.07.
    pub fn nmnist() -> Self {
        Self {
            decay: 0.9,
            v_th: 5.0,
            gain: 0.07,
            v_rest: 0.0,
            v_reset: 0.0,
            reset: ResetMode::ToValue,
            refractory_steps: 0,
        }
    }

    /// The authors' N-TIDIGITS reservoir neurons: decay 0.97, threshold 5.3, gain 0.08.
    pub fn ntidigits() -> Self {
        Self {
            decay: 0.97,
            v_th: 5.3,
            gain: 0.08,
            ..Self::nmnist()
        }
    }

    /// Checks every field; `path` prefixes the field names in errors.
    pub fn validate(&self, path: &str) -> Result<()> {
        let field = |name: &str| format!("{path}{name}");
        check(
            self.decay > 0.0 && self.decay <= 1.0,
            &field("decay"),
            self.decay,
            "in (0, 1]",
        )?;
        check(self.v_th.is_finite(), &field("v_th"), self.v_th, "finite")?;
        check(self.gain.is_finite(), &field("gain"), self.gain, "finite")?;
        check(
            self.v_rest.is_finite(),
            &field("v_rest"),
            self.v_rest,
            "finite",
        )?;
        check(
            self.v_reset.is_finite(),
            &field("v_reset"),
            self.v_reset,
            "finite",
        )?;
        if self.reset == ResetMode::ToValue {
            check(
                self.v_reset <= self.v_th,
                &field("v_reset"),
                self.v_reset,
                "not above v_th (a reset neuron would fire forever)",
            )?;
        } else {
            check(
                self.v_th > 0.0,
                &field("v_th"),
                self.v_th,
                "positive with reset = \"subtract\"",
            )?;
        }
        Ok(())
    }
}

/// What feeds the reservoir's input synapses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum InputLayer {
    /// Each active input channel of a step is one spike on its input row.
    #[default]
    PassThrough,
    /// Each input channel drives its own LIF neuron (input `I = count` of
    /// events in the bin, `1` for binary rasters); their spikes drive the
    /// input rows.
    Lif(NeuronParams),
}

/// The reservoir: sizes, neurons, input layer.
///
/// | field | unit | default | source |
/// |---|---|---|---|
/// | `n_in` | channels | 256 | 16 x 16 centre crop of N-MNIST (authors' script) |
/// | `n_res` | neurons | 200 | authors' scripts |
/// | `neuron` | - | [`NeuronParams::nmnist`] | authors' N-MNIST script |
/// | `input_layer` | - | pass-through | see [`InputLayer`] |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReservoirParams {
    /// Number of input channels (rows of `W_in`).
    pub n_in: usize,
    /// Number of recurrent neurons.
    pub n_res: usize,
    /// The recurrent LIF neurons.
    pub neuron: NeuronParams,
    /// What drives the input rows.
    pub input_layer: InputLayer,
}

impl Default for ReservoirParams {
    fn default() -> Self {
        Self::nmnist()
    }
}

/// The largest reservoir dimension accepted (rows and columns of a weight
/// matrix; the crossbar itself has 512).
pub const MAX_DIM: usize = 1 << 16;

impl ReservoirParams {
    /// The authors' N-MNIST reservoir: 256 inputs, 200 neurons, decay 0.9,
    /// threshold 5.0, gain 0.07.
    pub fn nmnist() -> Self {
        Self {
            n_in: 256,
            n_res: 200,
            neuron: NeuronParams::nmnist(),
            input_layer: InputLayer::PassThrough,
        }
    }

    /// The authors' N-TIDIGITS reservoir: 64 inputs, 200 neurons, decay 0.97,
    /// threshold 5.3, gain 0.08.
    pub fn ntidigits() -> Self {
        Self {
            n_in: 64,
            n_res: 200,
            neuron: NeuronParams::ntidigits(),
            input_layer: InputLayer::PassThrough,
        }
    }

    /// The standard benchmark workload (and the conformance fixture's
    /// dynamics): 256 inputs, 200 neurons, decay 0.9, threshold 1.0, gain 1,
    /// reset to zero.
    pub fn standard_workload() -> Self {
        Self {
            n_in: 256,
            n_res: 200,
            neuron: NeuronParams {
                decay: 0.9,
                v_th: 1.0,
                gain: 1.0,
                ..NeuronParams::nmnist()
            },
            input_layer: InputLayer::PassThrough,
        }
    }
}

impl ParamGuard for ReservoirParams {
    type Error = Error;

    /// Checks every field, naming the first bad one.
    fn validate(&self) -> Result<()> {
        check_dim("n_in", self.n_in)?;
        check_dim("n_res", self.n_res)?;
        self.neuron.validate("neuron.")?;
        if let InputLayer::Lif(p) = &self.input_layer {
            p.validate("input_layer.")?;
        }
        Ok(())
    }
}

fn check_dim(field: &str, n: usize) -> Result<()> {
    if n == 0 || n > MAX_DIM {
        return Err(Error::InvalidParameter(ParamError {
            field: field.to_owned(),
            value: n.to_string(),
            allowed: format!("between 1 and {MAX_DIM}"),
        }));
    }
    Ok(())
}

fn check(ok: bool, field: &str, value: f64, allowed: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidParameter(ParamError {
            field: field.to_owned(),
            value: value.to_string(),
            allowed: allowed.to_owned(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: Error) -> String {
        match err {
            Error::InvalidParameter(ParamError { field, .. }) => field,
            other => panic!("expected InvalidParameter, got {other}"),
        }
    }

    #[test]
    fn presets_are_valid() {
        ReservoirParams::nmnist().validate().unwrap();
        ReservoirParams::ntidigits().validate().unwrap();
        ReservoirParams::standard_workload().validate().unwrap();
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad: Vec<(ReservoirParams, &str)> = vec![
            (
                ReservoirParams {
                    n_in: 0,
                    ..ReservoirParams::nmnist()
                },
                "n_in",
            ),
            (
                ReservoirParams {
                    n_res: MAX_DIM + 1,
                    ..ReservoirParams::nmnist()
                },
                "n_res",
            ),
            (
                ReservoirParams {
                    neuron: NeuronParams {
                        decay: 0.0,
                        ..NeuronParams::nmnist()
                    },
                    ..ReservoirParams::nmnist()
                },
                "neuron.decay",
            ),
            (
                ReservoirParams {
                    neuron: NeuronParams {
                        decay: 1.5,
                        ..NeuronParams::nmnist()
                    },
                    ..ReservoirParams::nmnist()
                },
                "neuron.decay",
            ),
            (
                ReservoirParams {
                    neuron: NeuronParams {
                        v_th: f64::NAN,
                        ..NeuronParams::nmnist()
                    },
                    ..ReservoirParams::nmnist()
                },
                "neuron.v_th",
            ),
            (
                ReservoirParams {
                    neuron: NeuronParams {
                        gain: f64::INFINITY,
                        ..NeuronParams::nmnist()
                    },
                    ..ReservoirParams::nmnist()
                },
                "neuron.gain",
            ),
            (
                ReservoirParams {
                    neuron: NeuronParams {
                        v_reset: 6.0,
                        ..NeuronParams::nmnist()
                    },
                    ..ReservoirParams::nmnist()
                },
                "neuron.v_reset",
            ),
            (
                ReservoirParams {
                    neuron: NeuronParams {
                        v_th: -1.0,
                        reset: ResetMode::Subtract,
                        ..NeuronParams::nmnist()
                    },
                    ..ReservoirParams::nmnist()
                },
                "neuron.v_th",
            ),
            (
                ReservoirParams {
                    input_layer: InputLayer::Lif(NeuronParams {
                        decay: -0.1,
                        ..NeuronParams::nmnist()
                    }),
                    ..ReservoirParams::nmnist()
                },
                "input_layer.decay",
            ),
        ];
        for (params, field) in bad {
            assert_eq!(field_of(params.validate().unwrap_err()), field);
        }
    }

    #[test]
    fn toml_round_trip_and_unknown_fields_rejected() {
        let p = ReservoirParams {
            input_layer: InputLayer::Lif(NeuronParams::ntidigits()),
            ..ReservoirParams::ntidigits()
        };
        let text = toml::to_string(&p).unwrap();
        let back: ReservoirParams = toml::from_str(&text).unwrap();
        assert_eq!(back, p);
        let err = toml::from_str::<ReservoirParams>("n_in = 4\nn_neurons = 3\n").unwrap_err();
        assert!(err.to_string().contains("n_neurons"), "{err}");
        let partial: ReservoirParams =
            toml::from_str("n_in = 64\n[neuron]\ndecay = 0.97\n").unwrap();
        assert_eq!(partial.n_in, 64);
        assert_eq!(partial.neuron.v_th, 5.0);
    }
}
