//! Macro parameters: the array, its partition layout, the read, the weight
//! scale, the converters and IR drop, with defaults, sources and validation.
//!
//! Every struct is `serde` with `deny_unknown_fields` and `default`, so a
//! configuration file names only what it changes. Units are in the key names
//! where they are not obvious; the code converts to SI.

use param_guard::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, ensure, non_negative, positive};
use crate::layout::Layout;

/// Largest number of rows or columns of the array.
pub const ARRAY_DIM_MAX: u32 = 16_384;

/// Largest converter resolution accepted, bits.
pub const CONVERTER_BITS_MAX: u32 = 24;

/// All parameters of the macro, grouped by circuit block.
///
/// The default is the paper's macro as this crate reads it (see the crate
/// docs for the parameter table with sources); [`MacroParams::ideal`] is the
/// same array with every non-ideality switched off.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MacroParams {
    /// Size and age of the cell array.
    pub array: ArrayParams,
    /// Named partitions (regions of rows and column pairs).
    pub layout: Layout,
    /// How a read drives the rows and senses the columns.
    pub read: ReadParams,
    /// Conductance that maps to one weight unit.
    pub weights: WeightScale,
    /// The input DAC.
    pub dac: DacParams,
    /// The trans-impedance amplifiers.
    pub tia: TiaParams,
    /// The output ADC.
    pub adc: AdcParams,
    /// Wire resistance and the nodal solve.
    pub ir_drop: IrDropParams,
}

impl MacroParams {
    /// The same macro with every non-ideality off: no read noise, no IR drop,
    /// DAC, TIA and ADC transparent (each an explicit `ideal = true`, not a
    /// resolution of zero bits). An event-driven read then returns exactly
    /// the sum of the active rows' weights, added in ascending row order in
    /// `f64`.
    pub fn ideal() -> MacroParams {
        let mut p = MacroParams::default();
        p.read.read_noise = false;
        p.dac.ideal = true;
        p.tia.ideal = true;
        p.adc.ideal = true;
        p.ir_drop.enabled = false;
        p
    }

    /// Parses parameters from TOML text (`file` names the source in errors)
    /// and validates them.
    pub fn from_toml_str(text: &str, file: &str) -> Result<MacroParams> {
        let p: MacroParams = toml::from_str(text).map_err(|e| Error::Layout {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        p.validate()?;
        Ok(p)
    }
}

impl ParamGuard for MacroParams {
    type Error = Error;

    /// Checks every field (and the layout against the array size); the error
    /// names the first bad field as a dotted path and its allowed range.
    fn validate(&self) -> Result<()> {
        self.array.validate()?;
        self.dac.validate()?;
        self.read.validate(&self.array, &self.dac)?;
        self.weights.validate()?;
        self.tia.validate()?;
        self.adc.validate()?;
        self.ir_drop.validate()?;
        self.layout.resolve(self.array.rows, self.array.cols)?;
        Ok(())
    }
}

/// The cell array.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArrayParams {
    /// Rows (word lines). Default 512: the paper's 512 x 512 macro.
    pub rows: u32,
    /// Columns. Default 512.
    pub cols: u32,
    /// Time between forming and reading, s, for retention drift
    /// (`rram_device::DriftParams`, applied only when the device's drift is
    /// enabled). Default 0: read right after forming.
    pub age_s: f64,
}

impl Default for ArrayParams {
    fn default() -> Self {
        Self {
            rows: 512,
            cols: 512,
            age_s: 0.0,
        }
    }
}

impl ParamGuard for ArrayParams {
    type Error = Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        let range = format!("in 1..={ARRAY_DIM_MAX}");
        ensure(
            (1..=ARRAY_DIM_MAX).contains(&self.rows),
            "array.rows",
            self.rows,
            &range,
        )?;
        ensure(
            (1..=ARRAY_DIM_MAX).contains(&self.cols),
            "array.cols",
            self.cols,
            &range,
        )?;
        non_negative("array.age_s", self.age_s)
    }
}

/// How the columns of a differential pair are sensed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sensing {
    /// The minus column's current is subtracted from the plus column's in
    /// the analogue domain (at the summing node of one TIA), and the
    /// difference is converted: one TIA and one ADC conversion per pair per
    /// cycle, bipolar ADC range. Sandia CrossSim's default for balanced
    /// cores (`subtract_current_in_xbar`).
    #[default]
    AnalogueDifference,
    /// Each column has its own TIA and is converted separately (unipolar
    /// ADC range); the difference is taken digitally: two TIAs, two ADC
    /// conversions and one digital subtraction per pair per cycle.
    DigitalDifference,
}

/// How a read drives the rows and senses the columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReadParams {
    /// Read voltage a spike applies to its row, V. Default 0.2 V: a typical
    /// non-disturbing RRAM read (well below the 3-5 V forming and the
    /// ~1 V switching voltages of TaOx cells); the paper does not state it.
    pub v_read_v: f64,
    /// Rows driven at once. Default 64: the paper's "8-channel 16-bit DAC
    /// giving 64 parallel analogue inputs" (8 channels x 8 lines selected by
    /// the multiplexer's 8-bit shift register). More active rows take
    /// several cycles, each converted separately and added digitally.
    pub parallel_rows: u32,
    /// Analogue or digital subtraction of the pair currents.
    pub sensing: Sensing,
    /// Per-read noise of the cells (Gaussian, and telegraph / 1/f when the
    /// device parameters enable them). Default on.
    pub read_noise: bool,
    /// Time between two successive reads with one [`crate::ReadScratch`], s:
    /// how far telegraph and 1/f states move between reads. Default 1 ms
    /// (assumed: the order of one reservoir time step; a ~0.3 s N-MNIST
    /// sample over 50-100 steps gives 3-6 ms). Unused unless those noises
    /// are enabled.
    pub read_interval_s: f64,
}

impl Default for ReadParams {
    fn default() -> Self {
        Self {
            v_read_v: 0.2,
            parallel_rows: 64,
            sensing: Sensing::AnalogueDifference,
            read_noise: true,
            read_interval_s: 1e-3,
        }
    }
}

impl ReadParams {
    /// Checks the fields (the read voltage against the DAC's range).
    pub fn validate(&self, array: &ArrayParams, dac: &DacParams) -> Result<()> {
        ensure(
            self.v_read_v.is_finite() && self.v_read_v > 0.0 && self.v_read_v <= dac.v_max_v,
            "read.v_read_v",
            self.v_read_v,
            &format!("in (0, dac.v_max_v = {}]", dac.v_max_v),
        )?;
        ensure(
            self.parallel_rows >= 1 && self.parallel_rows <= array.rows,
            "read.parallel_rows",
            self.parallel_rows,
            &format!("in 1..=array.rows = {}", array.rows),
        )?;
        positive("read.read_interval_s", self.read_interval_s)
    }
}

/// The conductance `g_scale` of one weight unit, `w = (G+ - G-) / g_scale`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum WeightScale {
    /// Per partition, the (population) standard deviation of its
    /// differential conductances, so that its weights have unit variance
    /// whatever the programming. The default: the reservoir's gains then
    /// carry over between device settings.
    #[default]
    Auto,
    /// A given scale for every partition.
    Given {
        /// Conductance of one weight unit, uS.
        g_scale_us: f64,
    },
}

impl ParamGuard for WeightScale {
    type Error = Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        match self {
            WeightScale::Auto => Ok(()),
            WeightScale::Given { g_scale_us } => positive("weights.g_scale_us", *g_scale_us),
        }
    }
}

/// The input DAC (8-channel, 16-bit, 0-5 V in the paper).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DacParams {
    /// Transparent DAC: row voltages are exactly `x V_read`. Default false.
    pub ideal: bool,
    /// Resolution, bits. Default 16 (paper).
    pub bits: u32,
    /// Full-scale output, V; codes span `0..=v_max_v`. Default 5 V (paper).
    pub v_max_v: f64,
}

impl Default for DacParams {
    fn default() -> Self {
        Self {
            ideal: false,
            bits: 16,
            v_max_v: 5.0,
        }
    }
}

impl DacParams {
    /// Voltage step of one code, V: `v_max / (2^bits - 1)`.
    pub fn lsb_v(&self) -> f64 {
        self.v_max_v / ((1u64 << self.bits) - 1) as f64
    }
}

impl ParamGuard for DacParams {
    type Error = Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        ensure(
            (1..=CONVERTER_BITS_MAX).contains(&self.bits),
            "dac.bits",
            self.bits,
            &format!("in 1..={CONVERTER_BITS_MAX}"),
        )?;
        positive("dac.v_max_v", self.v_max_v)
    }
}

/// The TIA feedback resistor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Feedback {
    /// `R_f = V_fs / I_max`: the largest expected sensed current maps to the
    /// ADC's full scale `V_fs`. `I_max = V_spike (|mu| p + h sigma sqrt(p))`
    /// with `mu`, `sigma` the mean and standard deviation of the sensed
    /// conductance (the pair difference, or one column under digital
    /// sensing) over the cells of all partitions, `p` the rows of one full
    /// cycle, `h` the headroom below.
    Auto {
        /// Headroom `h` in standard deviations of a full cycle's current.
        /// Default 4: a full 64-row cycle clips with probability 6e-5 per
        /// output, and the N-MNIST steps (~30 rows) essentially never.
        #[serde(default = "default_headroom")]
        headroom_sigma: f64,
    },
    /// A given resistor.
    Given {
        /// Feedback resistance, Ohm.
        r_f_ohm: f64,
    },
}

fn default_headroom() -> f64 {
    4.0
}

impl Default for Feedback {
    fn default() -> Self {
        Feedback::Auto {
            headroom_sigma: default_headroom(),
        }
    }
}

/// The trans-impedance amplifiers, `V = -I R_f`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TiaParams {
    /// Transparent TIA: linear, never saturates. Default false.
    pub ideal: bool,
    /// Feedback resistor. Default automatic (see [`Feedback::Auto`]).
    pub r_f: Feedback,
    /// Output saturation, V: the output is clipped to `[-v_sat, v_sat]`.
    /// Default 3.0 V: an op-amp on +-3.3 V supplies with 0.3 V of output
    /// headroom (assumed), above the ADC's range so the ADC clips first.
    pub v_sat_v: f64,
}

impl Default for TiaParams {
    fn default() -> Self {
        Self {
            ideal: false,
            r_f: Feedback::default(),
            v_sat_v: 3.0,
        }
    }
}

impl ParamGuard for TiaParams {
    type Error = Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        match &self.r_f {
            Feedback::Auto { headroom_sigma } => {
                ensure(
                    headroom_sigma.is_finite() && *headroom_sigma > 0.0 && *headroom_sigma <= 100.0,
                    "tia.r_f.headroom_sigma",
                    headroom_sigma,
                    "in (0, 100]",
                )?;
            }
            Feedback::Given { r_f_ohm } => positive("tia.r_f.r_f_ohm", *r_f_ohm)?,
        }
        positive("tia.v_sat_v", self.v_sat_v)
    }
}

/// The output ADC (14-bit in the paper).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdcParams {
    /// Transparent ADC: no quantisation, clipping or errors. Default false.
    pub ideal: bool,
    /// Resolution, bits. Default 14 (paper).
    pub bits: u32,
    /// Full scale, V: the input range is `[-v_fs, v_fs)` under analogue
    /// sensing (bipolar, codes `-2^(b-1) ..= 2^(b-1) - 1`) and `[0, v_fs)`
    /// under digital sensing (unipolar, codes `0 ..= 2^b - 1`). Default
    /// 2.5 V (assumed: a 2.5 V reference; the paper does not give it).
    pub v_fs_v: f64,
    /// Standard deviation of the relative gain error of each channel
    /// (drawn once per channel). Default 0 (off).
    pub gain_error_sigma: f64,
    /// Standard deviation of the offset of each channel, in LSB (drawn once
    /// per channel). Default 0 (off).
    pub offset_sigma_lsb: f64,
}

impl Default for AdcParams {
    fn default() -> Self {
        Self {
            ideal: false,
            bits: 14,
            v_fs_v: 2.5,
            gain_error_sigma: 0.0,
            offset_sigma_lsb: 0.0,
        }
    }
}

impl ParamGuard for AdcParams {
    type Error = Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        ensure(
            (1..=CONVERTER_BITS_MAX).contains(&self.bits),
            "adc.bits",
            self.bits,
            &format!("in 1..={CONVERTER_BITS_MAX}"),
        )?;
        positive("adc.v_fs_v", self.v_fs_v)?;
        ensure(
            self.gain_error_sigma.is_finite() && (0.0..=0.1).contains(&self.gain_error_sigma),
            "adc.gain_error_sigma",
            self.gain_error_sigma,
            "in [0, 0.1]",
        )?;
        let max_offset = f64::from(1u32 << (self.bits.min(CONVERTER_BITS_MAX) - 1));
        ensure(
            self.offset_sigma_lsb.is_finite()
                && self.offset_sigma_lsb >= 0.0
                && self.offset_sigma_lsb <= max_offset,
            "adc.offset_sigma_lsb",
            self.offset_sigma_lsb,
            &format!("in [0, 2^(bits - 1) = {max_offset}]"),
        )
    }
}

/// Wire resistance and the nodal solve of the active sub-network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IrDropParams {
    /// Solve the resistive network at every read. Default false.
    pub enabled: bool,
    /// Row-wire resistance per cell pitch, Ohm. Default 1 Ohm: the 0.5-1.5
    /// Ohm estimated for a 40 nm 1T1R pitch (aihwkit's presets use
    /// 0.15-0.35 Ohm).
    pub r_row_ohm: f64,
    /// Column-wire resistance per cell pitch, Ohm. Default 1 Ohm (same).
    pub r_col_ohm: f64,
    /// Output resistance of the row driver (DAC buffer and multiplexer
    /// switch), Ohm. Default 10 Ohm (assumed analogue-switch on-resistance).
    pub r_source_ohm: f64,
    /// Access-transistor on-resistance in series with each cell, Ohm.
    /// Default 0: the formed conductances are 1T1R read values, which
    /// already include the transistor; set it to model the RRAM element
    /// and the transistor separately.
    pub r_access_ohm: f64,
    /// Stop when no node voltage moved more than this in one sweep, V.
    /// Default 1e-10 V (5e-10 of the read voltage, far below an ADC LSB).
    pub tolerance_v: f64,
    /// Give up (an error) after this many sweeps. Default 1000.
    pub max_iterations: u32,
}

impl Default for IrDropParams {
    fn default() -> Self {
        Self {
            enabled: false,
            r_row_ohm: 1.0,
            r_col_ohm: 1.0,
            r_source_ohm: 10.0,
            r_access_ohm: 0.0,
            tolerance_v: 1e-10,
            max_iterations: 1000,
        }
    }
}

impl ParamGuard for IrDropParams {
    type Error = Error;

    /// Checks the fields.
    fn validate(&self) -> Result<()> {
        non_negative("ir_drop.r_row_ohm", self.r_row_ohm)?;
        non_negative("ir_drop.r_col_ohm", self.r_col_ohm)?;
        non_negative("ir_drop.r_source_ohm", self.r_source_ohm)?;
        non_negative("ir_drop.r_access_ohm", self.r_access_ohm)?;
        positive("ir_drop.tolerance_v", self.tolerance_v)?;
        ensure(
            (1..=1_000_000).contains(&self.max_iterations),
            "ir_drop.max_iterations",
            self.max_iterations,
            "in 1..=1000000",
        )
    }
}
