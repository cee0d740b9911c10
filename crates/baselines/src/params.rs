//! Parameters shared by the models: LIF dynamics, surrogate gradients,
//! initialisation, heads, losses and the training loop.

use readout::{Activation, OptimizerParams};
use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid};

/// Discrete leaky integrate-and-fire dynamics (the reservoir's, `lsm`):
///
/// ```text
/// u(t) = decay * v(t-1) + gain * I(t) + (1 - decay) * v_rest
/// r(t) = [u(t) > v_th]                      (strict)
/// v(t) = u(t) * (1 - r(t)) + v_reset * r(t)  (reset where a spike was emitted)
/// ```
///
/// with `v(-1) = v_rest`. With `v_rest = v_reset = 0` this is the authors'
/// `u(t) = decay * u(t-1) * (1 - r(t-1)) + const * I(t)`.
///
/// | field | unit | meaning |
/// |---|---|---|
/// | `decay` | 1 | membrane retention per step, in [0, 1] |
/// | `gain` | 1 | input gain (the authors' `const`), > 0 |
/// | `v_th` | 1 (weight units) | threshold |
/// | `v_rest` | 1 | resting potential, below `v_th` (default 0) |
/// | `v_reset` | 1 | reset potential, below `v_th` (default 0) |
///
/// Defaults (`Default`): the authors' N-MNIST SRNN, decay 0.9, gain 0.03,
/// `v_th` 0.3 (`LSM-NMNIST/run_srnn_ann.sh`: `--const 0.03 --Vth 0.3`,
/// `Decay_lsm` default 0.9), `v_rest = v_reset = 0`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LifParams {
    /// Membrane retention per step, in [0, 1].
    pub decay: f64,
    /// Input gain, finite and > 0.
    pub gain: f64,
    /// Firing threshold, finite.
    pub v_th: f64,
    /// Resting potential (and initial potential), finite and below `v_th`.
    pub v_rest: f64,
    /// Potential after a spike, finite and below `v_th`.
    pub v_reset: f64,
}

impl Default for LifParams {
    fn default() -> Self {
        LifParams::new(0.9, 0.03, 0.3)
    }
}

impl LifParams {
    /// Dynamics with `v_rest = v_reset = 0`.
    pub const fn new(decay: f64, gain: f64, v_th: f64) -> LifParams {
        LifParams {
            decay,
            gain,
            v_th,
            v_rest: 0.0,
            v_reset: 0.0,
        }
    }

    /// Checks ranges; `prefix` names the parameter path in errors.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        let f = |n: &str| format!("{prefix}.{n}");
        if !(0.0..=1.0).contains(&self.decay) {
            return Err(invalid(&f("decay"), self.decay, "in [0, 1]"));
        }
        if !(self.gain.is_finite() && self.gain > 0.0) {
            return Err(invalid(&f("gain"), self.gain, "finite and > 0"));
        }
        if !self.v_th.is_finite() {
            return Err(invalid(&f("v_th"), self.v_th, "finite"));
        }
        if !(self.v_rest.is_finite() && self.v_rest < self.v_th) {
            return Err(invalid(
                &f("v_rest"),
                self.v_rest,
                &format!("finite and below v_th = {}", self.v_th),
            ));
        }
        if !(self.v_reset.is_finite() && self.v_reset < self.v_th) {
            return Err(invalid(
                &f("v_reset"),
                self.v_reset,
                &format!("finite and below v_th = {}", self.v_th),
            ));
        }
        Ok(())
    }
}

/// Pseudo-derivative `dS/du` of the spike `S = [u > v_th]` used in the
/// backward pass, as a function of `x = u - v_th`.
///
/// * `Rectangular { half_width: a, height: h }`: `dS/du = h` for `|x| < a`,
///   else 0. The authors pass `lens=0.25` to their (unpublished) model; in
///   the public STBP code their scripts follow (`yjwu17/STBP-for-training-
///   SpikingNN`, `spiking_model.py`: `temp = abs(input - thresh) < lens;
///   return grad_input * temp.float()`) `lens` is the half-width and the
///   height is 1, so the default is `a = 0.25`, `h = 1`. The STBP paper's
///   `h(u) = (1/w) [|u - V_th| < w/2]` (Wu et al., Front. Neurosci. 12:331,
///   2018) has unit area instead, `h = 1 / (2a)` (2 at `a = 0.25`, the
///   derivative of a hard sigmoid), and some codes of the family divide by
///   `2 lens` to get it. The two are not interchangeable: in BPTT the
///   surrogate multiplies every backward step through a spike, so a path
///   from a loss at step `t` to a weight used at step `t - k` through `k`
///   spike nonlinearities scales as `h^k`. Height 2 instead of 1 weights
///   lag-`k` contributions `2^k` times more relative to the head's and to
///   short-lag ones; Adam's invariance to one global gradient scale does
///   not undo that.
/// * `FastSigmoid { slope: k }`: `dS/du = 1 / (1 + k |x|)^2` (SuperSpike,
///   Zenke & Ganguli 2018; snnTorch's `fast_sigmoid`, default `k = 25`).
///
/// [`Surrogate::primitive`] is the integral of the derivative from minus
/// infinity (a hard or a fast sigmoid): replacing the Heaviside step by it
/// gives a smooth network whose exact gradient is the surrogate gradient.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Surrogate {
    /// Rectangular window of half-width `half_width` and height `height`
    /// around the threshold.
    Rectangular {
        /// Half-width `a` of the window, finite and > 0.
        half_width: f64,
        /// Height `h` (`dS/du` inside the window), finite and > 0; 1 when
        /// absent (the STBP code's).
        #[serde(default = "unit_height")]
        height: f64,
    },
    /// Fast sigmoid derivative `1 / (1 + slope |x|)^2`.
    FastSigmoid {
        /// Steepness `k`, finite and > 0.
        slope: f64,
    },
}

impl Default for Surrogate {
    fn default() -> Self {
        Surrogate::Rectangular {
            half_width: 0.25,
            height: 1.0,
        }
    }
}

/// The rectangle's default height (the STBP code's).
fn unit_height() -> f64 {
    1.0
}

impl Surrogate {
    /// `dS/du` at `x = u - v_th`.
    pub fn derivative(&self, x: f64) -> f64 {
        match *self {
            Surrogate::Rectangular { half_width, height } => {
                if x.abs() < half_width {
                    height
                } else {
                    0.0
                }
            }
            Surrogate::FastSigmoid { slope } => {
                let d = 1.0 + slope * x.abs();
                1.0 / (d * d)
            }
        }
    }

    /// The integral of [`Surrogate::derivative`] from minus infinity to `x`:
    /// `h clamp(x + a, 0, 2a)` for the rectangle (in `[0, 2ah]`),
    /// `x / (1 + k|x|) + 1/k` (in `(0, 2/k)`) for the fast sigmoid.
    pub fn primitive(&self, x: f64) -> f64 {
        match *self {
            Surrogate::Rectangular { half_width, height } => {
                height * (x + half_width).clamp(0.0, 2.0 * half_width)
            }
            Surrogate::FastSigmoid { slope } => x / (1.0 + slope * x.abs()) + 1.0 / slope,
        }
    }

    /// Checks ranges; `prefix` names the parameter path in errors.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        match *self {
            Surrogate::Rectangular { half_width, height } => {
                for (name, v) in [("half_width", half_width), ("height", height)] {
                    if !(v.is_finite() && v > 0.0) {
                        return Err(invalid(&format!("{prefix}.{name}"), v, "finite and > 0"));
                    }
                }
            }
            Surrogate::FastSigmoid { slope } => {
                if !(slope.is_finite() && slope > 0.0) {
                    return Err(invalid(&format!("{prefix}.slope"), slope, "finite and > 0"));
                }
            }
        }
        Ok(())
    }
}

/// Initial weights: PyTorch's `nn.Linear` rule (uniform in
/// `[-1/sqrt(fan_in), 1/sqrt(fan_in)]`, biases too) times a scale per
/// matrix, optionally followed by a data-driven calibration of the input
/// scale.
///
/// The authors trained in PyTorch; their model file is not published. With
/// the N-MNIST dynamics (gain 0.03, `v_th` 0.3) and PyTorch's bounds the
/// untrained layer never fires on N-MNIST-like input (about 27 of 256
/// channels active per step), so no surrogate gradient would ever flow
/// through a spike. `target_rate` fixes that without guessing a scale: after
/// drawing, the input weights and hidden biases are multiplied by one
/// factor `s`, found by bisection on `log s` over `[1e-3, 1e4]` (40
/// halvings), such that the mean firing probability of the untrained hidden
/// neurons over the first (up to) 128 training sequences is `target_rate`
/// (in the spirit of LSUV, Mishkin & Matas 2016). These forward passes are
/// initialisation, not training, and are not counted.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InitParams {
    /// Scale of the input weights and the biases, finite and >= 0.
    pub input_scale: f64,
    /// Scale of the recurrent weights, finite and >= 0.
    pub recurrent_scale: f64,
    /// Calibrate the input scale to this initial firing probability per
    /// neuron and step, in (0, 1); `None`: no calibration.
    pub target_rate: Option<f64>,
}

impl Default for InitParams {
    fn default() -> Self {
        InitParams {
            input_scale: 1.0,
            recurrent_scale: 1.0,
            target_rate: None,
        }
    }
}

impl InitParams {
    /// Checks ranges; `prefix` names the parameter path in errors.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        for (n, v) in [
            ("input_scale", self.input_scale),
            ("recurrent_scale", self.recurrent_scale),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(&format!("{prefix}.{n}"), v, "finite and >= 0"));
            }
        }
        if let Some(r) = self.target_rate
            && !(r > 0.0 && r < 1.0)
        {
            return Err(invalid(
                &format!("{prefix}.target_rate"),
                r,
                "in (0, 1) or absent",
            ));
        }
        Ok(())
    }
}

/// A spiking recurrent layer: `inputs -> hidden` LIF neurons with all-to-all
/// trainable recurrent synapses (self-connections included).
///
/// | field | unit | default | source |
/// |---|---|---|---|
/// | `inputs` | channels | 256 | N-MNIST 16x16 crop (authors' scripts) |
/// | `hidden` | neurons | 200 | authors' scripts (`ARCHI 256,200,10`) |
/// | `lif` | - | decay 0.9, gain 0.03, `v_th` 0.3 | `LSM-NMNIST/run_srnn_ann.sh` |
/// | `surrogate` | - | rectangle, half-width 0.25, height 1 | authors' `lens=0.25`; height of the STBP code they follow |
/// | `detach_reset` | - | false | STBP form (gradient through `1 - r`) |
/// | `bias` | - | true | PyTorch `nn.Linear` default |
/// | `init` | - | PyTorch bounds x 1, no calibration | our choice (the presets calibrate, see [`InitParams`]) |
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SrnnParams {
    /// Input channels, >= 1.
    pub inputs: usize,
    /// Hidden LIF neurons, >= 1.
    pub hidden: usize,
    /// LIF dynamics of the hidden neurons.
    pub lif: LifParams,
    /// Pseudo-derivative of the spike.
    pub surrogate: Surrogate,
    /// Treat the reset `v = u (1 - r)` as constant in the backward pass
    /// (snnTorch's default); `false` lets the gradient flow through the
    /// spike in the reset term as well (STBP, the authors' code family).
    pub detach_reset: bool,
    /// A trainable bias current per hidden neuron.
    pub bias: bool,
    /// Initial weight scales.
    pub init: InitParams,
}

impl Default for SrnnParams {
    fn default() -> Self {
        SrnnParams {
            inputs: 256,
            hidden: 200,
            lif: LifParams::default(),
            surrogate: Surrogate::default(),
            detach_reset: false,
            bias: true,
            init: InitParams::default(),
        }
    }
}

impl SrnnParams {
    /// Checks every field; `prefix` names the parameter path in errors.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        if self.inputs == 0 || self.inputs > u32::MAX as usize {
            return Err(invalid(
                &format!("{prefix}.inputs"),
                self.inputs,
                "in 1..=4294967295",
            ));
        }
        if self.hidden == 0 || self.hidden > u32::MAX as usize {
            return Err(invalid(
                &format!("{prefix}.hidden"),
                self.hidden,
                "in 1..=4294967295",
            ));
        }
        self.lif.validate(&format!("{prefix}.lif"))?;
        self.surrogate.validate(&format!("{prefix}.surrogate"))?;
        self.init.validate(&format!("{prefix}.init"))
    }
}

/// Loss on the network's outputs `y` (one value per class) against the
/// one-hot target `e_c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// `mean_k (y_k - e_c,k)^2` (PyTorch `nn.MSELoss`, mean over classes and
    /// samples); the authors' N-MNIST baselines.
    Mse,
    /// `logsumexp(y) - y_c` (PyTorch `nn.CrossEntropyLoss`); the authors'
    /// N-TIDIGITS baselines.
    CrossEntropy,
}

/// One hidden layer of an ANN head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HiddenLayer {
    /// Width, >= 1.
    pub width: usize,
    /// Non-linearity after it.
    pub activation: Activation,
}

/// A feed-forward (ANN) head: dense layers with the given hidden layers and
/// a linear output layer (no hidden layer: one linear layer, the default).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnnHeadParams {
    /// Hidden layers, in order (empty: linear head).
    pub hidden_layers: Vec<HiddenLayer>,
}

impl AnnHeadParams {
    /// Checks every field.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        for (i, l) in self.hidden_layers.iter().enumerate() {
            if l.width == 0 {
                return Err(invalid(
                    &format!("{prefix}.hidden_layers[{i}].width"),
                    0,
                    ">= 1",
                ));
            }
        }
        Ok(())
    }
}

/// A spiking readout: one LIF neuron per class driven by the hidden spikes
/// through trainable weights; the output is its spike count over the
/// processed steps divided by their number (a rate in [0, 1]).
///
/// | field | default | source |
/// |---|---|---|
/// | `lif.decay` | 0.9 | authors' `--Decay` (N-MNIST) |
/// | `lif.gain`, `lif.v_th` | 0.03, 0.3 | assumed equal to the hidden layer's (model file unpublished) |
/// | `bias` | true | PyTorch `nn.Linear` default |
/// | `init_scale` | 1 | our choice |
/// | `target_rate` | none | our choice (the presets use 5 %) |
///
/// An output neuron that never comes within the surrogate's reach of its
/// threshold gets no gradient and stays silent for good (with the
/// N-MNIST gain of 0.03 and PyTorch's bounds none of them fires).
/// `target_rate` calibrates the readout weights and biases like
/// [`InitParams::target_rate`] does the input weights: one factor, found by
/// bisection on its log over `[1e-3, 1e4]`, that makes the untrained output
/// neurons fire with that mean probability per step on the first (up to)
/// 128 training sequences, after the hidden layer's own calibration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SnnHeadParams {
    /// Dynamics of the output neurons.
    pub lif: LifParams,
    /// A trainable bias current per output neuron.
    pub bias: bool,
    /// Scale of the PyTorch initialisation bound, finite and >= 0.
    pub init_scale: f64,
    /// Calibrate the readout scale to this initial output firing
    /// probability, in (0, 1); `None`: no calibration.
    pub target_rate: Option<f64>,
}

impl Default for SnnHeadParams {
    fn default() -> Self {
        SnnHeadParams {
            lif: LifParams::default(),
            bias: true,
            init_scale: 1.0,
            target_rate: None,
        }
    }
}

impl SnnHeadParams {
    /// Checks every field.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        self.lif.validate(&format!("{prefix}.lif"))?;
        if !(self.init_scale.is_finite() && self.init_scale >= 0.0) {
            return Err(invalid(
                &format!("{prefix}.init_scale"),
                self.init_scale,
                "finite and >= 0",
            ));
        }
        if let Some(r) = self.target_rate
            && !(r > 0.0 && r < 1.0)
        {
            return Err(invalid(
                &format!("{prefix}.target_rate"),
                r,
                "in (0, 1) or absent",
            ));
        }
        Ok(())
    }
}

/// The minibatch training loop.
///
/// | field | default | source |
/// |---|---|---|
/// | `epochs` | 100 | authors' scripts |
/// | `batch_size` | 80 | authors' N-MNIST SRNN (`--batch 80`) |
/// | `optimizer` | Adam, lr 1e-4 | authors' N-MNIST SRNN |
/// | `chunk_size` | 8 | our choice (determinism unit, see below) |
/// | `patience` | none (train every epoch) | our option: stop after this many epochs without a better validation accuracy |
///
/// Early stopping (`patience = Some(p)`) needs a validation set: training
/// ends once `p` consecutive epochs have not beaten the best validation
/// accuracy so far, and the best epoch's weights are restored (as without
/// patience). The authors trained every one of their 100 epochs.
///
/// Gradients of a minibatch are summed per chunk of `chunk_size`
/// consecutive samples (in sample order), then the chunk sums are added in
/// chunk order: the result is the same bit for bit whatever the number of
/// threads. Chunks run in parallel (rayon); the chunk size only changes the
/// rounding of the sum and the parallel grain.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingParams {
    /// Passes over the training data, >= 1.
    pub epochs: usize,
    /// Samples (or pairs) per optimiser step, >= 1 (>= 2 for contrastive).
    pub batch_size: usize,
    /// Optimiser and learning rate (PyTorch's update rules).
    pub optimizer: OptimizerParams,
    /// Samples per gradient chunk, >= 1.
    pub chunk_size: usize,
    /// Epochs without a better validation accuracy after which training
    /// stops (`None`: every epoch runs), >= 1.
    pub patience: Option<usize>,
}

impl Default for TrainingParams {
    fn default() -> Self {
        TrainingParams {
            epochs: 100,
            batch_size: 80,
            optimizer: OptimizerParams::adam(1e-4),
            chunk_size: 8,
            patience: None,
        }
    }
}

impl TrainingParams {
    /// Checks every field.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        if self.epochs == 0 {
            return Err(invalid(&format!("{prefix}.epochs"), 0, ">= 1"));
        }
        if self.batch_size == 0 {
            return Err(invalid(&format!("{prefix}.batch_size"), 0, ">= 1"));
        }
        if self.chunk_size == 0 {
            return Err(invalid(&format!("{prefix}.chunk_size"), 0, ">= 1"));
        }
        if self.patience == Some(0) {
            return Err(invalid(&format!("{prefix}.patience"), 0, ">= 1 or absent"));
        }
        Ok(self.optimizer.validate(&format!("{prefix}.optimizer"))?)
    }
}

/// How the number of steps a model processes relates to the binning.
pub(crate) fn validate_window(prefix: &str, bin_steps: usize, window: Option<usize>) -> Result<()> {
    if bin_steps == 0 {
        return Err(invalid(&format!("{prefix}.bin_steps"), 0, ">= 1"));
    }
    if let Some(w) = window
        && (w == 0 || w > bin_steps)
    {
        return Err(invalid(
            &format!("{prefix}.time_window"),
            w,
            &format!("in 1..={bin_steps} (bin_steps) or absent"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_derivative_is_the_derivative_of_its_primitive() {
        // Central differences with h = 1e-6 on smooth pieces: truncation
        // ~h^2 * f''' ~ 1e-12 * 1e4 (k = 25, f''' ~ 6 k^3 near 0 is avoided
        // by staying |x| >= 0.01), rounding ~1e-16 / 1e-6 = 1e-10: 1e-6.
        for s in [
            Surrogate::FastSigmoid { slope: 25.0 },
            Surrogate::FastSigmoid { slope: 2.0 },
            Surrogate::default(),
        ] {
            for &x in &[-1.0, -0.2, -0.01, 0.01, 0.1, 0.3, 2.0] {
                let h = 1e-6;
                let fd = (s.primitive(x + h) - s.primitive(x - h)) / (2.0 * h);
                assert!(
                    (fd - s.derivative(x)).abs() < 1e-6,
                    "{s:?} at {x}: {fd} vs {}",
                    s.derivative(x)
                );
            }
        }
        // Hand values: the default rectangle (half-width 0.25) has height 1
        // inside; the unit-area one height 2.
        let r = Surrogate::default();
        assert_eq!(r.derivative(0.2), 1.0);
        assert_eq!(r.derivative(0.25), 0.0);
        assert_eq!(r.primitive(-1.0), 0.0);
        assert_eq!(r.primitive(0.0), 0.25);
        assert_eq!(r.primitive(1.0), 0.5);
        let unit_area = Surrogate::Rectangular {
            half_width: 0.25,
            height: 2.0,
        };
        assert_eq!(unit_area.derivative(-0.1), 2.0);
        assert_eq!(unit_area.primitive(1.0), 1.0);
        // A file that gives no height gets the default; a bad one is named.
        let s: Surrogate =
            serde_json::from_str(r#"{"kind":"rectangular","half_width":0.5}"#).unwrap();
        assert_eq!(
            s,
            Surrogate::Rectangular {
                half_width: 0.5,
                height: 1.0
            }
        );
        let bad = Surrogate::Rectangular {
            half_width: 0.25,
            height: 0.0,
        };
        let e = bad.validate("srnn.surrogate").unwrap_err().to_string();
        assert!(e.contains("srnn.surrogate.height"), "{e}");
        // Fast sigmoid: 1 / (1 + 25 * 0.04)^2 = 1/4.
        assert_eq!(
            Surrogate::FastSigmoid { slope: 25.0 }.derivative(-0.04),
            0.25
        );
    }

    #[test]
    fn invalid_values_are_named() {
        let mut p = SrnnParams::default();
        p.validate("srnn").unwrap();
        p.lif.decay = 1.5;
        let e = p.validate("srnn").unwrap_err().to_string();
        assert!(e.contains("srnn.lif.decay") && e.contains("1.5"), "{e}");
        let mut p = SrnnParams::default();
        p.lif.v_reset = 0.3;
        assert!(
            p.validate("srnn")
                .unwrap_err()
                .to_string()
                .contains("srnn.lif.v_reset")
        );
        let p = SrnnParams {
            surrogate: Surrogate::FastSigmoid { slope: 0.0 },
            ..SrnnParams::default()
        };
        assert!(
            p.validate("srnn")
                .unwrap_err()
                .to_string()
                .contains("srnn.surrogate.slope")
        );
        let p = SrnnParams {
            hidden: 0,
            ..SrnnParams::default()
        };
        assert!(
            p.validate("srnn")
                .unwrap_err()
                .to_string()
                .contains("srnn.hidden")
        );
        let t = TrainingParams {
            optimizer: OptimizerParams::adam(-1.0),
            ..TrainingParams::default()
        };
        assert!(
            t.validate("training")
                .unwrap_err()
                .to_string()
                .contains("training.optimizer.lr")
        );
        assert!(validate_window("x", 50, Some(51)).is_err());
        assert!(validate_window("x", 50, Some(30)).is_ok());
        assert!(serde_json::from_str::<LifParams>(r#"{"decay":0.9,"tau":1}"#).is_err());
        let s: Surrogate = serde_json::from_str(r#"{"kind":"fast-sigmoid","slope":5}"#).unwrap();
        assert_eq!(s, Surrogate::FastSigmoid { slope: 5.0 });
    }
}
