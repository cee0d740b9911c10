//! The reservoir on the simulated RRAM chip.
//!
//! * [`MacroSynapses`]: every step's synaptic currents are one event-driven
//!   read of a [`cim_macro`] partition whose rows are the `n_in` inputs
//!   followed by the `n_res` recurrent neurons and whose differential
//!   columns are the `n_res` neurons: the paper's "hardware" reservoir, with
//!   read noise, converters and (optionally) IR drop as the macro is set up.
//! * [`device_weights`]: ideal floating-point weights drawn from the same
//!   device model ("software" in the paper): a fresh array of
//!   `(n_in + n_res) x 2 n_res` cells formed from the
//!   [`Purpose::ReservoirWiring`] stream, weights `(G+ - G-) / g_scale`.
//! * [`digital_twin`]: ideal weights copied from a formed macro without noise.
//!
//! One constructor per backend takes a reservoir's parameters:
//! [`MacroSynapses::for_reservoir`] and [`DenseSynapses::from_device`];
//! [`Reservoir::on_macro`] and [`Reservoir::ideal`] build the `f32`
//! reservoirs on them (the paper's hardware and software reservoirs).

use param_guard::ParamGuard;
use std::sync::Arc;

use cim_macro::rram_device::{ConductanceMap, DeviceParams, Program};
use cim_macro::{
    Macro, Partition, PartitionLayout, ReadScratch, StdAlgorithm, WeightScale, differential_weights,
};
use costmodel::OpCounts;
use seeds::{ChaCha8Rng, Purpose, Seeds};

use crate::error::{Error, Result};
use crate::params::ReservoirParams;
use crate::real::Real;
use crate::reservoir::Reservoir;
use crate::synapses::{DenseSynapses, Synapses};
use param_guard::ParamError;

/// Synapses read from a partition of a simulated crossbar macro.
#[derive(Clone, Debug)]
pub struct MacroSynapses {
    chip: Arc<Macro>,
    partition: Partition,
    n_in: usize,
    n_res: usize,
}

/// Per-sample state of a macro read: the macro's scratch and two buffers.
#[derive(Debug)]
pub struct MacroScratch {
    read: ReadScratch,
    rows: Vec<u32>,
    out: Vec<f64>,
}

impl MacroSynapses {
    /// Uses partition `name` of `chip` with `n_in` input rows; the partition
    /// must have `n_in + n_res` rows and `n_res` differential columns.
    pub fn new(chip: Arc<Macro>, name: &str, n_in: usize) -> Result<Self> {
        let partition = chip.partition(name)?;
        let n_res = partition.cols();
        if partition.rows() != n_in + n_res {
            return Err(Error::PartitionShape {
                name: name.to_owned(),
                rows: partition.rows(),
                cols: n_res,
                n_in,
            });
        }
        Ok(Self {
            chip,
            partition,
            n_in,
            n_res,
        })
    }

    /// Uses partition `partition` of `chip` as the synapses of a reservoir
    /// shaped by `params`: the partition must have `params.n_res`
    /// differential columns (else [`Error::InvalidParameter`] naming `n_res`
    /// and the partition) and `n_in + n_res` rows (else
    /// [`Error::PartitionShape`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use cim_macro::rram_device::{DeviceParams, Program};
    /// use cim_macro::{Macro, MacroParams};
    /// use lsm::{MacroSynapses, ReservoirParams, Synapses};
    /// use seeds::Seeds;
    ///
    /// let chip = Arc::new(Macro::program(&MacroParams::default(), &DeviceParams::default(), &Program::default(), Seeds::new(1))?);
    /// let syn = MacroSynapses::for_reservoir(chip.clone(), "ntidigits", &ReservoirParams::ntidigits())?;
    /// assert_eq!((Synapses::<f32>::n_in(&syn), Synapses::<f32>::n_res(&syn)), (64, 200));
    /// // The N-MNIST partition has 256 input rows, not 64.
    /// let err = MacroSynapses::for_reservoir(chip, "nmnist", &ReservoirParams::ntidigits()).unwrap_err();
    /// assert!(err.to_string().contains("`nmnist`"));
    /// # Ok::<(), lsm::Error>(())
    /// ```
    pub fn for_reservoir(
        chip: Arc<Macro>,
        partition: &str,
        params: &ReservoirParams,
    ) -> Result<Self> {
        let cols = chip.partition(partition)?.cols();
        if cols != params.n_res {
            return Err(Error::InvalidParameter(ParamError {
                field: "n_res".to_owned(),
                value: params.n_res.to_string(),
                allowed: format!(
                    "{cols}, the differential columns of macro partition `{partition}`"
                ),
            }));
        }
        Self::new(chip, partition, params.n_in)
    }

    /// The macro.
    pub fn chip(&self) -> &Arc<Macro> {
        &self.chip
    }

    /// The partition read.
    pub fn partition(&self) -> &Partition {
        &self.partition
    }
}

impl<F: Real> Synapses<F> for MacroSynapses {
    type Scratch = MacroScratch;

    fn n_in(&self) -> usize {
        self.n_in
    }

    fn n_res(&self) -> usize {
        self.n_res
    }

    fn name(&self) -> &'static str {
        "macro"
    }

    fn new_scratch(&self) -> Result<MacroScratch> {
        Ok(MacroScratch {
            read: self.chip.new_scratch(&self.partition)?,
            rows: Vec::with_capacity(self.n_in + self.n_res),
            out: vec![0.0; self.n_res],
        })
    }

    fn currents(
        &self,
        inputs: &[u32],
        spiked: &[u32],
        out: &mut [F],
        scratch: &mut MacroScratch,
        rng: &mut ChaCha8Rng,
        ops: &mut OpCounts,
    ) -> Result<()> {
        scratch.rows.clear();
        scratch.rows.extend_from_slice(inputs);
        let offset = self.n_in as u32;
        scratch.rows.extend(spiked.iter().map(|&k| k + offset));
        self.chip.read_events(
            &self.partition,
            &scratch.rows,
            &mut scratch.out,
            &mut scratch.read,
            rng,
            ops,
        )?;
        for (o, &x) in out.iter_mut().zip(&scratch.out) {
            *o = F::from_f64(x);
        }
        Ok(())
    }

    fn dense_weights(&self) -> Vec<f64> {
        // The partition was resolved by this very macro in `new`, so the
        // lookup cannot fail.
        self.chip
            .effective_weights(&self.partition)
            .unwrap_or_default()
    }
}

/// Ideal weights copied from a formed macro's partition without noise or
/// converters: a digital twin of the chip's reservoir.
pub fn digital_twin<F: Real>(synapses: &MacroSynapses) -> Result<DenseSynapses<F>> {
    let w = synapses.chip.effective_weights(&synapses.partition)?;
    DenseSynapses::from_fan_out(synapses.n_in, synapses.n_res, &w)
}

impl<F: Real> DenseSynapses<F> {
    /// The ideal ("software") synapses of a reservoir shaped by `params`:
    /// [`device_weights`]`(params.n_in, params.n_res, ...)`, weights drawn
    /// from the device model with the same rule and scale as the macro's
    /// partitions, from the [`Purpose::ReservoirWiring`] stream of `seeds`.
    ///
    /// ```
    /// use cim_macro::WeightScale;
    /// use cim_macro::rram_device::{DeviceParams, Program};
    /// use lsm::{DenseSynapses, ReservoirParams, Synapses, device_weights};
    /// use seeds::Seeds;
    ///
    /// let p = ReservoirParams::ntidigits();
    /// let (device, program) = (DeviceParams::default(), Program::default());
    /// let syn = DenseSynapses::<f32>::from_device(&p, &device, &program, &WeightScale::Auto, Seeds::new(2))?;
    /// let same = device_weights::<f32>(64, 200, &device, &program, &WeightScale::Auto, Seeds::new(2))?;
    /// assert_eq!(syn, same);
    /// assert_eq!(syn.dense_weights().len(), (64 + 200) * 200);
    /// # Ok::<(), lsm::Error>(())
    /// ```
    pub fn from_device(
        params: &ReservoirParams,
        device: &DeviceParams,
        program: &Program,
        scale: &WeightScale,
        seeds: Seeds,
    ) -> Result<Self> {
        params.validate()?;
        device_weights(params.n_in, params.n_res, device, program, scale, seeds)
    }
}

impl Reservoir<f32, MacroSynapses> {
    /// The hardware reservoir in `f32`: `params` on partition `partition`
    /// of `chip` ([`MacroSynapses::for_reservoir`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use cim_macro::rram_device::{DeviceParams, Program};
    /// use cim_macro::{Macro, MacroParams};
    /// use lsm::{Reservoir, ReservoirParams};
    /// use seeds::Seeds;
    ///
    /// let seeds = Seeds::new(3);
    /// let chip = Arc::new(Macro::program(&MacroParams::default(), &DeviceParams::default(), &Program::default(), seeds)?);
    /// let hw = Reservoir::on_macro(ReservoirParams::nmnist(), chip, "nmnist")?;
    /// assert_eq!(hw.params().n_in, 256);
    /// # Ok::<(), lsm::Error>(())
    /// ```
    pub fn on_macro(params: ReservoirParams, chip: Arc<Macro>, partition: &str) -> Result<Self> {
        params.validate()?;
        let synapses = MacroSynapses::for_reservoir(chip, partition, &params)?;
        Reservoir::new(params, synapses)
    }
}

impl Reservoir<f32, DenseSynapses<f32>> {
    /// The software reservoir in `f32`: `params` on ideal weights drawn from
    /// the device model ([`DenseSynapses::from_device`]); with the chip's
    /// `device`, `program`, weight scale (`MacroParams::weights`) and seeds
    /// it is the paper's software twin of [`Reservoir::on_macro`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use cim_macro::rram_device::{DeviceParams, Program};
    /// use cim_macro::{Macro, MacroParams};
    /// use lsm::{Reservoir, ReservoirParams};
    /// use seeds::Seeds;
    ///
    /// let (device, program, chip) = (DeviceParams::default(), Program::default(), MacroParams::default());
    /// let (params, seeds) = (ReservoirParams::nmnist(), Seeds::new(3));
    /// let formed = Arc::new(Macro::program(&chip, &device, &program, seeds)?);
    /// let software = Reservoir::ideal(params.clone(), &device, &program, &chip.weights, seeds)?;
    /// let hardware = Reservoir::on_macro(params, formed, "nmnist")?;
    /// assert_eq!(software.params(), hardware.params());
    /// # Ok::<(), lsm::Error>(())
    /// ```
    pub fn ideal(
        params: ReservoirParams,
        device: &DeviceParams,
        program: &Program,
        scale: &WeightScale,
        seeds: Seeds,
    ) -> Result<Self> {
        let synapses = DenseSynapses::from_device(&params, device, program, scale, seeds)?;
        Reservoir::new(params, synapses)
    }
}

/// Ideal weights drawn from the device model: forms an independent array of
/// `(n_in + n_res) x 2 n_res` cells with `device` and `program` from the
/// `Purpose::ReservoirWiring` stream of `seeds`, pairs columns `2j, 2j + 1`
/// as `(G+, G-)` of neuron `j`, and scales by `g_scale` ([`WeightScale::Auto`]:
/// the standard deviation of the drawn differential conductances, as the
/// macro does per partition). This is the paper's "software" reservoir: the
/// same weight distribution as the chip, without its read noise and
/// converters.
pub fn device_weights<F: Real>(
    n_in: usize,
    n_res: usize,
    device: &DeviceParams,
    program: &Program,
    scale: &WeightScale,
    seeds: Seeds,
) -> Result<DenseSynapses<F>> {
    let rows = n_in + n_res;
    let mut rng = seeds.stream(Purpose::ReservoirWiring);
    let map = ConductanceMap::form(rows, 2 * n_res, device, program, &mut rng)?;
    let (w, _) = differential_weights(
        &map,
        &adjacent_pairs(rows, n_res)?,
        scale,
        StdAlgorithm::TwoPass,
    )?;
    DenseSynapses::from_fan_out(n_in, n_res, &w)
}

/// Every row of a `rows x 2 n_res` array, pair `j` = columns `(2j, 2j + 1)`.
fn adjacent_pairs(rows: usize, n_res: usize) -> Result<PartitionLayout> {
    let index = |what: &str, v: usize| {
        u32::try_from(v).map_err(|_| {
            Error::InvalidParameter(ParamError {
                field: what.to_owned(),
                value: v.to_string(),
                allowed: format!("<= {}", u32::MAX),
            })
        })
    };
    index("n_in + n_res", rows)?;
    index("2 n_res", 2 * n_res)?;
    Ok(PartitionLayout {
        name: "device weights".to_owned(),
        rows: (0..rows as u32).collect(),
        plus: (0..n_res as u32).map(|j| 2 * j).collect(),
        minus: (0..n_res as u32).map(|j| 2 * j + 1).collect(),
    })
}
